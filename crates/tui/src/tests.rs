//! Screens rendered through ratatui's `TestBackend` and snapshotted, and the state's answers to keys and time.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use limber_core::{At, Intent, Phase, StopReason};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::{App, Screen, SessionOptions};
use crate::ui;

/// A TUI over a fresh data directory (kept alive by the returned guard).
fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let local = limber_app::local::Local::open(None, Some(dir.path())).expect("open");
    let options = SessionOptions { no_warm_up: true, speed: 1.0, ..SessionOptions::default() };
    let mut app = App::new(local, options, true, Some(false)).expect("app");
    app.no_color = true;
    (app, dir)
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, app)).expect("draw");
    terminal.backend().to_string()
}

/// Snapshots `app` at 80×24 and 120×40.
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), render(app, 120, 40));
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn phase(app: &App) -> Option<Phase> {
    app.live.as_ref().map(|l| l.view.phase)
}

fn at(app: &App) -> At {
    app.live.as_ref().map_or(At::ZERO, |l| l.view.at)
}

/// Starts `routine` and answers the first 12 safety questions no, up to the last (asked the
/// other way round: a yes leaves nothing flagged).
fn to_the_last_question(app: &mut App, routine: &str) {
    app.start(routine).expect("start");
    for _ in 0..12 {
        app.send(Intent::No, At::ZERO);
    }
}

/// Starts the desk routine and answers the screening so that nothing is flagged.
fn desk(app: &mut App) {
    to_the_last_question(app, "desk");
    app.send(Intent::Yes, At::ZERO);
}

/// Jumps from deadline to deadline until `done` holds, like a fake clock.
fn run_until(app: &mut App, done: impl Fn(&App) -> bool) {
    for _ in 0..500 {
        if done(app) {
            return;
        }
        let next = app.live.as_ref().and_then(|l| l.session.next_deadline()).expect("a deadline");
        app.tick(next);
    }
    panic!("never reached");
}

fn in_hold(app: &App) -> bool {
    matches!(phase(app), Some(Phase::Active { .. }))
}

#[test]
fn home_lists_the_routines_and_the_week() {
    let (app, _dir) = app();
    let text = render(&app, 80, 24);
    assert!(text.contains("Seated desk break"), "{text}");
    assert!(text.contains("0 of 3 sessions this week"), "{text}");
    snap("home", &app);
}

#[test]
fn a_small_window_says_how_many_routines_are_out_of_sight() {
    let (mut app, _dir) = app();
    app.selected = 0;
    let text = render(&app, 60, 20);
    assert!(text.contains("↓ 2 more") && !text.contains("↑ 2 more"), "{text}");
    // Moved down to the last, the first is above (the two shorter ones fit together).
    app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    let text = render(&app, 60, 20);
    assert!(text.contains("↑ 1 more") && !text.contains(" more ┘"), "{text}");
    // With room for all, nothing is said.
    assert!(!render(&app, 120, 40).contains(" more "), "all three fit");
}

#[test]
fn screening_is_a_dialog_with_only_yes_and_no() {
    let (mut app, _dir) = app();
    app.start("desk").expect("start");
    let text = render(&app, 80, 24);
    assert!(text.contains("Safety question 1 of 13"), "{text}");
    assert!(!text.contains("pause"), "no pause key while a question waits:\n{text}");
    snap("screening", &app);
}

#[test]
fn the_question_asked_the_other_way_round_says_so_in_its_dialog() {
    let (mut app, _dir) = app();
    to_the_last_question(&mut app, "desk");
    let text = render(&app, 80, 24);
    assert!(text.contains("Safety question 13 of 13"), "{text}");
    // Whole, however it wraps.
    let words: String = text
        .split(|c: char| c.is_whitespace() || c == '│' || c == '"')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("(careful, this one is asked the other way round from the ones before it)"), "{text}");
}

#[test]
fn pain_before_is_a_dialog() {
    let (mut app, _dir) = app();
    desk(&mut app);
    assert_eq!(phase(&app), Some(Phase::PainBefore));
    let text = render(&app, 80, 24);
    assert!(text.contains("enter  no rating"), "{text}");
    assert!(!text.contains("s  skip"), "one key to go on without a rating:\n{text}");
    snap("pain_before", &app);
}

#[test]
fn the_hold_shows_big_digits_gauge_side_and_keys() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, |a| in_hold(a) && a.live.as_ref().is_some_and(|l| l.view.side.is_some()));
    let start = at(&app);
    app.tick(At(start.0 + Duration::from_millis(4_300)));
    let text = render(&app, 80, 24);
    assert!(text.contains("HOLD"), "{text}");
    assert!(text.contains("stretch 3 of 4"), "{text}");
    assert!(text.contains("left side") || text.contains("right side"), "{text}");
    assert!(text.contains("HOLD · LEFT") || text.contains("HOLD · RIGHT"), "the side in the word:\n{text}");
    assert!(text.contains("█"), "big digits and gauge:\n{text}");
    assert!(text.contains("SHARP PAIN"), "{text}");
    assert!(!text.contains("enter  start"), "Enter does nothing during a hold:\n{text}");
    snap("hold", &app);
}

#[test]
fn the_get_ready_count_and_the_switch_of_sides_are_distinct_moments() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, |a| matches!(phase(a), Some(Phase::GetReady { .. })));
    assert!(render(&app, 80, 24).contains("GET READY"));
    snap("get_ready", &app);
    run_until(&mut app, |a| a.live.as_ref().is_some_and(|l| l.view.switch_to.is_some()));
    let text = render(&app, 80, 24);
    assert!(text.contains("SWITCH → LEFT"), "{text}");
    // The steps are written for the right side: on the left the panel says how that side goes.
    assert!(text.contains("LEFT SIDE: Turn to the left"), "{text}");
    // With the side big, the stretch and the side are still named under the whole label.
    let text = render(&app, 120, 40);
    assert!(text.contains("SWITCH → LEFT") && text.contains("Seated twist · left side"), "{text}");
    snap("switch_sides", &app);
}

#[test]
fn a_rest_between_two_holds_says_what_to_do_meanwhile() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    // The seated extension's rest between its first and second holds.
    run_until(&mut app, |a| a.live.as_ref().is_some_and(|l| l.view.between_holds.is_some()));
    assert!(matches!(phase(&app), Some(Phase::Rest { next_hold: 1, .. })), "{:?}", phase(&app));
    let text = render(&app, 120, 40);
    assert!(text.contains("Meanwhile: Straighten up slowly until you sit upright again"), "{text}");
    // A small window, with room for little more than the countdown, still says it.
    let text = render(&app, 50, 15);
    assert!(text.contains("Meanwhile: Straighten up"), "{text}");
    // The hold after it says nothing of the kind.
    run_until(&mut app, in_hold);
    let text = render(&app, 120, 40);
    assert!(!text.contains("Meanwhile:"), "{text}");
}

#[test]
fn what_to_do_now_is_big_as_far_as_it_fits_and_a_switch_keeps_its_side_big() {
    use crate::ui::big_label;
    assert_eq!(big_label("HOLD · LEFT", 80).as_deref(), Some("HOLD LEFT"));
    assert_eq!(big_label("HOLD · LEFT", 64).as_deref(), Some("HOLD"));
    assert_eq!(big_label("SWITCH → LEFT", 120).as_deref(), Some("SWITCH TO LEFT"));
    // About 120 columns give the left pane 64: the side to go to, big.
    assert_eq!(big_label("SWITCH → RIGHT", 64).as_deref(), Some("RIGHT"));
    assert_eq!(big_label("GET INTO POSITION", 64), None);
    assert_eq!(big_label("HOLD", 20), None);
}

#[test]
fn the_newest_cue_is_in_full_weight_and_older_ones_fade() {
    use ratatui::style::Modifier;
    let (mut app, _dir) = app();
    app.no_color = false;
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, &app)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let live = app.live.as_ref().expect("a session");
    let shown: Vec<_> =
        live.cues.iter().filter(|c| !matches!(c.kind, limber_core::CueKind::Countdown { .. })).collect();
    let (newest, older) = (shown[shown.len() - 1], shown[shown.len() - 2]);
    // The row where a cue's first words are drawn, and whether they are drawn faint.
    let dim_at = |text: &str| {
        let start: String = text.chars().take(20).collect();
        (0..buffer.area.height)
            .find_map(|y| {
                let row: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
                let x = row.find(&start)?;
                let x = u16::try_from(row[..x].chars().count()).ok()?;
                Some(buffer[(x, y)].modifier.contains(Modifier::DIM))
            })
            .unwrap_or_else(|| panic!("{text:?} on screen"))
    };
    assert!(!dim_at(&newest.text), "the newest cue is not faint: {}", newest.text);
    assert!(dim_at(&older.text), "an older cue is: {}", older.text);
}

#[test]
fn a_long_notice_wraps_instead_of_stopping_mid_sentence() {
    let (mut app, _dir) = app();
    desk(&mut app);
    let notice = "Seated thoracic extension caused sharp pain before and is set aside until you clear it in Progress.";
    app.message = Some(notice.to_owned());
    let text = render(&app, 60, 20);
    assert!(text.contains("clear it in Progress."), "the end of the notice is on screen:\n{text}");
}

#[test]
fn pause_shows_paused_and_only_the_keys_that_apply() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key(' '), now);
    let text = render(&app, 80, 24);
    assert!(text.contains("PAUSED"), "{text}");
    assert!(text.contains("space  resume"), "{text}");
    assert!(!text.contains("a  swap"), "{text}");
    // Paused, the countdown does not move, so nothing needs redrawing on its account.
    let (_, change_due) = app.wait(At(now.0 + Duration::from_secs(5)));
    assert!(!change_due);
    snap("paused", &app);
}

#[test]
fn the_wait_ends_at_the_next_whole_second_of_the_countdown() {
    let (mut app, _dir) = app();
    app.options.no_animation = true;
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = At(at(&app).0 + Duration::from_millis(1_700));
    app.tick(now);
    // 1.7 s into a hold of whole seconds, the shown number changes 0.3 s from now.
    let (wait, change_due) = app.wait(now);
    assert!(change_due);
    assert_eq!(wait, Duration::from_millis(300));
    // At ten times the speed, the same change is ten times nearer in real time.
    if let Some(live) = &mut app.live {
        live.clock = limber_app::clock::Clock::start(10.0);
    }
    assert_eq!(app.wait(now).0, Duration::from_millis(30));
    // Asked 0.2 s after the view was taken, the change is 0.1 s away.
    assert_eq!(app.wait(At(now.0 + Duration::from_millis(200))).0, Duration::from_millis(10));
}

#[test]
fn the_figure_is_redrawn_while_it_eases_into_a_hold_and_not_once_it_is_still() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    let extension = |a: &App| {
        in_hold(a)
            && a.live
                .as_ref()
                .and_then(|l| l.view.stretch.as_ref())
                .is_some_and(|s| s.as_str() == "seated-thoracic-extension")
    };
    run_until(&mut app, extension);
    let start = at(&app);
    app.tick(At(start.0 + Duration::from_millis(1_000)));
    let early = render(&app, 80, 24);
    assert_eq!(app.wait(at(&app)), (crate::app::FRAME, true));
    app.tick(At(start.0 + Duration::from_millis(4_100)));
    assert!(app.wait(at(&app)).0 > crate::app::FRAME, "a settled hold waits for the countdown");
    assert_ne!(early, render(&app, 80, 24), "the figure moved");
    snap("hold_settled", &app);
    // --no-animation: the held pose at once, so no frames while the figure would be easing.
    let (mut still, _still_dir) = self::app();
    still.options.no_animation = true;
    desk(&mut still);
    still.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut still, extension);
    let start = at(&still);
    still.tick(At(start.0 + Duration::from_millis(1_000)));
    let (wait, _) = still.wait(at(&still));
    assert!(wait > crate::app::FRAME, "no frames in between: the next draw waits {wait:?}");
}

#[test]
fn quit_asks_first_and_keeps_what_was_done() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key('q'), now);
    assert!(app.live.as_ref().is_some_and(|l| l.confirm_quit));
    snap("confirm_quit", &app);
    app.on_key(key('n'), now);
    assert!(in_hold(&app), "n carries on");
    // A rating pressed under the question closes it and is heard.
    app.on_key(key('q'), now);
    app.on_key(key('4'), now);
    assert!(app.live.as_ref().is_some_and(|l| !l.confirm_quit), "the rating closed the question");
    let record = |app: &App| app.live.as_ref().and_then(|l| l.session.view().number).expect("on a stretch");
    let n = record(&app);
    assert!(
        app.live.as_ref().is_some_and(|l| l.cues.iter().any(|c| c.text.contains("4 out of 10"))),
        "the 4 was noted on stretch {n}"
    );
    app.on_key(key('q'), now);
    app.on_key(key('y'), now);
    // The rating after is asked, as `limber` asks it when q ends a session.
    assert_eq!(phase(&app), Some(Phase::PainAfter));
    app.on_key(key('2'), now);
    assert_eq!(app.screen, Screen::Summary);
    let (finished, _) = app.finished.as_ref().expect("finished");
    assert_eq!(finished.summary.stopped, Some(StopReason::Aborted));
    assert_eq!(finished.summary.pain_after, Some(2));
    assert!(finished.saved);
    assert!(!app.stopped_for_safety);
    let history = app.local.block_on(app.local.app.sessions(app.local.user, None)).expect("history");
    assert_eq!(history.len(), 1);
}

#[test]
fn the_help_and_the_quit_question_pause_a_hold_and_give_it_back_whole() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let left = |app: &App| app.live.as_ref().and_then(|l| l.view.remaining_ms).expect("a countdown");
    let paused = |app: &App| app.live.as_ref().is_some_and(|l| l.view.paused);
    let before = left(&app);
    let mut now = at(&app);
    for (open, close) in [('q', 'n'), ('?', 'z')] {
        app.on_key(key(open), now);
        assert!(paused(&app), "`{open}` pauses the hold under it");
        // Longer than any hold: it must not run out unseen.
        now = now + std::time::Duration::from_secs(90);
        app.tick(now);
        assert!(in_hold(&app) && left(&app) == before, "the hold waits under `{open}`");
        app.on_key(key(close), now);
        assert!(!paused(&app) && in_hold(&app), "`{close}` closes `{open}` and the hold runs again");
        assert_eq!(left(&app), before);
    }
    // A hold paused by hand stays paused after the help closes.
    app.on_key(key(' '), now);
    app.on_key(key('?'), now);
    app.on_key(key('z'), now);
    assert!(paused(&app), "still paused by hand");
}

#[test]
fn no_clinician_yet_ends_on_the_advice_with_the_answers_kept() {
    let (mut app, _dir) = app();
    app.start("desk").expect("start");
    for _ in 0..13 {
        app.on_key(key('n'), At::ZERO);
    }
    assert_eq!(app.screen, Screen::Summary);
    let text = render(&app, 80, 24);
    assert!(text.contains("Session stopped: see a clinician"), "{text}");
    assert!(text.contains("have a doctor or physiotherapist look at this pain"), "{text}");
    assert!(text.contains("your answers to the safety questions are saved"), "{text}");
    assert!(!text.contains("not reached") && !text.contains("Stretching time"), "no stretch list:\n{text}");
}

#[test]
fn the_countdown_doubles_in_a_big_window() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    // Rows of block pixels in the left column: the digits' rows (and the gauge's one).
    let tall = |text: &str| text.lines().filter(|l| l.chars().take(40).any(|c| c == '█')).count();
    let small = tall(&render(&app, 80, 24));
    let big = tall(&render(&app, 120, 40));
    assert!((6..=9).contains(&small), "the big digits' rows at 80×24, not {small}");
    assert!(big >= 2 * small - 1, "twice the rows at 120×40: {big} against {small}");
    insta::assert_snapshot!("hold_doubled_120x40", render(&app, 120, 40));
}

#[test]
fn ten_is_typed_as_one_then_zero_at_the_pain_prompt() {
    let (mut app, _dir) = app();
    desk(&mut app);
    assert_eq!(phase(&app), Some(Phase::PainBefore));
    app.on_key(key('1'), At::ZERO);
    assert_eq!(phase(&app), Some(Phase::PainBefore), "a 1 waits for the next key");
    let text = render(&app, 80, 24);
    assert!(text.contains("press 0 to make it 10"), "{text}");
    // The dialog's keys agree: Enter keeps the 1, 0 makes it 10 (not "no rating").
    assert!(text.contains("keep 1") && text.contains("make it 10") && !text.contains("no rating"), "{text}");
    app.on_key(key('0'), At::ZERO);
    // That much pain before starting: asked whether to stop for today; n carries on.
    assert_eq!(phase(&app), Some(Phase::PainBefore));
    let text = render(&app, 80, 24);
    assert!(text.contains("stop for today?") && text.contains("10 out of 10"), "{text}");
    insta::assert_snapshot!("asked_to_stop_before_80x24", text);
    app.on_key(key('n'), At::ZERO);
    assert_ne!(phase(&app), Some(Phase::PainBefore));
    app.quit_session(At::ZERO);
    let (finished, _) = app.finished.as_ref().expect("finished");
    assert_eq!(finished.summary.pain_before, Some(10));
}

#[test]
fn ten_typed_during_a_hold_is_ten_not_one_then_zero() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key('1'), now);
    app.on_key(key('0'), now);
    let live = app.live.as_ref().expect("live");
    let said: Vec<&str> = live.cues.iter().map(|c| c.text.as_str()).collect();
    assert!(said.iter().any(|t| t.starts_with("10 out of 10 is too much")), "{said:?}");
    assert!(!said.iter().any(|t| t.contains("no pain")), "not taken as 1 then 0: {said:?}");
}

#[test]
fn the_steps_scroll_to_the_current_one_in_a_small_window() {
    let (mut app, _dir) = app();
    to_the_last_question(&mut app, "full");
    app.send(Intent::Yes, At::ZERO);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    // The last step of a stretch with many (thread the needle has seven).
    let last_step = |a: &App| {
        a.live.as_ref().is_some_and(|l| l.view.steps.len() >= 7 && l.view.step == Some(l.view.steps.len() - 1))
    };
    run_until(&mut app, last_step);
    let n = app.live.as_ref().map_or(0, |l| l.view.steps.len());
    let text = render(&app, 80, 24);
    assert!(text.contains(&format!("▶ {n}.")), "step {n} is not in view:\n{text}");
}

#[test]
fn a_reply_to_a_high_rating_stays_on_screen_while_the_next_cues_come() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    app.send(Intent::Pain { score: 7 }, at(&app));
    let reply = app.live.as_ref().and_then(|l| l.cues.iter().rev().find(|c| c.kind == limber_core::CueKind::TooMuch));
    let reply = reply.expect("a reply to 7 out of 10").text.clone();
    // A few cues later (what comes next, its first step), the reply still shows.
    let last = |a: &App| a.live.as_ref().and_then(|l| l.cues.last()).map_or(0, |c| c.seq);
    let seen = last(&app);
    run_until(&mut app, |a| last(a) >= seen + 3);
    let start: String = reply.chars().take(30).collect();
    let text = render(&app, 120, 40);
    assert!(text.contains(&start), "{start:?} is gone:\n{text}");
}

#[test]
fn sharp_pain_stops_at_once_and_the_summary_gives_the_advice() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key('x'), now);
    // The stop and its advice show at once, above the pain rating the session then asks for.
    let text = render(&app, 80, 24);
    assert!(text.contains("STOPPED") && text.contains("Stopped for your safety"), "{text}");
    assert!(text.contains("Sharp or intense pain means stop"), "{text}");
    snap("stopped_then_pain_after", &app);
    // Stored at the press (once the stop is drawn), before the rating after and the save.
    app.store_set_aside();
    let (_, flagged) = app.local.block_on(app.local.app.profile(app.local.user)).expect("profile");
    assert_eq!(flagged.len(), 1, "set aside at once");
    // q asks about leaving the rating, not about carrying on with a session already stopped.
    app.on_key(key('q'), now);
    let text = render(&app, 80, 24);
    assert!(text.contains("Leave without rating your pain now?") && !text.contains("carry on"), "{text}");
    app.on_key(key('n'), now);
    // Sharp pain pressed again at the rating after: heard again, said once on the summary.
    app.on_key(key('x'), now);
    // Enter leaves the pain after unrated.
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(app.screen, Screen::Summary);
    assert!(app.stopped_for_safety);
    // The advice once, not once per alert said in the session.
    let text = render(&app, 120, 40);
    assert_eq!(text.matches("Sharp or intense pain means stop").count(), 1, "{text}");
    // Which stretch is set aside is said once too, and then where to clear it; everything fits,
    // so there is no PgDn to press.
    assert_eq!(text.matches("is set aside").count(), 1, "{text}");
    assert!(text.contains("clear it in Progress") && !text.contains("PgDn"), "{text}");
    let text = render(&app, 80, 24);
    assert!(text.contains("stopped: sharp pain"), "{text}");
    assert!(text.contains("Sharp or intense pain means stop"), "{text}");
    snap("summary_sharp_pain", &app);

    // Progress shows the flag, and c clears it in the store.
    app.on_key(key('p'), now);
    assert_eq!(app.screen, Screen::Progress);
    let row = app.stats.as_ref().and_then(|s| s.holds.iter().position(|h| h.flagged)).expect("a flagged stretch");
    let text = render(&app, 120, 40);
    assert!(text.contains("SET ASIDE"), "{text}");
    // Whole at 80×24 too, not cut at the window's edge.
    let small = render(&app, 80, 24);
    assert!(small.contains("SET ASIDE after sharp pain — c twice clears"), "{small}");
    snap("progress", &app);
    app.selected = row;
    // One press asks (in a session the same key means "comfortable"); another key keeps it.
    let flagged_now = |app: &App| app.local.block_on(app.local.app.profile(app.local.user)).expect("profile").1;
    app.on_key(key('c'), now);
    // The whole question shows, wrapped at words, not cut off at the screen's edge.
    let asked = render(&app, 120, 40);
    assert!(asked.contains("Press c again to clear it") && asked.contains("set aside."), "{asked}");
    app.on_key(key('j'), now);
    app.selected = row;
    app.on_key(key('c'), now);
    assert_eq!(flagged_now(&app).len(), 1, "asked, not cleared");
    app.on_key(key('c'), now);
    assert!(flagged_now(&app).is_empty(), "cleared: {:?}", flagged_now(&app));
}

#[test]
fn a_summary_too_long_for_the_window_scrolls_to_what_was_saved() {
    let (mut app, _dir) = app();
    app.start("full").expect("start");
    for _ in 0..12 {
        app.on_key(key('n'), At::ZERO);
    }
    app.on_key(key('y'), At::ZERO);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key('x'), now);
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(app.screen, Screen::Summary);
    let saved = app.finished.as_ref().map(|(f, _)| f.saved_line()).expect("finished");
    let start: String = saved.chars().take(20).collect();
    let flat = |app: &App| render(app, ui::MIN_SIZE.0, ui::MIN_SIZE.1).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat(&app).contains("more: PgDn") && !flat(&app).contains(&start), "{}", flat(&app));
    for _ in 0..10 {
        if flat(&app).contains(&start) {
            break;
        }
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), now);
    }
    assert!(flat(&app).contains(&start), "{start:?} never shows:\n{}", flat(&app));
}

#[test]
fn library_filters_by_equipment_and_shows_a_stretch() {
    let (mut app, _dir) = app();
    app.on_key(key('l'), At::ZERO);
    assert_eq!(app.screen, Screen::Library);
    let all = app.filtered().len();
    snap("library", &app);
    app.on_key(key('e'), At::ZERO); // no equipment
    let none = app.filtered();
    assert!(none.len() < all && none.iter().all(|s| s.equipment.is_empty()));
    app.on_key(key('g'), At::ZERO);
    assert!(render(&app, 80, 24).contains("Precautions"));
    // The source page ends with what the article says of mid-back pain, down to the
    // "general guidance" disclaimer.
    for _ in 0..3 {
        app.on_key(key('g'), At::ZERO);
    }
    assert_eq!(app.guide, Some(crate::app::Guide::Source));
    for _ in 0..40 {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), At::ZERO);
    }
    let flat = render(&app, 120, 40).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("This is general guidance"), "{flat}");
    // Esc closes the guide and stays in the library; a second Esc goes home.
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), At::ZERO);
    assert_eq!((app.screen, app.guide), (Screen::Library, None));
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), At::ZERO);
    assert_eq!(app.screen, Screen::Home);
}

#[test]
fn settings_save_the_profile_as_the_cli_does() {
    let (mut app, _dir) = app();
    app.on_key(key('o'), At::ZERO);
    let goal = app.profile.weekly_goal;
    let goal_row = app.settings_rows().iter().position(|(l, _)| l == "Sessions per week").expect("row");
    for _ in 0..goal_row {
        app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    }
    app.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE), At::ZERO);
    let (stored, _) = app.local.block_on(app.local.app.profile(app.local.user)).expect("profile");
    assert_eq!(stored.weekly_goal, goal + 1);
    snap("settings", &app);
    // Sound is a setting too: turned off, it is stored as the CLI stores it.
    let sound_row = app.settings_rows().iter().position(|(l, _)| l.starts_with("Sound")).expect("row");
    for _ in goal_row..sound_row {
        app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), At::ZERO);
    let (stored, _) = app.local.block_on(app.local.app.profile(app.local.user)).expect("profile");
    assert!(!stored.sound, "the bell is off");
    // Equipment changed elsewhere meanwhile (`limber profile --equipment towel`), then a foam
    // roller ticked here: both stand, the first not written over by what this screen loaded.
    use limber_core::Equipment;
    let towel = limber_app::ProfileChange { equipment: Some(vec![Equipment::Towel]), ..Default::default() };
    app.local.block_on(app.local.app.update_profile(app.local.user, towel)).expect("changed elsewhere");
    app.selected = Equipment::ALL.iter().position(|e| *e == Equipment::FoamRoller).expect("a row");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), At::ZERO);
    let (stored, _) = app.local.block_on(app.local.app.profile(app.local.user)).expect("profile");
    // (The chair, which the change elsewhere took out, stays out.)
    let mut expected = vec![Equipment::Towel, Equipment::FoamRoller];
    expected.sort();
    assert_eq!(stored.equipment, expected);
}

#[test]
fn the_weekly_goal_stays_within_its_range_at_either_end() {
    let (mut app, _dir) = app();
    app.on_key(key('o'), At::ZERO);
    let goal_row = app.settings_rows().iter().position(|(l, _)| l == "Sessions per week").expect("row");
    for _ in 0..goal_row {
        app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    }
    let stored = |app: &App| app.local.block_on(app.local.app.profile(app.local.user)).expect("profile").0.weekly_goal;
    for (key, end) in [(KeyCode::Left, 1), (KeyCode::Right, 14)] {
        for _ in 0..20 {
            app.on_key(KeyEvent::new(key, KeyModifiers::NONE), At::ZERO);
        }
        assert_eq!(stored(&app), end);
        let said = app.message.clone().unwrap_or_default();
        assert!(!said.contains("could not"), "{said}");
    }
}

#[test]
fn sharp_pain_and_chest_pain_get_through_the_help_and_the_quit_question() {
    for (open, report, reason) in
        [('?', 'x', StopReason::SharpPain), ('q', 'x', StopReason::SharpPain), ('?', 'e', StopReason::Emergency)]
    {
        let (mut app, _dir) = app();
        desk(&mut app);
        app.send(Intent::Pain { score: 3 }, At::ZERO);
        run_until(&mut app, in_hold);
        let now = at(&app);
        app.on_key(key(open), now);
        assert!(app.help || app.live.as_ref().is_some_and(|l| l.confirm_quit), "{open} opens something");
        app.on_key(key(report), now);
        if report == 'e' {
            // The first asks; the second reports.
            assert!(app.live.as_ref().is_some_and(|l| l.session.summary().is_none()), "one e stops nothing");
            app.on_key(key(report), now);
        }
        assert!(!app.help, "{open} then {report}: the help is closed");
        // Sharp pain still asks for the pain after; an emergency ends at once on the summary.
        let stopped = match app.live.as_ref() {
            Some(live) => {
                assert!(!live.confirm_quit, "{open} then {report}: the quit question is closed");
                live.cues.iter().find_map(|c| match c.kind {
                    limber_core::CueKind::Stopped { reason } => Some(reason),
                    _ => None,
                })
            }
            None => app.finished.as_ref().and_then(|(f, _)| f.summary.stopped),
        };
        assert_eq!(stopped, Some(reason), "{open} then {report}");
    }
}

#[test]
fn help_lists_every_key_and_any_key_closes_it() {
    let (mut app, _dir) = app();
    app.on_key(key('?'), At::ZERO);
    let text = render(&app, 80, 24);
    for hinted in ["SHARP PAIN", "chest pain", "pause or resume", "rate your pain", "10: press 1, then 0"] {
        assert!(text.contains(hinted), "{hinted}:\n{text}");
    }
    // Enter counts in whether or not the session waits for it (w, --wait).
    assert!(!text.contains("--wait"), "{text}");
    snap("help", &app);
    app.on_key(key('z'), At::ZERO);
    assert!(!app.help);
}

#[test]
fn a_voice_not_found_is_said_beside_what_the_plan_changed() {
    let (mut app, _dir) = app();
    app.voice_wanted = true;
    // With no foam roller (a new profile), the full routine plans a stand-in: its note shows, and
    // so does the missing voice, where there is none (the machine's own voice, if any, speaks).
    app.start("full").expect("start");
    let notes = app.live.as_ref().and_then(|l| l.notes_now()).unwrap_or_default().to_owned();
    assert!(notes.contains("instead"), "{notes}");
    if let Err(e) = limber_app::speech::Voice::find() {
        assert!(notes.contains("No voice") && notes.contains("not spoken"), "{e}: {notes}");
    }
    // They stay through the safety questions (a key's answer does not wipe them out).
    app.on_key(key('n'), At::ZERO);
    let text = render(&app, 120, 40).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("instead"), "{text}");
    // Turning speech on in the settings says so at once too.
    app.voice_wanted = false;
    app.live = None;
    app.screen = Screen::Home;
    app.on_key(key('o'), At::ZERO);
    assert_eq!(app.screen, Screen::Settings);
    let row = app.settings_rows().iter().position(|(label, _)| label == "Speak cues").expect("the row");
    app.selected = row;
    if app.profile.voice {
        app.on_key(key(' '), At::ZERO);
    }
    app.on_key(key(' '), At::ZERO);
    assert!(app.profile.voice);
    let message = app.message.clone().unwrap_or_default();
    assert!(message.starts_with("Saved."), "{message}");
    if limber_app::speech::Voice::find().is_err() {
        assert!(message.contains("No voice"), "{message}");
    }
}

#[test]
fn a_voice_that_fails_is_said_on_screen_and_stays_there() {
    let (mut app, _dir) = app();
    desk(&mut app);
    // A speech command that is there but fails, as espeak-ng does with no sound device.
    app.voice = Some(limber_app::speech::Voice::with_command("false".to_owned(), Vec::new()));
    app.send(Intent::Pain { score: 2 }, At::ZERO);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.live.as_ref().is_some_and(|l| l.voice_failed.is_none()) {
        assert!(std::time::Instant::now() < deadline, "the failure was never said");
        let next = app.live.as_ref().and_then(|l| l.session.next_deadline()).expect("the session goes on");
        app.tick(next);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let said = app.live.as_ref().and_then(|l| l.voice_failed.clone()).expect("said");
    assert!(said.starts_with("No voice: the speech command `false` failed"), "{said}");
    // Neither a key's own answer nor 20 more cues take it off the screen, and the session goes on.
    app.on_key(key('z'), at(&app));
    for _ in 0..20 {
        let next = app.live.as_ref().and_then(|l| l.session.next_deadline()).expect("the session goes on");
        app.tick(next);
    }
    let text = render(&app, 120, 40);
    assert!(text.contains("No voice: the speech command"), "{text}");
}

#[test]
fn a_small_window_says_the_size_it_needs() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    // The smallest size that is not refused still shows the countdown and the safety key.
    let smallest = render(&app, ui::MIN_SIZE.0, ui::MIN_SIZE.1);
    // (The desk routine's first stretch is a flow: moved through, not held.)
    assert!(smallest.contains("MOVE") && smallest.contains("SHARP PAIN"), "{smallest}");
    insta::assert_snapshot!("hold_60x20", smallest);
    let text = render(&app, 40, 10);
    assert!(text.contains("60×20"), "{text}");
    assert!(text.contains("40×10"), "{text}");
    // Smaller still, the session goes on out of sight: where it is, and the safety key.
    let left = crate::ui::countdown_text(app.live.as_ref().and_then(|l| l.view.remaining_ms).expect("a countdown"));
    assert!(text.contains(&format!("MOVE {left}")) && text.contains("SHARP PAIN"), "{text}");
    // A large font's window (50×15) keeps the countdown in big digits; the safety keys come
    // first, so even a 30×6 one shows them.
    let larger_font = render(&app, 50, 15);
    assert!(larger_font.contains('▀') && larger_font.contains("MOVE"), "{larger_font}");
    let tiny = render(&app, 30, 6);
    assert!(tiny.lines().next().is_some_and(|l| l.contains("SHARP PAIN")), "{tiny}");
    assert!(!tiny.contains('▀'), "no room for big digits: {tiny}");
    // The keys line is given the rows it wraps to, whatever the width: none of it is cut.
    for width in 30..60 {
        let text = render(&app, width, 15);
        let flat = text.replace('"', " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("keeping what was done MOVE"), "{width}: {text}");
    }
    // A key that means nothing says so.
    app.too_small = false;
    app.on_key(key('z'), at(&app));
    assert!(app.message.as_deref().is_some_and(|m| m.contains("z does nothing")), "{:?}", app.message);
    // A rating acts there too (SAFETY: one above 5 stops the stretch), and its answer shows.
    app.too_small = true;
    let now = at(&app);
    app.on_key(key('7'), now);
    assert!(!in_hold(&app), "7 stopped the stretch: {:?}", phase(&app));
    let text = render(&app, 40, 10).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("7 out of 10 is too much"), "{text}");
    // Out of a stretch a rating above 5 would ask whether to stop, which this window cannot
    // show: there a rating does nothing, and the keys shown say so.
    run_until(&mut app, |a| matches!(phase(a), Some(Phase::Prepare { .. })));
    let now = at(&app);
    app.on_key(key('8'), now);
    assert!(app.live.as_ref().is_some_and(|l| l.view.question.is_none()), "nothing asked unseen");
    assert!(!render(&app, 40, 10).contains("0-9"), "{}", render(&app, 40, 10));
}

#[test]
fn a_window_too_small_to_show_a_question_lets_no_key_answer_it_unseen() {
    let (mut app, _dir) = app();
    app.start("desk").expect("start");
    app.too_small = true;
    // At the first safety question (chest pain), a stray y or n answers nothing unseen.
    app.on_key(key('y'), At::ZERO);
    app.on_key(key('n'), At::ZERO);
    app.on_key(key('3'), At::ZERO);
    assert!(matches!(phase(&app), Some(Phase::Screening { question: 0 })), "{:?}", phase(&app));
    assert!(app.live.as_ref().is_some_and(|l| l.session.log().intents.is_empty()), "nothing was answered");
    // And the window says why.
    let text = render(&app, 40, 12).replace('"', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("to answer the question (until then y, n and the digits do nothing)"), "{text}");
    // Once the window is big enough again, keys answer.
    app.too_small = false;
    app.on_key(key('n'), At::ZERO);
    assert!(matches!(phase(&app), Some(Phase::Screening { question: 1 })), "{:?}", phase(&app));
    // The safety keys act even unseen; q quits, as the small screen says.
    // A stray q does not end it unseen either; the safety keys act.
    app.too_small = true;
    app.on_key(key('q'), At::ZERO);
    assert!(!app.quit && matches!(phase(&app), Some(Phase::Screening { question: 1 })), "{:?}", phase(&app));
    app.on_key(key('e'), At::ZERO);
    assert!(matches!(phase(&app), Some(Phase::Screening { question: 1 })), "one e asks: {:?}", phase(&app));
    let asked = render(&app, 50, 15).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(asked.contains("breathlessness? Press e"), "{asked}");
    app.on_key(key('e'), At::ZERO);
    assert!(!matches!(phase(&app), Some(Phase::Screening { .. })), "chest pain stopped it: {:?}", phase(&app));
    // And its advice shows, small as the window is.
    let text = render(&app, 50, 15).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("call your local emergency number"), "{text}");
}

#[test]
fn ctrl_c_in_a_session_keeps_what_was_done_and_quits() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), now);
    assert!(app.quit);
    let history = app.local.block_on(app.local.app.sessions(app.local.user, None)).expect("history");
    assert_eq!(history.first().and_then(|r| r.stopped), Some(StopReason::Aborted));
}

#[test]
fn home_starts_on_the_suggestion_and_w_waits_before_each_stretch() {
    let (mut app, _dir) = app();
    assert_eq!(Some(app.selected), app.suggested_index());
    assert!(render(&app, 80, 24).contains("★ suggested"));
    let desk = app.routines().iter().position(|r| r.id.0 == "desk").expect("desk");
    app.selected = desk;
    app.on_key(key('w'), At::ZERO);
    let text = render(&app, 80, 24);
    assert!(text.contains("Waiting for you") && text.contains("w  hands-free"), "{text}");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), At::ZERO);
    assert_eq!(app.screen, Screen::Session);
    for _ in 0..12 {
        app.send(Intent::No, At::ZERO);
    }
    app.send(Intent::Yes, At::ZERO);
    app.send(Intent::Pain { score: 2 }, At::ZERO);
    run_until(&mut app, |a| {
        a.live
            .as_ref()
            .is_some_and(|l| l.session.next_deadline().is_none() && matches!(l.view.phase, Phase::Prepare { .. }))
    });
    let text = render(&app, 80, 24);
    assert!(text.contains("READY WHEN YOU ARE"), "{text}");
    assert!(text.contains("enter  start"), "{text}");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), at(&app));
    assert!(app.live.as_ref().is_some_and(|l| l.session.next_deadline().is_some()), "Enter starts the stretch");
}

/// A desk session in which `e` (chest pain) is pressed during the first hold.
fn chest_pain_in_a_hold(app: &mut App) {
    desk(app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(app, in_hold);
    let now = at(app);
    // Twice: a single `e` only asks.
    app.on_key(key('e'), now);
    app.on_key(key('e'), now);
    if app.screen == Screen::Session {
        // A rating may still be asked; Enter leaves it unrated.
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    }
}

#[test]
fn chest_pain_gives_the_emergency_advice() {
    let (mut app, _dir) = app();
    chest_pain_in_a_hold(&mut app);
    assert_eq!(app.screen, Screen::Summary);
    assert!(app.stopped_for_safety);
    let (finished, cues) = app.finished.as_ref().expect("finished");
    assert_eq!(finished.summary.stopped, Some(StopReason::Emergency));
    let advice = cues.iter().rfind(|c| c.sound == limber_core::Sound::Alert).expect("an alert");
    let text = render(&app, 120, 40);
    let first_words: String = advice.text.chars().take(40).collect();
    assert!(text.contains(&first_words), "{first_words}\n{text}");
    snap("summary_emergency", &app);
}

#[test]
fn after_chest_pain_a_new_session_is_refused_in_full_words_even_at_the_smallest_window() {
    let (mut app, _dir) = app();
    chest_pain_in_a_hold(&mut app);
    app.stopped_for_safety = false;
    app.screen = Screen::Home;
    app.reload();
    // Before a routine is picked, the home says so, and suggests none.
    let home = render(&app, 100, 30);
    assert!(home.contains("An emergency sign was reported at"), "{home}");
    assert!(!home.contains("Pick a routine") && !home.contains("suggested"), "{home}");
    // Nor does its key bar offer to start one.
    assert!(home.contains("why no session today") && !home.contains("enter  start"), "{home}");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), at(&app));
    assert_eq!(app.screen, Screen::Home, "no session started");
    assert!(app.stopped_for_safety, "the refusal is a safety exit (3)");
    let said = app.message.as_deref().unwrap_or_default();
    assert!(said.starts_with("An emergency sign") && said.ends_with("see a doctor now."), "as a sentence: {said}");
    let text = render(&app, 60, 20)
        .split('\n')
        .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    for words in ["no session starts until", "call your local emergency number or see a doctor now"] {
        assert!(text.contains(words), "{words}:\n{text}");
    }
}

#[test]
fn a_yes_to_chest_pain_in_the_screening_does_not_say_the_answers_are_saved() {
    let (mut app, _dir) = app();
    app.start("desk").expect("start");
    // The first question is the emergency one: chest pain or breathlessness now.
    app.send(Intent::Yes, At::ZERO);
    let now = at(&app);
    if app.screen == Screen::Session {
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    }
    assert_eq!(app.screen, Screen::Summary);
    let text = render(&app, 120, 40);
    assert!(text.contains("No more stretching today"), "{text}");
    assert!(!text.contains("answers to the safety questions are saved"), "{text}");
}

#[test]
fn the_warm_up_counts_down_with_its_own_label() {
    let (mut app, _dir) = app();
    app.options.no_warm_up = false;
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, |a| matches!(phase(a), Some(Phase::WarmUp)));
    let start = at(&app);
    app.tick(At(start.0 + Duration::from_secs(10)));
    let text = render(&app, 80, 24);
    assert!(text.contains("WARM-UP"), "{text}");
    // The gauge says the time left as the digits do, in minutes and seconds.
    let left = crate::ui::countdown_text(app.live.as_ref().and_then(|l| l.view.remaining_ms).expect("a countdown"));
    assert!(left.contains(':') && text.contains(&format!("{left} left")), "{left}: {text}");
    assert!(!text.contains(" s left"), "{text}");
    snap("warm_up", &app);
}

#[test]
fn a_rating_after_that_is_worse_brings_its_advice_to_the_summary() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 1 }, At::ZERO);
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
    let now = at(&app);
    app.on_key(key('7'), now);
    assert_eq!(app.screen, Screen::Summary);
    let text = render(&app, 80, 24).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("pain 1 → 7"), "{text}");
    assert!(text.contains("up from 1 before the session. Rest today"), "{text}");
    assert!(text.contains("see a doctor or physiotherapist"), "{text}");
}

#[test]
fn a_session_run_faster_than_real_time_is_saved_as_a_preview_that_counts_for_nothing() {
    let (mut app, _dir) = app();
    app.options.speed = 10.0;
    desk(&mut app);
    app.send(Intent::Pain { score: 2 }, At::ZERO);
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
    let now = at(&app);
    app.on_key(key('2'), now);
    assert_eq!(app.screen, Screen::Summary);
    let text = render(&app, 120, 40);
    assert!(text.contains("Saved as a preview") && text.contains("This week: 0 of 3"), "{text}");
    let history = app.local.block_on(app.local.app.sessions(app.local.user, None)).expect("history");
    assert!(history.len() == 1 && history[0].preview, "kept in history, marked: {history:?}");
    let progression = app.local.block_on(app.local.app.progression(app.local.user)).expect("progression");
    assert!(progression.values().all(|p| p.comfortable_streak == 0), "no streak begun: {progression:?}");
}

#[test]
fn holds_grow_after_comfortable_sessions_on_two_days_and_the_summary_says_so() {
    let (mut app, _dir) = app();
    // Yesterday's desk break, done hands-free: the first of the two.
    let request = limber_app::StartRequest {
        routine: "desk".into(),
        no_warm_up: true,
        pain_before: limber_core::PainPrompt::Skip,
        pain_after: limber_core::PainPrompt::Skip,
        ..limber_app::StartRequest::default()
    };
    let local = &app.local;
    let mut yesterday = local.block_on(local.app.start(local.user, &request, 0)).expect("start").session;
    // The safety questions, answered clear then.
    for _ in 0..12 {
        yesterday.handle(Intent::No, At::ZERO).expect("answered");
    }
    yesterday.handle(Intent::Yes, At::ZERO).expect("answered");
    yesterday.advance(At::secs(24 * 60 * 60));
    // (36 hours: an earlier local date even when the clocks went back in between.)
    let earlier = limber_app::when::now_ms() - 36 * 60 * 60 * 1000;
    local.block_on(local.app.finish(local.user, &yesterday, earlier, 1.0)).expect("recorded");
    // Today's, in the TUI.
    app.start("desk").expect("start");
    app.send(Intent::Pain { score: 2 }, At::ZERO);
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
    let now = at(&app);
    app.on_key(key('2'), now);
    assert_eq!(app.screen, Screen::Summary);
    let today = render(&app, 120, 40);
    assert!(today.contains("Seated thoracic extension now holds for 20 s"), "{today}");
}

#[test]
fn a_session_finished_after_pain_above_five_ends_in_rest_not_praise() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 2 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.send(Intent::Pain { score: 6 }, now);
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
    let now = at(&app);
    app.on_key(key('2'), now);
    assert_eq!(app.screen, Screen::Summary);
    let text = render(&app, 120, 40);
    assert!(text.contains("Session complete. Rest now and go easy today."), "{text}");
    assert!(!text.contains("Well done"), "{text}");
}

#[test]
fn a_whole_session_ends_in_a_summary_and_counts_for_the_week() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 4 }, At::ZERO);
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
    let now = at(&app);
    app.on_key(key('2'), now);
    assert_eq!(app.screen, Screen::Summary);
    assert!(!app.stopped_for_safety);
    let text = render(&app, 80, 24);
    assert!(text.contains("Session complete"), "{text}");
    assert!(text.contains("pain 4 → 2"), "{text}");
    assert!(text.contains("This week: 1 of 3"), "{text}");
    snap("summary_complete", &app);
    // Enter goes home, where the next session starts; progress (p) has the session in this
    // week's bar.
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(app.screen, Screen::Home);
    app.on_key(key('p'), now);
    assert_eq!(app.screen, Screen::Progress);
    assert_eq!(app.progress.weeks.last().map(|w| w.1), Some(1));
    // Back home, the suggestion has moved on from the routine just done.
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), now);
    assert_eq!(app.screen, Screen::Home);
    let suggested = app.suggested_index().and_then(|i| app.routines().get(i)).map(|r| r.id.0.clone());
    assert_ne!(suggested.as_deref(), Some("desk"));
    assert_eq!(Some(app.selected), app.suggested_index());
}

#[test]
fn no_color_leaves_every_cell_uncoloured_and_colour_is_only_added() {
    use ratatui::style::Color;
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let colours = |app: &App| {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        terminal.draw(|frame| ui::draw(frame, app)).expect("draw");
        let buffer = terminal.backend().buffer().clone();
        buffer.content().iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count()
    };
    assert_eq!(colours(&app), 0, "NO_COLOR: no colour at all");
    let plain = render(&app, 80, 24);
    app.no_color = false;
    assert!(colours(&app) > 0, "colour when allowed");
    assert_eq!(render(&app, 80, 24), plain, "the same text either way: colour carries no meaning alone");
}

#[test]
fn away_from_a_session_the_loop_only_wakes_to_check_for_signals() {
    let (app, _dir) = app();
    let (wait, change_due) = app.wait(At::ZERO);
    assert_eq!(wait, Duration::from_secs(1));
    assert!(!change_due, "nothing to redraw");
}

#[test]
fn equipment_for_today_changes_the_plan_and_the_swaps_are_announced() {
    let (mut app, _dir) = app();
    app.options.equipment = Some(Vec::new());
    app.start("full").expect("start");
    let live = app.live.as_ref().expect("a session");
    assert!(live.session.plan().items.iter().all(|i| i.choice.stretch.equipment.is_empty()), "no equipment today");
    let notes = live.notes_now().unwrap_or_default();
    assert!(notes.contains("instead") || notes.contains("left out"), "{notes}");
}

#[test]
fn a_recent_alert_keeps_a_row_above_the_newest_cue_which_always_shows() {
    use limber_core::{Cue, CueKind, Sound};
    let cue = |seq: u64, text: &str, sound: Sound| Cue {
        seq,
        at: At::ZERO,
        kind: CueKind::Noted,
        text: text.to_owned(),
        sound,
        keeps_pace: false,
    };
    let long = "Sharp or intense pain is a signal to stop: ease out of the stretch now, gently.";
    let cues = [
        cue(1, "Step 1. Sit tall.", Sound::None),
        cue(2, long, Sound::Alert),
        cue(3, "Step 2. Turn right.", Sound::None),
        cue(
            4,
            "Hold for 15 seconds — right side. Sit tall as you breathe in; turn further as you breathe out.",
            Sound::None,
        ),
    ];
    let shown: Vec<&Cue> = cues.iter().collect();
    let seqs = |r: &ui::RecentCues| r.newest.iter().map(|c| c.seq).collect::<Vec<_>>();
    // Two rows of 40 columns: the newest needs both, yet the alert keeps one and the newest the other.
    let two = ui::recent_cues(&shown, ratatui::layout::Rect::new(0, 0, 40, 2));
    assert_eq!((two.alert.map(|a| a.seq), seqs(&two), two.rows), (Some(2), vec![4], 1));
    // Wide rows: everything recent fits, the alert among it in its place.
    let wide = ui::recent_cues(&shown, ratatui::layout::Rect::new(0, 0, 200, 3));
    assert_eq!((wide.alert.map(|a| a.seq), seqs(&wide), wide.rows), (None, vec![2, 3, 4], 3));
    // One row: only the newest.
    let one = ui::recent_cues(&shown, ratatui::layout::Rect::new(0, 0, 200, 1));
    assert_eq!((one.alert.map(|a| a.seq), seqs(&one)), (None, vec![4]));
}

#[test]
fn a_stretch_and_a_guidance_page_scroll_to_their_last_line_at_80x24() {
    let (mut app, _dir) = app();
    app.on_key(key('l'), At::ZERO);
    let at = app.filtered().iter().position(|s| s.id.as_str() == "standing-rotation").expect("listed");
    for _ in 0..at {
        app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), At::ZERO);
    }
    let stretch = app.filtered()[at].clone();
    let text = render(&app, 80, 24);
    // Its cautions come before its steps, on the first screen.
    let first_caution: String = stretch.cautions[0].chars().take(20).collect();
    assert!(text.contains(&first_caution), "{text}");
    assert!(text.contains("more: PgDn"), "{text}");
    let breathing: String = stretch.breathing.chars().take(16).collect();
    assert!(!text.contains(&breathing), "the last line is below the fold: {text}");
    for _ in 0..5 {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), At::ZERO);
        render(&app, 80, 24);
    }
    let text = render(&app, 80, 24);
    // Paging on past the end stops there: one PgUp goes back up at once.
    let end = app.scroll;
    assert!(end > 0 && end <= app.scroll_max.get(), "{end}");
    app.on_key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE), At::ZERO);
    assert!(app.scroll < end, "PgUp acts at once");
    app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), At::ZERO);
    let flat: String = text.lines().map(|l| l.trim_matches(|c| c == '"' || c == '│')).collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Breathing"), "scrolled to the end: {text}");
    assert!(!text.contains("more: PgDn"), "{text}");
    insta::assert_snapshot!("library_detail_scrolled_80x24", text);
    // A new choice starts at its top.
    app.on_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE), At::ZERO);
    assert_eq!(app.scroll, 0);
    // The FAQ's last answer is reached the same way.
    for _ in 0..3 {
        app.on_key(key('g'), At::ZERO);
    }
    let last = app.local.app.library().faq.last().expect("answers").answer.clone();
    let end: String =
        last.split_whitespace().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" ");
    for _ in 0..40 {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), At::ZERO);
    }
    let text = render(&app, 80, 24);
    let flat: String =
        text.lines().map(|l| l.trim_matches(|c| c == '"' || c == '│').trim()).collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&end), "the last answer's end ({end}) is shown: {text}");
}

#[test]
fn a_session_the_store_will_not_take_is_kept_and_said_on_the_summary() {
    let (mut app, dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 1 }, At::ZERO);
    run_until(&mut app, in_hold);
    // The database goes away under the session (as a full disk or a lost file would take it).
    app.local.block_on(app.local.app.store().close());
    let now = at(&app);
    app.on_key(key('x'), now);
    // Enter leaves the pain after unrated; the session ends and is saved, or here kept.
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    assert_eq!(app.screen, Screen::Summary);
    assert!(app.finished.is_none(), "no earlier session's summary stands in for this one");
    assert!(app.stopped_for_safety, "a safety stop still ends with exit code 3");
    let unsaved = app.unsaved.as_ref().map(|u| u.said.clone()).expect("the failure is kept to say");
    assert!(unsaved.contains("could not save this session") && unsaved.contains("It is kept in"), "{unsaved}");
    assert!(unsaved.contains("Seated cat-cow caused sharp pain"), "{unsaved}");
    let kept = std::fs::read_dir(dir.path())
        .expect("data dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("limber-unsaved-"));
    assert!(kept, "the session is kept beside the database");
    // The summary says how it went all the same, the stop's advice first, then as a sentence
    // where it is kept.
    let screen = render(&app, 100, 40);
    assert!(screen.contains("Session stopped: sharp pain"), "{screen}");
    assert!(screen.contains("Stretching time"), "{screen}");
    assert!(screen.contains("Could not save this session"), "{screen}");
    assert!(unsaved.contains("added to your history before the next session starts"), "{unsaved}");
    drop(app);

    // Opened again with the database back: the kept session goes into the history as the next
    // session starts, said among its notes, the stretch that hurt left out, and the file gone.
    let local = limber_app::local::Local::open(None, Some(dir.path())).expect("open");
    let options = SessionOptions { no_warm_up: true, speed: 1.0, ..SessionOptions::default() };
    let mut app = App::new(local, options, true, Some(false)).expect("app");
    app.start("desk").expect("start");
    let notes = app.live.as_ref().and_then(|l| l.notes_now()).unwrap_or_default().to_owned();
    assert!(notes.contains("Added 1 session to your history"), "{notes}");
    assert!(notes.contains("Seated cat-cow caused sharp pain then"), "{notes}");
    let plan = app.live.as_ref().expect("a session").session.plan();
    assert!(plan.items.iter().all(|i| i.choice.stretch.id.as_str() != "seated-cat-cow"), "left out of the plan");
    let kept_files = std::fs::read_dir(dir.path())
        .expect("data dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("limber-unsaved-"))
        .count();
    assert_eq!(kept_files, 0, "the file is removed once its session is in the history");
    let history = app.local.block_on(app.local.app.sessions(app.local.user, None)).expect("history");
    assert_eq!(history.len(), 1, "the kept session is in the history once");
}

#[test]
fn advice_to_see_a_clinician_after_two_stops_for_pain_is_said_before_the_next_session() {
    let (mut app, _dir) = app();
    for _ in 0..2 {
        desk(&mut app);
        app.send(Intent::Pain { score: 2 }, At::ZERO);
        run_until(&mut app, in_hold);
        let now = at(&app);
        app.on_key(key('x'), now);
        // Enter leaves the pain after unrated; the summary, then home.
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
        assert_eq!(app.screen, Screen::Summary);
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
        assert_eq!(app.screen, Screen::Home);
    }
    let home = render(&app, 100, 30).split_whitespace().collect::<Vec<_>>().join(" ");
    let home = home.replace("│ ", "").replace(" │", "");
    assert!(home.contains("Pain has stopped 2 of your sessions in the last 30 days"), "{home}");
    // And first of what the next session says before it starts.
    app.start("desk").expect("start");
    let notes = app.live.as_ref().and_then(|l| l.notes_now()).unwrap_or_default().to_owned();
    assert!(notes.starts_with("Pain has stopped 2 of your sessions"), "{notes}");
}

#[test]
fn pain_ratings_given_at_launch_answer_the_first_session_only() {
    let (mut app, _dir) = app();
    app.options.pain_before = Some(3);
    app.options.pain_after = Some(1);
    desk(&mut app);
    assert_ne!(phase(&app), Some(Phase::PainBefore), "the 3 given at launch answers the first");
    app.quit_session(At::ZERO);
    let (finished, _) = app.finished.as_ref().expect("finished");
    assert_eq!(finished.summary.pain_before, Some(3));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), At::ZERO);
    assert_eq!(app.screen, Screen::Home);
    // A later session in the same run asks: the pain now is not what it was then.
    desk(&mut app);
    assert_eq!(phase(&app), Some(Phase::PainBefore));
    app.on_key(key('5'), At::ZERO);
    // The 1 given at launch for after the first does not answer this one's end either.
    run_until(&mut app, |a| phase(a) == Some(Phase::PainAfter));
}

#[test]
fn one_e_asks_over_the_help_too() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    let now = at(&app);
    app.on_key(key('?'), now);
    assert!(app.help);
    app.on_key(key('e'), now);
    // The help makes way for the question; nothing is stopped.
    assert!(!app.help, "the help is closed");
    assert!(app.live.as_ref().is_some_and(|l| l.session.summary().is_none()), "one e stops nothing");
    assert!(render(&app, 80, 24).contains("Press e again within 4 seconds"));
}

#[test]
fn the_latest_pain_rating_shows_in_the_chart_even_at_the_top_right() {
    let (mut app, _dir) = app();
    // Two sessions done hands-free an hour apart: pain 2 before the first, 10 before the latest.
    let local = &app.local;
    for (i, score) in [2u8, 10].into_iter().enumerate() {
        let request = limber_app::StartRequest {
            routine: "desk".into(),
            no_warm_up: true,
            pain_before: limber_core::PainPrompt::Given { score },
            pain_after: limber_core::PainPrompt::Skip,
            ..limber_app::StartRequest::default()
        };
        let started = limber_app::when::now_ms() - (2 - i as i64) * 60 * 60 * 1000;
        let mut session = local.block_on(local.app.start(local.user, &request, started)).expect("start").session;
        // The safety questions, the first time only: answered clear.
        if i == 0 {
            for _ in 0..12 {
                session.handle(Intent::No, At::ZERO).expect("answered");
            }
            session.handle(Intent::Yes, At::ZERO).expect("answered");
        }
        if session.view().phase == Phase::PainBefore {
            // "10 out of 10: stop for today?" No, carry on.
            session.handle(Intent::No, At::ZERO).expect("carried on");
        }
        session.advance(At::secs(24 * 60 * 60));
        let finished = local.block_on(local.app.finish(local.user, &session, started, 1.0)).expect("finished");
        assert!(finished.saved, "{:?}", session.view().phase);
    }
    app.on_key(key('p'), At::ZERO);
    assert_eq!(app.screen, Screen::Progress);
    let text = render(&app, 120, 40);
    // The row of 10 has the latest rating's mark at its right end, not a legend over it.
    let top = text.lines().find(|l| l.contains("││10  │")).unwrap_or_else(|| panic!("no top row:\n{text}"));
    let plot = top.split("││10  │").nth(1).unwrap_or_default();
    assert!(plot.trim_end_matches(['│', '"']).ends_with('•'), "{text}");
}

#[test]
fn progress_says_when_the_history_cannot_be_read_rather_than_showing_none() {
    let (mut app, _dir) = app();
    // The database goes away before the statistics are first read.
    app.local.block_on(app.local.app.store().close());
    app.stats = None;
    app.reload();
    app.on_key(key('p'), At::ZERO);
    assert_eq!(app.screen, Screen::Progress);
    let text = render(&app, 120, 40);
    assert!(text.contains("cannot read your history"), "the reason is on the message line:\n{text}");
    assert!(text.contains("Your history could not be read just now"), "{text}");
    assert!(!text.contains("No pain ratings yet") && !text.contains("No holds yet"), "{text}");
    assert!(!text.contains("0 sessions in all"), "{text}");
}

#[test]
fn a_pain_reply_and_the_cue_after_it_are_both_whole_at_80x24() {
    let (mut app, _dir) = app();
    desk(&mut app);
    app.send(Intent::Pain { score: 3 }, At::ZERO);
    run_until(&mut app, in_hold);
    app.send(Intent::Pain { score: 7 }, at(&app));
    let last = |a: &App| a.live.as_ref().and_then(|l| l.cues.last()).map_or(0, |c| c.seq);
    let seen = last(&app);
    // The next stretch's first cue, a caution long enough to wrap twice.
    run_until(&mut app, |a| last(a) > seen);
    let cues = &app.live.as_ref().expect("live").cues;
    let reply = cues.iter().rev().find(|c| c.kind == limber_core::CueKind::TooMuch).expect("the reply").text.clone();
    let newest = cues.last().expect("a cue").text.clone();
    // The full-width rows under the stretch, read as one text.
    let text = render(&app, 80, 24);
    let rows: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches('"').trim_start_matches('│').trim_end_matches('│'))
        .filter(|l| !l.contains('│') && !l.contains('┌') && !l.contains('└'))
        .collect();
    let said = rows.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said.contains(&reply) && said.contains(&newest), "{reply:?} and {newest:?} in full:\n{text}");
}
