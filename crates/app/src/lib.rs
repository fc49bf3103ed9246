//! limber-app: the use cases every front end calls — start a session for a person, finish it,
//! history, stats, export and import, profile, screening — plus the typed-line grammar and the
//! speech runner.
//!
//! Front ends translate keys, lines, HTTP and pixels into calls here and into
//! [`limber_core::Intent`]s; every rule lives in limber-core or here, never in a front end.

#![forbid(unsafe_code)]

pub mod clock;
pub mod content_check;
pub mod export;
pub mod flags;
pub mod handout;
pub mod interrupt;
pub mod keys;
pub mod line;
pub mod local;
#[cfg(feature = "clap")]
pub mod manual;
pub mod plans;
pub mod report;
pub mod speech;
pub mod suggest;
pub mod when;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use jiff::tz::TimeZone;
use limber_core::progress::{
    RatedDay, STOPS_DAYS, TREND_LATEST, is_preview, pain_trend_of_ends, session_changes, usual_pain_of_counts,
    without_growth,
};
use limber_core::{
    Adherence, AdherenceWalk, Clearance, Equipment, Library, PainPrompt, PainTrend, Plan, PlanOptions, Position,
    Progress, ProgressRules, RoutineId, ScreeningRecord, Session, StopReason, StretchId, Summary, Timing,
};
use limber_store::{
    DAY_MS, FinishReport, HistoryPage, HistoryQuery, ImportReport, PainEnds, Profile, Rating, ScreeningEntry,
    SessionId, SessionQuery, SessionRecord, Store, Tallies, UserId,
};
use serde::Serialize;

pub use limber_store as store;

/// The sessions a week a person may aim for.
pub const WEEKLY_GOALS: std::ops::RangeInclusive<u32> = 1..=14;

/// Why a use case could not be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] limber_store::Error),
    /// The content could not be loaded.
    #[error(transparent)]
    Content(#[from] limber_content::Error),
    /// No routine has this id.
    #[error("there is no routine called `{id}`. Known routines: {known}")]
    UnknownRoutine {
        /// The id asked for.
        id: String,
        /// The ids there are.
        known: String,
    },
    /// No stretch has this id.
    #[error("there is no stretch called `{id}`. Known stretches: {known}")]
    UnknownStretch {
        /// The id asked for.
        id: String,
        /// The ids there are.
        known: String,
    },
    /// The routine cannot be planned for this person.
    #[error(transparent)]
    Plan(#[from] limber_core::PlanError),
    /// Nothing in the routine suits this person today, said with the stretches' names.
    #[error("nothing in {routine} suits you today: {why}. {what_to_do}")]
    NothingFits {
        /// The routine's name.
        routine: String,
        /// Why each stretch was left out, by name.
        why: String,
        /// What could change that, for the reasons given.
        what_to_do: String,
    },
    /// A hold time outside what the guidance supports.
    #[error("a hold of {0} s is outside 10–60 s (ACSM: hold 10–30 s, up to 60 s for older adults)")]
    HoldOutOfRange(u32),
    /// A pain rating given ahead outside 0–10.
    #[error("a pain rating is from 0 to 10, not {0}")]
    PainOutOfRange(u8),
    /// Phase timings a session cannot run with.
    #[error("timing: {0}")]
    TimingOutOfRange(String),
    /// A weekly goal outside [`WEEKLY_GOALS`].
    #[error("a weekly goal of {0} sessions is outside 1–14")]
    GoalOutOfRange(u32),
    /// The session is not over yet.
    #[error("the session is not over yet")]
    NotOver,
    /// An import file was refused; nothing was imported.
    #[error(transparent)]
    Import(#[from] export::ImportError),
    /// An export could not be written where it was going.
    #[error("cannot write the export: {0}")]
    Write(#[source] std::io::Error),
    /// A whole page of stored sessions could not be read, so an export could not go on.
    #[error("{0} stored sessions in a row could not be read; the export stopped there")]
    UnreadablePage(usize),
    /// The stored profile cannot be read (a garbled list of equipment or positions): nothing is
    /// planned without knowing the positions the person avoids.
    #[error(
        "your profile could not be read ({0}). Set the equipment you have and the positions you avoid again, \
         both at once, to replace it: no session is planned without knowing the positions you avoid"
    )]
    ProfileUnreadable(String),
    /// An emergency sign was reported in the last day: no session starts for a day after it.
    #[error(
        "an emergency sign was reported at {at}: no session starts until {until}. If you have not yet, call \
         your local emergency number or see a doctor now"
    )]
    EmergencyToday {
        /// When, in local time (`HH:MM`).
        at: String,
        /// When sessions may start again, in local time (`HH:MM today` or `HH:MM tomorrow`).
        until: String,
        /// When it was reported, in milliseconds since the Unix epoch (for a client that says
        /// it in its own time zone).
        at_ms: i64,
        /// When sessions may start again, in milliseconds since the Unix epoch.
        until_ms: i64,
    },
}

impl Error {
    /// What a person at a terminal can do about it, when it is theirs to mend there (the CLI and
    /// the TUI print it under the error).
    pub fn terminal_hint(&self) -> Option<&'static str> {
        match self {
            Error::ProfileUnreadable(_) => {
                Some("To replace it: limber profile --equipment LIST --avoid LIST (`none` for an empty list)")
            }
            _ => None,
        }
    }

    /// Whether this is one stored session that could not be read, given by a stream of
    /// sessions in its place: the others still come, and a front end names it and goes on.
    pub fn is_unreadable_session(&self) -> bool {
        matches!(self, Error::Store(limber_store::Error::UnreadableSession { .. }))
    }

    /// Where a page after an unreadable session starts, when its id and start could be read.
    pub fn unreadable_cursor(&self) -> Option<limber_store::Cursor> {
        match self {
            Error::Store(limber_store::Error::UnreadableSession { cursor, .. }) => *cursor,
            _ => None,
        }
    }

    /// Whether this is a refusal for the person's safety (an emergency sign earlier today):
    /// terminal front ends exit with [`EXIT_SAFETY`] for it.
    pub fn is_safety(&self) -> bool {
        matches!(self, Error::EmergencyToday { .. })
    }

    /// Whether this is a person's mistake in how they asked (an unknown routine or stretch, a
    /// hold out of range) rather than a failure: front ends report it as a usage error.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::UnknownRoutine { .. }
                | Error::UnknownStretch { .. }
                | Error::HoldOutOfRange(_)
                | Error::PainOutOfRange(_)
                | Error::TimingOutOfRange(_)
        )
    }
}

/// The exit code of a terminal front end for a usage error (a bad flag, an unknown routine or
/// stretch, a hold out of range).
pub const EXIT_USAGE: u8 = 2;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How far ahead of this machine's clock a stored moment is still taken as it is: one later
/// than that (a clock set wrong, here or on the device an import came from) is left out of
/// the pain trend and of the refusal after an emergency sign.
pub(crate) const AHEAD_MS: i64 = 60 * 60 * 1000;

/// How long screening answers stand, in days: after that the next session asks the safety
/// questions again. Pain, health and the answers change; one question is whether the pain has
/// not improved after about a month, which answers a month old cannot tell.
pub const SCREENING_LASTS_DAYS: i64 = 30;

/// The longest any one phase timing may be, in seconds (a step, a rest, a check-in).
pub const TIMING_MAX: u32 = 600;

/// Checks phase timings other than the defaults: each at most [`TIMING_MAX`] seconds, and
/// words read at 1 to 20 a second.
fn check_timing(t: &limber_core::Timing) -> Result<()> {
    if !(1..=20).contains(&t.words_per_second) {
        return Err(Error::TimingOutOfRange(format!("words-per-second is from 1 to 20, not {}", t.words_per_second)));
    }
    let phases = [
        ("intro", t.intro),
        ("min-step", t.min_step),
        ("get-ready", t.get_ready),
        ("rest", t.rest),
        ("check-in", t.check_in),
    ];
    match phases.iter().find(|(_, secs)| *secs > TIMING_MAX) {
        Some((name, secs)) => Err(Error::TimingOutOfRange(format!("{name} is at most {TIMING_MAX} s, not {secs}"))),
        None => Ok(()),
    }
}

/// Holds the shortest and longest hold a person may choose for a session, in seconds: the same
/// limits content is held to ([`limber_core::Dose::HOLD_SECONDS`]).
pub const HOLD_RANGE: std::ops::RangeInclusive<u32> = limber_core::Dose::HOLD_SECONDS;

/// The exit code of a terminal front end after a session stopped for safety (sharp pain, pain
/// above 5 twice, an emergency sign, or screening advising a clinician first).
pub const EXIT_SAFETY: u8 = 3;

/// How much faster than real time a front end may run a session's clock (previews, tests).
pub const SPEED_RANGE: std::ops::RangeInclusive<f64> = 0.1..=1000.0;

/// The built-in content, with a directory of the person's own RON layered over it.
pub fn load_library(content_dir: Option<&Path>) -> Result<Library> {
    let Some(dir) = content_dir else { return Ok(limber_content::builtin()?) };
    let mut loader = limber_content::Loader::builtin();
    loader.add_dir(dir)?;
    Ok(loader.build()?)
}

/// The stretches as a list shows them: the built-in ones read from their own compiled list,
/// or, with a content directory, those of the library it makes.
pub fn load_entries(content_dir: Option<&Path>) -> Result<Vec<limber_core::StretchEntry>> {
    match content_dir {
        None => Ok(limber_content::builtin_entries()?),
        Some(dir) => Ok(load_library(Some(dir))?.entries()),
    }
}

/// What a person asks for when starting a session; `None` means "from the profile".
#[derive(Clone, Debug, Default)]
pub struct StartRequest {
    /// The routine.
    pub routine: String,
    /// Equipment at hand today.
    pub equipment: Option<Vec<Equipment>>,
    /// Positions to avoid today.
    pub avoid: Option<Vec<Position>>,
    /// Seconds per hold for every held stretch, instead of progression (10–60).
    pub hold: Option<u32>,
    /// Leave out the warm-up.
    pub no_warm_up: bool,
    /// Wait for the person before each stretch.
    pub wait_for_start: bool,
    /// Ask the screening questions again even when answers are stored.
    pub rescreen: bool,
    /// The pain rating before: asked, given, or skipped.
    pub pain_before: PainPrompt,
    /// The pain rating after: asked, given, or skipped.
    pub pain_after: PainPrompt,
    /// Phase timings other than the defaults (tests, previews).
    pub timing: Option<Timing>,
    /// Stretches to leave out as if set aside after sharp pain, besides those the history
    /// says: set aside in a session kept in a file that is not in the history yet.
    pub also_set_aside: Vec<StretchId>,
    /// When an emergency sign was reported, besides those the history says: in a session kept
    /// in a file that is not in the history yet. The session is refused for a day after it, as
    /// for one the history has.
    pub also_emergency_at: Option<i64>,
}

/// The safety questions on their own, ready to ask ([`App::start_screening`]).
#[derive(Debug)]
pub struct ScreeningStart {
    /// The session asking them.
    pub session: Session,
    /// Within a day of an emergency sign, the refusal a routine would get now: for a front end
    /// to say before the questions, so that answering them is not taken for leave to stretch.
    pub rest_today: Option<Error>,
}

/// A session ready to run, with what the driver needs to know about it.
#[derive(Debug)]
pub struct Started {
    /// The session, at time zero.
    pub session: Session,
    /// The screening record the session started with (needed to replay it).
    pub screening: Option<ScreeningRecord>,
    /// The person's profile (voice on by default, weekly goal).
    pub profile: Profile,
    /// When it started, Unix milliseconds.
    pub started_at_ms: i64,
    /// When the answers it asks again were given, when they lapsed
    /// ([`SCREENING_LASTS_DAYS`]).
    pub screening_lapsed_ms: Option<i64>,
    /// When the answers it asks again were given, when they no longer answer every question
    /// (an update, or one's own content, added one).
    pub screening_changed_ms: Option<i64>,
    /// The pain trend's advice to see a clinician, as it stands before this session (pain that
    /// stopped sessions lately, ratings that do not improve): said before it starts.
    pub clinician_advice: Option<String>,
    /// What a local front end brought into the history before it (sessions kept in files when
    /// they could not be saved: `local::Local::start`), in words.
    pub brought_in: Vec<String>,
}

impl Started {
    /// What to tell the person before the session starts, in words: the pain trend's advice to
    /// see a clinician, what was brought into the history first, what the plan changed from the routine, and why the safety questions
    /// come again when their answers lapsed.
    pub fn notes(&self, library: &limber_core::Library) -> Vec<String> {
        // The advice first: it asks the person to think again before going on.
        let mut notes: Vec<String> = self.clinician_advice.iter().cloned().collect();
        notes.extend(self.brought_in.iter().cloned());
        notes.extend(self.session.plan().adjustments.iter().map(|a| a.note(library)));
        if let Some(given) = self.screening_lapsed_ms {
            let date = when::zoned(given, &when::zone()).strftime("%-d %B %Y").to_string();
            notes.push(format!(
                "Your answers to the safety questions are from {date}. They are asked again after \
                 {SCREENING_LASTS_DAYS} days, since pain and health can change."
            ));
        }
        if let Some(given) = self.screening_changed_ms {
            let date = when::zoned(given, &when::zone()).strftime("%-d %B %Y").to_string();
            notes.push(format!(
                "The safety questions have changed since you answered them on {date}, so they are all \
                 asked again."
            ));
        }
        notes
    }

    /// The line crediting the article the session follows, when it does: it gives one of the
    /// article's stretches in full, or runs a built-in routine as it is (the article's routine,
    /// warm-up and advice, even with stand-ins for every stretch). A routine of one's own
    /// content alone gets none.
    pub fn credit(&self, library: &limber_core::Library) -> Option<String> {
        let plan = self.session.plan();
        let article_stretch = plan.items.iter().any(|i| i.choice.stretch.origin == limber_core::Origin::Article);
        let builtin_routine = limber_content::builtin().is_ok_and(|built_in| {
            built_in.routine(&plan.routine).is_some()
                && built_in.routine(&plan.routine) == library.routine(&plan.routine)
        });
        (article_stretch || builtin_routine).then(|| library.source.line())
    }
}

/// What recording a session that is over stored ([`App::record_as`]).
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The session's outcome.
    pub summary: Summary,
    /// Whether the session was stored (it is not when no exercise began).
    pub saved: bool,
    /// Whether screening answers given in this session were stored.
    pub screening_saved: bool,
    /// The stored session id, when saved.
    pub id: Option<SessionId>,
    /// Stretches whose hold grew, with the new hold in seconds.
    pub grown: Vec<(StretchId, u32)>,
    /// It was saved as a preview.
    pub preview: bool,
}

/// What finishing a session did.
#[derive(Clone, Debug, Serialize)]
pub struct Finished {
    /// The session's outcome.
    pub summary: Summary,
    /// Whether the session was stored (it is not when no exercise began).
    pub saved: bool,
    /// Whether screening answers given in this session were stored (they are once complete,
    /// or once an answer ends the screening).
    pub screening_saved: bool,
    /// The stored session id, when saved.
    pub id: Option<SessionId>,
    /// Stretches whose hold grew, with the new hold in seconds.
    pub grown: Vec<(StretchId, u32)>,
    /// This week against the goal, and the streak, after this session.
    pub adherence: Adherence,
    /// The trend of "before" ratings; `see_clinician` asks for advice.
    pub trend: PainTrend,
    /// It was saved as a preview (run faster than real time): no goal counted, no hold grown.
    pub preview: bool,
}

/// What recording `session`, over, run at `speed`, keeps, in the words [`Finished::saved_line`]
/// starts with: for a front end that shows the end before the recording is read back (the
/// server's page). `None` while it is not over.
pub fn kept_line(session: &Session, speed: f64) -> Option<&'static str> {
    let summary = session.summary()?;
    let saved = summary.is_recorded();
    Some(kept_words(&summary, saved, session.answered_all_now(), saved && limber_core::progress::is_preview(speed)))
}

/// What recording a session kept, in words: as a preview, the pain rating alone, the answers
/// alone, or nothing.
fn kept_words(summary: &Summary, saved: bool, screening_saved: bool, preview: bool) -> &'static str {
    match (saved, screening_saved) {
        (true, _) if preview => {
            "Saved as a preview (run faster than real time): it counts toward no weekly goal and grows no hold."
        }
        (true, _) if !summary.exercise_started => {
            "No exercise began; your pain rating is saved, so no hold grows today."
        }
        (true, _) => "Saved.",
        // After a chest-pain answer the answers clear no one: "saved" would say they do.
        (false, _) if summary.stopped == Some(StopReason::Emergency) => {
            "No exercise began. No more stretching today; the next session asks the safety questions again."
        }
        (false, true) => "No exercise began; your answers to the safety questions are saved.",
        (false, false) => "Nothing was saved: no exercise began.",
    }
}

impl Finished {
    /// What was kept, and this week against the goal, in words every front end shows.
    pub fn saved_line(&self) -> String {
        let kept = kept_words(&self.summary, self.saved, self.screening_saved, self.preview);
        let a = &self.adherence;
        let streak = match a.streak_weeks {
            0 => String::new(),
            1 => " · streak: 1 week".to_owned(),
            n => format!(" · streak: {n} weeks"),
        };
        format!("{kept} This week: {} of {} sessions{streak}.", a.this_week, a.goal)
    }

    /// Each hold that grew, in words every front end shows: "Seated twist now holds for 20 s".
    pub fn grown_lines(&self, library: &Library) -> Vec<String> {
        self.grown
            .iter()
            .map(|(id, seconds)| match library.stretch(id) {
                Some(s) => format!("{} now {}", s.name, s.dose.grown_to(*seconds)),
                None => format!("{id} now holds for {seconds} s"),
            })
            .collect()
    }
}

/// Statistics for one person.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// Sessions in all.
    pub sessions: usize,
    /// This week against the goal, and the streak.
    pub adherence: Adherence,
    /// Each stretch's hold and flag.
    pub holds: Vec<HoldStat>,
    /// The trend of "before" pain ratings.
    pub pain_trend: PainTrend,
    /// The latest sessions rated before they began (up to [`PAIN_CHART_RATINGS`]), oldest
    /// first: what a chart of pain over time draws.
    pub pain_ratings: Vec<Rating>,
}

/// How many of the latest rated sessions [`Stats::pain_ratings`] holds.
pub const PAIN_CHART_RATINGS: u32 = 60;

/// One stretch's progression, for statistics.
#[derive(Clone, Debug, Serialize)]
pub struct HoldStat {
    /// The stretch.
    pub stretch: StretchId,
    /// Its name, when the content still has it.
    pub name: Option<String>,
    /// Seconds per hold reached.
    pub hold_seconds: u32,
    /// Its hold range, when known.
    pub range: Option<(u32, u32)>,
    /// Set aside after sharp pain.
    pub flagged: bool,
}

/// Changes to a profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChange {
    /// Equipment owned.
    pub equipment: Option<Vec<Equipment>>,
    /// Positions avoided.
    pub avoid: Option<Vec<Position>>,
    /// Sessions per week wanted.
    pub weekly_goal: Option<u32>,
    /// Speak cues by default.
    pub voice: Option<bool>,
    /// Ring the bell (or beep) at the start, the last seconds and the end of each hold.
    pub sound: Option<bool>,
}

impl ProfileChange {
    /// Whether anything would change.
    pub fn is_empty(&self) -> bool {
        self.equipment.is_none()
            && self.avoid.is_none()
            && self.weekly_goal.is_none()
            && self.voice.is_none()
            && self.sound.is_none()
    }
}

/// The application: content plus store, shared by every front end.
#[derive(Clone)]
pub struct App {
    library: Arc<Library>,
    store: Arc<dyn Store>,
    rules: ProgressRules,
    plans: Arc<plans::Plans>,
}

impl App {
    /// An application over `library` and `store`.
    pub fn new(library: Library, store: Arc<dyn Store>) -> App {
        App { library: Arc::new(library), store, rules: ProgressRules::default(), plans: Arc::default() }
    }

    /// The content.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The single local user the CLI and TUI act for.
    pub async fn local_user(&self) -> Result<UserId> {
        Ok(self.store.local_user().await?)
    }

    /// Checks a routine id, naming the known ones when it is wrong.
    pub fn routine(&self, id: &str) -> Result<RoutineId> {
        let id = RoutineId::from(id);
        if self.library.routine(&id).is_some() {
            return Ok(id);
        }
        let known: Vec<&str> = self.library.routines.iter().map(|r| r.id.0.as_str()).collect();
        Err(Error::UnknownRoutine { id: id.0, known: known.join(", ") })
    }

    /// Checks a stretch id, naming the known ones when it is wrong.
    pub fn stretch(&self, id: &str) -> Result<&limber_core::Stretch> {
        self.library.stretch(&StretchId::from(id)).ok_or_else(|| {
            let known: Vec<&str> = self.library.stretches.iter().map(|s| s.id.as_str()).collect();
            Error::UnknownStretch { id: id.to_owned(), known: known.join(", ") }
        })
    }

    /// The plan options for `user` today: profile, progression and flags, then the request.
    async fn plan_options(&self, user: UserId, request: &StartRequest, profile: &Profile) -> Result<PlanOptions> {
        if let Some(hold) = request.hold
            && !HOLD_RANGE.contains(&hold)
        {
            return Err(Error::HoldOutOfRange(hold));
        }
        for prompt in [request.pain_before, request.pain_after] {
            if let PainPrompt::Given { score } = prompt
                && score > 10
            {
                return Err(Error::PainOutOfRange(score));
            }
        }
        if let Some(timing) = &request.timing {
            check_timing(timing)?;
        }
        let progression = self.store.progression(user).await?;
        Ok(options_from(request, profile, &progression))
    }
}

/// The plan options for `request`, from the person's `profile` and `progression` (checked
/// already): the one place a profile becomes a plan's options.
pub(crate) fn options_from(
    request: &StartRequest,
    profile: &Profile,
    progression: &std::collections::BTreeMap<limber_core::StretchId, limber_core::Progress>,
) -> PlanOptions {
    PlanOptions {
        equipment: request.equipment.clone().unwrap_or_else(|| profile.equipment.clone()).into_iter().collect(),
        avoid: request.avoid.clone().unwrap_or_else(|| profile.avoid.clone()).into_iter().collect(),
        holds: progression.iter().map(|(id, p)| (id.clone(), p.hold_seconds)).collect(),
        hold_override: request.hold,
        warm_up: !request.no_warm_up,
        wait_for_start: request.wait_for_start,
        flagged: progression
            .iter()
            .filter(|(_, p)| p.flagged)
            .map(|(id, _)| id.clone())
            .chain(request.also_set_aside.iter().cloned())
            .collect::<BTreeSet<_>>(),
        timing: request.timing.unwrap_or_default(),
        pain_before: request.pain_before,
        pain_after: request.pain_after,
    }
}

impl App {
    /// A planning error as a person reads it: stretches and routines by name, not by id.
    fn in_words(&self, e: limber_core::PlanError) -> Error {
        let limber_core::PlanError::NothingFits { routine, adjustments } = e else { return e.into() };
        let name = |id: &StretchId| self.library.stretch_name(id);
        let why = adjustments.iter().map(|a| format!("{} {}", name(&a.stretch), a.reason.describe()));
        // Only what applies: a stretch set aside after sharp pain is not a setting to change.
        use limber_core::Unfit;
        let mut changes = Vec::new();
        if adjustments.iter().any(|a| matches!(a.reason, Unfit::Needs(_))) {
            changes.push("say which equipment you have");
        }
        if adjustments.iter().any(|a| matches!(a.reason, Unfit::Position(_))) {
            changes.push("avoid fewer positions");
        }
        if adjustments.iter().any(|a| a.reason == Unfit::Flagged) {
            changes.push("clear a stretch set aside after sharp pain, only once it no longer hurts");
        }
        changes.push("choose another routine");
        let what_to_do = changes.join(", or ");
        let mut first = what_to_do.chars();
        let what_to_do = first.next().map_or_else(String::new, |c| c.to_uppercase().chain(first).collect());
        Error::NothingFits {
            routine: self.library.routine(&routine).map_or_else(|| routine.to_string(), |r| r.name.clone()),
            why: why.collect::<Vec<_>>().join("; "),
            what_to_do: format!("{what_to_do}."),
        }
    }

    /// Plans the routine for `user` and starts a session at time zero: screening is asked when
    /// no clear answers are stored (or when asked again), when an emergency sign was reported
    /// after them, or when they are older than [`SCREENING_LASTS_DAYS`] (or dated ahead). None starts on a day an emergency sign was reported
    /// ([`Error::EmergencyToday`]).
    pub async fn start(&self, user: UserId, request: &StartRequest, started_at_ms: i64) -> Result<Started> {
        let routine = self.routine(&request.routine)?;
        let latest = self.store.latest_screening(user).await?;
        // Emergencies that matter: in the last day, and since the answers stored.
        let since = latest.as_ref().map_or(i64::MAX, |e| e.taken_at_ms).min(started_at_ms.saturating_sub(DAY_MS));
        // One dated more than an hour ahead (a clock set wrong here, or on the device an import
        // came from) is not read: it would refuse every session until that date.
        let until = started_at_ms.saturating_add(AHEAD_MS);
        let last_emergency = self.last_emergency(user, since, until, request.also_emergency_at).await?;
        self.refuse_after_emergency(last_emergency, started_at_ms)?;
        let profile = self.stored_profile(user).await?;
        let options = self.plan_options(user, request, &profile).await?;
        let plan = Plan::resolve(&self.library, &routine, &options).map_err(|e| self.in_words(e))?;
        // Answers given before an emergency sign (reported here, or in a session imported from
        // another device) no longer clear the person.
        let standing = match request.rescreen {
            true => None,
            false => latest.filter(|entry| last_emergency.is_none_or(|at| entry.taken_at_ms > at)),
        };
        // Answers older than a month are asked again, and the person told why; so are answers
        // dated ahead (a clock set wrong), which would otherwise stand until a month after that.
        let lasts = SCREENING_LASTS_DAYS * DAY_MS;
        let lapsed =
            |taken: i64| started_at_ms.saturating_sub(taken) > lasts || taken > started_at_ms.saturating_add(AHEAD_MS);
        // Answers that leave a question unanswered, because it is new, are asked again, and the
        // person told why. (The empty list an emergency sign leaves is not a change of questions.)
        let changed = |record: &ScreeningRecord| {
            !record.answers.is_empty()
                && record.clearance(&self.library.screening) == limber_core::Clearance::Incomplete
        };
        let (screening, screening_lapsed_ms, screening_changed_ms) = match standing {
            Some(entry) if lapsed(entry.taken_at_ms) => (None, Some(entry.taken_at_ms), None),
            Some(entry) if changed(&entry.record) => (None, None, Some(entry.taken_at_ms)),
            entry => (entry.map(|e| e.record), None, None),
        };
        let session = Session::new(self.plans.share(plan), screening.as_ref(), limber_core::At::ZERO);
        let tallies = self.store.tallies(user).await?;
        let clinician_advice = self.trend(user, &tallies, &when::zone()).await?.advice;
        Ok(Started {
            session,
            screening,
            profile,
            started_at_ms,
            screening_lapsed_ms,
            screening_changed_ms,
            clinician_advice,
            brought_in: Vec::new(),
        })
    }

    /// [`Error::EmergencyToday`] for a day (24 hours, so never less than the rest of the local
    /// day, whatever the time zone) after an emergency sign reported at `last_emergency`.
    pub fn refuse_after_emergency(&self, last_emergency: Option<i64>, now_ms: i64) -> Result<()> {
        match last_emergency {
            Some(at) if now_ms.saturating_sub(at) < DAY_MS => {
                let tz = when::zone();
                let until = at.saturating_add(DAY_MS);
                let day =
                    if when::day_number(until, &tz) > when::day_number(now_ms, &tz) { "tomorrow" } else { "today" };
                Err(Error::EmergencyToday {
                    at: when::zoned(at, &tz).strftime("%H:%M").to_string(),
                    until: format!("{} {day}", when::zoned(until, &tz).strftime("%H:%M")),
                    at_ms: at,
                    until_ms: until,
                })
            }
            _ => Ok(()),
        }
    }

    /// Whether no session may start now for `user`, after an emergency sign reported in the
    /// last day: the refusal [`App::start`] would give, for a front end to say beside screening
    /// answers that are otherwise clear.
    pub async fn emergency_refusal(&self, user: UserId, now_ms: i64) -> Result<Option<Error>> {
        self.emergency_refusal_besides(user, now_ms, None).await
    }

    /// [`App::emergency_refusal`], counting also an emergency sign reported at `also` that the
    /// history does not have yet (as [`StartRequest::also_emergency_at`]).
    pub async fn emergency_refusal_besides(
        &self,
        user: UserId,
        now_ms: i64,
        also: Option<i64>,
    ) -> Result<Option<Error>> {
        let (since, until) = (now_ms.saturating_sub(DAY_MS), now_ms.saturating_add(AHEAD_MS));
        let last = self.last_emergency(user, since, until, also).await?;
        Ok(self.refuse_after_emergency(last, now_ms).err())
    }

    /// The latest emergency sign reported for `user` from `since` to `until`: the store's, or
    /// `also` (one the history does not have yet) when it falls in that time and is later.
    async fn last_emergency(&self, user: UserId, since: i64, until: i64, also: Option<i64>) -> Result<Option<i64>> {
        let stored = self.store.last_emergency(user, since, until).await?;
        Ok(stored.max(also.filter(|at| (since..=until).contains(at))))
    }

    /// `plan`, or an equal plan another session of this application already runs: a server
    /// with many sessions of one routine holds its plan once.
    pub fn share_plan(&self, plan: Plan) -> Arc<Plan> {
        self.plans.share(plan)
    }

    /// The safety questions on their own for `user` at `now_ms`, asked by a session under the
    /// same rules as any. Within a day of an emergency sign (the store's, or `also_emergency_at`
    /// not stored yet) they are still asked, since answers that are clear count once that day has
    /// passed, and the session's closing words say so rather than leave to stretch today.
    pub async fn start_screening(
        &self,
        user: UserId,
        now_ms: i64,
        also_emergency_at: Option<i64>,
    ) -> Result<ScreeningStart> {
        let rest_today = self.emergency_refusal_besides(user, now_ms, also_emergency_at).await?;
        let plan = Plan::screening_only(&self.library, rest_today.is_some());
        Ok(ScreeningStart { session: Session::new(plan, None, limber_core::At::ZERO), rest_today })
    }

    /// Stores screening answers given in `session` (if complete) at `taken_at_ms`. A screening
    /// stopped for an emergency sign (a yes to the chest-pain question, or chest pain reported
    /// at any question) stores an empty record after them: the answers stored before no longer
    /// count, and no session starts for a day ([`Store::last_emergency`] finds it).
    pub async fn save_screening(&self, user: UserId, session: &Session, taken_at_ms: i64) -> Result<Clearance> {
        let record = session.screening().clone();
        let clearance = record.clearance(&self.library.screening);
        let emergency = session.summary().is_some_and(|s| s.stopped == Some(StopReason::Emergency));
        // One write: the empty record alone after an emergency sign, as a session stores it.
        if emergency {
            let aside = ScreeningEntry { taken_at_ms, record: ScreeningRecord::default() };
            self.store.save_screening(user, &aside).await?;
        } else if clearance != Clearance::Incomplete {
            self.store.save_screening(user, &ScreeningEntry { taken_at_ms, record }).await?;
        }
        Ok(clearance)
    }

    /// Records a session that is over: the session, its progression changes and any screening
    /// answered in it, in one transaction. `speed` scales session time back to wall time.
    pub async fn finish(&self, user: UserId, session: &Session, started_at_ms: i64, speed: f64) -> Result<Finished> {
        self.finish_as(user, SessionId::new(), session, started_at_ms, speed).await
    }

    /// [`App::finish`] under a chosen record id: finishing the same session twice with one id
    /// records it once (the store is idempotent by id), so a server that stops between recording
    /// a session and forgetting it as live records it exactly once after a restart.
    pub async fn finish_as(
        &self,
        user: UserId,
        id: SessionId,
        session: &Session,
        started_at_ms: i64,
        speed: f64,
    ) -> Result<Finished> {
        let recorded = self.record_as(user, id, session, started_at_ms, speed).await?;
        let (adherence, trend) = self.standing(user, &when::zone()).await?;
        let Recorded { summary, saved, screening_saved, id, grown, preview } = recorded;
        Ok(Finished { summary, saved, screening_saved, id, grown, adherence, trend, preview })
    }

    /// [`App::finish_as`] without reading back the week and the pain trend: all a server needs,
    /// and everything that must be stored is stored before this returns — the session, its
    /// progression, the screening answered in it and, after an emergency stop, the answers set
    /// aside — so a failure to read the standing later never undoes or repeats any of it.
    pub async fn record_as(
        &self,
        user: UserId,
        id: SessionId,
        session: &Session,
        started_at_ms: i64,
        speed: f64,
    ) -> Result<Recorded> {
        self.record_finished(user, id, session, started_at_ms, speed).await
    }

    /// [`App::record_as`] for every session: the record, its progression and its screening.
    async fn record_finished(
        &self,
        user: UserId,
        id: SessionId,
        session: &Session,
        started_at_ms: i64,
        speed: f64,
    ) -> Result<Recorded> {
        let summary = session.summary().ok_or(Error::NotOver)?;
        let answered = session
            .answered_all_now()
            .then(|| ScreeningEntry { taken_at_ms: started_at_ms, record: session.screening().clone() });
        let screening_saved = answered.is_some();
        // "Do not stretch today": after an emergency stop the answers stored so far (this
        // session's too: it is newer than them) no longer clear the person. An empty record
        // makes the next session (or `screening`) ask every question again. It is stored with
        // the session, in its transaction, so a failure can never leave the old answers standing.
        let aside = (summary.stopped == Some(StopReason::Emergency)).then(|| {
            let ended_at_ms = record(&summary, started_at_ms, speed).ended_at_ms.max(started_at_ms + 1);
            ScreeningEntry { taken_at_ms: ended_at_ms, record: ScreeningRecord::default() }
        });
        let screening: Vec<ScreeningEntry> = answered.into_iter().chain(aside).collect();
        // Stopped before any exercise for a rating above 5 (a yes to "stop for today?"): the
        // session is recorded all the same, with that rating, so that the trend sees it and no
        // hold grows that day, as after any session that began with high pain. (It counts toward
        // no weekly goal: no stretch was done.)
        if !summary.is_recorded() {
            // No session to record: the entry alone, in one write. After an emergency stop that
            // is the empty record only (the answers before it would clear the person, should
            // the second of two writes fail).
            if let Some(entry) = screening.last() {
                self.store.save_screening(user, entry).await?;
            }
            return Ok(Recorded {
                summary,
                saved: false,
                screening_saved,
                id: None,
                grown: Vec::new(),
                preview: false,
            });
        }
        let tallies = self.store.tallies(user).await?;
        let usual = usual_pain_of_counts(&tallies.pain_before);
        let changes = session_changes(&summary, &self.library, usual);
        let record = SessionRecord { id, ..record(&summary, started_at_ms, speed) };
        let changes = if record.preview || self.hold_steady(user, usual, &tallies, &record).await? {
            without_growth(changes)
        } else {
            changes
        };
        let FinishReport { grown, .. } =
            self.store.finish_session(user, &record, &changes, self.rules, &screening).await?;
        Ok(Recorded { summary, saved: true, screening_saved, id: Some(record.id), grown, preview: record.preview })
    }

    /// Whether no hold may grow in a session `user` started at `started_at_ms`, whatever the
    /// session itself says: while the pain trend advises a clinician; for a day after a
    /// session that began with pain above their `usual` (or above 5) or that stopped for safety
    /// (sharp pain, pain above 5, an emergency sign), a day being 24 hours, which errs on the
    /// side of holding steady; and after an earlier session the same local day that did a
    /// stretch in full, so that holds lengthen over days as flexibility improves, not over
    /// sessions repeated in one morning (one a day counts toward a longer hold).
    async fn hold_steady(
        &self,
        user: UserId,
        usual: Option<u8>,
        tallies: &Tallies,
        this: &SessionRecord,
    ) -> Result<bool> {
        let started_at_ms = this.started_at_ms;
        // The trend with this session in it: its own rating may be the one that completes it.
        if self.trend_with(user, tallies, &when::zone(), Some(this)).await?.see_clinician {
            return Ok(true);
        }
        // Above 5 is too much whatever is usual (a new person's first rating is their usual).
        let high = |before: u8| before > 5 || usual.is_some_and(|usual| before > usual);
        let tz = when::zone();
        let today = when::day_number(started_at_ms, &tz);
        let counted_earlier_today = |s: &SessionRecord| {
            !s.preview
                && s.started_at_ms < started_at_ms
                && s.done() > 0
                && when::day_number(s.started_at_ms, &tz) == today
        };
        // Every session of the day before it and of its local date (which may be 25 hours long
        // when the clocks go back), however many (a day's are few); one that cannot be read
        // says nothing either way.
        let local_date = when::zoned(started_at_ms, &tz).date();
        let from = started_at_ms.saturating_sub(DAY_MS).min(when::start_of(local_date, &tz));
        let day = SessionQuery::oldest_first().since(Some(from));
        let mut sessions = self.store.stream_sessions(user, day);
        while let Some(read) = futures_util::StreamExt::next(&mut sessions).await {
            let session = match read {
                Ok(session) => session,
                Err(limber_store::Error::UnreadableSession { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            if session.started_at_ms > started_at_ms {
                break;
            }
            if session.pain_before.is_some_and(high)
                || session.stopped.is_some_and(StopReason::is_safety)
                || counted_earlier_today(&session)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// This week against the goal with the streak, and the pain trend, as they stand now.
    async fn standing(&self, user: UserId, tz: &TimeZone) -> Result<(Adherence, PainTrend)> {
        let profile = self.stored_profile(user).await?;
        let tallies = self.store.tallies(user).await?;
        Ok((self.adherence(user, profile.weekly_goal, tz).await?, self.trend(user, &tallies, tz).await?))
    }

    /// The sessions that count toward the goal in each of the last `weeks` local weeks, this
    /// week first: reads them newest first, only as far back as that.
    pub async fn sessions_per_week(&self, user: UserId, weeks: usize, tz: &TimeZone) -> Result<Vec<u64>> {
        let now = when::now_ms();
        let this_week = when::week_number(now, tz);
        let mut per_week = vec![0_u64; weeks];
        let mut starts = self.store.goal_session_starts(user);
        while let Some(ms) = starts.try_next().await? {
            // Dated more than an hour ahead: not happened yet (as in `adherence`).
            if ms > now.saturating_add(AHEAD_MS) {
                continue;
            }
            let back = this_week - when::week_number(ms, tz);
            match usize::try_from(back).ok().and_then(|b| per_week.get_mut(b)) {
                Some(n) => *n += 1,
                // A session dated ahead (a clock set wrong): in no week shown.
                None if back < 0 => {}
                None => break,
            }
        }
        Ok(per_week)
    }

    /// This week against `goal` and the streak, in local weeks: reads the sessions that count,
    /// newest first, only as far back as the streak goes.
    pub async fn adherence(&self, user: UserId, goal: u32, tz: &TimeZone) -> Result<Adherence> {
        let now = when::now_ms();
        let mut walk = AdherenceWalk::new(goal, when::week_number(now, tz));
        let mut starts = self.store.goal_session_starts(user);
        while let Some(ms) = starts.try_next().await? {
            // One dated more than an hour ahead (a clock set wrong, here or on the device an
            // import came from) has not happened yet: it counts in no week until it has.
            if ms > now.saturating_add(AHEAD_MS) {
                continue;
            }
            if !walk.push(when::week_number(ms, tz)) {
                break;
            }
        }
        Ok(walk.finish())
    }

    /// The trend of pain ratings, by local day, from the first rated session and the latest
    /// three.
    async fn trend(&self, user: UserId, tallies: &Tallies, tz: &TimeZone) -> Result<PainTrend> {
        self.trend_with(user, tallies, tz, None).await
    }

    /// [`App::trend`] as it will stand once `this` session (not stored yet) is.
    async fn trend_with(
        &self,
        user: UserId,
        tallies: &Tallies,
        tz: &TimeZone,
        this: Option<&SessionRecord>,
    ) -> Result<PainTrend> {
        // Sessions dated ahead (a clock set wrong, here or on another device) are left out: one
        // would stand as the latest until that date and hide every rating after it.
        let now = when::now_ms();
        let until = now.saturating_add(AHEAD_MS);
        let ends = self.store.pain_ends(user, TREND_LATEST, until).await?;
        self.trend_of(user, &ends, tallies, tz, this).await
    }

    /// The pain trend from `ends` already read (core reads their latest [`TREND_LATEST`]), with
    /// `this` session (not stored yet) when given.
    async fn trend_of(
        &self,
        user: UserId,
        ends: &PainEnds,
        tallies: &Tallies,
        tz: &TimeZone,
        this: Option<&SessionRecord>,
    ) -> Result<PainTrend> {
        let now = when::now_ms();
        let until = now.saturating_add(AHEAD_MS);
        let stops = self.store.pain_stops(user, now.saturating_sub(STOPS_DAYS * DAY_MS), until).await?;
        let day = |r: &Rating| RatedDay {
            day: when::day_number(r.started_at_ms, tz),
            before: r.pain_before,
            after: r.pain_after,
        };
        let mut latest: Vec<RatedDay> = ends.latest.iter().map(day).collect();
        let mut rated = usize::try_from(tallies.rated()).unwrap_or(usize::MAX);
        let (mut first, mut lowest, mut stops) = (ends.first.as_ref().map(day), ends.lowest_lately, stops);
        if let Some(this) = this {
            if let Some(before) = this.pain_before {
                let rating =
                    Rating { started_at_ms: this.started_at_ms, pain_before: before, pain_after: this.pain_after };
                latest.push(day(&rating));
                rated = rated.saturating_add(1);
                first = first.or(Some(day(&rating)));
                lowest = Some(lowest.map_or(before, |low| low.min(before)));
            }
            if matches!(this.stopped, Some(StopReason::SharpPain | StopReason::Pain)) {
                stops = stops.saturating_add(1);
            }
        }
        Ok(pain_trend_of_ends(rated, first, &latest, lowest, stops))
    }

    /// One page of history, newest first.
    pub async fn history(&self, user: UserId, query: HistoryQuery) -> Result<HistoryPage> {
        Ok(self.store.history(user, query).await?)
    }

    /// Every session since `since_ms`, oldest first, all in memory (small histories, tests).
    pub async fn sessions(&self, user: UserId, since_ms: Option<i64>) -> Result<Vec<SessionRecord>> {
        Ok(self.store.sessions(user, since_ms).await?)
    }

    /// `user`'s sessions one at a time as the store reads them (history, exports): memory does
    /// not grow with the history.
    pub fn stream_sessions(&self, user: UserId, query: SessionQuery) -> BoxStream<'_, Result<SessionRecord>> {
        Box::pin(self.store.stream_sessions(user, query).map_err(Error::from))
    }

    /// This week, the streak, each stretch's hold and the pain trend.
    pub async fn stats(&self, user: UserId) -> Result<Stats> {
        let tz = when::zone();
        let profile = self.stored_profile(user).await?;
        let tallies = self.store.tallies(user).await?;
        let progression = self.store.progression(user).await?;
        // One read serves both the chart and the trend (which reads the newest few of them).
        // Sessions dated ahead are left out of both.
        let until = when::now_ms().saturating_add(AHEAD_MS);
        let ends = self.store.pain_ends(user, PAIN_CHART_RATINGS, until).await?;
        let holds = progression
            .iter()
            .map(|(id, p): (&StretchId, &Progress)| {
                let stretch = self.library.stretch(id);
                HoldStat {
                    stretch: id.clone(),
                    name: stretch.map(|s| s.name.clone()),
                    hold_seconds: p.hold_seconds,
                    range: stretch.map(|s| (s.dose.range().low(), s.dose.range().high())),
                    flagged: p.flagged,
                }
            })
            .collect();
        Ok(Stats {
            sessions: usize::try_from(tallies.sessions).unwrap_or(usize::MAX),
            adherence: self.adherence(user, profile.weekly_goal, &tz).await?,
            holds,
            pain_trend: self.trend_of(user, &ends, &tallies, &tz, None).await?,
            pain_ratings: ends.latest,
        })
    }

    /// Reads an export file as a stream, checks every session and adds those not stored yet,
    /// in batches inside one transaction: all or nothing, in constant memory. A bad session is
    /// named by its position in the file.
    pub async fn import(&self, user: UserId, file: impl std::io::Read + Send + 'static) -> Result<ImportReport> {
        export::import(self.store.as_ref(), &self.library, user, file).await
    }

    /// Each stretch's progression: hold, streak and sharp-pain flag.
    pub async fn progression(
        &self,
        user: UserId,
    ) -> Result<std::collections::BTreeMap<StretchId, limber_core::Progress>> {
        Ok(self.store.progression(user).await?)
    }

    /// The person's profile as stored; a garbled one is [`Error::ProfileUnreadable`].
    async fn stored_profile(&self, user: UserId) -> Result<Profile> {
        self.store.profile(user).await.map_err(|e| match e {
            e @ limber_store::Error::Decode { .. } => Error::ProfileUnreadable(e.to_string()),
            e => Error::Store(e),
        })
    }

    /// The profile and the stretches set aside after sharp pain.
    pub async fn profile(&self, user: UserId) -> Result<(Profile, Vec<StretchId>)> {
        let profile = self.stored_profile(user).await?;
        let flagged = self.store.progression(user).await?.into_iter().filter(|(_, p)| p.flagged).map(|(id, _)| id);
        Ok((profile, flagged.collect()))
    }

    /// Applies `change` to the profile and saves it; returns the new profile.
    /// Nothing is saved when a value is out of range ([`Error::GoalOutOfRange`]).
    pub async fn update_profile(&self, user: UserId, change: ProfileChange) -> Result<Profile> {
        // A profile that cannot be read is replaced when both of its lists are given anew.
        let mut profile = match self.stored_profile(user).await {
            Err(Error::ProfileUnreadable(_)) if change.equipment.is_some() && change.avoid.is_some() => {
                Profile::default()
            }
            read => read?,
        };
        if let Some(mut e) = change.equipment {
            e.sort();
            e.dedup();
            profile.equipment = e;
        }
        if let Some(mut a) = change.avoid {
            a.sort();
            a.dedup();
            profile.avoid = a;
        }
        if let Some(goal) = change.weekly_goal {
            if !WEEKLY_GOALS.contains(&goal) {
                return Err(Error::GoalOutOfRange(goal));
            }
            profile.weekly_goal = goal;
        }
        if let Some(voice) = change.voice {
            profile.voice = voice;
        }
        if let Some(sound) = change.sound {
            profile.sound = sound;
        }
        self.store.save_profile(user, &profile).await?;
        Ok(profile)
    }

    /// [`App::set_aside`] from a terminal front end's own loop, at the press: it waits at most
    /// half a second, so a database held by another program (a long import, a backup) never
    /// holds up what the person presses next. Returns whether it was stored; if not, recording
    /// the session sets it aside, and says so if it cannot.
    pub async fn set_aside_at_press(&self, user: UserId, stretch: &StretchId) -> bool {
        const PRESS_WAIT: std::time::Duration = std::time::Duration::from_millis(500);
        matches!(tokio::time::timeout(PRESS_WAIT, self.set_aside(user, stretch)).await, Ok(Ok(())))
    }

    /// Sets `stretch` aside for `user` as soon as sharp pain is reported in a session that is
    /// not recorded yet (it still asks for the rating after): a session started meanwhile
    /// leaves it out. Recording the session sets it aside again, which changes nothing.
    pub async fn set_aside(&self, user: UserId, stretch: &StretchId) -> Result<()> {
        let low = self.library.stretch(stretch).map_or(0, |s| s.dose.range().low());
        Ok(self.store.set_aside(user, stretch, Progress::start(low)).await?)
    }

    /// Clears the sharp-pain flag on a stretch so plans include it again, from the start of its
    /// range (not at the hold that hurt).
    /// A stretch this limber's content lacks (set aside in an imported history) can be cleared
    /// too, by its id.
    pub async fn clear_flag(&self, user: UserId, stretch: &str) -> Result<bool> {
        let (id, low) = match self.stretch(stretch) {
            Ok(known) => (known.id.clone(), known.dose.range().low()),
            Err(unknown) => {
                // No range to go back to: its hold stays as stored (an export of it still imports).
                let id = StretchId::from(stretch.trim());
                match self.store.progression(user).await?.get(&id) {
                    Some(stored) if stored.flagged => (id, stored.hold_seconds),
                    _ => return Err(unknown),
                }
            }
        };
        Ok(self.store.clear_flag(user, &id, Progress::cleared(low)).await?)
    }
}

/// The stored form of a session: wall-clock start, and the end scaled back from session time.
pub fn record(summary: &Summary, started_at_ms: i64, speed: f64) -> SessionRecord {
    let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
    let real_ms = |d: std::time::Duration| i64::try_from(d.div_f64(speed).as_millis()).unwrap_or(i64::MAX);
    SessionRecord {
        id: SessionId::new(),
        routine: summary.routine.clone(),
        started_at_ms,
        ended_at_ms: started_at_ms.saturating_add(real_ms(summary.ended.0)),
        stopped: summary.stopped,
        warmed_up: summary.warmed_up,
        active_ms: i64::try_from(summary.active.as_millis()).unwrap_or(i64::MAX),
        pain_before: summary.pain_before,
        pain_after: summary.pain_after,
        flagged: summary.flagged.as_ref().map(|s| s.0.clone()),
        items: summary.items.clone(),
        preview: is_preview(speed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A desk break planned as `limber run desk` plans it, run hands-free to its end (every
    /// stretch done, nothing felt), with `before`.
    async fn hands_free(app: &App, user: UserId, before: Option<u8>) -> Session {
        let request = StartRequest {
            routine: "desk".into(),
            no_warm_up: true,
            pain_before: before.map_or(PainPrompt::Skip, |score| PainPrompt::Given { score }),
            ..StartRequest::default()
        };
        // Started when the latest answers were given, so that they stand.
        let answered = app.store().latest_screening(user).await.expect("read").map_or(0, |e| e.taken_at_ms);
        let mut session = app.start(user, &request, answered).await.expect("started").session;
        session.advance(limber_core::At::secs(24 * 60 * 60));
        assert!(session.phase().is_over(), "{:?}", session.phase());
        session
    }

    /// The built-in content over a fresh SQLite store, with the local user's screening answered
    /// clear (the directory lives as long as the returned guard).
    async fn screened_app() -> (tempfile::TempDir, App, UserId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = limber_store::SqliteStore::open(dir.path()).await.expect("store");
        let app = App::new(limber_content::builtin().expect("content"), Arc::new(store));
        let user = app.local_user().await.expect("user");
        screen(&app, user, 0).await;
        (dir, app, user)
    }

    /// Stores the screening answered clear at `at` (answers stand for a month).
    async fn screen(app: &App, user: UserId, at: i64) {
        let clear = ScreeningRecord {
            answers: app.library().screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
            clinician_assessed: false,
        };
        app.store().save_screening(user, &ScreeningEntry { taken_at_ms: at, record: clear }).await.expect("saved");
    }

    #[tokio::test]
    async fn sessions_per_week_counts_each_local_week_this_week_first() {
        let (_dir, app, user) = screened_app().await;
        const WEEK: i64 = 7 * 24 * 60 * 60 * 1000;
        let now = when::now_ms();
        // This week, two the week before, one five weeks back, and a preview (which counts for
        // no goal) this week.
        for at in [now, now - WEEK, now - WEEK - 60_000, now - 5 * WEEK] {
            app.finish(user, &hands_free(&app, user, None).await, at, 1.0).await.expect("recorded");
        }
        app.finish(user, &hands_free(&app, user, None).await, now, 10.0).await.expect("recorded");
        // One dated an hour and a half ahead (a clock set wrong where it was recorded) has not
        // happened yet: in no week, as in the week's goal.
        app.finish(user, &hands_free(&app, user, None).await, now + 90 * 60_000, 1.0).await.expect("recorded");
        let tz = jiff::tz::TimeZone::UTC;
        assert_eq!(app.adherence(user, 3, &tz).await.expect("adherence").this_week, 1);
        let weeks = app.sessions_per_week(user, 4, &tz).await.expect("counted");
        // (The week before may hold 1 or 2: "a week ago" is last week in local weeks, and so is
        // a minute before it, unless the week turned over in that minute.)
        assert_eq!((weeks[0], weeks[1] + weeks[2], weeks[3]), (1, 2, 0), "{weeks:?}");
        assert_eq!(weeks.len(), 4);
    }

    #[tokio::test]
    async fn no_hold_grows_for_a_day_after_a_session_begun_with_pain_above_the_usual() {
        let (_dir, app, user) = screened_app().await;
        const HOUR: i64 = 60 * 60 * 1000;
        let t0 = 1_800_000_000_000;
        let finish = async |before: Option<u8>, at: i64| {
            let session = hands_free(&app, user, before).await;
            app.finish(user, &session, at, 1.0).await.expect("recorded").grown
        };
        // Usually 2 before: two comfortable sessions grow the holds once.
        assert!(finish(Some(2), t0 - 10 * 24 * HOUR).await.is_empty());
        assert!(!finish(Some(2), t0 - 9 * 24 * HOUR).await.is_empty(), "the second grows them");
        // A 4 before today: nothing grows that day, not even in sessions after it that skip the
        // rating (two of them would grow the holds otherwise).
        assert!(finish(Some(4), t0).await.is_empty());
        // However many sessions come between (previews at 2, say).
        for minute in 1..=20 {
            let session = hands_free(&app, user, Some(2)).await;
            app.finish(user, &session, t0 + minute * 60 * 1000, 10.0).await.expect("recorded");
        }
        for hour in [1, 2] {
            assert_eq!(finish(None, t0 + hour * HOUR).await, [], "{hour} h after");
        }
        // A day on, two comfortable sessions (on two days) grow them again.
        assert!(finish(None, t0 + 25 * HOUR).await.is_empty());
        assert!(!finish(None, t0 + 49 * HOUR).await.is_empty(), "a day later they grow");
    }

    /// A desk break started at `at`, with no ratings, that `report` (a safety report) stops
    /// 90 s in, recorded.
    async fn stopped_by(app: &App, user: UserId, at: i64, report: limber_core::Intent) -> Finished {
        let request = StartRequest {
            routine: "desk".into(),
            no_warm_up: true,
            pain_before: PainPrompt::Skip,
            pain_after: PainPrompt::Skip,
            ..StartRequest::default()
        };
        // Answered clear a minute before, so that it goes past the questions.
        screen(app, user, at - 60_000).await;
        let mut session = app.start(user, &request, at).await.expect("started").session;
        session.advance(limber_core::At::secs(90));
        session.handle(report, limber_core::At::secs(90)).expect("heard");
        session.advance(limber_core::At::secs(24 * 60 * 60));
        assert!(session.phase().is_over(), "{:?}", session.phase());
        app.finish(user, &session, at, 1.0).await.expect("recorded")
    }

    /// A desk break started at `at` that ends at chest pain 90 s in.
    async fn chest_pain(app: &App, user: UserId, at: i64) -> Finished {
        stopped_by(app, user, at, limber_core::Intent::Chest).await
    }

    #[tokio::test]
    async fn after_an_emergency_sign_no_session_starts_that_day_and_the_next_asks_every_question() {
        let (_dir, app, user) = screened_app().await;
        const HOUR: i64 = 60 * 60 * 1000;
        let tz = when::zone();
        let noon = when::start_of(when::parse_date("2026-03-10").expect("date"), &tz) + 12 * HOUR;
        let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
        screen(&app, user, noon - HOUR).await;
        assert!(app.start(user, &desk, noon).await.expect("started").screening.is_some(), "cleared at first");
        let stopped = chest_pain(&app, user, noon).await;
        assert_eq!(stopped.summary.stopped, Some(StopReason::Emergency));
        // Two hours on, late that evening, with the questions asked again or not, and the next
        // morning (a day is 24 hours, not the rest of a date a time zone may cut short): refused.
        for (later, rescreen) in [(2 * HOUR, false), (11 * HOUR, true), (23 * HOUR, false)] {
            let request = StartRequest { rescreen, ..desk.clone() };
            match app.start(user, &request, noon + later).await {
                Err(e @ Error::EmergencyToday { .. }) => assert!(e.is_safety() && e.to_string().contains("12:0")),
                other => panic!("{later} ms on: {:?}", other.map(|s| s.session.phase())),
            }
        }
        // A day after it, it starts, at the first safety question: the answers before no longer count.
        let next_day = app.start(user, &desk, noon + 25 * HOUR).await.expect("starts a day after");
        assert!(next_day.screening.is_none());
        assert!(matches!(next_day.session.phase(), limber_core::Phase::Screening { question: 0 }));
    }

    #[tokio::test]
    async fn answers_given_before_a_question_was_added_are_asked_again_with_the_reason_said() {
        let (_dir, app, user) = screened_app().await;
        let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
        let now = when::now_ms();
        // Answers to the questions of an older limber: one it no longer asks, one it now asks
        // missing (the old "age-history" question was split in two).
        let mut answers: Vec<(String, bool)> =
            app.library().screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect();
        answers.retain(|(id, _)| id != "bone-immune-history");
        answers.push(("age-history".to_owned(), false));
        let older = ScreeningRecord { answers, clinician_assessed: false };
        let entry = ScreeningEntry { taken_at_ms: now - 60_000, record: older };
        app.store().save_screening(user, &entry).await.expect("saved");
        let started = app.start(user, &desk, now).await.expect("started");
        assert_eq!((started.screening.is_some(), started.screening_changed_ms), (false, Some(now - 60_000)));
        assert!(matches!(started.session.phase(), limber_core::Phase::Screening { question: 0 }));
        let notes = started.notes(app.library());
        assert!(
            notes.iter().any(|n| n.contains("The safety questions have changed since you answered them")),
            "{notes:?}"
        );
        // Answered in full again, they stand, and nothing more is said.
        screen(&app, user, now).await;
        let started = app.start(user, &desk, now + 1).await.expect("started");
        assert_eq!((started.screening.is_some(), started.screening_changed_ms), (true, None));
        assert!(started.notes(app.library()).iter().all(|n| !n.contains("safety questions")));
    }

    #[tokio::test]
    async fn answers_stand_for_a_month_and_then_are_asked_again_with_the_reason_said() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
        let answered = when::now_ms() - 40 * DAY;
        screen(&app, user, answered).await;
        let lapse = |started: &Started| (started.screening.is_some(), started.screening_lapsed_ms);
        // Up to 30 days after the answers, they stand and nothing is said of them.
        let within = app.start(user, &desk, answered + 30 * DAY).await.expect("started");
        assert_eq!(lapse(&within), (true, None));
        assert!(!matches!(within.session.phase(), limber_core::Phase::Screening { .. }));
        assert!(within.notes(app.library()).iter().all(|n| !n.contains("safety questions")));
        // After that, every question again, and the notes say why.
        let after = app.start(user, &desk, answered + 31 * DAY).await.expect("started");
        assert_eq!(lapse(&after), (false, Some(answered)));
        assert!(matches!(after.session.phase(), limber_core::Phase::Screening { question: 0 }));
        let notes = after.notes(app.library());
        assert!(notes.iter().any(|n| n.contains("asked again after 30 days")), "{notes:?}");
        // Answered again, they stand for another month, to the millisecond.
        screen(&app, user, answered + 31 * DAY).await;
        assert_eq!(lapse(&app.start(user, &desk, answered + 32 * DAY).await.expect("started")), (true, None));
        assert_eq!(lapse(&app.start(user, &desk, answered + 61 * DAY).await.expect("started")), (true, None));
        let just_after = answered + 61 * DAY + 1;
        assert_eq!(
            lapse(&app.start(user, &desk, just_after).await.expect("started")),
            (false, Some(answered + 31 * DAY))
        );
        // Answers dated more than an hour ahead (a clock set wrong) do not stand until then.
        let ahead = answered + 40 * DAY;
        screen(&app, user, ahead).await;
        let started = app.start(user, &desk, ahead - 2 * 60 * 60 * 1000).await.expect("started");
        assert_eq!(lapse(&started), (false, Some(ahead)));
    }

    #[tokio::test]
    async fn an_emergency_stop_from_another_device_sets_the_answers_given_before_it_aside() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let then = when::now_ms() - 3 * DAY;
        // Answered clear the day before the emergency: they would stand but for it.
        screen(&app, user, then - DAY).await;
        // Stored as an import stores it: the session alone, with no screening record of its own.
        let mut session = hands_free(&app, user, None).await;
        let mut stopped = record(&session.summary().expect("over"), then, 1.0);
        stopped.stopped = Some(StopReason::Emergency);
        app.store().import(user, std::slice::from_ref(&stopped)).await.expect("imported");
        session = app
            .start(user, &StartRequest { routine: "desk".into(), ..StartRequest::default() }, then + 2 * DAY)
            .await
            .expect("started two days after")
            .session;
        assert!(matches!(session.phase(), limber_core::Phase::Screening { question: 0 }), "{:?}", session.phase());
    }

    #[tokio::test]
    async fn an_emergency_dated_ahead_by_a_wrong_clock_refuses_nothing_and_hides_no_real_one() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = when::now_ms();
        let desk_break = hands_free(&app, user, None).await.summary().expect("over");
        let emergency_at =
            |at: i64| record(&Summary { stopped: Some(StopReason::Emergency), ..desk_break.clone() }, at, 1.0);
        // From a device whose clock ran 300 days ahead: nothing is refused today.
        app.store().import(user, &[emergency_at(now + 300 * DAY)]).await.expect("imported");
        let desk = StartRequest { routine: "desk".into(), ..StartRequest::default() };
        assert!(app.start(user, &desk, now).await.is_ok(), "not refused for 300 days");
        // A real one an hour ago still is, though the one ahead is later.
        app.store().import(user, &[emergency_at(now - 60 * 60 * 1000)]).await.expect("imported");
        assert!(matches!(app.start(user, &desk, now).await, Err(Error::EmergencyToday { .. })));
        assert!(app.emergency_refusal(user, now).await.expect("read").is_some());
    }

    #[tokio::test]
    async fn one_session_a_day_counts_toward_a_longer_hold() {
        let (_dir, app, user) = screened_app().await;
        const HOUR: i64 = 60 * 60 * 1000;
        let morning = when::start_of(when::parse_date("2026-03-10").expect("date"), &when::zone()) + 8 * HOUR;
        let finish = async |at: i64| {
            let session = hands_free(&app, user, None).await;
            app.finish(user, &session, at, 1.0).await.expect("recorded").grown
        };
        // Six comfortable sessions in one day grow nothing past the first's step toward it...
        for hour in 0..6 {
            assert_eq!(finish(morning + hour * HOUR).await, [], "{hour} h on, the same day");
        }
        // ...and the next day's completes it: one session a day counts.
        assert!(!finish(morning + 24 * HOUR).await.is_empty(), "the next day");
    }

    #[tokio::test]
    async fn no_hold_grows_for_a_day_after_a_stop_for_sharp_pain() {
        let (_dir, app, user) = screened_app().await;
        const HOUR: i64 = 60 * 60 * 1000;
        // 01:00 local time.
        let t0 = when::start_of(when::parse_date("2026-03-10").expect("date"), &when::zone()) + HOUR;
        let finish = async |at: i64| {
            let session = hands_free(&app, user, None).await;
            app.finish(user, &session, at, 1.0).await.expect("recorded").grown
        };
        // One comfortable session: the next would grow the holds.
        assert!(finish(t0 - 10 * 24 * HOUR).await.is_empty());
        // Sharp pain in the middle of a session two hours before.
        let recorded = stopped_by(&app, user, t0 - 2 * HOUR, limber_core::Intent::SharpPain { during: None }).await;
        assert_eq!(recorded.summary.stopped, Some(StopReason::SharpPain));
        // The comfortable session after it grows nothing (the rest of the desk break would
        // have grown); a day after the stop (the next day) they grow.
        assert_eq!(finish(t0).await, [], "two hours after sharp pain");
        assert!(!finish(t0 + 23 * HOUR).await.is_empty(), "25 hours after");
    }

    #[tokio::test]
    async fn a_session_dated_ahead_hides_no_worsening_from_the_trend() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = when::now_ms();
        for (before, days_ago) in [(1, 40), (2, 6), (3, 4), (5, 2)] {
            app.finish(user, &hands_free(&app, user, Some(before)).await, now - days_ago * DAY, 1.0)
                .await
                .expect("recorded");
        }
        let stats = app.stats(user).await.expect("stats");
        let worse = stats.pain_trend;
        assert!(worse.see_clinician && worse.first_and_latest == Some((1, 5)), "{worse:?}");
        // The chart and the trend come from one read: all four ratings, oldest first.
        let befores = |ratings: &[Rating]| ratings.iter().map(|r| r.pain_before).collect::<Vec<_>>();
        assert_eq!(befores(&stats.pain_ratings), [1, 2, 3, 5]);
        // From a device whose clock ran two months ahead: a 0 that would stand as the latest.
        let ahead =
            app.finish(user, &hands_free(&app, user, Some(0)).await, now + 60 * DAY, 1.0).await.expect("recorded");
        let read = |t: &PainTrend| (t.first_and_latest, t.see_clinician, t.advice.clone());
        assert_eq!(read(&ahead.trend), read(&worse), "the trend reads as before: {:?}", ahead.trend);
        let stats = app.stats(user).await.expect("stats");
        assert_eq!(read(&stats.pain_trend), read(&worse), "{:?}", stats.pain_trend);
        assert_eq!(befores(&stats.pain_ratings), [1, 2, 3, 5], "nor does the chart show it");
    }

    #[tokio::test]
    async fn two_sessions_stopped_for_sharp_pain_in_a_month_advise_a_clinician() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = when::now_ms();
        let mut advice = Vec::new();
        for days_ago in [40, 20, 3] {
            let sharp = limber_core::Intent::SharpPain { during: None };
            advice.push(stopped_by(&app, user, now - days_ago * DAY, sharp).await.trend.advice);
        }
        // 40 days ago is outside the month: the second stop is the first of the last 30 days.
        assert_eq!(advice[..2], [None, None], "{advice:?}");
        let said = advice[2].clone().expect("advice after the second stop in 30 days");
        assert!(said.contains("Pain has stopped 2 of your sessions in the last 30 days"), "{said}");
        assert_eq!(app.stats(user).await.expect("stats").pain_trend.advice, Some(said.clone()));
        // Said again before the next session, first of what it tells, since it asks the person
        // to see someone before going on.
        screen(&app, user, now - 60_000).await;
        let request = StartRequest { routine: "desk".into(), no_warm_up: true, ..StartRequest::default() };
        let next = app.start(user, &request, now).await.expect("started");
        assert_eq!(next.notes(app.library()).first(), Some(&said));
    }

    #[tokio::test]
    async fn no_hold_grows_while_the_pain_trend_advises_a_clinician() {
        let (_dir, app, user) = screened_app().await;
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = when::now_ms();
        let finish = async |before: u8, at: i64| {
            let session = hands_free(&app, user, Some(before)).await;
            app.finish(user, &session, at, 1.0).await.expect("recorded")
        };
        // A steady 3 before each session, never above the usual: comfortable sessions grow.
        assert!(finish(3, now - 40 * DAY).await.grown.is_empty());
        assert!(!finish(3, now - 39 * DAY).await.grown.is_empty(), "the second grows them");
        assert!(finish(3, now - 38 * DAY).await.grown.is_empty(), "one more toward the next step");
        // A month on, still 3: this session's own rating makes the trend advise a clinician, so
        // it holds steady, though it would complete the next step.
        let month_on = finish(3, now - 5 * DAY).await;
        assert!(month_on.trend.see_clinician, "{:?}", month_on.trend);
        assert_eq!(month_on.grown, [], "held steady by the advice its own rating brings");
        let next = finish(3, now - DAY).await;
        assert!(next.trend.see_clinician);
        assert_eq!(next.grown, [], "held steady while the advice stands");
    }

    #[tokio::test]
    async fn a_stop_for_pain_before_the_routine_is_kept_and_holds_no_hold_grows_that_day_even_for_a_new_person() {
        let (_dir, app, user) = screened_app().await;
        const HOUR: i64 = 60 * 60 * 1000;
        let t0 = 1_800_000_000_000;
        // The first session ever: 8 before, and a yes to stopping for today.
        let request = StartRequest {
            routine: "desk".into(),
            pain_before: PainPrompt::Given { score: 8 },
            ..StartRequest::default()
        };
        let mut stopped = app.start(user, &request, 0).await.expect("started").session;
        stopped.handle(limber_core::Intent::Yes, limber_core::At::secs(1)).expect("stop for today");
        let recorded = app.finish(user, &stopped, t0, 1.0).await.expect("recorded");
        assert!(recorded.saved && !recorded.summary.exercise_started, "kept, though nothing was done");
        assert_eq!(recorded.adherence.this_week, 0, "no goal counts it");
        // Its 8 is this person's usual so far; two comfortable sessions later that day grow nothing.
        for hour in [1, 2] {
            let session = hands_free(&app, user, None).await;
            let grown = app.finish(user, &session, t0 + hour * HOUR, 1.0).await.expect("recorded").grown;
            assert_eq!(grown, [], "{hour} h after");
        }
    }
}
