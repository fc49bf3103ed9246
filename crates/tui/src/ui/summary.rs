//! The summary at the end of a session: how it went, what was kept, the advice.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;

use super::{Theme, frame_block, hint_line, message, message_rows, scrolled};

/// Draws the summary of the session just ended in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = frame_block("summary", String::new(), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, msg, keys] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lib = app.local.app.library();
    let name = |id: &limber_core::StretchId| lib.stretch_name(id);
    let mut lines = Vec::new();
    match (&app.finished, &app.unsaved) {
        (None, None) => lines.push(Line::from("No session yet.")),
        // Not saved: what was done all the same, then where it is kept (which names a stretch
        // set aside, and says it comes into the history before the next session).
        (None, Some(unsaved)) => {
            if let Some(s) = &unsaved.summary {
                session_lines(s, &unsaved.cues, lib, theme, &mut lines);
                lines.push(Line::default());
            }
            lines.push(Line::from(Span::styled(limber_app::report::sentence(&unsaved.said), theme.danger())));
        }
        (Some((f, cues)), _) => {
            let s = &f.summary;
            let set_aside_said = session_lines(s, cues, lib, theme, &mut lines);
            lines.extend(f.grown_lines(lib).into_iter().map(|grown| Line::from(format!("{grown}."))));
            match &s.flagged {
                // Said once: where to clear it is all the stop's advice left out.
                Some(_) if set_aside_said => {
                    lines.push(Line::from("To try it again some day, clear it in Progress."));
                }
                Some(flagged) => {
                    lines.push(Line::from(format!("{} is set aside until you clear it in Progress.", name(flagged))));
                }
                None => {}
            }
            lines.push(Line::from(f.saved_line()));
            if let Some(advice) = &f.trend.advice {
                lines.push(Line::from(Span::styled(advice.clone(), theme.danger())));
            }
        }
    }
    scrolled(frame, body, lines, app.scroll, &app.scroll_max, theme);
    frame.render_widget(message(app, theme), msg);
    // PgDn only when there is more than the window shows.
    let more = app.scroll_max.get() > 0;
    let hints = [("enter", "home"), ("p", "progress"), ("PgDn", "more"), ("q", "quit")];
    let hints: Vec<(&str, &str)> = hints.into_iter().filter(|(key, _)| more || *key != "PgDn").collect();
    frame.render_widget(Paragraph::new(hint_line(&hints, theme)), keys);
}

/// How a session went, saved or not, onto `lines`: how it ended (with the advice a stop for
/// safety gave, once), the stretches and the time, and advice after a high rating after.
/// Returns whether that advice already said which stretch is set aside.
fn session_lines(
    s: &limber_core::Summary,
    cues: &[limber_core::Cue],
    lib: &limber_core::Library,
    theme: &Theme,
    lines: &mut Vec<Line<'static>>,
) -> bool {
    let name = |id: &limber_core::StretchId| lib.stretch_name(id);
    let mut set_aside_said = false;
    match s.stopped {
        Some(reason) => {
            let style = if reason.is_safety() { theme.danger() } else { theme.strong() };
            lines.push(Line::from(Span::styled(s.headline(), style)));
            if reason.is_safety() {
                // The advice the session gave when it stopped, in its own words (not the
                // questions asked before, which this screen cannot answer, nor the reply to the
                // pain after, said below).
                // (Once, however often the stop was pressed again at the rating after.)
                let mut said: Vec<&str> = Vec::new();
                for c in cues.iter().filter(|c| matches!(c.kind, limber_core::CueKind::Stopped { .. })) {
                    if !said.contains(&c.text.as_str()) {
                        said.push(&c.text);
                        set_aside_said |=
                            s.flagged.as_ref().is_some_and(|f| c.text.contains(&format!("{} is set aside", name(f))));
                        lines.push(Line::from(c.text.clone()));
                    }
                }
            }
        }
        None => lines.push(Line::from(Span::styled(s.headline(), theme.strong()))),
    }
    lines.push(Line::default());
    // Stopped before any exercise (in the questions): no stretch list, no times.
    if s.exercise_started {
        lines.extend(s.item_lines(lib).into_iter().map(Line::from));
        lines.push(Line::from(s.time_and_pain()));
    }
    if let Some(advice) = s.pain_after_advice() {
        lines.push(Line::from(Span::styled(advice, theme.danger())));
    }
    set_aside_said
}
