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
//! columns at once (the reference strides down each column in turn), and the row pass runs
//! eight rows side by side. Each column and each row still sees exactly the reference's
//! sequence of `f32` operations.

use crate::{Hash256, PdqError};

/// Images with a side shorter than this get the all-zero hash and quality 0, as in the reference.
pub const MIN_DIMENSION: usize = 5;

/// The names of the 8 dihedral variants, in the order [`Dihedral::hashes`] holds them.
pub const DIHEDRAL_NAMES: [&str; 8] =
    ["original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1"];

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;
const PASSES: usize = 2;

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
    luma: Vec<f32>,
    scratch: Vec<f32>,
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
        Hasher { dct, luma: Vec::new(), scratch: Vec::new() }
    }

    /// Hashes interleaved 8-bit RGB pixels (`width * height * 3` bytes, rows top to bottom).
    pub fn hash_rgb(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<PdqHash, PdqError> {
        self.load_rgb(rgb, width, height)?;
        Ok(self.finish(width, height, false).0)
    }

    /// Hashes 8-bit luma (greyscale) pixels, used as they are.
    pub fn hash_luma(&mut self, luma: &[u8], width: usize, height: usize) -> Result<PdqHash, PdqError> {
        self.load_luma(luma, width, height)?;
        Ok(self.finish(width, height, false).0)
    }

    /// Hashes RGB pixels and returns the 8 dihedral variants from the same pass.
    pub fn hash_rgb_dihedral(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<Dihedral, PdqError> {
        self.load_rgb(rgb, width, height)?;
        Ok(self.finish(width, height, true).1)
    }

    /// Hashes luma pixels and returns the 8 dihedral variants from the same pass.
    pub fn hash_luma_dihedral(&mut self, luma: &[u8], width: usize, height: usize) -> Result<Dihedral, PdqError> {
        self.load_luma(luma, width, height)?;
        Ok(self.finish(width, height, true).1)
    }

    fn load_rgb(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<(), PdqError> {
        check_len(rgb.len(), width, height, 3)?;
        self.luma.clear();
        self.luma
            .extend(rgb.chunks_exact(3).map(|p| LUMA_R * p[0] as f32 + LUMA_G * p[1] as f32 + LUMA_B * p[2] as f32));
        Ok(())
    }

    fn load_luma(&mut self, luma: &[u8], width: usize, height: usize) -> Result<(), PdqError> {
        check_len(luma.len(), width, height, 1)?;
        self.luma.clear();
        self.luma.extend(luma.iter().map(|&v| v as f32));
        Ok(())
    }

    fn finish(&mut self, width: usize, height: usize, dihedral: bool) -> (PdqHash, Dihedral) {
        if width < MIN_DIMENSION || height < MIN_DIMENSION {
            let zero = PdqHash { hash: Hash256::ZERO, quality: 0 };
            return (zero, Dihedral { hashes: [Hash256::ZERO; 8], quality: 0 });
        }
        let mut small = [[0f32; 64]; 64];
        if width == 64 && height == 64 {
            for (i, row) in small.iter_mut().enumerate() {
                row.copy_from_slice(&self.luma[64 * i..64 * i + 64]);
            }
        } else {
            self.scratch.resize(self.luma.len(), 0.0);
            let row_window = window(width);
            let col_window = window(height);
            for _ in 0..PASSES {
                box_along_rows(&self.luma, &mut self.scratch, height, width, row_window);
                box_along_cols(&self.scratch, &mut self.luma, height, width, col_window);
            }
            decimate(&self.luma, height, width, &mut small);
        }
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

/// Box filter along each row. Eight rows are filtered side by side so their additions overlap;
/// each row's own additions are in the reference's order.
fn box_along_rows(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    const LANES: usize = 8;
    let p = Phases::new(cols, window);
    let mut r = 0;
    while r < rows {
        let lanes = LANES.min(rows - r);
        let base = r * cols;
        let mut sum = [0f32; LANES];
        let mut count = 0f32;
        let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
        for _ in 0..p.first {
            for l in 0..lanes {
                sum[l] += input[base + l * cols + ri];
            }
            count += 1.0;
            ri += 1;
        }
        for _ in 0..p.growing {
            count += 1.0;
            for l in 0..lanes {
                sum[l] += input[base + l * cols + ri];
                output[base + l * cols + oi] = sum[l] / count;
            }
            ri += 1;
            oi += 1;
        }
        for _ in 0..p.full {
            for l in 0..lanes {
                sum[l] += input[base + l * cols + ri];
                sum[l] -= input[base + l * cols + li];
                output[base + l * cols + oi] = sum[l] / count;
            }
            li += 1;
            ri += 1;
            oi += 1;
        }
        for _ in 0..p.shrinking {
            count -= 1.0;
            for l in 0..lanes {
                sum[l] -= input[base + l * cols + li];
                output[base + l * cols + oi] = sum[l] / count;
            }
            li += 1;
            oi += 1;
        }
        r += lanes;
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

fn decimate(input: &[f32], rows: usize, cols: usize, out: &mut [[f32; 64]; 64]) {
    for (i, out_row) in out.iter_mut().enumerate() {
        let ini = ((i as f64 + 0.5) * rows as f64 / 64.0) as usize;
        for (j, value) in out_row.iter_mut().enumerate() {
            let inj = ((j as f64 + 0.5) * cols as f64 / 64.0) as usize;
            *value = input[ini * cols + inj];
        }
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
