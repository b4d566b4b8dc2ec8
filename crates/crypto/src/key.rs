//! Secret keys: the 256-bit [`Key`] type, key wrapping, and the recovery key shown once at
//! sign-up.

use std::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{Aad, CryptoError, open, random_bytes, seal};

/// A 256-bit symmetric key. It cannot be printed, cloned or serialised, and its bytes are
/// zeroised when it is dropped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key([u8; 32]);

impl Key {
    /// A fresh random key.
    pub fn generate() -> Result<Key, CryptoError> {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        Ok(Key(bytes))
    }

    /// Derives a key from high-entropy input keying material with HKDF-SHA256. `purpose`
    /// separates keys derived from the same material for different uses.
    pub fn derive(ikm: &[u8], purpose: &str) -> Key {
        let hk = Hkdf::<Sha256>::new(Some(b"lodge/v1"), ikm);
        let mut bytes = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        if hk.expand(purpose.as_bytes(), &mut bytes).is_err() {
            bytes.zeroize();
        }
        Key(bytes)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for `purpose` derived from another key, so one key can serve several uses
    /// without any two sharing a key.
    pub fn derive_from(key: &Key, purpose: &str) -> Key {
        Key::derive(&key.0, purpose)
    }

    /// A keyed tag of `data` (HMAC-SHA256, as HKDF's extract step): the same data gives the
    /// same tag under the same key, and without the key the tag says nothing of the data.
    pub fn tag(&self, data: &[u8]) -> [u8; 32] {
        let (tag, _) = Hkdf::<Sha256>::extract(Some(&self.0), data);
        tag.into()
    }

    /// A key that needs both `self` and `other` (a share link's key and its passphrase's).
    pub fn combine(&self, other: &Key, purpose: &str) -> Key {
        let mut both = zeroize::Zeroizing::new([0u8; 64]);
        both[..32].copy_from_slice(&self.0);
        both[32..].copy_from_slice(&other.0);
        Key::derive(&*both, purpose)
    }

    /// An explicit copy, for the rare places that must hold the same key twice.
    pub fn duplicate(&self) -> Key {
        Key(self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

/// Encrypts `key` under `kek`, bound to `aad`.
pub fn wrap_key(kek: &Key, aad: &Aad, key: &Key) -> Result<Vec<u8>, CryptoError> {
    seal(kek, aad, key.bytes())
}

/// Decrypts a key wrapped by [`wrap_key`].
pub fn unwrap_key(kek: &Key, aad: &Aad, wrapped: &[u8]) -> Result<Key, CryptoError> {
    let plain = open(kek, aad, wrapped)?;
    let bytes: [u8; 32] =
        plain.as_slice().try_into().map_err(|_| CryptoError::Malformed("wrapped key has the wrong length"))?;
    Ok(Key::from_bytes(bytes))
}

/// The recovery key shown to a survivor once, at sign-up. With it (or her password) she gets
/// her data back; without either, nobody can. Written as 13 groups of four characters of
/// Crockford-free RFC 4648 base32 (no padding), which survive being read aloud or written down.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; 32]);

impl RecoveryKey {
    /// A fresh random recovery key.
    pub fn generate() -> Result<RecoveryKey, CryptoError> {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        Ok(RecoveryKey(bytes))
    }

    /// Reads a recovery key as she typed it: case, spaces and dashes do not matter.
    pub fn parse(text: &str) -> Result<RecoveryKey, CryptoError> {
        let mut cleaned: String =
            text.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        let decoded = data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes());
        cleaned.zeroize();
        let mut decoded = decoded.map_err(|_| CryptoError::RecoveryKeyFormat)?;
        let bytes: Result<[u8; 32], _> = decoded.as_slice().try_into();
        decoded.zeroize();
        bytes.map(RecoveryKey).map_err(|_| CryptoError::RecoveryKeyFormat)
    }

    /// The text to show her, once.
    pub fn display_text(&self) -> zeroize::Zeroizing<String> {
        let mut encoded = data_encoding::BASE32_NOPAD.encode(&self.0);
        let grouped: String =
            encoded.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-");
        encoded.zeroize();
        zeroize::Zeroizing::new(grouped)
    }

    /// The key-encryption key this recovery key stands for.
    pub fn kek(&self) -> Key {
        Key::derive(&self.0, "recovery key")
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}
