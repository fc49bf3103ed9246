//! limber-content: loads and validates limber's RON content into a [`Library`].
//!
//! The built-in content (the `content/` directory of the repository) is compiled into the crate,
//! so a binary works with no files beside it. A directory of the user's own RON files can add
//! stretches and routines and override built-in ones by id. Every problem is reported with the
//! file, line and column it comes from.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builtin;
mod check;
mod diagnostic;
mod document;
mod loader;
mod locate;
mod validate;

pub use builtin::{BUILTIN_FILES, builtin, builtin_checked, builtin_entries};
pub use check::{Checked, Replaced, check};
pub use diagnostic::{Diagnostic, Problem};
pub use limber_core::Library;
pub use loader::{Layer, Loader, SourceFile, Summary};

use std::path::PathBuf;

/// Why content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The compiled-in snapshot could not be read (a build problem, not the user's).
    #[error("the built-in content snapshot is unreadable: {0}")]
    Snapshot(String),
    /// The content has problems; each names its file, line and column.
    #[error("{}", diagnostic::render(.0))]
    Invalid(Vec<Diagnostic>),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
