//! Single-key control through a real pseudo-terminal.

use rexpect::session::{PtySession, spawn_command};

use crate::support::Home;

/// `limber run ARGS` for `home` in a pseudo-terminal.
fn run_in_pty(home: &Home, args: &[&str]) -> PtySession {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("limber"));
    cmd.arg("run").args(args).env("LIMBER_DATA_DIR", home.path()).env("TZ", "UTC").env("TERM", "xterm");
    spawn_command(cmd, Some(30_000)).expect("spawn in a pty")
}

/// Presses `key`.
fn press(p: &mut PtySession, key: &str) {
    p.send(key).expect("send a key");
    p.flush().expect("flush");
}

#[test]
fn single_keys_pause_resume_rate_pain_and_stop_on_sharp_pain() {
    let home = Home::new().screened();
    let mut p = run_in_pty(&home, &["desk", "--no-warmup", "--speed", "5", "--pain-before", "0", "--pain-after", "0"]);
    // rexpect reads bytes as Latin-1, so match ASCII stretches of the keys line.
    p.exp_string("Keys: space pause").expect("keys are shown");
    p.exp_string("0-9 pain").expect("the pain keys are shown");
    p.exp_string("Step 1.").expect("the first step is read");
    // Each step: a key pressed, and what the screen must then show.
    let steps = [
        (" ", "Paused.", "space pauses"),
        (" ", "Resuming", "space resumes"),
        ("7", "7 out of 10 is too much", "a digit rates pain"),
        ("x", "Sharp or intense pain means stop", "x stops for sharp pain"),
    ];
    for (key, shown, what) in steps {
        press(&mut p, key);
        p.exp_string(shown).expect(what);
    }
    p.exp_string("stopped this session for your safety").expect("the safety note");
    p.exp_eof().expect("the process ends");
    match p.process().wait().expect("exit status") {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 3),
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn ten_is_typed_as_one_then_zero_at_the_pain_prompt() {
    let home = Home::new().screened();
    let mut p = run_in_pty(&home, &["desk", "--no-warmup", "--speed", "5", "--pain-after", "0"]);
    p.exp_string("to 10? Or skip.").expect("the pain before is asked");
    // The keys line shows the keys that apply now, in the prompt's words.
    p.exp_string("enter no rating").expect("the keys of the prompt");
    p.exp_string("0-9 rate pain").expect("the keys of the prompt");
    press(&mut p, "1");
    p.exp_string("press 0 to make it 10").expect("a 1 waits for the next key");
    press(&mut p, "0");
    // That much pain before starting: asked whether to stop for today; n carries on.
    p.exp_string("10 out of 10 before starting").expect("the rating was 10");
    p.exp_string("stop for today?").expect("asked whether to stop");
    press(&mut p, "n");
    p.exp_string("Step 1.").expect("the session goes on");
    press(&mut p, "q");
    p.exp_eof().expect("the process ends");
    let history = home.json(&["history"]);
    assert_eq!(history[0]["pain-before"], 10, "{history}");
}

#[test]
fn show_draws_the_key_poses_on_a_terminal_and_not_with_plain_or_in_a_pipe() {
    let home = Home::new();
    let names = "Table-top           Cat                 Camel";
    let run = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("limber"));
        cmd.arg("show").arg("cat-camel").args(extra).env("LIMBER_DATA_DIR", home.path()).env("TERM", "xterm");
        let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
        let before = p.exp_string("Works:").expect("the stretch is shown");
        p.exp_eof().expect("the process ends");
        before
    };
    let drawn = run(&[]);
    assert!(drawn.contains(names), "{drawn}");
    // Braille cells (U+28xx, bytes E2 A0..A3 .., read here as Latin-1) draw the poses.
    assert!(drawn.contains('\u{e2}'), "{drawn}");
    assert!(!run(&["--plain"]).contains(names));
    let piped = home.limber(&["show", "cat-camel"]).assert().success().get_output().stdout.clone();
    assert!(!String::from_utf8_lossy(&piped).contains(names));
}
