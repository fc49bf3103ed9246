//! The built-in content, compiled in from the repository's `content/` directory.

use crate::loader::Loader;
use crate::{Error, Library, Result};

/// The built-in files: the name they are reported under, and their text.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("content/guidance.ron", include_str!("../../../content/guidance.ron")),
    ("content/screening.ron", include_str!("../../../content/screening.ron")),
    ("content/stretches.ron", include_str!("../../../content/stretches.ron")),
    ("content/alternatives.ron", include_str!("../../../content/alternatives.ron")),
    ("content/routines.ron", include_str!("../../../content/routines.ron")),
];

/// The built-in files merged at build time (see `build.rs`), in a compact binary form.
const SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin.postcard"));

/// The built-in library, from the snapshot compiled in: no RON is parsed at run time.
///
/// The same files are parsed and validated by [`builtin_checked`]; tests keep the two equal.
pub fn builtin() -> Result<Library> {
    postcard::from_bytes(SNAPSHOT).map_err(|e| Error::Snapshot(e.to_string()))
}

/// The built-in stretches as a list shows them, compiled in on their own (see `build.rs`):
/// far less to read than [`builtin`]. Tests keep them equal to the library's own.
pub fn builtin_entries() -> Result<Vec<limber_core::StretchEntry>> {
    postcard::from_bytes(ENTRIES).map_err(|e| Error::Snapshot(e.to_string()))
}

/// The built-in stretches' entries, merged at build time.
const ENTRIES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin-entries.postcard"));

/// The built-in library, parsed from its RON files and validated like user content.
pub fn builtin_checked() -> Result<Library> {
    Loader::builtin().build()
}
