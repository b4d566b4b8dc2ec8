//! A case's keys across rotations. When she revokes someone's access the case gets a new key
//! (a new *generation*) for everything written from then on; older generations stay in the
//! ring so older values still open. Whoever is granted the case is given the whole ring.
//!
//! Formats, each starting with a byte that says which it is:
//! - `0x01 || nonce || ct`: sealed with [`crate::seal`] before rotation existed; generation 0.
//! - `0x02 || generation (u32 BE) || nonce (24) || ct`: sealed with a generation's key.
//! - `0x04 || generation (u32 BE) || public-key sealed value`: sealed to the case's public key
//!   of that generation ([`CasePublicKey`]) by someone who cannot read the case; the key pair
//!   is derived from that generation's key.
//!
//! The generation is bound into the associated data, so a value cannot be relabelled.

use std::fmt;

use zeroize::Zeroizing;

use crate::aead::{open_raw, seal_raw};
use crate::public::{KeyPair, PublicKey};
use crate::stream::{Decryptor, Encryptor};
use crate::{Aad, CryptoError, Key, open, seal};

const GENERATION_VERSION: u8 = 2;
const CASE_PUBLIC_VERSION: u8 = 4;
const LEGACY_VERSION: u8 = 1;
const KEY_PAIR_PURPOSE: &str = "case public key";

/// Every generation of a case's key, newest last. It cannot be printed, cloned or
/// serialised; its keys are zeroised on drop.
pub struct Keyring {
    keys: Vec<Key>,
}

/// A case's public key: anyone may seal to it, only holders of the case's keys can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePublicKey {
    /// The generation whose key pair this is.
    pub generation: u32,
    /// The public key.
    pub key: PublicKey,
}

impl CasePublicKey {
    /// The generation and key, for storing.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.generation.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.to_bytes());
        out
    }

    /// Reads a stored case public key.
    pub fn from_bytes(bytes: &[u8]) -> Result<CasePublicKey, CryptoError> {
        let (generation, key) = split_generation(bytes)?;
        Ok(CasePublicKey { generation, key: PublicKey::from_bytes(key)? })
    }

    /// Seals `plaintext` for the case, bound to `aad`.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let inner = self.key.seal(&with_generation(aad, self.generation), plaintext)?;
        let mut out = Vec::with_capacity(5 + inner.len());
        out.push(CASE_PUBLIC_VERSION);
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(&inner);
        Ok(out)
    }
}

fn with_generation(aad: &Aad, generation: u32) -> Aad {
    Aad::from_parts(&[b"case key generation", &generation.to_be_bytes(), aad.bytes()])
}

fn split_generation(rest: &[u8]) -> Result<(u32, &[u8]), CryptoError> {
    if rest.len() < 4 {
        return Err(CryptoError::Malformed("value too short"));
    }
    let (generation, rest) = rest.split_at(4);
    let generation = u32::from_be_bytes([generation[0], generation[1], generation[2], generation[3]]);
    Ok((generation, rest))
}

impl Keyring {
    /// A ring with one fresh key (generation 0).
    pub fn generate() -> Result<Keyring, CryptoError> {
        Ok(Keyring { keys: vec![Key::generate()?] })
    }

    /// Adds a fresh generation; what is sealed from now on uses it.
    pub fn rotate(&mut self) -> Result<(), CryptoError> {
        self.keys.push(Key::generate()?);
        Ok(())
    }

    /// The newest generation's number.
    pub fn generation(&self) -> u32 {
        u32::try_from(self.keys.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    fn key(&self, generation: u32) -> Result<&Key, CryptoError> {
        usize::try_from(generation)
            .ok()
            .and_then(|g| self.keys.get(g))
            .ok_or(CryptoError::Malformed("sealed under a key generation this ring does not hold"))
    }

    fn current(&self) -> Result<&Key, CryptoError> {
        self.key(self.generation())
    }

    /// An explicit copy, for a job that outlives the request which opened the case.
    pub fn duplicate(&self) -> Keyring {
        Keyring { keys: self.keys.iter().map(Key::duplicate).collect() }
    }

    /// Seals `plaintext` under the newest generation, bound to `aad`.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let generation = self.generation();
        let inner = seal_raw(self.current()?, &with_generation(aad, generation), plaintext)?;
        let mut out = Vec::with_capacity(5 + inner.len());
        out.push(GENERATION_VERSION);
        out.extend_from_slice(&generation.to_be_bytes());
        out.extend_from_slice(&inner);
        Ok(out)
    }

    /// Opens a value sealed by [`Keyring::seal`] (any generation in the ring) or by
    /// [`crate::seal`] under generation 0: a value only a holder of the case's keys could
    /// have written. A value sealed to the case's public key is refused, because anyone who
    /// has seen the public key could have written it ([`CryptoError::SentByAnyone`]).
    pub fn open(&self, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.open_any(aad, sealed, false)
    }

    /// Opens a value that someone without the case's keys may have sent (a submission to her
    /// inbox, its files' keys and its log entry): sealed to a [`CasePublicKey`] of any
    /// generation in the ring, or as [`Keyring::open`] takes.
    pub fn open_sent(&self, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.open_any(aad, sealed, true)
    }

    /// Whether `sealed` is in the form a case's public key seals to; needs no key, so a
    /// check without keys can find such values where they do not belong.
    pub fn is_sealed_to_public_key(sealed: &[u8]) -> bool {
        sealed.first() == Some(&CASE_PUBLIC_VERSION)
    }

    fn open_any(&self, aad: &Aad, sealed: &[u8], sent: bool) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed("empty value"))?;
        match version {
            LEGACY_VERSION => open(self.key(0)?, aad, sealed),
            GENERATION_VERSION => {
                let (generation, inner) = split_generation(rest)?;
                open_raw(self.key(generation)?, &with_generation(aad, generation), inner)
            }
            CASE_PUBLIC_VERSION if !sent => Err(CryptoError::SentByAnyone),
            CASE_PUBLIC_VERSION => {
                let (generation, inner) = split_generation(rest)?;
                let pair = KeyPair::derive(self.key(generation)?, KEY_PAIR_PURPOSE);
                pair.open(&with_generation(aad, generation), inner)
            }
            _ => Err(CryptoError::Malformed("unknown version")),
        }
    }

    /// The newest generation's public key, for those who may add to the case without
    /// reading it.
    pub fn public_key(&self) -> Result<CasePublicKey, CryptoError> {
        let pair = KeyPair::derive(self.current()?, KEY_PAIR_PURPOSE);
        Ok(CasePublicKey { generation: self.generation(), key: pair.public().clone() })
    }

    /// Starts encrypting a file under the newest generation.
    pub fn encryptor(&self, aad: Aad) -> Result<(Encryptor, Vec<u8>), CryptoError> {
        Encryptor::new(self.current()?, self.generation(), aad)
    }

    /// Starts decrypting a file encrypted under any generation in the ring.
    pub fn decryptor(&self, aad: Aad) -> Decryptor {
        Decryptor::new(self.keys.iter().map(Key::duplicate).collect(), aad)
    }

    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(32 * self.keys.len()));
        for key in &self.keys {
            out.extend_from_slice(key.bytes());
        }
        out
    }

    fn from_bytes(bytes: &[u8]) -> Result<Keyring, CryptoError> {
        if bytes.is_empty() || !bytes.len().is_multiple_of(32) {
            return Err(CryptoError::Malformed("a key ring is a list of 32-byte keys"));
        }
        let keys = bytes
            .chunks_exact(32)
            .map(|chunk| {
                let mut key = [0u8; 32];
                key.copy_from_slice(chunk);
                Key::from_bytes(key)
            })
            .collect();
        Ok(Keyring { keys })
    }

    /// Encrypts the ring under `kek` (her account key, a share's link key), bound to `aad`.
    /// A ring of one generation wraps to the same form as [`crate::wrap_key`] of its key.
    pub fn wrap(&self, kek: &Key, aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        seal(kek, aad, &self.to_bytes())
    }

    /// Decrypts a ring wrapped by [`Keyring::wrap`] (or a single key by [`crate::wrap_key`]).
    pub fn unwrap(kek: &Key, aad: &Aad, wrapped: &[u8]) -> Result<Keyring, CryptoError> {
        Keyring::from_bytes(&open(kek, aad, wrapped)?)
    }

    /// Seals the ring to someone's public key (a grant to a support worker).
    pub fn seal_to(&self, recipient: &PublicKey, aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        recipient.seal(aad, &self.to_bytes())
    }

    /// Seals this ring (the keys of a file someone sent) for a case, to its public key.
    pub fn seal_to_case(&self, case: &CasePublicKey, aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        case.seal(aad, &self.to_bytes())
    }

    /// Opens a ring sealed by [`Keyring::seal_to_case`] with the case's own keys.
    pub fn open_from_case(case: &Keyring, aad: &Aad, sealed: &[u8]) -> Result<Keyring, CryptoError> {
        Keyring::from_bytes(&case.open_sent(aad, sealed)?)
    }

    /// Opens a ring sealed by [`Keyring::seal_to`] with the recipient's key pair.
    pub fn open_with(pair: &KeyPair, aad: &Aad, sealed: &[u8]) -> Result<Keyring, CryptoError> {
        Keyring::from_bytes(&pair.open(aad, sealed)?)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keyring(<{} generations, redacted>)", self.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wrap_key;

    #[test]
    fn older_generations_still_open_after_rotation() {
        let mut ring = Keyring::generate().unwrap();
        let aad = Aad::field("incident", "1", "description", 1);
        let before = ring.seal(&aad, b"first message").unwrap();
        let public_before = ring.public_key().unwrap();
        let dropped = public_before.seal(&aad, b"left by a police link").unwrap();
        ring.rotate().unwrap();
        assert_eq!(ring.generation(), 1);
        let after = ring.seal(&aad, b"after revocation").unwrap();
        assert_eq!(&*ring.open(&aad, &before).unwrap(), b"first message");
        assert_eq!(&*ring.open(&aad, &after).unwrap(), b"after revocation");
        assert_eq!(&*ring.open_sent(&aad, &dropped).unwrap(), b"left by a police link");
        // Anyone who has seen the public key could have written it: only `open_sent` takes it.
        assert!(matches!(ring.open(&aad, &dropped), Err(CryptoError::SentByAnyone)));
        assert!(Keyring::is_sealed_to_public_key(&dropped) && !Keyring::is_sealed_to_public_key(&before));
        let stored = CasePublicKey::from_bytes(&public_before.to_bytes()).unwrap();
        assert_eq!(stored, public_before);
        let file_keys = Keyring::generate().unwrap();
        let sealed_ring = file_keys.seal_to_case(&stored, &aad).unwrap();
        let opened = Keyring::open_from_case(&ring, &aad, &sealed_ring).unwrap();
        let sealed_file = file_keys.seal(&aad, b"a file from a friend").unwrap();
        assert_eq!(&*opened.open(&aad, &sealed_file).unwrap(), b"a file from a friend");
        assert_ne!(ring.public_key().unwrap(), public_before);

        // Someone who kept only the old ring cannot read what is written after the rotation.
        let kek = Key::generate().unwrap();
        let wraps = Aad::from_parts(&[b"test"]);
        let mut old = Keyring::generate().unwrap();
        let old_wrapped = old.wrap(&kek, &wraps).unwrap();
        old.rotate().unwrap();
        let newer = old.seal(&aad, b"new").unwrap();
        let kept = Keyring::unwrap(&kek, &wraps, &old_wrapped).unwrap();
        assert!(kept.open(&aad, &newer).is_err());
    }

    #[test]
    fn generation_and_place_are_bound() {
        let ring = Keyring::generate().unwrap();
        let aad = Aad::field("person", "1", "name", 1);
        let mut sealed = ring.seal(&aad, b"@wolf").unwrap();
        assert!(ring.open(&Aad::field("person", "2", "name", 1), &sealed).is_err());
        sealed[4] = 1; // claims generation 1, which the ring does not have
        assert!(ring.open(&aad, &sealed).is_err());
        assert!(ring.open(&aad, &[9, 0, 0]).is_err());
        assert!(ring.open(&aad, &[]).is_err());
    }

    #[test]
    fn single_keys_wrapped_before_rings_open_as_generation_zero() {
        let key = Key::generate().unwrap();
        let kek = Key::generate().unwrap();
        let aad = Aad::from_parts(&[b"case key"]);
        let legacy_value = seal(&key, &Aad::field("case", "1", "title", 1), b"old title").unwrap();
        let ring = Keyring::unwrap(&kek, &aad, &wrap_key(&kek, &aad, &key).unwrap()).unwrap();
        assert_eq!(ring.generation(), 0);
        assert_eq!(&*ring.open(&Aad::field("case", "1", "title", 1), &legacy_value).unwrap(), b"old title");
    }

    #[test]
    fn a_ring_sealed_to_a_worker_opens_only_for_her() {
        let mut ring = Keyring::generate().unwrap();
        ring.rotate().unwrap();
        let worker = KeyPair::derive(&Key::generate().unwrap(), "account");
        let aad = Aad::from_parts(&[b"grant"]);
        let sealed = ring.seal_to(worker.public(), &aad).unwrap();
        let opened = Keyring::open_with(&worker, &aad, &sealed).unwrap();
        let value = ring.seal(&aad, b"x").unwrap();
        assert_eq!(&*opened.open(&aad, &value).unwrap(), b"x");
        let other = KeyPair::derive(&Key::generate().unwrap(), "account");
        assert!(Keyring::open_with(&other, &aad, &sealed).is_err());
    }
}
