//! The speech runner: cues spoken aloud through a speech command found on the machine.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Speech programs tried in order when `LIMBER_SPEAK` is not set.
const CANDIDATES: &[(&str, &[&str])] = &[("espeak-ng", &[]), ("spd-say", &["--wait"]), ("espeak", &[]), ("say", &[])];

/// Why no voice could be found.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// No speech program is installed and `LIMBER_SPEAK` is not set.
    #[error(
        "speaking cues needs a speech command, and none was found. Install espeak-ng \
         (e.g. `sudo apt install espeak-ng`), set LIMBER_SPEAK to a command that speaks its last argument, \
         or leave speech off"
    )]
    NoneFound,
    /// The program named by `LIMBER_SPEAK` does not exist.
    #[error("the speech command `{0}` (from LIMBER_SPEAK) was not found")]
    NotFound(String),
}

/// The longest one cue may take to speak before its command is ended: a speech command that
/// hangs must not silence every cue after it.
pub const UTTERANCE_LIMIT: Duration = Duration::from_secs(30);

/// The variable naming a speech command of one's own, and what it does, for a man page.
pub const SPEAK_VARIABLE: (&str, &str) = (
    "LIMBER_SPEAK",
    "A command that speaks, given each cue as its last argument (e.g. `espeak-ng -s 140`), used instead of \
     the first of espeak-ng, spd-say, espeak or say found when cues are spoken.",
);

/// How often a cue being spoken is looked at (ended yet? told to stop?).
const POLL: Duration = Duration::from_millis(25);

/// One text for the speaker thread.
#[derive(Debug)]
struct Utterance {
    /// How many urgent texts had been sent when it was (its own count, when urgent).
    generation: u64,
    urgent: bool,
    /// Worth saying only while it is still the latest ([`limber_core::CueKind::keeps_pace`]).
    passing: bool,
    text: String,
}

/// A voice: texts sent to it are spoken one after another on a background thread; an urgent
/// one ([`Voice::say_urgently`]) ends the one being spoken and goes before those waiting.
/// Dropping it (or [`Voice::finish`]) ends the cue being spoken, so no speech outlives the session.
#[derive(Debug)]
pub struct Voice {
    tx: Option<Sender<Utterance>>,
    speaker: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    /// Bumped by each urgent text: what was said or queued under an older one is cut short.
    urgent: Arc<AtomicU64>,
    /// The first time the speech command failed, until [`Voice::failure`] hands it on.
    failed: Arc<Mutex<Failure>>,
}

/// Whether the speech command has failed, and whether that was said.
#[derive(Debug, Default)]
struct Failure {
    first: Option<String>,
    told: bool,
}

impl Voice {
    /// Finds a speech command: `LIMBER_SPEAK` (a command line; the text is added as its last
    /// argument), else espeak-ng, spd-say, espeak or say on the PATH.
    pub fn find() -> Result<Voice, SpeechError> {
        let (program, args) = match std::env::var("LIMBER_SPEAK") {
            Ok(line) if !line.trim().is_empty() => {
                let mut words = line.split_whitespace().map(str::to_owned);
                let program = words.next().unwrap_or_default();
                (program, words.collect::<Vec<_>>())
            }
            _ => {
                let found = CANDIDATES.iter().find(|(p, _)| which::which(p).is_ok());
                let Some((program, args)) = found else {
                    return Err(SpeechError::NoneFound);
                };
                ((*program).to_owned(), args.iter().map(|a| (*a).to_owned()).collect())
            }
        };
        if which::which(&program).is_err() {
            return Err(SpeechError::NotFound(program));
        }
        Ok(Voice::with_command(program, args))
    }

    /// A voice speaking through `program`, each text added as its last argument.
    pub fn with_command(program: String, args: Vec<String>) -> Voice {
        let (tx, rx) = channel::<Utterance>();
        let stop = Arc::new(AtomicBool::new(false));
        let urgent = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(Mutex::new(Failure::default()));
        let (told, latest, failing) = (stop.clone(), urgent.clone(), failed.clone());
        let speaker = thread::spawn(move || {
            let mut waiting = std::collections::VecDeque::new();
            loop {
                // Everything sent so far, so that a passing text can see whether a newer waits.
                waiting.extend(rx.try_iter());
                let next = match waiting.pop_front() {
                    Some(next) => next,
                    None => match rx.recv() {
                        Ok(next) => next,
                        Err(_) => break,
                    },
                };
                let Utterance { generation, urgent, passing, text } = next;
                if told.load(Ordering::Relaxed) {
                    break;
                }
                // Queued before an urgent text came: not said at all (an urgent one always is).
                if !urgent && generation < latest.load(Ordering::Relaxed) {
                    continue;
                }
                // Overtaken while it waited: the newer text says where the session is now.
                if passing && !waiting.is_empty() {
                    continue;
                }
                // An urgent text is never cut short by the next: two alerts are both heard.
                let cut = || told.load(Ordering::Relaxed) || (!urgent && latest.load(Ordering::Relaxed) > generation);
                if let Err(why) = speak(&program, &args, &text, &cut) {
                    let mut failure = failing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    failure.first.get_or_insert(why);
                }
            }
        });
        Voice { tx: Some(tx), speaker: Some(speaker), stop, urgent, failed }
    }

    /// Why the speech command failed (it could not start, or ended with an error, as espeak-ng
    /// does with no sound device), the first time this is asked after it did; `None` before,
    /// and after it was handed on once. Cues go on being tried: the front end says it once.
    pub fn failure(&self) -> Option<String> {
        let mut failure = self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if failure.told {
            return None;
        }
        let first = failure.first.clone()?;
        failure.told = true;
        Some(first)
    }

    /// Lets the cues already queued finish speaking, waiting at most `limit`; whatever is still
    /// being spoken then is ended.
    pub fn finish(mut self, limit: Duration) {
        self.tx.take();
        let deadline = Instant::now() + limit;
        while self.speaker.as_ref().is_some_and(|s| !s.is_finished()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Queues `text` to be spoken.
    pub fn say(&self, text: &str) {
        self.queue(text, false);
    }

    fn queue(&self, text: &str, passing: bool) {
        if let Some(tx) = &self.tx {
            let generation = self.urgent.load(Ordering::Relaxed);
            let _ = tx.send(Utterance { generation, urgent: false, passing, text: text.to_owned() });
        }
    }

    /// Speaks a session's cue: a safety alert ([`limber_core::Sound::Alert`]: a stop, pain
    /// that is too much, an emergency) at once, cutting short what is being said; any other in
    /// turn, except that one only keeping pace (a count, a flow position after the first cycle,
    /// halfway) is dropped when a newer cue has come while it waited.
    pub fn cue(&self, cue: &limber_core::Cue) {
        match cue.sound == limber_core::Sound::Alert {
            true => self.say_urgently(&cue.text),
            false => self.queue(&cue.text, cue.keeps_pace),
        }
    }

    /// Speaks `text` as soon as it can: the cue being spoken is ended and those waiting are
    /// dropped, unless they are urgent too (then it follows them). For safety alerts, which
    /// must not wait behind a step still being read out.
    pub fn say_urgently(&self, text: &str) {
        if let Some(tx) = &self.tx {
            let generation = self.urgent.fetch_add(1, Ordering::Relaxed) + 1;
            let _ = tx.send(Utterance { generation, urgent: true, passing: false, text: text.to_owned() });
        }
    }
}

impl Drop for Voice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.tx.take();
        if let Some(speaker) = self.speaker.take() {
            // It sees the stop within one poll and ends the command it is waiting on.
            let _ = speaker.join();
        }
    }
}

/// Speaks `text` with the speech command, until it ends, [`UTTERANCE_LIMIT`] passes or `cut`
/// says to stop. A failing command never stops the session: its failure is returned, for the
/// front end to say once.
fn speak(program: &str, args: &[String], text: &str, cut: &dyn Fn() -> bool) -> Result<(), String> {
    let mut command = Command::new(program);
    command.args(args).arg(text).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    #[cfg(unix)]
    {
        // Its own process group, so that ending it ends what it started too (a script's player).
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
    }
    let mut child = command.spawn().map_err(|e| format!("the speech command `{program}` cannot start: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => break Some(status),
            Err(_) => break None,
        }
        if cut() || started.elapsed() >= UTTERANCE_LIMIT {
            end(&mut child);
            // spd-say only asks speech-dispatcher to speak: ending it leaves the speech going.
            if program == "spd-say" {
                let _ = Command::new(program).arg("-C").stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
            return Ok(());
        }
        thread::sleep(POLL);
    };
    // A command that left a player running in the background when it ended: that goes too.
    end(&mut child);
    match status {
        Some(status) if !status.success() => Err(format!("the speech command `{program}` failed ({status})")),
        _ => Ok(()),
    }
}

/// Ends a speech command and everything in its process group, and reaps it.
fn end(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        use nix::sys::signal::{Signal, killpg};
        let _ = killpg(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Whether process `pid` has ended (gone, or a zombie waiting for its parent).
    fn ended(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')))
    }

    /// Whether process `pid` ends within two seconds (a killed group's last member may take a
    /// moment to go).
    fn ends_soon(pid: &str) -> bool {
        (0..200).any(|_| {
            ended(pid) || {
                thread::sleep(Duration::from_millis(10));
                false
            }
        })
    }

    /// A speech command that never ends and starts a player that never ends either; each
    /// writes its process id to `dir`.
    fn hanging_speaker(dir: &std::path::Path) -> Voice {
        let script = format!("echo $$ > '{0}/speaker'; sleep 1000 & echo $! > '{0}/player'; wait", dir.display());
        Voice::with_command("sh".to_owned(), vec!["-c".to_owned(), script, "limber-speaks".to_owned()])
    }

    fn pid(dir: &std::path::Path, name: &str) -> String {
        for _ in 0..500 {
            if let Ok(pid) = std::fs::read_to_string(dir.join(name))
                && !pid.trim().is_empty()
            {
                return pid.trim().to_owned();
            }
            thread::sleep(Duration::from_millis(10));
        }
        panic!("the speech command never wrote {name}");
    }

    #[test]
    fn speech_still_going_when_the_session_ends_is_ended_with_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let voice = hanging_speaker(dir.path());
        voice.say("Hold for 30 seconds");
        let (speaker, player) = (pid(dir.path(), "speaker"), pid(dir.path(), "player"));
        assert!(!ended(&speaker) && !ended(&player), "speaking");
        voice.finish(Duration::from_millis(50));
        assert!(ended(&speaker), "the speech command outlived the session");
        assert!(ends_soon(&player), "the player the speech command started outlived the session");
    }

    #[test]
    fn a_speech_command_that_fails_is_said_once_and_one_that_is_cut_short_is_not_a_failure() {
        let failing = Voice::with_command("false".to_owned(), Vec::new());
        assert_eq!(failing.failure(), None, "nothing said yet");
        failing.say("Step 1");
        let deadline = Instant::now() + Duration::from_secs(5);
        let said = loop {
            if let Some(said) = failing.failure() {
                break said;
            }
            assert!(Instant::now() < deadline, "the failure was never handed on");
            thread::sleep(Duration::from_millis(10));
        };
        assert!(said.contains("`false` failed"), "{said}");
        failing.say("Step 2");
        failing.finish(Duration::from_secs(5));
        // Once, whatever fails after.
        let missing = Voice::with_command("/no/such/speaker".to_owned(), Vec::new());
        missing.say("Step 1");
        missing.say("Step 2");
        let first = (0..500).find_map(|_| {
            thread::sleep(Duration::from_millis(10));
            missing.failure()
        });
        assert!(first.is_some_and(|f| f.contains("cannot start")));
        thread::sleep(Duration::from_millis(200));
        assert_eq!(missing.failure(), None, "said once");
        missing.finish(Duration::from_secs(5));
        // Cut short on purpose (an alert cut in): no failure.
        let dir = tempfile::tempdir().unwrap();
        let hanging = hanging_speaker(dir.path());
        hanging.say("Hold for 30 seconds");
        let first = pid(dir.path(), "speaker");
        hanging.say_urgently("Stop");
        assert!(ends_soon(&first), "cut short by the alert");
        thread::sleep(Duration::from_millis(200));
        assert_eq!(hanging.failure(), None);
        hanging.finish(Duration::from_millis(50));
    }

    #[test]
    fn a_voice_dropped_without_finishing_ends_its_speech_too() {
        let dir = tempfile::tempdir().unwrap();
        let voice = hanging_speaker(dir.path());
        voice.say("Release");
        let speaker = pid(dir.path(), "speaker");
        drop(voice);
        assert!(ended(&speaker));
    }

    #[test]
    fn a_player_left_running_by_a_speech_command_that_ended_is_ended_too() {
        let dir = tempfile::tempdir().unwrap();
        let script = format!("sleep 1000 & echo $! > '{}/player'", dir.path().display());
        let voice = Voice::with_command("sh".to_owned(), vec!["-c".to_owned(), script, "limber-speaks".to_owned()]);
        voice.say("Release");
        let player = pid(dir.path(), "player");
        voice.finish(Duration::from_secs(5));
        assert!(ends_soon(&player), "the player outlived the speech command that started it");
    }

    #[test]
    fn an_urgent_cue_ends_the_one_being_spoken_and_goes_before_those_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("spoken");
        // Each cue is logged when it starts; a long one would take 1000 s.
        let script = format!(
            "echo \"$0\" >> '{}'; case \"$0\" in Step*) sleep 1000;; esac",
            dir.path().join("spoken").display()
        );
        let voice = Voice::with_command("sh".to_owned(), vec!["-c".to_owned(), script]);
        voice.say("Step 1. A long step");
        voice.say("Step 2. Another");
        // Under way: the first step is being spoken.
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::fs::read_to_string(&log).map_or(true, |l| l.is_empty()) {
            assert!(Instant::now() < deadline, "the first step was never spoken");
            thread::sleep(Duration::from_millis(10));
        }
        voice.say_urgently("SHARP PAIN: STOP");
        voice.say_urgently("Second alert");
        voice.say("Then this");
        // Had the long step not been cut short, nothing after it would be said before this
        // gives up waiting (well before a cue's own limit of UTTERANCE_LIMIT would end the
        // step), and the log below would end at step 1.
        voice.finish(UTTERANCE_LIMIT / 3);
        let spoken = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            spoken, "Step 1. A long step\nSHARP PAIN: STOP\nSecond alert\nThen this\n",
            "step 2 was dropped; both alerts were said"
        );
    }

    #[test]
    fn a_cue_that_only_keeps_pace_is_dropped_once_a_newer_one_waits_behind_it() {
        use limber_core::{At, Cue, CueKind as K, Sound};
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("spoken");
        // The first cue takes a while to say; the others are quick.
        let script = format!("echo \"$0\" >> '{}'; case \"$0\" in Begin*) sleep 1;; esac", log.display());
        let voice = Voice::with_command("sh".to_owned(), vec!["-c".to_owned(), script]);
        let cue = |kind: K, text: &str| {
            let keeps_pace = kind.keeps_pace();
            Cue { seq: 0, at: At::ZERO, kind, text: text.to_owned(), sound: Sound::Tick, keeps_pace }
        };
        voice.cue(&cue(K::Begin { side: None, repetition: 1 }, "Begin. Round: breathe out."));
        voice.cue(&cue(K::FlowPosition { cycle: 1 }, "Arch: breathe in."));
        voice.cue(&cue(K::FlowPosition { cycle: 2 }, "Round."));
        voice.cue(&cue(K::FlowPosition { cycle: 2 }, "Arch."));
        voice.cue(&cue(K::Halfway, "Halfway."));
        voice.cue(&cue(K::Countdown { n: 3 }, "3"));
        voice.cue(&cue(K::Release, "Come back to a neutral position and rest."));
        voice.cue(&cue(K::Countdown { n: 2 }, "2"));
        voice.finish(Duration::from_secs(30));
        // Overtaken while the first was said: the later positions, halfway and the count are
        // not heard; the first cycle's position says how to do it and is; what is not only
        // pace never is dropped; the last, with nothing behind it, is said.
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "Begin. Round: breathe out.\nArch: breathe in.\nCome back to a neutral position and rest.\n2\n"
        );
    }

    #[test]
    fn queued_cues_are_all_spoken_in_order_when_there_is_time() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("spoken");
        let script = format!("echo \"$0\" >> '{}'", log.display());
        let voice = Voice::with_command("sh".to_owned(), vec!["-c".to_owned(), script]);
        for cue in ["one", "two", "three"] {
            voice.say(cue);
        }
        voice.finish(Duration::from_secs(30));
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "one\ntwo\nthree\n");
    }
}
