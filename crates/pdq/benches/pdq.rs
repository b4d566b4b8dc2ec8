//! PDQ hashing and matching speed, measured side by side with the references in one run:
//! Meta's C++ PDQ (PyPI `pdqhash`) on the same decoded pixels, and FAISS's
//! `IndexBinaryMultiHash(256, 16, 16)` with `nflip = 1` on the same hashes.
//!
//! Run: `cargo bench -p lodge-pdq --bench pdq` (needs `pip install pdqhash numpy pillow
//! faiss-cpu`; without them only Lodge's side is measured). Results go in docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lodge_pdq::index::Index;
use lodge_pdq::{Hash256, Hasher};

const SECONDS: f64 = 3.0;

fn reference(args: &[&str]) -> Option<serde_json::Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/reference.py");
    let out = Command::new("python3").arg(script).args(args).output().ok()?;
    if !out.status.success() {
        eprintln!("reference not run: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// The bridge test image resized to `width`×`height`, saved as PNG so both sides read the same pixels.
fn test_image(dir: &Path, width: u32, height: u32) -> (PathBuf, Vec<u8>) {
    let vectors =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq/decoded/bridge-1-original.png");
    let img =
        image::open(vectors).unwrap().resize_exact(width, height, image::imageops::FilterType::Triangle).to_rgb8();
    let path = dir.join(format!("bridge-{width}x{height}.png"));
    img.save(&path).unwrap();
    (path, img.into_raw())
}

fn per_second(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < Duration::from_secs_f64(SECONDS) {
        f();
        runs += 1;
    }
    runs as f64 / start.elapsed().as_secs_f64()
}

fn hashing(dir: &Path) {
    for (w, h) in [(1920, 1080), (512, 512)] {
        let (path, rgb) = test_image(dir, w, h);
        let mut hasher = Hasher::new();
        let ours = hasher.hash_rgb(&rgb, w as usize, h as usize).unwrap();
        let rate = per_second(|| {
            std::hint::black_box(hasher.hash_rgb(&rgb, w as usize, h as usize).unwrap());
        });
        print!("PDQ {w}x{h}, one core: Lodge {rate:.0} hashes/s");
        match reference(&["pdq", path.to_str().unwrap(), &SECONDS.to_string()]) {
            Some(r) => {
                let theirs = r["per_second"].as_f64().unwrap();
                assert_eq!(
                    r["hash"].as_str().unwrap(),
                    ours.hash.to_string(),
                    "the reference hashes the same pixels the same"
                );
                println!(", reference (pdqhash) {theirs:.0} hashes/s: {:.1}x; hashes identical", rate / theirs);
            }
            None => println!(),
        }
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn hash(&mut self) -> Hash256 {
        Hash256([self.next(), self.next(), self.next(), self.next()])
    }
}

fn near(rng: &mut Rng, h: Hash256, bits: u32) -> Hash256 {
    let mut out = h;
    for _ in 0..bits {
        let k = (rng.next() % 256) as usize;
        out.0[k / 64] ^= 1 << (k % 64);
    }
    out
}

fn matching(dir: &Path) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Brute force: 1 M hashes, batches of 64 queries.
    let hashes: Vec<Hash256> = (0..1_000_000).map(|_| rng.hash()).collect();
    let queries: Vec<Hash256> = (0..64).map(|_| rng.hash()).collect();
    let brute = Index::brute_force(hashes);
    let rate = per_second(|| {
        std::hint::black_box(brute.search_batch(&queries, 31));
    });
    println!("Brute force, one core: {:.2} G comparisons/s", rate * 64.0 * 1e6 / 1e9);

    // Multi-index hashing: 10 M hashes, 1,000 queries with planted neighbours.
    let n = 10_000_000;
    let mut hashes: Vec<Hash256> = (0..n).map(|_| rng.hash()).collect();
    let queries: Vec<Hash256> = (0..1000).map(|_| rng.hash()).collect();
    for (i, q) in queries.iter().enumerate() {
        for d in [5, 20, 31] {
            hashes[i * 3 + d as usize] = near(&mut rng, *q, d);
        }
    }
    let start = Instant::now();
    let index = Index::new(hashes).unwrap();
    let build = start.elapsed();
    assert!(index.uses_multi_index());
    let start = Instant::now();
    let found: usize = queries.iter().map(|q| index.search(q, 31).len()).sum();
    let per_query = start.elapsed().as_secs_f64() * 1000.0 / queries.len() as f64;
    print!(
        "Multi-index, 10 M hashes, radius 31, one core: Lodge {per_query:.3} ms/query, {:.1} bytes/hash, built in {:.1} s, {found} matches",
        index.bytes_per_hash(),
        build.as_secs_f64()
    );
    let db = dir.join("db.bin");
    let qs = dir.join("queries.bin");
    write_hashes(&db, index.hashes());
    write_hashes(&qs, &queries);
    match reference(&["faiss", db.to_str().unwrap(), qs.to_str().unwrap(), "31"]) {
        Some(r) => {
            let theirs = r["ms_per_query"].as_f64().unwrap();
            assert_eq!(r["matches"].as_u64().unwrap() as usize, found, "FAISS finds the same matches");
            println!(
                "; FAISS IndexBinaryMultiHash(256,16,16) nflip=1 {theirs:.3} ms/query: {:.1}x faster; same matches",
                theirs / per_query
            );
        }
        None => println!(),
    }
}

fn write_hashes(path: &Path, hashes: &[Hash256]) {
    let mut bytes = Vec::with_capacity(hashes.len() * 32);
    for h in hashes {
        bytes.extend_from_slice(&h.to_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("lodge-pdq-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    hashing(&dir);
    matching(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
}
