//! The real `limber-tui` binary: usage errors before the screen is taken, and in a pseudo-terminal a desk session at high speed, paused, resumed, stopped by sharp pain or ended, with the terminal restored.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use rexpect::session::{PtySession, spawn_command};
use serde_json::json;

/// The pseudo-terminal's screen, rebuilt from every byte the program writes.
struct Screen {
    pty: PtySession,
    vt: vt100::Parser,
}

impl Screen {
    /// Reads what has arrived into the emulated screen.
    fn pump(&mut self) {
        while let Some(c) = self.pty.try_read() {
            // rexpect hands each byte over as a Latin-1 char.
            self.vt.process(&[u8::try_from(u32::from(c)).unwrap_or(b'?')]);
        }
    }

    /// Waits until the screen satisfies `ok`, and returns its text.
    fn wait(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.pump();
            let text = self.vt.screen().contents();
            if ok(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "waited for {what}; the screen shows:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the program has left the alternate screen and shown the cursor again.
    fn restored(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.pump();
            let vt = self.vt.screen();
            if !vt.alternate_screen() && !vt.hide_cursor() {
                return;
            }
            assert!(Instant::now() < deadline, "the terminal was not restored");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn shows(&mut self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }

    fn key(&mut self, key: &str) {
        self.pty.send(key).expect("send a key");
        self.pty.flush().expect("flush");
    }
}

/// The seconds left shown under the big digits ("12 s left"), if any.
fn seconds_left(screen: &str) -> Option<u32> {
    let at = screen.find(" s left")?;
    let digits: String =
        screen[..at].chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
    digits.parse().ok()
}

/// The `limber` binary beside this one, built if a narrower `cargo test` did not build it.
fn limber() -> PathBuf {
    // Tests run from target/<profile>/deps; the binaries sit one level up.
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target directory");
    let path = dir.join(format!("limber{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "-p", "limber-cli", "--bin", "limber"])
            .status()
            .expect("run cargo to build limber");
        assert!(status.success(), "building limber failed");
    }
    path
}

/// Where a test keeps its history: a data directory, or a PostgreSQL database.
#[derive(Clone, Copy)]
enum Keep<'a> {
    Dir(&'a std::path::Path),
    Database(&'a str),
}

impl Keep<'_> {
    /// Points `cmd` at it, through the environment as a person's shell would.
    fn apply(self, cmd: &mut Command) -> &mut Command {
        match self {
            Keep::Dir(dir) => cmd.env("LIMBER_DATA_DIR", dir).env_remove("LIMBER_DATABASE_URL"),
            Keep::Database(url) => cmd.env("LIMBER_DATABASE_URL", url).env_remove("LIMBER_DATA_DIR"),
        }
    }
}

/// Starts `limber-tui desk` at ten times the speed in an 80×24 pseudo-terminal over `data`,
/// answers the screening so that nothing is flagged, and rates the pain before.
fn desk(data: &std::path::Path) -> Screen {
    desk_in(Keep::Dir(data))
}

/// [`desk`], keeping the history in `keep`.
fn desk_in(keep: Keep) -> Screen {
    let tui = env!("CARGO_BIN_EXE_limber-tui");
    // A pseudo-terminal starts with no size: give it 80×24 before the program starts.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "stty rows 24 cols 80 && exec \"$0\" \"$@\"", tui, "desk", "--speed", "10", "--no-warmup"]);
    keep.apply(&mut cmd)
        .env("TZ", "UTC")
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("LIMBER_CONTENT");
    let pty = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    let mut screen = Screen { pty, vt: vt100::Parser::new(24, 80, 0) };

    // Screening is a dialog: twelve noes, then yes (a clinician has looked at it).
    screen.shows("Safety question 1");
    assert!(screen.vt.screen().alternate_screen(), "the TUI draws on the alternate screen");
    for _ in 0..12 {
        screen.key("n");
    }
    screen.shows("Safety question 13");
    screen.key("y");
    screen.shows("Pain before");
    screen.key("3");
    screen
}

/// `limber history --json` over `data`, run by the real `limber`.
fn history(data: &std::path::Path) -> serde_json::Value {
    history_in(Keep::Dir(data))
}

/// [`history`] kept in `keep`.
fn history_in(keep: Keep) -> serde_json::Value {
    let mut cmd = Command::new(limber());
    cmd.args(["history", "--json"]);
    let out = keep.apply(&mut cmd).env("TZ", "UTC").env_remove("LIMBER_CONTENT").output().expect("run limber history");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn a_desk_session_pauses_resumes_stops_for_sharp_pain_and_restores_the_terminal() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut screen = desk(data.path());

    // The countdown changes on its own.
    let first = screen.wait("a countdown", |s| seconds_left(s).is_some());
    let before = seconds_left(&first).unwrap_or(0);
    screen.wait("the countdown to move", |s| seconds_left(s).is_some_and(|n| n != before));

    // Pause: the screen says so, the keys change, and the countdown stands still.
    screen.key(" ");
    let paused = screen.shows("PAUSED");
    assert!(paused.contains("space  resume"), "{paused}");
    assert!(!paused.contains("a  swap"), "only the keys that apply are shown:\n{paused}");
    let held = seconds_left(&paused).unwrap_or_else(|| panic!("the countdown stays on screen while paused:\n{paused}"));
    std::thread::sleep(Duration::from_millis(600));
    screen.pump();
    let still = screen.vt.screen().contents();
    assert_eq!(seconds_left(&still), Some(held), "a pause stops the clock:\n{still}");

    // Resume, then sharp pain: the session stops and says so at once, with the advice above the
    // pain-after question; the summary gives the advice again.
    screen.key(" ");
    screen.wait("the pause to end", |s| !s.contains("PAUSED"));
    screen.key("x");
    let all =
        ["Stopped for your safety", "STOPPED", "Sharp or intense pain means stop", "how much does your back hurt"];
    screen.wait("the stop, its advice and the pain after below it", |s| all.iter().all(|t| s.contains(t)));
    screen.key("\r");
    let summary = screen.shows("Session stopped: sharp pain");
    assert!(summary.contains("Sharp or intense pain means stop"), "the advice:\n{summary}");

    // Quit from the summary: the terminal is handed back and the exit code says "for safety".
    screen.key("q");
    let status = screen.pty.process().wait().expect("exit status");
    screen.restored();
    match status {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 3, "stopped for safety"),
        other => panic!("unexpected end: {other:?}"),
    }

    // The CLI sees the stopped session in the shared history.
    let sessions = history(data.path());
    let session = &sessions[0];
    assert_eq!((&session["routine"], &session["stopped"]), (&json!("desk"), &json!("sharp-pain")), "{sessions}");
    assert_eq!(session["pain-before"], 3, "with the rating given before: {sessions}");
}

/// Starts a desk session, lets a hold begin, ends the program with `end`, and checks that the
/// terminal is restored, the exit code is `code` and the session is saved as stopped.
fn ends_keeping_what_was_done(code: i32, end: impl FnOnce(&mut Screen)) {
    let data = tempfile::tempdir().expect("temp dir");
    let mut screen = desk(data.path());
    screen.wait("a hold", |s| s.contains("HOLD") || s.contains("MOVE"));
    end(&mut screen);
    let status = screen.pty.process().wait().expect("exit status");
    screen.restored();
    // The screen went with no summary: what became of the session is said after it.
    let said = screen.wait("what became of the session", |s| s.contains("ended early"));
    assert!(said.contains("what you did is saved"), "{said}");
    match status {
        rexpect::process::WaitStatus::Exited(_, exit) => {
            assert_eq!(exit, code, "128 + the signal's number, not 3 (no safety stop)")
        }
        other => panic!("unexpected end: {other:?}"),
    }
    let sessions = history(data.path());
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");
    assert_eq!((&sessions[0]["routine"], &sessions[0]["stopped"]), (&json!("desk"), &json!("aborted")), "{sessions}");
}

#[test]
fn sigterm_in_a_hold_keeps_what_was_done_and_restores_the_terminal() {
    ends_keeping_what_was_done(143, |screen| {
        screen.pty.process_mut().signal(rexpect::process::Signal::SIGTERM).expect("signal");
    });
}

#[test]
fn ctrl_c_in_a_hold_keeps_what_was_done_and_restores_the_terminal() {
    // As SIGINT would: a shell's loop around limber-tui stops there.
    ends_keeping_what_was_done(130, |screen| screen.key("\u{3}"));
}

#[test]
fn a_mistyped_routine_or_hold_is_a_usage_error_before_the_screen_is_taken() {
    let data = tempfile::tempdir().expect("temp dir");
    for (args, says) in [
        (&["sofa-routine"][..], "no routine called `sofa-routine`"),
        (&["--hold", "5"][..], "5 s"),
        // `limber run`'s flags point there, not to `--pain-after`.
        (&["--plain"][..], "`limber run --plain`"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
            .args(args)
            .env("LIMBER_DATA_DIR", data.path())
            .env_remove("LIMBER_CONTENT")
            .output()
            .expect("run limber-tui");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing drawn: {}", String::from_utf8_lossy(&out.stdout));
    }
    // A mistyped routine makes no data directory or database.
    let unmade = data.path().join("not-made-yet");
    let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
        .arg("sofa-routine")
        .env("LIMBER_DATA_DIR", &unmade)
        .env_remove("LIMBER_DATABASE_URL")
        .env_remove("LIMBER_CONTENT")
        .output()
        .expect("run limber-tui");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!unmade.exists(), "{} was made for a mistake", unmade.display());
}

#[test]
fn help_names_the_database_variable_never_its_password_nor_an_empty_one_as_a_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
        .arg("--help")
        .env("LIMBER_DATABASE_URL", "postgres://ann:s3cretpw@db.invalid/limber")
        .output()
        .expect("run limber-tui");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && help.contains("LIMBER_DATABASE_URL") && !help.contains("s3cretpw"), "{help}");
    let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
        .env("LIMBER_DATA_DIR", "")
        .env_remove("LIMBER_DATABASE_URL")
        .output()
        .expect("run limber-tui");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("LIMBER_DATA_DIR is set but empty"), "{said}");
}

#[test]
fn without_a_terminal_it_says_it_needs_one() {
    let data = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
        .env("LIMBER_DATA_DIR", data.path())
        .env_remove("LIMBER_CONTENT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run limber-tui");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("limber-tui draws on a terminal") && stderr.contains("limber run --plain"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing drawn: {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_dumb_terminal_is_told_to_use_the_plain_coach() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "stty rows 24 cols 80 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_limber-tui")]);
    cmd.env("LIMBER_DATA_DIR", data.path()).env("TERM", "dumb").env_remove("LIMBER_CONTENT");
    let pty = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    let mut screen = Screen { pty, vt: vt100::Parser::new(24, 80, 0) };
    let said = screen.shows("limber run --plain");
    assert!(said.contains("TERM=dumb"), "{said}");
    assert!(!screen.vt.screen().alternate_screen(), "no screen was taken");
}

#[test]
fn the_man_page_and_completions_print_whatever_the_environment_sets() {
    let data = tempfile::tempdir().expect("temp dir");
    for (args, says) in [(&["--man"][..], ".TH limber-tui 1"), (&["--completions", "bash"][..], "_limber__tui()")] {
        let out = Command::new(env!("CARGO_BIN_EXE_limber-tui"))
            .args(args)
            .env("LIMBER_DATA_DIR", data.path())
            .env("LIMBER_DATABASE_URL", "postgres://limber@127.0.0.1:1/nothing")
            .env("LIMBER_CONTENT", data.path())
            .output()
            .expect("run limber-tui");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(says), "{args:?}: {}", &stdout[..stdout.len().min(200)]);
        // To a reader that has gone (`| head -c 0`): quietly, and still a success.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_limber-tui")).args(args).stdout(writer).output().expect("run");
        assert!(out.status.success() && out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn a_session_kept_in_postgresql_is_in_the_history_the_cli_reads_there() {
    let Ok(server) = std::env::var("LIMBER_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("LIMBER_REQUIRE_POSTGRES").is_none(),
            "LIMBER_REQUIRE_POSTGRES is set but LIMBER_TEST_DATABASE_URL is not"
        );
        eprintln!("skipped: set LIMBER_TEST_DATABASE_URL to run the TUI on PostgreSQL");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let name = format!("limber_tui_test_{}", std::process::id());
    let url = rt.block_on(limber_app::store::create_database(&server, &name)).expect("a database of the test's own");
    let mut screen = desk_in(Keep::Database(&url));
    screen.wait("a hold", |s| s.contains("HOLD") || s.contains("MOVE"));
    screen.key("\u{3}");
    let status = screen.pty.process().wait().expect("exit status");
    screen.restored();
    assert!(matches!(status, rexpect::process::WaitStatus::Exited(_, 130)), "Ctrl-C: {status:?}");
    let sessions = history_in(Keep::Database(&url));
    let dropped = rt.block_on(limber_app::store::drop_database(&server, &name));
    assert_eq!((&sessions[0]["routine"], &sessions[0]["stopped"]), (&json!("desk"), &json!("aborted")), "{sessions}");
    dropped.expect("drop the test database");
}

#[test]
fn a_history_read_only_to_the_person_is_said_before_the_session_starts() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().expect("temp dir");
    let data = home.path().join("data");
    let made = Command::new(limber()).args(["profile", "--goal", "3"]).env("LIMBER_DATA_DIR", &data).output();
    assert!(made.expect("run limber").status.success());
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    mode(home.path(), 0o755);
    mode(&data, 0o777);
    mode(&data.join("limber.db"), 0o444);
    // Root may write anything: as root, the TUI runs as `nobody`, to whom the file is read-only.
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n");
    let who = if root { "setpriv --reuid=65534 --regid=65534 --clear-groups" } else { "" };
    let tui = env!("CARGO_BIN_EXE_limber-tui");
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("stty rows 24 cols 80 && exec {who} \"$0\" \"$@\""), tui, "desk", "--no-warmup"])
        .env("LIMBER_DATA_DIR", &data)
        .env("TZ", "UTC")
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("LIMBER_DATABASE_URL")
        .env_remove("LIMBER_CONTENT");
    let pty = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    let mut screen = Screen { pty, vt: vt100::Parser::new(24, 80, 0) };
    screen.shows("Safety question 1");
    screen.shows("read-only to you");
    screen.key("q");
    mode(&data.join("limber.db"), 0o644);
}
