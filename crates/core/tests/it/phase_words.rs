//! The big word a session shows, moment by moment: scripts in, big words out.

use std::fmt::Write;

use expect_test::{Expect, expect};
use limber_core::{At, PainPrompt, PlanOptions, Session};

use crate::harness::{clear_record, drive, options, plan};

/// Runs `script` on `routine` and writes each new big word as `time WORD (moment)`.
fn check(routine: &str, options: &PlanOptions, screened: bool, script: &str, expected: Expect) {
    let record = clear_record();
    let session = Session::new(plan(routine, options), screened.then_some(&record), At::ZERO);
    let mut last = None;
    let (_, transcript) = drive(session, script, |session, out| {
        // (Cues are not watched here; drained so that the session does not keep them all.)
        session.drain_cues();
        let said = session.view().phase_word();
        if last.as_ref() != Some(&said) {
            writeln!(out, "{} {} ({:?})", session.view().at, said.word, said.moment).expect("write");
            last = Some(said);
        }
    });
    expected.assert_eq(&transcript);
}

#[test]
fn a_stretch_on_each_side_names_the_side_held_and_the_side_switched_to() {
    check(
        "short",
        &options(),
        true,
        "",
        expect![[r#"
            0:00.000 GET INTO POSITION (Prepare)
            0:03.000 GET READY (GetReady)
            0:05.000 HOLD · RIGHT (Hold)
            0:09.000 SWITCH → LEFT (Switch)
            0:12.000 HOLD · LEFT (Hold)
            0:16.000 HOW DID THAT FEEL? (Ask)
            0:18.000 DONE (Done)
        "#]],
    );
}

#[test]
fn the_questions_and_ratings_around_the_exercise_ask() {
    let options = PlanOptions { pain_before: PainPrompt::Ask, pain_after: PainPrompt::Ask, ..options() };
    check(
        "short",
        &options,
        false,
        "0 no\n0 no\n1 3\n20 2",
        expect![[r#"
        0:00.000 SAFETY QUESTIONS (Ask)
        0:00.000 RATE YOUR PAIN (Ask)
        0:01.000 GET INTO POSITION (Prepare)
        0:04.000 GET READY (GetReady)
        0:06.000 HOLD · RIGHT (Hold)
        0:10.000 SWITCH → LEFT (Switch)
        0:13.000 HOLD · LEFT (Hold)
        0:17.000 HOW DID THAT FEEL? (Ask)
        0:19.000 RATE YOUR PAIN (Ask)
        0:20.000 DONE (Done)
    "#]],
    );
}

#[test]
fn paused_says_so_in_the_phase_tone_unless_a_question_waits() {
    check(
        "short",
        &options(),
        true,
        "6 pause\n8 resume\n10 end",
        expect![[r#"
        0:00.000 GET INTO POSITION (Prepare)
        0:03.000 GET READY (GetReady)
        0:05.000 HOLD · RIGHT (Hold)
        0:06.000 PAUSED (Hold)
        0:08.000 HOLD · RIGHT (Hold)
    "#]],
    );
    // A rating above 5 pauses the warm-up to ask: the question is the word, not the pause.
    check(
        "all",
        &options(),
        true,
        "1 pause\n3 resume\n5 6\n7 no\n8 end",
        expect![[r#"
        0:00.000 WARM-UP (WarmUp)
        0:01.000 PAUSED (WarmUp)
        0:03.000 WARM-UP (WarmUp)
        0:05.000 STOP FOR TODAY? (Ask)
        0:07.000 WARM-UP (WarmUp)
    "#]],
    );
}

#[test]
fn a_flow_is_moved_and_a_wait_for_start_is_ready_when_you_are() {
    let options = PlanOptions { wait_for_start: true, ..options() };
    check(
        "floor",
        &options,
        true,
        "4 start",
        expect![[r#"
        0:00.000 READY WHEN YOU ARE (Prepare)
        0:04.000 GET READY (GetReady)
        0:06.000 MOVE (Move)
        0:14.000 HOW DID THAT FEEL? (Ask)
        0:16.000 DONE (Done)
    "#]],
    );
}

#[test]
fn a_stop_for_safety_is_stopped_and_an_end_by_choice_is_ended() {
    check(
        "short",
        &options(),
        true,
        "6 sharp",
        expect![[r#"
        0:00.000 GET INTO POSITION (Prepare)
        0:03.000 GET READY (GetReady)
        0:05.000 HOLD · RIGHT (Hold)
        0:06.000 STOPPED (Stopped)
    "#]],
    );
    check(
        "short",
        &options(),
        true,
        "6 quit",
        expect![[r#"
        0:00.000 GET INTO POSITION (Prepare)
        0:03.000 GET READY (GetReady)
        0:05.000 HOLD · RIGHT (Hold)
        0:06.000 ENDED (Done)
    "#]],
    );
    check(
        "all",
        &options(),
        true,
        "5 6\n6 yes",
        expect![[r#"
        0:00.000 WARM-UP (WarmUp)
        0:05.000 STOP FOR TODAY? (Ask)
        0:06.000 STOPPED (Stopped)
    "#]],
    );
}

#[test]
fn a_check_in_stood_still_is_paused_and_a_rating_after_a_quit_is_asked_for() {
    // Paused at a check-in (which waits by itself, with no question to answer): PAUSED.
    check(
        "short",
        &options(),
        true,
        "17 pause\n19 resume\n19.5 comfortable",
        expect![[r#"
            0:00.000 GET INTO POSITION (Prepare)
            0:03.000 GET READY (GetReady)
            0:05.000 HOLD · RIGHT (Hold)
            0:09.000 SWITCH → LEFT (Switch)
            0:12.000 HOLD · LEFT (Hold)
            0:16.000 HOW DID THAT FEEL? (Ask)
            0:17.000 PAUSED (Ask)
            0:19.000 HOW DID THAT FEEL? (Ask)
            0:19.500 DONE (Done)
        "#]],
    );
    // Ended by choice, then asked for the rating after: the question, then ENDED.
    let options = PlanOptions { pain_after: PainPrompt::Ask, ..options() };
    check(
        "short",
        &options,
        true,
        "6 quit\n7 2",
        expect![[r#"
        0:00.000 GET INTO POSITION (Prepare)
        0:03.000 GET READY (GetReady)
        0:05.000 HOLD · RIGHT (Hold)
        0:06.000 RATE YOUR PAIN (Ask)
        0:07.000 ENDED (Done)
    "#]],
    );
}
