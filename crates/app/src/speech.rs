//! The speech runner: cues spoken aloud through a speech command found on the machine.

use std::process::{Command, Stdio};
use std::sync::mpsc::{Sender, channel};
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

/// A voice: texts sent to it are spoken one after another on a background thread.
#[derive(Debug)]
pub struct Voice {
    tx: Sender<String>,
    speaker: JoinHandle<()>,
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
        let (tx, rx) = channel::<String>();
        let speaker = thread::spawn(move || {
            for text in rx {
                // A failing speech command must never stop the session.
                let _ = Command::new(&program)
                    .args(&args)
                    .arg(&text)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        });
        Ok(Voice { tx, speaker })
    }

    /// Lets the last cues finish speaking, waiting at most `limit`.
    pub fn finish(self, limit: Duration) {
        drop(self.tx);
        let deadline = Instant::now() + limit;
        while !self.speaker.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Queues `text` to be spoken.
    pub fn say(&self, text: &str) {
        let _ = self.tx.send(text.to_owned());
    }
}
