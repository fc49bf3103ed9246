//! The TUI's state: one `App` holding the screen, the live session and what the screens show; keys and time go in, nothing is drawn here.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use limber_app::clock::Clock;
use limber_app::keys::Typed;
use limber_app::local::Local;
use limber_app::speech::Voice;
use limber_app::store::Profile;
use limber_app::{Finished, ProfileChange, StartRequest, Stats, when};
use limber_core::{
    At, Cue, Equipment, Intent, IntentKind, Motion, PainPrompt, Position, Session, SessionView, Shown, Stretch, pose_at,
};

/// How many recent cues the session screen keeps.
const CUE_LOG: usize = 6;

/// Lines a page key scrolls the library's text by.
const SCROLL_STEP: u16 = 8;

/// The furthest the library's text is scrolled (the drawing stops at its last line anyway).
const MAX_SCROLL: u16 = 400;

/// Which screen is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Screen {
    /// Routines, this week, the suggested routine.
    Home,
    /// Every stretch, with filters, and the guidance.
    Library,
    /// A session running.
    Session,
    /// What the last session did.
    Summary,
    /// Sessions per week, pain over time, holds and flags.
    Progress,
    /// The profile.
    Settings,
}

/// How often the figure is redrawn while it moves (real time): 12.5 frames a second.
pub(crate) const FRAME: Duration = Duration::from_millis(80);

/// Session options taken from the command line.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionOptions {
    /// Leave out the warm-up.
    pub(crate) no_warm_up: bool,
    /// Seconds per hold, instead of progression.
    pub(crate) hold: Option<u32>,
    /// Wait for Enter before each stretch.
    pub(crate) wait: bool,
    /// Ask the screening again.
    pub(crate) rescreen: bool,
    /// Clock speed factor.
    pub(crate) speed: f64,
    /// Show each pose at once instead of gliding between them (`--no-animation`).
    pub(crate) no_animation: bool,
    /// Equipment at hand today, instead of the profile's.
    pub(crate) equipment: Option<Vec<Equipment>>,
    /// Positions to avoid today, instead of the profile's.
    pub(crate) avoid: Option<Vec<Position>>,
    /// Pain before the first session, given ahead (later sessions ask).
    pub(crate) pain_before: Option<u8>,
    /// Pain after the first session, given ahead (later sessions ask).
    pub(crate) pain_after: Option<u8>,
}

/// A session being run, and what the screen needs about it.
pub(crate) struct Live {
    /// The session.
    pub(crate) session: Session,
    /// Its view at `now`.
    pub(crate) view: SessionView,
    /// When it started, Unix milliseconds.
    pub(crate) started_at_ms: i64,
    /// The clock it runs on.
    pub(crate) clock: Clock,
    /// The latest cues, oldest first.
    pub(crate) cues: Vec<Cue>,
    /// The quit confirmation is showing.
    pub(crate) confirm_quit: bool,
    /// The clock was paused because the help or the quit question opened over a running
    /// session; it runs again when they close.
    pub(crate) overlay_paused: bool,
    /// A pain rating being typed at a rating prompt (10 takes two keys).
    pub(crate) pain_entry: limber_app::keys::PainEntry,
    /// A first `e` waiting for its second.
    pub(crate) chest_entry: limber_app::keys::ChestEntry,
    /// The routine's name.
    pub(crate) routine: String,
    /// What the plan changed and a voice not found: shown until the first stretch begins, under
    /// any other message (a key's answer does not wipe them out).
    pub(crate) notes: Option<String>,
    /// A speech command that failed during the session, said under any other message until
    /// the session ends: a person listening rather than watching must find out on a glance.
    pub(crate) voice_failed: Option<String>,
}

impl Live {
    /// The notes, while they still concern what is ahead: until the first stretch is under way.
    pub(crate) fn notes_now(&self) -> Option<&str> {
        use limber_core::Phase as P;
        let before = matches!(
            self.view.phase,
            P::Screening { .. }
                | P::ConfirmAssessed
                | P::PainBefore
                | P::WarmUp
                | P::Prepare { item: 0 }
                | P::GetReady { item: 0 }
        );
        self.notes.as_deref().filter(|_| before)
    }
}

/// Library filters: each `None` means any.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Filters {
    /// Needs this equipment, or none (`Some(None)`).
    pub(crate) equipment: Option<Option<Equipment>>,
    /// In this position.
    pub(crate) position: Option<Position>,
    /// Reaches this area (index into the library's areas).
    pub(crate) area: Option<usize>,
}

/// The guidance page shown in the library, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guide {
    /// Precautions.
    Precautions,
    /// Tips.
    Tips,
    /// Questions and answers.
    Faq,
    /// Where the content comes from.
    Source,
}

/// What the progress screen shows, loaded when it opens.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgressData {
    /// Sessions that count, per week, oldest first, the current week last.
    pub(crate) weeks: Vec<(String, u64)>,
}

/// The whole state of the TUI.
pub(crate) struct App {
    /// Content, store and the local user.
    pub(crate) local: Local,
    /// Session options from the command line.
    pub(crate) options: SessionOptions,
    /// The screen showing.
    pub(crate) screen: Screen,
    /// The help overlay is showing.
    pub(crate) help: bool,
    /// The window is below [`crate::ui::MIN_SIZE`]: nothing but where the session is shows, so
    /// only the keys that screen names act (a stray `y` must not answer a question unseen).
    pub(crate) too_small: bool,
    /// A stretch set aside after sharp pain that one press of `c` on Progress asked to clear:
    /// a second `c` clears it (in a session the same key means "comfortable").
    pub(crate) clear_asked: Option<limber_core::StretchId>,
    /// A stretch sharp pain set aside, to store once the stop is on screen.
    set_aside_due: Option<limber_core::StretchId>,
    /// The running session.
    pub(crate) live: Option<Live>,
    /// What the last session did, and its last cues (the advice after a stop).
    pub(crate) finished: Option<(Finished, Vec<Cue>)>,
    /// Statistics, loaded for home and progress.
    pub(crate) stats: Option<Stats>,
    /// Weekly and pain history for the progress screen.
    pub(crate) progress: ProgressData,
    /// The profile and flagged stretches.
    pub(crate) profile: Profile,
    /// Selected row on the home, library, progress and settings screens.
    pub(crate) selected: usize,
    /// Library filters.
    pub(crate) filters: Filters,
    /// Guidance page in the library.
    pub(crate) guide: Option<Guide>,
    /// Lines scrolled down in the library's text (a stretch's detail or a guidance page).
    pub(crate) scroll: u16,
    /// The furthest that text scrolls, as last drawn (the drawing knows the width it wraps to):
    /// page keys stop there, so PgUp acts at once after paging past the end.
    pub(crate) scroll_max: std::cell::Cell<u16>,
    /// A one-line message (a refused key, an error).
    pub(crate) message: Option<String>,
    /// Bells to ring (the loop writes them to the terminal).
    pub(crate) bells: u32,
    /// The bell is on.
    pub(crate) bell: bool,
    /// Speak cues (a voice is found when a session starts).
    pub(crate) voice_wanted: bool,
    /// The voice, while a session runs.
    pub(crate) voice: Option<Voice>,
    /// The TUI should end.
    pub(crate) quit: bool,
    /// Ctrl-C ended this run (exit code 130, as after the signal it stands for).
    pub(crate) interrupted: bool,
    /// A session stopped for safety during this run (exit code 3).
    pub(crate) stopped_for_safety: bool,
    /// A session under way was ended the way `q` ends it (by q, Ctrl-C or a signal).
    pub(crate) ended_a_session: bool,
    /// The last session could not be saved: how it went, where it was kept instead, and what
    /// to do (shown on the summary and printed again on exit).
    pub(crate) unsaved: Option<UnsavedSummary>,
    /// `NO_COLOR` is set.
    pub(crate) no_color: bool,
    /// Every routine as it would run today, for the home screen.
    pub(crate) previews: Vec<limber_app::suggest::Preview>,
    /// The routine suggested next.
    pub(crate) suggested: Option<limber_core::RoutineId>,
    /// Why no session starts today (a day after an emergency sign), as a sentence, shown on the
    /// home screen before a routine is picked.
    pub(crate) locked: Option<String>,
}

/// A finished session the store would not take.
pub(crate) struct UnsavedSummary {
    /// Why, where it is kept, and what comes of it, in words.
    pub(crate) said: String,
    /// How it went (none for a session that never began).
    pub(crate) summary: Option<limber_core::Summary>,
    /// The cues it gave (the advice of a stop for safety among them).
    pub(crate) cues: Vec<limber_core::Cue>,
}

/// What a session says first when the history cannot be written to.
const READ_ONLY_HISTORY: &str = "Your history is read-only to you: this session cannot be saved into it, and is kept in a file for \
     `limber import` when it ends.";

impl App {
    /// The TUI over `local`, on the home screen.
    pub(crate) fn new(local: Local, options: SessionOptions, bell: bool, voice: Option<bool>) -> anyhow::Result<App> {
        let (profile, _) = local.block_on(local.app.profile(local.user))?;
        let voice_wanted = voice.unwrap_or(profile.voice);
        let mut app = App {
            local,
            options,
            screen: Screen::Home,
            help: false,
            too_small: false,
            live: None,
            finished: None,
            stats: None,
            progress: ProgressData::default(),
            profile,
            selected: 0,
            filters: Filters::default(),
            guide: None,
            scroll: 0,
            scroll_max: std::cell::Cell::new(MAX_SCROLL),
            message: None,
            clear_asked: None,
            set_aside_due: None,
            bells: 0,
            bell,
            voice_wanted,
            voice: None,
            quit: false,
            interrupted: false,
            stopped_for_safety: false,
            ended_a_session: false,
            unsaved: None,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            previews: Vec::new(),
            suggested: None,
            locked: None,
        };
        app.reload();
        app.selected = app.suggested_index().unwrap_or(0);
        Ok(app)
    }

    /// Reloads statistics, progress and the profile from the store.
    pub(crate) fn reload(&mut self) {
        let local = &self.local;
        match local.block_on(local.app.stats(local.user)) {
            Ok(stats) => self.stats = Some(stats),
            Err(e) => self.message = Some(format!("cannot read your history: {e}")),
        }
        // What cannot be read is said, the first problem only (one line of the screen).
        let problem = |what: &str, e: &dyn std::fmt::Display, message: &mut Option<String>| {
            message.get_or_insert_with(|| format!("cannot read {what}: {e}"));
        };
        match local.block_on(local.app.profile(local.user)) {
            Ok((profile, _)) => self.profile = profile,
            Err(e) => problem("your profile", &e, &mut self.message),
        }
        // The last eight weeks only.
        match local.block_on(local.app.sessions_per_week(local.user, 8, &when::zone())) {
            Ok(per_week) => {
                self.progress.weeks = per_week
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(back, n)| (if back == 0 { "now".to_owned() } else { format!("-{back}") }, *n))
                    .collect();
            }
            Err(e) => problem("your sessions per week", &e, &mut self.message),
        }
        match local.emergency_refusal(when::now_ms()) {
            Ok(locked) => {
                self.locked = locked.map(|e| limber_app::report::sentence(&limber_app::report::error_line(&e)));
            }
            Err(e) => problem("your safety stops", &e, &mut self.message),
        }
        match local.block_on(local.app.previews(local.user)) {
            Ok(previews) => {
                self.suggested = limber_app::App::suggest(&previews).map(|p| p.routine.clone());
                self.previews = previews;
            }
            Err(e) => problem("the routines' plans", &e, &mut self.message),
        }
    }

    /// Starts `routine` and shows the session screen.
    pub(crate) fn start(&mut self, routine: &str) -> anyhow::Result<()> {
        let request = StartRequest {
            routine: routine.to_owned(),
            equipment: self.options.equipment.clone(),
            avoid: self.options.avoid.clone(),
            hold: self.options.hold,
            no_warm_up: self.options.no_warm_up,
            wait_for_start: self.options.wait,
            rescreen: self.options.rescreen,
            pain_before: self.options.pain_before.map_or(PainPrompt::Ask, |score| PainPrompt::Given { score }),
            pain_after: self.options.pain_after.map_or(PainPrompt::Ask, |score| PainPrompt::Given { score }),
            timing: None,
            also_set_aside: Vec::new(),
            also_emergency_at: None,
        };
        let local = &self.local;
        // (Sessions kept in files when they could not be saved go into the history first, so a
        // stretch that caused sharp pain in one is left out of this plan: said among its notes.)
        let started = local.start(&request, when::now_ms())?;
        // The screening asked again and the ratings given on the command line are answers for
        // this moment: a later session in the same run asks them afresh.
        self.options.rescreen = false;
        self.options.pain_before = None;
        self.options.pain_after = None;
        let lib = local.app.library();
        // What the plan changed (and why the safety questions come again), then a voice asked
        // for and not found: all said, none hiding another (someone counting on hearing the
        // cues must know they will not).
        let mut notes = started.notes(lib);
        let session = started.session;
        if self.voice_wanted && self.voice.is_none() {
            match Voice::find() {
                Ok(voice) => self.voice = Some(voice),
                Err(e) => notes.push(no_voice(&e)),
            }
        }
        // Said before the session, not only when saving fails after it.
        if !self.local.can_save() {
            notes.push(READ_ONLY_HISTORY.to_owned());
        }
        let notes = (!notes.is_empty()).then(|| notes.join(" "));
        let view = session.view();
        let name = session.plan().routine_name.clone();
        self.live = Some(Live {
            session,
            view,
            started_at_ms: started.started_at_ms,
            clock: Clock::start(self.options.speed),
            cues: Vec::new(),
            confirm_quit: false,
            overlay_paused: false,
            pain_entry: limber_app::keys::PainEntry::default(),
            chest_entry: limber_app::keys::ChestEntry::default(),
            routine: name,
            notes,
            voice_failed: None,
        });
        self.screen = Screen::Session;
        self.help = false;
        self.tick(At::ZERO);
        Ok(())
    }

    /// Moves the session to session time `now`: deadlines fire, cues ring and speak, and a
    /// session that is over is finished and saved.
    pub(crate) fn tick(&mut self, now: At) {
        let Some(live) = &mut self.live else { return };
        live.session.advance(now);
        self.take_cues();
        self.refresh_view(now);
    }

    fn refresh_view(&mut self, now: At) {
        let over = match &mut self.live {
            Some(live) => {
                live.view = live.session.view_at(now);
                live.session.phase().is_over()
            }
            None => false,
        };
        if over {
            self.finish();
        }
    }

    /// Applies the cues the session produced: bell, voice, the cue log.
    fn take_cues(&mut self) {
        let Some(live) = &mut self.live else { return };
        for cue in live.session.drain_cues() {
            if self.bell && self.profile.sound && limber_app::keys::rings_bell(cue.sound) {
                self.bells += 1;
            }
            if let Some(voice) = &self.voice {
                voice.cue(&cue);
                // Said once, where the person reads: the cues go on on screen.
                if let Some(why) = voice.failure() {
                    live.voice_failed = Some(format!("No voice: {why}. The session goes on on screen."));
                }
            }
            live.cues.push(cue);
            if live.cues.len() > CUE_LOG {
                live.cues.remove(0);
            }
        }
    }

    /// Sends `intent` to the session at `now`.
    pub(crate) fn send(&mut self, intent: Intent, now: At) {
        let Some(live) = &mut self.live else { return };
        let before = live.session.set_aside().cloned();
        match live.session.handle(intent, now) {
            Ok(()) => self.message = None,
            Err(refused) => self.message = Some(refused.to_string()),
        }
        // A stretch set aside for sharp pain is stored at once, not only with the session after
        // the rating that follows (a process killed meanwhile would forget it): once the stop
        // is on screen ([`App::store_set_aside`], after the next draw).
        if let Some(id) = live.session.set_aside().filter(|id| before.as_ref() != Some(*id)).cloned() {
            self.set_aside_due = Some(id);
        }
        self.take_cues();
        self.refresh_view(now);
    }

    /// Stores the stretch sharp pain set aside, if one is due: called by the loop once the stop
    /// is drawn, and waiting half a second at most (should it not be stored, saving the session
    /// sets it aside, and says so if it cannot).
    pub(crate) fn store_set_aside(&mut self) {
        if let Some(id) = self.set_aside_due.take() {
            let local = &self.local;
            local.block_on(local.app.set_aside_at_press(local.user, &id));
        }
    }

    /// Ends the session the way `q` does, keeping what was done.
    pub(crate) fn quit_session(&mut self, now: At) {
        let Some(live) = &mut self.live else { return };
        self.ended_a_session = true;
        live.session.quit_to_end(now);
        self.take_cues();
        self.refresh_view(now);
    }

    /// Saves the finished session and shows the summary.
    fn finish(&mut self) {
        let Some(live) = self.live.take() else { return };
        // What was said during the session is over with it: the summary's problems show.
        self.message = None;
        match self.local.finish(&live.session, live.started_at_ms, live.clock.speed()) {
            Ok(finished) => {
                if finished.summary.stopped.is_some_and(|r| r.is_safety()) {
                    self.stopped_for_safety = true;
                }
                self.finished = Some((finished, live.cues));
                self.unsaved = None;
            }
            Err(unsaved) => {
                self.stopped_for_safety |= unsaved.stopped.is_some_and(|r| r.is_safety());
                // Not the summary of an earlier session: this one's, from the session itself.
                self.finished = None;
                self.unsaved = Some(UnsavedSummary {
                    said: unsaved.to_string(),
                    summary: live.session.summary(),
                    cues: live.cues,
                });
            }
        }
        if let Some(voice) = self.voice.take() {
            voice.finish(Duration::from_secs(5));
        }
        self.screen = Screen::Summary;
        self.scroll = 0;
        self.selected = 0;
        self.reload();
    }

    /// How long the loop may wait at session time `now` for a key before something on screen
    /// changes, and whether waking then means a change (otherwise it only checks for signals).
    pub(crate) fn wait(&self, now: At) -> (Duration, bool) {
        const IDLE: Duration = Duration::from_secs(1);
        let Some(live) = &self.live else { return (IDLE, false) };
        let mut wait: Option<Duration> = live.session.next_deadline().map(|d| d.0.saturating_sub(now.0));
        let since_view = u64::try_from(now.0.saturating_sub(live.view.at.0).as_millis()).unwrap_or(u64::MAX);
        if !live.view.paused
            && let Some(left) = live.view.remaining_ms.map(|ms| ms.saturating_sub(since_view)).filter(|&ms| ms > 0)
        {
            // The shown second changes when the time left crosses a whole second.
            let to_next_second = Duration::from_millis((left - 1) % 1000 + 1);
            wait = Some(wait.map_or(to_next_second, |w| w.min(to_next_second)));
        }
        let (wait, change) = match wait {
            Some(w) => {
                let real = live.clock.real(w);
                if real <= IDLE { (real, true) } else { (IDLE, false) }
            }
            None => (IDLE, false),
        };
        // The chest-pain question goes from the screen when it lapses (wall-clock time).
        let (wait, change) = match live.chest_entry.left(std::time::Instant::now()) {
            Some(left) if left < wait => (left + Duration::from_millis(1), true),
            _ => (wait, change),
        };
        if self.figure_moving() && wait > FRAME { (FRAME, true) } else { (wait, change) }
    }

    /// The figure of the stretch on screen and how to draw its motion.
    pub(crate) fn motion(&self) -> Motion {
        if self.options.no_animation { Motion::Still } else { Motion::Smooth }
    }

    /// The live stretch's pose now, if it has a figure.
    pub(crate) fn shown(&self) -> Option<(&Stretch, Shown)> {
        let live = self.live.as_ref()?;
        let stretch = self.local.app.library().stretch(live.view.stretch.as_ref()?)?;
        Some((stretch, pose_at(stretch, &live.view, self.motion())?))
    }

    /// Whether the figure on screen is moving, so the loop redraws at [`FRAME`] intervals.
    fn figure_moving(&self) -> bool {
        self.shown().is_some_and(|(_, shown)| shown.moving)
    }

    /// The session time now, for the live session.
    pub(crate) fn now(&self) -> At {
        self.live.as_ref().map_or(At::ZERO, |l| l.clock.now())
    }

    /// Handles one key event at session time `now`.
    pub(crate) fn on_key(&mut self, key: KeyEvent, now: At) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            self.quit_session(now);
            self.quit = true;
            self.interrupted = true;
            return;
        }
        // Sharp pain and chest pain act at once, whatever is open over the session.
        let report = match key.code {
            KeyCode::Char(c) => limber_app::keys::intent(c).filter(|i| i.is_safety_report()),
            _ => None,
        };
        if let (Screen::Session, Some(report), Some(live)) = (self.screen, report, self.live.as_mut()) {
            // Chest pain: a first `e` asks, heard too; a second within four seconds reports.
            if report == Intent::Chest && !live.chest_entry.press(std::time::Instant::now()) {
                // Seen, not hidden under the help (the session stays paused as the help had it).
                if self.help {
                    self.help = false;
                    live.overlay_paused = false;
                }
                if self.bell {
                    self.bells += 1;
                }
                if let Some(voice) = &self.voice {
                    voice.say_urgently(limber_app::keys::CHEST_ASK);
                }
                return;
            }
            self.help = false;
            live.confirm_quit = false;
            live.overlay_paused = false;
            self.send(report, now);
            return;
        }
        if self.too_small {
            match key.code {
                // As the small screen says: q quits outside a session (in one, where its
                // question cannot show, Ctrl-C ends it, keeping what was done); space pauses.
                KeyCode::Char('q' | 'Q') if self.screen != Screen::Session => self.quit = true,
                KeyCode::Char(' ') if self.screen == Screen::Session && !self.help => self.session_key(key, now),
                // A rating during the exercise acts here too (above 5 it stops the stretch): it
                // answers no question, so nothing unseen is agreed to. Its answer is shown.
                KeyCode::Char('0'..='9')
                    if self.screen == Screen::Session && !self.help && self.rating_in_a_small_window() =>
                {
                    self.session_key(key, now);
                }
                _ => {}
            }
            return;
        }
        if self.help {
            self.help = false;
            self.resume_after_overlay(now);
            return;
        }
        if key.code == KeyCode::Char('?') {
            self.help = true;
            if self.screen == Screen::Session {
                self.pause_for_overlay(now);
            }
            return;
        }
        match self.screen {
            Screen::Session => self.session_key(key, now),
            Screen::Home => self.home_key(key),
            Screen::Library => self.library_key(key),
            Screen::Summary => self.summary_key(key),
            Screen::Progress => self.progress_key(key),
            Screen::Settings => self.settings_key(key),
        }
    }

    fn session_key(&mut self, key: KeyEvent, now: At) {
        let Some(live) = &mut self.live else { return };
        if live.confirm_quit {
            match key.code {
                KeyCode::Char('y' | 'Y' | 'q') => {
                    // Ended as `q` ends it in `limber`: the rating after is still asked (when
                    // the plan asks it), and what was done is kept.
                    live.confirm_quit = false;
                    live.overlay_paused = false;
                    self.send(Intent::Quit, now);
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    live.confirm_quit = false;
                    self.resume_after_overlay(now);
                }
                // A pain rating is a report too: it closes the question and is heard.
                KeyCode::Char(c) if c.is_ascii_digit() => {
                    live.confirm_quit = false;
                    self.resume_after_overlay(now);
                    self.session_key(key, now);
                }
                _ => {}
            }
            return;
        }
        let ch = match key.code {
            KeyCode::Char(c) => c,
            KeyCode::Enter => '\r',
            _ => return,
        };
        // At a rating prompt, 10 takes two keys; during the exercise a digit acts at once, and a
        // 0 just after a 1 makes it 10.
        match live.pain_entry.key_in(live.view.phase, ch, std::time::Instant::now()) {
            Typed::Rate(score) => return self.send(Intent::Pain { score }, now),
            Typed::Waiting => return,
            Typed::Other => {}
        }
        let Some(intent) = limber_app::keys::intent(ch) else {
            // A key that means nothing in a session says so, rather than seeming not to work.
            if !ch.is_control() {
                self.message = Some(format!("{ch} does nothing in a session: ? shows every key"));
            }
            return;
        };
        if intent == Intent::Quit && live.view.allowed.contains(&IntentKind::Quit) {
            live.confirm_quit = true;
            self.pause_for_overlay(now);
            return;
        }
        self.send(intent, now);
    }

    /// Whether a rating typed in a window too small to show questions may act: only while a
    /// stretch is being worked, where one above 5 stops that stretch and asks nothing (out of
    /// one, a rating above 5 asks whether to stop, a question the small window cannot show).
    pub(crate) fn rating_in_a_small_window(&self) -> bool {
        self.live.as_ref().is_some_and(|live| {
            matches!(live.view.phase, limber_core::Phase::Active { .. })
                && live.view.question.is_none()
                && !live.confirm_quit
                && live.view.allowed.contains(&IntentKind::Pain)
        })
    }

    /// Pauses a running session while the help or the quit question covers it, so that no hold
    /// runs out unseen.
    fn pause_for_overlay(&mut self, now: At) {
        let Some(live) = &self.live else { return };
        if live.overlay_paused || live.view.paused || !live.view.allowed.contains(&IntentKind::Pause) {
            return;
        }
        self.send(Intent::Pause, now);
        if let Some(live) = &mut self.live {
            live.overlay_paused = live.view.paused;
        }
    }

    /// Runs the clock again once nothing covers the session, if an overlay paused it.
    fn resume_after_overlay(&mut self, now: At) {
        let Some(live) = &mut self.live else { return };
        if !live.overlay_paused || self.help || live.confirm_quit {
            return;
        }
        live.overlay_paused = false;
        self.send(Intent::Resume, now);
    }

    /// Where the suggested routine is in the home list.
    pub(crate) fn suggested_index(&self) -> Option<usize> {
        let id = self.suggested.as_ref()?;
        self.routines().iter().position(|r| &r.id == id)
    }

    /// The routines, in content order.
    pub(crate) fn routines(&self) -> &[limber_core::Routine] {
        &self.local.app.library().routines
    }

    fn home_key(&mut self, key: KeyEvent) {
        let n = self.routines().len();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Enter | KeyCode::Char(' ') => {
                if let Some(id) = self.routines().get(self.selected).map(|r| r.id.0.clone())
                    && let Err(e) = self.start(&id)
                {
                    // Refused for safety (a day after an emergency sign): said, and the exit
                    // code says so too, as `limber run` would.
                    if e.downcast_ref::<limber_app::Error>().is_some_and(limber_app::Error::is_safety) {
                        self.stopped_for_safety = true;
                    }
                    self.message = Some(limber_app::report::sentence(&limber_app::report::error_line(e.as_ref())));
                }
            }
            KeyCode::Char('w') => self.options.wait = !self.options.wait,
            KeyCode::Char('l') => self.open(Screen::Library),
            KeyCode::Char('p') => self.open(Screen::Progress),
            KeyCode::Char('o') => self.open(Screen::Settings),
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            _ => {}
        }
    }

    fn open(&mut self, screen: Screen) {
        self.screen = screen;
        self.selected = 0;
        self.scroll = 0;
        self.message = None;
        if matches!(screen, Screen::Progress | Screen::Home) {
            self.reload();
        }
        if screen == Screen::Home {
            self.selected = self.suggested_index().unwrap_or(0);
        }
    }

    /// The stretches that pass the library filters.
    pub(crate) fn filtered(&self) -> Vec<&limber_core::Stretch> {
        let areas = self.areas();
        self.local
            .app
            .library()
            .stretches
            .iter()
            .filter(|s| match self.filters.equipment {
                None => true,
                Some(None) => s.equipment.is_empty(),
                Some(Some(e)) => s.equipment.contains(&e),
            })
            .filter(|s| self.filters.position.is_none_or(|p| s.position == p))
            .filter(|s| self.filters.area.and_then(|i| areas.get(i)).is_none_or(|a| s.targets.contains(a)))
            .map(|s| &**s)
            .collect()
    }

    /// The areas the library's stretches reach, in a stable order.
    pub(crate) fn areas(&self) -> Vec<limber_core::Area> {
        let mut areas: Vec<limber_core::Area> =
            self.local.app.library().stretches.iter().flat_map(|s| s.targets.iter().copied()).collect();
        areas.sort_by_key(|a| a.label());
        areas.dedup();
        areas
    }

    fn library_key(&mut self, key: KeyEvent) {
        let n = self.filtered().len();
        // Whatever else a key does, a new stretch or page is read from its top.
        let scroll = std::mem::take(&mut self.scroll);
        match key.code {
            KeyCode::PageDown | KeyCode::Char(' ') => {
                self.scroll = scroll.saturating_add(SCROLL_STEP).min(self.scroll_max.get()).min(MAX_SCROLL);
            }
            KeyCode::PageUp => self.scroll = scroll.min(self.scroll_max.get()).saturating_sub(SCROLL_STEP),
            KeyCode::Home => {}
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Char('e') => {
                self.filters.equipment = match self.filters.equipment {
                    None => Some(None),
                    Some(None) => Some(Some(Equipment::ALL[0])),
                    Some(Some(e)) => {
                        let i = Equipment::ALL.iter().position(|x| *x == e).unwrap_or(0);
                        Equipment::ALL.get(i + 1).map(|e| Some(*e))
                    }
                };
                self.selected = 0;
            }
            KeyCode::Char('v') => {
                self.filters.position = match self.filters.position {
                    None => Some(Position::ALL[0]),
                    Some(p) => {
                        let i = Position::ALL.iter().position(|x| *x == p).unwrap_or(0);
                        Position::ALL.get(i + 1).copied()
                    }
                };
                self.selected = 0;
            }
            KeyCode::Char('t') => {
                let count = self.areas().len();
                self.filters.area = match self.filters.area {
                    None if count > 0 => Some(0),
                    Some(i) if i + 1 < count => Some(i + 1),
                    _ => None,
                };
                self.selected = 0;
            }
            KeyCode::Char('g') => {
                self.guide = match self.guide {
                    None => Some(Guide::Precautions),
                    Some(Guide::Precautions) => Some(Guide::Tips),
                    Some(Guide::Tips) => Some(Guide::Faq),
                    Some(Guide::Faq) => Some(Guide::Source),
                    Some(Guide::Source) => None,
                };
            }
            // Esc closes the guide first, then the library.
            KeyCode::Esc if self.guide.is_some() => self.guide = None,
            KeyCode::Esc | KeyCode::Char('q' | 'h') => {
                self.guide = None;
                self.open(Screen::Home);
            }
            _ => {}
        }
    }

    fn summary_key(&mut self, key: KeyEvent) {
        match key.code {
            // A small window shows part of it: the rest (what was saved, the trend's advice) is
            // a page down.
            KeyCode::PageDown | KeyCode::Char(' ') | KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = self.scroll.saturating_add(SCROLL_STEP).min(self.scroll_max.get()).min(MAX_SCROLL);
            }
            KeyCode::PageUp | KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.min(self.scroll_max.get()).saturating_sub(SCROLL_STEP);
            }
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('p') => self.open(Screen::Progress),
            // Home, where the next session starts; progress is one key away (p).
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('h') => self.open(Screen::Home),
            _ => {}
        }
    }

    fn progress_key(&mut self, key: KeyEvent) {
        let n = self.stats.as_ref().map_or(0, |s| s.holds.len());
        // Any key but a second `c` keeps the stretch set aside.
        let asked = self.clear_asked.take();
        if asked.is_some() && key.code != KeyCode::Char('c') {
            self.message = Some("Kept set aside.".to_owned());
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Char('c') => self.clear_selected_flag(asked),
            KeyCode::Esc | KeyCode::Char('q' | 'h') | KeyCode::Enter => self.open(Screen::Home),
            _ => {}
        }
    }

    /// Clears the selected stretch's sharp-pain flag once asked twice (`asked`: the stretch the
    /// press before asked about).
    fn clear_selected_flag(&mut self, asked: Option<limber_core::StretchId>) {
        let Some(hold) = self.stats.as_ref().and_then(|s| s.holds.get(self.selected)) else { return };
        if !hold.flagged {
            self.message = Some("That stretch is not set aside.".to_owned());
            return;
        }
        let id = hold.stretch.clone();
        if asked.as_ref() != Some(&id) {
            self.message = Some(format!(
                "Include {} in plans again? Only once it no longer hurts. Press c again to clear it; any other key keeps it set aside.",
                hold_name(self, &id)
            ));
            self.clear_asked = Some(id);
            return;
        }
        let local = &self.local;
        self.message = Some(match local.block_on(local.app.clear_flag(local.user, id.as_str())) {
            Ok(_) => format!("Cleared: plans include {} again.", hold_name(self, &id)),
            Err(e) => format!("could not clear the flag: {e}"),
        });
        let message = self.message.take();
        self.reload();
        self.message = message;
    }

    /// The settings rows, as (label, value) pairs.
    pub(crate) fn settings_rows(&self) -> Vec<(String, String)> {
        let p = &self.profile;
        let on = |b: bool| if b { "[x] yes" } else { "[ ] no" }.to_owned();
        let mut rows = Vec::new();
        for e in Equipment::ALL {
            rows.push((format!("Equipment: {}", e.label()), on(p.equipment.contains(&e))));
        }
        for pos in Position::ALL {
            rows.push((format!("Avoid {}", pos.label()), on(p.avoid.contains(&pos))));
        }
        rows.push(("Sessions per week".to_owned(), format!("◀ {} ▶", p.weekly_goal)));
        rows.push(("Speak cues".to_owned(), on(p.voice)));
        rows.push(("Sound (bell at holds)".to_owned(), on(p.sound)));
        rows
    }

    fn settings_key(&mut self, key: KeyEvent) {
        let n = self.settings_rows().len();
        let goal_row = Equipment::ALL.len() + Position::ALL.len();
        let mut change = ProfileChange::default();
        // A change starts from the profile as stored now, not as this screen loaded it: one
        // made meanwhile elsewhere (the page, `limber profile`) is kept, not written over.
        if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ' | '-' | '+') | KeyCode::Left | KeyCode::Right) {
            let local = &self.local;
            if let Ok((profile, _)) = local.block_on(local.app.profile(local.user)) {
                self.profile = profile;
            }
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            // At either end of the goals there are, the key does nothing.
            KeyCode::Left | KeyCode::Char('-') if self.selected == goal_row => {
                let goal = self.profile.weekly_goal.saturating_sub(1);
                change.weekly_goal = limber_app::WEEKLY_GOALS.contains(&goal).then_some(goal);
            }
            KeyCode::Right | KeyCode::Char('+') if self.selected == goal_row => {
                let goal = self.profile.weekly_goal.saturating_add(1);
                change.weekly_goal = limber_app::WEEKLY_GOALS.contains(&goal).then_some(goal);
            }
            KeyCode::Enter | KeyCode::Char(' ') => {
                let i = self.selected;
                if let Some(e) = Equipment::ALL.get(i) {
                    let mut list = self.profile.equipment.clone();
                    toggle(&mut list, *e);
                    change.equipment = Some(list);
                } else if let Some(p) = Position::ALL.get(i - Equipment::ALL.len()) {
                    let mut list = self.profile.avoid.clone();
                    toggle(&mut list, *p);
                    change.avoid = Some(list);
                } else if i == goal_row + 1 {
                    change.voice = Some(!self.profile.voice);
                } else if i == goal_row + 2 {
                    change.sound = Some(!self.profile.sound);
                }
            }
            KeyCode::Esc | KeyCode::Char('q' | 'h') => {
                self.open(Screen::Home);
                return;
            }
            _ => return,
        }
        if !change.is_empty() {
            let voice_on = change.voice == Some(true);
            let local = &self.local;
            match local.block_on(local.app.update_profile(local.user, change)) {
                Ok(profile) => {
                    self.voice_wanted = profile.voice;
                    self.profile = profile;
                    // Speech turned on where there is no voice: said now, not at the first cue.
                    let missing = (voice_on && self.voice.is_none()).then(Voice::find).and_then(Result::err);
                    self.message = Some(match missing {
                        Some(e) => format!("Saved. {}", no_voice(&e)),
                        None => "Saved.".to_owned(),
                    });
                }
                Err(e) => self.message = Some(format!("could not save your profile: {e}")),
            }
        }
    }
}

/// Why cues will not be spoken, and what to do, in a line.
fn no_voice(e: &limber_app::speech::SpeechError) -> String {
    match e {
        limber_app::speech::SpeechError::NoneFound => {
            "No voice: install espeak-ng or set LIMBER_SPEAK; cues are shown, not spoken.".to_owned()
        }
        e => format!("No voice: {e}; cues are shown, not spoken."),
    }
}

fn toggle<T: PartialEq + Copy>(list: &mut Vec<T>, item: T) {
    if let Some(i) = list.iter().position(|x| *x == item) {
        list.remove(i);
    } else {
        list.push(item);
    }
}

fn hold_name(app: &App, id: &limber_core::StretchId) -> String {
    app.local.app.library().stretch_name(id)
}
