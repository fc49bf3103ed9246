//! `cargo xtask handout [ROUTINE] [--format html|md] [--output FILE]`: the sheet `limber handout` prints.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use limber_app::handout::{self, Format};

/// Writes the handout of `routine` from the built-in content to `output` or standard output.
pub(crate) fn write(routine: Option<&str>, format: Format, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let library = limber_content::Loader::builtin().build().context("loading the built-in content")?;
    let text = match handout::handout(&library, routine, format) {
        Ok(text) => text,
        Err(e @ handout::HandoutError::UnknownRoutine { .. }) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::stdout().lock().write_all(text.as_bytes()).context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}
