//! The profile (equipment, positions to avoid, weekly goal, voice) and re-running screening.

use std::process::ExitCode;

use anyhow::Context;
use limber_app::{ProfileChange, when};
use limber_core::{Clearance, CueKind, Phase};

use crate::EXIT_SAFETY;
use crate::args::{Global, ProfileArgs, equipment, positions};
use crate::context::{Env, print_json};
use crate::driver::{Inputs, say_line};

pub(crate) fn profile(global: &Global, args: &ProfileArgs) -> anyhow::Result<ExitCode> {
    let change = ProfileChange {
        equipment: args.equipment.as_deref().map(equipment).transpose()?,
        avoid: args.avoid.as_deref().map(positions).transpose()?,
        weekly_goal: args.goal,
        voice: args.voice,
        sound: args.sound,
    };
    let changed = !change.is_empty();
    // Only shown, or a flag cleared: a named data directory that does not exist is said, not
    // made (where there is no history, nothing is set aside).
    let env = match (changed, args.clear_flag.is_empty()) {
        (true, _) => Env::open(global)?,
        (false, false) => Env::open_existing(global)?,
        (false, true) => Env::open_to_read(global)?,
    };
    if changed {
        env.block_on(env.app.update_profile(env.user, change)).context("could not save your profile")?;
    }
    if args.voice == Some(true)
        && let Err(e) = limber_app::speech::Voice::find()
    {
        eprintln!("Speaking is on, but there is no voice here yet: {e}. Sessions go on without one until there is.");
    }
    for id in &args.clear_flag {
        let cleared = env.block_on(env.app.clear_flag(env.user, id)).context("could not clear the flag")?;
        let name = env.app.stretch(id).map_or(id.as_str(), |s| &s.name);
        // On standard output with the profile, unless that is JSON for a script to read.
        let said = if cleared {
            format!("{name} is back in your sessions.")
        } else {
            format!("{name} was not set aside; nothing to clear.")
        };
        if args.json {
            eprintln!("{said}");
        } else {
            println!("{said}");
        }
    }
    let (profile, flagged) = env.block_on(env.app.profile(env.user))?;
    if args.json {
        print_json(&serde_json::json!({"profile": profile, "flagged": flagged}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let equipment: Vec<&str> = profile.equipment.iter().map(|e| e.label()).collect();
    let avoid: Vec<&str> = profile.avoid.iter().map(|p| p.label()).collect();
    let none = |v: Vec<&str>| if v.is_empty() { "none".to_owned() } else { v.join(", ") };
    println!("Equipment:         {}", none(equipment));
    println!("Positions avoided: {}", none(avoid));
    println!("Weekly goal:       {} sessions", profile.weekly_goal);
    println!("Voice:             {}", if profile.voice { "on" } else { "off" });
    println!("Sound:             {}", if profile.sound { "on" } else { "off" });
    if !flagged.is_empty() {
        let names: Vec<String> = flagged.iter().map(|s| s.to_string()).collect();
        println!("Set aside after sharp pain: {} (clear with --clear-flag STRETCH)", names.join(", "));
    }
    if changed {
        println!("Saved.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks the screening questions (through a core session, so the rules are the same) and saves the answers.
pub(crate) fn screening(global: &Global) -> anyhow::Result<ExitCode> {
    let env = Env::open(global)?;
    // A day after an emergency sign no session starts, however the questions are answered: said
    // first, so that clear answers are not taken for leave to stretch today (nor do the session's
    // closing words say so).
    let limber_app::ScreeningStart { mut session, rest_today } = env.start_screening(when::now_ms())?;
    if let Some(refusal) = &rest_today {
        eprintln!("{}", limber_app::report::sentence(&limber_app::report::error_line(refusal)));
        eprintln!("You may still answer the safety questions now; answers that are clear count from then.\n");
    }
    let mut inputs = Inputs::start();
    say_line("Safety questions. Answer each with yes or no.\n");
    while matches!(session.phase(), Phase::Screening { .. } | Phase::ConfirmAssessed) {
        for cue in session.drain_cues() {
            say_line(&cue.text);
        }
        let Some(answer) = inputs.prompt("> ") else {
            let interrupted = inputs.interrupted();
            // The terminal back as it was first, so the words start at the line's start.
            drop(inputs);
            eprintln!("Screening needs an answer to every question; nothing was saved.");
            // Ctrl-C, as it ends a session: 130, as after the signal it stands for.
            return Ok(if interrupted { ExitCode::from(130) } else { ExitCode::FAILURE });
        };
        match limber_app::line::command_intent(&answer) {
            Ok(intent) => {
                if let Err(refused) = session.handle(intent, limber_core::At::ZERO) {
                    say_line(&format!("Please answer yes or no ({refused})."));
                }
            }
            Err(_) => println!("Please answer yes or no."),
        }
    }
    for cue in session.drain_cues().iter().filter(|c| matches!(c.kind, CueKind::Stopped { .. } | CueKind::Cleared)) {
        say_line(&cue.text);
    }
    drop(inputs);
    let emergency = session.summary().is_some_and(|s| s.stopped == Some(limber_core::StopReason::Emergency));
    let clearance = match env.save_screening(&session, when::now_ms()) {
        Ok(clearance) => clearance,
        // An emergency sign is kept in a file when it can be, so the next session is still
        // refused for a day; said in full.
        Err(unsaved) if emergency => {
            eprintln!("error: {unsaved}");
            return Ok(ExitCode::from(EXIT_SAFETY));
        }
        Err(unsaved) => {
            let why = limber_app::report::error_line(&unsaved.error);
            anyhow::bail!("could not save your answers: {why}. They are asked again before the next session")
        }
    };
    // After an emergency answer the answers clear no one, whatever else was answered.
    if emergency {
        eprintln!("No more stretching today; your earlier answers no longer count, and every question is asked again.");
    } else if clearance == Clearance::Incomplete {
        eprintln!("The screening stopped before every question was answered; nothing was saved.");
    } else {
        println!("Your answers are saved.");
    }
    // Clear answers within a day of an emergency sign still start no session until a day after it
    // (said before the questions, or here when the day began while they were answered).
    if clearance == Clearance::Clear
        && let Some(refusal) = env.emergency_refusal(when::now_ms())?
    {
        if rest_today.is_none() {
            eprintln!("But {refusal}.");
        }
        return Ok(ExitCode::from(EXIT_SAFETY));
    }
    Ok(match clearance {
        Clearance::Clear => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_SAFETY),
    })
}
