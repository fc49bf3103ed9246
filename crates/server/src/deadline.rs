//! One tokio timer per connection for the deadlines of its requests, one after another:
//! hyper's on reading a request's head, and the router's 408 on a request that waits.
//!
//! A tokio timer entered and removed for each request cost a twentieth of a session view's
//! throughput under load (`cargo xtask bench server`). Here a connection keeps one, moved on
//! only when it fires: a deadline found not come yet then sets it to that deadline. So each
//! deadline still ends at its own time, and the timer is entered about once per deadline's
//! length of a connection's life, not once per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

/// A connection's timer. Its deadlines are awaited by the connection's one task (hyper's), as
/// the timer wakes one task.
#[derive(Clone, Debug)]
pub struct ConnectionTimer(Arc<Mutex<Pin<Box<tokio::time::Sleep>>>>);

impl Default for ConnectionTimer {
    fn default() -> ConnectionTimer {
        ConnectionTimer::new()
    }
}

impl ConnectionTimer {
    /// A timer for a new connection.
    pub fn new() -> ConnectionTimer {
        ConnectionTimer(Arc::new(Mutex::new(Box::pin(tokio::time::sleep(crate::REQUEST_TIMEOUT)))))
    }

    /// A future that ends at `deadline`.
    pub fn until(&self, deadline: Instant) -> Deadline {
        Deadline { deadline, timer: self.0.clone() }
    }
}

/// One deadline on a [`ConnectionTimer`].
#[derive(Debug)]
pub struct Deadline {
    deadline: Instant,
    timer: Arc<Mutex<Pin<Box<tokio::time::Sleep>>>>,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        if Instant::now() >= deadline {
            return Poll::Ready(());
        }
        let mut timer = self.timer.lock().unwrap_or_else(PoisonError::into_inner);
        // Set for a later deadline, or for one that has passed: from now on, this one.
        if timer.deadline() > deadline || timer.is_elapsed() {
            timer.as_mut().reset(deadline);
        }
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        if timer.deadline() >= deadline {
            return Poll::Ready(());
        }
        // An earlier deadline has just passed: on to this one.
        timer.as_mut().reset(deadline);
        timer.as_mut().poll(cx)
    }
}

/// hyper's timer for the connection (its header-read timeout).
impl hyper::rt::Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(self.until(Instant::now() + duration))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(self.until(Instant::from_std(deadline)))
    }

    // tokio's clock: the system's, except in a test that stops it.
    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }
}

impl hyper::rt::Sleep for Deadline {}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    fn poll(deadline: &mut Pin<Box<dyn hyper::rt::Sleep>>) -> Poll<()> {
        deadline.as_mut().poll(&mut Context::from_waker(std::task::Waker::noop()))
    }

    #[tokio::test(start_paused = true)]
    async fn each_deadline_ends_at_its_own_time_on_the_connections_one_timer() {
        let timer = ConnectionTimer::new();
        let (second, limit) = (Duration::from_secs(1), Duration::from_secs(30));
        // A first request's head is read at once; the next one's read starts 10 s later.
        let mut first = timer.sleep(limit);
        assert!(poll(&mut first).is_pending());
        drop(first);
        tokio::time::advance(10 * second).await;
        let mut next = timer.sleep(limit);
        assert!(poll(&mut next).is_pending());
        // The connection's timer fires at the first read's deadline: the next read goes on.
        tokio::time::advance(limit - 5 * second).await;
        assert!(poll(&mut next).is_pending(), "ended at the first read's deadline");
        tokio::time::advance(4 * second).await;
        assert!(poll(&mut next).is_pending(), "ended before its own deadline");
        tokio::time::advance(second).await;
        assert!(poll(&mut next).is_ready(), "still waiting after its own deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_deadline_is_woken_at_its_time_earlier_or_later_than_the_last() {
        let timer = ConnectionTimer::new();
        tokio::time::advance(Duration::from_secs(3)).await;
        for wait in [Duration::from_secs(40), Duration::from_secs(1), Duration::from_secs(30)] {
            let started = Instant::now();
            timer.until(started + wait).await;
            assert_eq!(started.elapsed(), wait);
        }
    }
}
