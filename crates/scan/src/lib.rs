//! Finding copies of her content on the web: fetch the pages she or the organisation lists
//! (politely: [`fetch`]), take every image on them, fingerprint each with PDQ and match it
//! against her fingerprints ([`registry`]). Each finding carries the page, the image's address,
//! its SHA-256, the capture time and the distance, for her to confirm or dismiss.
//!
//! Videos on pages are listed as skipped for now: matching them needs vPDQ over a download,
//! which is still to come.

pub mod fetch;
pub mod registry;

use std::collections::BTreeSet;

use jiff::Timestamp;
use lodge_pdq::Hasher;
use lodge_pdq::decode::DecodeOptions;
use lodge_pdq::file::{FileHashes, FileOptions, hash_image_bytes};
use scraper::{Html, Selector};
use sha2::{Digest, Sha256};
use url::Url;

use crate::fetch::{FetchError, Fetcher};
use crate::registry::{Content, Matcher};

/// What can go wrong preparing a scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// One of her images cannot be fingerprinted.
    #[error("this image cannot be fingerprinted: {0}")]
    Image(String),
}

/// A copy found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The page it was on (or the image's own address when an image was listed).
    pub page: String,
    /// The image's address.
    pub media: String,
    /// SHA-256 of the image as fetched.
    pub sha256: String,
    /// When it was fetched.
    pub captured: Timestamp,
    /// Which of her pieces it matches.
    pub content: Content,
    /// PDQ distance (0 is identical; a match is at most the radius).
    pub distance: u32,
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Copies found, in the order met.
    pub findings: Vec<Finding>,
    /// Pages read.
    pub pages: usize,
    /// Images fingerprinted.
    pub images: usize,
    /// Addresses not read, and why.
    pub skipped: Vec<(String, String)>,
}

const IMAGE_EXTENSIONS: &[&str] = &[".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"];
const VIDEO_EXTENSIONS: &[&str] = &[".mp4", ".webm", ".mov", ".m4v", ".mkv"];

fn ends_with_any(url: &Url, extensions: &[&str]) -> bool {
    let path = url.path().to_ascii_lowercase();
    extensions.iter().any(|e| path.ends_with(e))
}

/// Image and video addresses on a page: `img` (and `srcset`), `source`, `video`, `og:image`,
/// and links straight to media files. Relative addresses are resolved against the page.
pub fn media_on_page(page: &Url, html: &str) -> (Vec<Url>, Vec<Url>) {
    let doc = Html::parse_document(html);
    let mut candidates: Vec<String> = Vec::new();
    let select = |css: &str| Selector::parse(css).ok();
    for (css, attr) in [
        ("img[src]", "src"),
        ("img[data-src]", "data-src"),
        ("source[src]", "src"),
        ("video[src]", "src"),
        ("video[poster]", "poster"),
        ("meta[property=\"og:image\"]", "content"),
        ("meta[property=\"og:video\"]", "content"),
        ("a[href]", "href"),
    ] {
        let Some(selector) = select(css) else { continue };
        for element in doc.select(&selector) {
            if let Some(value) = element.value().attr(attr) {
                candidates.push(value.to_owned());
            }
        }
    }
    if let Some(selector) = select("img[srcset], source[srcset]") {
        for element in doc.select(&selector) {
            for candidate in element.value().attr("srcset").unwrap_or("").split(',') {
                if let Some(address) = candidate.split_whitespace().next() {
                    candidates.push(address.to_owned());
                }
            }
        }
    }
    let (mut images, mut videos) = (Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    for candidate in candidates {
        let Ok(url) = page.join(candidate.trim()) else { continue };
        if !matches!(url.scheme(), "http" | "https") || !seen.insert(url.to_string()) {
            continue;
        }
        if ends_with_any(&url, VIDEO_EXTENSIONS) {
            videos.push(url);
        } else if ends_with_any(&url, IMAGE_EXTENSIONS) || candidate.starts_with("data:") {
            images.push(url);
        }
    }
    (images, videos)
}

fn fingerprint(bytes: Vec<u8>) -> Option<lodge_pdq::Hash256> {
    let options = FileOptions { decode: DecodeOptions::default(), dihedral: false, ..FileOptions::default() };
    match hash_image_bytes(&bytes, &options, &mut Hasher::new()) {
        Ok(FileHashes::Image { pdq, .. }) if pdq.quality >= lodge_pdq::MIN_QUALITY => Some(pdq.hash),
        _ => None,
    }
}

/// Scans `addresses` (pages, or images directly) for copies of her content within `radius`.
pub async fn scan(fetcher: &Fetcher, matcher: &Matcher, addresses: &[String], radius: u32) -> Report {
    let mut report = Report::default();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for address in addresses {
        let Ok(url) = Url::parse(address.trim()) else {
            report.skipped.push((address.clone(), FetchError::NotWeb.to_string()));
            continue;
        };
        let fetched = match fetcher.get(&url).await {
            Ok(f) => f,
            Err(e) => {
                report.skipped.push((url.to_string(), e.to_string()));
                continue;
            }
        };
        let page = fetched.url.to_string();
        let images = if fetched.content_type.starts_with("image/") {
            vec![(fetched.url.clone(), Some(fetched))]
        } else if fetched.content_type == "text/html" || fetched.content_type == "application/xhtml+xml" {
            report.pages += 1;
            let (images, videos) = media_on_page(&fetched.url, &String::from_utf8_lossy(&fetched.bytes));
            for video in videos {
                report.skipped.push((video.to_string(), "videos on pages are not matched yet".into()));
            }
            images.into_iter().map(|u| (u, None)).collect()
        } else {
            report.skipped.push((page.clone(), format!("not a page or an image ({})", fetched.content_type)));
            continue;
        };
        for (image_url, already) in images {
            if !done.insert(image_url.to_string()) {
                continue;
            }
            let fetched = match already {
                Some(f) => f,
                None => match fetcher.get(&image_url).await {
                    Ok(f) => f,
                    Err(e) => {
                        report.skipped.push((image_url.to_string(), e.to_string()));
                        continue;
                    }
                },
            };
            let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&fetched.bytes));
            let captured = fetched.at;
            let hash = tokio::task::spawn_blocking(move || fingerprint(fetched.bytes)).await.ok().flatten();
            let Some(hash) = hash else {
                report.skipped.push((
                    image_url.to_string(),
                    "the image cannot be fingerprinted (unreadable, or too plain for a reliable fingerprint)".into(),
                ));
                continue;
            };
            report.images += 1;
            if let Some(hit) = matcher.best(&hash, radius) {
                report.findings.push(Finding {
                    page: page.clone(),
                    media: image_url.to_string(),
                    sha256,
                    captured,
                    content: hit.content,
                    distance: hit.distance,
                });
            }
        }
    }
    report
}
