//! Live sessions on the server's clock: one tokio task per session sleeps until its next
//! deadline, a session is stored once (plan + screening + log) when it starts and every
//! accepted intent is appended through the [`Journal`] before it is answered, and a session that
//! is over is recorded through `App::finish_as` exactly once. On a store that other instances
//! share, sessions are loaded on demand, followed through [`Store::watch_live`], and an intent
//! whose place in the log another instance took is re-applied after a reload.
//!
//! [`Store::watch_live`]: limber_app::store::Store::watch_live

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use limber_app::App;
use limber_app::store::{LiveChange, LiveEvent, LiveRecord, SessionId, UserId};
use limber_core::{At, Intent, Logged, Plan, Rejected, ScreeningRecord, Session, SessionLog, SessionView, Summary};
use serde::Serialize;
use tokio::sync::{Mutex, Notify, mpsc, oneshot, watch};

/// Why a live session could not be started, resumed or saved.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The store failed.
    #[error(transparent)]
    App(#[from] limber_app::Error),
    /// A stored live session does not parse or replay.
    #[error("live session {id} cannot be resumed: {detail}")]
    Resume {
        /// Which.
        id: SessionId,
        /// Why.
        detail: String,
    },
    /// The journal's writer is gone (the server is stopping).
    #[error("the server is stopping and stores no more intents")]
    JournalStopped,
    /// The session was let go here again and again while being loaded (other instances keep
    /// taking it over).
    #[error("session {0} keeps moving between instances; try again")]
    Unsettled(SessionId),
    /// The person has as many sessions under way as the server allows
    /// ([`Registry::with_live_limit`]).
    #[error(
        "you already have {} under way, and this server allows {limit} at once: finish or stop {} (the intent \
         \"quit\") before starting another",
        if *.open == 1 { "a session".to_owned() } else { format!("{} sessions", .open) },
        if *.open == 1 { "it" } else { "one of them" }
    )]
    TooMany {
        /// How many the person has.
        open: u64,
        /// How many are allowed.
        limit: u64,
    },
    /// The session has as many event streams open on this instance as one session may
    /// ([`STREAMS_PER_SESSION`]).
    #[error(
        "this session already has {STREAMS_PER_SESSION} event streams open here: close a tab or device \
         following it, then try again"
    )]
    TooManyStreams,
    /// The task applying an intent stopped before it finished (the server is stopping).
    #[error("the intent was interrupted before it was stored")]
    Interrupted,
    /// The engine's own form of a value could not be written.
    #[error("cannot serialize a session: {0}")]
    Json(#[from] serde_json::Error),
}

/// How many event streams one session may have open on one instance: a person follows a
/// session from a few tabs and devices, and each stream holds a connection (a file descriptor)
/// for as long as the session runs, so one person (one token) cannot use up the server's.
pub const STREAMS_PER_SESSION: usize = 16;

/// Whether a live session is a guided routine or the safety questions on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A routine: recorded in history when over.
    Routine,
    /// The screening questions only: the answers are stored when complete.
    Screening,
}

/// The mutable part of a live session.
#[derive(Debug)]
pub struct State {
    /// The engine's session.
    pub session: Session,
    /// Set once the session is recorded (or its screening stored).
    pub recorded: bool,
    /// Intents of the log that were in it when it was stored: the appended events follow them.
    saved: usize,
    /// Intents of the log that are stored, saved and appended.
    stored: usize,
    /// Another instance recorded it and removed it from the store, or is being used for it
    /// while no one here watches it: this copy is let go.
    gone: bool,
    /// Safety reports (sharp pain, chest) in effect here that the store has not taken yet, in
    /// order: never taken back, stored as soon as the store takes them, and applied again, each
    /// at its own time, over the session whenever it is reloaded without them.
    unstored: Vec<Logged>,
    /// When the session's driver next looks at it on its own, in milliseconds after the
    /// session's start ([`Live::since_start`]): an intent wakes it sooner only when it brings the
    /// session's next deadline before this. 0 (wake it at every intent) until the driver says.
    /// (Four bytes, beside the flags: eight more put 10,000 live sessions 1.3 MB higher, in the
    /// allocator's next size.)
    driver_looks_at: u32,
}

impl State {
    fn new(session: Session, stored: usize, saved: usize) -> State {
        State { session, recorded: false, saved, stored, gone: false, unstored: Vec::new(), driver_looks_at: 0 }
    }

    /// Whether the session's driver must wake now, after an intent, rather than at the time it
    /// set itself: the session ended (to record it), a safety report waits to be stored, or the
    /// next deadline came before that time (a resumed hold). A pause, or a deadline moved later,
    /// leaves it asleep; it finds nothing due when it wakes and sleeps on. (The idle limit only
    /// moves later with each word, and the driver checks it again before ending a session.)
    fn driver_must_wake(&self, live: &Live) -> bool {
        self.session.phase().is_over()
            || !self.unstored.is_empty()
            || self.driver_looks_at == 0
            || self
                .session
                .next_deadline()
                .is_some_and(|due| live.since_start(live.wall_ms(due)) < self.driver_looks_at)
    }

    /// Takes the session as stored now (replayed), or marks it gone when it is stored no more.
    /// Safety reports not stored yet stay in effect: applied again over the session as stored,
    /// each at its own time (or the session's now, when the store has gone past it), unless it
    /// already has them.
    /// Applies again, each at its own time (or the session's now, when the log has gone past
    /// it), the safety reports waiting to be stored that the session's log lacks; drops those
    /// it has.
    fn put_back_unstored(&mut self, id: SessionId) {
        let unstored = std::mem::take(&mut self.unstored);
        for report in unstored {
            if self.session.log().intents[..self.stored].contains(&report) {
                continue;
            }
            if self.session.log().intents[self.stored..].contains(&report) {
                self.unstored.push(report);
                continue;
            }
            let at = report.at.max(self.session.now());
            match self.session.handle(report.intent, at) {
                Ok(()) => self.unstored.extend(self.session.log().intents.last().copied()),
                // Over as stored, by another instance: it cannot be stopped any more.
                Err(why) => {
                    tracing::error!(session = %id, ?why, "a safety report not stored yet no longer applies to the session as stored")
                }
            }
        }
    }

    /// The intents of the log the store does not have yet, as events of session `id`, each
    /// numbered from the saved log's end.
    fn events_to_store(&self, id: SessionId) -> Result<Vec<LiveEvent>, LiveError> {
        self.session.log().intents[self.stored..]
            .iter()
            .zip(self.stored..)
            .map(|(logged, n)| {
                let seq = (n - self.saved) as u64;
                Ok(LiveEvent { session: id, seq, event: serde_json::to_string(logged)? })
            })
            .collect()
    }

    fn reload(&mut self, stored: Option<(Kind, Session, usize)>, id: SessionId) {
        match stored {
            Some((_, session, saved)) => {
                self.saved = saved;
                self.stored = session.log().intents.len();
                self.session = session;
                self.put_back_unstored(id);
            }
            None if !self.recorded => {
                self.recorded = true;
                self.gone = true;
            }
            None => {}
        }
    }
}

/// One live session.
#[derive(Debug)]
pub struct Live {
    /// Its id (also its history id).
    pub id: SessionId,
    /// Whose it is.
    pub user: UserId,
    /// Routine or screening.
    pub kind: Kind,
    /// Wall-clock start, Unix milliseconds.
    pub started_at_ms: i64,
    /// Session seconds per wall-clock second.
    pub speed: f64,
    /// The session; held across persisting, so the stored log follows the order of intents.
    pub state: Mutex<State>,
    /// Bumped after every change; SSE streams wait on it. Made when the first stream
    /// subscribes: most sessions are never watched, and a channel costs about 400 bytes.
    changed: std::sync::OnceLock<watch::Sender<u64>>,
    wake: Notify,
}

/// The state of a session as the API answers it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct SessionState {
    /// The session id.
    #[schema(value_type = String)]
    pub id: SessionId,
    /// Routine or screening.
    pub kind: Kind,
    /// The routine's id.
    pub routine: String,
    /// Wall-clock start, Unix milliseconds.
    pub started_at_ms: i64,
    /// Session seconds per wall-clock second.
    pub speed: f64,
    /// The engine's view at the server's now.
    #[schema(value_type = Object)]
    pub view: SessionView,
    /// The big word for the view ("HOLD · LEFT", "PAUSED", "STOP FOR TODAY?") and the kind of
    /// moment it names (`hold`, `ask`, …, for its colour): the same words as the TUI's.
    #[schema(value_type = Object)]
    pub phase_word: limber_core::PhaseWord,
    /// What happened, once the session is over.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<Summary>,
    /// Once a routine's session is over: how it ended and what the history keeps of it, in the
    /// words every front end ends with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// In the answer that creates it, in words to show before the session starts: first the pain
    /// trend's advice to see a clinician when it gives one, then what the plan changed from the
    /// routine for this person (a stretch set aside or needing what they lack, and what is done
    /// instead), and why the safety questions come again when their answers lapsed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<String>,
    /// In the answer to a sharp-pain press that reached the session after it ended: the
    /// stretch set aside and the advice a press in time would have given, to show the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub late_report: Option<limber_core::LateReport>,
}

/// How a routine's session that is over ended, in words.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Outcome {
    /// How it ended: "Session complete. Well done.", "Session complete. Rest now and go easy
    /// today." (after pain above 5 in it), "Session stopped: sharp pain", "Session ended early".
    pub headline: String,
    /// What the history keeps of it: "Saved.", "Saved as a preview (…)", "Nothing was saved: no
    /// exercise began." …
    pub kept: String,
    /// One line per stretch of the plan, as `limber` and `limber-tui` list them: "done
    /// Seated twist — 2 of 2 holds, 15 s each".
    pub stretches: Vec<String>,
    /// The time spent stretching and the pain before and after: "Stretching time: 2:21 · pain
    /// 4 → 2".
    pub time_and_pain: String,
    /// The advice a rating after that calls for rest came with (worse by 2 points or more, or
    /// above 5), for the summary shown after the cues are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain_after_advice: Option<String>,
}

/// Whether `session` stopped for an emergency sign (chest pain, or a yes to an emergency
/// screening question).
fn is_emergency_stop(session: &Session) -> bool {
    session.phase() == limber_core::Phase::Stopped { reason: limber_core::StopReason::Emergency }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, millis)
}

impl Live {
    /// Session time at wall-clock `now_ms`.
    pub fn at(&self, now_ms: i64) -> At {
        let wall = u64::try_from(now_ms.saturating_sub(self.started_at_ms)).unwrap_or(0);
        At(Duration::from_millis(wall).mul_f64(self.speed))
    }

    /// Milliseconds from the session's start to wall-clock `wall_ms`, from 1 (at or before
    /// the start) to `u32::MAX` (49 days or more on).
    fn since_start(&self, wall_ms: i64) -> u32 {
        u32::try_from(wall_ms.saturating_sub(self.started_at_ms).max(1)).unwrap_or(u32::MAX)
    }

    /// Wall-clock Unix milliseconds of session time `at`.
    fn wall_ms(&self, at: At) -> i64 {
        let wall = at.0.div_f64(self.speed);
        self.started_at_ms.saturating_add(millis(wall))
    }

    /// The session's state for the API at the server's now; `library` names the stretches of
    /// its outcome (passed in rather than held by each of thousands of live sessions).
    pub async fn snapshot(&self, library: &limber_core::Library) -> SessionState {
        // Most views find the session free: no place in the lock's queue then (`try_lock` fails
        // while others wait, so no one is passed).
        if let Ok(state) = self.state.try_lock() {
            return self.snapshot_of(library, &state.session);
        }
        let state = self.state.lock().await;
        self.snapshot_of(library, &state.session)
    }

    /// The session's state for the API, from a locked session.
    pub fn snapshot_of(&self, library: &limber_core::Library, session: &Session) -> SessionState {
        let summary = session.summary();
        let outcome = match (self.kind, &summary) {
            (Kind::Routine, Some(summary)) => limber_app::kept_line(session, self.speed).map(|kept| Outcome {
                headline: summary.headline(),
                kept: kept.to_owned(),
                stretches: summary.item_lines(library),
                time_and_pain: summary.time_and_pain(),
                pain_after_advice: summary.pain_after_advice(),
            }),
            _ => None,
        };
        let view = session.view_at(self.at(now_ms()));
        SessionState {
            id: self.id,
            kind: self.kind,
            routine: session.plan().routine.0.clone(),
            started_at_ms: self.started_at_ms,
            speed: self.speed,
            phase_word: view.phase_word(),
            view,
            summary,
            outcome,
            adjustments: Vec::new(),
            late_report: None,
        }
    }

    fn bump(&self) {
        if let Some(changed) = self.changed.get() {
            changed.send_modify(|v| *v = v.wrapping_add(1));
        }
    }

    /// Whether an event stream here follows it.
    fn is_watched(&self) -> bool {
        self.changed.get().is_some_and(|changed| changed.receiver_count() > 0)
    }

    /// A receiver that sees every change from now on.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.get_or_init(|| watch::channel(0).0).subscribe()
    }
}

/// A session about to go live.
#[derive(Debug)]
pub struct NewLive {
    /// Whose it is.
    pub user: UserId,
    /// Routine or screening.
    pub kind: Kind,
    /// The engine's session at time zero.
    pub session: Session,
    /// The screening record it started with (needed to replay it).
    pub screening: Option<ScreeningRecord>,
    /// Wall-clock start, Unix milliseconds.
    pub started_at_ms: i64,
    /// Session seconds per wall-clock second.
    pub speed: f64,
}

/// What an intent came to.
#[derive(Debug)]
pub enum IntentError {
    /// The engine refused it; nothing changed.
    Rejected(Rejected),
    /// It was accepted but could not be persisted.
    Store(LiveError),
    /// The session is over: another instance recorded it.
    Gone,
}

/// Every live session of this server, by id.
#[derive(Clone)]
pub struct Registry {
    sessions: Arc<RwLock<HashMap<SessionId, Arc<Live>>>>,
    app: Arc<App>,
    journal: Journal,
    /// Other instances share the store ([`Registry::share`]).
    shared: Arc<AtomicBool>,
    /// How long a session waiting for the person may go without a word from them before it is
    /// ended ([`Registry::with_idle_limit`]).
    idle: Duration,
    /// The most sessions one person may have under way ([`Registry::with_live_limit`]).
    per_person: u64,
    /// Held from counting a person's sessions to storing a new one, so that starts sent at
    /// once cannot all see room for one more.
    starting: Arc<Mutex<()>>,
    /// When this registry (this instance's sessions) began.
    born: std::time::Instant,
    /// The latest emergency sign reported here, by person, Unix milliseconds: no session starts
    /// for a day after it, even before the store's record of it is there to read.
    emergencies: Arc<std::sync::Mutex<HashMap<UserId, i64>>>,
}

/// How long a session waiting for the person (a question unanswered, paused) goes without a
/// word from them before it is ended as quitting would end it, by default: a person who closed
/// the page at the pain rating after a sharp-pain stop still has that stretch set aside.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60 * 60);

/// The most sessions one person may have under way at once, by default: far more than anyone
/// runs, few enough that a runaway script (or a stolen token) cannot fill the server's memory
/// and database with sessions.
pub const LIVE_PER_PERSON: u64 = 20;

/// How many times an intent is re-applied when other instances keep taking its place; each
/// retry first waits a random moment of up to one millisecond per attempt, so that two
/// instances racing for one session do not keep colliding.
const RETRIES: u32 = 32;

/// How soon a safety stop the store did not take is tried again at first, and at most.
const STORE_AGAIN: Duration = Duration::from_secs(2);
const STORE_AGAIN_AT_MOST: Duration = Duration::from_secs(30);

/// How often an instance on a shared store records sessions that are over but held by no one
/// (their instance was killed).
const SWEEP: Duration = Duration::from_secs(60);

/// `value` as JSON in a string of exactly its length. A stored plan is some 65 KB: grown by
/// doubling, its buffer would reach 128 KB, an allocation size whose churn (one per session
/// started) left about 700 bytes more resident per live session (measured with 10,000).
fn exact_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)?;
    let mut out = Vec::with_capacity(count.0);
    serde_json::to_writer(&mut out, value)?;
    String::from_utf8(out).map_err(<serde_json::Error as serde::ser::Error>::custom)
}

impl Registry {
    /// No live sessions yet, over `app`'s store; starts the journal's writer (so it needs a
    /// tokio runtime).
    pub fn new(app: &Arc<App>) -> Registry {
        Registry {
            sessions: Arc::default(),
            app: app.clone(),
            journal: Journal::start(app.clone()),
            shared: Arc::default(),
            idle: IDLE_LIMIT,
            per_person: LIVE_PER_PERSON,
            starting: Arc::default(),
            born: std::time::Instant::now(),
            emergencies: Arc::default(),
        }
    }

    /// How long this registry (the server) has been running.
    pub fn age(&self) -> Duration {
        self.born.elapsed()
    }

    /// Lets one person have at most `n` sessions under way (instead of [`LIVE_PER_PERSON`]);
    /// starting another is refused with [`LiveError::TooMany`].
    #[must_use]
    pub fn with_live_limit(mut self, n: u64) -> Registry {
        self.per_person = n;
        self
    }

    /// Ends a session waiting for the person after `idle` without a word from them (instead of
    /// [`IDLE_LIMIT`]): what was done is recorded, as if they had quit.
    #[must_use]
    pub fn with_idle_limit(mut self, idle: Duration) -> Registry {
        self.idle = idle;
        self
    }

    /// Whether other instances share the store (then sessions are loaded on demand).
    pub fn is_shared(&self) -> bool {
        self.shared.load(Ordering::Relaxed)
    }

    /// When the store is shared with other instances (PostgreSQL), follows their changes to the
    /// sessions held here and records, now and every minute, sessions that are over but held
    /// by no instance. Returns whether it is shared; on SQLite it is not, and
    /// [`Registry::resume_all`] resumes every session instead.
    pub async fn share(&self) -> Result<bool, LiveError> {
        let Some(mut changes) = self.app.store().watch_live().await.map_err(limber_app::Error::from)? else {
            return Ok(false);
        };
        self.shared.store(true, Ordering::Relaxed);
        let registry = self.clone();
        tokio::spawn(async move {
            while let Some(change) = changes.next().await {
                // Every instance hears every append: those to sessions not held here cost a
                // lookup, not a task.
                if let LiveChange::Session { id, .. } = change
                    && registry.held(id).is_none()
                {
                    continue;
                }
                let registry = registry.clone();
                tokio::spawn(async move { registry.changed_elsewhere(change).await });
            }
        });
        let registry = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = registry.sweep().await {
                    tracing::warn!(error = %e, "cannot sweep live sessions");
                }
                tokio::time::sleep(SWEEP).await;
            }
        });
        Ok(true)
    }

    /// Catches up with a change another instance made (or with everything, when changes were
    /// missed).
    async fn changed_elsewhere(&self, change: LiveChange) {
        let held: Vec<Arc<Live>> = match change {
            LiveChange::Session { id, .. } => self.held(id).into_iter().collect(),
            LiveChange::Missed => {
                let map = self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                map.values().cloned().collect()
            }
        };
        let events = match change {
            LiveChange::Session { events, .. } => events,
            LiveChange::Missed => None,
        };
        for live in held {
            let mut state = live.state.lock().await;
            if state.gone || events.is_some_and(|n| (state.stored - state.saved) as u64 >= n) {
                continue; // Nothing new (e.g. this instance's own append).
            }
            if events.is_some() && !live.is_watched() && state.unstored.is_empty() {
                // Another instance is being used for this session and no one follows it here:
                // let it go rather than repeat that instance's work for every intent. It is
                // loaded from the store again if it is asked for here.
                state.gone = true;
                drop(state);
                self.remove(live.id);
                live.wake.notify_one();
                continue;
            }
            // Catch up with the new events alone; replay the whole stored session only when
            // they do not apply (or cannot be read).
            if !self.catch_up(&live, &mut state).await {
                match self.reload(live.id).await {
                    Ok(stored) => state.reload(stored, live.id),
                    Err(e) => {
                        tracing::warn!(session = %live.id, error = %e, "cannot follow a change from another instance");
                        continue;
                    }
                }
            }
            if state.gone {
                self.remove(live.id);
            }
            drop(state);
            live.bump();
            live.wake.notify_one();
        }
    }

    /// Records the stored sessions that are over and held by no one here, and takes over those
    /// left waiting for their person past the idle limit (their instance stopped), so that they
    /// are ended and recorded as this instance would end its own; the others are left for
    /// whichever instance is asked about them.
    async fn sweep(&self) -> Result<(), LiveError> {
        for record in self.app.store().live_sessions().await.map_err(limber_app::Error::from)? {
            if self.held(record.id).is_some() {
                continue;
            }
            // One session that cannot be recorded yet does not hold up the others. One that
            // cannot be replayed stays stored, untouched (said once, when an instance resumes or
            // is asked for it), rather than warned about every minute.
            match self.sweep_one(&record).await {
                Ok(()) => {}
                Err(e @ LiveError::Resume { .. }) => {
                    tracing::debug!(session = %record.id, error = %e, "skipping a live session that cannot be replayed")
                }
                Err(e) => {
                    tracing::warn!(session = %record.id, error = %e, "cannot record or take over a session no one holds")
                }
            }
        }
        Ok(())
    }

    /// [`Registry::sweep`] for one stored session no one here holds.
    async fn sweep_one(&self, record: &LiveRecord) -> Result<(), LiveError> {
        let (kind, session, saved) = replay(record, &self.app)?;
        let live = new_live(record, kind, State::new(session, saved + record.events.len(), saved));
        let mut state = live.state.lock().await;
        state.session.advance(live.at(now_ms()));
        if state.session.phase().is_over() {
            finish(&self.app, &live, &state.session).await?;
        } else if state.session.next_deadline().is_none()
            && now_ms().saturating_sub(live.wall_ms(state.session.last_activity())) >= millis(self.idle)
        {
            // An instance that held it would have ended it by now: none does. Its driver here
            // ends it at once.
            drop(state);
            tracing::info!(session = %record.id, "taking over a session left waiting by a stopped instance");
            self.adopt(record)?;
        }
        Ok(())
    }

    fn held(&self, id: SessionId) -> Option<Arc<Live>> {
        self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id).cloned()
    }

    /// The session `id` if it belongs to `user` (another user's session is not found, exactly
    /// like an unknown id). On a shared store, a session this instance does not hold is loaded
    /// from the store and held from then on.
    pub async fn get(&self, user: UserId, id: SessionId) -> Result<Option<Arc<Live>>, LiveError> {
        if let Some(live) = self.held(id) {
            return Ok((live.user == user).then_some(live));
        }
        if !self.is_shared() {
            return Ok(None);
        }
        let stored = self.app.store().live_session(id).await.map_err(limber_app::Error::from)?;
        match stored {
            Some(record) if record.user == user => Ok(Some(self.adopt(&record)?.0)),
            _ => Ok(None),
        }
    }

    /// The session `id` if it belongs to `user`, with a receiver of its changes for an event
    /// stream: this instance keeps following the copy returned while the receiver lives.
    pub async fn watch(
        &self,
        user: UserId,
        id: SessionId,
    ) -> Result<Option<(Arc<Live>, watch::Receiver<u64>)>, LiveError> {
        for _ in 0..=RETRIES {
            let Some(live) = self.get(user, id).await? else { return Ok(None) };
            if live.changed.get().is_some_and(|changed| changed.receiver_count() >= STREAMS_PER_SESSION) {
                return Err(LiveError::TooManyStreams);
            }
            let changed = live.subscribe();
            // A copy is let go only while no one watches it, under its lock: once the receiver
            // is counted, a copy not let go yet stays.
            if !live.state.lock().await.gone {
                return Ok(Some((live, changed)));
            }
        }
        Err(LiveError::Unsettled(id))
    }

    /// Holds a stored session (replayed) and runs its driver, unless it is held already.
    /// Returns it, and whether it was new here.
    fn adopt(&self, record: &LiveRecord) -> Result<(Arc<Live>, bool), LiveError> {
        let (kind, session, saved) = replay(record, &self.app)?;
        let live = Arc::new(new_live(record, kind, State::new(session, saved + record.events.len(), saved)));
        let mut map = self.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(held) = map.get(&record.id) {
            return Ok((held.clone(), false));
        }
        map.insert(live.id, live.clone());
        drop(map);
        tokio::spawn(drive(self.clone(), live.clone()));
        Ok((live, true))
    }

    /// `user`'s sessions, oldest first (on a shared store, those other instances hold too).
    pub async fn of_user(&self, user: UserId) -> Result<Vec<Arc<Live>>, LiveError> {
        let mut out: Vec<Arc<Live>> = {
            let map = self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.values().filter(|l| l.user == user).cloned().collect()
        };
        if self.is_shared() {
            // Kept as adopted: a copy let go meanwhile is still listed.
            for id in self.app.store().live_sessions_of(user).await.map_err(limber_app::Error::from)? {
                if !out.iter().any(|l| l.id == id)
                    && let Some(record) = self.app.store().live_session(id).await.map_err(limber_app::Error::from)?
                {
                    match self.adopt(&record) {
                        Ok((live, _)) => out.push(live),
                        // One that cannot be replayed stays stored, untouched; the others are listed.
                        Err(e) => tracing::error!(error = %e, "skipping a live session that cannot be replayed"),
                    }
                }
            }
        }
        out.sort_by_key(|l| (l.started_at_ms, l.id));
        Ok(out)
    }

    /// How many sessions are held.
    pub fn len(&self) -> usize {
        self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn remove(&self, id: SessionId) {
        let mut map = self.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&id);
    }

    fn insert(&self, live: Arc<Live>) {
        let mut map = self.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(live.id, live);
    }

    /// The latest emergency sign reported here by `user`'s sessions, Unix milliseconds, which
    /// the store may not have yet: for [`limber_app::App::start_screening`] to count.
    pub fn reported_emergency(&self, user: UserId) -> Option<i64> {
        self.emergencies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&user).copied()
    }

    /// Starts a new live session: stores it, then runs its driver. Refused when its person
    /// has as many under way as allowed ([`Registry::with_live_limit`]; on a shared store,
    /// starts at the same moment on several instances may each take the last place).
    pub async fn start(&self, new: NewLive) -> Result<Arc<Live>, LiveError> {
        let NewLive { user, kind, session, screening, started_at_ms, speed } = new;
        let starting = self.starting.lock().await;
        // An emergency reported here and perhaps not recorded yet (the store's own record of
        // it, which `App::start` reads, comes a moment later): no session starts, but for the
        // questions alone planned for a day of rest (`App::start_screening`).
        if !session.plan().rest_today
            && let Err(refused) = self.app.refuse_after_emergency(self.reported_emergency(user), now_ms())
        {
            return Err(LiveError::App(refused));
        }
        let open = self.app.store().count_live_of(user).await.map_err(limber_app::Error::from)?;
        if open >= self.per_person {
            return Err(LiveError::TooMany { open, limit: self.per_person });
        }
        let id = SessionId::new();
        let saved = session.log().intents.len();
        let record = LiveRecord {
            id,
            user,
            plan: exact_json(session.plan())?,
            screening: serde_json::to_string(&screening)?,
            log: serde_json::to_string(session.log())?,
            events: Vec::new(),
            started_at_ms,
            speed,
        };
        self.app.store().save_live(&record).await.map_err(limber_app::Error::from)?;
        drop(starting);
        let live = Arc::new(Live {
            id,
            user,
            kind,
            started_at_ms,
            speed,
            changed: std::sync::OnceLock::new(),
            wake: Notify::new(),
            state: Mutex::new(State::new(session, saved, saved)),
        });
        self.insert(live.clone());
        tokio::spawn(drive(self.clone(), live.clone()));
        Ok(live)
    }

    /// Resumes every stored live session (after a restart): replays each log, then lets its
    /// driver bring it to the present, recording any that ended meanwhile. Returns how many.
    pub async fn resume_all(&self) -> Result<usize, LiveError> {
        let stored = self.app.store().live_sessions().await.map_err(limber_app::Error::from)?;
        let mut n = 0;
        for record in stored {
            match self.adopt(&record) {
                Ok((_, new)) => n += usize::from(new),
                // Left in the store untouched; the other sessions still resume.
                Err(e) => tracing::error!(error = %e, "skipping a live session that cannot be replayed"),
            }
        }
        Ok(n)
    }

    /// Applies `intent` at the server's now; stores it in the session's log before returning
    /// (the session stays locked meanwhile, so the stored log follows the order of intents).
    ///
    /// Runs to its end on a task of its own even when the caller stops waiting (a client that
    /// hangs up mid-request): an intent once applied is stored, counted as stored, and shown to
    /// watchers and the session's driver, so the session never runs ahead of its stored log.
    pub async fn intent(&self, live: &Arc<Live>, intent: Intent) -> Result<SessionState, IntentError> {
        let (registry, mut live) = (self.clone(), live.clone());
        tokio::spawn(async move {
            for _ in 0..=RETRIES {
                if let Some(state) = registry.apply(&live, intent).await? {
                    return Ok(state);
                }
                // This copy was let go meanwhile: apply it to the session as stored now.
                live = match registry.get(live.user, live.id).await {
                    Ok(Some(fresh)) => fresh,
                    Ok(None) => return Err(IntentError::Gone),
                    Err(e) => return Err(IntentError::Store(e)),
                };
            }
            Err(IntentError::Store(LiveError::Unsettled(live.id)))
        })
        .await
        .unwrap_or_else(|_| Err(IntentError::Store(LiveError::Interrupted)))
    }

    /// [`Registry::intent`], on the caller's task; `None` when this copy of the session was let
    /// go before the intent got to it.
    async fn apply(&self, live: &Live, intent: Intent) -> Result<Option<SessionState>, IntentError> {
        let mut state = live.state.lock().await;
        if state.gone {
            return Ok(None);
        }
        let mut attempt = 0;
        let set_aside_before = state.session.set_aside().is_some();
        let emergency_before = is_emergency_stop(&state.session);
        loop {
            let at = live.at(now_ms());
            let said = state.session.last_cue();
            // Where the log ends before this intent: with a safety report not stored yet, later
            // than what is stored.
            let before = state.session.log().intents.len();
            if let Err(why) = state.session.handle(intent, at) {
                let moved = state.session.last_cue() != said;
                // Sharp pain pressed during a stretch that reached the server just after the
                // session ended: that stretch is set aside all the same, and the press is heard.
                if let Some(report) = state.session.reported_late(intent) {
                    let snapshot = live.snapshot_of(self.app.library(), &state.session);
                    drop(state);
                    let stretch = &report.stretch;
                    self.app.set_aside(live.user, stretch).await.map_err(|e| IntentError::Store(e.into()))?;
                    tracing::info!(session = %live.id, %stretch, "sharp pain reported just after the end; set aside");
                    return Ok(Some(SessionState { late_report: Some(report), ..snapshot }));
                }
                drop(state);
                if attempt > 0 || moved {
                    // Reloaded with another instance's intents, or deadlines passed on the way
                    // to refusing it: watchers here see what was said.
                    live.bump();
                    live.wake.notify_one();
                }
                return Err(IntentError::Rejected(why));
            }
            let events = state.events_to_store(live.id).map_err(IntentError::Store)?;
            let Err(e) = self.journal.append(events).await else { break };
            attempt += 1;
            // A stop for sharp pain or an emergency the store will not take (busy, down) stays
            // in effect: the session must not go on cueing holds. It is stored as soon as the
            // store takes it (by the session's driver, or with the next intent) and survives a
            // reload meanwhile. Only a place taken by another instance is reloaded first, so
            // that the stop comes after that instance's intents.
            if intent.is_safety_report() && !e.is_taken() {
                return Ok(Some(self.keep_unstored_stop(live, state, &e)));
            }
            // With a safety report not stored yet, the session here is ahead of the store on
            // purpose: it is not reloaded (that would go back to before the stop), only this
            // intent is taken back, unless another instance took the place (then the reload puts
            // the stop back after that instance's intents).
            if !state.unstored.is_empty() && !e.is_taken() {
                tracing::error!(session = %live.id, error = %e, "cannot store an intent; taking it back (a safety stop waits to be stored)");
                match state.session.rewound(before) {
                    Ok(session) => state.session = session,
                    Err(e) => tracing::error!(session = %live.id, error = %e, "cannot take back an intent"),
                }
                drop(state);
                live.bump();
                live.wake.notify_one();
                return Err(IntentError::Store(e));
            }
            // The session in memory is ahead of the store now: rebuild it from what is stored,
            // so what the person sees is what a restart would resume. When another instance
            // took the place, its intents are in what is reloaded, and this one is applied
            // after them (or refused, if it no longer applies).
            let retry = e.is_taken() && attempt <= RETRIES;
            if retry {
                tokio::time::sleep(jitter(attempt)).await;
            }
            match self.reload(live.id).await {
                Ok(stored) => state.reload(stored, live.id),
                // The store cannot be read either: the stop stays in effect all the same.
                Err(_) if intent.is_safety_report() => {
                    return Ok(Some(self.keep_unstored_stop(live, state, &e)));
                }
                Err(reload) => {
                    // Anything else is taken back in memory, so that it is not in effect here
                    // while its sender is told it failed (sent again, it would be applied twice).
                    tracing::error!(session = %live.id, error = %reload, "cannot reload the session; taking back what was not stored");
                    // Only this intent: a safety report waiting before it stays.
                    match state.session.rewound(before) {
                        Ok(session) => state.session = session,
                        // Cannot happen: every intent in the log was accepted once already.
                        Err(e) => tracing::error!(session = %live.id, error = %e, "cannot take back an intent"),
                    }
                }
            }
            let gone = state.gone;
            if retry && !gone {
                continue;
            }
            if gone {
                // Another instance recorded it meanwhile: it is over.
                self.remove(live.id);
            } else {
                tracing::error!(session = %live.id, error = %e, "cannot store an intent; the session goes back to its stored log");
            }
            drop(state);
            live.bump();
            live.wake.notify_one();
            return Err(if gone { IntentError::Gone } else { IntentError::Store(e) });
        }
        state.stored = state.session.log().intents.len();
        state.unstored.clear();
        // Watchers read the cues kept in the session: only its latest are kept from here, as
        // the driver keeps them (it may sleep through this intent).
        state.session.release_cues();
        let snapshot = live.snapshot_of(self.app.library(), &state.session);
        let set_aside_now = state.session.set_aside().filter(|_| !set_aside_before).cloned();
        let emergency_now = !emergency_before && is_emergency_stop(&state.session);
        let wake_driver = state.driver_must_wake(live);
        drop(state);
        live.bump();
        if wake_driver {
            live.wake.notify_one();
        }
        if emergency_now {
            self.stop_others_for_emergency(live.user, live.id);
        }
        // Stored at once, not only when the session is recorded after the rating that follows,
        // and before the answer: a session the person starts next leaves it out.
        if let Some(stretch) = set_aside_now
            && let Err(e) = self.app.set_aside(live.user, &stretch).await
        {
            tracing::warn!(session = %live.id, error = %e, "cannot set the stretch aside yet; recording the session will");
        }
        Ok(Some(snapshot))
    }

    /// After an emergency sign in session `reported_in`, notes it (no session of `user` starts
    /// here for a day) and stops `user`'s other sessions as if it had been reported in each (a tab left waiting to start, a screening open on a phone):
    /// no exercise begins that day, and every screen the person has open says what to do now.
    /// On a task of its own, so that the answer with the stop never waits for them.
    fn stop_others_for_emergency(&self, user: UserId, reported_in: SessionId) {
        {
            let mut emergencies = self.emergencies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // A day later an entry says nothing more: those are let go as new ones come.
            let now = now_ms();
            emergencies.retain(|_, at| now.saturating_sub(*at) < limber_app::store::DAY_MS);
            emergencies.insert(user, now);
        }
        let registry = self.clone();
        tokio::spawn(async move {
            let others = match registry.of_user(user).await {
                Ok(others) => others,
                Err(e) => {
                    tracing::error!(session = %reported_in, error = %e, "cannot list the person's other sessions to stop them after an emergency sign");
                    return;
                }
            };
            for other in others.into_iter().filter(|other| other.id != reported_in) {
                if other.state.lock().await.session.phase().is_over() {
                    continue;
                }
                match registry.intent(&other, Intent::Chest).await {
                    Ok(_) => {
                        tracing::info!(session = %other.id, after = %reported_in, "stopped after an emergency sign in another session")
                    }
                    // Over meanwhile (finished, or recorded by another instance): nothing to stop.
                    Err(IntentError::Rejected(_) | IntentError::Gone) => {}
                    Err(IntentError::Store(e)) => {
                        tracing::error!(session = %other.id, error = %e, "cannot stop a session after an emergency sign in another")
                    }
                }
            }
        });
    }

    /// Keeps the safety report just applied in effect though the store did not take it
    /// (`why`), for the driver to store: says so in the log, shows it to watchers and answers
    /// with it at once.
    fn keep_unstored_stop(
        &self,
        live: &Live,
        mut state: tokio::sync::MutexGuard<'_, State>,
        why: &LiveError,
    ) -> SessionState {
        tracing::error!(session = %live.id, error = %why, "cannot store a safety stop yet; it stays in effect and is stored once the store takes it");
        if let Some(report) = state.session.log().intents.last().copied()
            && report.intent.is_safety_report()
            && !state.unstored.contains(&report)
        {
            state.unstored.push(report);
        }
        let snapshot = live.snapshot_of(self.app.library(), &state.session);
        let set_aside = state.session.set_aside().cloned();
        let emergency = is_emergency_stop(&state.session);
        drop(state);
        live.bump();
        live.wake.notify_one();
        self.set_aside_at_press(live, set_aside);
        // Not stored yet, but in effect: the person's other sessions stop all the same (each
        // keeps its own stop the same way while the store is away).
        if emergency {
            self.stop_others_for_emergency(live.user, live.id);
        }
        snapshot
    }

    /// Stores a stretch set aside at the press when the store would not take the stop: on a
    /// task of its own, so that the answer with the stop never waits for a store that is away.
    fn set_aside_at_press(&self, live: &Live, stretch: Option<limber_core::StretchId>) {
        let Some(stretch) = stretch else { return };
        let (app, user, id) = (self.app.clone(), live.user, live.id);
        tokio::spawn(async move {
            if let Err(e) = app.set_aside(user, &stretch).await {
                tracing::warn!(session = %id, error = %e, "cannot set the stretch aside yet; recording the session will");
            }
        });
    }

    /// Tries again to store the safety reports the store did not take, with what came before
    /// them and is not stored either; says whether they are stored now. After another instance
    /// took the place, the session is reloaded and they are applied again over it, to be stored
    /// on the next try; a session removed from the store meanwhile (recorded elsewhere) is let go.
    async fn store_unstored_stop(&self, live: &Live, state: &mut State) -> bool {
        let result = match state.events_to_store(live.id) {
            Ok(events) => self.journal.append(events).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                state.stored = state.session.log().intents.len();
                // Each report is in what was just stored; one that is not (it should not happen)
                // is applied again, to be stored on the next try.
                state.put_back_unstored(live.id);
                if state.unstored.is_empty() {
                    tracing::info!(session = %live.id, "the safety stop is stored now");
                    true
                } else {
                    tracing::error!(session = %live.id, "a safety report waiting to be stored was not in the session's log");
                    live.bump();
                    false
                }
            }
            Err(e) if e.needs_reload() => {
                if let Ok(stored) = self.reload(live.id).await {
                    state.reload(stored, live.id);
                    if state.gone {
                        self.remove(live.id);
                    }
                    live.bump();
                }
                false
            }
            Err(e) => {
                tracing::warn!(session = %live.id, error = %e, "the safety stop cannot be stored yet; trying again");
                false
            }
        }
    }

    /// At shutdown: one last try to store the safety reports of every session that has some
    /// waiting; those that cannot be are named in the log (a restart resumes those sessions as
    /// stored, without their stop).
    pub async fn store_unstored_stops(&self) {
        let held: Vec<Arc<Live>> =
            self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner).values().cloned().collect();
        for live in held {
            let mut state = live.state.lock().await;
            if !state.unstored.is_empty() && !self.store_unstored_stop(&live, &mut state).await {
                tracing::error!(session = %live.id, "a safety stop could not be stored before shutdown; the session resumes without it");
            }
        }
    }
}

impl Registry {
    /// Applies the events another instance appended to `live` since this one last stored or
    /// read its log. Returns whether the session is now as stored (false: it needs a reload).
    async fn catch_up(&self, live: &Live, state: &mut State) -> bool {
        // Intents of another instance would go after a stop that is not stored: a reload puts
        // them in their place, before it.
        if !state.unstored.is_empty() {
            return false;
        }
        let from = (state.stored - state.saved) as u64;
        let Ok(events) = self.app.store().live_events_since(live.id, from).await else { return false };
        if events.is_empty() {
            return false;
        }
        for event in &events {
            let Ok(logged) = serde_json::from_str::<Logged>(event) else { return false };
            // An event from before this session's clock would be taken at the wrong moment:
            // only a replay puts it exactly where the other instance did.
            if logged.at < state.session.now() || state.session.handle(logged.intent, logged.at).is_err() {
                return false;
            }
        }
        state.stored = state.session.log().intents.len();
        true
    }

    /// The session `id` as stored now, replayed: `None` when it is not stored.
    async fn reload(&self, id: SessionId) -> Result<Option<(Kind, Session, usize)>, LiveError> {
        let stored = self.app.store().live_session(id).await.map_err(limber_app::Error::from)?;
        stored.map(|r| replay(&r, &self.app)).transpose()
    }
}

/// `d` in whole milliseconds, as the wall clock counts them.
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A random wait of up to `attempt` milliseconds (from the clock's nanoseconds: good enough to
/// break a tie between two instances).
fn jitter(attempt: u32) -> Duration {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    Duration::from_micros(u64::from(nanos % (attempt * 1000)))
}

/// A live session for `record` in `state`.
fn new_live(record: &LiveRecord, kind: Kind, state: State) -> Live {
    Live {
        id: record.id,
        user: record.user,
        kind,
        started_at_ms: record.started_at_ms,
        speed: if record.speed.is_finite() && record.speed > 0.0 { record.speed } else { 1.0 },
        changed: std::sync::OnceLock::new(),
        wake: Notify::new(),
        state: Mutex::new(state),
    }
}

impl LiveError {
    /// Whether another writer took the intent's place in the log (another instance got there first).
    fn is_taken(&self) -> bool {
        matches!(self, LiveError::App(limber_app::Error::Store(limber_app::store::Error::EventTaken { .. })))
    }

    /// Whether the stored log is not where this copy thought (another instance appended, or
    /// recorded and removed the session): only a reload tells where it is.
    fn needs_reload(&self) -> bool {
        use limber_app::store::Error as E;
        matches!(
            self,
            LiveError::App(limber_app::Error::Store(E::EventTaken { .. } | E::NotLive(_) | E::OutOfOrder { .. }))
        )
    }
}

/// Appends accepted intents to the store with group commit: intents that arrive while a write
/// is under way are written together in the next transaction, so many sessions' intents share
/// one sync and the rate of intents is not the rate of syncs.
#[derive(Clone)]
pub struct Journal {
    queue: mpsc::Sender<Pending>,
}

/// Intents waiting to be written, and who waits for them.
struct Pending {
    events: Vec<LiveEvent>,
    done: oneshot::Sender<Result<(), limber_app::store::Error>>,
}

/// The most intents written in one transaction.
const BATCH: usize = 256;

impl Journal {
    /// Starts the writer task over `app`'s store.
    fn start(app: Arc<App>) -> Journal {
        let (queue, incoming) = mpsc::channel(4 * BATCH);
        tokio::spawn(write(app, incoming));
        Journal { queue }
    }

    /// Writes `events` (one session's, in order); returns once they are committed.
    async fn append(&self, events: Vec<LiveEvent>) -> Result<(), LiveError> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.queue.send(Pending { events, done }).await.map_err(|_| LiveError::JournalStopped)?;
        written.await.map_err(|_| LiveError::JournalStopped)?.map_err(|e| LiveError::App(limber_app::Error::from(e)))
    }
}

/// The journal's writer: takes what is queued, up to [`BATCH`], and writes it in one
/// transaction; when that fails, writes each session's intents on their own, so one session's
/// problem is not another's.
async fn write(app: Arc<App>, mut incoming: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(BATCH);
    while incoming.recv_many(&mut batch, BATCH).await > 0 {
        // Let the intents already under way on this runtime join this write (one yield, no
        // timer): under load a third fewer commits, each with more intents.
        tokio::task::yield_now().await;
        while batch.len() < BATCH {
            match incoming.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        let events: Vec<LiveEvent> = batch.iter().flat_map(|p| p.events.iter().cloned()).collect();
        match app.store().append_live(&events).await {
            Ok(()) => batch.drain(..).for_each(|p| {
                let _ = p.done.send(Ok(()));
            }),
            Err(e) if batch.len() == 1 => {
                if let Some(p) = batch.pop() {
                    let _ = p.done.send(Err(e));
                }
            }
            Err(_) => {
                for p in batch.drain(..) {
                    let result = app.store().append_live(&p.events).await;
                    let _ = p.done.send(result);
                }
            }
        }
    }
}

/// How long a session that is over stays readable (its view, summary and stream) before only
/// its history record is left.
pub const KEEP_FINISHED: Duration = Duration::from_secs(60 * 60);

/// Rebuilds a stored live session from its plan, screening record, saved log and appended
/// events; its plan shares `library`'s content. Also returns how many intents the saved log had.
fn replay(record: &LiveRecord, app: &App) -> Result<(Kind, Session, usize), LiveError> {
    let bad = |detail: String| LiveError::Resume { id: record.id, detail };
    let mut plan: Plan = serde_json::from_str(&record.plan).map_err(|e| bad(e.to_string()))?;
    plan.share_with(app.library());
    let screening: Option<ScreeningRecord> = serde_json::from_str(&record.screening).map_err(|e| bad(e.to_string()))?;
    let mut log: SessionLog = serde_json::from_str(&record.log).map_err(|e| bad(e.to_string()))?;
    let saved = log.intents.len();
    for (n, event) in record.events.iter().enumerate() {
        let logged: Logged = serde_json::from_str(event).map_err(|e| bad(format!("event {n}: {e}")))?;
        log.intents.push(logged);
    }
    let kind = if plan.routine.0 == "screening" && plan.items.is_empty() { Kind::Screening } else { Kind::Routine };
    let session = Session::replay(app.share_plan(plan), screening.as_ref(), &log).map_err(|e| bad(e.to_string()))?;
    Ok((kind, session, saved))
}

/// The driver of one session: advance at each deadline, wake on intents, record at the end,
/// and forget the session [`KEEP_FINISHED`] later.
async fn drive(registry: Registry, live: Arc<Live>) {
    let app = registry.app.clone();
    let mut store_again = STORE_AGAIN;
    // When to try storing waiting safety reports next: not at every wake (an intent, another
    // instance's notice), so that a store that is away does not hold the session that often.
    let (mut next_try, mut was_waiting) = (tokio::time::Instant::now(), false);
    loop {
        let (deadline, idle_left) = {
            let mut state = live.state.lock().await;
            if state.gone {
                // Recorded by another instance: nothing is left to drive here.
                return;
            }
            // The store has just refused them: the first try comes a little later.
            let waiting = !state.unstored.is_empty();
            if waiting && !was_waiting {
                (store_again, next_try) = (STORE_AGAIN, tokio::time::Instant::now() + STORE_AGAIN);
            }
            was_waiting = waiting;
            if waiting && tokio::time::Instant::now() >= next_try {
                // Tried again less and less often while the store is away (the state is held
                // while a try waits for the store).
                if registry.store_unstored_stop(&live, &mut state).await {
                    store_again = STORE_AGAIN;
                } else {
                    store_again = (store_again * 2).min(STORE_AGAIN_AT_MOST);
                }
                next_try = tokio::time::Instant::now() + store_again;
                if state.gone {
                    return;
                }
            }
            let before = state.session.last_cue();
            state.session.advance(live.at(now_ms()));
            if state.session.last_cue() != before {
                live.bump();
            }
            // Watchers read the cues kept in the session; only its latest are kept from here.
            state.session.release_cues();
            if state.session.phase().is_over() {
                if !state.recorded {
                    // Boxed: the recording future is large and needed once, so it is not kept
                    // inline in every waiting session's driver.
                    match Box::pin(finish(&app, &live, &state.session)).await {
                        Ok(()) => state.recorded = true,
                        Err(LiveError::App(limber_app::Error::Store(limber_app::store::Error::UnknownUser(_)))) => {
                            // Its person was removed (`limber-server user remove`) while it ran:
                            // there is no one to record it for, and trying again cannot help.
                            tracing::warn!(session = %live.id, "the person of a finished session was removed; it is dropped");
                            state.recorded = true;
                        }
                        Err(e) => {
                            tracing::error!(session = %live.id, error = %e, "cannot record a finished session; retrying");
                            drop(state);
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            continue;
                        }
                    }
                }
                drop(state);
                live.bump();
                tokio::time::sleep(KEEP_FINISHED).await;
                registry.remove(live.id);
                return;
            }
            // Waiting for the person: the idle limit counts from their last word (or the last
            // cue), which may be before a restart or before another instance let it go.
            let silent = now_ms().saturating_sub(live.wall_ms(state.session.last_activity()));
            let idle_left = registry.idle.saturating_sub(Duration::from_millis(u64::try_from(silent).unwrap_or(0)));
            if !state.unstored.is_empty() {
                // A stop the store has not taken yet is tried again soon.
                state.driver_looks_at = 0;
                drop(state);
                tokio::select! {
                    () = tokio::time::sleep_until(next_try) => {}
                    () = live.wake.notified() => {}
                }
                continue;
            }
            let deadline = state.session.next_deadline();
            // Said under the lock, so that an intent that moves the deadline before it wakes
            // this driver (`State::driver_must_wake`).
            state.driver_looks_at = live.since_start(match deadline {
                Some(due) => live.wall_ms(due),
                None => now_ms().saturating_add(millis(idle_left)),
            });
            (deadline, idle_left)
        };
        match deadline {
            Some(due) => {
                let wait = u64::try_from(live.wall_ms(due).saturating_sub(now_ms())).unwrap_or(0);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(wait)) => {}
                    () = live.wake.notified() => {}
                }
            }
            // Not silent for the idle limit yet (an intent that left the driver asleep moved it
            // on): looked at again when it would be.
            None if !idle_left.is_zero() => {
                let _ = tokio::time::timeout(idle_left, live.wake.notified()).await;
            }
            None => {
                // Waiting for the person, who has said nothing for the idle limit: ended as
                // quitting ends it (through the log, so a replay agrees), and recorded.
                tracing::info!(session = %live.id, "ending a session left waiting");
                // Quitting may ask for the rating after the routine: nobody is there to
                // give it, so that question is quit at once too.
                for _ in 0..2 {
                    match registry.intent(&live, Intent::Quit).await {
                        Ok(state) if state.summary.is_none() => {}
                        Err(IntentError::Store(e)) => {
                            tracing::warn!(session = %live.id, error = %e, "cannot end a session left waiting");
                            break;
                        }
                        Err(IntentError::Gone) => {
                            tracing::info!(
                                session = %live.id,
                                "a session left waiting is gone: another instance recorded it, or its person was removed"
                            );
                            break;
                        }
                        _ => break,
                    }
                }
            }
        }
    }
}

/// Records a session that is over (a routine in history, a screening's answers), then forgets
/// it as live. Recording is idempotent by id, so a crash between the two records it once.
async fn finish(app: &App, live: &Live, session: &Session) -> Result<(), LiveError> {
    let outcome = match live.kind {
        Kind::Routine => {
            // Recorded only: the week and the trend are read when someone asks for them.
            let recorded = app.record_as(live.user, live.id, session, live.started_at_ms, live.speed).await?;
            // Stopped before any exercise began, only the answers are kept.
            if recorded.saved { "session over and recorded" } else { "session over before any exercise: not recorded" }
        }
        Kind::Screening => {
            // Taken when the questions ended, as the CLI takes them: an emergency stop's
            // set-aside is then newer than answers a session started meanwhile stored. The same
            // moment on every retry (it comes from the log), so it is stored once.
            let ended_ms = session
                .summary()
                .map_or(live.started_at_ms, |s| limber_app::record(&s, live.started_at_ms, live.speed).ended_at_ms);
            app.save_screening(live.user, session, ended_ms.max(live.started_at_ms)).await?;
            "screening over and recorded"
        }
    };
    app.store().remove_live(live.id).await.map_err(limber_app::Error::from)?;
    tracing::info!(session = %live.id, user = %live.user, "{outcome}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Kind, LiveError, State, exact_json};
    use limber_core::{At, Intent, Session};

    #[test]
    fn too_many_sessions_is_said_in_words_for_one_and_for_several() {
        let one = LiveError::TooMany { open: 1, limit: 1 }.to_string();
        assert!(
            one.starts_with(
                "you already have a session under way, and this server allows 1 at once: finish or stop it "
            ),
            "{one}"
        );
        let three = LiveError::TooMany { open: 3, limit: 3 }.to_string();
        assert!(
            three.starts_with("you already have 3 sessions under way") && three.contains("stop one of them"),
            "{three}"
        );
    }

    #[test]
    fn a_reload_puts_back_each_safety_report_not_stored_at_its_own_time() {
        let library = limber_app::load_library(None).expect("the built-in content");
        let options = limber_core::PlanOptions { pain_after: limber_core::PainPrompt::Ask, ..Default::default() };
        let plan = limber_core::Plan::resolve(&library, &limber_core::RoutineId("desk".to_owned()), &options)
            .expect("the desk routine");
        let id = limber_app::store::SessionId::new();
        // The questions answered clear (the last asks whether a clinician has assessed it).
        let mut stored = Session::new(plan, None, At::ZERO);
        for n in 0..13 {
            let answer = if n == 12 { Intent::Yes } else { Intent::No };
            stored.handle(answer, At::millis(n * 100)).expect("an answer");
        }
        let asked = stored.log().intents.len();
        // Here: sharp pain at 20 s, then chest pain at 25 s, neither taken by the store.
        let mut here = stored.clone();
        here.handle(Intent::SharpPain { during: None }, At::millis(20_000)).expect("sharp pain");
        here.handle(Intent::Chest, At::millis(25_000)).expect("chest pain");
        let reports = here.log().intents[asked..].to_vec();
        let mut state = State::new(here, asked, 0);
        state.unstored = reports.clone();
        // Reloaded as stored (replayed: its clock at its last intent), with another instance's
        // pause at 15 s: both come back after that pause, each at its own moment (not at the
        // moment of the reload, when the routine would have run on), still waiting.
        let mut elsewhere = stored.clone();
        elsewhere.handle(Intent::Skip, At::millis(15_000)).expect("the warm-up skipped");
        state.reload(Some((Kind::Routine, elsewhere, 0)), id);
        let log = &state.session.log().intents;
        assert_eq!(log.len(), asked + 3, "{log:?}");
        assert_eq!(&log[asked + 1..], &reports[..], "at their own times");
        assert_eq!(state.unstored, reports);
        assert_eq!(state.stored, asked + 1, "only the skip is stored");
        assert_eq!(
            state.session.phase(),
            limber_core::Phase::Stopped { reason: limber_core::StopReason::Emergency },
            "the chest pain's stop, not the sharp pain's alone"
        );
        // Reloaded once the store has them: nothing is waiting any more.
        let mut with_them = stored;
        with_them.handle(Intent::SharpPain { during: None }, At::millis(20_000)).expect("sharp pain");
        with_them.handle(Intent::Chest, At::millis(25_000)).expect("chest pain");
        state.reload(Some((Kind::Routine, with_them, 0)), id);
        assert!(state.unstored.is_empty());
        assert_eq!(&state.session.log().intents[asked..], &reports[..]);
    }

    #[test]
    fn a_stored_plan_is_written_in_a_buffer_of_exactly_its_length() {
        let library = limber_app::load_library(None).expect("the built-in content");
        let plan = limber_core::Plan::resolve(
            &library,
            &limber_core::RoutineId("full".to_owned()),
            &limber_core::PlanOptions::default(),
        )
        .expect("the full routine");
        let json = exact_json(&plan).expect("a plan serializes");
        assert_eq!(json, serde_json::to_string(&plan).expect("a plan serializes"));
        assert_eq!(json.capacity(), json.len(), "no doubled buffer left over");
        assert!(json.len() > 64 * 1024, "a plan is larger than the size this guards: {}", json.len());
    }
}
