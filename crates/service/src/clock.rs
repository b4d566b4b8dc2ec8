//! The time as Lodge sees it. A server reads the system's clock; a test can instead hold a
//! clock it moves forward, to see sessions time out, links expire and jobs come due without
//! waiting. Times are kept to the millisecond, as the store keeps them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// Where Lodge reads the time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Milliseconds a test has moved the clock ahead of the system's; `None` on a server.
    ahead: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { ahead: None }
    }

    /// A clock that starts at the system's time and moves ahead when told to
    /// ([`Clock::advance`]); every copy of it moves together.
    pub fn adjustable() -> Clock {
        Clock { ahead: Some(Arc::new(AtomicI64::new(0))) }
    }

    /// Moves an adjustable clock ahead; the system's clock cannot be moved, so this does
    /// nothing to it.
    pub fn advance(&self, by: SignedDuration) {
        if let Some(ahead) = &self.ahead {
            let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            ahead.fetch_add(millis, Ordering::SeqCst);
        }
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        let ahead = self.ahead.as_ref().map_or(0, |a| a.load(Ordering::SeqCst));
        let millis = Timestamp::now().as_millisecond().saturating_add(ahead);
        Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}
