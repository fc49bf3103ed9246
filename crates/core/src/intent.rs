//! Intents: what a person meant (a key, a typed word, a tap), before the session decides what it means now.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a person meant, as every front end sends it. The session decides what an intent means
/// in the current phase: `yes` answers a screening question or confirms stopping, `discomfort`
/// answers a check-in or reports discomfort during a hold, `pain 7` rates pain before the session
/// or stops a stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "kebab-case")]
pub enum Intent {
    /// Yes, to the question being asked.
    Yes,
    /// No, to the question being asked.
    No,
    /// Ready: start the stretch being prepared, or move on from a prompt.
    Start,
    /// Stop the clock.
    Pause,
    /// Start the clock again.
    Resume,
    /// Pause when running, resume when paused (one key for both).
    TogglePause,
    /// Move past the warm-up, the current stretch or a prompt.
    Skip,
    /// Swap the current stretch for an alternative that reaches the same area.
    Swap,
    /// Some discomfort: fine, but noted (and an answer to "how did that feel?").
    Discomfort,
    /// It felt comfortable (the answer to "how did that feel?").
    Comfortable,
    /// A pain rating from 0 to 10.
    Pain {
        /// The rating, 0 (none) to 10 (worst imaginable).
        score: u8,
    },
    /// Sharp or intense pain: the session stops at once, and the stretch is set aside.
    SharpPain {
        /// The stretch the person was doing when they pressed, by its number in the session
        /// (the view's `number`, from 1), when the front end may be behind the session: a page
        /// whose connection dropped sends it when the press reaches the server, which may have
        /// moved on to the next stretch meanwhile. Without it (or when it names a stretch not
        /// reached yet) the stretch under way is the one set aside.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        during: Option<u16>,
    },
    /// Chest pain, pressure or breathlessness: emergency advice.
    Chest,
    /// End the session, keeping what was done.
    Quit,
}

/// An intent without its data: what the tables of allowed intents and key hints are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntentKind {
    /// [`Intent::Yes`].
    Yes,
    /// [`Intent::No`].
    No,
    /// [`Intent::Start`].
    Start,
    /// [`Intent::Pause`].
    Pause,
    /// [`Intent::Resume`].
    Resume,
    /// [`Intent::TogglePause`].
    TogglePause,
    /// [`Intent::Skip`].
    Skip,
    /// [`Intent::Swap`].
    Swap,
    /// [`Intent::Discomfort`].
    Discomfort,
    /// [`Intent::Comfortable`].
    Comfortable,
    /// [`Intent::Pain`].
    Pain,
    /// [`Intent::SharpPain`].
    SharpPain,
    /// [`Intent::Chest`].
    Chest,
    /// [`Intent::Quit`].
    Quit,
}

impl Intent {
    /// The kind of this intent.
    pub fn kind(self) -> IntentKind {
        match self {
            Intent::Yes => IntentKind::Yes,
            Intent::No => IntentKind::No,
            Intent::Start => IntentKind::Start,
            Intent::Pause => IntentKind::Pause,
            Intent::Resume => IntentKind::Resume,
            Intent::TogglePause => IntentKind::TogglePause,
            Intent::Skip => IntentKind::Skip,
            Intent::Swap => IntentKind::Swap,
            Intent::Discomfort => IntentKind::Discomfort,
            Intent::Comfortable => IntentKind::Comfortable,
            Intent::Pain { .. } => IntentKind::Pain,
            Intent::SharpPain { .. } => IntentKind::SharpPain,
            Intent::Chest => IntentKind::Chest,
            Intent::Quit => IntentKind::Quit,
        }
    }

    /// Whether this intent reports a danger sign, which is acted on in every phase.
    pub fn is_safety_report(self) -> bool {
        matches!(self, Intent::SharpPain { .. } | Intent::Chest)
    }
}

impl IntentKind {
    /// Every kind, in the order key hints list them.
    pub const ALL: [IntentKind; 14] = [
        IntentKind::Yes,
        IntentKind::No,
        IntentKind::Start,
        IntentKind::Pause,
        IntentKind::Resume,
        IntentKind::TogglePause,
        IntentKind::Skip,
        IntentKind::Swap,
        IntentKind::Discomfort,
        IntentKind::Comfortable,
        IntentKind::Pain,
        IntentKind::SharpPain,
        IntentKind::Chest,
        IntentKind::Quit,
    ];

    /// The intent of this kind: a pain rating takes its `score`, every other kind none (sharp
    /// pain names no stretch: the one under way). `None` when the score is missing from a
    /// rating or given to anything else.
    pub fn with_score(self, score: Option<u8>) -> Option<Intent> {
        let intent = match (self, score) {
            (IntentKind::Pain, Some(score)) => Intent::Pain { score },
            (IntentKind::Pain, None) | (_, Some(_)) => return None,
            (IntentKind::Yes, None) => Intent::Yes,
            (IntentKind::No, None) => Intent::No,
            (IntentKind::Start, None) => Intent::Start,
            (IntentKind::Pause, None) => Intent::Pause,
            (IntentKind::Resume, None) => Intent::Resume,
            (IntentKind::TogglePause, None) => Intent::TogglePause,
            (IntentKind::Skip, None) => Intent::Skip,
            (IntentKind::Swap, None) => Intent::Swap,
            (IntentKind::Discomfort, None) => Intent::Discomfort,
            (IntentKind::Comfortable, None) => Intent::Comfortable,
            (IntentKind::SharpPain, None) => Intent::SharpPain { during: None },
            (IntentKind::Chest, None) => Intent::Chest,
            (IntentKind::Quit, None) => Intent::Quit,
        };
        Some(intent)
    }

    /// The intent in a person's words, as typed lines spell it (`pain N` for a rating).
    pub fn words(self) -> &'static str {
        match self {
            IntentKind::Yes => "yes",
            IntentKind::No => "no",
            IntentKind::Start => "start",
            IntentKind::Pause => "pause",
            IntentKind::Resume => "resume",
            IntentKind::TogglePause => "pause or resume",
            IntentKind::Skip => "skip",
            IntentKind::Swap => "swap",
            IntentKind::Discomfort => "discomfort",
            IntentKind::Comfortable => "comfortable",
            IntentKind::Pain => "pain N",
            IntentKind::SharpPain => "sharp pain",
            IntentKind::Chest => "chest pain",
            IntentKind::Quit => "quit",
        }
    }
}

impl fmt::Display for IntentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intent::Pain { score } => write!(f, "pain {score}"),
            other => f.write_str(other.kind().words()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_makes_an_intent_of_that_kind_and_only_a_rating_takes_a_score() {
        for kind in IntentKind::ALL {
            let score = (kind == IntentKind::Pain).then_some(7);
            assert_eq!(kind.with_score(score).map(Intent::kind), Some(kind), "{kind:?}");
            let wrong = if score.is_some() { None } else { Some(7) };
            assert_eq!(kind.with_score(wrong), None, "{kind:?} with {wrong:?}");
        }
        assert_eq!(IntentKind::Pain.with_score(Some(3)), Some(Intent::Pain { score: 3 }));
    }

    #[test]
    fn sharp_pain_reads_as_logs_wrote_it_before_it_could_name_a_stretch() {
        let old: Intent = serde_json::from_str(r#"{"intent":"sharp-pain"}"#).expect("an older log's press");
        assert_eq!(old, Intent::SharpPain { during: None });
        assert_eq!(serde_json::to_string(&old).expect("json"), r#"{"intent":"sharp-pain"}"#);
        let named = Intent::SharpPain { during: Some(2) };
        let text = serde_json::to_string(&named).expect("json");
        assert_eq!(text, r#"{"intent":"sharp-pain","during":2}"#);
        assert_eq!(serde_json::from_str::<Intent>(&text).expect("back"), named);
    }
}
