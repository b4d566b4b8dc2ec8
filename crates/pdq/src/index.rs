//! Exact radius search over 256-bit hashes: every stored hash within the radius of a query,
//! and nothing else.
//!
//! Small sets are searched by brute force, in blocks that stay in cache while a batch of
//! queries runs over them. Large sets add multi-index hashing: each hash is cut into 16 chunks
//! of 16 bits, and by the pigeonhole principle a hash within distance `r` of the query agrees
//! with it on at least one chunk to within `r / 16` bits (for `r` ≤ 31: one bit). Probing those
//! chunk values in 16 tables finds every candidate; each candidate's full distance decides.
//! The tables cost 64 bytes a hash (16 four-byte positions) on top of the 32-byte hash.

use std::io::{Read, Write};

use crate::Hash256;

/// Sets at least this large get multi-index tables; smaller ones are searched by brute force.
pub const MIH_THRESHOLD: usize = 50_000;
const CHUNKS: usize = 16;
const BLOCK: usize = 4096;
const MAGIC: &[u8; 8] = b"LDGPDQI1";

/// One match: the position of the stored hash and its distance from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Position in the index (the order the hashes were given in).
    pub position: usize,
    /// Hamming distance.
    pub distance: u32,
}

/// A searchable set of hashes.
#[derive(Debug, Clone)]
pub struct Index {
    hashes: Vec<Hash256>,
    tables: Option<Tables>,
}

/// Multi-index tables: for each chunk, positions grouped by chunk value (compressed rows).
#[derive(Debug, Clone)]
struct Tables {
    /// `starts[c][v]..starts[c][v + 1]` indexes `positions[c]` for chunk `c` with value `v`.
    starts: Vec<Vec<u32>>,
    positions: Vec<Vec<u32>>,
}

/// Why an index file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading or writing failed.
    #[error("index file: {0}")]
    Io(#[from] std::io::Error),
    /// Not an index file, or a damaged one.
    #[error("not a PDQ index file, or a damaged one")]
    Format,
    /// More hashes than an index holds (2^32).
    #[error("too many hashes for one index")]
    TooMany,
}

impl Index {
    /// An index of `hashes`, choosing brute force or multi-index hashing by size.
    pub fn new(hashes: Vec<Hash256>) -> Result<Index, IndexError> {
        if hashes.len() > u32::MAX as usize {
            return Err(IndexError::TooMany);
        }
        let tables = (hashes.len() >= MIH_THRESHOLD).then(|| Tables::build(&hashes));
        Ok(Index { hashes, tables })
    }

    /// An index that always searches by brute force (for comparison and tests).
    pub fn brute_force(hashes: Vec<Hash256>) -> Index {
        Index { hashes, tables: None }
    }

    /// An index that always uses multi-index hashing.
    pub fn multi_index(hashes: Vec<Hash256>) -> Result<Index, IndexError> {
        if hashes.len() > u32::MAX as usize {
            return Err(IndexError::TooMany);
        }
        let tables = Some(Tables::build(&hashes));
        Ok(Index { hashes, tables })
    }

    /// Number of hashes.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The stored hashes, in order.
    pub fn hashes(&self) -> &[Hash256] {
        &self.hashes
    }

    /// Whether multi-index tables are in use.
    pub fn uses_multi_index(&self) -> bool {
        self.tables.is_some()
    }

    /// Bytes of memory held per hash (hash plus tables), for capacity planning.
    pub fn bytes_per_hash(&self) -> f64 {
        let tables = self.tables.as_ref().map_or(0, |t| {
            t.starts.iter().map(|s| s.len() * 4).sum::<usize>() + t.positions.iter().map(|p| p.len() * 4).sum::<usize>()
        });
        (self.hashes.len() * 32 + tables) as f64 / self.hashes.len().max(1) as f64
    }

    /// Every stored hash within `radius` of `query`, by position.
    pub fn search(&self, query: &Hash256, radius: u32) -> Vec<Match> {
        match &self.tables {
            Some(t) if radius < 256 => t.search(&self.hashes, query, radius),
            _ => self.search_batch_brute(std::slice::from_ref(query), radius).pop().unwrap_or_default(),
        }
    }

    /// [`Index::search`] for many queries; results in query order.
    pub fn search_batch(&self, queries: &[Hash256], radius: u32) -> Vec<Vec<Match>> {
        match &self.tables {
            Some(t) if radius < 256 => queries.iter().map(|q| t.search(&self.hashes, q, radius)).collect(),
            _ => self.search_batch_brute(queries, radius),
        }
    }

    /// Brute force: blocks of stored hashes stay in cache while every query passes over them,
    /// four queries to each load of a stored hash. The distance of the first 128 bits alone
    /// rules out almost every hash (unrelated hashes differ in about 64 of them), so the other
    /// half is counted only for the few left: exact, and about twice as fast.
    fn search_batch_brute(&self, queries: &[Hash256], radius: u32) -> Vec<Vec<Match>> {
        const GROUP: usize = 4;
        let mut out = vec![Vec::new(); queries.len()];
        for (b, block) in self.hashes.chunks(BLOCK).enumerate() {
            for (g, group) in queries.chunks(GROUP).enumerate() {
                let mut qs = [Hash256::ZERO; GROUP];
                qs[..group.len()].copy_from_slice(group);
                for (i, h) in block.iter().enumerate() {
                    for (k, q) in qs.iter().enumerate().take(group.len()) {
                        let half = (h.0[0] ^ q.0[0]).count_ones() + (h.0[1] ^ q.0[1]).count_ones();
                        if half > radius {
                            continue;
                        }
                        let d = half + (h.0[2] ^ q.0[2]).count_ones() + (h.0[3] ^ q.0[3]).count_ones();
                        if d <= radius {
                            out[g * GROUP + k].push(Match { position: b * BLOCK + i, distance: d });
                        }
                    }
                }
            }
        }
        out
    }

    /// Writes the index: a magic number, the count, then 32 bytes a hash. Tables are rebuilt
    /// on load, which is faster than reading them.
    pub fn save(&self, mut out: impl Write) -> Result<(), IndexError> {
        out.write_all(MAGIC)?;
        out.write_all(&(self.hashes.len() as u64).to_le_bytes())?;
        for h in &self.hashes {
            out.write_all(&h.to_bytes())?;
        }
        out.flush()?;
        Ok(())
    }

    /// Reads an index written by [`Index::save`].
    pub fn load(mut input: impl Read) -> Result<Index, IndexError> {
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).map_err(|_| IndexError::Format)?;
        if &magic != MAGIC {
            return Err(IndexError::Format);
        }
        let mut count = [0u8; 8];
        input.read_exact(&mut count).map_err(|_| IndexError::Format)?;
        let count = u64::from_le_bytes(count);
        if count > u64::from(u32::MAX) {
            return Err(IndexError::TooMany);
        }
        // Grow as hashes actually arrive, so a lying header cannot force a huge allocation.
        let mut hashes = Vec::with_capacity((count as usize).min(1 << 20));
        let mut buf = [0u8; 32];
        for _ in 0..count {
            input.read_exact(&mut buf).map_err(|_| IndexError::Format)?;
            hashes.push(Hash256::from_bytes(&buf));
        }
        Index::new(hashes)
    }

    /// Whether `bytes` start like an index file.
    pub fn is_index_file(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }
}

impl Tables {
    fn build(hashes: &[Hash256]) -> Tables {
        let mut starts = Vec::with_capacity(CHUNKS);
        let mut positions = Vec::with_capacity(CHUNKS);
        for c in 0..CHUNKS {
            let value = |h: &Hash256| (h.0[c / 4] >> (16 * (c % 4))) as u16 as usize;
            let mut start = vec![0u32; 65_537];
            for h in hashes {
                start[value(h) + 1] += 1;
            }
            for v in 0..65_536 {
                start[v + 1] += start[v];
            }
            let mut fill = start.clone();
            let mut pos = vec![0u32; hashes.len()];
            for (i, h) in hashes.iter().enumerate() {
                let v = value(h);
                pos[fill[v] as usize] = i as u32;
                fill[v] += 1;
            }
            starts.push(start);
            positions.push(pos);
        }
        Tables { starts, positions }
    }

    fn search(&self, hashes: &[Hash256], query: &Hash256, radius: u32) -> Vec<Match> {
        let chunk_radius = radius / CHUNKS as u32;
        let q = query.chunks16();
        let mut out = Vec::new();
        for c in 0..CHUNKS {
            for_each_within(q[c], chunk_radius, &mut |v| {
                let (a, b) = (self.starts[c][v as usize] as usize, self.starts[c][v as usize + 1] as usize);
                for &p in &self.positions[c][a..b] {
                    let h = &hashes[p as usize];
                    let d = query.distance(h);
                    if d > radius {
                        continue;
                    }
                    // Report each hash once: from the first chunk that would have found it.
                    let hc = h.chunks16();
                    let seen_earlier = (0..c).any(|e| (hc[e] ^ q[e]).count_ones() <= chunk_radius);
                    if !seen_earlier {
                        out.push(Match { position: p as usize, distance: d });
                    }
                }
            });
        }
        out.sort_unstable();
        out
    }
}

/// Calls `f` with every 16-bit value within `radius` bits of `value`.
fn for_each_within(value: u16, radius: u32, f: &mut dyn FnMut(u16)) {
    fn go(value: u16, from_bit: u32, left: u32, f: &mut dyn FnMut(u16)) {
        f(value);
        if left == 0 {
            return;
        }
        for bit in from_bit..16 {
            go(value ^ (1 << bit), bit + 1, left - 1, f);
        }
    }
    go(value, 0, radius.min(16), f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_cover_each_value_once() {
        let mut seen = std::collections::HashSet::new();
        for_each_within(0xabcd, 2, &mut |v| assert!(seen.insert(v)));
        assert_eq!(seen.len(), 1 + 16 + 120);
    }
}
