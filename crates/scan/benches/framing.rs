//! What the framing variants buy and cost. Her images are registered with or without crop
//! variants (`registry::image_fingerprints_with`), and found images are hashed as they are or
//! also with their border trimmed (`framing::trimmed`). For each choice: how many of her copies
//! (one-sided crops of 5, 10 and 15 % on each side, letterboxing, a white frame) match her image
//! within PDQ distance 31, and how many decoys — other photos, nine tiles of each, and each of
//! those letterboxed and framed — match any of her images (a false match).
//!
//! Her images and some decoys are the PDQ test images in `../shared/vectors`; more decoys are
//! read from the folder `LODGE_DECOYS` names (`scripts/decoys` fills one with the sample photos
//! scikit-image ships). Run: `scripts/decoys && LODGE_DECOYS=/tmp/lodge-decoys cargo bench -p
//! lodge-scan --bench framing` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use image::{DynamicImage, Rgb, RgbImage};
use lodge_pdq::decode::{DecodeOptions, Pixels, decode};
use lodge_pdq::{Hash256, Hasher, MATCH_DISTANCE};
use lodge_scan::framing::trimmed;
use lodge_scan::registry::image_fingerprints_with;

const HERS: &[&str] = &["bridge-1-original.jpg", "pen-and-coaster.png", "q0291.jpg", "q2821.jpg"];
const OTHER_VECTORS: &[&str] = &["q0122.jpg", "q0746.jpg", "q1050.jpg", "c.png", "LA.png", "rgb.jpeg", "wee.jpg"];
/// ThreatExchange's letterboxed test image: a copy of one of the images above, in bars.
const THEIR_LETTERBOXED: &str = "letterboxed_sample-b.jpg";

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq/images").join(name))
        .unwrap()
}

fn jpeg(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image.to_rgb8().write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)).unwrap();
    out
}

fn framed(image: &DynamicImage, (x, y): (u32, u32), colour: [u8; 3]) -> DynamicImage {
    let mut out = RgbImage::from_pixel(image.width() + 2 * x, image.height() + 2 * y, Rgb(colour));
    image::imageops::overlay(&mut out, &image.to_rgb8(), i64::from(x), i64::from(y));
    DynamicImage::ImageRgb8(out)
}

/// A found image's prints: as it is, and with its border trimmed when asked and there is one.
fn prints(bytes: &[u8], trim: bool, hasher: &mut Hasher) -> Vec<Hash256> {
    let pixels = decode(bytes, &DecodeOptions::default()).unwrap();
    let inside: Option<Pixels> = if trim { trimmed(&pixels) } else { None };
    [Some(&pixels), inside.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|p| hasher.hash_rgb(&p.data, p.width, p.height).ok())
        .map(|p| p.hash)
        .collect()
}

fn nearest(prints: &[Hash256], hers: &[Hash256]) -> u32 {
    prints.iter().flat_map(|p| hers.iter().map(move |h| p.distance(h))).min().unwrap_or(256)
}

fn main() {
    let mut decoy_pictures: Vec<(String, DynamicImage)> =
        OTHER_VECTORS.iter().map(|n| ((*n).to_owned(), image::load_from_memory(&vector(n)).unwrap())).collect();
    if let Ok(dir) = std::env::var("LODGE_DECOYS") {
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(image) = image::open(&path) {
                decoy_pictures.push((path.file_name().unwrap().to_string_lossy().into_owned(), image));
            }
        }
    }
    // Each decoy picture, nine tiles of it (three fifths of each side), and each of those
    // letterboxed and in a white frame.
    let mut decoys: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, picture) in &decoy_pictures {
        let (w, h) = (picture.width(), picture.height());
        let mut pictures = vec![(name.clone(), picture.clone())];
        for i in 0..3 {
            for j in 0..3 {
                let (tw, th) = (w * 3 / 5, h * 3 / 5);
                pictures.push((
                    format!("{name} tile {i}{j}"),
                    picture.crop_imm(i * (w - tw) / 2, j * (h - th) / 2, tw, th),
                ));
            }
        }
        for (label, p) in pictures {
            decoys.push((format!("{label} letterboxed"), jpeg(&framed(&p, (0, p.height() / 6), [0, 0, 0]))));
            decoys.push((
                format!("{label} framed"),
                jpeg(&framed(&p, (p.width() / 10, p.height() / 10), [255, 255, 255])),
            ));
            decoys.push((label, jpeg(&p)));
        }
    }
    // Her copies, by kind.
    let mut copies: Vec<(usize, String, Vec<u8>)> = Vec::new();
    for (owner, name) in HERS.iter().enumerate() {
        let image = image::load_from_memory(&vector(name)).unwrap();
        let (w, h) = (image.width(), image.height());
        for percent in [5u32, 10, 15] {
            let (dw, dh) = (w * percent / 100, h * percent / 100);
            for (side, crop) in [
                ("left", image.crop_imm(dw, 0, w - dw, h)),
                ("right", image.crop_imm(0, 0, w - dw, h)),
                ("top", image.crop_imm(0, dh, w, h - dh)),
                ("bottom", image.crop_imm(0, 0, w, h - dh)),
            ] {
                copies.push((owner, format!("crop {percent}% {side}"), jpeg(&crop)));
            }
        }
        copies.push((owner, "letterbox 1/8".into(), jpeg(&framed(&image, (0, h / 8), [0, 0, 0]))));
        copies.push((owner, "letterbox 1/4".into(), jpeg(&framed(&image, (0, h / 4), [0, 0, 0]))));
        copies.push((owner, "pillarbox 1/5".into(), jpeg(&framed(&image, (w / 5, 0), [0, 0, 0]))));
        copies.push((owner, "white frame 1/10".into(), jpeg(&framed(&image, (w / 10, h / 10), [255, 255, 255]))));
    }
    let mut hasher = Hasher::new();
    println!(
        "{} decoys from {} pictures; {} copies of {} images of hers",
        decoys.len(),
        decoy_pictures.len(),
        copies.len(),
        HERS.len()
    );
    println!(
        "{:<36} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12} {:>10}",
        "variant", "her hashes", "crop 5%", "crop 10%", "crop 15%", "borders", "false match", "nearest"
    );
    for (label, percents, trim) in [
        ("whole image only", &[][..], false),
        ("crops 10% (before)", &[10][..], false),
        ("crops 10% + border trim", &[10][..], true),
        ("crops 10% and 15% + border trim", &[10, 15][..], true),
        ("crops 5%, 10% and 15% + border trim", &[5, 10, 15][..], true),
    ] {
        let hers: Vec<Vec<Hash256>> =
            HERS.iter().map(|n| image_fingerprints_with(&vector(n), &mut hasher, percents).unwrap().0).collect();
        let mut found = std::collections::BTreeMap::<&str, (usize, usize)>::new();
        for (owner, kind, bytes) in &copies {
            let group = if kind.starts_with("crop 5%") {
                "crop 5%"
            } else if kind.starts_with("crop 10%") {
                "crop 10%"
            } else if kind.starts_with("crop 15%") {
                "crop 15%"
            } else {
                "borders"
            };
            let entry = found.entry(group).or_default();
            entry.1 += 1;
            if nearest(&prints(bytes, trim, &mut hasher), &hers[*owner]) <= MATCH_DISTANCE {
                entry.0 += 1;
            }
        }
        let all_hers: Vec<Hash256> = hers.concat();
        let mut false_matches = 0;
        let mut closest = 256;
        for (name, bytes) in &decoys {
            let d = nearest(&prints(bytes, trim, &mut hasher), &all_hers);
            closest = closest.min(d);
            if d <= MATCH_DISTANCE {
                false_matches += 1;
                eprintln!("  {label}: {name} is within {d} of one of hers");
            }
        }
        let sample = prints(&vector(THEIR_LETTERBOXED), trim, &mut hasher);
        let to_each: Vec<String> =
            HERS.iter().zip(&hers).map(|(n, h)| format!("{n} {}", nearest(&sample, h))).collect();
        eprintln!("  {label}: {THEIR_LETTERBOXED} is at {}", to_each.join(", "));
        let cell = |g: &str| found.get(g).map(|(a, b)| format!("{a}/{b}")).unwrap_or_default();
        println!(
            "{:<36} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12} {:>10}",
            label,
            hers[0].len(),
            cell("crop 5%"),
            cell("crop 10%"),
            cell("crop 15%"),
            cell("borders"),
            format!("{false_matches}/{}", decoys.len()),
            closest
        );
    }
}
