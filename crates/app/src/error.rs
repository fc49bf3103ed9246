//! Why a use case could not be done ([`Error`]), and the exit codes terminal front ends give.

use crate::export;

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
    /// A weekly goal outside [`WEEKLY_GOALS`](crate::WEEKLY_GOALS).
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

/// The exit code of a terminal front end after a session stopped for safety (sharp pain, pain
/// above 5 twice, an emergency sign, or screening advising a clinician first).
pub const EXIT_SAFETY: u8 = 3;
