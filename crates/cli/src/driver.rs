//! The session driver: owns the clock, reads keys or lines, and renders cues and the countdown.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use limber_core::{At, Comfort, Cue, Event, Phase, Report, Session, SessionView, Sound};
use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};
use serde_json::json;

use crate::say::Voice;

/// The keys shown on screen during a session.
pub(crate) const KEYS: &str = "space pause · enter start · s skip · a swap · d discomfort · c comfortable · 0-9 pain · \
     x SHARP PAIN · e chest pain · q quit";

/// One thing the person typed.
pub(crate) enum Input {
    /// A key, in single-key mode (stdin is a terminal).
    Key(u8),
    /// A line, in line mode (stdin is a pipe or a file).
    Line(String),
}

/// Restores the terminal's line mode when dropped.
struct KeyMode {
    saved: Termios,
}

impl KeyMode {
    /// Turns off line buffering, echo and signal keys so single keys arrive at once.
    fn enter() -> Option<KeyMode> {
        let stdin = std::io::stdin();
        let saved = termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.local_flags.remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
        raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw).ok()?;
        Some(KeyMode { saved })
    }
}

impl Drop for KeyMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSANOW, &self.saved);
    }
}

/// Where input comes from: single keys from a terminal, or lines from a pipe.
pub(crate) struct Inputs {
    rx: Receiver<Input>,
    ended: bool,
    keys: bool,
    _mode: Option<KeyMode>,
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
                let mut byte = [0u8; 1];
                let mut lock = stdin.lock();
                while let Ok(1) = lock.read(&mut byte) {
                    if tx.send(Input::Key(byte[0])).is_err() {
                        return;
                    }
                }
            } else {
                for line in stdin.lock().lines() {
                    let Ok(line) = line else { return };
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
            }
        });
        Inputs { rx, ended: false, keys, _mode: mode }
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

    /// Asks `question` and returns the answer typed (keys echoed, Enter ends it), or `None` if
    /// input has ended.
    pub(crate) fn prompt(&mut self, question: &str) -> Option<String> {
        print!("{question}");
        let _ = std::io::stdout().flush();
        let answer = if self.keys {
            let mut text = String::new();
            loop {
                match self.rx.recv() {
                    Ok(Input::Key(b'\r' | b'\n')) => break Some(text),
                    Ok(Input::Key(3)) | Err(_) => break None,
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
        println!();
        answer
    }

    /// Asks for a 0–10 rating until one is given; Enter (or no input) skips.
    pub(crate) fn rating(&mut self, question: &str) -> Option<u8> {
        for _ in 0..3 {
            let answer = self.prompt(question)?;
            let answer = answer.trim();
            if answer.is_empty() {
                return None;
            }
            match answer.parse::<u8>() {
                Ok(n) if n <= 10 => return Some(n),
                _ => println!("Please give a number from 0 to 10, or press Enter to skip."),
            }
        }
        None
    }
}

/// A yes or no: the answer to the clinician question when that is asked, else to screening.
fn yes_no(phase: Phase, yes: bool) -> Event {
    match phase {
        Phase::ConfirmAssessed => Event::ConfirmAssessed(yes),
        _ => Event::Answer(yes),
    }
}

/// Turns a typed line into an event for the current phase.
pub(crate) fn line_event(line: &str, session: &Session) -> Result<Event, String> {
    let words: Vec<String> = line.split_whitespace().map(str::to_lowercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let phase = session.phase();
    Ok(match words[..] {
        ["yes" | "y"] => yes_no(phase, true),
        ["no" | "n"] => yes_no(phase, false),
        ["start" | "go" | "ready"] => Event::Start,
        ["pause"] => Event::Pause,
        ["resume" | "continue"] => Event::Resume,
        ["skip" | "next"] => Event::Skip,
        ["swap" | "alternative" | "substitute"] => Event::Substitute,
        ["discomfort"] if matches!(phase, Phase::CheckIn { .. }) => Event::CheckIn(Comfort::Discomfort),
        ["discomfort"] => Event::Report(Report::Discomfort),
        ["comfortable" | "fine" | "ok"] => Event::CheckIn(Comfort::Comfortable),
        ["uncomfortable"] => Event::CheckIn(Comfort::Discomfort),
        ["sharp"] | ["pain", "sharp"] | ["sharp", "pain"] => Event::Report(Report::SharpPain),
        ["pain", n] => match n.parse::<u8>() {
            Ok(n) if n <= 10 => Event::Report(Report::Pain(n)),
            _ => return Err(format!("`pain {n}`: a pain rating is a number from 0 to 10, or `pain sharp`")),
        },
        ["chest" | "emergency" | "breathless"] | ["chest", "pain"] => Event::Report(Report::ChestPainOrBreathless),
        ["quit" | "abort" | "stop" | "end"] => Event::Abort,
        _ => {
            return Err(format!(
                "unknown command `{line}`; try yes, no, start, pause, resume, skip, swap, discomfort, \
                 comfortable, pain N, pain sharp, chest, quit"
            ));
        }
    })
}

/// Turns a key into an event for the current phase.
fn key_event(key: u8, session: &Session) -> Option<Event> {
    let phase = session.phase();
    Some(match key.to_ascii_lowercase() {
        b'y' => yes_no(phase, true),
        b'n' => yes_no(phase, false),
        b' ' | b'p' if session.is_paused() => Event::Resume,
        b' ' | b'p' => Event::Pause,
        b'\r' | b'\n' => Event::Start,
        b's' => Event::Skip,
        b'a' => Event::Substitute,
        b'd' if matches!(phase, Phase::CheckIn { .. }) => Event::CheckIn(Comfort::Discomfort),
        b'd' => Event::Report(Report::Discomfort),
        b'c' => Event::CheckIn(Comfort::Comfortable),
        b'x' | b'!' => Event::Report(Report::SharpPain),
        b'e' => Event::Report(Report::ChestPainOrBreathless),
        b'q' | 3 => Event::Abort,
        digit @ b'0'..=b'9' => Event::Report(Report::Pain(digit - b'0')),
        _ => return None,
    })
}

/// The clock: one monotonic start instant, scaled by the speed factor, so cues never drift.
pub(crate) struct Clock {
    start: Instant,
    speed: f64,
}

impl Clock {
    pub(crate) fn start(speed: f64) -> Clock {
        Clock { start: Instant::now(), speed }
    }

    /// Session time now.
    pub(crate) fn now(&self) -> At {
        At(self.start.elapsed().mul_f64(self.speed))
    }

    /// Real time until session time `at` (zero if past).
    fn until(&self, at: At) -> Duration {
        (self.start + at.0.div_f64(self.speed)).saturating_duration_since(Instant::now())
    }
}

/// Renders cues and the live status: plain lines, or a redrawn countdown bar.
pub(crate) struct Screen {
    bar: Option<ProgressBar>,
    bell: bool,
    voice: Option<Voice>,
    trace: Option<File>,
    speed: f64,
}

impl Screen {
    pub(crate) fn new(live: bool, bell: bool, voice: Option<Voice>, trace: Option<File>, speed: f64) -> Screen {
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stdout_with_hz(10));
            let template = format!("{{prefix:.bold}}\n[{{bar:40.cyan/blue}}] {{msg:.bold}}\n{KEYS}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("█▓░"));
            }
            bar
        });
        Screen { bar, bell, voice, trace, speed }
    }

    /// Prints a message that is not a cue.
    pub(crate) fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    fn cue(&mut self, cue: &Cue, clock: &Clock) {
        let secs = cue.at.0.as_secs();
        self.note(&format!("[{}:{:02}] {}", secs / 60, secs % 60, cue.text));
        if self.bell && matches!(cue.sound, Sound::Start | Sound::Tick | Sound::End | Sound::Alert) {
            print!("\u{7}");
            let _ = std::io::stdout().flush();
        }
        if let Some(voice) = &self.voice {
            voice.say(&cue.text);
        }
        if let Some(trace) = &mut self.trace {
            let actual = clock.start.elapsed();
            let line = json!({
                "kind": format!("{:?}", cue.kind),
                "text": cue.text,
                "scheduled_ms": cue.at.0.div_f64(self.speed).as_secs_f64() * 1000.0,
                "actual_ms": actual.as_secs_f64() * 1000.0,
            });
            let _ = writeln!(trace, "{line}");
        }
    }

    fn status(&self, session: &Session) {
        let Some(bar) = &self.bar else { return };
        let view: SessionView = session.view();
        let mut prefix = match (view.number, &view.name) {
            (Some(n), Some(name)) => format!("Stretch {n} of {} · {name}", view.of),
            _ => match view.phase {
                Phase::Screening { .. } | Phase::ConfirmAssessed => "Safety questions".to_owned(),
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
            (true, _, _) => "paused — space to resume".to_owned(),
            (_, Phase::Screening { .. } | Phase::ConfirmAssessed, _) => "answer y or n".to_owned(),
            (_, Phase::CheckIn { .. }, Some(ms)) => format!("c comfortable · d discomfort · {} s", ms.div_ceil(1000)),
            (_, Phase::Active { .. }, Some(ms)) => format!("{} s", ms.div_ceil(1000)),
            (_, _, Some(ms)) => format!("{} s", ms.div_ceil(1000)),
            (_, _, None) => "press Enter to start".to_owned(),
        };
        bar.set_message(msg);
        let (len, left) = (view.phase_ms.unwrap_or(1).max(1), view.remaining_ms.unwrap_or(0));
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

/// Splits `@SECONDS rest` into the session time to act at and the command.
fn scheduled(line: &str) -> (Option<At>, String) {
    let trimmed = line.trim();
    if let Some(rest) = trimmed.strip_prefix('@')
        && let Some((t, command)) = rest.split_once(char::is_whitespace)
        && let Ok(secs) = t.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return (Some(At(Duration::from_secs_f64(secs))), command.trim().to_owned());
    }
    (None, trimmed.to_owned())
}

/// Runs `session` to its end: the loop every front end has, in its terminal form.
pub(crate) fn drive(session: &mut Session, clock: &Clock, inputs: &mut Inputs, screen: &mut Screen) {
    let mut queue: VecDeque<(Option<At>, String)> = VecDeque::new();
    loop {
        let now = clock.now();
        session.advance(now);
        while let Some((due, _)) = queue.front() {
            if due.is_some_and(|d| d > clock.now()) {
                break;
            }
            let Some((_, line)) = queue.pop_front() else { break };
            if line.is_empty() {
                continue;
            }
            match line_event(&line, session) {
                Ok(event) => apply(session, event, clock, screen),
                Err(message) => screen.note(&message),
            }
        }
        for cue in session.drain_cues() {
            screen.cue(&cue, clock);
        }
        if session.phase().is_over() {
            return;
        }
        screen.status(session);
        let waiting_for_person = session.next_deadline().is_none() && queue.is_empty();
        if waiting_for_person && inputs.ended {
            screen.note("limber is waiting for an answer, but input has ended; stopping the session.");
            apply(session, Event::Abort, clock, screen);
            continue;
        }
        let mut wait = session.next_deadline().map_or(Duration::from_secs(3600), |d| clock.until(d));
        if let Some(due) = queue.front().and_then(|(d, _)| *d) {
            wait = wait.min(clock.until(due));
        }
        if screen.bar.is_some() {
            wait = wait.min(Duration::from_millis(100));
        }
        match inputs.next(wait) {
            Some(Input::Key(key)) => {
                if let Some(event) = key_event(key, session) {
                    apply(session, event, clock, screen);
                }
            }
            Some(Input::Line(line)) => queue.push_back(scheduled(&line)),
            None => {}
        }
    }
}

fn apply(session: &mut Session, event: Event, clock: &Clock, screen: &mut Screen) {
    if let Err(refused) = session.handle(event, clock.now()) {
        screen.note(&format!("({refused})"));
    }
    for cue in session.drain_cues() {
        screen.cue(&cue, clock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_can_be_scheduled_at_a_session_time() {
        assert_eq!(scheduled("@12.5 pain sharp"), (Some(At::millis(12_500)), "pain sharp".to_owned()));
        assert_eq!(scheduled("  skip "), (None, "skip".to_owned()));
        assert_eq!(scheduled("@x skip"), (None, "@x skip".to_owned()));
    }
}
