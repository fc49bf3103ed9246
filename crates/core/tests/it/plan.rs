//! Plan resolution: fitting a routine to a person's equipment, positions and hold times.

use limber_core::{Equipment, Plan, PlanError, Position, RoutineId, StretchId, Unfit};

use crate::harness::{library, options, plan};

fn ids(plan: &Plan) -> Vec<&str> {
    plan.items.iter().map(|i| i.choice.stretch.id.as_str()).collect()
}

#[test]
fn a_fitting_routine_is_kept_as_written_with_the_low_end_of_each_range() {
    let p = plan("all", &options());
    assert_eq!(ids(&p), ["catcow", "ext", "twist", "roll"]);
    assert!(p.adjustments.is_empty());
    let secs: Vec<u32> = p.items.iter().map(|i| i.choice.seconds).collect();
    assert_eq!(secs, [2, 5, 4, 12]);
    assert_eq!(p.warm_up.as_ref().map(|w| w.seconds), Some(60));
}

#[test]
fn a_stretch_in_an_avoided_position_is_swapped_for_one_reaching_the_same_area() {
    let mut o = options();
    o.avoid.insert(Position::Kneeling);
    let p = plan("all", &o);
    assert_eq!(ids(&p), ["seated-catcow", "ext", "twist", "roll"]);
    assert_eq!(p.items[0].instead_of, Some(StretchId::from("catcow")));
    assert_eq!(p.adjustments[0].reason, Unfit::Position(Position::Kneeling));
}

#[test]
fn missing_equipment_falls_back_to_listed_alternatives_then_same_area() {
    let mut o = options();
    o.equipment.remove(&Equipment::FoamRoller);
    let p = plan("all", &o);
    // `roll` lists `ext`, which is already in the routine, so the plan takes the next stretch
    // that reaches the roller's main area (upper back) — none besides ext does, so it is left out.
    assert_eq!(ids(&p), ["catcow", "ext", "twist"]);
    assert_eq!(p.adjustments.len(), 1);
    assert_eq!(p.adjustments[0].replaced_by, None);
    assert_eq!(p.adjustments[0].reason, Unfit::Needs(Equipment::FoamRoller));
}

#[test]
fn with_no_chair_and_no_kneeling_only_floor_stretches_remain() {
    let mut o = options();
    o.equipment.clear();
    o.avoid.insert(Position::Kneeling);
    let p = plan("all", &o);
    assert_eq!(ids(&p), ["book"]);
    let replaced: Vec<Option<&str>> =
        p.adjustments.iter().map(|a| a.replaced_by.as_ref().map(StretchId::as_str)).collect();
    // cat-cow (kneeling) gives way to the open book, the one floor stretch for the mid back;
    // once it is used, nothing else fits, and the plan lists each one it left out.
    assert_eq!(replaced, [Some("book"), None, None, None]);
}

#[test]
fn when_nothing_fits_the_plan_says_so() {
    let mut o = options();
    o.avoid.insert(Position::Kneeling);
    o.avoid.insert(Position::LyingOnSide);
    o.equipment.clear();
    let err = Plan::resolve(&library(), &RoutineId::from("floor"), &o).unwrap_err();
    assert!(matches!(err, PlanError::NothingFits { .. }));
    assert_eq!(err.to_string(), "no stretch of routine `floor` fits: catcow is done kneeling");
    let err = Plan::resolve(&library(), &RoutineId::from("nope"), &o).unwrap_err();
    assert_eq!(err.to_string(), "there is no routine called `nope`");
}

#[test]
fn progression_holds_are_kept_inside_the_range_and_an_override_wins() {
    let mut o = options();
    o.holds.insert(StretchId::from("ext"), 7);
    o.holds.insert(StretchId::from("twist"), 99);
    o.holds.insert(StretchId::from("roll"), 1);
    let p = plan("all", &o);
    let secs: Vec<u32> = p.items.iter().map(|i| i.choice.seconds).collect();
    assert_eq!(secs, [2, 7, 8, 12]);
    o.hold_override = Some(20);
    let p = plan("all", &o);
    let secs: Vec<u32> = p.items.iter().map(|i| i.choice.seconds).collect();
    assert_eq!(secs, [2, 20, 20, 12], "the override applies to held stretches only");
}

#[test]
fn alternatives_offered_in_session_fit_the_person() {
    let mut o = options();
    o.avoid.insert(Position::LyingOnSide);
    let p = plan("short", &o);
    let twist = &p.items[0].choice.stretch;
    let alts: Vec<&str> = p.items[0].alternatives.iter().map(|c| c.stretch.id.as_str()).collect();
    assert_eq!(alts, ["catcow", "seated-catcow", "ext"], "open book is done lying on the side");
    assert!(p.items[0].alternatives.iter().all(|c| c.stretch.shares_target_with(twist)));
    // Listed alternatives come first, then other stretches for the same main area.
    let p = plan("short", &options());
    let alts: Vec<&str> = p.items[0].alternatives.iter().map(|c| c.stretch.id.as_str()).collect();
    assert_eq!(alts, ["book", "catcow", "seated-catcow", "ext"]);
}

#[test]
fn warm_up_can_be_left_out_and_total_time_adds_up() {
    let o = limber_core::PlanOptions { warm_up: false, ..options() };
    let p = plan("all", &o);
    assert!(p.warm_up.is_none());
    // catcow: intro 1 + 1 step, get ready 2, flow 2 s × 2 positions × 2 cycles, check-in 2
    let catcow = 1 + 1 + 2 + 8 + 2;
    // ext: intro 1 + 2 steps + 1 caution, get ready 2, 2 holds of 5 with a 2 s rest, check-in 2
    let ext = 1 + 2 + 1 + 2 + 10 + 2 + 2;
    // twist: intro 1 + 2 steps, get ready 2, 2 sides of 4 with a 3 s rest (its words for the
    // left side, 1 s, then the count of 2), check-in 2
    let twist = 1 + 2 + 2 + 8 + 3 + 2;
    // roll: intro 1 + 1 step, get ready 2, 12 s of work, check-in 2
    let roll = 1 + 1 + 2 + 12 + 2;
    assert_eq!(p.total_time().as_secs(), catcow + ext + twist + roll);
}

#[test]
fn a_routine_promise_rules_out_stand_ins_that_break_it() {
    // The desk routine stays on the chair: twist's listed alternative (open book, lying on the
    // side) is never offered, while a seated stretch for the same area is; extension, already
    // in the routine, is not offered twice.
    let p = plan("desk", &options());
    let alts: Vec<&str> = p.items[0].alternatives.iter().map(|c| c.stretch.id.as_str()).collect();
    assert_eq!(alts, ["seated-catcow"]);
    assert_eq!(p.promises, [limber_core::Promise::SeatedOnly]);
}

#[test]
fn plans_share_the_library_stretches_and_a_stored_plan_shares_them_again() {
    use std::sync::Arc;
    let lib = library();
    let fresh = Plan::resolve(&lib, &RoutineId::from("desk"), &options()).expect("plan");
    let shared = |p: &Plan| {
        p.items
            .iter()
            .flat_map(|i| std::iter::once(&i.choice).chain(&i.alternatives))
            .all(|c| lib.shared_stretch(&c.stretch.id).is_some_and(|s| Arc::ptr_eq(s, &c.stretch)))
            && p.warm_up.as_ref().is_none_or(|w| {
                let routine = lib.routine(&p.routine).expect("routine");
                Arc::ptr_eq(&w.activities, &lib.warm_up.activities)
                    || Arc::ptr_eq(&w.activities, &routine.warm_up_activities)
            })
            && Arc::ptr_eq(&p.screening, &lib.screening)
            && Arc::ptr_eq(&p.advice, &lib.advice)
    };
    assert!(fresh.warm_up.is_some(), "the plan warms up, so its activities are checked");
    assert!(shared(&fresh), "a resolved plan holds the library's own stretches, questions and advice");
    let mut stored: Plan = serde_json::from_str(&serde_json::to_string(&fresh).expect("to json")).expect("from json");
    assert!(!shared(&stored), "a plan read back has copies of its own");
    stored.share_with(&lib);
    assert!(shared(&stored), "share_with points it back at the library");
    assert_eq!(stored, fresh, "and it means the same");

    let mut edited = stored.clone();
    let mut questions = edited.screening.to_vec();
    questions[0].question.push_str(" (edited)");
    edited.screening = questions.into();
    edited.share_with(&lib);
    assert!(!Arc::ptr_eq(&edited.screening, &lib.screening), "content that differs is kept as it was");
    assert!(edited.screening[0].question.ends_with("(edited)"));
}

#[test]
fn a_step_that_names_the_dose_range_names_the_sessions_seconds() {
    let mut p = plan("short", &options());
    std::sync::Arc::make_mut(&mut p.items[0].choice.stretch).steps.push("Stay for 4 to 8 seconds and breathe.".into());
    let choice = &p.items[0].choice;
    let said = format!("Stay for {} seconds and breathe.", choice.seconds);
    assert_eq!(choice.step(2).as_deref(), Some(said.as_str()), "the hold this session counts down");
    assert_eq!(choice.step(0).as_deref(), Some("Sit tall."), "other steps as written");
    assert_eq!(choice.step(3), None);
    assert_eq!(choice.steps(), ["Sit tall.", "Turn right.", said.as_str()]);
    // Said so in the session, and shown so in its view; the stretch itself keeps the range.
    let record = crate::harness::clear_record();
    let mut session = limber_core::Session::new(p.clone(), Some(&record), limber_core::At::ZERO);
    assert_eq!(session.view().steps, choice.steps(), "the view lists the steps as said");
    session.advance(limber_core::At::secs(30));
    let cues: Vec<String> = session.drain_cues().into_iter().map(|c| c.text).collect();
    assert!(cues.iter().any(|c| c.ends_with(&said)), "{cues:#?}");
    assert!(p.items[0].choice.stretch.steps[2].contains("4 to 8 seconds"));
}

#[test]
fn the_switch_to_the_left_rests_long_enough_to_hear_how_that_side_goes() {
    let lib = library();
    let mut twist = lib.stretch(&StretchId::from("twist")).expect("the twist").clone();
    let t = limber_core::Timing::default();
    // Hold 0 is the right side, hold 1 the left: the rest between them switches.
    assert_eq!(t.rest_after(&twist, 0), t.rest, "a few words fit the usual rest");
    twist.other_side = Some("word ".repeat(30));
    // "Switch sides: now the left side." and 30 words, at 2 words a second, then the count of 3.
    assert_eq!(t.rest_after(&twist, 0), 18 + 3);
    twist.other_side = None;
    assert_eq!(t.rest_after(&twist, 0), t.rest, "the usual switch words fit the usual rest");
}

#[test]
fn the_rest_between_two_holds_on_a_side_is_long_enough_for_the_stretchs_words_and_the_count() {
    let lib = library();
    let t = options().timing;
    let mut reach = lib.stretch(&"reach".into()).expect("reach").clone();
    // Right 1 → right 2: "Stand tall, arms down." (4 words) and "Rest. Repetition 2 of 2 is
    // next." (7 words) at 100 words a second take the 1 s floor each, then the count of 2.
    assert_eq!((t.rest_after(&reach, 0), t.rest_after(&reach, 2)), (4, 4));
    // Right 2 → left 1 switches sides: the stretch's words for the left side (the 1 s floor)
    // and the count, not the words between holds.
    assert_eq!(t.rest_after(&reach, 1), 1 + 2);
    reach.between_holds = None;
    assert_eq!(t.rest_after(&reach, 0), t.rest, "without them, the usual rest");
}

#[test]
fn a_warm_up_planned_before_its_range_was_kept_reads_without_it() {
    // As a server stored it before `up-to-minutes`: the timer alone.
    let old: limber_core::WarmUpPlan =
        serde_json::from_str(r#"{"seconds": 300, "activities": ["brisk walking"]}"#).expect("an old plan reads");
    assert_eq!((old.seconds, old.up_to_minutes), (300, None));
    let new = serde_json::to_string(&limber_core::WarmUpPlan { up_to_minutes: Some(10), ..old.clone() }).expect("json");
    assert!(new.contains(r#""up-to-minutes":10"#), "{new}");
    assert!(!serde_json::to_string(&old).expect("json").contains("up-to"), "nothing written when there is none");
}
