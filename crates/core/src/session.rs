//! The session state machine: events and time in, phases and cues out. Pure and deterministic.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cue::{Cue, CueKind, Sound, StopReason};
use crate::plan::{Choice, Plan};
use crate::screening::{Clearance, Level, ScreeningRecord};
use crate::stretch::{Dose, Side, StretchId};
use crate::time::{At, secs};
use crate::words::{self, TooMuchNext};

/// Where a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Asking screening question `question` (from 0).
    Screening {
        /// Index into the plan's screening questions.
        question: usize,
    },
    /// Screening flagged something; asking whether a clinician has assessed this pain.
    ConfirmAssessed,
    /// Warming up.
    WarmUp,
    /// Introducing stretch `item` and reading its steps.
    Prepare {
        /// Index into the plan's items.
        item: usize,
    },
    /// Counting down to the first hold.
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
    /// Every stretch is done.
    Finished,
    /// Stopped before the end.
    Stopped(StopReason),
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
        matches!(self, Phase::Finished | Phase::Stopped(_))
    }
}

/// What the person reports about how they feel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Report {
    /// Tightness or mild discomfort: fine, but noted; an alternative is offered.
    Discomfort,
    /// Sharp or intense pain: the session stops at once.
    SharpPain,
    /// Chest pain or breathlessness: emergency advice.
    ChestPainOrBreathless,
    /// A pain rating from 0 to 10; above 5 stops the stretch.
    Pain(u8),
}

/// How a stretch felt, answered at its check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comfort {
    /// A gentle pull, no more.
    Comfortable,
    /// Noticeable discomfort.
    Discomfort,
}

/// When a 0–10 pain rating was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PainMoment {
    /// Before the session.
    Before,
    /// After the session.
    After,
}

/// Everything a person (through a front end) can tell a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// Answers the current screening question.
    Answer(bool),
    /// Answers whether a clinician has assessed this pain.
    ConfirmAssessed(bool),
    /// Ready: start the stretch being prepared.
    Start,
    /// Stop the clock.
    Pause,
    /// Start the clock again.
    Resume,
    /// Move on past the warm-up or the current stretch.
    Skip,
    /// Swap the current stretch for an alternative that reaches the same area.
    Substitute,
    /// Report how it feels.
    Report(Report),
    /// Answer the check-in.
    CheckIn(Comfort),
    /// A 0–10 pain rating before or after the session.
    RatePain(PainMoment, u8),
    /// End the session, keeping what was done.
    Abort,
}

/// Why an event was refused; the session is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Rejected {
    /// The session is over.
    #[error("the session is over")]
    Over,
    /// The session is paused; resume first.
    #[error("the session is paused; resume first")]
    Paused,
    /// Resume was asked but nothing is paused.
    #[error("the session is not paused")]
    NotPaused,
    /// The event does not apply to the current phase.
    #[error("{event} does not apply now ({phase})")]
    NotNow {
        /// The event, in words.
        event: String,
        /// The phase, in words.
        phase: String,
    },
    /// No alternative fits this person for the current stretch.
    #[error("no alternative that fits reaches the same area as {0}")]
    NoAlternative(String),
    /// A pain rating outside 0–10.
    #[error("a pain rating is from 0 to 10, not {0}")]
    BadScore(u8),
}

/// What became of one stretch of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemStatus {
    /// Every active period was done.
    Done,
    /// Some active periods were done before moving on.
    Partial,
    /// Skipped before any active period was done.
    Skipped,
    /// The session ended before reaching it.
    NotReached,
}

/// What happened to one stretch of the plan during the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// The stretch done (after any swap).
    pub stretch: StretchId,
    /// The stretch the routine named, when a different one was done.
    pub instead_of: Option<StretchId>,
    /// Seconds per active period.
    pub seconds: u32,
    /// Active periods completed.
    pub holds_done: u32,
    /// The side of each completed hold, in order, for stretches done on each side.
    #[serde(default)]
    pub sides_done: Vec<Side>,
    /// Active periods planned.
    pub holds_planned: u32,
    /// Time spent in active periods.
    #[serde(with = "millis")]
    pub active: Duration,
    /// The check-in answer, if given.
    pub comfort: Option<Comfort>,
    /// Discomfort was reported during the stretch.
    pub discomfort: bool,
    /// The highest pain rating given during the stretch.
    pub max_pain: Option<u8>,
    /// What became of it.
    pub status: ItemStatus,
}

/// A session's outcome, once finished or stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Time spent stretching, in total.
    #[serde(with = "millis")]
    pub active: Duration,
}

/// A snapshot of a session for any front end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The phase.
    pub phase: Phase,
    /// Whether the clock is stopped.
    pub paused: bool,
    /// The screening question being asked.
    pub question: Option<String>,
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
    /// The side being worked.
    pub side: Option<Side>,
    /// Repetition on this side, from 1, and repetitions per side.
    pub repetition: Option<(u32, u32)>,
    /// Length of the current timed phase, in milliseconds.
    pub phase_ms: Option<u64>,
    /// Time left in the current timed phase, in milliseconds.
    pub remaining_ms: Option<u64>,
    /// What the person can do now.
    pub allowed: Vec<String>,
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

/// A timed moment inside a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Mark {
    Step(usize),
    WaitPrompt,
    Count(u32),
    Halfway,
    Flow { index: usize, cycle: u32 },
}

/// One item's live state: the record plus the choice being done and the next alternative to offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Item {
    choice: Choice,
    record: ItemRecord,
    next_alternative: usize,
}

/// A guided session over one plan. Drive it with [`Session::handle`] and [`Session::advance`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    plan: Plan,
    phase: Phase,
    now: At,
    phase_start: At,
    phase_len: Option<Duration>,
    marks: Vec<(Duration, Mark)>,
    next_mark: usize,
    paused_at: Option<At>,
    items: Vec<Item>,
    screening: ScreeningRecord,
    exercise_started: bool,
    warmed_up: bool,
    pain_before: Option<u8>,
    pain_after: Option<u8>,
    flagged: Option<StretchId>,
    started: At,
    ended: Option<At>,
    cues: Vec<Cue>,
}

impl Session {
    /// Starts a session over `plan` at `at`. Screening is asked unless `screening` is a clear
    /// record covering every question of the plan.
    pub fn new(plan: Plan, screening: Option<&ScreeningRecord>, at: At) -> Session {
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
            paused_at: None,
            items,
            screening: screening.filter(|_| cleared).cloned().unwrap_or_default(),
            exercise_started: false,
            warmed_up: false,
            pain_before: None,
            pain_after: None,
            flagged: None,
            started: at,
            ended: None,
            cues: Vec::new(),
        };
        if cleared {
            session.start_exercise(at);
        } else {
            session.enter(Phase::Screening { question: 0 }, at);
        }
        session
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

    /// The latest time the session has seen.
    pub fn now(&self) -> At {
        self.now
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
    /// A time earlier than one already seen is treated as that time.
    pub fn advance(&mut self, at: At) {
        self.now = self.now.max(at);
        while let Some(due) = self.next_deadline() {
            if due > self.now {
                break;
            }
            self.fire(due);
        }
    }

    /// Takes the cues produced since the last call, in order.
    pub fn drain_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.cues)
    }

    /// Applies `event` at `at`, after processing every deadline up to `at`.
    pub fn handle(&mut self, event: Event, at: At) -> Result<(), Rejected> {
        self.advance(at);
        let now = self.now;
        if let Event::RatePain(moment, score) = event {
            if score > 10 {
                return Err(Rejected::BadScore(score));
            }
            match moment {
                PainMoment::Before => self.pain_before = Some(score),
                PainMoment::After => self.pain_after = Some(score),
            }
            return Ok(());
        }
        if let Event::Report(Report::Pain(score)) = event
            && score > 10
        {
            return Err(Rejected::BadScore(score));
        }
        if self.phase.is_over() {
            return Err(Rejected::Over);
        }
        if self.paused_at.is_some() && !matches!(event, Event::Resume | Event::Report(_) | Event::Abort | Event::Pause)
        {
            return Err(Rejected::Paused);
        }
        match (event, self.phase) {
            (Event::Answer(yes), Phase::Screening { question }) => self.answer(question, yes, now),
            (Event::ConfirmAssessed(yes), Phase::ConfirmAssessed) => {
                if yes {
                    self.screening.clinician_assessed = true;
                    self.say(now, CueKind::Cleared, words::cleared(), Sound::None);
                    self.start_exercise(now);
                } else {
                    self.stop(StopReason::SeeClinician, now);
                }
            }
            (Event::Start, Phase::Prepare { item }) => self.enter(Phase::GetReady { item }, now),
            (Event::Pause, Phase::Screening { .. } | Phase::ConfirmAssessed) => return Err(self.not_now(event)),
            (Event::Pause, _) => {
                if self.paused_at.is_some() {
                    return Err(self.not_now(event));
                }
                self.paused_at = Some(now);
                self.say(now, CueKind::Paused, words::paused(), Sound::None);
            }
            (Event::Resume, _) => {
                let paused_at = self.paused_at.take().ok_or(Rejected::NotPaused)?;
                self.phase_start = self.phase_start + (now - paused_at);
                let left = self.phase_len.map(|len| (self.phase_start + len - now).as_millis().div_ceil(1000) as u64);
                self.say(now, CueKind::Resumed, words::resumed(left), Sound::None);
            }
            (Event::Skip, Phase::WarmUp) => {
                self.say(now, CueKind::Skipped, words::skipped("the warm-up"), Sound::None);
                self.begin_item(0, now);
            }
            (Event::Skip, Phase::CheckIn { item }) => self.begin_item(item + 1, now),
            (
                Event::Skip,
                Phase::Prepare { item }
                | Phase::GetReady { item }
                | Phase::Active { item, .. }
                | Phase::Rest { item, .. },
            ) => {
                self.close_item(item, now);
                let name = self.items[item].choice.stretch.name.clone();
                self.say(now, CueKind::Skipped, words::skipped(&name), Sound::None);
                self.begin_item(item + 1, now);
            }
            (
                Event::Substitute,
                Phase::Prepare { item }
                | Phase::GetReady { item }
                | Phase::Active { item, .. }
                | Phase::Rest { item, .. },
            ) => {
                self.substitute(item, now)?;
            }
            (Event::Report(report), _) => self.report(report, now),
            (Event::CheckIn(comfort), Phase::CheckIn { item }) => {
                self.items[item].record.comfort = Some(comfort);
                self.begin_item(item + 1, now);
            }
            (Event::Abort, _) => self.stop(StopReason::Aborted, now),
            _ => return Err(self.not_now(event)),
        }
        Ok(())
    }

    /// A serializable snapshot of where the session is.
    pub fn view(&self) -> SessionView {
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
        let until = self.paused_at.unwrap_or(self.now);
        let remaining = self.phase_len.map(|len| len.saturating_sub(until - self.phase_start));
        SessionView {
            phase: self.phase,
            paused: self.paused_at.is_some(),
            question: match self.phase {
                Phase::Screening { question } => self.plan.screening.get(question).map(|q| q.question.clone()),
                _ => None,
            },
            number: self.phase.item().map(|i| i + 1),
            of: self.items.len(),
            stretch: item.map(|i| i.choice.stretch.id.clone()),
            name: item.map(|i| i.choice.stretch.name.clone()),
            steps: item.map(|i| i.choice.stretch.steps.clone()).unwrap_or_default(),
            side,
            repetition,
            phase_ms: self.phase_len.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            remaining_ms: remaining.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            allowed: self.allowed().into_iter().map(str::to_owned).collect(),
        }
    }

    /// What happened, once the session is finished or stopped.
    pub fn summary(&self) -> Option<Summary> {
        let ended = self.ended?;
        let items: Vec<ItemRecord> = self.items.iter().map(|i| i.record.clone()).collect();
        Some(Summary {
            routine: self.plan.routine.0.clone(),
            stopped: match self.phase {
                Phase::Stopped(reason) => Some(reason),
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
        })
    }

    fn allowed(&self) -> Vec<&'static str> {
        if self.phase.is_over() {
            return vec!["rate-pain"];
        }
        if self.paused_at.is_some() {
            return vec!["resume", "report", "abort"];
        }
        let mut out = match self.phase {
            Phase::Screening { .. } => vec!["answer"],
            Phase::ConfirmAssessed => vec!["confirm-assessed"],
            Phase::WarmUp => vec!["pause", "skip"],
            Phase::Prepare { .. } => vec!["start", "pause", "skip", "substitute"],
            Phase::GetReady { .. } | Phase::Active { .. } | Phase::Rest { .. } => vec!["pause", "skip", "substitute"],
            Phase::CheckIn { .. } => vec!["check-in", "pause", "skip"],
            Phase::Finished | Phase::Stopped(_) => vec![],
        };
        out.extend(["report", "abort"]);
        out
    }

    fn not_now(&self, event: Event) -> Rejected {
        Rejected::NotNow { event: format!("{event:?}"), phase: format!("{:?}", self.phase) }
    }

    fn say(&mut self, at: At, kind: CueKind, text: String, sound: Sound) {
        self.cues.push(Cue { at, kind, text, sound });
    }

    fn answer(&mut self, question: usize, yes: bool, now: At) {
        let Some(q) = self.plan.screening.get(question) else { return };
        let level = q.level;
        self.screening.answers.push((q.id.clone(), yes));
        if self.plan.screening[question].flags(yes) && level == Level::Emergency {
            self.stop(StopReason::Emergency, now);
        } else if question + 1 < self.plan.screening.len() {
            self.enter(Phase::Screening { question: question + 1 }, now);
        } else if self.screening.clearance(&self.plan.screening) == Clearance::SeeClinician {
            self.enter(Phase::ConfirmAssessed, now);
        } else {
            self.say(now, CueKind::Cleared, words::cleared(), Sound::None);
            self.start_exercise(now);
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
        if item < self.items.len() {
            self.enter(Phase::Prepare { item }, at);
        } else {
            self.ended = Some(at);
            self.enter(Phase::Finished, at);
        }
    }

    /// Settles the record of `item` as the person leaves it early.
    fn close_item(&mut self, item: usize, now: At) {
        self.bank_active_time(item, now);
        let rec = &mut self.items[item].record;
        rec.status = match rec.holds_done {
            0 => ItemStatus::Skipped,
            n if n >= rec.holds_planned => ItemStatus::Done,
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

    fn alternative(&self, item: usize) -> Option<&Choice> {
        let it = &self.items[item];
        let alts = &self.plan.items[item].alternatives;
        let original = &self.plan.items[item].choice;
        let candidates: Vec<&Choice> =
            std::iter::once(original).chain(alts).filter(|c| c.stretch.id != it.choice.stretch.id).collect();
        if candidates.is_empty() {
            return None;
        }
        candidates.get(it.next_alternative % candidates.len()).copied()
    }

    fn substitute(&mut self, item: usize, now: At) -> Result<(), Rejected> {
        let current = self.items[item].choice.stretch.clone();
        let next = self.alternative(item).cloned().ok_or_else(|| Rejected::NoAlternative(current.name.clone()))?;
        self.bank_active_time(item, now);
        let area = current.targets.iter().find(|a| next.stretch.targets.contains(a)).map_or("same area", |a| a.label());
        self.say(now, CueKind::Swapped, words::swapped(&current.name, &next.stretch.name, area), Sound::None);
        let it = &mut self.items[item];
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
        Ok(())
    }

    fn report(&mut self, report: Report, now: At) {
        let item = self.phase.item();
        match report {
            Report::SharpPain => {
                self.flagged = item.map(|i| self.items[i].choice.stretch.id.clone());
                self.stop(StopReason::SharpPain, now);
            }
            Report::ChestPainOrBreathless => self.stop(StopReason::Emergency, now),
            Report::Discomfort => {
                if let Some(i) = item {
                    self.items[i].record.discomfort = true;
                }
                let alt = item.and_then(|i| self.alternative(i)).map(|c| c.stretch.name.clone());
                let text = words::discomfort(&self.plan.advice.discomfort, alt.as_deref());
                self.say(now, CueKind::Discomfort, text, Sound::None);
            }
            Report::Pain(score) => {
                if let Some(i) = item {
                    let rec = &mut self.items[i].record;
                    rec.max_pain = Some(rec.max_pain.map_or(score, |m| m.max(score)));
                    rec.discomfort |= score > 0;
                }
                if score <= 5 {
                    let text = words::discomfort(&self.plan.advice.discomfort, None);
                    self.say(now, CueKind::Discomfort, text, Sound::None);
                    return;
                }
                let movable = item.filter(|_| !matches!(self.phase, Phase::CheckIn { .. }));
                let alt = movable.and_then(|i| self.alternative(i)).map(|c| c.stretch.name.clone());
                let next = match (&alt, movable) {
                    (Some(name), _) => TooMuchNext::Alternative(name),
                    (None, Some(_)) => TooMuchNext::MoveOn,
                    (None, None) => TooMuchNext::Nothing,
                };
                let text = words::too_much(&self.plan.advice.too_much, score, next);
                self.say(now, CueKind::TooMuch, text, Sound::Alert);
                if let Some(i) = movable {
                    if alt.is_some() {
                        // An alternative exists, so substitution cannot fail.
                        let _ = self.substitute(i, now);
                    } else {
                        self.close_item(i, now);
                        self.begin_item(i + 1, now);
                    }
                }
            }
        }
    }

    fn stop(&mut self, reason: StopReason, now: At) {
        if let Some(item) = self.phase.item() {
            self.close_item(item, now);
        }
        self.paused_at = None;
        self.ended = Some(now);
        self.enter(Phase::Stopped(reason), now);
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
                let steps = &item.choice.stretch.steps;
                let text = words::step(n + 1, &steps[n]);
                let of = steps.len();
                self.say(at, CueKind::Step { number: n + 1, of }, text, Sound::None);
            }
            Mark::WaitPrompt => self.say(at, CueKind::WaitingForStart, words::waiting_for_start(), Sound::None),
            Mark::Count(n) => self.say(at, CueKind::Countdown(n), words::count(n), Sound::Tick),
            Mark::Halfway => {
                let text = words::halfway(&self.plan.advice.breathe);
                self.say(at, CueKind::Halfway, text, Sound::Halfway);
            }
            Mark::Flow { index, cycle } => {
                let Some(item) = item else { return };
                if let Dose::Flow { positions, .. } = &item.choice.stretch.dose {
                    let p = &positions[index];
                    let text = words::flow_position(&p.name, &p.cue);
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
                let name = it.choice.stretch.name.clone();
                self.say(at, CueKind::Release, words::release(&name), Sound::End);
                if hold + 1 < holds {
                    self.enter(Phase::Rest { item, next_hold: hold + 1 }, at);
                } else {
                    self.items[item].record.status = ItemStatus::Done;
                    self.enter(Phase::CheckIn { item }, at);
                }
            }
            Phase::Rest { item, next_hold } => self.enter(Phase::Active { item, hold: next_hold }, at),
            Phase::CheckIn { item } => self.begin_item(item + 1, at),
            Phase::Screening { .. } | Phase::ConfirmAssessed | Phase::Finished | Phase::Stopped(_) => {}
        }
    }

    /// Enters `phase` at `at`: sets its clock and marks, and says what it says on entry.
    fn enter(&mut self, phase: Phase, at: At) {
        self.phase = phase;
        self.phase_start = at;
        self.phase_len = None;
        self.marks.clear();
        self.next_mark = 0;
        let timing = self.plan.timing;
        match phase {
            Phase::Screening { question } => {
                let of = self.plan.screening.len();
                if let Some(q) = self.plan.screening.get(question) {
                    let text = words::question(&q.question, question + 1, of);
                    self.say(at, CueKind::Question { number: question + 1, of }, text, Sound::None);
                }
            }
            Phase::ConfirmAssessed => {
                let text = words::ask_assessed(&self.plan.advice.see_clinician);
                self.say(at, CueKind::AskAssessed, text, Sound::Alert);
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
                let text = words::next_up(&self.plan_item_as_done(item), item + 1, of);
                self.say(at, CueKind::NextUp { number: item + 1, of }, text, Sound::None);
                let (offsets, len) = timing.prepare(&self.items[item].choice.stretch);
                self.marks = offsets.into_iter().enumerate().map(|(n, off)| (off, Mark::Step(n))).collect();
                if self.plan.wait_for_start {
                    self.marks.push((len, Mark::WaitPrompt));
                } else {
                    self.phase_len = Some(len);
                }
            }
            Phase::GetReady { .. } => {
                let n = timing.get_ready;
                self.phase_len = Some(secs(n));
                self.marks = (1..n).map(|k| (secs(k), Mark::Count(n - k))).collect();
                if n > 0 {
                    self.say(at, CueKind::Countdown(n), words::get_ready(n), Sound::Tick);
                }
            }
            Phase::Active { item, hold } => {
                let choice = &self.items[item].choice;
                let len = choice.active_time();
                let reps = choice.stretch.dose.repetitions();
                let side = choice.stretch.dose.side_of(hold);
                let repetition = choice.stretch.dose.repetition_of(hold);
                let text = words::begin(choice, side, repetition, reps);
                self.marks = match &choice.stretch.dose {
                    Dose::Flow { positions, cycles, .. } => {
                        flow_marks(len, choice.seconds, positions.len(), cycles.get())
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
                    Some(side) if after != before => (CueKind::SwitchSides(side), words::switch_sides(side)),
                    _ => (CueKind::Rest, words::rest(dose.repetition_of(next_hold), dose.repetitions())),
                };
                let len = timing.rest;
                self.phase_len = Some(secs(len));
                self.marks = (1..=timing.get_ready.min(len.saturating_sub(1)))
                    .rev()
                    .map(|k| (secs(len - k), Mark::Count(k)))
                    .collect();
                self.say(at, kind, text, Sound::None);
            }
            Phase::CheckIn { item } => {
                self.phase_len = Some(secs(timing.check_in));
                let text = words::check_in(&self.items[item].choice.stretch.name);
                self.say(at, CueKind::CheckIn, text, Sound::None);
            }
            Phase::Finished => {
                let text = words::finished(&self.plan.routine_name);
                self.say(at, CueKind::Finished, text, Sound::End);
            }
            Phase::Stopped(reason) => {
                let advice = &self.plan.advice;
                let (text, sound) = match reason {
                    StopReason::Emergency => (advice.emergency.clone(), Sound::Alert),
                    StopReason::SeeClinician => (advice.see_clinician.clone(), Sound::Alert),
                    StopReason::SharpPain => {
                        let flagged = self.flagged.as_ref().and_then(|id| {
                            self.items
                                .iter()
                                .find(|i| &i.choice.stretch.id == id)
                                .map(|i| i.choice.stretch.name.clone())
                        });
                        (words::sharp_pain(&advice.sharp_pain, flagged.as_deref()), Sound::Alert)
                    }
                    StopReason::Aborted => (words::aborted(), Sound::None),
                };
                self.say(at, CueKind::Stopped(reason), text, sound);
            }
        }
    }

    /// The plan item with the choice currently being done, for announcing it.
    fn plan_item_as_done(&self, item: usize) -> crate::plan::PlanItem {
        let mut p = self.plan.items[item].clone();
        p.choice = self.items[item].choice.clone();
        p
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

/// Marks for a flow: each new position after the first, then 3-2-1 at the end.
fn flow_marks(len: Duration, each: u32, positions: usize, cycles: u32) -> Vec<(Duration, Mark)> {
    let mut marks = Vec::new();
    let mut t = 0u32;
    for cycle in 1..=cycles {
        for index in 0..positions {
            if t > 0 {
                marks.push((secs(t), Mark::Flow { index, cycle }));
            }
            t = t.saturating_add(each);
        }
    }
    for k in (1..=3u32).rev() {
        if len > secs(k) {
            marks.push((len - secs(k), Mark::Count(k)));
        }
    }
    marks.sort_by_key(|(off, _)| *off);
    marks
}
