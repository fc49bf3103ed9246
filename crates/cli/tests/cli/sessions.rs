//! Whole sessions, scripted through standard input, and what they leave in history.

use predicates::prelude::*;

use crate::support::Home;

#[test]
fn a_session_of_stand_ins_still_credits_the_article() {
    // The no-kneeling routine: every stretch is a stand-in limber adds, but the routine, the
    // warm-up and the advice are the article's.
    let home = Home::new().screened();
    home.limber(&["run", "no-kneel", "--speed", "500", "--no-warmup", "--pain-before", "1", "--pain-after", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Source: \"Stretches for Mid Back Pain"));
    // A coach's own routine of their own stretches is not credited to the article.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/user");
    let args = ["run", "evening", "--speed", "500", "--pain-before", "1", "--pain-after", "1", "--content"];
    home.limber(&args)
        .arg(&fixture)
        .assert()
        .success()
        .stdout(predicate::str::contains("Evening wind-down"))
        .stdout(predicate::str::contains("Source:").not());
}

#[test]
fn a_scripted_session_finishes_and_appears_in_history_and_stats() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--speed", "500", "--pain-after", "2"])
        .write_stdin("4\n@40 discomfort\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Next up, stretch 1 of 4: Seated cat-cow"))
        // The steps are given in full, so the article they follow is credited.
        .stdout(predicate::str::contains(
            "Source: \"Stretches for Mid Back Pain: Relieve Tension and Improve Flexibility\" by Lisa Miller.",
        ))
        .stdout(predicate::str::contains("Step 3. Turn your upper body slowly to the right"))
        .stdout(predicate::str::contains("Switch sides"))
        .stdout(predicate::str::contains("That completes Seated desk break"))
        // Run 500 times faster than real time, nobody held anything for 15 s: a preview.
        .stdout(predicate::str::contains("Saved as a preview (run faster than real time)"))
        .stdout(predicate::str::contains("This week: 0 of 3 sessions."));
    let history = home.json(&["history"]);
    let sessions = history.as_array().expect("a list");
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s["routine"], "desk");
    assert_eq!(s["stopped"], serde_json::Value::Null);
    assert_eq!((s["pain-before"].as_u64(), s["pain-after"].as_u64()), (Some(4), Some(2)));
    assert_eq!(s["items"].as_array().map(Vec::len), Some(4));
    assert!(s["items"].as_array().expect("items").iter().all(|i| i["status"] == "done"));
    assert_eq!(s["preview"], true);
    home.limber(&["history"]).assert().success().stdout(predicate::str::contains("4 of 4  4 → 2  (preview)"));
    assert_eq!(home.json(&["history", "--since", "2000-01-01"]).as_array().map(Vec::len), Some(1));
    assert_eq!(home.json(&["history", "--since", "2999-01-01"]), serde_json::json!([]));
    let stats = home.json(&["stats"]);
    assert_eq!(stats["sessions"], 1);
    assert_eq!(stats["adherence"]["this_week"], 0, "a preview counts toward no weekly goal");
    assert_eq!(stats["adherence"]["goal"], 3);
    assert_eq!(stats["holds"].as_array().map(Vec::len), Some(4));
    // Marked at the end of its line, a preview keeps the columns in line with other sessions.
    home.limber(&["run", "desk", "--no-warmup", "--speed", "500", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin("@12 pain sharp\n")
        .assert()
        .code(3);
    let out = home.limber(&["history"]).assert().success().get_output().stdout.clone();
    let rows: Vec<String> = String::from_utf8(out).expect("utf-8").lines().map(str::to_owned).collect();
    let column = |row: &String| row.find(" of ").expect("the stretches column");
    assert!(rows.len() == 3 && column(&rows[1]) == column(&rows[2]), "a heading and two sessions: {rows:#?}");
}

#[test]
fn sharp_pain_stops_the_session_with_the_safety_code_and_is_stored_as_stopped() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "3", "--pain-after", "6"])
        .write_stdin("@60 pain sharp\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Sharp or intense pain means stop"))
        .stderr(predicate::str::contains("stopped this session for your safety"));
    let history = home.json(&["history"]);
    assert_eq!(history[0]["stopped"], "sharp-pain");
    assert_eq!(history[0]["flagged"], "seated-cat-cow");
    let profile = home.json(&["profile"]);
    assert_eq!(profile["flagged"], serde_json::json!(["seated-cat-cow"]));
    // The next plan sets the flagged stretch aside, until it is cleared.
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "0", "--pain-after", "0"])
        .write_stdin("@1 quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Seated cat-cow caused sharp pain before"));
    home.limber(&["profile", "--clear-flag", "seated-cat-cow"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Seated cat-cow is back in your sessions."));
    assert_eq!(home.json(&["profile"])["flagged"], serde_json::json!([]));
    home.limber(&["profile", "--clear-flag", "seated-cat-cow"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Seated cat-cow was not set aside; nothing to clear."));
    // With --json, standard output is the JSON alone; what was cleared is said beside it.
    let out = home.limber(&["profile", "--clear-flag", "seated-cat-cow", "--json"]).output().expect("runs");
    let profile: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON alone on standard output");
    assert_eq!(profile["flagged"], serde_json::json!([]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to clear"));
}

#[test]
fn a_red_flag_answer_stops_before_any_exercise() {
    let home = Home::new();
    home.limber(&["run", "--speed", "100", "--pain-before", "2"])
        .write_stdin("yes\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Question 1 of 13"))
        .stdout(predicate::str::contains("call your local emergency number"))
        .stdout(predicate::str::contains("Warm up").not())
        .stderr(predicate::str::contains("stopped before any exercise"))
        // The answers no longer clear the person, so they are not said to be "saved".
        .stderr(predicate::str::contains("No more stretching today; the next session asks the safety questions again"))
        .stderr(predicate::str::contains("Your answers are saved").not());
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
    // No session starts again today (and the next day's asks every question again).
    home.limber(&["run", "--speed", "100", "--pain-before", "2"])
        .write_stdin("")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Question 1 of 13").not())
        .stderr(predicate::str::contains("no session starts until"));
}

#[test]
fn input_ending_at_the_rating_before_the_routine_runs_nothing_and_saves_nothing() {
    // Nobody is there to rate the pain: no warm-up, no stretch, no session that would count as
    // done and lengthen the holds.
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--speed", "1000"])
        .write_stdin("")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("How much does your back hurt right now"))
        .stdout(predicate::str::contains("Warm up").not())
        .stdout(predicate::str::contains("Next up").not())
        .stderr(predicate::str::contains("Input ended before any exercise; nothing was saved."));
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
    assert_eq!(home.json(&["stats"])["sessions"], 0);
}

#[test]
fn sharp_pain_during_the_questions_stops_and_says_nothing_was_saved() {
    let home = Home::new();
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2"])
        .write_stdin("no\nno\npain sharp\n")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("Question 3 of 13"))
        // No stretch was taken, so there is no position to ease out of: the advice says so.
        .stdout(predicate::str::contains("leave the stretches for today"))
        .stdout(predicate::str::contains("ease out of the position").not())
        .stderr(predicate::str::contains("stopped before any exercise, for your safety. Nothing was saved."));
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
    // The answers were not complete, so none were kept: the questions start again from the first.
    // Input that ends there is a failure for a script, as it is for `limber screening`.
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2"])
        .write_stdin("")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Question 1 of 13"))
        .stderr(predicate::str::contains("Input ended before any exercise; nothing was saved."));
    // Quitting on purpose is not.
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2"])
        .write_stdin("q\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Session ended before any exercise."))
        .stdout(predicate::str::contains("What you did is kept").not())
        .stderr(predicate::str::contains("The session ended before any exercise; nothing was saved."));
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
}

#[test]
fn a_see_a_clinician_answer_stops_unless_a_clinician_has_assessed_it() {
    let home = Home::new();
    // Every warning sign "no", but no clinician has looked at this pain yet: that answer already
    // says what the confirmation would ask, so the advice comes at once.
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2"])
        .write_stdin("no\n".repeat(13))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("have a doctor or physiotherapist look at this pain: you said none has yet"))
        // Not called a worrying answer: none was.
        .stdout(predicate::str::contains("Some of your answers").not())
        .stdout(predicate::str::contains("said stretching is fine? (yes or no)").not());
    // Pain worse at night (question 8), and a clinician has looked at it: asked to confirm that
    // they said stretching is fine. Input that ends there keeps the answers and exits 1.
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2"])
        .write_stdin(format!("{}yes\n{}yes\n", "no\n".repeat(7), "no\n".repeat(4)))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("said stretching is fine? (yes or no)"))
        .stderr(predicate::str::contains(
            "Input ended before any exercise; your answers to the safety questions are saved.",
        ));
    // "yes" goes on.
    let answers = format!("{}yes\n{}yes\nyes\n@1 quit\n", "no\n".repeat(7), "no\n".repeat(4));
    home.limber(&[
        "run",
        "desk",
        "--no-warmup",
        "--speed",
        "100",
        "--pain-before",
        "2",
        "--pain-after",
        "2",
        "--screening",
    ])
    .write_stdin(answers)
    .assert()
    .success()
    .stdout(predicate::str::contains("said stretching is fine? (yes or no)"))
    .stdout(predicate::str::contains("Next up, stretch 1 of 4"));
    // Confirmed as assessed: the next session starts without asking.
    home.limber(&["run", "desk", "--speed", "100", "--pain-before", "2", "--pain-after", "2"])
        .write_stdin("@1 quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Question").not());
}

#[test]
fn export_then_import_into_a_fresh_home_gives_identical_history() {
    let home = Home::new().screened();
    home.limber(&["profile", "--equipment", "chair,foam-roller", "--avoid", "kneeling", "--goal", "5"])
        .assert()
        .success();
    for (script, code) in [("@1 quit\n", 0), ("@5 skip\n@30 swap\n", 0), ("@60 pain sharp\n", 3)] {
        home.limber(&["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "5", "--pain-after", "3"])
            .write_stdin(script)
            .assert()
            .code(code);
    }
    let file = home.path().join("export.json");
    home.limber(&["export", "--format", "json", "--output", file.to_str().expect("utf-8 path")]).assert().success();
    // A stretch this limber does not have (another machine's own content) is kept only when it
    // is set aside (for the day that content is added here).
    let mut export: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    export["progression"]["no-such-stretch"] =
        serde_json::json!({"hold-seconds": 20, "comfortable-streak": 0, "flagged": true});
    std::fs::write(&file, export.to_string()).expect("write");
    let fresh = Home::new();
    fresh
        .limber(&["import", file.to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Imported 3 sessions (0 already present).\n"))
        .stdout(predicate::str::contains("Merged the hold times and set-aside stretches of"))
        .stdout(predicate::str::contains("Restored the profile"));
    // What makes the next plan is kept too: the profile, holds, and the stretch set aside after
    // sharp pain.
    let flagged = home.json(&["profile"])["flagged"].clone();
    assert_eq!(flagged.as_array().map(Vec::len), Some(1), "{flagged}");
    let mut expected = home.json(&["profile"]);
    expected["flagged"] = serde_json::json!(["no-such-stretch", "seated-cat-cow"]);
    assert_eq!(fresh.json(&["profile"]), expected);
    assert_eq!(fresh.json(&["profile"])["profile"]["weekly_goal"], 5);
    // (The one this limber does not have is listed, with no name, beside the same holds.)
    let holds = fresh.json(&["stats"])["holds"].clone();
    let known: Vec<&serde_json::Value> =
        holds.as_array().expect("holds").iter().filter(|h| !h["name"].is_null()).collect();
    assert_eq!(serde_json::json!(known), home.json(&["stats"])["holds"]);
    fresh
        .limber(&["import", file.to_str().expect("utf-8 path")])
        .assert()
        .success()
        // Nothing new: no progression is said to be merged, no profile kept (it is the same).
        .stdout("Imported 0 sessions (3 already present).\n");
    // Changed here since: this one is kept, and the import says so.
    fresh.limber(&["profile", "--goal", "2"]).assert().success();
    fresh
        .limber(&["import", file.to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("Kept the profile you have here; the file's was left out"));
    assert_eq!(fresh.json(&["profile"])["profile"]["weekly_goal"], 2);
    assert_eq!(fresh.json(&["history"]), home.json(&["history"]));
    let csv = home.limber(&["export", "--format", "csv"]).assert().success().get_output().stdout.clone();
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.starts_with("session,started_at,routine,outcome"));
    assert_eq!(csv.lines().count(), 1 + 3 * 4, "a header and one row per stretch");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let sides = header.iter().position(|h| *h == "sides_done").expect("a sides_done column");
    let stretch = header.iter().position(|h| *h == "stretch").expect("a stretch column");
    // The second session skipped the first stretch at 5 s, so its seated twist ran in full.
    assert!(rows.iter().any(|r| r[stretch] == "seated-twist" && r[sides] == "right left"), "{csv}");
    // Yes-or-no columns all say true or false (these sessions ran fast: previews).
    for column in ["discomfort", "preview"] {
        let at = header.iter().position(|h| *h == column).expect(column);
        assert!(rows.iter().all(|r| r[at] == "true" || r[at] == "false"), "{column}: {csv}");
    }
    let preview = header.iter().position(|h| *h == "preview").expect("preview");
    assert!(rows.iter().all(|r| r[preview] == "true"), "{csv}");
}

#[test]
fn voice_speaks_each_cue_through_the_speech_command() {
    let home = Home::new().screened();
    let spoken = home.path().join("spoken.txt");
    let speaker = home.path().join("speak.sh");
    std::fs::write(&speaker, format!("#!/bin/sh\necho \"$1\" >> '{}'\n", spoken.display())).expect("write");
    std::fs::set_permissions(&speaker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    home.limber(&["run", "desk", "--speed", "1000", "--voice", "--pain-before", "0", "--pain-after", "0"])
        .env("LIMBER_SPEAK", &speaker)
        .write_stdin("")
        .assert()
        .success();
    let text = std::fs::read_to_string(&spoken).expect("speech happened");
    assert!(text.contains("Next up, stretch 1 of 4: Seated cat-cow"), "{text}");
    assert!(text.contains("That completes Seated desk break"), "{text}");
    // The first stretch's cautions are spoken before its steps, which come before its first hold.
    let at = |what: &str| text.find(what).unwrap_or_else(|| panic!("{what} is never said: {text}"));
    assert!(at("Take care: ") < at("Step 1.") && at("Step 1.") < at("Begin."), "{text}");
    assert!(!text.contains("Release Seated"), "release cues are said as a person would: {text}");
}

#[test]
fn a_spoken_safety_alert_does_not_wait_behind_the_cues_before_it() {
    // A slow voice: every cue takes 3 s to say, so at --speed 1000 the steps pile up behind it.
    let home = Home::new().screened();
    let spoken = home.path().join("spoken.txt");
    let speaker = home.path().join("speak.sh");
    let script = format!(
        "#!/bin/sh\necho \"$1\" >> '{}'\ncase \"$1\" in *\"Sharp or intense pain\"*) ;; *) sleep 3;; esac\n",
        spoken.display()
    );
    std::fs::write(&speaker, script).expect("write");
    std::fs::set_permissions(&speaker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    home.limber(&[
        "run",
        "desk",
        "--no-warmup",
        "--speed",
        "1000",
        "--voice",
        "--pain-before",
        "0",
        "--pain-after",
        "0",
    ])
    .env("LIMBER_SPEAK", &speaker)
    .write_stdin("@60 pain sharp\n")
    .assert()
    .code(3);
    let text = std::fs::read_to_string(&spoken).expect("speech happened");
    let lines: Vec<&str> = text.lines().collect();
    // The cue being said when it came (if its command had started), then the alert: the steps
    // queued meanwhile are dropped.
    assert!(lines.len() <= 2, "{text}");
    assert!(lines.last().is_some_and(|l| l.contains("Sharp or intense pain means stop")), "{text}");
}

#[test]
fn killing_limber_mid_session_loses_only_that_session() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin("")
        .assert()
        .success();
    let before = home.json(&["history"]);
    let mut child = home
        .process()
        .args(["run", "desk", "--speed", "2", "--pain-before", "1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    std::io::Read::read(&mut out, &mut first).expect("the session started");
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    assert_eq!(home.json(&["history"]), before, "earlier sessions are intact and readable");
}

#[test]
fn wait_hold_and_no_warmup_shape_the_session() {
    let home = Home::new().screened();
    home.limber(&["run", "full", "--wait", "--hold", "20", "--no-warmup", "--speed", "1000", "--pain-before", "0"])
        .write_stdin("start\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Warm up").not())
        .stdout(predicate::str::contains("start when you are ready"))
        .stdout(predicate::str::contains("Next up, stretch 2 of 5"))
        .stdout(predicate::str::contains("waiting for an answer, but input has ended"));
    let history = home.json(&["history"]);
    let items = history[0]["items"].as_array().expect("items");
    assert_eq!(items[0]["status"], "done", "the first stretch ran after `start`");
    assert_eq!(items[1]["status"], "not-reached", "the second waited for a start that never came");
    assert_eq!(items[1]["seconds"], 20, "--hold sets held stretches");
    assert_eq!(history[0]["warmed-up"], false);
}

#[test]
fn killing_limber_mid_write_keeps_earlier_history_and_writes_all_or_nothing() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin("")
        .assert()
        .success();
    let before = home.json(&["history"]);
    // A large import is one long write transaction: kill -9 lands in the middle of it.
    let one = before[0].clone();
    let many: Vec<serde_json::Value> = (0..20_000)
        .map(|n| {
            let mut s = one.clone();
            s["id"] = serde_json::json!(format!("00000000-0000-4000-8000-{n:012}"));
            s
        })
        .collect();
    let file = home.path().join("many.json");
    std::fs::write(&file, serde_json::json!({"limber-export": 2, "sessions": many}).to_string()).expect("write");
    // The kill waits for the import's transaction to reach the write-ahead log: it then lands
    // in the middle of the write, not before it began (nor, on a slow start, after it ended).
    let wal = home.path().join("limber.db-wal");
    let logged = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let at_start = logged();
    let mut child = home
        .process()
        .args(["import", file.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while logged() <= at_start + 64 * 1024 && child.try_wait().expect("running").is_none() {
        assert!(std::time::Instant::now() < deadline, "the import never wrote");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let mid_write = child.try_wait().expect("running").is_none();
    child.kill().ok();
    child.wait().expect("reaped");
    let history = home.json(&["history"]);
    let n = history.as_array().map_or(0, Vec::len);
    assert_eq!(history.as_array().and_then(|h| h.iter().find(|s| s["id"] == one["id"])), Some(&one));
    if mid_write {
        assert_eq!(n, 1, "killed mid-write, nothing of the import is kept");
    } else {
        assert_eq!(n, 20_001, "the import ended before the kill: all of it");
    }
}

#[test]
fn the_summary_tells_each_dose_in_its_own_terms_and_previews_grow_no_hold() {
    let home = Home::new().screened();
    let run = |script: &str| {
        home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "3", "--pain-after", "3"])
            .write_stdin(script.to_owned())
            .assert()
    };
    run("").success().stdout(predicate::str::contains("Seated cat-cow — 6 cycles, 3 s in each position"));
    // Rated 8 in its first cycles: set aside, said as such, and its comfortable streak is gone.
    run("@360 pain 8\n")
        .success()
        .stdout(predicate::str::contains("Seated cat-cow — part of 6 cycles, too painful (8/10)"))
        .stdout(predicate::str::contains("Seated thoracic extension — 3 of 3 holds, 15 s each"));
    // Two comfortable sessions would grow the others' holds, but these were previews: nothing
    // grew (growth from sessions in real time is the TUI's test, on its simulated clock).
    run("")
        .success()
        .stdout(predicate::str::contains("Seated thoracic extension — 3 of 3 holds, 15 s each"))
        .stdout(predicate::str::contains("now holds").not());
    let holds = home.json(&["stats"])["holds"].clone();
    assert!(holds.as_array().expect("holds").iter().all(|h| h["hold_seconds"] == h["range"][0]), "{holds}");
}

/// Every line of `out` as JSON, or a failure naming the line that is not.
fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(out.to_vec())
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}")))
        .collect()
}

#[test]
fn run_json_writes_the_session_as_events_one_per_line_from_start_to_finished() {
    let home = Home::new().screened();
    let args = ["run", "desk", "--json", "--speed", "1000", "--no-warmup", "--pain-before", "2", "--pain-after", "1"];
    // A "yes" during the first stretch does not apply: refused, in its own event; so is a line
    // that is not understood.
    let out = home.limber(&args).write_stdin("@60 yes\npain sharpp\n").assert().success().get_output().stdout.clone();
    let events = json_lines(&out);
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().expect("every line names its event")).collect();
    assert_eq!(kinds.first(), Some(&"start"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"finished"), "{kinds:?}");
    let start = &events[0];
    assert_eq!((start["routine"].as_str(), start["warm-up"].as_bool()), (Some("desk"), Some(false)));
    assert!(start["planned-ms"].as_u64().is_some_and(|ms| ms > 60_000), "{start}");
    assert!(start["started-at-ms"].as_i64().is_some_and(|ms| ms > 1_700_000_000_000), "{start}");
    let stretches: Vec<&str> =
        start["stretches"].as_array().expect("stretches").iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(stretches, ["seated-cat-cow", "seated-thoracic-extension", "seated-twist", "folded-arm-twist"]);
    assert!(start["credit"].as_str().is_some_and(|c| c.contains("Lisa Miller")), "{start}");
    // The cues in order, numbered without gaps, with their kind, time, text and sound.
    let cues: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "cue").collect();
    let seqs: Vec<u64> = cues.iter().filter_map(|c| c["seq"].as_u64()).collect();
    assert_eq!(seqs, (1..=cues.len() as u64).collect::<Vec<_>>());
    assert!(cues.windows(2).all(|w| w[0]["at"].as_u64() <= w[1]["at"].as_u64()), "cues in time order");
    assert!(cues.iter().any(|c| c["kind"]["kind"] == "begin" && c["sound"] == "start"), "a hold begins");
    let refused: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "refused").collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    // The line not understood is refused on reading, at the start, so every line's time follows
    // the one before.
    assert_eq!(refused[0]["line"].as_str(), Some("pain sharpp"), "at once");
    assert!(refused[0]["at"].as_u64().is_some_and(|ms| ms < 60_000), "{:?}", refused[0]);
    assert_eq!((refused[1]["intent"].as_str(), refused[1]["at"].as_u64()), (Some("yes"), Some(60_000)));
    let times: Vec<u64> = events.iter().filter_map(|e| e["at"].as_u64()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "every event in time order: {times:?}");
    // The outcome: what was saved, the summary and the exit code.
    let finished = events.last().expect("a last line");
    assert_eq!((finished["saved"].as_bool(), finished["exit-code"].as_u64()), (Some(true), Some(0)));
    assert_eq!((finished["screening-saved"].as_bool(), finished["adherence"]["goal"].as_u64()), (Some(false), Some(3)));
    assert_eq!(finished["summary"]["items"].as_array().map(Vec::len), Some(4));
    assert!(finished["saved-line"].as_str().is_some_and(|l| l.starts_with("Saved as a preview")), "{finished}");
    assert_eq!(finished["id"], home.json(&["history"])[0]["id"], "the session saved is the one in history");

    // Stopped for sharp pain: the same exit code as without --json, said in the last line too.
    let out = home
        .limber(&args)
        .write_stdin("@60 pain sharp\n")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("stopped this session for your safety"))
        .get_output()
        .stdout
        .clone();
    let events = json_lines(&out);
    let finished = events.last().expect("a last line");
    assert_eq!((finished["event"].as_str(), finished["exit-code"].as_u64()), (Some("finished"), Some(3)));
    assert_eq!(finished["summary"]["stopped"], "sharp-pain");
    assert!(events.iter().any(|e| e["event"] == "cue" && e["sound"] == "alert"), "the stop is a cue");
}
