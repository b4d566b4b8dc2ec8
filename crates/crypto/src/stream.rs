//! Streaming file encryption: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár) over
//! XChaCha20-Poly1305 with a 32-bit big-endian chunk counter and a last-chunk flag.
//!
//! Layout: `"LDGE" || version (2) || key generation (u32 BE) || nonce prefix (19)`, then chunks of 64 KiB of plaintext,
//! each followed by its 16-byte tag; the last chunk (possibly empty) is flagged as last, so a
//! truncated file fails to decrypt. Every chunk is bound to the caller's associated data
//! (which names the file), so files cannot be swapped. Files written before key rotation have
//! version 1 and no generation (generation 0).

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};

use crate::{Aad, CryptoError, Key, random_bytes};

const MAGIC: &[u8; 4] = b"LDGE";
const VERSION: u8 = 2;
const VERSION_WITHOUT_GENERATION: u8 = 1;
const NONCE_PREFIX_LEN: usize = 19;
/// Length of the header that starts every encrypted file written now.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + 4 + NONCE_PREFIX_LEN;
/// Plaintext bytes per chunk.
pub const CHUNK_LEN: usize = 64 * 1024;
const TAG_LEN: usize = 16;

/// The size of the encrypted form of a file of `plain_len` bytes.
pub fn encrypted_len(plain_len: u64) -> u64 {
    let chunks = plain_len.div_ceil(CHUNK_LEN as u64).max(1);
    HEADER_LEN as u64 + plain_len + chunks * TAG_LEN as u64
}

/// Encrypts a file pushed to it piece by piece.
pub struct Encryptor {
    inner: EncryptorBE32<XChaCha20Poly1305>,
    aad: Aad,
    pending: Vec<u8>,
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Encryptor")
    }
}

impl Encryptor {
    /// Starts encrypting under `key`, generation `generation` of its ring; returns the
    /// encryptor and the header to write first.
    pub fn new(key: &Key, generation: u32, aad: Aad) -> Result<(Encryptor, Vec<u8>), CryptoError> {
        let mut prefix = [0u8; NONCE_PREFIX_LEN];
        random_bytes(&mut prefix)?;
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let inner = EncryptorBE32::from_aead(cipher, prefix.as_ref().into());
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        header.extend_from_slice(&generation.to_be_bytes());
        header.extend_from_slice(&prefix);
        Ok((Encryptor { inner, aad, pending: Vec::with_capacity(CHUNK_LEN * 2) }, header))
    }

    /// Adds plaintext; returns whatever ciphertext is ready (whole chunks only).
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.pending.extend_from_slice(data);
        let mut out = Vec::new();
        // Keep at least one byte back: only `finish` knows which chunk is last.
        while self.pending.len() > CHUNK_LEN {
            let rest = self.pending.split_off(CHUNK_LEN);
            let chunk = std::mem::replace(&mut self.pending, rest);
            let ct = self
                .inner
                .encrypt_next(Payload { msg: &chunk, aad: self.aad.bytes() })
                .map_err(|_| CryptoError::Malformed("file too large to encrypt"))?;
            out.extend_from_slice(&ct);
        }
        Ok(out)
    }

    /// Encrypts what remains as the last chunk.
    pub fn finish(self) -> Result<Vec<u8>, CryptoError> {
        self.inner
            .encrypt_last(Payload { msg: &self.pending, aad: self.aad.bytes() })
            .map_err(|_| CryptoError::Malformed("file too large to encrypt"))
    }
}

/// Decrypts a file pushed to it piece by piece. Plaintext is released only after its chunk
/// has authenticated; the whole file is authentic only once [`Decryptor::finish`] succeeds.
pub struct Decryptor {
    keys: Vec<Key>,
    aad: Aad,
    inner: Option<DecryptorBE32<XChaCha20Poly1305>>,
    pending: Vec<u8>,
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Decryptor")
    }
}

impl Decryptor {
    /// Starts decrypting a file encrypted under one of `keys` (generation `i` is `keys[i]`)
    /// with associated data `aad`.
    pub fn new(keys: Vec<Key>, aad: Aad) -> Decryptor {
        Decryptor { keys, aad, inner: None, pending: Vec::new() }
    }

    /// Adds ciphertext; returns whatever plaintext has authenticated.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.pending.extend_from_slice(data);
        if self.inner.is_none() && !self.start()? {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        while self.pending.len() > CHUNK_LEN + TAG_LEN {
            let rest = self.pending.split_off(CHUNK_LEN + TAG_LEN);
            let chunk = std::mem::replace(&mut self.pending, rest);
            let inner = self.inner.as_mut().ok_or(CryptoError::Malformed("no header"))?;
            let pt =
                inner.decrypt_next(Payload { msg: &chunk, aad: self.aad.bytes() }).map_err(|_| CryptoError::Decrypt)?;
            out.extend_from_slice(&pt);
        }
        Ok(out)
    }

    /// Reads the header once enough has arrived; false while it has not.
    fn start(&mut self) -> Result<bool, CryptoError> {
        let Some(&version) = self.pending.get(MAGIC.len()) else { return Ok(false) };
        if &self.pending[..MAGIC.len()] != MAGIC {
            return Err(CryptoError::Malformed("not a Lodge encrypted file"));
        }
        let header_len = match version {
            VERSION => HEADER_LEN,
            VERSION_WITHOUT_GENERATION => HEADER_LEN - 4,
            _ => return Err(CryptoError::Malformed("not a Lodge encrypted file")),
        };
        if self.pending.len() < header_len {
            return Ok(false);
        }
        let generation = if version == VERSION {
            let g = &self.pending[MAGIC.len() + 1..MAGIC.len() + 5];
            u32::from_be_bytes([g[0], g[1], g[2], g[3]])
        } else {
            0
        };
        let key = usize::try_from(generation)
            .ok()
            .and_then(|g| self.keys.get(g))
            .ok_or(CryptoError::Malformed("encrypted under a key generation this ring does not hold"))?;
        let prefix = self.pending[header_len - NONCE_PREFIX_LEN..header_len].to_vec();
        self.pending.drain(..header_len);
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        self.inner = Some(DecryptorBE32::from_aead(cipher, prefix.as_slice().into()));
        Ok(true)
    }

    /// Decrypts the last chunk. Fails if the file was truncated.
    pub fn finish(self) -> Result<Vec<u8>, CryptoError> {
        let inner = self.inner.ok_or(CryptoError::Malformed("file shorter than its header"))?;
        inner.decrypt_last(Payload { msg: &self.pending, aad: self.aad.bytes() }).map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encrypt(key: &Key, aad: &Aad, data: &[u8], piece: usize) -> Vec<u8> {
        let (mut enc, mut out) = Encryptor::new(key, 0, aad.clone()).unwrap();
        for part in data.chunks(piece.max(1)) {
            out.extend(enc.push(part).unwrap());
        }
        out.extend(enc.finish().unwrap());
        out
    }

    fn decrypt(key: &Key, aad: &Aad, data: &[u8], piece: usize) -> Result<Vec<u8>, CryptoError> {
        let mut dec = Decryptor::new(vec![key.duplicate()], aad.clone());
        let mut out = Vec::new();
        for part in data.chunks(piece.max(1)) {
            out.extend(dec.push(part)?);
        }
        out.extend(dec.finish()?);
        Ok(out)
    }

    #[test]
    fn round_trips_at_chunk_boundaries() {
        let key = Key::generate().unwrap();
        let aad = Aad::from_parts(&[b"evidence", b"1"]);
        for len in [0, 1, CHUNK_LEN - 1, CHUNK_LEN, CHUNK_LEN + 1, 3 * CHUNK_LEN, 3 * CHUNK_LEN + 77] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for piece in [1000, 7919, CHUNK_LEN + 3] {
                let ct = encrypt(&key, &aad, &data, piece);
                assert_eq!(ct.len() as u64, encrypted_len(len as u64));
                assert_eq!(decrypt(&key, &aad, &ct, piece / 3 + 1).unwrap(), data, "len {len}");
            }
        }
    }

    #[test]
    fn detects_truncation_swap_and_tamper() {
        let key = Key::generate().unwrap();
        let aad = Aad::from_parts(&[b"evidence", b"1"]);
        let data = vec![42u8; 2 * CHUNK_LEN + 10];
        let ct = encrypt(&key, &aad, &data, 4096);
        // Dropping the last chunk leaves a stream whose final chunk is not flagged last.
        let truncated = &ct[..HEADER_LEN + CHUNK_LEN + TAG_LEN];
        assert!(decrypt(&key, &aad, truncated, 4096).is_err());
        let other = Aad::from_parts(&[b"evidence", b"2"]);
        assert!(decrypt(&key, &other, &ct, 4096).is_err());
        let mut tampered = ct.clone();
        tampered[HEADER_LEN + 5] ^= 0x80;
        assert!(decrypt(&key, &aad, &tampered, 4096).is_err());
        assert!(decrypt(&key, &aad, b"plaintext that is not a lodge file", 8).is_err());
    }

    #[test]
    fn files_from_before_generations_still_open() {
        let key = Key::generate().unwrap();
        let aad = Aad::from_parts(&[b"evidence", b"1"]);
        let data = vec![7u8; CHUNK_LEN + 100];
        let mut old = encrypt(&key, &aad, &data, 5000);
        // The version 1 header is the version 2 header without the generation.
        old.drain(MAGIC.len() + 1..MAGIC.len() + 5);
        old[MAGIC.len()] = VERSION_WITHOUT_GENERATION;
        assert_eq!(decrypt(&key, &aad, &old, 3).unwrap(), data);
        let (mut enc, mut newer) = Encryptor::new(&key, 1, aad.clone()).unwrap();
        newer.extend(enc.push(b"after rotation").unwrap());
        newer.extend(enc.finish().unwrap());
        assert!(decrypt(&key, &aad, &newer, 64).is_err(), "generation 1 is not in a one-key ring");
        let mut dec = Decryptor::new(vec![Key::generate().unwrap(), key.duplicate()], aad.clone());
        let mut plain = dec.push(&newer).unwrap();
        plain.extend(dec.finish().unwrap());
        assert_eq!(plain, b"after rotation");
    }
}
