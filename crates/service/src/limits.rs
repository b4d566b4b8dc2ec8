//! Limits on guessing. Every secret she proves — her password, a second-step code, her recovery
//! key — is counted per account, sign-ins also per client address, and a police link's
//! passphrase per link; so are the names tried with one invitation, sign-ups without one
//! (server-wide), and Your Voice responses per client address. Each attempt is counted in the database *before* its secret is checked,
//! in one atomic statement shared by every node, so parallel guesses cannot slip past the
//! count. Past a threshold within 15 minutes the key is held back: 30 seconds, doubling with
//! each further attempt, up to 15 minutes; while held, even the right secret waits. Keys are
//! keyed hashes (under a key derived from the server key), so the table holds no username,
//! address or link. And password checks (Argon2) run one per core, so a burst of them waits its
//! turn, or is refused as busy, instead of exhausting memory.

use jiff::SignedDuration;
use lodge_crypto::Key;
use lodge_crypto::password::{self, KdfParams, Password};
use uuid::Uuid;

use crate::{Lodge, ServiceError};

/// Attempts counted within this window.
const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// The hold after each attempt from the threshold on; the last for any beyond.
const HOLDS: [SignedDuration; 6] = [
    SignedDuration::from_secs(30),
    SignedDuration::from_secs(60),
    SignedDuration::from_secs(120),
    SignedDuration::from_secs(240),
    SignedDuration::from_secs(480),
    SignedDuration::from_mins(15),
];

/// What is counted, and how many attempts are allowed before holding back.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt<'a> {
    /// Passwords tried for one account (by lower-cased username, so unknown names count too).
    Account(&'a str),
    /// Sign-ins from one client address.
    Address(&'a str),
    /// Second-step codes tried for one account, across every sign-in.
    SecondStep(Uuid),
    /// Recovery keys tried for one account (by lower-cased username).
    Recovery(&'a str),
    /// Passphrases tried for one police link.
    Passphrase(Uuid),
    /// Accounts tried with one invitation (by its token's hash).
    Joining(&'a [u8]),
    /// Accounts asked for without an invitation, across the whole server (where sign-up is open).
    OpenSignUp,
    /// Your Voice responses sent from one client address.
    Voice(&'a str),
}

impl Attempt<'_> {
    fn threshold(self) -> i64 {
        match self {
            Attempt::Address(_) => 50,
            Attempt::Voice(_) | Attempt::OpenSignUp => 20,
            Attempt::Account(_)
            | Attempt::SecondStep(_)
            | Attempt::Recovery(_)
            | Attempt::Passphrase(_)
            | Attempt::Joining(_) => 5,
        }
    }

    fn key(self, lodge: &Lodge) -> [u8; 32] {
        let name = |n: &str| n.trim().to_lowercase().into_bytes();
        let data = match self {
            Attempt::Account(n) => [b"account:".as_slice(), &name(n)].concat(),
            Attempt::Address(address) => [b"address:".as_slice(), address.as_bytes()].concat(),
            Attempt::SecondStep(user) => [b"second step:".as_slice(), user.as_bytes()].concat(),
            Attempt::Recovery(n) => [b"recovery:".as_slice(), &name(n)].concat(),
            Attempt::Passphrase(share) => [b"passphrase:".as_slice(), share.as_bytes()].concat(),
            Attempt::Joining(invitation) => [b"joining:".as_slice(), invitation].concat(),
            Attempt::Voice(address) => [b"your voice:".as_slice(), address.as_bytes()].concat(),
            Attempt::OpenSignUp => b"open sign-up".to_vec(),
        };
        lodge.inner.limits_key.tag(&data)
    }
}

impl Lodge {
    /// Counts one attempt for each of `attempts`, before its secret is checked. Fails with
    /// [`ServiceError::TooManyAttempts`] (nothing checked) while any is held back; otherwise
    /// returns the most attempts any has counted in its window.
    pub(crate) async fn attempt(&self, attempts: &[Attempt<'_>]) -> Result<i64, ServiceError> {
        let at = self.now();
        let mut most = 0;
        for attempt in attempts {
            let key = attempt.key(self);
            match self.store().count_attempt(&key, at, at - WINDOW, attempt.threshold(), &HOLDS).await? {
                Some(count) => most = most.max(count),
                None => {
                    let until = self.store().blocked_until(&key).await?.filter(|u| *u > at).unwrap_or(at + HOLDS[0]);
                    return Err(ServiceError::TooManyAttempts { until });
                }
            }
        }
        Ok(most)
    }

    /// Forgets the attempts of `attempts` after a success.
    pub(crate) async fn attempts_cleared(&self, attempts: &[Attempt<'_>]) -> Result<(), ServiceError> {
        for attempt in attempts {
            self.store().attempts_cleared(&attempt.key(self)).await?;
        }
        Ok(())
    }
}

/// The least time an answer about a name (signing in, starting a passkey sign-in, recovering an
/// account) takes. What such an answer does differs a little between a name that exists and one
/// that does not (a row read, a key unwrapped); all of it fits well inside this, so every answer
/// takes this long and the time says nothing. A password check at the default cost takes a
/// fraction of it.
const ANSWER_ABOUT_A_NAME: std::time::Duration = std::time::Duration::from_millis(250);

impl Lodge {
    /// Runs `answer`, then waits until [`ANSWER_ABOUT_A_NAME`] has passed since it began.
    pub(crate) async fn answered_alike<T>(&self, answer: impl std::future::Future<Output = T>) -> T {
        let until = tokio::time::Instant::now() + ANSWER_ABOUT_A_NAME;
        let out = answer.await;
        tokio::time::sleep_until(until).await;
        out
    }
}

/// Longest a password check waits for its turn before the request is refused as busy.
const LONGEST_WAIT_FOR_A_CHECK: std::time::Duration = std::time::Duration::from_secs(10);

impl Lodge {
    /// The key a password gives (Argon2id), one check per core at a time: a burst waits its
    /// turn, and what waits too long is refused as [`ServiceError::Busy`].
    pub(crate) async fn derive(
        &self,
        password: Password,
        salt: Vec<u8>,
        params: KdfParams,
    ) -> Result<Key, ServiceError> {
        let turn = tokio::time::timeout(LONGEST_WAIT_FOR_A_CHECK, self.inner.password_checks.acquire())
            .await
            .map_err(|_| ServiceError::Busy)?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let key = tokio::task::spawn_blocking(move || password::derive_key(&password, &salt, params))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(ServiceError::from);
        drop(turn);
        key
    }
}
