//! Back-off on sign-in: failed attempts are counted per account, per client address and per
//! session waiting for its second factor, in the database so every node sees them. Past a
//! threshold within 15 minutes the key is held back, for 30 seconds doubling with each
//! further failure up to 15 minutes. Keys are keyed hashes (under a key derived from the
//! server key), so the table holds no username or address.

use jiff::{SignedDuration, Timestamp};

use crate::{Lodge, ServiceError, now};

/// Failures counted within this window.
const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Longest hold.
const LONGEST: SignedDuration = SignedDuration::from_mins(15);

/// What is counted, and how many failures are allowed before holding back.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt<'a> {
    /// Passwords tried for one account (by lower-cased username).
    Account(&'a str),
    /// Sign-ins from one client address.
    Address(&'a str),
    /// Codes tried for one session waiting for its second factor.
    Code(&'a [u8]),
}

impl Attempt<'_> {
    fn threshold(self) -> i64 {
        match self {
            Attempt::Account(_) => 5,
            Attempt::Address(_) => 50,
            Attempt::Code(_) => 5,
        }
    }

    fn key(self, lodge: &Lodge) -> [u8; 32] {
        let data = match self {
            Attempt::Account(name) => [b"account:".as_slice(), name.trim().to_lowercase().as_bytes()].concat(),
            Attempt::Address(address) => [b"address:".as_slice(), address.as_bytes()].concat(),
            Attempt::Code(session) => [b"code:".as_slice(), session].concat(),
        };
        lodge.inner.limits_key.tag(&data)
    }
}

fn hold(over: i64) -> SignedDuration {
    let seconds = 30i64.saturating_mul(1i64 << over.clamp(0, 10));
    SignedDuration::from_secs(seconds).min(LONGEST)
}

impl Lodge {
    /// Fails with [`ServiceError::TooManyAttempts`] while any of `attempts` is held back.
    pub(crate) async fn not_held_back(&self, attempts: &[Attempt<'_>]) -> Result<(), ServiceError> {
        let at = now();
        for attempt in attempts {
            if let Some(until) = self.store().blocked_until(&attempt.key(self)).await?
                && until > at
            {
                return Err(ServiceError::TooManyAttempts { until });
            }
        }
        Ok(())
    }

    /// Counts a failure for each of `attempts`; returns the most failures any has.
    pub(crate) async fn attempt_failed(&self, attempts: &[Attempt<'_>]) -> Result<i64, ServiceError> {
        let at: Timestamp = now();
        let mut most = 0;
        for attempt in attempts {
            let failures =
                self.store().attempt_failed(&attempt.key(self), at, at - WINDOW, attempt.threshold(), &hold).await?;
            most = most.max(failures);
        }
        Ok(most)
    }

    /// Forgets the failures of `attempts` after a success.
    pub(crate) async fn attempts_cleared(&self, attempts: &[Attempt<'_>]) -> Result<(), ServiceError> {
        for attempt in attempts {
            self.store().attempts_cleared(&attempt.key(self)).await?;
        }
        Ok(())
    }
}
