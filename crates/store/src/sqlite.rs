//! The SQLite backend: one file, WAL mode, versioned migrations, a busy timeout for sharing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use limber_core::{
    Comfort, ItemRecord, ItemStatus, Progress, ProgressChange, ProgressRules, ScreeningRecord, StopReason, StretchId,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, Sqlite, Transaction};

use crate::ids::{SessionId, UserId};
use crate::records::{
    FinishReport, LiveEvent, LiveRecord, Order, PainEnds, Profile, Rating, ScreeningEntry, SessionQuery, SessionRecord,
    Tallies, User,
};
use crate::{Error, Import, ImportReport, LOCAL_USER, Result, Store, database_path};

/// Live events per `INSERT` statement (3 bound values each, well under SQLite's limit).
const EVENTS_PER_STATEMENT: usize = 256;

/// The migrations in `migrations/sqlite/`, compiled in so a binary needs no files beside it.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Starts a write transaction that takes the write lock at once, so that two writers (two
/// processes, or two connections) queue up behind the busy timeout instead of one of them
/// failing, or acting on what it read before the other wrote.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// How often opening retries migrations that another limber is applying at the same moment.
const MIGRATE_RETRIES: u32 = 8;

/// How long a writer waits for another limber process holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// limber's store in a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The one connection live sessions' intents are appended on (see [`journal_options`]).
    journal: Arc<tokio::sync::Mutex<Journal>>,
    path: PathBuf,
    /// Live sessions removed since their events were last swept.
    removed_since_sweep: Arc<AtomicU32>,
    /// Whether this process has swept once, on its first [`Store::live_sessions`].
    swept_at_start: Arc<AtomicBool>,
}

/// The connection that appends live sessions' intents: `synchronous=NORMAL`, so a commit is
/// written to the WAL without waiting for the disk. An appended intent survives the server
/// being killed or crashing (SQLite's guarantee in WAL mode); only a power cut or an OS crash
/// can lose the last intents of a session still running, never history, which is written with
/// `synchronous=FULL` on the other connections (and their syncs carry the journal's writes
/// with them). Opened when first used, with a small page cache: it only ever appends.
fn journal_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options.synchronous(SqliteSynchronous::Normal).pragma("cache_size", "-512")
}

/// The connection live sessions' intents are appended on, held by the store rather than in a
/// pool: a pool gives a connection back on a task of its own and pings it first, which made
/// every commit of intents three round trips to the connection's thread instead of one.
#[derive(Debug)]
struct Journal {
    options: SqliteConnectOptions,
    /// Opened when first used, and again after it is found mid-transaction (a write cut off).
    connection: Option<sqlx::SqliteConnection>,
    /// Set when the store is closed: nothing is appended after.
    closed: bool,
}

impl Journal {
    /// The open connection, opened first if need be; out of any transaction.
    async fn connection(&mut self) -> std::result::Result<&mut sqlx::SqliteConnection, sqlx::Error> {
        if self.closed {
            return Err(sqlx::Error::PoolClosed);
        }
        if self.connection.as_mut().is_some_and(|c| sqlx::Connection::is_in_transaction(c)) {
            // A write cut off in the middle (its task was dropped): not used again.
            if let Some(connection) = self.connection.take() {
                let _ = sqlx::Connection::close_hard(connection).await;
            }
        }
        if self.connection.is_none() {
            self.connection = Some(sqlx::ConnectOptions::connect(&self.options).await?);
        }
        self.connection.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    async fn close(&mut self) {
        self.closed = true;
        if let Some(connection) = self.connection.take() {
            let _ = sqlx::Connection::close(connection).await;
        }
    }
}

/// Makes the database at `path` its owner's alone: a new one is created empty with that mode
/// (SQLite gives its write-ahead log and shared memory the database's mode), and one written
/// by an earlier limber, with its log and shared memory, loses what others could read. At
/// best: where this cannot be done (a folder it may not write, a file someone else owns),
/// opening goes on to say what is wrong, or to work as it may.
fn keep_private(path: &Path) {
    if crate::private::file_options().write(true).create_new(true).open(path).is_ok() {
        return;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = crate::private::restrict(Path::new(&name));
    }
}

/// Removed live sessions between two sweeps of their events.
const SWEEP_EVERY: u32 = 512;

impl SqliteStore {
    /// Opens (creating when missing) the database in `data_dir`, applying any pending migrations.
    /// A damaged file or one from a newer limber is reported and never overwritten.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
        crate::private::create_dir(data_dir).map_err(|error| Error::DataDir { path: data_dir.to_owned(), error })?;
        let path = database_path(data_dir);
        keep_private(&path);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // Two limbers opening one new file at once can find it locked while the other switches
        // it to WAL or applies the schema: that is worth another try, never an error at once.
        let mut attempt = 0;
        loop {
            let opened = async {
                let store = SqliteStore::connect(options.clone(), &path).await?;
                store.migrate().await?;
                Ok(store)
            }
            .await;
            match opened {
                Err(e) if is_busy(&e) && attempt < MIGRATE_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                }
                Err(e) => return Err(read_only_or_full(e, data_dir)),
                other => return other,
            }
        }
    }

    /// Opens the database in `data_dir` only to read it, as it is: for a file or folder this
    /// user may not write (a backup, a snapshot, another account's folder). Nothing is created,
    /// migrated or written (without a write-ahead log beside it, the file is read as unchanging:
    /// no other program may be writing it meanwhile); a file from a newer limber, or one an
    /// older limber left that needs its schema brought up to date, is refused in words.
    pub async fn open_read_only(data_dir: &Path) -> Result<SqliteStore> {
        let path = database_path(data_dir);
        // Writes not folded into the file yet (a copy taken while limber ran, or after a crash)
        // are read from its write-ahead log: the file alone is read as unchanging only when it
        // has none (then no -shm file is needed either, which a read-only folder cannot hold).
        let mut log = path.clone().into_os_string();
        log.push("-wal");
        let unfolded = std::fs::metadata(&log).is_ok_and(|m| m.len() > 0);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true)
            .immutable(!unfolded)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let store = SqliteStore::connect(options, &path).await?;
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        match store.schema_version().await {
            Some(found) if found > known => Err(Error::Newer { path, found, known }),
            Some(found) if found == known => Ok(store),
            _ => Err(Error::ReadOnly {
                engine: "an older limber's database, which this one can read only once it is brought up to date \
                         (a write)"
                    .to_owned(),
            }),
        }
    }

    /// The store over the file at `path`, opened with `options`: two connections for reads
    /// and writes, and the journal's, made when first used.
    async fn connect(options: SqliteConnectOptions, path: &Path) -> Result<SqliteStore> {
        // No ping before each use (sqlx's default): an SQLite connection is a file open in this
        // process, which a ping (a round trip to the connection's thread, doubling the cost of
        // each intent's commit) cannot find gone. A broken one fails its query all the same.
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .test_before_acquire(false)
            .after_release(out_of_transactions)
            .connect_with(options.clone())
            .await
            .map_err(|e| classify(e, path))?;
        let journal = Journal { options: journal_options(options), connection: None, closed: false };
        Ok(SqliteStore {
            pool,
            journal: Arc::new(tokio::sync::Mutex::new(journal)),
            path: path.to_owned(),
            removed_since_sweep: Arc::default(),
            swept_at_start: Arc::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn migrate(&self) -> Result<()> {
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        // Look before touching: a database from a newer limber is left exactly as it is.
        let mut conn = self.pool.acquire().await.map_err(|e| classify(e, &self.path))?;
        conn.ensure_migrations_table("_sqlx_migrations").await.map_err(|e| self.migrate_error(e, known))?;
        let applied =
            conn.list_applied_migrations("_sqlx_migrations").await.map_err(|e| self.migrate_error(e, known))?;
        if let Some(found) = applied.iter().map(|m| m.version).max().filter(|v| *v > known) {
            return Err(Error::Newer { path: self.path.clone(), found, known });
        }
        drop(conn);
        // Another limber opening the same file at the same moment may be applying the same
        // migrations: one of ours then fails on what it already did. Wait for it and run again;
        // each run skips what is applied, so the file ends at the newest version either way.
        let mut attempt = 0;
        loop {
            match MIGRATOR.run(&self.pool).await {
                Ok(()) => return Ok(()),
                Err(_) if self.schema_version().await.is_some_and(|v| v >= known) => return Ok(()),
                Err(_) if attempt < MIGRATE_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                }
                Err(e) => return Err(self.migrate_error(e, known)),
            }
        }
    }

    /// The newest schema version applied to the file, if it can be read.
    async fn schema_version(&self) -> Option<i64> {
        let mut conn = self.pool.acquire().await.ok()?;
        let applied = conn.list_applied_migrations("_sqlx_migrations").await.ok()?;
        applied.iter().map(|m| m.version).max()
    }

    fn migrate_error(&self, e: MigrateError, known: i64) -> Error {
        match e {
            MigrateError::Execute(inner) => classify(inner, &self.path),
            MigrateError::VersionMissing(found) => Error::Newer { path: self.path.clone(), found, known },
            other => Error::Migrate(other),
        }
    }
}

/// Whether `e` is SQLite's "database is locked" or "table is locked" (SQLITE_BUSY, SQLITE_LOCKED).
fn is_busy(e: &Error) -> bool {
    let db = match e {
        Error::Busy { .. } => return true,
        Error::Database(sqlx::Error::Database(db)) => db,
        Error::Migrate(MigrateError::Execute(sqlx::Error::Database(db))) => db,
        _ => return false,
    };
    let code = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
    matches!(code, Some(5 | 6))
}

/// A write refused while opening, told apart by trying one: SQLite says the same of a
/// shared-memory file it could not grow on a full disk as of one it could not make in a
/// read-only folder. The trial file is new (never one already there, nor a link's target) and
/// removed at once.
fn read_only_or_full(error: Error, dir: &Path) -> Error {
    use std::io::Write as _;
    let Error::ReadOnly { engine } = error else { return error };
    let trial = dir.join(format!(".limber-space-check-{}", std::process::id()));
    let written = std::fs::OpenOptions::new().write(true).create_new(true).open(&trial).map(|mut file| {
        let written = file.write_all(&[0_u8; 64 * 1024]).and_then(|()| file.sync_all());
        let _ = std::fs::remove_file(&trial);
        written
    });
    match written.and_then(|written| written).map_err(|e| e.kind()) {
        Err(std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded) => Error::DiskFull { engine },
        _ => Error::ReadOnly { engine },
    }
}

/// Turns "file is not a database" and similar into [`Error::Corrupt`], and a name that cannot be
/// opened into [`Error::CannotOpen`].
fn classify(e: sqlx::Error, path: &Path) -> Error {
    if let sqlx::Error::Database(db) = &e {
        // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), with or without extended bits.
        let code = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
        if matches!(code, Some(11 | 26)) {
            return Error::Corrupt { path: path.to_owned() };
        }
        // SQLITE_CANTOPEN (14): the name is a folder or a dangling link.
        if code == Some(14) {
            return Error::CannotOpen { path: path.to_owned(), why: cannot_open_why(path) };
        }
    }
    Error::from(e)
}

/// Why the file at `path` could not be opened, as far as the file system tells.
fn cannot_open_why(path: &Path) -> String {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => "it is a folder".to_owned(),
        Ok(meta) if meta.file_type().is_symlink() && std::fs::metadata(path).is_err() => {
            "it is a link to a file that is not there".to_owned()
        }
        Ok(_) => match std::fs::File::open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                "you may not read it (does it belong to another user? was limber run with sudo?)".to_owned()
            }
            _ => "the system would not open it".to_owned(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "it is not there, and cannot be made in that folder (may you write there?)".to_owned()
        }
        Err(e) => format!("{e}"),
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Decode { what, detail: e.to_string() })
}

/// A stored list of names (equipment, positions), leaving out any this limber does not know: a
/// newer limber on the same database may know more. Safe to drop, since no stretch this limber
/// knows needs such equipment or is done in such a position. A list that is not a list of
/// names at all is still an error.
pub(crate) fn known_names<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<Vec<T>> {
    let names: Vec<String> = from_json(text, what)?;
    Ok(names.into_iter().filter_map(|name| enum_from(&name, what).ok()).collect())
}

/// `names` as a stored list, followed by the names in the list `stored` that this limber does not
/// know (a newer one wrote them): an older limber saving a profile must not drop a position a
/// newer one avoids.
pub(crate) fn names_keeping_unknown<T: Serialize + DeserializeOwned>(names: &[T], stored: Option<&str>) -> String {
    let mut out: Vec<String> = names.iter().map(enum_text).collect();
    let stored: Vec<String> = stored.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
    for name in stored {
        if enum_from::<T>(&name, "a name").is_err() && !out.contains(&name) {
            out.push(name);
        }
    }
    to_json(&out)
}

pub(crate) fn enum_text<T: Serialize>(value: &T) -> String {
    to_json(value).trim_matches('"').to_owned()
}

pub(crate) fn enum_from<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    from_json(&format!("\"{text}\""), what)
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

pub(crate) fn small(v: Option<i64>) -> Option<u8> {
    v.and_then(|v| u8::try_from(v).ok())
}

pub(crate) fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// Writing for a user the store does not know breaks a foreign key: say so plainly.
fn for_user(user: UserId) -> impl Fn(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::UnknownUser(user),
        _ => Error::from(e),
    }
}

/// The columns of `sessions` an insert writes, and their number.
const INSERT_SESSION_COLUMNS: &str = "user_id, uuid, routine, started_at, ended_at, stopped, warmed_up, active_ms, \
     done_items, pain_before, pain_after, flagged, preview";
const SESSION_PARAMS: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// The columns of `session_items` an insert writes, and their number.
const INSERT_ITEM_COLUMNS: &str = "session_id, position, stretch, instead_of, seconds, holds_done, sides_done, \
     holds_planned, active_ms, comfort, discomfort, max_pain, status";
const ITEM_PARAMS: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Sessions per multi-row insert (13 parameters each, well under SQLite's 32,766).
const SESSIONS_PER_INSERT: usize = 200;

/// Items per multi-row insert (13 parameters each).
const ITEMS_PER_INSERT: usize = 400;

type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

fn bind_session<'q>(query: Query<'q>, user: UserId, s: &SessionRecord) -> Query<'q> {
    query
        .bind(user.0)
        .bind(s.id.to_string())
        .bind(s.routine.clone())
        .bind(s.started_at_ms)
        .bind(s.ended_at_ms)
        .bind(s.stopped.as_ref().map(enum_text))
        .bind(s.warmed_up)
        .bind(s.active_ms)
        .bind(s.counted_items())
        .bind(s.pain_before.map(i64::from))
        .bind(s.pain_after.map(i64::from))
        .bind(s.flagged.clone())
        .bind(s.preview)
}

fn bind_item<'q>(query: Query<'q>, session_id: i64, position: usize, item: &ItemRecord) -> Query<'q> {
    query
        .bind(session_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(item.stretch.as_str().to_owned())
        .bind(item.instead_of.as_ref().map(|s| s.as_str().to_owned()))
        .bind(i64::from(item.seconds))
        .bind(i64::from(item.holds_done))
        .bind(to_json(&item.sides_done))
        .bind(i64::from(item.holds_planned))
        .bind(millis(item.active))
        .bind(item.comfort.as_ref().map(enum_text))
        .bind(item.discomfort)
        .bind(item.max_pain.map(i64::from))
        .bind(enum_text(&item.status))
}

/// `n` copies of `params`, comma-separated: the VALUES of a multi-row insert.
fn values(params: &str, n: usize) -> String {
    vec![params; n].join(", ")
}

/// Where a session goes in `session_tallies`: its "before" rating, or -1 when it has none.
pub(crate) fn tally_slot(pain_before: Option<u8>) -> usize {
    pain_before.map_or(0, |p| usize::from(p.min(10)) + 1)
}

/// Adds `counts` (by [`tally_slot`]) to `user`'s tallies, inside the caller's transaction.
async fn add_tallies(conn: &mut SqliteConnection, user: UserId, counts: &[i64; 12]) -> Result<()> {
    for (slot, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        sqlx::query(
            "INSERT INTO session_tallies (user_id, pain_before, sessions) VALUES (?, ?, ?) \
             ON CONFLICT (user_id, pain_before) DO UPDATE SET sessions = sessions + excluded.sessions",
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
async fn insert_items(conn: &mut SqliteConnection, added: &[(i64, &SessionRecord)]) -> Result<()> {
    let items: Vec<(i64, usize, &ItemRecord)> = added
        .iter()
        .flat_map(|(id, s)| s.items.iter().enumerate().map(move |(position, item)| (*id, position, item)))
        .collect();
    for chunk in items.chunks(ITEMS_PER_INSERT) {
        let sql =
            format!("INSERT INTO session_items ({INSERT_ITEM_COLUMNS}) VALUES {}", values(ITEM_PARAMS, chunk.len()));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, position, item) in chunk {
            query = bind_item(query, *id, *position, item);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Stores the sessions `user` does not have yet (by id; the first of two with one id), with
/// their items and tallies, inside the caller's transaction.
async fn insert_sessions(
    conn: &mut SqliteConnection,
    user: UserId,
    sessions: &[SessionRecord],
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    for chunk in sessions.chunks(SESSIONS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO sessions ({INSERT_SESSION_COLUMNS}) VALUES {} ON CONFLICT (user_id, uuid) DO NOTHING \
             RETURNING id, uuid",
            values(SESSION_PARAMS, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            query = bind_session(query, user, s);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(for_user(user))?;
        let mut ids: HashMap<SessionId, i64> = HashMap::with_capacity(rows.len());
        for row in &rows {
            let uuid: String = row.try_get(1)?;
            ids.insert(parse_id(&uuid)?, row.try_get(0)?);
        }
        let mut added = Vec::with_capacity(rows.len());
        let mut counts = [0_i64; 12];
        for s in chunk {
            // The first session with an id is the one inserted; a later one with the same id is skipped.
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

/// A stored live session from its `live_sessions` row and its appended events.
fn live_from(row: &sqlx::sqlite::SqliteRow, events: Vec<String>) -> Result<LiveRecord> {
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

pub(crate) fn parse_id(text: &str) -> Result<SessionId> {
    text.parse::<SessionId>().map_err(|e| Error::Decode { what: "session id", detail: e.to_string() })
}

/// Stores `entry` unless one is stored at that moment already; says whether it was new.
async fn insert_screening(conn: &mut SqliteConnection, user: UserId, entry: &ScreeningEntry) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO screenings (user_id, taken_at, answers, clinician_assessed) VALUES (?, ?, ?, ?) \
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

fn progress_from(row: &SqliteRow) -> Result<Progress> {
    Ok(Progress {
        hold_seconds: count(row.try_get("hold_seconds")?),
        comfortable_streak: count(row.try_get("comfortable_streak")?),
        flagged: row.try_get("flagged")?,
    })
}

/// Applies `changes` to the stored progression of `user`, inside the caller's transaction.
/// Returns the stretches whose hold grew, with the new hold.
async fn apply_changes(
    conn: &mut SqliteConnection,
    user: UserId,
    changes: &[ProgressChange],
    rules: ProgressRules,
) -> Result<Vec<(StretchId, u32)>> {
    let mut touched: BTreeMap<StretchId, Progress> = BTreeMap::new();
    let mut grown: Vec<(StretchId, u32)> = Vec::new();
    for change in changes {
        if !touched.contains_key(&change.stretch) {
            let row = sqlx::query(
                "SELECT hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = ? AND stretch = ?",
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
async fn write_progress(
    conn: &mut SqliteConnection,
    user: UserId,
    progress: &BTreeMap<StretchId, Progress>,
) -> Result<()> {
    for (stretch, p) in progress {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, stretch) DO UPDATE SET \
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
    conn: &mut SqliteConnection,
    user: UserId,
    incoming: &BTreeMap<StretchId, Progress>,
) -> Result<usize> {
    let mut merged = BTreeMap::new();
    for (stretch, new) in incoming {
        let row = sqlx::query(
            "SELECT hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = ? AND stretch = ?",
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
fn session_from(row: &SqliteRow) -> Result<(i64, SessionRecord)> {
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
fn item_from(row: &SqliteRow) -> Result<Option<ItemRecord>> {
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

impl crate::stream::SessionRow for SqliteRow {
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

/// An import's transaction.
struct SqliteImport {
    tx: Transaction<'static, Sqlite>,
    user: UserId,
}

#[async_trait::async_trait]
impl Import for SqliteImport {
    async fn add(&mut self, sessions: &[SessionRecord]) -> Result<ImportReport> {
        insert_sessions(&mut self.tx, self.user, sessions).await
    }

    async fn merge_progression(&mut self, progression: &BTreeMap<StretchId, Progress>) -> Result<usize> {
        merge_progress(&mut self.tx, self.user, progression).await
    }

    async fn set_aside(&mut self, stretch: &StretchId, start: Progress) -> Result<()> {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES (?, ?, ?, ?, 1) ON CONFLICT (user_id, stretch) DO UPDATE SET flagged = 1",
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
            "INSERT INTO profile (user_id, equipment, avoid, weekly_goal, voice, sound) VALUES (?, ?, ?, ?, ?, ?) \
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

impl SqliteStore {
    /// Deletes the events of live sessions that are gone (over, or removed with their user).
    async fn sweep_live_events(&self) -> Result<()> {
        self.removed_since_sweep.store(0, Ordering::Relaxed);
        sqlx::query("DELETE FROM live_events WHERE session NOT IN (SELECT id FROM live_heads)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> crate::Backend {
        crate::Backend::Sqlite
    }

    fn place(&self) -> String {
        self.path.display().to_string()
    }

    async fn close(&self) {
        self.journal.lock().await.close().await;
        // The log folded into the file first, while nothing else of this store writes: SQLite
        // does so when its last connection closes, but two connections closing at once can
        // each find the other still open, and leave the whole log for every later command to
        // read through. (Best effort: another process reading the file may hold it back.)
        // (It waits a moment at most for another process: every exit runs it.)
        if !self.pool.is_closed()
            && let Ok(mut conn) = self.pool.acquire().await
        {
            let _ = sqlx::query("PRAGMA busy_timeout = 100").execute(&mut *conn).await;
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await;
        }
        self.pool.close().await;
    }

    async fn local_user(&self) -> Result<UserId> {
        if let Some(user) = self.user_by_name(LOCAL_USER).await? {
            return Ok(user);
        }
        // Removed at some point: the CLI still needs someone to write for.
        sqlx::query("INSERT INTO users (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
            .bind(LOCAL_USER)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        self.user_by_name(LOCAL_USER).await?.ok_or(Error::UnknownUser(UserId(0)))
    }

    async fn create_user(&self, name: &str) -> Result<UserId> {
        let name = crate::user_name(name)?;
        let inserted = sqlx::query("INSERT INTO users (name, created_at) VALUES (?, ?)")
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => Error::UserExists { name: name.to_owned() },
                _ => Error::from(e),
            })?;
        Ok(UserId(inserted.last_insert_rowid()))
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
            sqlx::query_scalar("SELECT id FROM users WHERE name = ?").bind(name).fetch_optional(&self.pool).await?;
        Ok(id.map(UserId))
    }

    async fn remove_user(&self, user: UserId) -> Result<bool> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        // Explicit rather than relying on ON DELETE CASCADE alone.
        for sql in [
            "DELETE FROM session_items WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)",
            "DELETE FROM sessions WHERE user_id = ?",
            "DELETE FROM session_tallies WHERE user_id = ?",
            "DELETE FROM screenings WHERE user_id = ?",
            "DELETE FROM profile WHERE user_id = ?",
            "DELETE FROM progression WHERE user_id = ?",
            "DELETE FROM tokens WHERE user_id = ?",
            "DELETE FROM live_sessions WHERE user_id = ?",
        ] {
            sqlx::query(sql).bind(user.0).execute(&mut *tx).await?;
        }
        let removed = sqlx::query("DELETE FROM users WHERE id = ?").bind(user.0).execute(&mut *tx).await?;
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
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
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
            if query.after.is_some() { format!("AND (s.started_at, s.uuid) {beyond} (?, ?)") } else { String::new() };
        // Walks `sessions_by_start` and each session's items by their key: no sort, so rows
        // come as SQLite reads them.
        let sql = format!(
            "SELECT {STREAM_COLUMNS} FROM sessions s LEFT JOIN session_items i ON i.session_id = s.id \
             WHERE s.user_id = ? AND s.started_at >= ? {after} \
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
             WHERE s.user_id = ? AND s.uuid = ? ORDER BY i.position"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(user.0).bind(id.to_string());
        crate::stream::sessions_of(q.fetch(&self.pool)).next().await.transpose()
    }

    async fn tallies(&self, user: UserId) -> Result<Tallies> {
        let rows = sqlx::query("SELECT pain_before, sessions FROM session_tallies WHERE user_id = ?")
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
        let rating = |row: &SqliteRow| -> Result<Rating> {
            Ok(Rating {
                started_at_ms: row.try_get(0)?,
                pain_before: small(row.try_get(1)?).unwrap_or(0),
                pain_after: small(row.try_get(2)?),
            })
        };
        let first = sqlx::query(
            "SELECT started_at, pain_before, pain_after FROM sessions INDEXED BY sessions_rated \
             WHERE user_id = ? AND pain_before IS NOT NULL AND started_at <= ? ORDER BY started_at, uuid LIMIT 1",
        )
        .bind(user.0)
        .bind(until_ms)
        .fetch_optional(&self.pool)
        .await?;
        let newest = sqlx::query(
            "SELECT started_at, pain_before, pain_after FROM sessions INDEXED BY sessions_rated \
             WHERE user_id = ? AND pain_before IS NOT NULL AND started_at <= ? \
             ORDER BY started_at DESC, uuid DESC LIMIT ?",
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
                    "SELECT MIN(pain_before) FROM sessions INDEXED BY sessions_rated \
                 WHERE user_id = ? AND pain_before IS NOT NULL AND started_at BETWEEN ? AND ?",
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
            "SELECT started_at FROM sessions INDEXED BY sessions_counting \
             WHERE user_id = ? AND done_items > 0 ORDER BY started_at DESC",
        )
        .bind(user.0)
        .fetch(&self.pool)
        .map_err(Error::from)
        .boxed()
    }

    async fn last_done(&self, user: UserId, routine: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(started_at) FROM sessions WHERE user_id = ? AND routine = ?")
            .bind(user.0)
            .bind(routine)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn begin_import(&self, user: UserId) -> Result<Box<dyn Import>> {
        let tx = self.pool.begin_with(BEGIN_WRITE).await?;
        Ok(Box::new(SqliteImport { tx, user }))
    }

    async fn latest_screening(&self, user: UserId) -> Result<Option<ScreeningEntry>> {
        let row = sqlx::query(
            "SELECT taken_at, answers, clinician_assessed FROM screenings WHERE user_id = ? \
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

    async fn pain_stops(&self, user: UserId, since_ms: i64, until_ms: i64) -> Result<u32> {
        let stops: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions INDEXED BY sessions_by_start \
             WHERE user_id = ? AND started_at BETWEEN ? AND ? AND stopped IN ('sharp-pain', 'pain')",
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
               SELECT MAX(ended_at) AS at FROM sessions INDEXED BY sessions_by_start \
                WHERE user_id = ? AND started_at BETWEEN ? AND ? AND stopped = 'emergency' \
                  AND ended_at BETWEEN ? AND ? \
               UNION ALL \
               SELECT MAX(taken_at) FROM screenings \
                WHERE user_id = ? AND taken_at BETWEEN ? AND ? AND answers = '[]' AND NOT clinician_assessed)",
        )
        .bind(user.0)
        .bind(since_ms.saturating_sub(crate::DAY_MS))
        .bind(until_ms)
        .bind(since_ms)
        .bind(until_ms)
        .bind(user.0)
        .bind(since_ms)
        .bind(until_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn save_screening(&self, user: UserId, entry: &ScreeningEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert_screening(&mut conn, user, entry).await?;
        Ok(())
    }

    async fn profile(&self, user: UserId) -> Result<Profile> {
        let row = sqlx::query("SELECT equipment, avoid, weekly_goal, voice, sound FROM profile WHERE user_id = ?")
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
        let stored: Option<(String, String)> = sqlx::query_as("SELECT equipment, avoid FROM profile WHERE user_id = ?")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        let (equipment, avoid) = stored.unzip();
        sqlx::query(
            "INSERT INTO profile (user_id, equipment, avoid, weekly_goal, voice, sound) VALUES (?, ?, ?, ?, ?, ?) \
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
        let rows =
            sqlx::query("SELECT stretch, hold_seconds, comfortable_streak, flagged FROM progression WHERE user_id = ?")
                .bind(user.0)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| Ok((StretchId(row.try_get("stretch")?), progress_from(row)?))).collect()
    }

    async fn clear_flag(&self, user: UserId, stretch: &StretchId, back_to: Progress) -> Result<bool> {
        let cleared = sqlx::query(
            "UPDATE progression SET flagged = 0, hold_seconds = ?, comfortable_streak = ? \
             WHERE user_id = ? AND stretch = ? AND flagged",
        )
        .bind(i64::from(back_to.hold_seconds))
        .bind(i64::from(back_to.comfortable_streak))
        .bind(user.0)
        .bind(stretch.as_str())
        .execute(&self.pool)
        .await?;
        Ok(cleared.rows_affected() > 0)
    }

    async fn set_aside(&self, user: UserId, stretch: &StretchId, start: Progress) -> Result<()> {
        sqlx::query(
            "INSERT INTO progression (user_id, stretch, hold_seconds, comfortable_streak, flagged) \
             VALUES (?, ?, ?, ?, 1) ON CONFLICT (user_id, stretch) DO UPDATE SET flagged = 1",
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
            "INSERT INTO tokens (user_id, hash, created_at) VALUES (?, ?, ?) \
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
        let id: Option<i64> = sqlx::query_scalar("SELECT user_id FROM tokens WHERE hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(UserId))
    }

    async fn save_live(&self, live: &LiveRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO live_sessions (uuid, user_id, plan, screening, log, started_at, speed, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
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
        sqlx::query("INSERT INTO live_heads (uuid) VALUES (?) ON CONFLICT (uuid) DO NOTHING")
            .bind(live.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_live(&self, events: &[LiveEvent]) -> Result<()> {
        // Each session's events in this call, in order: (session, first seq, how many).
        let runs = crate::live_runs(events)?;
        if runs.is_empty() {
            return Ok(());
        }
        let seq = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        // One INSERT per chunk of events; a trigger (migration 0007) moves each session's head on
        // and aborts the statement when an event is out of place. One chunk is one statement in
        // a transaction of its own: a single round trip to the database.
        let insert = |chunk: &[LiveEvent]| {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO live_events (session, seq, event) SELECT h.id, v.column2, v.column3 FROM (",
            );
            insert.push_values(chunk, |mut row, e| {
                row.push_bind(e.session.to_string()).push_bind(seq(e.seq)).push_bind(&e.event);
            });
            // A LEFT JOIN, so that an event of a session that is not live reaches the trigger.
            insert.push(") AS v LEFT JOIN live_heads h ON h.uuid = v.column1 ORDER BY v.column1, v.column2");
            insert
        };
        let mut journal = self.journal.lock().await;
        let written: std::result::Result<(), sqlx::Error> = async {
            let journal = journal.connection().await?;
            if events.len() <= EVENTS_PER_STATEMENT {
                insert(events).build().execute(&mut *journal).await?;
                return Ok(());
            }
            let mut tx = sqlx::Connection::begin(journal).await?;
            for chunk in events.chunks(EVENTS_PER_STATEMENT) {
                insert(chunk).build().execute(&mut *tx).await?;
            }
            tx.commit().await
        }
        .await;
        let Err(failed) = written else { return Ok(()) };
        // Nothing was kept. Say which session's event was out of place, if one was.
        for (session, first, _) in &runs {
            let next: Option<i64> = sqlx::query_scalar("SELECT next FROM live_heads WHERE uuid = ?")
                .bind(session.to_string())
                .fetch_optional(journal.connection().await?)
                .await?;
            if let Some(error) = crate::misplaced(*session, *first, next) {
                return Err(error);
            }
        }
        Err(failed.into())
    }

    async fn live_sessions(&self) -> Result<Vec<LiveRecord>> {
        // A server reads them all when it starts: the events left by sessions removed before
        // (the last run ended before its next sweep) go first, so they never pile up.
        if !self.swept_at_start.swap(true, Ordering::Relaxed) {
            self.sweep_live_events().await?;
        }
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
        // One read transaction: the session and its events as of one moment.
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT uuid, user_id, plan, screening, log, started_at, speed FROM live_sessions WHERE uuid = ?",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let events: Vec<String> = sqlx::query_scalar(
            "SELECT e.event FROM live_events e JOIN live_heads h ON h.id = e.session \
             WHERE h.uuid = ? AND e.seq < h.next ORDER BY e.seq",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        live_from(&row, events).map(Some)
    }

    async fn count_live_of(&self, user: UserId) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM live_sessions WHERE user_id = ?")
            .bind(user.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(n.unsigned_abs())
    }

    async fn remove_live(&self, id: SessionId) -> Result<bool> {
        let removed =
            sqlx::query("DELETE FROM live_sessions WHERE uuid = ?").bind(id.to_string()).execute(&self.pool).await?;
        // Its events stay until a sweep: deleting them now would read the whole events table.
        if self.removed_since_sweep.fetch_add(1, Ordering::Relaxed) + 1 >= SWEEP_EVERY {
            self.sweep_live_events().await?;
        }
        Ok(removed.rows_affected() > 0)
    }
}

/// Keeps a pooled connection only when it is out of every transaction. SQLite rolls a
/// transaction back by itself when the disk fills; the rollback sqlx sends after it then fails,
/// and sqlx would go on counting the connection as inside one, refusing every later `BEGIN` on
/// it until the process restarts. Such a connection is closed, and the next is opened afresh.
fn out_of_transactions(
    conn: &mut sqlx::SqliteConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, std::result::Result<bool, sqlx::Error>> {
    let keep = !sqlx::Connection::is_in_transaction(conn);
    Box::pin(async move { Ok(keep) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_a_failed_rollback_left_counted_in_a_transaction_is_not_used_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let user = store.local_user().await.unwrap();
        // As after a full disk: SQLite has rolled back, so sqlx's own rollback fails.
        for _ in 0..2 {
            let mut conn = store.pool.acquire().await.unwrap();
            let mut tx = sqlx::Connection::begin_with(&mut *conn, BEGIN_WRITE).await.unwrap();
            sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            assert!(tx.rollback().await.is_err(), "no transaction is left to roll back");
            assert!(sqlx::Connection::is_in_transaction(&*conn), "sqlx still counts one");
        }
        // Every write after it works, on whichever connection it gets.
        for n in 0..4 {
            let record = SessionRecord {
                id: crate::SessionId::new(),
                routine: "desk".into(),
                started_at_ms: n,
                ended_at_ms: n + 1,
                stopped: None,
                warmed_up: false,
                active_ms: 0,
                pain_before: None,
                pain_after: None,
                flagged: None,
                items: Vec::new(),
                preview: false,
            };
            store.finish_session(user, &record, &[], limber_core::ProgressRules::default(), &[]).await.unwrap();
        }
        assert_eq!(store.tallies(user).await.unwrap().sessions, 4);
    }

    #[tokio::test]
    async fn a_write_sqlite_refuses_as_read_only_is_said_in_words_not_in_the_engines_codes() {
        let dir = tempfile::tempdir().unwrap();
        SqliteStore::open(dir.path()).await.unwrap();
        let options = SqliteConnectOptions::new().filename(database_path(dir.path())).read_only(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        let refused = sqlx::query("DELETE FROM users").execute(&pool).await.unwrap_err();
        let error = Error::from(refused);
        assert!(matches!(error, Error::ReadOnly { .. }), "{error:?}");
        assert!(std::error::Error::source(&error).is_none(), "nothing below it names the engine");
        // Anything else keeps the engine's error as its source.
        let other = Error::from(sqlx::query("SELECT * FROM no_such_table").execute(&pool).await.unwrap_err());
        assert!(matches!(other, Error::Database(_)) && std::error::Error::source(&other).is_some(), "{other:?}");
    }

    #[tokio::test]
    async fn a_copy_read_as_it_is_includes_writes_still_in_its_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let user = store.local_user().await.unwrap();
        let profile = crate::Profile { weekly_goal: 6, ..crate::Profile::default() };
        store.save_profile(user, &profile).await.unwrap();
        // Copied while limber still runs: the newest write is in the log beside the file.
        let copy = tempfile::tempdir().unwrap();
        for file in ["limber.db", "limber.db-wal"] {
            std::fs::copy(dir.path().join(file), copy.path().join(file)).unwrap();
        }
        assert!(std::fs::metadata(copy.path().join("limber.db-wal")).unwrap().len() > 0, "a log to read");
        let read = SqliteStore::open_read_only(copy.path()).await.unwrap();
        assert_eq!(read.profile(read.local_user().await.unwrap()).await.unwrap(), profile);
        // Read only: a write is refused in words.
        let refused = read.save_profile(user, &crate::Profile::default()).await.unwrap_err();
        assert!(matches!(refused, Error::ReadOnly { .. }), "{refused:?}");
        // Without a log, the file alone is read as it is.
        store.close().await;
        let alone = tempfile::tempdir().unwrap();
        std::fs::copy(dir.path().join("limber.db"), alone.path().join("limber.db")).unwrap();
        let read = SqliteStore::open_read_only(alone.path()).await.unwrap();
        assert_eq!(read.profile(read.local_user().await.unwrap()).await.unwrap(), profile);
    }

    #[tokio::test]
    async fn a_profile_naming_what_a_newer_limber_knows_reads_without_it_and_a_garbled_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let user = store.local_user().await.unwrap();
        let profile = crate::Profile { avoid: vec![limber_core::Position::Kneeling], ..crate::Profile::default() };
        store.save_profile(user, &profile).await.unwrap();
        let set = |sql: &'static str| sqlx::query(sql).execute(&store.pool);
        set(r#"UPDATE profile SET equipment = '["resistance-band","chair"]', avoid = '["hanging","kneeling"]'"#)
            .await
            .unwrap();
        let read = store.profile(user).await.unwrap();
        assert_eq!(read.equipment, vec![limber_core::Equipment::Chair], "the band left out, the chair kept");
        assert_eq!(read.avoid, vec![limber_core::Position::Kneeling], "kneeling still avoided");
        assert_eq!(read.weekly_goal, profile.weekly_goal);
        // Saved here (a new goal), the names only the newer limber knows stay stored for it.
        store.save_profile(user, &crate::Profile { weekly_goal: 5, ..read }).await.unwrap();
        let raw: (String, String) =
            sqlx::query_as("SELECT equipment, avoid FROM profile").fetch_one(&store.pool).await.unwrap();
        assert_eq!(raw, (r#"["chair","resistance-band"]"#.to_owned(), r#"["kneeling","hanging"]"#.to_owned()));
        set("UPDATE profile SET avoid = 'kneeling'").await.unwrap();
        let garbled = store.profile(user).await.unwrap_err();
        assert!(matches!(garbled, Error::Decode { what: "positions to avoid", .. }), "{garbled:?}");
    }

    /// A disk that fills while the database is first made is full, not read-only, in words
    /// (SQLite's own error is the same for both). Needs a small file system of its own: run as
    /// root, a 64 KiB tmpfs; elsewhere this says it was skipped.
    #[tokio::test]
    async fn a_disk_that_fills_while_the_database_is_made_is_said_to_be_full() {
        let mount = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(mount.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: mounting a small tmpfs needs root");
            return;
        }
        // Unmounted however the test ends (lazily: a connection may still be closing).
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg("-l").arg(self.0).status();
            }
        }
        let _unmount = Unmount(mount.path());
        // Room for the folder and the first pages, not for the shared-memory file.
        std::fs::write(mount.path().join("filler"), vec![0_u8; 44 * 1024]).unwrap();
        let data = mount.path().join("limber");
        let Err(error) = SqliteStore::open(&data).await else { panic!("opened with no room for the database") };
        assert!(matches!(error, Error::DiskFull { .. }), "{error:?}");
        // The trial write itself, and that it leaves nothing behind; a folder with room is
        // read-only in words still.
        let trial = read_only_or_full(Error::ReadOnly { engine: "a refusal".into() }, &data);
        assert!(matches!(trial, Error::DiskFull { .. }), "{trial:?}");
        let left: Vec<_> = std::fs::read_dir(&data).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(left.iter().all(|name| !name.to_string_lossy().contains("space-check")), "{left:?}");
        let roomy = tempfile::tempdir().unwrap();
        let refused = read_only_or_full(Error::ReadOnly { engine: "a refusal".into() }, roomy.path());
        assert!(matches!(refused, Error::ReadOnly { .. }), "{refused:?}");
    }

    #[tokio::test]
    async fn a_database_another_program_holds_is_busy_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        // Another program holds the write lock (as `sqlite3` with BEGIN EXCLUSIVE would).
        let mut holder = store.pool.acquire().await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut *holder).await.unwrap();
        let options = SqliteConnectOptions::new().filename(database_path(dir.path())).busy_timeout(Duration::ZERO);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        let error = Error::from(sqlx::query("DELETE FROM users").execute(&pool).await.unwrap_err());
        assert!(matches!(error, Error::Busy { .. }), "{error:?}");
        assert!(error.to_string().contains("try again") && !error.to_string().contains("locked"), "{error}");
        sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
    }
}
