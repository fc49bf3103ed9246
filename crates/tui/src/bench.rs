//! `limber-tui --frame-bench N` (hidden, for `cargo xtask bench`): the median µs of a whole session frame at 200×60, and of one figure frame (pose + canvas).

use std::time::Instant;

use limber_core::{Intent, Phase};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui;

/// Drives `app` to the first hold of the desk routine, then times `rounds` full frames, and
/// `rounds` figure frames: the pose at a moment of the easing plus its braille canvas (40×14).
pub(crate) fn frames(app: &mut App, rounds: u32) -> anyhow::Result<(f64, f64)> {
    app.start("desk")?;
    let t0 = app.now();
    for _ in 0..12 {
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
    let frame = micros[micros.len() / 2];
    let Some(live) = &app.live else { anyhow::bail!("no session") };
    let stretch = live.view.stretch.as_ref().and_then(|id| app.local.app.library().stretch(id));
    let Some(figure) = stretch.and_then(|s| s.figure.as_ref().map(|f| (s, f))) else { anyhow::bail!("no figure") };
    let mut buffer = Buffer::empty(Rect::new(0, 0, 40, 14));
    let mut view = live.view.clone();
    let len = view.phase_ms.unwrap_or(0);
    let mut figure_micros = Vec::new();
    for i in 0..u64::from(rounds.max(1)) {
        view.remaining_ms = Some(len.saturating_sub(i * 40 % len.max(1)));
        let started = Instant::now();
        let shown = limber_core::pose_at(figure.0, &view, app.motion());
        if let Some(shown) = shown {
            ui::figure_into(&mut buffer, figure.1, &shown.pose, !app.no_color);
        }
        figure_micros.push(started.elapsed().as_secs_f64() * 1e6);
    }
    figure_micros.sort_by(f64::total_cmp);
    // The session is dropped unfinished: nothing of a benchmark is saved.
    Ok((frame, figure_micros[figure_micros.len() / 2]))
}
