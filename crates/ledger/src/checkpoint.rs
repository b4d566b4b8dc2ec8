//! Signed checkpoints: the server's signature over a log's size and root, in the C2SP
//! `tlog-checkpoint` text format inside a C2SP `signed-note`.
//!
//! Each case's log has its own origin line, `<server name>/case/<case id>`, and the note's
//! key name is that origin, as `tlog-checkpoint` recommends. So one server key gives each
//! case its own verifier key text (`<origin>+<key id>+<public key>`), which is what a report
//! prints for someone checking it with standard tools.

use ed25519_dalek::Signer as _;
use lodge_crypto::{Aad, Key};
use signed_note::{Note, StandardVerifier, VerifierList};
use zeroize::Zeroizing;

use crate::LedgerError;
use crate::tree::Hash;

/// A log's size and root at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Which log: `<server name>/case/<case id>`.
    pub origin: String,
    /// How many leaves.
    pub size: u64,
    /// The RFC 6962 root of those leaves.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint text: origin, size and base64 root, one per line.
    pub fn text(&self) -> Result<String, LedgerError> {
        let c = tlog_tiles::Checkpoint::new(&self.origin, self.size, self.root, "")
            .map_err(|e| LedgerError::Malformed(e.to_string()))?;
        String::from_utf8(c.to_bytes()).map_err(|e| LedgerError::Malformed(e.to_string()))
    }

    fn parse(text: &[u8]) -> Result<Checkpoint, LedgerError> {
        let c = tlog_tiles::Checkpoint::from_bytes(text).map_err(|e| LedgerError::Malformed(e.to_string()))?;
        Ok(Checkpoint { origin: c.origin().to_owned(), size: c.size(), root: *c.hash() })
    }
}

/// The log origin for a case on a server.
pub fn origin(server_name: &str, case: uuid::Uuid) -> String {
    format!("{server_name}/case/{case}")
}

/// The server's Ed25519 checkpoint key. It cannot be printed, cloned or serialised, and
/// is zeroised on drop; at rest it is sealed under a key-encryption key.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

fn key_aad() -> Aad {
    Aad::from_parts(&[b"ledger signing key"])
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<SigningKey, LedgerError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        lodge_crypto::random_bytes(&mut seed[..])?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key sealed under `kek`, for storing.
    pub fn seal(&self, kek: &Key) -> Result<Vec<u8>, LedgerError> {
        Ok(lodge_crypto::seal(kek, &key_aad(), self.0.as_bytes())?)
    }

    /// Opens a key sealed by [`SigningKey::seal`].
    pub fn open(kek: &Key, sealed: &[u8]) -> Result<SigningKey, LedgerError> {
        let seed = lodge_crypto::open(kek, &key_aad(), sealed)?;
        let seed: [u8; 32] =
            seed.as_slice().try_into().map_err(|_| LedgerError::Malformed("signing key length".into()))?;
        let seed = Zeroizing::new(seed);
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The public key, base64, as shown to people who check reports.
    pub fn public_key(&self) -> String {
        data_encoding::BASE64.encode(self.0.verifying_key().as_bytes())
    }

    /// The signed-note verifier key text for one log.
    pub fn verifier_key(&self, origin: &str) -> String {
        signed_note::new_ed25519_verifier_key(origin, &self.0.verifying_key())
    }

    /// Signs a checkpoint: the whole signed note, as text.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, LedgerError> {
        self.sign_text(&checkpoint.origin, &checkpoint.text()?)
    }

    /// Signs any statement about a log (such as a bundle's manifest digest) as a signed note
    /// under the log's name, so the log's verifier key checks it. `text` must end in a newline.
    pub fn sign_text(&self, origin: &str, text: &str) -> Result<String, LedgerError> {
        let mut note = Note::new(text.as_bytes(), &[]).map_err(|e| LedgerError::Malformed(e.to_string()))?;
        let signer = NoteSigner { name: origin, id: key_id(origin, &self.0.verifying_key()), key: &self.0 };
        note.add_sigs(&[&signer]).map_err(|e| LedgerError::Malformed(e.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|e| LedgerError::Malformed(e.to_string()))
    }
}

fn key_id(name: &str, key: &ed25519_dalek::VerifyingKey) -> u32 {
    let encoded = [&[1u8][..], key.as_bytes()].concat();
    signed_note::key_id(name, &encoded)
}

struct NoteSigner<'a> {
    name: &'a str,
    id: u32,
    key: &'a ed25519_dalek::SigningKey,
}

impl signed_note::Signer for NoteSigner<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

/// Checks signed checkpoints against one verifier key.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: String,
}

impl Verifier {
    /// A verifier from signed-note verifier key text (`<name>+<id>+<base64 key>`).
    pub fn new(key: &str) -> Result<Verifier, LedgerError> {
        StandardVerifier::new(key.trim()).map_err(|e| LedgerError::Malformed(format!("verifier key: {e}")))?;
        Ok(Verifier { key: key.trim().to_owned() })
    }

    /// A verifier for one log from the server's base64 public key.
    pub fn for_log(public_key: &str, origin: &str) -> Result<Verifier, LedgerError> {
        let bytes: [u8; 32] = data_encoding::BASE64
            .decode(public_key.trim().as_bytes())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| LedgerError::Malformed("the public key is not 32 bytes of base64".into()))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| LedgerError::Malformed("the public key is not an Ed25519 key".into()))?;
        Verifier::new(&signed_note::new_ed25519_verifier_key(origin, &key))
    }

    /// The verifier key text.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Checks a signed note and returns the checkpoint it carries.
    pub fn open(&self, note: &[u8]) -> Result<Checkpoint, LedgerError> {
        let checkpoint = Checkpoint::parse(&self.open_text(note)?)?;
        // The key name is the origin: a note signed for one log never passes for another.
        if self.key.split('+').next() != Some(checkpoint.origin.as_str()) {
            return Err(LedgerError::BadSignature(self.key.clone()));
        }
        Ok(checkpoint)
    }

    /// Checks a signed note made by [`SigningKey::sign_text`] and returns its text.
    pub fn open_text(&self, note: &[u8]) -> Result<Vec<u8>, LedgerError> {
        let verifier =
            StandardVerifier::new(&self.key).map_err(|e| LedgerError::Malformed(format!("verifier key: {e}")))?;
        let note = Note::from_bytes(note).map_err(|e| LedgerError::Malformed(e.to_string()))?;
        note.verify(&VerifierList::new(vec![Box::new(verifier)]))
            .map_err(|_| LedgerError::BadSignature(self.key.clone()))?;
        Ok(note.text().to_vec())
    }
}
