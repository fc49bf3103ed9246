//! `limber handout`: the printable routine sheet, to standard output and to a file.

use predicates::prelude::*;

use crate::support::Home;

#[test]
fn the_handout_shows_every_stretch_and_step_of_the_routine() {
    let home = Home::new();
    let desk = home.json(&["routines"]);
    let desk = desk.as_array().and_then(|r| r.iter().find(|r| r["id"] == "desk")).cloned().expect("desk routine");
    for format in ["html", "md"] {
        let mut said_between = 0;
        let out = home.limber(&["handout", "desk", "--format", format]).output().expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for id in desk["stretches"].as_array().expect("stretches") {
            let stretch = home.json(&["show", id.as_str().expect("id")]);
            let name = stretch["name"].as_str().expect("name");
            assert!(text.contains(name), "{name} missing from the {format} handout");
            for step in stretch["steps"].as_array().expect("steps") {
                let step = step.as_str().expect("step");
                let step =
                    if format == "html" { step.replace('\'', "&#39;").replace('"', "&quot;") } else { step.to_owned() };
                assert!(text.contains(&step), "step {step:?} missing from the {format} handout");
            }
            if let Some(between) = stretch["between_holds"].as_str() {
                assert!(text.contains(between), "{name}: between holds {between:?} missing from the {format} handout");
                said_between += 1;
            }
        }
        // The seated extension says what to do between its three holds.
        assert_eq!(said_between, 1, "the {format} handout");
    }
}

#[test]
fn an_unknown_routine_is_a_usage_error() {
    Home::new()
        .limber(&["handout", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no routine called `nope`").and(predicate::str::contains("desk")));
}

#[test]
fn output_writes_the_file() {
    let home = Home::new();
    let file = home.path().join("sheet.html");
    home.limber(&["handout", "--output", file.to_str().expect("path")])
        .assert()
        .success()
        .stdout("")
        .stderr(format!("Wrote the full handout to {}.\n", file.display()));
    // Standard output stays the handout's alone with `-o -`.
    home.limber(&["handout", "desk", "-o", "-"]).assert().success().stderr("");
    let html = std::fs::read_to_string(&file).expect("written");
    assert!(html.starts_with("<!doctype html>") && html.contains("@page") && html.contains("<svg"));
}
