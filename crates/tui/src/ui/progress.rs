//! The progress screen: sessions a week against the goal, pain over time, each hold and flag.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Dataset, GraphType, List, ListItem, ListState, Paragraph, Wrap,
};

use crate::app::App;

use super::{Theme, frame_block, hint_line, message, message_rows};

/// What the progress screen shows where statistics could not be read.
const UNREAD: &str = "Your history could not be read just now: see the line below.";

/// Draws the progress screen in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = frame_block("progress", String::new(), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [charts, holds, msg, keys] = Layout::vertical([
        Constraint::Percentage(55),
        Constraint::Min(4),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let [weeks_area, pain_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(charts);
    let goal = app.stats.as_ref().map_or(app.profile.weekly_goal, |s| s.adherence.goal);
    let bars: Vec<Bar> = app
        .progress
        .weeks
        .iter()
        .map(|(label, n)| {
            let met = *n >= u64::from(goal);
            let text = if met { format!("{n}✓") } else { n.to_string() };
            Bar::new(*n).label(Line::from(label.clone())).text_value(text)
        })
        .collect();
    let chart = BarChart::default()
        .block(Block::bordered().title(format!(" Sessions a week · goal {goal} · ✓ = met ")))
        .data(BarGroup::new(bars))
        .bar_width(3)
        .bar_gap(1)
        .max(u64::from(goal).max(app.progress.weeks.iter().map(|w| w.1).max().unwrap_or(0)));
    frame.render_widget(chart, weeks_area);

    // The latest rated sessions, oldest first (the same the page charts).
    let ratings = app.stats.as_ref().map_or(&[][..], |s| &s.pain_ratings[..]);
    let before: Vec<(f64, f64)> =
        ratings.iter().enumerate().map(|(i, r)| (i as f64, f64::from(r.pain_before))).collect();
    let after: Vec<(f64, f64)> =
        ratings.iter().enumerate().filter_map(|(i, r)| r.pain_after.map(|a| (i as f64, f64::from(a)))).collect();
    let n = ratings.len().max(2) as f64 - 1.0;
    let pain_block = Block::bordered().title(" Pain before (•) and after (█) ");
    if app.stats.is_none() {
        // Not "no ratings": they could not be read (the message line says why).
        frame.render_widget(Paragraph::new(UNREAD).wrap(Wrap { trim: true }).block(pain_block), pain_area);
    } else if ratings.is_empty() {
        frame.render_widget(Paragraph::new("No pain ratings yet.").block(pain_block), pain_area);
    } else {
        let datasets = vec![
            Dataset::default()
                .name("before •")
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(theme.fg(Color::Yellow))
                .data(&before),
            Dataset::default()
                .name("after █")
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(theme.fg(Color::Green))
                .data(&after),
        ];
        // No legend: the title says which mark is which, and a legend box in a corner would
        // hide the latest ratings where they are highest (top right).
        let chart = Chart::new(datasets)
            .block(pain_block)
            .legend_position(None)
            .x_axis(Axis::default().bounds([0.0, n]).labels(vec![Line::from("older"), Line::from("latest")]))
            .y_axis(Axis::default().bounds([0.0, 10.0]).labels(vec![
                Line::from("0"),
                Line::from("5"),
                Line::from("10"),
            ]));
        frame.render_widget(chart, pain_area);
    }

    let items: Vec<ListItem> = match &app.stats {
        Some(s) if !s.holds.is_empty() => s
            .holds
            .iter()
            .map(|h| {
                let name = h.name.clone().unwrap_or_else(|| h.stretch.to_string());
                let range = h.range.map(|(lo, hi)| format!(" (range {lo}–{hi} s)")).unwrap_or_default();
                let style = if h.flagged { theme.danger() } else { Style::new() };
                let mut lines = vec![Line::from(Span::styled(format!("{name}: {} s{range}", h.hold_seconds), style))];
                if h.flagged {
                    // On a line of its own, so that a narrow window does not cut it off.
                    lines.push(Line::from(Span::styled("  SET ASIDE after sharp pain — c twice clears", style)));
                }
                ListItem::new(lines)
            })
            .collect(),
        Some(_) => vec![ListItem::new("No holds yet: they appear after your first session.")],
        None => vec![ListItem::new(UNREAD)],
    };
    let mut state = ListState::default().with_selected(Some(app.selected));
    let title = match &app.stats {
        Some(s) => {
            format!(" Holds and flags · {} session{} in all ", s.sessions, if s.sessions == 1 { "" } else { "s" })
        }
        None => " Holds and flags ".to_owned(),
    };
    let list =
        List::new(items).block(Block::bordered().title(title)).highlight_style(theme.selected()).highlight_symbol("▶ ");
    frame.render_stateful_widget(list, holds, &mut state);
    frame.render_widget(message(app, theme), msg);
    frame.render_widget(
        Paragraph::new(hint_line(&[("↑↓", "choose"), ("c", "clear flag"), ("esc", "home"), ("?", "help")], theme)),
        keys,
    );
}
