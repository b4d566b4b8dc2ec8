//! Sealing single values with XChaCha20-Poly1305 and associated data that binds each value to
//! its place.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::{CryptoError, Key, random_bytes};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// Associated data: where a sealed value belongs. Built from length-prefixed parts so that no
/// two different places can produce the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// Associated data for field `field` of record `id` (of kind `kind`) at `version`.
    pub fn field(kind: &str, id: &str, field: &str, version: i64) -> Aad {
        Aad::from_parts(&[kind.as_bytes(), id.as_bytes(), field.as_bytes(), &version.to_be_bytes()])
    }

    /// Associated data from any list of parts.
    pub fn from_parts(parts: &[&[u8]]) -> Aad {
        let mut out = b"lodge/aad/v1".to_vec();
        for part in parts {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part);
        }
        Aad(out)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Encrypts `plaintext` under `key`, bound to `aad`.
pub fn seal(key: &Key, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![VERSION];
    out.extend_from_slice(&seal_raw(key, aad, plaintext)?);
    Ok(out)
}

/// `nonce || ciphertext+tag`, without a version byte: the caller's format says what it is.
pub(crate) fn seal_raw(key: &Key, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: aad.bytes() })
        .map_err(|_| CryptoError::Decrypt)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts a value sealed by [`seal`] with the same key and associated data.
pub fn open(key: &Key, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed("empty value"))?;
    if version != VERSION {
        return Err(CryptoError::Malformed("unknown version"));
    }
    open_raw(key, aad, rest)
}

/// Decrypts what [`seal_raw`] made.
pub(crate) fn open_raw(key: &Key, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(CryptoError::Malformed("value too short"));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: aad.bytes() })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = Key::generate().unwrap();
        let aad = Aad::field("incident", "abc", "description", 1);
        let sealed = seal(&key, &aad, b"he messaged again").unwrap();
        assert_eq!(&*open(&key, &aad, &sealed).unwrap(), b"he messaged again");
        for other in [
            Aad::field("incident", "abc", "verbatim", 1),
            Aad::field("incident", "abd", "description", 1),
            Aad::field("incident", "abc", "description", 2),
            Aad::field("person", "abc", "description", 1),
        ] {
            assert!(matches!(open(&key, &other, &sealed), Err(CryptoError::Decrypt)));
        }
        let other_key = Key::generate().unwrap();
        assert!(open(&other_key, &aad, &sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(open(&key, &aad, &tampered).is_err());
    }

    #[test]
    fn aad_parts_are_unambiguous() {
        assert_ne!(Aad::from_parts(&[b"ab", b"c"]), Aad::from_parts(&[b"a", b"bc"]));
    }
}
