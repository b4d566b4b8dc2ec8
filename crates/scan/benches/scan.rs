//! Scanning speed: 40 pages of 10 images each (JPEGs at most 320×240 made from 4 PDQ test
//! images, each shifted, brightened or flipped) served over loopback by Python's `http.server`, scanned
//! against her registry of 4 images; beside it, in the same run, the same 400 images fetched
//! with no fingerprinting (the reference: what the fetching alone costs). Then matching: 10,000
//! lookups in a registry of 100,000 of her hashes (multi-index hashing) beside the same lookups
//! by brute force over the same hashes.
//!
//! The same pages are also scanned through headless Chromium (where installed), for pages per
//! second with the browser and the browser's memory.
//!
//! Run: `cargo bench -p lodge-scan --bench scan` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lodge_pdq::index::Index;
use lodge_pdq::{Hash256, Hasher, MATCH_DISTANCE};
use lodge_scan::browser::{Browser, BrowserSettings};
use lodge_scan::fetch::{FetchSettings, Fetcher};
use lodge_scan::registry::{Content, Registry};
use lodge_scan::{scan, scan_with};

const PAGES: usize = 40;
const PER_PAGE: usize = 10;

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq/images").join(name))
        .unwrap()
}

/// A deterministic stream of numbers (xorshift), so every run builds the same data.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The browser's processes (it and its descendants) and their memory in MiB, as proportional
/// set size (each shared page counted once across them, which resident sizes would count in
/// every process).
fn browser_memory(root: u32) -> (usize, f64) {
    let parent = |pid: u32| -> Option<u32> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|p| p.trim().parse().ok())
    };
    let descends = |mut pid: u32| {
        while pid > 1 {
            if pid == root {
                return true;
            }
            pid = parent(pid).unwrap_or(0);
        }
        false
    };
    let (mut processes, mut kib) = (0, 0u64);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().parse::<u32>().unwrap_or(0);
        if pid > 1 && descends(pid) {
            processes += 1;
            kib += std::fs::read_to_string(entry.path().join("smaps_rollup"))
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    (processes, kib as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    let sources = ["bridge-1-original.jpg", "q0291.jpg", "q0746.jpg", "pen-and-coaster.png"];
    let dir = tempfile::tempdir().unwrap();
    let mut n = Numbers(0x2545_f491_4f6c_dd1d);
    for page in 0..PAGES {
        let mut html = String::from("<html><body>");
        for i in 0..PER_PAGE {
            let source = image::load_from_memory(&vector(sources[(page + i) % sources.len()])).unwrap();
            // One change each: a shift of up to 8 pixels, a flip, or a brighter copy.
            let varied = match n.next() % 3 {
                0 => source.crop_imm(
                    (n.next() % 8) as u32,
                    (n.next() % 8) as u32,
                    source.width() - 8,
                    source.height() - 8,
                ),
                1 => source.fliph(),
                _ => source.brighten(20),
            };
            let name = format!("p{page}-{i}.jpg");
            varied
                .resize_exact(320, 240, image::imageops::FilterType::Triangle)
                .to_rgb8()
                .save(dir.path().join(&name))
                .unwrap();
            html.push_str(&format!("<img src=\"{name}\">"));
        }
        std::fs::write(dir.path().join(format!("page{page}.html")), html + "</body></html>").unwrap();
    }
    let site = lodge_testkit::site::serve(dir);
    let pages: Vec<String> = (0..PAGES).map(|p| site.url.join(&format!("page{p}.html")).unwrap().to_string()).collect();

    let mut registry = Registry::new();
    let mut hasher = Hasher::new();
    for s in sources {
        registry.add_image(Content { id: s.into(), label: s.into() }, &vector(s), &mut hasher).unwrap();
    }
    let matcher = registry.finish().unwrap();
    let settings = FetchSettings { allow_private: true, per_host_interval: Duration::ZERO, ..FetchSettings::default() };

    let fetcher = Fetcher::new(settings.clone()).unwrap();
    let t = Instant::now();
    let report = scan(&fetcher, &matcher, &pages, MATCH_DISTANCE).await;
    let scanned = t.elapsed().as_secs_f64();
    assert_eq!(report.pages, PAGES);

    // The same pages rendered by headless Chromium (when installed), every request answered by
    // Lodge; the browser's memory is the sum of its processes' resident sizes after the pages.
    let fetcher = Fetcher::new(settings.clone()).unwrap();
    match Browser::launch(BrowserSettings::default()).await {
        Ok(mut browser) => {
            let root = browser.process_id().expect("the browser runs");
            let t = Instant::now();
            let rendered = scan_with(&fetcher, &matcher, &pages, MATCH_DISTANCE, Some(&browser)).await;
            let took = t.elapsed().as_secs_f64();
            let (processes, memory) = browser_memory(root);
            browser.close().await;
            assert_eq!(rendered.findings.len(), report.findings.len());
            println!(
                "scan with the browser: {} pages, {} images in {took:.2} s = {:.1} pages/s; after them the browser holds {memory:.0} MiB (PSS) in {processes} processes",
                rendered.pages,
                rendered.images,
                rendered.pages as f64 / took,
            );
        }
        Err(e) => println!("scan with the browser: not measured ({e})"),
    }

    let fetcher = Fetcher::new(settings).unwrap();
    let t = Instant::now();
    for p in 0..PAGES {
        for i in 0..PER_PAGE {
            fetcher.get(&site.url.join(&format!("p{p}-{i}.jpg")).unwrap()).await.unwrap();
        }
    }
    let fetched = t.elapsed().as_secs_f64();
    println!(
        "scan: {} pages, {} images, {} copies found in {scanned:.2} s = {:.1} pages/s, {:.0} images/s",
        report.pages,
        report.images,
        report.findings.len(),
        report.pages as f64 / scanned,
        report.images as f64 / scanned
    );
    println!(
        "reference, fetching the same images only: {fetched:.2} s = {:.0} images/s",
        (PAGES * PER_PAGE) as f64 / fetched
    );

    let hashes: Vec<Hash256> = (0..100_000).map(|_| Hash256([n.next(), n.next(), n.next(), n.next()])).collect();
    let queries: Vec<Hash256> = (0..10_000)
        .map(|i| {
            let mut q = hashes[i * 7];
            for bit in 0..(i % 24) {
                q.0[bit % 4] ^= 1 << (bit * 5 % 64);
            }
            q
        })
        .collect();
    let mut registry = Registry::new();
    for (i, chunk) in hashes.chunks(8).enumerate() {
        registry.add_hashes(Content { id: i.to_string(), label: String::new() }, chunk.to_vec());
    }
    let matcher = registry.finish().unwrap();
    let t = Instant::now();
    let found = queries.iter().filter(|q| matcher.best(q, MATCH_DISTANCE).is_some()).count();
    let ours = t.elapsed();
    let brute = Index::brute_force(hashes);
    let t = Instant::now();
    let brute_found = queries.iter().filter(|q| !brute.search(q, MATCH_DISTANCE).is_empty()).count();
    let reference = t.elapsed();
    assert_eq!(found, brute_found);
    println!(
        "matching 10,000 lookups in 100,000 hashes: {:.1} µs each (registry), {:.1} µs each (brute force); {found} found",
        ours.as_secs_f64() * 1e6 / 1e4,
        reference.as_secs_f64() * 1e6 / 1e4
    );
}
