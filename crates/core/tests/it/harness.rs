//! Test harness: a fixture library, and a driver that turns a script of events into a transcript.

use std::fmt::Write;

use limber_core::{At, Intent, Library, Plan, PlanOptions, RoutineId, ScreeningRecord, Session, Timing};

pub(crate) fn library() -> Library {
    ron::from_str(include_str!("fixture.ron")).expect("fixture library parses")
}

/// Short phases so transcripts stay readable.
pub(crate) fn quick_timing() -> Timing {
    Timing { intro: 1, min_step: 1, words_per_second: 100, get_ready: 2, rest: 2, check_in: 2 }
}

pub(crate) fn options() -> PlanOptions {
    PlanOptions { timing: quick_timing(), ..PlanOptions::default() }
}

pub(crate) fn plan(routine: &str, options: &PlanOptions) -> Plan {
    Plan::resolve(&library(), &RoutineId::from(routine), options).expect("plan resolves")
}

pub(crate) fn clear_record() -> ScreeningRecord {
    ScreeningRecord { answers: vec![("chest".into(), false), ("night".into(), false)], clinician_assessed: false }
}

/// Parses one script word into an intent.
pub(crate) fn event(words: &str) -> Intent {
    let parts: Vec<&str> = words.split_whitespace().collect();
    match parts[..] {
        ["yes"] => Intent::Yes,
        ["no"] => Intent::No,
        ["start"] => Intent::Start,
        ["pause"] => Intent::Pause,
        ["resume"] => Intent::Resume,
        ["toggle"] => Intent::TogglePause,
        ["skip"] => Intent::Skip,
        ["swap"] => Intent::Swap,
        ["discomfort"] => Intent::Discomfort,
        ["sharp"] => Intent::SharpPain { during: None },
        ["chest"] => Intent::Chest,
        ["sharp", "pain"] => Intent::SharpPain { during: None },
        ["sharp", "during", n] => Intent::SharpPain { during: Some(n.parse().expect("stretch number")) },
        ["pain", n] => Intent::Pain { score: n.parse().expect("score") },
        [n] if n.parse::<u8>().is_ok() => Intent::Pain { score: n.parse().expect("score") },
        ["comfortable"] => Intent::Comfortable,
        ["quit"] => Intent::Quit,
        _ => panic!("unknown script intent `{words}`"),
    }
}

/// Drives `session` through `script` (lines of `<seconds> <event>`, or `<seconds> end` to stop
/// there), jumping from deadline to deadline like a fake clock, and returns the transcript:
/// phase changes as `== phase`, cues as `time [sound] text`, refusals as `!! error`.
pub(crate) fn run(session: Session, script: &str) -> (Session, String) {
    let mut last_phase = None;
    drive(session, script, |session: &mut Session, out: &mut String| {
        for cue in session.drain_cues() {
            let sound = format!("{:?}", cue.sound);
            writeln!(out, "{} {:<7} {}", cue.at, sound, cue.text).expect("write");
        }
        let phase = (session.phase(), session.is_paused(), session.view().asking);
        if last_phase != Some(phase) {
            let paused = if phase.1 { " (paused)" } else { "" };
            let asking = phase.2.map(|a| format!(", asking {a:?}")).unwrap_or_default();
            writeln!(out, "== {:?}{paused}{asking}", phase.0).expect("write");
            last_phase = Some(phase);
        }
    })
}

/// Drives `session` through `script` as [`run`] does, calling `record` after each step to
/// write what it watches into the transcript.
pub(crate) fn drive(
    mut session: Session,
    script: &str,
    mut record: impl FnMut(&mut Session, &mut String),
) -> (Session, String) {
    let mut out = String::new();
    record(&mut session, &mut out);
    let mut lines = script.lines().map(str::trim).filter(|l| !l.is_empty()).peekable();
    loop {
        let next = lines.peek().map(|line| {
            let (t, rest) = line.split_once(' ').expect("`<seconds> <event>`");
            let millis = (t.parse::<f64>().expect("seconds") * 1000.0).round() as u64;
            (At::millis(millis), rest.trim().to_owned())
        });
        let due = session.next_deadline();
        match (due, &next) {
            (Some(d), Some((t, _))) if d <= *t => {
                session.advance(d);
                record(&mut session, &mut out);
            }
            (_, Some((t, what))) => {
                lines.next();
                if what == "end" {
                    session.advance(*t);
                    record(&mut session, &mut out);
                    break;
                }
                if let Err(e) = session.handle(event(what), *t) {
                    writeln!(out, "{} !! {what}: {e}", t).expect("write");
                }
                record(&mut session, &mut out);
            }
            (Some(d), None) => {
                session.advance(d);
                record(&mut session, &mut out);
            }
            (None, None) => break,
        }
        if session.phase().is_over() && lines.peek().is_none() {
            break;
        }
    }
    (session, out)
}
