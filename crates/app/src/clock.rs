//! The session clock every terminal front end drives a session with: one monotonic start instant, scaled by `--speed`.

use std::time::{Duration, Instant};

use limber_core::At;

/// Session time from one monotonic start instant, scaled by the speed factor, so cues never
/// drift however long the session runs.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
    speed: f64,
}

impl Clock {
    /// A clock starting now, running `speed` times faster than real time (1.0 for real time;
    /// anything not finite and positive counts as 1.0).
    pub fn start(speed: f64) -> Clock {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        Clock { start: Instant::now(), speed }
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Session time now.
    pub fn now(&self) -> At {
        At(self.start.elapsed().mul_f64(self.speed))
    }

    /// Real time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Real time for a stretch of session time.
    pub fn real(&self, session: Duration) -> Duration {
        session.div_f64(self.speed)
    }

    /// Real time until session time `at` (zero if it has passed).
    pub fn until(&self, at: At) -> Duration {
        (self.start + self.real(at.0)).saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_time_runs_at_the_speed_factor() {
        let clock = Clock::start(60.0);
        assert_eq!(clock.real(Duration::from_secs(60)), Duration::from_secs(1));
        assert!(clock.until(At::secs(3600)) <= Duration::from_secs(60));
        assert_eq!(Clock::start(f64::NAN).speed(), 1.0);
    }
}
