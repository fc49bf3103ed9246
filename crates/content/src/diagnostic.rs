//! Located problems in content: file, line, column and what is wrong.

use std::fmt;

/// What is wrong with a piece of content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The text is not valid RON.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// A field that the format does not have.
    #[error("unknown field `{field}`{}; expected one of: {expected}", within(.outer))]
    UnknownField {
        /// The field as written.
        field: String,
        /// The struct it was found in.
        outer: Option<String>,
        /// The fields that are allowed there.
        expected: String,
    },
    /// A required field is absent.
    #[error("missing field `{field}`{}", within(.outer))]
    MissingField {
        /// The field.
        field: String,
        /// The struct that needs it.
        outer: Option<String>,
    },
    /// A value of the wrong kind, or one its type refuses (e.g. a reversed range).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// Two items of the same kind share an id within one layer of content.
    #[error("duplicate {kind} id `{id}`: it is already defined at {first}")]
    DuplicateId {
        /// The kind of item.
        kind: &'static str,
        /// The id.
        id: String,
        /// Where it was first defined.
        first: String,
    },
    /// A section that may appear once is defined twice within one layer.
    #[error("`{0}` is defined twice")]
    DuplicateSection(&'static str),
    /// A reference to a stretch that does not exist.
    #[error("{owner_kind} `{owner}` refers to unknown stretch `{id}`")]
    UnknownStretch {
        /// The kind of item holding the reference.
        owner_kind: &'static str,
        /// Its id.
        owner: String,
        /// The id that does not resolve.
        id: String,
    },
    /// A routine names a stretch that breaks one of the routine's promises.
    #[error("routine `{routine}` promises {promise:?} (every stretch {}), but its stretch `{stretch}` does not keep it", .promise.label())]
    BrokenPromise {
        /// The routine.
        routine: String,
        /// The stretch it names.
        stretch: String,
        /// The promise the stretch breaks.
        promise: limber_core::Promise,
    },
    /// A dose outside what limber may ask of a person (a 5-minute hold, 40 repetitions).
    #[error("stretch `{stretch}`: {reason}")]
    UnsafeDose {
        /// The stretch.
        stretch: String,
        /// What is outside the limits, and the limits.
        reason: String,
    },
    /// Words for the second side on a stretch that is not done on each side.
    #[error("stretch `{0}` has `other_side`, but its dose is not done on each side (`per_side: true`)")]
    OtherSideOnce(String),
    /// Words for the rest between holds on a stretch that has no such rest.
    #[error(
        "stretch `{0}` has `between_holds`, but no hold of it follows another on the same side (it needs a `Hold` dose with `repetitions` of 2 or more)"
    )]
    BetweenHoldsNever(String),
    /// An id history could not carry: too long, or with a control character.
    #[error("{kind} id `{id}` {problem}: history keeps ids, and an export must read back in")]
    BadId {
        /// The kind of item.
        kind: &'static str,
        /// The id (as written).
        id: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A text a person must read or hear that has no words (a blank question, name or id).
    #[error("{kind} `{id}` has a blank `{field}`: write the words a person will read or hear")]
    Blank {
        /// The kind of item.
        kind: &'static str,
        /// Its id (blank itself when the id is the blank field).
        id: String,
        /// The field.
        field: &'static str,
    },
    /// A routine that names one stretch more than once.
    #[error(
        "routine `{routine}` names stretch `{stretch}` more than once: list each stretch once (its dose sets the repetitions)"
    )]
    RepeatedStretch {
        /// The routine.
        routine: String,
        /// The stretch named again.
        stretch: String,
    },
    /// A stretch with no steps.
    #[error("stretch `{0}` has no steps: list at least one")]
    EmptySteps(String),
    /// A step with no words.
    #[error("stretch `{0}` has a blank step")]
    BlankStep(String),
    /// A routine with no stretches.
    #[error("routine `{0}` has no stretches: list at least one")]
    EmptyRoutine(String),
    /// A stretch that reaches no area.
    #[error("stretch `{0}` has no target areas")]
    NoTargets(String),
    /// A flow with fewer than two positions.
    #[error("stretch `{0}`: a flow needs at least two positions")]
    FlowPositions(String),
    /// An alternative that reaches none of the areas of its stretch.
    #[error("stretch `{stretch}` lists `{alternative}` as an alternative, but it reaches none of the same areas")]
    AlternativeElsewhere {
        /// The stretch.
        stretch: String,
        /// The alternative.
        alternative: String,
    },
    /// A stretch listed as its own alternative.
    #[error("stretch `{0}` lists itself as an alternative")]
    SelfAlternative(String),
    /// A question about an earlier assessment that is not a see-a-clinician question flagged by "no".
    #[error(
        "screening question `{0}` is `about_assessment`: it must be `level: SeeClinician` with `flagged_by: No` \
         (\"has a clinician already looked at it?\")"
    )]
    AssessmentQuestion(String),
    /// Own content that changes what a built-in screening question means for safety.
    #[error(
        "screening question `{id}` overrides a built-in question and must keep its `level: {level:?}`, \
         `flagged_by: {flagged_by:?}` and `about_assessment`: own content may reword a safety question, not weaken it"
    )]
    WeakenedScreening {
        /// The question.
        id: String,
        /// Its built-in level.
        level: limber_core::Level,
        /// The answer that flags it, built in.
        flagged_by: limber_core::Answer,
    },
    /// A section the library needs, defined in no file.
    #[error("no file defines `{0}`; the library needs it")]
    MissingSection(&'static str),
    /// A stretch's figure that cannot be drawn as it is written.
    #[error("stretch `{stretch}`: {problem}")]
    Figure {
        /// The stretch.
        stretch: String,
        /// What is wrong with its figure.
        problem: limber_core::FigureProblem,
    },
    /// A content directory with no `.ron` file in it.
    #[error("no .ron files to read: only files directly in this directory, named *.ron, are read")]
    NoFiles,
    /// The file is not UTF-8.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
}

fn within(outer: &Option<String>) -> String {
    outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default()
}

/// One problem, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the loader.
    pub file: String,
    /// 1-based line; 0 when the problem belongs to no single place.
    pub line: usize,
    /// 1-based column; 0 when the problem belongs to no single place.
    pub column: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.problem)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.problem)
        }
    }
}

pub(crate) fn render(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(Diagnostic::to_string).collect();
    let n = diagnostics.len();
    format!("{n} problem{} in content:\n{}", if n == 1 { "" } else { "s" }, lines.join("\n"))
}

/// Turns a RON parse error into a located diagnostic.
pub(crate) fn from_ron(file: &str, err: &ron::error::SpannedError) -> Diagnostic {
    use ron::Error as E;
    let problem = match &err.code {
        E::NoSuchStructField { expected, found, outer } => Problem::UnknownField {
            field: found.clone(),
            outer: outer.clone(),
            expected: expected.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
        },
        E::MissingStructField { field, outer } => {
            Problem::MissingField { field: (*field).to_owned(), outer: outer.clone() }
        }
        E::Message(m) => Problem::Invalid(m.clone()),
        // A repetition or round count of 0: said in words, not as Rust's `NonZeroU32`.
        E::InvalidValueForType { expected, found } if expected.contains("nonzero") => {
            Problem::Invalid(format!("expected a whole number of at least 1, found {found}"))
        }
        E::IntegerOutOfBounds => {
            Problem::Invalid("a number out of range here: use a whole number, 0 or more (seconds, counts)".to_owned())
        }
        E::InvalidValueForType { .. }
        | E::NoSuchEnumVariant { .. }
        | E::ExpectedDifferentLength { .. }
        | E::DuplicateStructField { .. } => Problem::Invalid(err.code.to_string()),
        other => Problem::Syntax(other.to_string()),
    };
    Diagnostic { file: file.to_owned(), line: err.span.start.line, column: err.span.start.col, problem }
}
