//! Benchmarks of the pure core and the content loader, reported by `cargo xtask bench`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use limber_core::{At, Intent, Plan, PlanOptions, RoutineId, ScreeningRecord, Session};

fn load_builtin(c: &mut Criterion) {
    c.bench_function("content/load_validate_ron", |b| b.iter(|| black_box(limber_content::builtin_checked())));
    c.bench_function("content/load_snapshot", |b| b.iter(|| black_box(limber_content::builtin())));
}

/// A whole full-routine session, driven with a tick every 100 ms of simulated time.
fn full_routine_session(c: &mut Criterion) {
    let library = limber_content::builtin().expect("built-in content");
    let plan = Plan::resolve(&library, &RoutineId::from("full"), &PlanOptions::default()).expect("plan");
    // The answers that raise no flag (most questions flag on "yes", one on "no").
    let record = ScreeningRecord {
        answers: library.screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
        clinician_assessed: false,
    };
    c.bench_function("core/full_routine_100ms_ticks", |b| {
        b.iter(|| {
            let mut session = Session::new(plan.clone(), Some(&record), At::ZERO);
            let mut now = Duration::ZERO;
            let mut cues = 0;
            // A session that never ends would hang the bench: a full routine is well under an hour.
            while !session.phase().is_over() && now < Duration::from_secs(3600) {
                now += Duration::from_millis(100);
                session.advance(At(now));
                cues += session.drain_cues().len();
            }
            black_box(cues)
        })
    });
}

/// Rebuilding a full-routine session from its plan and timed log (what a server does on restart).
fn replay_full_routine(c: &mut Criterion) {
    let library = limber_content::builtin().expect("built-in content");
    let plan = Plan::resolve(&library, &RoutineId::from("full"), &PlanOptions::default()).expect("plan");
    let record = ScreeningRecord {
        answers: library.screening.iter().map(|q| (q.id.clone(), !q.flags(true))).collect(),
        clinician_assessed: false,
    };
    let mut live = Session::new(plan.clone(), Some(&record), At::ZERO);
    let script = [(90, Intent::Pause), (120, Intent::Resume), (200, Intent::Discomfort), (260, Intent::Swap)];
    for (secs, intent) in script {
        let _ = live.handle(intent, At::secs(secs));
    }
    live.advance(At::secs(3600));
    assert!(live.phase().is_over(), "the scripted session ends");
    let log = live.log().clone();
    c.bench_function("core/replay_full_routine", |b| {
        b.iter(|| {
            let mut s = Session::replay(plan.clone(), Some(&record), &log).expect("replays");
            s.advance(At::secs(3600));
            black_box(s.summary())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = load_builtin, full_routine_session, replay_full_routine
}
criterion_main!(benches);
