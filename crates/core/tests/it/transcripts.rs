//! Scripted sessions: events and times in, phases and cues out.

use expect_test::{Expect, expect};
use limber_core::{ItemStatus, KEPT_CUES, PainPrompt, PlanOptions, Session, StopReason, StretchId};

use crate::harness::{clear_record, options, plan, run};

fn check(routine: &str, options: &PlanOptions, screened: bool, script: &str, expected: Expect) -> Session {
    let record = clear_record();
    let session = Session::new(plan(routine, options), screened.then_some(&record), limber_core::At::ZERO);
    let (session, transcript) = run(session, script);
    expected.assert_eq(&transcript);
    session
}

#[test]
fn a_short_routine_runs_by_itself() {
    let s = check(
        "short",
        &options(),
        true,
        "",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Slowly ease out of the stretch.
            0:09.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:10.000 Tick    2
            0:11.000 Tick    1
            0:12.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:13.000 Tick    3
            0:14.000 Tick    2
            0:15.000 Tick    1
            0:16.000 End     Slowly ease out of the stretch: that was the last hold.
            0:16.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:18.000 End     That completes Short. Well done.
            == Finished
        "#]],
    );
    let summary = s.summary().expect("finished");
    assert_eq!(summary.stopped, None);
    assert_eq!(summary.items[0].status, ItemStatus::Done);
    assert_eq!(summary.items[0].holds_done, 2);
    assert_eq!(summary.items[0].sides_done, [limber_core::Side::Right, limber_core::Side::Left]);
    assert_eq!(summary.active.as_secs(), 8);
}

#[test]
fn an_emergency_answer_stops_before_any_exercise() {
    let s = check(
        "short",
        &options(),
        false,
        "0 yes\n1 start",
        expect![[r#"
            0:00.000 None    Question 1 of 2: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 Alert   EMERGENCY.
            == Stopped { reason: Emergency }
            0:01.000 !! start: the session is over
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Emergency));
    assert_eq!(s.screening().answers, vec![("chest".to_owned(), true)]);
}

#[test]
fn a_see_clinician_answer_stops_unless_assessed() {
    let s = check(
        "short",
        &options(),
        false,
        "0 no\n1 yes\n2 no",
        expect![[r#"
            0:00.000 None    Question 1 of 2: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 2: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 Alert   SEE A CLINICIAN. Has a doctor or physiotherapist already assessed this pain and said stretching is fine? (yes or no)
            == ConfirmAssessed
            0:02.000 Alert   SEE A CLINICIAN.
            == Stopped { reason: SeeClinician }
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SeeClinician));

    let s = check(
        "short",
        &options(),
        false,
        "0 no\n1 yes\n2 yes\n3 end",
        expect![[r#"
            0:00.000 None    Question 1 of 2: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 2: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 Alert   SEE A CLINICIAN. Has a doctor or physiotherapist already assessed this pain and said stretching is fine? (yes or no)
            == ConfirmAssessed
            0:02.000 None    Thank you. Go gently, as your clinician advised, and stop if anything feels wrong.
            0:02.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:03.000 None    Step 1. Sit tall.
        "#]],
    );
    assert!(s.screening().clinician_assessed);
    assert!(s.summary().is_none());
}

/// The confirmation names each sign reported, so that a check of the back long ago is not
/// taken to cover a sign that is new; a sign not reported is not named.
#[test]
fn the_confirmation_names_the_signs_the_answers_reported() {
    let signed = || {
        let mut plan = plan("short", &options());
        let mut questions = plan.screening.to_vec();
        questions[1].sign = Some("pain worse at night".into());
        questions.push(limber_core::ScreeningQuestion {
            id: "fever".into(),
            question: "A fever?".into(),
            sign: Some("a fever".into()),
            ..questions[1].clone()
        });
        plan.screening = questions.into();
        plan
    };
    check_plan(
        signed(),
        "0 no\n1 yes\n2 no",
        expect![[r#"
            0:00.000 None    Question 1 of 3: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 3: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 None    Question 3 of 3: A fever? (yes or no)
            == Screening { question: 2 }
            0:02.000 Alert   SEE A CLINICIAN. You told limber of pain worse at night. Has a doctor or physiotherapist checked this since it began and said stretching is fine? (yes or no)
            == ConfirmAssessed
        "#]],
    );
    check_plan(
        signed(),
        "0 no\n1 yes\n2 yes",
        expect![[r#"
            0:00.000 None    Question 1 of 3: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 3: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 None    Question 3 of 3: A fever? (yes or no)
            == Screening { question: 2 }
            0:02.000 Alert   SEE A CLINICIAN. You told limber of pain worse at night; and a fever. Has a doctor or physiotherapist checked these since they began and said stretching is fine? (yes or no)
            == ConfirmAssessed
        "#]],
    );
}

/// The fixture's screening plus "has a clinician looked at this pain?", flagged by a "no".
fn with_assessment_question() -> limber_core::Plan {
    let mut plan = plan("short", &options());
    let mut questions = plan.screening.to_vec();
    questions.push(limber_core::ScreeningQuestion {
        id: "assessed".into(),
        level: limber_core::Level::SeeClinician,
        question: "Has a clinician looked at it?".into(),
        flagged_by: limber_core::Answer::No,
        about_assessment: true,
        sign: None,
        source: "s".into(),
    });
    plan.screening = questions.into();
    plan
}

fn check_plan(plan: limber_core::Plan, script: &str, expected: Expect) -> Session {
    let (session, transcript) = run(Session::new(plan, None, limber_core::At::ZERO), script);
    expected.assert_eq(&transcript);
    session
}

#[test]
fn no_clinician_has_looked_at_it_stops_without_asking_for_an_assessment() {
    let s = check_plan(
        with_assessment_question(),
        "0 no\n1 no\n2 no\n3 yes",
        expect![[r#"
            0:00.000 None    Question 1 of 3: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 3: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 None    Question 3 of 3: Has a clinician looked at it? (yes or no; careful, this one is asked the other way round from the ones before it)
            == Screening { question: 2 }
            0:02.000 Alert   Before you stretch, have a doctor or physiotherapist look at this pain: you said none has yet, and pain in the mid back can come from places other than the back. Once one has, and says stretching is fine, answer the safety questions again.
            == Stopped { reason: SeeClinician }
            0:03.000 !! yes: the session is over
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SeeClinician));
    assert!(!s.screening().clinician_assessed);
}

#[test]
fn a_warning_sign_no_clinician_has_looked_at_stops_with_the_advice_for_both() {
    check_plan(
        with_assessment_question(),
        "0 no\n1 yes\n2 no",
        expect![[r#"
            0:00.000 None    Question 1 of 3: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 3: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 None    Question 3 of 3: Has a clinician looked at it? (yes or no; careful, this one is asked the other way round from the ones before it)
            == Screening { question: 2 }
            0:02.000 Alert   SEE A CLINICIAN. You said no doctor or physiotherapist has looked at this pain yet. Once one has, and says stretching is fine, answer the safety questions again.
            == Stopped { reason: SeeClinician }
        "#]],
    );
}

#[test]
fn a_clinician_has_looked_at_it_so_a_warning_sign_asks_for_the_assessment() {
    let s = check_plan(
        with_assessment_question(),
        "0 no\n1 yes\n2 yes\n3 yes\n4 end",
        expect![[r#"
            0:00.000 None    Question 1 of 3: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 None    Question 2 of 3: Worse at night? (yes or no)
            == Screening { question: 1 }
            0:01.000 None    Question 3 of 3: Has a clinician looked at it? (yes or no; careful, this one is asked the other way round from the ones before it)
            == Screening { question: 2 }
            0:02.000 Alert   SEE A CLINICIAN. Has a doctor or physiotherapist already assessed this pain and said stretching is fine? (yes or no)
            == ConfirmAssessed
            0:03.000 None    Thank you. Go gently, as your clinician advised, and stop if anything feels wrong.
            0:03.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:04.000 None    Step 1. Sit tall.
        "#]],
    );
    assert!(s.screening().clinician_assessed);
    assert!(s.summary().is_none());
}

#[test]
fn a_pause_keeps_exactly_the_remaining_time() {
    check(
        "short",
        &options(),
        true,
        "6.5 pause\n60 resume",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:06.500 None    Paused. Resume when you are ready.
            == Active { item: 0, hold: 0 } (paused)
            1:00.000 None    Resuming: 3 seconds left.
            == Active { item: 0, hold: 0 }
            1:00.500 Tick    2
            1:01.500 Tick    1
            1:02.500 End     Slowly ease out of the stretch.
            1:02.500 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            1:03.500 Tick    2
            1:04.500 Tick    1
            1:05.500 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            1:06.500 Tick    3
            1:07.500 Tick    2
            1:08.500 Tick    1
            1:09.500 End     Slowly ease out of the stretch: that was the last hold.
            1:09.500 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            1:11.500 End     That completes Short. Well done.
            == Finished
        "#]],
    );
}

#[test]
fn sharp_pain_stops_at_once_and_nothing_runs_after() {
    let s = check(
        "short",
        &options(),
        true,
        "7 sharp\n8 resume\n9 skip\n30 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:07.000 Alert   SHARP PAIN: STOP. Twist is set aside from your plans until you clear it.
            == Stopped { reason: SharpPain }
            0:08.000 !! resume: the session is over
            0:09.000 !! skip: the session is over
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.stopped, Some(StopReason::SharpPain));
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some("twist"));
    // Its hold had begun: left for the pain, not skipped as if s had been pressed.
    assert_eq!(summary.items[0].status, ItemStatus::LeftForPain);
    assert_eq!(summary.items[0].label(), "left for pain");
}

#[test]
fn swap_changes_the_stretch_and_skip_moves_on() {
    let s = check(
        "short",
        &options(),
        true,
        "0.5 swap\n6 skip",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:00.500 None    Swapping Twist for Open book, which also works the mid back.
            0:00.500 None    Next up, stretch 1 of 1: Open book. Side-lying turn. Dose: hold 4 seconds, once on each side.
            0:01.500 None    Step 1. Lie on your side.
            0:02.500 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:03.500 Tick    1
            0:04.500 Start   Hold for 4 seconds — right side. Open on the out-breath.
            == Active { item: 0, hold: 0 }
            0:05.500 Tick    3
            0:06.000 None    Skipped Open book.
            0:06.000 End     That completes Short. Well done.
            == Finished
        "#]],
    );
    let summary = s.summary().expect("finished");
    assert_eq!(summary.items[0].stretch.as_str(), "book");
    assert_eq!(summary.items[0].instead_of.as_ref().map(|s| s.as_str()), Some("twist"));
    assert_eq!(summary.items[0].status, ItemStatus::Skipped);
    assert_eq!(summary.items[0].label(), "left partway", "skipped during its hold");
}

#[test]
fn a_stretch_rated_above_five_is_not_offered_again_in_the_session() {
    // Twist hurt (7) and Open book took its place; swapped on and on, the session goes round
    // the other choices and never offers Twist back the same day.
    check(
        "short",
        &options(),
        true,
        "6 pain 7\n7.5 swap\n8 swap\n8.5 swap\n30 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:06.000 Alert   7 out of 10 is too much. Ease out. Let's try Open book instead.
            0:06.000 None    Swapping Twist for Open book, which also works the mid back.
            0:06.000 None    Next up, stretch 1 of 1: Open book. Side-lying turn. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:07.000 None    Step 1. Lie on your side.
            0:07.500 None    Swapping Open book for Seated cat-cow, which also works the mid back.
            0:07.500 None    Next up, stretch 1 of 1: Seated cat-cow. Flow on a chair. You need a stable chair. Dose: 2 slow cycles of Round and Lift, about 2 seconds in each.
            0:08.000 None    Swapping Seated cat-cow for Extension, which also works the mid back.
            0:08.000 None    Next up, stretch 1 of 1: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            0:08.500 None    Swapping Extension for Open book, which also works the mid back.
            0:08.500 None    Next up, stretch 1 of 1: Open book. Side-lying turn. Dose: hold 4 seconds, once on each side.
            0:09.500 None    Step 1. Lie on your side.
            0:10.500 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:11.500 Tick    1
            0:12.500 Start   Hold for 4 seconds — right side. Open on the out-breath.
            == Active { item: 0, hold: 0 }
            0:13.500 Tick    3
            0:14.500 Tick    2
            0:15.500 Tick    1
            0:16.500 End     Slowly ease out of the stretch.
            0:16.500 None    Switch sides: now the left side, the same steps mirrored.
            == Rest { item: 0, next_hold: 1 }
            0:17.500 Tick    1
            0:18.500 Start   Hold for 4 seconds — left side. Open on the out-breath.
            == Active { item: 0, hold: 1 }
            0:19.500 Tick    3
            0:20.500 Tick    2
            0:21.500 Tick    1
            0:22.500 End     Slowly ease out of the stretch: that was the last hold.
            0:22.500 None    How did Open book feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:24.500 End     That completes Short. Rest now and go easy today; if the pain does not settle, see a clinician.
            == Finished
        "#]],
    );
}

#[test]
fn pain_above_five_stops_the_stretch_and_offers_the_alternative() {
    let s = check(
        "short",
        &options(),
        true,
        "6 pain 7\n30 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:06.000 Alert   7 out of 10 is too much. Ease out. Let's try Open book instead.
            0:06.000 None    Swapping Twist for Open book, which also works the mid back.
            0:06.000 None    Next up, stretch 1 of 1: Open book. Side-lying turn. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:07.000 None    Step 1. Lie on your side.
            0:08.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:09.000 Tick    1
            0:10.000 Start   Hold for 4 seconds — right side. Open on the out-breath.
            == Active { item: 0, hold: 0 }
            0:11.000 Tick    3
            0:12.000 Tick    2
            0:13.000 Tick    1
            0:14.000 End     Slowly ease out of the stretch.
            0:14.000 None    Switch sides: now the left side, the same steps mirrored.
            == Rest { item: 0, next_hold: 1 }
            0:15.000 Tick    1
            0:16.000 Start   Hold for 4 seconds — left side. Open on the out-breath.
            == Active { item: 0, hold: 1 }
            0:17.000 Tick    3
            0:18.000 Tick    2
            0:19.000 Tick    1
            0:20.000 End     Slowly ease out of the stretch: that was the last hold.
            0:20.000 None    How did Open book feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:22.000 End     That completes Short. Rest now and go easy today; if the pain does not settle, see a clinician.
            == Finished
        "#]],
    );
    // The pain is on the record of the stretch that hurt, swapped out; the one done instead
    // has a record of its own, with none.
    let summary = s.summary().expect("finished");
    let items: Vec<(&str, ItemStatus, Option<u8>, Option<&str>)> = summary
        .items
        .iter()
        .map(|i| (i.stretch.as_str(), i.status, i.max_pain, i.instead_of.as_ref().map(StretchId::as_str)))
        .collect();
    let original = "twist";
    assert_eq!(
        items,
        [(original, ItemStatus::Swapped, Some(7), None), ("book", ItemStatus::Done, None, Some(original))],
        "{:#?}",
        summary.items
    );
    assert_eq!(summary.active, summary.items.iter().map(|i| i.active).sum(), "the time of both, once");
}

#[test]
fn discomfort_is_noted_and_the_check_in_is_kept() {
    let s = check(
        "short",
        &options(),
        true,
        "6 discomfort\n17 discomfort",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:06.000 None    Mild is fine. Fold your arms for a gentler turn. You can also swap to Open book.
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Slowly ease out of the stretch.
            0:09.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:10.000 Tick    2
            0:11.000 Tick    1
            0:12.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:13.000 Tick    3
            0:14.000 Tick    2
            0:15.000 Tick    1
            0:16.000 End     Slowly ease out of the stretch: that was the last hold.
            0:16.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:17.000 End     That completes Short. Well done.
            == Finished
        "#]],
    );
    let item = &s.summary().expect("finished").items[0];
    assert!(item.discomfort);
    assert_eq!(item.comfort, Some(limber_core::Comfort::Discomfort));
}

#[test]
fn a_flow_cues_each_position() {
    let mut opts = options();
    opts.avoid.clear();
    check(
        "floor",
        &opts,
        true,
        "",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. All fours.
            0:02.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:03.000 Tick    1
            0:04.000 Start   Begin. Out on cat. Cat: round.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    Cow: arch.
            0:08.000 Tick    Cat.
            0:10.000 Tick    Cow.
            0:11.000 Tick    1
            0:12.000 End     Come back to a neutral position and rest.
            0:12.000 None    How did Cat-cow feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:14.000 End     That completes Floor. Well done.
            == Finished
        "#]],
    );
}

#[test]
fn only_counts_halfway_and_later_flow_positions_say_they_keep_pace() {
    // What a voice that fell behind may drop (a page reads it from the cue's JSON).
    let mut opts = options();
    opts.avoid.clear();
    let mut s = Session::new(plan("floor", &opts), Some(&clear_record()), limber_core::At::ZERO);
    s.advance(limber_core::At::secs(20));
    let pace: Vec<(String, bool)> = s.drain_cues().into_iter().map(|c| (c.text, c.keeps_pace)).collect();
    let kept: Vec<&str> = pace.iter().filter(|(_, p)| *p).map(|(t, _)| t.as_str()).collect();
    assert_eq!(kept, ["Get ready. 2", "1", "Cat.", "Cow.", "1"], "{pace:?}");
    let cue = limber_core::Cue {
        seq: 1,
        at: limber_core::At::ZERO,
        kind: limber_core::CueKind::Halfway,
        text: "Halfway.".to_owned(),
        sound: limber_core::Sound::Halfway,
        keeps_pace: true,
    };
    assert_eq!(serde_json::to_value(&cue).expect("json")["keeps-pace"], true);
}

#[test]
fn waiting_for_start_holds_the_preparation_until_the_person_is_ready() {
    let opts = limber_core::PlanOptions { wait_for_start: true, ..options() };
    check(
        "short",
        &opts,
        true,
        "40 start\n42.5 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 None    Get into position, then start when you are ready.
            0:40.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:41.000 Tick    1
            0:42.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
        "#]],
    );
}

#[test]
fn a_refusal_while_paused_says_to_resume_first() {
    check(
        "all",
        &options(),
        true,
        "10 pause\n12 skip",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:10.000 None    Paused. Resume when you are ready.
            == WarmUp (paused)
            0:12.000 !! skip: skip does not apply during the warm-up while the session is paused: resume first
        "#]],
    );
}

#[test]
fn the_warm_up_counts_down_and_can_be_skipped() {
    let s = check(
        "all",
        &options(),
        true,
        "35 skip\n36 quit",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:30.000 Halfway Halfway through the warm-up. Keep it light and keep breathing easily.
            0:35.000 None    Skipped the warm-up. Stretch only once you are warm: if you have not moved around yet, walk briskly or march on the spot for a few minutes first.
            0:35.000 None    Next up, stretch 1 of 4: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
            == Prepare { item: 0 }
            0:36.000 None    Step 1. All fours.
            0:36.000 None    Session ended. What you did is kept.
            == Stopped { reason: Aborted }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert!(!summary.warmed_up);
    assert_eq!(summary.stopped, Some(StopReason::Aborted));
    assert!(summary.items.iter().all(|i| i.status == ItemStatus::Skipped || i.status == ItemStatus::NotReached));
    assert_eq!(summary.items[0].status, ItemStatus::NotReached, "its flow never began, and it was not skipped");
}

#[test]
fn events_that_do_not_apply_are_refused_without_changing_anything() {
    check(
        "short",
        &options(),
        false,
        "0 start\n0.5 pause\n1 comfortable\n2 pain 11\n2.5 pain 3\n3 resume\n4 end",
        expect![[r#"
            0:00.000 None    Question 1 of 2: Chest pain? (yes or no)
            == Screening { question: 0 }
            0:00.000 !! start: start does not apply during the safety questions
            0:00.500 !! pause: pause does not apply during the safety questions
            0:01.000 !! comfortable: comfortable does not apply during the safety questions
            0:02.000 !! pain 11: a pain rating is from 0 to 10, not 11
            0:02.500 !! pain 3: a pain rating does not apply during the safety questions
            0:03.000 !! resume: resume does not apply during the safety questions
        "#]],
    );
}

#[test]
fn chest_pain_during_a_stretch_gives_the_emergency_advice() {
    let s = check(
        "short",
        &options(),
        true,
        "6 chest",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:06.000 Alert   EMERGENCY.
            == Stopped { reason: Emergency }
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Emergency));
}

#[test]
fn a_second_pause_is_refused_and_skipping_mid_rest_leaves_a_partial_stretch() {
    let mut opts = options();
    opts.avoid.insert(limber_core::Position::LyingOnSide);
    opts.avoid.insert(limber_core::Position::Kneeling);
    opts.equipment.clear();
    opts.equipment.insert(limber_core::Equipment::Chair);
    let s = check(
        "floor",
        &opts,
        true,
        "1.5 swap\n2 pause\n2.5 pause\n3 resume\n14 skip",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Seated cat-cow. Flow on a chair. You need a stable chair. Dose: 2 slow cycles of Round and Lift, about 2 seconds in each.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit.
            0:01.500 None    Swapping Seated cat-cow for Extension, which also works the mid back.
            0:01.500 None    Next up, stretch 1 of 1: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            0:02.000 None    Paused. Resume when you are ready.
            == Prepare { item: 0 } (paused)
            0:02.500 !! pause: the session is paused already
            0:03.000 None    Resuming: 4 seconds left.
            == Prepare { item: 0 }
            0:03.500 None    Take care: Use a chair that cannot tip.
            0:04.500 None    Step 1. Sit.
            0:05.500 None    Step 2. Lean back.
            0:06.500 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:07.500 Tick    1
            0:08.500 Start   Hold for 5 seconds — 1 of 2. Out as you lean.
            == Active { item: 0, hold: 0 }
            0:10.500 Tick    3
            0:11.500 Tick    2
            0:12.500 Tick    1
            0:13.500 End     Slowly ease out of the stretch.
            0:13.500 None    Rest. Repetition 2 of 2 is next.
            == Rest { item: 0, next_hold: 1 }
            0:14.000 None    Skipped Extension.
            0:14.000 End     That completes Floor. Well done.
            == Finished
        "#]],
    );
    let item = &s.summary().expect("finished").items[0];
    assert_eq!(item.status, ItemStatus::Partial);
    assert_eq!((item.holds_done, item.holds_planned), (1, 2));
    assert_eq!(item.instead_of.as_ref().map(|s| s.as_str()), Some("catcow"));
}

#[test]
fn a_swap_with_no_alternative_says_so_and_moves_on() {
    use limber_core::{At, Intent, IntentKind, Logged, SessionLog};
    let mut p = plan("short", &options());
    p.items[0].alternatives.clear();
    let session = Session::new(p.clone(), Some(&clear_record()), At::ZERO);
    assert!(session.allowed().contains(&IntentKind::Swap), "swap is how the person asks to get out of it");
    let (session, transcript) = run(session, "0.5 swap\n1.5 end");
    expect![[r#"
        0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
        == Prepare { item: 0 }
        0:00.500 None    No other stretch that suits you and this routine reaches the same area as Twist, and that was the last stretch.
        0:00.500 End     That completes Short. Well done.
        == Finished
    "#]].assert_eq(&transcript);
    assert_eq!(session.phase(), limber_core::Phase::Finished);
    // Under rules 2 (a live session stored then) the swap was refused and the stretch stayed.
    let log =
        SessionLog { started: At::ZERO, intents: vec![Logged { at: At::millis(500), intent: Intent::Swap }], rules: 2 };
    assert!(Session::replay(p.clone(), Some(&clear_record()), &log).is_err(), "refused under rules 2");
    let log = SessionLog { rules: 3, ..log };
    let replayed = Session::replay(p, Some(&clear_record()), &log).expect("replays under rules 3");
    assert_eq!(replayed.phase(), limber_core::Phase::Finished);
}

#[test]
fn pain_above_five_in_the_last_stretch_with_no_alternative_says_the_stretches_end_there() {
    let mut p = plan("short", &options());
    p.items[0].alternatives.clear();
    let session = Session::new(p, Some(&clear_record()), limber_core::At::ZERO);
    let (session, transcript) = run(session, "0.5 start\n4 pain 7\n5 end");
    assert!(
        transcript.contains("7 out of 10 is too much. Ease out. Nothing else that fits reaches the same area, and that was the last stretch."),
        "{transcript}"
    );
    assert!(!transcript.contains("the next one"), "there is no next one:\n{transcript}");
    let summary = session.summary().expect("over");
    assert_eq!(summary.headline(), "Session complete. Rest now and go easy today.");
}

#[test]
fn a_swap_never_brings_in_a_stretch_the_session_is_doing_elsewhere() {
    // Cat-cow's alternatives here include Extension, stretch 2 of this session (as when a
    // stretch put in at plan time is another's alternative too).
    let mut p = plan("all", &options());
    let ext = p.items[1].choice.clone();
    p.items[0].alternatives.push(ext);
    let session = Session::new(p, Some(&clear_record()), limber_core::At::ZERO);
    // Swapped round every candidate, twice over.
    let (session, transcript) = run(session, "0.5 skip\n1 swap\n1.5 swap\n2 swap\n2.5 swap\n3 swap\n3.5 swap\n4 end");
    assert_eq!(transcript.matches("Swapping").count(), 6, "{transcript}");
    assert!(!transcript.contains("for Extension"), "no swap to a stretch already in the session:\n{transcript}");
    // A log stored under rules 2 replays as it ran then: there, a swap did bring it in.
    let mut p = plan("all", &options());
    let ext = p.items[1].choice.clone();
    p.items[0].alternatives.push(ext);
    let log = limber_core::SessionLog { rules: 2, ..session.log().clone() };
    let mut old = Session::replay(p, Some(&clear_record()), &log).expect("replays under rules 2");
    let cues: Vec<String> = old.drain_cues().into_iter().map(|c| c.text).collect();
    assert!(cues.iter().any(|c| c.contains("for Extension")), "{cues:#?}");
}

#[test]
fn skipping_the_check_in_moves_on_without_an_answer() {
    let s = check(
        "short",
        &options(),
        true,
        "17 skip",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Slowly ease out of the stretch.
            0:09.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:10.000 Tick    2
            0:11.000 Tick    1
            0:12.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:13.000 Tick    3
            0:14.000 Tick    2
            0:15.000 Tick    1
            0:16.000 End     Slowly ease out of the stretch: that was the last hold.
            0:16.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:17.000 End     That completes Short. Well done.
            == Finished
        "#]],
    );
    let item = &s.summary().expect("finished").items[0];
    assert_eq!(item.status, ItemStatus::Done);
    assert_eq!(item.comfort, None);
    assert_eq!(s.summary().expect("finished").ended, limber_core::At::secs(17));
}

fn asking(pain_before: bool, pain_after: bool) -> PlanOptions {
    let ask = |yes: bool| if yes { PainPrompt::Ask } else { PainPrompt::Skip };
    PlanOptions { pain_before: ask(pain_before), pain_after: ask(pain_after), ..options() }
}

#[test]
fn a_second_rating_above_five_stops_the_session_and_no_rated_stretch_comes_back() {
    let s = check(
        "all",
        &PlanOptions { warm_up: false, ..asking(false, true) },
        true,
        "6 pain 7\n20 pain 8\n21 4",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 4: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. All fours.
            0:02.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:03.000 Tick    1
            0:04.000 Start   Begin. Out on cat. Cat: round.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    Cow: arch.
            0:06.000 Alert   7 out of 10 is too much. Ease out. Let's try Seated cat-cow instead.
            0:06.000 None    Swapping Cat-cow for Seated cat-cow, which also works the mid back.
            0:06.000 None    Next up, stretch 1 of 4: Seated cat-cow. Flow on a chair. You need a stable chair. Dose: 2 slow cycles of Round and Lift, about 2 seconds in each.
            == Prepare { item: 0 }
            0:07.000 None    Step 1. Sit.
            0:08.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:09.000 Tick    1
            0:10.000 Start   Begin. Out on round. Round: curl.
            == Active { item: 0, hold: 0 }
            0:12.000 Tick    Lift: lift.
            0:14.000 Tick    Round.
            0:16.000 Tick    Lift.
            0:17.000 Tick    1
            0:18.000 End     Come back to a neutral position and rest.
            0:18.000 None    How did Seated cat-cow feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:20.000 None    Next up, stretch 2 of 4: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            == Prepare { item: 1 }
            0:20.000 Alert   8 out of 10, and that is the second time the pain has gone above 5 today.
            0:20.000 Alert   Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            0:20.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:21.000 None    Noted: 4 out of 10.
            == Stopped { reason: Pain }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.stopped, Some(StopReason::Pain));
    assert_eq!(summary.pain_after, Some(4));
    assert_eq!(summary.too_much.len(), 2, "{:?}", summary.too_much);
}

#[test]
fn pain_above_five_in_the_warm_up_pauses_and_asks_whether_to_stop() {
    let s = check(
        "all",
        &options(),
        true,
        "5 pain 6\n8 no\n10 pain 0\n12 pain 7\n13 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:05.000 Alert   6 out of 10 is too much. The session is paused. Do you want to stop for today? (yes to stop, no to carry on)
            == WarmUp (paused), asking StopForPain
            0:08.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:08.000 None    Resuming: 55 seconds left.
            == WarmUp
            0:10.000 None    Noted: no pain.
            0:12.000 Alert   7 out of 10, and that is the second time the pain has gone above 5 today.
            0:12.000 Alert   Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            == Stopped { reason: Pain }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.stopped, Some(StopReason::Pain));
    assert!(!summary.exercise_started || summary.items.iter().all(|i| i.holds_done == 0));
}

#[test]
fn a_safety_report_while_asked_whether_to_stop_for_pain_is_acted_on_at_once() {
    let sharp = check(
        "all",
        &options(),
        true,
        "5 pain 6\n7 sharp\n8 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:05.000 Alert   6 out of 10 is too much. The session is paused. Do you want to stop for today? (yes to stop, no to carry on)
            == WarmUp (paused), asking StopForPain
            0:07.000 Alert   SHARP PAIN: STOP.
            == Stopped { reason: SharpPain }
        "#]],
    );
    assert_eq!(sharp.summary().expect("stopped").stopped, Some(StopReason::SharpPain));
    let chest = check(
        "all",
        &options(),
        true,
        "5 pain 6\n7 chest\n8 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:05.000 Alert   6 out of 10 is too much. The session is paused. Do you want to stop for today? (yes to stop, no to carry on)
            == WarmUp (paused), asking StopForPain
            0:07.000 Alert   EMERGENCY.
            == Stopped { reason: Emergency }
        "#]],
    );
    assert_eq!(chest.summary().expect("stopped").stopped, Some(StopReason::Emergency));
}

#[test]
fn resuming_at_the_stop_question_carries_on_and_says_what_stops_it_next_time() {
    // Resuming (the space bar) is carrying on, as a no is: the same words, the same rule.
    let s = check(
        "all",
        &options(),
        true,
        "5 pain 6\n8 resume\n12 pain 7\n13 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:05.000 Alert   6 out of 10 is too much. The session is paused. Do you want to stop for today? (yes to stop, no to carry on)
            == WarmUp (paused), asking StopForPain
            0:08.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:08.000 None    Resuming: 55 seconds left.
            == WarmUp
            0:12.000 Alert   7 out of 10, and that is the second time the pain has gone above 5 today.
            0:12.000 Alert   Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            == Stopped { reason: Pain }
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Pain));
}

#[test]
fn yes_at_the_stop_question_stops_for_pain_and_a_check_in_rating_never_says_come_out() {
    let s = check(
        "short",
        &options(),
        true,
        "16.5 pain 9\n17 yes",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Slowly ease out of the stretch.
            0:09.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:10.000 Tick    2
            0:11.000 Tick    1
            0:12.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:13.000 Tick    3
            0:14.000 Tick    2
            0:15.000 Tick    1
            0:16.000 End     Slowly ease out of the stretch: that was the last hold.
            0:16.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:16.500 Alert   9 out of 10 is too much. The session is paused. Do you want to stop for today? (yes to stop, no to carry on)
            == CheckIn { item: 0 } (paused), asking StopForPain
            0:17.000 Alert   Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            == Stopped { reason: Pain }
        "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Pain));
    assert!(!s.cues_since(0).any(|c| c.text.contains("Come out")), "no stretch was running");
}

#[test]
fn sharp_pain_pressed_again_repeats_the_advice_and_keeps_the_flag_and_the_rating_after() {
    let s = check(
        "short",
        &asking(true, true),
        true,
        "1 3\n8 sharp\n9 sharp\n10 4\n11 end",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 None    Noted: 3 out of 10.
            0:01.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. Sit tall.
            0:03.000 None    Step 2. Turn right.
            0:04.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:05.000 Tick    1
            0:06.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    3
            0:08.000 Tick    2
            0:08.000 Alert   SHARP PAIN: STOP. Twist is set aside from your plans until you clear it.
            0:08.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:09.000 Alert   SHARP PAIN: STOP. Twist is set aside from your plans until you clear it.
            0:09.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            0:10.000 None    Noted: 4 out of 10.
            == Stopped { reason: SharpPain }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.stopped, Some(StopReason::SharpPain));
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some("twist"), "the second press keeps the flag");
    assert_eq!(summary.pain_after, Some(4), "and the rating after is still asked");
}

#[test]
fn sharp_pain_that_names_a_stretch_already_left_sets_that_one_aside() {
    // A page whose connection dropped during stretch 1 sends the press when it is back, with
    // the stretch it showed; the session had moved on to stretch 2 meanwhile.
    let s = check(
        "all",
        &options(),
        true,
        "1 skip\n17 sharp during 1\n18 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:01.000 None    Skipped the warm-up. Stretch only once you are warm: if you have not moved around yet, walk briskly or march on the spot for a few minutes first.
            0:01.000 None    Next up, stretch 1 of 4: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. All fours.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Begin. Out on cat. Cat: round.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    Cow: arch.
            0:09.000 Tick    Cat.
            0:11.000 Tick    Cow.
            0:12.000 Tick    1
            0:13.000 End     Come back to a neutral position and rest.
            0:13.000 None    How did Cat-cow feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:15.000 None    Next up, stretch 2 of 4: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            == Prepare { item: 1 }
            0:16.000 None    Take care: Use a chair that cannot tip.
            0:17.000 None    Step 1. Sit.
            0:17.000 Alert   SHARP PAIN: STOP. Cat-cow is set aside from your plans until you clear it.
            == Stopped { reason: SharpPain }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.stopped, Some(StopReason::SharpPain));
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some(summary.items[0].stretch.as_str()));
    // A number the session has not reached (or none) names none: while stretch 2 is only being
    // introduced (its caution read, its steps not begun), the pain came from stretch 1, just
    // stretched, and that one is set aside.
    for script in
        ["1 skip\n16.5 sharp during 3\n18 end", "1 skip\n16.5 sharp during 0\n18 end", "1 skip\n16.5 sharp\n18 end"]
    {
        let (s, _) = run(Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO), script);
        let summary = s.summary().expect("stopped");
        assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some(summary.items[0].stretch.as_str()), "{script}");
        // Under rules 2 (a live session stored then) it set aside the stretch being introduced.
        let log = limber_core::SessionLog { rules: 2, ..s.log().clone() };
        let old = Session::replay(plan("all", &options()), Some(&clear_record()), &log).expect("replays");
        let summary = old.summary().expect("stopped");
        assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some(summary.items[1].stretch.as_str()), "{script}");
    }
    // Once its steps have begun (step 1 at 0:17), the person is getting into stretch 2: its own.
    // Under rules 8 (a live session stored then), stretch 1's, as it ran.
    let (s, _) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n17.5 sharp\n18 end",
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some(summary.items[1].stretch.as_str()));
    let log = limber_core::SessionLog { rules: 8, ..s.log().clone() };
    let old = Session::replay(plan("all", &options()), Some(&clear_record()), &log).expect("replays");
    assert_eq!(old.summary().expect("stopped").flagged, Some(summary.items[0].stretch.clone()), "rules 8");
    // Once stretch 2 is under way (its count to the hold begun), the pain is its own.
    let (s, _) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n20 sharp\n21 end",
    );
    let summary = s.summary().expect("stopped");
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some(summary.items[1].stretch.as_str()));
}

#[test]
fn a_session_keeps_every_cue_until_drained_then_only_the_latest() {
    // A long jump (a driver that slept) says many cues at once: a drain still takes them all.
    let mut s = Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO);
    s.advance(limber_core::At::secs(600));
    let said = s.cues_since(0).count();
    assert!(said > KEPT_CUES, "the whole routine: {said} cues");
    let drained = s.drain_cues();
    assert_eq!(drained.len(), said);
    assert!(drained.iter().enumerate().all(|(n, c)| c.seq == n as u64 + 1), "numbered without gaps");
    // Then only the latest are kept, for watchers that catch up; the stop notice and the
    // view's last cue number do not depend on them.
    let kept: Vec<u64> = s.cues_since(0).map(|c| c.seq).collect();
    assert_eq!(kept, (said - KEPT_CUES + 1..=said).map(|n| n as u64).collect::<Vec<_>>());
    assert_eq!(s.cues_since(said as u64 - 3).count(), 3);
    assert_eq!(s.view().last_cue, said as u64);
    assert!(s.drain_cues().is_empty());
}

#[test]
fn ready_before_the_steps_are_read_still_hears_the_cautions() {
    check(
        "all",
        &options(),
        true,
        "1 skip\n2 skip\n2.5 start\n6 end",
        expect![[r#"
            0:00.000 Start   Warm up for 1 minute, up to 2 if you like, with light movement: marching. Keep it easy; you should still be able to talk.
            == WarmUp
            0:01.000 None    Skipped the warm-up. Stretch only once you are warm: if you have not moved around yet, walk briskly or march on the spot for a few minutes first.
            0:01.000 None    Next up, stretch 1 of 4: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. All fours.
            0:02.000 None    Skipped Cat-cow.
            0:02.000 None    Next up, stretch 2 of 4: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            == Prepare { item: 1 }
            0:02.500 None    Ready. One caution first, then we count in.
            0:02.500 None    Take care: Use a chair that cannot tip.
            0:03.500 Tick    Get ready. 2
            == GetReady { item: 1 }
            0:04.500 Tick    1
            0:05.500 Start   Hold for 5 seconds — 1 of 2. Out as you lean.
            == Active { item: 1, hold: 0 }
        "#]],
    );
}

#[test]
fn sharp_pain_at_the_rating_after_the_routine_sets_the_last_stretch_aside() {
    let (s, transcript) = run(
        Session::new(plan("short", &asking(false, true)), Some(&clear_record()), limber_core::At::ZERO),
        "30 sharp",
    );
    assert!(transcript.contains("== PainAfter"), "{transcript}");
    let summary = s.summary().expect("over");
    assert_eq!(summary.stopped, Some(StopReason::SharpPain), "{transcript}");
    assert_eq!(summary.flagged.as_ref().map(|s| s.as_str()), Some("twist"), "{transcript}");
}

#[test]
fn sharp_pain_in_the_questions_of_a_plan_made_before_its_own_advice_existed_gets_the_general_advice() {
    let mut p = plan("short", &asking(true, true));
    std::sync::Arc::make_mut(&mut p.advice).sharp_pain_before = None;
    let (s, transcript) = run(Session::new(p, None, limber_core::At::ZERO), "1 sharp pain\n2 end");
    assert!(transcript.contains("0:01.000 Alert   SHARP PAIN: STOP.\n"), "{transcript}");
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SharpPain));
}

#[test]
fn safety_reports_are_heard_at_every_prompt() {
    let s = check(
        "short",
        &asking(true, true),
        false,
        "1 sharp pain\n2 end",
        expect![[r#"
        0:00.000 None    Question 1 of 2: Chest pain? (yes or no)
        == Screening { question: 0 }
        0:01.000 Alert   SHARP PAIN BEFORE ANY STRETCH: STOP.
        == Stopped { reason: SharpPain }
    "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SharpPain));
    let s = check(
        "short",
        &asking(true, true),
        true,
        "1 chest\n2 end",
        expect![[r#"
        0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
        == PainBefore
        0:01.000 Alert   EMERGENCY.
        == Stopped { reason: Emergency }
    "#]],
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Emergency));
    let s = check(
        "short",
        &asking(true, true),
        true,
        "1 3\n30 sharp",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 None    Noted: 3 out of 10.
            0:01.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. Sit tall.
            0:03.000 None    Step 2. Turn right.
            0:04.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:05.000 Tick    1
            0:06.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    3
            0:08.000 Tick    2
            0:09.000 Tick    1
            0:10.000 End     Slowly ease out of the stretch.
            0:10.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:11.000 Tick    2
            0:12.000 Tick    1
            0:13.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:14.000 Tick    3
            0:15.000 Tick    2
            0:16.000 Tick    1
            0:17.000 End     Slowly ease out of the stretch: that was the last hold.
            0:17.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:19.000 End     That completes Short. Well done.
            0:19.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:30.000 Alert   SHARP PAIN: STOP. Twist is set aside from your plans until you clear it.
            == Stopped { reason: SharpPain }
        "#]],
    );
    let summary = s.summary().expect("stopped");
    assert_eq!((summary.stopped, summary.pain_before), (Some(StopReason::SharpPain), Some(3)));
}

#[test]
fn a_rating_above_five_while_paused_swaps_but_stays_paused_for_the_new_stretch() {
    let s = check(
        "all",
        &PlanOptions { warm_up: false, ..options() },
        true,
        "3 pause\n30 pain 7\n40 resume\n41 end",
        expect![[r#"
        0:00.000 None    Next up, stretch 1 of 4: Cat-cow. Flow. Dose: 2 slow cycles of Cat and Cow, about 2 seconds in each.
        == Prepare { item: 0 }
        0:01.000 None    Step 1. All fours.
        0:02.000 Tick    Get ready. 2
        == GetReady { item: 0 }
        0:03.000 Tick    1
        0:03.000 None    Paused. Resume when you are ready.
        == GetReady { item: 0 } (paused)
        0:30.000 Alert   7 out of 10 is too much for this stretch. Let's try Seated cat-cow instead.
        0:30.000 None    Swapping Cat-cow for Seated cat-cow, which also works the mid back.
        0:30.000 None    Next up, stretch 1 of 4: Seated cat-cow. Flow on a chair. You need a stable chair. Dose: 2 slow cycles of Round and Lift, about 2 seconds in each.
        == Prepare { item: 0 } (paused)
        0:40.000 None    Resuming: 2 seconds left.
        == Prepare { item: 0 }
        0:41.000 None    Step 1. Sit.
    "#]],
    );
    assert!(!s.is_paused());
    let view = s.view();
    assert_eq!(
        view.remaining_ms.map(|ms| ms / 1000),
        Some(view.phase_ms.unwrap_or(0) / 1000 - 1),
        "the new stretch starts whole at the resume"
    );
}

#[test]
fn a_rating_of_zero_is_noted_without_easing_off() {
    check(
        "short",
        &options(),
        true,
        "5.5 pain 0\n6 end",
        expect![[r#"
        0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
        == Prepare { item: 0 }
        0:01.000 None    Step 1. Sit tall.
        0:02.000 None    Step 2. Turn right.
        0:03.000 Tick    Get ready. 2
        == GetReady { item: 0 }
        0:04.000 Tick    1
        0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
        == Active { item: 0, hold: 0 }
        0:05.500 None    Noted: no pain.
        0:06.000 Tick    3
    "#]],
    );
}

#[test]
fn a_routine_that_stays_on_the_chair_never_swaps_off_it() {
    let p = plan("desk", &options());
    assert!(p.items.iter().all(|i| i.alternatives.iter().all(|a| a.stretch.position == limber_core::Position::Seated)));
    let s = check(
        "desk",
        &PlanOptions { warm_up: false, ..options() },
        true,
        "0.5 swap\n1 end",
        expect![[r#"
        0:00.000 None    Next up, stretch 1 of 2: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
        == Prepare { item: 0 }
        0:00.500 None    Swapping Twist for Seated cat-cow, which also works the mid back.
        0:00.500 None    Next up, stretch 1 of 2: Seated cat-cow. Flow on a chair. You need a stable chair. Dose: 2 slow cycles of Round and Lift, about 2 seconds in each.
    "#]],
    );
    assert_eq!(s.summary(), None);
    assert_eq!(*p.warm_up.expect("desk warms up").activities, ["marching on the spot"]);
}

#[test]
fn ready_before_the_cautions_are_read_still_hears_them_before_the_countdown() {
    // Enter while the stretch is named: the steps are the person's to skip, the caution not.
    check(
        "desk",
        &PlanOptions { warm_up: false, wait_for_start: true, ..options() },
        true,
        "0.5 skip\n1 start\n3 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 2: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:00.500 None    Skipped Twist.
            0:00.500 None    Next up, stretch 2 of 2: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            == Prepare { item: 1 }
            0:01.000 None    Ready. One caution first, then we count in.
            0:01.000 None    Take care: Use a chair that cannot tip.
            0:02.000 Tick    Get ready. 2
            == GetReady { item: 1 }
            0:03.000 Tick    1
        "#]],
    );
}

#[test]
fn cautions_are_said_before_the_steps_and_the_first_hold() {
    check(
        "desk",
        &PlanOptions { warm_up: false, ..options() },
        true,
        "0.5 skip\n7 end",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 2: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:00.500 None    Skipped Twist.
            0:00.500 None    Next up, stretch 2 of 2: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
            == Prepare { item: 1 }
            0:01.500 None    Take care: Use a chair that cannot tip.
            0:02.500 None    Step 1. Sit.
            0:03.500 None    Step 2. Lean back.
            0:04.500 Tick    Get ready. 2
            == GetReady { item: 1 }
            0:05.500 Tick    1
            0:06.500 Start   Hold for 5 seconds — 1 of 2. Out as you lean.
            == Active { item: 1, hold: 0 }
        "#]],
    );
}

#[test]
fn a_question_asked_the_other_way_round_flags_on_no() {
    let mut p = plan("short", &options());
    let mut questions = p.screening.to_vec();
    questions[0].flagged_by = limber_core::Answer::No;
    p.screening = questions.into();
    // Flagged by a no after a question flagged by a yes, it is said to be the other way round,
    // in the view a dialog shows and in the cue; asked first, with nothing before it to be the
    // other way round from, it is not.
    let turned = |p: &limber_core::Plan, answers: &str| {
        let (s, transcript) = run(Session::new(p.clone(), None, limber_core::At::ZERO), answers);
        let shown = s.view_at(limber_core::At::ZERO).question.unwrap_or_default();
        (shown.contains("the other way round"), transcript.matches("the other way round").count())
    };
    assert_eq!(turned(&p, ""), (false, 0));
    let mut second = plan("short", &options());
    let mut questions = second.screening.to_vec();
    questions[1].flagged_by = limber_core::Answer::No;
    second.screening = questions.into();
    assert_eq!(turned(&second, ""), (false, 0));
    assert_eq!(turned(&second, "0 no"), (true, 1));
    // Where every question is flagged by a no, none is the other way round.
    let mut all_no = p.clone();
    all_no.screening = all_no
        .screening
        .iter()
        .cloned()
        .map(|mut q| {
            q.flagged_by = limber_core::Answer::No;
            q
        })
        .collect();
    assert_eq!(turned(&all_no, ""), (false, 0));
    let (s, transcript) = run(Session::new(p.clone(), None, limber_core::At::ZERO), "0 yes\n1 no");
    assert!(transcript.contains("Question 2 of 2"), "a yes to a no-flagged question moves on:\n{transcript}");
    assert_eq!(s.summary().and_then(|sum| sum.stopped), None);
    let (s, _) = run(Session::new(p, None, limber_core::At::ZERO), "0 no");
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::Emergency));
    assert_eq!(s.screening().answers, vec![("chest".to_owned(), false)]);
}

#[test]
fn a_session_waiting_for_the_person_knows_since_when_they_have_been_silent() {
    // Paused at 6.5 s and left there: silent since the pause, however late the clock is now.
    let record = clear_record();
    let paused = Session::new(plan("short", &options()), Some(&record), limber_core::At::ZERO);
    let (paused, _) = run(paused, "6.5 pause\n3600 end");
    assert_eq!((paused.next_deadline(), paused.now()), (None, limber_core::At::secs(3600)));
    assert_eq!(paused.last_activity(), limber_core::At::millis(6500));
    // Left at the rating after the routine: silent since that question was asked, which
    // deadlines brought without a word from them.
    let asked = Session::new(plan("short", &asking(false, true)), Some(&record), limber_core::At::ZERO);
    let (asked, transcript) = run(asked, "3600 end");
    assert_eq!((asked.next_deadline(), asked.phase().is_over()), (None, false), "{transcript}");
    let question = transcript.lines().rev().find(|l| !l.starts_with("==")).unwrap();
    assert!(question.contains("0 to 10"), "{transcript}");
    assert_eq!(asked.last_activity().to_string(), question.split(' ').next().unwrap(), "{transcript}");
}

#[test]
fn a_high_rating_before_the_routine_asks_whether_to_stop_before_anything_starts() {
    // Stopping: nothing was exercised, and the stop is for pain.
    let s = check(
        "short",
        &asking(true, false),
        true,
        "1 8\n3 yes",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 Alert   8 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:03.000 Alert   We stop here for today, for your safety: no stretching with pain this high. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            == Stopped { reason: Pain }
        "#]],
    );
    assert!(!s.summary().expect("over").exercise_started);
    // Carrying on: the routine starts at the answer; a new rating may replace the first.
    check(
        "short",
        &asking(true, false),
        true,
        "1 9\n2 4\n3 end",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 Alert   9 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:02.000 None    Noted: 4 out of 10.
            0:02.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:03.000 None    Step 1. Sit tall.
        "#]],
    );
    check(
        "short",
        &asking(true, false),
        true,
        "1 7\n2 no\n4 end",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 Alert   7 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:02.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:02.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:03.000 None    Step 1. Sit tall.
            0:04.000 None    Step 2. Turn right.
        "#]],
    );
    // Carrying on counts that rating as the session's first above 5: one more during a
    // stretch stops the session (rules 4), with no alternative offered.
    let s = check(
        "short",
        &asking(true, false),
        true,
        "1 7\n2 no\n9 7",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 Alert   7 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:02.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:02.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:03.000 None    Step 1. Sit tall.
            0:04.000 None    Step 2. Turn right.
            0:05.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:06.000 Tick    1
            0:07.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:08.000 Tick    3
            0:09.000 Tick    2
            0:09.000 Alert   7 out of 10, and that is the second time the pain has gone above 5 today.
            0:09.000 Alert   Ease out of the position gently: we stop here for today, for your safety. Rest, and if the pain does not settle, see a doctor or physiotherapist.
            == Stopped { reason: Pain }
        "#]],
    );
    assert_eq!(s.summary().expect("over").stopped, Some(limber_core::StopReason::Pain));
    // A log stored under rules 3 replays as it ran then: the rating before did not count.
    let log = limber_core::SessionLog { rules: 3, ..s.log().clone() };
    let old = Session::replay(plan("short", &asking(true, false)), Some(&clear_record()), &log).expect("replays");
    // There the 7 during the twist only swapped it for its alternative.
    assert_eq!(old.view().phase, limber_core::Phase::Prepare { item: 0 }, "not stopped under rules 3");
    // Given ahead (`--pain-before 8`): asked at once, and the rating is not asked again.
    let given = PlanOptions { pain_before: PainPrompt::Given { score: 8 }, ..options() };
    check(
        "short",
        &given,
        true,
        "1 no\n3 end",
        expect![[r#"
            0:00.000 Alert   8 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:01.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:01.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. Sit tall.
            0:03.000 None    Step 2. Turn right.
        "#]],
    );
}

#[test]
fn pain_after_the_routine_that_is_worse_or_too_much_gets_advice() {
    let after = |script: &str, expected: Expect| check("short", &asking(true, true), true, script, expected);
    after(
        "1 1\n30 9",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 None    Noted: 1 out of 10.
            0:01.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. Sit tall.
            0:03.000 None    Step 2. Turn right.
            0:04.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:05.000 Tick    1
            0:06.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    3
            0:08.000 Tick    2
            0:09.000 Tick    1
            0:10.000 End     Slowly ease out of the stretch.
            0:10.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:11.000 Tick    2
            0:12.000 Tick    1
            0:13.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:14.000 Tick    3
            0:15.000 Tick    2
            0:16.000 Tick    1
            0:17.000 End     Slowly ease out of the stretch: that was the last hold.
            0:17.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:19.000 End     That completes Short. Well done.
            0:19.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:30.000 Alert   Noted: 9 out of 10, up from 1 before the session. That is a lot of pain: stretch no more today and rest. If it does not ease soon, have it checked by a doctor or physiotherapist rather than waiting for it to pass.
            == Finished
        "#]],
    );
    after(
        "1 3\n30 4",
        expect![[r#"
            0:00.000 None    How much does your back hurt right now, from 0 (not at all) to 10? Or skip.
            == PainBefore
            0:01.000 None    Noted: 3 out of 10.
            0:01.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:02.000 None    Step 1. Sit tall.
            0:03.000 None    Step 2. Turn right.
            0:04.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:05.000 Tick    1
            0:06.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    3
            0:08.000 Tick    2
            0:09.000 Tick    1
            0:10.000 End     Slowly ease out of the stretch.
            0:10.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:11.000 Tick    2
            0:12.000 Tick    1
            0:13.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:14.000 Tick    3
            0:15.000 Tick    2
            0:16.000 Tick    1
            0:17.000 End     Slowly ease out of the stretch: that was the last hold.
            0:17.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:19.000 End     That completes Short. Well done.
            0:19.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:30.000 None    Noted: 4 out of 10.
            == Finished
        "#]],
    );
    let high_all_along = PlanOptions { pain_before: PainPrompt::Given { score: 9 }, ..asking(false, true) };
    check(
        "short",
        &high_all_along,
        true,
        "0 no\n30 7",
        expect![[r#"
            0:00.000 Alert   9 out of 10 before starting is a lot. Resting may be better today; if it stays this high, see a doctor or physiotherapist. Do you want to stop for today? (yes to stop, no to carry on)
            == PainBefore, asking StopForPain
            0:00.000 None    We carry on, gently. If the pain goes above 5 again in this session, it stops.
            0:00.000 None    Next up, stretch 1 of 1: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Sit tall.
            0:02.000 None    Step 2. Turn right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side. Turn on the out-breath.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Slowly ease out of the stretch.
            0:09.000 None    Switch sides: now the left side. Turn left.
            == Rest { item: 0, next_hold: 1 }
            0:10.000 Tick    2
            0:11.000 Tick    1
            0:12.000 Start   Hold for 4 seconds — left side. Turn on the out-breath.
            == Active { item: 0, hold: 1 }
            0:13.000 Tick    3
            0:14.000 Tick    2
            0:15.000 Tick    1
            0:16.000 End     Slowly ease out of the stretch: that was the last hold.
            0:16.000 None    How did Twist feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:18.000 End     That completes Short. Rest now and go easy today; if the pain does not settle, see a clinician.
            0:18.000 None    And now, how much does your back hurt, from 0 to 10? Or skip.
            == PainAfter
            0:30.000 Alert   Noted: 7 out of 10. Rest today and go gentler next time; if the pain does not settle, see a doctor or physiotherapist.
            == Finished
        "#]],
    );
}

#[test]
fn a_log_stored_under_the_first_rules_replays_under_them() {
    use limber_core::{At, Intent, Logged, RULES, SessionLog};
    // A live session stored before this version: a rating of 8 before the routine started it
    // at once, and a swap with nothing to swap to moved on. Today the first asks whether to
    // stop and the second is refused; the old log must still replay, exactly.
    let mut p = plan("short", &asking(true, false));
    p.items[0].alternatives.clear();
    let intents = vec![
        Logged { at: At::secs(1), intent: Intent::Pain { score: 8 } },
        Logged { at: At::secs(2), intent: Intent::Swap },
    ];
    // Stored without a version, as every log before this one was.
    let mut json = serde_json::to_value(SessionLog { started: At::ZERO, intents, rules: RULES }).expect("json");
    json.as_object_mut().expect("an object").remove("rules");
    let log: SessionLog = serde_json::from_value(json).expect("an old log reads");
    assert_eq!(log.rules, 1, "a log without a version is of the first rules");
    let replayed = Session::replay(p.clone(), Some(&clear_record()), &log).expect("replays under its own rules");
    assert_eq!(replayed.phase(), limber_core::Phase::Finished, "the swap moved on past the only stretch");
    assert_eq!(replayed.log().rules, 1, "and goes on under them");
    // The same log under rules 2 does not replay: the rating asks first, and the swap is refused.
    let second = SessionLog { rules: 2, ..log };
    assert!(Session::replay(p, Some(&clear_record()), &second).is_err());
    // A new session's log says its rules, so it replays under them after a later change.
    let fresh = Session::new(plan("short", &options()), Some(&clear_record()), At::ZERO);
    assert_eq!(serde_json::to_value(fresh.log()).expect("json")["rules"], RULES);
}

#[test]
fn a_log_stored_under_rules_6_keeps_its_shorter_rest_before_the_left_side() {
    use limber_core::{At, Phase, SessionLog};
    // The short routine's twist: the right side ends at 9 s and the switch is said. Under rules 6
    // the rest was the usual 2 s, so the count of 2 fell over the words; from rules 7 it is their
    // 1 s and then the whole count, so the left side starts at 12 s, not 11.
    let p = plan("short", &options());
    let at = |rules: u32, millis: u64| {
        let log = SessionLog { started: At::ZERO, intents: Vec::new(), rules };
        let mut s = Session::replay(p.clone(), Some(&clear_record()), &log).expect("replays");
        s.advance(At::millis(millis));
        s.phase()
    };
    assert_eq!(at(6, 11_500), Phase::Active { item: 0, hold: 1 }, "a stored session runs as it ran");
    assert_eq!(at(limber_core::RULES, 11_500), Phase::Rest { item: 0, next_hold: 1 });
    assert_eq!(at(limber_core::RULES, 12_500), Phase::Active { item: 0, hold: 1 });
}

#[test]
fn the_second_side_is_said_in_the_stretchs_own_words_and_stays_in_the_view() {
    // The short routine's twist: right side 5–9 s, the rest that switches at 9 s, left after.
    let record = clear_record();
    let mut s = Session::new(plan("short", &options()), Some(&record), limber_core::At::ZERO);
    let other_side_at = |s: &mut Session, secs: u64| {
        s.advance(limber_core::At(std::time::Duration::from_secs(secs)));
        (s.view().side, s.view().switch_to, s.view().other_side)
    };
    use limber_core::Side::{Left, Right};
    assert_eq!(other_side_at(&mut s, 6), (Some(Right), None, None), "the steps say the right side");
    assert_eq!(
        other_side_at(&mut s, 9),
        (Some(Left), Some(Left), Some("Turn left.".to_owned())),
        "switching to the left"
    );
    assert_eq!(other_side_at(&mut s, 14), (Some(Left), None, Some("Turn left.".to_owned())), "on the left");
}

/// `session`'s log replayed under `rules` (a live session stored by an older limber), then left
/// to run its course.
fn under_rules(session: &Session, routine: &str, options: &PlanOptions, rules: u32) -> Session {
    let log = limber_core::SessionLog { rules, ..session.log().clone() };
    let mut old = Session::replay(plan(routine, options), Some(&clear_record()), &log).expect("replays");
    old.advance(limber_core::At::secs(600));
    old
}

fn flagged(session: &Session) -> Option<String> {
    session.summary().expect("over").flagged.map(|s| s.as_str().to_owned())
}

#[test]
fn sharp_pain_before_any_stretch_was_held_sets_none_aside() {
    // While stretch 1 is introduced, and while stretch 2 is after stretch 1 was skipped unheld:
    // no stretch can have caused it, so none is set aside (the session stops all the same).
    for script in
        ["1 skip\n1.5 sharp\n2 end", "1 skip\n1.5 skip\n2 sharp\n3 end", "1 skip\n1.5 skip\n2 sharp during 1\n3 end"]
    {
        let session = Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO);
        let (s, transcript) = run(session, script);
        assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SharpPain), "{script}");
        assert_eq!(flagged(&s), None, "{script}");
        assert!(transcript.contains("SHARP PAIN: STOP.") && !transcript.contains("set aside"), "{transcript}");
        // Under rules 4 (a live session stored then), the stretch being introduced was.
        assert!(flagged(&under_rules(&s, "all", &options(), 4)).is_some(), "{script}");
    }
    // Once its steps are read (step 1 at 0:02), the person may be getting into it: its own,
    // left for pain in the summary (not "not reached" beside "set aside").
    for script in ["1 skip\n2.5 sharp\n3 end", "1 skip\n3.5 sharp\n4 end"] {
        let (s, _) = run(Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO), script);
        assert_eq!(flagged(&s).as_deref(), Some("catcow"), "{script}");
        let status = |s: &Session| {
            let summary = s.summary().expect("stopped");
            summary.items.iter().find(|i| i.stretch.as_str() == "catcow").map(|i| i.status)
        };
        assert_eq!(status(&s), Some(ItemStatus::LeftForPain), "{script}");
        // Under rules 8 (a live session stored then), as it ran.
        assert_eq!(status(&under_rules(&s, "all", &options(), 8)), Some(ItemStatus::NotReached), "{script}");
    }
}

#[test]
fn sharp_pain_while_the_cautions_are_read_sets_none_aside() {
    // Twist skipped unheld, then Extension's caution at 0:01.5, before its steps: the person is
    // not in it yet, so it is not set aside. Under rules 5 the steps came first (step 1 at
    // 0:01.5), so a press then was put down to Extension, as it ran.
    let options = PlanOptions { warm_up: false, ..options() };
    let (s, transcript) = run(
        Session::new(plan("desk", &options), Some(&clear_record()), limber_core::At::ZERO),
        "0.5 skip\n1.7 sharp\n2 end",
    );
    assert!(
        transcript.contains("1.500 None    Take care: Use a chair") && !transcript.contains("Step 1"),
        "{transcript}"
    );
    assert_eq!(s.summary().expect("stopped").stopped, Some(StopReason::SharpPain));
    assert_eq!(flagged(&s), None, "{transcript}");
    let old = under_rules(&s, "desk", &options, 5);
    assert_eq!(flagged(&old).as_deref(), Some("ext"), "as it ran under rules 5");
    // Once its steps are read, the person may be getting into it: its own.
    let (s, _) = run(
        Session::new(plan("desk", &options), Some(&clear_record()), limber_core::At::ZERO),
        "0.5 skip\n2.7 sharp\n3 end",
    );
    assert_eq!(flagged(&s).as_deref(), Some("ext"));
}

#[test]
fn ready_between_two_cautions_hears_the_rest_at_their_pace_and_then_the_count() {
    // Extension with a second caution; Start pressed once the first is said: the steps are
    // skipped, the second caution is said at once, and the count waits until it has been read.
    let options = PlanOptions { warm_up: false, ..options() };
    let mut p = plan("desk", &options);
    let mut extension = (*p.items[1].choice.stretch).clone();
    extension.cautions.push("Keep your neck easy.".to_owned());
    p.items[1].choice.stretch = std::sync::Arc::new(extension);
    let (_, transcript) =
        run(Session::new(p, Some(&clear_record()), limber_core::At::ZERO), "0.5 skip\n1.7 start\n5 end");
    expect![[r#"
        0:00.000 None    Next up, stretch 1 of 2: Twist. Turn. You need a stable chair. Dose: hold 4 seconds, once on each side.
        == Prepare { item: 0 }
        0:00.500 None    Skipped Twist.
        0:00.500 None    Next up, stretch 2 of 2: Extension. Lean back. You need a stable chair. Dose: hold 5 seconds, 2 times.
        == Prepare { item: 1 }
        0:01.500 None    Take care: Use a chair that cannot tip.
        0:01.700 None    Ready. One caution first, then we count in.
        0:01.700 None    Take care: Keep your neck easy.
        0:02.700 Tick    Get ready. 2
        == GetReady { item: 1 }
        0:03.700 Tick    1
        0:04.700 Start   Hold for 5 seconds — 1 of 2. Out as you lean.
        == Active { item: 1, hold: 0 }
    "#]]
    .assert_eq(&transcript);
}

#[test]
fn a_log_stored_under_rules_5_reads_the_steps_before_the_cautions() {
    let options = PlanOptions { warm_up: false, ..options() };
    let (s, _) = run(Session::new(plan("desk", &options), Some(&clear_record()), limber_core::At::ZERO), "0.5 skip");
    let log = limber_core::SessionLog { rules: 5, ..s.log().clone() };
    let mut old = Session::replay(plan("desk", &options), Some(&clear_record()), &log).expect("replays");
    old.drain_cues();
    old.advance(limber_core::At::secs(4));
    let said: Vec<String> = old.drain_cues().into_iter().map(|c| c.text).collect();
    assert_eq!(said, ["Step 1. Sit.", "Step 2. Lean back.", "Take care: Use a chair that cannot tip."]);
}

#[test]
fn back_in_the_stretch_held_last_a_rating_is_that_stretchs_own() {
    // Twist held, swapped for Open book, swapped back: while Twist is introduced again, 7 out of
    // 10 is about Twist, which is swapped away as in its hold, not kept after a question.
    let mut p = plan("short", &options());
    p.items[0].alternatives.truncate(1);
    let (s, transcript) =
        run(Session::new(p, Some(&clear_record()), limber_core::At::ZERO), "6 swap\n6.5 swap\n7 pain 7\n30 end");
    assert!(transcript.contains("Swapping Open book for Twist"), "{transcript}");
    assert_eq!(transcript.matches("Swapping Twist for Open book").count(), 2, "{transcript}");
    assert!(!transcript.contains("Do you want to stop"), "{transcript}");
    let summary = s.summary().expect("over");
    let twist = summary.items.iter().find(|i| i.stretch.as_str() == "twist").expect("twist's record");
    assert_eq!(twist.max_pain, Some(7), "{:?}", summary.items);
}

#[test]
fn sharp_pain_while_a_stand_in_is_introduced_sets_aside_the_stretch_swapped_out() {
    // Twist rated 7 in its hold is swapped for Open book; the press comes while Open book is
    // only being read out, so it was the twist that hurt.
    let (s, transcript) = run(
        Session::new(plan("short", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "6 pain 7\n6.5 sharp\n7 end",
    );
    assert!(transcript.contains("Twist is set aside"), "{transcript}");
    assert_eq!(flagged(&s).as_deref(), Some("twist"));
    assert_eq!(flagged(&under_rules(&s, "short", &options(), 4)).as_deref(), Some("book"), "as it ran under rules 4");
    // A press from a page behind the session names stretch 1, which was Cat-cow (held, rated 7,
    // swapped) and then its stand-in (skipped unheld): Cat-cow is the one set aside.
    let (s, transcript) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n6 pain 7\n6.5 skip\n7 sharp during 1\n8 end",
    );
    assert!(transcript.contains("Swapping Cat-cow for"), "{transcript}");
    assert_eq!(flagged(&s).as_deref(), Some("catcow"), "{transcript}");
    // In the stand-in's hold, it is the stand-in's.
    let (s, _) = run(
        Session::new(plan("short", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "6 pain 7\n10.5 sharp\n11 end",
    );
    assert_eq!(flagged(&s).as_deref(), Some("book"));
}

#[test]
fn a_rating_while_the_next_stretch_is_introduced_is_about_the_one_just_held() {
    // Stretch 2 (Extension) is being read out from 0:15 when 7 out of 10 comes: the stretch just
    // held takes the rating, and with no stretch under way the person is asked whether to stop,
    // rather than Extension, not begun, being swapped away as too painful.
    let (s, transcript) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n16 pain 7\n16.5 quit\n17 end",
    );
    assert!(!transcript.contains("Swapping"), "{transcript}");
    let asked = transcript.lines().find(|l| l.starts_with("0:16.000 Alert")).expect("answered at once");
    assert!(asked.contains("7 out of 10") && asked.contains('?'), "asks whether to stop: {asked}");
    let summary = s.summary().expect("quit");
    assert_eq!((summary.items[0].max_pain, summary.items[0].discomfort), (Some(7), true));
    assert_eq!((summary.items[1].max_pain, summary.items[1].discomfort), (None, false));
    assert_eq!(summary.items[1].instead_of, None, "Extension was not swapped");
    // Discomfort said there is the stretch just held's too.
    let (s, _) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n16 discomfort\n16.5 quit\n17 end",
    );
    let summary = s.summary().expect("quit");
    assert_eq!((summary.items[0].discomfort, summary.items[1].discomfort), (true, false));
    // Under rules 4 (a live session stored then), Extension took them.
    let old = under_rules(&s, "all", &options(), 4).summary().expect("quit");
    assert_eq!((old.items[0].discomfort, old.items[1].discomfort), (false, true));
}

#[test]
fn a_rating_of_one_or_two_is_not_discomfort() {
    // "Tightness or mild discomfort is expected": a 2 in the hold keeps the stretch comfortable
    // for progression, as the rating above 2 rule says.
    let (s, _) =
        run(Session::new(plan("short", &options()), Some(&clear_record()), limber_core::At::ZERO), "6 pain 2\n100 end");
    let summary = s.summary().expect("finished");
    assert_eq!((summary.items[0].max_pain, summary.items[0].discomfort), (Some(2), false));
    assert!(under_rules(&s, "short", &options(), 4).summary().expect("finished").items[0].discomfort, "rules 4");
    let (s, _) =
        run(Session::new(plan("short", &options()), Some(&clear_record()), limber_core::At::ZERO), "6 pain 3\n100 end");
    assert!(s.summary().expect("finished").items[0].discomfort);
}

#[test]
fn a_rating_after_given_ahead_is_not_kept_for_a_session_stopped_for_pain() {
    let given = PlanOptions { pain_after: PainPrompt::Given { score: 3 }, ..options() };
    let (s, _) =
        run(Session::new(plan("short", &given), Some(&clear_record()), limber_core::At::ZERO), "6 sharp\n7 end");
    assert_eq!(s.summary().expect("stopped").pain_after, None, "3 would say the stop left the pain as it was");
    assert_eq!(under_rules(&s, "short", &given, 4).summary().expect("stopped").pain_after, Some(3), "rules 4");
    let (s, _) = run(Session::new(plan("short", &given), Some(&clear_record()), limber_core::At::ZERO), "100 end");
    assert_eq!(s.summary().expect("finished").pain_after, Some(3), "a session that ran its course keeps it");
}

#[test]
fn a_rating_after_given_ahead_is_not_kept_for_a_session_ended_before_anything_was_stretched() {
    let given = PlanOptions { pain_after: PainPrompt::Given { score: 3 }, ..options() };
    // Quit while the first stretch is introduced: nothing was stretched.
    let (s, _) =
        run(Session::new(plan("short", &given), Some(&clear_record()), limber_core::At::ZERO), "3 quit\n4 end");
    let summary = s.summary().expect("ended");
    assert!(summary.exercise_started && summary.stopped == Some(limber_core::StopReason::Aborted), "{summary:?}");
    assert_eq!(summary.pain_after, None, "3 would describe a session that did not happen");
    assert_eq!(under_rules(&s, "short", &given, 7).summary().expect("ended").pain_after, Some(3), "rules 7");
    // Quit after a hold: something was stretched, and the rating stands.
    let (s, _) =
        run(Session::new(plan("short", &given), Some(&clear_record()), limber_core::At::ZERO), "40 quit\n41 end");
    let summary = s.summary().expect("ended");
    assert!(summary.items.iter().any(|i| i.holds_done > 0), "{summary:?}");
    assert_eq!(summary.pain_after, Some(3));
}

/// Each stretch's first halfway gives the whole breathing reminder; later holds of it a short
/// one, so that the voice says it within the hold (a flow names its positions in full in the
/// first cycle only, for the same reason: see `a_flow_cues_each_position`).
#[test]
fn the_whole_breathing_reminder_comes_at_a_stretchs_first_halfway_and_a_short_one_after() {
    let options = PlanOptions { hold_override: Some(10), ..options() };
    let (_, transcript) = run(Session::new(plan("desk", &options), Some(&clear_record()), limber_core::At::ZERO), "");
    let halfways: Vec<&str> =
        transcript.lines().filter_map(|l| l.split_once("Halfway. ").map(|(_, said)| said)).collect();
    let short = "Keep breathing slowly.";
    // The twist (right, then left), then the extension (twice).
    assert_eq!(halfways.len(), 4, "{transcript}");
    assert!(halfways[0] != short && halfways[2] != short, "{halfways:?}");
    assert_eq!((halfways[1], halfways[3]), (short, short), "{halfways:?}");
}

#[test]
fn a_stretch_that_says_what_to_do_between_holds_says_it_and_leaves_time_to_hear_it() {
    // "Ease off, but stay lying over the roll." (8 words, 4 s at 2 words a second) and "Rest.
    // Repetition 2 of 2 is next." (7 words, 4 s) take 8 s to hear: the count to the next hold
    // (2 s here) comes after them, so the rest is 10 s rather than 2. After the last hold, how to
    // come out and the check-in's question take 15 s to hear: the check-in lasts that long.
    let paced = PlanOptions {
        timing: limber_core::Timing { words_per_second: 2, ..crate::harness::quick_timing() },
        ..options()
    };
    let s = check(
        "opener",
        &paced,
        true,
        "",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Chest opener. Lie back over a rolled towel. You need a towel. Dose: hold 4 seconds, 2 times.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Lie back over the roll.
            0:04.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:05.000 Tick    1
            0:06.000 Start   Hold for 4 seconds — 1 of 2. Slowly.
            == Active { item: 0, hold: 0 }
            0:07.000 Tick    3
            0:08.000 Tick    2
            0:09.000 Tick    1
            0:10.000 End     Ease off, but stay lying over the roll.
            0:10.000 None    Rest. Repetition 2 of 2 is next.
            == Rest { item: 0, next_hold: 1 }
            0:18.000 Tick    2
            0:19.000 Tick    1
            0:20.000 Start   Hold for 4 seconds — 2 of 2. Slowly.
            == Active { item: 0, hold: 1 }
            0:21.000 Tick    3
            0:22.000 Tick    2
            0:23.000 Tick    1
            0:24.000 End     That was the last hold. Roll onto your side, then sit up.
            0:24.000 None    How did Chest opener feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:39.000 End     That completes Opener. Well done.
            == Finished
        "#]],
    );
    assert_eq!(s.summary().expect("finished").items[0].holds_done, 2);
}

#[test]
fn on_a_stretch_done_twice_a_side_the_words_between_holds_are_said_on_each_side_not_at_the_switch() {
    check(
        "reach",
        &options(),
        true,
        "",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Side reach. Reach over to one side, twice a side. Dose: hold 4 seconds, 2 times on each side.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Stand tall.
            0:02.000 None    Step 2. Reach over to the right.
            0:03.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:04.000 Tick    1
            0:05.000 Start   Hold for 4 seconds — right side, 1 of 2. Slowly.
            == Active { item: 0, hold: 0 }
            0:06.000 Tick    3
            0:07.000 Tick    2
            0:08.000 Tick    1
            0:09.000 End     Stand tall, arms down.
            0:09.000 None    Rest. Repetition 2 of 2 is next.
            == Rest { item: 0, next_hold: 1 }
            0:11.000 Tick    2
            0:12.000 Tick    1
            0:13.000 Start   Hold for 4 seconds — right side, 2 of 2. Slowly.
            == Active { item: 0, hold: 1 }
            0:14.000 Tick    3
            0:15.000 Tick    2
            0:16.000 Tick    1
            0:17.000 End     Slowly ease out of the stretch.
            0:17.000 None    Switch sides: now the left side. Reach over to the left.
            == Rest { item: 0, next_hold: 2 }
            0:18.000 Tick    2
            0:19.000 Tick    1
            0:20.000 Start   Hold for 4 seconds — left side, 1 of 2. Slowly.
            == Active { item: 0, hold: 2 }
            0:21.000 Tick    3
            0:22.000 Tick    2
            0:23.000 Tick    1
            0:24.000 End     Stand tall, arms down.
            0:24.000 None    Rest. Repetition 2 of 2 is next.
            == Rest { item: 0, next_hold: 3 }
            0:26.000 Tick    2
            0:27.000 Tick    1
            0:28.000 Start   Hold for 4 seconds — left side, 2 of 2. Slowly.
            == Active { item: 0, hold: 3 }
            0:29.000 Tick    3
            0:30.000 Tick    2
            0:31.000 Tick    1
            0:32.000 End     Slowly ease out of the stretch: that was the last hold.
            0:32.000 None    How did Side reach feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            0:34.000 End     That completes Reach. Well done.
            == Finished
        "#]],
    );
}

#[test]
fn a_resume_in_the_rest_between_holds_says_again_what_to_do_meanwhile() {
    check(
        "opener",
        &options(),
        true,
        "9 pause\n60 resume",
        expect![[r#"
            0:00.000 None    Next up, stretch 1 of 1: Chest opener. Lie back over a rolled towel. You need a towel. Dose: hold 4 seconds, 2 times.
            == Prepare { item: 0 }
            0:01.000 None    Step 1. Lie back over the roll.
            0:02.000 Tick    Get ready. 2
            == GetReady { item: 0 }
            0:03.000 Tick    1
            0:04.000 Start   Hold for 4 seconds — 1 of 2. Slowly.
            == Active { item: 0, hold: 0 }
            0:05.000 Tick    3
            0:06.000 Tick    2
            0:07.000 Tick    1
            0:08.000 End     Ease off, but stay lying over the roll.
            0:08.000 None    Rest. Repetition 2 of 2 is next.
            == Rest { item: 0, next_hold: 1 }
            0:09.000 None    Paused. Resume when you are ready.
            == Rest { item: 0, next_hold: 1 } (paused)
            1:00.000 None    Resuming: 3 seconds left. Ease off, but stay lying over the roll.
            == Rest { item: 0, next_hold: 1 }
            1:01.000 Tick    2
            1:02.000 Tick    1
            1:03.000 Start   Hold for 4 seconds — 2 of 2. Slowly.
            == Active { item: 0, hold: 1 }
            1:04.000 Tick    3
            1:05.000 Tick    2
            1:06.000 Tick    1
            1:07.000 End     That was the last hold. Roll onto your side, then sit up.
            1:07.000 None    How did Chest opener feel: comfortable, or some discomfort? Or just wait and the session carries on.
            == CheckIn { item: 0 }
            1:09.000 End     That completes Opener. Well done.
            == Finished
        "#]],
    );
}

#[test]
fn the_view_says_what_to_do_between_holds_only_in_the_rest_between_them() {
    let record = clear_record();
    let mut s = Session::new(plan("opener", &options()), Some(&record), limber_core::At::ZERO);
    let between_at = |s: &mut Session, ms: u64| {
        s.advance(limber_core::At(std::time::Duration::from_millis(ms)));
        (format!("{:?}", s.view().phase), s.view().between_holds)
    };
    // The quick timing: the first hold 4–8 s, the rest 8–12 s (its words, then the count), the
    // last hold 12–16 s.
    assert_eq!(between_at(&mut s, 5_000), ("Active { item: 0, hold: 0 }".to_owned(), None));
    let meanwhile = Some("Ease off, but stay lying over the roll.".to_owned());
    assert_eq!(between_at(&mut s, 8_500), ("Rest { item: 0, next_hold: 1 }".to_owned(), meanwhile));
    assert_eq!(between_at(&mut s, 13_000), ("Active { item: 0, hold: 1 }".to_owned(), None));
    assert_eq!(between_at(&mut s, 16_500), ("CheckIn { item: 0 }".to_owned(), None));
}

#[test]
fn an_intent_refused_during_a_flow_does_not_call_it_a_hold() {
    use limber_core::{At, Intent, Phase};
    // The "all" routine starts with cat-cow, a flow: refused there, the words fit a flow as well
    // as a hold.
    let o = limber_core::PlanOptions { warm_up: false, ..options() };
    let mut s = Session::new(plan("all", &o), Some(&clear_record()), At::ZERO);
    let mut now = At::ZERO;
    while !matches!(s.phase(), Phase::Active { .. }) && now < At::secs(60) {
        now = now + std::time::Duration::from_millis(500);
        s.advance(now);
    }
    assert_eq!(s.phase(), Phase::Active { item: 0, hold: 0 });
    let refused = s.handle(Intent::Start, now).expect_err("start is for a session waiting for the person");
    assert_eq!(refused.to_string(), "start does not apply while you are in the stretch");
}

#[test]
fn a_stretch_left_for_pain_is_recorded_so_not_as_skipped() {
    let status = |script: &str| {
        let mut p = plan("short", &options());
        p.items[0].alternatives.clear();
        let (s, transcript) = run(Session::new(p, Some(&clear_record()), limber_core::At::ZERO), script);
        let summary = s.summary().unwrap_or_else(|| panic!("over: {transcript}"));
        (summary.items[0].status, summary.items[0].label(), transcript)
    };
    // Rated 7 in its hold with nothing to swap to: limber moves on, and the record says why.
    let (left, label, transcript) = status("6 pain 7\n30 end");
    assert!(transcript.contains("7 out of 10 is too much"), "{transcript}");
    assert_eq!((left, label), (ItemStatus::LeftForPain, "left for pain"));
    // Skipped with s in its hold after a rating of 4: skipped (left partway), as before.
    let (skipped, label, _) = status("6 pain 4\n6.5 skip\n30 end");
    assert_eq!((skipped, label), (ItemStatus::Skipped, "left partway"));
    // Skipped before the hold began: skipped.
    let (skipped, label, _) = status("1 skip\n30 end");
    assert_eq!((skipped, label), (ItemStatus::Skipped, "skipped"));
    // Quit while it is being introduced: not reached, whatever the reason.
    let (not_reached, _, _) = status("1 quit\n30 end");
    assert_eq!(not_reached, ItemStatus::NotReached);
}

#[test]
fn sharp_pain_put_down_to_an_earlier_stretch_leaves_the_one_under_way_as_it_was() {
    // Stretch 2 is in its hold when a press from a page behind the session names stretch 1.
    let (s, transcript) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n30 sharp during 1\n31 end",
    );
    let summary = s.summary().unwrap_or_else(|| panic!("over: {transcript}"));
    assert!(transcript.contains("Cat-cow is set aside"), "{transcript}");
    let statuses: Vec<_> = summary.items.iter().map(|i| i.status).collect();
    assert_eq!(statuses, [ItemStatus::Done, ItemStatus::Partial, ItemStatus::NotReached, ItemStatus::NotReached]);
    // Named in its own hold, the stretch under way is the one left for pain.
    let (s, _) = run(
        Session::new(plan("all", &options()), Some(&clear_record()), limber_core::At::ZERO),
        "1 skip\n30 sharp during 2\n31 end",
    );
    assert_eq!(s.summary().expect("over").items[1].status, ItemStatus::LeftForPain);
}

#[test]
fn a_log_stored_under_rules_9_keeps_the_cues_and_so_the_cue_numbers_it_had() {
    // A client that saw cue N before a restart asks for those after N: the session replayed
    // from its log must number its cues as before.
    use limber_core::{At, RULES, SessionLog};
    let cues = |p: &limber_core::Plan, log: &SessionLog, until: u64| {
        let mut s = Session::replay(p.clone(), Some(&clear_record()), log).expect("replays");
        s.advance(At::secs(until));
        s.drain_cues().into_iter().map(|c| (c.at, c.text)).collect::<Vec<_>>()
    };
    let with_cow = |cues: &[(At, String)]| {
        cues.iter().filter(|(at, t)| t == "2" && cues.iter().any(|(a, u)| a == at && u == "Cow.")).count()
    };
    // Floor's cat-cow, 2 s a position: under rules 9 its count fell on "Cow.", and a "3" came
    // during the position before.
    let mut opts = options();
    opts.avoid.clear();
    let floor = plan("floor", &opts);
    let empty = |rules| SessionLog { started: At::ZERO, intents: Vec::new(), rules };
    let (old, new) = (cues(&floor, &empty(9), 20), cues(&floor, &empty(RULES), 20));
    assert_eq!((with_cow(&old), with_cow(&new)), (1, 0), "{old:?}\n{new:?}");
    assert_eq!(old.len(), new.len() + 2, "{old:?}\n{new:?}");
    // "Start" while a caution is still to be read is answered from rules 10 only.
    let desk = plan("desk", &PlanOptions { warm_up: false, wait_for_start: true, ..options() });
    let (s, _) = run(Session::new(desk.clone(), Some(&clear_record()), At::ZERO), "0.5 skip\n1 start");
    let ready = |rules| {
        let log = SessionLog { rules, ..s.log().clone() };
        cues(&desk, &log, 3).iter().filter(|(_, t)| t.starts_with("Ready.")).count()
    };
    assert_eq!((ready(9), ready(RULES)), (0, 1));
}
