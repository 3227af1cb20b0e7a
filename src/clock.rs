//! The time the tenant handle, the support engine and the dashboards read:
//! the system clock in production, a clock the test moves by hand
//! otherwise. A low layer, so storage can hold it. SLA due instants, offers and
//! "today" on dashboards all come from here, so a test can cross a weekend
//! in a millisecond and watch timers fire at the exact instant.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

#[derive(Clone)]
pub struct Clock(Arc<Inner>);

struct Inner {
    manual: Option<Mutex<DateTime<Utc>>>,
    /// Bumped whenever a manual clock moves, so timers re-arm.
    moved: watch::Sender<u64>,
}

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Inner {
            manual: None,
            moved: watch::Sender::new(0),
        }))
    }

    /// A clock that stands still at `at` until moved.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Inner {
            manual: Some(Mutex::new(at)),
            moved: watch::Sender::new(0),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0.manual {
            Some(m) => *m.lock().unwrap_or_else(|e| e.into_inner()),
            None => Utc::now(),
        }
    }

    pub fn is_manual(&self) -> bool {
        self.0.manual.is_some()
    }

    /// Moves a manual clock to `at` (a system clock ignores this).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(m) = &self.0.manual {
            *m.lock().unwrap_or_else(|e| e.into_inner()) = at;
            self.0.moved.send_modify(|n| *n += 1);
        }
    }

    pub fn advance(&self, by: TimeDelta) {
        self.set(self.now() + by);
    }

    /// Changes whenever a manual clock moves; never for the system clock.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.0.moved.subscribe()
    }

    /// How long until `at` by this clock, as a timer wants it. A manual
    /// clock's timers wake on [`Clock::watch`] instead, so they get a long
    /// fallback rather than a real wait that would mean nothing.
    pub fn until(&self, at: DateTime<Utc>) -> std::time::Duration {
        let d = (at - self.now()).to_std().unwrap_or_default();
        if self.is_manual() {
            d.min(std::time::Duration::from_secs(3600))
        } else {
            d
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.is_manual() {
            true => write!(f, "Clock::manual({})", self.now()),
            false => f.write_str("Clock::system"),
        }
    }
}
