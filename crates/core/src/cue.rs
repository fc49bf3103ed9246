//! Cues: what a front end shows, speaks or sounds, in the order the session produced them.

use serde::{Deserialize, Serialize};

use crate::stretch::Side;
use crate::time::At;

/// The sound that goes with a cue; front ends map these to a bell, a beep or silence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sound {
    /// No sound.
    None,
    /// A hold, flow or warm-up begins.
    Start,
    /// A countdown second.
    Tick,
    /// Half of the time has gone.
    Halfway,
    /// The work is over: release.
    End,
    /// Attention: a safety message.
    Alert,
}

/// Why a session stopped before the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StopReason {
    /// An emergency sign was reported.
    Emergency,
    /// Screening said to see a clinician first, and no clinician has assessed the pain.
    SeeClinician,
    /// Sharp pain was reported.
    SharpPain,
    /// The person ended the session.
    Aborted,
}

impl StopReason {
    /// Whether the stop is for safety (as opposed to the person choosing to end).
    pub fn is_safety(self) -> bool {
        !matches!(self, StopReason::Aborted)
    }
}

/// What a cue is about, for front ends that treat kinds differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CueKind {
    /// A screening question to answer yes or no.
    Question {
        /// Question number, from 1.
        number: usize,
        /// Questions in all.
        of: usize,
    },
    /// Screening found something a clinician should check first; asks whether one has.
    AskAssessed,
    /// Screening is complete and clear.
    Cleared,
    /// The warm-up begins.
    WarmUp,
    /// The next stretch is announced.
    NextUp {
        /// Stretch number, from 1.
        number: usize,
        /// Stretches in all.
        of: usize,
    },
    /// One step of the stretch being prepared.
    Step {
        /// Step number, from 1.
        number: usize,
        /// Steps in all.
        of: usize,
    },
    /// Waiting for the person to say they are ready.
    WaitingForStart,
    /// A countdown number before work starts, or in its last seconds.
    Countdown(u32),
    /// Work starts (a hold, a flow or timed work).
    Begin {
        /// The side, when the stretch has sides.
        side: Option<Side>,
        /// Repetition number on this side, from 1.
        repetition: u32,
    },
    /// A new position in a flow.
    FlowPosition {
        /// Cycle number, from 1.
        cycle: u32,
    },
    /// Half the time is done.
    Halfway,
    /// A breathing reminder.
    Breathe,
    /// The work is done: release.
    Release,
    /// Rest before the next repetition.
    Rest,
    /// Change to the other side.
    SwitchSides(Side),
    /// Asks how the stretch felt.
    CheckIn,
    /// The session is paused.
    Paused,
    /// The session goes on.
    Resumed,
    /// Something was skipped.
    Skipped,
    /// A stretch was swapped for another that reaches the same area.
    Swapped,
    /// A report of discomfort was heard.
    Discomfort,
    /// A pain rating above what is fine: the stretch stops.
    TooMuch,
    /// The session stopped before the end.
    Stopped(StopReason),
    /// The session is complete.
    Finished,
}

/// One thing to show, say or sound, at the moment the session produced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cue {
    /// When it is due (may be earlier than the driver's clock after a jump).
    pub at: At,
    /// What it is about.
    pub kind: CueKind,
    /// The words to show and speak.
    pub text: String,
    /// The sound to play.
    pub sound: Sound,
}
