//! The home screen: the routines, the suggestion, the week.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};

use crate::app::App;

use super::{Theme, frame_block, hint_lines, joined_lines, message, message_rows, more_marks};

/// Draws the home screen in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let week = app.stats.as_ref().map(|s| &s.adherence);
    let right = match week {
        Some(a) => format!(" this week {} of {} · streak {} wk ", a.this_week, a.goal, a.streak_weeks),
        None => String::new(),
    };
    let block = frame_block("home", right, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mode = if app.options.wait { " Waiting for you before each stretch." } else { "" };
    let intro = match week {
        Some(a) if a.this_week >= a.goal => format!("You have met this week's goal of {} sessions. Well done.", a.goal),
        Some(a) => format!("{} of {} sessions this week. Pick a routine and press Enter.", a.this_week, a.goal),
        None => "Pick a routine and press Enter.".to_owned(),
    };
    // A day after an emergency sign, that comes before anything else (in full, on up to four
    // lines), and no routine is suggested.
    let top_line = match &app.locked {
        Some(locked) => Line::styled(locked.clone(), theme.danger()),
        None => Line::raw(format!("{intro}{mode}")),
    };
    // Advice to see a clinician (pain that stopped sessions lately, ratings that do not
    // improve) is said before a routine is picked, as the session says it again first.
    let advice = app.stats.as_ref().and_then(|s| s.pain_trend.advice.clone()).filter(|_| app.locked.is_none());
    let top_lines: Vec<Line> =
        std::iter::once(top_line).chain(advice.map(|a| Line::styled(a, theme.danger()))).collect();
    let top_text = Paragraph::new(top_lines).wrap(Wrap { trim: true });
    let top_rows = u16::try_from(top_text.line_count(inner.width).clamp(2, 5)).unwrap_or(5);
    let [top, list_area, detail_area, msg, keys] = Layout::vertical([
        Constraint::Length(top_rows),
        Constraint::Min(6),
        Constraint::Length(5),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(2),
    ])
    .areas(inner);
    let lib = app.local.app.library();
    frame.render_widget(top_text, top);
    let items: Vec<ListItem> = app
        .routines()
        .iter()
        .map(|r| {
            // What today's plan does (the profile's kit and positions applied), when it resolved.
            let preview = app.previews.iter().find(|p| p.routine == r.id);
            let stretches: Vec<&limber_core::Stretch> = match preview {
                Some(p) => p.plan.items.iter().map(|i| &*i.choice.stretch).collect(),
                None => r.stretches.iter().filter_map(|id| lib.stretch(id)).collect(),
            };
            let (equipment, positions) = limber_core::kit_and_positions(stretches.iter().copied());
            let minutes = preview.map(|p| format!("about {} min · ", p.plan.total_time().as_secs().div_ceil(60)));
            let suggested = app.suggested.as_ref() == Some(&r.id) && app.locked.is_none();
            let star = if suggested { "  ★ suggested" } else { "" };
            let warm = if r.warm_up && !app.options.no_warm_up { "warm-up + " } else { "" };
            let kit = if equipment.is_empty() { "no equipment".to_owned() } else { equipment.join(", ") };
            let parts = [
                format!("{}{warm}{} stretches", minutes.unwrap_or_default(), stretches.len()),
                kit,
                positions.join(", "),
            ];
            // Inside the borders and the highlight mark, the details wrap at their dots rather
            // than being cut off.
            let width = usize::from(list_area.width.saturating_sub(4));
            let mut lines = vec![Line::from(vec![Span::styled(r.name.clone(), theme.strong()), Span::raw(star)])];
            lines.extend(joined_lines(&parts, " · ", "   ", width).into_iter().map(Line::from));
            ListItem::new(lines)
        })
        .collect();
    let heights: Vec<usize> = items.iter().map(ListItem::height).collect();
    let mut state = ListState::default().with_selected(Some(app.selected));
    let list = List::new(items)
        .block(Block::bordered().title(" Routines "))
        .highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    frame.render_stateful_widget(list, list_area, &mut state);
    more_marks(frame, list_area, &heights, state.offset());
    if let Some(r) = app.routines().get(app.selected) {
        let text = format!("{} — {}", r.name, r.summary);
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::bordered().title(" Selected ")),
            detail_area,
        );
    }
    frame.render_widget(message(app, theme), msg);
    let wait = if app.options.wait { "hands-free" } else { "wait for me" };
    // After an emergency sign no session starts today: Enter only says why again.
    let start = if app.locked.is_some() { "why no session today" } else { "start" };
    let hints = [
        ("↑↓", "choose"),
        ("enter", start),
        ("w", wait),
        ("l", "library"),
        ("p", "progress"),
        ("o", "settings"),
        ("?", "help"),
        ("q", "quit"),
    ];
    frame.render_widget(Paragraph::new(hint_lines(&hints, keys.width, theme)), keys);
}
