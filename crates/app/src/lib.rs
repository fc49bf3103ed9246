//! limber-app: the use cases every front end calls — start a session for a person, finish it,
//! history, stats, export and import, profile, screening — plus the typed-line grammar and the
//! speech runner.
//!
//! Front ends translate keys, lines, HTTP and pixels into calls here and into
//! [`limber_core::Intent`]s; every rule lives in limber-core or here, never in a front end.

#![forbid(unsafe_code)]

pub mod clock;
pub mod content_check;
pub mod export;
pub mod flags;
pub mod handout;
pub mod interrupt;
pub mod keys;
pub mod line;
pub mod local;
#[cfg(feature = "clap")]
pub mod manual;
pub mod plans;
pub mod report;
pub mod speech;
pub mod suggest;
pub mod when;

mod error;
mod finish;
mod profile;
mod start;
mod stats;

pub use error::{EXIT_SAFETY, EXIT_USAGE, Error, Result};
pub use finish::{Finished, Recorded, kept_line, record};
pub use profile::{ProfileChange, WEEKLY_GOALS};
pub use start::{STOPPED_FOR_PAIN_TODAY, ScreeningStart, StartRequest, Started};
pub use stats::{HoldStat, PAIN_CHART_RATINGS, Stats};

use std::path::Path;
use std::sync::Arc;

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use limber_core::{Library, ProgressRules, RoutineId, StretchId};
use limber_store::{HistoryPage, HistoryQuery, ImportReport, SessionQuery, SessionRecord, Store, UserId};

pub use limber_store as store;

/// How far ahead of this machine's clock a stored moment is still taken as it is: one later
/// than that (a clock set wrong, here or on the device an import came from) is left out of
/// the pain trend and of the refusal after an emergency sign.
pub(crate) const AHEAD_MS: i64 = 60 * 60 * 1000;

/// How long screening answers stand, in days: after that the next session asks the safety
/// questions again. Pain, health and the answers change; one question is whether the pain has
/// not improved after about a month, which answers a month old cannot tell.
pub const SCREENING_LASTS_DAYS: i64 = 30;

/// The longest any one phase timing may be, in seconds (a step, a rest, a check-in).
pub const TIMING_MAX: u32 = 600;

/// Checks phase timings other than the defaults: each at most [`TIMING_MAX`] seconds, and
/// words read at 1 to 20 a second.
fn check_timing(t: &limber_core::Timing) -> Result<()> {
    if !(1..=20).contains(&t.words_per_second) {
        return Err(Error::TimingOutOfRange(format!("words-per-second is from 1 to 20, not {}", t.words_per_second)));
    }
    let phases = [
        ("intro", t.intro),
        ("min-step", t.min_step),
        ("get-ready", t.get_ready),
        ("rest", t.rest),
        ("check-in", t.check_in),
    ];
    match phases.iter().find(|(_, secs)| *secs > TIMING_MAX) {
        Some((name, secs)) => Err(Error::TimingOutOfRange(format!("{name} is at most {TIMING_MAX} s, not {secs}"))),
        None => Ok(()),
    }
}

/// Holds the shortest and longest hold a person may choose for a session, in seconds: the same
/// limits content is held to ([`limber_core::Dose::HOLD_SECONDS`]).
pub const HOLD_RANGE: std::ops::RangeInclusive<u32> = limber_core::Dose::HOLD_SECONDS;

/// How much faster than real time a front end may run a session's clock (previews, tests).
pub const SPEED_RANGE: std::ops::RangeInclusive<f64> = 0.1..=1000.0;

/// The built-in content, with a directory of the person's own RON layered over it.
pub fn load_library(content_dir: Option<&Path>) -> Result<Library> {
    let Some(dir) = content_dir else { return Ok(limber_content::builtin()?) };
    let mut loader = limber_content::Loader::builtin();
    loader.add_dir(dir)?;
    Ok(loader.build()?)
}

/// Checks a routine id against `library`, naming the known ones when it is wrong: what a front
/// end checks before it opens the store, so that a mistyped routine leaves nothing behind.
pub fn known_routine(library: &Library, id: &str) -> Result<RoutineId> {
    let id = RoutineId::from(id);
    if library.routine(&id).is_some() {
        return Ok(id);
    }
    let known: Vec<&str> = library.routines.iter().map(|r| r.id.0.as_str()).collect();
    Err(Error::UnknownRoutine { id: id.0, known: known.join(", ") })
}

/// The stretches as a list shows them: the built-in ones read from their own compiled list,
/// or, with a content directory, those of the library it makes.
pub fn load_entries(content_dir: Option<&Path>) -> Result<Vec<limber_core::StretchEntry>> {
    match content_dir {
        None => Ok(limber_content::builtin_entries()?),
        Some(dir) => Ok(load_library(Some(dir))?.entries()),
    }
}

/// The application: content plus store, shared by every front end.
#[derive(Clone)]
pub struct App {
    library: Arc<Library>,
    store: Arc<dyn Store>,
    rules: ProgressRules,
    plans: Arc<plans::Plans>,
}

impl App {
    /// An application over `library` and `store`.
    pub fn new(library: Library, store: Arc<dyn Store>) -> App {
        App { library: Arc::new(library), store, rules: ProgressRules::default(), plans: Arc::default() }
    }

    /// The content.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The content, shared: for what outlives a borrow of the app (a server's live session).
    pub fn shared_library(&self) -> Arc<Library> {
        Arc::clone(&self.library)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The single local user the CLI and TUI act for.
    pub async fn local_user(&self) -> Result<UserId> {
        Ok(self.store.local_user().await?)
    }

    /// Checks a routine id, naming the known ones when it is wrong ([`known_routine`]).
    pub fn routine(&self, id: &str) -> Result<RoutineId> {
        known_routine(&self.library, id)
    }

    /// Checks a stretch id, naming the known ones when it is wrong.
    pub fn stretch(&self, id: &str) -> Result<&limber_core::Stretch> {
        self.library.stretch(&StretchId::from(id)).ok_or_else(|| {
            let known: Vec<&str> = self.library.stretches.iter().map(|s| s.id.as_str()).collect();
            Error::UnknownStretch { id: id.to_owned(), known: known.join(", ") }
        })
    }

    /// One page of history, newest first.
    pub async fn history(&self, user: UserId, query: HistoryQuery) -> Result<HistoryPage> {
        Ok(self.store.history(user, query).await?)
    }

    /// Every session since `since_ms`, oldest first, all in memory (small histories, tests).
    pub async fn sessions(&self, user: UserId, since_ms: Option<i64>) -> Result<Vec<SessionRecord>> {
        Ok(self.store.sessions(user, since_ms).await?)
    }

    /// `user`'s sessions one at a time as the store reads them (history, exports): memory does
    /// not grow with the history.
    pub fn stream_sessions(&self, user: UserId, query: SessionQuery) -> BoxStream<'_, Result<SessionRecord>> {
        Box::pin(self.store.stream_sessions(user, query).map_err(Error::from))
    }

    /// Reads an export file as a stream, checks every session and adds those not stored yet,
    /// in batches inside one transaction: all or nothing, in constant memory. A bad session is
    /// named by its position in the file.
    pub async fn import(&self, user: UserId, file: impl std::io::Read + Send + 'static) -> Result<ImportReport> {
        export::import(self.store.as_ref(), &self.library, user, file).await
    }

    /// Each stretch's progression: hold, streak and sharp-pain flag.
    pub async fn progression(
        &self,
        user: UserId,
    ) -> Result<std::collections::BTreeMap<StretchId, limber_core::Progress>> {
        Ok(self.store.progression(user).await?)
    }
}

#[cfg(test)]
mod tests;
