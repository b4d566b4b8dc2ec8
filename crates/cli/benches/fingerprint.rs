//! End-to-end fingerprinting speed of the real `lodge` binary on two cores:
//! - `lodge hash` over a directory of 1080p JPEGs, next to the time decoding those JPEGs
//!   alone takes with the same decoder on the same cores;
//! - `lodge hash` of a 1080p video at one frame a second, next to FFmpeg decoding the same
//!   file to nowhere (`-f null`). The video is 60 s of FFmpeg's `testsrc2`, so start-up
//!   costs (ffprobe, a second FFmpeg) weigh as they would on a real clip, not on a toy one.
//!
//! Run: `cargo bench -p lodge --bench fingerprint` (needs ffmpeg). Results go in docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const IMAGES: usize = 120;

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn make_jpegs(dir: &Path) -> Vec<PathBuf> {
    let source =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq/decoded/bridge-1-original.png");
    let base = image::open(source).unwrap().resize_exact(1920, 1080, image::imageops::FilterType::Triangle).to_rgb8();
    (0..IMAGES)
        .map(|i| {
            let mut img = base.clone();
            for p in img.pixels_mut() {
                p.0[i % 3] = p.0[i % 3].saturating_add((i % 40) as u8);
            }
            let path = dir.join(format!("photo-{i:03}.jpg"));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
            path
        })
        .collect()
}

fn decode_only(files: &[PathBuf]) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    std::hint::black_box(image::open(f).unwrap().into_rgb8());
                }
            });
        }
    });
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    std::fs::create_dir(&images).unwrap();
    let files = make_jpegs(&images);
    let lodge = env!("CARGO_BIN_EXE_lodge");
    let hash = best_of(3, || {
        let out = Command::new(lodge).arg("hash").arg(&images).output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), IMAGES);
    });
    let decode = best_of(3, || decode_only(&files));
    println!(
        "lodge hash, {IMAGES} JPEGs of 1920x1080, 2 cores: {:.1} images/s ({:.1} ms each); decoding alone: {:.1} images/s ({:.1} ms each), so hashing adds {:.0}%",
        IMAGES as f64 / hash,
        hash * 1000.0 / IMAGES as f64,
        IMAGES as f64 / decode,
        decode * 1000.0 / IMAGES as f64,
        (hash / decode - 1.0) * 100.0
    );

    let video = dir.path().join("video.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=60", "-c:v", "libx264"])
        .args(["-preset", "veryfast", "-pix_fmt", "yuv420p"])
        .arg(&video)
        .status()
        .unwrap();
    assert!(made.success());
    // FFmpeg alone and Lodge are run in turn, five times each, so that a slow spell of the
    // machine falls on both; each side's best run is compared.
    let (mut ffmpeg, mut vpdq) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        ffmpeg = ffmpeg.min(best_of(1, || {
            let s = Command::new("ffmpeg")
                .args(["-v", "error", "-nostdin", "-i"])
                .arg(&video)
                .args(["-map", "0:v:0", "-f", "null", "-"])
                .status()
                .unwrap();
            assert!(s.success());
        }));
        vpdq = vpdq.min(best_of(1, || {
            let out = Command::new(lodge).args(["hash", "--interval", "1"]).arg(&video).output().unwrap();
            assert!(out.status.success());
            assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 61);
        }));
    }
    println!(
        "vPDQ of a 60 s 1080p30 H.264 video at one frame a second: {vpdq:.2} s; ffmpeg decoding it alone: {ffmpeg:.2} s, so vPDQ runs at {:.0}% of ffmpeg's decode speed",
        ffmpeg / vpdq * 100.0
    );
}
