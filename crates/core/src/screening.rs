//! Safety screening before the first session: the questions, the answers and what they mean.

use serde::{Deserialize, Serialize};

/// How serious a "yes" to a screening question is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// Stop and get emergency help; no session starts.
    Emergency,
    /// See a clinician before starting, unless one has already assessed this pain.
    SeeClinician,
}

/// One yes/no screening question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningQuestion {
    /// Stable id, stored with the answer.
    pub id: String,
    /// How serious a "yes" is.
    pub level: Level,
    /// The question, answered yes or no.
    pub question: String,
    /// The public guidance it comes from.
    pub source: String,
}

/// A person's answers to the screening, kept so that screening is not repeated every time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// Question id and whether the answer was yes, in the order asked.
    pub answers: Vec<(String, bool)>,
    /// The person confirmed a clinician has assessed this pain.
    pub clinician_assessed: bool,
}

/// What a set of answers means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Clearance {
    /// Nothing stands in the way of a session.
    Clear,
    /// At least one see-a-clinician answer, not yet confirmed as assessed.
    SeeClinician,
    /// At least one emergency answer.
    Emergency,
    /// Some questions have no answer yet.
    Incomplete,
}

impl ScreeningQuestion {
    /// Whether `answer` (true for yes) to this question is a warning sign.
    pub fn flags(&self, answer: bool) -> bool {
        answer
    }
}

impl ScreeningRecord {
    /// The answer given to question `id`, if any.
    pub fn answer(&self, id: &str) -> Option<bool> {
        self.answers.iter().find(|(q, _)| q == id).map(|(_, yes)| *yes)
    }

    /// What these answers mean for `questions`.
    pub fn clearance(&self, questions: &[ScreeningQuestion]) -> Clearance {
        let mut clinician = false;
        for q in questions {
            match (self.answer(&q.id), q.level) {
                (None, _) => return Clearance::Incomplete,
                (Some(true), Level::Emergency) => return Clearance::Emergency,
                (Some(true), Level::SeeClinician) => clinician = true,
                (Some(false), _) => {}
            }
        }
        if clinician && !self.clinician_assessed { Clearance::SeeClinician } else { Clearance::Clear }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, level: Level) -> ScreeningQuestion {
        ScreeningQuestion { id: id.into(), level, question: "?".into(), source: "s".into() }
    }

    #[test]
    fn clearance_follows_the_most_serious_answer() {
        let qs = [q("chest", Level::Emergency), q("night", Level::SeeClinician)];
        let rec = |a: bool, b: bool, assessed: bool| ScreeningRecord {
            answers: vec![("chest".into(), a), ("night".into(), b)],
            clinician_assessed: assessed,
        };
        assert_eq!(rec(false, false, false).clearance(&qs), Clearance::Clear);
        assert_eq!(rec(true, false, true).clearance(&qs), Clearance::Emergency);
        assert_eq!(rec(false, true, false).clearance(&qs), Clearance::SeeClinician);
        assert_eq!(rec(false, true, true).clearance(&qs), Clearance::Clear);
        let partial = ScreeningRecord { answers: vec![("chest".into(), false)], clinician_assessed: false };
        assert_eq!(partial.clearance(&qs), Clearance::Incomplete);
    }
}
