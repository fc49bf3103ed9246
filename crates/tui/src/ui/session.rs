//! The session screen: the big word and countdown, the figure, the steps, the cues and the questions asked in dialogs.

use limber_core::{IntentKind, Moment, Phase, SessionView};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, LineGauge, Paragraph, Widget, Wrap};
use tui_big_text::{BigText, PixelSize};

use crate::app::{App, Live};

use super::{Theme, centered, figure, frame_block, hint_line, hint_lines};

/// The answers to the quit question, in its box and on the key line under it.
const QUIT_ANSWERS: [(&str, &str); 2] = [("y", "end it"), ("n", "carry on")];

/// The quit question's answers once the session has stopped (only the pain after is left).
const QUIT_AFTER_STOP: [(&str, &str); 2] = [("y", "leave it unrated"), ("n", "rate it")];

/// The quit question's words and answers: a stopped session has nothing to carry on with.
fn quit_question(v: &SessionView) -> (&'static str, &'static [(&'static str, &'static str); 2]) {
    if v.stopped.is_some() {
        ("Leave without rating your pain now?", &QUIT_AFTER_STOP)
    } else {
        ("End this session now?", &QUIT_ANSWERS)
    }
}

/// How many cues an alert stays on screen for, above the newest ones.
const ALERT_KEPT: usize = 5;

/// The big words for the phase (core's `PhaseWord`: the same on the page), and whether they call
/// for the person to act now (drawn in the alert colour): a hold, a count-in, a switch, a stop, a
/// pause, a question about how it went or whether to stop, a session waiting to be started.
pub(super) fn phase_label(live: &Live) -> (String, bool) {
    let v = &live.view;
    let said = v.phase_word();
    let now = v.paused
        || matches!(said.moment, Moment::GetReady | Moment::Hold | Moment::Move | Moment::Switch | Moment::Stopped)
        || v.asking.is_some()
        || matches!(v.phase, Phase::CheckIn { .. })
        || matches!(v.phase, Phase::Prepare { .. } if v.remaining_ms.is_none());
    (said.word, now)
}

/// What of `label` fits `width` columns in the big font (8 columns a letter): all of it
/// ("HOLD LEFT"), else the word before the side ("HOLD"), else at a switch the side to go to
/// alone ("LEFT"): the moment someone on the floor most needs to read. The font has no arrows.
pub(crate) fn big_label(label: &str, width: u16) -> Option<String> {
    let fits = |text: &String| usize::from(width) >= text.chars().count() * 8;
    [
        label.replace('→', "TO").replace(" · ", " "),
        label.split(" · ").next().unwrap_or_default().replace('→', "TO"),
        label.rsplit(" → ").next().unwrap_or_default().to_owned(),
    ]
    .into_iter()
    .find(fits)
}

/// How many cells each pixel of a glyph takes when the countdown is doubled.
const DOUBLE: u16 = 2;

/// Text in the 8×8 font, each pixel `scale` × `scale` cells, centred in its area.
struct Scaled<'a> {
    text: &'a str,
    scale: u16,
    style: Style,
}

impl Widget for Scaled<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        use font8x8::UnicodeFonts;
        let glyph = 8 * self.scale;
        let width = glyph.saturating_mul(u16::try_from(self.text.chars().count()).unwrap_or(u16::MAX));
        let left = area.x + area.width.saturating_sub(width) / 2;
        for (i, c) in (0u16..).zip(self.text.chars()) {
            let Some(rows) = font8x8::BASIC_FONTS.get(c) else { continue };
            for (row, bits) in (0u16..).zip(rows) {
                for col in (0u16..8).filter(|col| bits & (1 << col) != 0) {
                    for (dx, dy) in (0..self.scale).flat_map(|dx| (0..self.scale).map(move |dy| (dx, dy))) {
                        let x = left + i * glyph + col * self.scale + dx;
                        let y = area.y + row * self.scale + dy;
                        if x < area.right()
                            && y < area.bottom()
                            && let Some(cell) = buf.cell_mut((x, y))
                        {
                            cell.set_symbol("█").set_style(self.style);
                        }
                    }
                }
            }
        }
    }
}

/// The countdown as big digits show it: seconds, or minutes and seconds from a minute up.
pub(crate) fn countdown_text(remaining_ms: u64) -> String {
    let secs = remaining_ms.div_ceil(1000);
    if secs >= 60 { format!("{}:{:02}", secs / 60, secs % 60) } else { secs.to_string() }
}

/// The words on the gauge under the digits: the time left in the digits' own format.
fn gauge_label(remaining_ms: u64) -> String {
    let count = countdown_text(remaining_ms);
    if count.contains(':') { format!("{count} left ") } else { format!("{count} s left ") }
}

/// Draws the session screen for `live` in `area`.
pub(super) fn draw(frame: &mut Frame, area: Rect, live: &Live, app: &App, theme: &Theme) {
    let v = &live.view;
    let right = match v.number {
        Some(n) => format!(" stretch {n} of {} ", v.of),
        None => String::new(),
    };
    let block = frame_block(&live.routine, right, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let hints = limber_app::keys::hints_typing(v, live.pain_entry);
    let hint_pairs: Vec<(&str, &str)> = if live.confirm_quit {
        // Under the quit question only its answers, a rating and the safety reports work.
        use limber_core::IntentKind as K;
        let reports = hints.iter().filter(|h| matches!(h.kind, K::Pain | K::SharpPain | K::Chest));
        quit_question(v).1.iter().copied().chain(reports.map(|h| (h.key, h.action))).collect()
    } else {
        // `?` shows every key, the dialogs' too.
        hints.iter().map(|h| (h.key, h.action)).chain([("?", "all keys")]).collect()
    };
    let hint_rows_text = hint_lines(&hint_pairs, inner.width, theme);
    let hint_rows = u16::try_from(hint_rows_text.len()).unwrap_or(2).clamp(1, 3);
    let hint_text = Paragraph::new(hint_rows_text);
    // A notice (a stretch set aside, no voice) wraps rather than stopping mid-sentence.
    // (A voice that failed before the plan's notes: the notes are on the home screen too.)
    let asking = live.chest_entry.asking(std::time::Instant::now()).then_some(limber_app::keys::CHEST_ASK);
    let notes: Vec<&str> = [asking, app.message.as_deref(), live.voice_failed.as_deref(), live.notes_now()]
        .into_iter()
        .flatten()
        .collect();
    let shown = (!notes.is_empty()).then(|| notes.join(" "));
    let message = shown.map(|m| Paragraph::new(Span::styled(m, theme.strong())).wrap(Wrap { trim: true }));
    let msg_rows = message.as_ref().map_or(0, |p| p.line_count(inner.width).min(3));
    let msg_rows = u16::try_from(msg_rows).unwrap_or(1);
    // The spoken count is on screen as big digits already.
    let shown: Vec<&limber_core::Cue> =
        live.cues.iter().filter(|c| !matches!(c.kind, limber_core::CueKind::Countdown { .. })).collect();
    // Cues wrap (a step's cue runs past 80 columns): a third row when the screen has it, and
    // as many as the newest cue and a recent alert above it need (up to 5 each) while the
    // stretch keeps 12 rows, enough for its figure (a figure that came and went with each long
    // cue would flicker). Safety words cut off mid-sentence would be worse than a smaller figure.
    let rows_of =
        |c: &limber_core::Cue| Paragraph::new(c.text.as_str()).wrap(Wrap { trim: true }).line_count(inner.width).min(5);
    let newest = shown.last().copied();
    let newest_rows = newest.map_or(0, rows_of);
    // (While a question's dialog is up it says the advice itself, and rows grown under it would
    // put the dialog's edge over their first line.)
    let asking = question(v).is_some();
    let alert_rows =
        recent_alert(&shown).filter(|a| !asking && newest.is_none_or(|n| n.seq != a.seq)).map_or(0, rows_of);
    let room = inner.height.saturating_sub(12 + msg_rows + hint_rows);
    let cue_rows = u16::try_from(newest_rows + alert_rows).unwrap_or(u16::MAX).min(room).max(if inner.height >= 30 {
        3
    } else {
        2
    });
    let [main, cues_area, msg, keys] = Layout::vertical([
        Constraint::Min(10),
        Constraint::Length(cue_rows),
        Constraint::Length(msg_rows),
        Constraint::Length(hint_rows),
    ])
    .areas(inner);
    let [left, right] = Layout::horizontal([Constraint::Min(36), Constraint::Percentage(45)]).areas(main);

    // Left: what to do now, the countdown, the gauge, breathing and what comes next.
    let (label, strong) = phase_label(live);
    let label_style = if strong { theme.danger() } else { theme.strong() };
    // What to do now as big as half-height digits when the window has room, to be read from
    // the floor like the number (the big font has no arrows).
    // With the side ("HOLD LEFT") when that fits, else the word alone (the side is below it).
    let big = big_label(&label, left.width).filter(|_| left.height >= 28);
    let label_is_big = big.is_some();
    let big_label = big.unwrap_or_default();
    let mut heading = Vec::new();
    // A switch shown as its side alone keeps its whole label above, small.
    if !label_is_big || (label.contains('→') && !big_label.contains("TO")) {
        heading.push(Line::from(Span::styled(label, label_style)));
    }
    let mut who = Vec::new();
    if let Some(name) = &v.name {
        who.push(Span::styled(name.clone(), theme.strong()));
    } else if matches!(v.phase, Phase::WarmUp) {
        who.push(Span::raw("Gentle movement to warm up"));
    }
    if let Some(side) = v.side {
        who.push(Span::raw(format!(" · {} side", side.label())));
    }
    if let Some((rep, of)) = v.repetition.filter(|(_, of)| *of > 1) {
        who.push(Span::raw(format!(" · {rep} of {of}")));
    }
    heading.push(Line::from(who));
    // The countdown as large as the window allows: twice the big digits when they fit, for
    // someone a couple of metres away.
    let count = v.remaining_ms.map(countdown_text);
    let twice = count
        .as_ref()
        .is_some_and(|t| left.height >= 24 && usize::from(left.width) >= t.chars().count() * usize::from(8 * DOUBLE));
    let big_rows: u16 = if twice {
        8 * DOUBLE
    } else if left.height >= 14 {
        8
    } else {
        4
    };
    let heading_rows = u16::try_from(heading.len()).unwrap_or(1);
    let [head, digits, gauge, extra] = Layout::vertical([
        Constraint::Length(if label_is_big { 4 + heading_rows } else { 2 }),
        Constraint::Length(big_rows),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(left);
    if label_is_big {
        let [word, name] = Layout::vertical([Constraint::Length(4), Constraint::Length(heading_rows)]).areas(head);
        let big = BigText::builder()
            .pixel_size(PixelSize::HalfHeight)
            .style(label_style)
            .alignment(Alignment::Center)
            .lines(vec![Line::from(big_label)])
            .build();
        frame.render_widget(big, word);
        frame.render_widget(Paragraph::new(heading), name);
    } else {
        frame.render_widget(Paragraph::new(heading), head);
    }
    if let (Some(ms), Some(count)) = (v.remaining_ms, count) {
        if twice {
            frame.render_widget(Scaled { text: &count, scale: DOUBLE, style: theme.strong() }, digits);
        } else {
            let size = if big_rows >= 8 { PixelSize::Full } else { PixelSize::HalfHeight };
            let big = BigText::builder()
                .pixel_size(size)
                .style(theme.strong())
                .alignment(Alignment::Center)
                .lines(vec![Line::from(count)])
                .build();
            frame.render_widget(big, digits);
        }
        if let Some(total) = v.phase_ms.filter(|t| *t > 0) {
            let done = 1.0 - (ms as f64 / total as f64).clamp(0.0, 1.0);
            let g = LineGauge::default().filled_symbol("█").unfilled_symbol("░").ratio(done).label(gauge_label(ms));
            frame.render_widget(g, gauge);
        }
    }
    let mut more = Vec::new();
    if let Some(b) = v.breathing.as_ref().filter(|_| matches!(v.phase, Phase::Active { .. } | Phase::GetReady { .. })) {
        more.push(Line::from(vec![Span::styled("Breathe: ", theme.strong()), Span::raw(b.clone())]));
    }
    if let Some(between) = &v.between_holds {
        more.push(Line::from(vec![Span::styled("Meanwhile: ", theme.strong()), Span::raw(between.clone())]));
    }
    if let Some(next) = &v.next {
        more.push(Line::from(vec![Span::styled("Next up: ", theme.strong()), Span::raw(next.clone())]));
    }
    frame.render_widget(Paragraph::new(more).wrap(Wrap { trim: true }), extra);

    // Right: the steps with the current one marked and the cautions (first while the stretch is
    // introduced); the warm-up's activities.
    let mut lines = Vec::new();
    let mut current_line = None;
    if matches!(v.phase, Phase::WarmUp)
        && let Some(warm) = &live.session.plan().warm_up
    {
        lines.push(Line::from(Span::styled("Any of these", theme.title())));
        lines.extend(warm.activities.iter().map(|a| Line::from(format!("• {a}"))));
    }
    if !v.steps.is_empty() {
        // The steps are written for the first side (the right); on the other, say so above
        // them, so a glance mid-hold does not turn the wrong way.
        if v.side == Some(limber_core::Side::Left) || v.switch_to == Some(limber_core::Side::Left) {
            let how = v.other_side.as_deref().unwrap_or("the same steps, the other way round");
            lines.push(Line::from(Span::styled(format!("LEFT SIDE: {how}"), theme.strong())));
        }
        // While the stretch is introduced the cautions come first, in the order they are read;
        // from then on the steps, so a glance mid-hold finds the position at the top.
        let cautions = |lines: &mut Vec<Line>| {
            if !v.cautions.is_empty() {
                lines.push(Line::from(Span::styled("Take care", theme.danger())));
                lines.extend(v.cautions.iter().map(|c| Line::from(format!("! {c}"))));
            }
        };
        let preparing = matches!(v.phase, Phase::Prepare { .. });
        if preparing {
            cautions(&mut lines);
        }
        lines.push(Line::from(Span::styled("Steps", theme.title())));
        for (i, step) in v.steps.iter().enumerate() {
            let current = v.step == Some(i);
            if current {
                current_line = Some(lines.len());
            }
            let mark = if current { "▶ " } else { "  " };
            let style = if current { theme.selected() } else { Style::new() };
            lines.push(Line::from(Span::styled(format!("{mark}{}. {step}", i + 1), style)));
        }
        if !preparing {
            cautions(&mut lines);
        }
    }
    let panel = Block::bordered().title(if matches!(v.phase, Phase::WarmUp) { " Warm-up " } else { " This stretch " });
    let panel_inner = panel.inner(right);
    frame.render_widget(panel, right);
    let steps_area = match app.shown() {
        Some((stretch, shown)) if panel_inner.height >= 10 => {
            let rows = (panel_inner.height * 2 / 5).clamp(6, 16);
            let [top, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(1)]).areas(panel_inner);
            if let Some(f) = &stretch.figure {
                figure(frame, top, f, &shown.pose, theme);
            }
            rest
        }
        _ => panel_inner,
    };
    // When the steps run past the panel, scroll so the current one is in view: all of it, or
    // from its start when it alone is taller than the panel. Rows are counted as they wrap.
    let rows = |l: &Line| Paragraph::new(l.clone()).wrap(Wrap { trim: true }).line_count(steps_area.width).max(1);
    let scroll = current_line.map_or(0, |at| {
        let start: usize = lines[..at].iter().map(rows).sum();
        let end = start + rows(&lines[at]);
        end.saturating_sub(usize::from(steps_area.height)).min(start)
    });
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).scroll((scroll, 0)), steps_area);

    let recent = recent_cues(&shown, cues_area);
    // The newest cue is what to do now: in full weight; the older ones fade.
    let newest_seq = shown.last().map(|c| c.seq);
    let cue_lines = |cues: &[&limber_core::Cue]| -> Paragraph {
        let lines: Vec<Line> = cues
            .iter()
            .map(|c| {
                let style = if c.sound == limber_core::Sound::Alert {
                    theme.danger()
                } else if Some(c.seq) == newest_seq {
                    Style::new()
                } else {
                    theme.dim()
                };
                Line::from(Span::styled(c.text.clone(), style))
            })
            .collect();
        Paragraph::new(lines).wrap(Wrap { trim: true })
    };
    match recent.alert {
        // The alert above, cut short if need be; the newest cues keep their rows below it.
        Some(alert) => {
            let [top, bottom] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(recent.rows)]).areas(cues_area);
            frame.render_widget(cue_lines(&[alert]), top);
            frame.render_widget(cue_lines(&recent.newest), bottom);
        }
        None => frame.render_widget(cue_lines(&recent.newest), cues_area),
    }
    if let Some(message) = message {
        frame.render_widget(message, msg);
    }
    frame.render_widget(hint_text, keys);

    if let Some(q) = question(v) {
        // After a stop, its advice stays above the question that follows (the pain after).
        let mut text = match &v.stopped {
            Some(notice) => format!("{}\n\n{q}", notice.advice),
            None => q,
        };
        if live.pain_entry.waiting().is_some() {
            text = format!("{text}\n\n{}", limber_app::keys::ONE_WAITING);
        }
        dialog(frame, area, v, live.session.plan().screening.len(), &text, live.pain_entry, theme);
    }
    if live.confirm_quit {
        let d = centered(area, 52, 6);
        frame.render_widget(Clear, d);
        let (asked, answers) = quit_question(v);
        let text = vec![
            Line::from(asked),
            Line::from("What you have done so far is kept."),
            Line::default(),
            hint_line(answers, theme),
        ];
        frame.render_widget(Paragraph::new(text).block(Block::bordered().title(" Quit ")), d);
    }
}

/// An alert among the last [`ALERT_KEPT`] cues shown: kept on screen above the newest.
fn recent_alert<'a>(shown: &[&'a limber_core::Cue]) -> Option<&'a limber_core::Cue> {
    shown.iter().rev().take(ALERT_KEPT).find(|c| c.sound == limber_core::Sound::Alert).copied()
}

/// Picks the cues for `area`, measuring each as it wraps there.
pub(crate) fn recent_cues<'a>(shown: &[&'a limber_core::Cue], area: Rect) -> RecentCues<'a> {
    let rows_of =
        |c: &limber_core::Cue| Paragraph::new(c.text.as_str()).wrap(Wrap { trim: true }).line_count(area.width);
    let room = usize::from(area.height);
    let alert = recent_alert(shown).filter(|_| room > 1);
    let mut newest: Vec<&limber_core::Cue> = Vec::new();
    let mut used = 0;
    for &cue in shown.iter().rev() {
        let rows = rows_of(cue);
        if !newest.is_empty() && used + rows > room {
            break;
        }
        newest.push(cue);
        used += rows;
    }
    let alert = alert.filter(|a| !newest.iter().any(|c| c.seq == a.seq));
    if alert.is_some() {
        // One row at least for the alert: older cues give way first.
        while newest.len() > 1 && used >= room {
            used -= newest.pop().map_or(0, rows_of);
        }
        used = used.min(room - 1);
    }
    newest.reverse();
    RecentCues { alert, newest, rows: u16::try_from(used.min(room)).unwrap_or(area.height) }
}

/// The question waiting for an answer, if the session is asking one.
fn question(v: &SessionView) -> Option<String> {
    v.question.clone()
}

/// A question from the session (screening, pain rating, stop?) as a dialog over the screen;
/// `questions` is how many safety questions the plan asks.
fn dialog(
    frame: &mut Frame,
    area: Rect,
    v: &SessionView,
    questions: usize,
    question: &str,
    entry: limber_app::keys::PainEntry,
    theme: &Theme,
) {
    let title = match v.phase {
        _ if v.stopped.as_ref().is_some_and(|n| n.reason.is_safety()) => " Stopped for your safety ".to_owned(),
        Phase::Screening { question } => format!(" Safety question {} of {questions} ", question + 1),
        Phase::ConfirmAssessed => " Before we start ".to_owned(),
        Phase::PainBefore => " Pain before ".to_owned(),
        Phase::PainAfter => " Pain after ".to_owned(),
        _ => " A question ".to_owned(),
    };
    let hints = limber_app::keys::hints_typing(v, entry);
    let pairs: Vec<(&str, &str)> = hints
        .iter()
        .filter(|h| matches!(h.kind, IntentKind::Yes | IntentKind::No | IntentKind::Pain | IntentKind::Start))
        .map(|h| (h.key, h.action))
        .collect();
    let width = area.width.saturating_sub(8).min(70);
    let body = Paragraph::new(question.to_owned()).wrap(Wrap { trim: true });
    let per_line = usize::from(width.saturating_sub(4).max(1));
    let rows: usize = question.split('\n').map(|p| p.chars().count().div_ceil(per_line).max(1)).sum();
    let height = u16::try_from(rows + 1).unwrap_or(3) + 4;
    let d = centered(area, width, height);
    frame.render_widget(Clear, d);
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(d);
    frame.render_widget(block, d);
    let [q, _, k] = Layout::vertical([Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(body, q);
    frame.render_widget(Paragraph::new(hint_line(&pairs, theme)), k);
}

/// The cues for the cue rows: the newest, and a recent alert (a pain reply, a stop) kept above
/// them while the next few cues come.
pub(crate) struct RecentCues<'a> {
    /// The alert, when it is not among the newest.
    pub(crate) alert: Option<&'a limber_core::Cue>,
    /// The newest cues that fit, oldest first: always the newest one (cut short if it alone is
    /// longer than the rows it gets).
    pub(crate) newest: Vec<&'a limber_core::Cue>,
    /// The rows the newest take (with an alert, at least one row is left to it).
    pub(crate) rows: u16,
}
