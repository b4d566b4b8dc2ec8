//! Her fingerprints, and matching what a scan finds against them. Each of her images is kept as
//! its PDQ hash in all 8 rotations and flips, and as the hashes of the image with a twentieth, a
//! tenth and three twentieths cut away in several positions, since pirate sites flip and crop to
//! dodge matching.

use lodge_pdq::decode::{DecodeOptions, decode};
use lodge_pdq::index::Index;
use lodge_pdq::vpdq::{FrameHash, match_videos};
use lodge_pdq::{Hash256, Hasher, MIN_DIMENSION, MIN_QUALITY};

use crate::ScanError;

/// One piece of her content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// Its id in her case.
    pub id: String,
    /// Her name for it.
    pub label: String,
}

/// A match: which of her pieces, and how far (Hamming distance out of 256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Her piece.
    pub content: Content,
    /// The smallest distance to any of its hashes.
    pub distance: u32,
}

/// The share of a found video's frames that must match one of hers (the reference's rule).
pub const VIDEO_MATCH_PERCENT: f64 = 80.0;

/// One of her videos: its frame hashes (vPDQ) and the MD5 of the whole file.
#[derive(Debug, Clone)]
struct Video {
    owner: usize,
    frames: Vec<FrameHash>,
    md5: String,
}

/// Her fingerprints, being gathered.
#[derive(Debug, Default)]
pub struct Registry {
    contents: Vec<Content>,
    hashes: Vec<Hash256>,
    owners: Vec<usize>,
    videos: Vec<Video>,
}

/// How much is cut away in the crops her images are also registered under, in percent of a
/// side: with these, every one-sided crop of 5 to 15 % of her test images matched, and none of
/// 990 decoys did (`docs/benchmarks.md`, the framing bench).
pub const CROP_PERCENTS: &[usize] = &[5, 10, 15];

/// The rectangles (left, top, width, height) hashed besides the whole image, for each share
/// cut away: that share cut across the width, and across the height, in five positions each
/// (all from one side, three quarters, half, a quarter, none), and half of it from every side.
/// PDQ moves far with a crop of a few percent, so a crop is matched by the nearest of these.
fn crops(width: usize, height: usize, percents: &[usize]) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::with_capacity(11 * percents.len());
    for percent in percents {
        let (dw, dh) = (width * percent / 100, height * percent / 100);
        for step in 0..5 {
            out.push((dw * step / 4, 0, width - dw, height));
            out.push((0, dh * step / 4, width, height - dh));
        }
        out.push((dw / 2, dh / 2, width - dw, height - dh));
    }
    out
}

/// The hashes an image is registered under (8 rotations and flips, then the crops) and the
/// PDQ quality of the image as it is.
pub fn image_fingerprints(bytes: &[u8], hasher: &mut Hasher) -> Result<(Vec<Hash256>, u8), ScanError> {
    image_fingerprints_with(bytes, hasher, CROP_PERCENTS)
}

/// [`image_fingerprints`] with crops of these shares (for measuring what each costs).
pub fn image_fingerprints_with(
    bytes: &[u8],
    hasher: &mut Hasher,
    crop_percents: &[usize],
) -> Result<(Vec<Hash256>, u8), ScanError> {
    let pixels = decode(bytes, &DecodeOptions::default()).map_err(|e| ScanError::Image(e.to_string()))?;
    let (w, h) = (pixels.width, pixels.height);
    let small = |_| ScanError::Image(format!("the image is too small to fingerprint ({w}×{h})"));
    let dihedral = hasher.hash_rgb_dihedral(&pixels.data, w, h).map_err(small)?;
    let mut hashes = dihedral.hashes.to_vec();
    if w >= MIN_DIMENSION * 10 && h >= MIN_DIMENSION * 10 {
        for rect in crops(w, h, crop_percents) {
            let Some(part) = crate::framing::crop(&pixels, rect) else { continue };
            hashes.push(hasher.hash_rgb(&part.data, part.width, part.height).map_err(small)?.hash);
        }
    }
    Ok((hashes, dihedral.quality))
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    fn push(&mut self, content: Content, hashes: impl IntoIterator<Item = Hash256>) {
        let owner = self.contents.len();
        self.contents.push(content);
        for h in hashes {
            self.hashes.push(h);
            self.owners.push(owner);
        }
    }

    /// Adds one of her images from its bytes.
    pub fn add_image(&mut self, content: Content, bytes: &[u8], hasher: &mut Hasher) -> Result<(), ScanError> {
        let (hashes, _) = image_fingerprints(bytes, hasher)?;
        self.push(content, hashes);
        Ok(())
    }

    /// Adds one of her images from hashes made on her own computer (`lodge hash --dihedral`),
    /// so the image itself never leaves it.
    pub fn add_hashes(&mut self, content: Content, hashes: Vec<Hash256>) {
        self.push(content, hashes);
    }

    /// Adds one of her videos by its frame hashes and MD5 (`lodge hash` output, made on her
    /// computer or from an upload).
    pub fn add_video(&mut self, content: Content, frames: Vec<FrameHash>, md5: String) {
        self.videos.push(Video { owner: self.contents.len(), frames, md5: md5.to_ascii_lowercase() });
        self.contents.push(content);
    }

    /// Readies the registry for matching.
    pub fn finish(self) -> Result<Matcher, ScanError> {
        let index = Index::new(self.hashes).map_err(|e| ScanError::Image(e.to_string()))?;
        Ok(Matcher { contents: self.contents, owners: self.owners, index, videos: self.videos })
    }
}

/// Her fingerprints, ready to match against.
#[derive(Debug)]
pub struct Matcher {
    contents: Vec<Content>,
    owners: Vec<usize>,
    index: Index,
    videos: Vec<Video>,
}

impl Matcher {
    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.contents.is_empty()
    }

    /// Her piece closest to `hash` within `radius`, if any.
    pub fn best(&self, hash: &Hash256, radius: u32) -> Option<Hit> {
        let best = self.index.search(hash, radius).into_iter().min_by_key(|m| m.distance)?;
        let owner = *self.owners.get(best.position)?;
        Some(Hit { content: self.contents.get(owner)?.clone(), distance: best.distance })
    }

    /// Her video with a frame closest to `hash` within `radius`, if any: a found image that is
    /// a still of her video (a poster, a preview, a tile of a sprite sheet).
    pub fn best_frame(&self, hash: &Hash256, radius: u32) -> Option<Hit> {
        let (owner, distance) = self
            .videos
            .iter()
            .flat_map(|v| {
                v.frames
                    .iter()
                    .filter(|f| f.pdq.quality >= MIN_QUALITY)
                    .map(move |f| (v.owner, f.pdq.hash.distance(hash)))
            })
            .filter(|(_, d)| *d <= radius)
            .min_by_key(|(_, d)| *d)?;
        Some(Hit { content: self.contents.get(owner)?.clone(), distance })
    }

    /// Her video that a found video copies, if any: the same file (by MD5), or at least
    /// [`VIDEO_MATCH_PERCENT`] of the found video's trusted frames within PDQ distance 31 of hers.
    /// Returns the content and the percentage matched.
    pub fn best_video(&self, frames: &[FrameHash], md5: &str) -> Option<(Content, f64)> {
        let best = self
            .videos
            .iter()
            .map(|v| {
                let percent = if v.md5 == md5.to_ascii_lowercase() {
                    100.0
                } else {
                    match_videos(frames, &v.frames).query_percent
                };
                (v.owner, percent)
            })
            .filter(|(_, percent)| *percent >= VIDEO_MATCH_PERCENT)
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        Some((self.contents.get(best.0)?.clone(), best.1))
    }
}
