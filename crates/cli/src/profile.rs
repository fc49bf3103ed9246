//! The profile (equipment, positions to avoid, weekly goal, voice) and re-running screening.

use std::process::ExitCode;

use anyhow::Context;
use limber_core::{At, Clearance, Phase, Plan, PlanOptions, Session, StretchId};
use limber_store::{ScreeningEntry, Store};

use crate::args::{Global, ProfileArgs, equipment};
use crate::context::{library, open_store, print_json, runtime, stretch};
use crate::driver::{Inputs, line_event};
use crate::{EXIT_SAFETY, when};

pub(crate) fn profile(global: &Global, args: &ProfileArgs) -> anyhow::Result<ExitCode> {
    let lib = library(global)?;
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let mut profile = rt.block_on(store.profile())?;
    let mut changed = false;
    if let Some(list) = &args.equipment {
        profile.equipment = equipment(list);
        changed = true;
    }
    if let Some(list) = &args.avoid {
        let mut avoid: Vec<_> = list.iter().map(|p| p.position()).collect();
        avoid.sort();
        avoid.dedup();
        profile.avoid = avoid;
        changed = true;
    }
    if let Some(goal) = args.goal {
        profile.weekly_goal = goal;
        changed = true;
    }
    if let Some(voice) = args.voice {
        profile.voice = voice;
        changed = true;
    }
    if changed {
        rt.block_on(store.save_profile(&profile)).context("could not save your profile")?;
    }
    let mut progression = rt.block_on(store.progression())?;
    if !args.clear_flag.is_empty() {
        for id in &args.clear_flag {
            stretch(&lib, id)?;
            if let Some(p) = progression.get_mut(&StretchId::from(id.as_str())) {
                p.flagged = false;
            }
        }
        rt.block_on(store.save_progression(&progression)).context("could not save the cleared flags")?;
    }
    let flagged: Vec<&StretchId> = progression.iter().filter(|(_, p)| p.flagged).map(|(id, _)| id).collect();
    if args.json {
        print_json(&serde_json::json!({"profile": profile, "flagged": flagged}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let equipment: Vec<&str> = profile.equipment.iter().map(|e| e.label()).collect();
    let avoid: Vec<&str> = profile.avoid.iter().map(|p| p.label()).collect();
    let none = |v: Vec<&str>| if v.is_empty() { "none".to_owned() } else { v.join(", ") };
    println!("Equipment:        {}", none(equipment));
    println!("Positions avoided: {}", none(avoid));
    println!("Weekly goal:      {} sessions", profile.weekly_goal);
    println!("Voice:            {}", if profile.voice { "on" } else { "off" });
    if !flagged.is_empty() {
        let names: Vec<String> = flagged.iter().map(|s| s.to_string()).collect();
        println!("Set aside after sharp pain: {} (clear with --clear-flag STRETCH)", names.join(", "));
    }
    if changed {
        println!("Saved.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks the screening questions (through the core session, so the rules are the same) and saves the answers.
pub(crate) fn screening(global: &Global) -> anyhow::Result<ExitCode> {
    let lib = library(global)?;
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let routine = lib.routines.first().map(|r| r.id.clone()).context("the content has no routine")?;
    let plan = Plan::resolve(&lib, &routine, &PlanOptions::default())?;
    let mut session = Session::new(plan, None, At::ZERO);
    let mut inputs = Inputs::start();
    println!("Safety questions. Answer each with y or n.\n");
    while matches!(session.phase(), Phase::Screening { .. } | Phase::ConfirmAssessed) {
        for cue in session.drain_cues() {
            println!("{}", cue.text);
        }
        let Some(answer) = inputs.prompt("> ") else {
            eprintln!("Screening needs an answer to every question; nothing was saved.");
            return Ok(ExitCode::FAILURE);
        };
        match line_event(&answer, &session) {
            Ok(event) => {
                if let Err(refused) = session.handle(event, At::ZERO) {
                    println!("Please answer y or n ({refused}).");
                }
            }
            Err(_) => println!("Please answer y or n."),
        }
    }
    let record = session.screening().clone();
    let clearance = record.clearance(&lib.screening);
    for cue in session
        .drain_cues()
        .iter()
        .filter(|c| matches!(c.kind, limber_core::CueKind::Stopped(_) | limber_core::CueKind::Cleared))
    {
        println!("{}", cue.text);
    }
    rt.block_on(store.save_screening(&ScreeningEntry { taken_at_ms: when::now_ms(), record }))
        .context("could not save your answers")?;
    println!("Your answers are saved.");
    Ok(match clearance {
        Clearance::Clear => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_SAFETY),
    })
}
