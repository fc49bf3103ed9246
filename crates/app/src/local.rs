//! The application for the single local user, as the terminal front ends open it: content from `--content`, history in `--data-dir` or the platform's data directory (or a `--database` URL), and a runtime to run the use cases to completion.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use limber_core::{Clearance, Library, Progress, Session, StopReason, StretchId, Summary};

use crate::store::{SessionId, SessionRecord, SqliteStore, Store, UserId};
use crate::{App, Error, Finished};

/// Why the local application could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The person's content directory could not be loaded.
    #[error("cannot load your content from {}: {error}", dir.display())]
    Content {
        /// The directory given.
        dir: PathBuf,
        /// What was wrong (in the message, so not a `source` as well: said once).
        error: Error,
    },
    /// The built-in content could not be read.
    #[error("the built-in content cannot be read")]
    Builtin(#[source] Error),
    /// No data directory was given and the platform has none.
    #[error("no home directory to keep limber's data in; pass --data-dir DIR or set LIMBER_DATA_DIR")]
    NoDataDir,
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The history could not be opened.
    #[error("cannot open limber's history")]
    Store(#[source] Error),
    /// The check [`Local::open_checked`] was given refused the request before the store was
    /// opened (a routine that does not exist, say): said as the check says it.
    #[error(transparent)]
    Refused(Error),
    /// A copy that can only be read has no history for this machine's person, and none can be
    /// added to it.
    #[error(
        "{} holds no history for this machine's person (`local`), and it can only be read, so none can be \
         started there. It looks like a server's database: restore it where it can be written, and its people's \
         sessions are read through limber-server",
        dir.display()
    )]
    NoLocalPerson {
        /// The data directory.
        dir: PathBuf,
    },
}

/// Where a front end's option came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Given {
    /// A flag on the command line.
    Flag,
    /// An environment variable.
    Env,
}

/// Which store a front end opens when given a data directory (`--data-dir`/`LIMBER_DATA_DIR`)
/// and a database URL (`--database`/`LIMBER_DATABASE_URL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    /// The SQLite file in the directory given, or in the platform's data directory.
    Dir,
    /// The PostgreSQL database at the URL given.
    Url,
}

/// Chooses between a data directory and a database URL, each given or not: a flag on the
/// command line wins over an environment variable, so a variable exported in a shell never
/// clashes with a flag typed after it. Two flags, or two variables, are a mistake to say.
pub fn choose_store(dir: Option<Given>, url: Option<Given>) -> Result<StoreChoice, &'static str> {
    match (dir, url) {
        (Some(Given::Flag), Some(Given::Flag)) => {
            Err("--data-dir and --database cannot be used together: give a data directory or a database URL")
        }
        (Some(Given::Env), Some(Given::Env)) => Err(
            "LIMBER_DATA_DIR and LIMBER_DATABASE_URL are both set: unset one, or choose with --data-dir or --database",
        ),
        (_, Some(Given::Flag)) | (None, Some(Given::Env)) => Ok(StoreChoice::Url),
        (Some(_), _) | (None, None) => Ok(StoreChoice::Dir),
    }
}

/// Parses a binary's command line, then keeps only the store [`choose_store`] chooses:
/// `keep` clears the other option (or, on a mistake, the error is shown and the process exits
/// 2, as clap does). A command line that `opens_store` says opens none (the man page, say) is
/// left as it is, whatever the environment holds.
#[cfg(feature = "clap")]
pub fn parse_choosing_store<C: clap::Parser>(
    opens_store: impl Fn(&C) -> bool,
    keep: impl Fn(&mut C, StoreChoice),
) -> C {
    parse_choosing_store_with_matches(opens_store, keep).0
}

/// [`parse_choosing_store`], with clap's matches beside the command line: where each value
/// came from (typed, the environment, a default).
#[cfg(feature = "clap")]
pub fn parse_choosing_store_with_matches<C: clap::Parser>(
    opens_store: impl Fn(&C) -> bool,
    keep: impl Fn(&mut C, StoreChoice),
) -> (C, clap::ArgMatches) {
    use clap::parser::ValueSource;
    let matches = C::command().try_get_matches().unwrap_or_else(|e| {
        match empty_variable(&C::command(), &e, std::env::args_os()) {
            Some(message) => C::command().error(clap::error::ErrorKind::InvalidValue, message).exit(),
            None => e.exit(),
        }
    });
    let mut parsed = C::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut C::command()).exit());
    if !opens_store(&parsed) {
        return (parsed, matches);
    }
    let given = |id: &str| match matches.value_source(id)? {
        ValueSource::CommandLine => Some(Given::Flag),
        ValueSource::EnvVariable => Some(Given::Env),
        _ => None,
    };
    match choose_store(given("data_dir"), given("database")) {
        Ok(choice) => keep(&mut parsed, choice),
        Err(message) => C::command().error(clap::error::ErrorKind::ArgumentConflict, message).exit(),
    }
    (parsed, matches)
}

/// When clap wants a value for a flag that was not typed but comes from an environment variable
/// set to nothing (`LIMBER_DATA_DIR=`), says so: clap's own message names only the flag, which
/// the person never typed.
#[cfg(feature = "clap")]
fn empty_variable(
    command: &clap::Command,
    error: &clap::Error,
    typed: impl IntoIterator<Item = std::ffi::OsString>,
) -> Option<String> {
    if error.kind() != clap::error::ErrorKind::InvalidValue {
        return None;
    }
    let typed: Vec<std::ffi::OsString> = typed.into_iter().collect();
    let said = error.to_string();
    let mut args: Vec<&clap::Arg> = command.get_arguments().collect();
    args.extend(command.get_subcommands().flat_map(clap::Command::get_arguments));
    args.into_iter().find_map(|arg| {
        let long = format!("--{}", arg.get_long()?);
        let name = arg.get_env()?;
        let empty = std::env::var_os(name).is_some_and(|v| v.is_empty());
        let typed_it =
            typed.iter().any(|t| t.to_str().is_some_and(|t| t == long || t.starts_with(&format!("{long}="))));
        (empty && !typed_it && said.contains(&format!("'{long} "))).then(|| {
            let name = name.to_string_lossy();
            format!("{name} is set but empty, which gives {long} no value: unset it (`unset {name}`) or give it one")
        })
    })
}

/// The application for the local user, with a runtime for its async calls.
pub struct Local {
    rt: tokio::runtime::Runtime,
    /// The SQLite data directory, where a session that could not be saved is kept.
    data_dir: Option<PathBuf>,
    /// The application.
    pub app: App,
    /// The local user.
    pub user: UserId,
}

/// A finished session the store would not take, and where it was kept instead.
#[derive(Debug)]
pub struct Unsaved {
    /// Why the store refused it.
    pub error: Error,
    /// The export file it was written to, if one could be written.
    pub kept: Option<PathBuf>,
    /// Whether that file is beside the database, where [`Local::bring_in_kept`] finds it (not
    /// in the temporary directory).
    pub beside_history: bool,
    /// The stretch that caused sharp pain in it, whose flag the store could not set.
    pub set_aside: Option<String>,
    /// Why the session stopped, if it did: a front end still ends with its safety exit code.
    pub stopped: Option<StopReason>,
    /// Whether any stretch was begun: a session that ended before one is not kept in a file,
    /// unless it stopped for an emergency sign.
    pub exercised: bool,
}

impl std::fmt::Display for Unsaved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not save this session: {}", crate::report::error_line(&self.error))?;
        match &self.kept {
            Some(path) if self.beside_history => {
                let path = path.display();
                write!(
                    f,
                    ". It is kept in {path}, and added to your history before the next session starts (`limber \
                     import {path}` adds it sooner, once limber can write there again)"
                )?;
            }
            Some(path) => {
                let path = path.display();
                write!(
                    f,
                    ". It is kept in {path}: `limber import {path}` adds it to your history once limber can write there \
                     again"
                )?;
            }
            // Nothing to keep: no file was tried.
            None if !self.exercised && self.stopped != Some(StopReason::Emergency) => {
                write!(f, ". No stretch was begun, so there was nothing to keep")?
            }
            // Said, not left for the person to guess from "unchanged".
            None => write!(
                f,
                ". No file could take it either (beside the database or in the temporary directory), so this \
                 session is not kept anywhere"
            )?,
        }
        if let Some(name) = &self.set_aside {
            write!(f, ". {name} caused sharp pain: leave it out until a clinician says it is fine")?;
        }
        if self.stopped == Some(StopReason::Emergency) {
            write!(f, ". Do not stretch today, and answer the safety questions again (`limber screening`) first")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unsaved {}

/// The sessions kept beside the database when they could not be saved (`limber-unsaved-*.json`),
/// as [`Local::bring_in_kept`] found them before a session starts.
#[derive(Debug, Default)]
pub struct Kept {
    /// Files added to the history (and removed, or renamed `….added` when they could not be).
    pub added: Vec<PathBuf>,
    /// Sessions they added (none for one that was in the history already).
    pub sessions: usize,
    /// Emergency signs before any exercise they added (as the empty screening record).
    pub emergencies: usize,
    /// Files added that held such a sign (each holds one), stored now or already: they are no
    /// sessions, whatever [`Kept::emergencies`] says.
    pub emergency_files: usize,
    /// Stretches they set aside after sharp pain, by name.
    pub set_aside: Vec<String>,
    /// Files not added yet (the database busy, read-only or full), with why.
    pub waiting: Vec<(PathBuf, Error)>,
    /// Files that cannot be read (damaged), with why: importing them would fail the same way.
    pub unreadable: Vec<(PathBuf, Error)>,
    /// Files added that could not be removed or renamed: the person deletes them.
    pub left_behind: Vec<PathBuf>,
    /// Stretches the waiting files set aside after sharp pain: the history does not say so yet,
    /// so the session about to start leaves them out itself ([`StartRequest::also_set_aside`]).
    ///
    /// [`StartRequest::also_set_aside`]: crate::StartRequest::also_set_aside
    pub waiting_set_aside: Vec<StretchId>,
    /// When the latest session in a waiting file ended that stopped for an emergency sign: the
    /// history does not say so yet, so the session about to start is refused all the same
    /// ([`StartRequest::also_emergency_at`]).
    ///
    /// [`StartRequest::also_emergency_at`]: crate::StartRequest::also_emergency_at
    pub waiting_emergency: Option<i64>,
}

/// Whether a session ended for an emergency sign.
fn is_emergency(summary: &Summary) -> bool {
    summary.stopped == Some(StopReason::Emergency)
}

/// When the latest of `sessions` that stopped for an emergency sign ended.
fn last_emergency(sessions: &[SessionRecord]) -> Option<i64> {
    sessions.iter().filter(|s| s.stopped == Some(StopReason::Emergency)).map(|s| s.ended_at_ms).max()
}

/// A kept file's text (up to its limit), or why it cannot be read.
fn read_kept(path: &Path) -> Result<String, std::io::Error> {
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, KEPT_FILE_LIMIT), &mut text)?;
    Ok(text)
}

/// The name a session kept by [`Local::finish`] is written under: `limber-unsaved-<ms>.json`.
fn is_kept_file(name: &str) -> bool {
    name.strip_prefix("limber-unsaved-")
        .and_then(|rest| rest.strip_suffix(".json"))
        .is_some_and(|ms| !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit()))
}

/// The largest kept file read: one session is a few kilobytes.
const KEPT_FILE_LIMIT: u64 = 1 << 20;

/// How long adding a kept file may wait for a database another program holds: a session start
/// is not held up for the store's usual ten seconds.
const KEPT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Kept {
    /// What a front end says of them before the session, as sentences; empty when there were
    /// none. `name` gives a stretch's name.
    pub fn sentences(&self, name: impl Fn(&StretchId) -> String) -> Vec<String> {
        let mut said = Vec::new();
        if self.emergency_files > 0 {
            let now_or_before =
                if self.emergencies > 0 { "is in your history now" } else { "was in your history already" };
            said.push(format!(
                "The emergency sign reported before any stretch, kept in a file when it could not be saved, \
                 {now_or_before}."
            ));
        }
        // (Each kept file holds one session: those of the emergency signs are said above.)
        let sessions_added = self.added.len().saturating_sub(self.emergency_files);
        if sessions_added > 0 {
            let what = match self.sessions {
                0 if sessions_added == 1 => "The session kept in a file when it could not be saved was in your \
                                             history already; the file is removed."
                    .to_owned(),
                0 => "The sessions kept in files when they could not be saved were in your history already; the \
                      files are removed."
                    .to_owned(),
                1 => "Added 1 session to your history, kept in a file when it could not be saved.".to_owned(),
                n => format!("Added {n} sessions to your history, kept in files when they could not be saved."),
            };
            said.push(what);
        }
        if !self.set_aside.is_empty() {
            said.push(format!(
                "{} caused sharp pain then, and {} set aside from your plans until you clear it.",
                crate::report::and_list(&self.set_aside),
                if self.set_aside.len() == 1 { "is" } else { "are" },
            ));
        }
        for path in &self.left_behind {
            said.push(format!("{} is in your history now, but could not be removed: delete it.", path.display()));
        }
        for (path, why) in &self.waiting {
            said.push(crate::report::sentence(&format!(
                "a session kept in {} is not in your history yet ({}); it is added before a later session, or by \
                 `limber import {}`",
                path.display(),
                crate::report::error_line(why),
                path.display(),
            )));
        }
        if !self.waiting_set_aside.is_empty() {
            let names: Vec<String> = self.waiting_set_aside.iter().map(&name).collect();
            said.push(format!(
                "{} caused sharp pain in {}, so this session leaves {} out.",
                crate::report::and_list(&names),
                if self.waiting.len() == 1 { "it" } else { "them" },
                if names.len() == 1 { "it" } else { "them" },
            ));
        }
        for (path, why) in &self.unreadable {
            said.push(crate::report::sentence(&format!(
                "{} cannot be read ({}): move it out of that folder, and keep it if it may hold a session of yours",
                path.display(),
                crate::report::error_line(why),
            )));
        }
        said
    }
}

/// How long opening a database may take before a front end is told it is waiting.
pub const WAIT_NOTICE: std::time::Duration = std::time::Duration::from_secs(1);

impl Drop for Local {
    /// Waits for the store to close its connections, so that SQLite's last one checkpoints its
    /// write-ahead log instead of leaving it (88 MB after importing 100,000 sessions) for every
    /// later command to read through.
    fn drop(&mut self) {
        self.rt.block_on(self.app.store().close());
    }
}

impl Local {
    /// Loads the content (built-in plus `content`) and opens the store in `data_dir`, or in the
    /// platform data directory when `None`.
    pub fn open(content: Option<&Path>, data_dir: Option<&Path>) -> Result<Local, LocalError> {
        Local::open_telling(content, data_dir, None, || {})
    }

    /// [`Local::open`], or with the PostgreSQL database at `database` (a `postgres://` URL)
    /// instead of the SQLite file when one is given; `waiting` is called once if opening it
    /// (connecting, and migrating) has taken longer than [`WAIT_NOTICE`] (it may wait up to 10 s
    /// for a PostgreSQL that is starting or refusing), so that a front end can say why nothing
    /// happens yet.
    pub fn open_telling(
        content: Option<&Path>,
        data_dir: Option<&Path>,
        database: Option<&str>,
        waiting: impl FnOnce(),
    ) -> Result<Local, LocalError> {
        Local::open_with(content, data_dir, database, waiting, false, |_| Ok(()))
    }

    /// [`Local::open_telling`], once `check` has accepted the request against the content: a
    /// refused one ([`LocalError::Refused`]) opens no store, so it creates no data directory
    /// and no database (`limber run deks` in a new `--data-dir`).
    pub fn open_checked(
        content: Option<&Path>,
        data_dir: Option<&Path>,
        database: Option<&str>,
        waiting: impl FnOnce(),
        check: impl FnOnce(&Library) -> Result<(), Error>,
    ) -> Result<Local, LocalError> {
        Local::open_with(content, data_dir, database, waiting, false, check)
    }

    /// [`Local::open_telling`] for a command that only reads: a SQLite file or folder this
    /// user may not write (a backup, a snapshot) is opened only to read
    /// ([`SqliteStore::open_read_only`]); anything that writes then fails in words.
    pub fn open_to_read(
        content: Option<&Path>,
        data_dir: Option<&Path>,
        database: Option<&str>,
        waiting: impl FnOnce(),
    ) -> Result<Local, LocalError> {
        Local::open_with(content, data_dir, database, waiting, true, |_| Ok(()))
    }

    fn open_with(
        content: Option<&Path>,
        data_dir: Option<&Path>,
        database: Option<&str>,
        waiting: impl FnOnce(),
        reading: bool,
        check: impl FnOnce(&Library) -> Result<(), Error>,
    ) -> Result<Local, LocalError> {
        let library = crate::load_library(content).map_err(|source| match content {
            Some(dir) => LocalError::Content { dir: dir.to_owned(), error: source },
            None => LocalError::Builtin(source),
        })?;
        check(&library).map_err(LocalError::Refused)?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(LocalError::Runtime)?;
        let mut kept_in = None;
        let store: Arc<dyn Store> = match database {
            // One command at a time: a small pool.
            Some(url) => rt
                .block_on(async {
                    let mut open = std::pin::pin!(crate::store::open(url, 2));
                    match tokio::time::timeout(WAIT_NOTICE, &mut open).await {
                        Ok(opened) => opened,
                        Err(_) => {
                            waiting();
                            open.await
                        }
                    }
                })
                .map_err(|e| LocalError::Store(e.into()))?,
            None => {
                let dir = data_dir
                    .map(Path::to_owned)
                    .or_else(crate::store::default_data_dir)
                    .ok_or(LocalError::NoDataDir)?;
                let store = rt.block_on(async {
                    match SqliteStore::open(&dir).await {
                        // A full disk, as a read-only one, still lets history be read.
                        Err(crate::store::Error::ReadOnly { .. } | crate::store::Error::DiskFull { .. }) if reading => {
                            SqliteStore::open_read_only(&dir).await
                        }
                        other => other,
                    }
                });
                let store = store.map_err(|e| LocalError::Store(e.into()))?;
                kept_in = Some(dir);
                Arc::new(store)
            }
        };
        let app = App::new(library, store);
        let user = match rt.block_on(app.local_user()) {
            Ok(user) => user,
            // Reading a copy that cannot be written (a server's backup, say) with no `local`
            // person in it: adding one is what failed.
            Err(Error::Store(crate::store::Error::ReadOnly { .. })) if reading && kept_in.is_some() => {
                return Err(LocalError::NoLocalPerson { dir: kept_in.unwrap_or_default() });
            }
            Err(e) => return Err(LocalError::Store(e)),
        };
        Ok(Local { rt, data_dir: kept_in, app, user })
    }

    /// Whether a session can be saved where the history is: not when the SQLite file is
    /// read-only to this user (SQLite then opens it to read, and only the saving fails). A
    /// PostgreSQL store says so only when it refuses.
    pub fn can_save(&self) -> bool {
        self.data_dir.as_ref().is_none_or(|dir| {
            // Opened for writing, nothing written: the system's own check of the permissions.
            std::fs::OpenOptions::new().append(true).open(crate::store::database_path(dir)).is_ok()
        })
    }

    /// Saves a finished session ([`App::finish`]). When the store will not take it (a full disk,
    /// a read-only file, a database that stays locked), a session that got as far as the
    /// exercise is kept as an export file instead, in the data directory or else the temporary
    /// one, for `limber import` to add later: nothing done on the floor is lost.
    pub fn finish(&self, session: &Session, started_at_ms: i64, speed: f64) -> Result<Finished, Box<Unsaved>> {
        // The id is chosen first, so a file kept after a failure that came once the session was
        // stored (reading the week back, say) imports as already present, not as a second copy.
        let id = SessionId::new();
        self.block_on(self.app.finish_as(self.user, id, session, started_at_ms, speed)).map_err(|error| {
            // An emergency sign is kept before any stretch too: until the history has it,
            // the file is what refuses sessions for a day ([`Local::start`]).
            let keep = session.summary().is_some_and(|s| s.exercise_started || is_emergency(&s));
            self.unsaved(id, session, started_at_ms, speed, error, keep)
        })
    }

    /// Saves the answers to the safety questions asked on their own ([`App::save_screening`]),
    /// given at `taken_at_ms`. When the store will not take an emergency sign among them,
    /// it is kept in a file as [`Local::finish`] keeps a session that stopped for one, so the
    /// next session is still refused for a day; other answers the store refuses are not kept
    /// (they are asked again).
    pub fn save_screening(&self, session: &Session, taken_at_ms: i64) -> Result<Clearance, Box<Unsaved>> {
        self.block_on(self.app.save_screening(self.user, session, taken_at_ms)).map_err(|error| {
            let keep = session.summary().is_some_and(|s| is_emergency(&s));
            // Dated when the answers were given, as the store dates them: the day without
            // stretching counts from then, however long the questions took.
            self.unsaved(SessionId::new(), session, taken_at_ms, 1.0, error, keep)
        })
    }

    /// A session (or questions) over that the store refused with `error`, kept in a file when
    /// `keep` says.
    fn unsaved(
        &self,
        id: SessionId,
        session: &Session,
        started_at_ms: i64,
        speed: f64,
        error: Error,
        keep: bool,
    ) -> Box<Unsaved> {
        let summary = session.summary();
        let stopped = summary.as_ref().and_then(|s| s.stopped);
        let exercised = summary.as_ref().is_some_and(|s| s.exercise_started);
        let keeping = summary.filter(|_| keep);
        let kept = keeping.as_ref().and_then(|s| self.keep(id, s, started_at_ms, speed, exercised));
        let set_aside = keeping.as_ref().and_then(|s| s.flagged.as_ref()).map(|id| self.app.library().stretch_name(id));
        let beside_history =
            kept.as_ref().is_some_and(|k| self.data_dir.as_deref().is_some_and(|d| k.parent() == Some(d)));
        Box::new(Unsaved { error, kept, beside_history, set_aside, stopped, exercised })
    }

    /// Adds the sessions [`Local::finish`] kept beside the database, when it could not save
    /// them, to the history, and removes each file once it is in: called before a session
    /// starts ([`Local::start`]), so a stretch that caused sharp pain in one is left out of the
    /// plan. A file that cannot be added yet (the database still busy, read-only or full) stays
    /// where it is, and the stretches it set aside are named, for that session to leave out.
    pub fn bring_in_kept(&self) -> Kept {
        let mut kept = Kept::default();
        let name = |id: &StretchId| self.app.library().stretch_name(id);
        for path in self.kept_files() {
            let text = match read_kept(&path) {
                Ok(text) => text,
                Err(e) => {
                    kept.unreadable.push((path, Error::Import(crate::export::ImportError::Io(e.to_string()))));
                    continue;
                }
            };
            let (set_aside, emergency, before_any) = match crate::export::read(&text) {
                Ok((sessions, standing)) => {
                    let flagged = sessions.iter().filter_map(|s| s.flagged.as_deref()).map(StretchId::from);
                    let stored = standing.progression.into_iter().filter(|(_, p)| p.flagged).map(|(id, _)| id);
                    let before_any = sessions.iter().any(crate::export::is_emergency_before_exercise);
                    (flagged.chain(stored).collect::<Vec<_>>(), last_emergency(&sessions), before_any)
                }
                Err(e) => {
                    kept.unreadable.push((path, Error::Import(e)));
                    continue;
                }
            };
            let added = self.block_on(async {
                match tokio::time::timeout(KEPT_WAIT, self.app.import(self.user, std::io::Cursor::new(text))).await {
                    Ok(done) => done,
                    Err(_) => Err(Error::Store(crate::store::Error::Busy {
                        engine: format!("still busy after {} s", KEPT_WAIT.as_secs()),
                    })),
                }
            });
            match added {
                Ok(report) => {
                    // In the history now: a file left behind would be added again at every start
                    // (setting again a stretch the person has cleared since), so it goes, or is
                    // renamed out of the way, or is named for the person to delete.
                    let gone = std::fs::remove_file(&path)
                        .or_else(|_| std::fs::rename(&path, path.with_extension("json.added")))
                        .is_ok();
                    if !gone {
                        kept.left_behind.push(path.clone());
                    }
                    kept.sessions += report.added;
                    kept.emergencies += report.emergencies;
                    kept.emergency_files += usize::from(before_any);
                    kept.set_aside.extend(set_aside.iter().map(name));
                    kept.added.push(path);
                }
                Err(e) => {
                    kept.waiting_set_aside.extend(set_aside);
                    kept.waiting_emergency = kept.waiting_emergency.max(emergency);
                    kept.waiting.push((path, e));
                }
            }
        }
        kept.set_aside.sort();
        kept.set_aside.dedup();
        kept.waiting_set_aside.sort();
        kept.waiting_set_aside.dedup();
        kept
    }

    /// The files [`Local::finish`] kept beside the database, in the order they were written.
    fn kept_files(&self) -> Vec<PathBuf> {
        let Some(dir) = &self.data_dir else { return Vec::new() };
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| e.file_name().to_str().is_some_and(is_kept_file))
            .map(|e| e.path())
            .collect();
        files.sort();
        files
    }

    /// The latest emergency sign in a session kept in a file the history has not taken yet (read,
    /// not added), as [`Local::start`] counts it.
    fn waiting_emergency(&self) -> Option<i64> {
        self.kept_files()
            .iter()
            .filter_map(|path| last_emergency(&crate::export::read(&read_kept(path).ok()?).ok()?.0))
            .max()
    }

    /// [`App::emergency_refusal`] for the local person, counting an emergency sign in a
    /// session kept in a file the history has not taken yet, as [`Local::start`] counts it: for
    /// the TUI's home and `limber import` to say.
    pub fn emergency_refusal(&self, now_ms: i64) -> Result<Option<Error>, Error> {
        self.block_on(self.app.emergency_refusal_besides(self.user, now_ms, self.waiting_emergency()))
    }

    /// [`App::start_screening`] for the local person at `now_ms`, counting an emergency sign
    /// in a kept file as [`Local::emergency_refusal`] does.
    pub fn start_screening(&self, now_ms: i64) -> Result<crate::ScreeningStart, Error> {
        self.block_on(self.app.start_screening(self.user, now_ms, self.waiting_emergency()))
    }

    /// Starts a session for the local person ([`App::start`]) at `now_ms`, once the sessions
    /// kept in files are brought in ([`Local::bring_in_kept`]): in one that cannot be added yet,
    /// stretches that caused sharp pain are left out all the same, and an emergency sign refuses
    /// the session as one in the history would; what was brought in is said among the
    /// session's notes.
    pub fn start(&self, request: &crate::StartRequest, now_ms: i64) -> Result<crate::Started, Error> {
        let kept = self.bring_in_kept();
        let mut request = request.clone();
        request.also_set_aside.extend(kept.waiting_set_aside.iter().cloned());
        request.also_emergency_at = request.also_emergency_at.max(kept.waiting_emergency);
        let mut started = self.block_on(self.app.start(self.user, &request, now_ms))?;
        let library = self.app.library();
        started.brought_in = kept.sentences(|id| library.stretch_name(id));
        Ok(started)
    }

    /// Writes `summary` as an export file of one session, with the stretch that caused sharp
    /// pain set aside in its progression (its hold back at the low end), so importing it sets
    /// the flag the store could not; where it went, if anywhere.
    fn keep(
        &self,
        id: SessionId,
        summary: &Summary,
        started_at_ms: i64,
        speed: f64,
        exercised: bool,
    ) -> Option<PathBuf> {
        let mut record = SessionRecord { id, ..crate::record(summary, started_at_ms, speed) };
        // Before any exercise (an emergency sign at the questions), with no stretch: brought in
        // as the store keeps such a stop, not as a session (`export::is_emergency_before_exercise`).
        if !exercised {
            record.items.clear();
        }
        let flagged: BTreeMap<StretchId, Progress> = summary
            .flagged
            .iter()
            .filter_map(|s| self.app.library().stretch(s))
            .map(|s| {
                let progress = Progress { hold_seconds: s.dose.range().low(), comfortable_streak: 0, flagged: true };
                (s.id.clone(), progress)
            })
            .collect();
        let name = format!("limber-unsaved-{started_at_ms}.json");
        let dirs = self.data_dir.iter().cloned().chain(std::iter::once(std::env::temp_dir()));
        dirs.map(|dir| dir.join(&name)).find(|path| {
            // Written under another name first, then renamed: another limber starting meanwhile
            // (`Local::bring_in_kept`) never reads half a file.
            let part = path.with_file_name(format!(".{name}.part"));
            if path.exists() {
                return false;
            }
            let write = || -> std::io::Result<()> {
                // A new file only: never through a link someone left in a shared directory.
                let file = crate::store::private::file_options().write(true).create_new(true).open(&part)?;
                let mut writer = crate::export::Writer::new(std::io::BufWriter::new(file))?;
                writer.session(&record)?;
                let file = writer.finish(&flagged, None)?.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                // Given its name by a link, which never replaces a file there already.
                std::fs::hard_link(&part, path)
            };
            let written = write();
            let _ = std::fs::remove_file(&part);
            written.is_ok()
        })
    }

    /// Runs a use case to completion.
    pub fn block_on<T>(&self, f: impl Future<Output = T>) -> T {
        self.rt.block_on(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_a_fresh_data_dir_and_reads_the_profile_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let (profile, flagged) = local.block_on(local.app.profile(local.user)).expect("profile");
        assert!(profile.weekly_goal >= 1);
        assert!(flagged.is_empty());
        assert!(crate::store::database_path(dir.path()).exists());
    }

    #[test]
    fn a_missing_content_dir_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope");
        let err = Local::open(Some(&missing), Some(dir.path())).err().expect("fails");
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn an_emergency_sign_brought_in_is_said_as_such_not_as_a_session() {
        let kept = Kept {
            added: vec![PathBuf::from("limber-unsaved-1.json")],
            emergencies: 1,
            emergency_files: 1,
            ..Kept::default()
        };
        let said = kept.sentences(|id| id.to_string());
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("The emergency sign reported before any stretch"), "{said:?}");
        assert!(said[0].ends_with("is in your history now."), "{said:?}");
        // Stored already (the file came back): said as that sign still, not as a session.
        let again = Kept { added: kept.added.clone(), emergency_files: 1, ..Kept::default() };
        let said = again.sentences(|id| id.to_string());
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].ends_with("was in your history already."), "{said:?}");
        // Beside a session brought in from another file, each is said.
        let both = Kept { added: vec![PathBuf::from("a"), PathBuf::from("b")], sessions: 1, ..kept };
        let said = both.sentences(|id| id.to_string());
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[1].starts_with("Added 1 session"), "{said:?}");
    }

    #[test]
    fn a_session_no_file_could_take_either_is_said_to_be_kept_nowhere() {
        let full = || Error::Store(limber_store::Error::DiskFull { engine: "SQLite".into() });
        let lost = Unsaved {
            error: full(),
            kept: None,
            beside_history: false,
            set_aside: Some("Seated twist".into()),
            stopped: None,
            exercised: true,
        };
        let said = lost.to_string();
        assert!(said.contains("this session is not kept anywhere"), "{said}");
        assert!(said.contains("Seated twist caused sharp pain"), "{said}");
        // Stopped before any stretch (at the safety questions): no file was tried...
        let unbegun = Unsaved {
            error: full(),
            set_aside: None,
            stopped: Some(StopReason::SeeClinician),
            exercised: false,
            kept: None,
            beside_history: false,
        };
        let said = unbegun.to_string();
        assert!(said.contains("No stretch was begun, so there was nothing to keep"), "{said}");
        assert!(!said.contains("No file could take it"), "{said}");
        // ...but for an emergency sign, which is kept when a file can take it.
        let emergency = Unsaved { stopped: Some(StopReason::Emergency), ..unbegun };
        let said = emergency.to_string();
        assert!(said.contains("No file could take it") && said.contains("Do not stretch today"), "{said}");
        let kept = Unsaved { kept: Some(PathBuf::from("/tmp/limber-unsaved-1.json")), ..lost };
        let said = kept.to_string();
        assert!(said.contains("limber import /tmp/limber-unsaved-1.json") && !said.contains("anywhere"), "{said}");
        assert!(!said.contains("next session"), "a file in the temporary directory is not found again: {said}");
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    /// An export with no session whose progression sets `stretch` aside, as a kept file holds it.
    fn setting_aside(stretch: &str) -> Vec<u8> {
        let progress = Progress { hold_seconds: 15, comfortable_streak: 0, flagged: true };
        let standing = crate::export::Standing {
            progression: BTreeMap::from([(StretchId::from(stretch), progress)]),
            profile: None,
        };
        crate::export::write(&[], &standing).expect("written")
    }

    fn desk() -> crate::StartRequest {
        crate::StartRequest { routine: "desk".into(), no_warm_up: true, ..crate::StartRequest::default() }
    }

    fn planned(started: &crate::Started) -> Vec<String> {
        started.session.plan().items.iter().map(|i| i.choice.stretch.id.to_string()).collect()
    }

    /// Another program holding the database in `dir` for writing, as long as it is not told to
    /// let go (sending on the channel) and joined.
    fn lock(dir: &Path) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        let db = crate::store::database_path(dir);
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (locked, is_locked) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(async {
                use sqlx::{ConnectOptions, Connection};
                let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.expect("open");
                sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await.expect("lock");
                locked.send(()).expect("told");
                let _ = held.recv();
                sqlx::query("ROLLBACK").execute(&mut conn).await.expect("unlock");
                conn.close().await.expect("close");
            });
        });
        is_locked.recv().expect("locked");
        (hold, holder)
    }

    #[test]
    fn an_emergency_sign_in_a_kept_file_refuses_the_next_session_before_the_history_can_take_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let now = crate::when::now_ms();
        let minutes = |n: i64| n * 60_000;
        let stopped = SessionRecord {
            id: SessionId::new(),
            routine: "desk".into(),
            started_at_ms: now - minutes(20),
            ended_at_ms: now - minutes(15),
            stopped: Some(StopReason::Emergency),
            warmed_up: true,
            active_ms: minutes(1),
            pain_before: None,
            pain_after: None,
            flagged: None,
            items: Vec::new(),
            preview: false,
        };
        let path = dir.path().join(format!("limber-unsaved-{}.json", stopped.started_at_ms));
        let standing = crate::export::Standing { progression: BTreeMap::new(), profile: None };
        std::fs::write(&path, crate::export::write(std::slice::from_ref(&stopped), &standing).expect("written"))
            .expect("write");
        // Said before any start (the TUI's home, `limber screening`), the file only read.
        let said = local.emergency_refusal(now).expect("read").expect("refused");
        assert!(said.is_safety() && path.exists(), "{said}");
        assert!(local.block_on(local.app.emergency_refusal(local.user, now)).expect("read").is_none(), "not stored");
        // The history cannot take it yet: the session is refused all the same.
        let (hold, holder) = lock(dir.path());
        let refused = local.start(&desk(), now).expect_err("refused while the file waits");
        assert!(refused.is_safety(), "{refused}");
        hold.send(()).expect("released");
        holder.join().expect("holder");
        assert!(path.exists(), "still waiting");
        // Once it is in, the history refuses it; a day after the sign, a session starts.
        let refused = local.start(&desk(), now).expect_err("refused from the history");
        assert!(refused.is_safety() && !path.exists(), "{refused}");
        // Stopped in the warm-up (warmed up, a minute stretching): a session of the history.
        let query = crate::store::HistoryQuery { since_ms: None, before: None, limit: 10 };
        let history = local.block_on(local.app.history(local.user, query)).expect("history");
        assert_eq!(history.sessions.iter().map(|s| s.id).collect::<Vec<_>>(), [stopped.id]);
        local.start(&desk(), stopped.ended_at_ms + crate::store::DAY_MS + 1).expect("a day later");
    }

    /// An emergency stop before any exercise, brought in from its file: as the store keeps one
    /// when it can, the empty screening record at `at` (every question asked again), and no
    /// session of no stretch in the history.
    fn assert_kept_as_the_store_keeps_it(local: &Local, at: i64) {
        let latest = local.block_on(local.app.store().latest_screening(local.user)).expect("read");
        let latest = latest.expect("a screening record");
        assert_eq!((latest.taken_at_ms, latest.record), (at, limber_core::ScreeningRecord::default()));
        let query = crate::store::HistoryQuery { since_ms: None, before: None, limit: 10 };
        let history = local.block_on(local.app.history(local.user, query)).expect("history");
        assert!(history.sessions.is_empty(), "{:?}", history.sessions);
    }

    #[test]
    fn an_emergency_sign_at_the_questions_the_history_cannot_take_is_kept_and_refuses_the_next_session() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let now = crate::when::now_ms();
        let mut session = local.start(&desk(), now).expect("started").session;
        assert!(matches!(session.phase(), limber_core::Phase::Screening { question: 0 }), "{:?}", session.phase());
        // Chest pain at the first question, while another program holds the database.
        session.handle(limber_core::Intent::Chest, limber_core::At::secs(5)).expect("reported");
        let (hold, holder) = lock(dir.path());
        let unsaved = local.finish(&session, now, 1.0).expect_err("the history cannot take it");
        let kept = unsaved.kept.clone().unwrap_or_else(|| panic!("kept: {unsaved}"));
        assert!(unsaved.beside_history && kept.exists(), "{unsaved}");
        assert!(!unsaved.to_string().contains("nothing to keep"), "{unsaved}");
        // Said at once, and the next session is refused, before the history has it and after.
        assert!(local.emergency_refusal(now + 1_000).expect("read").is_some_and(|e| e.is_safety()));
        let refused = local.start(&desk(), now + 1_000).expect_err("refused while the file waits");
        assert!(refused.is_safety(), "{refused}");
        hold.send(()).expect("released");
        holder.join().expect("holder");
        let refused = local.start(&desk(), now + 2_000).expect_err("refused from the history");
        assert!(refused.is_safety() && !kept.exists(), "{refused}");
        assert_kept_as_the_store_keeps_it(&local, now + 5_000);
        // The questions are asked again: the answers before it no longer count.
        let later = local.start(&desk(), now + crate::store::DAY_MS + 10_000).expect("a day later");
        assert!(matches!(later.session.phase(), limber_core::Phase::Screening { .. }), "{:?}", later.session.phase());
    }

    #[test]
    fn an_emergency_sign_at_the_questions_on_their_own_the_history_cannot_take_is_kept_too() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let now = crate::when::now_ms();
        let (hold, holder) = lock(dir.path());
        // Clear answers the store refuses are not kept: they are asked again.
        let mut clear = local.start_screening(now).expect("questions").session;
        for question in local.app.library().screening.iter() {
            // The answer that flags nothing (about an assessment: it flags only with a sign).
            let clear_answer = match question.flagged_by {
                limber_core::Answer::Yes => limber_core::Intent::No,
                limber_core::Answer::No => limber_core::Intent::Yes,
            };
            clear.handle(clear_answer, limber_core::At::ZERO).expect("answered");
        }
        assert_eq!(clear.screening().clearance(&local.app.library().screening), Clearance::Clear);
        let unsaved = local.save_screening(&clear, now).expect_err("the history cannot take them");
        assert!(unsaved.kept.is_none() && unsaved.stopped.is_none(), "{unsaved}");
        // Chest pain at the first question: kept beside the history, and the day is refused.
        let mut session = local.start_screening(now).expect("questions").session;
        session.handle(limber_core::Intent::Chest, limber_core::At::ZERO).expect("reported");
        let unsaved = local.save_screening(&session, now + 60_000).expect_err("the history cannot take it");
        let kept = unsaved.kept.clone().unwrap_or_else(|| panic!("kept: {unsaved}"));
        assert!(unsaved.beside_history && kept.exists(), "{unsaved}");
        assert!(unsaved.to_string().contains("Do not stretch today"), "{unsaved}");
        assert!(local.emergency_refusal(now + 1_000).expect("read").is_some_and(|e| e.is_safety()));
        let refused = local.start(&desk(), now + 1_000).expect_err("refused while the file waits");
        assert!(refused.is_safety(), "{refused}");
        hold.send(()).expect("released");
        holder.join().expect("holder");
        let refused = local.start(&desk(), now + 2_000).expect_err("refused from the history");
        assert!(refused.is_safety() && !kept.exists(), "{refused}");
        assert_kept_as_the_store_keeps_it(&local, now + 60_000);
        // The day counts from the answer (a minute after the questions began), not their start.
        let answered = now + 60_000;
        let refused =
            local.start(&desk(), answered + crate::store::DAY_MS - 10_000).expect_err("within a day of the answer");
        assert!(refused.is_safety(), "{refused}");
        local.start(&desk(), answered + crate::store::DAY_MS + 10_000).expect("a day later");
    }

    #[test]
    fn only_files_named_as_limber_keeps_them_are_brought_in() {
        assert!(is_kept_file("limber-unsaved-1795853445655.json"));
        for other in [
            "limber-unsaved-.json",
            "limber-unsaved-12.json.bak",
            "limber-unsaved-12.json.added",
            ".limber-unsaved-12.json.part",
            "limber-unsaved-x1.json",
            "export.json",
        ] {
            assert!(!is_kept_file(other), "{other}");
        }
    }

    #[test]
    fn an_emergency_sign_kept_twice_is_said_as_that_sign_both_times_never_as_a_session() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        // Two days ago, at the safety questions: no stretch, no warm-up, no time stretching.
        let ended = crate::when::now_ms() - 2 * 24 * 60 * 60 * 1000;
        let kept = serde_json::json!({"limber-export": 6, "sessions": [{
            "id": "00000000-0000-4000-8000-00000000e911", "routine": "desk", "started-at-ms": ended - 30_000,
            "ended-at-ms": ended, "stopped": "emergency", "warmed-up": false, "active-ms": 0,
            "pain-before": null, "pain-after": null, "flagged": null, "items": [],
        }]})
        .to_string();
        let path = dir.path().join("limber-unsaved-1000.json");
        let mut said = Vec::new();
        for _ in 0..2 {
            std::fs::write(&path, &kept).expect("write");
            let brought = local.bring_in_kept();
            assert_eq!((brought.added.len(), brought.sessions, brought.emergency_files), (1, 0, 1), "{brought:?}");
            said.push(brought.sentences(|id| id.to_string()));
        }
        assert_eq!(said[0].len(), 1, "{said:?}");
        assert!(said[0][0].contains("emergency sign") && said[0][0].ends_with("is in your history now."), "{said:?}");
        assert_eq!(said[1].len(), 1, "{said:?}");
        assert!(said[1][0].contains("emergency sign") && said[1][0].ends_with("in your history already."), "{said:?}");
        let history = local.block_on(local.app.sessions(local.user, None)).expect("history");
        assert!(history.is_empty(), "no session of no stretch: {history:?}");
    }

    #[test]
    fn a_kept_setting_aside_is_brought_in_before_the_session_once_and_its_file_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let path = dir.path().join("limber-unsaved-1000.json");
        std::fs::write(&path, setting_aside("seated-cat-cow")).expect("write");
        // Not this one: a person's own export, named as they chose.
        std::fs::write(dir.path().join("mine.json"), setting_aside("folded-arm-twist")).expect("write");
        let started = local.start(&desk(), crate::when::now_ms()).expect("started");
        assert!(!planned(&started).contains(&"seated-cat-cow".to_owned()), "{:?}", planned(&started));
        let notes = started.notes(local.app.library());
        assert!(
            notes.iter().any(|n| n.contains("Seated cat-cow caused sharp pain then, and is set aside")),
            "{notes:?}"
        );
        assert!(!path.exists());
        let (_, flagged) = local.block_on(local.app.profile(local.user)).expect("profile");
        assert_eq!(flagged, vec![StretchId::from("seated-cat-cow")], "only the kept file's");
        // Nothing the second time.
        let again = local.bring_in_kept();
        assert!(again.added.is_empty() && again.sentences(|id| id.to_string()).is_empty(), "{again:?}");
    }

    #[test]
    fn a_kept_setting_aside_that_cannot_be_brought_in_yet_is_left_out_of_the_session_all_the_same() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(None, Some(dir.path())).expect("open");
        let flagged = dir.path().join("limber-unsaved-1000.json");
        std::fs::write(&flagged, setting_aside("seated-cat-cow")).expect("write");
        let garbled = dir.path().join("limber-unsaved-2000.json");
        std::fs::write(&garbled, "{ not json").expect("write");
        // Another program holds the database for longer than a start waits.
        let (hold, holder) = lock(dir.path());
        let kept = local.bring_in_kept();
        assert!(kept.added.is_empty(), "{kept:?}");
        let waiting: Vec<&PathBuf> = kept.waiting.iter().map(|(p, _)| p).collect();
        assert_eq!(waiting, vec![&flagged]);
        assert_eq!(kept.unreadable.iter().map(|(p, _)| p).collect::<Vec<_>>(), vec![&garbled]);
        assert_eq!(kept.waiting_set_aside, vec![StretchId::from("seated-cat-cow")]);
        let said = kept.sentences(|id| local.app.library().stretch(id).map(|s| s.name.clone()).unwrap_or_default());
        let said = said.join("\n");
        assert!(said.contains("Seated cat-cow caused sharp pain in it, so this session leaves it out."), "{said}");
        assert!(said.contains(&format!("{} cannot be read", garbled.display())), "{said}");
        assert!(!said.contains("  "), "no run of spaces: {said}");
        // A session still starts (reading works while another holds the writing), without it.
        let started = local.start(&desk(), crate::when::now_ms()).expect("started");
        assert!(!planned(&started).contains(&"seated-cat-cow".to_owned()), "{:?}", planned(&started));
        hold.send(()).expect("released");
        holder.join().expect("holder");
        assert!(flagged.exists() && garbled.exists(), "files not brought in stay");
        // Once the database is free, the next start brings the waiting one in.
        let kept = local.bring_in_kept();
        assert_eq!(kept.added, vec![flagged.clone()]);
        assert!(!flagged.exists() && garbled.exists());
    }
}

#[cfg(test)]
mod choice_tests {
    use super::{Given, StoreChoice, choose_store};

    #[test]
    fn a_flag_wins_over_a_variable_and_two_of_a_kind_clash() {
        use Given::{Env, Flag};
        use StoreChoice::{Dir, Url};
        let cases = [
            (None, None, Ok(Dir)),
            (Some(Flag), None, Ok(Dir)),
            (Some(Env), None, Ok(Dir)),
            (None, Some(Flag), Ok(Url)),
            (None, Some(Env), Ok(Url)),
            (Some(Env), Some(Flag), Ok(Url)),
            (Some(Flag), Some(Env), Ok(Dir)),
        ];
        for (dir, url, chosen) in cases {
            assert_eq!(choose_store(dir, url), chosen, "{dir:?} {url:?}");
        }
        assert!(choose_store(Some(Flag), Some(Flag)).unwrap_err().contains("--data-dir and --database"));
        assert!(choose_store(Some(Env), Some(Env)).unwrap_err().contains("both set"));
    }
}
