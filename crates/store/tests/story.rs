//! One story through the store: profile, screening, sessions, progression, import; and the
//! files it must never overwrite.

use std::collections::BTreeMap;
use std::time::Duration;

use limber_core::{Equipment, ItemRecord, ItemStatus, Position, Progress, ScreeningRecord, StopReason, StretchId};
use limber_store::{Error, Profile, ScreeningEntry, SessionRecord, SqliteStore, Store, database_path};

fn session(n: i64, stopped: Option<StopReason>) -> SessionRecord {
    SessionRecord {
        id: uuid::Uuid::new_v4(),
        routine: "full".into(),
        started_at_ms: 1_700_000_000_000 + n * 86_400_000,
        ended_at_ms: 1_700_000_000_000 + n * 86_400_000 + 600_000,
        stopped,
        warmed_up: true,
        active_ms: 120_000,
        pain_before: Some(4),
        pain_after: Some(3),
        flagged: stopped.map(|_| "seated-twist".to_owned()),
        items: vec![ItemRecord {
            stretch: StretchId::from("seated-twist"),
            instead_of: Some(StretchId::from("thread-the-needle")),
            seconds: 15,
            holds_done: 2,
            sides_done: vec![limber_core::Side::Right, limber_core::Side::Left],
            holds_planned: 2,
            active: Duration::from_secs(30),
            comfort: Some(limber_core::Comfort::Comfortable),
            discomfort: false,
            max_pain: Some(2),
            status: ItemStatus::Done,
        }],
    }
}

#[tokio::test]
async fn a_whole_story_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();

    assert_eq!(store.profile().await.unwrap(), Profile::default());
    let profile =
        Profile { equipment: vec![Equipment::Chair], avoid: vec![Position::Kneeling], weekly_goal: 2, voice: true };
    store.save_profile(&profile).await.unwrap();
    assert_eq!(store.profile().await.unwrap(), profile);

    assert_eq!(store.latest_screening().await.unwrap(), None);
    let screening = ScreeningEntry {
        taken_at_ms: 5,
        record: ScreeningRecord { answers: vec![("chest-pain".into(), false)], clinician_assessed: true },
    };
    let first = session(0, None);
    let mut progression = BTreeMap::new();
    progression
        .insert(StretchId::from("seated-twist"), Progress { hold_seconds: 20, comfortable_streak: 1, flagged: false });
    store.save_session(&first, &progression, Some(&screening)).await.unwrap();
    let second = session(1, Some(StopReason::SharpPain));
    store.save_session(&second, &BTreeMap::new(), None).await.unwrap();

    assert_eq!(store.latest_screening().await.unwrap(), Some(screening));
    assert_eq!(store.sessions(None).await.unwrap(), vec![first.clone(), second.clone()]);
    assert_eq!(store.sessions(Some(second.started_at_ms)).await.unwrap(), vec![second.clone()]);
    assert_eq!(store.progression().await.unwrap(), progression);
    let rows = store.session_rows().await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        limber_store::SessionRow { started_at_ms: second.started_at_ms, counts: true, pain_before: Some(4) }
    );
    assert!(rows[0].counts);

    // Import is idempotent: known ids are skipped.
    let report = store.import(&[first.clone(), session(2, None)]).await.unwrap();
    assert_eq!((report.added, report.skipped), (1, 1));
    let report = store.import(&[first, session(2, None)]).await.unwrap();
    assert_eq!((report.added, report.skipped), (1, 1), "a new id is new");
    assert_eq!(store.sessions(None).await.unwrap().len(), 4);

    // Reopening finds everything (migrations are not re-applied destructively).
    drop(store);
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert_eq!(store.sessions(None).await.unwrap().len(), 4);
}

#[tokio::test]
async fn two_processes_can_write_the_same_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = SqliteStore::open(dir.path()).await.unwrap();
    let b = SqliteStore::open(dir.path()).await.unwrap();
    let writes = (0..20).map(|n| {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move { store.save_session(&session(n, None), &BTreeMap::new(), None).await })
    });
    for w in writes {
        w.await.unwrap().unwrap();
    }
    assert_eq!(a.sessions(None).await.unwrap().len(), 20);
}

#[tokio::test]
async fn a_corrupt_file_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = database_path(dir.path());
    let garbage = b"this is not a database, but it is somebody's file".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[tokio::test]
async fn a_database_from_a_newer_limber_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    store.save_session(&session(0, None), &BTreeMap::new(), None).await.unwrap();
    drop(store);
    // Pretend a newer limber applied migration 99.
    {
        let url = format!("sqlite://{}", database_path(dir.path()).display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99, 'future', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::Newer { found: 99, known: 1, .. }), "{err:?}");
    // Still readable by that newer limber: the session is there.
    let url = format!("sqlite://{}", database_path(dir.path()).display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 1);
}
