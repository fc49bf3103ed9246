//! The typed-line grammar: one line of text (from a pipe, a test script or a web form) to an intent.
//!
//! ```text
//! line     = [ "@" SECONDS ] command
//! command  = "yes" | "no" | "start" | "pause" | "resume" | "skip" | "swap" | "discomfort"
//!          | "comfortable" | "pain" N | N | "pain sharp" | "sharp" | "chest" | "quit" | …synonyms
//! ```
//!
//! `@SECONDS` schedules the line at that session time, so a script acts at exact moments
//! whatever the machine's jitter.

use std::time::Duration;

use limber_core::{At, Intent};

/// A parsed line: the intent, and the session time it is for when the line was scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// `@SECONDS`, when given.
    pub at: Option<At>,
    /// What the person meant.
    pub intent: Intent,
}

/// Why a line could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line has no command.
    #[error("the line is empty")]
    Empty,
    /// A pain rating that is not 0–10.
    #[error("`{0}`: a pain rating is a number from 0 to 10, or `pain sharp`")]
    BadRating(String),
    /// `@SECONDS` that is not a number of seconds.
    #[error("`{0}`: after @ comes the session time in seconds, e.g. `@30 pause`")]
    BadTime(String),
    /// An unknown command.
    #[error("unknown command `{0}`; {HELP}")]
    Unknown(String),
}

/// The commands, for messages and help texts.
pub const HELP: &str = "try yes, no, start, pause, resume, skip, swap, discomfort, comfortable, pain N (0-10), \
                        pain sharp, chest (chest pain or breathless), quit";

/// The most of a line a message quotes back.
const QUOTED: usize = 60;

/// `text` trimmed, as a message quotes it: at most [`QUOTED`] characters, then `…`.
fn quoted(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Reads one line.
pub fn parse(line: &str) -> Result<Line, LineError> {
    let trimmed = line.trim();
    let (at, command) = match trimmed.strip_prefix('@') {
        Some(rest) => {
            let (t, command) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let secs: f64 = t.parse().map_err(|_| LineError::BadTime(quoted(trimmed)))?;
            if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
                return Err(LineError::BadTime(quoted(trimmed)));
            }
            (Some(At(Duration::from_secs_f64(secs))), command.trim())
        }
        None => (None, trimmed),
    };
    Ok(Line { at, intent: command_intent(command)? })
}

/// Reads a command without a time.
pub fn command_intent(command: &str) -> Result<Intent, LineError> {
    let words: Vec<String> = command.split_whitespace().map(str::to_lowercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let rating = |n: &str| match n.parse::<u8>() {
        Ok(score) if score <= 10 => Ok(Intent::Pain { score }),
        _ => Err(LineError::BadRating(quoted(command))),
    };
    Ok(match words[..] {
        [] => return Err(LineError::Empty),
        ["yes" | "y"] => Intent::Yes,
        ["no" | "n"] => Intent::No,
        ["start" | "go" | "ready" | "next"] => Intent::Start,
        ["pause"] => Intent::Pause,
        ["resume" | "continue"] => Intent::Resume,
        ["skip"] => Intent::Skip,
        ["swap" | "alternative" | "substitute"] => Intent::Swap,
        ["discomfort" | "uncomfortable"] => Intent::Discomfort,
        ["comfortable" | "fine" | "ok"] => Intent::Comfortable,
        ["sharp"] | ["pain", "sharp"] | ["sharp", "pain"] => Intent::SharpPain { during: None },
        ["chest" | "emergency" | "breathless"] | ["chest", "pain"] => Intent::Chest,
        ["quit" | "q" | "abort" | "stop" | "end"] => Intent::Quit,
        ["pain", n] => rating(n).or_else(|bad| safety_report(command).ok_or(bad))?,
        // "pain" alone: what it needs, not "unknown command".
        ["pain"] => return Err(LineError::BadRating(quoted(command))),
        [n] if n.chars().all(|c| c.is_ascii_digit()) => rating(n)?,
        _ => return safety_report(command).ok_or_else(|| LineError::Unknown(quoted(command))),
    })
}

/// A line that is no command but names a safety sign in the person's own words ("short of
/// breath", "chest tightness", "sharp pain!", "heart attack"): a safety report is never refused
/// for its wording. Chest and breathing signs come first, as the graver. Only a line that denies
/// the sign itself reports nothing ("no chest pain", "I don't have sharp pain", "breathing
/// fine"): a denial word just before the sign, or a word of relief just after it. A worry said
/// after it ("chest pain not going away", "sharp pain, no better") is still a report.
fn safety_report(command: &str) -> Option<Intent> {
    let lower = command.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let chest = |w: &str| {
        matches!(w, "chest" | "emergency" | "heart" | "winded") || w.starts_with("breath") || w.starts_with("gasp")
    };
    let sharp = |w: &str| matches!(w, "sharp" | "stabbing" | "shooting");
    let denial = |w: &str| matches!(w, "no" | "not" | "never" | "without" | "don" | "doesn" | "isn" | "didn" | "haven");
    let relief = |w: &str| matches!(w, "fine" | "ok" | "okay" | "better" | "good" | "gone");
    // The sign at `i` is denied by a denial word among the three before it, or by a word of
    // relief right after it (or after the "pain" that follows it).
    let denied = |i: usize| {
        words[i.saturating_sub(3)..i].iter().any(|w| denial(w))
            || match words.get(i + 1) {
                Some(&"pain") => words.get(i + 2).is_some_and(|w| relief(w)),
                Some(w) => relief(w),
                None => false,
            }
    };
    let reported = |sign: &dyn Fn(&str) -> bool| words.iter().enumerate().any(|(i, w)| sign(w) && !denied(i));
    if reported(&chest) {
        Some(Intent::Chest)
    } else if reported(&sharp) {
        Some(Intent::SharpPain { during: None })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_intents_with_an_optional_time() {
        let cases = [
            ("pain sharp", None, Intent::SharpPain { during: None }),
            ("  Sharp Pain ", None, Intent::SharpPain { during: None }),
            ("@12.5 pain 7", Some(At::millis(12_500)), Intent::Pain { score: 7 }),
            ("3", None, Intent::Pain { score: 3 }),
            ("y", None, Intent::Yes),
            ("chest pain", None, Intent::Chest),
            ("@0 quit", Some(At::ZERO), Intent::Quit),
            ("Q", None, Intent::Quit),
            ("breathless", None, Intent::Chest),
        ];
        for (text, at, intent) in cases {
            assert_eq!(parse(text), Ok(Line { at, intent }), "{text}");
        }
    }

    #[test]
    fn safety_signs_in_a_persons_own_words_are_never_refused() {
        for chest in [
            "breathlessness",
            "short of breath",
            "can't breathe",
            "chest tightness",
            "@40 tight chest",
            "chest pain not going away",
            "my chest hurts and it doesn't stop",
            "can't breathe, not ok",
            "I think I'm having a heart attack",
            "gasping",
        ] {
            assert_eq!(parse(chest).map(|l| l.intent), Ok(Intent::Chest), "{chest}");
        }
        for sharp in [
            "sharp pain!",
            "pain sharp!",
            "a sharp twinge",
            "stabbing pain",
            "@12 Shooting pain down my arm",
            "sharp pain, not stopping",
            "sharp pain, no better",
        ] {
            assert_eq!(parse(sharp).map(|l| l.intent), Ok(Intent::SharpPain { during: None }), "{sharp}");
        }
        assert_eq!(parse("sharp pain in my chest").map(|l| l.intent), Ok(Intent::Chest), "the graver sign wins");
        assert_eq!(parse("sharpen"), Err(LineError::Unknown("sharpen".into())), "whole words only");
        // A long line (a file piped in by mistake) is quoted back in part.
        let long = "a".repeat(5000);
        assert_eq!(parse(&long), Err(LineError::Unknown(format!("{}…", "a".repeat(60)))));
        // A denial, typed at the chest-pain question or at any moment, raises no alarm.
        for denial in ["no chest pain", "breathing fine", "not sharp", "I don't have chest pain", "chest pain gone"] {
            assert_eq!(parse(denial), Err(LineError::Unknown(denial.into())), "{denial}");
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        assert_eq!(parse("pain 11"), Err(LineError::BadRating("pain 11".into())));
        // A rating without its number is told what it needs.
        assert_eq!(parse(" Pain "), Err(LineError::BadRating("Pain".into())));
        assert_eq!(parse("@x skip"), Err(LineError::BadTime("@x skip".into())));
        assert_eq!(parse("@-1 skip"), Err(LineError::BadTime("@-1 skip".into())));
        assert_eq!(parse(""), Err(LineError::Empty));
        assert!(parse("dance").unwrap_err().to_string().contains("pain sharp"));
    }
}
