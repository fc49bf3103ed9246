//! The advice around the stretches: warm-up, precautions, tips, FAQ, safety advice and the source credit.

use serde::{Deserialize, Serialize};

use crate::stretch::DoseRange;

/// The warm-up that comes before stretching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmUp {
    /// How long to warm up, in minutes.
    pub minutes: DoseRange,
    /// Light activities that warm the body, e.g. brisk walking.
    pub activities: std::sync::Arc<[String]>,
    /// Why warming up helps.
    pub why: String,
}

/// A precaution to read before stretching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precaution {
    /// Stable id.
    pub id: String,
    /// Short heading.
    pub title: String,
    /// The precaution in full.
    pub text: String,
}

/// A tip for managing mid-back pain beyond stretching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tip {
    /// Stable id.
    pub id: String,
    /// Short heading.
    pub title: String,
    /// The tip in full.
    pub text: String,
}

/// A frequently asked question with its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// Stable id.
    pub id: String,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
}

/// Where the content comes from, credited wherever it is shown in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceCredit {
    /// Title of the source article.
    pub title: String,
    /// Its subtitle, when it has one.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Its author.
    pub author: String,
    /// How the project used it.
    pub note: String,
    /// Further public sources for the safety rules and additions.
    #[serde(default)]
    pub also: Vec<String>,
}

/// The safety messages a session shows when it stops or warns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    /// Shown when an emergency sign is reported: call the emergency number.
    pub emergency: String,
    /// Shown when screening suggests seeing a clinician first.
    pub see_clinician: String,
    /// Shown when sharp pain stops a session.
    pub sharp_pain: String,
    /// Shown instead of `sharp_pain` when it is reported before any exercise began (during
    /// the questions), when there is no position to come out of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharp_pain_before: Option<String>,
    /// Shown when a pain rating is above what is fine during a stretch.
    pub too_much: String,
    /// Shown on mild discomfort: what is normal and what to do.
    pub discomfort: String,
    /// A reminder to breathe and not bounce.
    pub breathe: String,
}

impl SourceCredit {
    /// Title and subtitle as one line.
    pub fn full_title(&self) -> String {
        match &self.subtitle {
            Some(sub) => format!("{}: {sub}", self.title),
            None => self.title.clone(),
        }
    }

    /// The one-line credit shown wherever a stretch is given in full:
    /// `Source: "Title: Subtitle" by Author. Wording is limber's own.`
    pub fn line(&self) -> String {
        format!("Source: \"{}\" by {}. Wording is limber's own.", self.full_title(), self.author)
    }
}
