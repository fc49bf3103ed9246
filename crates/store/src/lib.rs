//! limber-store: a person's session history, screening answers, profile and progression.
//!
//! The store is an interface ([`Store`]) with one backend today, SQLite ([`SqliteStore`]),
//! embedded in a file in the platform data directory. The rules (progression, adherence) live in
//! limber-core; this crate only keeps their state. A second backend (PostgreSQL, for a server
//! with several instances) implements the same trait with sqlx's `postgres` driver and its own
//! migrations folder.

#![forbid(unsafe_code)]

mod records;
mod sqlite;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};

use limber_core::{Progress, StretchId};

pub use records::{Profile, ScreeningEntry, SessionRecord, SessionRow};
pub use sqlite::SqliteStore;
pub use uuid::Uuid;

/// The name of the database file inside the data directory.
pub const DATABASE_FILE: &str = "limber.db";

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory could not be created or read.
    #[error("cannot use the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
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
    /// A stored value could not be read back (e.g. a JSON column that does not parse).
    #[error("a stored {what} could not be read: {detail}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the schema failed.
    #[error("could not update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
}

/// Everything limber keeps about a person. Implemented by [`SqliteStore`]; a PostgreSQL backend
/// implements the same operations.
pub trait Store {
    /// Saves a finished or stopped session together with the progression it led to and, when
    /// screening was answered in it, the answers — all in one transaction. When this returns,
    /// the session is on disk.
    fn save_session(
        &self,
        session: &SessionRecord,
        progression: &BTreeMap<StretchId, Progress>,
        screening: Option<&ScreeningEntry>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Sessions started at or after `since_ms` (Unix milliseconds), oldest first, with items.
    fn sessions(&self, since_ms: Option<i64>) -> impl Future<Output = Result<Vec<SessionRecord>>> + Send;

    /// One row per session (no items), oldest first: what statistics need.
    fn session_rows(&self) -> impl Future<Output = Result<Vec<SessionRow>>> + Send;

    /// Adds sessions that are not stored yet (by id); the same file twice adds nothing.
    fn import(&self, sessions: &[SessionRecord]) -> impl Future<Output = Result<ImportReport>> + Send;

    /// The latest screening answers, if any.
    fn latest_screening(&self) -> impl Future<Output = Result<Option<ScreeningEntry>>> + Send;

    /// Stores screening answers on their own (a screening re-run outside a session).
    fn save_screening(&self, entry: &ScreeningEntry) -> impl Future<Output = Result<()>> + Send;

    /// The profile, or the defaults when none is stored.
    fn profile(&self) -> impl Future<Output = Result<Profile>> + Send;

    /// Replaces the profile.
    fn save_profile(&self, profile: &Profile) -> impl Future<Output = Result<()>> + Send;

    /// Progression of every stretch that has any.
    fn progression(&self) -> impl Future<Output = Result<BTreeMap<StretchId, Progress>>> + Send;

    /// Replaces the progression of the stretches given.
    fn save_progression(&self, progression: &BTreeMap<StretchId, Progress>) -> impl Future<Output = Result<()>> + Send;
}

/// The platform data directory for limber (e.g. `~/.local/share/limber` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "limber").map(|d| d.data_dir().to_path_buf())
}

/// The database file inside `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}
