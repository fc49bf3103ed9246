//! The session driver: owns the clock, reads keys or lines, and renders cues and the countdown.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use limber_app::clock::Clock;
use limber_app::interrupt::Interrupt;
use limber_app::{keys, line};
use limber_core::{At, Cue, Intent, IntentKind, Phase, Session, SessionView};
use serde_json::json;

use limber_app::speech::Voice;

/// The keys shown on screen during a session.
pub(crate) fn all_keys() -> String {
    format!(
        "space pause · enter start · s skip · a swap · d discomfort · c comfortable · 0-9 pain · x SHARP PAIN · e {} · \
         q quit",
        keys::CHEST
    )
}

/// One thing the person typed.
pub(crate) enum Input {
    /// A key, in single-key mode (stdin is a terminal).
    Key(u8),
    /// A line, in line mode (stdin is a pipe or a file).
    Line(String),
}

/// Single-key mode (crossterm's raw mode, on every platform); restored when dropped, on every
/// exit path that unwinds, and by the signal handling in `run` for SIGTERM and SIGHUP.
struct KeyMode;

impl KeyMode {
    /// Turns off line buffering, echo and signal keys so single keys arrive at once.
    fn enter() -> Option<KeyMode> {
        crossterm::terminal::enable_raw_mode().ok()?;
        Some(KeyMode)
    }

    /// Whether raw mode is on: lines must then end with "\r\n" to return the cursor.
    fn on() -> bool {
        crossterm::terminal::is_raw_mode_enabled().unwrap_or(false)
    }
}

impl Drop for KeyMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// A key event as the byte limber's key table uses, if it has one.
fn key_byte(event: &crossterm::event::KeyEvent) -> Option<u8> {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    if event.kind == KeyEventKind::Release {
        return None;
    }
    match event.code {
        KeyCode::Char('c') if event.modifiers.contains(KeyModifiers::CONTROL) => Some(3),
        KeyCode::Char(c) if c.is_ascii() => u8::try_from(c).ok(),
        KeyCode::Enter => Some(b'\r'),
        KeyCode::Backspace => Some(127),
        KeyCode::Esc => Some(27),
        _ => None,
    }
}

/// Set once standard output is a pipe whose reader has gone (`limber run | head -3`): nobody
/// reads the cues any more, so the session ends the way `q` ends it, keeping what was done,
/// rather than running on unseen and being saved as done.
pub(crate) static OUTPUT_GONE: AtomicBool = AtomicBool::new(false);

/// Prints one line, returning the cursor to the start of the next line in raw mode too. A
/// failed write never stops a session from being saved; a closed pipe sets [`OUTPUT_GONE`].
pub(crate) fn say_line(text: &str) {
    // Raw mode turns "\n" into a line feed alone on the terminal; a log (`| tee`) gets "\n".
    let end = if KeyMode::on() && std::io::stdout().is_terminal() { "\r\n" } else { "\n" };
    let mut out = std::io::stdout().lock();
    let written = write!(out, "{}{end}", text.replace('\n', end)).and_then(|()| out.flush());
    if written.is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
        OUTPUT_GONE.store(true, Ordering::Relaxed);
    }
}

/// Where input comes from: single keys from a terminal, or lines from a pipe.
pub(crate) struct Inputs {
    rx: Receiver<Input>,
    ended: bool,
    /// Ctrl-C was typed at a prompt (in raw mode it comes as a key, not a signal).
    interrupted: bool,
    keys: bool,
    _mode: Option<KeyMode>,
}

/// The most of one piped line kept: the rest of a longer one is read and dropped, so a file
/// piped in by mistake (one with no newline at all, say) cannot fill the memory.
const MAX_LINE: usize = 1024;

/// The next line of `input` without its newline, at most `max` bytes of it; `None` at the end.
fn capped_line(input: &mut impl BufRead, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut read_any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            // A signal arrived while reading: read on, as `read_until` does.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(read_any.then_some(line));
        }
        read_any = true;
        let end = buf.iter().position(|&b| b == b'\n');
        let chunk = &buf[..end.unwrap_or(buf.len())];
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = end.map_or(buf.len(), |i| i + 1);
        input.consume(used);
        if end.is_some() {
            return Ok(Some(line));
        }
    }
}

impl Inputs {
    /// Starts reading standard input on a background thread.
    pub(crate) fn start() -> Inputs {
        let (tx, rx) = channel();
        let mode = if std::io::stdin().is_terminal() { KeyMode::enter() } else { None };
        let keys = mode.is_some();
        thread::spawn(move || {
            let stdin = std::io::stdin();
            if keys {
                while let Ok(event) = crossterm::event::read() {
                    let crossterm::event::Event::Key(key) = event else { continue };
                    if let Some(byte) = key_byte(&key)
                        && tx.send(Input::Key(byte)).is_err()
                    {
                        return;
                    }
                }
            } else {
                // Bytes, not `lines()`: a line that is not UTF-8 is read (and refused as a
                // command) rather than ending the input, so a later `pain sharp` is still heard.
                let mut stdin = stdin.lock();
                while let Ok(Some(bytes)) = capped_line(&mut stdin, MAX_LINE) {
                    let text = String::from_utf8_lossy(&bytes);
                    let line = text.strip_suffix('\r').unwrap_or(&text).to_owned();
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
            }
        });
        Inputs { rx, ended: false, interrupted: false, keys, _mode: mode }
    }

    /// Whether single keys are read (stdin is a terminal).
    pub(crate) fn keys(&self) -> bool {
        self.keys
    }

    /// Waits up to `wait` for input; `None` on timeout or once input has ended.
    fn next(&mut self, wait: Duration) -> Option<Input> {
        if self.ended {
            thread::sleep(wait);
            return None;
        }
        match self.rx.recv_timeout(wait) {
            Ok(input) => Some(input),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.ended = true;
                None
            }
        }
    }

    /// Whether Ctrl-C was typed at a prompt ([`Inputs::prompt`] then returned `None`).
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// Asks `question` and returns the answer typed (keys echoed, Enter ends it), or `None` if
    /// input has ended or Ctrl-C was typed.
    pub(crate) fn prompt(&mut self, question: &str) -> Option<String> {
        print!("{question}");
        let _ = std::io::stdout().flush();
        let answer = if self.keys {
            let mut text = String::new();
            loop {
                match self.rx.recv() {
                    Ok(Input::Key(b'\r' | b'\n')) => break Some(text),
                    Ok(Input::Key(3)) => {
                        self.interrupted = true;
                        break None;
                    }
                    Err(_) => break None,
                    Ok(Input::Key(127 | 8)) => {
                        if text.pop().is_some() {
                            print!("\u{8} \u{8}");
                        }
                    }
                    Ok(Input::Key(b)) if b.is_ascii_graphic() || b == b' ' => {
                        text.push(char::from(b));
                        print!("{}", char::from(b));
                    }
                    Ok(_) => {}
                }
                let _ = std::io::stdout().flush();
            }
        } else {
            match self.rx.recv() {
                Ok(Input::Line(line)) => Some(line),
                _ => None,
            }
        };
        say_line("");
        answer
    }
}

/// Shows `keys` on the bar's last line.
fn set_keys(bar: &ProgressBar, keys: &str) {
    let keys = crate::wrap::wrapped_keys(keys, crate::wrap::terminal_width());
    let template = format!("{{prefix:.bold}}\n[{{bar:40.cyan/blue}}] {{msg:.bold}}\n{keys}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("█▓░"));
    }
}

/// What a key means: the shared key table in limber-app.
pub(crate) fn key_intent(key: u8) -> Option<Intent> {
    limber_app::keys::intent(char::from(key))
}

/// Writes one JSON line for `run --json`: `event` and the fields of `fields` (an object; its
/// own `event`, should it have one, gives way).
pub(crate) fn json_line(event: &str, fields: serde_json::Value) {
    let mut line = match fields {
        serde_json::Value::Object(fields) => fields,
        serde_json::Value::Null => serde_json::Map::new(),
        other => serde_json::Map::from_iter([("value".to_owned(), other)]),
    };
    line.insert("event".to_owned(), event.into());
    say_line(&serde_json::Value::Object(line).to_string());
}

/// A duration in whole milliseconds, as session times are written.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// How the session is shown on standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Show {
    /// A redrawn countdown bar, with the cues above it.
    Live,
    /// One line per cue.
    Plain,
    /// One JSON object per line (`run --json`).
    Json,
}

/// Renders cues and the live status: plain lines, JSON lines, or a redrawn countdown bar.
pub(crate) struct Screen {
    bar: Option<ProgressBar>,
    json: bool,
    /// The keys the bar's last line shows: those that apply now.
    keys: std::cell::RefCell<String>,
    bell: bool,
    voice: Option<Voice>,
    trace: Option<File>,
    speed: f64,
}

impl Screen {
    pub(crate) fn new(show: Show, bell: bool, voice: Option<Voice>, trace: Option<File>, speed: f64) -> Screen {
        let bar = (show == Show::Live).then(|| {
            let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stdout_with_hz(10));
            set_keys(&bar, &all_keys());
            bar
        });
        let json = show == Show::Json;
        // A bell among JSON lines would break them.
        let bell = bell && !json;
        Screen { bar, json, keys: std::cell::RefCell::new(all_keys()), bell, voice, trace, speed }
    }

    /// Runs `write` (which prints elsewhere, to standard error) with the live bar out of its way.
    fn pause_drawing(&self, write: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Says a question that is not a cue, as an alert is heard: the bell, and the voice at once.
    fn ask(&self, text: &str) {
        self.note(text);
        if self.bell {
            print!("\u{7}");
            let _ = std::io::stdout().flush();
        }
        if let Some(voice) = &self.voice {
            voice.say_urgently(text);
        }
    }

    /// Prints a message that is not a cue.
    pub(crate) fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if self.json => json_line("note", json!({ "text": text })),
            None => say_line(text),
        }
    }

    fn cue(&mut self, cue: &Cue, clock: &Clock) {
        if self.json {
            json_line("cue", serde_json::to_value(cue).unwrap_or_default());
        } else {
            let secs = cue.at.0.as_secs();
            let line = format!("[{}:{:02}] {}", secs / 60, secs % 60, cue.text);
            // On the live screen, wrapped at words under its time; plain output keeps a cue a line.
            let width = self.bar.as_ref().and_then(|_| crate::wrap::terminal_width());
            let indent = line.find(']').map_or(0, |i| i + 2);
            self.note(&crate::wrap::wrapped(&line, width, indent));
        }
        if self.bell && limber_app::keys::rings_bell(cue.sound) {
            print!("\u{7}");
            let _ = std::io::stdout().flush();
        }
        if let Some(voice) = &self.voice {
            voice.cue(cue);
            // Said once, where the person reads: the cues go on in text.
            if let Some(why) = voice.failure() {
                self.note(&format!("(No voice: {why}. The session goes on in text.)"));
            }
        }
        if let Some(trace) = &mut self.trace {
            let actual = clock.elapsed();
            let line = json!({
                "kind": serde_json::to_value(&cue.kind).unwrap_or_default(),
                "text": cue.text,
                "scheduled_ms": cue.at.0.div_f64(self.speed).as_secs_f64() * 1000.0,
                "actual_ms": actual.as_secs_f64() * 1000.0,
            });
            let _ = writeln!(trace, "{line}");
        }
    }

    fn status(&self, session: &Session, entry: keys::PainEntry) {
        let Some(bar) = &self.bar else { return };
        let view: SessionView = session.view();
        let mut prefix = match (view.number, &view.name) {
            (Some(n), Some(name)) => format!("Stretch {n} of {} · {name}", view.of),
            _ => match view.phase {
                Phase::Screening { .. } | Phase::ConfirmAssessed => "Safety questions".to_owned(),
                Phase::PainBefore | Phase::PainAfter => "Pain rating".to_owned(),
                Phase::WarmUp => "Warm-up".to_owned(),
                _ => String::new(),
            },
        };
        if let Some(side) = view.side {
            prefix.push_str(&format!(" · {} side", side.label()));
        }
        if let Some((rep, of)) = view.repetition.filter(|(_, of)| *of > 1) {
            prefix.push_str(&format!(" · {rep} of {of}"));
        }
        bar.set_prefix(prefix);
        let msg = match (view.paused, view.phase, view.remaining_ms) {
            // Asked whether to stop for today after a high rating.
            _ if view.asking == Some(limber_core::Ask::StopForPain) => "y to stop · n to carry on".to_owned(),
            (true, _, _) => "paused — space to resume".to_owned(),
            (_, Phase::Screening { .. } | Phase::ConfirmAssessed, _) => "answer y or n".to_owned(),
            (_, Phase::PainBefore | Phase::PainAfter, _) => "0-10 to rate (1 then 0 for 10), Enter to skip".to_owned(),
            (_, Phase::CheckIn { .. }, Some(ms)) => format!("c comfortable · d discomfort · {} s", ms.div_ceil(1000)),
            (_, Phase::Active { .. }, Some(ms)) => format!("{} s", ms.div_ceil(1000)),
            (_, _, Some(ms)) => format!("{} s", ms.div_ceil(1000)),
            (_, _, None) => "press Enter to start".to_owned(),
        };
        bar.set_message(msg);
        let keys = limber_app::keys::hint_line(&limber_app::keys::hints_typing(&view, entry));
        if *self.keys.borrow() != keys {
            set_keys(bar, &keys);
            *self.keys.borrow_mut() = keys;
        }
        // Nothing timed (a question, a rating, waiting for Enter): an empty bar, not a full one.
        let len = view.phase_ms.unwrap_or(1).max(1);
        let left = view.remaining_ms.unwrap_or(len);
        bar.set_length(len);
        bar.set_position(len.saturating_sub(left));
    }

    /// Clears the live display and lets speech finish.
    pub(crate) fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(voice) = self.voice {
            voice.finish(Duration::from_secs(10));
        }
    }
}

/// Runs `session` to its end: the loop every front end has, in its terminal form. Lines
/// scheduled with `@SECONDS` act at exactly that session time; a signal (`interrupt`) ends the
/// session the way `q` does, keeping what was done. Returns whether it ended the session because
/// input ended while the session waited for an answer.
pub(crate) fn drive(
    session: &mut Session,
    clock: &Clock,
    inputs: &mut Inputs,
    screen: &mut Screen,
    interrupt: &Interrupt,
    set_aside: &mut dyn FnMut(&limber_core::StretchId),
) -> bool {
    let mut queue: VecDeque<line::Line> = VecDeque::new();
    let mut input_ran_out = false;
    let mut pain_entry = keys::PainEntry::default();
    let mut chest_entry = keys::ChestEntry::default();
    let mut stored: Option<limber_core::StretchId> = None;
    loop {
        // A stretch set aside for sharp pain is stored at once, not only with the session after
        // the rating that follows: a process killed meanwhile would forget it.
        if let Some(id) = session.set_aside().filter(|id| stored.as_ref() != Some(*id)) {
            stored = Some(id.clone());
            set_aside(id);
        }
        if interrupt.requested() || OUTPUT_GONE.load(Ordering::Relaxed) {
            session.quit_to_end(clock.now());
            for cue in session.drain_cues() {
                screen.cue(&cue, clock);
            }
            return input_ran_out;
        }
        let now = clock.now();
        while let Some(next) = queue.front().copied() {
            let due = next.at.unwrap_or(now);
            if due > now {
                break;
            }
            queue.pop_front();
            // Deadlines before the line fire first; the line acts at its own time.
            session.advance(due);
            apply(session, next.intent, due, clock, screen);
        }
        session.advance(now);
        for cue in session.drain_cues() {
            screen.cue(&cue, clock);
        }
        if session.phase().is_over() {
            return input_ran_out;
        }
        screen.status(session, pain_entry);
        let waiting_for_person = session.next_deadline().is_none() && queue.is_empty();
        if waiting_for_person && inputs.ended {
            // Input has ended: leave a prompt empty when that is allowed, else end the session.
            // Not the rating before the routine: nobody is there to start it.
            let intent = if session.view().question.is_some()
                && session.phase() != Phase::PainBefore
                && session.allowed().contains(&IntentKind::Skip)
            {
                Intent::Skip
            } else {
                screen.note("limber is waiting for an answer, but input has ended; stopping the session.");
                input_ran_out = true;
                Intent::Quit
            };
            apply(session, intent, clock.now(), clock, screen);
            continue;
        }
        let mut wait = session.next_deadline().map_or(Duration::from_secs(3600), |d| clock.until(d));
        if let Some(due) = queue.front().and_then(|l| l.at) {
            wait = wait.min(clock.until(due));
        }
        // Wake often enough to redraw the countdown and to notice a signal.
        wait = wait.min(Duration::from_millis(if screen.bar.is_some() { 100 } else { 250 }));
        match inputs.next(wait) {
            // Ctrl-C ends the session as SIGINT does, exit code included.
            Some(Input::Key(3)) => interrupt.ctrl_c(),
            Some(Input::Key(key)) => {
                // At a rating prompt 10 takes two keys (1 then 0); during the exercise a digit
                // acts at once, and a 0 just after a 1 makes it 10.
                match pain_entry.key_in(session.phase(), char::from(key), std::time::Instant::now()) {
                    keys::Typed::Rate(score) => apply(session, Intent::Pain { score }, clock.now(), clock, screen),
                    keys::Typed::Waiting => screen.note(keys::ONE_WAITING),
                    // Chest pain: a first `e` asks, heard too; a second within four seconds reports.
                    keys::Typed::Other if key_intent(key) == Some(Intent::Chest) => {
                        if chest_entry.press(std::time::Instant::now()) {
                            apply(session, Intent::Chest, clock.now(), clock, screen);
                        } else {
                            screen.ask(keys::CHEST_ASK);
                        }
                    }
                    keys::Typed::Other => {
                        if let Some(intent) = key_intent(key) {
                            apply(session, intent, clock.now(), clock, screen);
                        }
                    }
                }
            }
            Some(Input::Line(text)) => match line::parse(&text) {
                Ok(parsed) => queue.push_back(parsed),
                Err(line::LineError::Empty) => queue.push_back(line::Line { at: None, intent: Intent::Start }),
                // On standard error, among the script's own messages rather than the session's
                // cues: a mistyped line (`pain sharpp`) must not pass unseen.
                Err(e) => {
                    screen.pause_drawing(|| eprintln!("limber: a line was not understood: {e}"));
                    if screen.json {
                        // When it was read, which is when it is reported, so the lines stay in
                        // time order (an `@` line is refused on reading, not at its time).
                        let at = millis(clock.now().0);
                        json_line("refused", json!({ "line": text, "reason": e.to_string(), "at": at }));
                    }
                }
            },
            None => {}
        }
    }
}

fn apply(session: &mut Session, intent: Intent, at: At, clock: &Clock, screen: &mut Screen) {
    if let Err(refused) = session.handle(intent, at) {
        if screen.json {
            // The intent as the server's API takes it (`"intent": "pain", "score": 7`), when
            // and why it was refused.
            let mut line = serde_json::to_value(intent).unwrap_or_default();
            if let Some(fields) = line.as_object_mut() {
                fields.insert("at".to_owned(), millis(at.0).into());
                fields.insert("reason".to_owned(), refused.to_string().into());
            }
            json_line("refused", line);
        } else {
            screen.note(&format!("({refused})"));
        }
    }
    for cue in session.drain_cues() {
        screen.cue(&cue, clock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piped_lines_are_read_whole_up_to_the_cap_and_the_rest_of_a_long_one_dropped() {
        let mut input = std::io::Cursor::new(b"pause\nresume\r\n".to_vec());
        assert_eq!(capped_line(&mut input, 8).unwrap(), Some(b"pause".to_vec()));
        assert_eq!(capped_line(&mut input, 8).unwrap(), Some(b"resume\r".to_vec()));
        assert_eq!(capped_line(&mut input, 8).unwrap(), None);
        // Five megabytes with no newline, then a line that must still be heard.
        let mut long = vec![b'a'; 5 << 20];
        long.extend_from_slice(b"\npain sharp");
        let mut input = std::io::BufReader::with_capacity(4096, std::io::Cursor::new(long));
        assert_eq!(capped_line(&mut input, 8).unwrap(), Some(b"aaaaaaaa".to_vec()));
        assert_eq!(capped_line(&mut input, 8).unwrap(), Some(b"pain sha".to_vec()), "a last line with no newline");
        assert_eq!(capped_line(&mut input, 8).unwrap(), None);
        // An empty line is a line; the end is not.
        assert_eq!(capped_line(&mut std::io::Cursor::new(b"\n".to_vec()), 8).unwrap(), Some(Vec::new()));
    }
}
