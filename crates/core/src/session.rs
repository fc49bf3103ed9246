//! The session state machine: intents and time in, phases and numbered cues out. Pure and deterministic.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cue::{Cue, CueKind, Sound, StopReason};
use crate::intent::{Intent, IntentKind};
use crate::plan::{Choice, PainPrompt, Plan};
use crate::screening::{Answer, Clearance, ScreeningRecord};
use crate::stretch::{Dose, Side, StretchId};
use crate::time::{At, secs};
use crate::words::{self, TooMuchNext};

mod log;
mod record;
mod view;

pub use log::{Logged, RULES, ReplayError, SessionLog};
pub use record::{ItemRecord, ItemStatus, Summary};
pub use view::SessionView;

/// Where a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case", rename_all_fields = "kebab-case")]
pub enum Phase {
    /// Asking screening question `question` (from 0).
    Screening {
        /// Index into the plan's screening questions.
        question: usize,
    },
    /// Screening flagged something; asking whether a clinician has assessed this pain.
    ConfirmAssessed,
    /// Asking for a 0–10 pain rating before the exercise.
    PainBefore,
    /// Warming up.
    WarmUp,
    /// Introducing stretch `item`, reading its cautions and its steps (the steps first under
    /// rules before 6).
    Prepare {
        /// Index into the plan's items.
        item: usize,
    },
    /// Counting down to a hold.
    GetReady {
        /// Index into the plan's items.
        item: usize,
    },
    /// Holding, flowing or working: active period `hold` (from 0) of stretch `item`.
    Active {
        /// Index into the plan's items.
        item: usize,
        /// Which active period: side-major, then repetition.
        hold: u32,
    },
    /// Resting (or switching sides) before active period `next_hold`.
    Rest {
        /// Index into the plan's items.
        item: usize,
        /// The active period that comes next.
        next_hold: u32,
    },
    /// Asking how stretch `item` felt.
    CheckIn {
        /// Index into the plan's items.
        item: usize,
    },
    /// Asking for a 0–10 pain rating after the exercise.
    PainAfter,
    /// Every stretch is done.
    Finished,
    /// Stopped before the end.
    Stopped {
        /// Why.
        reason: StopReason,
    },
}

impl Phase {
    /// The plan item this phase belongs to.
    pub fn item(self) -> Option<usize> {
        match self {
            Phase::Prepare { item }
            | Phase::GetReady { item }
            | Phase::Active { item, .. }
            | Phase::Rest { item, .. }
            | Phase::CheckIn { item } => Some(item),
            _ => None,
        }
    }

    /// Whether the session is over.
    pub fn is_over(self) -> bool {
        matches!(self, Phase::Finished | Phase::Stopped { .. })
    }

    /// Whether a stretch is being prepared or done (not its check-in).
    fn on_stretch(self) -> bool {
        matches!(self, Phase::Prepare { .. } | Phase::GetReady { .. } | Phase::Active { .. } | Phase::Rest { .. })
    }

    /// Where the session is, in words that follow "during" or "while": "the warm-up".
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Screening { .. } | Phase::ConfirmAssessed => "during the safety questions",
            Phase::PainBefore | Phase::PainAfter => "at the pain rating",
            Phase::WarmUp => "during the warm-up",
            Phase::Prepare { .. } => "while a stretch is being explained",
            Phase::GetReady { .. } => "during the count-in",
            Phase::Active { .. } => "while you are in the stretch",
            Phase::Rest { .. } => "during a rest",
            Phase::CheckIn { .. } => "at the check-in",
            Phase::Finished | Phase::Stopped { .. } => "once the session is over",
        }
    }
}

/// How a stretch felt, answered at its check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Comfort {
    /// A gentle pull, no more.
    #[serde(alias = "Comfortable")]
    Comfortable,
    /// Noticeable discomfort.
    #[serde(alias = "Discomfort")]
    Discomfort,
}

/// A question the session is waiting on while it is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ask {
    /// Pain above 5 outside a stretch (warm-up, check-in), or before the routine: stop the
    /// session?
    StopForPain,
}

/// Why an intent was refused; the session is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "rejected", rename_all = "kebab-case", rename_all_fields = "kebab-case")]
pub enum Rejected {
    /// The session is over.
    #[error("the session is over")]
    Over {
        /// What was asked.
        intent: IntentKind,
    },
    /// The intent does not apply in the current phase.
    #[error("{}", not_now(*.intent, *.phase, *.paused))]
    NotNow {
        /// What was asked.
        intent: IntentKind,
        /// Where the session was.
        phase: Phase,
        /// Whether it was paused.
        paused: bool,
    },
    /// A pain rating outside 0–10.
    #[error("a pain rating is from 0 to 10, not {score}")]
    BadScore {
        /// The rating given.
        score: u8,
    },
    /// A swap asked for where no other stretch that suits the person and the routine reaches
    /// the same area: the stretch stays (skip moves on).
    #[error("no other stretch that suits you and this routine reaches the same area as {stretch}")]
    NoAlternative {
        /// The stretch's name.
        stretch: String,
    },
}

/// Why `intent` does not apply now, in words: "the session is not paused: nothing to resume".
fn not_now(intent: IntentKind, phase: Phase, paused: bool) -> String {
    // Pause and resume belong to the exercise: there, say what is in the way.
    let exercise = phase == Phase::WarmUp || phase.on_stretch() || matches!(phase, Phase::CheckIn { .. });
    match intent {
        IntentKind::Resume if !paused && exercise => "the session is not paused: nothing to resume".to_owned(),
        IntentKind::Pause if paused && exercise => "the session is paused already".to_owned(),
        _ => {
            // "pain N" is how the CLI's line is typed: in a sentence it is a rating.
            let what = if intent == IntentKind::Pain { "a pain rating".to_owned() } else { intent.to_string() };
            format!(
                "{what} does not apply {}{}",
                phase.describe(),
                if paused && exercise { " while the session is paused: resume first" } else { "" }
            )
        }
    }
}

/// A timed moment inside a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Mark {
    Step(usize),
    Caution(usize),
    WaitPrompt,
    Count(u32),
    Halfway,
    Flow { index: usize, cycle: u32 },
}

/// One item's live state: the record plus the choice being done and the next alternative to offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Item {
    choice: Choice,
    /// The record of the stretch being done; its `active` counts the time of every stretch this
    /// item has had (what the session's rules read), its pain only this stretch's.
    record: ItemRecord,
    next_alternative: usize,
    /// The stretches swapped out of this item after being begun or felt, each with its own
    /// record (status `Swapped`), in order.
    #[serde(default)]
    tried: Vec<ItemRecord>,
    /// Of `record.active`, the time spent on the stretches in `tried` and those swapped out
    /// untouched.
    #[serde(default)]
    active_before: Duration,
}

/// How many of its latest cues a session keeps, once drained, for watchers that catch up (a
/// few minutes of a routine); older ones are dropped, so a long session holds the same memory
/// as a short one.
pub const KEPT_CUES: usize = 32;

/// What a report (sharp pain, a rating, discomfort) is about while a stretch is introduced, from
/// rules 5: the person may be just out of the stretch before, or already getting into this one
/// as its steps are read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum About {
    /// The stretch of the phase (always, outside an introduction, or before rules 5).
    Current,
    /// The stretch held last, with its item: the one before, or one swapped out of this item.
    HeldLast(usize, StretchId),
    /// None: nothing has been held lately and this one's steps have not begun.
    Nothing,
}

/// How many ratings above 5 in one session stop it for safety.
const TOO_MUCH_STOPS_AT: u32 = 2;

/// A sharp-pain press that reached a session only after it ended ([`Session::reported_late`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LateReport {
    /// The stretch to set aside.
    pub stretch: StretchId,
    /// What a press in time would have said: stop, rest, see a clinician if it persists, and
    /// that the stretch is set aside.
    pub advice: String,
}

/// A guided session over one plan. Drive it with [`Session::handle`] and [`Session::advance`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    plan: Arc<Plan>,
    phase: Phase,
    now: At,
    phase_start: At,
    phase_len: Option<Duration>,
    marks: Vec<(Duration, Mark)>,
    next_mark: usize,
    step: Option<usize>,
    paused_at: Option<At>,
    asking: Option<Ask>,
    items: Vec<Item>,
    screening: ScreeningRecord,
    screened_now: bool,
    exercise_started: bool,
    warmed_up: bool,
    pain_before: Option<u8>,
    pain_after: Option<u8>,
    flagged: Option<StretchId>,
    /// The stretch the person last held (or flowed, or worked), with its item: what a report
    /// made while the next is only introduced is about, from rules 5.
    #[serde(default)]
    last_stretched: Option<(usize, StretchId)>,
    too_much: Vec<StretchId>,
    too_much_count: u32,
    outcome: Option<StopReason>,
    started: At,
    ended: Option<At>,
    /// The latest cues said, at most [`KEPT_CUES`], oldest first.
    cues: VecDeque<Cue>,
    /// The number of the latest cue said (0 before the first).
    said: u64,
    /// The number of the latest cue [`Session::drain_cues`] handed out.
    drained: u64,
    /// What each kind of stop said, for the view after the stop's cue is no longer kept.
    stop_advice: Vec<(StopReason, String)>,
    log: SessionLog,
}

impl Session {
    /// Starts a session over `plan` at `at`. Screening is asked unless `screening` is a clear
    /// record covering every question of the plan. Sessions over one shared plan (an
    /// `Arc<Plan>`) hold it once.
    pub fn new(plan: impl Into<Arc<Plan>>, screening: Option<&ScreeningRecord>, at: At) -> Session {
        Session::under_rules(plan, screening, at, RULES)
    }

    /// [`Session::new`] under the `rules` of a stored log.
    fn under_rules(plan: impl Into<Arc<Plan>>, screening: Option<&ScreeningRecord>, at: At, rules: u32) -> Session {
        let plan: Arc<Plan> = plan.into();
        let items = plan
            .items
            .iter()
            .map(|i| Item {
                choice: i.choice.clone(),
                record: ItemRecord {
                    stretch: i.choice.stretch.id.clone(),
                    instead_of: i.instead_of.clone(),
                    seconds: i.choice.seconds,
                    holds_done: 0,
                    sides_done: Vec::new(),
                    holds_planned: i.choice.holds(),
                    active: Duration::ZERO,
                    comfort: None,
                    discomfort: false,
                    max_pain: None,
                    status: ItemStatus::NotReached,
                },
                next_alternative: 0,
                tried: Vec::new(),
                active_before: Duration::ZERO,
            })
            .collect();
        let cleared = match screening {
            Some(rec) => rec.clearance(&plan.screening) == Clearance::Clear,
            None => plan.screening.is_empty(),
        };
        let mut session = Session {
            plan,
            phase: Phase::Finished,
            now: at,
            phase_start: at,
            phase_len: None,
            marks: Vec::new(),
            next_mark: 0,
            step: None,
            paused_at: None,
            asking: None,
            items,
            screening: screening.filter(|_| cleared).cloned().unwrap_or_default(),
            screened_now: false,
            exercise_started: false,
            warmed_up: false,
            pain_before: None,
            pain_after: None,
            flagged: None,
            last_stretched: None,
            too_much: Vec::new(),
            too_much_count: 0,
            outcome: None,
            started: at,
            ended: None,
            cues: VecDeque::new(),
            said: 0,
            drained: 0,
            stop_advice: Vec::new(),
            log: SessionLog { started: at, intents: Vec::new(), rules },
        };
        if cleared {
            session.after_screening(at);
        } else {
            session.screened_now = true;
            session.enter(Phase::Screening { question: 0 }, at);
        }
        session
    }

    /// Rebuilds a session from its plan, the screening record it started with and its log.
    /// The result is the exact session the log was taken from, up to its last intent; call
    /// [`Session::advance`] to bring it to the present.
    pub fn replay(
        plan: impl Into<Arc<Plan>>,
        screening: Option<&ScreeningRecord>,
        log: &SessionLog,
    ) -> Result<Session, ReplayError> {
        if log.rules > RULES {
            return Err(ReplayError::NewerRules { rules: log.rules });
        }
        let mut session = Session::under_rules(plan, screening, log.started, log.rules);
        let mut last = log.started;
        for (index, logged) in log.intents.iter().enumerate() {
            if logged.at < last {
                return Err(ReplayError::OutOfOrder { index });
            }
            last = logged.at;
            session.handle(logged.intent, logged.at).map_err(|why| ReplayError::Refused {
                index,
                intent: logged.intent,
                at: logged.at,
                why,
            })?;
        }
        Ok(session)
    }

    /// This session as it was right after the first `intents` intents of its log (all of them
    /// when it has fewer): rebuilt from its plan, the screening record it started with and that
    /// much of its log, as [`Session::replay`] rebuilds a stored one. A driver that could not
    /// store the intents after those takes them back with it, so the session never runs ahead
    /// of what a restart would resume.
    pub fn rewound(&self, intents: usize) -> Result<Session, ReplayError> {
        // A session that asked the screening questions started from no clear record (any record
        // it was given was not clear, so it was not used); one that did not, from the clear
        // record it holds, which nothing changes afterwards.
        let started_with = (!self.screened_now).then_some(&self.screening);
        let log = SessionLog {
            started: self.log.started,
            intents: self.log.intents[..intents.min(self.log.intents.len())].to_vec(),
            rules: self.log.rules,
        };
        Session::replay(self.plan.clone(), started_with, &log)
    }

    /// The plan this session runs.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the clock is stopped by a pause.
    pub fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// The screening answers given in this session (or the clear record it started with).
    pub fn screening(&self) -> &ScreeningRecord {
        &self.screening
    }

    /// Whether the screening questions were asked in this session (so the answers are new).
    pub fn screened_now(&self) -> bool {
        self.screened_now
    }

    /// Whether the screening questions were asked in this session and each one answered: the
    /// answers to keep (ones left partway clear no one).
    pub fn answered_all_now(&self) -> bool {
        self.screened_now && self.screening.clearance(&self.plan.screening) != crate::Clearance::Incomplete
    }

    /// The latest time the session has seen; once it is over, the moment it ended.
    pub fn now(&self) -> At {
        self.now
    }

    /// Whether screening question `number` (from 0) is asked the other way round from one
    /// before it (a no raises its flag, where that one's is raised by a yes).
    fn turned(&self, number: usize) -> bool {
        let asked = &self.plan.screening;
        asked.get(number).is_some_and(|q| q.flagged_by == Answer::No)
            && asked.iter().take(number).any(|before| before.flagged_by == Answer::Yes)
    }

    /// The latest moment something happened: the last intent taken or the last cue said.
    /// While the session waits for the person, that is how long they have been silent.
    pub fn last_activity(&self) -> At {
        let intent = self.log.intents.last().map_or(At::ZERO, |l| l.at);
        let cue = self.cues.back().map_or(At::ZERO, |c| c.at);
        intent.max(cue)
    }

    /// The log of accepted intents, for storing and replaying the session.
    pub fn log(&self) -> &SessionLog {
        &self.log
    }

    /// When the driver must call [`Session::advance`] next; `None` while waiting for the person.
    pub fn next_deadline(&self) -> Option<At> {
        if self.paused_at.is_some() || self.phase.is_over() {
            return None;
        }
        let mark = self.marks.get(self.next_mark).map(|(off, _)| self.phase_start + *off);
        let end = self.phase_len.map(|len| self.phase_start + len);
        match (mark, end) {
            (Some(m), Some(e)) => Some(m.min(e)),
            (m, e) => m.or(e),
        }
    }

    /// Processes every deadline up to `at`, however many have passed, each at its own time.
    /// A time earlier than one already seen is treated as that time. A session that is over
    /// stays at the moment it ended: nothing more happens in it.
    pub fn advance(&mut self, at: At) {
        let at = at.max(self.now);
        while let Some(due) = self.next_deadline() {
            if due > at {
                break;
            }
            self.now = self.now.max(due);
            self.fire(due);
        }
        if !self.phase.is_over() {
            self.now = self.now.max(at);
        }
    }

    /// Takes the cues produced since the last call, in order, however many. Every driver calls
    /// it (a driver whose watchers read [`Session::cues_since`] instead drops what it takes):
    /// of the cues taken, only the latest [`KEPT_CUES`] are kept.
    pub fn drain_cues(&mut self) -> Vec<Cue> {
        let fresh = self.cues_since(self.drained).cloned().collect();
        self.release_cues();
        fresh
    }

    /// Marks every cue said so far as taken, without copying them: a driver whose watchers
    /// read [`Session::cues_since`] calls it where another would drain.
    pub fn release_cues(&mut self) {
        self.drained = self.said;
        self.forget_old_cues(KEPT_CUES);
    }

    /// The number of the latest cue said (0 before the first); the view's `last_cue`.
    pub fn last_cue(&self) -> u64 {
        self.said
    }

    /// The cues numbered above `seq`, in order, of those kept (every cue not yet drained and
    /// the latest [`KEPT_CUES`] drained): each watcher keeps its own `seq`, and one further
    /// behind than that catches up from the view.
    pub fn cues_since(&self, seq: u64) -> impl Iterator<Item = &Cue> {
        // Numbers are consecutive: the first one wanted is `skip` places in.
        let first = (self.said + 1).saturating_sub(self.cues.len() as u64);
        let skip = usize::try_from(seq.saturating_add(1).saturating_sub(first)).unwrap_or(usize::MAX);
        self.cues.iter().skip(skip)
    }

    /// The intents that apply now: the one table both [`Session::handle`] and key hints use.
    pub fn allowed(&self) -> Vec<IntentKind> {
        use IntentKind as K;
        if self.phase.is_over() {
            return Vec::new();
        }
        const SAFETY: [IntentKind; 3] = [K::SharpPain, K::Chest, K::Quit];
        let mut out: Vec<IntentKind> = if self.asking.is_some() && self.phase == Phase::PainBefore {
            // Nothing has started, so there is nothing to resume: an answer or a new rating.
            vec![K::Yes, K::No, K::Pain]
        } else if self.asking.is_some() {
            vec![K::Yes, K::No, K::Resume, K::TogglePause, K::Pain]
        } else if self.paused_at.is_some() {
            vec![K::Resume, K::TogglePause, K::Pain, K::Discomfort]
        } else {
            match self.phase {
                Phase::Screening { .. } | Phase::ConfirmAssessed => vec![K::Yes, K::No],
                Phase::PainBefore | Phase::PainAfter => vec![K::Pain, K::Skip, K::Start],
                Phase::WarmUp => vec![K::Pause, K::TogglePause, K::Skip, K::Discomfort, K::Pain],
                Phase::Prepare { .. } => {
                    vec![K::Start, K::Pause, K::TogglePause, K::Skip, K::Swap, K::Discomfort, K::Pain]
                }
                Phase::GetReady { .. } | Phase::Active { .. } | Phase::Rest { .. } => {
                    vec![K::Pause, K::TogglePause, K::Skip, K::Swap, K::Discomfort, K::Pain]
                }
                Phase::CheckIn { .. } => {
                    vec![K::Comfortable, K::Discomfort, K::Start, K::Skip, K::Pause, K::TogglePause, K::Pain]
                }
                Phase::Finished | Phase::Stopped { .. } => Vec::new(),
            }
        };
        // Rules 2 offered a swap only where there was something to swap to. From rules 3 a swap
        // with nothing to swap to says so and moves on, as the safety rules ask: the person
        // wanted out of this stretch.
        if self.log.rules == 2 && self.phase.item().is_some_and(|i| self.alternative(i).is_none()) {
            out.retain(|k| *k != K::Swap);
        }
        out.extend(SAFETY);
        out
    }

    /// Ends the session at `at` the way `q` does, keeping what was done, for a driver whose
    /// person has gone (Ctrl-C, a closed terminal): a quit during the exercise first asks for the
    /// rating after, which the next quit leaves out. Each quit is an intent in the log, so a
    /// replay ends the same way. Never loops: it stops at a quit refused. Returns whether the
    /// session is over.
    pub fn quit_to_end(&mut self, at: At) -> bool {
        // A quit ends the session or moves it one question on; a handful is always enough.
        for _ in 0..8 {
            if self.phase.is_over() || self.handle(Intent::Quit, at).is_err() {
                break;
            }
        }
        self.phase.is_over()
    }

    /// A sharp-pain press that names its stretch (`during`) and reaches the session only after
    /// the session ended, from a front end a moment behind it: the stretch held in that item,
    /// if any, and the advice a press in time would have given. The session stays as it ended
    /// ([`Session::handle`] refuses the press as over); the driver sets this stretch aside, as
    /// a press in time would have, and shows the advice.
    pub fn reported_late(&self, intent: Intent) -> Option<LateReport> {
        let Intent::SharpPain { during: Some(n) } = intent else { return None };
        if !self.phase.is_over() {
            return None;
        }
        let stretch = usize::from(n).checked_sub(1).and_then(|i| self.held_in(i))?;
        let advice = words::sharp_pain(&self.plan.advice.sharp_pain, self.stretch_name(&stretch).as_deref());
        Some(LateReport { stretch, advice })
    }

    /// The name of stretch `id`, as planned or done in this session (perhaps swapped out since).
    fn stretch_name(&self, id: &StretchId) -> Option<String> {
        let mut choices = self.items.iter().map(|i| &i.choice);
        let mut planned = self.plan.items.iter().flat_map(|p| std::iter::once(&p.choice).chain(&p.alternatives));
        choices
            .find(|c| &c.stretch.id == id)
            .or_else(|| planned.find(|c| &c.stretch.id == id))
            .map(|c| c.stretch.name.clone())
    }

    /// Applies `intent` at `at`, after processing every deadline up to `at`. What the intent
    /// means depends on the phase; one that does not apply is refused and changes nothing.
    pub fn handle(&mut self, intent: Intent, at: At) -> Result<(), Rejected> {
        self.advance(at);
        let now = self.now;
        if self.phase.is_over() {
            return Err(Rejected::Over { intent: intent.kind() });
        }
        if let Intent::Pain { score } = intent
            && score > 10
        {
            return Err(Rejected::BadScore { score });
        }
        if !self.allowed().contains(&intent.kind()) {
            if let (Intent::Swap, Some(item)) = (intent, self.phase.item())
                && self.phase.on_stretch()
                && self.paused_at.is_none()
                && self.asking.is_none()
            {
                return Err(Rejected::NoAlternative { stretch: self.items[item].choice.stretch.name.clone() });
            }
            return Err(Rejected::NotNow { intent: intent.kind(), phase: self.phase, paused: self.is_paused() });
        }
        self.log.intents.push(Logged { at: now, intent });
        self.apply(intent, now);
        Ok(())
    }

    /// The stretch sharp pain set aside in this session, as soon as it was reported (the
    /// summary says it only once the session is over, after the rating that may follow).
    pub fn set_aside(&self) -> Option<&StretchId> {
        self.flagged.as_ref()
    }

    /// What happened, once the session is finished or stopped.
    pub fn summary(&self) -> Option<Summary> {
        let ended = self.ended?;
        // Each stretch swapped out after it was begun or felt, then the one the item ended with.
        let items: Vec<ItemRecord> = self
            .items
            .iter()
            .flat_map(|i| {
                let current =
                    ItemRecord { active: i.record.active.saturating_sub(i.active_before), ..i.record.clone() };
                i.tried.iter().cloned().chain(std::iter::once(current))
            })
            .collect();
        Some(Summary {
            routine: self.plan.routine.0.clone(),
            stopped: match self.phase {
                Phase::Stopped { reason } => Some(reason),
                _ => None,
            },
            started: self.started,
            ended,
            exercise_started: self.exercise_started,
            warmed_up: self.warmed_up,
            active: items.iter().map(|i| i.active).sum(),
            items,
            pain_before: self.pain_before,
            pain_after: self.pain_after,
            flagged: self.flagged.clone(),
            too_much: self.too_much.clone(),
        })
    }

    /// What an accepted intent means in the current phase.
    fn apply(&mut self, intent: Intent, now: At) {
        match intent {
            Intent::SharpPain { .. } if self.outcome == Some(StopReason::SharpPain) => {
                // Pressed again after the stop (at the rating after): the advice again; the
                // stretch set aside stays set aside and the rating is still asked.
                let (text, sound) = self.stop_words(StopReason::SharpPain);
                self.say(now, CueKind::Stopped { reason: StopReason::SharpPain }, text, sound);
                if self.phase == Phase::PainAfter {
                    self.say(now, CueKind::AskPain, words::pain_after_question(), Sound::None);
                }
                return;
            }
            Intent::SharpPain { during } => {
                self.flagged = self.hurt_stretch(during);
                self.stop(StopReason::SharpPain, now);
                return;
            }
            Intent::Chest => {
                self.stop(StopReason::Emergency, now);
                return;
            }
            Intent::Quit => {
                match self.phase {
                    Phase::PainAfter => self.conclude(now),
                    _ => self.stop(StopReason::Aborted, now),
                }
                return;
            }
            _ => {}
        }
        if self.asking.is_some() {
            match intent {
                Intent::Yes => self.stop(StopReason::Pain, now),
                // Rated again before the routine: the new rating stands.
                Intent::Pain { score } if self.phase == Phase::PainBefore => self.rated_before(score, now),
                Intent::Pain { score } => self.pain(score, now),
                Intent::No if self.phase == Phase::PainBefore => {
                    self.asking = None;
                    // From rules 4, the rating before counts as the session's first above 5:
                    // one more during the exercise stops it.
                    if self.log.rules >= 4 {
                        self.too_much_count += 1;
                        self.say(now, CueKind::Noted, words::carrying_on_after_high(), Sound::None);
                    }
                    self.start_exercise(now);
                }
                _ => {
                    self.asking = None;
                    // Carrying on after pain above 5, with a no or by resuming: said how, and what
                    // stops it next time.
                    self.say(now, CueKind::Noted, words::carrying_on_after_high(), Sound::None);
                    self.resume(now);
                }
            }
            return;
        }
        if self.paused_at.is_some() {
            match intent {
                Intent::Resume | Intent::TogglePause => self.resume(now),
                Intent::Pain { score } => self.pain(score, now),
                _ => self.discomfort(now),
            }
            return;
        }
        match (intent, self.phase) {
            (Intent::Yes | Intent::No, Phase::Screening { question }) => {
                self.answer(question, intent == Intent::Yes, now)
            }
            (Intent::Yes, Phase::ConfirmAssessed) => {
                self.screening.clinician_assessed = true;
                self.say(now, CueKind::Cleared, self.cleared_words(), Sound::None);
                self.after_screening(now);
            }
            (Intent::No, Phase::ConfirmAssessed) => self.stop(StopReason::SeeClinician, now),
            (Intent::Pain { score }, Phase::PainBefore) => self.rated_before(score, now),
            (_, Phase::PainBefore) => self.start_exercise(now),
            (Intent::Pain { score }, Phase::PainAfter) => {
                self.rated_after(score, now, true);
                self.conclude(now);
            }
            (_, Phase::PainAfter) => self.conclude(now),
            (Intent::Pause | Intent::TogglePause, _) => {
                self.paused_at = Some(now);
                self.say(now, CueKind::Paused, words::paused(), Sound::None);
            }
            (Intent::Start, Phase::Prepare { item }) => {
                // Ready before the steps were all read: the steps left are theirs to skip, but
                // the cautions not said yet are said before the countdown.
                let unsaid: Vec<usize> = self.marks[self.next_mark..]
                    .iter()
                    .filter_map(|(_, m)| match m {
                        Mark::Caution(n) => Some(*n),
                        _ => None,
                    })
                    .collect();
                if self.log.rules >= 6 && !unsaid.is_empty() {
                    // From rules 6 (cautions first), at the pace they are read, the count after
                    // the last, rather than all at once over the count.
                    self.read_cautions_then_count(&unsaid, now);
                    return;
                }
                for n in unsaid {
                    self.mark(Mark::Caution(n), now);
                }
                self.enter(Phase::GetReady { item }, now);
            }
            (Intent::Skip, Phase::WarmUp) => {
                self.say(now, CueKind::Skipped, words::skipped_warm_up(), Sound::None);
                self.begin_item(0, now);
            }
            (Intent::Skip | Intent::Start, Phase::CheckIn { item }) => self.begin_item(item + 1, now),
            (Intent::Skip, phase) if phase.on_stretch() => {
                let Some(item) = phase.item() else { return };
                self.close_item(item, now);
                let name = self.items[item].choice.stretch.name.clone();
                self.say(now, CueKind::Skipped, words::skipped(&name), Sound::None);
                self.begin_item(item + 1, now);
            }
            (Intent::Swap, phase) if phase.on_stretch() => {
                let Some(item) = phase.item() else { return };
                if !self.substitute(item, now) {
                    let name = self.items[item].choice.stretch.name.clone();
                    let last = item + 1 == self.items.len();
                    self.say(now, CueKind::NoAlternative, words::no_alternative(&name, last), Sound::None);
                    self.close_item(item, now);
                    self.begin_item(item + 1, now);
                }
            }
            (Intent::Comfortable, Phase::CheckIn { item }) => {
                self.items[item].record.comfort = Some(Comfort::Comfortable);
                self.begin_item(item + 1, now);
            }
            (Intent::Discomfort, Phase::CheckIn { item }) => {
                self.items[item].record.comfort = Some(Comfort::Discomfort);
                self.items[item].record.discomfort = true;
                self.begin_item(item + 1, now);
            }
            (Intent::Discomfort, _) => self.discomfort(now),
            (Intent::Pain { score }, _) => self.pain(score, now),
            // `allowed` refused everything else before it got here.
            _ => {}
        }
    }

    /// Says caution `unsaid[0]` now and the others at the pace of the preparation, then ends
    /// the preparation after the last (the steps left are skipped).
    fn read_cautions_then_count(&mut self, unsaid: &[usize], now: At) {
        let Some(item) = self.phase.item() else { return };
        let stretch = self.items[item].choice.stretch.clone();
        let timing = self.plan.timing;
        let mut off = now - self.phase_start;
        self.marks = unsaid
            .iter()
            .map(|&n| {
                let at = off;
                off += stretch.cautions.get(n).map_or(Duration::ZERO, |c| timing.step_time(c));
                (at, Mark::Caution(n))
            })
            .collect();
        self.next_mark = 1;
        self.phase_len = Some(off);
        if self.log.rules >= 10 {
            self.say(now, CueKind::Noted, words::count_after_cautions(unsaid.len()), Sound::None);
        }
        self.mark(Mark::Caution(unsaid[0]), now);
    }

    fn resume(&mut self, now: At) {
        let Some(paused_at) = self.paused_at.take() else { return };
        self.phase_start = self.phase_start + (now - paused_at);
        let left = self.phase_len.map(|len| (self.phase_start + len - now).as_millis().div_ceil(1000) as u64);
        let mut text = words::resumed(left);
        // In a rest between two holds, what to do meanwhile again: the person may have got up
        // during the pause (off the towel roll, say).
        if let Phase::Rest { item, next_hold } = self.phase
            && let Some(between) = self.items[item].choice.stretch.between_holds_after(next_hold.saturating_sub(1))
        {
            text = format!("{text} {between}");
        }
        self.say(now, CueKind::Resumed, text, Sound::None);
    }

    fn discomfort(&mut self, now: At) {
        let item = self.phase.item();
        if let Some(rec) = self.felt_record() {
            rec.discomfort = true;
        }
        // What to do instead is offered for the stretch the report is about, when it is this one.
        let on_stretch = item.filter(|_| self.phase.on_stretch() && self.about() == About::Current);
        let alt = on_stretch.and_then(|i| self.alternative(i)).map(|c| c.stretch.name.clone());
        // The stretch's own easier versions come first, every one (crossing the arms may be what
        // suits, not leaning less): the article's "modify it" before a swap.
        let easier =
            on_stretch.map(|i| self.items[i].choice.stretch.modifications.join(" Or: ")).filter(|e| !e.is_empty());
        let text = words::discomfort(&self.plan.advice.discomfort, easier.as_deref(), alt.as_deref());
        self.say(now, CueKind::Discomfort, text, Sound::None);
    }

    /// A 0–10 rating during the exercise: up to 5 is noted; above 5 stops the stretch (or asks
    /// whether to stop when no stretch is running), and a second one stops the session.
    fn pain(&mut self, score: u8, now: At) {
        let item = self.phase.item();
        let mild = if self.log.rules >= 5 { 2 } else { 0 };
        if let Some(rec) = self.felt_record() {
            rec.max_pain = Some(rec.max_pain.map_or(score, |m| m.max(score)));
            rec.discomfort |= score > mild;
        }
        if score <= 5 {
            let text = words::pain_ok(score, &self.plan.advice.discomfort);
            self.say(now, CueKind::Discomfort, text, Sound::None);
            return;
        }
        self.too_much_count += 1;
        if let Some(id) = self.felt_stretch()
            && !self.too_much.contains(&id)
        {
            self.too_much.push(id);
        }
        if self.too_much_count >= TOO_MUCH_STOPS_AT {
            self.say(now, CueKind::TooMuch, words::too_much_again(score), Sound::Alert);
            self.stop(StopReason::Pain, now);
            return;
        }
        match (item, self.phase.on_stretch() && self.about() == About::Current) {
            (Some(i), true) => {
                let alt = self.alternative(i).map(|c| c.stretch.name.clone());
                let next = match &alt {
                    Some(name) => TooMuchNext::Alternative(name),
                    None if i + 1 == self.items.len() => TooMuchNext::Finish,
                    None => TooMuchNext::MoveOn,
                };
                let holding = matches!(self.phase, Phase::Active { .. } | Phase::Rest { .. });
                let text = words::too_much(&self.plan.advice.too_much, score, holding, next);
                self.say(now, CueKind::TooMuch, text, Sound::Alert);
                if alt.is_none() || !self.substitute(i, now) {
                    self.close_item(i, now);
                    self.begin_item(i + 1, now);
                }
            }
            _ => {
                self.paused_at.get_or_insert(now);
                self.asking = Some(Ask::StopForPain);
                self.say(now, CueKind::AskStop, words::ask_stop(score), Sound::Alert);
            }
        }
    }

    fn say(&mut self, at: At, kind: CueKind, text: String, sound: Sound) {
        if let CueKind::Stopped { reason } = kind {
            match self.stop_advice.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, advice)) => advice.clone_from(&text),
                None => self.stop_advice.push((reason, text.clone())),
            }
        }
        // Room made first, so the queue never grows past what it keeps.
        self.forget_old_cues(KEPT_CUES - 1);
        self.said += 1;
        let keeps_pace = kind.keeps_pace();
        self.cues.push_back(Cue { seq: self.said, at, kind, text, sound, keeps_pace });
    }

    /// Drops drained cues beyond the latest `keep`.
    fn forget_old_cues(&mut self, keep: usize) {
        while self.cues.len() > keep && self.cues.front().is_some_and(|c| c.seq <= self.drained) {
            self.cues.pop_front();
        }
    }

    fn answer(&mut self, question: usize, yes: bool, now: At) {
        let Some(q) = self.plan.screening.get(question) else { return };
        let emergency = q.level == crate::screening::Level::Emergency && q.flags(yes);
        self.screening.answers.push((q.id.clone(), yes));
        if emergency {
            self.stop(StopReason::Emergency, now);
        } else if question + 1 < self.plan.screening.len() {
            self.enter(Phase::Screening { question: question + 1 }, now);
        } else if self.screening.clearance(&self.plan.screening) == Clearance::SeeClinician {
            // "No clinician has looked at it" already answers the confirmation: do not ask it.
            if self.said_unassessed() {
                self.stop(StopReason::SeeClinician, now);
            } else {
                self.enter(Phase::ConfirmAssessed, now);
            }
        } else {
            self.say(now, CueKind::Cleared, self.cleared_words(), Sound::None);
            self.after_screening(now);
        }
    }

    /// The confirmation a see-a-clinician answer asks for, naming the signs reported.
    fn ask_assessed(&self) -> String {
        words::ask_assessed(&self.plan.advice.see_clinician, &self.screening.flagged_signs(&self.plan.screening))
    }

    /// Whether an answer in the screening said no clinician has looked at this pain yet.
    fn said_unassessed(&self) -> bool {
        self.plan
            .screening
            .iter()
            .any(|q| q.about_assessment && self.screening.answer(&q.id).is_some_and(|yes| q.flags(yes)))
    }

    /// Whether an answer flags a sign worth a clinician's look (besides "not looked at yet").
    fn sign_flagged(&self) -> bool {
        self.plan.screening.iter().any(|q| {
            q.level == crate::Level::SeeClinician
                && !q.about_assessment
                && self.screening.answer(&q.id).is_some_and(|yes| q.flags(yes))
        })
    }

    /// Screening is clear: ask for the pain rating when the plan says so, then exercise.
    /// The `Cleared` cue's words for the answers given, on this plan's day.
    fn cleared_words(&self) -> String {
        words::cleared(self.screening.clinician_assessed, self.plan.rest_today)
    }

    fn after_screening(&mut self, at: At) {
        match self.plan.pain_before {
            PainPrompt::Ask => self.enter(Phase::PainBefore, at),
            PainPrompt::Given { score } if score > 5 && self.log.rules >= 2 => {
                // Given ahead, and too much: asked whether to stop before anything starts.
                self.pain_before = Some(score.min(10));
                self.enter(Phase::PainBefore, at);
                self.rated_before(score.min(10), at);
            }
            PainPrompt::Given { score } => {
                self.pain_before = Some(score.min(10));
                self.start_exercise(at);
            }
            PainPrompt::Skip => self.start_exercise(at),
        }
    }

    /// The rating before the routine. Above 5 (too much, as during a stretch) the person is
    /// asked whether to stop for today before anything starts; otherwise the routine begins.
    fn rated_before(&mut self, score: u8, at: At) {
        self.pain_before = Some(score);
        if score > 5 && self.log.rules >= 2 {
            self.asking = Some(Ask::StopForPain);
            self.say(at, CueKind::AskStop, words::high_before(score), Sound::Alert);
        } else {
            self.say(at, CueKind::Noted, words::pain_noted(score), Sound::None);
            self.asking = None;
            self.start_exercise(at);
        }
    }

    fn start_exercise(&mut self, at: At) {
        self.exercise_started = true;
        if self.plan.warm_up.is_some() {
            self.enter(Phase::WarmUp, at);
        } else {
            self.begin_item(0, at);
        }
    }

    fn begin_item(&mut self, item: usize, at: At) {
        let Some(it) = self.items.get(item) else {
            let hurt = self.too_much_count > 0;
            self.say(at, CueKind::Finished, words::finished(&self.plan.routine_name, hurt), Sound::End);
            self.end(None, at);
            return;
        };
        let (id, name) = (it.choice.stretch.id.clone(), it.choice.stretch.name.clone());
        if self.too_much.contains(&id) && !self.substitute(item, at) {
            self.say(at, CueKind::Skipped, words::left_out_today(&name), Sound::None);
            self.begin_item(item + 1, at);
            return;
        }
        if !matches!(self.phase, Phase::Prepare { item: i } if i == item) {
            self.enter(Phase::Prepare { item }, at);
        }
    }

    /// Settles the record of `item` as the person leaves it early: left for pain when it was
    /// rated above 5, whatever moved the session on.
    fn close_item(&mut self, item: usize, now: At) {
        self.bank_active_time(item, now);
        let rec = &mut self.items[item].record;
        rec.status = match rec.holds_done {
            n if n >= rec.holds_planned => ItemStatus::Done,
            _ if rec.max_pain.is_some_and(|pain| pain > 5) => ItemStatus::LeftForPain,
            0 => ItemStatus::Skipped,
            _ => ItemStatus::Partial,
        };
    }

    /// Adds the time spent so far in an active period that is being left early.
    fn bank_active_time(&mut self, item: usize, now: At) {
        if let Phase::Active { .. } = self.phase {
            let elapsed = self.paused_at.unwrap_or(now) - self.phase_start;
            self.items[item].record.active += elapsed;
        }
    }

    /// The next stand-in for `item` that was not rated too much in this session.
    fn alternative(&self, item: usize) -> Option<&Choice> {
        let it = &self.items[item];
        let alts = &self.plan.items[item].alternatives;
        let original = &self.plan.items[item].choice;
        // From rules 3, never a stretch another item of the session is doing: the session would
        // repeat it and its record would stand for two.
        let elsewhere = |c: &Choice| {
            self.log.rules >= 3
                && self.items.iter().enumerate().any(|(j, other)| j != item && other.choice.stretch.id == c.stretch.id)
        };
        let candidates: Vec<&Choice> = std::iter::once(original)
            .chain(alts)
            .filter(|c| c.stretch.id != it.choice.stretch.id && !self.too_much.contains(&c.stretch.id))
            .filter(|c| !elsewhere(c))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        candidates.get(it.next_alternative % candidates.len()).copied()
    }

    /// Swaps `item` for its next alternative; false when none fits.
    fn substitute(&mut self, item: usize, now: At) -> bool {
        let current = self.items[item].choice.stretch.clone();
        let Some(next) = self.alternative(item).cloned() else { return false };
        self.bank_active_time(item, now);
        let area = current.targets.iter().find(|a| next.stretch.targets.contains(a)).map_or("same area", |a| a.label());
        self.say(now, CueKind::Swapped, words::swapped(&current.name, &next.stretch.name, area), Sound::None);
        let it = &mut self.items[item];
        // The stretch swapped out keeps its own record when it was begun or felt, so its pain is
        // never put down to the one that replaces it; the replacement starts with none.
        let rec = &it.record;
        let active = rec.active.saturating_sub(it.active_before);
        let felt = rec.comfort.is_some() || rec.discomfort || rec.max_pain.is_some();
        if felt || rec.holds_done > 0 || !active.is_zero() {
            let gone = ItemRecord { active, status: ItemStatus::Swapped, ..rec.clone() };
            // Swapped back in and out again, a stretch keeps one record (so an item has at most
            // one per stretch that can stand in for it, however often swaps go round).
            match it.tried.iter_mut().find(|t| t.stretch == gone.stretch) {
                Some(t) => {
                    t.holds_done = t.holds_done.saturating_add(gone.holds_done).min(t.holds_planned);
                    t.sides_done.extend(gone.sides_done);
                    t.active += gone.active;
                    t.comfort = gone.comfort.or(t.comfort);
                    t.discomfort |= gone.discomfort;
                    t.max_pain = t.max_pain.max(gone.max_pain);
                }
                None => it.tried.push(gone),
            }
        }
        it.active_before = it.record.active;
        (it.record.comfort, it.record.discomfort, it.record.max_pain) = (None, false, None);
        let routine_stretch = it.record.instead_of.clone().unwrap_or_else(|| it.record.stretch.clone());
        it.next_alternative += 1;
        it.record.instead_of = (routine_stretch != next.stretch.id).then_some(routine_stretch);
        it.record.stretch = next.stretch.id.clone();
        it.record.seconds = next.seconds;
        it.record.holds_planned = next.holds();
        it.record.holds_done = 0;
        it.record.sides_done.clear();
        it.choice = next;
        self.enter(Phase::Prepare { item }, now);
        true
    }

    /// What a report made now is about (see [`About`]).
    fn about(&self) -> About {
        let Phase::Prepare { item } = self.phase else { return About::Current };
        if self.log.rules < 5 {
            return About::Current;
        }
        let current = &self.items[item].choice.stretch.id;
        match &self.last_stretched {
            // Back in the stretch held last (swapped back in): it is this one.
            Some((_, id)) if id == current => About::Current,
            // From rules 9, once its steps have begun the person is getting into this one, which
            // is the likelier cause than the one left a while ago (and the one said on screen).
            _ if self.step.is_some() && self.log.rules >= 9 => About::Current,
            // Just out of another (the one before, or one swapped out of this item).
            Some((at, id)) if at + 1 >= item => About::HeldLast(*at, id.clone()),
            // Getting into this one as its steps are read.
            _ if self.step.is_some() => About::Current,
            _ => About::Nothing,
        }
    }

    /// The stretch a rating or discomfort reported now is about ([`Session::about`]).
    fn felt_stretch(&self) -> Option<StretchId> {
        match self.about() {
            About::Current => self.phase.item().map(|i| self.items[i].choice.stretch.id.clone()),
            About::HeldLast(_, id) => Some(id),
            About::Nothing => None,
        }
    }

    /// The record [`Session::felt_stretch`] is kept in: its item's, or the one its item keeps
    /// for it once swapped out.
    fn felt_record(&mut self) -> Option<&mut ItemRecord> {
        match self.about() {
            About::Current => {
                let i = self.phase.item()?;
                Some(&mut self.items[i].record)
            }
            About::HeldLast(at, id) => {
                let it = self.items.get_mut(at)?;
                if it.record.stretch == id {
                    Some(&mut it.record)
                } else {
                    it.tried.iter_mut().find(|t| t.stretch == id)
                }
            }
            About::Nothing => None,
        }
    }

    /// The stretch item `i` was last held as: its current one once begun, else one swapped out
    /// of it after it was held; `None` when none was held.
    fn held_in(&self, i: usize) -> Option<StretchId> {
        let it = self.items.get(i)?;
        if it.record.active > it.active_before || it.record.holds_done > 0 {
            return Some(it.choice.stretch.id.clone());
        }
        it.tried.iter().rev().find(|t| !t.active.is_zero()).map(|t| t.stretch.clone())
    }

    /// The stretch a sharp-pain press was about (see [`Session::hurt_item`] for rules before 5).
    /// From rules 5: the one held in the item it names (`during`) when that is not the one under
    /// way; else at the rating after the routine the stretch held last; else as
    /// [`Session::about`] says.
    fn hurt_stretch(&self, during: Option<u16>) -> Option<StretchId> {
        if self.log.rules < 5 {
            return self.hurt_item(during).map(|i| self.items[i].choice.stretch.id.clone());
        }
        let current = self.phase.item();
        let named = during.and_then(|n| usize::from(n).checked_sub(1)).filter(|&i| Some(i) != current);
        if let Some(held) = named.and_then(|i| self.held_in(i)) {
            return Some(held);
        }
        match self.phase {
            Phase::PainAfter => self.last_stretched.as_ref().map(|(_, id)| id.clone()),
            _ => self.felt_stretch(),
        }
    }

    /// Under rules before 5, the item a sharp-pain press was about: the one it names (`during`, numbered from 1)
    /// when it is under way or was stretched, since a front end behind the session saw that one;
    /// otherwise the one under way; at the rating after the routine, the last one stretched.
    fn hurt_item(&self, during: Option<u16>) -> Option<usize> {
        let current = self.phase.item();
        // A stretch named must be the one under way or one stretched (not one skipped unseen).
        let named = during
            .and_then(|n| usize::from(n).checked_sub(1))
            .filter(|&i| i < self.items.len() && (Some(i) == current || !self.items[i].record.active.is_zero()));
        // At the rating after the last stretch: the pain came from the stretching just done.
        let last_done = || {
            (self.phase == Phase::PainAfter)
                .then(|| self.items.iter().rposition(|i| !i.record.active.is_zero()))
                .flatten()
        };
        // From rules 3, while the next stretch is only being introduced (not stretched yet), the
        // pain came from the one just stretched, which is set aside rather than one never done.
        let just_done = || match self.phase {
            Phase::Prepare { item } if self.log.rules >= 3 && self.items[item].record.active.is_zero() => {
                self.items[..item].iter().rposition(|i| !i.record.active.is_zero())
            }
            _ => None,
        };
        named.or_else(just_done).or(current).or_else(last_done)
    }

    /// Stops the session early for `reason`, saying why at once.
    fn stop(&mut self, reason: StopReason, now: At) {
        if let Some(item) = self.phase.item() {
            self.close_item(item, now);
            // Stopped before it was stretched at all (while it was introduced): not reached,
            // rather than skipped, which the person did not do.
            // (The time of stretches swapped out of the item before does not count.)
            // Sharp pain in this very stretch (not one put down to the stretch before it) leaves
            // it for pain; a rating above 5 in it did already ([`Self::close_item`]).
            let sharp_here =
                reason == StopReason::SharpPain && self.flagged.as_ref() == Some(&self.items[item].choice.stretch.id);
            // From rules 9, that holds even before its first hold had run a moment (getting into
            // it, or at the hold's first instant): the stretch set aside for the pain is not one
            // "not reached".
            let sharp_unbegun = sharp_here && self.log.rules >= 9;
            let it = &mut self.items[item];
            let begun = it.record.active != it.active_before || it.record.holds_done > 0;
            match it.record.status {
                ItemStatus::Skipped | ItemStatus::LeftForPain if sharp_unbegun && !begun => {
                    it.record.status = ItemStatus::LeftForPain;
                }
                ItemStatus::Skipped | ItemStatus::LeftForPain if !begun => it.record.status = ItemStatus::NotReached,
                ItemStatus::Skipped | ItemStatus::Partial if sharp_here => it.record.status = ItemStatus::LeftForPain,
                _ => {}
            }
        }
        let (text, sound) = self.stop_words(reason);
        self.say(now, CueKind::Stopped { reason }, text, sound);
        self.end(Some(reason), now);
    }

    /// What a stop for `reason` says, and how it sounds.
    fn stop_words(&self, reason: StopReason) -> (String, Sound) {
        let advice = &self.plan.advice;
        match reason {
            StopReason::Emergency => (advice.emergency.clone(), Sound::Alert),
            // Only that no clinician has looked at the pain yet: not called a worrying answer.
            StopReason::SeeClinician if self.said_unassessed() && !self.sign_flagged() => {
                (words::only_not_yet_assessed(), Sound::Alert)
            }
            StopReason::SeeClinician if self.said_unassessed() => {
                (words::not_yet_assessed(&advice.see_clinician), Sound::Alert)
            }
            StopReason::SeeClinician => (advice.see_clinician.clone(), Sound::Alert),
            StopReason::SharpPain => {
                // The stretch set aside may be one swapped out since: looked up in the whole plan.
                let flagged = self.flagged.as_ref().and_then(|id| self.stretch_name(id));
                let text = match &advice.sharp_pain_before {
                    Some(before) if !self.exercise_started => before,
                    _ => &advice.sharp_pain,
                };
                (words::sharp_pain(text, flagged.as_deref()), Sound::Alert)
            }
            StopReason::Pain => (words::stopped_for_pain(self.exercise_started), Sound::Alert),
            StopReason::Aborted => (words::aborted(self.exercise_started), Sound::None),
        }
    }

    /// The exercise is over (finished, or stopped for `outcome`): ask for the pain rating
    /// after when the plan says so, else conclude.
    fn end(&mut self, outcome: Option<StopReason>, at: At) {
        self.outcome = outcome;
        self.paused_at = None;
        self.asking = None;
        let rate = self.exercise_started && outcome != Some(StopReason::Emergency) && self.phase != Phase::PainAfter;
        match self.plan.pain_after {
            PainPrompt::Ask if rate => self.enter(Phase::PainAfter, at),
            PainPrompt::Given { score } if rate => {
                // From rules 5, a rating given ahead describes a session that ran its course,
                // not one stopped for pain; from rules 8, not one ended before anything was
                // stretched.
                let for_pain = matches!(outcome, Some(StopReason::SharpPain | StopReason::Pain));
                let nothing_stretched =
                    self.items.iter().all(|i| i.record.holds_done == 0 && i.record.active.is_zero());
                if (self.log.rules < 5 || !for_pain) && (self.log.rules < 8 || !nothing_stretched) {
                    self.rated_after(score.min(10), at, false);
                }
                self.conclude(at);
            }
            _ => self.conclude(at),
        }
    }

    /// The rating after the routine. Worse than before by a meaningful change (2 points), or
    /// above 5, it comes with the advice to rest and to see a clinician if the pain does not
    /// settle; a plain rating is acknowledged only when it was just `asked`.
    fn rated_after(&mut self, score: u8, at: At, asked: bool) {
        self.pain_after = Some(score);
        match record::after_advice(self.pain_before, score) {
            Some(text) => self.say(at, CueKind::Noted, text, Sound::Alert),
            None if asked => self.say(at, CueKind::Noted, words::pain_noted(score), Sound::None),
            None => {}
        }
    }

    /// Enters the final phase for the outcome decided at the end of the exercise.
    fn conclude(&mut self, at: At) {
        self.paused_at = None;
        self.asking = None;
        self.ended = Some(at);
        let phase = match self.outcome {
            Some(reason) => Phase::Stopped { reason },
            None => Phase::Finished,
        };
        self.enter(phase, at);
    }

    /// Processes the one deadline due at `due`: the next mark, or the end of the phase.
    fn fire(&mut self, due: At) {
        if let Some(&(off, mark)) = self.marks.get(self.next_mark)
            && self.phase_start + off <= due
        {
            self.next_mark += 1;
            self.mark(mark, due);
            return;
        }
        self.end_phase(due);
    }

    fn mark(&mut self, mark: Mark, at: At) {
        let item = self.phase.item().map(|i| &self.items[i]);
        match mark {
            Mark::Step(n) => {
                let Some(item) = item else { return };
                let Some(step) = item.choice.step(n) else { return };
                let text = words::step(n + 1, &step);
                let of = item.choice.stretch.steps.len();
                self.step = Some(n);
                self.say(at, CueKind::Step { number: n + 1, of }, text, Sound::None);
            }
            Mark::Caution(n) => {
                let Some(item) = item else { return };
                let text = words::caution(&item.choice.stretch.cautions[n]);
                self.say(at, CueKind::Caution, text, Sound::None);
            }
            Mark::WaitPrompt => self.say(at, CueKind::WaitingForStart, words::waiting_for_start(), Sound::None),
            Mark::Count(n) => self.say(at, CueKind::Countdown { n }, words::count(n), Sound::Tick),
            Mark::Halfway => {
                let text = match self.phase {
                    Phase::WarmUp => words::warm_up_halfway(),
                    Phase::Active { hold, .. } => words::halfway(&self.plan.advice.breathe, hold == 0),
                    _ => words::halfway(&self.plan.advice.breathe, true),
                };
                self.say(at, CueKind::Halfway, text, Sound::Halfway);
            }
            Mark::Flow { index, cycle } => {
                let Some(item) = item else { return };
                if let Dose::Flow { positions, .. } = &item.choice.stretch.dose {
                    let p = &positions[index];
                    let text = words::flow_position(&p.name, &p.cue, cycle);
                    self.say(at, CueKind::FlowPosition { cycle }, text, Sound::Tick);
                }
            }
        }
    }

    fn end_phase(&mut self, at: At) {
        match self.phase {
            Phase::WarmUp => {
                self.warmed_up = true;
                self.say(at, CueKind::Release, words::warm_up_done(), Sound::End);
                self.begin_item(0, at);
            }
            Phase::Prepare { item } => self.enter(Phase::GetReady { item }, at),
            Phase::GetReady { item } => {
                let hold = self.items[item].record.holds_done;
                self.enter(Phase::Active { item, hold }, at);
            }
            Phase::Active { item, hold } => {
                let it = &mut self.items[item];
                if let Some(side) = it.choice.stretch.dose.side_of(hold) {
                    it.record.sides_done.push(side);
                }
                it.record.holds_done += 1;
                it.record.active += it.choice.active_time();
                let holds = it.choice.holds();
                let text = words::release(
                    &it.choice.stretch.dose,
                    hold + 1 >= holds,
                    holds,
                    it.choice.stretch.between_holds_after(hold),
                    it.choice.stretch.coming_out.as_deref(),
                );
                self.say(at, CueKind::Release, text, Sound::End);
                if hold + 1 < holds {
                    self.enter(Phase::Rest { item, next_hold: hold + 1 }, at);
                } else {
                    self.items[item].record.status = ItemStatus::Done;
                    self.enter(Phase::CheckIn { item }, at);
                }
            }
            Phase::Rest { item, next_hold } => self.enter(Phase::Active { item, hold: next_hold }, at),
            Phase::CheckIn { item } => self.begin_item(item + 1, at),
            Phase::Screening { .. }
            | Phase::ConfirmAssessed
            | Phase::PainBefore
            | Phase::PainAfter
            | Phase::Finished
            | Phase::Stopped { .. } => {}
        }
    }

    /// Enters `phase` at `at`: sets its clock and marks, and says what it says on entry. A
    /// phase entered while paused starts paused: its clock runs from the resume, not before.
    fn enter(&mut self, phase: Phase, at: At) {
        self.phase = phase;
        self.phase_start = at;
        self.phase_len = None;
        self.marks.clear();
        self.next_mark = 0;
        self.step = None;
        if self.paused_at.is_some() {
            self.paused_at = Some(at);
        }
        let timing = self.plan.timing;
        match phase {
            Phase::Screening { question } => {
                let of = self.plan.screening.len();
                if let Some(q) = self.plan.screening.get(question) {
                    let text = words::question(&q.question, question + 1, of, self.turned(question));
                    self.say(at, CueKind::Question { number: question + 1, of }, text, Sound::None);
                }
            }
            Phase::ConfirmAssessed => {
                let text = self.ask_assessed();
                self.say(at, CueKind::AskAssessed, text, Sound::Alert);
            }
            // Not when the rating was given ahead: it is not asked again.
            Phase::PainBefore if self.pain_before.is_none() => {
                self.say(at, CueKind::AskPain, words::pain_before_question(), Sound::None);
            }
            Phase::PainBefore => {}
            Phase::PainAfter => {
                self.say(at, CueKind::AskPain, words::pain_after_question(), Sound::None);
            }
            Phase::WarmUp => {
                let Some(w) = self.plan.warm_up.clone() else { return };
                let len = secs(w.seconds);
                self.phase_len = Some(len);
                self.marks = work_marks(len);
                self.say(at, CueKind::WarmUp, words::warm_up(&w), Sound::Start);
            }
            Phase::Prepare { item } => {
                let of = self.items.len();
                let text = words::next_up(&self.items[item].choice, item + 1, of);
                self.say(at, CueKind::NextUp { number: item + 1, of }, text, Sound::None);
                let stretch = &self.items[item].choice.stretch;
                let order = match self.log.rules {
                    ..6 => crate::Reading::StepsFirst,
                    _ => crate::Reading::CautionsFirst,
                };
                let prep = timing.prepare(stretch, order);
                self.marks = prep.steps.iter().enumerate().map(|(n, off)| (*off, Mark::Step(n))).collect();
                self.marks.extend(prep.cautions.iter().enumerate().map(|(n, off)| (*off, Mark::Caution(n))));
                self.marks.sort_by_key(|(off, _)| *off);
                if self.plan.wait_for_start {
                    self.marks.push((prep.total, Mark::WaitPrompt));
                } else {
                    self.phase_len = Some(prep.total);
                }
            }
            Phase::GetReady { .. } => {
                let n = timing.get_ready;
                self.phase_len = Some(secs(n));
                self.marks = (1..n).map(|k| (secs(k), Mark::Count(n - k))).collect();
                if n > 0 {
                    self.say(at, CueKind::Countdown { n }, words::get_ready(n), Sound::Tick);
                }
            }
            Phase::Active { item, hold } => {
                let choice = &self.items[item].choice;
                if self.last_stretched.as_ref().is_none_or(|(i, id)| (*i, id) != (item, &choice.stretch.id)) {
                    self.last_stretched = Some((item, choice.stretch.id.clone()));
                }
                let len = choice.active_time();
                let reps = choice.stretch.dose.repetitions();
                let side = choice.stretch.dose.side_of(hold);
                let repetition = choice.stretch.dose.repetition_of(hold);
                let text = words::begin(choice, side, repetition, reps);
                self.marks = match &choice.stretch.dose {
                    Dose::Flow { positions, cycles, .. } => {
                        flow_marks(len, choice.seconds, positions.len(), cycles.get(), self.log.rules)
                    }
                    _ => work_marks(len),
                };
                self.phase_len = Some(len);
                self.say(at, CueKind::Begin { side, repetition }, text, Sound::Start);
            }
            Phase::Rest { item, next_hold } => {
                let choice = &self.items[item].choice;
                let dose = &choice.stretch.dose;
                let (before, after) = (dose.side_of(next_hold - 1), dose.side_of(next_hold));
                let (kind, text) = match after {
                    Some(side) if after != before => {
                        let how = choice.stretch.other_side.as_deref().filter(|_| side == Side::Left);
                        (CueKind::SwitchSides { to: side }, words::switch_sides(side, how))
                    }
                    _ => (CueKind::Rest, words::rest(dose.repetition_of(next_hold), dose.repetitions())),
                };
                let len = timing.rest_under(&choice.stretch, next_hold - 1, self.log.rules);
                self.phase_len = Some(secs(len));
                self.marks = (1..=timing.get_ready.min(len.saturating_sub(1)))
                    .rev()
                    .map(|k| (secs(len - k), Mark::Count(k)))
                    .collect();
                self.say(at, kind, text, Sound::None);
            }
            Phase::CheckIn { item } => {
                self.phase_len = Some(secs(timing.check_in_after(&self.items[item].choice.stretch)));
                let text = words::check_in(&self.items[item].choice.stretch.name);
                self.say(at, CueKind::CheckIn, text, Sound::None);
            }
            Phase::Finished | Phase::Stopped { .. } => {}
        }
    }
}

/// Marks for a hold, timed work or warm-up of `len`: halfway, then 3-2-1.
fn work_marks(len: Duration) -> Vec<(Duration, Mark)> {
    let mut marks = Vec::new();
    if len >= secs(10) {
        marks.push((len / 2, Mark::Halfway));
    }
    for k in (1..=3u32).rev() {
        if len > secs(k) {
            marks.push((len - secs(k), Mark::Count(k)));
        }
    }
    marks
}

/// Marks for a flow: each new position after the first, then 3-2-1 at the end; from rules 10,
/// counted within the last position only: a number said at the moment of a position would run
/// into its words (2 seconds a position put "2" on the last one).
fn flow_marks(len: Duration, each: u32, positions: usize, cycles: u32, rules: u32) -> Vec<(Duration, Mark)> {
    let mut marks = Vec::new();
    let (mut t, mut last) = (0u32, Duration::ZERO);
    for cycle in 1..=cycles {
        for index in 0..positions {
            if t > 0 {
                last = secs(t);
                marks.push((last, Mark::Flow { index, cycle }));
            }
            t = t.saturating_add(each);
        }
    }
    for k in (1..=3u32).rev() {
        if len > secs(k) && (rules < 10 || len - secs(k) > last) {
            marks.push((len - secs(k), Mark::Count(k)));
        }
    }
    marks.sort_by_key(|(off, _)| *off);
    marks
}
