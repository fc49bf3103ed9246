//! `limber handout`: a printable sheet of a routine, as HTML or Markdown.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use limber_app::handout::{self, HandoutError};

use crate::UsageError;
use crate::args::{Global, HandoutFormat};
use crate::context::library;

/// Writes the sheet of `routine` (the full routine by default) to `output` or standard output.
pub(crate) fn handout(
    global: &Global,
    routine: Option<&str>,
    format: HandoutFormat,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let library = library(global)?;
    let format = match format {
        HandoutFormat::Html => handout::Format::Html,
        HandoutFormat::Md => handout::Format::Markdown,
    };
    let text = handout::handout(&library, routine, format).map_err(|e| match e {
        HandoutError::UnknownRoutine { .. } => UsageError(e.to_string()).into(),
        e => anyhow::Error::new(e),
    })?;
    // `-o -` is standard output, as for `export`.
    match output.filter(|path| *path != std::path::Path::new("-")) {
        Some(path) => {
            crate::output::replace_file(path, "handout", false, |mut file| {
                file.write_all(text.as_bytes())?;
                Ok((file, ()))
            })?;
            // As `export` says where it wrote: on standard error, which `-o -` keeps clear of.
            let what = routine.map_or_else(|| "the handout".to_owned(), |r| format!("the {r} handout"));
            eprintln!("Wrote {what} to {}.", path.display());
        }
        None => std::io::stdout().lock().write_all(text.as_bytes()).map_err(crate::context::writing_stdout)?,
    }
    Ok(ExitCode::SUCCESS)
}
