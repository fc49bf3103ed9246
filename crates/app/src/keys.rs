//! The single-key table every keyboard front end shares: which key means which intent, the hints shown for the intents that apply now, and which cue sounds ring the terminal bell.

use std::time::{Duration, Instant};

use limber_core::{Intent, IntentKind, Phase, SessionView, Sound};

/// What a key means: the same intent in every phase; the session decides what it means now.
/// `'\r'`/`'\n'` is Enter and `'\u{3}'` is Ctrl-C. Letters are case-insensitive.
pub fn intent(key: char) -> Option<Intent> {
    Some(match key.to_ascii_lowercase() {
        'y' => Intent::Yes,
        'n' => Intent::No,
        ' ' | 'p' => Intent::TogglePause,
        '\r' | '\n' => Intent::Start,
        's' => Intent::Skip,
        'a' => Intent::Swap,
        'd' => Intent::Discomfort,
        'c' => Intent::Comfortable,
        'x' | '!' => Intent::SharpPain { during: None },
        'e' => Intent::Chest,
        'q' | '\u{3}' => Intent::Quit,
        digit @ '0'..='9' => Intent::Pain { score: digit as u8 - b'0' },
        _ => return None,
    })
}

/// One key hint: the key as printed and what it does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The key, as printed: `space`, `enter`, `0-9`, `x`.
    pub key: &'static str,
    /// What it does, in a word or two.
    pub action: &'static str,
    /// The intent it sends.
    pub kind: IntentKind,
}

/// The keys for the intents in `allowed` (from `Session::allowed`), in a stable order, each
/// key once. Pause and resume share the space bar; `paused` picks the word.
pub fn hints(allowed: &[IntentKind], paused: bool) -> Vec<Hint> {
    use IntentKind as K;
    let has = |k: K| allowed.contains(&k);
    let mut out = Vec::new();
    let mut push = |key, action, kind| out.push(Hint { key, action, kind });
    if has(K::Yes) {
        push("y", "yes", K::Yes);
    }
    if has(K::No) {
        push("n", "no", K::No);
    }
    if has(K::Start) {
        push("enter", "start", K::Start);
    }
    if has(K::TogglePause) || has(K::Pause) || has(K::Resume) {
        let kind = if has(K::TogglePause) {
            K::TogglePause
        } else if has(K::Pause) {
            K::Pause
        } else {
            K::Resume
        };
        push("space", if paused { "resume" } else { "pause" }, kind);
    }
    if has(K::Skip) {
        push("s", "skip", K::Skip);
    }
    if has(K::Swap) {
        push("a", "swap", K::Swap);
    }
    if has(K::Discomfort) {
        push("d", "discomfort", K::Discomfort);
    }
    if has(K::Comfortable) {
        push("c", "comfortable", K::Comfortable);
    }
    if has(K::Pain) {
        push("0-9", "rate pain", K::Pain);
    }
    if has(K::SharpPain) {
        push("x", "SHARP PAIN", K::SharpPain);
    }
    if has(K::Chest) {
        push("e", CHEST, K::Chest);
    }
    if has(K::Quit) {
        push("q", "quit", K::Quit);
    }
    out
}

/// The keys for `view` in the words of its phase: [`hints`], except that at a pain prompt Enter
/// goes on with "no rating" and skipping, which does the same, is not offered twice.
pub fn hints_now(view: &SessionView) -> Vec<Hint> {
    let rating = matches!(view.phase, Phase::PainBefore | Phase::PainAfter);
    hints(&view.allowed, view.paused)
        .into_iter()
        .filter(|h| !(rating && h.kind == IntentKind::Skip))
        .map(|h| if rating && h.kind == IntentKind::Start { Hint { action: "no rating", ..h } } else { h })
        .collect()
}

/// [`hints_now`] while `entry` may hold a typed 1 at a rating prompt: then Enter keeps the 1 and
/// 0 makes it 10, and the key line says so rather than "no rating".
pub fn hints_typing(view: &SessionView, entry: PainEntry) -> Vec<Hint> {
    let hints = hints_now(view);
    if entry.waiting().is_none() {
        return hints;
    }
    hints
        .into_iter()
        .map(|h| match h.kind {
            IntentKind::Start => Hint { action: "keep 1", ..h },
            IntentKind::Pain => Hint { key: "0", action: "make it 10", ..h },
            _ => h,
        })
        .collect()
}

/// Hints as one line of text: `space pause · s skip · x SHARP PAIN`.
pub fn hint_line(hints: &[Hint]) -> String {
    hints.iter().map(|h| format!("{} {}", h.key, h.action)).collect::<Vec<_>>().join(" · ")
}

/// A pain rating typed at a rating prompt, where 10 takes two keys: `1` waits for the next key
/// (`0` makes 10, Enter keeps 1, another digit replaces it); every other digit answers at once.
/// During the exercise a rating acts at once (a 1 is not held back while someone hurts), and a
/// `0` within [`TEN_AFTER_ONE`] of a `1` makes it 10: someone in severe pain who types 10 is
/// heard as 10, not as 1 and then 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PainEntry {
    one: bool,
    /// When a `1` was sent during the exercise.
    one_sent: Option<Instant>,
}

/// How soon after a `1` typed during the exercise a `0` makes it 10.
pub const TEN_AFTER_ONE: Duration = Duration::from_secs(2);

/// What the `e` key reports, as every key line names it.
pub const CHEST: &str = "chest pain/breathless (twice)";

/// How soon after a first `e` a second reports chest pain ([`ChestEntry`]).
pub const CHEST_AGAIN: Duration = Duration::from_secs(4);

/// What a first `e` asks.
pub const CHEST_ASK: &str =
    "Chest pain, pressure or breathlessness? Press e again within 4 seconds to stop and get emergency advice.";

/// The chest-pain key, pressed twice within [`CHEST_AGAIN`] to report: one stray key (a bumped
/// keyboard) must not stop the session for an emergency and refuse sessions for a day. Every
/// keyboard front end asks the same way (the page's script mirrors it); a typed line (`chest`)
/// or a button is meant, and reports at once. A terminal sends a held key's repeats as presses,
/// which no timing tells from fast deliberate ones (a first repeat comes as late as a second
/// press, a frightened person may press faster than a repeat): a held `e` reports, since a
/// report missed is worse than one made in error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChestEntry {
    /// When the first press asked.
    asked: Option<Instant>,
}

impl ChestEntry {
    /// Takes a press of `e` at `now`: whether it reports chest pain (the second within
    /// [`CHEST_AGAIN`] of the first); if not, it asks ([`CHEST_ASK`]) and waits.
    pub fn press(&mut self, now: Instant) -> bool {
        match self.asked.take() {
            Some(at) if now.saturating_duration_since(at) <= CHEST_AGAIN => true,
            _ => {
                self.asked = Some(now);
                false
            }
        }
    }

    /// Whether a first press still waits for its second at `now` (its question is shown).
    pub fn asking(&self, now: Instant) -> bool {
        self.left(now).is_some()
    }

    /// How long the question stays at `now`, while it waits: a screen redraws when it lapses.
    pub fn left(&self, now: Instant) -> Option<Duration> {
        let since = now.saturating_duration_since(self.asked?);
        (since <= CHEST_AGAIN).then(|| CHEST_AGAIN - since)
    }
}

/// What a key did to a [`PainEntry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typed {
    /// The rating is complete: send it.
    Rate(u8),
    /// A `1` waits for the next key.
    Waiting,
    /// Not a rating key: handle it as usual (a waiting `1` is dropped).
    Other,
}

impl PainEntry {
    /// Takes one key (`'\r'`/`'\n'` is Enter).
    pub fn key(&mut self, key: char) -> Typed {
        let waiting = std::mem::take(&mut self.one);
        match (waiting, key) {
            (_, '1') => {
                self.one = true;
                Typed::Waiting
            }
            (true, '0') => Typed::Rate(10),
            (true, '\r' | '\n') => Typed::Rate(1),
            (_, digit @ '0'..='9') => Typed::Rate(digit as u8 - b'0'),
            _ => Typed::Other,
        }
    }

    /// Takes one key in `phase`, typed at `now`: at a rating prompt (the pain before or after)
    /// as [`Self::key`]; elsewhere nothing waits: a digit acts at once through [`intent`]
    /// ([`Typed::Other`]), except a `0` right after a `1`, which is a 10 ([`Typed::Rate`]).
    pub fn key_in(&mut self, phase: Phase, key: char, now: Instant) -> Typed {
        if matches!(phase, Phase::PainBefore | Phase::PainAfter) {
            self.one_sent = None;
            return self.key(key);
        }
        self.one = false;
        let after_one = self.one_sent.take().is_some_and(|at| now.saturating_duration_since(at) <= TEN_AFTER_ONE);
        match key {
            '0' if after_one => Typed::Rate(10),
            '1' => {
                self.one_sent = Some(now);
                Typed::Other
            }
            _ => Typed::Other,
        }
    }

    /// The digit waiting for a second key, to show beside the question.
    pub fn waiting(self) -> Option<u8> {
        self.one.then_some(1)
    }
}

/// What a waiting `1` tells the person.
pub const ONE_WAITING: &str = "1 — press 0 to make it 10, or Enter to keep 1";

/// Whether a cue with this sound rings the terminal bell: the start, the last seconds, the end
/// of each hold, and safety messages.
pub fn rings_bell(sound: Sound) -> bool {
    matches!(sound, Sound::Start | Sound::Tick | Sound::End | Sound::Alert)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hinted_key_sends_its_intent() {
        let all = IntentKind::ALL;
        for hint in hints(&all, false) {
            let key = match hint.key {
                "space" => ' ',
                "enter" => '\r',
                "0-9" => '7',
                k => k.chars().next().unwrap_or('?'),
            };
            let sent = intent(key).map(Intent::kind);
            assert_eq!(sent, Some(hint.kind), "key {}", hint.key);
        }
    }

    #[test]
    fn chest_pain_takes_two_presses_within_four_seconds() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut entry = ChestEntry::default();
        assert!(!entry.press(at(0)), "the first asks");
        assert!(entry.asking(at(3_000)));
        assert_eq!(entry.left(at(3_000)), Some(Duration::from_secs(1)), "a second left to show it");
        assert!(entry.press(at(3_000)), "the second reports");
        assert!(!entry.asking(at(3_000)), "and the question is answered");
        // Too late: that press asks again.
        assert!(!entry.press(at(10_000)));
        assert!(!entry.press(at(14_001)), "over four seconds after it");
        assert!(!entry.asking(at(18_002)));
        assert!(entry.press(at(18_000)));
    }

    #[test]
    fn hints_show_only_what_applies() {
        let shown: Vec<&str> =
            hints(&[IntentKind::Yes, IntentKind::No, IntentKind::Quit], false).iter().map(|h| h.key).collect();
        assert_eq!(shown, ["y", "n", "q"]);
        let paused = hints(&[IntentKind::Resume, IntentKind::TogglePause], true);
        assert_eq!(paused.len(), 1);
        assert_eq!(paused[0].action, "resume");
    }

    #[test]
    fn ten_takes_two_keys_at_a_prompt() {
        let typed = |keys: &str| {
            let mut entry = PainEntry::default();
            keys.chars().map(|k| entry.key(k)).collect::<Vec<_>>()
        };
        assert_eq!(typed("7"), [Typed::Rate(7)]);
        assert_eq!(typed("0"), [Typed::Rate(0)]);
        assert_eq!(typed("10"), [Typed::Waiting, Typed::Rate(10)]);
        assert_eq!(typed("1\r"), [Typed::Waiting, Typed::Rate(1)]);
        assert_eq!(typed("13"), [Typed::Waiting, Typed::Rate(3)], "another digit replaces the 1");
        assert_eq!(typed("11\r"), [Typed::Waiting, Typed::Waiting, Typed::Rate(1)]);
        assert_eq!(typed("1x"), [Typed::Waiting, Typed::Other], "a safety key is never taken");
        assert_eq!(typed("\r"), [Typed::Other], "Enter alone is the prompt's own (no rating)");
        let mut entry = PainEntry::default();
        entry.key('1');
        assert_eq!(entry.waiting(), Some(1));
        entry.key('q');
        assert_eq!(entry.waiting(), None, "any other key drops the waiting 1");
        // Only at a rating prompt: during the exercise a 1 is a 1 at once.
        let t = Instant::now();
        assert_eq!(entry.key_in(Phase::PainAfter, '1', t), Typed::Waiting);
        assert_eq!(entry.key_in(Phase::WarmUp, '1', t), Typed::Other);
        assert_eq!(entry.waiting(), None);
    }

    #[test]
    fn ten_typed_during_the_exercise_is_ten_not_one_then_zero() {
        let hold = Phase::Active { item: 0, hold: 0 };
        let t = Instant::now();
        let mut entry = PainEntry::default();
        assert_eq!(entry.key_in(hold, '1', t), Typed::Other, "the 1 goes at once");
        assert_eq!(entry.key_in(hold, '0', t + Duration::from_millis(400)), Typed::Rate(10));
        assert_eq!(entry.key_in(hold, '0', t + Duration::from_millis(500)), Typed::Other, "a 0 alone is a 0");
        // A 0 long after the 1 is its own rating; so is one after another key.
        assert_eq!(entry.key_in(hold, '1', t), Typed::Other);
        assert_eq!(entry.key_in(hold, '0', t + TEN_AFTER_ONE + Duration::from_millis(1)), Typed::Other);
        assert_eq!(entry.key_in(hold, '1', t), Typed::Other);
        assert_eq!(entry.key_in(hold, ' ', t), Typed::Other);
        assert_eq!(entry.key_in(hold, '0', t), Typed::Other);
    }

    #[test]
    fn keys_map_to_intents() {
        assert_eq!(intent('X'), Some(Intent::SharpPain { during: None }));
        assert_eq!(intent('4'), Some(Intent::Pain { score: 4 }));
        assert_eq!(intent('\u{3}'), Some(Intent::Quit));
        assert_eq!(intent('z'), None);
        assert!(rings_bell(Sound::Alert));
        assert!(!rings_bell(Sound::Halfway));
    }
}
