//! The use cases over a real SQLite store: starting, finishing, screening and the trend.

use limber_core::{PainPrompt, PainTrend, ScreeningRecord, Session, StopReason, Summary};
use limber_store::{ScreeningEntry, UserId};

use super::*;

/// A desk break planned as `limber run desk` plans it, run hands-free to its end (every
/// stretch done, nothing felt), with `before`.
async fn hands_free(app: &App, user: UserId, before: Option<u8>) -> Session {
    let request = StartRequest {
        routine: "desk".into(),
        no_warm_up: true,
        pain_before: before.map_or(PainPrompt::Skip, |score| PainPrompt::Given { score }),
        ..StartRequest::default()
    };
    // Started when the latest answers were given, so that they stand.
    let answered = app.store().latest_screening(user).await.expect("read").map_or(0, |e| e.taken_at_ms);
    let mut session = app.start(user, &request, answered).await.expect("started").session;
    session.advance(limber_core::At::secs(24 * 60 * 60));
    assert!(session.phase().is_over(), "{:?}", session.phase());
    session
}

/// The built-in content over a fresh SQLite store, with the local user's screening answered
/// clear (the directory lives as long as the returned guard).
async fn screened_app() -> (tempfile::TempDir, App, UserId) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = limber_store::SqliteStore::open(dir.path()).await.expect("store");
    let app = App::new(limber_content::builtin().expect("content"), Arc::new(store));
    let user = app.local_user().await.expect("user");
    screen(&app, user, 0).await;
    (dir, app, user)
}

/// Stores the screening answered clear at `at` (answers stand for a month).
async fn screen(app: &App, user: UserId, at: i64) {
    let clear = ScreeningRecord {
        answers: app.library().screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
        clinician_assessed: false,
    };
    app.store().save_screening(user, &ScreeningEntry { taken_at_ms: at, record: clear }).await.expect("saved");
}

#[tokio::test]
async fn sessions_per_week_counts_each_local_week_this_week_first() {
    let (_dir, app, user) = screened_app().await;
    const WEEK: i64 = 7 * 24 * 60 * 60 * 1000;
    let now = when::now_ms();
    // This week, two the week before, one five weeks back, and a preview (which counts for
    // no goal) this week.
    for at in [now, now - WEEK, now - WEEK - 60_000, now - 5 * WEEK] {
        app.finish(user, &hands_free(&app, user, None).await, at, 1.0).await.expect("recorded");
    }
    app.finish(user, &hands_free(&app, user, None).await, now, 10.0).await.expect("recorded");
    // One dated an hour and a half ahead (a clock set wrong where it was recorded) has not
    // happened yet: in no week, as in the week's goal.
    app.finish(user, &hands_free(&app, user, None).await, now + 90 * 60_000, 1.0).await.expect("recorded");
    let tz = jiff::tz::TimeZone::UTC;
    assert_eq!(app.adherence(user, 3, &tz).await.expect("adherence").this_week, 1);
    let weeks = app.sessions_per_week(user, 4, &tz).await.expect("counted");
    // (The week before may hold 1 or 2: "a week ago" is last week in local weeks, and so is
    // a minute before it, unless the week turned over in that minute.)
    assert_eq!((weeks[0], weeks[1] + weeks[2], weeks[3]), (1, 2, 0), "{weeks:?}");
    assert_eq!(weeks.len(), 4);
}

#[tokio::test]
async fn no_hold_grows_for_a_day_after_a_session_begun_with_pain_above_the_usual() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    let t0 = 1_800_000_000_000;
    let finish = async |before: Option<u8>, at: i64| {
        let session = hands_free(&app, user, before).await;
        app.finish(user, &session, at, 1.0).await.expect("recorded").grown
    };
    // Usually 2 before: two comfortable sessions grow the holds once.
    assert!(finish(Some(2), t0 - 10 * 24 * HOUR).await.is_empty());
    assert!(!finish(Some(2), t0 - 9 * 24 * HOUR).await.is_empty(), "the second grows them");
    // A 4 before today: nothing grows that day, not even in sessions after it that skip the
    // rating (two of them would grow the holds otherwise).
    assert!(finish(Some(4), t0).await.is_empty());
    // However many sessions come between (previews at 2, say).
    for minute in 1..=20 {
        let session = hands_free(&app, user, Some(2)).await;
        app.finish(user, &session, t0 + minute * 60 * 1000, 10.0).await.expect("recorded");
    }
    for hour in [1, 2] {
        assert_eq!(finish(None, t0 + hour * HOUR).await, [], "{hour} h after");
    }
    // A day on, two comfortable sessions (on two days) grow them again.
    assert!(finish(None, t0 + 25 * HOUR).await.is_empty());
    assert!(!finish(None, t0 + 49 * HOUR).await.is_empty(), "a day later they grow");
}

/// A desk break started at `at`, with no ratings, that `report` (a safety report) stops
/// 90 s in, recorded.
async fn stopped_by(app: &App, user: UserId, at: i64, report: limber_core::Intent) -> Finished {
    let request = StartRequest {
        routine: "desk".into(),
        no_warm_up: true,
        pain_before: PainPrompt::Skip,
        pain_after: PainPrompt::Skip,
        ..StartRequest::default()
    };
    // Answered clear a minute before, so that it goes past the questions.
    screen(app, user, at - 60_000).await;
    let mut session = app.start(user, &request, at).await.expect("started").session;
    session.advance(limber_core::At::secs(90));
    session.handle(report, limber_core::At::secs(90)).expect("heard");
    session.advance(limber_core::At::secs(24 * 60 * 60));
    assert!(session.phase().is_over(), "{:?}", session.phase());
    app.finish(user, &session, at, 1.0).await.expect("recorded")
}

/// A desk break started at `at` that ends at chest pain 90 s in.
async fn chest_pain(app: &App, user: UserId, at: i64) -> Finished {
    stopped_by(app, user, at, limber_core::Intent::Chest).await
}

#[tokio::test]
async fn after_an_emergency_sign_no_session_starts_that_day_and_the_next_asks_every_question() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    let tz = when::zone();
    let noon = when::start_of(when::parse_date("2026-03-10").expect("date"), &tz) + 12 * HOUR;
    let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
    screen(&app, user, noon - HOUR).await;
    assert!(app.start(user, &desk, noon).await.expect("started").screening.is_some(), "cleared at first");
    let stopped = chest_pain(&app, user, noon).await;
    assert_eq!(stopped.summary.stopped, Some(StopReason::Emergency));
    // Two hours on, late that evening, with the questions asked again or not, and the next
    // morning (a day is 24 hours, not the rest of a date a time zone may cut short): refused.
    for (later, rescreen) in [(2 * HOUR, false), (11 * HOUR, true), (23 * HOUR, false)] {
        let request = StartRequest { rescreen, ..desk.clone() };
        match app.start(user, &request, noon + later).await {
            Err(e @ Error::EmergencyToday { .. }) => assert!(e.is_safety() && e.to_string().contains("12:0")),
            other => panic!("{later} ms on: {:?}", other.map(|s| s.session.phase())),
        }
    }
    // A day after it, it starts, at the first safety question: the answers before no longer count.
    let next_day = app.start(user, &desk, noon + 25 * HOUR).await.expect("starts a day after");
    assert!(next_day.screening.is_none());
    assert!(matches!(next_day.session.phase(), limber_core::Phase::Screening { question: 0 }));
}

#[tokio::test]
async fn answers_given_before_a_question_was_added_are_asked_again_with_the_reason_said() {
    let (_dir, app, user) = screened_app().await;
    let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
    let now = when::now_ms();
    // Answers to the questions of an older limber: one it no longer asks, one it now asks
    // missing (the old "age-history" question was split in two).
    let mut answers: Vec<(String, bool)> =
        app.library().screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect();
    answers.retain(|(id, _)| id != "bone-immune-history");
    answers.push(("age-history".to_owned(), false));
    let older = ScreeningRecord { answers, clinician_assessed: false };
    let entry = ScreeningEntry { taken_at_ms: now - 60_000, record: older };
    app.store().save_screening(user, &entry).await.expect("saved");
    let started = app.start(user, &desk, now).await.expect("started");
    assert_eq!((started.screening.is_some(), started.screening_changed_ms), (false, Some(now - 60_000)));
    assert!(matches!(started.session.phase(), limber_core::Phase::Screening { question: 0 }));
    let notes = started.notes(app.library());
    assert!(notes.iter().any(|n| n.contains("The safety questions have changed since you answered them")), "{notes:?}");
    // Answered in full again, they stand, and nothing more is said.
    screen(&app, user, now).await;
    let started = app.start(user, &desk, now + 1).await.expect("started");
    assert_eq!((started.screening.is_some(), started.screening_changed_ms), (true, None));
    assert!(started.notes(app.library()).iter().all(|n| !n.contains("safety questions")));
}

#[tokio::test]
async fn answers_stand_for_a_month_and_then_are_asked_again_with_the_reason_said() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
    let answered = when::now_ms() - 40 * DAY;
    screen(&app, user, answered).await;
    let lapse = |started: &Started| (started.screening.is_some(), started.screening_lapsed_ms);
    // Up to 30 days after the answers, they stand and nothing is said of them.
    let within = app.start(user, &desk, answered + 30 * DAY).await.expect("started");
    assert_eq!(lapse(&within), (true, None));
    assert!(!matches!(within.session.phase(), limber_core::Phase::Screening { .. }));
    assert!(within.notes(app.library()).iter().all(|n| !n.contains("safety questions")));
    // After that, every question again, and the notes say why.
    let after = app.start(user, &desk, answered + 31 * DAY).await.expect("started");
    assert_eq!(lapse(&after), (false, Some(answered)));
    assert!(matches!(after.session.phase(), limber_core::Phase::Screening { question: 0 }));
    let notes = after.notes(app.library());
    assert!(notes.iter().any(|n| n.contains("asked again after 30 days")), "{notes:?}");
    // Answered again, they stand for another month, to the millisecond.
    screen(&app, user, answered + 31 * DAY).await;
    assert_eq!(lapse(&app.start(user, &desk, answered + 32 * DAY).await.expect("started")), (true, None));
    assert_eq!(lapse(&app.start(user, &desk, answered + 61 * DAY).await.expect("started")), (true, None));
    let just_after = answered + 61 * DAY + 1;
    assert_eq!(lapse(&app.start(user, &desk, just_after).await.expect("started")), (false, Some(answered + 31 * DAY)));
    // Answers dated more than an hour ahead (a clock set wrong) do not stand until then.
    let ahead = answered + 40 * DAY;
    screen(&app, user, ahead).await;
    let started = app.start(user, &desk, ahead - 2 * 60 * 60 * 1000).await.expect("started");
    assert_eq!(lapse(&started), (false, Some(ahead)));
}

#[tokio::test]
async fn an_emergency_stop_from_another_device_sets_the_answers_given_before_it_aside() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let then = when::now_ms() - 3 * DAY;
    // Answered clear the day before the emergency: they would stand but for it.
    screen(&app, user, then - DAY).await;
    // Stored as an import stores it: the session alone, with no screening record of its own.
    let mut session = hands_free(&app, user, None).await;
    let mut stopped = record(&session.summary().expect("over"), then, 1.0);
    stopped.stopped = Some(StopReason::Emergency);
    app.store().import(user, std::slice::from_ref(&stopped)).await.expect("imported");
    session = app
        .start(user, &StartRequest { routine: "desk".into(), ..StartRequest::default() }, then + 2 * DAY)
        .await
        .expect("started two days after")
        .session;
    assert!(matches!(session.phase(), limber_core::Phase::Screening { question: 0 }), "{:?}", session.phase());
}

#[tokio::test]
async fn an_emergency_dated_ahead_by_a_wrong_clock_refuses_nothing_and_hides_no_real_one() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = when::now_ms();
    let desk_break = hands_free(&app, user, None).await.summary().expect("over");
    let emergency_at =
        |at: i64| record(&Summary { stopped: Some(StopReason::Emergency), ..desk_break.clone() }, at, 1.0);
    // From a device whose clock ran 300 days ahead: nothing is refused today.
    app.store().import(user, &[emergency_at(now + 300 * DAY)]).await.expect("imported");
    let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
    assert!(app.start(user, &desk, now).await.is_ok(), "not refused for 300 days");
    // A real one an hour ago still is, though the one ahead is later.
    app.store().import(user, &[emergency_at(now - 60 * 60 * 1000)]).await.expect("imported");
    assert!(matches!(app.start(user, &desk, now).await, Err(Error::EmergencyToday { .. })));
    assert!(app.emergency_refusal(user, now).await.expect("read").is_some());
}

#[tokio::test]
async fn one_session_a_day_counts_toward_a_longer_hold() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    let morning = when::start_of(when::parse_date("2026-03-10").expect("date"), &when::zone()) + 8 * HOUR;
    let finish = async |at: i64| {
        let session = hands_free(&app, user, None).await;
        app.finish(user, &session, at, 1.0).await.expect("recorded").grown
    };
    // Six comfortable sessions in one day grow nothing past the first's step toward it...
    for hour in 0..6 {
        assert_eq!(finish(morning + hour * HOUR).await, [], "{hour} h on, the same day");
    }
    // ...and the next day's completes it: one session a day counts.
    assert!(!finish(morning + 24 * HOUR).await.is_empty(), "the next day");
}

#[tokio::test]
async fn no_hold_grows_for_a_day_after_a_stop_for_sharp_pain() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    // 01:00 local time.
    let t0 = when::start_of(when::parse_date("2026-03-10").expect("date"), &when::zone()) + HOUR;
    let finish = async |at: i64| {
        let session = hands_free(&app, user, None).await;
        app.finish(user, &session, at, 1.0).await.expect("recorded").grown
    };
    // One comfortable session: the next would grow the holds.
    assert!(finish(t0 - 10 * 24 * HOUR).await.is_empty());
    // Sharp pain in the middle of a session two hours before.
    let recorded = stopped_by(&app, user, t0 - 2 * HOUR, limber_core::Intent::SharpPain { during: None }).await;
    assert_eq!(recorded.summary.stopped, Some(StopReason::SharpPain));
    // The comfortable session after it grows nothing (the rest of the desk break would
    // have grown); a day after the stop (the next day) they grow.
    assert_eq!(finish(t0).await, [], "two hours after sharp pain");
    assert!(!finish(t0 + 23 * HOUR).await.is_empty(), "25 hours after");
}

#[tokio::test]
async fn a_session_dated_ahead_hides_no_worsening_from_the_trend() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = when::now_ms();
    for (before, days_ago) in [(1, 40), (2, 6), (3, 4), (5, 2)] {
        app.finish(user, &hands_free(&app, user, Some(before)).await, now - days_ago * DAY, 1.0)
            .await
            .expect("recorded");
    }
    let stats = app.stats(user).await.expect("stats");
    let worse = stats.pain_trend;
    assert!(worse.see_clinician && worse.first_and_latest == Some((1, 5)), "{worse:?}");
    // The chart and the trend come from one read: all four ratings, oldest first.
    let befores = |ratings: &[limber_store::Rating]| ratings.iter().map(|r| r.pain_before).collect::<Vec<_>>();
    assert_eq!(befores(&stats.pain_ratings), [1, 2, 3, 5]);
    // From a device whose clock ran two months ahead: a 0 that would stand as the latest.
    let ahead = app.finish(user, &hands_free(&app, user, Some(0)).await, now + 60 * DAY, 1.0).await.expect("recorded");
    let read = |t: &PainTrend| (t.first_and_latest, t.see_clinician, t.advice.clone());
    assert_eq!(read(&ahead.trend), read(&worse), "the trend reads as before: {:?}", ahead.trend);
    let stats = app.stats(user).await.expect("stats");
    assert_eq!(read(&stats.pain_trend), read(&worse), "{:?}", stats.pain_trend);
    assert_eq!(befores(&stats.pain_ratings), [1, 2, 3, 5], "nor does the chart show it");
}

#[tokio::test]
async fn two_sessions_stopped_for_sharp_pain_in_a_month_advise_a_clinician() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = when::now_ms();
    let mut advice = Vec::new();
    for days_ago in [40, 20, 3] {
        let sharp = limber_core::Intent::SharpPain { during: None };
        advice.push(stopped_by(&app, user, now - days_ago * DAY, sharp).await.trend.advice);
    }
    // 40 days ago is outside the month: the second stop is the first of the last 30 days.
    assert_eq!(advice[..2], [None, None], "{advice:?}");
    let said = advice[2].clone().expect("advice after the second stop in 30 days");
    assert!(said.contains("Pain has stopped 2 of your sessions in the last 30 days"), "{said}");
    assert_eq!(app.stats(user).await.expect("stats").pain_trend.advice, Some(said.clone()));
    // Said again before the next session, first of what it tells, since it asks the person
    // to see someone before going on.
    screen(&app, user, now - 60_000).await;
    let request = StartRequest { routine: "desk".into(), no_warm_up: true, ..StartRequest::default() };
    let next = app.start(user, &request, now).await.expect("started");
    assert_eq!(next.notes(app.library()).first(), Some(&said));
}

#[tokio::test]
async fn no_hold_grows_while_the_pain_trend_advises_a_clinician() {
    let (_dir, app, user) = screened_app().await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = when::now_ms();
    let finish = async |before: u8, at: i64| {
        let session = hands_free(&app, user, Some(before)).await;
        app.finish(user, &session, at, 1.0).await.expect("recorded")
    };
    // A steady 3 before each session, never above the usual: comfortable sessions grow.
    assert!(finish(3, now - 40 * DAY).await.grown.is_empty());
    assert!(!finish(3, now - 39 * DAY).await.grown.is_empty(), "the second grows them");
    assert!(finish(3, now - 38 * DAY).await.grown.is_empty(), "one more toward the next step");
    // A month on, still 3: this session's own rating makes the trend advise a clinician, so
    // it holds steady, though it would complete the next step.
    let month_on = finish(3, now - 5 * DAY).await;
    assert!(month_on.trend.see_clinician, "{:?}", month_on.trend);
    assert_eq!(month_on.grown, [], "held steady by the advice its own rating brings");
    let next = finish(3, now - DAY).await;
    assert!(next.trend.see_clinician);
    assert_eq!(next.grown, [], "held steady while the advice stands");
}

#[tokio::test]
async fn a_stop_for_pain_before_the_routine_is_kept_and_holds_no_hold_grows_that_day_even_for_a_new_person() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    let t0 = 1_800_000_000_000;
    // The first session ever: 8 before, and a yes to stopping for today.
    let request =
        StartRequest { routine: "desk".into(), pain_before: PainPrompt::Given { score: 8 }, ..StartRequest::default() };
    let mut stopped = app.start(user, &request, 0).await.expect("started").session;
    stopped.handle(limber_core::Intent::Yes, limber_core::At::secs(1)).expect("stop for today");
    let recorded = app.finish(user, &stopped, t0, 1.0).await.expect("recorded");
    assert!(recorded.saved && !recorded.summary.exercise_started, "kept, though nothing was done");
    assert_eq!(recorded.adherence.this_week, 0, "no goal counts it");
    // Its 8 is this person's usual so far; two comfortable sessions later that day grow nothing.
    for hour in [1, 2] {
        let session = hands_free(&app, user, None).await;
        let grown = app.finish(user, &session, t0 + hour * HOUR, 1.0).await.expect("recorded").grown;
        assert_eq!(grown, [], "{hour} h after");
    }
}

#[tokio::test]
async fn a_session_on_the_day_pain_stopped_one_says_so_and_the_next_day_does_not() {
    let (_dir, app, user) = screened_app().await;
    const HOUR: i64 = 60 * 60 * 1000;
    let tz = when::zone();
    let morning = when::start_of(jiff::civil::date(2027, 3, 10), &tz) + 8 * HOUR;
    let request = StartRequest { routine: "desk".into(), no_warm_up: true, ..StartRequest::default() };
    let warned = async |at: i64| {
        let notes = app.start(user, &request, at).await.expect("started").notes(app.library());
        notes.iter().any(|n| n == STOPPED_FOR_PAIN_TODAY)
    };
    // A session the person ended themselves is no stop for pain.
    stopped_by(&app, user, morning, limber_core::Intent::Quit).await;
    assert!(!warned(morning + HOUR).await, "after a session ended by the person");
    stopped_by(&app, user, morning + HOUR, limber_core::Intent::SharpPain { during: None }).await;
    assert!(warned(morning + 3 * HOUR).await, "later the same day");
    assert!(!warned(morning + 24 * HOUR).await, "the next day");
}
