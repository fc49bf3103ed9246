//! The store's stories (`stories/`) run against SQLite, and against PostgreSQL (`pg/`) when one
//! is reachable; plus what only a file can show: two processes writing it at once, an old schema
//! upgraded, and files it must never overwrite.

// The helpers below are test code too.
#![allow(clippy::unwrap_used)]

mod pg;
mod stories;

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use limber_core::{Outcome, Progress, StopReason, StretchId};
use limber_store::{Error, ScreeningEntry, SqliteStore, Store, database_path};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use stories::{EVERY_TIME, change, session};

/// A fresh store in its own directory, shared as the front ends share it.
async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    (dir, Arc::new(store))
}

/// A raw connection to the database file, bypassing the store.
async fn raw(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(database_path(dir)).create_if_missing(true);
    SqlitePool::connect_with(options).await.unwrap()
}

#[tokio::test]
async fn a_history_round_trips_with_items_and_sides() {
    let (_dir, store) = fresh().await;
    stories::history_round_trips(store.as_ref()).await;
}

#[tokio::test]
async fn paging_walks_every_session_once_newest_first() {
    let (_dir, store) = fresh().await;
    stories::paging_walks_every_session_once(store.as_ref()).await;
}

#[tokio::test]
async fn aggregates_match_a_naive_count() {
    let (_dir, store) = fresh().await;
    stories::aggregates_match_a_naive_count(store.as_ref()).await;
}

#[tokio::test]
async fn batched_imports_are_all_or_nothing() {
    let (_dir, store) = fresh().await;
    stories::batched_imports_are_all_or_nothing(store.as_ref()).await;
}

#[tokio::test]
async fn tokens_name_their_user_and_rotate() {
    let (_dir, store) = fresh().await;
    stories::tokens_name_their_user_and_rotate(store.as_ref()).await;
}

#[tokio::test]
async fn live_sessions_are_saved_updated_and_removed() {
    let (_dir, store) = fresh().await;
    stories::live_sessions_are_saved_updated_and_removed(store.as_ref()).await;
}

#[tokio::test]
async fn live_events_are_appended_in_order_once() {
    let (_dir, store) = fresh().await;
    stories::live_events_are_appended_in_order_once(store.as_ref()).await;
}

#[tokio::test]
async fn events_of_removed_sessions_are_swept_when_a_server_next_starts() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let user = store.create_user("sweeper").await.unwrap();
    let (gone, kept) = (stories::live_record(user, 0), stories::live_record(user, 1));
    for s in [&gone, &kept] {
        store.save_live(s).await.unwrap();
        let event = |seq: u64| limber_store::LiveEvent {
            session: s.id,
            seq,
            event: format!(r#"{{"at":{seq},"intent":"pause"}}"#),
        };
        store.append_live(&[event(0), event(1)]).await.unwrap();
    }
    assert!(store.remove_live(gone.id).await.unwrap());
    store.close().await;
    // Fewer removals than a sweep waits for, then the process ended: the rows are still there.
    let rows = |pool: SqlitePool| async move {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM live_events").fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    };
    assert_eq!(rows(raw(dir.path()).await).await, 4);
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let resumed = store.live_sessions().await.unwrap();
    assert_eq!(resumed.iter().map(|l| l.id).collect::<Vec<_>>(), vec![kept.id]);
    assert_eq!(resumed[0].events.len(), 2, "the live session keeps its events");
    store.close().await;
    assert_eq!(rows(raw(dir.path()).await).await, 2, "the removed session's events are swept");
}

#[tokio::test]
async fn imported_progression_merges_the_safer_way() {
    let (_dir, store) = fresh().await;
    stories::imported_progression_merges_the_safer_way(store.as_ref()).await;
}

#[tokio::test]
async fn an_import_restores_a_profile_only_where_none_was_chosen() {
    let (_dir, store) = fresh().await;
    stories::an_import_restores_a_profile_only_where_none_was_chosen(store.as_ref()).await;
}

#[tokio::test]
async fn an_import_sets_aside_keeping_the_hold() {
    let (_dir, store) = fresh().await;
    stories::an_import_sets_aside_keeping_the_hold(store.as_ref()).await;
}

#[tokio::test]
async fn screening_is_stored_once_per_moment() {
    let (_dir, store) = fresh().await;
    stories::screening_is_stored_once_per_moment(store.as_ref()).await;
}

#[tokio::test]
async fn users_are_isolated() {
    let (_dir, store) = fresh().await;
    stories::users_are_isolated(store.as_ref()).await;
}

#[tokio::test]
async fn progression_changes_from_two_handles_interleave_without_losing_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let a = SqliteStore::open(dir.path()).await.unwrap();
    let b = SqliteStore::open(dir.path()).await.unwrap();
    stories::progression_changes_interleave_without_losing_a_flag(&a, &b).await;
}

#[tokio::test]
async fn the_last_emergency_is_found_in_sessions_and_screenings() {
    let (_dir, store) = fresh().await;
    stories::the_last_emergency_is_found_in_sessions_and_screenings(store.as_ref()).await;
}

#[tokio::test]
async fn pain_stops_are_counted_in_a_stretch_of_time() {
    let (_dir, store) = fresh().await;
    stories::pain_stops_are_counted_in_a_stretch_of_time(store.as_ref()).await;
}

#[tokio::test]
async fn clear_flag_clears_one_flag() {
    let (_dir, store) = fresh().await;
    stories::clear_flag_clears_one_flag(store.as_ref()).await;
}

#[tokio::test]
async fn import_twice_adds_once_and_a_failed_import_adds_nothing() {
    let (_dir, store) = fresh().await;
    stories::import_is_idempotent_and_all_or_nothing(store.as_ref()).await;
}

#[tokio::test]
async fn the_local_user_exists_from_the_start_and_comes_back_after_removal() {
    let (_dir, store) = fresh().await;
    let local = store.local_user().await.unwrap();
    assert_eq!(local, limber_store::UserId(1));
    assert_eq!(store.user_by_name(limber_store::LOCAL_USER).await.unwrap(), Some(local));
    assert_eq!(store.local_user().await.unwrap(), local);
    assert!(store.remove_user(local).await.unwrap());
    let again = store.local_user().await.unwrap();
    assert_ne!(again, local);
    assert_eq!(store.users().await.unwrap().len(), 1);
}

#[tokio::test]
async fn two_handles_write_the_same_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
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
    // 20 comfortable sessions from 10 s, one second each, capped at 30 s: no update lost.
    assert_eq!(
        b.progression(user).await.unwrap()[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 30, comfortable_streak: 0, flagged: true }
    );
}

/// Set in the child process of [`two_processes_finish_sessions_on_the_same_file`]: the data
/// directory it writes to as the second writer.
const SECOND_WRITER: &str = "LIMBER_STORE_TEST_SECOND_WRITER";

/// Sessions each process finishes.
const PER_PROCESS: i64 = 40;

/// What each writer process does: wait for the other, then finish its sessions, each one
/// comfortable in the twist (+1 s, from 10 s, up to 100 s); the first writer's fifth session
/// flags it.
async fn write_as(dir: &Path, first: bool) {
    let store = SqliteStore::open(dir).await.unwrap();
    let user = store.local_user().await.unwrap();
    let (me, other) = if first { ("first", "second") } else { ("second", "first") };
    std::fs::write(dir.join(me), b"ready").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join(other).exists() {
        assert!(Instant::now() < deadline, "the other writer never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rules = limber_core::ProgressRules { step_seconds: 1, sessions_per_step: 1 };
    for n in 0..PER_PROCESS {
        let mut change = change("seated-twist", Outcome::Comfortable { may_grow: true }, first && n == 5);
        change.high = 100;
        let day = if first { n } else { 100 + n };
        let stopped = (first && n == 5).then_some(StopReason::SharpPain);
        store.finish_session(user, &session(day, stopped), &[change], rules, &[]).await.unwrap();
    }
}

#[tokio::test]
async fn two_processes_finish_sessions_on_the_same_file() {
    if let Some(dir) = std::env::var_os(SECOND_WRITER) {
        write_as(Path::new(&dir), false).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Create the database before the child opens it, so the two do not race to migrate.
    drop(SqliteStore::open(dir.path()).await.unwrap());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "two_processes_finish_sessions_on_the_same_file", "--nocapture", "--test-threads=1"])
        .env(SECOND_WRITER, dir.path())
        .spawn()
        .unwrap();
    write_as(dir.path(), true).await;
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "the second writer failed: {status}");

    let store = SqliteStore::open(dir.path()).await.unwrap();
    let user = store.local_user().await.unwrap();
    assert_eq!(store.sessions(user, None).await.unwrap().len(), 2 * PER_PROCESS as usize);
    assert_eq!(
        store.progression(user).await.unwrap()[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 10 + 2 * PER_PROCESS as u32, comfortable_streak: 0, flagged: true },
        "every session counted once, and the flag survived the other process"
    );
}

/// A database as limber 0.1 left it: only migration 1 applied, exactly as it applied it.
async fn first_schema(dir: &Path) -> SqlitePool {
    let pool = raw(dir).await;
    let first = Migration::new(
        1,
        Cow::Borrowed("initial"),
        MigrationType::Simple,
        include_str!("../migrations/sqlite/0001_initial.sql").into_sql_str(),
        false,
    );
    Migrator::with_migrations(vec![first]).run(&pool).await.unwrap();
    pool
}

#[tokio::test]
async fn two_limbers_upgrading_the_same_file_at_once_both_open_it() {
    let dir = tempfile::tempdir().unwrap();
    first_schema(dir.path()).await.close().await;
    let (a, b) = tokio::join!(SqliteStore::open(dir.path()), SqliteStore::open(dir.path()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.local_user().await.unwrap(), b.local_user().await.unwrap());
}

#[tokio::test]
async fn a_database_from_the_first_schema_is_upgraded_and_belongs_to_the_local_user() {
    let dir = tempfile::tempdir().unwrap();
    // One session with its item, its progression, profile and screening.
    {
        let pool = first_schema(dir.path()).await;
        for sql in [
            "INSERT INTO sessions (id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, done_items, \
             pain_before, pain_after, flagged) VALUES (7, '67e55044-10b1-426f-9247-bb680e5fe0c8', 'full', \
             1700000000000, 1700000600000, 'SharpPain', 1, 30000, 1, 5, 6, 'seated-twist')",
            "INSERT INTO session_items VALUES (7, 0, 'seated-twist', NULL, 15, 2, '[\"Right\",\"Left\"]', 2, 30000, \
             'Comfortable', 0, 2, 'Done')",
            "INSERT INTO progression VALUES ('seated-twist', 20, 1, 1)",
            "INSERT INTO profile VALUES (1, '[\"Chair\"]', '[]', 4, 1)",
            "INSERT INTO screenings (taken_at, answers, clinician_assessed) VALUES (9, '[[\"chest-pain\",false]]', 0)",
            // The same answers stored twice, as a server stopped between two writes left them.
            "INSERT INTO screenings (taken_at, answers, clinician_assessed) VALUES (9, '[[\"chest-pain\",false]]', 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let local = store.local_user().await.unwrap();
    let sessions = store.sessions(local, None).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s.id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(
        (s.stopped, s.pain_before, s.flagged.as_deref()),
        (Some(StopReason::SharpPain), Some(5), Some("seated-twist"))
    );
    assert_eq!(s.items.len(), 1);
    assert_eq!(s.items[0].sides_done, [limber_core::Side::Right, limber_core::Side::Left]);
    assert_eq!(
        store.progression(local).await.unwrap()[&StretchId::from("seated-twist")],
        Progress { hold_seconds: 20, comfortable_streak: 1, flagged: true }
    );
    assert_eq!(store.profile(local).await.unwrap().weekly_goal, 4);
    assert_eq!(store.latest_screening(local).await.unwrap().map(|e: ScreeningEntry| e.taken_at_ms), Some(9));
    let pool = raw(dir.path()).await;
    let copies: i64 = sqlx::query_scalar("SELECT count(*) FROM screenings").fetch_one(&pool).await.unwrap();
    assert_eq!(copies, 1, "the copy is removed");
    pool.close().await;
    assert_eq!(store.tallies(local).await.unwrap().sessions, 1, "tallies are made from what was there");
    // Nobody else sees it, and the upgraded file keeps working.
    let other = store.create_user("someone-else").await.unwrap();
    assert!(store.sessions(other, None).await.unwrap().is_empty());
    stories::history_round_trips(&store).await;
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
    let user = store.local_user().await.unwrap();
    store.finish_session(user, &session(0, None), &[], EVERY_TIME, &[]).await.unwrap();
    drop(store);
    // Pretend a newer limber applied migration 99.
    {
        let pool = raw(dir.path()).await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99, 'future', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let before = std::fs::read(database_path(dir.path())).unwrap();
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    let latest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert!(matches!(err, Error::Newer { found: 99, known, .. } if known as usize == latest), "{err:?}");
    assert!(!err.to_string().to_lowercase().contains("sqlite"), "{err}");
    assert_eq!(std::fs::read(database_path(dir.path())).unwrap(), before);
    // Still readable by that newer limber: the session is there.
    let pool = raw(dir.path()).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 1);
}
