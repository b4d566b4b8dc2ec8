//! Bit-exactness on every lossless vector, the JPEG tolerance, and the dihedral hashes.

use std::path::PathBuf;

use lodge_pdq::decode::{DecodeOptions, Pixels, decode};
use lodge_pdq::{DIHEDRAL_NAMES, Hash256, Hasher, PdqHash};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq")
}

struct Row {
    file: String,
    hash: Hash256,
    quality: u8,
    lossless: Option<String>,
}

fn expected() -> Vec<Row> {
    let text = std::fs::read_to_string(vectors().join("expected.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Row {
                file: f[0].into(),
                hash: f[3].parse().unwrap(),
                quality: f[4].parse().unwrap(),
                lossless: (!f[5].is_empty()).then(|| f[5].to_owned()),
            }
        })
        .collect()
}

fn hash_file(hasher: &mut Hasher, path: &str) -> PdqHash {
    let bytes = std::fs::read(vectors().join(path)).unwrap();
    let Pixels { data, width, height } = decode(&bytes, &DecodeOptions::default()).unwrap();
    hasher.hash_rgb(&data, width, height).unwrap()
}

#[test]
fn bit_exact_on_every_lossless_vector() {
    let mut hasher = Hasher::new();
    let rows: Vec<Row> = expected().into_iter().filter(|r| r.lossless.is_some()).collect();
    assert_eq!(rows.len(), 23, "every lossless vector is checked");
    let mut wrong = Vec::new();
    for row in &rows {
        let got = hash_file(&mut hasher, row.lossless.as_deref().unwrap());
        if got.hash != row.hash || got.quality != row.quality {
            wrong.push(format!(
                "{}: got {} q{} (distance {}), want {} q{}",
                row.file,
                got.hash,
                got.quality,
                got.hash.distance(&row.hash),
                row.hash,
                row.quality
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn jpegs_decoded_by_our_decoder_are_within_10_bits() {
    let mut hasher = Hasher::new();
    for row in expected().iter().filter(|r| r.quality >= 80) {
        let got = hash_file(&mut hasher, &row.file);
        let d = got.hash.distance(&row.hash);
        assert!(d <= 10, "{}: distance {d}", row.file);
    }
}

#[test]
fn dihedral_hashes_of_the_bridge() {
    let text = std::fs::read_to_string(vectors().join("dihedral-bridge-1.csv")).unwrap();
    let bytes = std::fs::read(vectors().join("decoded/bridge-1-original.png")).unwrap();
    let Pixels { data, width, height } = decode(&bytes, &DecodeOptions::default()).unwrap();
    let got = Hasher::new().hash_rgb_dihedral(&data, width, height).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let i = DIHEDRAL_NAMES.iter().position(|n| *n == f[0]).unwrap();
        assert_eq!(got.hashes[i].to_string(), f[1], "{}", f[0]);
        assert_eq!(got.quality.to_string(), f[2]);
    }
}

/// The JPEG with its EXIF segment replaced by one holding only an orientation tag (6: the
/// picture must be turned 90° clockwise).
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    // Copy the other segments up to the scan, leaving out the file's own EXIF (APP1).
    let mut i = 2;
    while jpeg[i + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if jpeg[i + 1] != 0xE1 {
            out.extend_from_slice(&jpeg[i..i + 2 + len]);
        }
        i += 2 + len;
    }
    out.extend_from_slice(&jpeg[i..]);
    out
}

#[test]
fn exif_orientation_is_ignored_unless_asked_for() {
    let original = std::fs::read(vectors().join("images/bridge-1-original.jpg")).unwrap();
    let tagged = with_exif_orientation(&original, 6);
    let mut hasher = Hasher::new();
    let plain = decode(&tagged, &DecodeOptions::default()).unwrap();
    assert_eq!((plain.width, plain.height), (1600, 1004), "like the reference, the tag is ignored by default");
    let upright = decode(&tagged, &DecodeOptions { apply_exif_orientation: true, ..DecodeOptions::default() }).unwrap();
    assert_eq!((upright.width, upright.height), (1004, 1600));
    let turned = hasher.hash_rgb(&upright.data, upright.width, upright.height).unwrap();
    // The reference's hash of the file really turned 90° clockwise (named "rotate-270": its
    // rotation is counted anticlockwise).
    let rotated = expected().into_iter().find(|r| r.file == "images/bridge-4-rotate-270.jpg").unwrap();
    assert!(turned.hash.distance(&rotated.hash) <= 16, "distance {}", turned.hash.distance(&rotated.hash));
    let ignored = hasher.hash_rgb(&plain.data, plain.width, plain.height).unwrap();
    let original_row = expected().into_iter().find(|r| r.file == "images/bridge-1-original.jpg").unwrap();
    assert!(ignored.hash.distance(&original_row.hash) <= 10);
}

#[test]
fn luma_input_is_hashed_as_it_is() {
    let bytes = std::fs::read(vectors().join("images/L.png")).unwrap();
    let grey = image::load_from_memory(&bytes).unwrap().into_luma8();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let mut hasher = Hasher::new();
    let from_luma = hasher.hash_luma(grey.as_raw(), w, h).unwrap();
    let row = expected().into_iter().find(|r| r.file == "images/L.png").unwrap();
    // The vector was made from the RGB expansion, whose luma differs from L by float rounding only.
    assert!(from_luma.hash.distance(&row.hash) <= 4, "distance {}", from_luma.hash.distance(&row.hash));
    assert_eq!(from_luma.quality, row.quality);
    let dihedral = hasher.hash_luma_dihedral(grey.as_raw(), w, h).unwrap();
    assert_eq!(dihedral.hashes[0], from_luma.hash);
}
