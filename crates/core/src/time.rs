//! Time as a value: the moment a driver measured, since the session began.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Time since the session began, as the driver measured it. Core never reads a clock.
///
/// Serialized as whole milliseconds so that snapshots and event logs are readable JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "u64", into = "u64")]
pub struct At(pub Duration);

impl At {
    /// The start of the session.
    pub const ZERO: At = At(Duration::ZERO);

    /// A moment given in whole seconds since the start.
    pub const fn secs(secs: u64) -> At {
        At(Duration::from_secs(secs))
    }

    /// A moment given in milliseconds since the start.
    pub const fn millis(millis: u64) -> At {
        At(Duration::from_millis(millis))
    }

    /// Milliseconds since the start, saturating.
    pub fn as_millis(self) -> u64 {
        u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX)
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: At) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl From<u64> for At {
    fn from(millis: u64) -> At {
        At::millis(millis)
    }
}

impl From<At> for u64 {
    fn from(at: At) -> u64 {
        at.as_millis()
    }
}

impl Add<Duration> for At {
    type Output = At;
    fn add(self, rhs: Duration) -> At {
        At(self.0.saturating_add(rhs))
    }
}

impl Sub<At> for At {
    type Output = Duration;
    fn sub(self, rhs: At) -> Duration {
        self.since(rhs)
    }
}

impl fmt::Display for At {
    /// `m:ss.mmm`, as used in transcripts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.as_millis();
        write!(f, "{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
    }
}

/// Whole seconds as a [`Duration`]; a small helper for readable code.
pub(crate) const fn secs(s: u32) -> Duration {
    Duration::from_secs(s as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_minutes_seconds_millis() {
        assert_eq!(At::millis(83_250).to_string(), "1:23.250");
        assert_eq!(At::ZERO.to_string(), "0:00.000");
    }

    #[test]
    fn since_saturates_instead_of_panicking() {
        assert_eq!(At::secs(1).since(At::secs(5)), Duration::ZERO);
        assert_eq!(At::secs(5) - At::secs(1), Duration::from_secs(4));
    }

    #[test]
    fn serializes_as_millis() {
        let json = ron::to_string(&At::millis(1500)).unwrap();
        assert_eq!(json, "1500");
    }
}
