//! PDQ and vPDQ: the perceptual hashes that StopNCII, Meta's Hasher-Matcher-Actioner and the
//! large platforms exchange to find copies of an image or a video, bit-exact with Meta's
//! reference implementation (ThreatExchange), and exact radius search over 256-bit hashes.
//!
//! This crate depends on no other part of Lodge and can be used on its own.
//!
//! - [`Hasher`] hashes decoded RGB or luma pixels ([`Hasher::hash_rgb`], [`Hasher::hash_luma`]),
//!   optionally with the 8 dihedral variants from one pass.
//! - [`Hash256`] is a 256-bit hash: 64 hex digits, Hamming distance.
//! - [`index::Index`] finds every stored hash within a radius of a query, exactly.
//! - [`vpdq`] hashes videos through FFmpeg and compares them by the reference rules.
//! - `decode` (feature `decode`, on by default) reads image files within limits.

mod hash256;
pub mod index;
mod pdq;
pub mod vpdq;

#[cfg(feature = "decode")]
pub mod decode;
#[cfg(feature = "decode")]
pub mod file;

pub use hash256::{Hash256, ParseHashError};
pub use pdq::{DIHEDRAL_NAMES, Dihedral, Hasher, MIN_DIMENSION, PdqHash};

/// Distance at or under which two PDQ hashes are taken to show the same picture.
pub const MATCH_DISTANCE: u32 = 31;
/// Quality under which a PDQ hash should not be trusted for matching.
pub const MIN_QUALITY: u8 = 50;

/// Why pixels could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdqError {
    /// The buffer's length does not match the width and height given.
    #[error("pixel buffer has {actual} bytes, expected {expected} for the given size")]
    BufferSize {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
}
