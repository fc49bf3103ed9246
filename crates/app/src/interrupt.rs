//! The signals that end a session the way `q` does (SIGINT, SIGTERM, SIGHUP), and the exit
//! code a front end leaves after one: 128 plus the signal's number, as a shell expects.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Listens for the signals that end a session; a driver checks [`Interrupt::requested`] as it
/// waits, ends the session keeping what was done, and exits with [`Interrupt::exit_code`].
#[derive(Debug, Clone)]
pub struct Interrupt {
    /// The number of the last signal received; 0 before any.
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    /// The signals listened for: Ctrl-C, a polite kill, and a closed terminal.
    pub const SIGNALS: [i32; 3] =
        [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];

    /// Starts listening; from now on these signals no longer end the process at once.
    pub fn listen() -> io::Result<Self> {
        let interrupt = Self::unheard();
        for signal in Self::SIGNALS {
            let number = usize::try_from(signal).unwrap_or(0);
            signal_hook::flag::register_usize(signal, Arc::clone(&interrupt.signal), number)?;
        }
        Ok(interrupt)
    }

    /// One that no signal reaches (tests and benches drive it with [`Interrupt::receive`]).
    #[must_use]
    pub fn unheard() -> Self {
        Self { signal: Arc::new(AtomicUsize::new(0)) }
    }

    /// Acts as if `signal` had arrived.
    pub fn receive(&self, signal: i32) {
        self.signal.store(usize::try_from(signal).unwrap_or(0), Ordering::Relaxed);
    }

    /// Ctrl-C read as a key (a terminal that sends keys one at a time sends no signal for it):
    /// as if SIGINT had arrived.
    pub fn ctrl_c(&self) {
        self.receive(signal_hook::consts::SIGINT);
    }

    /// Whether a signal has asked the session to end.
    #[must_use]
    pub fn requested(&self) -> bool {
        self.signal.load(Ordering::Relaxed) != 0
    }

    /// The exit code after a signal: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP; `None`
    /// when none came. A shell then knows the program was interrupted, and a loop around it
    /// stops on Ctrl-C.
    #[must_use]
    pub fn exit_code(&self) -> Option<u8> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            n => Some(u8::try_from(128 + n).unwrap_or(u8::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_code_is_128_plus_the_signal_received() {
        let interrupt = Interrupt::unheard();
        assert!(!interrupt.requested());
        assert_eq!(interrupt.exit_code(), None);
        for (signal, code) in [
            (signal_hook::consts::SIGINT, 130),
            (signal_hook::consts::SIGTERM, 143),
            (signal_hook::consts::SIGHUP, 129),
        ] {
            interrupt.receive(signal);
            assert!(interrupt.requested());
            assert_eq!(interrupt.exit_code(), Some(code));
        }
    }
}
