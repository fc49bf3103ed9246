//! Single-key control through a real pseudo-terminal.

use rexpect::session::{PtySession, spawn_command};

use crate::support::Home;

/// `limber run ARGS` for `home` in a pseudo-terminal.
fn run_in_pty(home: &Home, args: &[&str]) -> PtySession {
    let mut cmd = home.process();
    cmd.arg("run").args(args).env("TERM", "xterm");
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
fn a_dumb_terminal_or_none_named_gets_every_cue_one_line_each() {
    // Emacs's shell (and Emacspeak) say TERM=dumb: a screen reader there must hear every cue.
    // LIMBER_PLAIN=1 asks for the same anywhere; a terminal that can redraw gets the live screen.
    for (term, plain, live) in [
        (Some("dumb"), None, false),
        (None, None, false),
        (Some("xterm"), Some("1"), false),
        (Some("xterm"), None, true),
    ] {
        let home = Home::new().screened();
        let mut cmd = home.process();
        cmd.arg("run").args(["desk", "--no-warmup", "--speed", "5", "--pain-before", "0", "--pain-after", "0"]);
        match term {
            Some(term) => cmd.env("TERM", term),
            None => cmd.env_remove("TERM"),
        };
        match plain {
            Some(plain) => cmd.env("LIMBER_PLAIN", plain),
            None => cmd.env_remove("LIMBER_PLAIN"),
        };
        let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
        let said = p.exp_string("Begin.").unwrap_or_else(|e| panic!("{term:?}: the start is said: {e}"));
        assert!(said.contains("Step 1."), "{term:?} {plain:?}: the first step is read: {said}");
        // The live screen redraws its status line with escape sequences; plain lines have none.
        assert_eq!(said.contains('\u{1b}'), live, "{term:?} {plain:?}: {said:?}");
        press(&mut p, "x");
        p.exp_string("Sharp or intense pain means stop").unwrap_or_else(|e| panic!("{term:?}: the advice: {e}"));
        p.exp_eof().expect("the process ends");
    }
}

#[test]
fn ctrl_c_at_the_screening_questions_exits_130_saving_nothing() {
    let home = Home::new();
    let mut cmd = home.process();
    cmd.arg("screening").env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    p.exp_string("Question 1 of").expect("the first question");
    press(&mut p, "\u{3}");
    // At the start of a line: the terminal is given back before the words.
    p.exp_string("\r\nScreening needs an answer to every question; nothing was saved.").expect("said");
    p.exp_eof().expect("the process ends");
    match p.process().wait().expect("exit status") {
        rexpect::process::WaitStatus::Exited(_, exit) => assert_eq!(exit, 130),
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn ctrl_c_keeps_what_was_done_and_exits_130_and_q_exits_0() {
    // In a terminal Ctrl-C arrives as a key, not a signal: it still ends as SIGINT would.
    for (key, code) in [("\u{3}", 130), ("q", 0)] {
        let home = Home::new().screened();
        let mut p =
            run_in_pty(&home, &["desk", "--no-warmup", "--speed", "5", "--pain-before", "0", "--pain-after", "0"]);
        p.exp_string("Step 1.").expect("the first step is read");
        press(&mut p, key);
        p.exp_string("What you did is kept.").expect("the session ends, kept");
        p.exp_eof().expect("the process ends");
        match p.process().wait().expect("exit status") {
            rexpect::process::WaitStatus::Exited(_, exit) => assert_eq!(exit, code, "{key:?}"),
            other => panic!("unexpected end: {other:?}"),
        }
        assert_eq!(home.json(&["history"])[0]["stopped"], "aborted", "{key:?}");
    }
}

#[test]
fn keys_from_a_terminal_with_output_into_a_file_write_plain_line_ends() {
    // `limber run | tee log` at a terminal: keys are read one by one, the log has "\n" alone.
    let home = Home::new().screened();
    let log = home.path().join("session.log");
    let mut shell = std::process::Command::new("sh");
    shell.arg("-c").arg(format!(
        "{} run desk --no-warmup --speed 50 --pain-before 0 --pain-after 0 > {}",
        assert_cmd::cargo::cargo_bin("limber").display(),
        log.display()
    ));
    let mut p = spawn_command(home.in_home(shell), Some(30_000)).expect("spawn in a pty");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Step 1.")) {
        assert!(std::time::Instant::now() < deadline, "the session never began");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    press(&mut p, "q");
    p.exp_eof().expect("the process ends");
    let written = std::fs::read_to_string(&log).expect("the log");
    assert!(written.contains("Keys:") && written.contains("What you did is kept."), "{written}");
    assert!(!written.contains('\r'), "{written:?}");
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
        let mut cmd = home.process();
        cmd.arg("show").arg("cat-camel").args(extra).env("TERM", "xterm");
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

#[test]
fn cues_on_a_narrow_terminal_wrap_between_words_under_their_time() {
    let home = Home::new().screened();
    let limber = assert_cmd::cargo::cargo_bin("limber");
    let mut cmd = home.in_home(std::process::Command::new("sh"));
    cmd.arg("-c")
        .arg(format!(
            "stty cols 60 rows 30; exec '{}' run desk --no-warmup --speed 5 --pain-before 0 --pain-after 0",
            limber.display()
        ))
        .env("TZ", "UTC")
        .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    // rexpect reads bytes as Latin-1: back to bytes, for a 60-column screen model.
    let before = p.exp_string("Step 1.").expect("the first step");
    press(&mut p, "q");
    let bytes: Vec<u8> = before.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    let mut screen = vt100::Parser::new(30, 60, 0);
    screen.process(&bytes);
    let rows: Vec<String> = screen.screen().rows(0, 60).collect();
    // "Next up, stretch 1 of 4: Seated cat-cow. The cat-camel movement…" is longer than 60
    // columns: it goes on under the text, after the time, and never inside a word.
    let first = rows.iter().position(|r| r.starts_with("[0:00] Next up, stretch 1 of 4")).expect("the first cue");
    assert!(rows[first + 1].starts_with("       ") && !rows[first + 1].starts_with("        "), "{rows:#?}");
    let text: Vec<&str> = rows[first..].iter().take_while(|r| !r.is_empty()).map(|r| r.trim()).collect();
    assert!(text.join(" ").contains("Seated cat-cow. The cat-camel movement done on a chair"), "{rows:#?}");
    // The lines before the session (its name, the source's credit) wrap between words too.
    let credit = rows.iter().position(|r| r.starts_with("Source: ")).expect("the credit");
    let text: Vec<&str> = rows[credit..].iter().take(3).map(|r| r.trim()).collect();
    assert!(text.join(" ").contains("Relieve Tension and Improve Flexibility\" by"), "{rows:#?}");
    p.exp_eof().expect("the process ends");
}

#[test]
fn show_and_about_wrap_between_words_on_a_narrow_terminal() {
    let home = Home::new();
    let limber = assert_cmd::cargo::cargo_bin("limber");
    for command in ["show seated-twist --plain", "about"] {
        let mut cmd = home.in_home(std::process::Command::new("sh"));
        cmd.arg("-c").arg(format!("stty cols 60 rows 200; exec '{}' {command}", limber.display())).env("TERM", "xterm");
        let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
        let out = p.exp_eof().expect("the output, to its end");
        let bytes: Vec<u8> = out.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
        let mut screen = vt100::Parser::new(200, 60, 0);
        screen.process(&bytes);
        let rows: Vec<String> = screen.screen().rows(0, 60).collect();
        // The credit (and, in `about`, the source's note) wrap at words: the author's name is
        // never cut in two, wherever the line breaks.
        let text = rows.iter().map(|r| r.trim_end()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("Lisa Miller"), "{command}: {text}");
        assert!(rows.iter().all(|r| !r.ends_with("Lis") && !r.ends_with("Mil")), "{command}: {text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("Relieve Tension and Improve Flexibility\" by Lisa Miller."), "{command}: {words}");
    }
}

#[test]
fn the_bell_rings_on_a_terminal_in_plain_mode_too_and_never_into_a_pipe() {
    let home = Home::new().screened();
    let args = ["desk", "--no-warmup", "--speed", "1000", "--pain-before", "0", "--pain-after", "0"];
    let bells = |extra: &[&str]| {
        let mut p = run_in_pty(&home, &[&args[..], extra].concat());
        let out = p.exp_eof().expect("the session runs to its end");
        out.matches('\u{7}').count()
    };
    // A screen reader's user (--plain) still hears each hold begin and end.
    let (live, plain, off) = (bells(&[]), bells(&["--plain"]), bells(&["--plain", "--no-bell"]));
    assert!(live > 10 && plain > 10, "bells: {live} live, {plain} plain");
    assert_eq!(off, 0, "--no-bell");
    let piped = home.limber(&[&["run"][..], &args].concat()).output().expect("runs");
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    assert!(!piped.stdout.contains(&7), "no bell into a pipe or a log");
}

#[test]
fn one_e_asks_and_a_second_within_four_seconds_reports_chest_pain() {
    let home = Home::new().screened();
    let mut p = run_in_pty(&home, &["desk", "--no-warmup", "--speed", "2", "--pain-before", "0", "--pain-after", "0"]);
    p.exp_string("Step 1.").expect("the first step is read");
    press(&mut p, "e");
    p.exp_string("Press e again within 4 seconds").expect("one e asks");
    // Left to lapse, it stopped nothing: the session goes on and takes other keys.
    std::thread::sleep(limber_app::keys::CHEST_AGAIN + std::time::Duration::from_millis(500));
    press(&mut p, " ");
    p.exp_string("Paused.").expect("still running");
    // Twice, in one write (so no round trip comes between on a loaded machine): reported.
    press(&mut p, "ee");
    p.exp_string("call your local emergency number").expect("the second e reports");
    p.exp_eof().expect("the process ends");
    match p.process().wait().expect("exit status") {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 3),
        other => panic!("unexpected end: {other:?}"),
    }
    let history = home.json(&["history"]);
    assert_eq!(history[0]["stopped"], "emergency", "{history}");
}
