//! Each case's append-only log: what changed, when and by whom, kept so that nobody — not
//! the server, not an administrator — can quietly rewrite it afterwards.
//!
//! Design notes:
//! - **Leaves are salted commitments** ([`entry`]): a leaf is `SHA-256(domain ‖ salt ‖ entry)`,
//!   and the entry (event, record, version, time, author, content digest) is stored sealed
//!   under the case key. The log alone reveals nothing about a case; opening one leaf (for an
//!   exhibit in a bundle) reveals that leaf and nothing else.
//! - **The tree is RFC 6962** ([`tree`]), kept as the flat list of "stored hashes" of
//!   Go's `sumdb/tlog` (through the `tlog_tiles` crate): an append writes about two hashes, and
//!   any root or proof needs at most a few dozen, read by index.
//! - **Checkpoints** ([`checkpoint`]) are C2SP `tlog-checkpoint` texts in C2SP `signed-note`
//!   envelopes, signed with the server's Ed25519 key, so standard tooling can check them.
//! - **Trusted time** ([`timestamp`]): when the organisation configures a timestamp authority,
//!   each new checkpoint gets an RFC 3161 token over its note.
//! - **Deletion keeps the leaf.** Erasing content never removes a leaf; a deletion is a leaf
//!   of its own, so the log shows honestly that something was deleted.

pub mod checkpoint;
pub mod entry;
pub mod record;
pub mod timestamp;
pub mod tree;

pub use checkpoint::{Checkpoint, SigningKey, Verifier};
pub use entry::{Action, Entry, Opening, Subject};
pub use record::{FieldProof, RecordBody, ShownField};
pub use tree::{Hash, Proof};

/// What can go wrong with a log, its proofs or its checkpoints.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A proof does not lead to the root it claims.
    #[error("the proof does not match the checkpoint")]
    InvalidProof,
    /// Sizes or indexes that cannot go together (a leaf past the end, a shrinking log).
    #[error("{0}")]
    Range(String),
    /// A checkpoint note is not in the signed-note or checkpoint format.
    #[error("the checkpoint is malformed: {0}")]
    Malformed(String),
    /// A checkpoint's signature is missing or wrong.
    #[error("the checkpoint's signature is not valid for key {0}")]
    BadSignature(String),
    /// A timestamp request, reply or token is wrong.
    #[error("trusted timestamp: {0}")]
    Timestamp(String),
    /// An entry could not be read.
    #[error("a log entry is malformed: {0}")]
    Entry(String),
    /// Sealing or opening the signing key failed.
    #[error(transparent)]
    Crypto(#[from] lodge_crypto::CryptoError),
}
