//! Reading content files in layers (built-in, then the user's) and merging them by id.

use std::fmt;
use std::path::Path;

use limber_core::Library;

use crate::builtin::BUILTIN_FILES;
use crate::diagnostic::{self, Diagnostic, Problem};
use crate::document::{self, Document};
use crate::validate::Merger;
use crate::{Error, Result};

/// Which layer a file belongs to. A later layer overrides an earlier one by id; within one
/// layer an id may appear only once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Compiled into limber.
    Builtin,
    /// The user's own content directory.
    User,
}

/// One content file: where it came from, its text and its layer.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name errors are reported under (a path, usually).
    pub name: String,
    /// The RON text.
    pub text: String,
    /// The layer.
    pub layer: Layer,
}

/// Collects content files, then parses, merges and validates them into a [`Library`].
#[derive(Clone, Debug, Default)]
pub struct Loader {
    files: Vec<SourceFile>,
}

impl Loader {
    /// A loader with no files.
    pub fn empty() -> Loader {
        Loader::default()
    }

    /// A loader holding the built-in content.
    pub fn builtin() -> Loader {
        let files = BUILTIN_FILES
            .iter()
            .map(|(name, text)| SourceFile {
                name: (*name).to_owned(),
                text: (*text).to_owned(),
                layer: Layer::Builtin,
            })
            .collect();
        Loader { files }
    }

    /// The files added so far, in order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Adds one file's text.
    pub fn add_text(&mut self, name: impl Into<String>, text: impl Into<String>, layer: Layer) -> &mut Self {
        self.files.push(SourceFile { name: name.into(), text: text.into(), layer });
        self
    }

    /// Adds every `*.ron` file of `dir` (not its subdirectories, nor hidden files such as the
    /// `._name.ron` copies some systems leave beside files), in name order, as the user layer.
    /// Returns how many files were added. A directory with none is a problem
    /// ([`Problem::NoFiles`]): content asked for and not there would pass unnoticed.
    pub fn add_dir(&mut self, dir: &Path) -> Result<usize> {
        let read_err = |source| Error::Read { path: dir.to_owned(), source };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if path.extension().is_some_and(|e| e == "ron") && path.is_file() && !hidden {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            let file = dir.display().to_string();
            return Err(Error::Invalid(vec![Diagnostic { file, line: 0, column: 0, problem: Problem::NoFiles }]));
        }
        paths.sort();
        let mut not_utf8 = Vec::new();
        for path in &paths {
            let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.clone(), source })?;
            let name = path.display().to_string();
            match String::from_utf8(bytes) {
                Ok(text) => {
                    // A byte-order mark, as some Windows editors write, is not content.
                    let text = match text.strip_prefix('\u{feff}') {
                        Some(rest) => rest.to_owned(),
                        None => text,
                    };
                    self.add_text(name, text, Layer::User);
                }
                Err(_) => not_utf8.push(Diagnostic { file: name, line: 0, column: 0, problem: Problem::NotUtf8 }),
            }
        }
        if !not_utf8.is_empty() {
            return Err(Error::Invalid(not_utf8));
        }
        Ok(paths.len())
    }

    /// Parses, merges and validates every file.
    pub fn build(&self) -> Result<Library> {
        let mut diagnostics: Vec<(usize, Diagnostic)> = Vec::new();
        let mut merger = Merger::new(&self.files);
        for (index, file) in self.files.iter().enumerate() {
            match document::options().from_str::<Document>(&file.text) {
                Ok(doc) => merger.add(index, doc),
                Err(err) => diagnostics.push((index, diagnostic::from_ron(&file.name, &err))),
            }
        }
        let (library, problems) = merger.finish();
        diagnostics.extend(problems);
        if diagnostics.is_empty()
            && let Some(library) = library
        {
            return Ok(library);
        }
        diagnostics.sort_by_key(|(file, d)| (*file, d.line, d.column));
        Err(Error::Invalid(diagnostics.into_iter().map(|(_, d)| d).collect()))
    }
}

/// Counts of what a library holds, for a one-line report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// Stretches.
    pub stretches: usize,
    /// Routines.
    pub routines: usize,
    /// Precautions.
    pub precautions: usize,
    /// Tips.
    pub tips: usize,
    /// FAQ answers.
    pub faq: usize,
    /// Screening questions.
    pub screening: usize,
}

impl Summary {
    /// Counts `library`, built from `files` files.
    pub fn of(library: &Library, files: usize) -> Summary {
        Summary {
            files,
            stretches: library.stretches.len(),
            routines: library.routines.len(),
            precautions: library.precautions.len(),
            tips: library.tips.len(),
            faq: library.faq.len(),
            screening: library.screening.len(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} files OK: {} stretches, {} routines, {} precautions, {} tips, {} FAQ answers, {} screening questions",
            self.files, self.stretches, self.routines, self.precautions, self.tips, self.faq, self.screening
        )
    }
}
