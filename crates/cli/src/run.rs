//! `limber run`: plan the routine for this person, screen, guide the session, save it.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use limber_core::progress::{apply_session, counts_toward_goal, usual_pain};
use limber_core::{
    At, Clearance, Event, ItemStatus, PainMoment, Phase, Plan, PlanOptions, ProgressRules, RoutineId, Session,
    StopReason, Summary,
};
use limber_store::{ScreeningEntry, SessionRecord, SessionRow, Store};

use crate::args::{Global, RunArgs, equipment};
use crate::context::{library, open_store, routine_exists, runtime};
use crate::driver::{Clock, Inputs, KEYS, Screen, drive};
use crate::say::Voice;
use crate::{EXIT_SAFETY, history, when};

pub(crate) fn run(global: &Global, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let lib = library(global)?;
    routine_exists(&lib, &args.routine)?;
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let profile = rt.block_on(store.profile())?;
    let mut progression = rt.block_on(store.progression())?;
    let last_screening = rt.block_on(store.latest_screening())?;

    let options = PlanOptions {
        equipment: match &args.equipment {
            Some(list) => equipment(list).into_iter().collect(),
            None => profile.equipment.iter().copied().collect(),
        },
        avoid: match &args.avoid {
            Some(list) => list.iter().map(|p| p.position()).collect(),
            None => profile.avoid.iter().copied().collect(),
        },
        holds: progression.iter().map(|(id, p)| (id.clone(), p.hold_seconds)).collect(),
        hold_override: args.hold,
        warm_up: !args.no_warmup,
        wait_for_start: args.wait,
        flagged: progression.iter().filter(|(_, p)| p.flagged).map(|(id, _)| id.clone()).collect::<BTreeSet<_>>(),
        ..PlanOptions::default()
    };
    let plan = Plan::resolve(&lib, &RoutineId::from(args.routine.as_str()), &options)
        .with_context(|| format!("cannot plan routine `{}` for you", args.routine))?;

    let voice_wanted = (args.voice || profile.voice) && !args.no_voice;
    let voice = if voice_wanted { Some(Voice::find()?) } else { None };
    let trace = match &args.trace {
        Some(path) => Some(std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?),
        None => None,
    };

    println!(
        "{} — {} stretches, about {} minutes.",
        plan.routine_name,
        plan.items.len(),
        plan.total_time().as_secs().div_ceil(60)
    );
    for a in &plan.adjustments {
        let name = lib.stretch(&a.stretch).map_or(a.stretch.as_str(), |s| s.name.as_str());
        match a.replaced_by.as_ref().and_then(|id| lib.stretch(id)) {
            Some(sub) => println!("  {name} {}: doing {} instead.", a.reason.describe(), sub.name),
            None => {
                println!("  {name} {}, and nothing that fits reaches the same area: left out.", a.reason.describe())
            }
        }
    }

    let mut inputs = Inputs::start();
    let live = std::io::stdout().is_terminal() && !args.plain;
    if inputs.keys() {
        println!("Keys: {KEYS}");
    } else {
        println!("Reading commands from standard input, one per line (e.g. pause, skip, swap, pain sharp, quit).");
    }
    let pain_before = match args.pain_before {
        Some(n) => Some(n),
        None => inputs.rating("Pain right now, 0–10 (Enter to skip): "),
    };

    let screening = if args.screening { None } else { last_screening.as_ref().map(|e| &e.record) };
    let started_at_ms = when::now_ms();
    let clock = Clock::start(args.speed);
    let mut session = Session::new(plan, screening, At::ZERO);
    let newly_screened = session.phase() == Phase::Screening { question: 0 };
    if let Some(n) = pain_before {
        let _ = session.handle(Event::RatePain(PainMoment::Before, n), At::ZERO);
    }
    let mut screen = Screen::new(live, live && !args.no_bell, voice, trace, args.speed);
    drive(&mut session, &clock, &mut inputs, &mut screen);
    screen.finish();

    let summary = session.summary().context("the session ended without a summary")?;
    let screening_entry = newly_screened
        .then(|| ScreeningEntry { taken_at_ms: started_at_ms, record: session.screening().clone() })
        .filter(|e| e.record.clearance(&lib.screening) != Clearance::Incomplete);
    if !summary.exercise_started {
        if let Some(entry) = &screening_entry {
            rt.block_on(store.save_screening(entry)).context("could not save your screening answers")?;
        }
        return Ok(match summary.stopped {
            Some(reason) if reason.is_safety() => {
                eprintln!(
                    "limber stopped before any exercise, for your safety. Your answers are saved; \
                     run `limber screening` to answer again."
                );
                ExitCode::from(EXIT_SAFETY)
            }
            _ => {
                eprintln!("The session ended before any exercise; nothing was saved.");
                ExitCode::SUCCESS
            }
        });
    }

    let pain_after = match (args.pain_after, summary.stopped) {
        (Some(n), _) => Some(n),
        (None, Some(StopReason::Emergency)) => None,
        (None, _) => inputs.rating("Pain now, 0–10 (Enter to skip): "),
    };
    let mut summary = summary;
    summary.pain_after = pain_after.or(summary.pain_after);

    let rows = rt.block_on(store.session_rows())?;
    let befores: Vec<u8> = rows.iter().filter_map(|r| r.pain_before).collect();
    let grown = apply_session(&mut progression, &summary, &lib, usual_pain(&befores), ProgressRules::default());
    let record = record(&summary, started_at_ms, args.speed);
    rt.block_on(store.save_session(&record, &progression, screening_entry.as_ref()))
        .context("could not save this session")?;

    print_summary(&lib, &summary, &grown, &progression);
    let tz = when::zone();
    let mut rows = rows;
    rows.push(SessionRow { started_at_ms, counts: counts_toward_goal(&summary), pain_before: summary.pain_before });
    let adherence = history::adherence(&rows, profile.weekly_goal, &tz);
    println!(
        "Saved. This week: {} of {} sessions{}.",
        adherence.this_week,
        adherence.goal,
        if adherence.streak_weeks > 0 {
            format!(" · streak: {} weeks", adherence.streak_weeks)
        } else {
            String::new()
        }
    );
    if history::trend(&rows, &tz).see_clinician {
        println!(
            "Your pain ratings have not improved (or have got worse) over several sessions. \
             Please see a doctor or physiotherapist about it."
        );
    }
    match summary.stopped {
        Some(reason) if reason.is_safety() => {
            eprintln!("limber stopped this session for your safety (exit code {EXIT_SAFETY}).");
            Ok(ExitCode::from(EXIT_SAFETY))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// The stored form of a session: wall-clock start, and the end scaled back from session time.
fn record(summary: &Summary, started_at_ms: i64, speed: f64) -> SessionRecord {
    let real_ms = |d: std::time::Duration| i64::try_from(d.div_f64(speed).as_millis()).unwrap_or(i64::MAX);
    SessionRecord {
        id: limber_store::Uuid::new_v4(),
        routine: summary.routine.clone(),
        started_at_ms,
        ended_at_ms: started_at_ms.saturating_add(real_ms(summary.ended.0)),
        stopped: summary.stopped,
        warmed_up: summary.warmed_up,
        active_ms: i64::try_from(summary.active.as_millis()).unwrap_or(i64::MAX),
        pain_before: summary.pain_before,
        pain_after: summary.pain_after,
        flagged: summary.flagged.as_ref().map(|s| s.0.clone()),
        items: summary.items.clone(),
    }
}

fn print_summary(
    lib: &limber_core::Library,
    summary: &Summary,
    grown: &[limber_core::StretchId],
    progression: &std::collections::BTreeMap<limber_core::StretchId, limber_core::Progress>,
) {
    let name = |id: &limber_core::StretchId| lib.stretch(id).map_or_else(|| id.to_string(), |s| s.name.clone());
    println!();
    for item in &summary.items {
        let mark = match item.status {
            ItemStatus::Done => "done",
            ItemStatus::Partial => "partly done",
            ItemStatus::Skipped => "skipped",
            ItemStatus::NotReached => "not reached",
        };
        let swap = item.instead_of.as_ref().map(|o| format!(" (instead of {})", name(o))).unwrap_or_default();
        let feel = match (item.comfort, item.discomfort) {
            (Some(limber_core::Comfort::Comfortable), _) => ", comfortable",
            (Some(limber_core::Comfort::Discomfort), _) | (None, true) => ", some discomfort",
            _ => "",
        };
        println!(
            "  {:<12} {}{swap} — {} of {} holds, {} s each{feel}",
            mark,
            name(&item.stretch),
            item.holds_done,
            item.holds_planned,
            item.seconds
        );
    }
    let active = summary.active.as_secs();
    print!("Stretching time: {}:{:02}", active / 60, active % 60);
    match (summary.pain_before, summary.pain_after) {
        (Some(b), Some(a)) => println!(" · pain {b} → {a}"),
        _ => println!(),
    }
    for id in grown {
        if let Some(p) = progression.get(id) {
            println!("Well done: {} now holds for {} s.", name(id), p.hold_seconds);
        }
    }
    if let Some(flagged) = &summary.flagged {
        println!("{} is set aside until you clear it: `limber profile --clear-flag {flagged}`.", name(flagged));
    }
}
