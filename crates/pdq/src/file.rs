//! Hashing files: an image gets its PDQ hash (and, if asked, the dihedral variants); a video
//! its vPDQ frame hashes and the MD5 of the whole file. Every failure names its reason, for a
//! report that says which file could not be hashed and why.

use std::io::Read;
use std::path::Path;

use crate::decode::{DecodeError, DecodeOptions, Pixels, decode};
use crate::vpdq::{FrameHash, VideoError, VideoOptions, hash_video, md5_file};
use crate::{Dihedral, Hasher, MIN_DIMENSION, PdqHash};

/// Largest image file read into memory for decoding.
pub const MAX_IMAGE_FILE: u64 = 256 * 1024 * 1024;

const VIDEO_EXTENSIONS: [&str; 12] =
    ["mp4", "m4v", "mov", "webm", "mkv", "avi", "wmv", "flv", "3gp", "mpg", "mpeg", "ts"];

/// What to compute for each file.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Decoding limits for images.
    pub decode: DecodeOptions,
    /// Also compute the 8 dihedral hashes of images.
    pub dihedral: bool,
    /// Treat every file as a video, whatever its name.
    pub force_video: bool,
    /// Video settings.
    pub video: VideoOptions,
}

/// The hashes of one file.
#[derive(Debug, Clone)]
pub enum FileHashes {
    /// An image.
    Image {
        /// Its PDQ hash.
        pdq: PdqHash,
        /// The 8 dihedral hashes, when asked for.
        dihedral: Option<Box<Dihedral>>,
    },
    /// A video.
    Video {
        /// One hash per hashed frame.
        frames: Vec<FrameHash>,
        /// MD5 of the whole file.
        md5: String,
    },
}

/// Why a file could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(#[from] std::io::Error),
    /// Too big to read as an image.
    #[error("image file too large ({0} bytes)")]
    FileTooLarge(u64),
    /// Not decodable as an image.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// Smaller than PDQ can hash.
    #[error("image too small to hash: {width}×{height} (PDQ needs at least {MIN_DIMENSION}×{MIN_DIMENSION})")]
    TooSmall {
        /// Width.
        width: usize,
        /// Height.
        height: usize,
    },
    /// The video could not be hashed.
    #[error("{0}")]
    Video(#[from] VideoError),
}

/// Whether a file's name says it is a video.
pub fn looks_like_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Hashes one file, as an image or (by its name, or when forced) as a video.
pub fn hash_file(path: &Path, options: &FileOptions, hasher: &mut Hasher) -> Result<FileHashes, FileError> {
    if options.force_video || looks_like_video(path) {
        let (frames, md5) = hash_video_file(path, &options.video, |_| {})?;
        return Ok(FileHashes::Video { frames, md5 });
    }
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_IMAGE_FILE {
        return Err(FileError::FileTooLarge(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_IMAGE_FILE + 1).read_to_end(&mut bytes)?;
    hash_image_bytes(&bytes, options, hasher)
}

/// Hashes a video file: its frame hashes (calling `progress` with each) and the MD5 of the
/// whole file, read while FFmpeg decodes it rather than after.
pub fn hash_video_file(
    path: &Path,
    options: &VideoOptions,
    progress: impl FnMut(&FrameHash),
) -> Result<(Vec<FrameHash>, String), FileError> {
    let (frames, md5) = std::thread::scope(|s| {
        let md5 = s.spawn(|| md5_file(path));
        let frames = hash_video(path, options, progress);
        (frames, md5.join())
    });
    let md5 = md5.map_err(|_| FileError::Read(std::io::Error::other("the MD5 thread failed")))??;
    Ok((frames?, md5))
}

/// Hashes an image held in memory.
pub fn hash_image_bytes(bytes: &[u8], options: &FileOptions, hasher: &mut Hasher) -> Result<FileHashes, FileError> {
    let Pixels { data, width, height } = decode(bytes, &options.decode)?;
    if width < MIN_DIMENSION || height < MIN_DIMENSION {
        return Err(FileError::TooSmall { width, height });
    }
    let too_small = |_| FileError::TooSmall { width, height };
    if options.dihedral {
        let d = hasher.hash_rgb_dihedral(&data, width, height).map_err(too_small)?;
        Ok(FileHashes::Image { pdq: PdqHash { hash: d.hashes[0], quality: d.quality }, dihedral: Some(Box::new(d)) })
    } else {
        Ok(FileHashes::Image { pdq: hasher.hash_rgb(&data, width, height).map_err(too_small)?, dihedral: None })
    }
}
