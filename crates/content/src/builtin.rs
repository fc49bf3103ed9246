//! The built-in content, compiled in from the repository's `content/` directory.

use crate::loader::Loader;
use crate::{Library, Result};

/// The built-in files: the name they are reported under, and their text.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("content/guidance.ron", include_str!("../../../content/guidance.ron")),
    ("content/screening.ron", include_str!("../../../content/screening.ron")),
    ("content/stretches.ron", include_str!("../../../content/stretches.ron")),
    ("content/alternatives.ron", include_str!("../../../content/alternatives.ron")),
    ("content/routines.ron", include_str!("../../../content/routines.ron")),
];

/// The built-in library, parsed and validated.
pub fn builtin() -> Result<Library> {
    Loader::builtin().build()
}
