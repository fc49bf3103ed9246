//! `limber-tui`: a full-screen coach for stretches for mid-back pain, on ratatui and crossterm.

#![forbid(unsafe_code)]

mod app;
mod args;
mod bench;
mod ui;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};

use crossterm::event::{self, Event};

use crate::app::{App, SessionOptions};
use crate::args::Args;
use limber_app::EXIT_SAFETY;
use limber_app::interrupt::Interrupt;

fn main() -> ExitCode {
    let args = args::parse();
    match args::generate(&args, &mut std::io::stdout().lock()) {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        // `limber-tui --man | head`: a closed pipe ends it quietly, as it does `limber`.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: cannot write to standard output: {err}");
            return ExitCode::FAILURE;
        }
    }
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", limber_app::report::error_line(err.as_ref()));
            if let Some(hint) = err.chain().find_map(|c| c.downcast_ref::<limber_app::Error>()?.terminal_hint()) {
                eprintln!("{hint}");
            }
            // A damaged database: which file it is, as `limber` says.
            if let Some(file) =
                limber_app::report::damaged_database(err.as_ref(), args.data_dir.as_deref(), args.database.as_deref())
            {
                eprintln!("{file}");
            }
            // A person's mistake (an unknown routine, a hold out of range) is a usage error, as in `limber`.
            match err.downcast_ref::<limber_app::Error>() {
                Some(e) if e.is_usage() => ExitCode::from(limber_app::EXIT_USAGE),
                Some(e) if e.is_safety() => ExitCode::from(EXIT_SAFETY),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // A mistyped routine is reported before anything is opened (no data directory is made for
    // it) and before the screen is taken over.
    let opened = limber_app::local::Local::open_checked(
        args.content.as_deref(),
        args.data_dir.as_deref(),
        args.database.as_deref(),
        || eprintln!("limber-tui: waiting for the database…"),
        |library| args.routine.as_deref().map_or(Ok(()), |r| limber_app::known_routine(library, r).map(drop)),
    );
    let local = match opened {
        Ok(local) => local,
        // The mistake itself, so that it exits as a usage error (2).
        Err(limber_app::local::LocalError::Refused(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    };
    let options = SessionOptions {
        no_warm_up: args.no_warmup,
        hold: args.hold,
        wait: args.wait,
        rescreen: args.screening,
        speed: args.speed,
        no_animation: args.no_animation,
        equipment: args.equipment.as_ref().map(|list| list.iter().flatten().copied().collect()),
        avoid: args.avoid.as_ref().map(|list| list.iter().flatten().copied().collect()),
        pain_before: args.pain_before,
        pain_after: args.pain_after,
    };
    let voice = if args.no_voice {
        Some(false)
    } else if args.voice {
        Some(true)
    } else {
        None
    };
    let mut app = App::new(local, options, !args.no_bell, voice)?;
    // A hold out of range is reported before the screen is taken over too.
    if let Some(hold) = args.hold
        && !limber_app::HOLD_RANGE.contains(&hold)
    {
        return Err(limber_app::Error::HoldOutOfRange(hold).into());
    }

    if let Some(rounds) = args.frame_bench {
        let (frame, figure) = bench::frames(&mut app, rounds)?;
        println!("{frame:.1} {figure:.1}");
        return Ok(ExitCode::SUCCESS);
    }

    {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "limber-tui draws on a terminal, and its input or output is not one: run it in a terminal \
                 window (for pipes and scripts, `limber run --plain` reads typed lines)"
            );
        }
        // A terminal that says it can move no cursor (an editor's shell, a serial console)
        // would show the screen as garbage; the plain coach suits it.
        if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
            anyhow::bail!(
                "limber-tui draws a full screen, which TERM=dumb cannot show: use `limber run --plain` there, \
                 or run limber-tui in a terminal window"
            );
        }
    }
    // SIGTERM, SIGHUP and SIGINT end a session the way `q` does, keeping what was done.
    let interrupt = Interrupt::listen().context("cannot listen for signals")?;
    // `try_init` installs a panic hook that restores the terminal before the panic is reported.
    let mut terminal = ratatui::try_init().context("cannot take over the terminal")?;
    let result = (|| {
        if let Some(routine) = &args.routine {
            app.start(routine)?;
        }
        event_loop(&mut terminal, &mut app, &interrupt)
    })();
    // However the loop ended (a lost terminal included), a session still running ends the way
    // `q` ends it, and what was done is saved.
    if app.live.is_some() {
        let now = app.now();
        app.quit_session(now);
    }
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
    if let Some(voice) = app.voice.take() {
        voice.finish(std::time::Duration::from_secs(5));
    }
    if let Some(unsaved) = &app.unsaved {
        eprintln!("error: {}", unsaved.said);
    }
    result?;
    // Ended by Ctrl-C or a signal mid-session, the screen went with no summary: said here.
    // (This run's last session: the one the signal ended, none still under way.)
    let saved = app.live.is_none() && app.finished.as_ref().is_some_and(|(f, _)| f.saved);
    if (app.interrupted || interrupt.requested()) && app.ended_a_session && saved {
        eprintln!("The session under way was ended early; what you did is saved (`limber history` shows it).");
    }
    if app.stopped_for_safety {
        eprintln!("limber stopped a session for your safety (exit code {EXIT_SAFETY}).");
        return Ok(ExitCode::from(EXIT_SAFETY));
    }
    // Ended by a signal: 128 plus its number, as a shell expects; Ctrl-C, a key here, as SIGINT.
    if app.interrupted {
        interrupt.ctrl_c();
    }
    Ok(interrupt.exit_code().map_or(ExitCode::SUCCESS, ExitCode::from))
}

/// Draws, then waits for a key, the session's next deadline or the next change of the
/// countdown, whichever is first. Nothing is redrawn while nothing changes.
fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App, interrupt: &Interrupt) -> anyhow::Result<()> {
    let events = terminal_events();
    let mut redraw = true;
    loop {
        if interrupt.requested() {
            let now = app.now();
            app.quit_session(now);
            return Ok(());
        }
        app.tick(app.now());
        if app.bells > 0 {
            let mut out = std::io::stdout();
            let _ = out.write_all(&b"\x07".repeat(app.bells.min(3) as usize));
            let _ = out.flush();
            app.bells = 0;
        }
        if redraw {
            if let Ok(size) = terminal.size() {
                app.too_small = size.width < ui::MIN_SIZE.0 || size.height < ui::MIN_SIZE.1;
            }
            terminal.draw(|frame| ui::draw(frame, app)).context("cannot draw")?;
        }
        // A stretch set aside by sharp pain is stored once the stop is on screen.
        app.store_set_aside();
        if app.quit {
            return Ok(());
        }
        let (wait, change_due) = app.wait(app.now());
        let received = match events.recv_timeout(wait) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => None,
            // The terminal is gone (closed window, lost connection): end as `q` would.
            Err(RecvTimeoutError::Disconnected) => {
                let now = app.now();
                app.quit_session(now);
                return Ok(());
            }
        };
        if let Some(event) = received {
            match event {
                Event::Key(key) => {
                    let now = app.now();
                    app.on_key(key, now);
                }
                Event::Resize(..) => {}
                _ => continue,
            }
            redraw = true;
        } else {
            redraw = change_due;
        }
    }
}

/// Terminal events, read on their own thread. The loop waits on this channel, so a terminal that
/// hangs up (crossterm then keeps retrying the read) can never stall it: signals, deadlines and
/// saving go on, and a read error closes the channel, which ends the session as `q` would.
fn terminal_events() -> Receiver<Event> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        while let Ok(event) = event::read() {
            if tx.send(event).is_err() {
                return;
            }
        }
    });
    rx
}
