//! Properties of the state machine over random event sequences and random clock jumps.

use std::time::Duration;

use limber_core::{
    At, Cue, CueKind, Intent, IntentKind, KEPT_CUES, PainPrompt, Phase, PlanOptions, Position, Session, SessionView,
    StopReason, Summary,
};
use proptest::prelude::*;

use crate::harness::{clear_record, options, plan};

fn any_event() -> impl Strategy<Value = Intent> {
    prop_oneof![
        Just(Intent::Yes),
        Just(Intent::No),
        Just(Intent::Start),
        Just(Intent::Pause),
        Just(Intent::Resume),
        Just(Intent::TogglePause),
        Just(Intent::Skip),
        Just(Intent::Swap),
        Just(Intent::Discomfort),
        Just(Intent::Comfortable),
        Just(Intent::SharpPain { during: None }),
        (0u16..8).prop_map(|n| Intent::SharpPain { during: Some(n) }),
        Just(Intent::Chest),
        (0u8..=12).prop_map(|score| Intent::Pain { score }),
        Just(Intent::Quit),
    ]
}

/// Events that leave a session running: no safety report, no quit, no rating above 5, so a
/// property about what comes next is tested on sessions still under way, not skipped.
fn calm_event() -> impl Strategy<Value = Intent> {
    prop_oneof![
        Just(Intent::No),
        Just(Intent::Start),
        Just(Intent::Pause),
        Just(Intent::Resume),
        Just(Intent::TogglePause),
        Just(Intent::Swap),
        Just(Intent::Discomfort),
        Just(Intent::Comfortable),
        (0u8..=5).prop_map(|score| Intent::Pain { score }),
    ]
}

/// A script of mostly [`calm_event`]s: now and then a skip or a rating above 5, so a session is
/// sometimes asking the person whether to stop when what follows is tried.
fn calm_script() -> impl Strategy<Value = Vec<(u64, Intent)>> {
    let event = prop_oneof![
        12 => calm_event(),
        1 => Just(Intent::Skip),
        1 => (6u8..=10).prop_map(|score| Intent::Pain { score }),
    ];
    prop::collection::vec((gap(), event), 0..30)
}

/// Gaps between events: mostly small, sometimes a jump over many deadlines.
fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..5_000, 2 => 5_000u64..120_000, 1 => Just(0u64)]
}

fn script() -> impl Strategy<Value = Vec<(u64, Intent)>> {
    prop::collection::vec((gap(), any_event()), 0..40)
}

fn any_options() -> impl Strategy<Value = PlanOptions> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(warm_up, wait_for_start, no_kneel, ask)| {
        let prompt = if ask { PainPrompt::Ask } else { PainPrompt::Skip };
        let mut o = PlanOptions { warm_up, wait_for_start, pain_before: prompt, pain_after: prompt, ..options() };
        if no_kneel {
            o.avoid.insert(Position::Kneeling);
        }
        o
    })
}

/// Plays `script` (gaps in ms) with the clock jumping straight to each event's time.
fn play(options: &PlanOptions, screened: bool, script: &[(u64, Intent)]) -> (Session, Vec<Cue>, At) {
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
            session
                .handle(Intent::No, now)
                .or_else(|_| session.handle(Intent::Resume, now))
                .expect("resume while paused");
        } else if let Some(due) = session.next_deadline() {
            now = now.max(due);
            session.advance(now);
        } else {
            let event = match session.phase() {
                Phase::Screening { .. } => Intent::No,
                // Asked whether to stop for today (a high rating before the routine): carry on.
                Phase::PainBefore if session.allowed().contains(&IntentKind::Yes) => Intent::No,
                Phase::ConfirmAssessed => Intent::Yes,
                Phase::Prepare { .. } | Phase::PainBefore | Phase::PainAfter => Intent::Start,
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
    fn nothing_is_active_after_sharp_pain(opts in any_options(), screened: bool, script in calm_script(), after in script()) {
        let (mut session, _, now) = play(&opts, screened, &script);
        prop_assume!(!session.phase().is_over());
        session.handle(Intent::SharpPain { during: None }, now).expect("sharp pain is always heard");
        let stop_cues = session.drain_cues();
        prop_assert!(stop_cues.iter().any(|c| c.kind == CueKind::Stopped { reason: StopReason::SharpPain }), "{}", "property failed");
        let mut t = now.as_millis();
        for (gap, event) in after {
            t += gap;
            let _ = session.handle(event, At::millis(t));
            session.advance(At::millis(t + 600_000));
            // At most the pain rating after the session is asked; no stretch, no clock.
            prop_assert!(matches!(session.phase(), Phase::PainAfter | Phase::Stopped { .. }), "{:?}", session.phase());
            prop_assert_eq!(session.next_deadline(), None);
            // (Sharp pain pressed again repeats the advice and, at the rating, its question.)
            prop_assert!(session.drain_cues().iter().all(|c| matches!(c.kind, CueKind::Noted | CueKind::Stopped { .. } | CueKind::AskPain)), "{}", "property failed");
        }
        if let Some(summary) = session.summary() {
            prop_assert!(matches!(summary.stopped, Some(StopReason::SharpPain | StopReason::Emergency)));
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
        let opts = PlanOptions { wait_for_start: false, pain_before: PainPrompt::Skip, ..opts };
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
    fn a_session_that_is_over_stays_at_the_moment_it_ended(opts in any_options(), screened: bool, script in script(), later in 1u64..10_000_000) {
        let (mut session, _, now) = play(&opts, screened, &script);
        finish(&mut session, now);
        let ended = session.view();
        prop_assert_eq!(ended.at, session.summary().expect("over").ended, "the view is at the end");
        let after = At::millis(ended.at.as_millis() + later);
        // A view asked for later (a page polling a finished session) and time going on both
        // leave it where it ended: its clock, its phase, its cues.
        prop_assert_eq!(&session.view_at(after), &ended);
        session.advance(after);
        prop_assert_eq!(&session.view(), &ended);
        prop_assert!(session.handle(Intent::Resume, after).is_err());
        prop_assert_eq!(session.view(), ended);
    }

    #[test]
    fn stretches_with_words_between_holds_replay_the_same(
        opts in any_options(),
        routine in prop::sample::select(vec!["opener", "reach"]),
        script in prop::collection::vec((0u64..6_000, any_event()), 0..30),
    ) {
        // Their rests are as long as the words need: a replay takes them as the run did.
        let record = clear_record();
        let mut live = Session::new(plan(routine, &opts), Some(&record), At::ZERO);
        let mut t = 0;
        for (step, event) in script {
            t += step;
            let _ = live.handle(event, At::millis(t));
        }
        let mut replayed = Session::replay(plan(routine, &opts), Some(&record), live.log()).expect("replays");
        let end = At::millis(live.now().as_millis().max(t) + 1);
        live.advance(end);
        replayed.advance(end);
        prop_assert_eq!(replayed.view(), live.view());
        prop_assert_eq!(replayed.log(), live.log());
    }

    #[test]
    fn with_phases_of_no_length_and_a_clock_that_steps_back_a_replay_agrees(
        opts in any_options(),
        screened: bool,
        script in prop::collection::vec((-5_000i64..20_000, any_event()), 0..40),
    ) {
        // A phase of no length is due the moment it begins; an intent stamped earlier than the
        // session's clock (a clock stepped back) is taken at the session's time, after it.
        let opts = PlanOptions {
            timing: limber_core::Timing { intro: 0, get_ready: 0, rest: 0, check_in: 0, ..opts.timing },
            ..opts
        };
        let record = clear_record();
        let mut live = Session::new(plan("all", &opts), screened.then_some(&record), At::ZERO);
        let mut t: i64 = 0;
        for (step, event) in script {
            t = (t + step).max(0);
            let _ = live.handle(event, At::millis(t.unsigned_abs()));
        }
        let mut replayed = Session::replay(plan("all", &opts), screened.then_some(&record), live.log()).expect("replays");
        // (An intent refused moves the clock on but is not in the log: both go on to one moment.)
        let end = At::millis(live.now().as_millis().max(t.unsigned_abs()) + 1);
        live.advance(end);
        replayed.advance(end);
        prop_assert_eq!(replayed.view(), live.view());
        prop_assert_eq!(replayed.log(), live.log());
    }

    #[test]
    fn quitting_ends_any_session_and_a_replay_ends_the_same(opts in any_options(), screened: bool, script in script(), tail in 0u64..300_000) {
        let (mut live, _, now) = play(&opts, screened, &script);
        let later = At::millis(now.as_millis() + tail);
        prop_assert!(live.quit_to_end(later), "still {:?}", live.phase());
        let record = clear_record();
        let mut replayed = Session::replay(plan("all", &opts), screened.then_some(&record), live.log()).expect("replays");
        replayed.advance(later);
        prop_assert_eq!(replayed.summary(), live.summary());
    }

    #[test]
    fn replay_rebuilds_the_live_session(opts in any_options(), screened: bool, script in script(), tail in 0u64..300_000) {
        let (mut live, mut said, now) = play(&opts, screened, &script);
        let later = At::millis(now.as_millis() + tail);
        live.advance(later);
        said.extend(live.drain_cues());
        let record = clear_record();
        let mut replayed = Session::replay(plan("all", &opts), screened.then_some(&record), live.log()).expect("replays");
        replayed.advance(later);
        // Every cue the live session said, in order, is what the replay says.
        prop_assert_eq!(replayed.drain_cues(), said);
        prop_assert!(replayed.cues_since(0).eq(live.cues_since(0)), "the same latest cues kept");
        prop_assert_eq!(replayed.view(), live.view());
        prop_assert_eq!(replayed.summary(), live.summary());
        prop_assert_eq!(replayed.log(), live.log());
    }

    #[test]
    fn rewinding_takes_back_exactly_the_intents_after_the_point(opts in any_options(), screened: bool, script in script(), keep in 0usize..40) {
        let (live, _, _) = play(&opts, screened, &script);
        let record = clear_record();
        let all = live.log().intents.len();
        let mut prefix = live.log().clone();
        prefix.intents.truncate(keep);
        let rewound = live.rewound(keep).expect("rewinds");
        let replayed = Session::replay(plan("all", &opts), screened.then_some(&record), &prefix).expect("replays");
        prop_assert_eq!(rewound.log(), &prefix);
        prop_assert_eq!(&rewound, &replayed);
        // Rewound to its whole log, it is the session itself (up to its last intent).
        let whole = Session::replay(plan("all", &opts), screened.then_some(&record), live.log()).expect("replays");
        prop_assert_eq!(live.rewound(all).expect("rewinds"), whole);
    }

    #[test]
    fn a_view_at_any_moment_matches_advancing(opts in any_options(), screened: bool, script in script(), ahead in 0u64..200_000) {
        let (session, _, now) = play(&opts, screened, &script);
        let at = At::millis(now.as_millis() + ahead);
        let mut advanced = session.clone();
        advanced.advance(at);
        prop_assert_eq!(session.view_at(at), advanced.view());
    }

    #[test]
    fn cue_numbers_have_no_gaps_and_watchers_resume_without_repeats(opts in any_options(), screened: bool, script in script(), seen in 0u64..200) {
        let (session, cues, _) = play(&opts, screened, &script);
        for (n, cue) in cues.iter().enumerate() {
            prop_assert_eq!(cue.seq, n as u64 + 1);
        }
        // Once drained, the latest KEPT_CUES are kept for watchers: the last the driver took.
        let kept: Vec<&Cue> = session.cues_since(0).collect();
        let latest: Vec<&Cue> = cues.iter().skip(cues.len().saturating_sub(KEPT_CUES)).collect();
        prop_assert_eq!(&kept, &latest);
        // A watcher resumes after the last it saw: no repeat, and no gap unless it fell further
        // behind than the cues kept.
        let rest: Vec<&Cue> = session.cues_since(seen).collect();
        let due: Vec<&Cue> = latest.iter().copied().filter(|c| c.seq > seen).collect();
        prop_assert_eq!(&rest, &due);
        if seen as usize + KEPT_CUES >= cues.len() {
            prop_assert_eq!(rest.len() as u64, (cues.len() as u64).saturating_sub(seen));
        }
    }

    #[test]
    fn everything_round_trips_through_json(opts in any_options(), screened: bool, script in script()) {
        let (session, cues, _) = play(&opts, screened, &script);
        let back: Session = serde_json::from_str(&serde_json::to_string(&session).expect("to json")).expect("from json");
        prop_assert_eq!(&back, &session);
        let view: SessionView = serde_json::from_str(&serde_json::to_string(&session.view()).expect("view")).expect("view back");
        prop_assert_eq!(view, session.view());
        let cues_back: Vec<Cue> = serde_json::from_str(&serde_json::to_string(&cues).expect("cues")).expect("cues back");
        prop_assert_eq!(&cues_back, &cues);
        // Every cue says what its kind says about keeping pace.
        prop_assert!(cues.iter().all(|c| c.keeps_pace == c.kind.keeps_pace()));
        let summary: Option<Summary> = serde_json::from_str(&serde_json::to_string(&session.summary()).expect("summary")).expect("summary back");
        prop_assert_eq!(summary, session.summary());
    }

    #[test]
    fn safety_reports_are_heard_in_every_phase(opts in any_options(), screened: bool, script in calm_script(), chest: bool) {
        let (mut session, _, now) = play(&opts, screened, &script);
        prop_assume!(!session.phase().is_over());
        let report = if chest { Intent::Chest } else { Intent::SharpPain { during: None } };
        prop_assert!(session.allowed().contains(&report.kind()));
        session.handle(report, now).expect("a safety report is never refused");
        let reason = if chest { StopReason::Emergency } else { StopReason::SharpPain };
        let said = session.drain_cues().into_iter().find(|c| c.kind == CueKind::Stopped { reason });
        prop_assert!(said.is_some(), "{}", "property failed");
        // The view keeps the advice on screen, above the pain rating that may follow, to the end.
        let notice = Some(limber_core::StopNotice { reason, advice: said.map(|c| c.text).unwrap_or_default() });
        prop_assert_eq!(&session.view().stopped, &notice);
        let _ = session.handle(Intent::Pain { score: 2 }, now);
        prop_assert_eq!(&session.view().stopped, &notice);
    }

    #[test]
    fn the_view_has_a_stop_notice_exactly_when_a_stop_was_said(opts in any_options(), screened: bool, script in script()) {
        let (session, cues, _) = play(&opts, screened, &script);
        // A notice exactly when a stop was said: none while the session runs or when it ran to its end.
        let said = cues.iter().rev().find_map(|c| match c.kind {
            CueKind::Stopped { reason } => Some(reason),
            _ => None,
        });
        prop_assert_eq!(session.view().stopped.map(|n| n.reason), said);
    }

    #[test]
    fn a_second_rating_above_5_stops_the_session(opts in any_options(), script in calm_script(), first in 6u8..=10, second in 6u8..=10, gap in 0u64..60_000) {
        let (mut session, cues, now) = play(&opts, true, &script);
        let exercising = |s: &Session| !s.phase().is_over() && !matches!(s.phase(), Phase::PainBefore | Phase::PainAfter | Phase::Screening { .. } | Phase::ConfirmAssessed);
        prop_assume!(exercising(&session) && !cues.iter().any(|c| matches!(c.kind, CueKind::TooMuch | CueKind::AskStop)));
        session.handle(Intent::Pain { score: first }, now).expect("a rating is heard");
        let t = At::millis(now.as_millis() + gap);
        session.advance(t);
        prop_assume!(exercising(&session));
        session.handle(Intent::Pain { score: second }, t).expect("a second rating is heard");
        prop_assert!(session.drain_cues().iter().any(|c| c.kind == CueKind::Stopped { reason: StopReason::Pain }), "{}", "property failed");
        prop_assert!(matches!(session.phase(), Phase::PainAfter | Phase::Stopped { reason: StopReason::Pain }), "{}", "property failed");
    }

    #[test]
    fn events_during_a_pause_never_change_hold_time(opts in any_options(), lead in 0u64..200_000, during in prop::collection::vec((1u64..20_000, any_event()), 0..12)) {
        let opts = PlanOptions { pain_before: PainPrompt::Skip, ..opts };
        let record = clear_record();
        let mut session = Session::new(plan("all", &opts), Some(&record), At::ZERO);
        session.advance(At::millis(lead));
        if session.handle(Intent::Pause, At::millis(lead)).is_err() {
            return Ok(());
        }
        let mut t = lead;
        for (gap, intent) in during {
            if matches!(intent, Intent::Resume | Intent::TogglePause | Intent::No | Intent::Quit | Intent::Yes | Intent::SharpPain { .. } | Intent::Chest) {
                continue;
            }
            let before = session.view_at(At::millis(t));
            t += gap;
            let _ = session.handle(intent, At::millis(t));
            let after = session.view_at(At::millis(t));
            if !session.is_paused() {
                break;
            }
            // Paused, the clock stands still: the time left only changes with a new phase,
            // which then starts whole.
            if after.phase == before.phase && after.stretch == before.stretch {
                prop_assert_eq!(after.remaining_ms, before.remaining_ms);
            } else {
                prop_assert_eq!(after.remaining_ms, after.phase_ms);
            }
        }
        if session.is_paused() && session.view().question.is_none() {
            let frozen = session.view_at(At::millis(t));
            session.handle(Intent::Resume, At::millis(t + 5_000)).expect("resume");
            prop_assert_eq!(session.view().remaining_ms, frozen.remaining_ms);
        }
    }

    #[test]
    fn pauses_never_add_or_remove_hold_time(opts in any_options(), pauses in prop::collection::vec((0u64..400_000, 1u64..100_000), 0..8)) {
        let opts = PlanOptions { wait_for_start: false, pain_before: PainPrompt::Skip, pain_after: PainPrompt::Skip, ..opts };
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
            if paused.handle(Intent::Pause, at).is_ok() {
                paused.handle(Intent::Resume, At::millis(at.as_millis() + length)).expect("resume");
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
    for routine in ["all", "short", "floor", "opener", "reach"] {
        let record = clear_record();
        let mut session = Session::new(plan(routine, &options()), Some(&record), At::ZERO);
        let total = session.plan().total_time();
        finish(&mut session, At::ZERO);
        assert_eq!(session.phase(), Phase::Finished);
        assert_eq!(session.summary().expect("finished").ended.0, total, "{routine}");
    }
}
