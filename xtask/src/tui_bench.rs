//! `cargo xtask bench`, the TUI part: limber-tui's own CPU time and peak memory while it counts down a hold.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// What limber-tui cost while a hold counted down.
pub(crate) struct HoldCost {
    /// CPU time used in the window, as a percentage of one core.
    pub(crate) cpu_percent: f64,
    /// Peak resident memory, in megabytes.
    pub(crate) peak_mb: f64,
    /// The window, in seconds.
    pub(crate) window_s: u64,
}

/// Runs `limber-tui desk` in a pseudo-terminal (through `script`), skips to the first held
/// stretch, and measures its CPU time over `window` of a 60-second hold from /proc.
pub(crate) fn hold(limber: &Path, tui: &Path, window: Duration) -> anyhow::Result<HoldCost> {
    let home = tempfile::tempdir().context("temp dir")?;
    crate::bench::clear_screening(limber, home.path())?;

    let typescript = home.path().join("typescript");
    let inner = format!(
        "stty rows 24 cols 80; exec '{}' desk --no-warmup --hold 60 --pain-before 0 --pain-after 0 --no-bell --no-voice",
        tui.display()
    );
    let mut script = Command::new("script")
        .args(["-qfec", &inner])
        .arg(&typescript)
        .env("LIMBER_DATA_DIR", home.path())
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot run `script` (util-linux) to give limber-tui a terminal")?;
    let started = wait_for(&typescript, "Seated cat-cow", Duration::from_secs(20)).and_then(|()| child_of(script.id()));
    let result = started.and_then(|pid| {
        let cost = measure(&mut script, pid, &typescript, window);
        // SIGTERM ends the session the way `q` does; the TUI saves it and restores the terminal.
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        cost
    });
    if result.is_err() {
        // Closing the pseudo-terminal hangs limber-tui up, which ends it the same way.
        let _ = script.kill();
    }
    drop(script.stdin.take());
    let _ = script.wait();
    result
}

fn measure(script: &mut Child, pid: u32, typescript: &Path, window: Duration) -> anyhow::Result<HoldCost> {
    // The desk routine opens with a flow: skip it, to time the hold of the next stretch.
    let stdin = script.stdin.as_mut().context("no stdin for script")?;
    stdin.write_all(b"s")?;
    stdin.flush()?;
    wait_for(typescript, "HOLD", Duration::from_secs(180))?;
    let ticks = clock_ticks()?;
    let before = cpu_ticks(pid)?;
    std::thread::sleep(window);
    let after = cpu_ticks(pid)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("limber-tui ended early")?;
    let peak_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc status")?;
    let used_s = (after - before) as f64 / ticks;
    Ok(HoldCost {
        cpu_percent: used_s / window.as_secs_f64() * 100.0,
        peak_mb: peak_kb / 1024.0,
        window_s: window.as_secs(),
    })
}

/// Waits until the terminal output holds `text`.
fn wait_for(typescript: &Path, text: &str, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let bytes = std::fs::read(typescript).unwrap_or_default();
        if bytes.windows(text.len()).any(|w| w == text.as_bytes()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("limber-tui never showed `{text}`")
}

/// The one child of `parent` (the shell that became limber-tui).
fn child_of(parent: u32) -> anyhow::Result<u32> {
    let out = Command::new("pgrep").args(["-P", &parent.to_string()]).output().context("cannot run pgrep")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .context("limber-tui is not running")
}

/// User plus system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("limber-tui ended early")?;
    // Fields after the command name in parentheses: state is the first, utime the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("bad /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).context("bad /proc stat");
    Ok(field(11)? + field(12)?)
}

fn clock_ticks() -> anyhow::Result<f64> {
    let out = Command::new("getconf").arg("CLK_TCK").output().context("cannot run getconf")?;
    String::from_utf8_lossy(&out.stdout).trim().parse().context("getconf CLK_TCK printed no number")
}

/// The median time to render one session frame at 200×60 and one figure frame (pose + canvas),
/// in microseconds, as limber-tui's hidden `--frame-bench` measures them over `rounds` frames.
pub(crate) fn frame(tui: &Path, rounds: u32) -> anyhow::Result<(f64, f64)> {
    let home = tempfile::tempdir().context("temp dir")?;
    let out = Command::new(tui)
        .args(["--frame-bench", &rounds.to_string()])
        .env("LIMBER_DATA_DIR", home.path())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run limber-tui --frame-bench")?;
    if !out.status.success() {
        bail!("limber-tui --frame-bench failed");
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text.split_whitespace().map(str::parse::<f64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(frame)), Some(Ok(figure))) => Ok((frame, figure)),
        _ => bail!("limber-tui --frame-bench printed {text:?}, not two numbers"),
    }
}
