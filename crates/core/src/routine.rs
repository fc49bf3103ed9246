//! Routines: named, ordered lists of stretches with or without a warm-up.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::stretch::{Position, Stretch, StretchId};

/// The stable identifier of a routine, e.g. `full`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoutineId(pub String);

impl fmt::Display for RoutineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for RoutineId {
    fn from(s: &str) -> Self {
        RoutineId(s.to_owned())
    }
}

/// A named sequence of stretches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routine {
    /// Stable id.
    pub id: RoutineId,
    /// Display name.
    pub name: String,
    /// Who it is for and what it does.
    pub summary: String,
    /// Whether it starts with the warm-up.
    pub warm_up: bool,
    /// Warm-up activities that suit this routine's setting (e.g. at a desk); empty means the
    /// library's general warm-up activities.
    #[serde(default)]
    pub warm_up_activities: std::sync::Arc<[String]>,
    /// The stretches, in order.
    pub stretches: Vec<StretchId>,
    /// What the routine promises about every stretch it runs, swaps included.
    #[serde(default)]
    pub promises: Vec<Promise>,
}

impl Routine {
    /// The first promise of this routine that `stretch` would break, if any.
    pub fn broken_by(&self, stretch: &Stretch) -> Option<Promise> {
        self.promises.iter().copied().find(|p| !p.kept_by(stretch))
    }
}

/// Something a routine promises about all of its stretches, kept by plans and by swaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Promise {
    /// Every stretch is done sitting on a chair.
    #[serde(alias = "SeatedOnly")]
    SeatedOnly,
    /// No stretch is done kneeling.
    #[serde(alias = "NoKneeling")]
    NoKneeling,
    /// No stretch needs equipment.
    #[serde(alias = "NoEquipment")]
    NoEquipment,
}

impl Promise {
    /// Whether `stretch` keeps this promise.
    pub fn kept_by(self, stretch: &Stretch) -> bool {
        match self {
            Promise::SeatedOnly => stretch.position == Position::Seated,
            Promise::NoKneeling => stretch.position != Position::Kneeling,
            Promise::NoEquipment => stretch.equipment.is_empty(),
        }
    }

    /// The promise in plain words, e.g. "stays on the chair".
    pub fn label(self) -> &'static str {
        match self {
            Promise::SeatedOnly => "stays on the chair",
            Promise::NoKneeling => "needs no kneeling",
            Promise::NoEquipment => "needs no equipment",
        }
    }
}
