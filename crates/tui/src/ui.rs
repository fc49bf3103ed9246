//! Drawing: one `draw` that reads the `App` and renders the screen showing; nothing here changes state.

use limber_core::drawing::{self, Shape, Tone};
use limber_core::{Figure, IntentKind, Moment, Phase, Posed, SessionView};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Circle, Line as CanvasLine};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Clear, Dataset, GraphType, LineGauge, List, ListItem, ListState,
    Paragraph, Wrap,
};
use tui_big_text::{BigText, PixelSize};

use crate::app::{App, Guide, Live, Screen};

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
    let (label, _) = phase_label(live);
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
        Screen::Home => home(frame, area, app, &theme),
        Screen::Library => library(frame, area, app, &theme),
        Screen::Session => match &app.live {
            Some(live) => session(frame, area, live, app, &theme),
            None => home(frame, area, app, &theme),
        },
        Screen::Summary => summary(frame, area, app, &theme),
        Screen::Progress => progress(frame, area, app, &theme),
        Screen::Settings => settings(frame, area, app, &theme),
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

fn home(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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
    let hints = [
        ("↑↓", "choose"),
        ("enter", "start"),
        ("w", wait),
        ("l", "library"),
        ("p", "progress"),
        ("o", "settings"),
        ("?", "help"),
        ("q", "quit"),
    ];
    frame.render_widget(Paragraph::new(hint_lines(&hints, keys.width, theme)), keys);
}

/// The big words for the phase (core's `PhaseWord`: the same on the page), and whether they call
/// for the person to act now (drawn in the alert colour): a hold, a count-in, a switch, a stop, a
/// pause, a question about how it went or whether to stop, a session waiting to be started.
fn phase_label(live: &Live) -> (String, bool) {
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

fn session(frame: &mut Frame, area: Rect, live: &Live, app: &App, theme: &Theme) {
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
    // Cues wrap (a step's cue runs past 80 columns): a third row when the screen has it, and
    // as many as the newest cue needs (up to 5) while the stretch keeps 12 rows, enough for its
    // figure (a figure that came and went with each long cue would flicker).
    let newest_rows = live
        .cues
        .iter()
        .rev()
        .find(|c| !matches!(c.kind, limber_core::CueKind::Countdown { .. }))
        .map_or(0, |c| Paragraph::new(c.text.as_str()).wrap(Wrap { trim: true }).line_count(inner.width));
    let room = inner.height.saturating_sub(12 + msg_rows + hint_rows);
    let cue_rows = u16::try_from(newest_rows.min(5)).unwrap_or(5).min(room).max(if inner.height >= 30 { 3 } else { 2 });
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

    // The spoken count is on screen as big digits already.
    let shown: Vec<&limber_core::Cue> =
        live.cues.iter().filter(|c| !matches!(c.kind, limber_core::CueKind::Countdown { .. })).collect();
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

/// Picks the cues for `area`, measuring each as it wraps there.
pub(crate) fn recent_cues<'a>(shown: &[&'a limber_core::Cue], area: Rect) -> RecentCues<'a> {
    let rows_of =
        |c: &limber_core::Cue| Paragraph::new(c.text.as_str()).wrap(Wrap { trim: true }).line_count(area.width);
    let room = usize::from(area.height);
    let alert = shown
        .iter()
        .rev()
        .take(ALERT_KEPT)
        .find(|c| c.sound == limber_core::Sound::Alert)
        .copied()
        .filter(|_| room > 1);
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

fn summary(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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

/// What the progress screen shows where statistics could not be read.
const UNREAD: &str = "Your history could not be read just now: see the line below.";

fn progress(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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
        let chart = Chart::new(datasets)
            .block(pain_block)
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
                let flag = if h.flagged { "  SET ASIDE after sharp pain — c twice clears" } else { "" };
                let style = if h.flagged { theme.danger() } else { Style::new() };
                ListItem::new(Line::from(Span::styled(format!("{name}: {} s{range}{flag}", h.hold_seconds), style)))
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

fn library(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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

fn settings(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = frame_block("settings", " saved as `limber profile` saves it ".to_owned(), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, msg, keys] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(message_rows(app, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let items: Vec<ListItem> =
        app.settings_rows().into_iter().map(|(label, value)| ListItem::new(format!("{label:<28} {value}"))).collect();
    let mut state = ListState::default().with_selected(Some(app.selected));
    let list = List::new(items)
        .block(Block::bordered().title(" Your profile "))
        .highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    frame.render_stateful_widget(list, body, &mut state);
    frame.render_widget(message(app, theme), msg);
    let hints = [("↑↓", "choose"), ("space", "toggle"), ("←→", "goal"), ("esc", "home")];
    frame.render_widget(Paragraph::new(hint_line(&hints, theme)), keys);
}

/// Every key, on every screen.
pub(crate) const HELP: &[(&str, &str)] = &[
    ("During a session", ""),
    ("space / p", "pause or resume"),
    ("enter", "start the stretch (with --wait), skip a pain rating"),
    ("s", "skip the warm-up, a stretch or a prompt"),
    ("a", "swap for a stretch that works the same area"),
    ("d / c", "some discomfort / it felt comfortable"),
    ("0-9", "rate your pain"),
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
