//! The safety defects found in use, each through the real binary: pain above 5 twice, safety
//! reports at prompts, routine promises, closed pipes, bad holds, signals and lost flags.

use std::io::{BufRead, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::json;

use crate::support::Home;

fn limber_process(home: &Home, args: &[&str]) -> Command {
    let mut cmd = home.process();
    cmd.args(args);
    cmd
}

#[test]
fn a_second_rating_above_five_stops_the_session_for_safety() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2", "--pain-after", "2"])
        .write_stdin("@30 pain 7\n@45 pain 7\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("7 out of 10 is too much"))
        .stdout(predicate::str::contains("second time the pain has gone above 5"))
        .stdout(predicate::str::contains("see a doctor or physiotherapist"))
        .stderr(predicate::str::contains("stopped this session for your safety"));
    let history = home.json(&["history"]);
    assert_eq!(history[0]["stopped"], "pain", "recorded as stopped for pain");
}

#[test]
fn one_rating_above_five_and_yes_to_stopping_says_so_truly() {
    let home = Home::new().screened();
    // During the warm-up, a rating above 5 asks whether to stop; yes stops after that one rating.
    home.limber(&["run", "desk", "--speed", "200", "--pain-before", "2", "--pain-after", "7"])
        .write_stdin("@5 pain 7\n@6 yes\n")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("because the pain went above 5."))
        .stderr(predicate::str::contains("twice").not());
}

#[test]
fn a_mistyped_line_is_said_on_standard_error_and_the_session_goes_on() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2", "--pain-after", "2"])
        .write_stdin("@3 pain sharpp\n@4 pain 11\n@5 quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("not understood").not())
        .stderr(predicate::str::contains("limber: a line was not understood: `pain sharpp`"))
        .stderr(predicate::str::contains("limber: a line was not understood: `pain 11`"));
    assert_eq!(home.json(&["history"])[0]["stopped"], "aborted", "the quit after them was heard");
}

#[test]
fn safety_signs_typed_in_the_persons_own_words_stop_the_session() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2"])
        .write_stdin("@5 short of breath\n@6 quit\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("call your local emergency number"))
        .stdout(predicate::str::contains("unknown command").not());
    // (In another home: after the emergency sign above, no session starts today.)
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2", "--pain-after", "4"])
        // Once the first stretch's steps are read (after its cautions), the press is put down to it.
        .write_stdin("@40 sharp pain!\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Sharp or intense pain means stop"))
        .stdout(predicate::str::contains("set aside from your plans"));
}

#[test]
fn after_an_emergency_sign_no_session_starts_that_day() {
    // (The next day's session asks every question again: limber-app's tests move the clock.)
    let clear = crate::support::CLEAR_ANSWERS;
    let refused = |home: &Home| {
        home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "1"])
            .write_stdin("")
            .assert()
            .code(3)
            .stdout(predicate::str::contains("Question 1").not())
            .stdout(predicate::str::contains("Seated").not())
            .stderr(predicate::str::contains("no session starts until"))
            .stderr(predicate::str::contains("call your local emergency number"));
    };
    // Mid-session: the stored answers were clear, but this stop means no more stretching today,
    // answered clear again or not.
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2"])
        .write_stdin("@5 chest\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("call your local emergency number"));
    refused(&home);
    // Its statistics say so first, before the week's count.
    home.limber(&["stats"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("An emergency sign was reported at"))
        .stdout(predicate::str::contains("no session starts until"));
    // Answered clear again, the answers are kept; the day's refusal is said before the questions,
    // and clear answers are never called leave to stretch today.
    home.limber(&["screening"])
        .write_stdin(clear)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Your answers are saved."))
        .stdout(predicate::str::contains("stretching once that day has passed"))
        .stdout(predicate::str::contains("stretching today").not())
        .stderr(predicate::str::starts_with("An emergency sign was reported at"))
        .stderr(predicate::str::contains("answers that are clear count from then"))
        .stderr(predicate::str::contains("But an").not());
    // A sign a clinician has checked: their advice, for once the day has passed.
    let checked = format!("{}yes\nyes\nyes\n", "no\n".repeat(11));
    home.limber(&["screening"])
        .write_stdin(checked)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Once that day has passed, go gently, as your clinician advised"))
        .stdout(predicate::str::contains("stretching today").not());
    refused(&home);
    home.limber(&["run", "desk", "--screening"]).write_stdin(clear).assert().code(3);
    // Before any exercise (at the pain question), the same.
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--speed", "200"])
        .write_stdin("breathless\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Question 1").not())
        .stdout(predicate::str::contains("call your local emergency number"))
        .stderr(predicate::str::contains("asks the safety questions again"));
    refused(&home);
    // Inside `limber screening` itself (chest pain reported at a question), the same.
    let home = Home::new().screened();
    home.limber(&["screening"])
        .write_stdin("no\nshort of breath\n")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("your earlier answers no longer count"));
    refused(&home);
    // A yes to the chest-pain question, answered as a question: the same, and not "saved".
    let home = Home::new().screened();
    home.limber(&["screening"])
        .write_stdin("yes\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Your answers are saved").not())
        .stderr(predicate::str::contains("your earlier answers no longer count"));
    refused(&home);
    // A session stopped for chest pain on another device, imported here: the same.
    let export = home_with_emergency_export();
    let home = Home::new().screened();
    home.limber(&["import"])
        .arg(export.path())
        .assert()
        .success()
        .stderr(predicate::str::starts_with("An emergency sign was reported at"))
        .stderr(predicate::str::contains("no session starts until"));
    refused(&home);
    // Imported again, it adds nothing, and says nothing more.
    home.limber(&["import"]).arg(export.path()).assert().success().stderr(predicate::str::is_empty());
    // Reading and the rest still work: only sessions wait.
    home.limber(&["history"]).assert().success().stdout(predicate::str::contains("emergency"));
}

/// An export whose one session stopped for chest pain today.
fn home_with_emergency_export() -> tempfile::NamedTempFile {
    let other = Home::new().screened();
    other
        .limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "2"])
        .write_stdin("@5 chest\n")
        .assert()
        .code(3);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    other.limber(&["export", "--output"]).arg(file.path()).assert().success();
    file
}

#[test]
fn sharp_pain_typed_at_the_first_prompt_stops_at_once() {
    let home = Home::new().screened();
    home.limber(&["run", "full", "--speed", "200"])
        .write_stdin("pain sharp\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("leave the stretches for today: sharp or intense pain"))
        .stdout(predicate::str::contains("Warm up").not());
    // And at a screening question, before any exercise.
    Home::new()
        .limber(&["run", "desk", "--speed", "200"])
        .write_stdin("no\nchest pain\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("call your local emergency number"))
        .stdout(predicate::str::contains("Question 3 of 13").not());
}

#[test]
fn desk_swaps_stay_on_the_chair() {
    let home = Home::new().screened();
    let out = home
        .limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "0", "--pain-after", "0"])
        .write_stdin("@5 swap\n@6 swap\n@7 swap\n@8 swap\n@9 quit\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    // Every other seated stretch for the mid back is already in the desk routine, so a swap
    // says so and moves on, rather than leaving the chair or repeating a stretch.
    assert!(out.contains("No other stretch that suits you and this routine reaches the same area"), "{out}");
    assert!(out.contains("so we move on"), "{out}");
    assert!(!out.contains("Swapping"), "{out}");
    for off_the_chair in ["Cat-camel", "Thread the needle", "Open book", "Towel extension", "Standing"] {
        assert!(
            !out.contains(&format!("for {off_the_chair}")),
            "desk swapped off the chair to {off_the_chair}:\n{out}"
        );
    }
}

#[test]
fn no_kneel_swaps_never_kneel_or_need_equipment() {
    let home = Home::new().screened();
    let out = home
        .limber(&["run", "no-kneel", "--no-warmup", "--speed", "200", "--pain-before", "0", "--pain-after", "0"])
        .write_stdin("@5 swap\n@6 swap\n@7 swap\n@8 swap\n@9 quit\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    assert!(out.contains("Swapping") || out.contains("No other stretch that suits you"), "{out}");
    for kneeling_or_kit in ["Cat-camel", "Thread the needle", "Towel extension", "Upper-back foam rolling", "Seated"] {
        assert!(!out.contains(&format!("for {kneeling_or_kit}")), "no-kneel swapped to {kneeling_or_kit}:\n{out}");
    }
}

#[test]
fn a_hold_outside_10_to_60_seconds_is_refused() {
    Home::new().limber(&["run", "--hold", "5"]).assert().code(2).stderr(predicate::str::contains("outside 10–60 s"));
    Home::new().limber(&["run", "--hold", "90"]).assert().code(2).stderr(predicate::str::contains("ACSM"));
}

#[test]
fn a_closed_pipe_ends_limber_quietly() {
    let home = Home::new().screened();
    let mut child = limber_process(&home, &["run", "desk", "--speed", "50", "--pain-before", "0", "--pain-after", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read up to the first timed cue, so the exercise has begun (a session that ends before it
    // is not saved at all), then stop reading, as `| head -3` does.
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.starts_with('[') {
        line.clear();
        assert_ne!(out.read_line(&mut line).expect("some output"), 0, "output ended before the first cue");
    }
    drop(out);
    let status = child.wait().expect("ends");
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(status.code(), Some(101), "{err}");
    // Nobody read the cues: the session ended there, as `q` ends it, and is not saved as done
    // (at 50×, running on would have taken some 10 s and finished every stretch).
    let history = home.json(&["history"]);
    assert_eq!(history[0]["stopped"], "aborted", "{history}");
    assert!(
        history[0]["items"].as_array().is_some_and(|items| items.iter().all(|i| i["status"] != "done")),
        "{history}"
    );
}

#[test]
fn a_high_rating_before_the_routine_asks_first_and_yes_stops_before_any_exercise() {
    let home = Home::new().screened();
    home.limber(&["run", "desk"])
        .write_stdin("pain 8\nyes\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("8 out of 10 before starting is a lot"))
        .stdout(predicate::str::contains("Do you want to stop for today?"))
        .stdout(predicate::str::contains("Next up").not())
        // No position was taken: nothing to ease out of.
        .stdout(predicate::str::contains("no stretching with pain this high"))
        .stdout(predicate::str::contains("Ease out").not())
        .stderr(predicate::str::contains("stopped before any exercise, for your safety. Your pain rating is saved"));
    // Kept, with the rating: the trend sees it (and no hold grows that day), no goal counts it.
    let history = home.json(&["history"]);
    assert_eq!(
        (history[0]["stopped"].clone(), history[0]["pain-before"].clone()),
        (json!("pain"), json!(8)),
        "{history}"
    );
    assert!(
        history[0]["items"].as_array().is_some_and(|i| i.iter().all(|i| i["status"] == "not-reached")),
        "{history}"
    );
    let stats = home.json(&["stats"]);
    assert_eq!(stats["adherence"]["this_week"], 0, "{stats}");
    assert_eq!(stats["pain_trend"]["first_and_latest"], json!([8, 8]), "{stats}");
    // Given on the command line, it is asked all the same; no carries on.
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "7", "--pain-after", "9"])
        .write_stdin("no\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("7 out of 10 before starting is a lot"))
        .stdout(predicate::str::contains("Next up, stretch 1"))
        .stdout(predicate::str::contains("Noted: 9 out of 10, up from 7 before the session."));
}

#[test]
fn commands_printing_to_a_reader_that_has_gone_end_quietly() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin("")
        .assert()
        .success();
    // More history than the output buffers hold, so writes fail before the last flush too.
    let file = home.path().join("many.json");
    home.limber(&["export", "--output", file.to_str().expect("utf-8")]).assert().success();
    let one: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("export")).expect("json");
    let many: Vec<serde_json::Value> = (0..200)
        .map(|n| {
            let mut s = one["sessions"][0].clone();
            s["id"] = serde_json::json!(format!("00000000-0000-4000-8000-{n:012}"));
            s
        })
        .collect();
    std::fs::write(&file, serde_json::json!({"limber-export": 3, "sessions": many}).to_string()).expect("write");
    home.limber(&["import", file.to_str().expect("utf-8")]).assert().success();
    for args in [
        &["completions", "bash"][..],
        &["history", "--jsonl", "--all"],
        &["history"],
        &["stats", "--json"],
        &["export"],
        &["export", "--format", "csv"],
        &["handout"],
        &["list", "--json"],
        &["history", "--json", "--all"],
        &["list"],
        &["show", "thread-the-needle"],
        &["faq"],
        &["tips"],
        &["precautions"],
        &["man"],
    ] {
        // A pipe whose reader has already gone: every write fails (`| head -c 0`).
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = limber_process(&home, args).stdin(Stdio::null()).stdout(writer).output().expect("limber runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!((out.status.code(), err.as_ref()), (Some(0), ""), "limber {}", args.join(" "));
    }
}

#[test]
fn a_signal_mid_session_keeps_what_was_done_and_exits_128_plus_its_number() {
    use nix::sys::signal::Signal;
    // 130 after Ctrl-C: a shell's loop around `limber run` stops there, as after any program.
    for (signal, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129), (Signal::SIGINT, 130)] {
        ends_on_signal(signal, code);
    }
}

fn ends_on_signal(signal: nix::sys::signal::Signal, code: i32) {
    let home = Home::new().screened();
    let mut child = limber_process(
        &home,
        &["run", "desk", "--no-warmup", "--speed", "4", "--pain-before", "1", "--pain-after", "1"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 32];
    out.read_exact(&mut first).expect("the session started");
    std::thread::sleep(Duration::from_millis(1500));
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, signal).expect("signal");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("output");
    let status = child.wait().expect("ends");
    assert_eq!(status.code(), Some(code), "{signal}: {rest}");
    assert!(rest.contains("Session ended. What you did is kept."), "{rest}");
    let history = home.json(&["history"]);
    assert_eq!(history.as_array().map(Vec::len), Some(1), "saved: {rest}");
    assert_eq!(history[0]["stopped"], "aborted");
}

#[test]
fn a_flag_set_by_another_process_during_a_session_is_kept() {
    let home = Home::new().screened();
    // A: a session on the same database that waits before each stretch.
    let mut a = limber_process(
        &home,
        &["run", "desk", "--no-warmup", "--wait", "--speed", "50", "--pain-before", "0", "--pain-after", "0"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn A");
    let mut to_a = a.stdin.take().expect("stdin");
    let (said, from_a) = std::sync::mpsc::channel();
    let out = a.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = said.send(line);
        }
    });
    let until = |text: &str| loop {
        let line = from_a.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("A never said {text:?}"));
        if line.contains(text) {
            break;
        }
    };
    // A has planned its session, Seated cat-cow first, and waits to start it.
    until("start when you are ready");
    // B: sharp pain in the first stretch's hold sets it aside.
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "0", "--pain-after", "0"])
        .write_stdin("@60 pain sharp\n")
        .assert()
        .code(3);
    assert_eq!(home.json(&["profile"])["flagged"], json!(["seated-cat-cow"]));
    // A then does that same stretch comfortably, and ends: saving its progression must not
    // undo B's flag.
    writeln!(to_a, "start").expect("start A");
    until("How did Seated cat-cow feel");
    writeln!(to_a, "comfortable").expect("rate A");
    until("Next up, stretch 2");
    writeln!(to_a, "quit").expect("quit A");
    assert!(a.wait().expect("A ends").success());
    let history = home.json(&["history"]);
    assert_eq!(history.as_array().map(Vec::len), Some(2));
    let a_did = history.as_array().unwrap().iter().find(|s| s["stopped"] == "aborted").expect("A's session");
    assert_eq!(
        (&a_did["items"][0]["stretch"], &a_did["items"][0]["comfort"]),
        (&json!("seated-cat-cow"), &json!("comfortable"))
    );
    assert_eq!(home.json(&["profile"])["flagged"], json!(["seated-cat-cow"]), "A kept B's flag");
}

#[test]
fn pain_above_five_while_paused_swaps_and_the_new_stretch_starts_whole_at_the_resume() {
    let home = Home::new().screened();
    home.limber(&["run", "no-kneel", "--no-warmup", "--speed", "200", "--pain-before", "0", "--pain-after", "0"])
        // In the first stretch's hold (0:59 to 1:35).
        .write_stdin("@65 pause\n@66 pain 7\n@360 resume\n@361 quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("7 out of 10 is too much"))
        .stdout(predicate::str::contains("[1:06] Next up, stretch 2 of 4"))
        // The new stretch's whole introduction is still to come after a pause of almost 5 minutes.
        .stdout(predicate::str::is_match(r"\[6:00\] Resuming: [1-9][0-9]* seconds left").expect("regex"));
}

#[test]
fn a_scripted_line_acts_at_exactly_its_session_time() {
    let home = Home::new().screened();
    let trace = home.path().join("trace.jsonl");
    home.limber(&["run", "desk", "--no-warmup", "--speed", "100", "--pain-before", "0", "--pain-after", "0"])
        .args(["--trace", trace.to_str().expect("utf-8")])
        .write_stdin("@12.5 pause\n@13 quit\n")
        .assert()
        .success();
    let text = std::fs::read_to_string(&trace).expect("a trace");
    let paused: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["kind"]["kind"] == "paused")
        .expect("a pause cue");
    // Session time 12.5 s at 100x is 125 ms of wall time, to the millisecond, whatever the jitter.
    assert_eq!(paused["scheduled_ms"].as_f64(), Some(125.0), "{paused}");
}

#[test]
fn a_line_that_is_not_utf8_does_not_stop_a_later_sharp_pain_being_heard() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin(b"caf\xe9\n@12 pain sharp\n".to_vec())
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Sharp or intense pain means stop"));
}

#[test]
fn pain_that_swaps_a_stretch_is_put_down_to_that_stretch_not_its_replacement() {
    let home = Home::new().screened();
    let out = home
        .limber(&["run", "full", "--no-warmup", "--speed", "100", "--pain-before", "2", "--pain-after", "2"])
        // In Cat-camel's flow (1:10 to 1:46).
        .write_stdin("@80 pain 7\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Let's try Seated cat-cow instead"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).expect("utf-8");
    let line = |start: &str| out.lines().find(|l| l.trim_start().starts_with(start)).map(str::to_owned);
    let hurt = line("swapped out   Cat-camel").unwrap_or_else(|| panic!("the stretch that hurt: {out}"));
    assert!(hurt.contains("too painful (7/10)"), "{hurt}");
    let instead = line("done          Seated cat-cow (instead of Cat-camel)").unwrap_or_else(|| panic!("{out}"));
    assert!(!instead.contains("painful") && !instead.contains("discomfort"), "{instead}");
    let history = home.json(&["history"]);
    let items: Vec<(String, String)> = history[0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["stretch"].as_str().unwrap().to_owned(), i["status"].as_str().unwrap().to_owned()))
        .take(2)
        .collect();
    assert_eq!(items, [("cat-camel".into(), "swapped".into()), ("seated-cat-cow".into(), "done".into())]);
    // The routine's five stretches, the one swapped out counted once.
    home.limber(&["history"]).assert().success().stdout(predicate::str::contains("5 of 5"));
}

#[test]
fn a_stretch_set_aside_is_stored_at_the_press_and_survives_the_process_being_killed() {
    use std::io::Write as _;
    let home = Home::new().screened();
    // Spawned by hand: standard input stays open, as at a terminal.
    let mut child = home
        .process()
        .args(["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "2"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("limber run");
    // Sharp pain during the first hold; the session then waits for the rating after.
    child.stdin.as_mut().expect("stdin").write_all(b"@60 pain sharp\n").expect("write");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while home.json(&["profile"])["flagged"].as_array().is_none_or(Vec::is_empty) {
        assert!(std::time::Instant::now() < deadline, "never stored while the session waited");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Killed at the prompt (no chance to save): the stretch stays set aside.
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert_eq!(home.json(&["profile"])["flagged"].as_array().map(Vec::len), Some(1));
}

#[test]
fn an_emergency_sign_kept_in_a_file_and_imported_by_hand_refuses_the_day_and_adds_no_session() {
    let home = Home::new().screened();
    // What limber keeps when the history cannot take an emergency sign given at the safety
    // questions: one session with no stretch, no warm-up and no time stretching.
    let now =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis())
            .expect("ms");
    let kept = serde_json::json!({"limber-export": 6, "sessions": [{
        "id": "00000000-0000-4000-8000-00000000e911", "routine": "desk", "started-at-ms": now - 30_000,
        "ended-at-ms": now, "stopped": "emergency", "warmed-up": false, "active-ms": 0,
        "pain-before": null, "pain-after": null, "flagged": null, "items": [],
    }]});
    // (Named otherwise: one of that name beside the database is brought in by the next session.)
    let file = home.path().join("kept-emergency.json");
    std::fs::write(&file, kept.to_string()).expect("write");
    home.limber(&["import"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("Imported 0 sessions"))
        .stdout(predicate::str::contains("Noted 1 emergency sign reported before any stretch"))
        .stderr(predicate::str::starts_with("An emergency sign was reported at"));
    // Not a session of no stretch in the history: the answers are set aside, as the store keeps
    // such a stop.
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "1"])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no session starts until"));
    // Imported again: nothing more is noted or said.
    home.limber(&["import"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("Noted").not())
        .stderr(predicate::str::is_empty());
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
}
