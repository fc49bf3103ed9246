//! Routines: named, ordered lists of stretches with or without a warm-up.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::stretch::StretchId;

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
    /// The stretches, in order.
    pub stretches: Vec<StretchId>,
}
