//! `limber run`: start a session through the application layer, drive it in the terminal, finish it.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use limber_app::{Finished, StartRequest, when};
use limber_core::{Library, PainPrompt, StopReason};

use crate::EXIT_SAFETY;
use crate::args::{Global, RunArgs, equipment, positions};
use crate::context::Env;
use crate::driver::{Inputs, Screen, Show, all_keys, drive, json_line, say_line};
use crate::wrap::{say, say_err};
use limber_app::clock::Clock;
use limber_app::interrupt::Interrupt;

pub(crate) fn run(global: &Global, args: &RunArgs) -> anyhow::Result<ExitCode> {
    // A mistyped routine is said before anything is opened: no data directory is made for it.
    let env = Env::open_checked(global, |library| limber_app::known_routine(library, &args.routine).map(drop))?;
    // Said before the session, not after it: what is done is still kept, in a file to import.
    if !env.can_save() {
        say_err(
            "limber: your history is read-only to you, so this session cannot be saved into it; when it ends it \
             is kept in a file for `limber import`.",
        );
    }
    let prompt = |given: Option<u8>| given.map_or(PainPrompt::Ask, |score| PainPrompt::Given { score });
    let request = StartRequest {
        routine: args.routine.clone(),
        equipment: args.equipment.as_deref().map(equipment).transpose()?,
        avoid: args.avoid.as_deref().map(positions).transpose()?,
        hold: args.hold,
        no_warm_up: args.no_warmup,
        wait_for_start: args.wait,
        rescreen: args.screening,
        pain_before: prompt(args.pain_before),
        pain_after: prompt(args.pain_after),
        timing: None,
        also_set_aside: Vec::new(),
        also_emergency_at: None,
    };
    // (Sessions kept in files when they could not be saved go into the history first, so a
    // stretch that caused sharp pain in one is left out of this plan: said among its notes.)
    let started = env.start(&request, when::now_ms())?;
    let lib = env.app.library();
    let notes = started.notes(lib);
    let credit = started.credit(lib);
    let mut session = started.session;

    let voice_wanted = (args.voice || started.profile.voice) && !args.no_voice;
    let voice = match (voice_wanted, args.voice) {
        (false, _) => None,
        // Asked for now: no voice is an error.
        (true, true) => Some(limber_app::speech::Voice::find()?),
        // On in the profile: the session goes on without a voice rather than not at all.
        (true, false) => limber_app::speech::Voice::find()
            .inspect_err(|e| {
                eprintln!(
                    "No voice: {e}.\nSpeaking is on in your profile; this session goes on without it \
                     (`limber profile --voice off` turns it off)."
                );
            })
            .ok(),
    };
    let trace = match &args.trace {
        Some(path) => Some(std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?),
        None => None,
    };

    let plan = session.plan();
    let (stretches, minutes) = (plan.items.len(), plan.total_time().as_secs().div_ceil(60));
    if args.json {
        let items: Vec<_> = plan
            .items
            .iter()
            .map(|i| serde_json::json!({ "id": i.choice.stretch.id, "name": i.choice.stretch.name }))
            .collect();
        json_line(
            "start",
            serde_json::json!({
                "routine": plan.routine, "name": plan.routine_name, "warm-up": plan.warm_up.is_some(),
                "stretches": items, "planned-ms": crate::driver::millis(plan.total_time()), "notes": notes,
                "credit": credit, "started-at-ms": started.started_at_ms, "speed": args.speed,
            }),
        );
    } else {
        say(
            &format!(
                "{} — {stretches} stretch{}, about {minutes} minute{}.",
                plan.routine_name,
                if stretches == 1 { "" } else { "es" },
                if minutes == 1 { "" } else { "s" }
            ),
            0,
        );
        for note in &notes {
            say(&format!("  {note}"), 4);
        }
        if let Some(credit) = &credit {
            say(credit, 0);
        }
    }

    // SIGTERM, SIGHUP (a closed terminal) and SIGINT end the session the way `q` does.
    let interrupt = Interrupt::listen().context("cannot listen for signals")?;
    let mut inputs = Inputs::start();
    // A terminal that cannot redraw (TERM=dumb, as Emacs's shell and Emacspeak say, or no TERM)
    // gets the plain lines a screen reader reads: the live screen would show it nothing.
    // (Windows consoles name no TERM and redraw all the same.)
    let dumb = match std::env::var_os("TERM") {
        Some(term) => term.is_empty() || term == "dumb",
        None => cfg!(unix),
    };
    let live = std::io::stdout().is_terminal() && !args.plain && !dumb;
    let show = match (args.json, live) {
        (true, _) => Show::Json,
        (false, true) => Show::Live,
        (false, false) => Show::Plain,
    };
    // The keys are a person's to read; a script reading JSON has `limber run --help`.
    if args.json {
        // Nothing: every line on standard output is an event.
    } else if inputs.keys() {
        // Broken only between two keys, never inside one (`x SHARP PAIN`), at the terminal's width.
        let width = crate::wrap::terminal_width().map(|w| w.saturating_sub("Keys: ".len()));
        say_line(&format!("Keys: {}", crate::wrap::wrapped_keys(&all_keys(), width).replace('\n', "\n      ")));
    } else {
        let text = format!("Reading commands from standard input, one per line ({}).", limber_app::line::HELP);
        say_line(&crate::wrap::wrapped(&text, crate::wrap::terminal_width(), 0));
    }
    let clock = Clock::start(args.speed);
    // The bell rings on a terminal in plain mode too: a screen reader's user hears each hold.
    let bell = std::io::stdout().is_terminal() && !args.no_bell && started.profile.sound;
    let mut screen = Screen::new(show, bell, voice, trace, args.speed);
    // After the stop's cues are out, and for half a second at most (should it not be stored,
    // saving the session sets the stretch aside, and says so if it cannot).
    let mut set_aside = |id: &limber_core::StretchId| {
        let _ = env.block_on(async { Ok(env.app.set_aside_at_press(env.user, id).await) });
    };
    let input_ran_out = drive(&mut session, &clock, &mut inputs, &mut screen, &interrupt, &mut set_aside);
    screen.finish();
    drop(inputs);

    let finished = match env.finish(&session, started.started_at_ms, args.speed) {
        Ok(finished) => finished,
        // Said in full, and a safety stop still ends with its own code.
        Err(unsaved) => {
            let safety = unsaved.stopped.is_some_and(StopReason::is_safety);
            let code = if safety { EXIT_SAFETY } else { 1 };
            if args.json {
                json_line(
                    "not-saved",
                    serde_json::json!({
                        "error": unsaved.to_string(), "kept": unsaved.kept, "summary": session.summary(),
                        "exit-code": code,
                    }),
                );
            }
            eprintln!("error: {unsaved}");
            return Ok(ExitCode::from(code));
        }
    };
    let code = report(lib, &finished, input_ran_out, interrupt.exit_code(), args.json)?;
    if args.json {
        json_line("finished", finished_json(&finished, code));
    }
    Ok(ExitCode::from(code))
}

/// The `finished` line of `run --json`: what was saved, the summary and the week, in the
/// kebab-case keys of the cue lines (and of the server's views).
fn finished_json(finished: &Finished, code: u8) -> serde_json::Value {
    let (adherence, trend) = (&finished.adherence, &finished.trend);
    let grown: Vec<_> = finished
        .grown
        .iter()
        .map(|(stretch, seconds)| serde_json::json!({"stretch": stretch, "seconds": seconds}))
        .collect();
    serde_json::json!({
        "saved": finished.saved,
        "id": finished.id,
        "preview": finished.preview,
        "screening-saved": finished.screening_saved,
        "summary": finished.summary,
        "grown": grown,
        "adherence": {"goal": adherence.goal, "this-week": adherence.this_week, "streak-weeks": adherence.streak_weeks},
        "trend": {
            "rated-sessions": trend.rated_sessions,
            "first-and-latest": trend.first_and_latest,
            "change": trend.change,
            "meaningful": trend.meaningful,
            "see-clinician": trend.see_clinician,
            "advice": trend.advice,
        },
        // The words the text output gives, for a script to show as they are.
        "saved-line": finished.saved_line(),
        "exit-code": code,
    })
}

/// Prints what the session did and returns the exit code: 1 when input ended before any
/// exercise (a script's answers ran out), as `limber screening` does; 128 plus the signal's
/// number (`interrupted`) when a signal ended it, unless it stopped for safety first. With
/// `json`, standard output is left to the JSON lines: only what goes to standard error is said.
fn report(
    lib: &Library,
    finished: &Finished,
    input_ran_out: bool,
    interrupted: Option<u8>,
    json: bool,
) -> anyhow::Result<u8> {
    let say = |text: &str, indent: usize| {
        if !json {
            say(text, indent);
        }
    };
    let ended = || interrupted.unwrap_or(0);
    let summary = &finished.summary;
    if !summary.exercise_started {
        return Ok(match summary.stopped {
            Some(reason) if reason.is_safety() => {
                if reason == StopReason::Emergency {
                    // The answers no longer clear anyone: saying they were saved would read as if they did.
                    say_err(
                        "limber stopped before any exercise, for your safety. No more stretching today; \
                         the next session asks the safety questions again.",
                    );
                } else if finished.saved {
                    // Stopped for a high rating before the routine: kept, with the rating.
                    if let Some(advice) = &finished.trend.advice {
                        say(advice, 0);
                    }
                    say_err(
                        "limber stopped before any exercise, for your safety. Your pain rating is saved, \
                         so no hold grows today.",
                    );
                } else if finished.screening_saved {
                    say_err(
                        "limber stopped before any exercise, for your safety. Your answers are saved; \
                         run `limber screening` to answer again.",
                    );
                } else {
                    say_err("limber stopped before any exercise, for your safety. Nothing was saved.");
                }
                EXIT_SAFETY
            }
            _ if input_ran_out => {
                if finished.screening_saved {
                    say_err("Input ended before any exercise; your answers to the safety questions are saved.");
                } else {
                    say_err("Input ended before any exercise; nothing was saved.");
                }
                1
            }
            _ => {
                say_err("The session ended before any exercise; nothing was saved.");
                ended()
            }
        });
    }
    let name = |id: &limber_core::StretchId| lib.stretch_name(id);
    if !json {
        println!();
    }
    // Each line wrapped at words on a terminal, item lines hanging under their first word.
    for line in summary.item_lines(lib) {
        say(&format!("  {line}"), 4);
    }
    say(&summary.time_and_pain(), 0);
    for grown in finished.grown_lines(lib) {
        say(&format!("Well done: {grown}."), 0);
    }
    if let Some(flagged) = &summary.flagged {
        say(&format!("{} is set aside until you clear it: `limber profile --clear-flag {flagged}`.", name(flagged)), 0);
    }
    say(&finished.saved_line(), 0);
    if let Some(advice) = &finished.trend.advice {
        say(advice, 0);
    }
    match summary.stopped {
        // One line, in words (the exit code is for scripts, and `--help` gives it).
        Some(reason) if reason.is_safety() => {
            say_err(match reason {
                StopReason::Pain => "limber stopped this session for your safety, because the pain went above 5.",
                StopReason::Emergency => {
                    "limber stopped this session for your safety. No more stretching today; the next session \
                     asks the safety questions again."
                }
                _ => "limber stopped this session for your safety.",
            });
            Ok(EXIT_SAFETY)
        }
        _ => Ok(ended()),
    }
}
