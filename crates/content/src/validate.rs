//! Merging parsed files by id and checking what no parser can: ids, references, emptiness, promises.

use limber_core::{Advice, Answer, Dose, Level, Library, Routine, SourceCredit, Stretch, WarmUp};

use crate::diagnostic::{Diagnostic, Problem};
use crate::document::Document;
use crate::loader::{Layer, SourceFile};
use crate::locate::{find_id, find_key, find_within, line_col};

/// An item with the file and byte range it was defined in.
struct Located<T> {
    value: T,
    file: usize,
    at: usize,
    until: Option<usize>,
}

/// Builds a library from documents in layer order, collecting located problems.
pub(crate) struct Merger<'a> {
    files: &'a [SourceFile],
    source: Option<Located<SourceCredit>>,
    warm_up: Option<Located<WarmUp>>,
    advice: Option<Located<Advice>>,
    background: Vec<String>,
    precautions: Vec<Located<limber_core::Precaution>>,
    tips: Vec<Located<limber_core::Tip>>,
    faq: Vec<Located<limber_core::FaqEntry>>,
    screening: Vec<Located<limber_core::ScreeningQuestion>>,
    stretches: Vec<Located<Stretch>>,
    routines: Vec<Located<Routine>>,
    problems: Vec<(usize, Diagnostic)>,
}

impl<'a> Merger<'a> {
    pub(crate) fn new(files: &'a [SourceFile]) -> Merger<'a> {
        Merger {
            files,
            source: None,
            warm_up: None,
            advice: None,
            background: Vec::new(),
            precautions: Vec::new(),
            tips: Vec::new(),
            faq: Vec::new(),
            screening: Vec::new(),
            stretches: Vec::new(),
            routines: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, file: usize, offset: usize, problem: Problem) {
        let f = &self.files[file];
        let (line, column) = line_col(&f.text, offset);
        self.problems.push((file, Diagnostic { file: f.name.clone(), line, column, problem }));
    }

    fn place(&self, file: usize, offset: usize) -> String {
        let f = &self.files[file];
        let (line, column) = line_col(&f.text, offset);
        format!("{}:{line}:{column}", f.name)
    }

    pub(crate) fn add(&mut self, file: usize, doc: Document) {
        let text = &self.files[file].text;
        let key = |name: &str| find_key(text, name, 0, None).unwrap_or(0);
        let (s, w, a) = (key("source"), key("warm_up"), key("advice"));
        if let Some(v) = doc.source {
            self.singleton(file, s, v, "source", |m| &mut m.source);
        }
        if let Some(v) = doc.warm_up {
            self.singleton(file, w, v, "warm_up", |m| &mut m.warm_up);
        }
        if let Some(v) = doc.advice {
            self.singleton(file, a, v, "advice", |m| &mut m.advice);
        }
        self.background.extend(doc.background);
        let items = locate(text, file, doc.precautions, |p| &p.id);
        self.merge("precaution", items, |p| &p.id, |m| &mut m.precautions);
        let items = locate(text, file, doc.tips, |t| &t.id);
        self.merge("tip", items, |t| &t.id, |m| &mut m.tips);
        let items = locate(text, file, doc.faq, |q| &q.id);
        self.merge("FAQ", items, |q| &q.id, |m| &mut m.faq);
        let items = locate(text, file, doc.screening, |q| &q.id);
        for item in &items {
            self.check_screening_override(item);
        }
        self.merge("screening question", items, |q| &q.id, |m| &mut m.screening);
        let mut items = locate(text, file, doc.stretches, |s| &s.id.0);
        // A stretch of the user's own that does not say where it comes from is theirs, not the
        // article's: an override reworded by a clinician must not be credited to the article
        // (a built-in stretch copied unchanged stays the article's).
        if self.files[file].layer == Layer::User {
            for item in &mut items {
                let copied = self.stretches.iter().any(|b| b.value == item.value);
                if !copied && find_key(text, "origin", item.at, item.until).is_none() {
                    // The file's name, not its path: the credit is shown to clients.
                    let path = std::path::Path::new(&self.files[file].name);
                    let name =
                        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                    item.value.origin = limber_core::Origin::Addition(format!("your own content ({name})"));
                }
            }
        }
        self.merge("stretch", items, |s| &s.id.0, |m| &mut m.stretches);
        let items = locate(text, file, doc.routines, |r| &r.id.0);
        self.merge("routine", items, |r| &r.id.0, |m| &mut m.routines);
    }

    fn singleton<T>(
        &mut self,
        file: usize,
        at: usize,
        value: T,
        name: &'static str,
        slot: impl Fn(&mut Self) -> &mut Option<Located<T>>,
    ) {
        let layer = self.files[file].layer;
        let files = self.files;
        let same_layer = slot(self).as_ref().is_some_and(|old| files[old.file].layer == layer);
        if same_layer {
            self.problem(file, at, Problem::DuplicateSection(name));
        } else {
            *slot(self) = Some(Located { value, file, at, until: None });
        }
    }

    fn merge<T>(
        &mut self,
        kind: &'static str,
        items: Vec<Located<T>>,
        id: impl Fn(&T) -> &String,
        list: impl Fn(&mut Self) -> &mut Vec<Located<T>>,
    ) {
        for item in items {
            let existing = list(self).iter().position(|e| id(&e.value) == id(&item.value));
            match existing {
                None => list(self).push(item),
                Some(pos) => {
                    let (old_file, old_at) = (list(self)[pos].file, list(self)[pos].at);
                    if self.files[old_file].layer == self.files[item.file].layer {
                        let first = self.place(old_file, old_at);
                        let problem = Problem::DuplicateId { kind, id: id(&item.value).clone(), first };
                        self.problem(item.file, item.at, problem);
                    } else {
                        list(self)[pos] = item;
                    }
                }
            }
        }
    }

    fn check_stretch(&mut self, index: usize) {
        let item = &self.stretches[index];
        let (file, at, until) = (item.file, item.at, item.until);
        let s = item.value.clone();
        let text = &self.files[file].text;
        let here = |key: &str| find_key(text, key, at, until).unwrap_or(at);
        let (steps_at, targets_at, positions_at) = (here("steps"), here("targets"), here("positions"));
        let alt_at: Vec<usize> = s
            .alternatives
            .iter()
            .map(|a| find_within(text, &format!("\"{a}\""), at + s.id.0.len() + 2, until).unwrap_or(at))
            .collect();
        let id = s.id.0.clone();
        let blank_modification = s.modifications.iter().find(|m| m.trim().is_empty());
        for (field, value) in [("id", &s.id.0), ("name", &s.name), ("breathing", &s.breathing)]
            .into_iter()
            .chain(blank_modification.map(|m| ("modifications", m)))
            .chain(s.other_side.as_ref().map(|o| ("other_side", o)))
            .chain(s.between_holds.as_ref().map(|b| ("between_holds", b)))
            .chain(s.coming_out.as_ref().map(|c| ("coming_out", c)))
        {
            if value.trim().is_empty() {
                self.problem(file, here(field), Problem::Blank { kind: "stretch", id: id.clone(), field });
            }
        }
        if let Some(problem) = limber_core::id_problem(&id) {
            self.problem(file, here("id"), Problem::BadId { kind: "stretch", id: id.clone(), problem });
        }
        if s.steps.is_empty() {
            self.problem(file, steps_at, Problem::EmptySteps(id.clone()));
        } else if s.steps.iter().any(|step| step.trim().is_empty()) {
            self.problem(file, steps_at, Problem::BlankStep(id.clone()));
        }
        if s.targets.is_empty() {
            self.problem(file, targets_at, Problem::NoTargets(id.clone()));
        }
        if s.other_side.is_some() && s.dose.sides().is_empty() {
            self.problem(file, here("other_side"), Problem::OtherSideOnce(id.clone()));
        }
        if s.between_holds.is_some() && !matches!(s.dose, Dose::Hold { repetitions, .. } if repetitions.get() >= 2) {
            self.problem(file, here("between_holds"), Problem::BetweenHoldsNever(id.clone()));
        }
        if let Some(reason) = s.dose.unsafe_because() {
            self.problem(file, here("dose"), Problem::UnsafeDose { stretch: id.clone(), reason });
        }
        if let Dose::Flow { positions, .. } = &s.dose
            && positions.len() < 2
        {
            self.problem(file, positions_at, Problem::FlowPositions(id.clone()));
        }
        if let Some(figure) = &s.figure {
            let figure_at = here("figure");
            let flow: Vec<&str> = match &s.dose {
                Dose::Flow { positions, .. } => positions.iter().map(|p| p.name.as_str()).collect(),
                _ => Vec::new(),
            };
            for problem in figure.check(flow) {
                let offset = problem
                    .pose()
                    .and_then(|pose| find_within(text, &format!("\"{pose}\""), figure_at, until))
                    .unwrap_or(figure_at);
                self.problem(file, offset, Problem::Figure { stretch: id.clone(), problem });
            }
        }
        for (alt, offset) in s.alternatives.iter().zip(alt_at) {
            if alt == &s.id {
                self.problem(file, offset, Problem::SelfAlternative(id.clone()));
                continue;
            }
            match self.stretches.iter().find(|o| &o.value.id == alt) {
                None => self.problem(
                    file,
                    offset,
                    Problem::UnknownStretch { owner_kind: "stretch", owner: id.clone(), id: alt.0.clone() },
                ),
                Some(other) if !other.value.shares_target_with(&s) => self.problem(
                    file,
                    offset,
                    Problem::AlternativeElsewhere { stretch: id.clone(), alternative: alt.0.clone() },
                ),
                Some(_) => {}
            }
        }
    }

    fn check_routine(&mut self, index: usize) {
        let item = &self.routines[index];
        let (file, at, until) = (item.file, item.at, item.until);
        let r = item.value.clone();
        let text = &self.files[file].text;
        let list_at = find_key(text, "stretches", at, until).unwrap_or(at);
        let refs: Vec<usize> = r
            .stretches
            .iter()
            .map(|s| find_within(text, &format!("\"{s}\""), list_at, until).unwrap_or(list_at))
            .collect();
        if r.stretches.is_empty() {
            self.problem(file, list_at, Problem::EmptyRoutine(r.id.0.clone()));
        }
        if let Some(problem) = limber_core::id_problem(&r.id.0) {
            let at = find_key(text, "id", at, until).unwrap_or(at);
            self.problem(file, at, Problem::BadId { kind: "routine", id: r.id.0.clone(), problem });
        }
        for (field, value) in [("id", &r.id.0), ("name", &r.name)] {
            if value.trim().is_empty() {
                let at = find_key(text, field, at, until).unwrap_or(at);
                self.problem(file, at, Problem::Blank { kind: "routine", id: r.id.0.clone(), field });
            }
        }
        let text = &self.files[file].text;
        for (n, s) in r.stretches.iter().enumerate() {
            if r.stretches[..n].contains(s) {
                let again = find_within(text, &format!("\"{s}\""), refs[n] + 1, until).unwrap_or(list_at);
                self.problem(file, again, Problem::RepeatedStretch { routine: r.id.0.clone(), stretch: s.0.clone() });
                break;
            }
        }
        for (s, offset) in r.stretches.iter().zip(refs) {
            let (problem, place) = match self.stretches.iter().find(|o| &o.value.id == s) {
                None => {
                    (Problem::UnknownStretch { owner_kind: "routine", owner: r.id.0.clone(), id: s.0.clone() }, None)
                }
                Some(stretch) => match r.broken_by(&stretch.value) {
                    None => continue,
                    // A built-in routine broken by the user's own stretch: the mistake, and the
                    // file the author can change, is the stretch.
                    Some(promise) => {
                        let own =
                            self.files[stretch.file].layer == Layer::User && self.files[file].layer == Layer::Builtin;
                        let place = own.then_some((stretch.file, stretch.at));
                        (Problem::BrokenPromise { routine: r.id.0.clone(), stretch: s.0.clone(), promise }, place)
                    }
                },
            };
            let (file, offset) = place.unwrap_or((file, offset));
            self.problem(file, offset, problem);
        }
    }

    /// Own content may reword a built-in screening question but not weaken it: its level, the
    /// answer that flags it and whether it asks about an assessment stay as built in, so a
    /// content directory can never turn an emergency sign into a lesser one.
    fn check_screening_override(&mut self, item: &Located<limber_core::ScreeningQuestion>) {
        let files = self.files;
        let built_in = self
            .screening
            .iter()
            .find(|e| e.value.id == item.value.id && files[e.file].layer == Layer::Builtin)
            .map(|e| (e.value.level, e.value.flagged_by, e.value.about_assessment));
        let Some(built_in) = built_in else { return };
        let (new, old) = (&item.value, built_in);
        if files[item.file].layer != Layer::Builtin && (new.level, new.flagged_by, new.about_assessment) != old {
            let problem = Problem::WeakenedScreening { id: new.id.clone(), level: old.0, flagged_by: old.1 };
            self.problem(item.file, item.at, problem);
        }
    }

    /// A question about an earlier assessment only makes sense as a see-a-clinician question
    /// that a "no" flags.
    fn check_screening(&mut self, index: usize) {
        let files = self.files;
        let item = &self.screening[index];
        let (file, from, until) = (item.file, item.at, item.until);
        let (id, question) = (item.value.id.clone(), item.value.question.clone());
        for (field, value) in [("id", &id), ("question", &question)] {
            if value.trim().is_empty() {
                let at = find_key(&files[file].text, field, from, until).unwrap_or(from);
                self.problem(file, at, Problem::Blank { kind: "screening question", id: id.clone(), field });
            }
        }
        let item = &self.screening[index];
        let q = &item.value;
        if q.about_assessment && (q.level != Level::SeeClinician || q.flagged_by != Answer::No) {
            let text = &self.files[item.file].text;
            let at = find_key(text, "about_assessment", item.at, item.until).unwrap_or(item.at);
            let (file, problem) = (item.file, Problem::AssessmentQuestion(q.id.clone()));
            self.problem(file, at, problem);
        }
    }

    /// Checks the merged content; returns the library when nothing is wrong, and every problem found.
    pub(crate) fn finish(mut self) -> (Option<Library>, Vec<(usize, Diagnostic)>) {
        for i in 0..self.screening.len() {
            self.check_screening(i);
        }
        for i in 0..self.stretches.len() {
            self.check_stretch(i);
        }
        for i in 0..self.routines.len() {
            self.check_routine(i);
        }
        let last = self.files.len().saturating_sub(1);
        let missing = |name: &'static str| {
            let file = self.files.last().map_or_else(|| "content".to_owned(), |f| f.name.clone());
            (last, Diagnostic { file, line: 0, column: 0, problem: Problem::MissingSection(name) })
        };
        if self.source.is_none() {
            self.problems.push(missing("source"));
        }
        if self.warm_up.is_none() {
            self.problems.push(missing("warm_up"));
        }
        if self.advice.is_none() {
            self.problems.push(missing("advice"));
        }
        let library = match (self.source, self.warm_up, self.advice) {
            (Some(source), Some(warm_up), Some(advice)) if self.problems.is_empty() => {
                let mut screening: Vec<limber_core::ScreeningQuestion> = values(self.screening);
                screening.sort_by_key(|q| q.level);
                Some(Library {
                    source: source.value,
                    background: self.background,
                    warm_up: warm_up.value,
                    advice: advice.value.into(),
                    precautions: values(self.precautions),
                    tips: values(self.tips),
                    faq: values(self.faq),
                    screening: screening.into(),
                    stretches: values(self.stretches).into_iter().map(std::sync::Arc::new).collect(),
                    routines: values(self.routines),
                })
            }
            _ => None,
        };
        (library, self.problems)
    }
}

/// Pairs each item with where its `id` is written, and where the next item's begins.
fn locate<T>(text: &str, file: usize, items: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<Located<T>> {
    let mut cursor = 0;
    let mut out: Vec<Located<T>> = Vec::with_capacity(items.len());
    for value in items {
        let at = find_id(text, id(&value), cursor).unwrap_or(cursor);
        cursor = at + 1;
        if let Some(prev) = out.last_mut() {
            prev.until = Some(at);
        }
        out.push(Located { value, file, at, until: None });
    }
    out
}

fn values<T>(items: Vec<Located<T>>) -> Vec<T> {
    items.into_iter().map(|l| l.value).collect()
}
