//! The library: the stretches filtered by equipment, and one stretch or guidance page in full.

use limber_core::Figure;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use crate::app::{App, Guide};

use super::{Theme, figure, frame_block, hint_line, message, message_rows, scrolled};

/// Draws the library (or the stretch or guidance page open in it) in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let f = &app.filters;
    let areas = app.areas();
    let equipment = match f.equipment {
        None => "any".to_owned(),
        Some(None) => "none".to_owned(),
        Some(Some(e)) => e.label().to_owned(),
    };
    let position = f.position.map_or("any", |p| p.label());
    let area_label = f.area.and_then(|i| areas.get(i)).map_or("any", |a| a.label());
    let right = format!(" equipment {equipment} · position {position} · area {area_label} ");
    let block = frame_block("library", right, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, msg, keys] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lib = app.local.app.library();
    if let Some(guide) = app.guide {
        let (title, lines): (&str, Vec<Line>) = match guide {
            Guide::Precautions => ("Precautions", paired(lib.precautions.iter().map(|p| (&p.title, &p.text)), theme)),
            Guide::Tips => ("Tips", paired(lib.tips.iter().map(|t| (&t.title, &t.text)), theme)),
            Guide::Faq => ("Questions and answers", paired(lib.faq.iter().map(|q| (&q.question, &q.answer)), theme)),
            Guide::Source => {
                let s = &lib.source;
                let mut l = vec![Line::from(Span::styled(s.title.clone(), theme.strong()))];
                if let Some(sub) = &s.subtitle {
                    l.push(Line::from(sub.clone()));
                }
                l.push(Line::from(format!("by {}", s.author)));
                l.push(Line::from(s.note.clone()));
                l.extend(s.also.iter().map(|a| Line::from(a.clone())));
                // What the article says of mid-back pain, and that this is general guidance.
                l.push(Line::default());
                l.push(Line::from(Span::styled("About mid-back pain", theme.strong())));
                l.extend(lib.background.iter().map(|b| Line::from(b.clone())));
                ("Source", l)
            }
        };
        let block = Block::bordered().title(format!(" {title} "));
        let text_area = block.inner(body);
        frame.render_widget(block, body);
        scrolled(frame, text_area, lines, app.scroll, &app.scroll_max, theme);
    } else {
        // As wide as the longest name with the mark and the borders (within reason), so no name
        // is cut off.
        let longest = app.local.app.library().stretches.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
        let list_width = u16::try_from(longest + 4).unwrap_or(28).clamp(28, 36);
        let [list_area, detail] = Layout::horizontal([Constraint::Length(list_width), Constraint::Min(20)]).areas(body);
        let shown = app.filtered();
        let items: Vec<ListItem> = shown.iter().map(|s| ListItem::new(s.name.clone())).collect();
        let mut state = ListState::default().with_selected(Some(app.selected));
        let list = List::new(items)
            .block(Block::bordered().title(format!(" Stretches ({}) ", shown.len())))
            .highlight_style(theme.selected())
            .highlight_symbol("▶ ");
        frame.render_stateful_widget(list, list_area, &mut state);
        let mut lines = Vec::new();
        match shown.get(app.selected) {
            None => lines.push(Line::from("No stretch matches these filters.")),
            Some(s) => {
                lines.push(Line::from(Span::styled(s.name.clone(), theme.strong())));
                lines.push(Line::from(s.summary.clone()));
                lines.push(Line::from(format!("Dose: {}", s.dose.describe())));
                let kit: Vec<&str> = s.equipment.iter().map(|e| e.label()).collect();
                let kit = if kit.is_empty() { "none".to_owned() } else { kit.join(", ") };
                lines.push(Line::from(format!("Position: {} · equipment: {kit}", s.position.label())));
                let targets: Vec<&str> = s.targets.iter().map(|a| a.label()).collect();
                lines.push(Line::from(format!("Works: {}", targets.join(", "))));
                // The cautions before the steps: read before trying it, and on a small screen
                // not below the fold.
                for c in &s.cautions {
                    lines.push(Line::from(Span::styled(format!("! {c}"), theme.danger())));
                }
                lines.push(Line::from(Span::styled("Steps", theme.title())));
                for (i, step) in s.steps.iter().enumerate() {
                    lines.push(Line::from(format!("{}. {step}", i + 1)));
                }
                if let Some(other) = &s.other_side {
                    lines.push(Line::from(format!("Left side: {other}")));
                }
                if let Some(between) = &s.between_holds {
                    lines.push(Line::from(format!("Between holds: {between}")));
                }
                if let Some(out) = &s.coming_out {
                    lines.push(Line::from(format!("Coming out: {out}")));
                }
                lines.push(Line::from(format!("Breathing: {}", s.breathing)));
                let alts: Vec<String> = s
                    .alternatives
                    .iter()
                    .map(|a| lib.stretch(a).map_or_else(|| a.to_string(), |x| x.name.clone()))
                    .collect();
                for m in &s.modifications {
                    lines.push(Line::from(format!("Easier: {m}")));
                }
                if !alts.is_empty() {
                    lines.push(Line::from(format!("Alternatives: {}", alts.join(", "))));
                }
                lines.push(Line::from(Span::styled(s.credit(&lib.source), theme.dim())));
            }
        }
        let block = Block::bordered();
        let mut text_area = block.inner(detail);
        frame.render_widget(block, detail);
        if let Some(f) = shown.get(app.selected).and_then(|s| s.figure.as_ref())
            && text_area.height >= 12
        {
            let rows = (text_area.height / 3).clamp(5, 12);
            let [top, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(1)]).areas(text_area);
            key_poses(frame, top, f, theme);
            text_area = rest;
        }
        scrolled(frame, text_area, lines, app.scroll, &app.scroll_max, theme);
    }
    frame.render_widget(message(app, theme), msg);
    let hints = [
        ("↑↓", "pick"),
        ("PgDn", "more"),
        ("e", "kit"),
        ("v", "position"),
        ("t", "area"),
        ("g", "guide"),
        ("esc", "home"),
    ];
    frame.render_widget(Paragraph::new(hint_line(&hints, theme)), keys);
}

fn paired<'a>(rows: impl Iterator<Item = (&'a String, &'a String)>, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for (title, text) in rows {
        out.push(Line::from(Span::styled(title.as_str(), theme.strong())));
        out.push(Line::from(text.as_str()));
    }
    out
}

/// Every key pose of `f` side by side, each named under its drawing.
fn key_poses(frame: &mut Frame, area: Rect, f: &Figure, theme: &Theme) {
    let n = u32::try_from(f.poses.len()).unwrap_or(1).max(1);
    let cells = Layout::horizontal((0..n).map(|_| Constraint::Ratio(1, n))).split(area);
    for (i, (pose, cell)) in f.poses.iter().zip(cells.iter()).enumerate() {
        let [drawing, name] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(*cell);
        figure(frame, drawing, f, &f.key(i, None), theme);
        frame.render_widget(Paragraph::new(pose.name.as_str()).alignment(Alignment::Center).style(theme.dim()), name);
    }
}
