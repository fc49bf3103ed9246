//! The real `content/` tree: everything the article says is there, and it loads the same from disk.

use limber_content::{Layer, Loader, builtin};
use limber_core::{
    Answer, Area, Dose, Equipment, Level, Library, Origin, Position, Promise, RoutineId, Side, StretchId,
};
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
    // The seven see-a-clinician items, the fifth (age and history) asked as two questions.
    assert_eq!((emergencies, levels.len() - emergencies), (5, 8));
    assert!(levels.is_sorted(), "emergency questions come first");
    assert_eq!(lib.screening[0].id, "chest-pain", "the most urgent sign is asked first");
    assert!(lib.screening.iter().all(|q| !q.source.is_empty()));
    // Each warning sign is named when the person is asked whether a clinician has checked it.
    for q in lib.screening.iter().filter(|q| q.level == Level::SeeClinician && !q.about_assessment) {
        assert!(q.sign.as_deref().is_some_and(|s| !s.is_empty()), "{} names no sign", q.id);
    }
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
    // Read as the built-in layer, as they are compiled in (a user layer credits a stretch
    // without an `origin` to its author, not to the article).
    let mut loader = Loader::empty();
    let mut paths: Vec<_> = std::fs::read_dir(workspace_root().join("content"))
        .expect("content dir reads")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), limber_content::BUILTIN_FILES.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("content file reads");
        loader.add_text(path.display().to_string(), text, Layer::Builtin);
    }
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
    // The override says nothing of its origin: it is the author's, no longer the article's.
    match &stretch(&lib, "seated-twist").origin {
        limber_core::Origin::Addition(basis) => {
            assert_eq!(basis, "your own content (my-content.ron)", "the file's name, not its path")
        }
        other => panic!("an own override credited as {other:?}"),
    }
    // One that says where it comes from keeps it.
    assert_eq!(stretch(&lib, "side-bend").origin, limber_core::Origin::Addition("A coach's routine".to_owned()));
}

#[test]
fn each_stretch_offers_the_alternatives_the_safety_rules_name() {
    // SAFETY.md, "Alternatives that reach the same area".
    let lib = library();
    let pairs = [
        ("cat-camel", "seated-cat-cow"),
        ("seated-thoracic-extension", "wall-extension"),
        ("seated-thoracic-extension", "towel-extension"),
        ("seated-twist", "folded-arm-twist"),
        ("seated-twist", "open-book"),
        ("thread-the-needle", "open-book"),
        ("thread-the-needle", "folded-arm-twist"),
        ("upper-back-foam-rolling", "seated-thoracic-extension"),
    ];
    for (stretch_id, alternative) in pairs {
        let s = stretch(&lib, stretch_id);
        assert!(
            s.alternatives.iter().any(|a| a.as_str() == alternative),
            "{stretch_id} should offer {alternative}: {:?}",
            s.alternatives
        );
    }
    // For people who cannot kneel or have no roller, the alternatives named above need neither.
    for id in ["seated-cat-cow", "open-book", "folded-arm-twist", "seated-thoracic-extension"] {
        let s = stretch(&lib, id);
        assert_ne!(s.position, Position::Kneeling, "{id} kneels");
        assert!(!s.equipment.contains(&Equipment::FoamRoller), "{id} needs a roller");
    }
}

#[test]
fn own_content_may_reword_a_screening_question_but_keeps_its_level() {
    let mut loader = Loader::builtin();
    let reworded = r#"Content(screening: [ScreeningQuestion(id: "chest-pain", level: Emergency,
        question: "Any chest pain or tightness, or breathlessness, right now?", source: "my clinic")])"#;
    loader.add_text("mine.ron", reworded, Layer::User);
    let lib = loader.build().expect("a reworded question keeps its meaning");
    let q = lib.screening.iter().find(|q| q.id == "chest-pain").expect("still asked");
    assert_eq!(
        (q.question.as_str(), q.level),
        ("Any chest pain or tightness, or breathlessness, right now?", Level::Emergency)
    );
    // The weakening override is refused in the broken fixtures (`weakened-screening`).
}

#[test]
fn the_compiled_snapshot_equals_the_validated_ron() {
    let checked = limber_content::builtin_checked().expect("built-in RON is valid");
    assert!(library() == checked, "the build-time snapshot differs from parsing content/ at run time");
    // And the stretches `limber list` reads on their own are the library's, in its order.
    let entries = limber_content::builtin_entries().expect("the compiled list of stretches reads");
    assert_eq!(entries, checked.entries());
    assert_eq!(entries.len(), checked.stretches.len());
}

#[test]
fn every_routine_keeps_its_promises_and_the_desk_and_no_kneel_ones_make_them() {
    let lib = library();
    for r in &lib.routines {
        for id in &r.stretches {
            let s = stretch(&lib, id.as_str());
            assert_eq!(r.broken_by(s), None, "routine {} names {id}, which breaks a promise", r.id);
        }
    }
    let routine = |id: &str| lib.routine(&RoutineId::from(id)).expect("routine exists");
    assert_eq!(routine("desk").promises, [Promise::SeatedOnly]);
    assert_eq!(routine("no-kneel").promises, [Promise::NoKneeling, Promise::NoEquipment]);
}

#[test]
fn the_desk_routine_warms_up_with_light_aerobic_activity_that_fits_an_office() {
    let lib = library();
    let desk = lib.routine(&RoutineId::from("desk")).expect("desk");
    assert!(desk.warm_up, "the article warms up before every routine, the seated one included");
    assert!(!desk.warm_up_activities.is_empty());
    let all = desk.warm_up_activities.join(" | ");
    assert!(all.contains("marching on the spot") && all.contains("walk"), "{all}");
    for not_aerobic in ["shoulder roll", "seated", "stretch"] {
        assert!(!all.contains(not_aerobic), "{all}");
    }
    for r in &lib.routines {
        assert!(r.warm_up, "routine {} skips the warm-up", r.id);
    }
}

#[test]
fn every_stretch_has_cautions_to_speak_before_its_first_hold() {
    let lib = library();
    for s in &lib.stretches {
        assert!(!s.cautions.is_empty(), "{} has no caution", s.id);
        for c in &s.cautions {
            let spoken = c.chars().next().is_some_and(char::is_uppercase) && c.ends_with('.');
            assert!(spoken, "{}: caution is not a sentence to say: {c}", s.id);
        }
        if s.equipment.contains(&Equipment::Chair) {
            let all = s.cautions.join(" ");
            assert!(all.contains("tip") && all.contains("roll"), "{}: a chair that cannot tip or roll", s.id);
        }
    }
    let rolling = stretch(&lib, "upper-back-foam-rolling").cautions.join(" ");
    assert!(rolling.contains("never roll your lower back"), "{rolling}");
    assert!(rolling.contains("head") && rolling.contains("supported"), "{rolling}");
}

#[test]
fn breathing_is_never_held_and_every_flow_position_cues_the_breath() {
    let lib = library();
    assert!(lib.advice.breathe.contains("never hold your breath"), "{}", lib.advice.breathe);
    let precaution = lib.precautions.iter().find(|p| p.id == "breathe").expect("breathe precaution");
    assert!(precaution.text.contains("Never hold your breath"), "{}", precaution.text);
    for s in &lib.stretches {
        if let Dose::Flow { positions, .. } = &s.dose {
            for p in positions {
                assert!(p.cue.contains("breathe"), "{} / {}: no breathing cue", s.id, p.name);
            }
        }
    }
}

#[test]
fn cat_rounds_and_camel_arches_everywhere_cat_camel_says_so() {
    let lib = library();
    let s = stretch(&lib, "cat-camel");
    let Dose::Flow { positions, .. } = &s.dose else { panic!("cat-camel flows") };
    let cue = |name: &str| positions.iter().find(|p| p.name == name).map(|p| p.cue.as_str()).expect("position");
    assert!(cue("Cat").contains("round") && cue("Cat").contains("breathe out"), "{}", cue("Cat"));
    assert!(cue("Camel").contains("arch") && cue("Camel").contains("breathe in"), "{}", cue("Camel"));
    assert!(s.breathing.contains("out as you round into the cat"), "{}", s.breathing);
    assert!(s.breathing.contains("in as you arch into the camel"), "{}", s.breathing);
    assert!(s.steps[1].starts_with("Slowly round") && s.steps[1].contains("cat"), "{}", s.steps[1]);
    assert!(s.steps[3].contains("arch") && s.steps[3].contains("camel"), "{}", s.steps[3]);
    assert!(s.steps.iter().all(|step| !step.contains("cat arches")));
}

#[test]
fn open_book_names_the_worked_side_in_the_order_the_session_says_it() {
    let lib = library();
    let s = stretch(&lib, "open-book");
    assert_eq!(s.dose.sides(), [Side::Right, Side::Left]);
    assert!(s.summary.contains("right side comes first"), "{}", s.summary);
    assert!(s.steps[0].contains("right side first"), "{}", s.steps[0]);
    let first = |word: &str| s.steps.iter().position(|step| step.contains(word)).expect(word);
    assert!(first("open it") < first("left side follows"));
    assert!(first("right arm") < first("left side follows"));
    assert!(s.other_side.as_deref().is_some_and(|how| how.contains("left arm")), "{:?}", s.other_side);
}

/// Index of the first step containing any of `words`.
fn first_step(s: &limber_core::Stretch, words: &[&str]) -> Option<usize> {
    s.steps.iter().position(|step| {
        let step = step.to_lowercase();
        words.iter().any(|w| step.contains(w))
    })
}

#[test]
fn steps_read_in_the_order_a_person_does_them() {
    let lib = library();
    for s in &lib.stretches {
        // A held stretch comes back out only after the hold.
        if let Dose::Hold { .. } = s.dose {
            let hold = first_step(s, &["stay", "hold"]).unwrap_or_else(|| panic!("{}: no step holds", s.id));
            let back = ["come back", "come out", "come up", "bring", "walk your feet back in", "sit up"];
            if let Some(back) = first_step(s, &back) {
                assert!(back > hold, "{}: step {} returns before the hold in step {}", s.id, back + 1, hold + 1);
            }
        }
        // Lying stretches get down to the floor first.
        if matches!(s.position, Position::LyingOnBack | Position::LyingOnSide) {
            let down = first_step(s, &["sit"]).unwrap_or_else(|| panic!("{}: never gets down", s.id));
            let lying = first_step(s, &["lie ", "lean back", "lower yourself"]).expect("a lying step");
            assert!(down <= lying, "{}: lies down before getting to the floor", s.id);
        }
    }
    let wall = stretch(&lib, "wall-extension");
    let hinge = first_step(wall, &["bend forward from your hips"]).expect("wall extension hinges from the hips");
    assert!(hinge < first_step(wall, &["chest sink"]).expect("chest sinks"));
}

#[test]
fn the_foam_rolling_modification_names_only_movements_in_its_steps() {
    let lib = library();
    let s = stretch(&lib, "upper-back-foam-rolling");
    let steps = s.steps.join(" ").to_lowercase();
    for m in &s.modifications {
        let m = m.to_lowercase();
        for movement in ["lift", "lean", "roll", "pause", "press", "push", "cross", "bridge", "sit"] {
            assert!(!m.contains(movement) || steps.contains(movement), "`{movement}` is not in the steps: {m}");
        }
    }
}

#[test]
fn the_clinician_question_flags_on_no_and_an_accident_counts_however_long_ago() {
    let lib = library();
    let seen = lib.screening.iter().find(|q| q.id == "already-assessed").expect("the clinician question");
    assert_eq!(seen.level, Level::SeeClinician);
    assert_eq!(seen.flagged_by, Answer::No);
    assert!(seen.flags(false) && !seen.flags(true));
    assert!(seen.about_assessment, "a no already answers the confirmation");
    assert_eq!(lib.screening.iter().filter(|q| q.about_assessment).count(), 1);
    assert!(seen.question.contains("doctor or physiotherapist already looked"), "{}", seen.question);
    assert!(lib.screening.iter().all(|q| q.id != "not-assessed"), "the inverted question must not reuse its old id");
    let others = lib.screening.iter().filter(|q| q.id != seen.id);
    assert!(others.clone().all(|q| q.flagged_by == Answer::Yes));
    assert_eq!(others.count(), lib.screening.len() - 1);
    let accident = lib.screening.iter().find(|q| q.id == "accident-any-time").expect("accident question");
    assert!(lib.screening.iter().all(|q| q.id != "serious-accident"), "the narrower question's answers must not count");
    assert!(
        lib.screening.iter().all(|q| q.id != "age-history"),
        "an answer to six conditions at once is not one to each"
    );
    assert!(accident.question.contains("serious accident or fall"), "{}", accident.question);
    // SAFETY.md sets no time limit: a fall weeks ago still counts.
    assert!(!accident.question.contains("recent"), "{}", accident.question);
}

#[test]
fn the_remaining_article_facts_are_there_in_limbers_words() {
    let lib = library();
    let background = lib.background.join("\n");
    for fact in [
        "between the upper back and the lower back",
        "Stretching can ease mid-back pain",
        "broader plan, of which stretching is one part",
        "quality of life",
        "Make looking after yourself a priority",
        "Lisa Miller",
        "her own experience",
    ] {
        assert!(background.contains(fact), "background lacks: {fact}");
    }
    assert!(lib.warm_up.why.contains("make the pain worse"), "{}", lib.warm_up.why);
    let warm = lib.precautions.iter().find(|p| p.id == "warm-up").expect("warm-up precaution");
    assert!(warm.text.contains("flare-up of the pain"), "{}", warm.text);
}

#[test]
fn the_readmes_authoring_example_loads_as_written() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md reads");
    let example = readme
        .split("```ron\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("README.md has a ```ron example");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("mine.ron"), example).expect("example written");
    let mut loader = Loader::builtin();
    loader.add_dir(dir.path()).expect("the example reads");
    let lib = loader.build().unwrap_or_else(|e| panic!("README's example does not load: {e}"));
    let bend = stretch(&lib, "side-bend");
    assert_eq!(bend.figure.as_ref().map(|f| f.poses.len()), Some(2), "its figure has both poses");
    assert!(lib.routine(&RoutineId::from("evening")).is_some());
}

#[test]
fn the_details_a_person_on_the_floor_needs_are_in_the_steps() {
    let lib = library();
    // The article lowers the right shoulder and the right cheek, and then works the other side.
    let needle = stretch(&lib, "thread-the-needle");
    assert!(needle.steps[2].contains("right cheek"), "{}", needle.steps[2]);
    // The other side's details are said at the switch, not while the first side is set up,
    // where a listener could start on the wrong side.
    assert!(needle.steps[6].contains("other side"), "{}", needle.steps[6]);
    assert!(!needle.steps[6].contains("left arm"), "{}", needle.steps[6]);
    let switch = needle.other_side.as_deref().unwrap_or_default();
    assert!(switch.contains("left arm under the right"), "{switch}");
    // Foam rolling: how to move on the roller, never the lower back, and how to come off it.
    let roll = stretch(&lib, "upper-back-foam-rolling");
    assert!(roll.steps[3].contains("never down to your lower back"), "{}", roll.steps[3]);
    assert!(roll.steps[5].contains("roll onto one side"), "{}", roll.steps[5]);
    // The extension leans over a backrest, which a plain stool lacks.
    let extension = stretch(&lib, "seated-thoracic-extension");
    assert!(extension.steps[0].contains("backrest") && extension.steps[2].contains("backrest"));
    assert!(extension.cautions[0].contains("without wheels"), "{}", extension.cautions[0]);
    // The article: sharp pain means stop and see a professional, not only when it lingers.
    let advice = lib.advice.sharp_pain.as_str();
    assert!(advice.contains("get the pain checked by a doctor or physiotherapist"), "{advice}");
}

#[test]
fn the_credit_says_which_numbers_and_cautions_are_limbers_own() {
    let lib = library();
    let note = &lib.source.note;
    assert!(note.contains("exact counts") && note.contains("cautions"), "{note}");
}

#[test]
fn every_stretch_done_on_each_side_says_how_the_left_side_goes_mirrored() {
    let lib = library();
    // What the right side's steps say, and what the left side must say instead.
    let mirrored = [
        (
            "seated-twist",
            "left hand against the outer side of your right knee",
            "right hand against the outside of your left knee",
        ),
        ("thread-the-needle", "right arm under your left arm", "left arm under the right"),
        ("open-book", "lie on your left", "lie on your right side"),
        ("folded-arm-twist", "turn your chest slowly to the right", "turn your chest slowly to the left"),
        ("standing-rotation", "turn your chest slowly to the right", "turn your chest slowly to the left"),
    ];
    let sided: Vec<&str> = lib.stretches.iter().filter(|s| !s.dose.sides().is_empty()).map(|s| s.id.as_str()).collect();
    assert_eq!(sided.len(), mirrored.len(), "every stretch done on each side is checked: {sided:?}");
    for (id, right, left) in mirrored {
        let s = stretch(&lib, id);
        let steps = s.steps.join(" ").to_lowercase();
        assert!(steps.contains(right), "{id}: the steps do the right side: {steps}");
        let other = s.other_side.as_deref().unwrap_or_else(|| panic!("{id}: no words for the left side"));
        assert!(other.to_lowercase().contains(left), "{id}: {other}");
    }
}

#[test]
fn every_stretch_of_several_holds_says_what_to_do_between_them() {
    // Easing out between two holds means different things: sitting up on a chair, but staying
    // down over a towel rather than getting up and lying down again.
    let lib = library();
    let expected = [
        ("seated-thoracic-extension", "sit upright"),
        ("wall-extension", "hands still on the wall"),
        ("towel-extension", "stay lying over the roll"),
    ];
    let several: Vec<&str> = lib
        .stretches
        .iter()
        .filter(|s| matches!(s.dose, limber_core::Dose::Hold { repetitions, .. } if repetitions.get() > 1))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(several, expected.map(|(id, _)| id), "every stretch of several holds is checked");
    for (id, meanwhile) in expected {
        let between =
            stretch(&lib, id).between_holds.as_deref().unwrap_or_else(|| panic!("{id}: nothing said between holds"));
        assert!(between.contains(meanwhile), "{id}: {between}");
    }
}

#[test]
fn every_stretch_done_lying_or_leaning_on_a_wall_says_how_to_come_out_at_the_end() {
    // Said as the last hold or the rolling ends: getting up from the floor is where a sore back
    // is caught out (onto a side first, then up).
    let lib = library();
    let lying = |s: &&std::sync::Arc<limber_core::Stretch>| {
        matches!(s.position, limber_core::Position::LyingOnBack | limber_core::Position::LyingOnSide)
    };
    let mut said: Vec<&str> = lib.stretches.iter().filter(lying).map(|s| s.id.as_str()).collect();
    said.push("wall-extension");
    for id in said {
        let out = stretch(&lib, id).coming_out.as_deref().unwrap_or_else(|| panic!("{id}: no words for coming out"));
        assert!(out.contains("side") || out.contains("stand tall"), "{id}: {out}");
    }
}

#[test]
fn every_stretch_on_a_chair_asks_for_one_without_wheels_before_moving() {
    let lib = library();
    for s in lib.stretches.iter().filter(|s| s.equipment.contains(&limber_core::Equipment::Chair)) {
        assert!(s.steps[0].contains("chair without wheels"), "{}: {}", s.id, s.steps[0]);
    }
}

#[test]
fn the_readmes_scripted_screening_answers_every_question_clear() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md reads");
    let line = readme.lines().find(|l| l.contains("| limber screening")).expect("README.md scripts a screening");
    // `(printf 'no\n%.0s' $(seq N); echo yes) | limber screening`: N times no, then yes.
    let n: usize = line
        .split("$(seq ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `$(seq N)` in {line:?}"));
    assert!(line.contains("echo yes"), "{line}");
    let said = std::iter::repeat_n(false, n).chain([true]);
    let lib = library();
    let record = limber_core::ScreeningRecord {
        answers: lib.screening.iter().zip(said).map(|(q, yes)| (q.id.clone(), yes)).collect(),
        clinician_assessed: false,
    };
    assert_eq!(n + 1, lib.screening.len(), "one answer per question: {line}");
    assert_eq!(record.clearance(&lib.screening), limber_core::Clearance::Clear, "{line}");
}
