//! Safety screening before the first session: the questions, the answers and what they mean.

use serde::{Deserialize, Serialize};

/// How serious a flagging answer to a screening question is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// Stop and get emergency help; no session starts.
    Emergency,
    /// See a clinician before starting, unless one has already assessed this pain.
    SeeClinician,
}

/// A yes or a no, as an answer to a screening question.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Answer {
    /// "Yes".
    #[default]
    Yes,
    /// "No".
    No,
}

impl Answer {
    /// The answer for a stored yes (`true`) or no (`false`).
    pub fn from_yes(yes: bool) -> Answer {
        if yes { Answer::Yes } else { Answer::No }
    }
}

/// One yes/no screening question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningQuestion {
    /// Stable id, stored with the answer.
    pub id: String,
    /// How serious the flagging answer is.
    pub level: Level,
    /// The question, answered yes or no.
    pub question: String,
    /// The answer that raises this question's flag. Most questions ask about a warning sign, so a
    /// "yes" flags them (the default, and what RON gets when the field is left out); a question
    /// asked the other way round, such as "has a doctor already looked at this pain?", is written
    /// `flagged_by: No`. Always decide through [`ScreeningQuestion::flags`].
    #[serde(default)]
    pub flagged_by: Answer,
    /// Whether the question asks if a clinician has already looked at the pain. Its flagging
    /// answer says no one has, which already answers the confirmation a see-a-clinician flag asks
    /// for: the screening stops with the advice instead of asking for it.
    #[serde(default)]
    pub about_assessment: bool,
    /// The warning sign a flagging answer reports, in a few words ("a high temperature, chills
    /// or weight loss"): named when the person is asked whether a clinician has checked it, so
    /// that a check of the back long ago is not taken to cover a sign that is new.
    #[serde(default)]
    pub sign: Option<String>,
    /// The public guidance it comes from.
    pub source: String,
}

impl ScreeningQuestion {
    /// Whether answering yes (`true`) or no (`false`) raises this question's flag.
    pub fn flags(&self, answer: bool) -> bool {
        Answer::from_yes(answer) == self.flagged_by
    }
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
    /// At least one flagged see-a-clinician question, not yet confirmed as assessed.
    SeeClinician,
    /// At least one flagged emergency question.
    Emergency,
    /// Some questions have no answer yet.
    Incomplete,
}

impl ScreeningRecord {
    /// The answer given to question `id`, if any.
    pub fn answer(&self, id: &str) -> Option<bool> {
        self.answers.iter().find(|(q, _)| q == id).map(|(_, yes)| *yes)
    }

    /// The signs (see [`ScreeningQuestion::sign`]) of the see-a-clinician questions these
    /// answers flag, in question order; none at all when one of them names no sign (own
    /// content), so that no list is read as the whole of what was reported.
    pub fn flagged_signs<'q>(&self, questions: &'q [ScreeningQuestion]) -> Vec<&'q str> {
        questions
            .iter()
            .filter(|q| q.level == Level::SeeClinician && !q.about_assessment)
            .filter(|q| self.answer(&q.id).is_some_and(|yes| q.flags(yes)))
            .map(|q| q.sign.as_deref())
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default()
    }

    /// What these answers mean for `questions`.
    pub fn clearance(&self, questions: &[ScreeningQuestion]) -> Clearance {
        let mut clinician = false;
        for q in questions {
            let flagged = match self.answer(&q.id) {
                None => return Clearance::Incomplete,
                Some(yes) => q.flags(yes),
            };
            match (flagged, q.level) {
                (true, Level::Emergency) => return Clearance::Emergency,
                (true, Level::SeeClinician) => clinician = true,
                (false, _) => {}
            }
        }
        if clinician && !self.clinician_assessed { Clearance::SeeClinician } else { Clearance::Clear }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, level: Level) -> ScreeningQuestion {
        ScreeningQuestion {
            id: id.into(),
            level,
            question: "?".into(),
            flagged_by: Answer::Yes,
            about_assessment: false,
            sign: None,
            source: "s".into(),
        }
    }

    fn asked_the_other_way(id: &str, level: Level) -> ScreeningQuestion {
        ScreeningQuestion { flagged_by: Answer::No, ..q(id, level) }
    }

    #[test]
    fn a_question_flags_on_the_answer_it_names() {
        let warning_sign = q("night", Level::SeeClinician);
        assert!(warning_sign.flags(true));
        assert!(!warning_sign.flags(false));
        let already_seen = asked_the_other_way("seen", Level::SeeClinician);
        assert!(already_seen.flags(false));
        assert!(!already_seen.flags(true));
    }

    #[test]
    fn ron_defaults_to_yes_flags_and_accepts_no() {
        let plain: ScreeningQuestion =
            ron::from_str(r#"ScreeningQuestion(id: "a", level: Emergency, question: "?", source: "s")"#).unwrap();
        assert_eq!(plain.flagged_by, Answer::Yes);
        let other: ScreeningQuestion = ron::from_str(
            r#"ScreeningQuestion(id: "b", level: SeeClinician, question: "?", flagged_by: No, source: "s")"#,
        )
        .unwrap();
        assert_eq!(other.flagged_by, Answer::No);
    }

    #[test]
    fn clearance_uses_the_flagging_answer() {
        let qs = [q("chest", Level::Emergency), asked_the_other_way("seen", Level::SeeClinician)];
        let rec = |chest: bool, seen: bool, assessed: bool| ScreeningRecord {
            answers: vec![("chest".into(), chest), ("seen".into(), seen)],
            clinician_assessed: assessed,
        };
        assert_eq!(rec(false, true, false).clearance(&qs), Clearance::Clear);
        assert_eq!(rec(false, false, false).clearance(&qs), Clearance::SeeClinician);
        assert_eq!(rec(false, false, true).clearance(&qs), Clearance::Clear);
        assert_eq!(rec(true, true, false).clearance(&qs), Clearance::Emergency);
        let emergency_asked_the_other_way = [asked_the_other_way("able", Level::Emergency)];
        let no = ScreeningRecord { answers: vec![("able".into(), false)], clinician_assessed: true };
        assert_eq!(no.clearance(&emergency_asked_the_other_way), Clearance::Emergency);
    }

    #[test]
    fn the_signs_named_are_those_of_flagged_see_a_clinician_answers_in_question_order() {
        let signed = |id: &str, level: Level, sign: &str| ScreeningQuestion { sign: Some(sign.into()), ..q(id, level) };
        let qs = [
            signed("chest", Level::Emergency, "chest pain"),
            signed("night", Level::SeeClinician, "night pain"),
            q("unsigned", Level::SeeClinician),
            signed("fever", Level::SeeClinician, "a fever"),
            ScreeningQuestion {
                sign: Some("no check yet".into()),
                about_assessment: true,
                ..asked_the_other_way("seen", Level::SeeClinician)
            },
        ];
        let rec = |answers: [bool; 5]| ScreeningRecord {
            answers: qs.iter().zip(answers).map(|(q, yes)| (q.id.clone(), yes)).collect(),
            clinician_assessed: false,
        };
        assert_eq!(rec([false, false, false, false, true]).flagged_signs(&qs), Vec::<&str>::new());
        // Emergencies and the assessment question are not signs to have checked.
        assert_eq!(rec([true, true, false, true, false]).flagged_signs(&qs), ["night pain", "a fever"]);
        // A flagged question with no sign of its own: none named, rather than some.
        assert_eq!(rec([false, true, true, true, true]).flagged_signs(&qs), Vec::<&str>::new());
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
