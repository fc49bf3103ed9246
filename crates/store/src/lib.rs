//! limber-store: the session history, screening answers, profile and progression of each person.
//!
//! The store is an interface ([`Store`]) with two backends: SQLite ([`SqliteStore`]), embedded
//! in a file in the platform data directory (the default), and PostgreSQL ([`PgStore`]), one
//! database that several server instances share. [`open`] picks one from a `--database` URL.
//! The rules (progression, adherence) live in limber-core; this crate only keeps their state.

#![forbid(unsafe_code)]

mod ids;
mod pg;
pub mod private;
mod records;
mod sqlite;
mod stream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, TryStreamExt};
use std::sync::Arc;

use futures_util::stream::BoxStream;
use limber_core::{Progress, ProgressChange, ProgressRules, StretchId};

pub use ids::{SessionId, UserId};
pub use pg::{DEFAULT_POOL, PgStore, create_database, drop_database, with_database};
pub use records::{
    Cursor, CursorError, FinishReport, HistoryPage, HistoryQuery, LiveEvent, LiveRecord, Order, PainEnds, Profile,
    Rating, ScreeningEntry, SessionQuery, SessionRecord, Tallies, User,
};
pub use sqlite::SqliteStore;
pub use uuid::Uuid;

/// The name of the database file inside the data directory.
pub const DATABASE_FILE: &str = "limber.db";

/// The name of the single local user the CLI and the TUI use.
pub const LOCAL_USER: &str = "local";

/// A day, in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How far back the pain trend looks for the best recent rating, in milliseconds.
pub const LATELY_MS: i64 = limber_core::progress::LATELY_DAYS * DAY_MS;

/// Why the store could not do what was asked. Messages never name the database engine; the
/// engine's own error, when there is one, is the [source](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory could not be created or read.
    #[error("cannot use the data directory {}: {error}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error (in the message, so not a `source` as well: said once).
        error: std::io::Error,
    },
    /// The file is not a limber database (or is damaged). It is left untouched.
    #[error(
        "{} is not a readable limber database (it may be damaged); it was left untouched. \
         Move it aside to start afresh, or restore it from a backup",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// The database file cannot be opened at all: the name is a folder, a link to nothing, a
    /// file this user may not read, or one that cannot be made there.
    #[error("cannot open {} as limber's database: {why}. Nothing was changed", path.display())]
    CannotOpen {
        /// The file.
        path: PathBuf,
        /// What was found there, in words.
        why: String,
    },
    /// Damage inside a database that opened (a page that cannot be read), met partway through
    /// a read or a write. Nothing the failed step did was kept.
    #[error(
        "limber's database is damaged: part of it cannot be read, and limber changed nothing in it. \
         `limber export --output FILE` may still rescue the sessions that can be read (with the stretches \
         set aside after sharp pain); then move the damaged file aside and `limber import FILE` into a new \
         one, or restore it from a backup"
    )]
    Damaged {
        /// The engine's own words, for logs.
        engine: String,
    },
    /// The database was written by a newer limber; it is left untouched.
    #[error(
        "{} was written by a newer version of limber (schema version {found}, this limber knows up to {known}); \
         it was left untouched. Upgrade limber to use it",
        path.display()
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// The newest schema version found in it.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// A user with that name already exists.
    #[error("there is already a user called `{name}`")]
    UserExists {
        /// The name asked for.
        name: String,
    },
    /// A user name must have at least one visible character.
    #[error("a user name cannot be empty")]
    EmptyUserName,
    /// A user name that `user list` could not show on one line, or far too long.
    #[error("a user name {0}")]
    BadUserName(&'static str),
    /// Data was written for a user the store does not know (removed, or never created).
    #[error("there is no user with id {0}")]
    UnknownUser(UserId),
    /// An event was appended to a session that is not live (never started, or over and removed).
    #[error("session {0} is not live")]
    NotLive(SessionId),
    /// An event was appended at a place in a session's log that is already taken: another
    /// writer got there first.
    #[error("event {seq} of session {session} is already stored")]
    EventTaken {
        /// The session.
        session: SessionId,
        /// The place in its log.
        seq: u64,
    },
    /// Events were appended to a session's log with a gap before them.
    #[error("event {seq} of session {session} comes before event {expected}")]
    OutOfOrder {
        /// The session.
        session: SessionId,
        /// The place given.
        seq: u64,
        /// The next free place.
        expected: u64,
    },
    /// One stored session could not be read back; a stream of sessions gives this in its place
    /// and goes on with the others.
    #[error("stored session {id} could not be read ({reason}); the others are unaffected")]
    UnreadableSession {
        /// Its id as stored.
        id: String,
        /// Where a page after it starts, when its id and start could be read.
        cursor: Option<Cursor>,
        /// What could not be read.
        reason: Box<Error>,
    },
    /// A stored value could not be read back (e.g. a JSON column that does not parse).
    #[error("a stored {what} could not be read: {detail}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The database, or the folder it is in, cannot be written by this process. Nothing in it
    /// was changed.
    #[error(
        "limber's database cannot be written: the file or its folder is read-only to this user. \
         Check their owner and permissions; the history in it is unchanged"
    )]
    ReadOnly {
        /// The engine's own words, for logs (not said to the person: they name the engine).
        engine: String,
    },
    /// The disk holding the database is full. Nothing in it was changed.
    #[error(
        "the disk holding limber's database is full: free some space and try again; the history in it is unchanged"
    )]
    DiskFull {
        /// The engine's own words, for logs.
        engine: String,
    },
    /// Another program held the SQLite database for longer than limber waits for it (a long
    /// import in another limber, a backup tool, an open `sqlite3` shell). Nothing was changed.
    #[error(
        "limber's database is busy: another program is using it (an import, a backup, a sqlite3 shell?); \
         try again in a moment; the history in it is unchanged"
    )]
    Busy {
        /// The engine's own words, for logs.
        engine: String,
    },
    /// No connection to the database could be had in time: a PostgreSQL server down or out of
    /// reach, or every connection in use for longer than limber waits. Nothing was sent.
    #[error(
        "limber's database is not answering (its server down or out of reach, or every connection busy); \
         try again in a moment; nothing was changed"
    )]
    Unreachable {
        /// The engine's own words, for logs.
        engine: String,
    },
    /// Any other database error (the engine's error is the source).
    #[error("the database could not be read or written")]
    Database(#[source] sqlx::Error),
    /// The PostgreSQL server could not be reached or refused the connection (the engine's error
    /// is the source: refused, unknown host, bad password, no such database).
    #[error("cannot connect to {place}")]
    Connect {
        /// The server and database, without the password.
        place: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A `--database` URL names a database limber cannot use.
    #[error("`{0}` is not a database limber can use: give a postgres://… URL, or leave it out for the SQLite file")]
    UnsupportedUrl(String),
    /// Applying the schema failed (the migration error is the source).
    #[error("could not update the database schema")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for Error {
    /// SQLite's read-only, disk-full, busy and damaged failures and a database that does not answer are
    /// said in words (they are the person's to fix, or to wait out); every other engine error is
    /// kept as the source of [`Error::Database`].
    fn from(e: sqlx::Error) -> Error {
        // No connection was had (so nothing was sent, let alone changed): worth trying again.
        // A connection lost mid-way (`Io`) may have committed; it stays a database error.
        if matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) {
            return Error::Unreachable { engine: e.to_string() };
        }
        if let sqlx::Error::Database(db) = &e
            && db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        {
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
            let engine = db.message().to_owned();
            // Primary codes SQLITE_READONLY (8) and SQLITE_FULL (13); SQLITE_IOERR_SHMOPEN and
            // _SHMSIZE (4618, 4874) are a write-ahead log that cannot be made in a read-only folder;
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), once the busy timeout has passed.
            match (code & 0xff, code) {
                (8, _) | (_, 4618 | 4874) => return Error::ReadOnly { engine },
                (13, _) => return Error::DiskFull { engine },
                (5 | 6, _) => return Error::Busy { engine },
                // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), met after the file opened.
                (11 | 26, _) => return Error::Damaged { engine },
                _ => {}
            }
        }
        Error::Database(e)
    }
}

impl Error {
    /// Whether this is damage inside the database ([`Error::Damaged`]).
    pub fn is_damage(&self) -> bool {
        matches!(self, Error::Damaged { .. })
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Sessions added.
    pub added: usize,
    /// Sessions already present (same id), left as they were.
    pub skipped: usize,
    /// Stretches whose progression (hold, streak, sharp-pain flag) the file changed: new ones,
    /// and ones where the file's was the safer. Importing the same file again changes none.
    pub stretches: usize,
    /// What became of the file's profile.
    pub profile: ProfileImport,
    /// Sessions in the file dated more than an hour ahead of this machine's clock (a clock set
    /// wrong where they were recorded): they count toward no week and no trend until then.
    #[serde(rename = "dated-ahead")]
    pub dated_ahead: usize,
    /// Emergency stops from before any exercise the file added (each a session kept in a file
    /// when it could not be saved): stored as the store keeps one, the empty screening record at
    /// that moment (every question asked again, no session for a day), not as sessions. One
    /// stored already is not counted.
    pub emergencies: usize,
}

/// What an import did with the profile in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileImport {
    /// The file has none (written before the profile was exported, or a session kept when it
    /// could not be saved).
    #[default]
    NotInFile,
    /// Stored as the person's: they had none of their own here.
    Restored,
    /// The person's own profile here was kept; the file's, another, was left out.
    Kept,
    /// The file's profile is the one here already.
    Same,
}

/// Which database engine a store keeps its data in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// One SQLite file (the CLI, the TUI, a single server).
    Sqlite,
    /// A PostgreSQL database (any number of server instances).
    Postgres,
}

/// A change to a live session that another process made ([`Store::watch_live`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveChange {
    /// Events were appended to this session, or it was removed.
    Session {
        /// The session.
        id: SessionId,
        /// How many events it has now; `None` when it was removed.
        events: Option<u64>,
    },
    /// Changes may have been missed (the connection was lost and made again): reload them all.
    Missed,
}

/// The longest user name, in characters.
pub const MAX_USER_NAME: usize = 64;

/// `name` as a user is named: without the spaces around it, at least one character and at most
/// [`MAX_USER_NAME`], no control characters (a name is one line of `user list`) and no invisible
/// ones (zero-width spaces, joiners, direction overrides that show `user list` reversed).
pub fn user_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::EmptyUserName);
    }
    if name.chars().any(char::is_control) {
        return Err(Error::BadUserName("cannot have a control character (a line break, a tab) in it"));
    }
    // Unicode's format characters that matter in a name shown on a terminal.
    let invisible = |c: char| matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}');
    if name.chars().any(invisible) {
        return Err(Error::BadUserName(
            "cannot have an invisible character (a zero-width space, a direction mark or override) in it",
        ));
    }
    if name.chars().count() > MAX_USER_NAME {
        return Err(Error::BadUserName("is at most 64 characters long"));
    }
    Ok(name)
}

/// Opens the store named by `database`: a `postgres://` (or `postgresql://`) URL with at most
/// `pool` connections. Callers use [`SqliteStore::open`] when no URL is given.
pub async fn open(database: &str, pool: u32) -> Result<Arc<dyn Store>> {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::connect(database, pool).await?));
    }
    Err(Error::UnsupportedUrl(without_password(database)))
}

/// `database` as it may be shown (in an error, hence a log): never with its password, whether
/// in a URL's user part (`…@host`) or a `password=` setting (`host=db password=…`).
fn without_password(database: &str) -> String {
    let shown = match database.split_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => database.to_owned(),
    };
    let mut out = String::with_capacity(shown.len());
    let mut rest = shown.as_str();
    while let Some(at) = rest.to_ascii_lowercase().find("password=") {
        let value = at + "password=".len();
        out.push_str(&rest[..value]);
        out.push('…');
        let end = rest[value..].find([' ', '&', ';']).map_or(rest.len(), |i| value + i);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Everything limber keeps about the people who use it. Implemented by [`SqliteStore`]; a
/// PostgreSQL backend implements the same operations. Usable as `Arc<dyn Store>`.
///
/// Every method that reads or writes a person's data takes their [`UserId`]; one user's data is
/// never visible to another. Reading data of an unknown user finds nothing; writing it fails
/// with [`Error::UnknownUser`].
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Which engine this is.
    fn backend(&self) -> Backend;

    /// Where the data is, to tell an operator: the SQLite file's path, or the PostgreSQL
    /// server and database as a URL without its password.
    fn place(&self) -> String;

    /// Closes every connection, waiting for the database's own upkeep at close: SQLite's last
    /// connection folds the write-ahead log back into the file and removes it. A process that
    /// exits without this loses nothing, but can leave a large log (after an import, say) that
    /// every later open reads through again.
    async fn close(&self) {}

    /// Whether the database answers now (a trivial query).
    async fn ping(&self) -> Result<()> {
        self.user_by_name(LOCAL_USER).await.map(|_| ())
    }

    /// The single local user the CLI and the TUI use (named [`LOCAL_USER`]; created by the
    /// schema, and again on demand if it was removed).
    async fn local_user(&self) -> Result<UserId>;

    /// Adds a user called `name`; [`Error::UserExists`] if the name is taken.
    async fn create_user(&self, name: &str) -> Result<UserId>;

    /// Every user, by id.
    async fn users(&self) -> Result<Vec<User>>;

    /// The user called `name`, if any.
    async fn user_by_name(&self, name: &str) -> Result<Option<UserId>>;

    /// Removes a user and all their data. Returns whether there was such a user.
    async fn remove_user(&self, user: UserId) -> Result<bool>;

    /// Saves a finished or stopped session, in one transaction that other writers wait for:
    /// stores the session with its items, applies each progression change to what is stored at
    /// that moment (with [`Progress::apply`]; a stretch seen for the first time starts with
    /// [`Progress::start`]), and stores the screening entries, in order (the answers given in
    /// it and, after an emergency stop, the empty record that sets every answer aside). When
    /// this returns, the session is on disk.
    ///
    /// Idempotent by session id: a session already stored is left as it is and its changes and
    /// screening are not applied again ([`FinishReport::already_saved`]).
    async fn finish_session(
        &self,
        user: UserId,
        session: &SessionRecord,
        changes: &[ProgressChange],
        rules: ProgressRules,
        screening: &[ScreeningEntry],
    ) -> Result<FinishReport>;

    /// A person's sessions with their items, one at a time as they are read: memory does not
    /// grow with the history. Reading stops when the stream is dropped.
    fn stream_sessions(&self, user: UserId, query: SessionQuery) -> BoxStream<'_, Result<SessionRecord>>;

    /// One session of `user`'s history by its id, with its items; `None` when they have none
    /// by that id (a live session is not history until it is recorded).
    async fn session(&self, user: UserId, id: SessionId) -> Result<Option<SessionRecord>>;

    /// One page of history, newest first, with items.
    async fn history(&self, user: UserId, query: HistoryQuery) -> Result<HistoryPage> {
        let limit = usize::try_from(query.effective_limit()).unwrap_or(usize::MAX);
        let page = SessionQuery { order: Order::NewestFirst, since_ms: query.since_ms, after: query.before };
        let mut stream = self.stream_sessions(user, page);
        let mut sessions = Vec::with_capacity(limit);
        let mut unreadable = 0;
        while let Some(read) = stream.next().await {
            let session = match read {
                Ok(session) => session,
                // Counted on the page it falls in: one met while looking past a full page for
                // the next is the next page's.
                Err(Error::UnreadableSession { .. }) => {
                    if sessions.len() < limit {
                        unreadable += 1;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if sessions.len() == limit {
                // One more than asked came back: there is a next page.
                return Ok(HistoryPage { next: sessions.last().map(Cursor::after), sessions, unreadable });
            }
            sessions.push(session);
        }
        Ok(HistoryPage { sessions, next: None, unreadable })
    }

    /// Sessions started at or after `since_ms` (Unix milliseconds), oldest first, with items, all
    /// in memory: for small histories and tests; exports use [`Store::stream_sessions`].
    async fn sessions(&self, user: UserId, since_ms: Option<i64>) -> Result<Vec<SessionRecord>> {
        self.stream_sessions(user, SessionQuery::oldest_first().since(since_ms)).try_collect().await
    }

    /// Counts kept up to date with every session added: sessions in all and by "before" rating.
    async fn tallies(&self, user: UserId) -> Result<Tallies>;

    /// The oldest rated session, the `latest` newest ones and the lowest "before" rating of
    /// those started in the [`LATELY_MS`] up to the newest: what the pain trend needs. Sessions
    /// started after `until_ms` (dated ahead by a clock set wrong) are left out.
    async fn pain_ends(&self, user: UserId, latest: u32, until_ms: i64) -> Result<PainEnds>;

    /// When each session that counts toward the weekly goal (a stretch done in full) started,
    /// newest first, Unix milliseconds: a streak reads only as far back as it goes.
    fn goal_session_starts(&self, user: UserId) -> BoxStream<'_, Result<i64>>;

    /// When `user` last started `routine`, Unix milliseconds; `None` if never.
    async fn last_done(&self, user: UserId, routine: &str) -> Result<Option<i64>>;

    /// Starts an import for `user`: one transaction that batches of sessions are added to, all
    /// visible at once on [`Import::commit`]; dropped without a commit, it adds nothing.
    /// Progression changes only through [`Import::merge_progression`].
    async fn begin_import(&self, user: UserId) -> Result<Box<dyn Import>>;

    /// Adds sessions that are not stored yet (by id), all or none; the same file twice adds
    /// nothing. Progression is not touched.
    async fn import(&self, user: UserId, sessions: &[SessionRecord]) -> Result<ImportReport> {
        let mut import = self.begin_import(user).await?;
        let report = import.add(sessions).await?;
        import.commit().await?;
        Ok(report)
    }

    /// The latest screening answers, if any.
    async fn latest_screening(&self, user: UserId) -> Result<Option<ScreeningEntry>>;

    /// When `user` last reported an emergency sign from `since_ms` to `until_ms`, Unix
    /// milliseconds: the end of the latest session stopped for one (an imported one included),
    /// or the latest screening set aside for one (an empty record, not assessed), whichever is
    /// later. Only that stretch of history is read, however long the rest.
    async fn last_emergency(&self, user: UserId, since_ms: i64, until_ms: i64) -> Result<Option<i64>>;

    /// How many of `user`'s sessions started from `since_ms` to `until_ms` pain stopped: sharp
    /// pain, or a rating above 5 (twice, or once with a yes to stopping).
    async fn pain_stops(&self, user: UserId, since_ms: i64, until_ms: i64) -> Result<u32>;

    /// Stores screening answers on their own (a screening re-run outside a session).
    async fn save_screening(&self, user: UserId, entry: &ScreeningEntry) -> Result<()>;

    /// The profile, or the defaults when none is stored.
    async fn profile(&self, user: UserId) -> Result<Profile>;

    /// Replaces the profile.
    async fn save_profile(&self, user: UserId, profile: &Profile) -> Result<()>;

    /// Progression of every stretch that has any.
    async fn progression(&self, user: UserId) -> Result<BTreeMap<StretchId, Progress>>;

    /// Clears the sharp-pain flag of one stretch (the person chose to try it again), and puts
    /// its hold and streak back to those of `back_to` (its start: not the hold that hurt).
    /// Returns whether it was flagged; one that was not is left alone. The only way a flag is
    /// ever cleared.
    async fn clear_flag(&self, user: UserId, stretch: &StretchId, back_to: Progress) -> Result<bool>;

    /// Sets `stretch` aside for `user` (sharp pain), keeping its hold and streak; a stretch with
    /// no progression yet starts at `start`. Setting it aside again changes nothing.
    async fn set_aside(&self, user: UserId, stretch: &StretchId, start: Progress) -> Result<()>;

    /// Sets the hash of `user`'s bearer token, replacing any earlier one (rotation).
    /// [`Error::UnknownUser`] for a user the store does not know.
    async fn set_token_hash(&self, user: UserId, hash: &str) -> Result<()>;

    /// The user whose token has this hash, if any.
    async fn user_by_token_hash(&self, hash: &str) -> Result<Option<UserId>>;

    /// Stores a live session, or replaces it (same id) with its latest log. Its appended
    /// events are kept; `live.events` is not read.
    async fn save_live(&self, live: &LiveRecord) -> Result<()>;

    /// Appends intents to live sessions' logs, all in one transaction (many sessions' intents
    /// committed at once cost one sync). All or nothing: a session that is not live, or an
    /// event whose `seq` is already taken, fails the whole call with nothing written.
    async fn append_live(&self, events: &[LiveEvent]) -> Result<()>;

    /// Every live session of every user, oldest first: what a server resumes on start.
    async fn live_sessions(&self) -> Result<Vec<LiveRecord>>;

    /// Forgets a live session (it is over and recorded). Returns whether it was there.
    async fn remove_live(&self, id: SessionId) -> Result<bool>;

    /// One live session with its appended events, as stored now; `None` when it is not live.
    async fn live_session(&self, id: SessionId) -> Result<Option<LiveRecord>> {
        Ok(self.live_sessions().await?.into_iter().find(|r| r.id == id))
    }

    /// The events of live session `id` from place `from` on, in order: how an instance catches
    /// up with what another appended. Empty when there are none, or the session is not live.
    async fn live_events_since(&self, id: SessionId, from: u64) -> Result<Vec<String>> {
        let events = self.live_session(id).await?.map(|r| r.events).unwrap_or_default();
        Ok(events.into_iter().skip(usize::try_from(from).unwrap_or(usize::MAX)).collect())
    }

    /// The ids of `user`'s live sessions, oldest first.
    async fn live_sessions_of(&self, user: UserId) -> Result<Vec<SessionId>> {
        Ok(self.live_sessions().await?.into_iter().filter(|r| r.user == user).map(|r| r.id).collect())
    }

    /// How many live sessions `user` has: what a server checks before starting another.
    async fn count_live_of(&self, user: UserId) -> Result<u64> {
        Ok(self.live_sessions_of(user).await?.len() as u64)
    }

    /// Changes other processes make to live sessions, as they commit: `None` when no other
    /// process can make any (SQLite: one server per file).
    async fn watch_live(&self) -> Result<Option<BoxStream<'static, LiveChange>>> {
        Ok(None)
    }
}

/// An import under way ([`Store::begin_import`]): one transaction that sessions are added to
/// in batches, so memory stays small whatever the file's size and nothing is half-imported.
#[async_trait::async_trait]
pub trait Import: Send {
    /// Adds the sessions not stored yet (by id, including those added earlier in this import);
    /// the others are counted as skipped.
    async fn add(&mut self, sessions: &[SessionRecord]) -> Result<ImportReport>;

    /// Merges an exported progression (hold, streak, sharp-pain flag per stretch) into the
    /// person's: where both have a stretch, the safer of the two ([`Progress::merged_with`]).
    /// Returns how many stretches' progression this changed (none when the file adds nothing).
    async fn merge_progression(&mut self, progression: &BTreeMap<StretchId, Progress>) -> Result<usize>;

    /// Sets `stretch` aside as [`Store::set_aside`] does (its hold and streak kept; `start` for
    /// a stretch not seen before), in the import's transaction: for a file that says a session
    /// set it aside but carries no progression (formats 1 and 2).
    async fn set_aside(&mut self, stretch: &StretchId, start: Progress) -> Result<()>;

    /// Stores `profile` as the person's when they have none stored yet (one chosen here is
    /// never overwritten); says whether it did.
    async fn restore_profile(&mut self, profile: &Profile) -> Result<bool>;

    /// Stores `entry` as [`Store::save_screening`] does, in the import's transaction (one
    /// already stored at that moment is kept): an emergency stop from before any exercise,
    /// brought in as the empty record at that moment. Says whether it was not stored yet.
    async fn save_screening(&mut self, entry: &ScreeningEntry) -> Result<bool>;

    /// Makes every added session visible at once.
    async fn commit(self: Box<Self>) -> Result<()>;
}

impl std::ops::AddAssign for ImportReport {
    fn add_assign(&mut self, other: ImportReport) {
        self.added += other.added;
        self.skipped += other.skipped;
        self.stretches += other.stretches;
        self.dated_ahead += other.dated_ahead;
        self.emergencies += other.emergencies;
        if other.profile != ProfileImport::NotInFile {
            self.profile = other.profile;
        }
    }
}

/// The platform data directory for limber (e.g. `~/.local/share/limber` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "limber").map(|d| d.data_dir().to_path_buf())
}

/// The database file inside `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

/// Each session's events in a call to [`Store::append_live`], in order: (session, first place,
/// how many). An error when one session's events in the call are not in consecutive places.
pub(crate) fn live_runs(events: &[LiveEvent]) -> Result<Vec<(SessionId, u64, u64)>> {
    let mut runs: Vec<(SessionId, u64, u64)> = Vec::new();
    for e in events {
        match runs.iter_mut().find(|r| r.0 == e.session) {
            Some(run) if run.1 + run.2 == e.seq => run.2 += 1,
            Some(run) => return Err(Error::OutOfOrder { session: e.session, seq: e.seq, expected: run.1 + run.2 }),
            None => runs.push((e.session, e.seq, 1)),
        }
    }
    Ok(runs)
}

/// Why a run of `session`'s events from place `first` does not fit its head, which says `next`
/// (`None`: the session is not live); `None` when it fits.
pub(crate) fn misplaced(session: SessionId, first: u64, next: Option<i64>) -> Option<Error> {
    match next.map(|n| u64::try_from(n).unwrap_or(0)) {
        None => Some(Error::NotLive(session)),
        Some(next) if next > first => Some(Error::EventTaken { session, seq: first }),
        Some(next) if next < first => Some(Error::OutOfOrder { session, seq: first, expected: next }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_never_shown_with_its_password() {
        let shown = |database: &str| without_password(database);
        assert_eq!(
            shown("host=db port=5432 user=u password=s3cret dbname=x"),
            "host=db port=5432 user=u password=… dbname=x"
        );
        assert_eq!(shown("mysql://u:s3cret@db/x?PASSWORD=s3cret&ssl=1"), "…@db/x?PASSWORD=…&ssl=1");
        assert_eq!(shown("host=db Password=s3cret"), "host=db Password=…");
        assert_eq!(shown("sqlite:limber.db"), "sqlite:limber.db");
    }
}
