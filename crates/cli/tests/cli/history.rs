//! History that scales: pages, the whole history streamed, imports checked record by record.

use predicates::prelude::*;

use crate::support::Home;

/// 2026-01-01T08:00:00Z, Unix milliseconds.
const JAN_1: i64 = 1_767_254_400_000;
const DAY: i64 = 86_400_000;

/// Session `k` of a generated export: day `k` from January 1st, one stretch done.
fn session(k: usize) -> serde_json::Value {
    let start = JAN_1 + i64::try_from(k).expect("small") * DAY;
    serde_json::json!({
        "id": format!("00000000-0000-4000-8000-{k:012x}"), "routine": "desk", "started-at-ms": start,
        "ended-at-ms": start + 600_000, "stopped": null, "warmed-up": true, "active-ms": 60_000,
        "pain-before": k % 11, "pain-after": k % 7, "flagged": null,
        "items": [{"stretch": "seated-twist", "instead-of": null, "seconds": 15, "holds-done": 2,
                   "sides-done": ["right", "left"], "holds-planned": 2, "active": 30_000,
                   "comfort": "comfortable", "discomfort": false, "max-pain": null, "status": "done"}],
    })
}

/// A change to one session of a file: its position (from 1) and what to do to it.
type Change<'a> = Option<(usize, &'a dyn Fn(&mut serde_json::Value))>;

/// An export file of sessions `range`, with `change` applied.
fn export_file(home: &Home, name: &str, range: std::ops::Range<usize>, change: Change<'_>) -> String {
    let mut sessions: Vec<serde_json::Value> = range.map(session).collect();
    if let Some((position, change)) = change {
        change(&mut sessions[position - 1]);
    }
    let path = home.path().join(name);
    std::fs::write(&path, serde_json::json!({"limber-export": 2, "sessions": sessions}).to_string()).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

fn starts(history: &serde_json::Value) -> Vec<i64> {
    history.as_array().expect("a list").iter().map(|s| s["started-at-ms"].as_i64().expect("a start")).collect()
}

#[test]
fn history_shows_the_latest_page_or_what_was_asked_newest_first() {
    let home = Home::new();
    let file = export_file(&home, "45.json", 0..45, None);
    home.limber(&["import", &file]).assert().success().stdout("Imported 45 sessions (0 already present).\n");
    let newest_first: Vec<i64> = (0..45).rev().map(|k| JAN_1 + k * DAY).collect();

    assert_eq!(starts(&home.json(&["history"])), newest_first[..20], "the latest 20 by default");
    assert_eq!(starts(&home.json(&["history", "--limit", "5"])), newest_first[..5]);
    assert_eq!(starts(&home.json(&["history", "--all"])), newest_first);
    // 2026-02-10 is day 40: every session since then, with no default limit.
    assert_eq!(starts(&home.json(&["history", "--since", "2026-02-10"])), newest_first[..5]);
    assert_eq!(starts(&home.json(&["history", "--since", "2026-01-05", "--limit", "3"])), newest_first[..3]);
    assert_eq!(starts(&home.json(&["history", "--since", "2027-01-01"])), Vec::<i64>::new());

    let out = home.limber(&["history", "--all", "--jsonl"]).assert().success().get_output().stdout.clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one session"))
        .collect();
    assert_eq!(serde_json::Value::Array(lines), home.json(&["history", "--all"]));

    home.limber(&["history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-02-14 08:00"))
        .stdout(predicate::str::contains("2026-01-25 08:00").not())
        .stdout(predicate::str::contains("The latest 20 sessions; `limber history --all`"));
    home.limber(&["history", "--limit", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("The latest session; `limber history --all`"));
    home.limber(&["history", "--limit", "50"]).assert().success().stdout(predicate::str::contains("--all").not());
    // A period asked for is kept in the command for the rest, and said when it holds nothing.
    home.limber(&["history", "--since", "2026-01-05", "--limit", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("The latest 3 sessions; `limber history --since 2026-01-05` shows every one"));
    home.limber(&["history", "--since", "2027-01-01"]).assert().success().stdout("No sessions since 2027-01-01.\n");
    for bad in [&["--limit", "0"][..], &["--limit", "many"], &["--all", "--limit", "3"], &["--json", "--jsonl"]] {
        home.limber(&[&["history"], bad].concat()).assert().code(2);
    }
}

#[test]
fn a_bad_session_deep_in_an_import_is_named_and_nothing_is_imported_then_reimport_adds_nothing() {
    let home = Home::new();
    let first = export_file(&home, "first.json", 0..30, None);
    home.limber(&["import", &first]).assert().success();
    let before = home.json(&["history", "--all"]);

    let pain = |s: &mut serde_json::Value| s["pain-before"] = serde_json::json!(12);
    let file = export_file(&home, "pain.json", 30..6030, Some((5321, &pain)));
    home.limber(&["import", &file])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("session 5321 (id 00000000-0000-4000-8000-"))
        .stderr(predicate::str::contains("a pain rating is above 10; nothing was imported"));
    assert_eq!(home.json(&["history", "--all"]), before, "nothing of it was imported");

    let unreadable = |s: &mut serde_json::Value| s["routine"] = serde_json::json!(["not", "a", "name"]);
    let file = export_file(&home, "shape.json", 30..6030, Some((4000, &unreadable)));
    home.limber(&["import", &file])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("session 4000: invalid type"))
        .stderr(predicate::str::contains("line 1 column"));
    assert_eq!(home.json(&["history", "--all"]), before);

    let good = export_file(&home, "good.json", 0..6030, None);
    home.limber(&["import", &good]).assert().success().stdout("Imported 6000 sessions (30 already present).\n");
    home.limber(&["import", &good]).assert().success().stdout("Imported 0 sessions (6030 already present).\n");
    let stats = home.json(&["stats"]);
    assert_eq!(stats["sessions"], 6030);
    // For the chart of pain over time: the latest 60 rated sessions, oldest first, leaving out
    // those dated more than an hour ahead of the clock (most of these, one a day from 2026 on),
    // as the pain trend leaves them out.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis();
    let latest = (i64::try_from(now).expect("ms") + 3_600_000 - JAN_1).div_euclid(DAY);
    let rated: Vec<(i64, u64)> = stats["pain_ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| (r["started_at_ms"].as_i64().expect("a start"), r["pain_before"].as_u64().expect("a rating")))
        .collect();
    let expected: Vec<(i64, u64)> =
        (latest - 59..=latest).map(|k| (JAN_1 + k * DAY, u64::try_from(k % 11).expect("small"))).collect();
    assert_eq!(rated, expected);
    assert_eq!(home.json(&["history", "--all"]).as_array().map(Vec::len), Some(6030));
}

#[test]
fn a_streamed_export_round_trips_through_import() {
    let home = Home::new();
    let file = export_file(&home, "seed.json", 0..2500, None);
    home.limber(&["import", &file]).assert().success();
    let export = home.path().join("export.json");
    home.limber(&["export", "--output", export.to_str().expect("utf-8")])
        .assert()
        .success()
        .stderr(predicate::str::contains("Exported 2500 sessions"));
    let stdout = home.limber(&["export"]).assert().success().get_output().stdout.clone();
    assert_eq!(std::fs::read(&export).expect("the export"), stdout, "a file and standard output agree");
    let parsed: serde_json::Value = serde_json::from_slice(&stdout).expect("one JSON document");
    assert_eq!(parsed["limber-export"], 6);
    assert_eq!(parsed["progression"], serde_json::json!({}), "imports of sessions alone grow no hold");
    assert_eq!(parsed.get("profile"), None, "limber's defaults are not carried");
    assert_eq!(parsed["sessions"][0]["started-at-ms"], JAN_1, "oldest first");

    let fresh = Home::new();
    fresh
        .limber(&["import", export.to_str().expect("utf-8")])
        .assert()
        .success()
        .stdout("Imported 2500 sessions (0 already present).\n");
    assert_eq!(fresh.json(&["history", "--all"]), home.json(&["history", "--all"]));
    assert_eq!(fresh.json(&["stats"]), home.json(&["stats"]));
}

/// A database of one test's own on the PostgreSQL server `LIMBER_TEST_DATABASE_URL` names, or
/// `None` (skipped) without one, unless `LIMBER_REQUIRE_POSTGRES` is set.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(f)
}

impl TestDb {
    fn new() -> Option<TestDb> {
        let Ok(server) = std::env::var("LIMBER_TEST_DATABASE_URL") else {
            assert!(std::env::var_os("LIMBER_REQUIRE_POSTGRES").is_none(), "LIMBER_TEST_DATABASE_URL is not set");
            eprintln!("skipped: set LIMBER_TEST_DATABASE_URL to move a history to PostgreSQL");
            return None;
        };
        let name = format!("limber_test_{}", limber_app::store::SessionId::new().0.simple());
        let url = block_on(limber_app::store::create_database(&server, &name)).expect("a test database");
        Some(TestDb { server, name, url })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = block_on(limber_app::store::drop_database(&self.server, &self.name));
    }
}

#[test]
fn a_sqlite_history_exported_and_imported_into_postgres_has_the_same_history_and_stats() {
    let Some(db) = TestDb::new() else { return };
    let home = Home::new();
    let file = export_file(&home, "seed.json", 0..1200, None);
    home.limber(&["import", &file]).assert().success();
    home.limber(&["profile", "--goal", "6", "--avoid", "lying-on-back"]).assert().success();
    let export = home.path().join("export.json");
    home.limber(&["export", "--output", export.to_str().expect("utf-8")]).assert().success();

    let on_postgres = |args: &[&str]| {
        let mut cmd = home.limber(args);
        cmd.env_remove("LIMBER_DATA_DIR").env("LIMBER_DATABASE_URL", &db.url);
        cmd
    };
    on_postgres(&["import", export.to_str().expect("utf-8")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Imported 1200 sessions (0 already present).\n"));
    let json = |args: &[&str]| {
        let out = on_postgres(args).arg("--json").assert().success().get_output().stdout.clone();
        serde_json::from_slice::<serde_json::Value>(&out).expect("valid JSON")
    };
    assert_eq!(json(&["history", "--all"]), home.json(&["history", "--all"]));
    assert_eq!(json(&["stats"]), home.json(&["stats"]));
    assert_eq!(json(&["profile"]), home.json(&["profile"]));
    // The flag works as the variable does, and a second import adds nothing.
    home.limber(&["--database", &db.url, "import", export.to_str().expect("utf-8")])
        .env_remove("LIMBER_DATA_DIR")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Imported 0 sessions (1200 already present).\n"));
}

#[test]
fn an_import_leaves_no_write_ahead_log_for_later_commands_to_read() {
    let home = Home::new();
    let file = export_file(&home, "many.json", 0..3000, None);
    home.limber(&["import", &file]).assert().success();
    assert!(home.path().join("limber.db").is_file());
    // SQLite's last connection, closed before limber exits, folds the log into the file.
    let log = std::fs::metadata(home.path().join("limber.db-wal")).map_or(0, |m| m.len());
    assert_eq!(log, 0, "a write-ahead log of {log} bytes was left behind");
}

#[test]
fn import_dash_reads_standard_input_and_counts_in_words() {
    let home = Home::new();
    let file = serde_json::json!({"limber-export": 3, "sessions": [session(0)], "progression": {}}).to_string();
    home.limber(&["import", "-"])
        .write_stdin(file.clone())
        .assert()
        .success()
        .stdout("Imported 1 session (0 already present).\n");
    home.limber(&["import", "-"])
        .write_stdin(file)
        .assert()
        .success()
        .stdout("Imported 0 sessions (1 already present).\n");
    assert_eq!(home.json(&["history"]).as_array().map(Vec::len), Some(1));
}

#[test]
fn an_imported_hold_outside_the_stretchs_range_is_brought_within_it() {
    // A hand-edited file, or another machine's content with another range: stats and plans
    // never show a seated twist held for 500 s.
    let home = Home::new();
    let progress = |hold: u32| serde_json::json!({"hold-seconds": hold, "comfortable-streak": 0, "flagged": false});
    let file = serde_json::json!({"limber-export": 3, "sessions": [],
        "progression": {"seated-twist": progress(500), "seated-thoracic-extension": progress(3)}});
    home.limber(&["import", "-"]).write_stdin(file.to_string()).assert().success();
    let holds = home.json(&["stats"])["holds"].clone();
    let hold = |id: &str| {
        holds.as_array().and_then(|h| h.iter().find(|s| s["stretch"] == id)).map(|s| s["hold_seconds"].clone())
    };
    assert_eq!(hold("seated-twist"), Some(serde_json::json!(30)), "{holds}");
    assert_eq!(hold("seated-thoracic-extension"), Some(serde_json::json!(15)), "{holds}");
}

/// Writes `sql` straight into the database of `home`, as damage from outside limber would.
fn damage(home: &Home, sql: &'static str) {
    let db = home.path().join("limber.db");
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.expect("open");
        sqlx::query(sql).execute(&mut conn).await.expect("damage");
    });
}

#[test]
fn one_damaged_session_is_named_and_left_out_and_the_rest_of_the_history_still_reads_and_exports() {
    let home = Home::new().screened();
    let file = export_file(&home, "three.json", 0..3, None);
    home.limber(&["import", &file]).assert().success();
    // The middle session's first stretch says it was done on a side that does not exist.
    damage(
        &home,
        "UPDATE session_items SET sides_done = '[\"upside-down\"]' WHERE session_id = \
         (SELECT id FROM sessions WHERE uuid = '00000000-0000-4000-8000-000000000001')",
    );
    let named = "stored session 00000000-0000-4000-8000-000000000001 could not be read";
    let summary = "1 stored session could not be read and was left out";
    for (args, rows) in [
        (&["history", "--json"][..], 2),
        (&["history", "--jsonl"], 2),
        (&["history"], 2),
        (&["export"], 2),
        (&["export", "--format", "csv"], 2),
    ] {
        let out = home.limber(args).assert().code(1).get_output().clone();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(stderr.contains(named) && stderr.contains(summary), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("cannot write to standard output"),
            "{args:?}: a failure to read is not one to write: {stderr}"
        );
        let others = ["00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000002"];
        let shown = match args {
            ["history", "--json"] => starts(&serde_json::from_str(&stdout).expect("whole JSON")).len(),
            ["history", "--jsonl"] => stdout
                .lines()
                .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
                .count(),
            ["history"] => stdout.lines().filter(|l| l.contains("desk")).count(),
            ["export"] => {
                let export: serde_json::Value = serde_json::from_str(&stdout).expect("a whole export");
                export["sessions"].as_array().expect("sessions").len()
            }
            _ => others.iter().filter(|id| stdout.contains(*id)).count(),
        };
        assert_eq!(shown, rows, "{args:?}: {stdout}");
    }
    // Written to a file, the export brings the readable sessions into another history.
    let saved = home.path().join("rescued.json");
    home.limber(&["export", "-o", saved.to_str().expect("utf-8")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Exported 2 sessions to"));
    let elsewhere = Home::new().screened();
    elsewhere
        .limber(&["import", saved.to_str().expect("utf-8")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Imported 2 sessions"));
    // Damage past the sessions asked for is not this page's: the newest one alone reads clean.
    home.limber(&["history", "--limit", "1"]).assert().success().stderr(predicate::str::is_empty());
    // Stats do not read sessions one by one, and still count all three.
    assert_eq!(home.json(&["stats"])["sessions"], 3);
}

#[test]
fn a_garbled_profile_plans_nothing_leaves_the_history_exportable_and_is_replaced_by_both_lists() {
    let home = Home::new().screened();
    let file = export_file(&home, "two.json", 0..2, None);
    home.limber(&["import", &file]).assert().success();
    home.limber(&["profile", "--equipment", "chair", "--avoid", "kneeling"]).assert().success();
    // A list a newer limber wrote, with names this one does not know: those are left out.
    damage(&home, r#"UPDATE profile SET equipment = '["resistance-band","chair"]', avoid = '["hanging","kneeling"]'"#);
    let profile = home.json(&["profile"]);
    assert_eq!(profile["profile"]["equipment"], serde_json::json!(["chair"]), "{profile}");
    assert_eq!(profile["profile"]["avoid"], serde_json::json!(["kneeling"]), "{profile}");
    // A list that is no list at all: what the person avoids is unknown, so nothing is planned.
    damage(&home, "UPDATE profile SET avoid = 'kneeling'");
    let unreadable = || {
        predicate::str::contains("your profile could not be read")
            .and(predicate::str::contains("limber profile --equipment LIST --avoid LIST"))
    };
    home.limber(&["run", "desk", "--pain-before", "1"]).assert().code(1).stderr(unreadable());
    home.limber(&["stats"]).assert().code(1).stderr(unreadable());
    // One list alone cannot mend it, and changes nothing.
    home.limber(&["profile", "--goal", "5"]).assert().code(1).stderr(unreadable());
    // The history still comes out whole, the profile named and left out.
    let out = home.limber(&["export"]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the profile could not be read and was left out"), "{stderr}");
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a whole export");
    assert_eq!(export["sessions"].as_array().map(Vec::len), Some(2), "{export}");
    assert!(export.get("profile").is_none_or(serde_json::Value::is_null), "{export}");
    // Both lists given anew replace it; the rest starts from the defaults.
    home.limber(&["profile", "--equipment", "towel", "--avoid", "kneeling"]).assert().success();
    let profile = home.json(&["profile"]);
    assert_eq!(profile["profile"]["equipment"], serde_json::json!(["towel"]), "{profile}");
    assert_eq!(profile["profile"]["avoid"], serde_json::json!(["kneeling"]), "{profile}");
    assert_eq!(profile["profile"]["weekly_goal"], 3, "{profile}");
    assert_eq!(home.json(&["stats"])["sessions"], 2);
}

#[test]
fn answers_older_than_a_month_are_asked_again_and_the_reason_is_said_first() {
    let home = Home::new().screened();
    let run = || home.limber(&["run", "desk", "--no-warmup", "--speed", "1000", "--pain-before", "1"]);
    let first_question = "Question 1 of 13";
    let out = run().write_stdin("@1 quit\n").assert().get_output().stdout.clone();
    let fresh = String::from_utf8_lossy(&out);
    assert!(!fresh.contains(first_question) && !fresh.contains("asked again"), "{fresh}");
    damage(&home, "UPDATE screenings SET taken_at = taken_at - 31 * 86400000");
    let out = run().write_stdin("@1 quit\n").assert().get_output().stdout.clone();
    let lapsed = String::from_utf8_lossy(&out);
    let (reason, question) = (lapsed.find("They are asked again after 30 days"), lapsed.find(first_question));
    assert!(reason.zip(question).is_some_and(|(r, q)| r < q), "the reason, then the questions: {lapsed}");
}

#[test]
fn a_session_with_no_readable_id_at_the_end_of_a_page_is_named_and_counted_once() {
    let home = Home::new().screened();
    // An export reads 500 sessions at a time; the 500th (day 499) loses its id, so the next
    // page, which starts after the last it could name, meets it again.
    let file = export_file(&home, "501.json", 0..501, None);
    home.limber(&["import", &file]).assert().success();
    damage(&home, "UPDATE sessions SET uuid = 'no-longer-an-id' WHERE uuid = '00000000-0000-4000-8000-0000000001f3'");
    let out = home.limber(&["export"]).assert().code(1).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("could not be read:").count(), 1, "named once: {stderr}");
    assert!(stderr.contains("1 stored session could not be read and was left out"), "{stderr}");
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a whole export");
    assert_eq!(export["sessions"].as_array().map(Vec::len), Some(500), "the other 500, each once");
}

#[test]
fn json_history_says_on_standard_error_when_it_shows_the_latest_only_and_always_writes_preview() {
    let home = Home::new();
    let file = export_file(&home, "many.json", 0..25, None);
    home.limber(&["import", &file]).assert().success();
    for format in ["--json", "--jsonl"] {
        let out = home.limber(&["history", format]).assert().success().get_output().clone();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let sessions: Vec<serde_json::Value> = if format == "--json" {
            serde_json::from_str(&stdout).expect("json")
        } else {
            stdout.lines().map(|l| serde_json::from_str(l).expect("a json line")).collect()
        };
        assert_eq!(sessions.len(), 20, "{format}");
        assert!(sessions.iter().all(|s| s["preview"] == false), "written when false too: {format}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("the latest 20 sessions only; --all for every one"), "{format}: {stderr}");
        let all = home.limber(&["history", format, "--all"]).assert().success().get_output().clone();
        assert!(all.stderr.is_empty(), "{format} --all: {}", String::from_utf8_lossy(&all.stderr));
    }
}

#[test]
fn output_dash_is_standard_output_as_import_dash_is_standard_input() {
    let home = Home::new();
    let file = export_file(&home, "three.json", 0..3, None);
    home.limber(&["import", &file]).assert().success();
    for args in
        [&["export", "-o", "-"][..], &["export", "--format", "csv", "--output", "-"], &["handout", "desk", "-o", "-"]]
    {
        let out = home.limber(args).current_dir(home.path()).assert().success().get_output().clone();
        assert!(!home.path().join("-").exists(), "{args:?} wrote a file named -");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
    let out = home.limber(&["export", "-o", "-"]).assert().success().get_output().stdout.clone();
    let export: serde_json::Value = serde_json::from_slice(&out).expect("the export on standard output");
    assert_eq!(export["sessions"].as_array().map(Vec::len), Some(3));
}

#[test]
fn an_old_export_without_progression_keeps_a_stretch_set_aside_after_sharp_pain() {
    let home = Home::new();
    let sharp: &dyn Fn(&mut serde_json::Value) = &|s| {
        s["stopped"] = serde_json::json!("sharp-pain");
        s["flagged"] = serde_json::json!("seated-twist");
    };
    // Format 2 carried the stretch set aside only on the session it happened in.
    let file = export_file(&home, "old.json", 0..3, Some((2, sharp)));
    home.limber(&["import", &file]).assert().success();
    assert_eq!(home.json(&["profile"])["flagged"], serde_json::json!(["seated-twist"]));
}

#[test]
fn a_stretch_a_session_set_aside_stays_set_aside_unless_the_files_progression_says_it_was_cleared() {
    let session_flagging = |n: usize, stretch: &str| {
        let mut s = session(n);
        s["stopped"] = serde_json::json!("sharp-pain");
        s["flagged"] = serde_json::json!(stretch);
        s
    };
    let progress = |flagged: bool| serde_json::json!({"hold-seconds": 15, "comfortable-streak": 0, "flagged": flagged});
    // Sharp pain in the twist, then in another machine's own stretch this limber does not
    // know; the file's progression names only the cat-cow, and says cat-cow was cleared.
    let file = serde_json::json!({"limber-export": 3,
        "sessions": [session_flagging(0, "seated-twist"), session_flagging(1, "side-bend"), session_flagging(2, "seated-cat-cow")],
        "progression": {"seated-cat-cow": progress(false)}});
    let home = Home::new();
    home.limber(&["import", "-"]).write_stdin(file.to_string()).assert().success();
    let plan = home
        .limber(&["run", "desk", "--speed", "100", "--no-warmup", "--pain-before", "1", "--pain-after", "1"])
        .write_stdin(format!("{}@1 quit\n", crate::support::CLEAR_ANSWERS))
        .assert()
        .get_output()
        .stdout
        .clone();
    let plan = String::from_utf8_lossy(&plan);
    assert!(plan.contains("Seated twist caused sharp pain before and is set aside"), "{plan}");
    assert!(!plan.contains("Seated cat-cow caused sharp pain"), "cleared in the file: {plan}");
    // The unknown one is kept set aside, for the day its content is added here.
    let export: serde_json::Value =
        serde_json::from_slice(&home.limber(&["export"]).assert().success().get_output().stdout).expect("json");
    assert_eq!(export["progression"]["side-bend"]["flagged"], true, "{}", export["progression"]);
    // And it can be cleared by its id; an id that is neither known nor set aside is a mistake.
    home.limber(&["profile", "--clear-flag", "side-bend"]).assert().success();
    assert_eq!(home.json(&["profile"])["flagged"], serde_json::json!(["seated-twist"]));
    home.limber(&["profile", "--clear-flag", "side-bendd"]).assert().code(2);
    // Cleared, it keeps its hold, so an export of this history still imports.
    let again = home.limber(&["export"]).assert().success().get_output().stdout.clone();
    Home::new().limber(&["import", "-"]).write_stdin(again).assert().success();
}

#[test]
fn damage_inside_the_database_is_said_with_its_file_and_an_export_still_rescues_the_sessions() {
    let home = Home::new().screened();
    let progress = |hold: u32| serde_json::json!({"hold-seconds": hold, "comfortable-streak": 0, "flagged": true});
    let file = export_file(&home, "three.json", 0..3, None);
    home.limber(&["import", &file]).assert().success();
    home.limber(&["import", "-"])
        .write_stdin(
            serde_json::json!({"limber-export": 3, "sessions": [], "progression": {"seated-twist": progress(20)}})
                .to_string(),
        )
        .assert()
        .success();
    // The progression table's pages are overwritten, as a failing disk might: the file still
    // opens, and the damage is met partway through.
    let db = home.path().join("limber.db");
    damage_table(&db, "progression");
    let out = home.limber(&["stats"]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limber's database is damaged") && !err.contains("code:"), "{err}");
    assert!(err.contains(&format!("The database is {}.", db.display())), "{err}");
    // The rescue it names is one `limber import` reads back, set-aside stretches and all.
    assert!(err.contains("`limber export --output FILE`") && !err.contains("--format csv"), "{err}");
    // The sessions still come out in the JSON an import reads; what could not be read is named.
    let rescued = home.path().join("rescue.json");
    let out =
        home.limber(&["export", "--output", rescued.to_str().expect("utf-8")]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("each stretch's progression could not be read and was left out"), "{err}");
    assert!(!err.contains("cannot write"), "a failure to read is not one to write: {err}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&rescued).expect("written")).expect("JSON");
    assert_eq!(json["sessions"].as_array().map(Vec::len), Some(3), "{json}");
}

/// Overwrites the root page of `table` in the SQLite file `db`, as a failing disk might: the
/// file still opens, and the damage is met when that table is read.
fn damage_table(db: &std::path::Path, table: &str) {
    let (root, page_size) = tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(async {
        use sqlx::{ConnectOptions, Row};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db).connect().await.expect("open");
        let root: i64 = sqlx::query("SELECT rootpage FROM sqlite_master WHERE name = ?")
            .bind(table)
            .fetch_one(&mut conn)
            .await
            .expect("root page")
            .get(0);
        let size: i64 = sqlx::query("PRAGMA page_size").fetch_one(&mut conn).await.expect("page size").get(0);
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.expect("checkpoint");
        (root, size)
    });
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(db).expect("db");
    f.seek(SeekFrom::Start(u64::try_from((root - 1) * page_size).expect("offset"))).expect("seek");
    f.write_all(&vec![0xA5; usize::try_from(page_size).expect("size")]).expect("damage");
}

#[test]
fn damage_where_the_export_reads_too_is_said_so_rather_than_pointing_to_the_export_again() {
    let home = Home::new().screened();
    let file = export_file(&home, "three.json", 0..3, None);
    home.limber(&["import", &file]).assert().success();
    let db = home.path().join("limber.db");
    damage_table(&db, "session_items");
    let rescued = home.path().join("rescue.json");
    let out =
        home.limber(&["export", "--output", rescued.to_str().expect("utf-8")]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limber's database is damaged"), "{err}");
    assert!(err.contains("The export cannot read past the damage either, so it wrote nothing"), "{err}");
    assert!(err.contains(&format!("The database is {}.", db.display())), "{err}");
    assert!(!rescued.exists(), "no file written");
    // Elsewhere the damage is said with the export as its rescue, as before.
    let out = home.limber(&["history"]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limber's database is damaged") && !err.contains("cannot read past"), "{err}");
}

#[test]
fn sessions_dated_ahead_are_said_on_import_and_count_toward_no_week_yet() {
    let home = Home::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis();
    let now = i64::try_from(now).expect("ms");
    // Two sessions from a device whose clock ran ahead: in 90 minutes, and in a year.
    let soon = now + 90 * 60 * 1000;
    // The one in 90 minutes falls in this week (weeks start on Monday, local time): in UTC,
    // unless that is in the last 90 minutes of its week; then three hours behind UTC.
    let week = 7 * DAY;
    let monday_utc = |ms: i64| (ms + 3 * DAY).div_euclid(week); // 1970-01-01 was a Thursday
    let tz = if monday_utc(soon) == monday_utc(now) { "UTC" } else { "<-03>3" };
    let file = export_file(&home, "ahead.json", 0..2, None);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    for (k, start) in [(0, soon), (1, now + 365 * DAY)] {
        json["sessions"][k]["started-at-ms"] = start.into();
        json["sessions"][k]["ended-at-ms"] = (start + 600_000).into();
    }
    std::fs::write(&file, json.to_string()).expect("write");
    home.limber(&["import", &file]).assert().success().stderr(predicate::str::contains(
        "2 sessions in the file are dated more than an hour ahead of this machine's clock",
    ));
    let out = home.limber(&["stats", "--json"]).env("TZ", tz).assert().success().get_output().stdout.clone();
    let stats: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(stats["adherence"]["this_week"], 0, "{stats}");
    // Importing again says it again: the file is what it describes.
    home.limber(&["import", &file])
        .assert()
        .success()
        .stderr(predicate::str::contains("dated more than an hour ahead"));
}

#[test]
fn a_stretch_left_for_pain_reads_so_in_history_json_and_csv() {
    let home = Home::new().screened();
    home.limber(&["run", "desk", "--no-warmup", "--speed", "100", "--pain-before", "2", "--pain-after", "2"])
        .write_stdin("@70 pain 7\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("left for pain Seated cat-cow — part of 6 cycles, too painful (7/10)"));
    let history = home.json(&["history"]);
    let first = &history[0]["items"][0];
    assert_eq!((&first["status"], &first["max-pain"]), (&serde_json::json!("left-for-pain"), &serde_json::json!(7)));
    let csv = home.limber(&["export", "--format", "csv"]).output().expect("export");
    let csv = String::from_utf8(csv.stdout).expect("utf-8");
    let row = csv.lines().find(|l| l.contains(",seated-cat-cow,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(row.contains(",left for pain,"), "{row}");
    // Read back from an export, it is the same.
    let file = tempfile::NamedTempFile::new().expect("temp file");
    home.limber(&["export", "--output"]).arg(file.path()).assert().success();
    let other = Home::new();
    other.limber(&["import"]).arg(file.path()).assert().success();
    assert_eq!(other.json(&["history"])[0]["items"][0]["status"], "left-for-pain");
}
