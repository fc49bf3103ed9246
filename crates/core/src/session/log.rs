//! A session's timed log of intents, the rules it ran under, and why a log cannot be replayed.

use serde::{Deserialize, Serialize};

use crate::intent::Intent;
use crate::time::At;

use super::Rejected;

/// One accepted intent and the session time it took effect at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Logged {
    /// When it took effect.
    pub at: At,
    /// What the person meant.
    #[serde(flatten)]
    pub intent: Intent,
}

/// A session's timed log: with its plan and screening record it rebuilds the exact session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SessionLog {
    /// When the session started.
    pub started: At,
    /// Every accepted intent, in order.
    pub intents: Vec<Logged>,
    /// The rules the session ran under ([`RULES`]); a log stored before rules changed (a live
    /// session across an upgrade) replays under its own, so it replays exactly.
    #[serde(default = "first_rules")]
    pub rules: u32,
}

impl Default for SessionLog {
    fn default() -> SessionLog {
        SessionLog { started: At::ZERO, intents: Vec::new(), rules: RULES }
    }
}

/// The rules this engine runs new sessions under. 2: a pain rating above 5 before the routine
/// asks whether to stop before anything starts, and a swap with nothing to swap to is refused.
/// 3: as 2, but a swap with nothing to swap to says so and moves on to the next stretch (as
/// under 1), a swap never brings in a stretch another item of the session is doing, and sharp
/// pain during a stretch's introduction sets aside the stretch just done, not that one.
/// 4: as 3, but carrying on after a rating above 5 before the routine counts that rating as the
/// session's first above 5, so one more during the exercise stops the session.
/// 5: as 4, but while a stretch is introduced, sharp pain, a rating and discomfort are put down
/// to the stretch held just before (the one before, or one swapped out of it), else, once its
/// steps are read, to the one introduced, else to none (see the private `About`); a rating above 5 put
/// down to the stretch before asks whether to stop instead of swapping the one to come; a
/// rating of 1 or 2 is not discomfort; and a rating after given ahead is not recorded for a
/// session stopped for pain, which it would not describe.
/// 6: as 5, but a stretch's cautions are read before its steps ([`Reading::CautionsFirst`]), so
/// while they are read a report is not put down to the stretch introduced (its steps are not
/// read yet).
///
/// 7: as 6, but the rest before the left side, when the stretch says how that side goes, is long
/// enough for those words and the 3-2-1 count after them (before, the count could fall over the
/// words' end).
///
/// 8: as 7, but a rating after given ahead is not recorded for a session that ended before
/// anything was stretched (no hold done, no time in a stretch), which it would not describe
/// either.
///
/// 9: as 8, but while a stretch is introduced, once its steps have begun, sharp pain, a rating
/// and discomfort are put down to it, not to the stretch held before it (the person is getting
/// into it, and it is the one on screen); and a stretch that sharp pain set aside is left for
/// pain in the summary even when the pain came before its first hold had run a moment (before,
/// it read "not reached" beside "set aside").
///
/// 10: as 9, but a flowing stretch's closing count is said only within its last position (never
/// at the moment of a position's name), and "start" while cautions are still to be read is
/// answered before them (the count waits for them). Only cues change; a log stored under 9
/// replays with the cues, and so the cue numbers, it had.
///
/// [`Reading::CautionsFirst`]: crate::Reading::CautionsFirst
pub const RULES: u32 = 10;

/// The rules of a log that does not say (stored before there were versions).
fn first_rules() -> u32 {
    1
}

/// Why a log could not be replayed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// An intent in the log was refused: the log does not belong to this plan.
    #[error("intent {index} of the log ({intent} at {at}) was refused: {why}")]
    Refused {
        /// Its position in the log, from 0.
        index: usize,
        /// The intent.
        intent: Intent,
        /// When.
        at: At,
        /// Why it was refused.
        why: Rejected,
    },
    /// The log goes back in time.
    #[error("intent {index} of the log is earlier than the one before it")]
    OutOfOrder {
        /// Its position in the log, from 0.
        index: usize,
    },
    /// The log was written under rules newer than this engine knows (a newer limber shares the
    /// database): replayed here, it would not run as it ran there.
    #[error("the session ran under rules {rules}, newer than this limber's {RULES}: upgrade this limber")]
    NewerRules {
        /// The log's rules.
        rules: u32,
    },
}
