//! History, statistics, export and import.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use jiff::tz::TimeZone;
use limber_core::progress::pain_trend;
use limber_core::{Adherence, ItemStatus, PainTrend, StopReason};
use limber_store::{SessionRecord, SessionRow, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::args::{ExportFormat, Global};
use crate::context::{library, open_store, print_json, runtime};
use crate::when;

fn outcome(stopped: Option<StopReason>) -> &'static str {
    match stopped {
        None => "finished",
        Some(StopReason::Aborted) => "ended early",
        Some(StopReason::SharpPain) => "stopped: sharp pain",
        Some(StopReason::Emergency) => "stopped: emergency sign",
        Some(StopReason::SeeClinician) => "stopped: see a clinician",
    }
}

pub(crate) fn history(global: &Global, since: Option<jiff::civil::Date>, as_json: bool) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let tz = when::zone();
    let sessions = rt.block_on(store.sessions(since.map(|d| when::start_of(d, &tz))))?;
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

/// This week against `goal` and the streak, from session rows, in local weeks.
pub(crate) fn adherence(rows: &[SessionRow], goal: u32, tz: &TimeZone) -> Adherence {
    let weeks: Vec<i64> = rows.iter().filter(|r| r.counts).map(|r| when::week_number(r.started_at_ms, tz)).collect();
    Adherence::compute(goal, &weeks, when::week_number(when::now_ms(), tz))
}

/// The trend of "before" pain ratings, by local day.
pub(crate) fn trend(rows: &[SessionRow], tz: &TimeZone) -> PainTrend {
    let ratings: Vec<(i64, u8)> =
        rows.iter().filter_map(|r| r.pain_before.map(|p| (when::day_number(r.started_at_ms, tz), p))).collect();
    pain_trend(&ratings)
}

pub(crate) fn stats(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let lib = library(global)?;
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let profile = rt.block_on(store.profile())?;
    let rows = rt.block_on(store.session_rows())?;
    let progression = rt.block_on(store.progression())?;
    let tz = when::zone();
    let adherence = adherence(&rows, profile.weekly_goal, &tz);
    let trend = trend(&rows, &tz);
    let holds: Vec<_> = progression
        .iter()
        .map(|(id, p)| {
            let stretch = lib.stretch(id);
            json!({
                "stretch": id,
                "name": stretch.map(|s| s.name.clone()),
                "hold_seconds": p.hold_seconds,
                "range": stretch.map(|s| (s.dose.range().low(), s.dose.range().high())),
                "flagged": p.flagged,
            })
        })
        .collect();
    if as_json {
        print_json(&json!({
            "sessions": rows.len(),
            "adherence": adherence,
            "holds": holds,
            "pain_trend": trend,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let met = if adherence.this_week >= adherence.goal { " — goal met" } else { "" };
    println!("Sessions in all: {}", rows.len());
    println!("This week: {} of {} sessions{met}", adherence.this_week, adherence.goal);
    println!(
        "Streak: {} week{} meeting your goal",
        adherence.streak_weeks,
        if adherence.streak_weeks == 1 { "" } else { "s" }
    );
    if !progression.is_empty() {
        println!("\nHold times:");
        for (id, p) in &progression {
            let (name, range) = match lib.stretch(id) {
                Some(s) => (s.name.clone(), format!(" (range {} s)", s.dose.range())),
                None => (id.to_string(), String::new()),
            };
            let flag = if p.flagged { " — set aside after sharp pain" } else { "" };
            println!("  {name:<28} {:>3} s{range}{flag}", p.hold_seconds);
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

/// The JSON export file: a version and every session.
#[derive(Serialize, Deserialize)]
struct ExportFile {
    limber_export: u32,
    sessions: Vec<SessionRecord>,
}

pub(crate) fn export(global: &Global, format: ExportFormat, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let sessions = rt.block_on(store.sessions(None))?;
    let mut bytes = Vec::new();
    match format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut bytes, &ExportFile { limber_export: 1, sessions: sessions.clone() })?;
            bytes.push(b'\n');
        }
        ExportFormat::Csv => write_csv(&mut bytes, &sessions)?,
    }
    match output {
        Some(path) => {
            let tmp = path.with_extension("tmp-limber");
            std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Exported {} sessions to {}.", sessions.len(), path.display());
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
                format!("{:?}", i.status),
                i.holds_done.to_string(),
                i.holds_planned.to_string(),
                i.sides_done.iter().map(|s| s.label()).collect::<Vec<_>>().join(" "),
                i.seconds.to_string(),
                i.comfort.map(|c| format!("{c:?}")).unwrap_or_default(),
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
    let parsed: ExportFile = serde_json::from_str(&text).map_err(|e| {
        let hint = if text.starts_with("session,") {
            " (that looks like a CSV export; import reads the JSON export)"
        } else {
            ""
        };
        anyhow::anyhow!("{} is not a limber JSON export{hint}: {e}", file.display())
    })?;
    if parsed.limber_export != 1 {
        bail!("{} is export format {}, and this limber reads format 1", file.display(), parsed.limber_export);
    }
    for s in &parsed.sessions {
        let bad = |n: Option<u8>| n.is_some_and(|n| n > 10);
        if bad(s.pain_before) || bad(s.pain_after) || s.items.iter().any(|i| bad(i.max_pain)) {
            bail!("{}: session {} has a pain rating above 10; nothing was imported", file.display(), s.id);
        }
    }
    let rt = runtime()?;
    let store = open_store(&rt, global)?;
    let report = rt.block_on(store.import(&parsed.sessions))?;
    println!("Imported {} sessions ({} already present).", report.added, report.skipped);
    Ok(ExitCode::SUCCESS)
}
