//! The same stories against PostgreSQL, each in a database of its own, whenever one is
//! reachable: `LIMBER_TEST_DATABASE_URL` names a server (any database on it; `cargo xtask ci`
//! starts a throwaway cluster and sets it). Without it these pass as skipped, unless
//! `LIMBER_REQUIRE_POSTGRES` is set (CI), when they fail.

use std::sync::Arc;

use limber_core::Outcome;
use limber_store::{Error, LiveEvent, LiveRecord, PgStore, SessionId, Store};

use crate::stories::{self, EVERY_TIME, change, session};

/// A database of one test's own, dropped when the test ends (pass or fail).
pub(crate) struct TestDb {
    server: String,
    name: String,
    /// The database's URL.
    pub(crate) url: String,
}

impl TestDb {
    /// A fresh database, or `None` (the test is skipped) when no server is configured.
    pub(crate) async fn new() -> Option<TestDb> {
        let Ok(server) = std::env::var("LIMBER_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("LIMBER_REQUIRE_POSTGRES").is_none(),
                "LIMBER_REQUIRE_POSTGRES is set but LIMBER_TEST_DATABASE_URL is not"
            );
            eprintln!("skipped: set LIMBER_TEST_DATABASE_URL to run the PostgreSQL stories");
            return None;
        };
        let name = format!("limber_test_{}", SessionId::new().0.simple());
        let url = limber_store::create_database(&server, &name).await.unwrap();
        Some(TestDb { server, name, url })
    }

    /// A store on it.
    pub(crate) async fn store(&self) -> Arc<dyn Store> {
        Arc::new(PgStore::connect(&self.url, 4).await.unwrap())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // A runtime of its own on a thread of its own: this may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(limber_store::drop_database(&server, &name))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// One story over a fresh PostgreSQL database.
macro_rules! on_postgres {
    ($($story:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $story() {
            let Some(db) = TestDb::new().await else { return };
            stories::$story(db.store().await.as_ref()).await;
        }
    )*};
}

on_postgres!(
    history_round_trips,
    paging_walks_every_session_once,
    aggregates_match_a_naive_count,
    batched_imports_are_all_or_nothing,
    tokens_name_their_user_and_rotate,
    live_sessions_are_saved_updated_and_removed,
    live_events_are_appended_in_order_once,
    users_are_isolated,
    clear_flag_clears_one_flag,
    screening_is_stored_once_per_moment,
    the_last_emergency_is_found_in_sessions_and_screenings,
    pain_stops_are_counted_in_a_stretch_of_time,
    imported_progression_merges_the_safer_way,
    an_import_sets_aside_keeping_the_hold,
    an_import_restores_a_profile_only_where_none_was_chosen,
    import_is_idempotent_and_all_or_nothing,
);

#[tokio::test]
async fn progression_changes_from_two_instances_interleave_without_losing_a_flag() {
    let Some(db) = TestDb::new().await else { return };
    let (a, b) = (db.store().await, db.store().await);
    stories::progression_changes_interleave_without_losing_a_flag(a.as_ref(), b.as_ref()).await;
}

/// A profile row a newer limber wrote, naming equipment and positions this one does not know,
/// reads without them (as on SQLite); a garbled list is an error, never read as "nothing".
#[tokio::test]
async fn a_profile_naming_what_a_newer_limber_knows_reads_without_it() {
    use sqlx::Connection as _;
    let Some(db) = TestDb::new().await else { return };
    let store = db.store().await;
    let user = store.local_user().await.unwrap();
    let profile = limber_store::Profile { avoid: vec![limber_core::Position::Kneeling], ..Default::default() };
    store.save_profile(user, &profile).await.unwrap();
    let mut raw = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query(r#"UPDATE profile SET equipment = '["resistance-band","towel"]', avoid = '["hanging","kneeling"]'"#)
        .execute(&mut raw)
        .await
        .unwrap();
    let read = store.profile(user).await.unwrap();
    assert_eq!(read.equipment, vec![limber_core::Equipment::Towel]);
    assert_eq!(read.avoid, vec![limber_core::Position::Kneeling]);
    // Saved here (a new goal), the names only the newer limber knows stay stored for it.
    store.save_profile(user, &limber_store::Profile { weekly_goal: 5, ..read }).await.unwrap();
    let stored: (String, String) =
        sqlx::query_as("SELECT equipment, avoid FROM profile").fetch_one(&mut raw).await.unwrap();
    assert_eq!(stored, (r#"["towel","resistance-band"]"#.to_owned(), r#"["kneeling","hanging"]"#.to_owned()));
    sqlx::query("UPDATE profile SET avoid = 'kneeling'").execute(&mut raw).await.unwrap();
    let garbled = store.profile(user).await.unwrap_err();
    assert!(matches!(garbled, Error::Decode { what: "positions to avoid", .. }), "{garbled:?}");
}

/// Sharp pain set aside (by another instance, which takes no lock to do it) after a save read
/// the stretch's progression and before it wrote it back: the save is held at that very moment
/// by a lock on the table, the flag is set, and the save's write must keep it.
#[tokio::test]
async fn a_flag_set_between_a_saves_read_and_its_write_is_kept() {
    use sqlx::Connection as _;
    let Some(db) = TestDb::new().await else { return };
    let store = db.store().await;
    let user = store.local_user().await.unwrap();
    let comfy = [change("seated-twist", Outcome::Comfortable { may_grow: true }, false)];
    store.finish_session(user, &session(0, None), &comfy, EVERY_TIME, &[]).await.unwrap();

    let mut raw = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = raw.begin().await.unwrap();
    // Reads go on; writes to the table wait for this transaction.
    sqlx::query("LOCK TABLE progression IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
    let save = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.finish_session(user, &session(1, None), &comfy, EVERY_TIME, &[]).await }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = 'progression' AND NOT l.granted",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if waiting > 0 {
            break; // the save has read the stretch and waits to write it
        }
        assert!(std::time::Instant::now() < deadline, "the save never reached its write");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sqlx::query("UPDATE progression SET flagged = TRUE WHERE user_id = $1 AND stretch = 'seated-twist'")
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    save.await.unwrap().unwrap();
    let twist = &store.progression(user).await.unwrap()[&limber_core::StretchId::from("seated-twist")];
    assert!(twist.flagged, "the flag set meanwhile was written over: {twist:?}");
    assert_eq!(twist.hold_seconds, 20, "and the save's own change landed too");
}

#[tokio::test]
async fn two_instances_finish_sessions_at_once_and_lose_no_update() {
    let Some(db) = TestDb::new().await else { return };
    let (a, b) = (db.store().await, db.store().await);
    let user = a.local_user().await.unwrap();
    let writes = (0..20).map(|n| {
        let store = if n % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
        tokio::spawn(async move {
            let changes = [change("seated-twist", Outcome::Comfortable { may_grow: true }, n == 7)];
            let rules = limber_core::ProgressRules { step_seconds: 1, sessions_per_step: 1 };
            store.finish_session(user, &session(n, None), &changes, rules, &[]).await
        })
    });
    for w in writes {
        w.await.unwrap().unwrap();
    }
    assert_eq!(a.sessions(user, None).await.unwrap().len(), 20);
    assert_eq!(a.tallies(user).await.unwrap().sessions, 20);
    assert_eq!(
        b.progression(user).await.unwrap()[&limber_core::StretchId::from("seated-twist")],
        limber_core::Progress { hold_seconds: 30, comfortable_streak: 0, flagged: true }
    );
    // The same session finished on both at once is recorded once.
    let s = session(99, None);
    let (x, y) = tokio::join!(
        a.finish_session(user, &s, &[], EVERY_TIME, &[]),
        b.finish_session(user, &s, &[], EVERY_TIME, &[])
    );
    assert_eq!([x.unwrap().already_saved, y.unwrap().already_saved].iter().filter(|s| **s).count(), 1);
}

/// A live session with nothing in it yet: the store does not read its plan or log.
fn empty_live(id: SessionId, user: limber_store::UserId) -> LiveRecord {
    LiveRecord {
        id,
        user,
        plan: "{}".into(),
        screening: "null".into(),
        log: "{}".into(),
        events: Vec::new(),
        started_at_ms: 0,
        speed: 1.0,
    }
}

#[tokio::test]
async fn two_instances_racing_for_one_place_in_a_log_store_it_once() {
    let Some(db) = TestDb::new().await else { return };
    let (a, b) = (db.store().await, db.store().await);
    let user = a.local_user().await.unwrap();
    let id = SessionId::new();
    a.save_live(&empty_live(id, user)).await.unwrap();
    let mut changes = b.watch_live().await.unwrap().expect("PostgreSQL tells other instances");
    for place in 0..50_u64 {
        let event = |who: &str| [LiveEvent { session: id, seq: place, event: format!("\"{who}{place}\"") }];
        let (from_a, from_b) = (event("a"), event("b"));
        let (x, y) = tokio::join!(a.append_live(&from_a), b.append_live(&from_b));
        let taken =
            [&x, &y].iter().filter(|r| matches!(r, Err(Error::EventTaken { seq, .. }) if *seq == place)).count();
        assert!(x.is_ok() != y.is_ok() && taken == 1, "place {place}: {x:?} {y:?}");
        // The other instance hears of it.
        let heard =
            tokio::time::timeout(std::time::Duration::from_secs(5), futures_util::StreamExt::next(&mut changes));
        assert_eq!(heard.await.unwrap(), Some(limber_store::LiveChange::Session { id, events: Some(place + 1) }));
    }
    let stored = b.live_session(id).await.unwrap().unwrap();
    assert_eq!(stored.events.len(), 50);
    assert!(a.remove_live(id).await.unwrap());
    assert_eq!(b.live_session(id).await.unwrap(), None);
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), futures_util::StreamExt::next(&mut changes));
    assert_eq!(heard.await.unwrap(), Some(limber_store::LiveChange::Session { id, events: None }));
}

#[tokio::test]
async fn every_session_of_a_batch_is_heard_by_the_other_instances_once() {
    let Some(db) = TestDb::new().await else { return };
    let (a, b) = (db.store().await, db.store().await);
    let user = a.local_user().await.unwrap();
    // More sessions than one notification can carry (PostgreSQL takes at most 8,000 bytes, about
    // 200 lines), with one to three events each.
    let mut events = Vec::new();
    let mut expected = std::collections::BTreeMap::new();
    for n in 0..300_u64 {
        let id = SessionId::new();
        a.save_live(&empty_live(id, user)).await.unwrap();
        let count = n % 3 + 1;
        events.extend((0..count).map(|seq| LiveEvent { session: id, seq, event: format!("{seq}") }));
        expected.insert(id, count);
    }
    let mut changes = b.watch_live().await.unwrap().expect("PostgreSQL tells other instances");
    a.append_live(&events).await.unwrap();
    let mut heard = std::collections::BTreeMap::new();
    while heard.len() < expected.len() {
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), futures_util::StreamExt::next(&mut changes));
        match next.await.expect("every session is heard of").unwrap() {
            limber_store::LiveChange::Session { id, events: Some(n) } => {
                assert!(heard.insert(id, n).is_none(), "{id} heard of twice");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(heard, expected);
}

#[tokio::test]
async fn a_database_from_a_newer_limber_is_refused_and_left_untouched() {
    let Some(db) = TestDb::new().await else { return };
    let store = PgStore::connect(&db.url, 2).await.unwrap();
    let user = store.local_user().await.unwrap();
    store.finish_session(user, &session(0, None), &[], EVERY_TIME, &[]).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'future', TRUE, '\\x00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let err = PgStore::connect(&db.url, 2).await.unwrap_err();
    assert!(matches!(err, Error::Newer { found: 99, .. }), "{err:?}");
    assert!(err.to_string().contains("newer version of limber"), "{err}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(store.pool()).await.unwrap();
    assert_eq!(n, 1, "left untouched");
}
