//! History, statistics, export and import.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use limber_app::store::SessionRecord;
use limber_app::when;
use limber_core::{ItemStatus, StopReason};

use crate::args::{ExportFormat, Global};
use crate::context::{Env, print_json};

fn outcome(stopped: Option<StopReason>) -> &'static str {
    stopped.map_or("finished", StopReason::label)
}

pub(crate) fn history(global: &Global, since: Option<jiff::civil::Date>, as_json: bool) -> anyhow::Result<ExitCode> {
    let env = Env::open(global)?;
    let tz = when::zone();
    let sessions = env.block_on(env.app.sessions(env.user, since.map(|d| when::start_of(d, &tz))))?;
    if as_json {
        print_json(&sessions)?;
        return Ok(ExitCode::SUCCESS);
    }
    if sessions.is_empty() {
        println!(
            "No sessions yet{}. Start one with `limber run`.",
            if since.is_some() { " in that period" } else { "" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<16}  {:<10}  {:<24}  {:>5}  {:>6}  pain", "when", "routine", "outcome", "time", "done");
    for s in &sessions {
        let done = s.items.iter().filter(|i| i.status == ItemStatus::Done).count();
        let secs = s.active_ms / 1000;
        let pain = match (s.pain_before, s.pain_after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (Some(b), None) => format!("{b} → ?"),
            (None, Some(a)) => format!("? → {a}"),
            (None, None) => String::new(),
        };
        println!(
            "{:<16}  {:<10}  {:<24}  {:>2}:{:02}  {:>2} of {}  {pain}",
            when::local(s.started_at_ms, &tz),
            s.routine,
            outcome(s.stopped),
            secs / 60,
            secs % 60,
            done,
            s.items.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn stats(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let env = Env::open(global)?;
    let stats = env.block_on(env.app.stats(env.user))?;
    if as_json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (adherence, trend) = (stats.adherence, &stats.pain_trend);
    let met = if adherence.this_week >= adherence.goal { " — goal met" } else { "" };
    println!("Sessions in all: {}", stats.sessions);
    println!("This week: {} of {} sessions{met}", adherence.this_week, adherence.goal);
    println!(
        "Streak: {} week{} meeting your goal",
        adherence.streak_weeks,
        if adherence.streak_weeks == 1 { "" } else { "s" }
    );
    if !stats.holds.is_empty() {
        println!("\nHold times:");
        for h in &stats.holds {
            let name = h.name.clone().unwrap_or_else(|| h.stretch.to_string());
            let range = h.range.map(|(lo, hi)| format!(" (range {lo}–{hi} s)")).unwrap_or_default();
            let flag = if h.flagged { " — set aside after sharp pain" } else { "" };
            println!("  {name:<28} {:>3} s{range}{flag}", h.hold_seconds);
        }
    }
    if let Some((first, latest)) = trend.first_and_latest {
        let change = trend.change.unwrap_or(0);
        let meaning = if trend.meaningful { ", a meaningful change" } else { "" };
        println!(
            "\nPain before sessions: {first} → {latest} over {} rated sessions ({change:+}{meaning})",
            trend.rated_sessions
        );
    }
    if trend.see_clinician {
        println!("Your ratings have not improved (or have got worse) over several sessions: please see a clinician.");
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn export(global: &Global, format: ExportFormat, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let env = Env::open(global)?;
    let sessions = env.block_on(env.app.sessions(env.user, None))?;
    let count = sessions.len();
    let bytes = match format {
        ExportFormat::Json => limber_app::export::write(sessions).context("cannot write the export")?,
        ExportFormat::Csv => {
            let mut bytes = Vec::new();
            write_csv(&mut bytes, &sessions)?;
            bytes
        }
    };
    match output {
        Some(path) => {
            let tmp = path.with_extension("tmp-limber");
            std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Exported {count} sessions to {}.", path.display());
        }
        None => std::io::stdout().write_all(&bytes).context("cannot write to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write_csv(out: &mut Vec<u8>, sessions: &[SessionRecord]) -> anyhow::Result<()> {
    let tz = when::zone();
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "session",
        "started_at",
        "routine",
        "outcome",
        "pain_before",
        "pain_after",
        "position",
        "stretch",
        "instead_of",
        "status",
        "holds_done",
        "holds_planned",
        "sides_done",
        "seconds",
        "comfort",
        "discomfort",
        "max_pain",
    ])?;
    let opt = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    for s in sessions {
        for (n, i) in s.items.iter().enumerate() {
            w.write_record([
                s.id.to_string(),
                when::rfc3339(s.started_at_ms, &tz),
                s.routine.clone(),
                outcome(s.stopped).to_owned(),
                opt(s.pain_before),
                opt(s.pain_after),
                (n + 1).to_string(),
                i.stretch.to_string(),
                i.instead_of.as_ref().map(ToString::to_string).unwrap_or_default(),
                i.status.label().to_owned(),
                i.holds_done.to_string(),
                i.holds_planned.to_string(),
                i.sides_done.iter().map(|s| s.label()).collect::<Vec<_>>().join(" "),
                i.seconds.to_string(),
                i.comfort
                    .map(|c| serde_json::to_string(&c).unwrap_or_default().trim_matches('"').to_owned())
                    .unwrap_or_default(),
                i.discomfort.to_string(),
                opt(i.max_pain),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

pub(crate) fn import(global: &Global, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let env = Env::open(global)?;
    let report = env.block_on(env.app.import(env.user, &text)).with_context(|| format!("{}", file.display()))?;
    println!("Imported {} sessions ({} already present).", report.added, report.skipped);
    Ok(ExitCode::SUCCESS)
}
