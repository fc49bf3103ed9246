//! A plan: one routine resolved for one person — what they own, how they can move, how long they hold.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::guidance::Advice;
use crate::library::Library;
use crate::routine::{Promise, Routine, RoutineId};
use crate::screening::ScreeningQuestion;
use crate::stretch::{Dose, Equipment, Position, Side, Stretch, StretchId};
use crate::time::secs;

/// What a person brings to a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PlanOptions {
    /// Equipment the person has.
    pub equipment: BTreeSet<Equipment>,
    /// Positions the person cannot or does not want to take.
    pub avoid: BTreeSet<Position>,
    /// Seconds per hold reached by progression, per stretch; kept inside each stretch's range.
    pub holds: BTreeMap<StretchId, u32>,
    /// Seconds per hold chosen for this session, for every held stretch; wins over progression.
    pub hold_override: Option<u32>,
    /// Whether to include the warm-up when the routine has one.
    pub warm_up: bool,
    /// Wait for the person before each stretch instead of starting it after the steps are read.
    pub wait_for_start: bool,
    /// Stretches that caused sharp pain and are left out until the person clears them.
    pub flagged: BTreeSet<StretchId>,
    /// Durations of the phases around the holds.
    pub timing: Timing,
    /// Whether to ask for a 0–10 pain rating before the exercise, or the rating already given.
    pub pain_before: PainPrompt,
    /// Whether to ask for a 0–10 pain rating after the exercise, or the rating already given.
    pub pain_after: PainPrompt,
}

/// What a session does about a 0–10 pain rating before or after the exercise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "prompt", rename_all = "kebab-case")]
pub enum PainPrompt {
    /// Ask for it (the person may skip it).
    Ask,
    /// It was given ahead (e.g. on the command line).
    Given {
        /// The rating, 0–10.
        score: u8,
    },
    /// Do not ask.
    #[default]
    Skip,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            equipment: Equipment::ALL.into_iter().collect(),
            avoid: BTreeSet::new(),
            holds: BTreeMap::new(),
            hold_override: None,
            warm_up: true,
            wait_for_start: false,
            flagged: BTreeSet::new(),
            timing: Timing::default(),
            pain_before: PainPrompt::Skip,
            pain_after: PainPrompt::Skip,
        }
    }
}

/// Durations of the guided phases around the work itself, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Timing {
    /// Time to hear the name of the next stretch before its cautions and steps.
    pub intro: u32,
    /// Shortest time given to one step; longer steps get more.
    pub min_step: u32,
    /// Words a person hears or reads per second, for the time each step gets.
    pub words_per_second: u32,
    /// The 3-2-1 countdown before each hold.
    pub get_ready: u32,
    /// Rest between repetitions and when switching sides.
    pub rest: u32,
    /// Time to answer "how did that feel?" before moving on by itself.
    pub check_in: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { intro: 4, min_step: 3, words_per_second: 2, get_ready: 3, rest: 8, check_in: 8 }
    }
}

impl Timing {
    /// How long one step is given, from its length in words.
    pub fn step_time(&self, step: &str) -> Duration {
        let words = u32::try_from(step.split_whitespace().count()).unwrap_or(u32::MAX);
        let wps = self.words_per_second.max(1);
        secs(self.min_step.max(words.div_ceil(wps)))
    }

    /// The rest, in seconds, before the hold after `hold` of `stretch`: the usual one, or, when
    /// the stretch has words of its own for it (how the left side goes, what to do between two
    /// holds), long enough to hear them at the pace steps are read, and the count after them.
    pub fn rest_after(&self, stretch: &Stretch, hold: u32) -> u32 {
        self.rest_under(stretch, hold, crate::RULES)
    }

    /// [`Timing::rest_after`] as a session under `rules` gives it: before rules 7, the count to
    /// the left side could fall over the end of that side's words.
    pub(crate) fn rest_under(&self, stretch: &Stretch, hold: u32, rules: u32) -> u32 {
        let dose = &stretch.dose;
        let sides = (dose.side_of(hold), dose.side_of(hold + 1));
        let needed = match (&stretch.other_side, sides, stretch.between_holds_after(hold)) {
            (Some(how), (Some(Side::Right), Some(Side::Left)), _) => {
                let said = self.step_time(&crate::words::switch_sides(Side::Left, Some(how)));
                if rules >= 7 { said + secs(self.get_ready) } else { said }
            }
            // The stretch's words end the hold, the rest's own follow them, and the count to
            // the next hold comes after both.
            (_, _, Some(between)) => {
                let rest = crate::words::rest(dose.repetition_of(hold + 1), dose.repetitions());
                self.step_time(between) + self.step_time(&rest) + secs(self.get_ready)
            }
            _ => return self.rest,
        };
        self.rest.max(u32::try_from(needed.as_secs()).unwrap_or(u32::MAX))
    }

    /// The check-in, in seconds, after the last hold of `stretch`: the usual one, or, when the
    /// stretch says how to come out of it, long enough to hear that and the question after it.
    pub fn check_in_after(&self, stretch: &Stretch) -> u32 {
        let Some(out) = &stretch.coming_out else { return self.check_in };
        let said = crate::words::release(&stretch.dose, true, stretch.dose.holds(), None, Some(out));
        let needed = self.step_time(&said) + self.step_time(&crate::words::check_in(&stretch.name));
        self.check_in.max(u32::try_from(needed.as_secs()).unwrap_or(u32::MAX))
    }

    /// When each caution and each step is read within the preparation, in `order`, and its
    /// length (the same in either order).
    pub fn prepare(&self, stretch: &Stretch, order: Reading) -> Preparation {
        let mut at = secs(self.intro);
        let mut read = |texts: &[String]| {
            texts
                .iter()
                .map(|text| {
                    let start = at;
                    at += self.step_time(text);
                    start
                })
                .collect::<Vec<_>>()
        };
        let (steps, cautions) = match order {
            Reading::CautionsFirst => {
                let cautions = read(&stretch.cautions);
                (read(&stretch.steps), cautions)
            }
            Reading::StepsFirst => {
                let steps = read(&stretch.steps);
                (steps, read(&stretch.cautions))
            }
        };
        Preparation { steps, cautions, total: at }
    }
}

/// The order a stretch's preparation is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The cautions, then the steps: someone follows each step as it is heard, so the last
    /// step leads straight into the count, and nothing is heard for the first time while
    /// already in the stretch. Sessions read this way from rules 6.
    CautionsFirst,
    /// The steps, then the cautions (sessions under rules before 6, replayed as they ran).
    StepsFirst,
}

/// When each part of a stretch's preparation is read, from the start of the preparation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preparation {
    /// The offset of each step.
    pub steps: Vec<Duration>,
    /// The offset of each caution; all are read before the first hold.
    pub cautions: Vec<Duration>,
    /// The length of the whole preparation.
    pub total: Duration,
}

/// A stretch chosen for a plan with the time the person will spend on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Choice {
    /// The stretch, shared with the library it came from.
    pub stretch: Arc<Stretch>,
    /// Seconds per hold, per flow position, or of timed work.
    pub seconds: u32,
}

impl Choice {
    /// Step `n` (from 0) as a session says it: a step that names the dose's range of seconds
    /// ("Stay for 15 to 30 seconds") names the seconds chosen for this session instead, so that
    /// the steps and the countdown agree.
    pub fn step(&self, n: usize) -> Option<std::borrow::Cow<'_, str>> {
        let text = self.stretch.steps.get(n)?;
        let range = self.stretch.dose.range();
        let named = format!("{} to {} seconds", range.low(), range.high());
        Some(match text.contains(&named) && range.low() != range.high() {
            true => std::borrow::Cow::Owned(text.replace(&named, &format!("{} seconds", self.seconds))),
            false => std::borrow::Cow::Borrowed(text.as_str()),
        })
    }

    /// Every step as a session says it ([`Choice::step`]).
    pub fn steps(&self) -> Vec<String> {
        (0..self.stretch.steps.len()).filter_map(|n| self.step(n)).map(std::borrow::Cow::into_owned).collect()
    }

    /// Length of one active period (one hold, the whole flow, or the timed work).
    pub fn active_time(&self) -> Duration {
        match &self.stretch.dose {
            Dose::Flow { positions, cycles, .. } => {
                let n = u32::try_from(positions.len()).unwrap_or(u32::MAX);
                secs(self.seconds.saturating_mul(n).saturating_mul(cycles.get()))
            }
            Dose::Hold { .. } | Dose::Timed { .. } => secs(self.seconds),
        }
    }

    /// Active periods in order: one per side and repetition.
    pub fn holds(&self) -> u32 {
        self.stretch.dose.holds()
    }
}

/// One stretch of a plan, with what it replaced and what can replace it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PlanItem {
    /// The stretch the person will do.
    pub choice: Choice,
    /// The routine's stretch this one stands in for, when it was swapped while planning.
    pub instead_of: Option<StretchId>,
    /// Stretches the person can swap to during the session, best first.
    pub alternatives: Vec<Choice>,
}

/// Why a routine's stretch could not be used as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unfit {
    /// It needs equipment the person does not have.
    Needs(Equipment),
    /// It is done in a position the person avoids.
    Position(Position),
    /// It caused sharp pain before and has not been cleared.
    Flagged,
    /// It would break what the routine promises (e.g. staying on the chair).
    Breaks(Promise),
}

impl Unfit {
    /// The reason in plain words.
    pub fn describe(&self) -> String {
        match self {
            Unfit::Needs(e) => format!("needs {}", e.label()),
            Unfit::Position(p) => format!("is done {}", p.label()),
            Unfit::Flagged => "caused sharp pain before and is set aside until you clear it".to_owned(),
            Unfit::Breaks(p) => format!("does not keep this routine's promise: it {}", p.label()),
        }
    }
}

/// A routine's stretch and what the plan did about it not fitting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Adjustment {
    /// The stretch named by the routine.
    pub stretch: StretchId,
    /// Why it does not fit.
    pub reason: Unfit,
    /// The stretch put in its place, or `None` when nothing fitting reaches the same area.
    pub replaced_by: Option<StretchId>,
}

impl Adjustment {
    /// What the plan did, in words every front end shows before the session starts: "Seated
    /// twist caused sharp pain before and is set aside until you clear it: doing Folded-arm twist
    /// instead."
    pub fn note(&self, library: &Library) -> String {
        let name = |id: &StretchId| library.stretch_name(id);
        match &self.replaced_by {
            Some(sub) => format!("{} {}: doing {} instead.", name(&self.stretch), self.reason.describe(), name(sub)),
            None => format!(
                "{} {}, and nothing that fits reaches the same area: left out.",
                name(&self.stretch),
                self.reason.describe()
            ),
        }
    }
}

/// The warm-up as planned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct WarmUpPlan {
    /// Seconds of warm-up.
    pub seconds: u32,
    /// Activities to choose from (shared with the library).
    pub activities: Arc<[String]>,
    /// The longest warm-up the guidance gives, in minutes, when it is longer than the timer
    /// (the article's 5–10 minutes: the timer runs 5, and the person may go on). A plan from
    /// before this was kept has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_minutes: Option<u32>,
}

/// A routine resolved for one person: everything a session needs, with no further lookups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Plan {
    /// The routine this plan came from.
    pub routine: RoutineId,
    /// Its display name.
    pub routine_name: String,
    /// The warm-up, when included.
    pub warm_up: Option<WarmUpPlan>,
    /// The stretches, in order.
    pub items: Vec<PlanItem>,
    /// Stretches of the routine that were swapped or left out, and why.
    pub adjustments: Vec<Adjustment>,
    /// Screening questions to ask when the person has no clear record (shared with the library).
    pub screening: Arc<[ScreeningQuestion]>,
    /// Safety messages used by the session (shared with the library).
    pub advice: Arc<Advice>,
    /// What the routine promises about every stretch, swaps included.
    pub promises: Vec<Promise>,
    /// Wait for the person before each stretch.
    pub wait_for_start: bool,
    /// Durations of the phases around the work.
    pub timing: Timing,
    /// The pain rating before the exercise.
    pub pain_before: PainPrompt,
    /// The pain rating after the exercise.
    pub pain_after: PainPrompt,
    /// Whether no stretching may start today whatever the answers (within a day of an emergency
    /// sign): a clear screening then says its answers count once that day has passed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rest_today: bool,
}

/// Why a plan could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No routine has this id.
    #[error("there is no routine called `{0}`")]
    UnknownRoutine(RoutineId),
    /// The routine names a stretch the library does not have.
    #[error("routine `{routine}` names a stretch `{stretch}` that does not exist")]
    UnknownStretch {
        /// The routine.
        routine: RoutineId,
        /// The missing stretch.
        stretch: StretchId,
    },
    /// Every stretch of the routine was ruled out and nothing fitting reaches the same areas.
    #[error("no stretch of routine `{routine}` fits: {}", describe_all(.adjustments))]
    NothingFits {
        /// The routine.
        routine: RoutineId,
        /// Why each stretch was left out.
        adjustments: Vec<Adjustment>,
    },
}

fn describe_all(adjustments: &[Adjustment]) -> String {
    adjustments.iter().map(|a| format!("{} {}", a.stretch, a.reason.describe())).collect::<Vec<_>>().join("; ")
}

impl PlanOptions {
    /// Why `stretch` does not suit this person in `routine`, if it does not.
    pub fn unfit_in(&self, routine: &Routine, stretch: &Stretch) -> Option<Unfit> {
        routine.broken_by(stretch).map(Unfit::Breaks).or_else(|| self.unfit(stretch))
    }

    /// Why `stretch` does not suit this person, if it does not.
    pub fn unfit(&self, stretch: &Stretch) -> Option<Unfit> {
        if self.flagged.contains(&stretch.id) {
            return Some(Unfit::Flagged);
        }
        if self.avoid.contains(&stretch.position) {
            return Some(Unfit::Position(stretch.position));
        }
        stretch.equipment.iter().find(|e| !self.equipment.contains(e)).map(|e| Unfit::Needs(*e))
    }

    /// The seconds this person will spend per hold (or flow position, or timed work) on `stretch`.
    pub fn seconds_for(&self, stretch: &Stretch) -> u32 {
        let range = stretch.dose.range();
        match (&stretch.dose, self.hold_override) {
            (Dose::Hold { .. }, Some(secs)) => secs.max(1),
            // A hold kept from before progression stopped at about a minute in all comes back
            // within it (`Dose::growth_limit`), as one set by hand (`--hold`) does not.
            _ => range
                .clamp(self.holds.get(&stretch.id).copied().unwrap_or(range.low()))
                .min(stretch.dose.growth_limit()),
        }
    }

    fn choice(&self, stretch: &Arc<Stretch>) -> Choice {
        Choice { stretch: Arc::clone(stretch), seconds: self.seconds_for(stretch) }
    }

    /// Stretches that can stand in for `stretch` for this person, best first: its own listed
    /// alternatives, then any other stretch reaching its main area. `exclude` is left out.
    fn stand_ins<'a>(
        &self,
        library: &'a Library,
        routine: &Routine,
        stretch: &Stretch,
        exclude: &BTreeSet<&StretchId>,
    ) -> Vec<&'a Arc<Stretch>> {
        let listed = stretch.alternatives.iter().filter_map(|id| library.shared_stretch(id));
        let same_area =
            library.stretches.iter().filter(|s| s.main_target().is_some() && s.main_target() == stretch.main_target());
        let mut out: Vec<&Arc<Stretch>> = Vec::new();
        for s in listed.chain(same_area) {
            let usable = s.id != stretch.id
                && !exclude.contains(&s.id)
                && s.shares_target_with(stretch)
                && self.unfit_in(routine, s).is_none()
                && !out.iter().any(|o| o.id == s.id);
            if usable {
                out.push(s);
            }
        }
        out
    }
}

impl Plan {
    /// Resolves `routine` from `library` for a person with `options`.
    pub fn resolve(library: &Library, routine: &RoutineId, options: &PlanOptions) -> Result<Plan, PlanError> {
        let r = library.routine(routine).ok_or_else(|| PlanError::UnknownRoutine(routine.clone()))?;
        let mut stretches = Vec::with_capacity(r.stretches.len());
        for id in &r.stretches {
            let s = library
                .shared_stretch(id)
                .ok_or_else(|| PlanError::UnknownStretch { routine: routine.clone(), stretch: id.clone() })?;
            stretches.push(s);
        }
        let in_routine: BTreeSet<&StretchId> = r.stretches.iter().collect();
        let mut items = Vec::new();
        let mut adjustments = Vec::new();
        let mut used: BTreeSet<&StretchId> = BTreeSet::new();
        for stretch in stretches {
            let (chosen, instead_of) = match options.unfit_in(r, stretch) {
                None => (stretch, None),
                Some(reason) => {
                    let exclude: BTreeSet<&StretchId> = in_routine.union(&used).copied().collect();
                    let stand_in = options.stand_ins(library, r, stretch, &exclude).into_iter().next();
                    adjustments.push(Adjustment {
                        stretch: stretch.id.clone(),
                        reason,
                        replaced_by: stand_in.map(|s| s.id.clone()),
                    });
                    match stand_in {
                        Some(s) => (s, Some(stretch.id.clone())),
                        None => continue,
                    }
                }
            };
            used.insert(&chosen.id);
            // A swap never brings in a stretch the session already has: doing it twice is no
            // alternative. When nothing else fits, the session says so and moves on.
            let elsewhere: BTreeSet<&StretchId> = in_routine.union(&used).copied().collect();
            let alternatives = options
                .stand_ins(library, r, chosen, &elsewhere)
                .into_iter()
                .filter(|s| Some(&s.id) != instead_of.as_ref())
                .map(|s| options.choice(s))
                .collect();
            items.push(PlanItem { choice: options.choice(chosen), instead_of, alternatives });
        }
        if items.is_empty() {
            return Err(PlanError::NothingFits { routine: routine.clone(), adjustments });
        }
        let warm_up = (r.warm_up && options.warm_up).then(|| WarmUpPlan {
            seconds: library.warm_up.minutes.low() * 60,
            up_to_minutes: Some(library.warm_up.minutes.high()).filter(|&high| high > library.warm_up.minutes.low()),
            activities: if r.warm_up_activities.is_empty() {
                Arc::clone(&library.warm_up.activities)
            } else {
                Arc::clone(&r.warm_up_activities)
            },
        });
        Ok(Plan {
            routine: r.id.clone(),
            routine_name: r.name.clone(),
            warm_up,
            items,
            adjustments,
            screening: library.screening.clone(),
            advice: library.advice.clone(),
            promises: r.promises.clone(),
            wait_for_start: options.wait_for_start,
            timing: options.timing,
            pain_before: options.pain_before,
            pain_after: options.pain_after,
            rest_today: false,
        })
    }

    /// A plan with screening questions and nothing else: re-running the screening on its own
    /// goes through a session, so the rules are the same. On a day of `rest_today` (within a
    /// day of an emergency sign) clear answers are saved for once that day has passed.
    pub fn screening_only(library: &Library, rest_today: bool) -> Plan {
        Plan {
            routine: RoutineId::from("screening"),
            routine_name: "the safety questions".to_owned(),
            warm_up: None,
            items: Vec::new(),
            adjustments: Vec::new(),
            screening: library.screening.clone(),
            advice: library.advice.clone(),
            promises: Vec::new(),
            wait_for_start: false,
            timing: Timing::default(),
            pain_before: PainPrompt::Skip,
            pain_after: PainPrompt::Skip,
            rest_today,
        }
    }

    /// Points this plan's stretches, screening questions and advice at `library`'s shared copies
    /// wherever they are equal, so a plan read back from storage costs no more memory than a
    /// fresh one. Nothing the plan means changes.
    pub fn share_with(&mut self, library: &Library) {
        let mut share = |choice: &mut Choice| {
            if let Some(shared) = library.shared_stretch(&choice.stretch.id)
                && !Arc::ptr_eq(shared, &choice.stretch)
                && **shared == *choice.stretch
            {
                choice.stretch = Arc::clone(shared);
            }
        };
        for item in &mut self.items {
            share(&mut item.choice);
            item.alternatives.iter_mut().for_each(&mut share);
        }
        if let Some(warm_up) = &mut self.warm_up {
            let from_routine = library.routine(&self.routine).map(|r| &r.warm_up_activities);
            if let Some(shared) = [Some(&library.warm_up.activities), from_routine]
                .into_iter()
                .flatten()
                .find(|shared| **shared == warm_up.activities)
            {
                warm_up.activities = Arc::clone(shared);
            }
        }
        if self.screening == library.screening {
            self.screening = Arc::clone(&library.screening);
        }
        if self.advice == library.advice {
            self.advice = Arc::clone(&library.advice);
        }
    }

    /// How long the whole plan takes when nobody pauses, skips or waits.
    pub fn total_time(&self) -> Duration {
        let warm = self.warm_up.as_ref().map_or(Duration::ZERO, |w| secs(w.seconds));
        warm + self.items.iter().map(|i| self.item_time(&i.choice)).sum::<Duration>()
    }

    /// How long one stretch takes, from its introduction to the end of its check-in.
    pub fn item_time(&self, choice: &Choice) -> Duration {
        let t = &self.timing;
        let holds = choice.holds();
        let rests: u32 = (0..holds.saturating_sub(1)).map(|hold| t.rest_after(&choice.stretch, hold)).sum();
        t.prepare(&choice.stretch, Reading::CautionsFirst).total
            + secs(t.get_ready)
            + choice.active_time() * holds
            + secs(rests)
            + secs(t.check_in_after(&choice.stretch))
    }
}
