//! Stories every backend must tell the same way: each takes a `&dyn Store`, so a PostgreSQL
//! backend runs the very same functions. Each story makes its own users (names with a random
//! suffix), so stories can share one database.

// Test code called from tests, which clippy cannot tell from library code.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::TryStreamExt;

use limber_core::{
    Comfort, Equipment, ItemRecord, ItemStatus, Outcome, Position, Progress, ProgressChange, ProgressRules,
    ScreeningRecord, Side, StopReason, StretchId,
};
use limber_store::{
    Cursor, Error, FinishReport, HistoryQuery, LiveEvent, LiveRecord, PainEnds, Profile, Rating, ScreeningEntry,
    SessionId, SessionQuery, SessionRecord, Store, Tallies, UserId,
};

/// A user of its own for one story.
pub(crate) async fn new_user(store: &dyn Store, story: &str) -> UserId {
    store.create_user(&format!("{story}-{}", SessionId::new())).await.unwrap()
}

/// Session `n`: day `n` after a fixed start, one stretch done on both sides.
pub(crate) fn session(n: i64, stopped: Option<StopReason>) -> SessionRecord {
    session_at(1_700_000_000_000 + n * 86_400_000, stopped)
}

/// A session that started at `started_at_ms`.
pub(crate) fn session_at(started_at_ms: i64, stopped: Option<StopReason>) -> SessionRecord {
    SessionRecord {
        id: SessionId::new(),
        routine: "full".into(),
        started_at_ms,
        ended_at_ms: started_at_ms + 600_000,
        stopped,
        warmed_up: true,
        active_ms: 120_000,
        pain_before: Some(4),
        pain_after: Some(3),
        flagged: stopped.map(|_| "seated-twist".to_owned()),
        preview: false,
        items: vec![
            ItemRecord {
                stretch: StretchId::from("seated-twist"),
                instead_of: Some(StretchId::from("thread-the-needle")),
                seconds: 15,
                holds_done: 2,
                sides_done: vec![Side::Right, Side::Left],
                holds_planned: 2,
                active: Duration::from_secs(30),
                comfort: Some(Comfort::Comfortable),
                discomfort: false,
                max_pain: Some(2),
                status: ItemStatus::Done,
            },
            ItemRecord {
                stretch: StretchId::from("cat-cow"),
                instead_of: None,
                seconds: 20,
                holds_done: 0,
                sides_done: Vec::new(),
                holds_planned: 1,
                active: Duration::ZERO,
                comfort: None,
                discomfort: true,
                max_pain: None,
                status: ItemStatus::Skipped,
            },
        ],
    }
}

/// A change to `stretch` (range 10–30 s).
pub(crate) fn change(stretch: &str, outcome: Outcome, flag: bool) -> ProgressChange {
    ProgressChange { stretch: StretchId::from(stretch), low: 10, high: 30, outcome, flag, held: None }
}

/// Grows by 5 s after every comfortable session.
pub(crate) const EVERY_TIME: ProgressRules = ProgressRules { step_seconds: 5, sessions_per_step: 1 };

const COMFY: Outcome = Outcome::Comfortable { may_grow: true };

/// A person's history round trip: profile, screening, sessions with items and sides,
/// progression, statistics rows.
pub(crate) async fn history_round_trips(store: &dyn Store) {
    let user = new_user(store, "round-trip").await;
    assert_eq!(store.profile(user).await.unwrap(), Profile::default());
    let profile = Profile {
        equipment: vec![Equipment::Chair],
        avoid: vec![Position::Kneeling],
        weekly_goal: 2,
        voice: true,
        sound: false,
    };
    store.save_profile(user, &profile).await.unwrap();
    assert_eq!(store.profile(user).await.unwrap(), profile);

    assert_eq!(store.latest_screening(user).await.unwrap(), None);
    let screening = ScreeningEntry {
        taken_at_ms: 5,
        record: ScreeningRecord { answers: vec![("chest-pain".into(), false)], clinician_assessed: true },
    };
    let first = session(0, None);
    let changes = [change("seated-twist", COMFY, false), change("cat-cow", Outcome::NotDone, false)];
    let report =
        store.finish_session(user, &first, &changes, EVERY_TIME, std::slice::from_ref(&screening)).await.unwrap();
    assert_eq!(report, FinishReport { grown: vec![(StretchId::from("seated-twist"), 15)], already_saved: false });
    let second = session(1, Some(StopReason::SharpPain));
    let report = store
        .finish_session(user, &second, &[change("seated-twist", Outcome::Uncomfortable, true)], EVERY_TIME, &[])
        .await
        .unwrap();
    assert_eq!(report, FinishReport::default());

    assert_eq!(store.latest_screening(user).await.unwrap(), Some(screening));
    assert_eq!(store.sessions(user, None).await.unwrap(), vec![first.clone(), second.clone()]);
    assert_eq!(store.sessions(user, Some(second.started_at_ms)).await.unwrap(), vec![second.clone()]);
    // One by its id, with its items; none by an id not recorded, or recorded for someone else.
    assert_eq!(store.session(user, second.id).await.unwrap(), Some(second.clone()));
    assert_eq!(store.session(user, first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.session(user, SessionId::new()).await.unwrap(), None);
    let other = new_user(store, "someone-else").await;
    assert_eq!(store.session(other, first.id).await.unwrap(), None);
    let progression = store.progression(user).await.unwrap();
    assert_eq!(
        progression.into_iter().collect::<Vec<_>>(),
        [
            (StretchId::from("cat-cow"), Progress::start(10)),
            (StretchId::from("seated-twist"), Progress { hold_seconds: 15, comfortable_streak: 0, flagged: true }),
        ]
    );
    let tallies = store.tallies(user).await.unwrap();
    assert_eq!((tallies.sessions, tallies.rated(), tallies.pain_before[4]), (2, 2, 2));
    let starts: Vec<i64> = store.goal_session_starts(user).try_collect().await.unwrap();
    assert_eq!(starts, [second.started_at_ms, first.started_at_ms]);

    // Saving the same session again (a retry) changes nothing, progression included.
    let again = store.finish_session(user, &first, &changes, EVERY_TIME, &[]).await.unwrap();
    assert_eq!(again, FinishReport { grown: Vec::new(), already_saved: true });
    assert_eq!(store.sessions(user, None).await.unwrap().len(), 2);
    assert_eq!(store.progression(user).await.unwrap()[&StretchId::from("seated-twist")].hold_seconds, 15);

    // A preview is kept, marked as one, but counts toward no weekly goal.
    let preview = SessionRecord { preview: true, ..session(2, None) };
    store.finish_session(user, &preview, &[], EVERY_TIME, &[]).await.unwrap();
    assert_eq!(store.sessions(user, Some(preview.started_at_ms)).await.unwrap(), vec![preview.clone()]);
    let starts: Vec<i64> = store.goal_session_starts(user).try_collect().await.unwrap();
    assert_eq!(starts, [second.started_at_ms, first.started_at_ms], "the preview is not among them");
    assert_eq!(store.tallies(user).await.unwrap().sessions, 3, "but it is a session in all");
}

/// Paging walks every session exactly once, newest first, through cursors written as text;
/// sessions that started at the same moment are not lost.
pub(crate) async fn paging_walks_every_session_once(store: &dyn Store) {
    let user = new_user(store, "paging").await;
    // 23 sessions on 10 distinct start times: ties cross page boundaries.
    let sessions: Vec<SessionRecord> = (0..23).map(|n| session(n % 10, None)).collect();
    assert_eq!(store.import(user, &sessions).await.unwrap().added, 23);
    let mut expected = sessions.clone();
    expected.sort_by_key(|s| std::cmp::Reverse((s.started_at_ms, s.id)));

    let mut seen = Vec::new();
    let mut before: Option<Cursor> = None;
    let mut pages = 0;
    loop {
        let page = store.history(user, HistoryQuery { since_ms: None, before, limit: 4 }).await.unwrap();
        pages += 1;
        assert!(page.sessions.len() <= 4);
        seen.extend(page.sessions);
        match page.next {
            // A server hands the cursor out as text and reads it back.
            Some(next) => before = Some(next.to_string().parse().unwrap()),
            None => break,
        }
        assert!(pages <= 10, "paging does not end");
    }
    assert_eq!(pages, 6);
    assert_eq!(seen, expected, "every session once, newest first, with its items");

    // `since_ms` bounds the walk; a limit of 0 still makes progress.
    let since = session(7, None).started_at_ms;
    let page = store.history(user, HistoryQuery { since_ms: Some(since), before: None, limit: 100 }).await.unwrap();
    assert_eq!(page.next, None);
    assert_eq!(page.sessions, expected.iter().filter(|s| s.started_at_ms >= since).cloned().collect::<Vec<_>>());
    let one = store.history(user, HistoryQuery::first(0)).await.unwrap();
    assert_eq!(one.sessions.len(), 1);
    assert!(one.next.is_some());
    assert!("nonsense".parse::<Cursor>().is_err());
}

/// Users are isolated: nobody sees another's sessions, screening, profile or progression; the
/// same session id can exist for two users; removing a user removes only their data.
pub(crate) async fn users_are_isolated(store: &dyn Store) {
    let name = format!("ann-{}", SessionId::new());
    let ann = store.create_user(&name).await.unwrap();
    let bob = new_user(store, "bob").await;
    assert_ne!(ann, bob);
    assert!(matches!(store.create_user(&name).await, Err(Error::UserExists { .. })));
    assert!(matches!(store.create_user("  ").await, Err(Error::EmptyUserName)));
    assert_eq!(store.user_by_name(&name).await.unwrap(), Some(ann));
    assert_eq!(store.user_by_name("nobody-has-this-name").await.unwrap(), None);
    let users = store.users().await.unwrap();
    assert!(users.iter().any(|u| u.id == ann && u.name == name && u.created_at_ms > 0));
    assert!(users.iter().any(|u| u.id == bob));

    let shared = session(0, None);
    let anns = session(1, None);
    store.finish_session(ann, &shared, &[change("seated-twist", COMFY, true)], EVERY_TIME, &[]).await.unwrap();
    store.finish_session(ann, &anns, &[], EVERY_TIME, &[]).await.unwrap();
    store.save_profile(ann, &Profile { weekly_goal: 5, ..Profile::default() }).await.unwrap();
    let answers = ScreeningEntry { taken_at_ms: 1, record: ScreeningRecord::default() };
    store.save_screening(ann, &answers).await.unwrap();
    // The same file imported by Bob: the id is unique per user, not across users.
    assert_eq!(store.import(bob, std::slice::from_ref(&shared)).await.unwrap().added, 1);

    assert_eq!(store.sessions(bob, None).await.unwrap(), vec![shared.clone()]);
    assert_eq!(store.history(bob, HistoryQuery::first(10)).await.unwrap().sessions, vec![shared.clone()]);
    assert_eq!(store.tallies(bob).await.unwrap().sessions, 1);
    assert_eq!(store.sessions(ann, None).await.unwrap(), vec![shared.clone(), anns]);
    assert_eq!(store.profile(bob).await.unwrap(), Profile::default());
    assert_eq!(store.latest_screening(bob).await.unwrap(), None);
    assert!(store.progression(bob).await.unwrap().is_empty());
    assert!(!store.clear_flag(bob, &StretchId::from("seated-twist"), Progress::cleared(10)).await.unwrap());
    assert!(store.progression(ann).await.unwrap()[&StretchId::from("seated-twist")].flagged);

    assert!(store.remove_user(ann).await.unwrap());
    assert!(!store.remove_user(ann).await.unwrap());
    assert_eq!(store.user_by_name(&name).await.unwrap(), None);
    assert!(store.sessions(ann, None).await.unwrap().is_empty());
    assert!(store.progression(ann).await.unwrap().is_empty());
    assert_eq!(store.latest_screening(ann).await.unwrap(), None);
    assert_eq!(store.sessions(bob, None).await.unwrap(), vec![shared.clone()]);
    let gone = store.finish_session(ann, &session(2, None), &[], EVERY_TIME, &[]).await;
    assert!(matches!(gone, Err(Error::UnknownUser(u)) if u == ann), "{gone:?}");
    assert!(matches!(store.save_profile(ann, &Profile::default()).await, Err(Error::UnknownUser(_))));
    // A removed user's id is never given to someone else.
    let carl = new_user(store, "carl").await;
    assert!(carl != ann && carl != bob);
    assert!(store.sessions(carl, None).await.unwrap().is_empty());
}

/// Two handles on one database (two processes, or a CLI and a TUI) finish sessions in turn;
/// the second never works from what it read before the first wrote: the flag set by one
/// survives the other, and every comfortable session counts.
pub(crate) async fn progression_changes_interleave_without_losing_a_flag(a: &dyn Store, b: &dyn Store) {
    let user = new_user(a, "interleave").await;
    // Both "read at the start of the session": nothing flagged yet.
    assert!(a.progression(user).await.unwrap().is_empty());
    assert!(b.progression(user).await.unwrap().is_empty());
    // B ends first, with sharp pain in the twist.
    b.finish_session(
        user,
        &session(0, Some(StopReason::SharpPain)),
        &[change("seated-twist", Outcome::Uncomfortable, true)],
        EVERY_TIME,
        &[],
    )
    .await
    .unwrap();
    // A ends later; the twist was comfortable in A's session.
    let report = a
        .finish_session(
            user,
            &session(1, None),
            &[change("seated-twist", COMFY, false), change("cat-cow", COMFY, false)],
            EVERY_TIME,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(report.grown, [(StretchId::from("seated-twist"), 15), (StretchId::from("cat-cow"), 15)]);
    for store in [a, b] {
        let progression = store.progression(user).await.unwrap();
        assert_eq!(
            progression[&StretchId::from("seated-twist")],
            Progress { hold_seconds: 15, comfortable_streak: 0, flagged: true },
            "the flag from B survives A's session"
        );
        assert_eq!(store.sessions(user, None).await.unwrap().len(), 2);
    }
}

/// Clearing a flag is its own operation, and clears only that stretch's flag.
pub(crate) async fn clear_flag_clears_one_flag(store: &dyn Store) {
    let user = new_user(store, "clear-flag").await;
    let changes = [change("seated-twist", COMFY, true), change("cat-cow", Outcome::NotDone, true)];
    store.finish_session(user, &session(0, None), &changes, EVERY_TIME, &[]).await.unwrap();
    assert_eq!(store.progression(user).await.unwrap()[&StretchId::from("seated-twist")].hold_seconds, 15);
    assert!(store.clear_flag(user, &StretchId::from("seated-twist"), Progress::cleared(10)).await.unwrap());
    // Cleared twice, the second time changes nothing (not even the hold grown since).
    let twist = [change("seated-twist", COMFY, false)];
    store.finish_session(user, &session(1, None), &twist, EVERY_TIME, &[]).await.unwrap();
    assert!(
        !store.clear_flag(user, &StretchId::from("seated-twist"), Progress::cleared(10)).await.unwrap(),
        "already clear"
    );
    assert!(!store.clear_flag(user, &StretchId::from("never-done"), Progress::cleared(10)).await.unwrap());
    let progression = store.progression(user).await.unwrap();
    assert_eq!(
        progression[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 15, comfortable_streak: 0, flagged: false },
        "back to its start when cleared (not the 15 s that hurt), grown once since"
    );
    assert!(progression[&StretchId::from("cat-cow")].flagged);
    // Setting aside again keeps the hold and streak; a stretch never done starts where told.
    let start = Progress { hold_seconds: 10, comfortable_streak: 0, flagged: false };
    store.set_aside(user, &StretchId::from("seated-twist"), start.clone()).await.unwrap();
    store.set_aside(user, &StretchId::from("seated-twist"), start.clone()).await.unwrap();
    store.set_aside(user, &StretchId::from("never-done"), start.clone()).await.unwrap();
    let progression = store.progression(user).await.unwrap();
    assert_eq!(
        progression[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 15, comfortable_streak: 0, flagged: true }
    );
    assert_eq!(progression[&StretchId::from("never-done")], Progress { flagged: true, ..start });
}

/// Screening answers stored again for the same person and moment (a server stopped between
/// storing them and forgetting their live session, or two instances both saw it over) are kept
/// once: the first answers stand, and storing again is not an error.
pub(crate) async fn screening_is_stored_once_per_moment(store: &dyn Store) {
    let user = new_user(store, "screening-once").await;
    let first = ScreeningEntry {
        taken_at_ms: 5,
        record: ScreeningRecord { answers: vec![("chest-pain".into(), false)], clinician_assessed: false },
    };
    store.save_screening(user, &first).await.unwrap();
    let again = ScreeningEntry {
        record: ScreeningRecord { answers: vec![("chest-pain".into(), true)], clinician_assessed: false },
        ..first.clone()
    };
    store.save_screening(user, &again).await.unwrap();
    store.finish_session(user, &session(0, None), &[], EVERY_TIME, std::slice::from_ref(&again)).await.unwrap();
    assert_eq!(store.latest_screening(user).await.unwrap(), Some(first));
    let later = ScreeningEntry { taken_at_ms: 6, ..again };
    store.save_screening(user, &later).await.unwrap();
    assert_eq!(store.latest_screening(user).await.unwrap(), Some(later.clone()));

    // A session stopped for an emergency sign stores its answers and, after them, the empty
    // record that sets every answer aside, with the session: the empty one is the latest.
    let answered = ScreeningEntry { taken_at_ms: 7, ..later };
    let aside = ScreeningEntry { taken_at_ms: 8, record: ScreeningRecord::default() };
    let stopped = session(1, Some(StopReason::Emergency));
    let entries = [answered, aside.clone()];
    store.finish_session(user, &stopped, &[], EVERY_TIME, &entries).await.unwrap();
    assert_eq!(store.latest_screening(user).await.unwrap(), Some(aside));
}

/// When a person last reported an emergency sign: the later of the latest session stopped for
/// one (however it was stored: saved or imported) and the latest screening set aside for one.
pub(crate) async fn the_last_emergency_is_found_in_sessions_and_screenings(store: &dyn Store) {
    let user = new_user(store, "last-emergency").await;
    assert_eq!(store.last_emergency(user, 0, i64::MAX).await.unwrap(), None);
    // Sessions stopped for anything else, and answers that are not set aside, are no emergency.
    store.finish_session(user, &session(0, Some(StopReason::SharpPain)), &[], EVERY_TIME, &[]).await.unwrap();
    let answered = ScreeningEntry {
        taken_at_ms: 9_000_000_000_000,
        record: ScreeningRecord { answers: vec![("chest-pain".into(), false)], clinician_assessed: false },
    };
    store.save_screening(user, &answered).await.unwrap();
    assert_eq!(store.last_emergency(user, 0, i64::MAX).await.unwrap(), None);
    // One imported, then a later one saved: the end of the later.
    let imported = session(1, Some(StopReason::Emergency));
    store.import(user, std::slice::from_ref(&imported)).await.unwrap();
    assert_eq!(store.last_emergency(user, 0, i64::MAX).await.unwrap(), Some(imported.ended_at_ms));
    let saved = session(2, Some(StopReason::Emergency));
    store.finish_session(user, &saved, &[], EVERY_TIME, &[]).await.unwrap();
    assert_eq!(store.last_emergency(user, 0, i64::MAX).await.unwrap(), Some(saved.ended_at_ms));
    // An empty record (answers set aside at a question) later than both.
    let aside = ScreeningEntry { taken_at_ms: saved.ended_at_ms + 5, record: ScreeningRecord::default() };
    store.save_screening(user, &aside).await.unwrap();
    assert_eq!(store.last_emergency(user, 0, i64::MAX).await.unwrap(), Some(aside.taken_at_ms));
    // Only from `since` on: one that ended before it is not read.
    assert_eq!(store.last_emergency(user, aside.taken_at_ms + 1, i64::MAX).await.unwrap(), None);
    // Nor one after `until`: the one before it stands.
    assert_eq!(store.last_emergency(user, 0, aside.taken_at_ms - 1).await.unwrap(), Some(saved.ended_at_ms));
    assert_eq!(store.last_emergency(user, saved.ended_at_ms, i64::MAX).await.unwrap(), Some(aside.taken_at_ms));
    store.save_screening(user, &ScreeningEntry { taken_at_ms: 1, ..aside.clone() }).await.unwrap();
    assert_eq!(store.last_emergency(user, imported.ended_at_ms + 1, i64::MAX).await.unwrap(), Some(aside.taken_at_ms));
    // Someone else's are not this person's.
    let other = new_user(store, "no-emergency").await;
    assert_eq!(store.last_emergency(other, 0, i64::MAX).await.unwrap(), None);
}

/// The sessions pain stopped in a stretch of time: sharp pain, or above 5; no other stop.
pub(crate) async fn pain_stops_are_counted_in_a_stretch_of_time(store: &dyn Store) {
    let user = new_user(store, "pain-stops").await;
    let stops = [
        Some(StopReason::SharpPain),
        Some(StopReason::Pain),
        Some(StopReason::Emergency),
        Some(StopReason::Aborted),
        None,
        Some(StopReason::SharpPain),
    ];
    for (n, stopped) in (0..).zip(stops) {
        store.finish_session(user, &session(n, stopped), &[], EVERY_TIME, &[]).await.unwrap();
    }
    let day = |n: i64| session(n, None).started_at_ms;
    assert_eq!(store.pain_stops(user, day(0), day(5)).await.unwrap(), 3);
    assert_eq!(store.pain_stops(user, day(1), day(4)).await.unwrap(), 1, "from and to included");
    assert_eq!(store.pain_stops(user, day(6), day(9)).await.unwrap(), 0);
    let other = new_user(store, "no-pain-stops").await;
    assert_eq!(store.pain_stops(other, day(0), day(5)).await.unwrap(), 0);
}

/// An imported progression joins the person's own: a stretch only one side has is taken as it
/// is; one both have keeps the safer of each (set aside if either is, the shorter hold and
/// streak). An import that is not committed changes nothing.
pub(crate) async fn imported_progression_merges_the_safer_way(store: &dyn Store) {
    let user = new_user(store, "progression-import").await;
    let changes = [change("seated-twist", COMFY, false), change("cat-cow", Outcome::NotDone, true)];
    store.finish_session(user, &session(0, None), &changes, EVERY_TIME, &[]).await.unwrap();
    let before = store.progression(user).await.unwrap();
    let incoming = BTreeMap::from([
        (StretchId::from("seated-twist"), Progress { hold_seconds: 10, comfortable_streak: 0, flagged: true }),
        (StretchId::from("cat-cow"), Progress { hold_seconds: 30, comfortable_streak: 1, flagged: false }),
        (StretchId::from("open-book"), Progress { hold_seconds: 25, comfortable_streak: 1, flagged: false }),
    ]);
    let mut dropped = store.begin_import(user).await.unwrap();
    // Cat-cow is set aside already with no streak and a hold of at most 30 s: the file's is no
    // safer, so it is left as it is and not counted.
    assert_eq!(dropped.merge_progression(&incoming).await.unwrap(), 2);
    drop(dropped);
    assert_eq!(store.progression(user).await.unwrap(), before, "not committed: nothing changed");

    let mut import = store.begin_import(user).await.unwrap();
    assert_eq!(import.merge_progression(&incoming).await.unwrap(), 2);
    import.commit().await.unwrap();
    let after = store.progression(user).await.unwrap();
    let twist = &before[&StretchId::from("seated-twist")];
    let cat = &before[&StretchId::from("cat-cow")];
    assert_eq!(
        after[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 10, comfortable_streak: 0, flagged: true },
        "{twist:?}"
    );
    assert_eq!(
        after[&StretchId::from("cat-cow")],
        Progress { hold_seconds: cat.hold_seconds.min(30), comfortable_streak: 0, flagged: true }
    );
    assert_eq!(after[&StretchId::from("open-book")], incoming[&StretchId::from("open-book")]);

    // The same file again changes nothing, and says so.
    let mut again = store.begin_import(user).await.unwrap();
    assert_eq!(again.merge_progression(&incoming).await.unwrap(), 0);
    again.commit().await.unwrap();
    assert_eq!(store.progression(user).await.unwrap(), after);
}

/// A stretch an old file's session set aside is set aside by the import with its hold and
/// streak kept; one never seen starts from `start`.
pub(crate) async fn an_import_sets_aside_keeping_the_hold(store: &dyn Store) {
    let user = new_user(store, "import-set-aside").await;
    store
        .finish_session(user, &session(0, None), &[change("seated-twist", COMFY, false)], EVERY_TIME, &[])
        .await
        .unwrap();
    let before = store.progression(user).await.unwrap()[&StretchId::from("seated-twist")].clone();
    assert_eq!(before.hold_seconds, 15);
    let mut import = store.begin_import(user).await.unwrap();
    import.set_aside(&StretchId::from("seated-twist"), Progress::start(10)).await.unwrap();
    import.set_aside(&StretchId::from("open-book"), Progress::start(20)).await.unwrap();
    import.commit().await.unwrap();
    let after = store.progression(user).await.unwrap();
    assert_eq!(after[&StretchId::from("seated-twist")], Progress { flagged: true, ..before });
    assert_eq!(after[&StretchId::from("open-book")], Progress { flagged: true, ..Progress::start(20) });
}

/// An imported profile is stored for a person who has none of their own yet, never over one
/// they chose; and only once the import commits.
pub(crate) async fn an_import_restores_a_profile_only_where_none_was_chosen(store: &dyn Store) {
    let user = new_user(store, "import-profile").await;
    let theirs = Profile {
        equipment: vec![Equipment::Chair, Equipment::FoamRoller],
        avoid: vec![Position::Kneeling],
        weekly_goal: 5,
        voice: true,
        sound: false,
    };
    // Not committed: nothing stored.
    let mut import = store.begin_import(user).await.unwrap();
    assert!(import.restore_profile(&theirs).await.unwrap());
    drop(import);
    assert_eq!(store.profile(user).await.unwrap(), Profile::default());
    let mut import = store.begin_import(user).await.unwrap();
    assert!(import.restore_profile(&theirs).await.unwrap(), "none of their own yet");
    import.commit().await.unwrap();
    assert_eq!(store.profile(user).await.unwrap(), theirs);
    // Once there is one, another file's is left out.
    let mut import = store.begin_import(user).await.unwrap();
    assert!(!import.restore_profile(&Profile::default()).await.unwrap());
    import.commit().await.unwrap();
    assert_eq!(store.profile(user).await.unwrap(), theirs);
    // One chosen here (even the defaults) is theirs too.
    let other = new_user(store, "import-profile-chosen").await;
    store.save_profile(other, &Profile::default()).await.unwrap();
    let mut import = store.begin_import(other).await.unwrap();
    assert!(!import.restore_profile(&theirs).await.unwrap());
    import.commit().await.unwrap();
    assert_eq!(store.profile(other).await.unwrap(), Profile::default());
}

/// Importing the same sessions twice adds them once; an import that fails adds nothing.
pub(crate) async fn import_is_idempotent_and_all_or_nothing(store: &dyn Store) {
    let user = new_user(store, "import").await;
    let first = session(0, None);
    store.finish_session(user, &first, &[], EVERY_TIME, &[]).await.unwrap();
    let file = [first.clone(), session(1, None), session(2, Some(StopReason::Aborted))];
    let report = store.import(user, &file).await.unwrap();
    assert_eq!((report.added, report.skipped), (2, 1));
    let report = store.import(user, &file).await.unwrap();
    assert_eq!((report.added, report.skipped), (0, 3));
    assert_eq!(store.sessions(user, None).await.unwrap(), file);

    // A pain rating of 11 is refused by the schema: the good session before it is not kept.
    let good = session(3, None);
    let bad = SessionRecord { pain_before: Some(11), ..session(4, None) };
    assert!(store.import(user, &[good.clone(), bad]).await.is_err());
    assert!(!store.sessions(user, None).await.unwrap().contains(&good));
    assert!(store.progression(user).await.unwrap().is_empty(), "import never touches progression");
}

/// A token hash names its user; rotating replaces the old hash; removing the user forgets it.
pub(crate) async fn tokens_name_their_user_and_rotate(store: &dyn Store) {
    let ann = new_user(store, "tokens-ann").await;
    let bob = new_user(store, "tokens-bob").await;
    let (a1, b1, a2) = (format!("a1-{ann}"), format!("b1-{bob}"), format!("a2-{ann}"));
    store.set_token_hash(ann, &a1).await.unwrap();
    store.set_token_hash(bob, &b1).await.unwrap();
    assert_eq!(store.user_by_token_hash(&a1).await.unwrap(), Some(ann));
    assert_eq!(store.user_by_token_hash(&b1).await.unwrap(), Some(bob));
    store.set_token_hash(ann, &a2).await.unwrap();
    assert_eq!(store.user_by_token_hash(&a1).await.unwrap(), None, "a rotated token no longer works");
    assert_eq!(store.user_by_token_hash(&a2).await.unwrap(), Some(ann));
    assert!(store.remove_user(bob).await.unwrap());
    assert_eq!(store.user_by_token_hash(&b1).await.unwrap(), None, "a removed user's token is gone");
    assert!(matches!(store.set_token_hash(UserId(i64::MAX), "x").await, Err(Error::UnknownUser(_))));
}

/// A live session is stored, its log replaced on every save, listed for a restart, and removed.
pub(crate) async fn live_sessions_are_saved_updated_and_removed(store: &dyn Store) {
    let user = new_user(store, "live").await;
    let mut live = LiveRecord {
        id: SessionId::new(),
        user,
        plan: r#"{"plan":1}"#.into(),
        screening: "null".into(),
        log: r#"{"started":0,"intents":[]}"#.into(),
        events: Vec::new(),
        started_at_ms: 1_700_000_000_000,
        speed: 2.5,
    };
    let other = new_user(store, "live-other").await;
    store.save_live(&live).await.unwrap();
    live.log = r#"{"started":0,"intents":[{"at":1000,"intent":"pause"}]}"#.into();
    store.save_live(&live).await.unwrap();
    let mine: Vec<LiveRecord> = store.live_sessions().await.unwrap().into_iter().filter(|l| l.user == user).collect();
    assert_eq!(mine, vec![live.clone()], "one row per session, with the latest log");
    store.save_live(&live_record(other, 0)).await.unwrap();
    let counts = (store.count_live_of(user).await.unwrap(), store.count_live_of(other).await.unwrap());
    assert_eq!(counts, (1, 1), "each person's own, once however often saved");
    assert!(store.remove_live(live.id).await.unwrap());
    assert_eq!(store.count_live_of(user).await.unwrap(), 0);
    assert!(!store.remove_live(live.id).await.unwrap(), "removing twice finds nothing");
    assert!(store.live_sessions().await.unwrap().iter().all(|l| l.id != live.id));
    let orphan = LiveRecord { id: SessionId::new(), user: UserId(i64::MAX), ..live.clone() };
    assert!(matches!(store.save_live(&orphan).await, Err(Error::UnknownUser(_))));
    store.save_live(&LiveRecord { id: SessionId::new(), ..live }).await.unwrap();
    assert!(store.remove_user(user).await.unwrap());
    assert!(store.live_sessions().await.unwrap().iter().all(|l| l.user != user), "removed with their user");
}

/// A live session of `user` with an empty log, started `n` ms after a fixed moment.
pub(crate) fn live_record(user: UserId, n: i64) -> LiveRecord {
    LiveRecord {
        id: SessionId::new(),
        user,
        plan: r#"{"plan":1}"#.into(),
        screening: "null".into(),
        log: r#"{"started":0,"intents":[]}"#.into(),
        events: Vec::new(),
        started_at_ms: 1_700_000_000_000 + n,
        speed: 1.0,
    }
}

/// Intents are appended to live sessions' logs, many sessions in one call, all or nothing, each
/// place in a log taken once; they come back in order and go with their session.
pub(crate) async fn live_events_are_appended_in_order_once(store: &dyn Store) {
    let user = new_user(store, "appender").await;
    let live = |n: i64| live_record(user, n);
    let (a, b) = (live(0), live(1));
    store.save_live(&a).await.unwrap();
    store.save_live(&b).await.unwrap();
    let event = |s: &LiveRecord, seq: u64| LiveEvent {
        session: s.id,
        seq,
        event: format!(r#"{{"at":{seq},"intent":"pause"}}"#),
    };
    store.append_live(&[]).await.unwrap();
    store.append_live(&[event(&a, 0), event(&b, 0), event(&a, 1)]).await.unwrap();
    store.append_live(&[event(&b, 1), event(&a, 2)]).await.unwrap();
    let stored = |id: SessionId| async move {
        store.live_sessions().await.unwrap().into_iter().find(|l| l.id == id).expect("still live").events
    };
    let texts = |s: &LiveRecord, seqs: &[u64]| seqs.iter().map(|&n| event(s, n).event).collect::<Vec<_>>();
    assert_eq!(stored(a.id).await, texts(&a, &[0, 1, 2]), "in order, after the saved log");
    assert_eq!(stored(b.id).await, texts(&b, &[0, 1]));
    assert_eq!(store.live_events_since(a.id, 1).await.unwrap(), texts(&a, &[1, 2]), "catching up from place 1");
    assert_eq!(store.live_events_since(a.id, 3).await.unwrap(), Vec::<String>::new(), "nothing new");
    assert_eq!(store.live_events_since(SessionId::new(), 0).await.unwrap(), Vec::<String>::new(), "not live");
    // One session read alone is that session as read with all the others.
    let all = store.live_sessions().await.unwrap();
    for s in [&a, &b] {
        assert_eq!(store.live_session(s.id).await.unwrap().as_ref(), all.iter().find(|l| l.id == s.id));
    }
    assert_eq!(store.live_session(SessionId::new()).await.unwrap(), None);

    // A place already taken fails the whole call: b's new event is not written either.
    let taken = store.append_live(&[event(&b, 2), event(&a, 1)]).await;
    assert!(matches!(taken, Err(Error::EventTaken { session, seq: 1 }) if session == a.id), "{taken:?}");
    assert_eq!(stored(b.id).await, texts(&b, &[0, 1]), "nothing of a failed call is kept");
    let gap = store.append_live(&[event(&b, 5)]).await;
    assert!(matches!(gap, Err(Error::OutOfOrder { seq: 5, expected: 2, .. })), "{gap:?}");
    let gap_inside = store.append_live(&[event(&b, 2), event(&b, 4)]).await;
    assert!(matches!(gap_inside, Err(Error::OutOfOrder { seq: 4, expected: 3, .. })), "{gap_inside:?}");
    assert_eq!(stored(b.id).await, texts(&b, &[0, 1]));
    let gone = SessionId::new();
    let not_live = store.append_live(&[event(&b, 2), LiveEvent { session: gone, seq: 0, event: "{}".into() }]).await;
    assert!(matches!(not_live, Err(Error::NotLive(id)) if id == gone), "{not_live:?}");
    assert_eq!(stored(b.id).await, texts(&b, &[0, 1]));

    // More events than one statement takes: still all or nothing, in order.
    let many: Vec<LiveEvent> = (2..302).map(|n| event(&b, n)).collect();
    let mut bad = many.clone();
    bad.push(event(&a, 0));
    let late = store.append_live(&bad).await;
    assert!(matches!(late, Err(Error::EventTaken { session, seq: 0 }) if session == a.id), "{late:?}");
    assert_eq!(stored(b.id).await, texts(&b, &[0, 1]), "the first statements' events were not kept");
    store.append_live(&many).await.unwrap();
    assert_eq!(stored(b.id).await, texts(&b, &(0..302).collect::<Vec<_>>()));

    // Saving the session again (e.g. an older server) keeps its events; removing it drops them.
    store.save_live(&a).await.unwrap();
    assert_eq!(stored(a.id).await, texts(&a, &[0, 1, 2]));
    assert!(store.remove_live(a.id).await.unwrap());
    store.save_live(&a).await.unwrap();
    assert_eq!(stored(a.id).await, Vec::<String>::new(), "a removed session's events went with it");
    assert!(store.remove_user(user).await.unwrap());
}

/// A varied history for the aggregate stories: `n` sessions over a few months with ties in
/// start times, some unrated, some with no stretch done in full, routines taking turns.
pub(crate) fn varied(n: i64) -> Vec<SessionRecord> {
    (0..n)
        .map(|k| {
            let mut s = session_at(1_700_000_000_000 + (k * 7919 % 97) * 3_600_000 * 11, None);
            s.routine = ["full", "desk", "morning"][usize::try_from(k % 3).unwrap()].into();
            s.pain_before = (k % 5 != 0).then(|| u8::try_from(k * 7 % 11).unwrap());
            s.pain_after = (k % 7 != 0).then(|| u8::try_from(k * 3 % 11).unwrap());
            if k % 4 == 0 {
                for item in &mut s.items {
                    item.status = ItemStatus::Skipped;
                }
            }
            if k % 6 == 0 {
                s.items.clear();
            }
            s
        })
        .collect()
}

/// What the store keeps for statistics matches a naive count over every session, whether the
/// sessions came one by one or in an import; streams in either order and from a cursor give
/// exactly the sessions a full read gives.
pub(crate) async fn aggregates_match_a_naive_count(store: &dyn Store) {
    let user = new_user(store, "aggregates").await;
    let other = new_user(store, "aggregates-other").await;
    let all = varied(300);
    for s in &all[..20] {
        store.finish_session(user, s, &[], EVERY_TIME, &[]).await.unwrap();
    }
    let mut import = store.begin_import(user).await.unwrap();
    for batch in all[20..].chunks(37) {
        import.add(batch).await.unwrap();
    }
    import.commit().await.unwrap();
    store.import(other, &all[..50]).await.unwrap();

    let mut oldest_first = all.clone();
    oldest_first.sort_by_key(|s| (s.started_at_ms, s.id));
    assert_eq!(store.sessions(user, None).await.unwrap(), oldest_first);
    let newest_first: Vec<SessionRecord> =
        store.stream_sessions(user, SessionQuery::newest_first()).try_collect().await.unwrap();
    assert_eq!(newest_first, oldest_first.iter().rev().cloned().collect::<Vec<_>>());
    let cut = &oldest_first[123];
    let after = SessionQuery { after: Some(Cursor::after(cut)), ..SessionQuery::oldest_first() };
    let rest: Vec<SessionRecord> = store.stream_sessions(user, after).try_collect().await.unwrap();
    assert_eq!(rest, oldest_first[124..]);
    let since = SessionQuery::newest_first().since(Some(cut.started_at_ms));
    let recent: Vec<SessionRecord> = store.stream_sessions(user, since).try_collect().await.unwrap();
    let naive: Vec<SessionRecord> =
        newest_first.iter().filter(|s| s.started_at_ms >= cut.started_at_ms).cloned().collect();
    assert_eq!(recent, naive);

    let tallies = store.tallies(user).await.unwrap();
    assert_eq!(tallies.sessions, 300);
    for pain in 0..=10_u8 {
        let naive = all.iter().filter(|s| s.pain_before == Some(pain)).count() as u64;
        assert_eq!(tallies.pain_before[usize::from(pain)], naive, "sessions rated {pain} before");
    }
    assert_eq!(store.tallies(other).await.unwrap().sessions, 50);

    let rated: Vec<Rating> = oldest_first
        .iter()
        .filter_map(|s| {
            s.pain_before.map(|p| Rating { started_at_ms: s.started_at_ms, pain_before: p, pain_after: s.pain_after })
        })
        .collect();
    let ends = store.pain_ends(user, 3, i64::MAX).await.unwrap();
    let newest = rated[rated.len() - 1].started_at_ms;
    let lately = rated.iter().filter(|r| r.started_at_ms >= newest - limber_store::LATELY_MS).map(|r| r.pain_before);
    assert_eq!(
        ends,
        PainEnds {
            first: rated.first().copied(),
            latest: rated[rated.len() - 3..].to_vec(),
            lowest_lately: lately.min()
        }
    );
    // Those started after `until` (dated ahead by a clock set wrong) are left out.
    let until = rated[rated.len() / 2].started_at_ms;
    let before: Vec<Rating> = rated.iter().filter(|r| r.started_at_ms <= until).copied().collect();
    let ends = store.pain_ends(user, 3, until).await.unwrap();
    assert_eq!(ends.latest, before[before.len() - 3..]);
    let lately = before.iter().filter(|r| r.started_at_ms >= until - limber_store::LATELY_MS).map(|r| r.pain_before);
    assert_eq!(ends.lowest_lately, lately.min());

    let starts: Vec<i64> = store.goal_session_starts(user).try_collect().await.unwrap();
    let naive: Vec<i64> = newest_first
        .iter()
        .filter(|s| s.items.iter().any(|i| i.status == ItemStatus::Done))
        .map(|s| s.started_at_ms)
        .collect();
    assert_eq!(starts, naive);

    for routine in ["full", "desk", "morning", "never"] {
        let naive = all.iter().filter(|s| s.routine == routine).map(|s| s.started_at_ms).max();
        assert_eq!(store.last_done(user, routine).await.unwrap(), naive, "{routine}");
    }

    // A user without sessions.
    let empty = new_user(store, "aggregates-empty").await;
    assert_eq!(store.tallies(empty).await.unwrap(), Tallies::default());
    assert_eq!(store.pain_ends(empty, 3, i64::MAX).await.unwrap(), PainEnds::default());
    assert!(store.goal_session_starts(empty).try_collect::<Vec<_>>().await.unwrap().is_empty());

    // Removing a user removes their tallies.
    assert!(store.remove_user(other).await.unwrap());
    assert_eq!(store.tallies(other).await.unwrap(), Tallies::default());
}

/// An import is one transaction over many batches: ids seen in an earlier batch (or stored
/// before) are skipped, nothing shows until the commit, and an import dropped before its
/// commit adds nothing, tallies included.
pub(crate) async fn batched_imports_are_all_or_nothing(store: &dyn Store) {
    let user = new_user(store, "batches").await;
    let all = varied(50);
    store.finish_session(user, &all[0], &[], EVERY_TIME, &[]).await.unwrap();

    let mut import = store.begin_import(user).await.unwrap();
    let mut report = import.add(&all[..30]).await.unwrap();
    report += import.add(&all[20..]).await.unwrap();
    assert_eq!((report.added, report.skipped), (49, 11));
    drop(import);
    assert_eq!(store.sessions(user, None).await.unwrap(), [all[0].clone()]);
    assert_eq!(store.tallies(user).await.unwrap().sessions, 1);

    let mut import = store.begin_import(user).await.unwrap();
    import.add(&all[..25]).await.unwrap();
    import.add(&all[25..]).await.unwrap();
    import.commit().await.unwrap();
    assert_eq!(store.sessions(user, None).await.unwrap().len(), 50);
    assert_eq!(store.tallies(user).await.unwrap().sessions, 50);
}
