//! Starting a session: what a person asks for, the plan from their profile and progression,
//! the safety questions, and the refusal on the day of an emergency sign.

use std::collections::BTreeSet;
use std::sync::Arc;

use limber_core::{
    Clearance, Equipment, PainPrompt, Plan, PlanOptions, Position, ScreeningRecord, Session, StopReason, StretchId,
    Timing,
};
use limber_store::{DAY_MS, Profile, ScreeningEntry, UserId};

use crate::{AHEAD_MS, App, Error, HOLD_RANGE, Result, SCREENING_LASTS_DAYS, check_timing, when};

/// Said before a session on a day when pain stopped an earlier one.
pub const STOPPED_FOR_PAIN_TODAY: &str = "Pain stopped a session of yours earlier today, with the advice to leave the \
     stretches for the day and to have the pain checked by a doctor or physiotherapist if it does not settle. Go on \
     only if it has settled: keep every stretch gentle, and stop at once if it comes back.";

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
    /// Whether a session earlier the same local day stopped for pain (sharp pain, or a rating
    /// above 5 the person stopped for), whose advice was to leave the stretches for the day.
    pub stopped_for_pain_today: bool,
}

impl Started {
    /// What to tell the person before the session starts, in words: the pain trend's advice to
    /// see a clinician, a stop for pain earlier the same day, what was brought into the history first, what the plan changed from the routine, and why the safety questions
    /// come again when their answers lapsed.
    pub fn notes(&self, library: &limber_core::Library) -> Vec<String> {
        // The advice first: it asks the person to think again before going on.
        let mut notes: Vec<String> = self.clinician_advice.iter().cloned().collect();
        if self.stopped_for_pain_today {
            // No rule refuses the session (the pain may have settled), but it is not started
            // as if that advice had never been given.
            notes.push(STOPPED_FOR_PAIN_TODAY.to_owned());
        }
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
    /// The plan options for `user` today: profile, progression and flags, then the request.
    pub(crate) async fn plan_options(
        &self,
        user: UserId,
        request: &StartRequest,
        profile: &Profile,
    ) -> Result<PlanOptions> {
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
        let tz = when::zone();
        let clinician_advice = self.trend(user, &tallies, &tz).await?.advice;
        let today = when::start_of(when::zoned(started_at_ms, &tz).date(), &tz);
        let stopped_for_pain_today = self.store.pain_stops(user, today, started_at_ms).await? > 0;
        Ok(Started {
            session,
            screening,
            profile,
            started_at_ms,
            screening_lapsed_ms,
            screening_changed_ms,
            clinician_advice,
            brought_in: Vec::new(),
            stopped_for_pain_today,
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
    /// count, and no session starts for a day ([`Store::last_emergency`](limber_store::Store::last_emergency) finds it).
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
}
