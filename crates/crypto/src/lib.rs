//! Lodge's cryptography: the key hierarchy, field encryption with associated data, and
//! streaming encryption of evidence files.
//!
//! Design notes (each decision in one place):
//! - **AEAD**: XChaCha20-Poly1305 everywhere. Its 192-bit nonce is safe to pick at random for
//!   every value, so no nonce state has to be kept across nodes.
//! - **Sealed values** are `version (1) || nonce (24) || ciphertext+tag`. The associated data is
//!   built by [`Aad`] and names the record kind, record id, field and record version, so a value
//!   copied into another field, record or version fails to open.
//! - **Keys** ([`Key`]) cannot be printed, cloned or serialised, and are zeroised on drop.
//! - **Passwords** go through Argon2id ([`password`]); the derived key only wraps the account
//!   key, so a password change re-wraps one key and re-encrypts nothing.
//! - **Case keys rotate** ([`Keyring`]): revoking someone's access starts a new generation for
//!   new writes; every sealed value and file names the generation it was sealed under.
//! - **Public-key sealing** ([`PublicKey`], HPKE) wraps a case's keys for a support worker and
//!   lets someone add to a case without being able to read it.
//! - **Files** are encrypted in 64 KiB chunks with the STREAM construction ([`stream`]), so a
//!   2 GiB video never has to be held in memory, and truncation or reordering is detected.

mod aead;
mod key;
mod keyring;
pub mod password;
mod public;
pub mod stream;
pub mod token;

pub use aead::{Aad, open, seal};
pub use key::{Key, RecoveryKey, unwrap_key, wrap_key};
pub use keyring::{CasePublicKey, Keyring};
pub use public::{KeyPair, PublicKey};

/// What can go wrong in Lodge's cryptography. None of these carry secret material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The value did not authenticate: wrong key, wrong associated data, or tampering.
    #[error("the value could not be decrypted (wrong key or tampered data)")]
    Decrypt,
    /// The value was not in a format Lodge writes.
    #[error("the encrypted value is malformed: {0}")]
    Malformed(&'static str),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Key derivation failed (bad parameters).
    #[error("key derivation failed: {0}")]
    Kdf(String),
    /// A value sealed to the case's public key, where only the case's own keys may seal.
    #[error("the value was sealed to the case's public key, which anyone who saw it could do")]
    SentByAnyone,
    /// A recovery key was typed wrongly.
    #[error("that recovery key is not in the right form")]
    RecoveryKeyFormat,
}

/// Fills `buf` from the operating system's random number generator.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError::Random)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}
