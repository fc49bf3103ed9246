//! Properties of the state machine over random event sequences and random clock jumps.

use std::time::Duration;

use limber_core::{
    At, Comfort, Cue, CueKind, Event, PainMoment, Phase, PlanOptions, Position, Report, Session, StopReason,
};
use proptest::prelude::*;

use crate::harness::{clear_record, options, plan};

fn any_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        any::<bool>().prop_map(Event::Answer),
        any::<bool>().prop_map(Event::ConfirmAssessed),
        Just(Event::Start),
        Just(Event::Pause),
        Just(Event::Resume),
        Just(Event::Skip),
        Just(Event::Substitute),
        Just(Event::Report(Report::Discomfort)),
        Just(Event::Report(Report::SharpPain)),
        Just(Event::Report(Report::ChestPainOrBreathless)),
        (0u8..=12).prop_map(|n| Event::Report(Report::Pain(n))),
        Just(Event::CheckIn(Comfort::Comfortable)),
        Just(Event::CheckIn(Comfort::Discomfort)),
        (0u8..=12).prop_map(|n| Event::RatePain(PainMoment::Before, n)),
        Just(Event::Abort),
    ]
}

/// Gaps between events: mostly small, sometimes a jump over many deadlines.
fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..5_000, 2 => 5_000u64..120_000, 1 => Just(0u64)]
}

fn script() -> impl Strategy<Value = Vec<(u64, Event)>> {
    prop::collection::vec((gap(), any_event()), 0..40)
}

fn any_options() -> impl Strategy<Value = PlanOptions> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(warm_up, wait_for_start, no_kneel)| {
        let mut o = PlanOptions { warm_up, wait_for_start, ..options() };
        if no_kneel {
            o.avoid.insert(Position::Kneeling);
        }
        o
    })
}

/// Plays `script` (gaps in ms) with the clock jumping straight to each event's time.
fn play(options: &PlanOptions, screened: bool, script: &[(u64, Event)]) -> (Session, Vec<Cue>, At) {
    let record = clear_record();
    let mut session = Session::new(plan("all", options), screened.then_some(&record), At::ZERO);
    let mut cues = session.drain_cues();
    let mut now = 0;
    for (gap, event) in script {
        now += gap;
        let _ = session.handle(*event, At::millis(now));
        cues.extend(session.drain_cues());
    }
    (session, cues, At::millis(now))
}

/// Carries a session on to its end the way a patient person would: answering "no", resuming,
/// starting when asked, and otherwise waiting for deadlines.
fn finish(session: &mut Session, mut now: At) -> Vec<Cue> {
    let mut cues = Vec::new();
    for _ in 0..10_000 {
        if session.phase().is_over() {
            return cues;
        }
        if session.is_paused() {
            session.handle(Event::Resume, now).expect("resume while paused");
        } else if let Some(due) = session.next_deadline() {
            now = now.max(due);
            session.advance(now);
        } else {
            let event = match session.phase() {
                Phase::Screening { .. } => Event::Answer(false),
                Phase::ConfirmAssessed => Event::ConfirmAssessed(true),
                Phase::Prepare { .. } => Event::Start,
                other => panic!("stuck with no deadline in {other:?}"),
            };
            session.handle(event, now).expect("the waiting phase accepts its answer");
        }
        cues.extend(session.drain_cues());
    }
    panic!("session did not end after 10 000 steps: {:?}", session.phase());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_session_ends_finished_or_stopped(opts in any_options(), screened: bool, script in script()) {
        let (mut session, _, now) = play(&opts, screened, &script);
        finish(&mut session, now);
        prop_assert!(session.phase().is_over());
        let summary = session.summary().expect("a summary once over");
        prop_assert_eq!(summary.stopped.is_none(), session.phase() == Phase::Finished);
    }

    #[test]
    fn nothing_is_active_after_sharp_pain(opts in any_options(), screened: bool, script in script(), after in script()) {
        let (mut session, _, now) = play(&opts, screened, &script);
        if session.phase().is_over() {
            return Ok(());
        }
        session.handle(Event::Report(Report::SharpPain), now).expect("sharp pain is always heard");
        prop_assert_eq!(session.phase(), Phase::Stopped(StopReason::SharpPain));
        let stop_cues = session.drain_cues();
        prop_assert!(matches!(stop_cues.last().map(|c| &c.kind), Some(CueKind::Stopped(StopReason::SharpPain))));
        let mut t = now.as_millis();
        for (gap, event) in after {
            t += gap;
            let accepted = session.handle(event, At::millis(t)).is_ok();
            prop_assert!(!accepted || matches!(event, Event::RatePain(..)), "{:?} accepted after sharp pain", event);
            session.advance(At::millis(t + 600_000));
            prop_assert_eq!(session.phase(), Phase::Stopped(StopReason::SharpPain));
            prop_assert!(session.drain_cues().is_empty());
            prop_assert_eq!(session.next_deadline(), None);
        }
    }

    #[test]
    fn the_same_events_at_the_same_times_give_the_same_cues(opts in any_options(), screened: bool, script in script()) {
        let (a, cues_a, _) = play(&opts, screened, &script);
        let (b, cues_b, _) = play(&opts, screened, &script);
        prop_assert_eq!(cues_a, cues_b);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_clock_jump_gives_the_same_cues_as_ticking(opts in any_options(), jump in 0u64..600_000) {
        let opts = PlanOptions { wait_for_start: false, ..opts };
        let record = clear_record();
        let mut ticked = Session::new(plan("all", &opts), Some(&record), At::ZERO);
        let mut jumped = ticked.clone();
        let mut t = 0;
        while t <= jump {
            ticked.advance(At::millis(t));
            t += 100;
        }
        ticked.advance(At::millis(jump));
        jumped.advance(At::millis(jump));
        prop_assert_eq!(ticked.drain_cues(), jumped.drain_cues());
        prop_assert_eq!(ticked, jumped);
    }

    #[test]
    fn pauses_never_add_or_remove_hold_time(opts in any_options(), pauses in prop::collection::vec((0u64..400_000, 1u64..100_000), 0..8)) {
        let opts = PlanOptions { wait_for_start: false, ..opts };
        let record = clear_record();
        let base = Session::new(plan("all", &opts), Some(&record), At::ZERO);
        let total = base.plan().total_time();

        let mut plain = base.clone();
        let plain_cues = finish(&mut plain, At::ZERO);

        let mut paused = base;
        let mut cues = paused.drain_cues();
        let mut pauses = pauses;
        pauses.sort();
        let mut paused_for = Duration::ZERO;
        let mut shift = 0u64;
        for (at, length) in pauses {
            let at = At::millis(at + shift);
            if paused.handle(Event::Pause, at).is_ok() {
                paused.handle(Event::Resume, At::millis(at.as_millis() + length)).expect("resume");
                paused_for += Duration::from_millis(length);
                shift += length;
            }
            cues.extend(paused.drain_cues());
        }
        cues.extend(finish(&mut paused, At::millis(shift)));

        let a = plain.summary().expect("finished");
        let b = paused.summary().expect("finished");
        prop_assert_eq!(a.ended.0, total);
        prop_assert_eq!(b.ended.0, total + paused_for);
        prop_assert_eq!(&a.items, &b.items);
        let texts = |cues: &[Cue]| -> Vec<String> {
            cues.iter().filter(|c| !matches!(c.kind, CueKind::Paused | CueKind::Resumed)).map(|c| c.text.clone()).collect()
        };
        prop_assert_eq!(texts(&plain_cues), texts(&cues));
    }
}

#[test]
fn a_run_with_no_events_lasts_exactly_the_plan_total() {
    for routine in ["all", "short", "floor"] {
        let record = clear_record();
        let mut session = Session::new(plan(routine, &options()), Some(&record), At::ZERO);
        let total = session.plan().total_time();
        finish(&mut session, At::ZERO);
        assert_eq!(session.phase(), Phase::Finished);
        assert_eq!(session.summary().expect("finished").ended.0, total, "{routine}");
    }
}
