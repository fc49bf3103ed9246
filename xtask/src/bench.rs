//! `cargo xtask bench`: runs the benchmarks and prints each figure against its goal.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};

use crate::root;

/// One row of the report. `ratio` is how much of its goal a figure uses: measured ÷ goal for
/// an "at most" goal, goal ÷ measured for an "at least" one; above 1 misses the goal.
pub(crate) struct Row {
    figure: String,
    measured: String,
    goal: String,
    ratio: f64,
}

impl Row {
    pub(crate) fn new(figure: &str, measured: String, goal: &str, ratio: f64) -> Row {
        Row { figure: figure.to_owned(), measured, goal: goal.to_owned(), ratio }
    }
}

/// A figure measured by a criterion benchmark, with its goal.
struct Goal {
    id: &'static str,
    figure: &'static str,
    under_ns: f64,
    goal: &'static str,
}

const CRITERION_GOALS: &[Goal] = &[
    Goal {
        id: "content_load_validate_ron",
        figure: "load + validate built-in content (RON)",
        under_ns: 1e6,
        goal: "< 1 ms",
    },
    Goal {
        id: "content_load_snapshot",
        figure: "load built-in content (compiled snapshot)",
        under_ns: 1e6,
        goal: "< 1 ms",
    },
    Goal {
        id: "core_full_routine_100ms_ticks",
        figure: "full-routine session, 100 ms ticks (core)",
        under_ns: 1e6,
        goal: "< 1 ms",
    },
    Goal { id: "core_replay_full_routine", figure: "replay a full-routine log (core)", under_ns: 1e6, goal: "< 1 ms" },
];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn step(what: &str) {
    eprintln!("==> {what}");
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Which benchmarks to run: every one, or one part on its own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Steps 1 to 8.
    All,
    /// Step 8 only: limber-server.
    Server,
    /// Step 7 only: history, stats, export and import against large stores.
    History,
    /// Step 9 only: limber-server on PostgreSQL, one instance and two.
    Postgres,
    /// Step 6 only: limber-tui's frames and its cost during a hold.
    Tui,
    /// Step 3 only: how fast `limber` starts, against a hello world.
    Startup,
}

/// Runs the benchmarks of `part`; `quick` holds the server's event streams for 20 s instead of a
/// minute.
pub(crate) fn run(part: Part, quick: bool) -> anyhow::Result<ExitCode> {
    let mut rows = Vec::new();
    if part == Part::All {
        client(&mut rows)?;
    }
    if part == Part::Startup {
        let release = build_release(&[
            "--package",
            "limber-cli",
            "--package",
            "limber-tests",
            "--bin",
            "limber",
            "--bin",
            "hello-baseline",
        ])?;
        let home = tempfile::tempdir().context("temp dir")?;
        rows.extend(startup(&release, home.path())?);
        report(&rows);
        return Ok(ExitCode::SUCCESS);
    }
    if part == Part::Tui {
        let release = build_release(&[
            "--package",
            "limber-cli",
            "--package",
            "limber-tui",
            "--bin",
            "limber",
            "--bin",
            "limber-tui",
        ])?;
        tui(&mut rows, &release, &release.join("limber"))?;
        report(&rows);
        return Ok(ExitCode::SUCCESS);
    }
    if part == Part::All || part == Part::History {
        step(
            "[7/9] history, stats and import at scale: one user of 1,000 × 1,000 sessions, 100,000 sessions of one user (~3 min)",
        );
        let release = release_cli()?;
        rows.extend(crate::history_bench::run(&release.join("limber"))?);
    }
    if part == Part::History {
        report(&rows);
        return Ok(ExitCode::SUCCESS);
    }

    if part == Part::Postgres {
        rows.extend(postgres()?);
        report(&rows);
        return Ok(ExitCode::SUCCESS);
    }

    let hold = std::time::Duration::from_secs(if quick { 20 } else { 60 });
    step(&format!(
        "[8/9] limber-server against a bare axum hello world (wrk), 10,000 live sessions, 1,000 event streams held {} s{} (~{} min)",
        hold.as_secs(),
        if quick { " (--quick)" } else { "" },
        if quick { 2 } else { 3 }
    ));
    let release = build_release(&["--package", "limber-server", "--bin", "limber-server", "--example", "hello-axum"])?;
    rows.extend(crate::server_bench::run(&release, hold, quick)?);
    rows.extend(postgres()?);

    report(&rows);
    Ok(ExitCode::SUCCESS)
}

/// Step 9: builds the release `limber-server` and loads it on a throwaway PostgreSQL.
fn postgres() -> anyhow::Result<Vec<Row>> {
    step("[9/9] limber-server on PostgreSQL: POST intent with one instance, then two (~2 min)");
    let release = build_release(&["--package", "limber-server", "--bin", "limber-server"])?;
    crate::server_bench::postgres(&release.join("limber-server"))
}

/// `cargo build --release --locked` with `what` (packages, binaries, examples); returns the
/// release directory.
fn build_release(what: &[&str]) -> anyhow::Result<PathBuf> {
    let status = Command::new(cargo())
        .args(["build", "--release", "--locked"])
        .args(what)
        .current_dir(root())
        .status()
        .context("could not start `cargo build`")?;
    if !status.success() {
        bail!("the release build ({}) failed", what.join(" "));
    }
    Ok(target_dir().join("release"))
}

/// Prints every figure against its goal, and those that miss it.
fn report(rows: &[Row]) {
    println!();
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|r| [r.figure.clone(), r.measured.clone(), r.goal.clone(), format!("{:.3}", r.ratio)])
        .collect();
    print_table(&["figure", "measured", "goal", "of goal (> 1 misses)"], &table);
    let missed: Vec<&str> = rows.iter().filter(|r| r.ratio > 1.0).map(|r| r.figure.as_str()).collect();
    if !missed.is_empty() {
        eprintln!("\nmissing their goal: {}", missed.join("; "));
    }
}

/// Builds the release `limber` alone and returns the release directory.
fn release_cli() -> anyhow::Result<PathBuf> {
    build_release(&["--package", "limber-cli", "--bin", "limber"])
}

/// Steps 1 to 6: the engine, the CLI and the TUI.
fn client(rows: &mut Vec<Row>) -> anyhow::Result<()> {
    step("[1/9] criterion benchmarks: content load, full session and replay in core");
    let status = Command::new(cargo())
        .args(["bench", "--package", "limber-tests", "--bench", "core", "--locked"])
        .current_dir(root())
        .status()
        .context("could not start `cargo bench`")?;
    if !status.success() {
        bail!("the benchmarks failed to build or run");
    }
    let criterion = target_dir().join("criterion");
    for goal in CRITERION_GOALS {
        let median = median_ns(&criterion, goal.id)?;
        rows.push(Row::new(goal.figure, human(median), goal.goal, median / goal.under_ns));
    }

    step("[2/9] release build of limber, limber-tui and the hello-world baseline");
    let release = build_release(&[
        "--package",
        "limber-cli",
        "--package",
        "limber-tests",
        "--package",
        "limber-tui",
        "--bin",
        "limber",
        "--bin",
        "hello-baseline",
        "--bin",
        "limber-tui",
    ])?;
    let limber = release.join("limber");
    let home = tempfile::tempdir().context("temp dir")?;

    rows.extend(startup(&release, home.path())?);

    step("[4/9] full routine at --speed 60, every cue against its schedule (~20 s)");
    let lateness = cue_lateness(&limber, home.path())?;
    rows.push(Row::new(
        "full routine at --speed 60: latest cue",
        format!("{:.2} ms late (of {} cues; median {:.2} ms)", lateness.worst, lateness.cues, lateness.median),
        "< 20 ms",
        lateness.worst / 20.0,
    ));

    step("[5/9] `limber stats` over 10,000 sessions");
    let (stats_ms, rss_kb) = stats(&limber, 10_000)?;
    rows.push(Row::new(
        "`limber stats`, 10,000 sessions, median wall",
        format!("{stats_ms:.1} ms"),
        "< 50 ms",
        stats_ms / 50.0,
    ));
    rows.push(Row::new(
        "`limber stats`, 10,000 sessions, peak memory",
        format!("{:.1} MB", rss_kb as f64 / 1024.0),
        "< 30 MB",
        rss_kb as f64 / 1024.0 / 30.0,
    ));

    tui(rows, &release, &limber)
}

/// Step 6: limber-tui's frame times and its cost while a hold counts down (`release` holds the
/// release `limber-tui`; `limber` seeds its data).
fn tui(rows: &mut Vec<Row>, release: &Path, limber: &Path) -> anyhow::Result<()> {
    step(
        "[6/9] limber-tui counting down a hold in a pseudo-terminal: its own CPU time and memory, and one frame at 200×60 (~2 min)",
    );
    let tui = release.join("limber-tui");
    let (frame_us, figure_us) = crate::tui_bench::frame(&tui, 500)?;
    rows.push(Row::new(
        "limber-tui session frame at 200×60, median",
        format!("{frame_us:.0} µs"),
        "< 1 ms",
        frame_us / 1000.0,
    ));
    rows.push(Row::new(
        "limber-tui figure frame: pose + braille canvas 40×14, median",
        format!("{figure_us:.1} µs"),
        "< 100 µs",
        figure_us / 100.0,
    ));
    let cost = crate::tui_bench::hold(limber, &tui, std::time::Duration::from_secs(30))?;
    rows.push(Row::new(
        "limber-tui during a hold with the figure easing in, CPU (own time)",
        format!("{:.3} % of a core over {} s", cost.cpu_percent, cost.window_s),
        "≤ 0.4 %",
        cost.cpu_percent / 0.4,
    ));
    rows.push(Row::new(
        "limber-tui during a hold, peak memory",
        format!("{:.1} MB", cost.peak_mb),
        "< 20 MB",
        cost.peak_mb / 20.0,
    ));
    Ok(())
}

/// Makes sure `tool` is on the PATH, installing the Debian package of the same name if needed.
pub(crate) fn ensure_tool(tool: &str) -> anyhow::Result<()> {
    // Present when it starts at all (wrk answers `--version` with a failure status).
    let works = |t: &str| Command::new(t).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if works(tool).is_ok() {
        return Ok(());
    }
    eprintln!("    {tool} is missing; installing it with apt-get");
    crate::apt::install(&["--no-install-recommends", tool]).with_context(|| {
        format!("{tool} is needed and could not be installed; install it (e.g. `apt-get install {tool}`) and retry")
    })?;
    Ok(())
}

/// Median wall times (ms) of each command, measured by hyperfine (no shell, with warm-up runs).
pub(crate) fn hyperfine(commands: &[String], data: &Path, runs: usize) -> anyhow::Result<Vec<f64>> {
    ensure_tool("hyperfine")?;
    let export = data.join("hyperfine.json");
    let output = Command::new("hyperfine")
        .args(["-N", "--style", "none", "--warmup", "30", "--runs", &runs.to_string(), "--export-json"])
        .arg(&export)
        .args(commands)
        .env("LIMBER_DATA_DIR", data)
        .stdout(Stdio::null())
        .output()
        .context("cannot run hyperfine")?;
    // Its warnings about outliers would repeat every round; the median is what is kept.
    if !output.status.success() {
        bail!("hyperfine failed for {commands:?}: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export)?)?;
    let results = value["results"].as_array().context("no results from hyperfine")?;
    results.iter().map(|r| r["median"].as_f64().map(|s| s * 1000.0).context("no median from hyperfine")).collect()
}

/// Step 3: `limber list --json` against the hello-world baseline, both in `release`; `data` is
/// an empty data directory.
fn startup(release: &Path, data: &Path) -> anyhow::Result<Vec<Row>> {
    step(&format!(
        "[3/9] `limber list --json` against hello world (hyperfine, {STARTUP_ROUNDS} alternating rounds of 60 runs)"
    ));
    // Both are measured as installed (`cargo install` and `cargo xtask dist` copy them): a file
    // the linker has just written sits in the page cache in small pieces, and the same 9 MB
    // binary started from there took 0.14 ms longer (1.53× hello, against 1.32× for its copy).
    let installed = data.join("installed");
    std::fs::create_dir_all(&installed).context("cannot make a directory for the binaries")?;
    for name in ["limber", "hello-baseline"] {
        std::fs::copy(release.join(name), installed.join(name)).with_context(|| format!("cannot copy {name}"))?;
    }
    let (list_ms, hello_ms, ratio) =
        startup_medians(&installed.join("limber"), &installed.join("hello-baseline"), data, 60)?;
    Ok(vec![
        Row::new("hello world, median wall time", format!("{hello_ms:.2} ms"), "baseline", 1.0),
        Row::new(
            "`limber list --json`, median wall time",
            format!("{list_ms:.2} ms ({ratio:.2} × hello, median of per-round ratios)"),
            "≤ 1.5 × hello",
            ratio / 1.5,
        ),
    ])
}

/// Rounds of `limber list --json` against hello world. Many short rounds follow the machine's
/// drifting load more closely than a few long ones (six rounds of 150 runs gave ratios from 1.2 to
/// 1.7 here).
const STARTUP_ROUNDS: usize = 16;

/// Median wall time of `limber list --json` and of hello world, in milliseconds, and their ratio.
///
/// The machine's load drifts, so the two are measured in alternating rounds and the ratio is the
/// median of the per-round ratios.
fn startup_medians(limber: &Path, hello: &Path, data: &Path, runs: usize) -> anyhow::Result<(f64, f64, f64)> {
    let list = format!("{} list --json", limber.display());
    let hello = hello.display().to_string();
    let (mut lists, mut hellos, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..STARTUP_ROUNDS {
        let (l, h) = if round % 2 == 0 {
            let m = hyperfine(&[list.clone(), hello.clone()], data, runs)?;
            (m[0], m[1])
        } else {
            let m = hyperfine(&[hello.clone(), list.clone()], data, runs)?;
            (m[1], m[0])
        };
        lists.push(l);
        hellos.push(h);
        ratios.push(l / h);
    }
    Ok((median(&mut lists), median(&mut hellos), median(&mut ratios)))
}

struct Lateness {
    worst: f64,
    median: f64,
    cues: usize,
}

/// Answers `limber screening` in the data directory `data` so that sessions start without it:
/// twelve warning signs answered "no", then "yes" (a clinician has looked at this pain).
pub(crate) fn clear_screening(limber: &Path, data: &Path) -> anyhow::Result<()> {
    let mut screening = Command::new(limber)
        .args(["screening"])
        .env("LIMBER_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot run limber screening")?;
    if let Some(stdin) = screening.stdin.as_mut() {
        use std::io::Write;
        stdin.write_all(format!("{}yes\n", "no\n".repeat(12)).as_bytes())?;
    }
    screening.wait()?;
    Ok(())
}

fn cue_lateness(limber: &Path, data: &Path) -> anyhow::Result<Lateness> {
    clear_screening(limber, data)?;
    let trace = data.join("trace.jsonl");
    let status = Command::new(limber)
        .args(["run", "full", "--speed", "60", "--plain", "--pain-before", "0", "--pain-after", "0", "--equipment"])
        .args(["chair,towel,foam-roller", "--trace"])
        .arg(&trace)
        .env("LIMBER_DATA_DIR", data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .context("cannot run limber run")?;
    if !status.success() {
        bail!("`limber run full --speed 60` failed");
    }
    let text = std::fs::read_to_string(&trace).context("no cue trace")?;
    let mut late = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).context("bad trace line")?;
        let (s, a) = (v["scheduled_ms"].as_f64().unwrap_or(0.0), v["actual_ms"].as_f64().unwrap_or(0.0));
        late.push(a - s);
    }
    if late.is_empty() {
        bail!("the trace has no cues");
    }
    let worst = late.iter().copied().fold(f64::MIN, f64::max);
    let cues = late.len();
    Ok(Lateness { worst, median: median(&mut late), cues })
}

/// Seeds a fresh data directory with `n` sessions, then times `limber stats` and measures its peak memory.
fn stats(limber: &Path, n: usize) -> anyhow::Result<(f64, u64)> {
    let home = tempfile::tempdir().context("temp dir")?;
    let export = home.path().join("seed.json");
    std::fs::write(&export, seed(n)).context("cannot write the seed file")?;
    let status = Command::new(limber)
        .arg("import")
        .arg(&export)
        .env("LIMBER_DATA_DIR", home.path())
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("seeding {n} sessions failed");
    }
    let stats_ms = hyperfine(&[format!("{} stats", limber.display())], home.path(), 30)?[0];
    // Peak memory: run it under this program's `rss` helper, whose only child is limber.
    let xtask = std::env::current_exe().context("cannot find xtask itself")?;
    let out = Command::new(xtask)
        .arg("rss")
        .arg(limber)
        .arg("stats")
        .env("LIMBER_DATA_DIR", home.path())
        .stderr(Stdio::inherit())
        .output()?;
    let rss: u64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|kb| kb.parse().ok())
        .context("the rss helper printed no number")?;
    Ok((stats_ms, rss))
}

/// An export file of `n` sessions, a few a week, going back in time.
fn seed(n: usize) -> String {
    let stretches = ["cat-camel", "seated-thoracic-extension", "seated-twist", "thread-the-needle", "towel-extension"];
    let now_ms: i64 = 1_790_000_000_000;
    let sessions: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let start = now_ms - (i as i64) * 2 * 86_400_000;
            let items: Vec<serde_json::Value> = stretches
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "stretch": s, "instead_of": null, "seconds": 15, "holds_done": 2, "holds_planned": 2,
                        "active": 30_000, "comfort": "Comfortable", "discomfort": false, "max_pain": null,
                        "status": "Done",
                    })
                })
                .collect();
            serde_json::json!({
                "id": uuid::Uuid::new_v4(), "routine": "full", "started_at_ms": start, "ended_at_ms": start + 900_000,
                "stopped": null, "warmed_up": true, "active_ms": 150_000, "pain_before": (i % 7) as u8,
                "pain_after": (i % 5) as u8, "flagged": null, "items": items,
            })
        })
        .collect();
    serde_json::json!({"limber_export": 1, "sessions": sessions}).to_string()
}

/// `cargo xtask rss CMD ARGS…`: runs CMD and prints its peak resident memory in kilobytes and
/// its wall time in milliseconds.
pub(crate) fn rss(command: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let (program, args) = command.split_first().context("rss needs a command")?;
    let started = std::time::Instant::now();
    let status = Command::new(program).args(args).stdout(Stdio::null()).status()?;
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if !status.success() {
        bail!("{} failed", program.display());
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    // Linux reports ru_maxrss in kilobytes.
    println!("{} {wall_ms:.1}", usage.max_rss());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Criterion's median estimate for benchmark `id`, in nanoseconds.
fn median_ns(criterion: &Path, id: &str) -> anyhow::Result<f64> {
    let path = criterion.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("no estimates at {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("bad JSON in {}", path.display()))?;
    value["median"]["point_estimate"].as_f64().with_context(|| format!("no median in {}", path.display()))
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

pub(crate) fn print_table(header: &[&str], rows: &[[String; 4]]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header.to_vec());
    println!("|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
