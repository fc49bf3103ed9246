//! Bad input gets a clear message and the right exit code, and never harms stored history.

use predicates::prelude::*;

use crate::support::Home;

fn one_session(home: &Home) {
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin("@1 quit\n")
        .assert()
        .success();
}

#[test]
fn bad_flags_are_usage_errors() {
    let home = Home::new();
    home.limber(&["run", "--speed", "0"]).assert().code(2).stderr(predicate::str::contains("between 0.1 and 1000"));
    home.limber(&["run", "--hold", "abc"]).assert().code(2).stderr(predicate::str::contains("invalid value 'abc'"));
    home.limber(&["run", "--equipment", "sofa"]).assert().code(2).stderr(predicate::str::contains("possible values"));
    home.limber(&["history", "--since", "yesterday"]).assert().code(2).stderr(predicate::str::contains("YYYY-MM-DD"));
    home.limber(&["frobnicate"]).assert().code(2);
    // A negative number is a bad value, said as such, not an unknown flag with a `--` tip.
    for args in [
        &["run", "--hold", "-5"][..],
        &["run", "--speed", "-1"],
        &["run", "--pain-before", "-1"],
        &["history", "--limit", "-1"],
        &["profile", "--goal", "-2"],
    ] {
        home.limber(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("invalid value '{}'", args[2])))
            .stderr(predicate::str::contains("tip:").not());
    }
}

#[test]
fn unknown_routines_and_stretches_name_the_known_ones() {
    let home = Home::new();
    home.limber(&["run", "evening"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no routine called `evening`. Known routines: full, desk, no-kneel"));
    // Said before anything is opened: a mistyped routine makes no data directory or database.
    let unmade = home.path().join("not-made-yet");
    home.limber(&["run", "evening"]).env("LIMBER_DATA_DIR", &unmade).assert().code(2);
    assert!(!unmade.exists(), "{} was made for a mistake", unmade.display());
    home.limber(&["show", "neck-roll"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no stretch called `neck-roll`"));
    home.limber(&["profile", "--clear-flag", "neck-roll"]).assert().code(2);
    // What was typed is shown, escape sequences and all, not sent to the terminal to act on.
    home.limber(&["handout", "\u{1b}[31mred"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no routine called `\\u{1b}[31mred`"))
        .stderr(predicate::str::contains("\u{1b}").not());
}

#[test]
fn a_routine_nothing_of_which_suits_names_its_stretches_and_what_to_change() {
    let home = Home::new();
    home.limber(&["profile", "--avoid", "seated,standing,kneeling,lying-on-back,lying-on-side"]).assert().success();
    home.limber(&["run", "desk"]).assert().failure().stderr(
        predicate::str::contains("nothing in Seated desk break suits you today: Seated cat-cow is done seated;")
            .and(predicate::str::contains("Avoid fewer positions, or choose another routine."))
            .and(predicate::str::contains("`").not()),
    );
}

#[test]
fn a_corrupt_database_is_reported_and_left_as_it_was() {
    let home = Home::new();
    let db = home.path().join("limber.db");
    let garbage = b"not a database at all; somebody's precious bytes ".repeat(100);
    std::fs::write(&db, &garbage).expect("write");
    home.limber(&["history"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a readable limber database"))
        .stderr(predicate::str::contains("left untouched"))
        .stderr(predicate::str::contains("panicked").not());
    home.limber(&["run", "desk"]).write_stdin("").assert().code(1);
    assert_eq!(std::fs::read(&db).expect("still there"), garbage);
}

#[test]
fn a_database_name_that_is_a_folder_is_said_with_its_path() {
    let home = Home::new();
    let db = home.path().join("limber.db");
    std::fs::create_dir(&db).expect("mkdir");
    home.limber(&["history"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!("cannot open {} as limber's database: it is a folder", db.display())))
        .stderr(predicate::str::contains("code:").not());
    assert!(db.is_dir(), "left as it was");
}

#[test]
fn a_database_its_user_may_not_read_is_said_so_not_taken_for_a_folder() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new().screened();
    let db = home.path().join("limber.db");
    // As after one `sudo limber run`: the file is another's (here: nobody may read it).
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    limber_as_someone_else()
        .args(["history"])
        .env("LIMBER_DATA_DIR", home.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("you may not read it"))
        .stderr(predicate::str::contains("folder").not());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

#[test]
fn malformed_user_content_names_file_line_and_column_and_history_survives() {
    let home = Home::new().screened();
    one_session(&home);
    let content = home.path().join("my-content");
    std::fs::create_dir(&content).expect("mkdir");
    std::fs::write(
        content.join("broken.ron"),
        "Content(\n    routines: [\n        Routine(id: \"x\", name: 5),\n    ],\n)\n",
    )
    .expect("write");
    home.limber(&["list"])
        .env("LIMBER_CONTENT", &content)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.ron:3:31: syntax error: Expected string"));
    home.limber(&["run", "desk", "--content", content.to_str().expect("utf-8")]).write_stdin("").assert().code(1);
    let history = home.json(&["history"]);
    assert_eq!(history.as_array().map(Vec::len), Some(1), "stored history is intact");
}

#[test]
fn a_missing_speech_command_is_a_clear_error() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--voice"])
        .env("LIMBER_SPEAK", "/nonexistent/speaker")
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("speech command `/nonexistent/speaker`"));
    // Speaking on in the profile: the session still runs, without a voice, and says how to stop
    // asking for one.
    home.limber(&["profile", "--voice", "on"])
        .env("LIMBER_SPEAK", "/nonexistent/speaker")
        .assert()
        .success()
        .stderr(predicate::str::contains("Speaking is on, but there is no voice here yet"));
    home.limber(&["run", "desk", "--speed", "1000", "--pain-before", "1", "--pain-after", "1"])
        .env("LIMBER_SPEAK", "/nonexistent/speaker")
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicate::str::contains("Next up, stretch 1"))
        .stderr(predicate::str::contains("speech command `/nonexistent/speaker`"))
        .stderr(predicate::str::contains("limber profile --voice off"));
    assert_eq!(home.json(&["history"]).as_array().map(Vec::len), Some(1));
    // One that is there but fails (as espeak-ng does with no sound device) is said once, and
    // the session goes on in text.
    let out = home
        .limber(&["run", "desk", "--voice", "--no-warmup", "--speed", "50", "--pain-before", "1"])
        .env("LIMBER_SPEAK", "false")
        .write_stdin("@40 quit\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    assert_eq!(out.matches("(No voice: the speech command `false` failed").count(), 1, "{out}");
    assert!(out.contains("The session goes on in text.") && out.contains("Step 2."), "{out}");
}

#[test]
fn importing_something_that_is_not_an_export_changes_nothing() {
    let home = Home::new().screened();
    one_session(&home);
    let file = home.path().join("notes.json");
    std::fs::write(&file, "{\"hello\": 1}").expect("write");
    home.limber(&["import", file.to_str().expect("utf-8")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a limber JSON export"));
    // Nothing piped in (the export before it failed): said so, not a parser's end of file.
    home.limber(&["import", "-"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("-: not a limber JSON export: it is empty"));
    home.limber(&["import", home.path().join("nope.json").to_str().expect("utf-8")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read"));
    assert_eq!(home.json(&["history"]).as_array().map(Vec::len), Some(1));
}

#[test]
fn an_unreachable_database_is_waited_for_aloud_then_reported_with_its_reason() {
    let home = Home::new();
    // A port nothing listens on: taken, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://limber@127.0.0.1:{port}/limber");
    let out = home.limber(&["--database", &url, "stats"]).env_remove("LIMBER_DATA_DIR").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("cannot connect to {url}")) && said.contains("refused"), "{said}");
    assert_eq!(said.matches("refused").count(), 1, "each cause once: {said}");
    // Not the pool's retries ending in "pool timed out" with the reason lost.
    assert!(!said.contains("timed out"), "{said}");
    // The wait (for a PostgreSQL still starting) is not silent.
    assert!(said.starts_with("limber: waiting for the database…\n"), "{said}");
}

#[test]
fn an_export_that_cannot_be_written_names_the_file_asked_for() {
    let home = Home::new().screened();
    home.limber(&["export", "--output", "/nonexistent/dir/history.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write /nonexistent/dir/history.json"));
}

#[test]
fn positions_to_avoid_are_cleared_only_by_none_never_by_a_missing_value() {
    let home = Home::new().screened();
    home.limber(&["profile", "--avoid", "kneeling"]).assert().success();
    // A script whose variable came out empty, or a space where a comma belongs.
    for args in
        [&["profile", "--avoid"][..], &["profile", "--avoid", ""], &["profile", "--avoid", "kneeling", "seated"]]
    {
        home.limber(args).assert().code(2);
        assert_eq!(home.json(&["profile"])["profile"]["avoid"], serde_json::json!(["kneeling"]), "{args:?}");
    }
    home.limber(&["profile", "--avoid", "none"]).assert().success();
    assert_eq!(home.json(&["profile"])["profile"]["avoid"], serde_json::json!([]));
}

#[test]
fn no_equipment_listed_with_equipment_is_a_usage_error() {
    let home = Home::new().screened();
    for args in [&["run", "desk", "--equipment", "none,chair"][..], &["profile", "--equipment", "chair,none"]] {
        home.limber(args)
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--equipment none means no equipment"));
    }
    assert_eq!(home.json(&["history"]), serde_json::json!([]));
}

#[test]
fn an_export_or_a_handout_never_replaces_the_database_or_what_is_not_a_regular_file() {
    let home = Home::new().screened();
    let db = std::fs::read_dir(home.path())
        .expect("data dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "db"))
        .expect("the database file");
    let target = home.path().join("elsewhere.json");
    std::fs::write(&target, "kept").expect("write");
    let link = home.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    for (command, written) in [("export", "\"limber-export\""), ("handout", "Seated twist")] {
        // (Read afresh each time: the reads of history in between may fold its log into it.)
        let before = std::fs::read(&db).expect("database reads");
        home.limber(&[command, "--output", db.to_str().expect("utf-8 path")])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is a database"));
        assert_eq!(std::fs::read(&db).expect("database reads"), before, "{command}: the database is untouched");
        home.json(&["history"]);
        // A link is not replaced by a file of its own (nor a folder, a pipe or a device), and
        // what it points to is not written through it.
        for refused in [&link, &home.path().to_path_buf()] {
            home.limber(&[command, "--output", refused.to_str().expect("utf-8 path")])
                .assert()
                .code(2)
                .stderr(predicate::str::contains("is not a regular file"));
        }
        assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).expect("target"), "kept", "{command} wrote through a link");
        // An earlier file is replaced, keeping who may read it.
        let earlier = home.path().join(format!("earlier-{command}"));
        std::fs::write(&earlier, "old").expect("write");
        std::fs::set_permissions(&earlier, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
        home.limber(&[command, "--output", earlier.to_str().expect("utf-8 path")]).assert().success();
        assert!(std::fs::read_to_string(&earlier).expect("written").contains(written), "{command} replaced it");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&earlier).expect("meta").permissions());
        assert_eq!(mode & 0o777, 0o600, "{command} kept the file's permissions");
        // Named like the file written beside it: still written whole.
        let odd = home.path().join(format!("{command}.tmp-limber"));
        home.limber(&[command, "--output", odd.to_str().expect("utf-8 path")]).assert().success();
        assert!(std::fs::read_to_string(&odd).expect("written").contains(written), "{command} to {odd:?}");
    }
}

/// Whether this process runs as root (which may write to any file, read-only or not).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// `limber` as a user who may not write to the data directory (`nobody` when the tests run as
/// root, who may write anywhere).
fn limber_as_someone_else() -> assert_cmd::Command {
    let limber = assert_cmd::cargo::cargo_bin("limber");
    let mut cmd = if running_as_root() {
        let mut cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&limber);
        cmd
    } else {
        assert_cmd::Command::new(&limber)
    };
    for setting in crate::support::HOST_SETTINGS {
        cmd.env_remove(setting);
    }
    cmd
}

#[test]
fn a_history_that_cannot_be_written_says_so_in_words_and_is_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new().screened();
    one_session(&home);
    let before = home.json(&["history"]);
    let db = home.path().join("limber.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // (Reading it works: see the next test.)
    for command in [&["profile", "--goal", "4"][..], &["import", "-"]] {
        let out = limber_as_someone_else()
            .args(command)
            .env("LIMBER_DATA_DIR", home.path())
            .assert()
            .failure()
            .get_output()
            .clone();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("read-only to this user") && said.contains("Check their owner and permissions"),
            "{said}"
        );
        assert!(!said.contains("code:") && !said.contains("database:"), "the engine's words stay out: {said}");
    }
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(home.json(&["history"]), before, "the history is unchanged");
}

#[test]
fn a_session_the_database_will_not_take_is_kept_in_a_file_to_import() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new().screened();
    let rescue = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(rescue.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // The history can be read but not written: the database file is read-only to whoever runs
    // the session (root writes anyway, so the session runs as `nobody` then).
    let db = home.path().join("limber.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = limber_as_someone_else()
        // (With --json, for the line a script reads at the end.)
        .args(["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "1", "--pain-after", "1", "--json"])
        .env("LIMBER_DATA_DIR", home.path())
        .env("TMPDIR", rescue.path())
        .env("TZ", "UTC")
        .write_stdin("@60 pain sharp\n")
        .assert()
        // Stopped for safety: its own exit code, saved or not.
        .code(3)
        // Said at the start too, before the person spends a session on it.
        .stderr(predicate::str::starts_with("limber: your history is read-only to you"))
        .stderr(predicate::str::contains("could not save this session"))
        .stderr(predicate::str::contains("the file or its folder is read-only to this user"))
        .stderr(predicate::str::contains("code:").not())
        .stderr(predicate::str::contains("It is kept in"))
        .stderr(predicate::str::contains("Seated cat-cow caused sharp pain: leave it out"))
        .get_output()
        .clone();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    // Kept beside the database, where the person will look (the temporary directory only when
    // the data directory cannot be written either).
    let kept: Vec<_> = std::fs::read_dir(home.path())
        .expect("data dir")
        .chain(std::fs::read_dir(rescue.path()).expect("rescue dir"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("limber-unsaved-")))
        .collect();
    assert_eq!(kept.len(), 1, "one file kept: {kept:?}\n{}", String::from_utf8_lossy(&out.stderr));
    // A script is told the same as the person: not saved, where it is kept, and why it stopped.
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf-8");
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().expect("a last line")).expect("JSON");
    assert_eq!((last["event"].as_str(), last["exit-code"].as_u64()), (Some("not-saved"), Some(3)), "{last}");
    assert_eq!(last["kept"].as_str(), kept[0].to_str(), "{last}");
    assert_eq!(
        (last["summary"]["flagged"].as_str(), last["summary"]["stopped"].as_str()),
        (Some("seated-cat-cow"), Some("sharp-pain"))
    );
    let copy = rescue.path().join("copy.json");
    std::fs::copy(&kept[0], &copy).expect("copy");
    // Once the history can be written again, the next session brings the file in first, says
    // so, and leaves out the stretch that hurt.
    let next = home
        .limber(&["run", "desk", "--no-warmup", "--speed", "200", "--pain-before", "1", "--json"])
        .write_stdin("quit\n")
        .assert()
        .success()
        .get_output()
        .clone();
    let start: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&next.stdout).lines().next().expect("a start line"))
            .expect("JSON");
    let notes = start["notes"].to_string();
    assert!(notes.contains("Added 1 session to your history, kept in a file"), "{notes}");
    assert!(notes.contains("Seated cat-cow caused sharp pain then, and is set aside"), "{notes}");
    let planned: Vec<&str> =
        start["stretches"].as_array().expect("stretches").iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(!planned.is_empty() && !planned.contains(&"seated-cat-cow"), "{start}");
    assert!(!kept[0].exists(), "the file is removed once its session is in the history");
    let history = home.json(&["history", "--all"]);
    let history: Vec<&serde_json::Value> =
        history.as_array().expect("sessions").iter().filter(|s| s["stopped"] == "sharp-pain").collect();
    let history = serde_json::Value::from(history.into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["stopped"], "sharp-pain", "{history}");
    // And the stretch that caused it is set aside, as a saved session would have set it.
    assert_eq!(home.json(&["profile"])["flagged"], serde_json::json!(["seated-cat-cow"]));
    // Importing it again adds nothing: the file carries the session's one id.
    home.limber(&["import", copy.to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Imported 0 sessions (1 already present)."));
}

#[test]
fn output_that_cannot_be_written_is_an_error_not_a_quiet_success() {
    // A full disk (`/dev/full`) is not a reader that went away: a script must not take the
    // empty file for the whole output.
    let home = Home::new().screened();
    for args in [&["stats"][..], &["list"], &["faq"], &["history"], &["stats", "--json"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let out = home.process().args(args).stdout(full).output().expect("runs");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("No space left on device") && !err.contains("panicked"), "{args:?}: {err}");
        // Standard error full as well (a log on the same full disk): still exit 1, not an abort.
        let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let status = home.process().args(args).stdout(full()).stderr(full()).status().expect("runs");
        assert_eq!(status.code(), Some(1), "{args:?} with both full");
    }
}

#[test]
fn help_never_shows_the_database_password() {
    let home = Home::new();
    for args in [&["--help"][..], &["list", "--help"], &["import", "--help"]] {
        let out = home
            .limber(args)
            .env("LIMBER_DATABASE_URL", "postgres://ann:s3cretpw@db.invalid/limber")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8_lossy(&out);
        assert!(help.contains("LIMBER_DATABASE_URL") && !help.contains("s3cretpw"), "{args:?}: {help}");
    }
}

#[test]
fn a_data_directory_that_does_not_exist_is_said_by_commands_that_read_and_nothing_is_made_or_replaced() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "1"])
        .write_stdin("@30 quit\n")
        .assert()
        .success();
    let backup = home.path().join("backup.json");
    home.limber(&["export", "--output", backup.to_str().expect("utf-8")]).assert().success();
    let good = std::fs::read(&backup).expect("the backup");
    let typo = home.path().join("limbr-typo");
    for args in [
        &["history"][..],
        &["stats"],
        &["profile"],
        // Nothing is set aside where there is no history: a flag to clear is no reason to make one.
        &["profile", "--clear-flag", "nosuch"],
        &["profile", "--clear-flag", "cat-camel"],
        &["export", "--output", backup.to_str().expect("utf-8")],
    ] {
        home.limber(args)
            .env("LIMBER_DATA_DIR", &typo)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("the directory does not exist. Check --data-dir or LIMBER_DATA_DIR"));
    }
    assert!(!typo.exists(), "nothing is made at a mistyped path");
    // An export from a directory that exists but holds no database (the wrong one) is refused too.
    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).expect("a directory");
    home.limber(&["export", "--output", backup.to_str().expect("utf-8")])
        .env("LIMBER_DATA_DIR", &empty)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing to export"));
    assert!(!empty.join("limber.db").exists());
    assert_eq!(std::fs::read(&backup).expect("the backup"), good, "the good export is left as it was");
    // A command that writes starts a history there, as asked.
    home.limber(&["profile", "--goal", "4"]).env("LIMBER_DATA_DIR", &typo).assert().success();
    assert!(typo.join("limber.db").exists());
}

#[test]
fn a_data_directory_this_user_may_not_write_is_read_as_it_is_and_a_change_is_refused_in_words() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = Home::screened(Home::new());
    home.limber(&["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "2"])
        .write_stdin("@30 quit\n")
        .assert()
        .success();
    home.limber(&["profile", "--goal", "5"]).assert().success();
    let expected = home.json(&["history"]);
    // A copy made read-only: the folder and the file (a backup, a snapshot).
    let copy = home.path().join("backup");
    std::fs::create_dir(&copy).expect("a folder");
    std::fs::copy(home.path().join("limber.db"), copy.join("limber.db")).expect("a copy");
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(home.path(), 0o755);
    mode(&copy.join("limber.db"), 0o444);
    mode(&copy, 0o555);
    // Root may write anything: as root, limber runs as `nobody`, to whom it is read-only.
    let limber = |args: &[&str]| {
        let mut cmd = limber_as_someone_else();
        cmd.args(args).env("LIMBER_DATA_DIR", &copy).env_remove("LIMBER_CONTENT").env("TZ", "UTC");
        cmd
    };
    let out = limber(&["history", "--json"]).assert().success().get_output().stdout.clone();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out).expect("json"), expected);
    limber(&["stats"]).assert().success().stdout(predicate::str::contains("Sessions in all: 1"));
    limber(&["profile"]).assert().success().stdout(predicate::str::contains("Weekly goal:       5 sessions"));
    let format = format!("\"limber-export\": {}", limber_app::export::FORMAT);
    limber(&["export"]).assert().success().stdout(predicate::str::contains(format));
    // A change cannot be made there, and says why.
    limber(&["profile", "--goal", "4"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the file or its folder is read-only to this user"));
    let entries: Vec<_> = std::fs::read_dir(&copy).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["limber.db"], "nothing written beside it");
    mode(&copy, 0o755);
    // A server's backup: no `local` person, and none can be added to a copy only read.
    let server = home.path().join("server-backup");
    std::fs::create_dir(&server).expect("a folder");
    std::fs::copy(home.path().join("limber.db"), server.join("limber.db")).expect("a copy");
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(async {
        use sqlx::ConnectOptions;
        let mut conn =
            sqlx::sqlite::SqliteConnectOptions::new().filename(server.join("limber.db")).connect().await.expect("open");
        sqlx::query("UPDATE users SET name = 'ann' WHERE name = 'local'").execute(&mut conn).await.expect("renamed");
    });
    mode(&server.join("limber.db"), 0o444);
    mode(&server, 0o555);
    let out = limber_as_someone_else().args(["history"]).env("LIMBER_DATA_DIR", &server).output().expect("runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("holds no history for this machine's person (`local`)"), "{said}");
    mode(&server, 0o755);
}

#[test]
fn health_data_is_readable_by_its_owner_alone_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).expect("exists").permissions().mode() & 0o777;
    let home = Home::new();
    let data = home.path().join("new/limber");
    // As a person's shell usually is: files others may read unless said otherwise.
    let limber = |args: &[&str]| {
        let mut shell = home.in_home(std::process::Command::new("sh"));
        shell.arg("-c").arg(r#"umask 022 && exec "$0" "$@""#).arg(assert_cmd::cargo::cargo_bin("limber")).args(args);
        shell.env("LIMBER_DATA_DIR", &data).stdin(std::process::Stdio::piped());
        let mut child = shell.spawn().expect("limber runs");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), crate::support::CLEAR_ANSWERS.as_bytes())
            .expect("answers");
        assert!(child.wait().expect("limber ends").success(), "limber {args:?}");
    };
    limber(&["screening"]);
    assert_eq!(mode(&data), 0o700, "the folder it made for its data");
    assert_eq!(mode(&home.path().join("new")), 0o755, "a parent made on the way, as the umask says");
    let db = data.join("limber.db");
    assert_eq!(mode(&db), 0o600, "the database");
    let export = home.path().join("history.json");
    limber(&["export", "--output", export.to_str().expect("utf-8 path")]);
    assert_eq!(mode(&export), 0o600, "a new export");
    let handout = home.path().join("handout.html");
    limber(&["handout", "--output", handout.to_str().expect("utf-8 path")]);
    assert_eq!(mode(&handout), 0o644, "a handout is not health data");
    // A database an earlier limber left readable to others is kept from them when next opened.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    limber(&["screening"]);
    assert_eq!(mode(&db), 0o640);
}
