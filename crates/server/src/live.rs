//! Live sessions on the server's clock: one tokio task per session sleeps until its next
//! deadline, a session is stored once (plan + screening + log) when it starts and every
//! accepted intent is appended through the [`Journal`] before it is answered, and a session that
//! is over is recorded through `App::finish_as` exactly once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use limber_app::App;
use limber_app::store::{LiveEvent, LiveRecord, SessionId, UserId};
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
    /// The engine's own form of a value could not be written.
    #[error("cannot serialize a session: {0}")]
    Json(#[from] serde_json::Error),
}

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
}

impl State {
    fn new(session: Session, stored: usize, saved: usize) -> State {
        State { session, recorded: false, saved, stored }
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
    /// What happened, once the session is over.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<Summary>,
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Live {
    /// Session time at wall-clock `now_ms`.
    pub fn at(&self, now_ms: i64) -> At {
        let wall = u64::try_from(now_ms.saturating_sub(self.started_at_ms)).unwrap_or(0);
        At(Duration::from_millis(wall).mul_f64(self.speed))
    }

    /// Wall-clock Unix milliseconds of session time `at`.
    fn wall_ms(&self, at: At) -> i64 {
        let wall = at.0.div_f64(self.speed);
        self.started_at_ms.saturating_add(i64::try_from(wall.as_millis()).unwrap_or(i64::MAX))
    }

    /// The session's state for the API at the server's now.
    pub async fn snapshot(&self) -> SessionState {
        let state = self.state.lock().await;
        self.snapshot_of(&state.session)
    }

    /// The session's state for the API, from a locked session.
    pub fn snapshot_of(&self, session: &Session) -> SessionState {
        SessionState {
            id: self.id,
            kind: self.kind,
            routine: session.plan().routine.0.clone(),
            started_at_ms: self.started_at_ms,
            speed: self.speed,
            view: session.view_at(self.at(now_ms())),
            summary: session.summary(),
        }
    }

    fn bump(&self) {
        if let Some(changed) = self.changed.get() {
            changed.send_modify(|v| *v = v.wrapping_add(1));
        }
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
}

/// Every live session of this server, by id.
#[derive(Clone)]
pub struct Registry {
    sessions: Arc<RwLock<HashMap<SessionId, Arc<Live>>>>,
    app: Arc<App>,
    journal: Journal,
}

impl Registry {
    /// No live sessions yet, over `app`'s store; starts the journal's writer (so it needs a
    /// tokio runtime).
    pub fn new(app: &Arc<App>) -> Registry {
        Registry { sessions: Arc::default(), app: app.clone(), journal: Journal::start(app.clone()) }
    }

    /// The session `id` if it belongs to `user` (another user's session is not found, exactly
    /// like an unknown id).
    pub fn get(&self, user: UserId, id: SessionId) -> Option<Arc<Live>> {
        let map = self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&id).filter(|l| l.user == user).cloned()
    }

    /// `user`'s sessions, oldest first.
    pub fn of_user(&self, user: UserId) -> Vec<Arc<Live>> {
        let map = self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<Arc<Live>> = map.values().filter(|l| l.user == user).cloned().collect();
        out.sort_by_key(|l| (l.started_at_ms, l.id));
        out
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

    /// Starts a new live session: stores it, then runs its driver.
    pub async fn start(&self, new: NewLive) -> Result<Arc<Live>, LiveError> {
        let NewLive { user, kind, session, screening, started_at_ms, speed } = new;
        let id = SessionId::new();
        let saved = session.log().intents.len();
        let record = LiveRecord {
            id,
            user,
            plan: serde_json::to_string(session.plan())?,
            screening: serde_json::to_string(&screening)?,
            log: serde_json::to_string(session.log())?,
            events: Vec::new(),
            started_at_ms,
            speed,
        };
        self.app.store().save_live(&record).await.map_err(limber_app::Error::from)?;
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
            let (kind, session, saved) = match replay(&record, &self.app) {
                Ok(replayed) => replayed,
                Err(e) => {
                    // Left in the store untouched; the other sessions still resume.
                    tracing::error!(error = %e, "skipping a live session that cannot be replayed");
                    continue;
                }
            };
            let live = Arc::new(Live {
                id: record.id,
                user: record.user,
                kind,
                started_at_ms: record.started_at_ms,
                speed: if record.speed.is_finite() && record.speed > 0.0 { record.speed } else { 1.0 },
                changed: std::sync::OnceLock::new(),
                wake: Notify::new(),
                state: Mutex::new(State::new(session, saved + record.events.len(), saved)),
            });
            self.insert(live.clone());
            tokio::spawn(drive(self.clone(), live));
            n += 1;
        }
        Ok(n)
    }

    /// Applies `intent` at the server's now; stores it in the session's log before returning
    /// (the session stays locked meanwhile, so the stored log follows the order of intents).
    pub async fn intent(&self, live: &Live, intent: Intent) -> Result<SessionState, IntentError> {
        let mut state = live.state.lock().await;
        let at = live.at(now_ms());
        state.session.handle(intent, at).map_err(IntentError::Rejected)?;
        let events = state.session.log().intents[state.stored..]
            .iter()
            .zip(state.stored..)
            .map(|(logged, n)| {
                Ok(LiveEvent { session: live.id, seq: (n - state.saved) as u64, event: serde_json::to_string(logged)? })
            })
            .collect::<Result<Vec<_>, LiveError>>()
            .map_err(IntentError::Store)?;
        if let Err(e) = self.journal.append(events).await {
            // The session in memory is ahead of the store now: rebuild it from what is stored,
            // so what the person sees is what a restart would resume.
            tracing::error!(session = %live.id, error = %e, "cannot store an intent; the session goes back to its stored log");
            match self.reload(live.id).await {
                Ok(Some((_, session, _))) => {
                    state.stored = session.log().intents.len();
                    state.session = session;
                }
                Ok(None) => tracing::error!(session = %live.id, "the session is no longer stored"),
                Err(e) => tracing::error!(session = %live.id, error = %e, "cannot reload the session"),
            }
            return Err(IntentError::Store(e));
        }
        state.stored = state.session.log().intents.len();
        let snapshot = live.snapshot_of(&state.session);
        drop(state);
        live.bump();
        live.wake.notify_one();
        Ok(snapshot)
    }
}

impl Registry {
    /// The session `id` as stored now, replayed: `None` when it is not stored.
    async fn reload(&self, id: SessionId) -> Result<Option<(Kind, Session, usize)>, LiveError> {
        let stored = self.app.store().live_sessions().await.map_err(limber_app::Error::from)?;
        stored.iter().find(|r| r.id == id).map(|r| replay(r, &self.app)).transpose()
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
    loop {
        let deadline = {
            let mut state = live.state.lock().await;
            let before = state.session.view().last_cue;
            state.session.advance(live.at(now_ms()));
            if state.session.view().last_cue != before {
                live.bump();
            }
            if state.session.phase().is_over() {
                if !state.recorded {
                    // Boxed: the recording future is large and needed once, so it is not kept
                    // inline in every waiting session's driver.
                    match Box::pin(finish(&app, &live, &state.session)).await {
                        Ok(()) => state.recorded = true,
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
            state.session.next_deadline()
        };
        match deadline {
            Some(due) => {
                let wait = u64::try_from(live.wall_ms(due).saturating_sub(now_ms())).unwrap_or(0);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(wait)) => {}
                    () = live.wake.notified() => {}
                }
            }
            None => live.wake.notified().await,
        }
    }
}

/// Records a session that is over (a routine in history, a screening's answers), then forgets
/// it as live. Recording is idempotent by id, so a crash between the two records it once.
async fn finish(app: &App, live: &Live, session: &Session) -> Result<(), LiveError> {
    match live.kind {
        Kind::Routine => {
            app.finish_as(live.user, live.id, session, live.started_at_ms, live.speed).await?;
        }
        Kind::Screening => {
            app.save_screening(live.user, session, live.started_at_ms).await?;
        }
    }
    app.store().remove_live(live.id).await.map_err(limber_app::Error::from)?;
    tracing::info!(session = %live.id, user = %live.user, "session over and recorded");
    Ok(())
}
