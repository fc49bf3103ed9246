//! Every class of content error, one fixture each, with the exact located message.

use expect_test::expect;
use limber_content::{Error, Loader};
use limber_tests::fixture;

/// Loads the built-in content plus the fixture directory `name`, and returns the error message
/// with the fixture directory shortened for readability.
fn error_for(name: &str) -> String {
    let dir = fixture("broken").join(name);
    let mut loader = Loader::builtin();
    loader.add_dir(&dir).expect("fixture directory is readable");
    let err = match loader.build() {
        Ok(_) => panic!("fixture `{name}` loaded without error"),
        Err(err @ Error::Invalid(_)) => err,
        Err(other) => panic!("fixture `{name}` failed to read: {other}"),
    };
    err.to_string().replace(&format!("{}/", dir.display()), "")
}

#[test]
fn every_class_of_error_names_file_line_column_and_problem() {
    let classes = [
        "syntax",
        "unknown-field",
        "missing-field",
        "duplicate-id",
        "unknown-reference",
        "empty-steps",
        "empty-routine",
        "range-empty",
        "range-zero",
        "range-reversed",
        "zero-repetitions",
        "broken-promise",
        "figure-bone",
        "figure-joint",
        "figure-prop",
        "assessment-question",
        "weakened-screening",
        "unsafe-hold",
        "many-repetitions",
        "unsafe-timed",
        "own-stretch-breaks-promise",
        "blank-question",
        "repeated-stretch",
        "negative-hold",
        "blank-modification",
        "long-id",
        "other-side-once",
        "between-holds-never",
        "blank-other-side",
    ];
    let report: String = classes.iter().map(|c| format!("== {c}\n{}\n", error_for(c))).collect();
    expect![[r#"
        == syntax
        1 problem in content:
        side-bend.ron:10:35: syntax error: Expected comma
        == unknown-field
        1 problem in content:
        side-bend.ron:9:13: unknown field `colour` in `Stretch`; expected one of: `id`, `name`, `summary`, `targets`, `position`, `equipment`, `steps`, `dose`, `breathing`, `cautions`, `other_side`, `between_holds`, `coming_out`, `modifications`, `alternatives`, `origin`, `figure`
        == missing-field
        1 problem in content:
        side-bend.ron:11:9: missing field `breathing` in `Stretch`
        == duplicate-id
        1 problem in content:
        side-bend.ron:14:17: duplicate stretch id `side-bend`: it is already defined at side-bend.ron:4:17
        == unknown-reference
        1 problem in content:
        routine.ron:8:41: routine `evening` refers to unknown stretch `neck-roll`
        == empty-steps
        1 problem in content:
        side-bend.ron:9:13: stretch `side-bend` has no steps: list at least one
        == empty-routine
        1 problem in content:
        routine.ron:8:13: routine `nothing` has no stretches: list at least one
        == range-empty
        1 problem in content:
        side-bend.ron:10:34: invalid value: the range is empty: write it as (low, high), e.g. (15, 30)
        == range-zero
        1 problem in content:
        side-bend.ron:10:39: invalid value: the range (0, 30) includes zero: both ends must be at least 1
        == range-reversed
        1 problem in content:
        side-bend.ron:10:40: invalid value: the range (30, 15) is reversed: write the low end first, (15, 30)
        == zero-repetitions
        1 problem in content:
        side-bend.ron:10:56: invalid value: expected a whole number of at least 1, found the unsigned integer `0`
        == broken-promise
        1 problem in content:
        routine.ron:9:41: routine `chair-only` promises SeatedOnly (every stretch stays on the chair), but its stretch `cat-camel` does not keep it
        == figure-bone
        1 problem in content:
        side-bend.ron:16:32: stretch `side-bend`: the right forearm is 26 long in pose `Start` but 66 in `Bend`: a bone keeps its length in every pose (in a front view it may look shorter, down to 40 %)
        == figure-joint
        1 problem in content:
        side-bend.ron:27:21: missing field `left_foot` in `Pose`
        == figure-prop
        1 problem in content:
        side-bend.ron:14:32: invalid value: Unexpected variant named `Ladder` in enum `Prop`, expected one of `Floor`, `floor`, `Chair`, `chair`, `Wall`, `wall`, `FoamRoller`, `r#foam-roller`, `Towel`, or `towel` instead
        == assessment-question
        1 problem in content:
        screening.ron:7:13: screening question `seen-before` is `about_assessment`: it must be `level: SeeClinician` with `flagged_by: No` ("has a clinician already looked at it?")
        == weakened-screening
        1 problem in content:
        screening.ron:5:17: screening question `chest-pain` overrides a built-in question and must keep its `level: Emergency`, `flagged_by: Yes` and `about_assessment`: own content may reword a safety question, not weaken it
        == unsafe-hold
        1 problem in content:
        side-bend.ron:10:13: stretch `side-bend`: a hold of 300 s is outside 10–60 s (ACSM: 10–30 s, up to 60 s for older adults)
        == many-repetitions
        1 problem in content:
        side-bend.ron:10:13: stretch `side-bend`: 40 repetitions are more than 6 (about 60 s in all per stretch is the target: Harvard Health)
        == unsafe-timed
        1 problem in content:
        side-bend.ron:10:13: stretch `side-bend`: timed work of 1800–3600 s is outside 10–600 s (at most ten minutes)
        == own-stretch-breaks-promise
        1 problem in content:
        twist.ron:5:17: routine `desk` promises SeatedOnly (every stretch stays on the chair), but its stretch `seated-twist` does not keep it
        == blank-question
        1 problem in content:
        screening.ron:7:13: screening question `chest-pain` has a blank `question`: write the words a person will read or hear
        == repeated-stretch
        1 problem in content:
        routine.ron:4:65: routine `twists` names stretch `seated-twist` more than once: list each stretch once (its dose sets the repetitions)
        == negative-hold
        1 problem in content:
        side-bend.ron:10:35: invalid value: a number out of range here: use a whole number, 0 or more (seconds, counts)
        == blank-modification
        1 problem in content:
        side-bend.ron:12:13: stretch `side-bend` has a blank `modifications`: write the words a person will read or hear
        == long-id
        1 problem in content:
        side-bend.ron:4:17: stretch id `side-bend-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` is longer than 100 characters: history keeps ids, and an export must read back in
        == other-side-once
        1 problem in content:
        side-bend.ron:12:13: stretch `side-bend` has `other_side`, but its dose is not done on each side (`per_side: true`)
        == between-holds-never
        1 problem in content:
        side-bend.ron:12:13: stretch `side-bend` has `between_holds`, but no hold of it follows another on the same side (it needs a `Hold` dose with `repetitions` of 2 or more)
        == blank-other-side
        1 problem in content:
        side-bend.ron:12:13: stretch `side-bend` has a blank `other_side`: write the words a person will read or hear
    "#]].assert_eq(&report);
}

#[test]
fn a_missing_directory_is_a_read_error_not_a_panic() {
    let mut loader = Loader::builtin();
    let err = loader.add_dir(&fixture("no-such-dir")).unwrap_err();
    assert!(matches!(err, Error::Read { .. }));
    assert!(err.to_string().starts_with("cannot read "), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_reported_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.ron"), [0xff, 0xfe, 0x00]).expect("write");
    let err = Loader::builtin().add_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("bad.ron: the file is not UTF-8 text"), "{err}");
}

#[test]
fn hidden_files_are_not_read_and_a_byte_order_mark_is_not_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let routine = "Content(routines: [Routine(id: \"mine\", name: \"Mine\", summary: \"One twist.\", warm_up: false, \
                   stretches: [\"seated-twist\"])])";
    // Written by an editor that starts UTF-8 with a byte-order mark.
    std::fs::write(dir.path().join("mine.ron"), format!("\u{feff}{routine}")).expect("write");
    // The `._mine.ron` a copy to a USB stick leaves beside it: not content, and not valid RON.
    std::fs::write(dir.path().join("._mine.ron"), [0u8, 5, 22, 7, 0, 2]).expect("write");
    let mut loader = Loader::builtin();
    assert_eq!(loader.add_dir(dir.path()).expect("reads"), 1, "only mine.ron is read");
    let lib = loader.build().unwrap_or_else(|e| panic!("a BOM or a hidden file broke the load: {e}"));
    assert!(lib.routine(&limber_core::RoutineId::from("mine")).is_some());
}

#[test]
fn a_content_directory_with_no_ron_file_is_a_problem_not_the_builtin_content() {
    // A mistyped folder, or files named `*.RON.txt`: what the person meant to use is not there,
    // and running on the built-in content instead would hide it.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("mine.RON.txt"), "Content()").expect("write");
    let err = Loader::builtin().add_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("no .ron files to read"), "{err}");
}
