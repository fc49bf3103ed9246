//! Cues: what a front end shows, speaks or sounds, in the order the session produced them.

use serde::{Deserialize, Serialize};

use crate::stretch::Side;
use crate::time::At;

/// The sound that goes with a cue; front ends map these to a bell, a beep or silence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// An emergency sign was reported.
    #[serde(alias = "Emergency")]
    Emergency,
    /// Screening said to see a clinician first, and no clinician has assessed the pain.
    #[serde(alias = "SeeClinician")]
    SeeClinician,
    /// Sharp pain was reported.
    #[serde(alias = "SharpPain")]
    SharpPain,
    /// Pain was rated above 5 a second time, or the person chose to stop after one such rating.
    #[serde(alias = "Pain")]
    Pain,
    /// The person ended the session.
    #[serde(alias = "Aborted")]
    Aborted,
}

/// A session's early stop as a front end keeps it on screen: why, and what to do now. It stays
/// in the view until the session is over, above any question that follows (the pain after).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StopNotice {
    /// Why the session stopped.
    pub reason: StopReason,
    /// What the person was told at the stop: the advice, in full.
    pub advice: String,
}

impl StopReason {
    /// Whether the stop is for safety (as opposed to the person choosing to end).
    pub fn is_safety(self) -> bool {
        !matches!(self, StopReason::Aborted)
    }

    /// The outcome in a few words, for history lists.
    pub fn label(self) -> &'static str {
        match self {
            StopReason::Emergency => "stopped: emergency sign",
            StopReason::SeeClinician => "stopped: see a clinician",
            StopReason::SharpPain => "stopped: sharp pain",
            StopReason::Pain => "stopped: pain above 5",
            StopReason::Aborted => "ended early",
        }
    }
}

/// What a cue is about, for front ends that treat kinds differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", rename_all_fields = "kebab-case")]
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
    /// Screening is complete and clear (or a clinician has assessed the pain).
    Cleared,
    /// Asks for a 0–10 pain rating (before or after the exercise).
    AskPain,
    /// A rating or report was heard and noted.
    Noted,
    /// Pain above 5 while no stretch runs: the session is paused and asks whether to stop.
    AskStop,
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
    /// A caution for the stretch, said before its first hold.
    Caution,
    /// Waiting for the person to say they are ready.
    WaitingForStart,
    /// A countdown number before work starts, or in its last seconds.
    Countdown {
        /// The number said.
        n: u32,
    },
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
    SwitchSides {
        /// The side that works next.
        to: Side,
    },
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
    /// No other stretch that fits reaches the same area: the session moves on.
    NoAlternative,
    /// A report of discomfort was heard.
    Discomfort,
    /// A pain rating above what is fine: the stretch stops.
    TooMuch,
    /// The session stopped before the end.
    Stopped {
        /// Why.
        reason: StopReason,
    },
    /// The session is complete.
    Finished,
}

impl CueKind {
    /// Whether a cue of this kind only keeps pace with the clock (a countdown number, a flow
    /// position after the first cycle, halfway, a breathing reminder): a voice that fell behind
    /// (a longer cue was still being said) drops one that a newer cue has overtaken, so it
    /// catches up with the session. Every other cue says what to do, or a safety message, and is
    /// never dropped. A flow's first cycle says how to do each position, so it is kept.
    pub fn keeps_pace(&self) -> bool {
        match self {
            CueKind::FlowPosition { cycle } => *cycle > 1,
            CueKind::Countdown { .. } | CueKind::Halfway | CueKind::Breathe => true,
            _ => false,
        }
    }
}

/// One thing to show, say or sound, at the moment the session produced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cue {
    /// Its number in the session, from 1, without gaps: a watcher asks for the cues after the
    /// last number it saw.
    pub seq: u64,
    /// When it is due (may be earlier than the driver's clock after a jump).
    pub at: At,
    /// What it is about.
    pub kind: CueKind,
    /// The words to show and speak.
    pub text: String,
    /// The sound to play.
    pub sound: Sound,
    /// [`CueKind::keeps_pace`], carried for front ends that read cues as JSON (the web page's
    /// voice skips such a cue when a newer one has overtaken it).
    #[serde(default)]
    pub keeps_pace: bool,
}
