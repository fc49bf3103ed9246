//! Progression, adherence and pain-trend rules.

use std::collections::BTreeMap;
use std::time::Duration;

use limber_core::progress::{
    RatedDay, apply_session, counts_toward_goal, pain_trend, pain_trend_of_ends, usual_pain, worse_after,
};
use limber_core::{
    Adherence, At, Comfort, ItemRecord, ItemStatus, Progress, ProgressRules, StopReason, StretchId, Summary,
};

use crate::harness::library;

fn item(stretch: &str, status: ItemStatus, comfort: Option<Comfort>, discomfort: bool) -> ItemRecord {
    ItemRecord {
        stretch: StretchId::from(stretch),
        instead_of: None,
        seconds: 5,
        holds_done: 2,
        sides_done: Vec::new(),
        holds_planned: 2,
        active: Duration::from_secs(10),
        comfort,
        discomfort,
        max_pain: None,
        status,
    }
}

fn summary(items: Vec<ItemRecord>, pain_before: Option<u8>, flagged: Option<&str>) -> Summary {
    Summary {
        routine: "all".into(),
        stopped: flagged.map(|_| StopReason::SharpPain),
        started: At::ZERO,
        ended: At::secs(100),
        exercise_started: true,
        warmed_up: true,
        items,
        pain_before,
        too_much: Vec::new(),
        pain_after: None,
        flagged: flagged.map(StretchId::from),
        active: Duration::from_secs(10),
    }
}

#[test]
fn holds_grow_after_comfortable_sessions_and_stop_at_the_top_of_the_range() {
    let lib = library();
    let mut progress = BTreeMap::new();
    let comfy = summary(vec![item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false)], None, None);
    let rules = ProgressRules::default();
    let mut holds = Vec::new();
    for _ in 0..6 {
        apply_session(&mut progress, &comfy, &lib, None, rules);
        holds.push(progress[&StretchId::from("ext")].hold_seconds);
    }
    // ext ranges 5–10 s: +5 s after every two comfortable sessions, never past 10.
    assert_eq!(holds, [5, 10, 10, 10, 10, 10]);
}

#[test]
fn a_session_held_shorter_than_the_hold_kept_grows_nothing() {
    // `--hold 10` under a kept 20: comfortable at 10 s says nothing about 20 s.
    let lib = library();
    let rules = ProgressRules { step_seconds: 1, sessions_per_step: 1 };
    let twist = StretchId::from("twist");
    let mut progress = BTreeMap::from([(twist.clone(), Progress { hold_seconds: 6, ..Progress::default() })]);
    let mut short = item("twist", ItemStatus::Done, Some(Comfort::Comfortable), false);
    short.seconds = 4;
    let grown = apply_session(&mut progress, &summary(vec![short.clone()], None, None), &lib, None, rules);
    assert!(grown.is_empty());
    assert_eq!(progress[&twist], Progress { hold_seconds: 6, comfortable_streak: 0, flagged: false });
    // Held as long as kept (or longer), it grows as ever.
    short.seconds = 6;
    let grown = apply_session(&mut progress, &summary(vec![short], None, None), &lib, None, rules);
    assert_eq!(grown, std::slice::from_ref(&twist));
    assert_eq!(progress[&twist].hold_seconds, 7);
}

#[test]
fn discomfort_and_a_worse_day_hold_steady_and_sharp_pain_flags() {
    let lib = library();
    let rules = ProgressRules { step_seconds: 1, sessions_per_step: 1 };
    let mut progress = BTreeMap::new();
    let sore = summary(vec![item("twist", ItemStatus::Done, None, true)], None, None);
    apply_session(&mut progress, &sore, &lib, None, rules);
    assert_eq!(progress[&StretchId::from("twist")].hold_seconds, 4);

    let silent = summary(vec![item("twist", ItemStatus::Done, None, false)], Some(4), None);
    let grown = apply_session(&mut progress, &silent, &lib, Some(3), rules);
    assert!(grown.is_empty(), "a before-rating above usual stops growth that day");
    let grown = apply_session(&mut progress, &silent, &lib, Some(4), rules);
    assert_eq!(grown, [StretchId::from("twist")]);
    assert_eq!(progress[&StretchId::from("twist")].hold_seconds, 5);
    // Above 5 is too much whatever is usual, and for a new person with no usual yet.
    for usual in [Some(7), Some(6), None] {
        let high = summary(vec![item("twist", ItemStatus::Done, None, false)], Some(6), None);
        let grown = apply_session(&mut progress.clone(), &high, &lib, usual, rules);
        assert!(grown.is_empty(), "a 6 before, usual {usual:?}");
    }

    // A rating after that says the session made the pain worse (up 2 or more, or above 5 and
    // up) stops growth that day too; a rating after that stayed put does not.
    for (before, after, grows) in [(Some(2), 4, false), (Some(3), 7, false), (None, 6, false), (Some(3), 4, true)] {
        let mut rated = summary(vec![item("twist", ItemStatus::Done, None, false)], before, None);
        rated.pain_after = Some(after);
        let mut copy = progress.clone();
        let grown = apply_session(&mut copy, &rated, &lib, None, rules);
        assert_eq!(!grown.is_empty(), grows, "{before:?} → {after}");
    }

    let sharp = summary(vec![item("twist", ItemStatus::Skipped, None, false)], None, Some("twist"));
    apply_session(&mut progress, &sharp, &lib, None, rules);
    assert_eq!(progress[&StretchId::from("twist")], Progress { hold_seconds: 5, comfortable_streak: 0, flagged: true });
    assert!(!counts_toward_goal(&sharp));
}

#[test]
fn a_rating_above_five_on_one_stretch_holds_every_stretch_of_the_session_steady() {
    let lib = library();
    let rules = ProgressRules { step_seconds: 1, sessions_per_step: 1 };
    let (twist, ext) = (StretchId::from("twist"), StretchId::from("ext"));
    // The twist hurt (7) and was swapped out; ext, done comfortably after it, would grow on
    // any other day.
    let mut hurt = item("twist", ItemStatus::Swapped, None, false);
    hurt.max_pain = Some(7);
    let comfy = item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false);
    let mut session = summary(vec![hurt, comfy.clone()], Some(2), None);
    session.too_much = vec![twist.clone()];
    let mut progress = BTreeMap::new();
    assert!(apply_session(&mut progress, &session, &lib, Some(2), rules).is_empty());
    assert_eq!(progress[&ext].comfortable_streak, 0, "not even the streak counts it");
    // The same session without the 7 grows ext.
    let calm = summary(vec![item("twist", ItemStatus::Swapped, None, false), comfy], Some(2), None);
    assert_eq!(apply_session(&mut BTreeMap::new(), &calm, &lib, Some(2), rules), [ext]);
}

#[test]
fn no_stop_for_safety_grows_a_hold_even_after_a_stretch_done_comfortably() {
    let lib = library();
    let rules = ProgressRules::default();
    let ext = StretchId::from("ext");
    let comfy = summary(vec![item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false)], None, None);
    let mut one_comfortable = BTreeMap::new();
    apply_session(&mut one_comfortable, &comfy, &lib, None, rules);
    // A second comfortable session would grow the hold; a stop for safety after the same
    // comfortable stretch does not, whatever the stop, while the person's own quit does.
    let outcomes: Vec<(Option<StopReason>, Vec<StretchId>, u32)> = [
        Some(StopReason::SharpPain),
        Some(StopReason::Emergency),
        Some(StopReason::SeeClinician),
        Some(StopReason::Pain),
        Some(StopReason::Aborted),
        None,
    ]
    .into_iter()
    .map(|stopped| {
        let mut progress = one_comfortable.clone();
        let session = Summary { stopped, ..comfy.clone() };
        let grown = apply_session(&mut progress, &session, &lib, None, rules);
        (stopped, grown, progress[&ext].hold_seconds)
    })
    .collect();
    let grows = |stopped| (stopped, vec![ext.clone()], 10);
    let stays = |stopped| (stopped, Vec::new(), 5);
    assert_eq!(
        outcomes,
        [
            stays(Some(StopReason::SharpPain)),
            stays(Some(StopReason::Emergency)),
            stays(Some(StopReason::SeeClinician)),
            stays(Some(StopReason::Pain)),
            grows(Some(StopReason::Aborted)),
            grows(None),
        ]
    );
}

#[test]
fn pain_above_five_or_a_stop_for_safety_grows_no_hold() {
    let lib = library();
    let rules = ProgressRules::default();
    let ext = StretchId::from("ext");
    let comfy = summary(vec![item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false)], None, None);
    let mut progress = BTreeMap::new();
    apply_session(&mut progress, &comfy, &lib, None, rules);
    assert_eq!(progress[&ext].comfortable_streak, 1);

    // Stopped for a rating of 8: set aside, and its streak starts again.
    let mut too_much = item("ext", ItemStatus::Skipped, None, false);
    too_much.max_pain = Some(8);
    let mut rated = summary(vec![too_much], None, None);
    rated.too_much = vec![ext.clone()];
    apply_session(&mut progress, &rated, &lib, None, rules);
    assert_eq!(progress[&ext], Progress { hold_seconds: 5, comfortable_streak: 0, flagged: false });
    // So one comfortable session after it does not grow the hold.
    assert!(apply_session(&mut progress, &comfy, &lib, None, rules).is_empty());
    assert_eq!(progress[&ext].hold_seconds, 5);

    // A session stopped for pain grows nothing that day, not even a stretch done comfortably
    // before the stop; the next comfortable session does.
    let mut stopped = summary(
        vec![
            item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false),
            item("twist", ItemStatus::Skipped, None, false),
        ],
        None,
        None,
    );
    stopped.stopped = Some(StopReason::Pain);
    stopped.too_much = vec![StretchId::from("twist")];
    assert!(apply_session(&mut progress, &stopped, &lib, None, rules).is_empty());
    assert_eq!(progress[&ext].comfortable_streak, 1);
    assert_eq!(progress[&StretchId::from("twist")].comfortable_streak, 0);
    assert_eq!(apply_session(&mut progress, &comfy, &lib, None, rules), [StretchId::from("ext")]);
    assert_eq!(progress[&ext].hold_seconds, 10);

    // Rated 8 and swapped for an alternative that was then finished comfortably: the stretch
    // that hurt (its own record, swapped out) starts its streak again; the one done instead
    // is not blamed for it (its streak stands), but grows nothing on such a day either.
    let book = StretchId::from("book");
    let mut fresh = BTreeMap::new();
    apply_session(&mut fresh, &comfy, &lib, None, rules);
    let book_alone = summary(vec![item("book", ItemStatus::Done, Some(Comfort::Comfortable), false)], None, None);
    apply_session(&mut fresh, &book_alone, &lib, None, rules);
    assert_eq!((fresh[&ext].comfortable_streak, fresh[&book].comfortable_streak), (1, 1));
    let mut instead = item("book", ItemStatus::Done, None, false);
    instead.instead_of = Some(ext.clone());
    let swapped_out = |pain: Option<u8>, discomfort: bool| {
        let mut hurt = item("ext", ItemStatus::Swapped, None, discomfort);
        hurt.max_pain = pain;
        hurt
    };
    let mut swapped = summary(vec![swapped_out(Some(8), true), instead.clone()], None, None);
    swapped.too_much = vec![ext.clone()];
    apply_session(&mut fresh, &swapped, &lib, None, rules);
    assert_eq!((fresh[&ext].comfortable_streak, fresh[&book].comfortable_streak), (0, 1), "{fresh:?}");
    assert!(apply_session(&mut fresh, &comfy, &lib, None, rules).is_empty());
    // Swapped after discomfort alone: the same (and a second comfortable session grows the hold
    // of the one done instead).
    let book_before = fresh[&book].hold_seconds;
    apply_session(&mut fresh, &summary(vec![swapped_out(None, true), instead.clone()], None, None), &lib, None, rules);
    assert_eq!(fresh[&ext].comfortable_streak, 0, "{fresh:?}");
    assert!(fresh[&book].hold_seconds > book_before, "{fresh:?}");
    // Swapped out with nothing felt (the person chose another): its streak is left as it was.
    apply_session(&mut fresh, &comfy, &lib, None, rules);
    apply_session(&mut fresh, &summary(vec![swapped_out(None, false), instead], None, None), &lib, None, rules);
    assert_eq!(fresh[&ext].comfortable_streak, 1, "{fresh:?}");
    // Swapped out after discomfort and later back in and done comfortably: discomfort counts.
    let back = summary(vec![swapped_out(None, true), item("ext", ItemStatus::Done, None, false)], None, None);
    apply_session(&mut fresh, &back, &lib, None, rules);
    assert_eq!(fresh[&ext].comfortable_streak, 0, "{fresh:?}");

    // Skipping a stretch with nothing felt leaves its streak as it was.
    let skipped = summary(vec![item("twist", ItemStatus::Skipped, None, false)], None, None);
    let before = progress[&StretchId::from("twist")].clone();
    apply_session(&mut progress, &skipped, &lib, None, rules);
    assert_eq!(progress[&StretchId::from("twist")], before);
}

#[test]
fn usual_pain_is_the_median_of_earlier_ratings() {
    assert_eq!(usual_pain(&[]), None);
    assert_eq!(usual_pain(&[4]), Some(4));
    assert_eq!(usual_pain(&[7, 2, 3]), Some(3));
    assert_eq!(usual_pain(&[2, 8, 3, 4]), Some(3));
}

#[test]
fn adherence_counts_this_week_and_the_streak_of_weeks_met() {
    // weeks: 10 ×3, 11 ×3, 12 ×1 (this week, not yet met), 9 ×1
    let weeks = [9, 10, 10, 10, 11, 11, 11, 12];
    assert_eq!(Adherence::compute(3, &weeks, 12), Adherence { goal: 3, this_week: 1, streak_weeks: 2 });
    assert_eq!(Adherence::compute(1, &weeks, 12), Adherence { goal: 1, this_week: 1, streak_weeks: 4 });
    assert_eq!(Adherence::compute(3, &weeks, 14), Adherence { goal: 3, this_week: 0, streak_weeks: 0 });
    assert_eq!(Adherence::compute(3, &[], 1), Adherence { goal: 3, this_week: 0, streak_weeks: 0 });
}

#[test]
fn pain_trend_flags_worsening_and_a_month_without_improvement() {
    let better = pain_trend(&[(0, 6), (3, 5), (7, 3)]);
    assert_eq!((better.change, better.meaningful, better.see_clinician), (Some(-3), true, false));
    let worse = pain_trend(&[(0, 3), (2, 4), (4, 5), (6, 6)]);
    assert!(worse.see_clinician);
    let flat_month = pain_trend(&[(0, 5), (14, 5), (30, 4)]);
    assert_eq!((flat_month.meaningful, flat_month.see_clinician), (false, true));
    // Worse and staying worse within the month, and a relapse from a better spell.
    assert!(pain_trend(&[(0, 3), (2, 6), (4, 6), (6, 6)]).see_clinician, "up 3 and staying there");
    assert!(pain_trend(&[(0, 8), (2, 2), (4, 3), (6, 5), (8, 6)]).see_clinician, "rising again: 3, 5, 6");
    // Small wobbles are not a trend.
    assert!(!pain_trend(&[(0, 3), (2, 3), (4, 4), (6, 4)]).see_clinician, "one point up");
    assert!(!pain_trend(&[(0, 4), (2, 5), (4, 3), (6, 5)]).see_clinician, "up and down");
    assert!(!pain_trend(&[(0, 2), (2, 2), (4, 2), (6, 4)]).see_clinician, "one bad day: 2, 2, 4");
    assert!(pain_trend(&[(0, 3), (2, 2), (4, 4), (6, 4)]).see_clinician, "two days up: 2, 4, 4");
    // A month with the pain all but gone is no reason to worry; one still there is.
    assert!(!pain_trend(&[(0, 1), (14, 1), (30, 1)]).see_clinician, "a month at 1");
    assert!(!pain_trend(&[(0, 0), (14, 1), (30, 0)]).see_clinician, "a month at 0");
    assert!(pain_trend(&[(0, 3), (14, 2), (30, 2)]).see_clinician, "a month at 2, from 3");
    assert_eq!(pain_trend(&[]).first_and_latest, None);
}

#[test]
fn pain_that_stopped_two_sessions_lately_advises_a_clinician_in_its_own_words() {
    let calm = [RatedDay { day: 0, before: 2, after: None }];
    let once = pain_trend_of_ends(1, Some(calm[0]), &calm, None, 1);
    assert!(!once.see_clinician && once.advice.is_none(), "{once:?}");
    let twice = pain_trend_of_ends(1, Some(calm[0]), &calm, None, 2);
    assert!(twice.see_clinician, "{twice:?}");
    let advice = twice.advice.expect("advice");
    assert!(advice.contains("Pain has stopped 2 of your sessions in the last 30 days"), "{advice}");
    // It is said before a session that goes on, so it does not tell the person not to go on.
    assert!(!advice.contains("before you go on") && advice.contains("stop at any sharp pain"), "{advice}");
    // With no rating at all, the stops still say it.
    assert!(pain_trend_of_ends(0, None, &[], None, 3).see_clinician);
}

#[test]
fn a_slow_relapse_after_a_good_start_advises_a_clinician() {
    // 8 at first, then much better, then a point worse every fortnight or so: no step is 2
    // points, and the latest is still better than the first.
    let relapse = [(0, 8), (10, 2), (24, 2), (38, 3), (52, 3), (66, 4), (80, 4), (94, 5)];
    let trend = pain_trend(&relapse);
    assert_eq!(trend.first_and_latest, Some((8, 5)));
    assert!(trend.see_clinician, "4, 4, 5: each 2 points above the best of recent months, 2: {trend:?}");
    // Two sessions earlier (3, 4, 4) it was no trend yet; nor is a low pain that stays put, a
    // point's wobble, or a best rating from long ago (more than 90 days before the last).
    assert!(!pain_trend(&relapse[..7]).see_clinician, "{:?}", pain_trend(&relapse[..7]));
    assert!(!pain_trend(&[(0, 8), (10, 2), (40, 2), (70, 2), (80, 2)]).see_clinician);
    assert!(!pain_trend(&[(0, 8), (10, 3), (40, 4), (70, 3), (80, 4)]).see_clinician);
    assert!(!pain_trend(&[(0, 8), (10, 2), (140, 4), (150, 4), (160, 4)]).see_clinician, "2 was months ago");
    assert!(pain_trend(&[(0, 8), (100, 2), (140, 4), (150, 4), (160, 4)]).see_clinician, "2 was 60 days ago");
}

#[test]
fn a_summary_reads_the_same_in_every_front_end() {
    let lib = library();
    let mut swapped = item("twist", ItemStatus::Done, Some(Comfort::Comfortable), false);
    swapped.instead_of = Some(StretchId::from("book"));
    let mut s = summary(vec![swapped], Some(4), None);
    s.active = Duration::from_secs(141);
    let lines = s.item_lines(&lib);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("done          Twist (instead of Open book) — "), "{lines:?}");
    assert_eq!(s.time_and_pain(), "Stretching time: 2:21 · pain 4 → ?");
    s.pain_after = Some(2);
    assert_eq!(s.time_and_pain(), "Stretching time: 2:21 · pain 4 → 2");
    s.pain_before = None;
    s.pain_after = None;
    assert_eq!(s.time_and_pain(), "Stretching time: 2:21");
}

#[test]
fn pain_worse_after_each_of_three_sessions_advises_a_clinician() {
    let day = |day, before, after| RatedDay { day, before, after };
    let every_time = [day(0, 3, Some(8)), day(2, 3, Some(8)), day(4, 3, Some(8))];
    let trend = pain_trend_of_ends(3, Some(every_time[0]), &every_time, None, 0);
    assert_eq!((trend.change, trend.see_clinician), (Some(0), true), "the before ratings alone look flat");
    assert!(trend.advice.is_some());
    // Twice worse after, once not, or an unrated "after": not yet a pattern.
    let twice = [day(0, 3, Some(8)), day(2, 3, Some(3)), day(4, 3, Some(8))];
    assert!(!pain_trend_of_ends(3, Some(twice[0]), &twice, None, 0).see_clinician);
    let unrated = [day(0, 3, Some(8)), day(2, 3, None), day(4, 3, Some(8))];
    assert!(!pain_trend_of_ends(3, Some(unrated[0]), &unrated, None, 0).see_clinician);
    assert!(worse_after(Some(3), 5) && worse_after(Some(5), 6) && worse_after(None, 6));
    // Above 5 after is high whatever it was before: no hold grows on it.
    assert!(worse_after(Some(7), 7) && worse_after(Some(8), 6));
    assert!(!worse_after(Some(3), 4) && !worse_after(Some(5), 5) && !worse_after(None, 5));
}

proptest::proptest! {
    /// The walk that stops early gives exactly what the computation over every session gives.
    #[test]
    fn adherence_walk_equals_the_full_computation(
        mut weeks in proptest::collection::vec(90_i64..110, 0..80),
        goal in 0_u32..5,
        current in 95_i64..112,
    ) {
        weeks.sort_unstable_by(|a, b| b.cmp(a));
        let mut walk = limber_core::AdherenceWalk::new(goal, current);
        for week in &weeks {
            if !walk.push(*week) {
                break;
            }
        }
        proptest::prop_assert_eq!(walk.finish(), limber_core::Adherence::compute(goal, &weeks, current));
    }

    /// The usual pain from counts is the median of the ratings themselves.
    #[test]
    fn usual_pain_of_counts_is_the_median(ratings in proptest::collection::vec(0_u8..=10, 0..40)) {
        let mut counts = [0_u64; 11];
        for r in &ratings {
            counts[usize::from(*r)] += 1;
        }
        proptest::prop_assert_eq!(
            limber_core::progress::usual_pain_of_counts(&counts),
            limber_core::progress::usual_pain(&ratings)
        );
    }
}

#[test]
fn holds_grow_to_about_a_minute_in_all_and_never_below_the_range() {
    use limber_core::{Dose, DoseRange};
    use std::num::NonZeroU32;
    let hold = |repetitions: u32, low, high| Dose::Hold {
        seconds: DoseRange::new(low, high).unwrap(),
        repetitions: NonZeroU32::new(repetitions).unwrap(),
        per_side: true,
    };
    assert_eq!(hold(3, 15, 30).growth_limit(), 20, "3 × 20 s");
    assert_eq!(hold(2, 15, 30).growth_limit(), 30, "2 × 30 s");
    assert_eq!(hold(1, 15, 30).growth_limit(), 30, "the top of the range");
    assert_eq!(hold(6, 15, 30).growth_limit(), 15, "never below the bottom");
    assert_eq!(Dose::Timed { seconds: DoseRange::new(30, 90).unwrap() }.growth_limit(), 90);
    // And progression stops there: ext made 3 holds of 5–30 s grows to 20 s, not 30.
    let mut lib = library();
    let ext = lib.stretches.iter_mut().find(|s| s.id.as_str() == "ext").expect("ext");
    std::sync::Arc::make_mut(ext).dose = hold(3, 5, 30);
    let limit = 20;
    let mut progress = BTreeMap::new();
    let mut long = item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false);
    long.seconds = 100;
    let comfy = summary(vec![long], None, None);
    for _ in 0..20 {
        apply_session(&mut progress, &comfy, &lib, None, ProgressRules { step_seconds: 1, sessions_per_step: 1 });
    }
    assert_eq!(progress[&StretchId::from("ext")].hold_seconds, limit);
    // A hold kept from before the limit (30 s) is planned within it; one asked for by hand is not.
    let ext = lib.stretch(&StretchId::from("ext")).expect("ext");
    let kept = limber_core::PlanOptions {
        holds: BTreeMap::from([(StretchId::from("ext"), 30)]),
        ..limber_core::PlanOptions::default()
    };
    assert_eq!(kept.seconds_for(ext), 20);
    assert_eq!(limber_core::PlanOptions { hold_override: Some(30), ..kept }.seconds_for(ext), 30);
}

#[test]
fn an_items_outcome_tells_its_dose_in_its_own_terms() {
    use limber_core::{Dose, DoseRange};
    let range = DoseRange::new(30, 60).unwrap();
    let timed = Dose::Timed { seconds: range };
    let mut rolled = item("roll", ItemStatus::Done, Some(Comfort::Comfortable), false);
    rolled.holds_planned = 1;
    rolled.holds_done = 1;
    rolled.seconds = 45;
    assert_eq!(rolled.outcome(Some(&timed)), "45 s, comfortable");
    rolled.holds_done = 0;
    rolled.max_pain = Some(7);
    assert_eq!(rolled.outcome(Some(&timed)), "part of 45 s, too painful (7/10)");
    rolled.active = Duration::ZERO;
    assert_eq!(rolled.outcome(Some(&timed)), "none of 45 s, too painful (7/10)");
    let held = item("twist", ItemStatus::Partial, None, true);
    assert_eq!(held.outcome(None), "2 of 2 holds, 5 s each, some discomfort");
}

#[test]
fn a_preview_grows_no_hold_or_streak_but_what_it_says_about_pain_stands() {
    use limber_core::progress::{as_preview, is_preview, session_changes};
    let lib = library();
    let rules = ProgressRules { step_seconds: 1, sessions_per_step: 1 };
    assert!(is_preview(1.5) && is_preview(1000.0));
    assert!(!is_preview(1.0) && !is_preview(0.5) && !is_preview(f64::NAN) && !is_preview(f64::INFINITY));
    let apply = |progress: &mut BTreeMap<StretchId, Progress>, s: &Summary| {
        for change in as_preview(session_changes(s, &lib, None)) {
            progress.entry(change.stretch.clone()).or_insert_with(|| Progress::start(change.low)).apply(&change, rules);
        }
    };
    let mut progress = BTreeMap::new();
    let comfy = summary(vec![item("twist", ItemStatus::Done, Some(Comfort::Comfortable), false)], None, None);
    apply_session(&mut progress, &comfy, &lib, None, rules);
    let real = progress[&StretchId::from("twist")].clone();
    for _ in 0..3 {
        apply(&mut progress, &comfy);
    }
    assert_eq!(progress[&StretchId::from("twist")], real, "three comfortable previews change nothing");
    // Discomfort in a preview still starts the streak again, and sharp pain still sets aside.
    let sore = summary(vec![item("twist", ItemStatus::Done, None, true)], None, Some("twist"));
    apply(&mut progress, &sore);
    let after = &progress[&StretchId::from("twist")];
    assert_eq!((after.hold_seconds, after.comfortable_streak, after.flagged), (real.hold_seconds, 0, true));
}

#[test]
fn a_session_that_left_the_pain_much_worse_ends_in_rest_not_praise_and_severe_pain_in_firmer_words() {
    let done = |before: Option<u8>, after: Option<u8>| Summary {
        pain_after: after,
        ..summary(vec![item("ext", ItemStatus::Done, Some(Comfort::Comfortable), false)], before, None)
    };
    let cases = [
        (done(Some(2), Some(3)), "Session complete. Well done."),
        (done(Some(2), None), "Session complete. Well done."),
        (done(Some(2), Some(4)), "Session complete. Rest now and go easy today."),
        (done(Some(2), Some(10)), "Session complete. Rest now and go easy today."),
        (done(None, Some(6)), "Session complete. Rest now and go easy today."),
    ];
    for (summary, headline) in cases {
        assert_eq!(summary.headline(), headline, "{:?} → {:?}", summary.pain_before, summary.pain_after);
    }
    // 10 out of 10 is not 6 out of 10: stretch no more today, and have it checked soon.
    let six = done(None, Some(6)).pain_after_advice().expect("advice at 6");
    let ten = done(Some(2), Some(10)).pain_after_advice().expect("advice at 10");
    assert!(six.contains("Rest today") && !six.contains("stretch no more today"), "{six}");
    assert!(ten.contains("up from 2") && ten.contains("stretch no more today") && ten.contains("checked"), "{ten}");
}
