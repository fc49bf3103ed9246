//! `cargo xtask bench history`: history, stats, export and import against large generated stores.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::bench::{Row, ensure_tool, hyperfine, median};

/// Users in the generated store, the local one included.
const USERS: usize = 1_000;

/// Sessions of each user in the generated store.
const SESSIONS_PER_USER: usize = 1_000;

/// Sessions of the one user whose whole history is streamed and imported.
const BIG_HISTORY: usize = 100_000;

/// Measures, with the release `limber`: `stats` and the first page of `history` for one user of
/// a store of 1,000 users × 1,000 sessions; `import` of 100,000 sessions; `history --all
/// --jsonl` and `stats` over those 100,000 sessions. Every store is made in a temporary
/// directory and removed afterwards.
pub(crate) fn run(limber: &Path) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let work = tempfile::tempdir().context("temp dir")?;

    eprintln!("    generating a store of {USERS} users × {SESSIONS_PER_USER} sessions");
    let clinic = work.path().join("clinic");
    let seed = work.path().join("seed-1000.json");
    write_seed(&seed, SESSIONS_PER_USER)?;
    let imported = measure(limber, &clinic, &[Path::new("import"), &seed])?;
    if !imported.success {
        bail!("importing the local user's {SESSIONS_PER_USER} sessions failed");
    }
    copy_to_other_users(&clinic)?;

    let stats_ms = hyperfine(&[format!("{} stats", limber.display())], &clinic, 30)?[0];
    let stats = measure(limber, &clinic, &[Path::new("stats")])?;
    rows.push(Row::new(
        "`limber stats`, one user of 1,000 × 1,000 sessions, median wall",
        format!("{stats_ms:.1} ms"),
        "< 20 ms",
        stats_ms / 20.0,
    ));
    rows.push(Row::new(
        "`limber stats`, one user of 1,000 × 1,000 sessions, peak memory",
        format!("{:.1} MB", stats.peak_mb),
        "< 20 MB",
        stats.peak_mb / 20.0,
    ));
    let page_ms = hyperfine(&[format!("{} history", limber.display())], &clinic, 30)?[0];
    rows.push(Row::new(
        "`limber history` (first page), one user of 1,000 × 1,000, median wall",
        format!("{page_ms:.1} ms"),
        "< 20 ms",
        page_ms / 20.0,
    ));

    eprintln!("    importing {BIG_HISTORY} sessions into fresh stores (3 runs)");
    let big = work.path().join(format!("seed-{BIG_HISTORY}.json"));
    write_seed(&big, BIG_HISTORY)?;
    let (mut walls, mut peaks) = (Vec::new(), Vec::new());
    let one = work.path().join("one");
    for run in 0..3 {
        let home = if run == 0 { one.clone() } else { work.path().join(format!("import-{run}")) };
        let import = measure(limber, &home, &[Path::new("import"), &big])?;
        if !import.success {
            bail!("importing {BIG_HISTORY} sessions failed");
        }
        walls.push(import.wall_ms);
        peaks.push(import.peak_mb);
        if run > 0 {
            std::fs::remove_dir_all(&home).ok();
        }
    }
    let import_ms = median(&mut walls);
    let import_mb = peaks.iter().copied().fold(0.0, f64::max);
    rows.push(Row::new(
        "`limber import`, 100,000 sessions, median wall of 3",
        format!("{:.2} s", import_ms / 1000.0),
        "< 5 s",
        import_ms / 5000.0,
    ));
    rows.push(Row::new(
        "`limber import`, 100,000 sessions, peak memory",
        format!("{import_mb:.1} MB"),
        "< 50 MB",
        import_mb / 50.0,
    ));

    let all = measure(limber, &one, &[Path::new("history"), Path::new("--all"), Path::new("--jsonl")])?;
    if !all.success {
        bail!("`limber history --all --jsonl` failed");
    }
    rows.push(Row::new(
        "`limber history --all --jsonl`, 100,000 sessions, peak memory",
        format!("{:.1} MB ({:.2} s)", all.peak_mb, all.wall_ms / 1000.0),
        "< 30 MB",
        all.peak_mb / 30.0,
    ));
    let big_stats_ms = hyperfine(&[format!("{} stats", limber.display())], &one, 20)?[0];
    let big_stats = measure(limber, &one, &[Path::new("stats")])?;
    rows.push(Row::new(
        "`limber stats`, one user with 100,000 sessions",
        format!("{big_stats_ms:.1} ms, {:.1} MB", big_stats.peak_mb),
        "< 20 ms",
        big_stats_ms / 20.0,
    ));
    Ok(rows)
}

/// One run of a command: whether it succeeded, its wall time and its peak memory.
struct Measured {
    success: bool,
    wall_ms: f64,
    peak_mb: f64,
}

/// Runs `limber ARGS` on the data directory `home` under this program's `rss` helper.
fn measure(limber: &Path, home: &Path, args: &[&Path]) -> anyhow::Result<Measured> {
    let xtask = std::env::current_exe().context("cannot find xtask itself")?;
    let out = Command::new(xtask)
        .arg("rss")
        .arg(limber)
        .args(args)
        .env("LIMBER_DATA_DIR", home)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the rss helper")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text.split_whitespace().map(str::parse::<f64>);
    let (Some(Ok(kb)), Some(Ok(wall_ms))) = (numbers.next(), numbers.next()) else {
        return Ok(Measured { success: false, wall_ms: 0.0, peak_mb: 0.0 });
    };
    Ok(Measured { success: out.status.success(), wall_ms, peak_mb: kb / 1024.0 })
}

/// Writes an export file of `n` sessions, one every two days back from a fixed moment, five
/// stretches each, a session per line: memory stays small whatever `n`.
fn write_seed(path: &Path, n: usize) -> anyhow::Result<()> {
    let stretches = ["cat-camel", "seated-thoracic-extension", "seated-twist", "thread-the-needle", "towel-extension"];
    let items: Vec<String> = stretches
        .iter()
        .map(|s| {
            format!(
                r#"{{"stretch":"{s}","instead-of":null,"seconds":15,"holds-done":2,"sides-done":["right","left"],"holds-planned":2,"active":30000,"comfort":"comfortable","discomfort":false,"max-pain":null,"status":"done"}}"#
            )
        })
        .collect();
    let items = items.join(",");
    let now_ms: i64 = 1_790_000_000_000;
    let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write!(out, r#"{{"limber-export":2,"sessions":["#)?;
    for i in 0..n {
        // Six a day: 100,000 sessions reach back to 1981 (an import refuses dates before 1970).
        let start = now_ms - i64::try_from(i)? * 4 * 3_600_000;
        let comma = if i == 0 { "" } else { "," };
        writeln!(
            out,
            r#"{comma}{{"id":"{:08x}-0000-4000-8000-{:012x}","routine":"full","started-at-ms":{start},"ended-at-ms":{},"stopped":null,"warmed-up":true,"active-ms":150000,"pain-before":{},"pain-after":{},"flagged":null,"items":[{items}]}}"#,
            n,
            i,
            start + 900_000,
            i % 7,
            i % 5,
        )?;
    }
    writeln!(out, "]}}")?;
    out.flush()?;
    Ok(())
}

/// Gives 999 more users a copy of the local user's sessions (new ids, one stretch each) with
/// the `sqlite3` shell, and their tallies, as limber would have kept them.
fn copy_to_other_users(home: &Path) -> anyhow::Result<()> {
    ensure_tool("sqlite3")?;
    let others = USERS - 1;
    let script = format!(
        "PRAGMA foreign_keys = ON;
BEGIN;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {others})
INSERT INTO users (name, created_at) SELECT 'bench-' || k, 0 FROM n;
INSERT INTO sessions (user_id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, done_items,
                      pain_before, pain_after, flagged)
    SELECT u.id, printf('%08x', u.id) || substr(s.uuid, 9), s.routine, s.started_at, s.ended_at, s.stopped,
           s.warmed_up, s.active_ms, 1, s.pain_before, s.pain_after, s.flagged
    FROM users u CROSS JOIN sessions s
    WHERE u.name LIKE 'bench-%' AND s.user_id = (SELECT id FROM users WHERE name = 'local')
    ORDER BY u.id, s.started_at;
INSERT INTO session_items
    SELECT c.id, 0, i.stretch, i.instead_of, i.seconds, i.holds_done, i.sides_done, i.holds_planned, i.active_ms,
           i.comfort, i.discomfort, i.max_pain, i.status
    FROM sessions c CROSS JOIN (SELECT * FROM session_items LIMIT 1) i
    WHERE c.user_id IN (SELECT id FROM users WHERE name LIKE 'bench-%');
INSERT INTO session_tallies (user_id, pain_before, sessions)
    SELECT user_id, COALESCE(pain_before, -1), COUNT(*) FROM sessions
    WHERE user_id IN (SELECT id FROM users WHERE name LIKE 'bench-%') GROUP BY 1, 2;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SELECT COUNT(*) FROM sessions;
"
    );
    let mut child = Command::new("sqlite3")
        .arg(home.join("limber.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run sqlite3")?;
    child.stdin.take().context("sqlite3 has no input")?.write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let total: usize = text.lines().last().unwrap_or("").trim().parse().unwrap_or(0);
    if !out.status.success() || total != USERS * SESSIONS_PER_USER {
        bail!("generating the store failed ({total} sessions): {text}");
    }
    Ok(())
}
