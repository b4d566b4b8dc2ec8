//! Public-key sealing, for values written by someone who must not be able to read them back:
//! a case key granted to a support worker (sealed to the worker's public key), an access-log
//! entry written while a police link is open, a friend's submission to her inbox, a Your Voice
//! response (sealed to the staff's key, which is sealed to each staff account).
//!
//! HPKE (RFC 9180) in base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and
//! ChaCha20-Poly1305, through the `hpke` crate. A sealed value is
//! `0x03 || encapsulated key (32) || ciphertext+tag`; the associated data binds it to its
//! place as with [`crate::seal`].
//!
//! Key pairs are never stored: each is derived from a symmetric key its owner already holds
//! (her account key, a generation of a case key), so only the public half is kept.

use std::fmt;

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use crate::{Aad, CryptoError, Key};

/// The first byte of a value sealed to a public key.
pub(crate) const PUBLIC_VERSION: u8 = 3;
const ENCAPPED_LEN: usize = 32;
/// Separates Lodge's HPKE use from any other.
const INFO: &[u8] = b"lodge/hpke/v1";

type Private = <X25519HkdfSha256 as Kem>::PrivateKey;
type Public = <X25519HkdfSha256 as Kem>::PublicKey;

/// A public key anyone may seal to. Printable and storable: it reveals nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The key's 32 bytes, for storing.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Reads a stored public key.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey, CryptoError> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Malformed("a public key has 32 bytes"))?;
        Public::from_bytes(&bytes).map_err(|_| CryptoError::Malformed("not a public key"))?;
        Ok(PublicKey(bytes))
    }

    /// Seals `plaintext` so that only the holder of the matching [`KeyPair`] can open it.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let recipient = Public::from_bytes(&self.0).map_err(|_| CryptoError::Malformed("not a public key"))?;
        let mut rng = rand_core::OsRng;
        let (encapped, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
            &OpModeS::Base,
            &recipient,
            INFO,
            plaintext,
            aad.bytes(),
            &mut rng,
        )
        .map_err(|_| CryptoError::Random)?;
        let mut out = Vec::with_capacity(1 + ENCAPPED_LEN + ct.len());
        out.push(PUBLIC_VERSION);
        out.extend_from_slice(&encapped.to_bytes());
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Seals a symmetric key so that only the holder of the matching [`KeyPair`] can open it.
    pub fn seal_key(&self, aad: &Aad, key: &Key) -> Result<Vec<u8>, CryptoError> {
        self.seal(aad, key.bytes())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", data_encoding::HEXLOWER.encode(&self.0[..8]))
    }
}

/// A key pair derived from a symmetric key. The private half cannot be printed, cloned or
/// serialised, and is zeroised on drop (by `x25519-dalek`).
pub struct KeyPair {
    private: Private,
    public: PublicKey,
}

impl KeyPair {
    /// The key pair `key` stands for in `purpose`: the same key and purpose always give the
    /// same pair (RFC 9180 DeriveKeyPair over an HKDF output).
    pub fn derive(key: &Key, purpose: &str) -> KeyPair {
        let seed = Key::derive(key.bytes(), purpose);
        let (private, public) = X25519HkdfSha256::derive_keypair(seed.bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&public.to_bytes());
        KeyPair { private, public: PublicKey(bytes) }
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Opens a value sealed to this pair's public key with the same associated data.
    pub fn open(&self, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed("empty value"))?;
        if version != PUBLIC_VERSION {
            return Err(CryptoError::Malformed("not sealed to a public key"));
        }
        if rest.len() < ENCAPPED_LEN + 16 {
            return Err(CryptoError::Malformed("value too short"));
        }
        let (encapped, ct) = rest.split_at(ENCAPPED_LEN);
        let encapped = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(encapped)
            .map_err(|_| CryptoError::Malformed("not an encapsulated key"))?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &self.private,
            &encapped,
            INFO,
            ct,
            aad.bytes(),
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
    }

    /// Opens a symmetric key sealed with [`PublicKey::seal_key`].
    pub fn open_key(&self, aad: &Aad, sealed: &[u8]) -> Result<Key, CryptoError> {
        let plain = self.open(aad, sealed)?;
        let bytes: [u8; 32] =
            plain.as_slice().try_into().map_err(|_| CryptoError::Malformed("a sealed key has the wrong length"))?;
        Ok(Key::from_bytes(bytes))
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair").field("public", &self.public).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pair_opens_and_the_place_is_bound() {
        let key = Key::generate().unwrap();
        let pair = KeyPair::derive(&key, "account");
        assert_eq!(pair.public(), KeyPair::derive(&key, "account").public(), "derivation is stable");
        assert_ne!(pair.public(), KeyPair::derive(&key, "other purpose").public());
        let stored = PublicKey::from_bytes(&pair.public().to_bytes()).unwrap();
        let aad = Aad::from_parts(&[b"grant", b"case 1"]);
        let sealed = stored.seal(&aad, b"case key bytes").unwrap();
        assert_eq!(&*pair.open(&aad, &sealed).unwrap(), b"case key bytes");
        assert!(pair.open(&Aad::from_parts(&[b"grant", b"case 2"]), &sealed).is_err());
        let stranger = KeyPair::derive(&Key::generate().unwrap(), "account");
        assert!(matches!(stranger.open(&aad, &sealed), Err(CryptoError::Decrypt)));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(pair.open(&aad, &tampered).is_err());
        assert!(pair.open(&aad, &sealed[..20]).is_err());
        assert!(PublicKey::from_bytes(&[1, 2, 3]).is_err());
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_pair_and_place() {
        let key = Key::generate().unwrap();
        let pair = KeyPair::derive(&Key::generate().unwrap(), "account");
        let aad = Aad::from_parts(&[b"staff key", b"user 1"]);
        let sealed = pair.public().seal_key(&aad, &key).unwrap();
        assert_eq!(pair.open_key(&aad, &sealed).unwrap().tag(b"x"), key.tag(b"x"));
        assert!(pair.open_key(&Aad::from_parts(&[b"staff key", b"user 2"]), &sealed).is_err());
        let short = pair.public().seal(&aad, b"not a key").unwrap();
        assert!(matches!(pair.open_key(&aad, &short), Err(CryptoError::Malformed(_))));
    }
}
