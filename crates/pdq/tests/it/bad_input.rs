//! Hostile and broken files: each gets a clear error, never a crash or an unbounded allocation.

use lodge_pdq::Hasher;
use lodge_pdq::decode::DecodeError;
use lodge_pdq::file::{FileError, FileOptions, hash_image_bytes};
use proptest::prelude::*;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_fn(width, height, |x, y| image::Luma([((x * 7 + y * 13) % 256) as u8]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    })
    .write_to(&mut out, image::ImageFormat::Jpeg)
    .unwrap();
    out.into_inner()
}

/// A PNG whose header claims `width`×`height` but whose data is a few bytes: a decompression
/// bomb's shape, without making the bomb.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut real = png(8, 8);
    // IHDR's width and height start at byte 16; the chunk's CRC (bytes 29..33) is recomputed.
    real[16..20].copy_from_slice(&width.to_be_bytes());
    real[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&real[12..29]);
    real[29..33].copy_from_slice(&crc.to_be_bytes());
    real
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn hash(bytes: &[u8]) -> Result<lodge_pdq::file::FileHashes, FileError> {
    hash_image_bytes(bytes, &FileOptions::default(), &mut Hasher::new())
}

#[test]
fn each_bad_image_gets_its_reason() {
    assert!(matches!(hash(&png(1, 1)), Err(FileError::TooSmall { width: 1, height: 1 })));
    assert!(matches!(hash(&png(4, 300)), Err(FileError::TooSmall { .. })));
    assert!(matches!(
        hash(&png(100_000, 1)),
        Err(FileError::Decode(DecodeError::TooLarge { width: 100_000, height: 1 }))
    ));
    assert!(matches!(hash(&png_claiming(100_000, 100_000)), Err(FileError::Decode(DecodeError::TooLarge { .. }))));
    assert!(matches!(hash(&png_claiming(20_000, 20_000)), Err(FileError::Decode(DecodeError::TooLarge { .. }))));
    // Within the pixel limits but over the memory limit: refused by the decoder's allocation cap.
    let options = FileOptions {
        decode: lodge_pdq::decode::DecodeOptions { max_alloc: 1024 * 1024, ..Default::default() },
        ..FileOptions::default()
    };
    let big = png(2000, 2000);
    let r = hash_image_bytes(&big, &options, &mut Hasher::new());
    assert!(matches!(r, Err(FileError::Decode(DecodeError::MemoryLimit))), "{r:?}");
    assert!(matches!(hash(b"just some text, not an image"), Err(FileError::Decode(DecodeError::UnknownFormat))));
    assert!(matches!(hash(b""), Err(FileError::Decode(_))));
    let whole = png(300, 200);
    assert!(matches!(hash(&whole[..whole.len() / 2]), Err(FileError::Decode(DecodeError::Corrupt(_)))));
    let j = jpeg(300, 200);
    assert!(hash(&j[..j.len() / 3]).is_err(), "a truncated JPEG is refused");
    assert!(hash(&whole).is_ok() && hash(&j).is_ok());
    for e in [hash(&png(1, 1)).unwrap_err(), hash(b"text").unwrap_err()] {
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The decode-and-hash path never panics on damaged input: flipped bytes and cut files.
    #[test]
    fn damaged_images_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12), cut in any::<usize>(), which in 0usize..2) {
        let mut bytes = if which == 0 { png(64, 48) } else { jpeg(64, 48) };
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] ^= value;
        }
        let len = bytes.len();
        bytes.truncate(len - cut % (len / 2));
        let _ = hash(&bytes);
    }
}
