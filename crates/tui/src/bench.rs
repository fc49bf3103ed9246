//! `limber-tui --frame-bench N` (hidden, for `cargo xtask bench`): renders the session screen at 200×60 N times and prints the median microseconds per frame.

use std::time::Instant;

use limber_core::{Intent, Phase};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::ui;

/// Drives `app` to the first hold of the desk routine, then times `rounds` full frames.
pub(crate) fn frames(app: &mut App, rounds: u32) -> anyhow::Result<f64> {
    app.start("desk")?;
    let t0 = app.now();
    for _ in 0..11 {
        app.send(Intent::No, t0);
    }
    app.send(Intent::Yes, t0);
    app.send(Intent::Pain { score: 2 }, t0);
    for _ in 0..500 {
        let Some(live) = &app.live else { anyhow::bail!("the session ended before a hold") };
        if matches!(live.view.phase, Phase::Active { .. }) {
            break;
        }
        let Some(next) = live.session.next_deadline() else { anyhow::bail!("the session is waiting") };
        app.tick(next);
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 60))?;
    let mut micros = Vec::new();
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        terminal.draw(|frame| ui::draw(frame, app))?;
        micros.push(started.elapsed().as_secs_f64() * 1e6);
    }
    micros.sort_by(f64::total_cmp);
    // The session is dropped unfinished: nothing of a benchmark is saved.
    Ok(micros[micros.len() / 2])
}
