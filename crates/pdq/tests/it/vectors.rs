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
