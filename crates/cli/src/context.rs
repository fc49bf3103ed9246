//! What commands share: the content library, the data directory, the store and its runtime.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use limber_content::Loader;
use limber_core::{Library, RoutineId, StretchId};
use limber_store::SqliteStore;

use crate::UsageError;
use crate::args::Global;

/// The built-in content plus the user's directory, if any.
pub(crate) fn library(global: &Global) -> anyhow::Result<Library> {
    let Some(dir) = &global.content else {
        return limber_content::builtin().context("the built-in content cannot be read");
    };
    let mut loader = Loader::builtin();
    loader.add_dir(dir).with_context(|| format!("cannot load your content from {}", dir.display()))?;
    loader.build().context("the content has problems")
}

/// The data directory: `--data-dir`, `LIMBER_DATA_DIR`, or the platform's.
pub(crate) fn data_dir(global: &Global) -> anyhow::Result<PathBuf> {
    global.data_dir.clone().or_else(limber_store::default_data_dir).ok_or_else(|| {
        anyhow!("no home directory to keep limber's data in; pass --data-dir DIR or set LIMBER_DATA_DIR")
    })
}

/// A single-threaded runtime for the store's async calls.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// Opens the store in the data directory.
pub(crate) fn open_store(rt: &tokio::runtime::Runtime, global: &Global) -> anyhow::Result<SqliteStore> {
    let dir = data_dir(global)?;
    rt.block_on(SqliteStore::open(&dir)).context("cannot open limber's history")
}

/// The stretch `id`, or a usage error listing the known ids.
pub(crate) fn stretch<'a>(library: &'a Library, id: &str) -> anyhow::Result<&'a limber_core::Stretch> {
    library.stretch(&StretchId::from(id)).ok_or_else(|| {
        let known: Vec<&str> = library.stretches.iter().map(|s| s.id.as_str()).collect();
        UsageError(format!("there is no stretch called `{id}`. Known stretches: {}", known.join(", "))).into()
    })
}

/// Checks that routine `id` exists, or returns a usage error listing the known ids.
pub(crate) fn routine_exists(library: &Library, id: &str) -> anyhow::Result<()> {
    if library.routine(&RoutineId::from(id)).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = library.routines.iter().map(|r| r.id.0.as_str()).collect();
    Err(UsageError(format!("there is no routine called `{id}`. Known routines: {}", known.join(", "))).into())
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
