//! What commands share: the application (content + store) for the local user, and its runtime.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use limber_app::App;
use limber_app::store::UserId;

use crate::UsageError;
use crate::args::Global;

/// The application for the local user, with a runtime for its async calls.
pub(crate) struct Env {
    local: limber_app::local::Local,
    pub(crate) app: App,
    pub(crate) user: UserId,
}

impl Env {
    /// Loads the content and opens the store in the data directory.
    pub(crate) fn open(global: &Global) -> anyhow::Result<Env> {
        Env::open_with(global, false)
    }

    /// [`Env::open`] once `check` has accepted the request against the content: a mistake it
    /// finds (an unknown routine) is a usage error, said before any data directory is made.
    pub(crate) fn open_checked(
        global: &Global,
        check: impl FnOnce(&limber_core::Library) -> limber_app::Result<()>,
    ) -> anyhow::Result<Env> {
        let opened = limber_app::local::Local::open_checked(
            global.content.as_deref(),
            global.data_dir.as_deref(),
            global.database.as_deref(),
            || eprintln!("limber: waiting for the database…"),
            check,
        );
        let local = match opened {
            Ok(local) => local,
            Err(limber_app::local::LocalError::Refused(e)) => return Err(usage(e)),
            Err(e) => return Err(e.into()),
        };
        let (app, user) = (local.app.clone(), local.user);
        Ok(Env { local, app, user })
    }

    fn open_with(global: &Global, reading: bool) -> anyhow::Result<Env> {
        let open =
            if reading { limber_app::local::Local::open_to_read } else { limber_app::local::Local::open_telling };
        let local = open(global.content.as_deref(), global.data_dir.as_deref(), global.database.as_deref(), || {
            eprintln!("limber: waiting for the database…")
        })?;
        let (app, user) = (local.app.clone(), local.user);
        Ok(Env { local, app, user })
    }

    /// [`Env::open`] for a command that only reads (history, stats, export, the profile shown):
    /// a data directory named (`--data-dir`, `LIMBER_DATA_DIR`) that does not exist is a
    /// mistake to say, not an empty history to make there: a typo would otherwise print "no
    /// sessions" or write an empty export over a good one.
    pub(crate) fn open_to_read(global: &Global) -> anyhow::Result<Env> {
        refuse_missing_dir(global)?;
        // A file or folder this user may not write (a backup, a snapshot) is read as it is.
        Env::open_with(global, true)
    }

    /// [`Env::open`] for a change to what is stored already (a flag cleared): a named data
    /// directory that does not exist is said, not made, as for reading.
    pub(crate) fn open_existing(global: &Global) -> anyhow::Result<Env> {
        refuse_missing_dir(global)?;
        Env::open(global)
    }

    /// [`Env::open_to_read`] for an export: a named data directory must hold a database too,
    /// so that the wrong directory never writes an empty export over a good one.
    pub(crate) fn open_to_export(global: &Global) -> anyhow::Result<Env> {
        if let (None, Some(dir)) = (&global.database, &global.data_dir)
            && dir.is_dir()
            && !limber_app::store::database_path(dir).exists()
        {
            anyhow::bail!(
                "there is no limber data in {}: no {} there, so there is nothing to export. Check --data-dir \
                 or LIMBER_DATA_DIR",
                dir.display(),
                limber_app::store::DATABASE_FILE
            );
        }
        Env::open_to_read(global)
    }

    /// Starts a session, sessions kept in files brought in first ([`limber_app::local::Local::start`]).
    pub(crate) fn start(&self, request: &limber_app::StartRequest, now_ms: i64) -> anyhow::Result<limber_app::Started> {
        self.local.start(request, now_ms).map_err(usage)
    }

    /// The safety questions on their own ([`limber_app::local::Local::start_screening`]).
    pub(crate) fn start_screening(&self, now_ms: i64) -> anyhow::Result<limber_app::ScreeningStart> {
        Ok(self.local.start_screening(now_ms)?)
    }

    /// Why no session starts now, a day after an emergency sign, if so
    /// ([`limber_app::local::Local::emergency_refusal`]: a kept file's counts too).
    pub(crate) fn emergency_refusal(&self, now_ms: i64) -> anyhow::Result<Option<limber_app::Error>> {
        Ok(self.local.emergency_refusal(now_ms)?)
    }

    /// Whether a session can be saved where the history is ([`limber_app::local::Local::can_save`]).
    pub(crate) fn can_save(&self) -> bool {
        self.local.can_save()
    }

    /// Runs a use case to completion, turning a person's mistake into a usage error.
    pub(crate) fn block_on<T>(&self, f: impl Future<Output = limber_app::Result<T>>) -> anyhow::Result<T> {
        self.local.block_on(f).map_err(usage)
    }
}

impl Env {
    /// Saves the safety questions' answers
    /// ([`limber_app::local::Local::save_screening`]: an emergency sign the store refuses is
    /// kept in a file).
    pub(crate) fn save_screening(
        &self,
        session: &limber_core::Session,
        taken_at_ms: i64,
    ) -> Result<limber_core::Clearance, Box<limber_app::local::Unsaved>> {
        self.local.save_screening(session, taken_at_ms)
    }

    /// Saves a finished session, or keeps it in a file to import when the store will not take it.
    pub(crate) fn finish(
        &self,
        session: &limber_core::Session,
        started_at_ms: i64,
        speed: f64,
    ) -> Result<limber_app::Finished, Box<limber_app::local::Unsaved>> {
        self.local.finish(session, started_at_ms, speed)
    }

    /// Runs a future that reports its own errors (one that writes as it reads, say).
    pub(crate) fn run<T>(&self, f: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
        self.local.block_on(f)
    }
}

/// A person's mistake (an unknown id, a hold out of range) is a usage error (exit 2).
pub(crate) fn usage(e: limber_app::Error) -> anyhow::Error {
    if e.is_usage() { UsageError(e.to_string()).into() } else { anyhow::Error::new(e) }
}

/// The built-in content plus the user's directory, if any.
pub(crate) fn library(global: &Global) -> anyhow::Result<limber_core::Library> {
    limber_app::load_library(global.content.as_deref()).map_err(|e| content_error(global, &e))
}

/// Content that could not be loaded, said with where it was read from.
fn content_error(global: &Global, e: &limber_app::Error) -> anyhow::Error {
    match &global.content {
        Some(dir) => anyhow!("cannot load your content from {}: {e}", dir.display()),
        None => anyhow!("the built-in content cannot be read: {e}"),
    }
}

/// The stretches as a list shows them (built-in and the user's directory, if any).
pub(crate) fn entries(global: &Global) -> anyhow::Result<Vec<limber_core::StretchEntry>> {
    limber_app::load_entries(global.content.as_deref()).map_err(|e| content_error(global, &e))
}

/// The stretch `id`, or a usage error listing the known ids.
pub(crate) fn stretch<'a>(library: &'a limber_core::Library, id: &str) -> anyhow::Result<&'a limber_core::Stretch> {
    library.stretch(&limber_core::StretchId::from(id)).ok_or_else(|| {
        let known: Vec<&str> = library.stretches.iter().map(|s| s.id.as_str()).collect();
        UsageError(format!("there is no stretch called `{id}`. Known stretches: {}", known.join(", "))).into()
    })
}

/// Standard output was closed by its reader (`limber history --all | head`): what was wanted
/// has been read, and limber ends quietly, with success.
#[derive(Debug)]
pub(crate) struct OutputClosed;

impl std::fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for OutputClosed {}

/// The history could not be read while it was being written out: a failure to read, said as
/// such (not as one to write).
#[derive(Debug)]
pub(crate) struct ReadingHistory;

impl std::fmt::Display for ReadingHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot read the history")
    }
}

/// Stored sessions that could not be read were left out of what was written; each was named
/// as it was met.
pub(crate) fn left_out(unreadable: u64, also: &[&str]) -> anyhow::Result<ExitCode> {
    let mut what: Vec<String> = match unreadable {
        0 => Vec::new(),
        1 => vec!["1 stored session".to_owned()],
        n => vec![format!("{n} stored sessions")],
    };
    what.extend(also.iter().map(|s| (*s).to_owned()));
    if what.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let were = if unreadable + also.len() as u64 == 1 { "was" } else { "were" };
    let what = limber_app::report::and_list(&what);
    eprintln!("limber: {what} could not be read and {were} left out (named above); everything else was written.");
    Ok(ExitCode::FAILURE)
}

/// An error met writing to standard output, as `main` reports it: [`OutputClosed`] when the
/// reader has gone, else the error with what was being done.
pub(crate) fn writing_stdout(err: impl Into<anyhow::Error>) -> anyhow::Error {
    let err = err.into();
    if err.downcast_ref::<ReadingHistory>().is_some() {
        return err;
    }
    // serde_json and csv keep a write error to themselves: its kind is asked of theirs.
    let kind = |cause: &(dyn std::error::Error + 'static)| {
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            return Some(e.kind());
        }
        if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
            return e.io_error_kind();
        }
        match cause.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            Some(csv::ErrorKind::Io(e)) => Some(e.kind()),
            _ => None,
        }
    };
    let closed = err.chain().any(|cause| kind(cause) == Some(std::io::ErrorKind::BrokenPipe));
    if closed { OutputClosed.into() } else { err.context("cannot write to standard output") }
}

/// Prints `value` as one line of JSON.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    // Serialize to memory, then write once: stdout is line-buffered, and many small writes
    // would each scan for newlines.
    let mut bytes = serde_json::to_vec(value).context("cannot write JSON")?;
    bytes.push(b'\n');
    std::io::stdout().lock().write_all(&bytes).map_err(writing_stdout)
}

/// The error for a named data directory that does not exist (a typo), where nothing would be
/// found in it and nothing should be made.
fn refuse_missing_dir(global: &Global) -> anyhow::Result<()> {
    if let (None, Some(dir)) = (&global.database, &global.data_dir)
        && std::fs::metadata(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        anyhow::bail!(
            "there is no limber data in {}: the directory does not exist. Check --data-dir or \
             LIMBER_DATA_DIR (`limber run` or `limber import` starts a history in a new directory)",
            dir.display()
        );
    }
    Ok(())
}
