//! Benchmarks of the pure core and the content loader, reported by `cargo xtask bench`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use limber_core::{At, Plan, PlanOptions, RoutineId, ScreeningRecord, Session};

fn load_builtin(c: &mut Criterion) {
    c.bench_function("content/load_validate_ron", |b| b.iter(|| black_box(limber_content::builtin_checked())));
    c.bench_function("content/load_snapshot", |b| b.iter(|| black_box(limber_content::builtin())));
}

/// A whole full-routine session, driven with a tick every 100 ms of simulated time.
fn full_routine_session(c: &mut Criterion) {
    let library = limber_content::builtin().expect("built-in content");
    let plan = Plan::resolve(&library, &RoutineId::from("full"), &PlanOptions::default()).expect("plan");
    let record = ScreeningRecord {
        answers: library.screening.iter().map(|q| (q.id.clone(), false)).collect(),
        clinician_assessed: false,
    };
    c.bench_function("core/full_routine_100ms_ticks", |b| {
        b.iter(|| {
            let mut session = Session::new(plan.clone(), Some(&record), At::ZERO);
            let mut now = Duration::ZERO;
            let mut cues = 0;
            while !session.phase().is_over() {
                now += Duration::from_millis(100);
                session.advance(At(now));
                cues += session.drain_cues().len();
            }
            black_box(cues)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = load_builtin, full_routine_session
}
criterion_main!(benches);
