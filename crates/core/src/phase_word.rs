//! The big word above the countdown: what the person is doing now, the same on every front end.

use serde::{Deserialize, Serialize};

use crate::session::{Ask, Phase, SessionView};

/// What a session shows in large letters, to be read at a glance from the floor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PhaseWord {
    /// Upper-case words: "HOLD · LEFT", "SWITCH → LEFT", "PAUSED", "STOP FOR TODAY?". A side
    /// comes after " · " or " → ", so a narrow screen can keep the word before it alone.
    pub word: String,
    /// What kind of moment it is, for the word's colour. Paused, it keeps the phase's.
    pub moment: Moment,
}

/// What kind of moment a [`PhaseWord`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Moment {
    /// A question waits for an answer (safety questions, a pain rating, a check-in).
    Ask,
    /// The warm-up.
    WarmUp,
    /// A stretch is explained; the person gets into position.
    Prepare,
    /// The count-in to a hold.
    GetReady,
    /// A stretch held still.
    Hold,
    /// A stretch moved through (a flow).
    Move,
    /// A rest between holds.
    Rest,
    /// A rest that changes sides.
    Switch,
    /// The session is over: done, or ended by choice.
    Done,
    /// The session stopped for safety.
    Stopped,
}

impl SessionView {
    /// The big word for this moment. A stop for safety outranks everything; then a question
    /// to stop for today; then "PAUSED" while the clock stands still (unless a question waits,
    /// which says more); then the phase, with the side worked or switched to.
    pub fn phase_word(&self) -> PhaseWord {
        let said = |word: &str, moment| PhaseWord { word: word.to_owned(), moment };
        // (A stop for safety can still ask for a rating after it.)
        if self.stopped.as_ref().is_some_and(|stop| stop.reason.is_safety()) {
            return said("STOPPED", Moment::Stopped);
        }
        let over = self.phase.is_over();
        if self.asking == Some(Ask::StopForPain) && !over {
            return said("STOP FOR TODAY?", Moment::Ask);
        }
        let phase = self.phase_only();
        if self.paused && self.question.is_none() && !over {
            return PhaseWord { word: "PAUSED".to_owned(), moment: phase.moment };
        }
        phase
    }

    fn phase_only(&self) -> PhaseWord {
        let said = |word: &str, moment| PhaseWord { word: word.to_owned(), moment };
        let side = |word: &str, joint: &str, side: Option<crate::Side>, moment| match side {
            Some(side) => PhaseWord { word: format!("{word} {joint} {}", side.label().to_uppercase()), moment },
            None => said(word, moment),
        };
        match self.phase {
            Phase::Screening { .. } | Phase::ConfirmAssessed => said("SAFETY QUESTIONS", Moment::Ask),
            Phase::PainBefore | Phase::PainAfter => said("RATE YOUR PAIN", Moment::Ask),
            Phase::WarmUp => said("WARM-UP", Moment::WarmUp),
            // Nothing counts down: the session waits for the person to start.
            Phase::Prepare { .. } if self.remaining_ms.is_none() => said("READY WHEN YOU ARE", Moment::Prepare),
            Phase::Prepare { .. } => said("GET INTO POSITION", Moment::Prepare),
            Phase::GetReady { .. } => said("GET READY", Moment::GetReady),
            Phase::Active { .. } if self.flow => said("MOVE", Moment::Move),
            Phase::Active { .. } => side("HOLD", "·", self.side, Moment::Hold),
            Phase::Rest { .. } if self.switch_to.is_some() => side("SWITCH", "→", self.switch_to, Moment::Switch),
            Phase::Rest { .. } => said("REST", Moment::Rest),
            Phase::CheckIn { .. } => said("HOW DID THAT FEEL?", Moment::Ask),
            Phase::Finished => said("DONE", Moment::Done),
            Phase::Stopped { reason } if reason.is_safety() => said("STOPPED", Moment::Stopped),
            Phase::Stopped { .. } => said("ENDED", Moment::Done),
        }
    }
}
