//! The PDQ image hash, operation for operation as the reference computes it, so the hashes
//! and qualities are bit-exact (see `reference/pdq.md`):
//!
//! 1. luma `0.299 R + 0.587 G + 0.114 B` in `f32`;
//! 2. the Jarosz filter: a box filter along rows, then along columns, twice, with windows of
//!    `(dimension + 127) / 128` that shrink at the edges;
//! 3. decimation to 64×64 and the gradient quality metric;
//! 4. a 16×16 DCT (no DC term), the median (the 128th smallest value), one bit per value above it.
//!
//! Speed without changing a single rounding: the column pass runs row by row across all
//! columns at once (the reference strides down each column in turn); the row pass runs on
//! eight rows at once through a transposed tile; the passes stream into one another through
//! small buffers instead of whole-image ones; and after the second row pass only the 64
//! columns, then the 64 rows, that the decimation reads are carried on. Each value that is
//! kept still comes from exactly the reference's sequence of `f32` operations.

use crate::{Hash256, PdqError};

/// Images with a side shorter than this get the all-zero hash and quality 0, as in the reference.
pub const MIN_DIMENSION: usize = 5;

/// The names of the 8 dihedral variants, in the order [`Dihedral::hashes`] holds them.
pub const DIHEDRAL_NAMES: [&str; 8] =
    ["original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1"];

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;

/// A PDQ hash and its quality (0–100; under 50, do not trust it for matching).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PdqHash {
    /// The hash.
    pub hash: Hash256,
    /// The reference's integer quality metric.
    pub quality: u8,
}

/// The hashes of the 8 rotations and reflections of an image, from one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dihedral {
    /// In the order of [`DIHEDRAL_NAMES`].
    pub hashes: [Hash256; 8],
    /// The image's quality (the same for every variant).
    pub quality: u8,
}

/// Hashes images, keeping its working buffers between calls so that hashing many images does
/// not allocate for each.
#[derive(Debug, Clone)]
pub struct Hasher {
    dct: Box<[[f32; 64]; 16]>,
    /// Rows of the first row pass, kept while the column pass's window needs them.
    ring: Vec<f32>,
    /// Eight rows of luma, then eight rows of column-pass output waiting for the second row pass.
    rows: Vec<f32>,
    /// The 64 decimated columns of every row, before and after the second column pass.
    narrow: [Vec<f32>; 2],
    tile: Vec<[f32; LANES]>,
}

/// The pixels being hashed.
#[derive(Clone, Copy)]
enum Source<'a> {
    Rgb(&'a [u8]),
    Luma(&'a [u8]),
}

impl Source<'_> {
    /// Row `r`'s luma, as the reference computes it.
    fn luma_row(&self, r: usize, cols: usize, out: &mut [f32]) {
        match self {
            Source::Rgb(rgb) => {
                for (o, p) in out.iter_mut().zip(rgb[3 * r * cols..3 * (r + 1) * cols].chunks_exact(3)) {
                    *o = LUMA_R * p[0] as f32 + LUMA_G * p[1] as f32 + LUMA_B * p[2] as f32;
                }
            }
            Source::Luma(luma) => {
                for (o, &v) in out.iter_mut().zip(&luma[r * cols..(r + 1) * cols]) {
                    *o = v as f32;
                }
            }
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    /// A hasher with empty buffers.
    pub fn new() -> Hasher {
        let mut dct = Box::new([[0f32; 64]; 16]);
        let scale = (2.0f64 / 64.0).sqrt();
        for (i, row) in dct.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                let angle = (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *value = (scale * angle.cos()) as f32;
            }
        }
        Hasher { dct, ring: Vec::new(), rows: Vec::new(), narrow: [Vec::new(), Vec::new()], tile: Vec::new() }
    }

    /// Hashes interleaved 8-bit RGB pixels (`width * height * 3` bytes, rows top to bottom).
    pub fn hash_rgb(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<PdqHash, PdqError> {
        check_len(rgb.len(), width, height, 3)?;
        Ok(self.finish(Source::Rgb(rgb), width, height, false).0)
    }

    /// Hashes 8-bit luma (greyscale) pixels, used as they are.
    pub fn hash_luma(&mut self, luma: &[u8], width: usize, height: usize) -> Result<PdqHash, PdqError> {
        check_len(luma.len(), width, height, 1)?;
        Ok(self.finish(Source::Luma(luma), width, height, false).0)
    }

    /// Hashes RGB pixels and returns the 8 dihedral variants from the same pass.
    pub fn hash_rgb_dihedral(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<Dihedral, PdqError> {
        check_len(rgb.len(), width, height, 3)?;
        Ok(self.finish(Source::Rgb(rgb), width, height, true).1)
    }

    /// Hashes luma pixels and returns the 8 dihedral variants from the same pass.
    pub fn hash_luma_dihedral(&mut self, luma: &[u8], width: usize, height: usize) -> Result<Dihedral, PdqError> {
        check_len(luma.len(), width, height, 1)?;
        Ok(self.finish(Source::Luma(luma), width, height, true).1)
    }

    /// The Jarosz filter (rows, columns, rows, columns) and decimation to 64×64. Only what the
    /// decimation reads is kept after the second row pass: 64 columns, then 64 rows of them.
    fn downsample(&mut self, source: Source<'_>, width: usize, height: usize) -> [[f32; 64]; 64] {
        let mut small = [[0f32; 64]; 64];
        if width == 64 && height == 64 {
            for (i, out) in small.iter_mut().enumerate() {
                source.luma_row(i, 64, out);
            }
            return small;
        }
        let row_phases = Phases::new(width, window(width));
        let col_window = window(height);
        let cp = Phases::new(height, col_window);
        let pick_rows: Vec<usize> = (0..64).map(|i| ((i as f64 + 0.5) * height as f64 / 64.0) as usize).collect();
        let pick_cols: Vec<usize> = (0..64).map(|j| ((j as f64 + 0.5) * width as f64 / 64.0) as usize).collect();
        // The passes run as one stream through small buffers that stay in cache: row pass 1
        // fills a ring of rows eight at a time; the column pass reads the ring and emits rows
        // as soon as its window allows; row pass 2 takes them eight at a time and keeps only
        // the 64 columns the decimation reads. Every value is computed exactly as in the
        // separate passes of the reference.
        let ring_rows = (col_window + 2 * LANES).div_ceil(LANES) * LANES;
        let (ring, block) = (&mut self.ring, &mut self.rows);
        ring.resize(ring_rows * width, 0.0);
        block.resize(2 * LANES * width, 0.0);
        let (luma_rows, block) = block.split_at_mut(LANES * width);
        self.tile.resize(2 * width, [0.0; LANES]);
        let (tin, tout) = self.tile.split_at_mut(width);
        let [n1, n2] = &mut self.narrow;
        n1.resize(64 * height, 0.0);
        n2.resize(64 * height, 0.0);
        let mut sum = vec![0f32; width];
        let mut count = 0f32;
        let mut produced = 0;
        let (mut out_start, mut out_rows) = (0usize, 0usize);
        let reads_new = cp.first + cp.growing + cp.full;
        let total = reads_new + cp.shrinking;
        for t in 0..total {
            if t < reads_new {
                // Make rows of row pass 1 until row `t` exists.
                while produced <= t {
                    let lanes = LANES.min(height - produced);
                    for (l, out) in luma_rows.chunks_exact_mut(width).take(lanes).enumerate() {
                        source.luma_row(produced + l, width, out);
                    }
                    to_tile(&luma_rows[..lanes * width], width, tin);
                    box_lanes(tin, tout, row_phases);
                    let at = (produced % ring_rows) * width;
                    from_tile(tout, &mut ring[at..at + lanes * width], width);
                    produced += lanes;
                }
            }
            let ring_row = |i: usize| &ring[(i % ring_rows) * width..(i % ring_rows + 1) * width];
            let li = t.wrapping_sub(cp.first + cp.growing);
            let out = &mut block[out_rows * width..(out_rows + 1) * width];
            if t < cp.first {
                for (s, &v) in sum.iter_mut().zip(ring_row(t)) {
                    *s += v;
                }
                count += 1.0;
                continue;
            } else if t < cp.first + cp.growing {
                count += 1.0;
                for ((s, &v), o) in sum.iter_mut().zip(ring_row(t)).zip(out.iter_mut()) {
                    *s += v;
                    *o = *s / count;
                }
            } else if t < reads_new {
                for (((s, &add), &sub), o) in sum.iter_mut().zip(ring_row(t)).zip(ring_row(li)).zip(out.iter_mut()) {
                    *s += add;
                    *s -= sub;
                    *o = *s / count;
                }
            } else {
                count -= 1.0;
                for ((s, &sub), o) in sum.iter_mut().zip(ring_row(li)).zip(out.iter_mut()) {
                    *s -= sub;
                    *o = *s / count;
                }
            }
            out_rows += 1;
            if out_rows == LANES || t + 1 == total {
                // Row pass 2 on the finished rows, keeping the 64 columns the decimation reads.
                to_tile(&block[..out_rows * width], width, tin);
                box_lanes(tin, tout, row_phases);
                for l in 0..out_rows {
                    for (k, &c) in pick_cols.iter().enumerate() {
                        n1[(out_start + l) * 64 + k] = tout[c][l];
                    }
                }
                out_start += out_rows;
                out_rows = 0;
            }
        }
        box_along_cols(n1, n2, height, 64, col_window);
        for (out, &r) in small.iter_mut().zip(&pick_rows) {
            out.copy_from_slice(&n2[r * 64..r * 64 + 64]);
        }
        small
    }

    fn finish(&mut self, source: Source<'_>, width: usize, height: usize, dihedral: bool) -> (PdqHash, Dihedral) {
        if width < MIN_DIMENSION || height < MIN_DIMENSION {
            let zero = PdqHash { hash: Hash256::ZERO, quality: 0 };
            return (zero, Dihedral { hashes: [Hash256::ZERO; 8], quality: 0 });
        }
        let small = self.downsample(source, width, height);
        let quality = quality(&small);
        let b = self.dct16(&small);
        let original = PdqHash { hash: bits(&b), quality };
        if !dihedral {
            return (original, Dihedral { hashes: [original.hash; 8], quality });
        }
        let variant = |transpose: bool, negate: &dyn Fn(usize, usize) -> bool| {
            let mut out = [[0f32; 16]; 16];
            for i in 0..16 {
                for j in 0..16 {
                    let v = if negate(i, j) { -b[i][j] } else { b[i][j] };
                    if transpose {
                        out[j][i] = v;
                    } else {
                        out[i][j] = v;
                    }
                }
            }
            bits(&out)
        };
        let hashes = [
            original.hash,
            variant(true, &|_, j| j % 2 == 0),
            variant(false, &|i, j| (i + j) % 2 == 1),
            variant(true, &|i, _| i % 2 == 0),
            variant(false, &|i, _| i % 2 == 0),
            variant(false, &|_, j| j % 2 == 0),
            variant(true, &|_, _| false),
            variant(true, &|i, j| (i + j) % 2 == 1),
        ];
        (original, Dihedral { hashes, quality })
    }

    /// `B = D · A · Dᵀ`, each sum taken in order over k, as the reference does.
    fn dct16(&self, a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
        let d = &*self.dct;
        let mut t = [[0f32; 64]; 16];
        for i in 0..16 {
            // t[i][j] = Σ_k d[i][k]·a[k][j], accumulated over k in order for every j at once.
            let row = &mut t[i];
            for k in 0..64 {
                let dik = d[i][k];
                for (out, &akj) in row.iter_mut().zip(a[k].iter()) {
                    *out += dik * akj;
                }
            }
        }
        let mut b = [[0f32; 16]; 16];
        for i in 0..16 {
            for j in 0..16 {
                let mut sum = 0f32;
                for k in 0..64 {
                    sum += t[i][k] * d[j][k];
                }
                b[i][j] = sum;
            }
        }
        b
    }
}

fn check_len(actual: usize, width: usize, height: usize, channels: usize) -> Result<(), PdqError> {
    let expected = width.saturating_mul(height).saturating_mul(channels);
    if actual == expected { Ok(()) } else { Err(PdqError::BufferSize { expected, actual }) }
}

/// The Jarosz filter's window for a dimension, for an output of 64.
fn window(dimension: usize) -> usize {
    dimension.div_ceil(128)
}

/// The four phases of the reference's one-dimensional box filter, for one window size and
/// vector length: how many reads before the first write, and so on.
#[derive(Clone, Copy)]
struct Phases {
    first: usize,
    growing: usize,
    full: usize,
    shrinking: usize,
}

impl Phases {
    fn new(length: usize, window: usize) -> Phases {
        let half = (window + 2) / 2;
        Phases { first: half - 1, growing: window + 1 - half, full: length.saturating_sub(window), shrinking: half - 1 }
    }
}

const LANES: usize = 8;

/// Copies up to eight consecutive rows (`block`) into the tile, column by column.
fn to_tile(block: &[f32], width: usize, tile: &mut [[f32; LANES]]) {
    if block.len() == LANES * width {
        let rows: [&[f32]; LANES] = std::array::from_fn(|l| &block[l * width..(l + 1) * width]);
        for (j, t) in tile.iter_mut().enumerate().take(width) {
            *t = std::array::from_fn(|l| rows[l][j]);
        }
    } else {
        for t in tile.iter_mut() {
            *t = [0.0; LANES];
        }
        for (l, row) in block.chunks_exact(width).enumerate() {
            for (t, &v) in tile.iter_mut().zip(row) {
                t[l] = v;
            }
        }
    }
}

/// Copies the tile back out into up to eight consecutive rows (`block`).
fn from_tile(tile: &[[f32; LANES]], block: &mut [f32], width: usize) {
    if block.len() == LANES * width {
        let (r0, rest) = block.split_at_mut(width);
        let (r1, rest) = rest.split_at_mut(width);
        let (r2, rest) = rest.split_at_mut(width);
        let (r3, rest) = rest.split_at_mut(width);
        let (r4, rest) = rest.split_at_mut(width);
        let (r5, rest) = rest.split_at_mut(width);
        let (r6, r7) = rest.split_at_mut(width);
        for (j, t) in tile.iter().enumerate().take(width) {
            (r0[j], r1[j], r2[j], r3[j]) = (t[0], t[1], t[2], t[3]);
            (r4[j], r5[j], r6[j], r7[j]) = (t[4], t[5], t[6], t[7]);
        }
    } else {
        for (l, row) in block.chunks_exact_mut(width).enumerate() {
            for (o, t) in row.iter_mut().zip(tile) {
                *o = t[l];
            }
        }
    }
}

/// The reference's four-phase box filter on eight rows side by side, stored column by column.
fn box_lanes(input: &[[f32; LANES]], output: &mut [[f32; LANES]], p: Phases) {
    let mut sum = [0f32; LANES];
    let mut count = 0f32;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..p.first {
        for (s, v) in sum.iter_mut().zip(input[ri]) {
            *s += v;
        }
        count += 1.0;
        ri += 1;
    }
    for _ in 0..p.growing {
        count += 1.0;
        for ((s, v), o) in sum.iter_mut().zip(input[ri]).zip(output[oi].iter_mut()) {
            *s += v;
            *o = *s / count;
        }
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.full {
        for (((s, add), sub), o) in sum.iter_mut().zip(input[ri]).zip(input[li]).zip(output[oi].iter_mut()) {
            *s += add;
            *s -= sub;
            *o = *s / count;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.shrinking {
        count -= 1.0;
        for ((s, sub), o) in sum.iter_mut().zip(input[li]).zip(output[oi].iter_mut()) {
            *s -= sub;
            *o = *s / count;
        }
        li += 1;
        oi += 1;
    }
}

/// Box filter down each column, computed a whole row of columns at a time.
fn box_along_cols(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    let p = Phases::new(rows, window);
    let mut sum = vec![0f32; cols];
    let row = |i: usize| &input[i * cols..(i + 1) * cols];
    let mut count = 0f32;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..p.first {
        for (s, &v) in sum.iter_mut().zip(row(ri)) {
            *s += v;
        }
        count += 1.0;
        ri += 1;
    }
    for _ in 0..p.growing {
        count += 1.0;
        let out = &mut output[oi * cols..(oi + 1) * cols];
        for ((s, &v), o) in sum.iter_mut().zip(row(ri)).zip(out.iter_mut()) {
            *s += v;
            *o = *s / count;
        }
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.full {
        let out = &mut output[oi * cols..(oi + 1) * cols];
        for (((s, &add), &sub), o) in sum.iter_mut().zip(row(ri)).zip(row(li)).zip(out.iter_mut()) {
            *s += add;
            *s -= sub;
            *o = *s / count;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..p.shrinking {
        count -= 1.0;
        let out = &mut output[oi * cols..(oi + 1) * cols];
        for ((s, &sub), o) in sum.iter_mut().zip(row(li)).zip(out.iter_mut()) {
            *s -= sub;
            *o = *s / count;
        }
        li += 1;
        oi += 1;
    }
}

fn quality(a: &[[f32; 64]; 64]) -> u8 {
    let step = |u: f32, v: f32| (((u - v) * 100.0) / 255.0) as i32;
    let mut sum: i64 = 0;
    for pair in a.windows(2) {
        for (&u, &v) in pair[0].iter().zip(pair[1].iter()) {
            sum += i64::from(step(u, v).abs());
        }
    }
    for row in a.iter() {
        for j in 0..63 {
            sum += i64::from(step(row[j], row[j + 1]).abs());
        }
    }
    (sum / 90).min(100) as u8
}

/// One bit per value above the median (the 128th smallest of the 256, as Torben's method gives).
fn bits(b: &[[f32; 16]; 16]) -> Hash256 {
    let mut values: Vec<f32> = b.iter().flatten().copied().collect();
    let (_, median, _) = values.select_nth_unstable_by(127, |x, y| x.total_cmp(y));
    let median = *median;
    let mut hash = Hash256::ZERO;
    for (k, &v) in b.iter().flatten().enumerate() {
        if v > median {
            hash.set_bit(k);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_images_hash_to_zero_and_sizes_are_checked() {
        let mut h = Hasher::new();
        let tiny = h.hash_rgb(&[200; 4 * 100 * 3], 4, 100).unwrap();
        assert_eq!(tiny, PdqHash { hash: Hash256::ZERO, quality: 0 });
        assert!(matches!(h.hash_rgb(&[0; 10], 5, 5), Err(PdqError::BufferSize { expected: 75, actual: 10 })));
        let flat = h.hash_luma(&[128; 64 * 80], 64, 80).unwrap();
        assert_eq!(flat.quality, 0);
    }

    #[test]
    fn phases_cover_the_vector() {
        for (len, window) in [(5, 1), (100, 1), (1000, 8), (1080, 9), (1920, 15), (7, 7), (3, 7)] {
            let p = Phases::new(len, window);
            let writes = p.growing + p.full + p.shrinking;
            assert!(writes == len || len < window, "{len} {window}");
        }
    }
}
