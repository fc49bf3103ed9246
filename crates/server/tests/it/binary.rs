//! The real `limber-server` binary over HTTP: a session followed to its end, a kill and a
//! restart mid-session, graceful shutdown, users and tokens.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{request, sse};

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_limber-server"))
}

/// Starts the server on a free port in `dir`; waits until it listens.
pub fn start(dir: &Path, bind: &str) -> Server {
    start_with(&["--data-dir", dir.to_str().unwrap(), "--bind", bind])
}

/// Starts the server with `args`; waits until it listens.
pub fn start_with(args: &[&str]) -> Server {
    start_logging(args, None, |_| {})
}

/// [`start_with`] with `LIMBER_LOG` set to `filter` (unset: the default), handing every log
/// line to `keep`.
pub fn start_logging(args: &[&str], filter: Option<&str>, keep: impl Fn(String) + Send + 'static) -> Server {
    let mut command = bin();
    command
        .args(args)
        .env_remove("LIMBER_BIND")
        .env_remove("LIMBER_DATABASE_URL")
        .env_remove("LIMBER_LOG")
        .env_remove("LIMBER_REQUIRE_TOKENS");
    if let Some(filter) = filter {
        command.env("LIMBER_LOG", filter);
    }
    start_command(command, keep)
}

/// Starts `command` (the server, perhaps through a shell); waits until it listens, handing every
/// log line to `keep`.
pub fn start_command(mut command: Command, keep: impl Fn(String) + Send + 'static) -> Server {
    let mut child = command.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the server exited before listening").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_owned();
        }
        keep(line);
    };
    // Keep draining the logs so the server never blocks on a full pipe; a failing test shows
    // the server's warnings and errors.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("WARN") || line.contains("ERROR") {
                eprintln!("limber-server: {line}");
            }
            keep(line);
        }
    });
    Server { child, addr }
}

/// The lines a server said (kept by [`start_logging`]'s `keep`), joined, once they contain
/// `needle` or after 10 s. Lines after the one the start waits for reach `keep` through the
/// thread that drains the server's log, maybe only after a test's next request.
pub fn said_once(lines: &std::sync::Mutex<Vec<String>>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let said = lines.lock().unwrap().join("\n");
        if said.contains(needle) || Instant::now() > deadline {
            return said;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn post(addr: &str, path: &str, body: Value) -> (u16, Value) {
    let r = request(addr, "POST", path, &[], Some(&body.to_string()))
        .unwrap_or_else(|e| panic!("POST {path} on {addr}: {e}"));
    (r.status, r.json())
}

pub fn get(addr: &str, path: &str) -> (u16, Value) {
    let r = request(addr, "GET", path, &[], None).unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"));
    (r.status, r.json())
}

/// Starts a desk session and answers the screening; returns its id.
pub fn start_session(addr: &str, speed: f64) -> String {
    start_session_with(
        addr,
        json!({"routine": "desk", "speed": speed, "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}}),
    )
}

/// [`start_session`] with the options in `body`.
pub fn start_session_with(addr: &str, body: Value) -> String {
    let (status, v) = post(addr, "/api/v1/sessions", body);
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    answer_screening(addr, &id, false);
    id
}

/// Answers session `id`'s safety questions, if it asks them, so that nothing is flagged, and
/// (`unrated`) its pain rating before, if it asks for one, with none.
pub fn answer_screening(addr: &str, id: &str, unrated: bool) {
    loop {
        let (_, s) = get(addr, &format!("/api/v1/sessions/{id}"));
        let intent = match s["view"]["phase"]["phase"].as_str().unwrap() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            "screening" if s["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => "yes",
            "screening" => "no",
            "pain-before" if unrated => "start",
            _ => break,
        };
        assert_eq!(post(addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": intent})).0, 200);
    }
}

#[test]
fn requests_are_logged_changes_and_failures_by_default_reads_too_at_debug() {
    let logged = |filter: Option<&str>, patience: Duration| {
        let dir = tempfile::tempdir().unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = lines.clone();
        let server =
            start_logging(&["--data-dir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0"], filter, move |l| {
                kept.lock().unwrap().push(l);
            });
        assert_eq!(get(&server.addr, "/api/v1/routines").0, 200);
        assert_eq!(get(&server.addr, "/api/v1/nothing-here?access_token=secret").0, 404);
        assert_eq!(post(&server.addr, "/api/v1/sessions", json!({"routine": "desk"})).0, 201);
        // Another thread reads the server's stderr: wait until it has the last line.
        let deadline = Instant::now() + patience;
        while !lines.lock().unwrap().iter().any(|l| l.contains("path=/api/v1/sessions")) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let lines = lines.lock().unwrap().clone();
        let line = |method: &str, path: &str, status: u16| {
            lines
                .iter()
                .find(|l| {
                    l.contains(&format!("method={method} "))
                        && l.contains(&format!("path={path} "))
                        && l.contains(&format!("status={status} "))
                })
                .cloned()
        };
        (
            line("GET", "/api/v1/routines", 200),
            line("GET", "/api/v1/nothing-here", 404),
            line("POST", "/api/v1/sessions", 201),
            lines,
        )
    };
    let (read, missing, created, lines) = logged(None, Duration::from_secs(10));
    assert!(read.is_none(), "a successful read is DEBUG: {lines:#?}");
    assert!(missing.as_deref().is_some_and(|l| l.contains(" INFO ") && l.contains("micros=")), "{lines:#?}");
    assert!(created.as_deref().is_some_and(|l| l.contains(" INFO ") && l.contains("client=127.0.0.1")), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("secret")), "the query is never logged: {lines:#?}");
    let (read, _, created, lines) = logged(Some("debug"), Duration::from_secs(10));
    assert!(read.as_deref().is_some_and(|l| l.contains("DEBUG")), "{lines:#?}");
    assert!(created.is_some(), "{lines:#?}");
    // The store's SQL statements stay out unless asked for by name.
    let sql = |lines: &[String]| lines.iter().any(|l| l.contains("db.statement") || l.contains("summary=\"INSERT"));
    assert!(!sql(&lines), "{lines:#?}");
    let (_, _, _, lines) = logged(Some("debug,sqlx=debug"), Duration::from_secs(10));
    assert!(sql(&lines), "sqlx named: its statements are logged {lines:#?}");
    // Nothing to wait for: a second is plenty for lines that would come.
    let (_, missing, created, lines) = logged(Some("warn"), Duration::from_secs(1));
    assert!(missing.is_none() && created.is_none(), "{lines:#?}");
    // A filter that would hide everything limber logs says so at the start.
    let (_, _, _, lines) = logged(Some("verbose"), Duration::from_secs(1));
    assert!(lines.iter().any(|l| l.contains("LIMBER_LOG=\"verbose\" names no level")), "{lines:#?}");
}

#[test]
fn a_body_declared_over_the_limit_is_refused_before_it_is_sent() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    // Only the head: a client that waits for an answer before sending 100 MB (as curl does
    // with `Expect`, or one that checks first). Answered at once, not after the request timeout.
    for (path, declared) in [("/api/v1/sessions", 100_000_000), ("/api/v1/import", 17 << 20)] {
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n",
            server.addr
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("}}") {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "closed without an answer: {}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&chunk[..n]);
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains(r#""code":"payload-too-large""#), "{answer}");
    }
    // Within the limit, the same route goes on to read the body.
    let (status, v) = post(&server.addr, "/api/v1/import", json!({"limber-export": 2, "sessions": []}));
    assert_eq!(status, 200, "{v}");
}

#[test]
fn a_target_or_header_fields_over_the_limit_get_a_json_answer() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    let ask = |head: String| {
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let host = &server.addr;
    // A query of 20,000 bytes (hyper itself takes targets up to 64 KiB).
    let long = "a".repeat(20_000);
    let answer = ask(format!("GET /api/v1/stretches?{long} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
    assert!(answer.starts_with("HTTP/1.1 414"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains(r#""code":"uri-too-long""#) && answer.contains("over the limit of 8192"), "{answer}");
    // A cookie of 100,000 bytes (hyper itself takes about 400 KiB).
    let big = "b".repeat(100_000);
    let answer =
        ask(format!("GET /api/v1/stretches HTTP/1.1\r\nHost: {host}\r\nCookie: {big}\r\nConnection: close\r\n\r\n"));
    assert!(answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains(r#""code":"headers-too-large""#), "{answer}");
    // An intent is never refused for its header fields: a sharp-pain report with a browser's
    // 40 KiB of cookies stops the session.
    let id = start_session(host, 1.0);
    let body = r#"{"intent":"sharp-pain"}"#;
    let cookie = "c".repeat(40_000);
    let answer = ask(format!(
        "POST /api/v1/sessions/{id}/intents HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("sharp-pain"), "{answer}");
    // Within both, the same request is answered.
    let answer = ask(format!("GET /api/v1/stretches?x=1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
}

#[test]
#[cfg(target_os = "linux")] // (read from /proc)
fn the_server_raises_its_limit_on_open_files_so_streams_do_not_run_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Command::new("sh");
    // As a service manager starts it: at most 256 open files unless it asks for more.
    shell.arg("-c").arg(r#"ulimit -Sn 256 && exec "$0" "$@""#).arg(env!("CARGO_BIN_EXE_limber-server"));
    shell.args(["--bind", "127.0.0.1:0", "--data-dir"]).arg(dir.path().join("data"));
    let hard: u64 = std::fs::read_to_string("/proc/self/limits")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(4)?.parse().ok())
        .unwrap_or(u64::MAX);
    shell.env_remove("LIMBER_DATABASE_URL").env_remove("LIMBER_BIND");
    let server = start_command(shell, |_| {});
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id())).unwrap();
    let soft: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or_else(|| panic!("{limits}"));
    assert_eq!(soft, hard.min(65_536), "{limits}");
}

#[test]
fn a_session_followed_over_sse_to_its_end_lands_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    let id = start_session(&server.addr, 500.0);
    let mut seqs = Vec::new();
    let mut last_view = Value::Null;
    let mut event = String::new();
    for line in sse(&server.addr, &format!("/api/v1/sessions/{id}/events"), None).unwrap() {
        let line = line.trim_end_matches('\r');
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_owned();
        } else if let Some(n) = line.strip_prefix("id: ") {
            seqs.push(n.parse::<u64>().unwrap());
        } else if let Some(data) = line.strip_prefix("data: ")
            && event == "view"
        {
            last_view = serde_json::from_str(data).unwrap();
        }
    }
    assert!(seqs.len() > 20, "a whole routine says a lot: {}", seqs.len());
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gap, no repeat");
    assert_eq!(last_view["view"]["phase"]["phase"], "finished", "{last_view}");
    let (status, page) = get(&server.addr, "/api/v1/history?limit=5");
    assert_eq!(status, 200);
    assert_eq!(page["sessions"][0]["id"], id.as_str());
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
}

#[test]
fn a_killed_server_resumes_its_sessions_with_the_right_time_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "127.0.0.1:0");
    let paused = start_session(&server.addr, 5.0);
    let (_, p) = post(&server.addr, &format!("/api/v1/sessions/{paused}/intents"), json!({"intent": "pause"}));
    let running = start_session(&server.addr, 1.0);
    let (_, r) = get(&server.addr, &format!("/api/v1/sessions/{running}"));
    let killed_at = Instant::now();
    server.child.kill().unwrap(); // SIGKILL: nothing is written on the way out.
    server.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));

    let server = start(dir.path(), "127.0.0.1:0");
    let (status, again) = get(&server.addr, &format!("/api/v1/sessions/{paused}"));
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["view"]["paused"], true);
    assert_eq!(again["view"]["phase"], p["view"]["phase"]);
    assert_eq!(
        again["view"]["remaining-ms"], p["view"]["remaining-ms"],
        "a paused session keeps its time left exactly"
    );

    // The running one ran on while the server was down, on the server's clock.
    let (_, again) = get(&server.addr, &format!("/api/v1/sessions/{running}"));
    let before = r["view"]["at"].as_u64().unwrap();
    let after = again["view"]["at"].as_u64().unwrap();
    let elapsed = killed_at.elapsed().as_millis() as u64;
    assert!(
        after >= before + 500 && after <= before + elapsed + 1_000,
        "session time {before} -> {after} over {elapsed} ms"
    );
    assert_eq!(again["view"]["phase"], r["view"]["phase"], "warm-up lasts longer than the restart");
    assert!(again["view"]["remaining-ms"].as_u64().unwrap() < r["view"]["remaining-ms"].as_u64().unwrap());
}

/// Moves a stored live session `by` into the past, as if it had started (and everything in it
/// had happened) that much earlier; its appended events are folded into its log.
pub async fn age_live(store: &dyn limber_app::store::Store, id: &str, by: Duration) {
    let mut record = store.live_session(id.parse().unwrap()).await.unwrap().expect("the session is stored");
    let mut log: Value = serde_json::from_str(&record.log).unwrap();
    for event in record.events.drain(..) {
        log["intents"].as_array_mut().unwrap().push(serde_json::from_str(&event).unwrap());
    }
    record.log = log.to_string();
    record.started_at_ms -= i64::try_from(by.as_millis()).unwrap();
    assert!(store.remove_live(record.id).await.unwrap());
    store.save_live(&record).await.unwrap();
}

/// Waits up to ten seconds for `addr`'s history to hold a session; returns the page.
pub fn wait_for_history(addr: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, page) = get(addr, "/api/v1/history?limit=50");
        if !page["sessions"].as_array().unwrap().is_empty() || Instant::now() > deadline {
            return page;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_session_left_paused_before_a_restart_is_ended_once_the_idle_limit_is_up() {
    // Paused, then the server went down for two hours: on restart the person has been silent
    // for longer than the idle limit (an hour), so the session is ended and recorded at once.
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "127.0.0.1:0");
    let id = start_session(&server.addr, 1.0);
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "pause"}));
    assert_eq!(status, 200, "{v}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let store = limber_app::store::SqliteStore::open(dir.path()).await.unwrap();
        age_live(&store, &id, Duration::from_secs(2 * 60 * 60)).await;
        limber_app::store::Store::close(&store).await;
    });

    let server = start(dir.path(), "127.0.0.1:0");
    let page = wait_for_history(&server.addr);
    let sessions = page["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "ended and recorded: {page}");
    assert_eq!((&sessions[0]["id"], &sessions[0]["stopped"]), (&json!(id), &json!("aborted")), "{page}");
    // Once no instance holds it (the next start), it is said to be over, with its record: not
    // confused with an unknown id. (Recorded first, then let go as live: killed only after both,
    // or the next start would resume it.)
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let store = limber_app::store::SqliteStore::open(dir.path()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !limber_app::store::Store::live_sessions(&store).await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "never let go as live");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        limber_app::store::Store::close(&store).await;
    });
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    let (status, v) = get(&server.addr, &format!("/api/v1/sessions/{id}"));
    assert_eq!((status, &v["error"]["code"]), (410, &json!("over")), "{v}");
    assert_eq!(v["error"]["detail"]["session"], sessions[0], "{v}");
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "resume"}));
    assert_eq!((status, &v["error"]["code"]), (409, &json!("over")), "{v}");
    let (status, v) = get(&server.addr, &format!("/api/v1/sessions/{id}/events"));
    assert_eq!((status, &v["error"]["code"]), (410, &json!("over")), "{v}");
    let unknown = "00000000-0000-4000-8000-000000000000";
    let (status, v) = get(&server.addr, &format!("/api/v1/sessions/{unknown}"));
    assert_eq!((status, &v["error"]["code"]), (404, &json!("not-found")), "{v}");
}

#[test]
fn sigterm_ends_the_server_gracefully_even_with_a_stream_open() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    let id = start_session(&server.addr, 1.0);
    let addr = server.addr.clone();
    let (opened, stream_opened) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let path = format!("/api/v1/sessions/{id}/events");
        let lines = sse(&addr, &path, None).unwrap();
        let _ = opened.send(());
        lines.count()
    });
    stream_opened.recv_timeout(Duration::from_secs(30)).expect("the stream opens");
    let mut server = server;
    let (status, _) = sigterm(&mut server, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert!(reader.join().unwrap() > 0, "the stream delivered events, then ended");
    // The store was closed on the way out: SQLite folded its write-ahead log into the file.
    let log = std::fs::metadata(dir.path().join("limber.db-wal")).map_or(0, |m| m.len());
    assert_eq!(log, 0, "a write-ahead log of {log} bytes was left behind");
    // The live session is still stored for the next start.
    let server = start(dir.path(), "127.0.0.1:0");
    let (_, list) = get(&server.addr, "/api/v1/sessions");
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn sighup_from_a_closed_terminal_ends_the_server_the_graceful_way_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "127.0.0.1:0");
    start_session(&server.addr, 1.0);
    let (status, _) = stop_with(&mut server, nix::sys::signal::Signal::SIGHUP, Duration::from_secs(10));
    assert!(status.success(), "not killed by the signal: {status:?}");
    let log = std::fs::metadata(dir.path().join("limber.db-wal")).map_or(0, |m| m.len());
    assert_eq!(log, 0, "the store was closed on the way out");
}

#[test]
fn under_nohup_sighup_is_left_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("nohup")
        .arg(env!("CARGO_BIN_EXE_limber-server"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .env_remove("LIMBER_BIND")
        .env_remove("LIMBER_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the server exited before listening").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let mut server = Server { child, addr };
    let pid = nix::unistd::Pid::from_raw(server.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.child.try_wait().unwrap().is_none(), "nohup's ignored SIGHUP ended the server");
    assert_eq!(get(&server.addr, "/healthz").0, 200);
    let (status, _) = sigterm(&mut server, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
}

#[test]
fn users_and_tokens_from_the_command_line_guard_a_public_bind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let refused = bin().args(["--data-dir", data, "--bind", "0.0.0.0:0"]).output().unwrap();
    assert!(!refused.status.success());
    // The command it suggests adds the user where this server looks.
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains(&format!("Add one first: limber-server --data-dir {data} user add NAME")), "{said}");
    // Refused before anything was made there: a mistyped --data-dir keeps reading as no data.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{said}");
    let elsewhere = dir.path().join("typo");
    let refused =
        bin().args(["--data-dir", elsewhere.to_str().unwrap(), "--require-tokens", "--bind", "127.0.0.1:0"]).output();
    assert!(!refused.unwrap().status.success());
    assert!(!elsewhere.exists(), "no data directory made");
    let list = bin().args(["--data-dir", elsewhere.to_str().unwrap(), "user", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stderr).contains("there is no limber data in"), "still no users listed");

    let add = bin().args(["--data-dir", data, "user", "add", "ann"]).output().unwrap();
    assert!(add.status.success());
    let said = String::from_utf8_lossy(&add.stderr);
    let db = dir.path().join("limber.db");
    assert!(said.contains(&format!("Added ann to {}.", db.display())), "which database: {said}");
    let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("lmb_"));
    let stored = std::fs::read(&db).unwrap();
    assert!(!stored.windows(token.len()).any(|w| w == token.as_bytes()), "only a hash is stored");
    let list = bin().args(["--data-dir", data, "user", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(listed.starts_with("id\tname\tadded\n") && listed.contains("\tann\t"), "{listed}");
    assert!(String::from_utf8_lossy(&list.stderr).contains(&format!("Users in {}:", db.display())));
    // A mistyped directory is said, not made into an empty database listing only `local`.
    let typo = dir.path().join("typo");
    for command in [&["list"][..], &["rotate", "ann"], &["remove", "ann", "--yes"]] {
        let out = bin().args(["--data-dir", typo.to_str().unwrap(), "user"]).args(command).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && said.contains("there is no limber data in"), "{command:?}: {said}");
        assert!(!typo.exists(), "{command:?} made the directory");
    }
    let list = bin().args(["--data-dir", data, "user", "list", "--json"]).output().unwrap();
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap();
    let ann = listed.as_array().unwrap().iter().find(|u| u["name"] == "ann").unwrap_or_else(|| panic!("{listed}"));
    assert!(ann["id"].is_i64() && ann["created-at-ms"].as_i64().is_some_and(|ms| ms > 1_700_000_000_000), "{ann}");
    // A name is one line of that list: no line breaks or tabs, at most 64 characters, and the
    // spaces around it are not part of it.
    // Nor invisible characters (a direction override shows the list reversed), nor a name that
    // differs from another only in capitals.
    // A name no store could take is a usage error (exit 2), as a bad flag is; one taken already
    // is refused by the store (exit 1).
    for (bad, says, code) in [
        ("", "cannot be empty", 2),
        ("   ", "cannot be empty", 2),
        ("x\ny", "control character", 2),
        ("a\tb", "control character", 2),
        (&"n".repeat(65), "at most 64", 2),
        ("Ann\u{202e}live", "invisible character", 2),
        ("a\u{200b}nn", "invisible character", 2),
        ("ANN", "in other capitals", 1),
    ] {
        let out = bin().args(["--data-dir", data, "user", "add", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let padded = bin().args(["--data-dir", data, "user", "add", " ann "]).output().unwrap();
    assert!(String::from_utf8_lossy(&padded.stderr).contains("already"), "{}", String::from_utf8_lossy(&padded.stderr));

    let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let lines = said.clone();
    let server = start_logging(&["--data-dir", data, "--bind", "0.0.0.0:0"], None, move |line| {
        lines.lock().unwrap().push(line);
    });
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let addr = format!("127.0.0.1:{port}");
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[], None).unwrap().status, 401);
    // 0.0.0.0 is no address to give a client: the start says which to use, and that it is plain HTTP.
    let said = said_once(&said, "plain HTTP");
    assert!(said.contains(&format!("this machine's own address with port {port}")), "{said}");
    assert!(said.contains("plain HTTP: put TLS in front"), "{said}");
    assert_eq!(request(&addr, "GET", "/api/v1/stretches", &[], None).unwrap().status, 200, "content is public");
    assert_eq!(request(&addr, "GET", "/healthz", &[], None).unwrap().status, 200);
    let bearer = format!("Bearer {token}");
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status, 200);

    let rotate = bin().args(["--data-dir", data, "user", "rotate", "ann"]).output().unwrap();
    let fresh = String::from_utf8(rotate.stdout).unwrap().trim().to_owned();
    assert_ne!(fresh, token);
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status, 401);
    let bearer = format!("Bearer {fresh}");
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status, 200);
    // Removing asks first; without a terminal to ask on, only --yes removes.
    let asked = bin().args(["--data-dir", data, "user", "remove", "ann"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(asked.status.code(), Some(1));
    let said = String::from_utf8_lossy(&asked.stderr);
    assert!(said.contains("Remove ann and all their data: 0 sessions") && said.contains("--yes"), "{said}");
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status, 200);
    let remove = bin().args(["--data-dir", data, "user", "remove", " ann ", "--yes"]).output().unwrap();
    assert!(remove.status.success(), "{}", String::from_utf8_lossy(&remove.stderr));
    assert_eq!(request(&addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status, 401);
}

#[test]
fn names_that_look_alike_are_one_person_and_are_found_however_typed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let user = |args: &[&str]| bin().args(["--data-dir", data, "user"]).args(args).output().unwrap();
    // `é` as one character, then as `e` and an accent (as some keyboards and macOS type it).
    assert!(user(&["add", "ren\u{e9}"]).status.success());
    let twin = user(&["add", "rene\u{301}"]);
    let said = String::from_utf8_lossy(&twin.stderr);
    assert!(!twin.status.success() && said.contains("already a user called `ren\u{e9}`"), "{said}");
    // Full-width letters beside plain ones.
    assert!(user(&["add", "ss"]).status.success());
    assert!(!user(&["add", "\u{ff53}\u{ff53}"]).status.success(), "full-width ss beside ss");
    // Found however the accent is typed.
    let rotate = user(&["rotate", "rene\u{301}"]);
    assert!(rotate.status.success(), "{}", String::from_utf8_lossy(&rotate.stderr));
    let listed = String::from_utf8(user(&["list", "--json"]).stdout).unwrap();
    assert_eq!(listed.matches("ren").count(), 1, "{listed}");
    // And in other capitals or full-width letters, as `add` tells them apart.
    let rotate = user(&["rotate", "REN\u{c9}"]);
    assert!(rotate.status.success(), "{}", String::from_utf8_lossy(&rotate.stderr));
    let remove = user(&["remove", "\u{ff33}S", "--yes"]);
    assert!(remove.status.success(), "{}", String::from_utf8_lossy(&remove.stderr));
    let listed = String::from_utf8(user(&["list", "--json"]).stdout).unwrap();
    assert!(!listed.contains("\"ss\""), "removed: {listed}");
    // A name nobody's looks like is still no one.
    let nobody = user(&["rotate", "RENEE"]);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("there is no user called `RENEE`"));
}

#[test]
fn a_second_server_on_one_sqlite_data_directory_is_refused_until_the_first_ends() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let first = start(dir.path(), "127.0.0.1:0");
    let second = bin().args(["--data-dir", data, "--bind", "127.0.0.1:0"]).env_remove("LIMBER_BIND").output().unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success() && said.contains("another limber-server is already serving"), "{said}");
    // The people's commands still work beside it.
    assert!(bin().args(["--data-dir", data, "user", "list"]).output().unwrap().status.success());
    drop(first);
    let third = start(dir.path(), "127.0.0.1:0");
    assert_eq!(request(&third.addr, "GET", "/healthz", &[], None).unwrap().status, 200);
}

#[test]
fn a_data_directory_that_is_a_file_is_said_to_be_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let out = bin()
        .args(["--data-dir", file.to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .env_remove("LIMBER_BIND")
        .env_remove("LIMBER_DATABASE_URL")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("it is a file, not a directory") && !said.contains("os error"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine", "left as it was");
}

#[test]
fn require_tokens_closes_a_loopback_server_behind_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let refused = bin()
        .args(["--data-dir", data, "--bind", "127.0.0.1:0", "--require-tokens"])
        .env_remove("LIMBER_BIND")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && said.contains("--require-tokens") && said.contains("user add"), "{said}");
    // The variable takes the words a service file would use.
    for on in ["1", "yes", "on", "TRUE"] {
        let refused = bin()
            .args(["--data-dir", data, "--bind", "127.0.0.1:0"])
            .env_remove("LIMBER_BIND")
            .env("LIMBER_REQUIRE_TOKENS", on)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success() && said.contains("LIMBER_REQUIRE_TOKENS) is given"), "{on}: {said}");
    }
    let add = bin().args(["--data-dir", data, "user", "add", "ann"]).output().unwrap();
    let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
    let server = start_with(&["--data-dir", data, "--bind", "127.0.0.1:0", "--require-tokens"]);
    // Exactly what a proxy that sets no headers of its own relays: a plain call from localhost.
    assert_eq!(request(&server.addr, "GET", "/api/v1/history", &[], None).unwrap().status, 401);
    let bearer = format!("Bearer {token}");
    assert_eq!(
        request(&server.addr, "GET", "/api/v1/history", &[("Authorization", &bearer)], None).unwrap().status,
        200
    );
    assert_eq!(request(&server.addr, "GET", "/api/v1/stretches", &[], None).unwrap().status, 200, "content is public");
}

#[test]
fn a_loopback_server_with_people_added_needs_tokens_unless_told_to_stay_open() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let history = |server: &Server, headers: &[(&str, &str)]| {
        request(&server.addr, "GET", "/api/v1/history", headers, None).unwrap().status
    };
    // Only the local person: open to this machine, as ever.
    let open = start(dir.path(), "127.0.0.1:0");
    assert_eq!(history(&open, &[]), 200);
    drop(open);
    let add = bin().args(["--data-dir", data, "user", "add", "ann"]).output().unwrap();
    let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
    let bearer = format!("Bearer {token}");
    // With ann added, a proxy in front relays tokenless calls from localhost: refused.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = lines.clone();
    let closed = start_logging(&["--data-dir", data, "--bind", "127.0.0.1:0"], None, move |line| {
        kept.lock().unwrap().push(line);
    });
    assert_eq!(history(&closed, &[]), 401);
    assert_eq!(history(&closed, &[("Authorization", &bearer)]), 200);
    // Said at start, on the line after the address.
    let said = said_once(&lines, "people have been added here");
    assert!(said.contains("people have been added here") && said.contains("--require-tokens=no"), "{said}");
    drop(closed);
    // Said otherwise, it stays open to this machine.
    for (flag, variable) in [(Some("--require-tokens=no"), None), (None, Some("0"))] {
        let mut command = bin();
        command.args(["--data-dir", data, "--bind", "127.0.0.1:0"]).args(flag).env_remove("LIMBER_BIND");
        match variable {
            Some(value) => command.env("LIMBER_REQUIRE_TOKENS", value),
            None => command.env_remove("LIMBER_REQUIRE_TOKENS"),
        };
        let server = start_command(command, |_| {});
        assert_eq!(history(&server, &[]), 200, "{flag:?} {variable:?}");
    }
}

#[test]
fn a_store_flag_wins_over_the_other_stores_variable_and_two_variables_clash() {
    let dir = tempfile::tempdir().unwrap();
    let nothing = "postgres://limber@127.0.0.1:1/nothing";
    let add = bin()
        .args(["--data-dir", dir.path().to_str().unwrap(), "user", "add", "ann"])
        .env("LIMBER_DATABASE_URL", nothing)
        .output()
        .unwrap();
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let db = dir.path().join("limber.db");
    assert!(String::from_utf8_lossy(&add.stderr).contains(&format!("Added ann to {}", db.display())));
    let clash = bin()
        .args(["user", "list"])
        .env("LIMBER_DATA_DIR", dir.path())
        .env("LIMBER_DATABASE_URL", nothing)
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&clash.stderr).contains("LIMBER_DATA_DIR and LIMBER_DATABASE_URL are both set"));
}

#[test]
fn help_lists_completions_which_print_with_the_man_page() {
    let help = bin().arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("completions") && !help.contains("\n  man "), "{help}");
    assert!(help.contains("--idle-minutes <N>") && help.contains("[default: 60]"), "{help}");
    assert!(help.contains("LIMBER_LOG"), "how to see more or fewer log lines: {help}");
    // Wrapped to a terminal's width (100 columns when there is none), as limber's is.
    let widest = help.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 100, "a line of {widest} columns: {help}");
    // A yes or no flag lists the spellings it takes, and says them when given another.
    let maybe = bin().args(["--require-tokens=maybe"]).env_remove("LIMBER_REQUIRE_TOKENS").output().unwrap();
    let said = String::from_utf8_lossy(&maybe.stderr);
    assert_eq!(maybe.status.code(), Some(2), "{said}");
    assert!(said.contains("'maybe'") && said.contains("yes, no, on, off, true, false, 1, 0"), "{said}");
    // The database URL set in the environment may hold a password: help names the variable only.
    let secret =
        bin().arg("--help").env("LIMBER_DATABASE_URL", "postgres://ann:s3cretpw@db.invalid/x").output().unwrap();
    let secret = String::from_utf8(secret.stdout).unwrap();
    assert!(secret.contains("LIMBER_DATABASE_URL") && !secret.contains("s3cretpw"), "{secret}");
    // A name to listen on is resolved; nonsense is a usage error that says what it wanted.
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "localhost:0");
    assert_eq!(get(&server.addr, "/healthz").0, 200, "listening on {}", server.addr);
    let nonsense = bin().args(["--bind", "no such place", "user", "list"]).output().unwrap();
    assert_eq!(nonsense.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nonsense.stderr).contains("localhost:8080"));
    let zero = bin().args(["--idle-minutes", "0", "user", "list"]).output().unwrap();
    assert_eq!(zero.status.code(), Some(2), "an idle limit of 0 is refused");
    let said = String::from_utf8_lossy(&zero.stderr);
    assert!(
        said.contains("--idle-minutes") && said.contains("whole number of minutes (a week at most) from 1 to 10080"),
        "{said}"
    );
    let many = bin().args(["--live-per-person", "lots", "user", "list"]).output().unwrap();
    let said = String::from_utf8_lossy(&many.stderr);
    assert_eq!(many.status.code(), Some(2), "{said}");
    assert!(said.contains("whole number of sessions from 1 to 1000000"), "{said}");
    for (args, says) in [(&["completions", "bash"][..], "_limber__server()"), (&["man"][..], ".TH limber-server 1")] {
        let out = bin().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(says), "{args:?} printed:\n{}", &text[..text.len().min(400)]);
        if args == ["man"] {
            let environment = text.split(".SH ENVIRONMENT").nth(1).expect("an ENVIRONMENT section");
            for variable in ["LIMBER_DATABASE_URL", "LIMBER_BIND", "LIMBER_REQUIRE_TOKENS", "LIMBER_LOG"] {
                assert!(environment.contains(variable), "{variable}:\n{environment}");
            }
        }
        // To a reader that has gone (`| head -c 0`): quietly, and still a success.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin().args(args).stdout(writer).output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn serving_flags_go_with_serving_and_are_refused_before_another_command() {
    let help = |args: &[&str]| String::from_utf8(bin().args(args).output().unwrap().stdout).unwrap();
    for args in [&["user", "add", "--help"][..], &["user", "--help"], &["completions", "--help"]] {
        let text = help(args);
        assert!(
            text.contains("--database <URL>") && !text.contains("--bind") && !text.contains("--idle-minutes"),
            "{text}"
        );
    }
    let serve = help(&["serve", "--help"]);
    assert!(serve.contains("--bind <BIND>") && serve.contains("--require-tokens"), "{serve}");
    // Before a command that does not serve, a serving flag would do nothing: a usage error.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let ignored = bin().args(["--data-dir", data, "--bind", "127.0.0.1:0", "user", "list"]).output().unwrap();
    assert_eq!(ignored.status.code(), Some(2));
    let said = String::from_utf8_lossy(&ignored.stderr);
    assert!(said.contains("--bind is for serving; `limber-server user` does not use it"), "{said}");
    // Before `serve` a flag stands; after it, it wins over the same flag before (192.0.2.1 is
    // no address of this machine: listening there fails).
    drop(start_with(&["--data-dir", data, "--bind", "127.0.0.1:0", "serve", "--idle-minutes", "5"]));
    drop(start_with(&["--data-dir", data, "--bind", "192.0.2.1:0", "serve", "--bind", "127.0.0.1:0"]));
    let unreachable =
        bin().args(["--data-dir", data, "serve", "--bind", "192.0.2.1:0"]).env_remove("LIMBER_BIND").output().unwrap();
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("cannot listen on 192.0.2.1:0"));
}

#[test]
fn a_connection_that_never_finishes_its_headers_is_closed() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0");
    let mut silent = std::net::TcpStream::connect(&server.addr).unwrap();
    let mut stalled = std::net::TcpStream::connect(&server.addr).unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    for (what, conn) in [("a silent connection", &mut silent), ("one stalled in its headers", &mut stalled)] {
        conn.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
        let mut rest = Vec::new();
        // The server closes it (end of stream, perhaps after a 408): no read error, no hang.
        conn.read_to_end(&mut rest).unwrap_or_else(|e| panic!("{what} was never closed: {e}"));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(25), "{what} closed after {waited:?}, before the limit");
    }
    // Meanwhile and after, the server answers.
    assert_eq!(get(&server.addr, "/healthz").0, 200);
}

#[test]
fn an_event_stream_ends_once_its_token_is_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let add = bin().args(["--data-dir", data, "user", "add", "ann"]).output().unwrap();
    let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
    let server = start(dir.path(), "127.0.0.1:0");
    let bearer = format!("Bearer {token}");
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    let created = request(&server.addr, "POST", "/api/v1/sessions", &headers, Some(r#"{"routine":"desk"}"#)).unwrap();
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let (addr, path) = (server.addr.clone(), format!("/api/v1/sessions/{id}/events?access_token={token}"));
    let (opened, stream_opened) = std::sync::mpsc::channel();
    let (ended, stream_ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lines = sse(&addr, &path, None).unwrap();
        let _ = opened.send(());
        lines.for_each(drop);
        let _ = ended.send(());
    });
    stream_opened.recv_timeout(Duration::from_secs(10)).expect("the stream opens");
    assert!(stream_ended.recv_timeout(Duration::from_secs(7)).is_err(), "open while the token is good");
    let rotate = bin().args(["--data-dir", data, "user", "rotate", "ann"]).output().unwrap();
    assert!(rotate.status.success());
    stream_ended.recv_timeout(Duration::from_secs(20)).expect("the stream ends once its token is rotated");
}

#[test]
fn sigterm_does_not_wait_long_for_a_request_that_never_ends() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), "127.0.0.1:0");
    // A body promised and never sent: the request would hold the exit up until its 30 s limit.
    let mut stalled = std::net::TcpStream::connect(&server.addr).unwrap();
    let head = "POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    stalled.write_all(format!("{head}Content-Length: 100\r\n\r\n{{").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // Not held up for the request's own 30 s limit, but given the grace first.
    let (status, took) = sigterm(&mut server, Duration::from_secs(25));
    assert!(status.success(), "{status:?}");
    assert!(took >= Duration::from_secs(5), "requests under way were given their grace: {took:?}");
}

/// Sends SIGTERM to `server` and waits for it to exit, at most `limit`; returns how it exited
/// and how long that took.
fn sigterm(server: &mut Server, limit: Duration) -> (std::process::ExitStatus, Duration) {
    stop_with(server, nix::sys::signal::Signal::SIGTERM, limit)
}

/// Sends `signal` to the server and waits for it to end, `limit` at most.
fn stop_with(
    server: &mut Server,
    signal: nix::sys::signal::Signal,
    limit: Duration,
) -> (std::process::ExitStatus, Duration) {
    let pid = nix::unistd::Pid::from_raw(server.child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        assert!(started.elapsed() < limit, "the server did not stop on {signal} within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
