//! What a session leaves behind: each stretch's record and the summary every front end shows.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cue::StopReason;
use crate::stretch::{Dose, Side, StretchId};
use crate::time::At;
use crate::words;

use super::Comfort;

/// What became of one stretch of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Every active period was done.
    #[serde(alias = "Done")]
    Done,
    /// Some active periods were done before moving on.
    #[serde(alias = "Partial")]
    Partial,
    /// Skipped before any active period was done.
    #[serde(alias = "Skipped")]
    Skipped,
    /// Begun or felt, then swapped for another stretch (the record that follows it, whose
    /// `instead-of` names the routine's stretch).
    Swapped,
    /// The session ended before reaching it.
    #[serde(alias = "NotReached")]
    NotReached,
    /// Left unfinished for pain: rated above 5 during it, or sharp pain in it stopped the
    /// session. Its holds done and pain say how far it went.
    LeftForPain,
}

impl ItemRecord {
    /// Its status in a word or two, as summaries list it: a stretch left after its first hold or
    /// flow had begun (skipped, or stopped for pain) was left partway, not skipped untouched.
    pub fn label(&self) -> &'static str {
        match self.status {
            ItemStatus::Skipped if !self.active.is_zero() => "left partway",
            status => status.label(),
        }
    }

    /// How the item went, in a few words: what was done of its `dose` (holds, the cycles of a
    /// flow, or time; holds when the dose is not known) and how it felt.
    pub fn outcome(&self, dose: Option<&Dose>) -> String {
        words::item_outcome(self, dose)
    }
}

impl ItemStatus {
    /// The status in words.
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Done => "done",
            ItemStatus::Partial => "partly done",
            ItemStatus::Skipped => "skipped",
            ItemStatus::Swapped => "swapped out",
            ItemStatus::NotReached => "not reached",
            ItemStatus::LeftForPain => "left for pain",
        }
    }
}

/// What happened to one stretch of the plan during the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ItemRecord {
    /// The stretch done (after any swap).
    pub stretch: StretchId,
    /// The stretch the routine named, when a different one was done.
    #[serde(alias = "instead_of")]
    pub instead_of: Option<StretchId>,
    /// Seconds per active period.
    pub seconds: u32,
    /// Active periods completed.
    #[serde(alias = "holds_done")]
    pub holds_done: u32,
    /// The side of each completed hold, in order, for stretches done on each side.
    #[serde(default, alias = "sides_done")]
    pub sides_done: Vec<Side>,
    /// Active periods planned.
    #[serde(alias = "holds_planned")]
    pub holds_planned: u32,
    /// Time spent in active periods.
    #[serde(with = "millis")]
    pub active: Duration,
    /// The check-in answer, if given.
    pub comfort: Option<Comfort>,
    /// Discomfort was reported during the stretch.
    pub discomfort: bool,
    /// The highest pain rating given during the stretch.
    #[serde(alias = "max_pain")]
    pub max_pain: Option<u8>,
    /// What became of it.
    pub status: ItemStatus,
}

/// A session's outcome, once finished or stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Summary {
    /// The routine.
    pub routine: String,
    /// Finished, or why it stopped.
    pub stopped: Option<StopReason>,
    /// When it started.
    pub started: At,
    /// When it ended.
    pub ended: At,
    /// Whether screening was passed and exercise began (the warm-up or the first stretch).
    pub exercise_started: bool,
    /// Whether the warm-up was done in full.
    pub warmed_up: bool,
    /// Each stretch of the plan.
    pub items: Vec<ItemRecord>,
    /// Pain rating before.
    pub pain_before: Option<u8>,
    /// Pain rating after.
    pub pain_after: Option<u8>,
    /// The stretch that caused sharp pain.
    pub flagged: Option<StretchId>,
    /// Stretches rated above 5 in this session (not offered again in it).
    pub too_much: Vec<StretchId>,
    /// Time spent stretching, in total.
    #[serde(with = "millis")]
    pub active: Duration,
}

impl Summary {
    /// Whether the history keeps it as a session: some exercise began, or it stopped before any
    /// for a pain rating above 5 given at its start (so the pain trend sees that day). Else only
    /// the answers to the safety questions are kept, if any.
    pub fn is_recorded(&self) -> bool {
        self.exercise_started || (self.stopped == Some(StopReason::Pain) && self.pain_before.is_some())
    }

    /// The first line of every front end's end of session: how it ended, and after pain above 5
    /// in it (as its last cue says), or a rating after it that calls for rest, rest rather than
    /// praise.
    pub fn headline(&self) -> String {
        match self.stopped {
            Some(reason) => format!("Session {}", reason.label()),
            None if !self.too_much.is_empty() || self.pain_after_advice().is_some() => {
                "Session complete. Rest now and go easy today.".to_owned()
            }
            None => "Session complete. Well done.".to_owned(),
        }
    }

    /// One line per stretch of the plan, as every front end's summary shows it: "done
    /// Seated twist (instead of Thread the needle) — 2 of 2 holds, 15 s each".
    pub fn item_lines(&self, library: &crate::Library) -> Vec<String> {
        let name = |id: &StretchId| library.stretch_name(id);
        self.items
            .iter()
            .map(|item| {
                let swap = item.instead_of.as_ref().map(|o| format!(" (instead of {})", name(o))).unwrap_or_default();
                let dose = library.stretch(&item.stretch).map(|s| &s.dose);
                format!("{:<13} {}{swap} — {}", item.label(), name(&item.stretch), item.outcome(dose))
            })
            .collect()
    }

    /// The time spent stretching and the pain before and after, "?" for a rating not given
    /// when the other was: "Stretching time: 2:21 · pain 4 → ?".
    pub fn time_and_pain(&self) -> String {
        let active = self.active.as_secs();
        let time = format!("Stretching time: {}:{:02}", active / 60, active % 60);
        let rating = |r: Option<u8>| r.map_or_else(|| "?".to_owned(), |r| r.to_string());
        match (self.pain_before, self.pain_after) {
            (None, None) => time,
            (before, after) => format!("{time} · pain {} → {}", rating(before), rating(after)),
        }
    }

    /// The advice the rating after the session came with, when it says the session left the
    /// pain worse or high: for a summary shown after the cues are gone.
    pub fn pain_after_advice(&self) -> Option<String> {
        after_advice(self.pain_before, self.pain_after?)
    }
}

/// What a rating `after` the exercise calls for: worse than `before` by a meaningful change (2
/// points), or above 5, it comes with the advice to rest and to see a clinician if the pain does
/// not settle.
pub(super) fn after_advice(before: Option<u8>, after: u8) -> Option<String> {
    match before {
        // "Up from": only when it did go up.
        Some(before) if after > before && crate::progress::worse_after(Some(before), after) => {
            Some(words::worse_after(before, after))
        }
        _ if crate::progress::worse_after(before, after) => Some(words::high_after(after)),
        _ => None,
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
