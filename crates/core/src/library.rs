//! The whole body of content a session can draw on, with lookups by id.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::guidance::{Advice, FaqEntry, Precaution, SourceCredit, Tip, WarmUp};
use crate::routine::{Routine, RoutineId};
use crate::screening::ScreeningQuestion;
use crate::stretch::{Stretch, StretchId};

/// Everything limber knows: stretches, routines, guidance and screening. Built by `limber-content`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Library {
    /// The credit for the source article.
    pub source: SourceCredit,
    /// What the article says about the mid back and mid-back pain, paragraph by paragraph.
    pub background: Vec<String>,
    /// The warm-up.
    pub warm_up: WarmUp,
    /// Safety messages (shared with every plan).
    pub advice: Arc<Advice>,
    /// Precautions, in reading order.
    pub precautions: Vec<Precaution>,
    /// Tips, in reading order.
    pub tips: Vec<Tip>,
    /// Questions and answers, in reading order.
    pub faq: Vec<FaqEntry>,
    /// Screening questions, emergency ones first (shared with every plan).
    pub screening: Arc<[ScreeningQuestion]>,
    /// All stretches, in the order they were loaded; plans share them rather than copy them.
    pub stretches: Vec<Arc<Stretch>>,
    /// All routines, in the order they were loaded.
    pub routines: Vec<Routine>,
}

impl Library {
    /// Every stretch as a list shows it, in order.
    pub fn entries(&self) -> Vec<crate::StretchEntry> {
        self.stretches.iter().map(|s| s.entry()).collect()
    }

    /// The stretch with this id.
    pub fn stretch(&self, id: &StretchId) -> Option<&Stretch> {
        self.stretches.iter().find(|s| &s.id == id).map(|s| &**s)
    }

    /// The name of the stretch with this id, as a person reads it; the id itself for one this
    /// content lacks (set aside in an imported history, say).
    pub fn stretch_name(&self, id: &StretchId) -> String {
        self.stretch(id).map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    /// The shared stretch with this id, for a plan to hold.
    pub fn shared_stretch(&self, id: &StretchId) -> Option<&Arc<Stretch>> {
        self.stretches.iter().find(|s| &s.id == id)
    }

    /// The routine with this id.
    pub fn routine(&self, id: &RoutineId) -> Option<&Routine> {
        self.routines.iter().find(|r| &r.id == id)
    }
}
