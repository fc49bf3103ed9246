//! Progression, adherence and pain-trend rules: pure functions over what sessions recorded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cue::StopReason;
use crate::library::Library;
use crate::session::{Comfort, ItemRecord, ItemStatus, Summary};
use crate::stretch::StretchId;

/// Where one stretch stands in a person's progression.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Seconds per hold the person has reached (inside the stretch's range when used).
    pub hold_seconds: u32,
    /// Sessions in a row the stretch felt comfortable since the hold last grew.
    pub comfortable_streak: u32,
    /// The stretch caused sharp pain and is left out until the person clears it.
    pub flagged: bool,
}

/// How holds grow: by `step_seconds` after `sessions_per_step` comfortable sessions in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressRules {
    /// Seconds added each time the hold grows.
    pub step_seconds: u32,
    /// Comfortable sessions in a row before the hold grows.
    pub sessions_per_step: u32,
}

impl Default for ProgressRules {
    fn default() -> Self {
        ProgressRules { step_seconds: 5, sessions_per_step: 2 }
    }
}

/// Whether a stretch felt comfortable: an explicit "comfortable", or a completed stretch with
/// no discomfort, no pain rating above 2 and no answer (a person stretching hands-free).
fn felt_comfortable(item: &ItemRecord) -> bool {
    item.status == ItemStatus::Done && !felt_pain(item)
}

/// Discomfort was reported during the stretch, it was rated above 2, or said to be uncomfortable.
fn felt_pain(item: &ItemRecord) -> bool {
    item.discomfort || item.max_pain.is_some_and(|p| p > 2) || item.comfort == Some(Comfort::Discomfort)
}

/// The person's usual "before" pain: the median of earlier ratings, if any.
pub fn usual_pain(before_ratings: &[u8]) -> Option<u8> {
    let mut sorted = before_ratings.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// [`usual_pain`] from how many sessions had each "before" rating (index 0–10): the same
/// answer without the ratings themselves.
pub fn usual_pain_of_counts(counts: &[u64; 11]) -> Option<u8> {
    let total: u64 = counts.iter().sum();
    let mut middle = total.checked_sub(1)? / 2;
    for (rating, n) in (0_u8..).zip(counts) {
        if middle < *n {
            return Some(rating);
        }
        middle -= n;
    }
    None
}

/// How one stretch went in one session, as far as progression is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Done and comfortable. `may_grow` is false on a day whose "before" pain was above the
    /// person's usual level: the hold then stays where it is, and so does the streak.
    Comfortable {
        /// Whether this session may count toward a longer hold.
        may_grow: bool,
    },
    /// Done or partly done, but not comfortably: the streak starts again.
    Uncomfortable,
    /// Skipped or not reached: nothing changes but the stretch gets a starting point.
    NotDone,
}

/// One change a session makes to the progression of one stretch.
///
/// A session is saved as a list of changes rather than as the resulting progression, so that a
/// store can apply them to whatever is stored at that moment (inside its own transaction) and
/// never overwrite what another process wrote in between — above all, never un-flag a stretch.
/// A change can set a flag but never clear one; clearing is its own operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressChange {
    /// The stretch.
    pub stretch: StretchId,
    /// The low end of its hold range, in seconds: where a new stretch starts.
    pub low: u32,
    /// The most its hold grows to, in seconds ([`crate::Dose::growth_limit`]): the high end of
    /// its range, or less where its repetitions would pass about a minute in all.
    pub high: u32,
    /// What happened.
    pub outcome: Outcome,
    /// The stretch caused sharp pain: set it aside until the person clears it.
    pub flag: bool,
    /// The seconds per hold (flow position, timed work) it was done at this session, when it
    /// was: a comfortable session at less than the hold kept (`--hold 10` under a kept 20)
    /// says nothing about that hold, so it neither grows it nor counts toward growing it.
    pub held: Option<u32>,
}

impl Progress {
    /// Where a stretch starts: at the `low` end of its range, no streak, not flagged.
    pub fn start(low: u32) -> Progress {
        Progress { hold_seconds: low, ..Progress::default() }
    }

    /// A stretch set aside for sharp pain, cleared by the person: it comes back at the `low`
    /// end of its range with no streak, not at the hold that hurt.
    pub fn cleared(low: u32) -> Progress {
        Progress::start(low)
    }

    /// Two records of one stretch's progression as one, when an imported history meets one
    /// already kept: the safer of each, so set aside if either sets it aside, and the shorter
    /// hold and streak (holds grow again from there).
    pub fn merged_with(&self, other: &Progress) -> Progress {
        Progress {
            hold_seconds: self.hold_seconds.min(other.hold_seconds),
            comfortable_streak: self.comfortable_streak.min(other.comfortable_streak),
            flagged: self.flagged || other.flagged,
        }
    }

    /// Applies one change. Holds grow by `rules.step_seconds` (never past `change.high`) after
    /// `rules.sessions_per_step` comfortable sessions in a row; discomfort starts the streak
    /// again; a change may set the flag but never clears it ([`Progress::cleared`] does).
    /// Returns whether the hold grew.
    pub fn apply(&mut self, change: &ProgressChange, rules: ProgressRules) -> bool {
        let mut grew = false;
        let short = change.held.is_some_and(|held| held < self.hold_seconds);
        match change.outcome {
            Outcome::Comfortable { may_grow: true } if !short => {
                self.comfortable_streak = self.comfortable_streak.saturating_add(1);
                if self.comfortable_streak >= rules.sessions_per_step.max(1) {
                    // Like `DoseRange::clamp`, but never panics on a reversed range from stored data.
                    let next = self.hold_seconds.saturating_add(rules.step_seconds).min(change.high).max(change.low);
                    if next > self.hold_seconds {
                        self.hold_seconds = next;
                        grew = true;
                    }
                    self.comfortable_streak = 0;
                }
            }
            Outcome::Comfortable { .. } | Outcome::NotDone => {}
            Outcome::Uncomfortable => self.comfortable_streak = 0,
        }
        if change.flag {
            self.flagged = true;
        }
        grew
    }
}

/// Whether a session run at `speed` times real time is a preview: one run faster than real
/// time, in which nobody held anything for as long as it says. A preview is kept in history,
/// but it counts toward no weekly goal and grows no hold ([`as_preview`]).
pub fn is_preview(speed: f64) -> bool {
    speed.is_finite() && speed > 1.0
}

/// The changes of a preview ([`is_preview`]): nothing in it may grow a hold or a streak, while
/// what it says about pain (a streak started again, a stretch set aside) still stands.
pub fn as_preview(changes: Vec<ProgressChange>) -> Vec<ProgressChange> {
    without_growth(changes)
}

/// `changes` with nothing that grows a hold or a streak, and what they say about pain kept:
/// for a preview, and for a session on a day whose pain before was above the person's usual.
pub fn without_growth(mut changes: Vec<ProgressChange>) -> Vec<ProgressChange> {
    for change in &mut changes {
        if let Outcome::Comfortable { may_grow } = &mut change.outcome {
            *may_grow = false;
        }
    }
    changes
}

/// Of two outcomes of one stretch in one session, the one that counts: discomfort in either
/// starts the streak again, and one done counts over one not done.
fn worse(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Uncomfortable, _) | (_, Outcome::Uncomfortable) => Outcome::Uncomfortable,
        (Outcome::NotDone, other) | (other, Outcome::NotDone) => other,
        (Outcome::Comfortable { may_grow: a }, Outcome::Comfortable { may_grow: b }) => {
            Outcome::Comfortable { may_grow: a && b }
        }
    }
}

/// The changes one finished or stopped session makes to progression, in order: one per stretch
/// of its items that is in `library`, with the sharp-pain flag on the last change of the flagged
/// stretch (or on a change of its own when the flagged stretch has no item).
///
/// A "before" rating above 5 or above the person's `usual` level, a rating above 5 during the
/// session (even on a stretch it then swapped out), an "after" rating that says the session
/// made the pain worse ([`worse_after`]), or a session stopped for safety (an emergency sign,
/// sharp pain, pain above 5, or a clinician to see first), means no hold grows that day. A
/// stretch in which pain was felt starts its streak again, finished or not.
pub fn session_changes(summary: &Summary, library: &Library, usual: Option<u8>) -> Vec<ProgressChange> {
    // Above 5 is too much whatever is usual: a person whose usual is 7 still grows nothing on a 7.
    let worse_today = summary.pain_before.is_some_and(|b| b > 5 || usual.is_some_and(|u| b > u))
        || summary.pain_after.is_some_and(|after| worse_after(summary.pain_before, after));
    // One stretch that hurt too much says the back had enough today: the stand-in swapped in
    // for it (the same area) and the rest hold steady too.
    let too_much_today =
        !summary.too_much.is_empty() || summary.items.iter().any(|i| i.max_pain.is_some_and(|p| p > 5));
    let stopped_for_safety = matches!(
        summary.stopped,
        Some(StopReason::Emergency | StopReason::SharpPain | StopReason::Pain | StopReason::SeeClinician)
    );
    let may_grow = !worse_today && !too_much_today && !stopped_for_safety;
    let mut changes: Vec<ProgressChange> = Vec::new();
    for item in &summary.items {
        let Some(stretch) = library.stretch(&item.stretch) else { continue };
        let (range, limit) = (stretch.dose.range(), stretch.dose.growth_limit());
        // Pain felt counts whether or not the stretch was finished: one stopped for a rating
        // above 5 (or swapped out after it hurt: its own record says so) starts its streak
        // again like one finished with discomfort.
        let outcome =
            if felt_pain(item) || item.status == ItemStatus::LeftForPain || summary.too_much.contains(&item.stretch) {
                Outcome::Uncomfortable
            } else if matches!(item.status, ItemStatus::NotReached | ItemStatus::Skipped | ItemStatus::Swapped) {
                Outcome::NotDone
            } else if felt_comfortable(item) {
                Outcome::Comfortable { may_grow }
            } else {
                Outcome::Uncomfortable
            };
        // A stretch swapped out and later swapped back in has two records: one change, the
        // worse of the two (discomfort in either starts the streak again).
        let held = (item.status == ItemStatus::Done).then_some(item.seconds);
        match changes.iter_mut().find(|c| c.stretch == item.stretch) {
            Some(change) => {
                change.outcome = worse(change.outcome, outcome);
                // Done in either record: the shorter hold it was done at.
                change.held = match (change.held, held) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => changes.push(ProgressChange {
                stretch: item.stretch.clone(),
                low: range.low(),
                high: limit,
                outcome,
                flag: false,
                held,
            }),
        }
    }
    for hurt in &summary.too_much {
        match changes.iter_mut().find(|c| &c.stretch == hurt) {
            Some(change) => change.outcome = Outcome::Uncomfortable,
            None => {
                let Some(stretch) = library.stretch(hurt) else { continue };
                let range = stretch.dose.range();
                changes.push(ProgressChange {
                    stretch: hurt.clone(),
                    low: range.low(),
                    high: stretch.dose.growth_limit(),
                    outcome: Outcome::Uncomfortable,
                    flag: false,
                    held: None,
                });
            }
        }
    }
    if let Some(flagged) = &summary.flagged {
        match changes.iter_mut().rev().find(|c| &c.stretch == flagged) {
            Some(change) => change.flag = true,
            None => {
                let (low, high) =
                    library.stretch(flagged).map_or((0, 0), |s| (s.dose.range().low(), s.dose.growth_limit()));
                changes.push(ProgressChange {
                    stretch: flagged.clone(),
                    low,
                    high,
                    outcome: Outcome::NotDone,
                    flag: true,
                    held: None,
                });
            }
        }
    }
    changes
}

/// Applies one finished or stopped session to the progression of its stretches: the
/// [`session_changes`] of the session, each applied with [`Progress::apply`] (a stretch seen
/// for the first time starts with [`Progress::start`]).
///
/// Holds grow within each stretch's range after comfortable sessions; discomfort holds them
/// steady; a "before" rating above the person's `usual` level or a stop for safety stops growth
/// that day; sharp pain flags the stretch. Returns the stretches whose hold grew.
pub fn apply_session(
    progress: &mut BTreeMap<StretchId, Progress>,
    summary: &Summary,
    library: &Library,
    usual: Option<u8>,
    rules: ProgressRules,
) -> Vec<StretchId> {
    let mut grown = Vec::new();
    for change in session_changes(summary, library, usual) {
        let entry = progress.entry(change.stretch.clone()).or_insert_with(|| Progress::start(change.low));
        if entry.apply(&change, rules) {
            grown.push(change.stretch);
        }
    }
    grown
}

/// Sessions this week against the weekly goal, and the streak of weeks that met it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adherence {
    /// Sessions wanted per week.
    pub goal: u32,
    /// Sessions so far this week.
    pub this_week: u32,
    /// Weeks in a row that met the goal, ending with this week if it already has, or else last week.
    pub streak_weeks: u32,
}

impl Adherence {
    /// Computes adherence from the week number of each session that counted (any consecutive
    /// numbering of weeks works) and the number of the current week.
    pub fn compute(goal: u32, session_weeks: &[i64], current_week: i64) -> Adherence {
        let goal = goal.max(1);
        let mut per_week: BTreeMap<i64, u32> = BTreeMap::new();
        for week in session_weeks {
            *per_week.entry(*week).or_default() += 1;
        }
        let count = |w: i64| per_week.get(&w).copied().unwrap_or(0);
        let this_week = count(current_week);
        let mut week = if this_week >= goal { current_week } else { current_week - 1 };
        let mut streak = 0;
        while count(week) >= goal {
            streak += 1;
            week -= 1;
        }
        Adherence { goal, this_week, streak_weeks: streak }
    }
}

/// [`Adherence::compute`] fed one session at a time, newest first, that says when it has seen
/// enough: the streak is read back only as far as it goes, whatever the length of the history.
#[derive(Clone, Debug)]
pub struct AdherenceWalk {
    goal: u32,
    current_week: i64,
    this_week: u32,
    streak: u32,
    /// The week being counted and its sessions so far.
    run: Option<(i64, u32)>,
    /// The week the streak needs next; `None` until the current week is settled.
    next: Option<i64>,
    done: bool,
}

impl AdherenceWalk {
    /// A walk for `goal` sessions a week, from `current_week` back.
    pub fn new(goal: u32, current_week: i64) -> AdherenceWalk {
        AdherenceWalk { goal: goal.max(1), current_week, this_week: 0, streak: 0, run: None, next: None, done: false }
    }

    /// Takes the week of the next counted session, newest first. Returns `false` once the
    /// answer is known and older sessions cannot change it.
    pub fn push(&mut self, week: i64) -> bool {
        if self.done || week > self.current_week {
            return !self.done;
        }
        match self.run {
            Some((w, n)) if week >= w => self.run = Some((w, n + 1)),
            Some((w, n)) => {
                self.close(w, n);
                self.run = Some((week, 1));
            }
            None => self.run = Some((week, 1)),
        }
        !self.done
    }

    /// Every session of `week` has been seen; the weeks between it and the next one pushed had
    /// none.
    fn close(&mut self, week: i64, count: u32) {
        let next = match self.next {
            Some(next) => next,
            None if week == self.current_week => {
                self.this_week = count;
                if count >= self.goal { self.current_week } else { self.current_week - 1 }
            }
            None => self.current_week - 1,
        };
        self.next = Some(next);
        if week == next && count >= self.goal {
            self.streak += 1;
            self.next = Some(next - 1);
        } else if week <= next {
            self.done = true;
        }
    }

    /// The adherence, equal to [`Adherence::compute`] over every session pushed.
    pub fn finish(mut self) -> Adherence {
        if let Some((week, count)) = self.run.take()
            && !self.done
        {
            self.close(week, count);
        }
        Adherence { goal: self.goal, this_week: self.this_week, streak_weeks: self.streak }
    }
}

/// Whether a session counts toward the weekly goal: at least one stretch done in full.
pub fn counts_toward_goal(summary: &Summary) -> bool {
    summary.items.iter().any(|i| i.status == ItemStatus::Done)
}

/// How pain ratings have moved over recent sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PainTrend {
    /// Sessions with a "before" rating.
    pub rated_sessions: usize,
    /// The first and the latest "before" rating.
    pub first_and_latest: Option<(u8, u8)>,
    /// Latest minus first: negative means better.
    pub change: Option<i16>,
    /// Whether the change is 2 points or more either way (a meaningful change).
    pub meaningful: bool,
    /// Whether the ratings say it is time to see a clinician (see [`pain_trend_of_ends`]):
    /// getting worse over several sessions, worse after each of the last three, or no better
    /// after about a month of sessions.
    pub see_clinician: bool,
    /// What to tell the person when `see_clinician` holds, in the words every front end shows.
    #[serde(default)]
    pub advice: Option<String>,
}

/// Whether a rating `after` a session says the session left the pain worse or high: up by a
/// meaningful change (2 points) from the rating `before` it, or above 5 whatever it was before.
pub fn worse_after(before: Option<u8>, after: u8) -> bool {
    after > 5 || before.is_some_and(|before| u16::from(after) >= u16::from(before) + 2)
}

/// One rated session as the trend reads it: its local day number, its "before" rating and its
/// "after" rating when one was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatedDay {
    /// Local day number of the session's start.
    pub day: i64,
    /// Pain 0–10 before.
    pub before: u8,
    /// Pain 0–10 after, when rated.
    pub after: Option<u8>,
}

/// How far back, in days up to the latest rating, the trend looks for the best recent one.
pub const LATELY_DAYS: i64 = 90;

/// How far back, in days, the trend counts sessions pain stopped ([`pain_trend_of_ends`]).
pub const STOPS_DAYS: i64 = 30;

/// Computes the trend from (day number, before rating) pairs, oldest first.
pub fn pain_trend(ratings: &[(i64, u8)]) -> PainTrend {
    let days: Vec<RatedDay> = ratings.iter().map(|&(day, before)| RatedDay { day, before, after: None }).collect();
    let lowest_lately =
        days.last().and_then(|last| days.iter().filter(|r| r.day >= last.day - LATELY_DAYS).map(|r| r.before).min());
    pain_trend_of_ends(days.len(), days.first().copied(), &days[days.len().saturating_sub(3)..], lowest_lately, 0)
}

/// How many of the latest rated sessions the pain trend reads beside the first.
pub const TREND_LATEST: u32 = 3;

/// [`pain_trend`] from all it depends on: how many sessions were rated, the first rated session,
/// the latest three (fewer when there are fewer), oldest first, and the lowest rating of the
/// [`LATELY_DAYS`] up to the last.
///
/// A change of 2 points is the smallest that means something (as `meaningful`). The ratings say
/// to see a clinician when the pain gets worse over several sessions (the last three rising step
/// by step by 2 points or more in all, the last two both 2 points or more above the one before
/// them, or all three 2 points or more above the first rating; one bad day is not a trend), when
/// each of the last three sessions left the pain worse than before it ([`worse_after`]), when
/// pain is still there (2 or more) after about a month without improving by 2 points, or when
/// the last three are all 2 points or more above the best rating of recent months (a relapse,
/// however slow, and however good it was at first). Apart from the ratings, pain that stopped
/// two sessions or more in the last [`STOPS_DAYS`] days (`stops_lately`: sharp pain, or above 5)
/// says the same: it has persisted.
pub fn pain_trend_of_ends(
    rated_sessions: usize,
    first: Option<RatedDay>,
    latest: &[RatedDay],
    lowest_lately: Option<u8>,
    stops_lately: u32,
) -> PainTrend {
    let latest3 = &latest[latest.len().saturating_sub(TREND_LATEST as usize)..];
    let last = latest3.last().copied();
    let change = first.zip(last).map(|(a, b)| i16::from(b.before) - i16::from(a.before));
    let up = |from: u8, to: u8| u16::from(to) >= u16::from(from) + 2;
    let worsening = rated_sessions >= 3 && latest3.len() == 3 && {
        let [a, b, c] = [latest3[0].before, latest3[1].before, latest3[2].before];
        let rising = a < b && b < c && up(a, c);
        let stayed_up = up(a, b) && up(a, c);
        let above_first = first.is_some_and(|f| [a, b, c].iter().all(|&r| up(f.before, r)));
        let above_best_lately = lowest_lately.is_some_and(|low| [a, b, c].iter().all(|&r| up(low, r)));
        rising || stayed_up || above_first || above_best_lately
    };
    let worse_after_each =
        latest3.len() == 3 && latest3.iter().all(|r| r.after.is_some_and(|after| worse_after(Some(r.before), after)));
    let month_without_improvement = first
        .zip(last)
        .is_some_and(|(a, b)| b.day - a.day >= 28 && b.before >= 2 && i16::from(a.before) - i16::from(b.before) < 2);
    let ratings_say = worsening || worse_after_each || month_without_improvement;
    let stops_say = stops_lately >= 2;
    let see_clinician = ratings_say || stops_say;
    PainTrend {
        rated_sessions,
        first_and_latest: first.zip(last).map(|(a, b)| (a.before, b.before)),
        change,
        meaningful: change.is_some_and(|c| c.abs() >= 2),
        see_clinician,
        advice: if ratings_say {
            Some(crate::words::trend_advice())
        } else {
            stops_say.then(|| crate::words::stops_advice(stops_lately))
        },
    }
}
