//! What a stretch is: its id, where it works, what it needs, its steps and its dose.

use std::fmt;
use std::num::NonZeroU32;
use std::ops::RangeInclusive;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::figure::Figure;

/// The longest id a routine or stretch may have, in characters: history keeps ids, and an
/// export must read back in (import refuses longer ones as damage).
pub const MAX_ID_CHARS: usize = 100;

/// Why `id` cannot be a routine's or a stretch's id, if it cannot: too long, or a control
/// character in it (both would make history that cannot be exported and read back).
pub fn id_problem(id: &str) -> Option<String> {
    if id.chars().any(char::is_control) {
        Some("has a control character in it".to_owned())
    } else if id.chars().count() > MAX_ID_CHARS {
        Some(format!("is longer than {MAX_ID_CHARS} characters"))
    } else {
        None
    }
}

/// The stable identifier of a stretch, e.g. `seated-twist`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StretchId(pub String);

impl StretchId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StretchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for StretchId {
    fn from(s: &str) -> Self {
        StretchId(s.to_owned())
    }
}

/// A part of the body a stretch reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// The thoracic spine, between the neck and the lower back.
    #[serde(alias = "MidBack")]
    MidBack,
    /// Upper back and the muscles around the shoulder blades.
    #[serde(alias = "UpperBack")]
    UpperBack,
    /// The shoulders.
    #[serde(alias = "Shoulders")]
    Shoulders,
    /// The side muscles of the trunk, worked by rotation.
    #[serde(alias = "Obliques")]
    Obliques,
    /// The front of the chest.
    #[serde(alias = "Chest")]
    Chest,
}

impl Area {
    /// The area in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Area::MidBack => "mid back",
            Area::UpperBack => "upper back",
            Area::Shoulders => "shoulders",
            Area::Obliques => "sides of the trunk",
            Area::Chest => "chest",
        }
    }
}

/// The body position a stretch is done in; a person may avoid some (e.g. kneeling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// On hands and knees.
    #[serde(alias = "Kneeling")]
    Kneeling,
    /// On a chair or stool.
    #[serde(alias = "Seated")]
    Seated,
    /// On the feet.
    #[serde(alias = "Standing")]
    Standing,
    /// Lying face up.
    #[serde(alias = "LyingOnBack")]
    LyingOnBack,
    /// Lying on one side.
    #[serde(alias = "LyingOnSide")]
    LyingOnSide,
}

impl Position {
    /// All positions, in a stable order.
    pub const ALL: [Position; 5] =
        [Position::Kneeling, Position::Seated, Position::Standing, Position::LyingOnBack, Position::LyingOnSide];

    /// The position in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Position::Kneeling => "kneeling",
            Position::Seated => "seated",
            Position::Standing => "standing",
            Position::LyingOnBack => "lying on your back",
            Position::LyingOnSide => "lying on your side",
        }
    }
}

/// Something a stretch needs besides the floor and the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Equipment {
    /// A stable chair or stool.
    #[serde(alias = "Chair")]
    Chair,
    /// A foam roller.
    #[serde(alias = "FoamRoller")]
    FoamRoller,
    /// A bath towel that can be rolled up.
    #[serde(alias = "Towel")]
    Towel,
}

impl Equipment {
    /// All equipment, in a stable order.
    pub const ALL: [Equipment; 3] = [Equipment::Chair, Equipment::FoamRoller, Equipment::Towel];

    /// The equipment in plain words, with an article.
    pub fn label(self) -> &'static str {
        match self {
            Equipment::Chair => "a stable chair",
            Equipment::FoamRoller => "a foam roller",
            Equipment::Towel => "a towel",
        }
    }
}

/// Which side of the body is working.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The side the steps describe first.
    #[serde(alias = "Right")]
    Right,
    /// The mirrored side.
    #[serde(alias = "Left")]
    Left,
}

impl Side {
    /// The side in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Side::Right => "right",
            Side::Left => "left",
        }
    }
}

/// An inclusive range of whole units (seconds or minutes) that is never empty, zero or reversed.
///
/// In RON it is written `(low, high)`; a fixed value is `(20, 20)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DoseRange {
    low: u32,
    high: u32,
}

/// Why a [`DoseRange`] was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// No bounds were given.
    #[error("the range is empty: write it as (low, high), e.g. (15, 30)")]
    Empty,
    /// One or both bounds are zero.
    #[error("the range ({low}, {high}) includes zero: both ends must be at least 1")]
    Zero {
        /// Lower bound as written.
        low: u32,
        /// Upper bound as written.
        high: u32,
    },
    /// The low end is above the high end.
    #[error("the range ({low}, {high}) is reversed: write the low end first, ({high}, {low})")]
    Reversed {
        /// Lower bound as written.
        low: u32,
        /// Upper bound as written.
        high: u32,
    },
    /// Only one or more than two bounds were given.
    #[error("a range has exactly two ends, (low, high); found {0}")]
    Arity(usize),
}

impl DoseRange {
    /// A range from `low` to `high`, both included.
    pub fn new(low: u32, high: u32) -> Result<DoseRange, RangeError> {
        if low == 0 || high == 0 {
            Err(RangeError::Zero { low, high })
        } else if low > high {
            Err(RangeError::Reversed { low, high })
        } else {
            Ok(DoseRange { low, high })
        }
    }

    /// The low end.
    pub fn low(self) -> u32 {
        self.low
    }

    /// The high end.
    pub fn high(self) -> u32 {
        self.high
    }

    /// `value` brought inside the range.
    pub fn clamp(self, value: u32) -> u32 {
        value.clamp(self.low, self.high)
    }
}

impl fmt::Display for DoseRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high { write!(f, "{}", self.low) } else { write!(f, "{}–{}", self.low, self.high) }
    }
}

impl Serialize for DoseRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.low, self.high).serialize(s)
    }
}

impl<'de> Deserialize<'de> for DoseRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RangeVisitor;
        impl<'de> Visitor<'de> for RangeVisitor {
            type Value = DoseRange;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a range written as (low, high)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<DoseRange, E> {
                Err(E::custom(RangeError::Empty))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DoseRange, A::Error> {
                let mut ends = Vec::with_capacity(2);
                while let Some(v) = seq.next_element::<u32>()? {
                    ends.push(v);
                }
                match ends[..] {
                    [] => Err(de::Error::custom(RangeError::Empty)),
                    [low, high] => DoseRange::new(low, high).map_err(de::Error::custom),
                    _ => Err(de::Error::custom(RangeError::Arity(ends.len()))),
                }
            }
        }
        d.deserialize_tuple(2, RangeVisitor)
    }
}

/// A named position within a flowing movement, e.g. "cat" then "camel".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowPosition {
    /// Short name, e.g. `Cat`.
    pub name: String,
    /// What to do to reach it, spoken as the cue.
    pub cue: String,
}

/// How much of a stretch to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub enum Dose {
    /// Hold a position still, for a number of seconds, some repetitions, maybe on each side.
    #[serde(alias = "Hold")]
    Hold {
        /// Seconds per hold.
        seconds: DoseRange,
        /// Holds per side (or in total when not per side).
        repetitions: NonZeroU32,
        /// Whether the stretch is done on the right and then the left.
        per_side: bool,
    },
    /// Move between named positions, pausing in each, for a number of cycles.
    #[serde(alias = "Flow")]
    Flow {
        /// The positions of one cycle, in order; at least two.
        positions: Vec<FlowPosition>,
        /// Seconds to stay in each position.
        seconds_each: DoseRange,
        /// How many times to go through all positions.
        cycles: NonZeroU32,
    },
    /// Keep working for a stretch of time (e.g. rolling).
    #[serde(alias = "Timed")]
    Timed {
        /// Seconds of work.
        seconds: DoseRange,
    },
}

impl Dose {
    /// The seconds a hold may last, in content and as a person's choice: ACSM advises 10–30 s,
    /// and up to 60 s for older adults.
    pub const HOLD_SECONDS: RangeInclusive<u32> = 10..=60;
    /// The most holds per side (or in all): about 60 s per stretch in total is the target
    /// (Harvard Health), so more than a handful of holds only tires the person.
    pub const MAX_REPETITIONS: u32 = 6;
    /// The seconds one position of a flow may last: the movement stays slow and keeps going.
    pub const FLOW_SECONDS: RangeInclusive<u32> = 1..=30;
    /// The most rounds of a flow.
    pub const MAX_CYCLES: u32 = 20;
    /// The seconds timed work (such as foam rolling) may last: at most ten minutes.
    pub const TIMED_SECONDS: RangeInclusive<u32> = 10..=600;

    /// Why this dose is outside what limber may ask of a person, in words for the author of the
    /// content; `None` when it is within the limits above.
    pub fn unsafe_because(&self) -> Option<String> {
        let outside = |what: &str, range: DoseRange, limits: &RangeInclusive<u32>, why: &str| {
            (!limits.contains(&range.low()) || !limits.contains(&range.high()))
                .then(|| format!("{what} of {range} s is outside {}–{} s ({why})", limits.start(), limits.end()))
        };
        match self {
            Dose::Hold { seconds, repetitions, .. } => {
                outside("a hold", *seconds, &Self::HOLD_SECONDS, "ACSM: 10–30 s, up to 60 s for older adults").or_else(
                    || {
                        (repetitions.get() > Self::MAX_REPETITIONS).then(|| {
                            format!(
                                "{repetitions} repetitions are more than {} (about 60 s in all per stretch is the \
                                 target: Harvard Health)",
                                Self::MAX_REPETITIONS
                            )
                        })
                    },
                )
            }
            Dose::Flow { seconds_each, cycles, .. } => {
                outside("a flow position", *seconds_each, &Self::FLOW_SECONDS, "keep the movement slow and going")
                    .or_else(|| {
                        (cycles.get() > Self::MAX_CYCLES)
                            .then(|| format!("{cycles} rounds are more than {}", Self::MAX_CYCLES))
                    })
            }
            Dose::Timed { seconds } => outside("timed work", *seconds, &Self::TIMED_SECONDS, "at most ten minutes"),
        }
    }

    /// The range the person's time for this dose moves within.
    pub fn range(&self) -> DoseRange {
        match self {
            Dose::Hold { seconds, .. } | Dose::Timed { seconds } => *seconds,
            Dose::Flow { seconds_each, .. } => *seconds_each,
        }
    }

    /// The longest a hold grows to with progression: the top of the range, or less where the
    /// repetitions would take the stretch past [`Dose::TOTAL_TARGET`] in all (3 holds of a
    /// 15–30 s stretch grow to 20 s), never below the bottom of the range.
    pub fn growth_limit(&self) -> u32 {
        let range = self.range();
        match self {
            Dose::Hold { repetitions, .. } => (Self::TOTAL_TARGET / repetitions.get()).clamp(range.low(), range.high()),
            Dose::Flow { .. } | Dose::Timed { .. } => range.high(),
        }
    }

    /// About a minute of holding in all per stretch (and per side): the total Harvard Health
    /// advises, so repetitions × hold ≈ 60 s.
    pub const TOTAL_TARGET: u32 = 60;

    /// Sides the stretch is done on, in order; empty when sides do not apply.
    pub fn sides(&self) -> &'static [Side] {
        match self {
            Dose::Hold { per_side: true, .. } => &[Side::Right, Side::Left],
            _ => &[],
        }
    }

    /// Holds per side (1 for flows and timed work).
    pub fn repetitions(&self) -> u32 {
        match self {
            Dose::Hold { repetitions, .. } => repetitions.get(),
            _ => 1,
        }
    }

    /// Active periods in all: one per side and repetition (1 for flows and timed work).
    pub fn holds(&self) -> u32 {
        let sides = u32::try_from(self.sides().len()).unwrap_or(1).max(1);
        sides * self.repetitions()
    }

    /// The side worked during active period `hold` (side-major, then repetition), if sides apply.
    pub fn side_of(&self, hold: u32) -> Option<Side> {
        self.sides().get((hold / self.repetitions()) as usize).copied()
    }

    /// The repetition number (from 1) on its side of active period `hold`.
    pub fn repetition_of(&self, hold: u32) -> u32 {
        hold % self.repetitions() + 1
    }

    /// The dose in plain words, e.g. `hold 15–30 s, 2 times on each side`.
    pub fn describe(&self) -> String {
        self.describe_with(&self.range().to_string())
    }

    /// What grew when progression lengthened this dose to `seconds`, after "now":
    /// `holds for 25 s`, `spends 5 s in each position`, `lasts 60 s`.
    pub fn grown_to(&self, seconds: u32) -> String {
        match self {
            Dose::Hold { .. } => format!("holds for {seconds} s"),
            Dose::Flow { .. } => format!("spends {seconds} s in each position"),
            Dose::Timed { .. } => format!("lasts {seconds} s"),
        }
    }

    /// The dose in plain words with `seconds` (a number or a range) as the time per hold,
    /// per flow position, or of timed work.
    pub fn describe_with(&self, seconds: &str) -> String {
        match self {
            Dose::Hold { repetitions, per_side, .. } => {
                let times = match repetitions.get() {
                    1 => "once".to_owned(),
                    n => format!("{n} times"),
                };
                let side = if *per_side { " on each side" } else { "" };
                format!("hold {seconds} seconds, {times}{side}")
            }
            Dose::Flow { positions, cycles, .. } => {
                let names: Vec<&str> = positions.iter().map(|p| p.name.as_str()).collect();
                format!("{cycles} slow cycles of {}, about {seconds} seconds in each", names.join(" and "))
            }
            Dose::Timed { .. } => format!("{seconds} seconds of steady work"),
        }
    }
}

/// Where a piece of content comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// From the source article credited in the library.
    #[default]
    Article,
    /// Added by the project or an author, with what it rests on.
    Addition(String),
}

/// One stretch: what it is, how to do it, how much, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stretch {
    /// Stable id, used by routines and alternatives.
    pub id: StretchId,
    /// Display name.
    pub name: String,
    /// One sentence on what it does.
    pub summary: String,
    /// Areas it reaches, the main one first.
    pub targets: Vec<Area>,
    /// The position it is done in.
    pub position: Position,
    /// What it needs.
    #[serde(default)]
    pub equipment: Vec<Equipment>,
    /// The steps, in order.
    pub steps: Vec<String>,
    /// How much to do.
    pub dose: Dose,
    /// How to breathe during it.
    pub breathing: String,
    /// What to watch out for.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// For a stretch done on each side: how the second side (the left) goes, in a few words,
    /// said when the sides switch. The steps are written for the right side.
    #[serde(default)]
    pub other_side: Option<String>,
    /// For a stretch of several holds on one side: what to do in the rest between two of them,
    /// said as each hold but the last ends, in place of easing out of the stretch (stay lying
    /// over the roll, keep the hands on the wall). Always written, `null` when there is none:
    /// the built-in snapshot's format is positional (see ARCHITECTURE.md).
    #[serde(default)]
    pub between_holds: Option<String>,
    /// How to come out of it safely at the very end (roll onto a side before sitting up), said
    /// as its last hold, flow or timed work ends, with the usual words for that moment.
    #[serde(default)]
    pub coming_out: Option<String>,
    /// Easier or adapted ways to do it.
    #[serde(default)]
    pub modifications: Vec<String>,
    /// Stretches that reach the same area, best first.
    #[serde(default)]
    pub alternatives: Vec<StretchId>,
    /// Where the stretch comes from.
    #[serde(default)]
    pub origin: Origin,
    /// How it looks: key poses of a stick figure, drawn by every front end.
    #[serde(default)]
    pub figure: Option<Figure>,
}

/// A stretch as a list of them shows it: enough to choose one, without its steps, cautions or
/// figure. The built-in ones are compiled in on their own (`limber_content::builtin_entries`), so
/// that listing them reads far less than the whole library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StretchEntry {
    /// Stable id.
    pub id: StretchId,
    /// Display name.
    pub name: String,
    /// One sentence on what it does.
    pub summary: String,
    /// Areas it reaches, the main one first.
    pub targets: Vec<Area>,
    /// The position it is done in.
    pub position: Position,
    /// What it needs.
    pub equipment: Vec<Equipment>,
    /// How much to do.
    pub dose: Dose,
    /// Where it comes from.
    pub origin: Origin,
}

impl Stretch {
    /// What to do after active period `hold`, when another hold on the same side follows and
    /// the stretch says what to do in between.
    pub fn between_holds_after(&self, hold: u32) -> Option<&str> {
        let next = hold.checked_add(1)?;
        let same_side = self.dose.side_of(hold) == self.dose.side_of(next);
        let another = next < self.dose.holds();
        self.between_holds.as_deref().filter(|_| same_side && another && matches!(self.dose, Dose::Hold { .. }))
    }

    /// This stretch as a list shows it.
    pub fn entry(&self) -> StretchEntry {
        StretchEntry {
            id: self.id.clone(),
            name: self.name.clone(),
            summary: self.summary.clone(),
            targets: self.targets.clone(),
            position: self.position,
            equipment: self.equipment.clone(),
            dose: self.dose.clone(),
            origin: self.origin.clone(),
        }
    }
}

/// What a set of stretches (a routine, or today's plan of it) needs and asks of a person, as
/// every front end lists it: the equipment and the positions, each named once, in order.
pub fn kit_and_positions<'a>(
    stretches: impl IntoIterator<Item = &'a Stretch>,
) -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut kit, mut positions): (Vec<&'static str>, Vec<&'static str>) = (Vec::new(), Vec::new());
    for s in stretches {
        kit.extend(s.equipment.iter().map(|e| e.label()));
        positions.push(s.position.label());
    }
    for list in [&mut kit, &mut positions] {
        list.sort_unstable();
        list.dedup();
    }
    (kit, positions)
}

impl Stretch {
    /// The main area this stretch reaches.
    pub fn main_target(&self) -> Option<Area> {
        self.targets.first().copied()
    }

    /// Whether this stretch reaches any area `other` reaches.
    pub fn shares_target_with(&self, other: &Stretch) -> bool {
        self.targets.iter().any(|a| other.targets.contains(a))
    }

    /// Where this stretch comes from, in one line for every front end: the article's credit
    /// (`source`), or what an addition rests on, so no addition is ever credited to the article.
    pub fn credit(&self, source: &crate::SourceCredit) -> String {
        match &self.origin {
            Origin::Article => source.line(),
            Origin::Addition(basis) => format!("Not from the article: {basis}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_refuse_zero_and_reversed() {
        assert_eq!(DoseRange::new(0, 5), Err(RangeError::Zero { low: 0, high: 5 }));
        assert_eq!(DoseRange::new(30, 15), Err(RangeError::Reversed { low: 30, high: 15 }));
        let r = DoseRange::new(15, 30).unwrap();
        assert_eq!((r.low(), r.high(), r.clamp(40), r.clamp(3)), (15, 30, 30, 15));
        assert_eq!(r.to_string(), "15–30");
    }

    #[test]
    fn ranges_parse_from_ron_with_clear_errors() {
        let ok: DoseRange = ron::from_str("(15, 30)").unwrap();
        assert_eq!(ok, DoseRange::new(15, 30).unwrap());
        let reversed = ron::from_str::<DoseRange>("(30, 15)").unwrap_err();
        assert!(reversed.to_string().contains("reversed"), "{reversed}");
        let empty = ron::from_str::<DoseRange>("()").unwrap_err();
        assert!(empty.to_string().contains("empty"), "{empty}");
        let one = ron::from_str::<DoseRange>("(5,)").unwrap_err();
        assert!(one.to_string().contains("exactly two"), "{one}");
    }

    #[test]
    fn dose_describes_itself() {
        let hold: Dose = ron::from_str("Hold(seconds: (15, 30), repetitions: 2, per_side: true)").unwrap();
        assert_eq!(hold.describe(), "hold 15–30 seconds, 2 times on each side");
        assert_eq!(hold.sides(), &[Side::Right, Side::Left]);
        let timed: Dose = ron::from_str("Timed(seconds: (60, 120))").unwrap();
        assert_eq!(timed.describe(), "60–120 seconds of steady work");
        assert_eq!(timed.repetitions(), 1);
        // Active periods: side-major, so the third of four is the first on the left.
        assert_eq!((hold.holds(), timed.holds()), (4, 1));
        assert_eq!((hold.side_of(2), hold.repetition_of(2)), (Some(Side::Left), 1));
        let once: Dose = ron::from_str("Hold(seconds: (15, 30), repetitions: 3, per_side: false)").unwrap();
        assert_eq!(once.holds(), 3);
        // What grew, in the dose's own terms: a flow's time is per position, not a hold.
        assert_eq!(hold.grown_to(25), "holds for 25 s");
        assert_eq!(timed.grown_to(90), "lasts 90 s");
        let flow: Dose = ron::from_str(
            "Flow(positions: [(name: \"Cat\", cue: \"round\"), (name: \"Cow\", cue: \"arch\")], seconds_each: (3, 5), cycles: 6)",
        )
        .unwrap();
        assert_eq!(flow.grown_to(5), "spends 5 s in each position");
    }
}
