//! `content check`: validates a directory of the user's own RON over the built-in content and
//! says what it adds and what it replaces, for `limber content check` and `cargo xtask content check`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::loader::{Layer, Loader, Summary};
use crate::{Result, document};

/// One item of the user's files that takes the place of a built-in item with the same id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Replaced {
    /// What kind of item: `stretch`, `routine`, `screening question`, …
    pub kind: &'static str,
    /// The id both share.
    pub id: String,
    /// The user's file that replaces it.
    pub file: String,
}

/// What a successful check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// The counts of the library the files build.
    #[serde(flatten)]
    pub summary: Summary,
    /// The user's files read (0 when only the built-in content was checked).
    pub own_files: usize,
    /// The built-in items the user's files replace, in file order.
    pub replaced: Vec<Replaced>,
}

/// Validates the built-in content, with `dir`'s `.ron` files layered over it when given.
///
/// A directory with no `.ron` file in it is a problem ([`crate::Problem::NoFiles`]): a check of
/// nothing would pass and hide the mistake (files in folders inside it are not read).
pub fn check(dir: Option<&Path>) -> Result<Checked> {
    let mut loader = Loader::builtin();
    let own_files = match dir {
        Some(dir) => loader.add_dir(dir)?,
        None => 0,
    };
    let library = loader.build()?;
    Ok(Checked { summary: Summary::of(&library, loader.files().len()), own_files, replaced: replaced(&loader) })
}

/// The ids each kind of item has in one file's text; nothing for a file that does not parse.
fn ids(text: &str) -> Vec<(&'static str, String)> {
    let Ok(doc) = document::options().from_str::<document::Document>(text) else { return Vec::new() };
    let mut out: Vec<(&'static str, String)> = Vec::new();
    out.extend(doc.stretches.into_iter().map(|s| ("stretch", s.id.0)));
    out.extend(doc.routines.into_iter().map(|r| ("routine", r.id.0)));
    out.extend(doc.screening.into_iter().map(|q| ("screening question", q.id)));
    out.extend(doc.precautions.into_iter().map(|p| ("precaution", p.id)));
    out.extend(doc.tips.into_iter().map(|t| ("tip", t.id)));
    out.extend(doc.faq.into_iter().map(|q| ("FAQ answer", q.id)));
    out
}

/// The user-layer items of `loader` that replace a built-in item of the same kind and id.
fn replaced(loader: &Loader) -> Vec<Replaced> {
    let builtin: BTreeSet<(&'static str, String)> =
        loader.files().iter().filter(|f| f.layer == Layer::Builtin).flat_map(|f| ids(&f.text)).collect();
    loader
        .files()
        .iter()
        .filter(|f| f.layer == Layer::User)
        .flat_map(|f| {
            ids(&f.text).into_iter().filter(|item| builtin.contains(item)).map(|(kind, id)| Replaced {
                kind,
                id,
                file: f.name.clone(),
            })
        })
        .collect()
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        for r in &self.replaced {
            write!(f, "\n{} replaces the built-in {} `{}`", r.file, r.kind, r.id)?;
        }
        Ok(())
    }
}
