//! Every stretch's figure: present, drawn the same every time (docs/figures is the snapshot), moving as sessions run.

use limber_content::builtin;
use limber_core::drawing;
use limber_core::{At, Motion, Phase, Plan, PlanOptions, RoutineId, ScreeningRecord, Session, Side, pose_at};
use limber_tests::workspace_root;

#[test]
fn every_built_in_stretch_has_a_figure_with_a_pose_per_position() {
    let lib = builtin().expect("content");
    for s in &lib.stretches {
        let figure = s.figure.as_ref().unwrap_or_else(|| panic!("`{}` has no figure", s.id));
        assert!(figure.poses.len() >= 2, "`{}` needs a start and a stretched pose", s.id);
    }
}

/// The SVG of every key pose equals the file in `docs/figures` (`UPDATE_EXPECT=1` rewrites them,
/// as `cargo xtask figures --out docs/figures` does).
#[test]
fn every_figure_draws_the_same_svg_as_docs_figures() {
    let lib = builtin().expect("content");
    let dir = workspace_root().join("docs/figures");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut differ = Vec::new();
    for s in &lib.stretches {
        let Some(figure) = &s.figure else { continue };
        let last = figure.poses.len() - 1;
        let mut files: Vec<(String, String)> = figure
            .poses
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let slug = p.name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-");
                (
                    format!("{}-{slug}.svg", s.id),
                    drawing::svg(figure, &figure.key(i, None), &format!("{}: {}", s.name, p.name)),
                )
            })
            .collect();
        let title = format!("{}: {}", s.name, figure.poses[last].name);
        files.push((format!("{}.svg", s.id), drawing::svg(figure, &figure.key(last, None), &title)));
        for (name, svg) in files {
            let path = dir.join(&name);
            if update {
                std::fs::create_dir_all(&dir).expect("docs/figures");
                std::fs::write(&path, &svg).expect("write");
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
                differ.push(name);
            }
        }
    }
    assert!(differ.is_empty(), "these figures differ from docs/figures (UPDATE_EXPECT=1 to refresh): {differ:?}");
}

fn clear(lib: &limber_core::Library) -> ScreeningRecord {
    ScreeningRecord {
        answers: lib.screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
        clinician_assessed: false,
    }
}

/// Runs the desk routine without a warm-up to its first active phase.
fn first_hold() -> (limber_core::Library, Session, At) {
    let lib = builtin().expect("content");
    let options = PlanOptions { warm_up: false, ..PlanOptions::default() };
    let plan = Plan::resolve(&lib, &RoutineId::from("desk"), &options).expect("plan");
    let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
    while !matches!(session.phase(), Phase::Active { .. }) {
        let due = session.next_deadline().expect("a deadline");
        session.advance(due);
        if let Some(q) = session.view().question
            && session.handle(limber_core::Intent::Skip, session.view().at).is_err()
        {
            panic!("stuck at {q}");
        }
    }
    let at = session.view().at;
    (lib, session, at)
}

#[test]
fn a_flow_moves_between_its_positions_and_a_pause_freezes_it() {
    let (lib, session, start) = first_hold();
    let view = session.view_at(start);
    let stretch = lib.stretch(view.stretch.as_ref().expect("on a stretch")).expect("stretch");
    let at = |ms: u64| {
        pose_at(stretch, &session.view_at(At(start.0 + std::time::Duration::from_millis(ms))), Motion::Smooth)
    };
    let first = at(0).expect("a figure");
    assert!(first.moving, "a flow starts moving at once");
    let settled = at(2_900).expect("a figure");
    assert_ne!(first.pose, settled.pose);
    // Reduced motion: every moment shows a key pose, never one in between.
    let still = pose_at(stretch, &session.view_at(start), Motion::Still).expect("a figure");
    assert!(!still.moving);
    let figure = stretch.figure.as_ref().expect("figure");
    assert!((0..figure.poses.len()).any(|i| figure.key(i, None) == still.pose));
    // Paused: the pose stays where it was.
    let mut paused = session.clone();
    paused.handle(limber_core::Intent::Pause, At(start.0 + std::time::Duration::from_millis(500))).expect("pause");
    let a = pose_at(stretch, &paused.view_at(At::secs(start.0.as_secs() + 5)), Motion::Smooth).expect("figure");
    let b = pose_at(stretch, &paused.view_at(At::secs(start.0.as_secs() + 9)), Motion::Smooth).expect("figure");
    assert_eq!(a.pose, b.pose);
    assert!(!a.moving);
}

#[test]
fn a_held_pose_on_the_left_side_is_the_right_side_mirrored() {
    let lib = builtin().expect("content");
    let twist = lib.stretch(&"seated-twist".into()).expect("twist");
    let figure = twist.figure.as_ref().expect("figure");
    let held = figure.key(figure.poses.len() - 1, Some(Side::Right));
    let mirrored = figure.key(figure.poses.len() - 1, Some(Side::Left));
    assert!(mirrored.mirrored && !held.mirrored);
    let b = figure.bounds();
    assert_eq!(mirrored.joints[0].x, b.min_x + b.max_x - held.joints[0].x);
}

#[test]
fn between_the_towel_extensions_holds_the_figure_stays_lying_over_the_roll() {
    let mut loader = limber_content::Loader::builtin();
    let routine = r#"Content(routines: [Routine(id: "towel", name: "Towel", summary: "Over a towel.",
        warm_up: false, stretches: ["towel-extension"])])"#;
    loader.add_text("towel.ron", routine, limber_content::Layer::User);
    let lib = loader.build().expect("content");
    let towel = lib.stretch(&"towel-extension".into()).expect("towel extension");
    let figure = towel.figure.as_ref().expect("figure");
    let options = PlanOptions { warm_up: false, ..PlanOptions::default() };
    let plan = Plan::resolve(&lib, &RoutineId::from("towel"), &options).expect("plan");
    let mut session = Session::new(plan, Some(&clear(&lib)), At::ZERO);
    let head_at = |session: &Session, phase: &str| {
        let shown = pose_at(towel, &session.view_at(session.view().at), Motion::Still).expect("a figure");
        (phase.to_owned(), shown.pose.joints[0].y.round() as i32)
    };
    let mut seen = Vec::new();
    while !session.phase().is_over() {
        let due = session.next_deadline().expect("a deadline");
        session.advance(due);
        match session.phase() {
            Phase::Active { hold, .. } => seen.push(head_at(&session, &format!("hold {hold}"))),
            Phase::Rest { .. } => seen.push(head_at(&session, "rest")),
            _ => {}
        }
        if session.view().question.is_some() {
            let _ = session.handle(limber_core::Intent::Skip, session.view().at);
        }
    }
    seen.dedup();
    // Still, each phase shows where it ends: the head low over the roll in the holds and, as
    // the words say, in the rest between them (the start pose sits up, head at 73).
    let low = figure.poses[figure.pose_named("Hold").expect("a held pose")].head.1.into();
    assert_eq!(seen, [("hold 0".to_owned(), low), ("rest".to_owned(), low), ("hold 1".to_owned(), low)]);
}
