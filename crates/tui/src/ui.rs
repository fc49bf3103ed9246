//! Drawing: one `draw` that reads the `App` and renders the screen showing; nothing here changes state.

use limber_core::drawing::{self, Shape, Tone};
use limber_core::{Figure, Posed};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::canvas::{Canvas, Circle, Line as CanvasLine};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use tui_big_text::{BigText, PixelSize};

use crate::app::{App, Screen};

mod home;
mod library;
mod progress;
mod session;
mod settings;
mod summary;

pub(crate) use session::countdown_text;
#[cfg(test)]
pub(crate) use session::{RecentCues, big_label, recent_cues};

/// The smallest window every screen fits in.
pub(crate) const MIN_SIZE: (u16, u16) = (60, 20);

/// `parts` joined by `sep` into lines of at most `width` characters, each starting with
/// `indent`; a line breaks only between parts (a part longer than a line has one of its own).
fn joined_lines(parts: &[String], sep: &str, indent: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match lines.last_mut() {
            Some(line) if line.chars().count() + sep.chars().count() + part.chars().count() <= width => {
                line.push_str(sep);
                line.push_str(part);
            }
            _ => lines.push(format!("{indent}{part}")),
        }
    }
    lines
}

/// Styles that carry meaning by text and weight first; colour only adds to them, and goes
/// away with `NO_COLOR`.
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }
    fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn strong(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    fn dim(&self) -> Style {
        if self.color { Style::new().add_modifier(Modifier::DIM) } else { Style::new() }
    }
    fn danger(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    fn key(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
    fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

/// Draws `pose` of `figure` in braille on a canvas, as large as fits `area` keeping its shape.
fn figure(frame: &mut Frame, area: Rect, f: &Figure, pose: &Posed, theme: &Theme) {
    let (widget, at) = figure_widget(area, f, pose, theme.color);
    frame.render_widget(widget, at);
}

/// [`figure`] into a bare buffer (for the benchmark).
pub(crate) fn figure_into(buffer: &mut ratatui::buffer::Buffer, f: &Figure, pose: &Posed, color: bool) {
    use ratatui::widgets::Widget as _;
    let (widget, at) = figure_widget(buffer.area, f, pose, color);
    widget.render(at, buffer);
}

fn figure_widget(area: Rect, figure: &Figure, pose: &Posed, color: bool) -> (impl ratatui::widgets::Widget, Rect) {
    let bounds = figure.bounds();
    let (w, h) = drawing::fit(bounds, area.width, area.height);
    let at = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let shapes = drawing::shapes(figure, pose);
    let colour = move |tone: Tone| match (color, tone) {
        (false, _) => Color::Reset,
        (true, Tone::Near) => Color::Cyan,
        (true, Tone::Far) => Color::Blue,
        (true, Tone::Prop) => Color::Yellow,
    };
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([f64::from(bounds.min_x), f64::from(bounds.max_x)])
        .y_bounds([f64::from(bounds.min_y), f64::from(bounds.max_y)])
        .paint(move |ctx| {
            for shape in &shapes {
                match *shape {
                    Shape::Line { from, to, tone } => ctx.draw(&CanvasLine {
                        x1: f64::from(from.x),
                        y1: f64::from(from.y),
                        x2: f64::from(to.x),
                        y2: f64::from(to.y),
                        color: colour(tone),
                    }),
                    Shape::Circle { centre, radius, tone } => ctx.draw(&Circle {
                        x: f64::from(centre.x),
                        y: f64::from(centre.y),
                        radius: f64::from(radius),
                        color: colour(tone),
                    }),
                }
            }
        });
    (canvas, at)
}

/// A window smaller than [`MIN_SIZE`] (a large font, a split pane). A session carries on out of
/// sight of the full screen: the safety keys first, so they are the last thing cut off, then
/// where it is, its countdown in big digits when there is room for them, what limber said
/// last, and only then the size it needs. A stop for safety says its advice first.
fn small_window(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let session = app.screen == Screen::Session && app.live.is_some();
    let (w, h) = (area.width, area.height);
    let size = Line::from(Span::styled(
        if session && app.live.as_ref().is_some_and(|l| l.view.question.is_some()) {
            // Its keys are held back until it can be seen whole: said, so that a y or an n that
            // does nothing is not a mystery.
            format!(
                "This window is {w}×{h}: make it at least {}×{} to answer the question (until then y, n and \
                 the digits do nothing).",
                MIN_SIZE.0, MIN_SIZE.1
            )
        } else if session {
            format!("This window is {w}×{h}: make it at least {}×{} to see the steps.", MIN_SIZE.0, MIN_SIZE.1)
        } else {
            format!(
                "limber-tui needs a window of at least {}×{}; this one is {w}×{h}. Make it bigger, or press q to quit.",
                MIN_SIZE.0, MIN_SIZE.1
            )
        },
        theme.dim(),
    ));
    // A stop for safety says its advice whatever the size: it is what matters most.
    let ended = match (&app.finished, &app.unsaved) {
        (Some((f, cues)), _) => Some((&f.summary, cues)),
        (None, Some(unsaved)) => unsaved.summary.as_ref().map(|s| (s, &unsaved.cues)),
        (None, None) => None,
    };
    let advice: Option<String> = match (app.screen, &app.live, ended) {
        (Screen::Session, Some(live), _) => live.view.stopped.as_ref().map(|n| n.advice.clone()),
        (Screen::Summary, _, Some((s, cues))) if s.stopped.is_some_and(|r| r.is_safety()) => {
            cues.iter().rev().find(|c| matches!(c.kind, limber_core::CueKind::Stopped { .. })).map(|c| c.text.clone())
        }
        _ => None,
    };
    let running = match (app.screen, &app.live) {
        (Screen::Session, Some(live)) if !live.view.stopped.as_ref().is_some_and(|n| n.reason.is_safety()) => {
            Some(live)
        }
        _ => None,
    };
    let Some(live) = running else {
        let mut lines = Vec::new();
        if let Some(advice) = advice {
            lines.push(Line::from(Span::styled(advice, theme.danger())));
            lines.push(Line::default());
        }
        lines.push(size);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        return;
    };
    let keys = Line::from(vec![
        Span::styled(" x ", theme.key()),
        Span::styled(" SHARP PAIN  ", theme.danger()),
        Span::styled(" e ", theme.key()),
        Span::styled(format!(" {}  ", limber_app::keys::CHEST), theme.danger()),
        Span::styled(" space ", theme.key()),
        Span::raw(" pause  "),
        Span::styled(if app.rating_in_a_small_window() { " 0-9 " } else { "" }, theme.key()),
        Span::raw(if app.rating_in_a_small_window() { " pain  " } else { "" }),
        Span::styled(" ctrl-c ", theme.key()),
        Span::raw(" end, keeping what was done"),
    ]);
    let keys = Paragraph::new(keys).wrap(Wrap { trim: true });
    let keys_rows = u16::try_from(keys.line_count(area.width)).unwrap_or(u16::MAX);
    let (label, _) = session::phase_label(live);
    let count = live.view.remaining_ms.map(countdown_text);
    let left = count.as_ref().map(|c| format!(" {c}")).unwrap_or_default();
    // Half-height digits are 8 cells wide and 4 rows tall: drawn when the keys, the phase line,
    // the digits and a line of words all fit.
    let digits_fit = |c: &String| {
        usize::from(area.width) >= c.chars().count() * 8 && area.height >= keys_rows.saturating_add(1 + 4 + 2)
    };
    let digit_rows = if count.as_ref().is_some_and(digits_fit) { 4 } else { 0 };
    let [keys_area, label_area, digits_area, rest] = Layout::vertical([
        Constraint::Length(keys_rows),
        Constraint::Length(1),
        Constraint::Length(digit_rows),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(keys, keys_area);
    frame.render_widget(Paragraph::new(Span::styled(format!("{label}{left}"), theme.strong())), label_area);
    if let Some(count) = count.filter(|_| digit_rows > 0) {
        let big = BigText::builder()
            .pixel_size(PixelSize::HalfHeight)
            .style(theme.strong())
            .alignment(Alignment::Center)
            .lines(vec![Line::from(count)])
            .build();
        frame.render_widget(big, digits_area);
    }
    // A recent alert (the answer to a rating, say), so a key pressed here is seen to be taken,
    // the size it needs, then what limber said last (the longest, so cut first).
    let mut lines = Vec::new();
    // A first `e` waiting for its second, before anything else.
    if live.chest_entry.asking(std::time::Instant::now()) {
        lines.push(Line::from(Span::styled(limber_app::keys::CHEST_ASK, theme.danger())));
    }
    let alert = live.cues.iter().rev().take(6).find(|c| c.sound == limber_core::Sound::Alert);
    if let Some(cue) = alert {
        lines.push(Line::from(Span::styled(cue.text.clone(), theme.danger())));
    }
    // In a rest between two holds, what to do meanwhile (said with the rest's own words, which
    // would otherwise be the last cue shown).
    if let Some(between) = &live.view.between_holds {
        lines.push(Line::from(vec![Span::styled("Meanwhile: ", theme.strong()), Span::raw(between.clone())]));
    }
    lines.push(size);
    if let Some(cue) = live.cues.last().filter(|c| Some(c.seq) != alert.map(|a| a.seq)) {
        lines.push(Line::from(cue.text.clone()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rest);
}

/// Renders the whole screen for `app`.
pub(crate) fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = Theme { color: !app.no_color };
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        small_window(frame, area, app, &theme);
        return;
    }
    match app.screen {
        Screen::Home => home::draw(frame, area, app, &theme),
        Screen::Library => library::draw(frame, area, app, &theme),
        Screen::Session => match &app.live {
            Some(live) => session::draw(frame, area, live, app, &theme),
            None => home::draw(frame, area, app, &theme),
        },
        Screen::Summary => summary::draw(frame, area, app, &theme),
        Screen::Progress => progress::draw(frame, area, app, &theme),
        Screen::Settings => settings::draw(frame, area, app, &theme),
    }
    if app.help {
        help(frame, area, app, &theme);
    }
}

fn frame_block<'a>(title: &'a str, right: String, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .title(Line::from(vec![Span::styled(format!(" limber · {title} "), theme.title())]))
        .title(Line::from(right).right_aligned())
}

/// A row of key hints: `key` in reverse video, then what it does.
fn hint_line<'a>(hints: &[(&'a str, &'a str)], theme: &Theme) -> Line<'a> {
    hint_lines(hints, u16::MAX, theme).into_iter().next().unwrap_or_default()
}

/// Key hints packed into lines of `width`, never splitting a hint.
fn hint_lines<'a>(hints: &[(&'a str, &'a str)], width: u16, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, action) in hints {
        let w = key.chars().count() + action.chars().count() + 5;
        if used > 0 && used + w > usize::from(width) {
            lines.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        spans.push(Span::styled(format!(" {key} "), theme.key()));
        let style = if *action == "SHARP PAIN" { theme.danger() } else { Style::new() };
        spans.push(Span::styled(format!(" {action}  "), style));
        used += w;
    }
    if !spans.is_empty() {
        lines.push(Line::from(spans));
    }
    lines
}

fn message_line<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    match &app.message {
        Some(m) => Line::from(Span::styled(m.as_str(), theme.strong())),
        None => Line::default(),
    }
}

/// The message under a screen, wrapped at words (a question must not be cut off mid-word).
fn message<'a>(app: &'a App, theme: &Theme) -> Paragraph<'a> {
    Paragraph::new(message_line(app, theme)).wrap(Wrap { trim: true })
}

/// The rows the message takes at `width`: one, up to three for a long one.
fn message_rows(app: &App, width: u16) -> u16 {
    let rows = message(app, &Theme { color: false }).line_count(width).clamp(1, 3);
    u16::try_from(rows).unwrap_or(3)
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// On a bordered list's frame: how many items are out of sight above and below (a small
/// window shows only some), given each item's height and the first one shown.
fn more_marks(frame: &mut Frame, area: Rect, heights: &[usize], offset: usize) {
    let rows = usize::from(area.height.saturating_sub(2));
    let mut used = 0;
    let shown = heights[offset.min(heights.len())..]
        .iter()
        .take_while(|h| {
            used += **h;
            used <= rows
        })
        .count();
    let below = heights.len().saturating_sub(offset + shown);
    let mark = |text: String, y: u16| {
        let width = u16::try_from(text.chars().count()).unwrap_or(u16::MAX).min(area.width.saturating_sub(2));
        Rect { x: area.right().saturating_sub(width + 1), y, width, height: 1 }
    };
    if offset > 0 && area.height > 2 {
        let text = format!(" ↑ {offset} more ");
        frame.render_widget(Paragraph::new(text.clone()), mark(text, area.y));
    }
    if below > 0 && area.height > 2 {
        let text = format!(" ↓ {below} more ");
        frame.render_widget(Paragraph::new(text.clone()), mark(text, area.bottom() - 1));
    }
}

/// `lines`, wrapped, in `area`, from line `scroll` (no further than shows the last line, which
/// `max` is told), with a mark on the last row when more is below.
fn scrolled(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'_>>,
    scroll: u16,
    max: &std::cell::Cell<u16>,
    theme: &Theme,
) {
    let text = Paragraph::new(lines).wrap(Wrap { trim: true });
    let total = u16::try_from(text.line_count(area.width)).unwrap_or(u16::MAX);
    max.set(total.saturating_sub(area.height));
    let scroll = scroll.min(max.get());
    frame.render_widget(text.scroll((scroll, 0)), area);
    if total > scroll.saturating_add(area.height) && area.height > 0 {
        let more = " ↓ more: PgDn ";
        let width = u16::try_from(more.chars().count()).unwrap_or(0).min(area.width);
        let mark = Rect { x: area.right().saturating_sub(width), y: area.bottom() - 1, width, height: 1 };
        frame.render_widget(Clear, mark);
        frame.render_widget(Paragraph::new(more).style(theme.selected()), mark);
    }
}

/// Every key, on every screen.
pub(crate) const HELP: &[(&str, &str)] = &[
    ("During a session", ""),
    ("space / p", "pause or resume"),
    ("enter", "count in to the hold now; skip a pain rating (or keep a 1)"),
    ("s", "skip the warm-up, a stretch or a prompt"),
    ("a", "swap for a stretch that works the same area"),
    ("d / c", "some discomfort / it felt comfortable"),
    ("0-9", "rate your pain (10: press 1, then 0)"),
    ("x", "SHARP PAIN: stops at once and gives advice"),
    ("e", "chest pain or breathlessness: twice within 4 s, emergency advice"),
    ("y / n", "answer a question"),
    ("q", "end the session (asks first; what you did is kept)"),
    ("Ctrl-C", "end at once, keeping what was done"),
    ("Elsewhere", ""),
    ("↑↓ / j k", "choose; PgDn, PgUp or space scroll a stretch or guide page"),
    ("enter", "start the chosen routine"),
    ("l p o w", "library, progress, settings; w waits for you before each stretch"),
    ("e v t g", "library filters: equipment, position, area; guidance"),
    ("c c", "clear a stretch's sharp-pain flag (progress; asks first)"),
    ("esc / q", "back, or quit from home"),
    ("?", "this help"),
];

fn help(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // Where the whole list does not fit (below about 100×30), the keys of where the person is
    // come first: the session's in a session, the others elsewhere.
    let elsewhere = HELP.iter().position(|(k, v)| v.is_empty() && *k == "Elsewhere").unwrap_or(HELP.len());
    let (here, there) = HELP.split_at(elsewhere);
    let ordered: Vec<&(&str, &str)> = if app.screen == Screen::Session {
        here.iter().chain(there).collect()
    } else {
        there.iter().chain(here).collect()
    };
    let width = 76.min(area.width);
    // A description too long for one row goes on under itself, not under the keys.
    let room = usize::from(width.saturating_sub(2 + 12)).max(12);
    let lines: Vec<Line> = ordered
        .into_iter()
        .flat_map(|(k, v)| {
            if v.is_empty() {
                return vec![Line::from(Span::styled(*k, theme.title()))];
            }
            textwrap::wrap(v, room)
                .into_iter()
                .enumerate()
                .map(|(row, text)| {
                    let key = if row == 0 { format!("{k:>10}  ") } else { " ".repeat(12) };
                    Line::from(vec![Span::styled(key, theme.strong()), Span::raw(text.into_owned())])
                })
                .collect()
        })
        .collect();
    let paragraph = Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false });
    let rows = u16::try_from(paragraph.line_count(width.saturating_sub(2))).unwrap_or(u16::MAX);
    let d = centered(area, width, rows.saturating_add(2));
    let title = if rows.saturating_add(2) > d.height {
        " Keys · more in a bigger window · any key closes "
    } else {
        " Keys · any key closes "
    };
    frame.render_widget(Clear, d);
    frame.render_widget(paragraph.block(Block::bordered().title(title)), d);
}
