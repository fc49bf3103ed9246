//! The snapshot of a session every front end draws from ([`SessionView`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cue::StopNotice;
use crate::intent::IntentKind;
use crate::stretch::{Dose, Side, StretchId};
use crate::time::At;
use crate::words;

use super::{Ask, Phase, Session};

/// A snapshot of a session for any front end, at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SessionView {
    /// The moment this view is for; for a session that is over, the moment it ended.
    pub at: At,
    /// Why the session stopped early and what to do now, once it has; `None` while it runs and
    /// when it ran to its end.
    #[serde(default)]
    pub stopped: Option<StopNotice>,
    /// The stretch on screen is moved through (a flow, e.g. cat-camel), not held.
    #[serde(default)]
    pub flow: bool,
    /// During a rest between sides: the side that works next.
    #[serde(default)]
    pub switch_to: Option<Side>,
    /// The phase.
    pub phase: Phase,
    /// Whether the clock is stopped.
    pub paused: bool,
    /// The question waiting for an answer, in words (screening, pain rating, stop?).
    pub question: Option<String>,
    /// Which question the session is waiting on besides the phase's own (`stop-for-pain`: yes
    /// or no to stopping after a rating above 5), so a front end offers its answers, not the
    /// phase's (a pain scale under a yes-or-no question).
    #[serde(default)]
    pub asking: Option<Ask>,
    /// Stretch number from 1, when on a stretch.
    pub number: Option<usize>,
    /// Stretches in the plan.
    pub of: usize,
    /// The stretch being prepared or done.
    pub stretch: Option<StretchId>,
    /// Its name.
    pub name: Option<String>,
    /// Its steps.
    pub steps: Vec<String>,
    /// The step being read (from 0) while a stretch is explained.
    pub step: Option<usize>,
    /// Its cautions.
    pub cautions: Vec<String>,
    /// Its breathing cue.
    pub breathing: Option<String>,
    /// The side being worked.
    pub side: Option<Side>,
    /// On the second side of a stretch done on each side (and in the rest that switches to
    /// it): how that side goes, since the steps are written for the first.
    #[serde(default)]
    pub other_side: Option<String>,
    /// In a rest between two holds on the same side: what to do meanwhile, when the stretch
    /// says (stay lying over the roll).
    #[serde(default)]
    pub between_holds: Option<String>,
    /// Repetition on this side, from 1, and repetitions per side.
    pub repetition: Option<(u32, u32)>,
    /// The name of the stretch that comes next, if any.
    pub next: Option<String>,
    /// Length of the current timed phase, in milliseconds.
    pub phase_ms: Option<u64>,
    /// Time left in the current timed phase, in milliseconds.
    pub remaining_ms: Option<u64>,
    /// What the person can do now; front ends show keys for these only.
    pub allowed: Vec<IntentKind>,
    /// The sequence number of the latest cue (0 before any).
    pub last_cue: u64,
}

impl Session {
    /// A serializable snapshot of where the session is, as of the latest time it has seen.
    pub fn view(&self) -> SessionView {
        self.view_now(self.now)
    }

    /// A snapshot for the moment `at` (not earlier than the latest time seen), without
    /// changing the session: deadlines up to `at` are played on a copy when there are any.
    pub fn view_at(&self, at: At) -> SessionView {
        match self.next_deadline() {
            Some(due) if due <= at => {
                let mut ahead = self.clone();
                ahead.advance(at);
                ahead.view_now(ahead.now)
            }
            _ if self.phase.is_over() => self.view_now(self.now),
            _ => self.view_now(self.now.max(at)),
        }
    }

    fn view_now(&self, now: At) -> SessionView {
        let item = self.phase.item().map(|i| &self.items[i]);
        let dose = item.map(|i| &i.choice.stretch.dose);
        let hold = match self.phase {
            Phase::Active { hold, .. } => Some(hold),
            Phase::Rest { next_hold, .. } => Some(next_hold),
            Phase::GetReady { item } | Phase::Prepare { item } => Some(self.items[item].record.holds_done),
            _ => None,
        };
        let (side, repetition) = match (dose, hold) {
            (Some(d), Some(h)) => (d.side_of(h), Some((d.repetition_of(h), d.repetitions()))),
            _ => (None, None),
        };
        let until = self.paused_at.unwrap_or(now);
        let remaining = self.phase_len.map(|len| len.saturating_sub(until - self.phase_start));
        // A question that comes with advice carries it, so a front end that shows only the
        // question (a dialog, a small screen) never asks it without its reason.
        let question = match (self.asking, self.phase) {
            (Some(Ask::StopForPain), Phase::PainBefore) => {
                Some(self.pain_before.map_or_else(words::ask_stop_question, words::high_before))
            }
            (Some(Ask::StopForPain), _) => Some(words::ask_stop_question()),
            (None, Phase::Screening { question }) => {
                self.plan.screening.get(question).map(|q| words::screening_question(&q.question, self.turned(question)))
            }
            (None, Phase::ConfirmAssessed) => Some(self.ask_assessed()),
            (None, Phase::PainBefore) => Some(words::pain_before_question()),
            (None, Phase::PainAfter) => Some(words::pain_after_question()),
            _ => None,
        };
        let next_item = match self.phase {
            Phase::WarmUp | Phase::PainBefore | Phase::Screening { .. } | Phase::ConfirmAssessed => Some(0),
            p => p.item().map(|i| i + 1),
        };
        let to_ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let switch_to = match (self.phase, dose) {
            (Phase::Rest { next_hold, .. }, Some(d)) if next_hold > 0 => {
                let (before, after) = (d.side_of(next_hold - 1), d.side_of(next_hold));
                after.filter(|_| after != before)
            }
            _ => None,
        };
        let stopped = self.outcome.and_then(|reason| {
            let (_, advice) = self.stop_advice.iter().find(|(r, _)| *r == reason)?;
            Some(StopNotice { reason, advice: advice.clone() })
        });
        SessionView {
            at: now,
            stopped,
            flow: matches!(dose, Some(Dose::Flow { .. })),
            switch_to,
            phase: self.phase,
            paused: self.paused_at.is_some(),
            question,
            asking: self.asking,
            number: self.phase.item().map(|i| i + 1),
            of: self.items.len(),
            stretch: item.map(|i| i.choice.stretch.id.clone()),
            name: item.map(|i| i.choice.stretch.name.clone()),
            steps: item.map(|i| i.choice.steps()).unwrap_or_default(),
            step: matches!(self.phase, Phase::Prepare { .. }).then_some(self.step).flatten(),
            cautions: item.map(|i| i.choice.stretch.cautions.clone()).unwrap_or_default(),
            breathing: item.map(|i| i.choice.stretch.breathing.clone()),
            other_side: item
                .filter(|_| side == Some(Side::Left) || switch_to == Some(Side::Left))
                .and_then(|i| i.choice.stretch.other_side.clone()),
            between_holds: match (self.phase, item) {
                (Phase::Rest { next_hold, .. }, Some(i)) => {
                    i.choice.stretch.between_holds_after(next_hold.saturating_sub(1)).map(str::to_owned)
                }
                _ => None,
            },
            side,
            repetition,
            next: next_item.and_then(|i| self.items.get(i)).map(|i| i.choice.stretch.name.clone()),
            phase_ms: self.phase_len.map(to_ms),
            remaining_ms: remaining.map(to_ms),
            allowed: self.allowed(),
            last_cue: self.said,
        }
    }
}
