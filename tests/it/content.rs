//! The real `content/` tree: everything the article says is there, and it loads the same from disk.

use limber_content::{Layer, Loader, builtin};
use limber_core::{Area, Dose, Equipment, Level, Library, Origin, Position, RoutineId, StretchId};
use limber_tests::{fixture, workspace_root};

fn library() -> Library {
    builtin().expect("built-in content is valid")
}

fn stretch<'a>(lib: &'a Library, id: &str) -> &'a limber_core::Stretch {
    lib.stretch(&StretchId::from(id)).unwrap_or_else(|| panic!("stretch `{id}` exists"))
}

#[test]
fn the_five_article_stretches_have_every_step_and_dose() {
    let lib = library();
    // Step counts follow the article: 5, 6, 5, 7 and 6 steps.
    let expected = [
        ("cat-camel", 5),
        ("seated-thoracic-extension", 6),
        ("seated-twist", 5),
        ("thread-the-needle", 7),
        ("upper-back-foam-rolling", 6),
    ];
    for (id, steps) in expected {
        let s = stretch(&lib, id);
        assert_eq!(s.steps.len(), steps, "{id}");
        assert_eq!(s.origin, Origin::Article, "{id}");
        assert!(s.targets.contains(&Area::MidBack) || s.targets.contains(&Area::UpperBack), "{id}");
    }
    let hold = |id: &str| match &stretch(&lib, id).dose {
        Dose::Hold { seconds, repetitions, per_side } => (seconds.low(), seconds.high(), repetitions.get(), *per_side),
        other => panic!("{id} is held, not {other:?}"),
    };
    assert_eq!(hold("seated-thoracic-extension"), (15, 30, 3, false));
    assert_eq!(hold("seated-twist"), (15, 30, 1, true));
    assert_eq!(hold("thread-the-needle"), (15, 30, 1, true));
    assert!(matches!(&stretch(&lib, "cat-camel").dose, Dose::Flow { positions, .. } if positions.len() == 2));
    assert!(matches!(&stretch(&lib, "upper-back-foam-rolling").dose, Dose::Timed { seconds } if seconds.low() >= 60));
    assert_eq!(stretch(&lib, "upper-back-foam-rolling").equipment, [Equipment::FoamRoller]);
    assert_eq!(stretch(&lib, "seated-twist").steps[1], "Put your left hand against the outer side of your right knee.");
}

#[test]
fn guidance_precautions_tips_faq_and_credit_are_complete() {
    let lib = library();
    assert_eq!((lib.warm_up.minutes.low(), lib.warm_up.minutes.high()), (5, 10));
    assert!(lib.warm_up.activities.iter().any(|a| a.contains("walking")));
    assert!(lib.warm_up.activities.iter().any(|a| a.contains("cycling")));
    assert_eq!(lib.precautions.len(), 5);
    assert_eq!(lib.tips.len(), 5);
    assert_eq!(lib.faq.len(), 5);
    let faq = |id: &str| lib.faq.iter().find(|f| f.id == id).map(|f| f.answer.clone()).expect("faq entry");
    assert!(faq("how-often").contains("2 to 3 times a week"));
    assert!(faq("hold-time").contains("15 to 30 seconds"));
    assert!(faq("equipment").contains("foam roller"));
    assert_eq!(lib.source.full_title(), "Stretches for Mid Back Pain: Relieve Tension and Improve Flexibility");
    assert_eq!(lib.source.author, "Lisa Miller");
    assert!(lib.background.iter().any(|b| b.contains("twelve vertebrae")));
}

#[test]
fn screening_asks_every_question_of_the_safety_rules_emergencies_first() {
    let lib = library();
    let levels: Vec<Level> = lib.screening.iter().map(|q| q.level).collect();
    let emergencies = levels.iter().filter(|l| **l == Level::Emergency).count();
    assert_eq!((emergencies, levels.len() - emergencies), (5, 7));
    assert!(levels.is_sorted(), "emergency questions come first");
    assert!(lib.screening.iter().all(|q| !q.source.is_empty()));
}

#[test]
fn every_stretch_has_an_alternative_reaching_the_same_area() {
    let lib = library();
    for s in &lib.stretches {
        assert!(!s.alternatives.is_empty(), "{} has no alternative", s.id);
        for alt in &s.alternatives {
            let a = stretch(&lib, alt.as_str());
            assert!(a.shares_target_with(s), "{} → {}", s.id, a.id);
            assert!(!a.steps.is_empty());
        }
    }
}

#[test]
fn the_three_routines_fit_who_they_are_for() {
    let lib = library();
    let routine = |id: &str| lib.routine(&RoutineId::from(id)).expect("routine exists");
    let full = routine("full");
    assert!(full.warm_up);
    let ids: Vec<&str> = full.stretches.iter().map(StretchId::as_str).collect();
    assert_eq!(
        ids,
        ["cat-camel", "seated-thoracic-extension", "seated-twist", "thread-the-needle", "upper-back-foam-rolling"]
    );
    for id in &routine("desk").stretches {
        let s = stretch(&lib, id.as_str());
        assert_eq!(s.position, Position::Seated, "{id}");
        assert!(s.equipment.iter().all(|e| *e == Equipment::Chair), "{id}");
    }
    for id in &routine("no-kneel").stretches {
        let s = stretch(&lib, id.as_str());
        assert_ne!(s.position, Position::Kneeling, "{id}");
        assert!(s.equipment.is_empty(), "{id}");
    }
}

#[test]
fn the_content_directory_on_disk_is_what_is_compiled_in() {
    let mut loader = Loader::empty();
    let n = loader.add_dir(&workspace_root().join("content")).expect("content dir reads");
    assert_eq!(n, limber_content::BUILTIN_FILES.len());
    // Files on disk load in name order, so compare with items sorted by id.
    let sorted = |mut l: Library| {
        l.stretches.sort_by(|a, b| a.id.cmp(&b.id));
        l.routines.sort_by(|a, b| a.id.cmp(&b.id));
        l
    };
    let on_disk = sorted(loader.build().expect("content dir is valid"));
    let compiled = sorted(library());
    assert!(on_disk == compiled, "content/ differs from the compiled-in content; rebuild limber-content");
}

#[test]
fn a_user_directory_adds_and_overrides_by_id() {
    let mut loader = Loader::builtin();
    loader.add_dir(&fixture("user")).expect("user dir reads");
    assert!(loader.files().iter().any(|f| f.layer == Layer::User));
    let lib = loader.build().expect("user content is valid");
    let base = library();
    assert_eq!(lib.stretches.len(), base.stretches.len() + 1);
    assert_eq!(stretch(&lib, "seated-twist").name, "Seated twist (my version)");
    let position = |l: &Library| l.stretches.iter().position(|s| s.id.as_str() == "seated-twist");
    assert_eq!(position(&lib), position(&base), "an override keeps its place");
    assert!(lib.routine(&RoutineId::from("evening")).is_some());
    assert_eq!(lib.routines.len(), base.routines.len() + 1);
}

#[test]
fn the_compiled_snapshot_equals_the_validated_ron() {
    let checked = limber_content::builtin_checked().expect("built-in RON is valid");
    assert!(library() == checked, "the build-time snapshot differs from parsing content/ at run time");
}
