//! Finishing a session: what is recorded (the session, its progression and screening, in one
//! transaction), what that kept in words, and whether holds grow.

use limber_core::progress::{is_preview, session_changes, usual_pain_of_counts, without_growth};
use limber_core::{Adherence, Library, PainTrend, ScreeningRecord, Session, StopReason, StretchId, Summary};
use limber_store::{DAY_MS, FinishReport, ScreeningEntry, SessionId, SessionQuery, SessionRecord, Tallies, UserId};
use serde::Serialize;

use crate::{App, Error, Result, when};

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

impl App {
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
