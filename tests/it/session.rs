//! Whole sessions over the real content, driven like a front end would with a fake clock.

use limber_content::builtin;
use limber_core::{
    At, CueKind, Equipment, Intent, Phase, Plan, PlanOptions, Position, RoutineId, ScreeningRecord, Session,
};

/// Answers every screening question the way that raises no flag (for most that is "no").
fn clear(lib: &limber_core::Library) -> ScreeningRecord {
    ScreeningRecord {
        answers: lib.screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
        clinician_assessed: false,
    }
}

#[test]
fn the_full_routine_runs_every_step_of_every_stretch_in_order() {
    let lib = builtin().expect("content");
    let plan = Plan::resolve(&lib, &RoutineId::from("full"), &PlanOptions::default()).expect("plan");
    let total = plan.total_time();
    let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
    let mut cues = session.drain_cues();
    let (mut switches, mut flows, mut holds) = (0, 0, 0);
    while let Some(due) = session.next_deadline() {
        session.advance(due);
        let fresh = session.drain_cues();
        // The view says what the cues say: a change of sides during its rest, a flow as a flow.
        let view = session.view();
        let switch = fresh.iter().find_map(|c| match c.kind {
            CueKind::SwitchSides { to } => Some(to),
            _ => None,
        });
        if switch.is_some() {
            switches += 1;
            assert_eq!(view.switch_to, switch);
        } else if !matches!(session.phase(), Phase::Rest { .. }) {
            assert_eq!(view.switch_to, None);
        }
        if matches!(session.phase(), Phase::Active { .. }) {
            let stretch = view.stretch.as_ref().and_then(|id| lib.stretch(id)).expect("a stretch");
            assert_eq!(view.flow, matches!(stretch.dose, limber_core::Dose::Flow { .. }), "{}", stretch.id);
            if view.flow { flows += 1 } else { holds += 1 }
        }
        cues.extend(fresh);
    }
    assert!(switches > 0 && flows > 0 && holds > 0, "{switches} {flows} {holds}");
    assert_eq!(session.phase(), Phase::Finished);
    assert_eq!(session.summary().expect("summary").ended.0, total);
    // Every step of every stretch was cued, in order, with the right numbering; a step that
    // gives the dose's range of seconds gives this session's hold instead.
    let routine = lib.routine(&RoutineId::from("full")).expect("full");
    let mut steps = cues.iter().filter(|c| matches!(c.kind, CueKind::Step { .. })).map(|c| c.text.as_str());
    let mut ranges_named = 0;
    for (id, item) in routine.stretches.iter().zip(&session.plan().items) {
        let s = lib.stretch(id).expect("stretch");
        assert_eq!(&item.choice.stretch.id, id);
        for (n, step) in s.steps.iter().enumerate() {
            let range = s.dose.range();
            let named = format!("{} to {} seconds", range.low(), range.high());
            let said = if step.contains(&named) {
                ranges_named += 1;
                step.replace(&named, &format!("{} seconds", item.choice.seconds))
            } else {
                step.clone()
            };
            assert_eq!(steps.next(), Some(format!("Step {}. {said}", n + 1).as_str()));
        }
    }
    assert_eq!(steps.next(), None);
    assert!(ranges_named > 0, "the content names a range in a step");
    // A warm-up of five minutes, and a get-ready countdown before each of the 10 holds.
    assert!(matches!(cues[0].kind, CueKind::WarmUp));
    let begins = cues.iter().filter(|c| matches!(c.kind, CueKind::Begin { .. })).count();
    assert_eq!(begins, 1 + 3 + 2 + 2 + 1);
    assert!(cues.iter().any(|c| matches!(c.kind, CueKind::SwitchSides { .. })));
    assert!(cues.iter().any(|c| c.text.contains("Next up, stretch 2 of 5: Seated thoracic extension")));
}

#[test]
fn a_person_who_cannot_kneel_and_has_no_roller_gets_stand_ins_for_the_same_areas() {
    let lib = builtin().expect("content");
    let mut options = PlanOptions::default();
    options.avoid.insert(Position::Kneeling);
    options.equipment.remove(&Equipment::FoamRoller);
    let plan = Plan::resolve(&lib, &RoutineId::from("full"), &options).expect("plan");
    let ids: Vec<&str> = plan.items.iter().map(|i| i.choice.stretch.id.as_str()).collect();
    assert_eq!(ids, ["seated-cat-cow", "seated-thoracic-extension", "seated-twist", "open-book", "towel-extension"]);
    assert_eq!(plan.adjustments.len(), 3);
    assert!(plan.adjustments.iter().all(|a| a.replaced_by.is_some()));
}

#[test]
fn sharp_pain_in_the_middle_of_the_full_routine_stops_with_the_advice() {
    let lib = builtin().expect("content");
    let plan = Plan::resolve(&lib, &RoutineId::from("full"), &PlanOptions::default()).expect("plan");
    let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
    session.advance(At::secs(400));
    assert!(matches!(
        session.phase(),
        Phase::Active { .. }
            | Phase::Rest { .. }
            | Phase::Prepare { .. }
            | Phase::GetReady { .. }
            | Phase::CheckIn { .. }
    ));
    session.handle(Intent::SharpPain { during: None }, At::secs(401)).expect("heard");
    let last = session.drain_cues().pop().expect("a stop cue");
    assert!(last.text.starts_with(&lib.advice.sharp_pain), "{}", last.text);
    assert_eq!(session.next_deadline(), None);
}

#[test]
fn discomfort_in_a_hold_offers_every_easier_version_of_the_stretch() {
    let lib = builtin().expect("content");
    let options = PlanOptions { warm_up: false, ..PlanOptions::default() };
    let plan = Plan::resolve(&lib, &RoutineId::from("desk"), &options).expect("plan");
    let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
    // The desk break's second stretch, the seated thoracic extension, has two easier versions.
    let extension = lib.stretch(&"seated-thoracic-extension".into()).expect("the extension");
    assert_eq!(extension.modifications.len(), 2);
    let mut at = At::ZERO;
    while !(matches!(session.phase(), Phase::Active { item: 1, .. })) {
        at = session.next_deadline().expect("the session goes on");
        session.advance(at);
        if matches!(session.phase(), Phase::PainBefore) {
            session.handle(Intent::Start, at).expect("no rating");
        }
    }
    session.drain_cues();
    session.handle(Intent::Discomfort, at).expect("heard");
    let reply = session.drain_cues().into_iter().find(|c| c.kind == CueKind::Discomfort).expect("a reply");
    for easier in &extension.modifications {
        assert!(reply.text.contains(easier.as_str()), "{easier:?} not offered: {}", reply.text);
    }
}

/// Answers the built-in screening live: `yes_to` the ids answered "yes", "no" to the rest.
fn screen(session: &mut Session, lib: &limber_core::Library, yes_to: &[&str]) -> Vec<Phase> {
    let mut phases = Vec::new();
    while let Phase::Screening { question } = session.phase() {
        let yes = yes_to.contains(&lib.screening[question].id.as_str());
        session.handle(if yes { Intent::Yes } else { Intent::No }, At::ZERO).expect("an answer");
        phases.push(session.phase());
    }
    phases
}

#[test]
fn no_clinician_yet_stops_the_screening_without_asking_to_confirm_an_assessment() {
    let lib = builtin().expect("content");
    let plan = || Plan::resolve(&lib, &RoutineId::from("desk"), &PlanOptions::default()).expect("plan");

    // Every warning sign "no", and no clinician has looked at the pain: the advice, no confirmation.
    let mut session = Session::new(plan(), None, At::ZERO);
    let phases = screen(&mut session, &lib, &[]);
    assert!(!phases.contains(&Phase::ConfirmAssessed), "{phases:?}");
    assert_eq!(session.phase(), Phase::Stopped { reason: limber_core::StopReason::SeeClinician });
    let said = session.drain_cues().pop().expect("the advice");
    assert!(said.text.contains("look at this pain: you said none has yet"), "{}", said.text);
    assert!(!said.text.contains("Some of your answers"), "no answer flagged a sign: {}", said.text);
    assert!(!said.text.contains("(yes or no)"), "{}", said.text);

    // A clinician has looked at it, and the pain is worse at night: confirm what they said.
    let mut session = Session::new(plan(), None, At::ZERO);
    screen(&mut session, &lib, &["already-assessed", "rest-night"]);
    assert_eq!(session.phase(), Phase::ConfirmAssessed);
    session.handle(Intent::Yes, At::ZERO).expect("confirmed");
    assert!(session.screening().clinician_assessed);
    assert!(!session.phase().is_over());

    // A clinician has looked at it and nothing else is flagged: clear at once.
    let mut session = Session::new(plan(), None, At::ZERO);
    let phases = screen(&mut session, &lib, &["already-assessed"]);
    assert!(!phases.contains(&Phase::ConfirmAssessed), "{phases:?}");
    assert!(!session.phase().is_over());
}

#[test]
fn the_questions_alone_on_a_day_of_rest_save_clear_answers_for_once_it_has_passed() {
    let lib = builtin().expect("content");
    let closing = |rest_today: bool, yes_to: &[&str]| {
        let mut session = Session::new(Plan::screening_only(&lib, rest_today), None, At::ZERO);
        screen(&mut session, &lib, yes_to);
        if session.phase() == Phase::ConfirmAssessed {
            session.handle(Intent::Yes, At::ZERO).expect("confirmed");
        }
        assert!(session.phase().is_over(), "{:?}", session.phase());
        let cues = session.drain_cues();
        let cleared: Vec<&str> = cues.iter().filter(|c| c.kind == CueKind::Cleared).map(|c| c.text.as_str()).collect();
        assert_eq!(cleared.len(), 1, "{cues:?}");
        (cleared[0].to_owned(), session.screening().clearance(&lib.screening))
    };
    // Any day: leave to stretch today.
    let (said, clearance) = closing(false, &["already-assessed"]);
    assert_eq!(clearance, limber_core::Clearance::Clear);
    assert!(said.contains("stretching today"), "{said}");
    // Within a day of an emergency sign: the same answers, the same clearance, but for later.
    let (said, clearance) = closing(true, &["already-assessed"]);
    assert_eq!(clearance, limber_core::Clearance::Clear);
    assert!(said.contains("once that day has passed") && !said.contains("today"), "{said}");
    // A sign a clinician has checked: their advice, for later too.
    let (said, _) = closing(true, &["already-assessed", "rest-night"]);
    assert!(said.contains("Once that day has passed, go gently, as your clinician advised"), "{said}");
    let (said, _) = closing(false, &["already-assessed", "rest-night"]);
    assert!(said.starts_with("Thank you. Go gently, as your clinician advised"), "{said}");
}

#[test]
fn no_count_is_said_at_the_moment_of_another_cue_in_any_built_in_routine() {
    // A voice would run the number into the other cue's words ("Cow. 2").
    let lib = builtin().expect("content");
    let avoid_nothing = PlanOptions::default();
    let without_kneeling = PlanOptions { avoid: [Position::Kneeling].into(), ..PlanOptions::default() };
    for routine in lib.routines.iter().map(|r| r.id.clone()) {
        for options in [&avoid_nothing, &without_kneeling] {
            let plan = Plan::resolve(&lib, &routine, options).expect("plan");
            let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
            let mut cues = session.drain_cues();
            while let Some(due) = session.next_deadline() {
                session.advance(due);
                cues.extend(session.drain_cues());
            }
            // Each flow still counts down to its end.
            for begin in cues.iter().filter(|c| matches!(c.kind, CueKind::Begin { .. })) {
                let end = cues.iter().find(|c| c.seq > begin.seq && matches!(c.kind, CueKind::Release));
                let counted = cues
                    .iter()
                    .filter(|c| c.seq > begin.seq && end.is_none_or(|e| c.seq < e.seq))
                    .any(|c| matches!(c.kind, CueKind::Countdown { .. }));
                assert!(counted, "{routine:?}: no count after {:?}", begin.text);
            }
            for count in cues.iter().filter(|c| matches!(c.kind, CueKind::Countdown { .. })) {
                let beside: Vec<&str> =
                    cues.iter().filter(|c| c.at == count.at && c.seq != count.seq).map(|c| c.text.as_str()).collect();
                assert!(beside.is_empty(), "{routine:?}: {:?} at {:?} with {beside:?}", count.text, count.at);
            }
        }
    }
}
