//! Reading the content: stretches, routines, precautions, tips, FAQ and the source credit.

use std::process::ExitCode;

use limber_core::{Area, Equipment, Library, Origin, Position, Stretch};
use serde::Serialize;
use serde_json::json;

use crate::args::Global;
use crate::context::{Env, library, print_json, stretch};
use crate::wrap::say;

/// The content for a read-only command that prints and exits: not freed at the end, since the
/// process is about to end anyway (freeing it was 5 % of `limber list --json`).
fn loaded(global: &Global) -> anyhow::Result<std::mem::ManuallyDrop<Library>> {
    library(global).map(std::mem::ManuallyDrop::new)
}

fn credit(lib: &Library) -> String {
    lib.source.line()
}

fn equipment(s: &Stretch) -> String {
    if s.equipment.is_empty() {
        "none".to_owned()
    } else {
        s.equipment.iter().map(|e| e.label()).collect::<Vec<_>>().join(", ")
    }
}

/// One stretch as `limber list --json` prints it.
#[derive(Serialize)]
struct ListItem<'a> {
    id: &'a str,
    name: &'a str,
    summary: &'a str,
    targets: &'a [Area],
    position: Position,
    equipment: &'a [Equipment],
    dose: String,
    from_article: bool,
}

pub(crate) fn list(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    if !as_json {
        // Text ends with the source's credit, which takes the library: read once, all of it.
        let lib = loaded(global)?;
        let width = lib.stretches.iter().map(|s| s.id.as_str().len()).max().unwrap_or(0);
        for s in &lib.stretches {
            let mark = if s.origin == Origin::Article { "" } else { " (alternative)" };
            println!("{:width$}  {}{mark} — {}; {}", s.id.as_str(), s.name, s.position.label(), s.dose.describe());
        }
        println!();
        say(&credit(&lib), 0);
        return Ok(ExitCode::SUCCESS);
    }
    // The stretches alone, not the whole library: what `limber list --json` starts fast with.
    let entries = std::mem::ManuallyDrop::new(crate::context::entries(global)?);
    {
        let items: Vec<ListItem<'_>> = entries
            .iter()
            .map(|s| ListItem {
                id: s.id.as_str(),
                name: &s.name,
                summary: &s.summary,
                targets: &s.targets,
                position: s.position,
                equipment: &s.equipment,
                dose: s.dose.describe(),
                from_article: s.origin == Origin::Article,
            })
            .collect();
        print_json(&items)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The key poses of a figure side by side in braille, each named under its drawing.
pub(crate) fn key_poses(figure: &limber_core::Figure) -> String {
    const COLS: u16 = 18;
    const ROWS: u16 = 6;
    let drawings: Vec<Vec<String>> = (0..figure.poses.len())
        .map(|i| limber_core::drawing::braille(figure, &figure.key(i, None), COLS, ROWS))
        .collect();
    let height = drawings.iter().map(Vec::len).max().unwrap_or(0);
    let width = usize::from(COLS) + 2;
    let mut out = String::new();
    for row in 0..height {
        let line: String =
            drawings.iter().map(|d| format!("{:<width$}", d.get(row).map_or("", String::as_str))).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let names: String = figure.poses.iter().map(|p| format!("{:<width$}", p.name)).collect();
    out.push_str(names.trim_end());
    out.push('\n');
    out
}

pub(crate) fn show(global: &Global, id: &str, as_json: bool, draw: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    let s = stretch(&lib, id)?;
    if as_json {
        print_json(s)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} ({})", s.name, s.id);
    say(&s.summary, 0);
    println!();
    if let Some(figure) = s.figure.as_ref().filter(|_| draw) {
        println!("{}", key_poses(figure));
    }
    let areas: Vec<&str> = s.targets.iter().map(|a| a.label()).collect();
    say(&format!("Works: {}", areas.join(", ")), 7);
    say(&format!("Position: {}   Equipment: {}", s.position.label(), equipment(s)), 0);
    say(&format!("Dose: {}", s.dose.describe()), 6);
    println!("\nSteps:");
    for (n, step) in s.steps.iter().enumerate() {
        say(&format!("  {}. {step}", n + 1), 5);
    }
    if let Some(other) = &s.other_side {
        say(&format!("  Left side: {other}"), 4);
    }
    if let Some(between) = &s.between_holds {
        say(&format!("  Between holds: {between}"), 4);
    }
    if let Some(out) = &s.coming_out {
        say(&format!("  Coming out: {out}"), 4);
    }
    println!();
    say(&format!("Breathing: {}", s.breathing), 11);
    if !s.cautions.is_empty() {
        println!("\nCautions:");
        s.cautions.iter().for_each(|c| say(&format!("  - {c}"), 4));
    }
    if !s.modifications.is_empty() {
        println!("\nModifications:");
        s.modifications.iter().for_each(|m| say(&format!("  - {m}"), 4));
    }
    if !s.alternatives.is_empty() {
        let names: Vec<String> = s
            .alternatives
            .iter()
            .map(|a| lib.stretch(a).map_or_else(|| a.to_string(), |t| format!("{} ({})", t.name, t.id)))
            .collect();
        println!();
        say(&format!("Alternatives for the same area: {}", names.join(", ")), 2);
    }
    println!();
    say(&s.credit(&lib.source), 0);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn routines(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    if as_json {
        print_json(&lib.routines)?;
        return Ok(ExitCode::SUCCESS);
    }
    // What each routine would be for this person (their equipment, the positions they avoid,
    // stretches set aside), as `limber run` would plan it; the routines as written when the
    // history cannot be read.
    let plans = plans_for_you(global, &lib);
    for r in &lib.routines {
        let warm = if r.warm_up { "warm-up, then " } else { "" };
        let names: Vec<&str> =
            r.stretches.iter().map(|id| lib.stretch(id).map_or(id.as_str(), |s| s.name.as_str())).collect();
        let plan = plans.iter().find(|(id, _)| *id == r.id).map(|(_, plan)| plan);
        let (kit, positions) = match plan {
            Some(p) => limber_core::kit_and_positions(p.items.iter().map(|i| &*i.choice.stretch)),
            None => limber_core::kit_and_positions(r.stretches.iter().filter_map(|id| lib.stretch(id))),
        };
        let kit = if kit.is_empty() { "no equipment".to_owned() } else { format!("needs: {}", kit.join(", ")) };
        println!("{} — {}", r.id, r.name);
        say(&format!("  {}", r.summary), 2);
        say(&format!("  {warm}{}", names.join(", ")), 2);
        for adjustment in plan.map(|p| &p.adjustments[..]).unwrap_or_default() {
            say(&format!("  For you: {}", adjustment.note(&lib)), 4);
        }
        say(&format!("  {kit} · {}", positions.join(", ")), 2);
        println!();
    }
    println!("Run one with `limber run ROUTINE`.");
    Ok(ExitCode::SUCCESS)
}

/// Each routine's plan for this person: from their profile when there is a history to read
/// (never made just to list routines), else from the profile a first session starts with.
fn plans_for_you(global: &Global, lib: &Library) -> Vec<(limber_core::RoutineId, limber_core::Plan)> {
    let stored = match (&global.database, global.data_dir.clone().or_else(limber_app::store::default_data_dir)) {
        (Some(_), _) => true,
        (None, Some(dir)) => limber_app::store::database_path(&dir).exists(),
        (None, None) => false,
    };
    if stored {
        let env = Env::open_to_read(global).ok();
        let previews = env.as_ref().and_then(|env| env.block_on(env.app.previews(env.user)).ok());
        return previews.into_iter().flatten().map(|p| (p.routine, p.plan)).collect();
    }
    limber_app::suggest::first_previews(lib).into_iter().map(|p| (p.routine, p.plan)).collect()
}

pub(crate) fn precautions(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    if as_json {
        print_json(&json!({"precautions": lib.precautions, "warm_up": lib.warm_up}))?;
        return Ok(ExitCode::SUCCESS);
    }
    for (n, p) in lib.precautions.iter().enumerate() {
        say(&format!("{}. {}", n + 1, p.title), 3);
        say(&format!("   {}", p.text), 3);
        println!();
    }
    let w = &lib.warm_up;
    say(
        &format!(
            "Warm-up: {}–{} minutes of {}. {}",
            w.minutes.low(),
            w.minutes.high(),
            w.activities.join(" or "),
            w.why
        ),
        0,
    );
    println!();
    say(&credit(&lib), 0);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn tips(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    if as_json {
        print_json(&lib.tips)?;
        return Ok(ExitCode::SUCCESS);
    }
    for (n, t) in lib.tips.iter().enumerate() {
        say(&format!("{}. {}", n + 1, t.title), 3);
        say(&format!("   {}", t.text), 3);
        println!();
    }
    say(&credit(&lib), 0);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn faq(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    if as_json {
        print_json(&lib.faq)?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in &lib.faq {
        say(&format!("Q: {}", f.question), 3);
        say(&format!("A: {}", f.answer), 3);
        println!();
    }
    say(&credit(&lib), 0);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn about(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = loaded(global)?;
    if as_json {
        print_json(&json!({"source": lib.source, "background": lib.background, "version": env!("CARGO_PKG_VERSION")}))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("limber {}\n", env!("CARGO_PKG_VERSION"));
    say(&format!("Content source: \"{}\" by {}.", lib.source.full_title(), lib.source.author), 0);
    say(&lib.source.note, 0);
    println!();
    for b in &lib.background {
        say(b, 0);
        println!();
    }
    println!("Safety rules and additions draw on:");
    lib.source.also.iter().for_each(|a| println!("  - {a}"));
    Ok(ExitCode::SUCCESS)
}

/// `limber content check [DIR]`: the same check as `cargo xtask content check`, for authors
/// without the source tree.
pub(crate) fn content_check(dir: Option<&std::path::Path>, as_json: bool) -> anyhow::Result<ExitCode> {
    let report = limber_app::content_check::check_content(dir, as_json)
        .map_err(|e| anyhow::anyhow!("cannot check the content: {e}"))?;
    Ok(report.print())
}
