//! Reading the content from the command line, as text and as JSON.

use predicates::prelude::*;

use crate::support::Home;

#[test]
fn every_listing_has_a_json_form_with_the_whole_article() {
    let home = Home::new();
    let list = home.json(&["list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(12));
    assert_eq!(list.as_array().map(|l| l.iter().filter(|s| s["from_article"] == true).count()), Some(5));
    assert_eq!(home.json(&["routines"]).as_array().map(Vec::len), Some(3));
    assert_eq!(home.json(&["precautions"])["precautions"].as_array().map(Vec::len), Some(5));
    assert_eq!(home.json(&["tips"]).as_array().map(Vec::len), Some(5));
    assert_eq!(home.json(&["faq"]).as_array().map(Vec::len), Some(5));
    assert_eq!(home.json(&["about"])["source"]["author"], "Lisa Miller");
    let twist = home.json(&["show", "seated-twist"]);
    assert_eq!(twist["steps"].as_array().map(Vec::len), Some(5));
}

#[test]
fn show_prints_every_step_and_credits_the_source() {
    Home::new()
        .limber(&["show", "thread-the-needle"])
        .assert()
        .success()
        .stdout(predicate::str::contains("  7. When the hold ends, come out of it slowly"))
        .stdout(predicate::str::contains(
            "Source: \"Stretches for Mid Back Pain: Relieve Tension and Improve Flexibility\" by Lisa Miller",
        ));
    // A stretch of several holds says what to do between them.
    Home::new()
        .limber(&["show", "towel-extension"])
        .assert()
        .success()
        .stdout(predicate::str::contains("  Between holds: Ease off, but stay lying over the roll"))
        .stdout(predicate::str::contains("  Coming out: Roll onto your side first"));
}

#[test]
fn user_content_adds_routines() {
    let home = Home::new();
    let content = home.path().join("content");
    std::fs::create_dir(&content).expect("mkdir");
    std::fs::write(
        content.join("mine.ron"),
        "Content(routines: [Routine(id: \"evening\", name: \"Evening\", summary: \"Two.\", warm_up: false, stretches: [\"open-book\", \"seated-twist\"])])",
    )
    .expect("write");
    home.limber(&["routines", "--content", content.to_str().expect("utf-8")])
        .assert()
        .success()
        .stdout(predicate::str::contains("evening — Evening"));
    // Own stretches are listed with the built-in ones, as their own, and replace those they name.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/user");
    let out = home.limber(&["list", "--json", "--content", fixture.to_str().expect("utf-8")]).output().expect("runs");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let item = |id: &str| list.as_array().expect("a list").iter().find(|s| s["id"] == id).cloned();
    let added = item("side-bend").expect("the added stretch is listed");
    assert_eq!((&added["name"], &added["from_article"]), (&serde_json::json!("Side bend"), &serde_json::json!(false)));
    assert_eq!(item("seated-twist").expect("listed")["name"], "Seated twist (my version)");
    assert_eq!(list.as_array().map(Vec::len), home.json(&["list"]).as_array().map(|l| l.len() + 1));
}

#[test]
fn version_help_and_completions_work() {
    let home = Home::new();
    home.limber(&["--version"]).assert().success().stdout(predicate::str::starts_with("limber "));
    home.limber(&["run", "--help"]).assert().success().stdout(predicate::str::contains("--speed <FACTOR>"));
    home.limber(&["completions", "bash"]).assert().success().stdout(predicate::str::contains("_limber"));
}

#[test]
fn run_help_gives_the_safety_keys_and_examples_that_work() {
    let home = Home::new().screened();
    let out = home.limber(&["run", "--help"]).output().expect("limber runs");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    assert!(help.contains("x       sharp pain: stops at once") && help.contains("e       chest pain"), "{help}");
    assert!(help.contains("3 stopped for safety"), "{help}");
    let examples: Vec<Vec<&str>> = help
        .lines()
        .filter_map(|l| l.trim().strip_prefix("limber "))
        .map(|l| l.split("  ").next().unwrap_or("").split_whitespace().collect())
        .collect();
    assert!(examples.len() >= 3, "{help}");
    for mut args in examples {
        // Each one starts a session as written (quit at once, sped up, no voice needed).
        args.extend(["--speed", "1000", "--no-voice"]);
        args.retain(|a| *a != "--voice");
        home.limber(&args).write_stdin("q\n").assert().success();
    }
}

#[test]
fn every_subcommand_opens_its_help_with_what_the_command_list_says_it_does() {
    let home = Home::new();
    let out = home.limber(&["--help"]).output().expect("limber runs");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    let commands = help.split("Commands:\n").nth(1).expect("a command list").split("\n\n").next().unwrap_or("");
    let mut seen = 0;
    for line in commands.lines().filter(|l| l.starts_with("  ") && !l.starts_with("   ")) {
        let (name, said) = line.trim().split_once(' ').expect("a name and what it does");
        if name == "help" {
            continue;
        }
        let own = home.limber(&[name, "--help"]).output().expect("limber runs");
        let own = String::from_utf8(own.stdout).expect("utf-8");
        let first = own.lines().next().unwrap_or("");
        let said: String = said.trim().chars().take(30).collect();
        assert!(first.starts_with(&said), "`limber {name} --help` opens with {first:?}, not {said:?}");
        seen += 1;
    }
    assert!(seen >= 15, "{help}");
}

#[test]
fn the_profile_keeps_defaults_that_plans_use() {
    let home = Home::new().screened();
    home.limber(&["profile", "--equipment", "none", "--avoid", "kneeling", "--goal", "2"]).assert().success();
    let profile = home.json(&["profile"]);
    assert_eq!(profile["profile"]["equipment"], serde_json::json!([]));
    assert_eq!(profile["profile"]["avoid"], serde_json::json!(["kneeling"]));
    assert_eq!(profile["profile"]["weekly_goal"], 2);
    home.limber(&["run", "full", "--speed", "1000", "--pain-before", "0", "--pain-after", "0"])
        .write_stdin("@1 quit\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Cat-camel is done kneeling: doing Standing cat-cow instead."))
        .stdout(predicate::str::contains("Upper-back foam rolling needs a foam roller"));
    // `none` clears the positions, as it does the equipment; listed with a position it is a
    // usage error.
    home.limber(&["profile", "--avoid", "none"]).assert().success();
    assert_eq!(home.json(&["profile"])["profile"]["avoid"], serde_json::json!([]));
    home.limber(&["profile", "--avoid", "none,kneeling"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--avoid none means no position to avoid"));
}

#[test]
fn sound_is_a_profile_setting_that_the_bell_follows() {
    let home = Home::new();
    assert_eq!(home.json(&["profile"])["profile"]["sound"], true, "the bell is on by default");
    home.limber(&["profile", "--sound", "off"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Sound:             off"));
    assert_eq!(home.json(&["profile"])["profile"]["sound"], false);
    home.limber(&["profile", "--sound", "loud"]).assert().code(2);
}

#[test]
fn a_data_directory_that_cannot_be_used_is_named_with_its_reason_said_once() {
    let home = Home::new();
    let file = home.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = home.limber(&["history"]).env("LIMBER_DATA_DIR", file.join("data")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("cannot use the data directory {}", file.join("data").display())), "{stderr}");
    assert_eq!(stderr.matches("Not a directory").count(), 1, "{stderr}");
    // The file itself given as the directory: said plainly, not "File exists".
    let out = home.limber(&["history"]).env("LIMBER_DATA_DIR", &file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("it is a file, not a directory"), "{stderr}");
}

#[test]
fn a_store_flag_wins_over_the_other_stores_variable_and_two_of_a_kind_clash() {
    let home = Home::new();
    // LIMBER_DATA_DIR is set by `limber`; a URL in the environment that nothing listens on
    // would fail if it were used: the flag --data-dir wins.
    home.limber(&["history", "--data-dir"])
        .arg(home.path())
        .env("LIMBER_DATABASE_URL", "postgres://limber@127.0.0.1:1/nothing")
        .assert()
        .success()
        .stdout(predicate::str::contains("No sessions yet"));
    home.limber(&["history"])
        .env("LIMBER_DATABASE_URL", "postgres://limber@127.0.0.1:1/nothing")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("LIMBER_DATA_DIR and LIMBER_DATABASE_URL are both set"));
    // The man page opens no store: it prints whatever the environment holds.
    home.limber(&["man"])
        .env("LIMBER_DATABASE_URL", "postgres://limber@127.0.0.1:1/nothing")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH limber 1"));
    home.limber(&["history", "--data-dir", "a", "--database", "postgres://limber@127.0.0.1:1/nothing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--data-dir and --database cannot be used together"));
}

#[test]
fn a_variable_set_to_nothing_is_named_not_the_flag_that_was_never_typed() {
    let home = Home::new();
    let out = home.limber(&["history"]).env("LIMBER_DATA_DIR", "").assert().code(2).get_output().stderr.clone();
    let said = String::from_utf8_lossy(&out);
    assert!(said.contains("LIMBER_DATA_DIR is set but empty") && said.contains("unset LIMBER_DATA_DIR"), "{said}");
    // Typed with no value, it is the flag that is named, as clap says it.
    let out =
        home.limber(&["history", "--content"]).env("LIMBER_CONTENT", "").assert().code(2).get_output().stderr.clone();
    let said = String::from_utf8_lossy(&out);
    assert!(said.contains("'--content <DIR>'") && !said.contains("LIMBER_CONTENT is set"), "{said}");
}

#[test]
fn content_check_passes_good_content_names_what_it_replaces_and_fails_bad_or_missing_files() {
    let home = Home::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let user = fixtures.join("user");
    home.limber(&["content", "check", user.to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("6 files OK: 13 stretches"))
        .stdout(predicate::str::contains("my-content.ron replaces the built-in stretch `seated-twist`"));
    // The directory --content names is the one checked when none is given, and --json says the same.
    let checked = home.json(&["--content", user.to_str().expect("utf-8 path"), "content", "check"]);
    assert_eq!((checked["ok"].as_bool(), checked["own_files"].as_u64()), (Some(true), Some(1)));
    assert_eq!(checked["replaced"][0]["id"], "seated-twist");
    assert_eq!(checked["problems"], serde_json::json!([]), "a list, empty: {checked}");
    // With --json a folder that cannot be read is JSON of the same shape too, and exit 1.
    let missing = home.path().join("no-such-folder");
    let out = home
        .limber(&["content", "check", missing.to_str().expect("utf-8 path"), "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let failed: serde_json::Value = serde_json::from_slice(&out).expect("JSON on standard output");
    assert_eq!(failed["ok"], false, "{failed}");
    assert_eq!(
        (&failed["problems"][0]["line"], failed["problems"].as_array().map(Vec::len)),
        (&serde_json::json!(null), Some(1))
    );
    // A 5-minute hold is refused with its place and the limits.
    home.limber(&["content", "check", fixtures.join("broken/unsafe-hold").to_str().expect("utf-8 path")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "side-bend.ron:10:13: stretch `side-bend`: a hold of 300 s is outside 10–60 s",
        ));
    // A directory whose files are not named *.ron checks nothing: that is a problem, not a pass.
    let empty = home.path().join("no-ron");
    std::fs::create_dir(&empty).expect("mkdir");
    std::fs::write(empty.join("mine.RON.txt"), "Content()").expect("write");
    home.limber(&["content", "check", empty.to_str().expect("utf-8 path")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no .ron files to read"));
    // Nor is it used as if it were none: every command that reads content says so.
    home.limber(&["--content", empty.to_str().expect("utf-8 path"), "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no .ron files to read"));
}

#[test]
fn routines_say_what_each_needs_and_which_positions_it_takes() {
    Home::new()
        .limber(&["routines"])
        .assert()
        .success()
        .stdout(predicate::str::contains("desk — Seated desk break"))
        .stdout(predicate::str::contains("  needs: a stable chair · seated\n"))
        .stdout(predicate::str::contains("  no equipment · lying on your side, standing\n"));
}

#[test]
fn routines_say_what_they_would_be_for_you() {
    // A first run has a chair and a towel: the full routine rolls on a towel, not a foam roller,
    // as `limber run full` would; listing it makes no history.
    let home = Home::new();
    let towel = "  For you: Upper-back foam rolling needs a foam roller: doing Towel extension instead.\n";
    home.limber(&["routines"])
        .assert()
        .success()
        .stdout(predicate::str::contains(towel))
        .stdout(predicate::str::contains("  needs: a stable chair, a towel · kneeling"));
    assert!(!home.path().join(limber_app::store::DATABASE_FILE).exists(), "nothing was made");
    // With a roller in the profile, the routine as written.
    home.limber(&["profile", "--equipment", "chair,foam-roller"]).assert().success();
    home.limber(&["routines"])
        .assert()
        .success()
        .stdout(predicate::str::contains("For you").not())
        .stdout(predicate::str::contains("  needs: a foam roller, a stable chair · kneeling"));
}
