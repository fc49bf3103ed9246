//! The PostgreSQL backend: one database shared by many server instances, versioned migrations,
//! per-user advisory locks for read-modify-write, and LISTEN/NOTIFY on live sessions.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use limber_core::{
    Comfort, ItemRecord, ItemStatus, Progress, ProgressChange, ProgressRules, ScreeningRecord, StopReason, StretchId,
};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Postgres, QueryBuilder, Row, Transaction};

use crate::ids::{SessionId, UserId};
use crate::records::{
    FinishReport, LiveEvent, LiveRecord, Order, PainEnds, Profile, Rating, ScreeningEntry, SessionQuery, SessionRecord,
    Tallies, User,
};
use crate::sqlite::{
    count, duration, enum_from, enum_text, from_json, known_names, millis, names_keeping_unknown, now_ms, parse_id,
    small, tally_slot, to_json,
};
use crate::{Backend, Error, Import, ImportReport, LOCAL_USER, LiveChange, Result, Store};

/// The migrations in `migrations/postgres/`, compiled in.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel every instance listens on: each line of a payload is the id of a live session
/// that changed, then a space and how many events it has (appended), or nothing more (removed).
const CHANNEL: &str = "limber_live";

/// How long opening the store waits for PostgreSQL, and a request for a pooled connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool when no size is given.
pub const DEFAULT_POOL: u32 = 10;

/// Sessions per multi-row insert (12 parameters each, well under PostgreSQL's 65,535).
const SESSIONS_PER_INSERT: usize = 200;

/// Items per multi-row insert (13 parameters each).
const ITEMS_PER_INSERT: usize = 400;

/// limber's store in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// The database's address without its password: what messages name.
    place: String,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…`) with at most `pool` connections,
    /// applying any pending migrations. A database from a newer limber is refused, untouched.
    pub async fn connect(url: &str, pool: u32) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        PgStore::connect_with(options, pool).await
    }

    /// [`PgStore::connect`] with options already parsed.
    pub async fn connect_with(options: PgConnectOptions, pool: u32) -> Result<PgStore> {
        let place = format!(
            "postgres://{}@{}:{}/{}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("")
        );
        // One connection first, so that a failure says why: the pool would wait the same way for
        // a server that refuses or is starting, then say only that it timed out.
        if let Err(source) = first_connection(&options).await {
            return Err(Error::Connect { place, source });
        }
        let pool = PgPoolOptions::new()
            .max_connections(pool.max(2))
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await?;
        let store = PgStore { pool, place };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn migrate(&self) -> Result<()> {
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let newer = |found| Error::Newer { path: PathBuf::from(&self.place), found, known };
        let mut conn = self.pool.acquire().await?;
        conn.ensure_migrations_table("_sqlx_migrations").await?;
        let applied = conn.list_applied_migrations("_sqlx_migrations").await?;
        if let Some(found) = applied.iter().map(|m| m.version).max().filter(|v| *v > known) {
            return Err(newer(found));
        }
        drop(conn);
        // sqlx takes an advisory lock while migrating: instances starting together queue up.
        match MIGRATOR.run(&self.pool).await {
            Ok(()) => Ok(()),
            Err(MigrateError::VersionMissing(found)) => Err(newer(found)),
            Err(MigrateError::Execute(e)) => Err(Error::from(e)),
            Err(e) => Err(Error::Migrate(e)),
        }
    }
}

/// Connects once, waiting up to [`CONNECT_TIMEOUT`] while the server refuses connections, is
/// starting up or has too many (a limber-server started beside PostgreSQL meets all three);
/// any other failure, or the last of these, is the answer.
async fn first_connection(options: &PgConnectOptions) -> std::result::Result<(), sqlx::Error> {
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    let mut pause = Duration::from_millis(50);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let failed = match tokio::time::timeout(left, options.connect()).await {
            Ok(Ok(conn)) => {
                // Only a check: failing to say goodbye changes nothing.
                let _ = conn.close().await;
                return Ok(());
            }
            Ok(Err(e)) => e,
            Err(_) => {
                let waited = format!("no answer within {} s", CONNECT_TIMEOUT.as_secs());
                return Err(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, waited)));
            }
        };
        let passing = match &failed {
            sqlx::Error::Io(e) => e.kind() == std::io::ErrorKind::ConnectionRefused,
            // 57P03: the database system is starting up; 53300: too many connections.
            sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("57P03" | "53300")),
            _ => false,
        };
        if !passing || tokio::time::Instant::now() + pause >= deadline {
            return Err(failed);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// Writing for a user the store does not know breaks a foreign key: say so plainly.
fn for_user(user: UserId) -> impl Fn(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::UnknownUser(user),
        _ => Error::from(e),
    }
}

/// Serializes the read-modify-write of one user's data (progression, imports) across instances,
/// until the transaction ends.
async fn lock_user(conn: &mut PgConnection, user: UserId) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(user.0).execute(&mut *conn).await?;
    Ok(())
}

/// Adds `counts` (by [`tally_slot`]) to `user`'s tallies, inside the caller's transaction.
async fn add_tallies(conn: &mut PgConnection, user: UserId, counts: &[i64; 12]) -> Result<()> {
    for (slot, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        sqlx::query(
            "INSERT INTO session_tallies (user_id, pain_before, sessions) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, pain_before) DO UPDATE SET sessions = session_tallies.sessions + excluded.sessions",
        )
        .bind(user.0)
        .bind(i64::try_from(slot).unwrap_or(0) - 1)
        .bind(*n)
        .execute(&mut *conn)
        .await
        .map_err(for_user(user))?;
    }
    Ok(())
}

/// Stores the items of sessions just added (row id, session), in multi-row inserts.
async fn insert_items(conn: &mut PgConnection, added: &[(i64, &SessionRecord)]) -> Result<()> {
    let items: Vec<(i64, usize, &ItemRecord)> = added
        .iter()
        .flat_map(|(id, s)| s.items.iter().enumerate().map(move |(position, item)| (*id, position, item)))
        .collect();
    for chunk in items.chunks(ITEMS_PER_INSERT) {
        let mut insert = QueryBuilder::new(
            "INSERT INTO session_items (session_id, position, stretch, instead_of, seconds, holds_done, sides_done, \
             holds_planned, active_ms, comfort, discomfort, max_pain, status) ",
        );
        insert.push_values(chunk, |mut row, (id, position, item)| {
            row.push_bind(*id)
                .push_bind(i64::try_from(*position).unwrap_or(i64::MAX))
                .push_bind(item.stretch.as_str().to_owned())
                .push_bind(item.instead_of.as_ref().map(|s| s.as_str().to_owned()))
                .push_bind(i64::from(item.seconds))
                .push_bind(i64::from(item.holds_done))
                .push_bind(to_json(&item.sides_done))
                .push_bind(i64::from(item.holds_planned))
                .push_bind(millis(item.active))
                .push_bind(item.comfort.as_ref().map(enum_text))
                .push_bind(item.discomfort)
                .push_bind(item.max_pain.map(i64::from))
                .push_bind(enum_text(&item.status));
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Stores the sessions `user` does not have yet (by id; the first of two with one id), with
/// their items and tallies, inside the caller's transaction.
async fn insert_sessions(conn: &mut PgConnection, user: UserId, sessions: &[SessionRecord]) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    for chunk in sessions.chunks(SESSIONS_PER_INSERT) {
        let mut insert = QueryBuilder::new(
            "INSERT INTO sessions (user_id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, \
             done_items, pain_before, pain_after, flagged, preview) ",
        );
        insert.push_values(chunk, |mut row, s| {
            row.push_bind(user.0)
                .push_bind(s.id.to_string())
                .push_bind(s.routine.clone())
                .push_bind(s.started_at_ms)
                .push_bind(s.ended_at_ms)
                .push_bind(s.stopped.as_ref().map(enum_text))
                .push_bind(s.warmed_up)
                .push_bind(s.active_ms)
                .push_bind(s.counted_items())
                .push_bind(s.pain_before.map(i64::from))
                .push_bind(s.pain_after.map(i64::from))
                .push_bind(s.flagged.clone())
                .push_bind(s.preview);
        });
        insert.push(" ON CONFLICT (user_id, uuid) DO NOTHING RETURNING id, uuid");
        let rows = insert.build().fetch_all(&mut *conn).await.map_err(for_user(user))?;
        let mut ids: HashMap<SessionId, i64> = HashMap::with_capacity(rows.len());
        for row in &rows {
            let uuid: String = row.try_get(1)?;
            ids.insert(parse_id(&uuid)?, row.try_get(0)?);
        }
        let mut added = Vec::with_capacity(rows.len());
        let mut counts = [0_i64; 12];
        for s in chunk {
            match ids.remove(&s.id) {
                Some(id) => {
                    added.push((id, s));
                    counts[tally_slot(s.pain_before)] += 1;
                }
                None => report.skipped += 1,
            }
        }
        report.added += added.len();
        insert_items(conn, &added).await?;
        add_tallies(conn, user, &counts).await?;
    }
    Ok(report)
}

/// Stores `entry` unless one is stored at that moment already; says whether it was new.
async fn insert_screening(conn: &mut PgConnection, user: UserId, entry: &ScreeningEntry) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO screenings (user_id, taken_at, answers, clinician_assessed) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, taken_at) DO NOTHING",
    )
    .bind(user.0)
    .bind(entry.taken_at_ms)
    .bind(to_json(&entry.record.answers))
    .bind(entry.record.clinician_assessed)
    .execute(&mut *conn)
    .await
    .map_err(for_user(user))?;
    Ok(done.rows_affected() == 1)
}

fn progress_from(row: &PgRow) -> Result<Progress> {
    Ok(Progress {
        hold_seconds: count(row.try_get("hold_seconds")?),
        comfortable_streak: count(row.try_get("comfortable_streak")?),
        flagged: row.try_get("flagged")?,
    })
}

/// Applies `changes` to the stored progression of `user`, inside the caller's transaction
/// (which holds the user's lock). Returns the stretches whose hold grew, with the new hold.
async fn apply_changes(
    conn: &mut PgConnection,
    user: UserId,
    changes: &[ProgressChange],
    rules: ProgressRules,
) -> Result<Vec<(StretchId, u32)>> {
    let mut touched: BTreeMap<StretchId, Progress> = BTreeMap::new();
    let mut grown: Vec<(StretchId, u32)> = Vec::new();
    for change in changes {
        if !touched.contains_key(&change.stretch) {
            let row = sqlx::query(
                "SELECT hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = $1 AND stretch = $2",
            )
            .bind(user.0)
            .bind(change.stretch.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            let stored = row.as_ref().map(progress_from).transpose()?;
            touched.insert(change.stretch.clone(), stored.unwrap_or_else(|| Progress::start(change.low)));
        }
        let Some(progress) = touched.get_mut(&change.stretch) else { continue };
        if progress.apply(change, rules) {
            match grown.iter_mut().find(|(id, _)| id == &change.stretch) {
                Some(entry) => entry.1 = progress.hold_seconds,
                None => grown.push((change.stretch.clone(), progress.hold_seconds)),
            }
        }
    }
    write_progress(conn, user, &touched).await?;
    Ok(grown)
}

/// Stores `progress` for each stretch it names, replacing what was stored, except that a stretch
/// set aside stays set aside: [`Store::set_aside`] may have set the flag after `progress` was
/// read (it takes no lock), and only [`Store::clear_flag`] clears one.
async fn write_progress(conn: &mut PgConnection, user: UserId, progress: &BTreeMap<StretchId, Progress>) -> Result<()> {
    for (stretch, p) in progress {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, stretch) DO UPDATE SET \
             hold_seconds = excluded.hold_seconds, comfortable_streak = excluded.comfortable_streak, \
             flagged = progression.flagged OR excluded.flagged",
        )
        .bind(user.0)
        .bind(stretch.as_str())
        .bind(i64::from(p.hold_seconds))
        .bind(i64::from(p.comfortable_streak))
        .bind(p.flagged)
        .execute(&mut *conn)
        .await
        .map_err(for_user(user))?;
    }
    Ok(())
}

/// Merges an imported progression into what `user` has ([`Progress::merged_with`]: the safer
/// of each stretch's); returns how many stretches that changed.
async fn merge_progress(
    conn: &mut PgConnection,
    user: UserId,
    incoming: &BTreeMap<StretchId, Progress>,
) -> Result<usize> {
    let mut merged = BTreeMap::new();
    for (stretch, new) in incoming {
        let row = sqlx::query(
            "SELECT hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = $1 AND stretch = $2",
        )
        .bind(user.0)
        .bind(stretch.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let stored = row.as_ref().map(progress_from).transpose()?;
        let safer = stored.as_ref().map_or_else(|| new.clone(), |s| s.merged_with(new));
        // Only what the file changes is written and counted: importing the same file again
        // reports nothing merged.
        if stored.as_ref() != Some(&safer) {
            merged.insert(stretch.clone(), safer);
        }
    }
    write_progress(conn, user, &merged).await?;
    Ok(merged.len())
}

/// What a session stream selects, read by position: the session (0–10), then one of its items
/// (11–21; `NULL`s for a session without items), then whether the session was a preview (22).
const STREAM_COLUMNS: &str = "s.id, s.uuid, s.routine, s.started_at, s.ended_at, s.stopped, s.warmed_up, s.active_ms, \
     s.pain_before, s.pain_after, s.flagged, i.stretch, i.instead_of, i.seconds, i.holds_done, i.sides_done, \
     i.holds_planned, i.active_ms, i.comfort, i.discomfort, i.max_pain, i.status, s.preview";

/// The session of a stream row, without items, and its row id.
fn session_from(row: &PgRow) -> Result<(i64, SessionRecord)> {
    let uuid: String = row.try_get(1)?;
    let stopped: Option<String> = row.try_get(5)?;
    let record = SessionRecord {
        id: parse_id(&uuid)?,
        routine: row.try_get(2)?,
        started_at_ms: row.try_get(3)?,
        ended_at_ms: row.try_get(4)?,
        stopped: stopped.map(|s| enum_from::<StopReason>(&s, "stop reason")).transpose()?,
        warmed_up: row.try_get(6)?,
        active_ms: row.try_get(7)?,
        pain_before: small(row.try_get(8)?),
        pain_after: small(row.try_get(9)?),
        flagged: row.try_get(10)?,
        items: Vec::new(),
        preview: row.try_get(22)?,
    };
    Ok((row.try_get(0)?, record))
}

/// The item of a stream row, if the row has one.
fn item_from(row: &PgRow) -> Result<Option<ItemRecord>> {
    let Some(stretch) = row.try_get::<Option<String>, _>(11)? else { return Ok(None) };
    let comfort: Option<String> = row.try_get(18)?;
    Ok(Some(ItemRecord {
        stretch: StretchId(stretch),
        instead_of: row.try_get::<Option<String>, _>(12)?.map(StretchId),
        seconds: count(row.try_get(13)?),
        holds_done: count(row.try_get(14)?),
        sides_done: from_json(&row.try_get::<String, _>(15)?, "sides done")?,
        holds_planned: count(row.try_get(16)?),
        active: duration(row.try_get(17)?),
        comfort: comfort.map(|c| enum_from::<Comfort>(&c, "comfort")).transpose()?,
        discomfort: row.try_get(19)?,
        max_pain: small(row.try_get(20)?),
        status: enum_from::<ItemStatus>(&row.try_get::<String, _>(21)?, "item status")?,
    }))
}

impl crate::stream::SessionRow for PgRow {
    fn row_id(&self) -> Result<i64> {
        Ok(self.try_get(0)?)
    }
    fn session(&self) -> Result<SessionRecord> {
        session_from(self).map(|(_, record)| record)
    }
    fn item(&self) -> Result<Option<ItemRecord>> {
        item_from(self)
    }
    fn identity(&self) -> (Option<String>, Option<i64>) {
        (self.try_get(1).ok(), self.try_get(3).ok())
    }
}

/// An import's transaction, holding the user's lock.
struct PgImport {
    tx: Transaction<'static, Postgres>,
    user: UserId,
}

#[async_trait::async_trait]
impl Import for PgImport {
    async fn add(&mut self, sessions: &[SessionRecord]) -> Result<ImportReport> {
        insert_sessions(&mut self.tx, self.user, sessions).await
    }

    async fn merge_progression(&mut self, progression: &BTreeMap<StretchId, Progress>) -> Result<usize> {
        merge_progress(&mut self.tx, self.user, progression).await
    }

    async fn set_aside(&mut self, stretch: &StretchId, start: Progress) -> Result<()> {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES ($1, $2, $3, $4, TRUE) ON CONFLICT (user_id, stretch) DO UPDATE SET flagged = TRUE",
        )
        .bind(self.user.0)
        .bind(stretch.as_str())
        .bind(i64::from(start.hold_seconds))
        .bind(i64::from(start.comfortable_streak))
        .execute(&mut *self.tx)
        .await
        .map_err(for_user(self.user))?;
        Ok(())
    }

    async fn restore_profile(&mut self, profile: &Profile) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO profile (user_id, equipment, avoid, weekly_goal, voice, sound) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(self.user.0)
        .bind(to_json(&profile.equipment))
        .bind(to_json(&profile.avoid))
        .bind(i64::from(profile.weekly_goal))
        .bind(profile.voice)
        .bind(profile.sound)
        .execute(&mut *self.tx)
        .await
        .map_err(for_user(self.user))?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_screening(&mut self, entry: &ScreeningEntry) -> Result<bool> {
        insert_screening(&mut self.tx, self.user, entry).await
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn live_from(row: &PgRow, events: Vec<String>) -> Result<LiveRecord> {
    let uuid: String = row.try_get("uuid")?;
    Ok(LiveRecord {
        id: uuid.parse().map_err(|e: uuid::Error| Error::Decode { what: "live session id", detail: e.to_string() })?,
        user: UserId(row.try_get("user_id")?),
        plan: row.try_get("plan")?,
        screening: row.try_get("screening")?,
        log: row.try_get("log")?,
        events,
        started_at_ms: row.try_get("started_at")?,
        speed: row.try_get("speed")?,
    })
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn place(&self) -> String {
        self.place.clone()
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn local_user(&self) -> Result<UserId> {
        if let Some(user) = self.user_by_name(LOCAL_USER).await? {
            return Ok(user);
        }
        sqlx::query("INSERT INTO users (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(LOCAL_USER)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        self.user_by_name(LOCAL_USER).await?.ok_or(Error::UnknownUser(UserId(0)))
    }

    async fn create_user(&self, name: &str) -> Result<UserId> {
        let name = crate::user_name(name)?;
        let id: i64 = sqlx::query_scalar("INSERT INTO users (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => Error::UserExists { name: name.to_owned() },
                _ => Error::from(e),
            })?;
        Ok(UserId(id))
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM users ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(User {
                    id: UserId(row.try_get("id")?),
                    name: row.try_get("name")?,
                    created_at_ms: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<UserId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        Ok(id.map(UserId))
    }

    async fn remove_user(&self, user: UserId) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        lock_user(&mut tx, user).await?;
        // Every table refers to the user with ON DELETE CASCADE.
        let removed = sqlx::query("DELETE FROM users WHERE id = $1").bind(user.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn finish_session(
        &self,
        user: UserId,
        session: &SessionRecord,
        changes: &[ProgressChange],
        rules: ProgressRules,
        screening: &[ScreeningEntry],
    ) -> Result<FinishReport> {
        let mut tx = self.pool.begin().await?;
        lock_user(&mut tx, user).await?;
        if insert_sessions(&mut tx, user, std::slice::from_ref(session)).await?.added == 0 {
            tx.rollback().await?;
            return Ok(FinishReport { grown: Vec::new(), already_saved: true });
        }
        let grown = apply_changes(&mut tx, user, changes, rules).await?;
        for entry in screening {
            insert_screening(&mut tx, user, entry).await?;
        }
        tx.commit().await?;
        Ok(FinishReport { grown, already_saved: false })
    }

    fn stream_sessions(&self, user: UserId, query: SessionQuery) -> BoxStream<'_, Result<SessionRecord>> {
        let (direction, beyond) = match query.order {
            Order::NewestFirst => ("DESC", "<"),
            Order::OldestFirst => ("ASC", ">"),
        };
        let after =
            if query.after.is_some() { format!("AND (s.started_at, s.uuid) {beyond} ($3, $4)") } else { String::new() };
        let sql = format!(
            "SELECT {STREAM_COLUMNS} FROM sessions s LEFT JOIN session_items i ON i.session_id = s.id \
             WHERE s.user_id = $1 AND s.started_at >= $2 {after} \
             ORDER BY s.started_at {direction}, s.uuid {direction}, i.position"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(user.0).bind(query.since_ms.unwrap_or(i64::MIN));
        if let Some(cursor) = query.after {
            q = q.bind(cursor.started_at_ms).bind(cursor.id.to_string());
        }
        crate::stream::sessions_of(q.fetch(&self.pool))
    }

    async fn session(&self, user: UserId, id: SessionId) -> Result<Option<SessionRecord>> {
        // By the (user_id, uuid) key: one session, its items in order.
        let sql = format!(
            "SELECT {STREAM_COLUMNS} FROM sessions s LEFT JOIN session_items i ON i.session_id = s.id \
             WHERE s.user_id = $1 AND s.uuid = $2 ORDER BY i.position"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(user.0).bind(id.to_string());
        crate::stream::sessions_of(q.fetch(&self.pool)).next().await.transpose()
    }

    async fn tallies(&self, user: UserId) -> Result<Tallies> {
        let rows = sqlx::query("SELECT pain_before, sessions FROM session_tallies WHERE user_id = $1")
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        let mut tallies = Tallies::default();
        for row in &rows {
            let (pain, n): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let n = u64::try_from(n).unwrap_or(0);
            tallies.sessions += n;
            if let Some(slot) = usize::try_from(pain).ok().and_then(|p| tallies.pain_before.get_mut(p)) {
                *slot += n;
            }
        }
        Ok(tallies)
    }

    async fn pain_ends(&self, user: UserId, latest: u32, until_ms: i64) -> Result<PainEnds> {
        let rating = |row: &PgRow| -> Result<Rating> {
            Ok(Rating {
                started_at_ms: row.try_get(0)?,
                pain_before: small(row.try_get(1)?).unwrap_or(0),
                pain_after: small(row.try_get(2)?),
            })
        };
        let first = sqlx::query(
            "SELECT started_at, pain_before, pain_after FROM sessions \
             WHERE user_id = $1 AND pain_before IS NOT NULL AND started_at <= $2 ORDER BY started_at, uuid LIMIT 1",
        )
        .bind(user.0)
        .bind(until_ms)
        .fetch_optional(&self.pool)
        .await?;
        let newest = sqlx::query(
            "SELECT started_at, pain_before, pain_after FROM sessions \
             WHERE user_id = $1 AND pain_before IS NOT NULL AND started_at <= $2 \
             ORDER BY started_at DESC, uuid DESC LIMIT $3",
        )
        .bind(user.0)
        .bind(until_ms)
        .bind(i64::from(latest))
        .fetch_all(&self.pool)
        .await?;
        let mut latest = newest.iter().map(rating).collect::<Result<Vec<_>>>()?;
        latest.reverse();
        let lowest_lately: Option<i64> = match latest.last() {
            Some(last) => {
                sqlx::query_scalar(
                    "SELECT MIN(pain_before) FROM sessions \
                 WHERE user_id = $1 AND pain_before IS NOT NULL AND started_at BETWEEN $2 AND $3",
                )
                .bind(user.0)
                .bind(last.started_at_ms.saturating_sub(crate::LATELY_MS))
                .bind(last.started_at_ms)
                .fetch_one(&self.pool)
                .await?
            }
            None => None,
        };
        Ok(PainEnds { first: first.as_ref().map(rating).transpose()?, latest, lowest_lately: small(lowest_lately) })
    }

    fn goal_session_starts(&self, user: UserId) -> BoxStream<'_, Result<i64>> {
        sqlx::query_scalar(
            "SELECT started_at FROM sessions WHERE user_id = $1 AND done_items > 0 ORDER BY started_at DESC",
        )
        .bind(user.0)
        .fetch(&self.pool)
        .map_err(Error::from)
        .boxed()
    }

    async fn last_done(&self, user: UserId, routine: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(started_at) FROM sessions WHERE user_id = $1 AND routine = $2")
            .bind(user.0)
            .bind(routine)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn begin_import(&self, user: UserId) -> Result<Box<dyn Import>> {
        let mut tx = self.pool.begin().await?;
        lock_user(&mut tx, user).await?;
        Ok(Box::new(PgImport { tx, user }))
    }

    async fn pain_stops(&self, user: UserId, since_ms: i64, until_ms: i64) -> Result<u32> {
        let stops: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions \
             WHERE user_id = $1 AND started_at BETWEEN $2 AND $3 AND stopped IN ('sharp-pain', 'pain')",
        )
        .bind(user.0)
        .bind(since_ms)
        .bind(until_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(stops).unwrap_or(u32::MAX))
    }

    async fn last_emergency(&self, user: UserId, since_ms: i64, until_ms: i64) -> Result<Option<i64>> {
        // A session that ended after `since_ms` started at most a day before it (an import
        // refuses one longer).
        Ok(sqlx::query_scalar(
            "SELECT MAX(at) FROM ( \
               SELECT MAX(ended_at) AS at FROM sessions \
                WHERE user_id = $1 AND started_at BETWEEN $2 AND $4 AND stopped = 'emergency' \
                  AND ended_at BETWEEN $3 AND $4 \
               UNION ALL \
               SELECT MAX(taken_at) FROM screenings \
                WHERE user_id = $1 AND taken_at BETWEEN $3 AND $4 AND answers = '[]' AND NOT clinician_assessed \
             ) AS emergencies",
        )
        .bind(user.0)
        .bind(since_ms.saturating_sub(crate::DAY_MS))
        .bind(since_ms)
        .bind(until_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn latest_screening(&self, user: UserId) -> Result<Option<ScreeningEntry>> {
        let row = sqlx::query(
            "SELECT taken_at, answers, clinician_assessed FROM screenings WHERE user_id = $1 \
             ORDER BY taken_at DESC, id DESC LIMIT 1",
        )
        .bind(user.0)
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

    async fn save_screening(&self, user: UserId, entry: &ScreeningEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert_screening(&mut conn, user, entry).await?;
        Ok(())
    }

    async fn profile(&self, user: UserId) -> Result<Profile> {
        let row = sqlx::query("SELECT equipment, avoid, weekly_goal, voice, sound FROM profile WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(Profile::default()) };
        Ok(Profile {
            equipment: known_names(&row.try_get::<String, _>("equipment")?, "equipment")?,
            avoid: known_names(&row.try_get::<String, _>("avoid")?, "positions to avoid")?,
            weekly_goal: count(row.try_get("weekly_goal")?),
            voice: row.try_get("voice")?,
            sound: row.try_get("sound")?,
        })
    }

    async fn save_profile(&self, user: UserId, profile: &Profile) -> Result<()> {
        let stored: Option<(String, String)> =
            sqlx::query_as("SELECT equipment, avoid FROM profile WHERE user_id = $1")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?;
        let (equipment, avoid) = stored.unzip();
        sqlx::query(
            "INSERT INTO profile (user_id, equipment, avoid, weekly_goal, voice, sound) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id) DO UPDATE SET equipment = excluded.equipment, avoid = excluded.avoid, \
             weekly_goal = excluded.weekly_goal, voice = excluded.voice, sound = excluded.sound",
        )
        .bind(user.0)
        .bind(names_keeping_unknown(&profile.equipment, equipment.as_deref()))
        .bind(names_keeping_unknown(&profile.avoid, avoid.as_deref()))
        .bind(i64::from(profile.weekly_goal))
        .bind(profile.voice)
        .bind(profile.sound)
        .execute(&self.pool)
        .await
        .map_err(for_user(user))?;
        Ok(())
    }

    async fn progression(&self, user: UserId) -> Result<BTreeMap<StretchId, Progress>> {
        let rows = sqlx::query(
            "SELECT stretch, hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((StretchId(row.try_get("stretch")?), progress_from(row)?))).collect()
    }

    async fn clear_flag(&self, user: UserId, stretch: &StretchId, back_to: Progress) -> Result<bool> {
        let cleared = sqlx::query(
            "UPDATE progression SET flagged = FALSE, hold_seconds = $3, comfortable_streak = $4 \
             WHERE user_id = $1 AND stretch = $2 AND flagged",
        )
        .bind(user.0)
        .bind(stretch.as_str())
        .bind(i64::from(back_to.hold_seconds))
        .bind(i64::from(back_to.comfortable_streak))
        .execute(&self.pool)
        .await?;
        Ok(cleared.rows_affected() > 0)
    }

    async fn set_aside(&self, user: UserId, stretch: &StretchId, start: Progress) -> Result<()> {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES ($1, $2, $3, $4, TRUE) ON CONFLICT (user_id, stretch) DO UPDATE SET flagged = TRUE",
        )
        .bind(user.0)
        .bind(stretch.as_str())
        .bind(i64::from(start.hold_seconds))
        .bind(i64::from(start.comfortable_streak))
        .execute(&self.pool)
        .await
        .map_err(for_user(user))?;
        Ok(())
    }

    async fn set_token_hash(&self, user: UserId, hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (user_id, hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at",
        )
        .bind(user.0)
        .bind(hash)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(for_user(user))?;
        Ok(())
    }

    async fn user_by_token_hash(&self, hash: &str) -> Result<Option<UserId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT user_id FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(UserId))
    }

    async fn save_live(&self, live: &LiveRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO live_sessions (uuid, user_id, plan, screening, log, started_at, speed, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (uuid) DO UPDATE SET log = excluded.log, updated_at = excluded.updated_at",
        )
        .bind(live.id.to_string())
        .bind(live.user.0)
        .bind(&live.plan)
        .bind(&live.screening)
        .bind(&live.log)
        .bind(live.started_at_ms)
        .bind(live.speed)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(for_user(live.user))?;
        sqlx::query("INSERT INTO live_heads (uuid) VALUES ($1) ON CONFLICT (uuid) DO NOTHING")
            .bind(live.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_live(&self, events: &[LiveEvent]) -> Result<()> {
        // Each session's events in this call, in order: (session, first seq, how many).
        let mut runs = crate::live_runs(events)?;
        if runs.is_empty() {
            return Ok(());
        }
        // Heads are locked in one order by every writer, so two instances never deadlock.
        runs.sort_by_key(|r| r.0);
        let uuids: Vec<String> = runs.iter().map(|r| r.0.to_string()).collect();
        let firsts: Vec<i64> = runs.iter().map(|r| seq(r.1)).collect();
        let counts: Vec<i64> = runs.iter().map(|r| seq(r.2)).collect();
        let sessions: Vec<String> = events.iter().map(|e| e.session.to_string()).collect();
        let seqs: Vec<i64> = events.iter().map(|e| seq(e.seq)).collect();
        let texts: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        // One round trip (migrations 0002–0003): lock, check and move the heads, add the events,
        // notify once. Nothing of it is kept when an event is out of place.
        let appended = sqlx::query("SELECT limber_append_live($1, $2, $3, $4, $5, $6, $7)")
            .bind(CHANNEL)
            .bind(&uuids)
            .bind(&firsts)
            .bind(&counts)
            .bind(&sessions)
            .bind(&seqs)
            .bind(&texts)
            .execute(&self.pool)
            .await;
        let Err(failed) = appended else { return Ok(()) };
        let out_of_place =
            failed.as_database_error().and_then(sqlx::error::DatabaseError::code).is_some_and(|code| code == "LB001");
        if !out_of_place {
            return Err(failed.into());
        }
        for (session, first, _) in &runs {
            let next: Option<i64> = sqlx::query_scalar("SELECT next FROM live_heads WHERE uuid = $1")
                .bind(session.to_string())
                .fetch_optional(&self.pool)
                .await?;
            if let Some(error) = crate::misplaced(*session, *first, next) {
                return Err(error);
            }
        }
        // The head moved between the check and the diagnosis: another writer got there.
        let (session, first, _) = runs[0];
        Err(Error::EventTaken { session, seq: first })
    }

    async fn live_sessions(&self) -> Result<Vec<LiveRecord>> {
        let mut events: HashMap<String, Vec<String>> = HashMap::new();
        let stored = "SELECT h.uuid, e.event FROM live_events e JOIN live_heads h ON h.id = e.session \
                      WHERE e.seq < h.next ORDER BY e.session, e.seq";
        for row in sqlx::query(stored).fetch_all(&self.pool).await? {
            events.entry(row.try_get("uuid")?).or_default().push(row.try_get("event")?);
        }
        let rows = sqlx::query(
            "SELECT uuid, user_id, plan, screening, log, started_at, speed FROM live_sessions \
             ORDER BY started_at, uuid",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let uuid: String = row.try_get("uuid")?;
                live_from(row, events.remove(&uuid).unwrap_or_default())
            })
            .collect()
    }

    async fn live_session(&self, id: SessionId) -> Result<Option<LiveRecord>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT uuid, user_id, plan, screening, log, started_at, speed FROM live_sessions WHERE uuid = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let events: Vec<String> = sqlx::query_scalar(
            "SELECT e.event FROM live_events e JOIN live_heads h ON h.id = e.session \
             WHERE h.uuid = $1 AND e.seq < h.next ORDER BY e.seq",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        live_from(&row, events).map(Some)
    }

    async fn live_events_since(&self, id: SessionId, from: u64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT e.event FROM live_events e JOIN live_heads h ON h.id = e.session \
             WHERE h.uuid = $1 AND e.seq >= $2 AND e.seq < h.next ORDER BY e.seq",
        )
        .bind(id.to_string())
        .bind(seq(from))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn live_sessions_of(&self, user: UserId) -> Result<Vec<SessionId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT uuid FROM live_sessions WHERE user_id = $1 ORDER BY started_at, uuid")
                .bind(user.0)
                .fetch_all(&self.pool)
                .await?;
        ids.iter().map(|id| parse_id(id)).collect()
    }

    async fn count_live_of(&self, user: UserId) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM live_sessions WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(n.unsigned_abs())
    }

    async fn remove_live(&self, id: SessionId) -> Result<bool> {
        // Its head and events go with it (ON DELETE CASCADE); other instances hear of it.
        let removed = sqlx::query(
            "WITH gone AS (DELETE FROM live_sessions WHERE uuid = $1 RETURNING uuid) \
             SELECT pg_notify($2, uuid) FROM gone",
        )
        .bind(id.to_string())
        .bind(CHANNEL)
        .fetch_all(&self.pool)
        .await?;
        Ok(!removed.is_empty())
    }

    async fn watch_live(&self) -> Result<Option<BoxStream<'static, LiveChange>>> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        let changes = futures_util::stream::unfold(listener, |mut listener| async move {
            let changes = match listener.try_recv().await {
                Ok(Some(notice)) => changes_in(notice.payload()),
                // The connection was lost (and is made again on the next call): whatever was
                // sent meanwhile is missed.
                Ok(None) => vec![LiveChange::Missed],
                // Cannot reconnect yet: try again in a second; the instance reloads what it
                // holds once it can.
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    vec![LiveChange::Missed]
                }
            };
            Some((futures_util::stream::iter(changes), listener))
        })
        .flatten();
        Ok(Some(changes.boxed()))
    }
}

/// The changes one notification on [`CHANNEL`] tells of: a line per session, its id and then,
/// after a space, how many events it has (appended) or nothing more (removed). A line that
/// names no session is skipped.
fn changes_in(payload: &str) -> Vec<LiveChange> {
    payload
        .lines()
        .filter_map(|line| {
            let (id, events) = line.split_once(' ').unwrap_or((line, ""));
            let id = id.parse::<SessionId>().ok()?;
            Some(LiveChange::Session { id, events: events.parse().ok() })
        })
        .collect()
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates an empty database called `name` on the server `url` points at, and returns its URL
/// (for tests and tools: each test gets a database of its own). `name` must be a plain
/// identifier (letters, digits, `_`).
pub async fn create_database(url: &str, name: &str) -> Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::UnsupportedUrl(name.to_owned()));
    }
    let mut conn = <PgConnection as sqlx::Connection>::connect(url).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
    Ok(with_database(url, name))
}

/// Drops the database called `name` on the server `url` points at, even with connections open.
pub async fn drop_database(url: &str, name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::UnsupportedUrl(name.to_owned()));
    }
    let mut conn = <PgConnection as sqlx::Connection>::connect(url).await?;
    sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{changes_in, with_database};
    use crate::LiveChange;

    #[test]
    fn a_url_gets_another_database() {
        assert_eq!(with_database("postgres://u@h:5/postgres", "t1"), "postgres://u@h:5/t1");
        assert_eq!(with_database("postgres://u@h:5", "t1"), "postgres://u@h:5/t1");
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "t1"), "postgres://u:p@h/t1?sslmode=disable");
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_is_said_in_words_to_try_again() {
        // Nothing listens on port 1: every connection the pool tries is refused until it gives up.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(std::time::Duration::from_millis(300))
            .connect_lazy("postgres://limber@127.0.0.1:1/limber")
            .unwrap();
        let error = crate::Error::from(sqlx::query("SELECT 1").execute(&pool).await.unwrap_err());
        assert!(matches!(error, crate::Error::Unreachable { .. }), "{error:?}");
        assert!(error.to_string().contains("try again in a moment"), "{error}");
    }

    #[test]
    fn a_notification_tells_of_each_session_on_its_lines() {
        let (a, b) = ("0b6f7c1e-8a7e-4c59-9d5e-3b1c2f0e4a11", "f1e2d3c4-b5a6-4798-8a9b-0c1d2e3f4a5b");
        let changes = changes_in(&format!("{a} 12\n{b}\nnot-a-session 3\n{b} 4"));
        let session = |id: &str, events| LiveChange::Session { id: id.parse().unwrap(), events };
        assert_eq!(changes, [session(a, Some(12)), session(b, None), session(b, Some(4))]);
        assert_eq!(changes_in(&format!("{a} 7")), [session(a, Some(7))]);
        assert!(changes_in("").is_empty());
    }
}
