//! History, statistics, export and import.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use futures_util::StreamExt;
use limber_app::export::Exported;
use limber_app::store::{ProfileImport, SessionQuery, SessionRecord};
use limber_app::when;

use crate::args::{ExportFormat, Global, HISTORY_PAGE, HistoryArgs};
use crate::context::{Env, print_json};
use crate::wrap::say_err;

/// How `limber history` prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Json,
    Jsonl,
}

pub(crate) fn history(global: &Global, args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let env = Env::open_to_read(global)?;
    let tz = when::zone();
    let since_ms = args.since.map(|d| when::start_of(d, &tz));
    let limit = match (args.all, args.limit, args.since) {
        (true, _, _) => None,
        (false, Some(n), _) => Some(n),
        (false, None, Some(_)) => None,
        (false, None, None) => Some(HISTORY_PAGE),
    };
    let shape = if args.jsonl {
        Shape::Jsonl
    } else if args.json {
        Shape::Json
    } else {
        Shape::Text
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let shown = env.run(async {
        let query = SessionQuery::newest_first().since(since_ms);
        let mut sessions = env.app.stream_sessions(env.user, query);
        let (mut shown, mut unreadable) = (0, 0);
        while let Some(read) = sessions.next().await {
            // Past the sessions asked for, whatever comes (readable or not) only says there is more.
            if limit.is_some_and(|n| shown >= n) {
                return Ok(Shown { sessions: shown, more: true, unreadable });
            }
            let Some(s) = readable(read, &mut unreadable)? else { continue };
            match shape {
                Shape::Text if shown == 0 => {
                    writeln!(
                        out,
                        "{:<16}  {:<10}  {:<24}  {:>5}  {:>6}  pain",
                        "when", "routine", "outcome", "time", "done"
                    )?;
                    write_row(&mut out, &s, &tz)?;
                }
                Shape::Text => write_row(&mut out, &s, &tz)?,
                Shape::Json => {
                    out.write_all(if shown == 0 { b"[" } else { b"," })?;
                    serde_json::to_writer(&mut out, &s)?;
                }
                Shape::Jsonl => {
                    serde_json::to_writer(&mut out, &s)?;
                    out.write_all(b"\n")?;
                }
            }
            shown += 1;
        }
        Ok(Shown { sessions: shown, more: false, unreadable })
    });
    let written = shown.and_then(|shown| {
        match shape {
            Shape::Json if shown.sessions == 0 => out.write_all(b"[]\n")?,
            Shape::Json => out.write_all(b"]\n")?,
            Shape::Jsonl => {}
            Shape::Text if shown.sessions == 0 => match args.since {
                Some(since) => writeln!(out, "No sessions since {since}.")?,
                None => writeln!(out, "No sessions yet. Start one with `limber run`.")?,
            },
            Shape::Text if shown.more => {
                let latest = if shown.sessions == 1 {
                    "The latest session".to_owned()
                } else {
                    format!("The latest {} sessions", shown.sessions)
                };
                // The command for the rest keeps the period asked for.
                let all = match args.since {
                    Some(since) => format!("`limber history --since {since}` shows every one since then"),
                    None => "`limber history --all` shows every one".to_owned(),
                };
                writeln!(out, "\n{latest}; {all}, `--limit N` the latest N.")?
            }
            Shape::Text => {}
        }
        out.flush()?;
        Ok(shown)
    });
    // A reader that has seen enough (`limber history --all | head`) is not an error.
    let shown = written.map_err(crate::context::writing_stdout)?;
    // A script reading JSON is told, on standard error, that it has the latest only.
    if shown.more && !matches!(shape, Shape::Text) {
        let latest = if shown.sessions == 1 { "session".to_owned() } else { format!("{} sessions", shown.sessions) };
        eprintln!("limber: the latest {latest} only; --all for every one, --limit N for the latest N");
    }
    crate::context::left_out(shown.unreadable, &[])
}

/// How many sessions `limber history` showed, whether there were more, and how many stored
/// ones could not be read.
struct Shown {
    sessions: u64,
    more: bool,
    unreadable: u64,
}

/// A session read from the history, or `None` for one that could not be read (named on
/// standard error and counted in `unreadable`, the others still coming); any other failure to
/// read is an error.
fn readable(read: limber_app::Result<SessionRecord>, unreadable: &mut u64) -> anyhow::Result<Option<SessionRecord>> {
    match read {
        Ok(session) => Ok(Some(session)),
        Err(e) if e.is_unreadable_session() => {
            eprintln!("limber: {e}");
            *unreadable += 1;
            Ok(None)
        }
        Err(e) => Err(anyhow::Error::new(e).context(crate::context::ReadingHistory)),
    }
}

fn write_row(out: &mut impl Write, s: &SessionRecord, tz: &jiff::tz::TimeZone) -> std::io::Result<()> {
    let secs = s.active_ms / 1000;
    let pain = match (s.pain_before, s.pain_after) {
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (Some(b), None) => format!("{b} → ?"),
        (None, Some(a)) => format!("? → {a}"),
        (None, None) => String::new(),
    };
    // A preview says so at the end of its line, so the columns stay in line.
    let preview = match (s.preview, pain.is_empty()) {
        (false, _) => "",
        (true, true) => "(preview)",
        (true, false) => "  (preview)",
    };
    let line = format!(
        "{:<16}  {:<10}  {:<24}  {:>2}:{:02}  {:>2} of {}  {pain}{preview}",
        when::local(s.started_at_ms, tz),
        s.routine,
        s.outcome(),
        secs / 60,
        secs % 60,
        s.done(),
        s.planned()
    );
    writeln!(out, "{}", line.trim_end())
}

pub(crate) fn stats(global: &Global, as_json: bool) -> anyhow::Result<ExitCode> {
    let env = Env::open_to_read(global)?;
    let stats = env.block_on(env.app.stats(env.user))?;
    if as_json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    // A day after an emergency sign, that comes first, as the TUI's home says it: no session
    // starts until then. (A failure to read it only leaves the line out: the figures still show.)
    if let Ok(Some(refusal)) = env.emergency_refusal(when::now_ms()) {
        println!("{}\n", limber_app::report::sentence(&limber_app::report::error_line(&refusal)));
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
        println!("\nHold times (for a flow, the time in each position):");
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
        let n = trend.rated_sessions;
        let sessions = if n == 1 { "session" } else { "sessions" };
        println!("\nPain before sessions: {first} → {latest} over {n} rated {sessions} ({change:+}{meaning})");
    }
    if let Some(advice) = &trend.advice {
        println!("{advice}");
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn export(global: &Global, format: ExportFormat, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    // `-o -` is standard output, as `import -` reads standard input.
    let output = output.filter(|path| *path != Path::new("-"));
    // A file it must not replace (the database itself) is refused before the store is opened.
    if let Some(path) = output {
        crate::output::refuse_to_replace(path, "export")?;
    }
    let env = Env::open_to_export(global)?;
    match output {
        Some(path) => {
            let count = crate::output::replace_file(path, "export", true, |file| export_to(&env, format, file))?;
            eprintln!("Exported {} to {}.", sessions(count.sessions), path.display());
            crate::context::left_out(count.unreadable, &count.left_out())
        }
        None => {
            let (mut out, count) = export_to(&env, format, std::io::BufWriter::new(std::io::stdout().lock()))
                .map_err(crate::context::writing_stdout)?;
            out.flush().map_err(crate::context::writing_stdout)?;
            crate::context::left_out(count.unreadable, &count.left_out())
        }
    }
}

/// "1 session", "12 sessions".
fn sessions(count: usize) -> String {
    if count == 1 { "1 session".to_owned() } else { format!("{count} sessions") }
}

/// Writes every session that can be read, oldest first, to `out` as it reads them (naming any
/// that cannot); hands back `out` and what was written.
fn export_to<W: Write>(env: &Env, format: ExportFormat, out: W) -> anyhow::Result<(W, Exported)> {
    let tz = when::zone();
    env.run(async {
        match format {
            ExportFormat::Json => {
                let export = env.app.export_json(env.user, out).map_err(exporting)?;
                Ok(export.finish(|e| eprintln!("limber: {e}")).await.map_err(exporting)?)
            }
            ExportFormat::Csv => {
                let mut sessions = env.app.stream_sessions(env.user, SessionQuery::oldest_first());
                let mut unreadable = 0;
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(CSV_HEADER)?;
                let mut written = 0;
                while let Some(read) = sessions.next().await {
                    if let Some(s) = readable(read, &mut unreadable)? {
                        write_csv(&mut writer, &s, &tz)?;
                        written += 1;
                    }
                }
                Ok((
                    writer.into_inner().map_err(|e| e.into_error())?,
                    Exported { sessions: written, unreadable, profile_left_out: false, progression_left_out: false },
                ))
            }
        }
    })
}

/// An export's failure: one writing the output says so (a closed pipe is no error at all);
/// anything else was met reading the history.
fn exporting(e: limber_app::Error) -> anyhow::Error {
    match e {
        limber_app::Error::Write(e) => e.into(),
        e => anyhow::Error::new(e).context(crate::context::ReadingHistory),
    }
}

const CSV_HEADER: [&str; 18] = [
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
    "preview",
];

/// A text cell a spreadsheet will not run as a formula: one starting with `=`, `+`, `-`, `@` or
/// a tab (an id in an imported history could be `=HYPERLINK(…)`) gets a leading `'`.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The rows of one session: one per stretch.
fn write_csv<W: Write>(w: &mut csv::Writer<W>, s: &SessionRecord, tz: &jiff::tz::TimeZone) -> anyhow::Result<()> {
    let opt = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    for (n, i) in s.items.iter().enumerate() {
        w.write_record([
            s.id.to_string(),
            when::rfc3339(s.started_at_ms, tz),
            cell(&s.routine),
            s.outcome().to_owned(),
            opt(s.pain_before),
            opt(s.pain_after),
            (n + 1).to_string(),
            cell(i.stretch.as_str()),
            i.instead_of.as_ref().map(|s| cell(s.as_str())).unwrap_or_default(),
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
            s.preview.to_string(),
        ])?;
    }
    Ok(())
}

pub(crate) fn import(global: &Global, file: &Path) -> anyhow::Result<ExitCode> {
    // `-` is standard input: `ssh laptop limber export | limber import -`.
    let reader: Box<dyn std::io::Read + Send> = if file == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?)
    };
    let env = Env::open(global)?;
    let report = env.block_on(env.app.import(env.user, reader)).with_context(|| format!("{}", file.display()))?;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    println!("Imported {} ({} already present).", plural(report.added, "session", "sessions"), report.skipped);
    if report.emergencies > 0 {
        println!(
            "Noted {} before any stretch (kept in a file when it could not be saved): every safety question is \
             asked again before the next session.",
            plural(report.emergencies, "emergency sign reported", "emergency signs reported"),
        );
    }
    if report.stretches > 0 {
        println!(
            "Merged the hold times and set-aside stretches of {} (where both had one, the safer stands).",
            plural(report.stretches, "stretch", "stretches")
        );
    }
    match report.profile {
        ProfileImport::Restored => {
            println!("Restored the profile (equipment, positions avoided, weekly goal, voice, sound).")
        }
        ProfileImport::Kept => {
            println!("Kept the profile you have here; the file's was left out (change it with `limber profile`).")
        }
        ProfileImport::NotInFile | ProfileImport::Same => {}
    }
    if report.dated_ahead > 0 {
        say_err(&format!(
            "limber: {} in the file {} dated more than an hour ahead of this machine's clock (was the clock set wrong \
             where {} recorded?): {} toward no week and no pain trend until then.",
            plural(report.dated_ahead, "session", "sessions"),
            if report.dated_ahead == 1 { "is" } else { "are" },
            if report.dated_ahead == 1 { "it was" } else { "they were" },
            if report.dated_ahead == 1 { "it counts" } else { "they count" },
        ));
    }
    // A session (or an emergency sign) the file brought in may be from the last day: no
    // session starts here either until a day after it, which is said now, not at the next run.
    if (report.added > 0 || report.emergencies > 0)
        && let Some(refusal) = env.emergency_refusal(limber_app::when::now_ms())?
    {
        eprintln!("{}", limber_app::report::sentence(&limber_app::report::error_line(&refusal)));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_cell_that_a_spreadsheet_would_run_is_quoted() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("seated-twist"), "seated-twist");
    }
}
