//! A printable routine sheet (HTML with print styles, or Markdown) for `limber handout` and `cargo xtask handout`.

use std::fmt::Write as _;

use limber_core::{Dose, Library, Routine, RoutineId, Stretch, drawing};

/// The routine a handout shows when none is named.
pub const DEFAULT_ROUTINE: &str = "full";

/// How a handout is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML page with inline SVG figures and print CSS (A4 and Letter).
    Html,
    /// Markdown, with the figures as inline SVG data URIs.
    Markdown,
}

/// Why a handout could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HandoutError {
    /// No routine has this id.
    #[error("there is no routine called `{id}`. Known routines: {known}")]
    UnknownRoutine {
        /// The id asked for.
        id: String,
        /// The ids there are.
        known: String,
    },
    /// The routine names a stretch the library does not have (content that skipped validation).
    #[error("routine `{routine}` names a stretch `{stretch}` that is not in the content")]
    MissingStretch {
        /// The routine.
        routine: String,
        /// The missing stretch.
        stretch: String,
    },
}

/// What a handout shows, gathered from the library for one routine.
struct Sheet<'a> {
    library: &'a Library,
    routine: &'a Routine,
    stretches: Vec<&'a Stretch>,
}

impl<'a> Sheet<'a> {
    fn new(library: &'a Library, id: &str) -> Result<Sheet<'a>, HandoutError> {
        let Some(routine) = library.routine(&RoutineId::from(id)) else {
            let known: Vec<&str> = library.routines.iter().map(|r| r.id.0.as_str()).collect();
            return Err(HandoutError::UnknownRoutine { id: id.to_owned(), known: known.join(", ") });
        };
        let stretches = routine
            .stretches
            .iter()
            .map(|s| {
                library
                    .stretch(s)
                    .ok_or_else(|| HandoutError::MissingStretch { routine: routine.id.0.clone(), stretch: s.0.clone() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sheet { library, routine, stretches })
    }

    /// The warm-up activities: the routine's own, or the library's.
    fn warm_up_activities(&self) -> &[String] {
        if self.routine.warm_up_activities.is_empty() {
            &self.library.warm_up.activities
        } else {
            &self.routine.warm_up_activities
        }
    }

    /// The safety advice every sheet carries, as (heading, text).
    /// The safety rules for a sheet of paper: what to do, not what a session says at the
    /// moment it happens (there are no answers or ratings on paper to refer to).
    fn safety(&self) -> [(&'static str, String); 6] {
        let a = &self.library.advice;
        [
            (
                "First",
                "Have a doctor or physiotherapist look at mid-back pain before you start if no one has yet, and \
                 answer limber's safety questions (`limber screening`)."
                    .to_owned(),
            ),
            ("Chest pain, pressure or breathlessness", a.emergency.clone()),
            ("Sharp pain", a.sharp_pain.clone()),
            (
                "Pain above 5 out of 10",
                format!("Too much for that stretch. {} Try its alternative, or go on to the next one.", a.too_much),
            ),
            ("Mild discomfort", a.discomfort.clone()),
            ("Breathing", a.breathe.clone()),
        ]
    }

    /// What to do when `stretch` does not suit: its own easier versions, then the stretches
    /// that reach the same area and keep this routine's promises (a seated sheet lists no
    /// kneeling stretch), by name.
    fn if_it_does_not_suit(&self, stretch: &'a Stretch) -> (Vec<&'a str>, Vec<&'a str>) {
        let easier = stretch.modifications.iter().map(String::as_str).collect();
        let swaps = stretch
            .alternatives
            .iter()
            .filter_map(|id| self.library.stretch(id))
            .filter(|alt| self.routine.broken_by(alt).is_none() && !self.routine.stretches.contains(&alt.id))
            .map(|alt| alt.name.as_str())
            .collect();
        (easier, swaps)
    }

    /// How often to do the routine: the content's answer to "how often?", when it has one.
    fn how_often(&self) -> Option<&'a str> {
        self.library.faq.iter().find(|q| q.id == "how-often").map(|q| q.answer.as_str())
    }

    fn credit(&self) -> String {
        let s = &self.library.source;
        format!("{}, {}. {}", s.full_title(), s.author, s.note)
    }
}

/// The dose of `stretch` in plain words, with the sides spelled out.
fn dose_line(stretch: &Stretch) -> String {
    let mut line = stretch.dose.describe();
    if let Dose::Hold { per_side: true, .. } = stretch.dose {
        line.push_str(" (right first, then left)");
    }
    line
}

/// What a stretch that is not the article's rests on (a limber addition, or the author's own
/// content), so a sheet never credits it to the article.
fn not_from_the_article(stretch: &Stretch) -> Option<&str> {
    match &stretch.origin {
        limber_core::Origin::Article => None,
        limber_core::Origin::Addition(basis) => Some(basis),
    }
}

/// Every key pose of `stretch` as (name, SVG).
fn figures(stretch: &Stretch) -> Vec<(String, String)> {
    let Some(figure) = &stretch.figure else { return Vec::new() };
    figure
        .poses
        .iter()
        .enumerate()
        .map(|(i, pose)| {
            let title = format!("{}: {}", stretch.name, pose.name);
            (pose.name.clone(), drawing::svg(figure, &figure.key(i, None), &title))
        })
        .collect()
}

/// Writes the handout of routine `id` (or [`DEFAULT_ROUTINE`]) from `library`.
pub fn handout(library: &Library, id: Option<&str>, format: Format) -> Result<String, HandoutError> {
    let sheet = Sheet::new(library, id.unwrap_or(DEFAULT_ROUTINE))?;
    Ok(match format {
        Format::Html => html(&sheet),
        Format::Markdown => markdown(&sheet),
    })
}

/// Text made safe inside HTML elements and attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const PRINT_CSS: &str = "\
@page { size: auto; margin: 15mm 15mm 18mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #111; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 20pt; margin: 0 0 2mm; }
h2 { font-size: 14pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 12pt; margin: 3mm 0 1mm; break-after: avoid; page-break-after: avoid; }
.summary { color: #333; margin: 0 0 4mm; }
section.stretch { border-top: 1px solid #bbb; padding-top: 3mm; break-inside: avoid; page-break-inside: avoid; }
.figures { display: flex; flex-wrap: wrap; gap: 4mm; margin: 2mm 0; }
.figures figure { margin: 0; width: 38mm; text-align: center; }
.figures svg { width: 38mm; height: 30mm; }
figcaption { font-size: 9pt; color: #444; }
.dose { font-weight: 600; }
.cautions { border-left: 3px solid #b00; padding-left: 3mm; }
.safety { border: 2px solid #b00; padding: 2mm 4mm; break-inside: avoid; page-break-inside: avoid; }
footer { margin-top: 6mm; font-size: 9pt; color: #444; }
@media print { body { max-width: none; padding: 0; } a { color: inherit; text-decoration: none; } }
";

fn html(sheet: &Sheet<'_>) -> String {
    let r = sheet.routine;
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — limber handout</title>\n<style>\n{PRINT_CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"summary\">{}</p>\n",
        esc(&r.name),
        esc(&r.name),
        esc(&r.summary)
    );
    s.push_str("<section class=\"safety\">\n<h2>Before you start</h2>\n<ul>\n");
    for (title, text) in sheet.safety() {
        let _ = writeln!(s, "<li><strong>{}:</strong> {}</li>", esc(title), esc(&text));
    }
    s.push_str("</ul>\n</section>\n");
    if let Some(often) = sheet.how_often() {
        let _ = writeln!(s, "<p><strong>How often:</strong> {}</p>", esc(often));
    }
    if r.warm_up {
        let w = &sheet.library.warm_up;
        let _ = writeln!(
            s,
            "<section class=\"warm-up\">\n<h2>Warm-up: {} minutes</h2>\n<p>{}</p>\n<ul>",
            w.minutes,
            esc(&w.why)
        );
        for a in sheet.warm_up_activities() {
            let _ = writeln!(s, "<li>{}</li>", esc(a));
        }
        s.push_str("</ul>\n</section>\n");
    }
    for (n, stretch) in sheet.stretches.iter().enumerate() {
        let _ = write!(
            s,
            "<section class=\"stretch\" id=\"{}\">\n<h2>{}. {}</h2>\n<p class=\"summary\">{}</p>\n",
            esc(stretch.id.as_str()),
            n + 1,
            esc(&stretch.name),
            esc(&stretch.summary)
        );
        let figs = figures(stretch);
        if !figs.is_empty() {
            s.push_str("<div class=\"figures\">\n");
            for (name, svg) in figs {
                let _ = writeln!(s, "<figure>{svg}<figcaption>{}</figcaption></figure>", esc(&name));
            }
            s.push_str("</div>\n");
        }
        let _ = writeln!(s, "<p class=\"dose\">{}</p>", esc(&dose_line(stretch)));
        s.push_str("<h3>Steps</h3>\n<ol>\n");
        for step in &stretch.steps {
            let _ = writeln!(s, "<li>{}</li>", esc(step));
        }
        s.push_str("</ol>\n");
        if let Some(other) = &stretch.other_side {
            let _ = writeln!(s, "<p><strong>Left side:</strong> {}</p>", esc(other));
        }
        if let Some(between) = &stretch.between_holds {
            let _ = writeln!(s, "<p><strong>Between holds:</strong> {}</p>", esc(between));
        }
        if let Some(out) = &stretch.coming_out {
            let _ = writeln!(s, "<p><strong>Coming out:</strong> {}</p>", esc(out));
        }
        let _ = writeln!(s, "<p><strong>Breathing:</strong> {}</p>", esc(&stretch.breathing));
        if !stretch.cautions.is_empty() {
            s.push_str("<div class=\"cautions\">\n<h3>Cautions</h3>\n<ul>\n");
            for c in &stretch.cautions {
                let _ = writeln!(s, "<li>{}</li>", esc(c));
            }
            s.push_str("</ul>\n</div>\n");
        }
        if let Some(basis) = not_from_the_article(stretch) {
            let _ = writeln!(s, "<p class=\"origin\">Not from the article: {}</p>", esc(basis));
        }
        let (easier, swaps) = sheet.if_it_does_not_suit(stretch);
        if !easier.is_empty() || !swaps.is_empty() {
            s.push_str("<h3>If it does not suit you</h3>\n<ul>\n");
            for e in easier {
                let _ = writeln!(s, "<li>{}</li>", esc(e));
            }
            if !swaps.is_empty() {
                let _ = writeln!(s, "<li>Or do instead: {}</li>", esc(&swaps.join(", ")));
            }
            s.push_str("</ul>\n");
        }
        s.push_str("</section>\n");
    }
    let _ = write!(
        s,
        "<footer>\n<p>Source: {}</p>\n<ul>\n{}</ul>\n<p>limber gives no diagnosis. If your pain is severe, long-standing or worrying, see a clinician.</p>\n</footer>\n</body>\n</html>\n",
        esc(&sheet.credit()),
        sheet.library.source.also.iter().map(|a| format!("<li>{}</li>\n", esc(a))).collect::<String>()
    );
    s
}

/// `svg` as a `data:` URI an image link can show.
fn data_uri(svg: &str) -> String {
    let mut out = String::from("data:image/svg+xml,");
    for b in svg.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~=:/,".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn markdown(sheet: &Sheet<'_>) -> String {
    let r = sheet.routine;
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(s, "# {}\n\n{}\n\n## Before you start\n\n", r.name, r.summary);
    for (title, text) in sheet.safety() {
        let _ = writeln!(s, "- **{title}:** {text}");
    }
    if let Some(often) = sheet.how_often() {
        let _ = writeln!(s, "\n**How often:** {often}");
    }
    if r.warm_up {
        let w = &sheet.library.warm_up;
        let _ = write!(s, "\n## Warm-up: {} minutes\n\n{}\n\n", w.minutes, w.why);
        for a in sheet.warm_up_activities() {
            let _ = writeln!(s, "- {a}");
        }
    }
    for (n, stretch) in sheet.stretches.iter().enumerate() {
        let _ = write!(s, "\n## {}. {}\n\n{}\n\n", n + 1, stretch.name, stretch.summary);
        let figs = figures(stretch);
        if !figs.is_empty() {
            for (name, svg) in &figs {
                let _ = write!(s, "![{}: {name}]({}) ", stretch.name, data_uri(svg));
            }
            s.push_str("\n\n");
        }
        let _ = write!(s, "**Dose:** {}\n\n### Steps\n\n", dose_line(stretch));
        for (i, step) in stretch.steps.iter().enumerate() {
            let _ = writeln!(s, "{}. {step}", i + 1);
        }
        if let Some(other) = &stretch.other_side {
            let _ = write!(s, "\n**Left side:** {other}\n");
        }
        if let Some(between) = &stretch.between_holds {
            let _ = write!(s, "\n**Between holds:** {between}\n");
        }
        if let Some(out) = &stretch.coming_out {
            let _ = write!(s, "\n**Coming out:** {out}\n");
        }
        let _ = write!(s, "\n**Breathing:** {}\n", stretch.breathing);
        if !stretch.cautions.is_empty() {
            s.push_str("\n### Cautions\n\n");
            for c in &stretch.cautions {
                let _ = writeln!(s, "- {c}");
            }
        }
        if let Some(basis) = not_from_the_article(stretch) {
            let _ = write!(s, "\n*Not from the article: {basis}*\n");
        }
        let (easier, swaps) = sheet.if_it_does_not_suit(stretch);
        if !easier.is_empty() || !swaps.is_empty() {
            s.push_str("\n### If it does not suit you\n\n");
            for e in easier {
                let _ = writeln!(s, "- {e}");
            }
            if !swaps.is_empty() {
                let _ = writeln!(s, "- Or do instead: {}", swaps.join(", "));
            }
        }
    }
    let _ = write!(
        s,
        "\n---\n\nSource: {}\n\n{}\nlimber gives no diagnosis. If your pain is severe, long-standing or worrying, see a clinician.\n",
        sheet.credit(),
        sheet.library.source.also.iter().map(|a| format!("- {a}\n")).collect::<String>()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        limber_content::Loader::builtin().build().expect("built-in content loads")
    }

    #[test]
    fn every_stretch_and_step_of_every_routine_appears() {
        let library = library();
        for routine in &library.routines {
            for format in [Format::Html, Format::Markdown] {
                let text = handout(&library, Some(&routine.id.0), format).expect("handout");
                for id in &routine.stretches {
                    let stretch = library.stretch(id).expect("stretch");
                    let (name, steps): (String, Vec<String>) = match format {
                        Format::Html => (esc(&stretch.name), stretch.steps.iter().map(|s| esc(s)).collect()),
                        Format::Markdown => (stretch.name.clone(), stretch.steps.clone()),
                    };
                    assert!(text.contains(&name), "{} missing from {:?} of {}", stretch.name, format, routine.id.0);
                    for step in steps {
                        assert!(text.contains(&step), "step {step:?} missing from {format:?} of {}", routine.id.0);
                    }
                    for caution in &stretch.cautions {
                        let caution = if format == Format::Html { esc(caution) } else { caution.clone() };
                        assert!(text.contains(&caution), "caution missing from {format:?}");
                    }
                    assert!(text.contains(&stretch.dose.describe()), "dose missing");
                }
                assert!(text.contains(&library.source.author), "credit missing");
                // The note says the additions' sources are listed: they are, on paper too.
                for also in &library.source.also {
                    let also = if format == Format::Html { esc(also) } else { also.clone() };
                    assert!(text.contains(&also), "{also} missing from {format:?}");
                }
            }
        }
    }

    #[test]
    fn before_you_start_gives_rules_for_paper_not_words_for_a_session() {
        let lib = library();
        let text = handout(&lib, Some("full"), Format::Markdown).expect("handout");
        let before = text.split("## Before you start").nth(1).and_then(|t| t.split("\n## ").next()).expect("section");
        assert!(!before.contains(&lib.advice.see_clinician), "no 'your answers' on paper:\n{before}");
        for title in ["First", "Chest pain, pressure or breathlessness", "Sharp pain", "Pain above 5 out of 10"] {
            assert!(before.contains(&format!("**{title}:**")), "{title}:\n{before}");
        }
        assert!(before.contains(&lib.advice.emergency), "{before}");
    }

    #[test]
    fn each_stretch_says_what_to_do_when_it_does_not_suit_within_the_routines_promise() {
        let lib = library();
        let full = handout(&lib, Some("full"), Format::Markdown).expect("handout");
        let section = |text: &str, name: &str| {
            text.split(&format!(". {name}\n")).nth(1).and_then(|t| t.split("\n## ").next()).expect("section").to_owned()
        };
        let extension = section(&full, "Seated thoracic extension");
        assert!(extension.contains("### If it does not suit you"), "{extension}");
        assert!(extension.contains("- Lean back less far"), "its modification:\n{extension}");
        assert!(extension.contains("- Or do instead: Wall extension, Towel extension"), "{extension}");
        let cat = section(&full, "Cat-camel");
        assert!(cat.contains("Seated cat-cow"), "{cat}");
        // The desk routine promises a chair and nothing else: no lying or kneeling stand-in.
        let desk = handout(&lib, Some("desk"), Format::Markdown).expect("handout");
        let desk_extension = section(&desk, "Seated thoracic extension");
        assert!(!desk_extension.contains("Not from the article"), "an article stretch:\n{desk_extension}");
        let seated_cat_cow = section(&desk, "Seated cat-cow");
        assert!(seated_cat_cow.contains("*Not from the article: "), "an addition says so:\n{seated_cat_cow}");
        assert!(desk_extension.contains("- Lean back less far"), "{desk_extension}");
        assert!(!desk_extension.contains("Towel extension"), "a lying stretch on a seated sheet:\n{desk_extension}");
        for text in [&full, &desk] {
            assert!(text.contains("**How often:** At least 2 to 3 times a week"), "frequency missing");
            assert!(text.contains(&format!("- **Breathing:** {}", lib.advice.breathe)), "breathing rule missing");
        }
    }

    #[test]
    fn html_has_print_styles_and_figures() {
        let text = handout(&library(), None, Format::Html).expect("handout");
        assert!(text.contains("@page"));
        assert!(text.contains("page-break-inside: avoid"));
        assert!(text.contains("<svg"));
        assert!(text.contains("Warm-up"));
    }

    #[test]
    fn text_is_escaped_for_html_in_elements_and_attributes() {
        assert_eq!(esc(r#"Tom's <b>"arms" & legs</b>"#), "Tom&#39;s &lt;b&gt;&quot;arms&quot; &amp; legs&lt;/b&gt;");
        // Content of one's own can say anything: in the sheet, it stays text.
        let mut lib = library();
        std::sync::Arc::make_mut(&mut lib.stretches[0]).steps[0] = "Sit <script>alert(1)</script> & breathe".to_owned();
        let text = handout(&lib, None, Format::Html).expect("handout");
        assert!(text.contains("Sit &lt;script&gt;alert(1)&lt;/script&gt; &amp; breathe"), "escaped");
        assert!(!text.contains("<script>alert(1)"), "never markup");
    }

    #[test]
    fn an_unknown_routine_names_the_known_ones() {
        let err = handout(&library(), Some("nope"), Format::Markdown).expect_err("unknown");
        assert!(err.to_string().contains("desk"), "{err}");
    }
}
