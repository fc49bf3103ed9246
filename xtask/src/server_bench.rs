//! `cargo xtask bench`, the server part: `limber-server` against a bare axum hello world under the
//! same load (wrk, same settings), the memory of 10,000 live sessions, and 1,000 event streams
//! held for a minute with every cue counted.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::bench::{Row, ensure_tool, median};

/// wrk's settings, the same for every target.
const WRK_THREADS: usize = 2;
const WRK_CONNECTIONS: usize = 50;
const WRK_SECONDS: u64 = 5;
/// Rounds of (hello world, view, intent), in rotating order: the ratios are per-round medians.
/// Five, as the hello world alone moves by a quarter between runs on this shared machine.
const ROUNDS: usize = 5;
/// Rounds of each PostgreSQL load (one instance, two instances).
const PG_ROUNDS: usize = 3;
/// Sessions the `GET` and `POST` loads spread over (each `wrk` thread takes half).
const LOAD_SESSIONS: usize = 100;
const LIVE_SESSIONS: usize = 10_000;
const STREAM_SESSIONS: usize = 100;
const STREAMS_PER_SESSION: usize = 10;
/// The stream sessions skip the warm-up (a long flow with few cues): the five stretches of the
/// full routine then say about a cue every 4 s of session time over about 9 minutes. At speed 5
/// that is more than a cue a second per session, and the routine outlasts a one-minute hold.
const STREAM_SPEED: f64 = 5.0;

/// Runs the server benchmarks with the release binaries in `release`, holding the event streams
/// for `hold`; returns the rows of the report.
pub(crate) fn run(release: &Path, hold: Duration, quick: bool) -> anyhow::Result<Vec<Row>> {
    ensure_tool("wrk")?;
    raise_open_files()?;
    let server = release.join("limber-server");
    let hello = release.join("examples").join("hello-axum");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let mut rows = Vec::new();

    eprintln!(
        "    requests/s: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s, {ROUNDS} rounds of hello world, GET view, POST intent"
    );
    let load = throughput(&runtime, &server, &hello)?;
    rows.push(Row::new(
        "axum hello world, GET / (wrk -t2 -c50 -d5s)",
        format!("{:.0} req/s", load.hello),
        "baseline",
        1.0,
    ));
    rows.push(Row::new(
        "limber-server GET a session's view",
        format!("{:.0} req/s ({:.2} × hello, median of per-round ratios)", load.view, load.view_ratio),
        "≥ 0.6 × hello",
        0.6 / load.view_ratio,
    ));
    rows.push(Row::new(
        "limber-server POST pause/resume (persisted), 2xx",
        format!(
            "{:.0} 2xx/s ({:.2} × hello; {:.1} % non-2xx)",
            load.intent, load.intent_ratio, load.intent_rejected_percent
        ),
        "≥ 0.3 × hello",
        0.3 / load.intent_ratio,
    ));

    eprintln!("    memory: {LIVE_SESSIONS} live sessions against the idle server");
    let memory = runtime.block_on(live_memory(&server))?;
    rows.push(Row::new(
        "10,000 live sessions, memory above idle",
        format!(
            "{:.1} MB (VmRSS {:.1} → {:.1} MB; created at {:.0}/s)",
            memory.above_mb, memory.idle_mb, memory.loaded_mb, memory.created_per_s
        ),
        "< 50 MB",
        memory.above_mb / 50.0,
    ));

    let held = if quick { format!("{} s (--quick)", hold.as_secs()) } else { format!("{} s", hold.as_secs()) };
    eprintln!(
        "    event streams: {} sessions × {STREAMS_PER_SESSION} streams at speed {STREAM_SPEED} (no warm-up), held {held}",
        STREAM_SESSIONS
    );
    let streams = runtime.block_on(hold_streams(&server, hold))?;
    let zero = |bad: u64| if bad == 0 { 0.0 } else { f64::INFINITY };
    rows.push(Row::new(
        &format!("1,000 SSE streams held {held}: dropped"),
        format!(
            "{} of {} ({:.0} cues and {:.0} views per stream)",
            streams.dropped, streams.streams, streams.cues_per_stream, streams.views_per_stream
        ),
        "0",
        zero(streams.dropped),
    ));
    rows.push(Row::new(
        &format!("1,000 SSE streams held {held}: cues lost or repeated"),
        format!("{} lost, {} repeated, of {} cues due", streams.lost, streams.repeated, streams.due),
        "0",
        zero(streams.lost + streams.repeated),
    ));
    Ok(rows)
}

/// Lets this process and the servers it starts hold a few thousand sockets.
fn raise_open_files() -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("getrlimit")?;
    let want = hard.min(65_536);
    if soft < want {
        setrlimit(Resource::RLIMIT_NOFILE, want, hard).context("setrlimit")?;
    }
    if want < 4_096 {
        eprintln!("    warning: at most {want} open files; the 1,000 streams may not fit");
    }
    Ok(())
}

// ---------------------------------------------------------------- processes

/// A server on a free loopback port, its stderr in a log file; killed on drop.
struct Process {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Process {
    /// Starts `command` (which listens on a free loopback port) with its stderr in a log file in
    /// `dir`, and waits for its `listening on http://ADDR` line.
    fn start(mut command: Command, name: &str, dir: tempfile::TempDir) -> anyhow::Result<Process> {
        let log = dir.path().join(format!("{name}.log"));
        let child = command
            .env_remove("LIMBER_BIND")
            .env_remove("LIMBER_DATA_DIR")
            .env_remove("LIMBER_CONTENT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).context("log file")?)
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let mut process = Process { child, addr: String::new(), _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some((addr, _)) = text.split("listening on http://").nth(1).and_then(|r| r.split_once('\n')) {
                process.addr = addr.trim().to_owned();
                return Ok(process);
            }
            if let Some(status) = process.child.try_wait()? {
                bail!("{name} ended ({status}) before listening:\n{text}");
            }
            if Instant::now() > deadline {
                bail!("{name} did not listen within 30 s:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory now, in megabytes.
    fn rss_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).context("server gone")?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc status")?;
        Ok(kb / 1024.0)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `limber-server` on a free loopback port (no token needed) over a fresh data directory.
fn limber_server(program: &Path) -> anyhow::Result<Process> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let mut command = Command::new(program);
    // The bench's one person holds every session: far more than a person is allowed by default.
    command.args(["--bind", "127.0.0.1:0", "--live-per-person", "1000000", "--data-dir"]).arg(dir.path().join("data"));
    Process::start(command, "limber-server", dir)
}

/// The bare axum hello world on a free loopback port.
fn hello_axum(program: &Path) -> anyhow::Result<Process> {
    let mut command = Command::new(program);
    command.arg("127.0.0.1:0");
    Process::start(command, "hello-axum", tempfile::tempdir().context("temp dir")?)
}

// ---------------------------------------------------------------- requests per second

struct Throughput {
    hello: f64,
    view: f64,
    view_ratio: f64,
    intent: f64,
    intent_ratio: f64,
    intent_rejected_percent: f64,
}

/// What one wrk run counted.
struct Load {
    /// 2xx (and 3xx) answers per second.
    ok_per_s: f64,
    requests: u64,
    non_2xx: u64,
    /// The median latency, microseconds.
    median_us: u64,
}

fn throughput(runtime: &tokio::runtime::Runtime, server: &Path, hello: &Path) -> anyhow::Result<Throughput> {
    let hello = hello_axum(hello)?;
    let server = limber_server(server)?;
    let addr = server.addr.clone();
    runtime.block_on(screen(&addr))?;
    let viewed = runtime.block_on(create(&addr, LOAD_SESSIONS, 4, 1.0, true))?;
    let scripts = tempfile::tempdir().context("temp dir")?;
    let view_script = scripts.path().join("view.lua");
    let views: Vec<Vec<Request>> =
        viewed.iter().map(|id| vec![Request::get(format!("/api/v1/sessions/{id}"))]).collect();
    std::fs::write(&view_script, wrk_script(&views))?;
    let hello_script = scripts.path().join("hello.lua");
    std::fs::write(&hello_script, wrk_script(&[vec![Request::get("/".to_owned())]]))?;

    // A warm-up for each, not counted.
    wrk(&hello.url("/"), &hello_script, 1)?;
    wrk(&server.url("/"), &view_script, 1)?;

    let (mut hellos, mut views_s, mut intents) = (Vec::new(), Vec::new(), Vec::new());
    let (mut view_ratios, mut intent_ratios) = (Vec::new(), Vec::new());
    let (mut posted, mut rejected) = (0, 0);
    for round in 0..ROUNDS {
        // Fresh sessions for each round of intents, so their logs stay the same length.
        let paused = runtime.block_on(create(&addr, LOAD_SESSIONS, 4, 1.0, true))?;
        let intent_script = scripts.path().join(format!("intents-{round}.lua"));
        let toggles: Vec<Vec<Request>> = paused
            .iter()
            .map(|id| {
                let path = format!("/api/v1/sessions/{id}/intents");
                vec![
                    Request::post(path.clone(), r#"{"intent":"pause"}"#),
                    Request::post(path, r#"{"intent":"resume"}"#),
                ]
            })
            .collect();
        std::fs::write(&intent_script, wrk_script(&toggles))?;
        let (mut h, mut v, mut i) = (None, None, None);
        for k in 0..3 {
            match (round + k) % 3 {
                0 => h = Some(wrk(&hello.url("/"), &hello_script, WRK_SECONDS)?),
                1 => v = Some(wrk(&server.url("/"), &view_script, WRK_SECONDS)?),
                _ => i = Some(wrk(&server.url("/"), &intent_script, WRK_SECONDS)?),
            }
        }
        let (Some(h), Some(v), Some(i)) = (h, v, i) else { bail!("a load run is missing") };
        ensure!(v.non_2xx == 0, "{} of {} view requests failed", v.non_2xx, v.requests);
        eprintln!(
            "    round {}: hello {:.0}/s, view {:.0}/s, intent {:.0} 2xx/s ({} non-2xx)",
            round + 1,
            h.ok_per_s,
            v.ok_per_s,
            i.ok_per_s,
            i.non_2xx
        );
        posted += i.requests;
        rejected += i.non_2xx;
        view_ratios.push(v.ok_per_s / h.ok_per_s);
        intent_ratios.push(i.ok_per_s / h.ok_per_s);
        hellos.push(h.ok_per_s);
        views_s.push(v.ok_per_s);
        intents.push(i.ok_per_s);
    }
    Ok(Throughput {
        hello: median(&mut hellos),
        view: median(&mut views_s),
        view_ratio: median(&mut view_ratios),
        intent: median(&mut intents),
        intent_ratio: median(&mut intent_ratios),
        intent_rejected_percent: rejected as f64 * 100.0 / posted.max(1) as f64,
    })
}

/// One request of a wrk script.
struct Request {
    method: &'static str,
    path: String,
    body: Option<&'static str>,
}

impl Request {
    fn get(path: String) -> Request {
        Request { method: "GET", path, body: None }
    }

    fn post(path: String, body: &'static str) -> Request {
        Request { method: "POST", path, body: Some(body) }
    }
}

/// A wrk script that sends `slots` round robin, each wrk thread its share; a slot of several
/// requests sends the next of them at each visit (pause, then resume, …). Every request is
/// formatted once, up front, so wrk's own cost per request is the same for every target. It
/// prints one line: `RESULT requests duration_us non_2xx socket_errors median_latency_us`.
fn wrk_script(slots: &[Vec<Request>]) -> String {
    wrk_script_for(slots, WRK_THREADS)
}

/// [`wrk_script`] for `threads` wrk threads.
fn wrk_script_for(slots: &[Vec<Request>], threads: usize) -> String {
    let lua = |s: &str| format!("{s:?}");
    let slots: Vec<String> = slots
        .iter()
        .map(|slot| {
            let reqs: Vec<String> = slot
                .iter()
                .map(|r| {
                    format!("{{{}, {}, {}}}", lua(r.method), lua(r.path.as_str()), r.body.map_or("nil".to_owned(), lua))
                })
                .collect();
            format!("  {{{}}},", reqs.join(", "))
        })
        .collect();
    format!(
        r#"local slots = {{
{slots}
}}
local threads, created = {threads}, 0
function setup(thread)
  thread:set("tid", created)
  created = created + 1
end
local mine, turn, i = {{}}, {{}}, 0
function init(args)
  local t = tid or 0
  for s = 1, #slots do
    if #slots < threads or (s - 1) % threads == t then
      local reqs = {{}}
      for _, r in ipairs(slots[s]) do
        local headers = {{}}
        if r[3] then headers["Content-Type"] = "application/json" end
        reqs[#reqs + 1] = wrk.format(r[1], r[2], headers, r[3])
      end
      mine[#mine + 1] = reqs
      turn[#turn + 1] = 1
    end
  end
end
function request()
  i = i % #mine + 1
  local reqs, k = mine[i], turn[i]
  turn[i] = k % #reqs + 1
  return reqs[k]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50)))
end
"#,
        slots = slots.join("\n")
    )
}

/// Runs wrk with the common settings for `seconds` against `url` with `script`.
fn wrk(url: &str, script: &Path, seconds: u64) -> anyhow::Result<Load> {
    wrk_with(url, script, seconds, WRK_THREADS, WRK_CONNECTIONS)
}

/// [`wrk`] with other thread and connection counts (the script must be made for `threads`).
fn wrk_with(url: &str, script: &Path, seconds: u64, threads: usize, connections: usize) -> anyhow::Result<Load> {
    let out = Command::new("wrk")
        .args([format!("-t{threads}"), format!("-c{connections}"), format!("-d{seconds}s")])
        .arg("-s")
        .arg(script)
        .arg(url)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed against {url}:\n{text}");
    }
    let numbers: Vec<u64> = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .with_context(|| format!("no RESULT line from wrk:\n{text}"))?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("bad RESULT line from wrk")?;
    let &[requests, duration_us, non_2xx, socket_errors, median_us] = numbers.as_slice() else {
        bail!("bad RESULT line from wrk")
    };
    ensure!(socket_errors == 0, "wrk saw {socket_errors} socket errors against {url}:\n{text}");
    Ok(Load { ok_per_s: (requests - non_2xx) as f64 / (duration_us as f64 / 1e6), requests, non_2xx, median_us })
}

// ---------------------------------------------------------------- CPU

/// The CPU a load used, in cores of this machine: PostgreSQL (all of its processes), the
/// `limber-server` instances, and whatever else was busy (wrk, the kernel), out of `cores`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct CpuUse {
    postgres: f64,
    servers: f64,
    rest: f64,
    cores: f64,
}

impl CpuUse {
    fn busy(&self) -> f64 {
        self.postgres + self.servers + self.rest
    }

    /// CPU time per request at `per_s` requests a second: (PostgreSQL, limber-server), in µs.
    fn per_request_us(&self, per_s: f64) -> (f64, f64) {
        let per = |cores: f64| cores / per_s.max(1.0) * 1e6;
        (per(self.postgres), per(self.servers))
    }
}

impl std::fmt::Display for CpuUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {:.2} of {:.0} cores: PostgreSQL {:.2}, limber-server {:.2}, wrk and the rest {:.2}",
            self.busy(),
            self.cores,
            self.postgres,
            self.servers,
            self.rest
        )
    }
}

/// Clock ticks from `/proc`: the whole machine's (busy, all) and those of the processes watched.
#[derive(Clone, Copy)]
struct Ticks {
    busy: u64,
    all: u64,
    postgres: u64,
    servers: u64,
}

/// Samples the CPU time of a PostgreSQL cluster (its postmaster and the children) and of some
/// servers, to tell afterwards which of them a load kept busy.
struct CpuMeter {
    postmaster: u32,
    servers: Vec<u32>,
    cores: f64,
}

impl CpuMeter {
    fn new(postmaster: u32, servers: &[&Process]) -> anyhow::Result<CpuMeter> {
        let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
        let cores = stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")).count().max(1);
        Ok(CpuMeter { postmaster, servers: servers.iter().map(|p| p.child.id()).collect(), cores: cores as f64 })
    }

    fn sample(&self) -> anyhow::Result<Ticks> {
        let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
        let (busy, all) = machine_ticks(&stat).context("no cpu line in /proc/stat")?;
        let mut postgres = 0;
        for entry in std::fs::read_dir("/proc").context("cannot list /proc")?.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            // A process may end between the listing and the read: it is simply not counted.
            let Ok(text) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            let Some(process) = process_ticks(&text) else { continue };
            if pid == self.postmaster {
                // With the children that have ended (autovacuum workers, say): they count too.
                postgres += process.own + process.ended_children;
            } else if process.parent == self.postmaster {
                postgres += process.own;
            }
        }
        let servers = self
            .servers
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
            .filter_map(|text| process_ticks(&text).map(|p| p.own))
            .sum();
        Ok(Ticks { busy, all, postgres, servers })
    }

    fn between(&self, before: Ticks, after: Ticks) -> CpuUse {
        let all = after.all.saturating_sub(before.all).max(1) as f64;
        let cores = |ticks: u64| ticks as f64 / all * self.cores;
        let (postgres, servers) = (
            cores(after.postgres.saturating_sub(before.postgres)),
            cores(after.servers.saturating_sub(before.servers)),
        );
        let busy = cores(after.busy.saturating_sub(before.busy));
        CpuUse { postgres, servers, rest: (busy - postgres - servers).max(0.0), cores: self.cores }
    }
}

/// The machine's busy and total clock ticks from the text of `/proc/stat`.
fn machine_ticks(stat: &str) -> Option<(u64, u64)> {
    // user nice system idle iowait irq softirq steal; guest time that may follow is already
    // counted in user and nice.
    let fields: Vec<u64> = stat
        .lines()
        .find(|l| l.starts_with("cpu "))?
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|f| f.parse().ok())
        .collect();
    let all: u64 = fields.iter().sum();
    // idle and iowait are the fourth and fifth.
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some((all - idle, all))
}

/// One process's line of `/proc/PID/stat`, as far as the meter needs it.
#[derive(Debug, PartialEq, Eq)]
struct ProcessTicks {
    parent: u32,
    /// Clock ticks it has used, user and system.
    own: u64,
    /// Clock ticks its children used that have ended and been waited for.
    ended_children: u64,
}

/// A process's parent and clock ticks from the text of its `/proc/PID/stat`.
fn process_ticks(stat: &str) -> Option<ProcessTicks> {
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(ProcessTicks {
        parent: fields.get(1)?.parse().ok()?,
        own: number(11)? + number(12)?,
        ended_children: number(13)? + number(14)?,
    })
}

/// The median of each part of `uses`.
fn median_use(uses: &[CpuUse]) -> CpuUse {
    let part = |f: fn(&CpuUse) -> f64| median(&mut uses.iter().map(f).collect::<Vec<_>>());
    CpuUse {
        postgres: part(|u| u.postgres),
        servers: part(|u| u.servers),
        rest: part(|u| u.rest),
        cores: uses.first().map_or(0.0, |u| u.cores),
    }
}

// ---------------------------------------------------------------- PostgreSQL

/// Sessions the PostgreSQL intent loads spread over (two instances take half each).
const PG_SESSIONS: usize = 200;

/// `limber-server` named `name` on a free loopback port over the PostgreSQL database at `url`.
fn limber_server_on(program: &Path, url: &str, name: &str) -> anyhow::Result<Process> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let mut command = Command::new(program);
    command.args(["--bind", "127.0.0.1:0", "--live-per-person", "1000000", "--database", url]);
    Process::start(command, name, dir)
}

/// The wrk script toggling pause and resume on each of `ids`, for `threads` wrk threads.
fn toggles(ids: &[String], threads: usize) -> String {
    let slots: Vec<Vec<Request>> = ids
        .iter()
        .map(|id| {
            let path = format!("/api/v1/sessions/{id}/intents");
            vec![Request::post(path.clone(), r#"{"intent":"pause"}"#), Request::post(path, r#"{"intent":"resume"}"#)]
        })
        .collect();
    wrk_script_for(&slots, threads)
}

/// `POST` an intent on a throwaway PostgreSQL cluster (fsync on): one instance under wrk's usual
/// load, then two instances on the same database each taking half the connections and half
/// the sessions (sessions made on the first, so the second takes its half over from the store).
pub(crate) fn postgres(program: &Path) -> anyhow::Result<Vec<Row>> {
    ensure_tool("wrk")?;
    let cluster = crate::pg::Cluster::start(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    let a = limber_server_on(program, &cluster.url, "limber-server-a")?;
    runtime.block_on(screen(&a.addr))?;
    let scripts = tempfile::tempdir().context("temp dir")?;
    let warm = scripts.path().join("warm.lua");
    std::fs::write(&warm, toggles(&runtime.block_on(create(&a.addr, PG_SESSIONS, 4, 1.0, true))?, WRK_THREADS))?;
    wrk(&a.url("/"), &warm, 1)?;

    let mut meter = CpuMeter::new(cluster.postmaster()?, &[&a])?;
    let (mut ones, mut medians, mut one_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let (mut peaks, mut peak_cpu) = (Vec::new(), Vec::new());
    for round in 0..PG_ROUNDS {
        let script = scripts.path().join(format!("one-{round}.lua"));
        std::fs::write(&script, toggles(&runtime.block_on(create(&a.addr, PG_SESSIONS, 4, 1.0, true))?, WRK_THREADS))?;
        let before = meter.sample()?;
        let load = wrk(&a.url("/"), &script, WRK_SECONDS)?;
        let cpu = meter.between(before, meter.sample()?);
        eprintln!(
            "    one instance, round {}: {:.0} 2xx/s, median {:.2} ms ({} non-2xx); {cpu}",
            round + 1,
            load.ok_per_s,
            load.median_us as f64 / 1000.0,
            load.non_2xx
        );
        ones.push(load.ok_per_s);
        medians.push(load.median_us as f64 / 1000.0);
        one_cpu.push(cpu);
        // Twice the clients: how far one instance goes before the machine is busy (on sessions of
        // its own, so no toggle finds a session left paused by the run before).
        let script = scripts.path().join(format!("peak-{round}.lua"));
        std::fs::write(&script, toggles(&runtime.block_on(create(&a.addr, PG_SESSIONS, 4, 1.0, true))?, WRK_THREADS))?;
        let before = meter.sample()?;
        let peak = wrk_with(&a.url("/"), &script, WRK_SECONDS, WRK_THREADS, 2 * WRK_CONNECTIONS)?;
        let cpu = meter.between(before, meter.sample()?);
        eprintln!(
            "    one instance, {} clients, round {}: {:.0} 2xx/s; {cpu}",
            2 * WRK_CONNECTIONS,
            round + 1,
            peak.ok_per_s
        );
        peaks.push(peak.ok_per_s);
        peak_cpu.push(cpu);
    }

    let b = limber_server_on(program, &cluster.url, "limber-server-b")?;
    meter.servers.push(b.child.id());
    let (mut twos, mut two_cpu) = (Vec::new(), Vec::new());
    for round in 0..PG_ROUNDS {
        let ids = runtime.block_on(create(&a.addr, PG_SESSIONS, 4, 1.0, true))?;
        let (on_a, on_b) = ids.split_at(ids.len() / 2);
        // B takes its half over from the store on first sight: do that before the clock runs.
        runtime.block_on(async {
            let mut conn = Conn::open(&b.addr).await?;
            for id in on_b {
                let (status, _) = conn.call("GET", &format!("/api/v1/sessions/{id}"), None).await?;
                ensure!(status == 200, "instance B does not find session {id}: {status}");
            }
            anyhow::Ok(())
        })?;
        let (script_a, script_b) =
            (scripts.path().join(format!("a-{round}.lua")), scripts.path().join(format!("b-{round}.lua")));
        std::fs::write(&script_a, toggles(on_a, 1))?;
        std::fs::write(&script_b, toggles(on_b, 1))?;
        let half = WRK_CONNECTIONS / 2;
        let before = meter.sample()?;
        let (la, lb) = std::thread::scope(|s| {
            let la = s.spawn(|| wrk_with(&a.url("/"), &script_a, WRK_SECONDS, 1, half));
            let lb = s.spawn(|| wrk_with(&b.url("/"), &script_b, WRK_SECONDS, 1, half));
            (la.join(), lb.join())
        });
        let cpu = meter.between(before, meter.sample()?);
        let (la, lb) = (
            la.map_err(|_| anyhow::anyhow!("wrk thread panicked"))??,
            lb.map_err(|_| anyhow::anyhow!("wrk thread panicked"))??,
        );
        eprintln!(
            "    two instances, round {}: {:.0} + {:.0} = {:.0} 2xx/s ({} + {} non-2xx); {cpu}",
            round + 1,
            la.ok_per_s,
            lb.ok_per_s,
            la.ok_per_s + lb.ok_per_s,
            la.non_2xx,
            lb.non_2xx
        );
        twos.push(la.ok_per_s + lb.ok_per_s);
        two_cpu.push(cpu);
    }
    let (one, two, median_ms, peak) = (median(&mut ones), median(&mut twos), median(&mut medians), median(&mut peaks));
    let (one_cpu, two_cpu, peak_cpu) = (median_use(&one_cpu), median_use(&two_cpu), median_use(&peak_cpu));
    eprintln!("    what limits it, median of the rounds (CPU per intent: PostgreSQL, limber-server):");
    for (what, rate, cpu) in [
        (format!("one instance, {WRK_CONNECTIONS} clients"), one, &one_cpu),
        (format!("one instance, {} clients", 2 * WRK_CONNECTIONS), peak, &peak_cpu),
        (format!("two instances, {WRK_CONNECTIONS} clients"), two, &two_cpu),
    ] {
        let (db, server) = cpu.per_request_us(rate);
        eprintln!("      {what}: {rate:.0} 2xx/s; {cpu}; per intent {db:.0} µs + {server:.0} µs");
    }
    // Each instance writes its intents in group commits (`Journal`): fewer clients per instance
    // make smaller batches, so every intent carries more of a transaction's fixed cost (and each
    // commit's notification now wakes two listening instances).
    let ((db_one, server_one), (db_two, server_two)) = (one_cpu.per_request_us(one), two_cpu.per_request_us(two));
    let gain = two / one.max(1.0);
    // One instance's load, spread over every core at the same CPU per intent, grows by at most
    // (all cores ÷ the cores it keeps busy): the ceiling two instances have on this machine.
    Ok(vec![
        Row::new(
            "PostgreSQL POST intent: two instances against one",
            format!(
                "{two:.0} vs {one:.0} 2xx/s = {gain:.2}× (CPU busy {:.2} vs {:.2} of {:.0} cores: at one instance's \
                 CPU per intent, all cores give at most {:.2}×; CPU per intent with two: PostgreSQL {db_two:.0} µs \
                 vs {db_one:.0}, limber-server {server_two:.0} vs {server_one:.0}, as each instance's group commits \
                 are half as large; one instance with twice the clients: {peak:.0} 2xx/s)",
                two_cpu.busy(),
                one_cpu.busy(),
                one_cpu.cores,
                one_cpu.cores / one_cpu.busy().max(f64::EPSILON),
            ),
            "≥ 1.6×",
            1.6 / gain.max(f64::EPSILON),
        ),
        Row::new(
            "PostgreSQL POST intent: median latency, 50 clients, one instance",
            format!("{median_ms:.2} ms"),
            "< 5 ms",
            median_ms / 5.0,
        ),
    ])
}

// ---------------------------------------------------------------- memory

struct Memory {
    idle_mb: f64,
    loaded_mb: f64,
    above_mb: f64,
    created_per_s: f64,
}

async fn live_memory(program: &Path) -> anyhow::Result<Memory> {
    let server = limber_server(program)?;
    let mut conn = Conn::open(&server.addr).await?;
    let (status, _) = conn.call("GET", "/healthz", None).await?;
    ensure!(status == 200, "healthz answered {status}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_mb = server.rss_mb()?;
    screen(&server.addr).await?;
    let started = Instant::now();
    create(&server.addr, LIVE_SESSIONS, 8, 1.0, true).await?;
    let created_per_s = LIVE_SESSIONS as f64 / started.elapsed().as_secs_f64();
    let (_, health) = conn.call("GET", "/healthz", None).await?;
    let held = health["live-sessions"].as_u64().unwrap_or(0);
    ensure!(held as usize >= LIVE_SESSIONS, "the server holds {held} sessions, not {LIVE_SESSIONS}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded_mb = server.rss_mb()?;
    Ok(Memory { idle_mb, loaded_mb, above_mb: loaded_mb - idle_mb, created_per_s })
}

// ---------------------------------------------------------------- event streams

struct Streams {
    streams: usize,
    dropped: u64,
    lost: u64,
    repeated: u64,
    due: u64,
    cues_per_stream: f64,
    views_per_stream: f64,
}

async fn hold_streams(program: &Path, hold: Duration) -> anyhow::Result<Streams> {
    let server = limber_server(program)?;
    let addr = server.addr.clone();
    screen(&addr).await?;
    let ids = create(&addr, STREAM_SESSIONS, 4, STREAM_SPEED, false).await?;
    let targets: Arc<OnceLock<(Vec<u64>, Instant)>> = Arc::new(OnceLock::new());
    let opened = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for (k, id) in ids.iter().enumerate() {
        for _ in 0..STREAMS_PER_SESSION {
            let follow = Follow {
                addr: addr.clone(),
                path: format!("/api/v1/sessions/{id}/events"),
                session: k,
                targets: targets.clone(),
                opened: opened.clone(),
            };
            set.spawn(follow.run());
        }
    }
    let total = ids.len() * STREAMS_PER_SESSION;
    let opening = Instant::now();
    while opened.load(Ordering::Relaxed) < total && opening.elapsed() < Duration::from_secs(30) && !set.is_empty() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "    {} of {total} streams open after {:.1} s; holding them",
        opened.load(Ordering::Relaxed),
        opening.elapsed().as_secs_f64()
    );
    tokio::time::sleep(hold).await;

    // Pause every session: no cue after that, so each stream must end at the session's last cue.
    let mut conn = Conn::open(&addr).await?;
    let mut last = Vec::new();
    for id in &ids {
        let (status, v) =
            conn.call("POST", &format!("/api/v1/sessions/{id}/intents"), Some(&json!({"intent": "pause"}))).await?;
        let v = if status == 200 {
            v
        } else {
            eprintln!("    session {id} would not pause ({status}: {v}); is it over?");
            conn.call("GET", &format!("/api/v1/sessions/{id}"), None).await?.1
        };
        last.push(v["view"]["last-cue"].as_u64().context("no last-cue in a session's view")?);
    }
    let due: u64 = last.iter().map(|n| n * STREAMS_PER_SESSION as u64).sum();
    let _ = targets.set((last, Instant::now() + Duration::from_secs(15)));

    let mut out =
        Streams { streams: total, dropped: 0, lost: 0, repeated: 0, due, cues_per_stream: 0.0, views_per_stream: 0.0 };
    let (mut cues, mut views) = (0, 0);
    while let Some(tally) = set.join_next().await {
        let tally = tally.context("a stream task failed")?;
        if let Some(e) = &tally.failure {
            if out.dropped < 5 {
                eprintln!("    a stream dropped: {e}");
            }
            out.dropped += 1;
        }
        out.lost += tally.lost;
        out.repeated += tally.repeated;
        cues += tally.cues;
        views += tally.views;
    }
    out.cues_per_stream = cues as f64 / total as f64;
    out.views_per_stream = views as f64 / total as f64;
    Ok(out)
}

/// One event stream, followed until its session's last cue (once known) or a deadline.
struct Follow {
    addr: String,
    path: String,
    session: usize,
    /// Each session's last cue, and when to stop waiting for it.
    targets: Arc<OnceLock<(Vec<u64>, Instant)>>,
    opened: Arc<AtomicUsize>,
}

/// What one stream saw.
#[derive(Default)]
struct Tally {
    /// Why the stream did not stay open, if it did not.
    failure: Option<String>,
    cues: u64,
    lost: u64,
    repeated: u64,
    last: u64,
    views: u64,
}

impl Follow {
    async fn run(self) -> Tally {
        let mut tally = Tally::default();
        if let Err(e) = self.follow(&mut tally).await {
            tally.failure = Some(format!("{e:#}"));
        }
        match self.targets.get() {
            Some((last, _)) => tally.lost += last[self.session].saturating_sub(tally.last),
            None => {
                tally.failure.get_or_insert_with(|| "ended before the hold did".to_owned());
            }
        }
        tally
    }

    async fn follow(&self, tally: &mut Tally) -> anyhow::Result<()> {
        let mut sock = TcpStream::connect(&self.addr).await.context("cannot connect")?;
        let head = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n",
            self.path, self.addr
        );
        sock.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        let end = loop {
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let n = sock.read(&mut buf).await?;
            ensure!(n > 0, "closed before answering");
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        ensure!(head.starts_with("http/1.1 200"), "answered {}", head.lines().next().unwrap_or(""));
        ensure!(head.contains("transfer-encoding: chunked"), "not a chunked stream: {head}");
        self.opened.fetch_add(1, Ordering::Relaxed);
        let mut chunks = Dechunk::default();
        let mut text = Vec::new();
        chunks.feed(&raw[end + 4..], &mut text)?;
        loop {
            while let Some(nl) = text.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = text.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line);
                tally.line(line.trim_end_matches(['\r', '\n']));
            }
            if chunks.ended {
                bail!("the server ended the stream");
            }
            if let Some((last, give_up)) = self.targets.get() {
                if tally.last >= last[self.session] {
                    return Ok(());
                }
                if Instant::now() > *give_up {
                    // Still open, but the rest never came: counted as lost.
                    return Ok(());
                }
            }
            // `read` is cancel-safe: a timeout loses nothing.
            match tokio::time::timeout(Duration::from_millis(200), sock.read(&mut buf)).await {
                Err(_) => {}
                Ok(Ok(0)) => bail!("the server closed the connection"),
                Ok(Ok(n)) => chunks.feed(&buf[..n], &mut text)?,
                Ok(Err(e)) => return Err(e.into()),
            }
        }
    }
}

impl Tally {
    fn line(&mut self, line: &str) {
        if let Some(id) = line.strip_prefix("id:") {
            let Ok(seq) = id.trim().parse::<u64>() else { return };
            if seq <= self.last {
                self.repeated += 1;
                return;
            }
            self.lost += seq - self.last - 1;
            self.last = seq;
            self.cues += 1;
        } else if line.strip_prefix("event:").is_some_and(|e| e.trim() == "view") {
            self.views += 1;
        }
    }
}

/// Decodes a chunked HTTP/1.1 body as its bytes arrive.
#[derive(Default)]
struct Dechunk {
    raw: Vec<u8>,
    data_left: usize,
    crlf_left: usize,
    ended: bool,
}

impl Dechunk {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> anyhow::Result<()> {
        self.raw.extend_from_slice(bytes);
        let mut pos = 0;
        while !self.ended {
            let available = self.raw.len() - pos;
            if self.data_left > 0 {
                let n = self.data_left.min(available);
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&self.raw[pos..pos + n]);
                pos += n;
                self.data_left -= n;
            } else if self.crlf_left > 0 {
                let n = self.crlf_left.min(available);
                if n == 0 {
                    break;
                }
                pos += n;
                self.crlf_left -= n;
            } else {
                let Some(eol) = self.raw[pos..].windows(2).position(|w| w == b"\r\n") else { break };
                let line = std::str::from_utf8(&self.raw[pos..pos + eol]).context("bad chunk size")?;
                let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                    .with_context(|| format!("bad chunk size {line:?}"))?;
                pos += eol + 2;
                if size == 0 {
                    self.ended = true;
                }
                self.data_left = size;
                self.crlf_left = 2;
            }
        }
        self.raw.drain(..pos);
        Ok(())
    }
}

// ---------------------------------------------------------------- a small HTTP/1.1 client

/// One kept-alive connection for JSON calls.
struct Conn {
    io: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    async fn open(addr: &str) -> anyhow::Result<Conn> {
        let sock = TcpStream::connect(addr).await.with_context(|| format!("cannot connect to {addr}"))?;
        sock.set_nodelay(true)?;
        Ok(Conn { io: BufReader::new(sock), host: addr.to_owned() })
    }

    /// A JSON call: its status and body (`null` when the body is not JSON).
    async fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<(u16, Value)> {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if method != "GET" {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        self.io.get_mut().write_all(request.as_bytes()).await?;

        let mut line = String::new();
        ensure!(self.io.read_line(&mut line).await? > 0, "the server closed the connection");
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            ensure!(self.io.read_line(&mut line).await? > 0, "the server closed the connection");
            let header = line.trim().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(v) = header.strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            }
            if header.starts_with("transfer-encoding:") && header.contains("chunked") {
                chunked = true;
            }
        }
        let mut bytes = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.io.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).context("bad chunk size")?;
                let mut chunk = vec![0; size + 2];
                self.io.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk[..size]);
            }
        } else {
            bytes.resize(length.context("an answer with no length")?, 0);
            self.io.read_exact(&mut bytes).await?;
        }
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}

/// Answers the screening questions once (clear), so that new sessions start with the warm-up.
async fn screen(addr: &str) -> anyhow::Result<()> {
    let mut conn = Conn::open(addr).await?;
    let (status, v) = conn.call("POST", "/api/v1/screening", None).await?;
    ensure!(status == 201, "starting the screening answered {status}: {v}");
    let id = v["id"].as_str().context("no screening session id")?.to_owned();
    loop {
        let (_, s) = conn.call("GET", &format!("/api/v1/sessions/{id}"), None).await?;
        let intent = match s["view"]["phase"]["phase"].as_str() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            Some("screening") if s["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => {
                "yes"
            }
            Some("screening") => "no",
            _ => break,
        };
        let path = format!("/api/v1/sessions/{id}/intents");
        let (status, v) = conn.call("POST", &path, Some(&json!({"intent": intent}))).await?;
        ensure!(status == 200, "a screening answer got {status}: {v}");
    }
    for _ in 0..400 {
        if !conn.call("GET", "/api/v1/screening", None).await?.1.is_null() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("the screening answers were never stored")
}

/// Creates `n` live sessions of the full routine (with or without its warm-up) at `speed` over `connections` connections in
/// parallel; returns their ids.
async fn create(addr: &str, n: usize, connections: usize, speed: f64, warm_up: bool) -> anyhow::Result<Vec<String>> {
    let body = json!({
        "routine": "full", "speed": speed, "equipment": ["chair", "towel", "foam-roller"], "no-warm-up": !warm_up,
        "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"},
    });
    let mut set = JoinSet::new();
    for worker in 0..connections {
        let share = n / connections + usize::from(worker < n % connections);
        let (addr, body) = (addr.to_owned(), body.clone());
        set.spawn(async move {
            let mut conn = Conn::open(&addr).await?;
            let mut ids = Vec::with_capacity(share);
            for _ in 0..share {
                let (status, v) = conn.call("POST", "/api/v1/sessions", Some(&body)).await?;
                ensure!(status == 201, "creating a session answered {status}: {v}");
                let phase = v["view"]["phase"]["phase"].as_str().unwrap_or("");
                ensure!(phase != "screening", "a new session asks the screening questions again");
                ids.push(v["id"].as_str().context("no session id")?.to_owned());
            }
            anyhow::Ok(ids)
        });
    }
    let mut ids = Vec::with_capacity(n);
    while let Some(done) = set.join_next().await {
        ids.extend(done.context("a worker panicked")??);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::{CpuMeter, Dechunk, ProcessTicks, Tally, Ticks, machine_ticks, process_ticks};

    #[test]
    fn a_chunked_body_decodes_whatever_the_reads_are() {
        let wire = b"7\r\nid: 1\n\n\r\n1b\r\nevent: view\ndata: {\"a\":1}\n\n\r\n0\r\n\r\n";
        for split in 1..wire.len() {
            let (mut chunks, mut out) = (Dechunk::default(), Vec::new());
            for piece in wire.chunks(split) {
                chunks.feed(piece, &mut out).unwrap();
            }
            assert_eq!(String::from_utf8(out).unwrap(), "id: 1\n\nevent: view\ndata: {\"a\":1}\n\n");
            assert!(chunks.ended);
        }
    }

    #[test]
    fn cues_out_of_order_count_as_lost_or_repeated() {
        let mut tally = Tally::default();
        for line in ["event: cue", "id: 1", "id: 2", "event: view", "id: 4", "id: 4", "id: 3", ": keep-alive"] {
            tally.line(line);
        }
        assert_eq!((tally.cues, tally.lost, tally.repeated, tally.last, tally.views), (3, 1, 2, 4, 1));
    }

    #[test]
    fn proc_stat_lines_give_parents_and_ticks() {
        // A command name with a space and a parenthesis, as a kernel thread or a script may have.
        let stat = "4242 (post gres: a) b) S 4200 4242 4242 0 -1 4194560 512 0 0 0 150 25 3 1 20 0 1 0 9";
        assert_eq!(process_ticks(stat), Some(ProcessTicks { parent: 4200, own: 175, ended_children: 4 }));
        assert_eq!(process_ticks("4242 (cut short) S 1"), None);
        // Guest time (the last two) is already in user and nice.
        let machine = "cpu  100 5 50 800 20 3 2 0 7 7\ncpu0 50 2 25 400 10 1 1 0 0 0\n";
        assert_eq!(machine_ticks(machine), Some((160, 980)));
        assert_eq!(machine_ticks("intr 1 2 3"), None);
    }

    #[test]
    fn cpu_use_is_in_cores_of_the_whole_machine() {
        let meter = CpuMeter { postmaster: 1, servers: Vec::new(), cores: 2.0 };
        let before = Ticks { busy: 1_000, all: 10_000, postgres: 300, servers: 200 };
        // One second on 2 cores at 100 ticks a second: 200 ticks, 150 of them busy.
        let after = Ticks { busy: 1_150, all: 10_200, postgres: 350, servers: 280 };
        let cpu = meter.between(before, after);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(cpu.postgres, 0.5) && close(cpu.servers, 0.8) && close(cpu.rest, 0.2), "{cpu:?}");
        assert!(close(cpu.busy(), 1.5) && close(cpu.cores, 2.0), "{cpu:?}");
    }
}
