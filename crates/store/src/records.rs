//! What the store keeps, as plain serializable records (also the export format).

use limber_core::{Equipment, ItemRecord, Position, ScreeningRecord, StopReason};
use serde::{Deserialize, Serialize};

/// One finished or stopped session with its stretches; the unit of history, export and import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// A unique id, so that importing the same session twice adds it once.
    pub id: uuid::Uuid,
    /// The routine.
    pub routine: String,
    /// When it started, Unix milliseconds UTC.
    pub started_at_ms: i64,
    /// When it ended, Unix milliseconds UTC.
    pub ended_at_ms: i64,
    /// `None` when finished; else why it stopped.
    pub stopped: Option<StopReason>,
    /// Whether the warm-up was done in full.
    pub warmed_up: bool,
    /// Time spent stretching, in milliseconds.
    pub active_ms: i64,
    /// Pain 0–10 before.
    pub pain_before: Option<u8>,
    /// Pain 0–10 after.
    pub pain_after: Option<u8>,
    /// The stretch that caused sharp pain.
    pub flagged: Option<String>,
    /// Each stretch of the plan.
    pub items: Vec<ItemRecord>,
}

/// What statistics need of one session: when, whether it counts toward the goal, pain before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// When it started, Unix milliseconds UTC.
    pub started_at_ms: i64,
    /// Whether at least one stretch was done in full (it counts toward the weekly goal).
    pub counts: bool,
    /// Pain 0–10 before.
    pub pain_before: Option<u8>,
}

/// Screening answers with the moment they were given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningEntry {
    /// When, Unix milliseconds UTC.
    pub taken_at_ms: i64,
    /// The answers.
    pub record: ScreeningRecord,
}

/// A person's standing choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Equipment they have.
    pub equipment: Vec<Equipment>,
    /// Positions they avoid.
    pub avoid: Vec<Position>,
    /// Sessions wanted per week.
    pub weekly_goal: u32,
    /// Speak cues aloud by default.
    pub voice: bool,
}

impl Default for Profile {
    /// A chair and a towel, nothing avoided, three sessions a week (the article: at least 2–3).
    fn default() -> Self {
        Profile { equipment: vec![Equipment::Chair, Equipment::Towel], avoid: Vec::new(), weekly_goal: 3, voice: false }
    }
}
