//! What the store keeps, as plain serializable records (also the export format).

use std::fmt;
use std::str::FromStr;

use limber_core::{Equipment, ItemRecord, Position, ScreeningRecord, StopReason, StretchId};
use serde::{Deserialize, Serialize};

use crate::ids::{SessionId, UserId};

/// One finished or stopped session with its stretches; the unit of history, export and import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SessionRecord {
    /// A unique id (per user), so that importing the same session twice adds it once.
    pub id: SessionId,
    /// The routine.
    pub routine: String,
    /// When it started, Unix milliseconds UTC.
    #[serde(alias = "started_at_ms")]
    pub started_at_ms: i64,
    /// When it ended, Unix milliseconds UTC.
    #[serde(alias = "ended_at_ms")]
    pub ended_at_ms: i64,
    /// `None` when finished; else why it stopped.
    pub stopped: Option<StopReason>,
    /// Whether the warm-up was done in full.
    #[serde(alias = "warmed_up")]
    pub warmed_up: bool,
    /// Time spent stretching, in milliseconds.
    #[serde(alias = "active_ms")]
    pub active_ms: i64,
    /// Pain 0–10 before.
    #[serde(alias = "pain_before")]
    pub pain_before: Option<u8>,
    /// Pain 0–10 after.
    #[serde(alias = "pain_after")]
    pub pain_after: Option<u8>,
    /// The stretch that caused sharp pain.
    pub flagged: Option<String>,
    /// Each stretch of the plan.
    pub items: Vec<ItemRecord>,
    /// Run faster than real time ([`limber_core::progress::is_preview`]): kept, but counted
    /// toward no weekly goal. Always written (a script selects on `false` as on `true`); a file
    /// from before it was kept has none, and reads as `false`.
    #[serde(default)]
    pub preview: bool,
}

impl SessionRecord {
    /// How many of its stretches were done in full.
    pub fn done(&self) -> usize {
        self.items.iter().filter(|i| i.status == limber_core::ItemStatus::Done).count()
    }

    /// How many stretches it planned: a stretch swapped out keeps a record of its own, before
    /// the record of the one done instead, and is not counted twice.
    pub fn planned(&self) -> usize {
        self.items.iter().filter(|i| i.status != limber_core::ItemStatus::Swapped).count()
    }

    /// How it ended, in a few words for a history line: "finished", "ended early", "stopped:
    /// sharp pain" ([`limber_core::StopReason::label`]).
    pub fn outcome(&self) -> &'static str {
        self.stopped.map_or("finished", limber_core::StopReason::label)
    }

    /// The stretches done in full that count toward the weekly goal: none in a preview.
    pub(crate) fn counted_items(&self) -> i64 {
        if self.preview {
            return 0;
        }
        i64::try_from(self.done()).unwrap_or(i64::MAX)
    }
}

/// Screening answers with the moment they were given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningEntry {
    /// When, Unix milliseconds UTC.
    pub taken_at_ms: i64,
    /// The answers.
    pub record: ScreeningRecord,
}

/// A person's standing choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Equipment they have.
    pub equipment: Vec<Equipment>,
    /// Positions they avoid.
    pub avoid: Vec<Position>,
    /// Sessions wanted per week.
    pub weekly_goal: u32,
    /// Speak cues aloud by default.
    pub voice: bool,
    /// Sound (the terminal bell, the page's beeps) at the start, the last seconds and the end of
    /// each hold.
    #[serde(default = "sound_on")]
    pub sound: bool,
}

fn sound_on() -> bool {
    true
}

impl Default for Profile {
    /// A chair and a towel, nothing avoided, three sessions a week (the article: at least 2–3).
    fn default() -> Self {
        Profile {
            equipment: vec![Equipment::Chair, Equipment::Towel],
            avoid: Vec::new(),
            weekly_goal: 3,
            voice: false,
            sound: true,
        }
    }
}

/// A person known to the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their name, unique in the store.
    pub name: String,
    /// When they were added, Unix milliseconds UTC.
    pub created_at_ms: i64,
}

/// Which page of a person's history to read: newest first, `limit` sessions at most, started at
/// or after `since_ms`, and older than `before` (the `next` cursor of the previous page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// Only sessions started at or after this moment, Unix milliseconds UTC.
    pub since_ms: Option<i64>,
    /// Only sessions after this cursor (older); `None` for the first page.
    pub before: Option<Cursor>,
    /// At most this many sessions; brought within 1..=[`HistoryQuery::MAX_LIMIT`].
    pub limit: u32,
}

impl HistoryQuery {
    /// The most sessions one page holds.
    pub const MAX_LIMIT: u32 = 500;

    /// The first page of `limit` sessions, newest first.
    pub fn first(limit: u32) -> HistoryQuery {
        HistoryQuery { since_ms: None, before: None, limit }
    }

    /// The limit actually used: at least 1, at most [`HistoryQuery::MAX_LIMIT`].
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, HistoryQuery::MAX_LIMIT)
    }
}

/// The order sessions are read in: by start time, then by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// The most recent first (history).
    NewestFirst,
    /// The oldest first (exports).
    OldestFirst,
}

/// Which of a person's sessions to read one by one, and in which order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionQuery {
    /// The order.
    pub order: Order,
    /// Only sessions started at or after this moment, Unix milliseconds UTC.
    pub since_ms: Option<i64>,
    /// Only sessions that come after this cursor in `order`.
    pub after: Option<Cursor>,
}

impl SessionQuery {
    /// Every session, the most recent first.
    pub fn newest_first() -> SessionQuery {
        SessionQuery { order: Order::NewestFirst, since_ms: None, after: None }
    }

    /// Every session, the oldest first.
    pub fn oldest_first() -> SessionQuery {
        SessionQuery { order: Order::OldestFirst, since_ms: None, after: None }
    }

    /// Only sessions started at or after `since_ms` (no limit when `None`).
    pub fn since(self, since_ms: Option<i64>) -> SessionQuery {
        SessionQuery { since_ms, ..self }
    }
}

/// Counts the store keeps up to date with every session it adds: what statistics read
/// instead of every session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tallies {
    /// Sessions in all.
    pub sessions: u64,
    /// Sessions by their "before" pain rating (index 0–10).
    pub pain_before: [u64; 11],
}

impl Tallies {
    /// Sessions with a "before" rating.
    pub fn rated(&self) -> u64 {
        self.pain_before.iter().sum()
    }
}

/// A session's pain ratings (it has one before) and when it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// When the session started, Unix milliseconds UTC.
    pub started_at_ms: i64,
    /// Pain 0–10 before.
    pub pain_before: u8,
    /// Pain 0–10 after, when rated.
    #[serde(default)]
    pub pain_after: Option<u8>,
}

/// The ends of a person's "before" ratings: what the pain trend reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PainEnds {
    /// The oldest rated session.
    pub first: Option<Rating>,
    /// The newest rated sessions (as many as asked, fewer when there are fewer), oldest first.
    pub latest: Vec<Rating>,
    /// The lowest "before" rating in the 90 days up to the newest rated session.
    #[serde(default)]
    pub lowest_lately: Option<u8>,
}

/// One page of history, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The sessions, with their items.
    pub sessions: Vec<SessionRecord>,
    /// Where the next (older) page starts, or `None` when this is the last page.
    pub next: Option<Cursor>,
    /// Stored sessions in this stretch of history that could not be read, left out of
    /// `sessions` (a damaged row; the others are whole).
    #[serde(default)]
    pub unreadable: u64,
}

/// A place in a person's history, newest first: an opaque keyset cursor (start time and
/// session id). It reads and writes as text (`Display` and `FromStr`), safe in a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Cursor {
    pub(crate) started_at_ms: i64,
    pub(crate) id: SessionId,
}

impl Cursor {
    /// The cursor just after `session`: a page starting there holds only older sessions.
    pub fn after(session: &SessionRecord) -> Cursor {
        Cursor { started_at_ms: session.started_at_ms, id: session.id }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.started_at_ms, self.id)
    }
}

/// Text that is not a history cursor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a history cursor")]
pub struct CursorError(pub String);

impl FromStr for Cursor {
    type Err = CursorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CursorError(s.to_owned());
        let (at, id) = s.split_once('_').ok_or_else(bad)?;
        Ok(Cursor { started_at_ms: at.parse().map_err(|_| bad())?, id: id.parse().map_err(|_| bad())? })
    }
}

impl From<Cursor> for String {
    fn from(cursor: Cursor) -> String {
        cursor.to_string()
    }
}

impl TryFrom<String> for Cursor {
    type Error = CursorError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// What saving a finished session did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishReport {
    /// The stretches whose hold grew, each with its new hold in seconds.
    pub grown: Vec<(StretchId, u32)>,
    /// The session was already stored (same id): nothing was changed, progression included.
    pub already_saved: bool,
}

/// A session that is running now, as a server keeps it: its plan, the screening record it
/// started with and its timed log, each as the engine's own JSON. Replaying the three rebuilds
/// the exact session.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveRecord {
    /// The session's id (also the id of its history record once it is over).
    pub id: SessionId,
    /// Whose session it is.
    pub user: UserId,
    /// JSON of the `limber_core::Plan`.
    pub plan: String,
    /// JSON of the `Option<limber_core::ScreeningRecord>` it started with.
    pub screening: String,
    /// JSON of the `limber_core::SessionLog` as it was saved with [`Store::save_live`](crate::Store::save_live).
    pub log: String,
    /// JSON of each `limber_core::Logged` appended since with
    /// [`Store::append_live`](crate::Store::append_live), in order: they follow `log`'s intents.
    pub events: Vec<String>,
    /// When it started, Unix milliseconds UTC.
    pub started_at_ms: i64,
    /// Session seconds per wall-clock second (1 for a real session).
    pub speed: f64,
}

/// One intent accepted by a live session, appended to its stored log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveEvent {
    /// The live session.
    pub session: SessionId,
    /// Its position among the session's appended events, from 0, without gaps.
    pub seq: u64,
    /// JSON of the `limber_core::Logged`.
    pub event: String,
}
