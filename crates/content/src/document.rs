//! The shape of one RON content file: any of the sections, all optional.

use limber_core::{Advice, FaqEntry, Precaution, Routine, ScreeningQuestion, SourceCredit, Stretch, Tip, WarmUp};
use serde::Deserialize;

/// One content file, written as `Content( ... )`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename = "Content", deny_unknown_fields, default)]
pub(crate) struct Document {
    pub(crate) source: Option<SourceCredit>,
    pub(crate) background: Vec<String>,
    pub(crate) warm_up: Option<WarmUp>,
    pub(crate) advice: Option<Advice>,
    pub(crate) precautions: Vec<Precaution>,
    pub(crate) tips: Vec<Tip>,
    pub(crate) faq: Vec<FaqEntry>,
    pub(crate) screening: Vec<ScreeningQuestion>,
    pub(crate) stretches: Vec<Stretch>,
    pub(crate) routines: Vec<Routine>,
}

/// How content files are parsed: an optional value (a stretch's `figure`) is written without
/// `Some(..)`.
pub(crate) fn options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}
