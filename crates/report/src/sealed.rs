//! Bundles sealed with age, for sending over channels she does not trust: to a passphrase
//! (given to the officer separately) or to an officer's age public key (X25519). The sealed
//! file is the same zip inside standard age encryption, so `age -d` opens it too, and
//! [`crate::verify_bundle`] checks it after [`open`].

use std::io::{self, Read, Seek, Write};
use std::str::FromStr;

use age::secrecy::SecretString;

use crate::{ReportError, VerifyError};

/// The first bytes of every age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";
/// Shortest passphrase accepted for sealing.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Who can open a sealed bundle.
pub enum Seal {
    /// Anyone with this passphrase.
    Passphrase(SecretString),
    /// Holders of these age X25519 identities (`age1…` recipients).
    Recipients(Vec<age::x25519::Recipient>),
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seal::Passphrase(_) => f.write_str("Seal::Passphrase(…)"),
            Seal::Recipients(r) => f.debug_tuple("Seal::Recipients").field(&r.len()).finish(),
        }
    }
}

/// Why a seal cannot be used, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The passphrase is too short.
    #[error("Use a passphrase of at least {MIN_PASSPHRASE_CHARS} characters, for example four unrelated words.")]
    WeakPassphrase,
    /// A recipient is not an age public key.
    #[error("That is not an age public key. It starts with age1 and is about 60 characters long.")]
    BadRecipient,
}

impl Seal {
    /// A passphrase seal, if the passphrase is long enough.
    pub fn passphrase(passphrase: SecretString) -> Result<Seal, SealError> {
        use age::secrecy::ExposeSecret;
        if passphrase.expose_secret().trim().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(SealError::WeakPassphrase);
        }
        Ok(Seal::Passphrase(passphrase))
    }

    /// A seal to age public keys written as `age1…`.
    pub fn recipients<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<Seal, SealError> {
        let recipients = keys
            .into_iter()
            .map(|k| age::x25519::Recipient::from_str(k.trim()).map_err(|_| SealError::BadRecipient))
            .collect::<Result<Vec<_>, _>>()?;
        if recipients.is_empty() {
            return Err(SealError::BadRecipient);
        }
        Ok(Seal::Recipients(recipients))
    }

    /// Wraps `out` so that what is written is sealed. Call [`age::stream::StreamWriter::finish`]
    /// at the end.
    pub fn wrap<W: Write>(&self, out: W) -> Result<age::stream::StreamWriter<W>, ReportError> {
        let encryptor = match self {
            Seal::Passphrase(p) => age::Encryptor::with_user_passphrase(p.clone()),
            Seal::Recipients(list) => age::Encryptor::with_recipients(list.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| ReportError::Bundle(e.to_string()))?,
        };
        encryptor.wrap_output(out).map_err(|e| ReportError::Bundle(e.to_string()))
    }
}

/// What opens a sealed bundle.
pub enum Unseal {
    /// A passphrase.
    Passphrase(SecretString),
    /// The contents of an age identity file (`AGE-SECRET-KEY-1…` lines).
    Identities(String),
}

impl std::fmt::Debug for Unseal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unseal(…)")
    }
}

/// Whether a file starts like an age file.
pub fn is_sealed<R: Read + Seek>(reader: &mut R) -> io::Result<bool> {
    let mut start = [0u8; AGE_MAGIC.len()];
    let position = reader.stream_position()?;
    let read = reader.read(&mut start)?;
    reader.seek(io::SeekFrom::Start(position))?;
    Ok(read == start.len() && start == AGE_MAGIC)
}

/// Opens a sealed bundle for reading; the result can be given to [`crate::verify_bundle`].
pub fn open<R: Read + Seek>(reader: R, key: &Unseal) -> Result<age::stream::StreamReader<R>, VerifyError> {
    let decryptor =
        age::Decryptor::new(reader).map_err(|e| VerifyError::Bundle(format!("is not a readable age file: {e}")))?;
    let refused = |e: age::DecryptError| VerifyError::Bundle(format!("cannot be opened with this key: {e}"));
    match key {
        Unseal::Passphrase(p) => {
            let identity = age::scrypt::Identity::new(p.clone());
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(refused)
        }
        Unseal::Identities(text) => {
            let identities = age::IdentityFile::from_buffer(text.as_bytes())
                .and_then(|f| f.into_identities().map_err(io::Error::other))
                .map_err(|e| VerifyError::Bundle(format!("cannot be opened: the identity file is not valid: {e}")))?;
            decryptor.decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity)).map_err(refused)
        }
    }
}
