//! [`Hash256`]: a 256-bit hash, its 64-hex-digit text form and Hamming distance.
//!
//! Bit `k` (0..256) of the hash has value 2^k when the hash is read as one big-endian integer,
//! which is how the reference writes it: the text starts with bits 255..252.

use std::fmt;
use std::str::FromStr;

/// A 256-bit hash. Bit `k` is bit `k % 64` of word `k / 64`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash256(pub [u64; 4]);

impl Hash256 {
    /// The all-zero hash (what the reference gives for images too small to hash).
    pub const ZERO: Hash256 = Hash256([0; 4]);

    /// Whether bit `k` is set.
    pub fn bit(&self, k: usize) -> bool {
        self.0[k / 64] >> (k % 64) & 1 == 1
    }

    /// Sets bit `k`.
    pub fn set_bit(&mut self, k: usize) {
        self.0[k / 64] |= 1 << (k % 64);
    }

    /// Number of bits that differ.
    #[inline]
    pub fn distance(&self, other: &Hash256) -> u32 {
        (self.0[0] ^ other.0[0]).count_ones()
            + (self.0[1] ^ other.0[1]).count_ones()
            + (self.0[2] ^ other.0[2]).count_ones()
            + (self.0[3] ^ other.0[3]).count_ones()
    }

    /// The 16 chunks of 16 bits, chunk `c` holding bits `16c..16c+16`.
    #[inline]
    pub fn chunks16(&self) -> [u16; 16] {
        let mut out = [0u16; 16];
        for (c, slot) in out.iter_mut().enumerate() {
            *slot = (self.0[c / 4] >> (16 * (c % 4))) as u16;
        }
        out
    }

    /// The 32 bytes, little-endian word by word (a compact storage form).
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (w, word) in self.0.iter().enumerate() {
            out[8 * w..8 * w + 8].copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// Reads the form written by [`Hash256::to_bytes`].
    pub fn from_bytes(bytes: &[u8; 32]) -> Hash256 {
        let mut words = [0u64; 4];
        for (w, word) in words.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[8 * w..8 * w + 8]);
            *word = u64::from_le_bytes(b);
        }
        Hash256(words)
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}{:016x}{:016x}{:016x}", self.0[3], self.0[2], self.0[1], self.0[0])
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

/// Text that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a PDQ hash is 64 hexadecimal digits")]
pub struct ParseHashError;

impl FromStr for Hash256 {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Hash256, ParseHashError> {
        let s = s.trim();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseHashError);
        }
        let mut words = [0u64; 4];
        for (i, word) in words.iter_mut().rev().enumerate() {
            *word = u64::from_str_radix(&s[16 * i..16 * i + 16], 16).map_err(|_| ParseHashError)?;
        }
        Ok(Hash256(words))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_bit_order() {
        let text = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let h: Hash256 = text.parse().unwrap();
        assert_eq!(h.to_string(), text);
        assert!(h.bit(1) && !h.bit(0)); // ...22 ends in binary 0010
        assert!(h.bit(255)); // f...
        let mut one = Hash256::ZERO;
        one.set_bit(0);
        assert!(one.to_string().ends_with("01"));
        assert_eq!(Hash256::from_bytes(&h.to_bytes()), h);
        assert_eq!(h.distance(&h), 0);
        assert_eq!(Hash256::ZERO.distance(&Hash256([u64::MAX; 4])), 256);
        assert!("xyz".parse::<Hash256>().is_err());
        let chunks = h.chunks16();
        assert_eq!(chunks[0], 0x9b22);
        assert_eq!(chunks[15], 0xf8f8);
    }
}
