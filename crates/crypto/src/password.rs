//! Passwords: the [`Password`] secret type and Argon2id key derivation.
//!
//! The derived key never checks a password directly: it unwraps the account key, and the AEAD
//! tag of that unwrap is what tells a right password from a wrong one.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{CryptoError, Key, random_bytes};

/// A password as typed. It cannot be printed, cloned or serialised, and is zeroised on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Password(String);

impl Password {
    /// Takes ownership of a typed password.
    pub fn new(text: String) -> Password {
        Password(text)
    }

    /// The password's text, for checks such as its length.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Argon2id cost parameters, stored beside each account so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
    pub const RECOMMENDED: KdfParams = KdfParams { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };

    /// Whether these costs reach one of OWASP's equivalent minimums for Argon2id (46 MiB with
    /// 1 pass, 19 MiB with 2, 12 MiB with 3, 9 MiB with 4, 7 MiB with 5).
    pub fn meets_owasp_minimum(&self) -> bool {
        [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5)]
            .iter()
            .any(|&(memory, passes)| self.memory_kib >= memory && self.iterations >= passes)
    }

    /// The stored form, e.g. `argon2id;m=19456;t=2;p=1`.
    pub fn encode(&self) -> String {
        format!("argon2id;m={};t={};p={}", self.memory_kib, self.iterations, self.parallelism)
    }

    /// Reads the stored form.
    pub fn decode(text: &str) -> Result<KdfParams, CryptoError> {
        let bad = || CryptoError::Kdf(format!("unreadable parameters {text:?}"));
        let mut parts = text.split(';');
        if parts.next() != Some("argon2id") {
            return Err(bad());
        }
        let mut value = |name: &str| -> Result<u32, CryptoError> {
            parts.next().and_then(|p| p.strip_prefix(name)).and_then(|v| v.parse().ok()).ok_or_else(bad)
        };
        Ok(KdfParams { memory_kib: value("m=")?, iterations: value("t=")?, parallelism: value("p=")? })
    }
}

/// A fresh 16-byte salt.
pub fn new_salt() -> Result<[u8; 16], CryptoError> {
    let mut salt = [0u8; 16];
    random_bytes(&mut salt)?;
    Ok(salt)
}

/// Derives the key-encryption key for `password` with Argon2id. This is slow on purpose: call
/// it off the async runtime.
pub fn derive_key(password: &Password, salt: &[u8], params: KdfParams) -> Result<Key, CryptoError> {
    let argon_params = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(password.0.as_bytes(), salt, out.as_mut()).map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(Key::from_bytes(*out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn owasp_minimums() {
        let at = |memory_kib, iterations| KdfParams { memory_kib, iterations, parallelism: 1 }.meets_owasp_minimum();
        assert!(at(19_456, 2) && at(47_104, 1) && at(7_168, 5) && KdfParams::RECOMMENDED.meets_owasp_minimum());
        assert!(!at(19_455, 2) && !at(19_456, 1) && !at(256, 1) && !at(7_168, 4));
    }

    use super::*;

    #[test]
    fn params_round_trip() {
        let p = KdfParams::RECOMMENDED;
        assert_eq!(KdfParams::decode(&p.encode()).unwrap(), p);
        assert!(KdfParams::decode("scrypt;m=1").is_err());
    }

    #[test]
    fn same_password_same_key_and_debug_is_redacted() {
        let params = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
        let salt = [7u8; 16];
        let pw = Password::new("correct horse".into());
        let a = derive_key(&pw, &salt, params).unwrap();
        let b = derive_key(&Password::new("correct horse".into()), &salt, params).unwrap();
        let c = derive_key(&Password::new("wrong horse".into()), &salt, params).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        assert_ne!(a.bytes(), c.bytes());
        assert!(!format!("{pw:?}{a:?}").contains("horse"));
    }
}
