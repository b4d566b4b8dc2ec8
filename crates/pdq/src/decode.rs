//! Reading image files for hashing, within limits: a stalker may send the file, so it is
//! treated as hostile. EXIF orientation is not applied by default, as in the reference.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader};

/// Limits and options for decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// Largest width or height accepted, in pixels.
    pub max_side: u32,
    /// Largest number of pixels accepted.
    pub max_pixels: u64,
    /// Largest allocation the decoder may make, in bytes.
    pub max_alloc: u64,
    /// Rotate or flip the image as its EXIF orientation says (the reference does not).
    pub apply_exif_orientation: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_side: 30_000,
            max_pixels: 100_000_000,
            max_alloc: 512 * 1024 * 1024,
            apply_exif_orientation: false,
        }
    }
}

/// Why a file could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not an image format this build reads.
    #[error("not an image in a known format")]
    UnknownFormat,
    /// Over the size limits.
    #[error("image too large: {width}×{height} pixels")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The decoder hit a memory limit (a decompression bomb, or just huge).
    #[error("image needs more memory than allowed to decode")]
    MemoryLimit,
    /// Truncated or corrupt data.
    #[error("corrupt or truncated image: {0}")]
    Corrupt(String),
}

/// Decoded 8-bit RGB pixels, interleaved, rows top to bottom.
#[derive(Debug, Clone)]
pub struct Pixels {
    /// `width * height * 3` bytes.
    pub data: Vec<u8>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

/// Decodes an image file's bytes into RGB within `options`' limits. Alpha is dropped and
/// greyscale and palette images are expanded to RGB, as PIL's `convert("RGB")` does.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Pixels, DecodeError> {
    let reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    match reader.format() {
        None => return Err(DecodeError::UnknownFormat),
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            return Err(DecodeError::Corrupt("truncated JPEG: the image data has no end marker".into()));
        }
        Some(_) => {}
    }
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (width, height) = decoder.dimensions();
    if width > options.max_side
        || height > options.max_side
        || u64::from(width) * u64::from(height) > options.max_pixels
    {
        return Err(DecodeError::TooLarge { width, height });
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(options.max_side);
    limits.max_image_height = Some(options.max_side);
    limits.max_alloc = Some(options.max_alloc);
    decoder.set_limits(limits).map_err(classify)?;
    // The decoded buffer and its RGB copy must both fit in the allowance.
    let rgb_bytes = u64::from(width) * u64::from(height) * 3;
    if decoder.total_bytes().saturating_add(rgb_bytes) > options.max_alloc {
        return Err(DecodeError::MemoryLimit);
    }
    let orientation = if options.apply_exif_orientation { decoder.orientation().ok() } else { None };
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    if let Some(o) = orientation {
        image.apply_orientation(o);
    }
    let rgb = image.into_rgb8();
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    Ok(Pixels { data: rgb.into_raw(), width, height })
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The JPEG decoder fills
/// a cut-off image with grey rather than failing, which would hash something that is not there.
/// Markers cannot occur inside entropy-coded data (0xFF is stuffed there), so the search is sound.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    last_scan.is_some_and(|at| bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]))
}

fn classify(e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::MemoryLimit,
        image::ImageError::Unsupported(_) => DecodeError::UnknownFormat,
        other => DecodeError::Corrupt(other.to_string()),
    }
}
