//! The RFC 6962 Merkle tree over a case's leaves, stored as a flat list of hashes.
//!
//! Every operation works in two steps so the hashes can live in any database: first ask
//! which stored hashes it needs (`*_needs`), read exactly those, then compute. The hashing
//! and proof logic is the `tlog_tiles` crate's port of Go's `sumdb/tlog`; this module only
//! decides which hashes to read and turns its errors into [`LedgerError`].

use std::cell::RefCell;

pub use tlog_tiles::Hash;
use tlog_tiles::HashReader;

use crate::LedgerError;

/// An inclusion or consistency proof: the hashes, in RFC 6962 order.
pub type Proof = Vec<Hash>;

/// Longest proof accepted from outside: a log of 2⁶⁴ leaves needs fewer.
pub const MAX_PROOF_LEN: usize = 128;

/// The RFC 6962 leaf hash of a commitment: `SHA-256(0x00 ‖ commitment)`.
pub fn leaf_hash(commitment: &[u8; 32]) -> Hash {
    tlog_tiles::record_hash(commitment)
}

/// Stored hashes read for one operation: the indexes asked for and the hashes found.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    indexes: Vec<u64>,
    hashes: Vec<Hash>,
}

impl Fetched {
    /// Pairs the indexes asked for with the hashes read, in the same order.
    pub fn new(indexes: Vec<u64>, hashes: Vec<Hash>) -> Fetched {
        Fetched { indexes, hashes }
    }
}

impl HashReader for Fetched {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                self.indexes
                    .iter()
                    .position(|have| have == i)
                    .and_then(|p| self.hashes.get(p).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Notes which hashes an operation reads, answering with placeholders.
#[derive(Default)]
struct Recorder(RefCell<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash::default(); indexes.len()])
    }
}

fn needs<T>(op: impl FnOnce(&Recorder) -> Result<T, tlog_tiles::Error>) -> Vec<u64> {
    let recorder = Recorder::default();
    // Only the indexes matter here; an out-of-range request fails again, properly, in the
    // second step.
    let _ = op(&recorder);
    recorder.0.into_inner()
}

fn range(e: tlog_tiles::Error) -> LedgerError {
    match e {
        tlog_tiles::Error::InvalidProof => LedgerError::InvalidProof,
        other => LedgerError::Range(other.to_string()),
    }
}

/// Stored hashes to read before appending leaf number `index` (counting from 0).
pub fn append_needs(index: u64) -> Vec<u64> {
    needs(|r| tlog_tiles::stored_hashes_for_record_hash(index, Hash::default(), r))
}

/// The stored hashes to write when appending leaf number `index`, and the stored index of
/// the first of them.
pub fn append(index: u64, leaf: Hash, have: &Fetched) -> Result<(u64, Vec<Hash>), LedgerError> {
    let hashes = tlog_tiles::stored_hashes_for_record_hash(index, leaf, have).map_err(range)?;
    Ok((tlog_tiles::stored_hash_index(0, index), hashes))
}

/// The root of a log rebuilt from its leaf hashes alone, ignoring every stored hash: each
/// append is replayed. Comparing it with the root of the stored hashes checks those.
pub fn root_of_leaves(leaves: &[Hash]) -> Result<Hash, LedgerError> {
    let mut stored: Vec<Hash> = Vec::with_capacity(leaves.len() * 2);
    let pick = |stored: &[Hash], need: Vec<u64>| -> Result<Fetched, LedgerError> {
        let hashes = need
            .iter()
            .map(|&n| stored.get(n as usize).copied().ok_or_else(|| LedgerError::Range("a hash is missing".into())))
            .collect::<Result<Vec<Hash>, LedgerError>>()?;
        Ok(Fetched::new(need, hashes))
    };
    for (i, leaf) in leaves.iter().enumerate() {
        let have = pick(&stored, append_needs(i as u64))?;
        let (first, hashes) = append(i as u64, *leaf, &have)?;
        if first as usize != stored.len() {
            return Err(LedgerError::Range("stored hashes out of order".into()));
        }
        stored.extend(hashes);
    }
    let size = leaves.len() as u64;
    root(size, &pick(&stored, root_needs(size))?)
}

/// Stored hashes to read for the root of the first `size` leaves.
pub fn root_needs(size: u64) -> Vec<u64> {
    needs(|r| tlog_tiles::tree_hash(size, r))
}

/// The root of the first `size` leaves.
pub fn root(size: u64, have: &Fetched) -> Result<Hash, LedgerError> {
    tlog_tiles::tree_hash(size, have).map_err(range)
}

/// Stored hashes to read to prove leaf `index` is in the log of `size` leaves.
pub fn inclusion_needs(size: u64, index: u64) -> Vec<u64> {
    needs(|r| tlog_tiles::prove_record(size, index, r))
}

/// The inclusion proof (audit path) of leaf `index` in the log of `size` leaves.
pub fn inclusion(size: u64, index: u64, have: &Fetched) -> Result<Proof, LedgerError> {
    tlog_tiles::prove_record(size, index, have).map_err(range)
}

/// Stored hashes to read to prove the log of `old` leaves is a prefix of that of `new`.
pub fn consistency_needs(old: u64, new: u64) -> Vec<u64> {
    needs(|r| tlog_tiles::prove_tree(new, old, r))
}

/// The consistency proof from the log of `old` leaves to that of `new`.
pub fn consistency(old: u64, new: u64, have: &Fetched) -> Result<Proof, LedgerError> {
    tlog_tiles::prove_tree(new, old, have).map_err(range)
}

/// Checks that `leaf` is leaf number `index` of the log of `size` leaves whose root is `root`.
pub fn verify_inclusion(proof: &Proof, size: u64, root: Hash, index: u64, leaf: Hash) -> Result<(), LedgerError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(LedgerError::InvalidProof);
    }
    if index >= size {
        return Err(LedgerError::Range(format!("leaf {index} is past the end of a log of {size}")));
    }
    tlog_tiles::check_record(proof, size, root, index, leaf).map_err(range)
}

/// Checks that the log of `old_size` leaves with root `old_root` is a prefix of the log of
/// `new_size` leaves with root `new_root`: nothing in it was changed, removed or reordered.
pub fn verify_consistency(
    proof: &Proof,
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), LedgerError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(LedgerError::InvalidProof);
    }
    if old_size > new_size {
        return Err(LedgerError::Range(format!("a log of {new_size} cannot follow one of {old_size}")));
    }
    if old_size == 0 {
        // The empty log is a prefix of every log.
        return if proof.is_empty() { Ok(()) } else { Err(LedgerError::InvalidProof) };
    }
    tlog_tiles::check_tree(proof, new_size, new_root, old_size, old_root).map_err(range)
}
