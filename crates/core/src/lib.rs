//! limber-core: the domain model and the pure session state machine of limber.
//!
//! Nothing here performs I/O, spawns threads or reads a clock: time comes in as an [`At`] on
//! every call, and a session says when it next needs one ([`Session::next_deadline`]). Drivers
//! (the CLI loop, the TUI loop, the server task) own the clock and the I/O.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cue;
pub mod drawing;
pub mod figure;
pub mod guidance;
pub mod intent;
pub mod library;
pub mod phase_word;
pub mod plan;
pub mod pose;
pub mod progress;
pub mod routine;
pub mod screening;
pub mod session;
pub mod stretch;
pub mod time;
mod words;

pub use cue::{Cue, CueKind, Sound, StopNotice, StopReason};
pub use figure::{Figure, FigureProblem, Pose, Prop, View};
pub use guidance::{Advice, FaqEntry, Precaution, SourceCredit, Tip, WarmUp};
pub use intent::{Intent, IntentKind};
pub use library::Library;
pub use phase_word::{Moment, PhaseWord};
pub use plan::{
    Adjustment, Choice, PainPrompt, Plan, PlanError, PlanItem, PlanOptions, Preparation, Reading, Timing, Unfit,
    WarmUpPlan,
};
pub use pose::{Motion, Posed, Shown, pose_at};
pub use progress::{Adherence, AdherenceWalk, Outcome, PainTrend, Progress, ProgressChange, ProgressRules};
pub use routine::{Promise, Routine, RoutineId};
pub use screening::{Answer, Clearance, Level, ScreeningQuestion, ScreeningRecord};
pub use session::{
    Ask, Comfort, ItemRecord, ItemStatus, KEPT_CUES, LateReport, Logged, Phase, RULES, Rejected, ReplayError, Session,
    SessionLog, SessionView, Summary,
};
pub use stretch::{
    Area, Dose, DoseRange, Equipment, FlowPosition, MAX_ID_CHARS, Origin, Position, Side, Stretch, StretchEntry,
    StretchId, id_problem, kit_and_positions,
};
pub use time::At;
