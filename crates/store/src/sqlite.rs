//! The SQLite backend: one file, WAL mode, versioned migrations, a busy timeout for sharing.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use limber_core::{Comfort, ItemRecord, ItemStatus, Progress, ScreeningRecord, StopReason, StretchId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlSafeStr};

use crate::records::{Profile, ScreeningEntry, SessionRecord, SessionRow};
use crate::{Error, ImportReport, Result, Store, database_path};

/// The migrations, compiled in so a binary needs no files beside it.
const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "initial", include_str!("../migrations/sqlite/0001_initial.sql"))];

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, sql.into_sql_str(), false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// How long a writer waits for another limber process holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// limber's store in a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating when missing) the database in `data_dir`, applying any pending migrations.
    /// A damaged file or one from a newer limber is reported and never overwritten.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::DataDir { path: data_dir.to_owned(), source })?;
        let path = database_path(data_dir);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let corrupt = |e: sqlx::Error| classify(e, &path);
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options).await.map_err(corrupt)?;
        let store = SqliteStore { pool, path };
        store.migrate().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = migrator();
        let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
        // Look before touching: a database from a newer limber is left exactly as it is.
        let mut conn = self.pool.acquire().await.map_err(|e| classify(e, &self.path))?;
        conn.ensure_migrations_table("_sqlx_migrations").await.map_err(|e| self.migrate_error(e, known))?;
        let applied =
            conn.list_applied_migrations("_sqlx_migrations").await.map_err(|e| self.migrate_error(e, known))?;
        if let Some(found) = applied.iter().map(|m| m.version).max().filter(|v| *v > known) {
            return Err(Error::Newer { path: self.path.clone(), found, known });
        }
        drop(conn);
        migrator.run(&self.pool).await.map_err(|e| self.migrate_error(e, known))
    }

    fn migrate_error(&self, e: MigrateError, known: i64) -> Error {
        match e {
            MigrateError::Execute(inner) => classify(inner, &self.path),
            MigrateError::VersionMissing(found) => Error::Newer { path: self.path.clone(), found, known },
            other => Error::Migrate(other),
        }
    }
}

/// Turns "file is not a database" and similar into [`Error::Corrupt`].
fn classify(e: sqlx::Error, path: &Path) -> Error {
    if let sqlx::Error::Database(db) = &e {
        // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), with or without extended bits.
        let code = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
        if matches!(code, Some(11 | 26)) {
            return Error::Corrupt { path: path.to_owned() };
        }
    }
    Error::Database(e)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Decode { what, detail: e.to_string() })
}

fn enum_text<T: Serialize>(value: &T) -> String {
    to_json(value).trim_matches('"').to_owned()
}

fn enum_from<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    from_json(&format!("\"{text}\""), what)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn small(v: Option<i64>) -> Option<u8> {
    v.and_then(|v| u8::try_from(v).ok())
}

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

async fn insert_session(tx: &mut sqlx::SqliteConnection, s: &SessionRecord) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, done_items, \
         pain_before, pain_after, flagged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING",
    )
    .bind(s.id.to_string())
    .bind(&s.routine)
    .bind(s.started_at_ms)
    .bind(s.ended_at_ms)
    .bind(s.stopped.as_ref().map(enum_text))
    .bind(s.warmed_up)
    .bind(s.active_ms)
    .bind(i64::try_from(s.items.iter().filter(|i| i.status == ItemStatus::Done).count()).unwrap_or(i64::MAX))
    .bind(s.pain_before.map(i64::from))
    .bind(s.pain_after.map(i64::from))
    .bind(&s.flagged)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    let session_id = inserted.last_insert_rowid();
    for (position, item) in s.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO session_items (session_id, position, stretch, instead_of, seconds, holds_done, sides_done, \
             holds_planned, active_ms, comfort, discomfort, max_pain, status) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(item.stretch.as_str())
        .bind(item.instead_of.as_ref().map(StretchId::as_str))
        .bind(i64::from(item.seconds))
        .bind(i64::from(item.holds_done))
        .bind(to_json(&item.sides_done))
        .bind(i64::from(item.holds_planned))
        .bind(millis(item.active))
        .bind(item.comfort.as_ref().map(enum_text))
        .bind(item.discomfort)
        .bind(item.max_pain.map(i64::from))
        .bind(enum_text(&item.status))
        .execute(&mut *tx)
        .await?;
    }
    Ok(true)
}

async fn upsert_progression(
    tx: &mut sqlx::SqliteConnection,
    progression: &BTreeMap<StretchId, Progress>,
) -> Result<()> {
    for (stretch, p) in progression {
        sqlx::query(
            "INSERT INTO progression (stretch, hold_seconds, comfortable_streak, flagged) VALUES (?, ?, ?, ?) \
             ON CONFLICT (stretch) DO UPDATE SET hold_seconds = excluded.hold_seconds, \
             comfortable_streak = excluded.comfortable_streak, flagged = excluded.flagged",
        )
        .bind(stretch.as_str())
        .bind(i64::from(p.hold_seconds))
        .bind(i64::from(p.comfortable_streak))
        .bind(p.flagged)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn insert_screening(tx: &mut sqlx::SqliteConnection, entry: &ScreeningEntry) -> Result<()> {
    sqlx::query("INSERT INTO screenings (taken_at, answers, clinician_assessed) VALUES (?, ?, ?)")
        .bind(entry.taken_at_ms)
        .bind(to_json(&entry.record.answers))
        .bind(entry.record.clinician_assessed)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store for SqliteStore {
    async fn save_session(
        &self,
        session: &SessionRecord,
        progression: &BTreeMap<StretchId, Progress>,
        screening: Option<&ScreeningEntry>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_session(&mut tx, session).await?;
        upsert_progression(&mut tx, progression).await?;
        if let Some(entry) = screening {
            insert_screening(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sessions(&self, since_ms: Option<i64>) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "SELECT id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, pain_before, pain_after, \
             flagged FROM sessions WHERE started_at >= ? ORDER BY started_at, id",
        )
        .bind(since_ms.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        let items = sqlx::query(
            "SELECT i.session_id, i.stretch, i.instead_of, i.seconds, i.holds_done, i.sides_done, i.holds_planned, \
             i.active_ms, \
             i.comfort, i.discomfort, i.max_pain, i.status FROM session_items i JOIN sessions s ON s.id = i.session_id \
             WHERE s.started_at >= ? ORDER BY i.session_id, i.position",
        )
        .bind(since_ms.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        let mut by_session: BTreeMap<i64, Vec<ItemRecord>> = BTreeMap::new();
        for row in items {
            let comfort: Option<String> = row.try_get("comfort")?;
            let item = ItemRecord {
                stretch: StretchId(row.try_get("stretch")?),
                instead_of: row.try_get::<Option<String>, _>("instead_of")?.map(StretchId),
                seconds: count(row.try_get("seconds")?),
                holds_done: count(row.try_get("holds_done")?),
                sides_done: from_json(&row.try_get::<String, _>("sides_done")?, "sides done")?,
                holds_planned: count(row.try_get("holds_planned")?),
                active: duration(row.try_get("active_ms")?),
                comfort: comfort.map(|c| enum_from::<Comfort>(&c, "comfort")).transpose()?,
                discomfort: row.try_get("discomfort")?,
                max_pain: small(row.try_get("max_pain")?),
                status: enum_from::<ItemStatus>(&row.try_get::<String, _>("status")?, "item status")?,
            };
            by_session.entry(row.try_get("session_id")?).or_default().push(item);
        }
        rows.into_iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let uuid: String = row.try_get("uuid")?;
                let stopped: Option<String> = row.try_get("stopped")?;
                Ok(SessionRecord {
                    id: uuid::Uuid::from_str(&uuid)
                        .map_err(|e| Error::Decode { what: "session id", detail: e.to_string() })?,
                    routine: row.try_get("routine")?,
                    started_at_ms: row.try_get("started_at")?,
                    ended_at_ms: row.try_get("ended_at")?,
                    stopped: stopped.map(|s| enum_from::<StopReason>(&s, "stop reason")).transpose()?,
                    warmed_up: row.try_get("warmed_up")?,
                    active_ms: row.try_get("active_ms")?,
                    pain_before: small(row.try_get("pain_before")?),
                    pain_after: small(row.try_get("pain_after")?),
                    flagged: row.try_get("flagged")?,
                    items: by_session.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn session_rows(&self) -> Result<Vec<SessionRow>> {
        // Served from the covering index `sessions_for_stats`; columns read by position.
        let rows = sqlx::query(
            "SELECT started_at, done_items > 0, pain_before FROM sessions INDEXED BY sessions_for_stats \
             ORDER BY started_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SessionRow {
                    started_at_ms: row.try_get(0)?,
                    counts: row.try_get(1)?,
                    pain_before: small(row.try_get(2)?),
                })
            })
            .collect()
    }

    async fn import(&self, sessions: &[SessionRecord]) -> Result<ImportReport> {
        let mut tx = self.pool.begin().await?;
        let mut report = ImportReport::default();
        for s in sessions {
            if insert_session(&mut tx, s).await? {
                report.added += 1;
            } else {
                report.skipped += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn latest_screening(&self) -> Result<Option<ScreeningEntry>> {
        let row = sqlx::query(
            "SELECT taken_at, answers, clinician_assessed FROM screenings ORDER BY taken_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let answers: String = row.try_get("answers")?;
            Ok(ScreeningEntry {
                taken_at_ms: row.try_get("taken_at")?,
                record: ScreeningRecord {
                    answers: from_json(&answers, "screening answers")?,
                    clinician_assessed: row.try_get("clinician_assessed")?,
                },
            })
        })
        .transpose()
    }

    async fn save_screening(&self, entry: &ScreeningEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert_screening(&mut conn, entry).await
    }

    async fn profile(&self) -> Result<Profile> {
        let row = sqlx::query("SELECT equipment, avoid, weekly_goal, voice FROM profile WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(Profile::default()) };
        Ok(Profile {
            equipment: from_json(&row.try_get::<String, _>("equipment")?, "equipment")?,
            avoid: from_json(&row.try_get::<String, _>("avoid")?, "positions to avoid")?,
            weekly_goal: count(row.try_get("weekly_goal")?),
            voice: row.try_get("voice")?,
        })
    }

    async fn save_profile(&self, profile: &Profile) -> Result<()> {
        sqlx::query(
            "INSERT INTO profile (id, equipment, avoid, weekly_goal, voice) VALUES (1, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET equipment = excluded.equipment, avoid = excluded.avoid, \
             weekly_goal = excluded.weekly_goal, voice = excluded.voice",
        )
        .bind(to_json(&profile.equipment))
        .bind(to_json(&profile.avoid))
        .bind(i64::from(profile.weekly_goal))
        .bind(profile.voice)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn progression(&self) -> Result<BTreeMap<StretchId, Progress>> {
        let rows = sqlx::query("SELECT stretch, hold_seconds, comfortable_streak, flagged FROM progression")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    StretchId(row.try_get("stretch")?),
                    Progress {
                        hold_seconds: count(row.try_get("hold_seconds")?),
                        comfortable_streak: count(row.try_get("comfortable_streak")?),
                        flagged: row.try_get("flagged")?,
                    },
                ))
            })
            .collect()
    }

    async fn save_progression(&self, progression: &BTreeMap<StretchId, Progress>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        upsert_progression(&mut tx, progression).await?;
        tx.commit().await?;
        Ok(())
    }
}
