//! What commands share: the application (content + store) for the local user, and its runtime.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use limber_app::App;
use limber_app::store::{SqliteStore, UserId};

use crate::UsageError;
use crate::args::Global;

/// The application for the local user, with a runtime for its async calls.
pub(crate) struct Env {
    rt: tokio::runtime::Runtime,
    pub(crate) app: App,
    pub(crate) user: UserId,
}

impl Env {
    /// Loads the content and opens the store in the data directory.
    pub(crate) fn open(global: &Global) -> anyhow::Result<Env> {
        let library = library(global)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let dir = data_dir(global)?;
        let store = rt.block_on(SqliteStore::open(&dir)).context("cannot open limber's history")?;
        let app = App::new(library, Arc::new(store));
        let user = rt.block_on(app.local_user()).context("cannot open limber's history")?;
        Ok(Env { rt, app, user })
    }

    /// Runs a use case to completion, turning a person's mistake into a usage error.
    pub(crate) fn block_on<T>(&self, f: impl Future<Output = limber_app::Result<T>>) -> anyhow::Result<T> {
        self.rt.block_on(f).map_err(usage)
    }
}

/// A person's mistake (an unknown id, a hold out of range) is a usage error (exit 2).
pub(crate) fn usage(e: limber_app::Error) -> anyhow::Error {
    match e {
        limber_app::Error::UnknownRoutine { .. }
        | limber_app::Error::UnknownStretch { .. }
        | limber_app::Error::HoldOutOfRange(_) => UsageError(e.to_string()).into(),
        other => anyhow::Error::new(other),
    }
}

/// The built-in content plus the user's directory, if any.
pub(crate) fn library(global: &Global) -> anyhow::Result<limber_core::Library> {
    limber_app::load_library(global.content.as_deref()).map_err(|e| match &global.content {
        Some(dir) => anyhow!("cannot load your content from {}: {e}", dir.display()),
        None => anyhow!("the built-in content cannot be read: {e}"),
    })
}

/// The data directory: `--data-dir`, `LIMBER_DATA_DIR`, or the platform's.
pub(crate) fn data_dir(global: &Global) -> anyhow::Result<PathBuf> {
    global.data_dir.clone().or_else(limber_app::store::default_data_dir).ok_or_else(|| {
        anyhow!("no home directory to keep limber's data in; pass --data-dir DIR or set LIMBER_DATA_DIR")
    })
}

/// The stretch `id`, or a usage error listing the known ids.
pub(crate) fn stretch<'a>(library: &'a limber_core::Library, id: &str) -> anyhow::Result<&'a limber_core::Stretch> {
    library.stretch(&limber_core::StretchId::from(id)).ok_or_else(|| {
        let known: Vec<&str> = library.stretches.iter().map(|s| s.id.as_str()).collect();
        UsageError(format!("there is no stretch called `{id}`. Known stretches: {}", known.join(", "))).into()
    })
}

/// Prints `value` as one line of JSON.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    // Serialize to memory, then write once: stdout is line-buffered, and many small writes
    // would each scan for newlines.
    let mut bytes = serde_json::to_vec(value).context("cannot write JSON")?;
    bytes.push(b'\n');
    std::io::stdout().lock().write_all(&bytes).context("cannot write to standard output")
}
