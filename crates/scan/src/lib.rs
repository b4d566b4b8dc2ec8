//! Finding copies of her content on the web: fetch the pages she or the organisation lists
//! (politely: [`fetch`]), take every image on them, fingerprint each with PDQ and match it
//! against her fingerprints ([`registry`]). Each finding carries the page, the image's address,
//! its SHA-256, the capture time and the distance, for her to confirm or dismiss.
//!
//! [`hashlist`] writes her fingerprints as the hash lists platforms take. [`watch`] runs her
//! saved searches on the search pages the organisation names.
//!
//! Videos are downloaded (within their own size limit) into a file in memory-backed storage
//! (`/dev/shm`) for FFmpeg, fingerprinted with vPDQ and MD5, matched against her videos, and
//! deleted.

pub mod fetch;
pub mod hashlist;
pub mod registry;
pub mod watch;

use std::collections::BTreeSet;

use bytes::Bytes;
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
#[derive(Debug, Clone, PartialEq)]
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
    /// How close: for an image the PDQ distance (0 is identical; a match is at most the
    /// radius); for a video the share of its frames that match hers, in percent.
    pub closeness: Closeness,
    /// The page as fetched (its HTML), when the copy was found on a page: evidence of where it was.
    pub page_copy: Option<Bytes>,
    /// The image as fetched (videos are not kept: their SHA-256 is).
    pub image: Option<Bytes>,
}

/// How close a finding is to her content.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Closeness {
    /// An image: PDQ Hamming distance.
    Distance(u32),
    /// A video: percentage of its trusted frames that match hers.
    FramesMatched(f64),
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Copies found, in the order met.
    pub findings: Vec<Finding>,
    /// Pages read.
    pub pages: usize,
    /// Images fingerprinted.
    pub images: usize,
    /// Videos fingerprinted.
    pub videos: usize,
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

/// An image's PDQ hash: `None` if it is not an image Lodge can read, `Some(None)` if it is
/// too plain for a reliable fingerprint.
fn image_fingerprint(bytes: &[u8]) -> Option<Option<lodge_pdq::Hash256>> {
    let options = FileOptions { decode: DecodeOptions::default(), dihedral: false, ..FileOptions::default() };
    match hash_image_bytes(bytes, &options, &mut Hasher::new()) {
        Ok(FileHashes::Image { pdq, .. }) => Some((pdq.quality >= lodge_pdq::MIN_QUALITY).then_some(pdq.hash)),
        Ok(FileHashes::Video { .. }) | Err(_) => None,
    }
}

fn fingerprint(bytes: &[u8]) -> Option<lodge_pdq::Hash256> {
    image_fingerprint(bytes).flatten()
}

/// Where downloaded videos are put for FFmpeg: memory-backed storage when the system has it.
fn video_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() }
}

/// A video's frame hashes (vPDQ, one a second) and MD5, from its bytes: written for FFmpeg to
/// memory-backed storage when the system has it, and deleted after.
pub fn video_fingerprint(bytes: &[u8]) -> Result<(Vec<lodge_pdq::vpdq::FrameHash>, String), String> {
    video_fingerprint_with(bytes, |_| {})
}

/// Whether FFmpeg can read `bytes` as a video: its length in seconds when it says, or why not.
/// Quick: only the container is read, no frame is decoded.
pub fn video_length(bytes: &[u8]) -> Result<Option<f64>, String> {
    let file = video_file(bytes)?;
    Ok(lodge_pdq::vpdq::probe(file.path(), &lodge_pdq::vpdq::VideoOptions::default())
        .map_err(|e| e.to_string())?
        .duration)
}

fn video_file(bytes: &[u8]) -> Result<tempfile::NamedTempFile, String> {
    use std::io::Write;
    let mut file =
        tempfile::Builder::new().prefix("lodge-scan-").tempfile_in(video_dir()).map_err(|e| e.to_string())?;
    file.write_all(bytes).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    Ok(file)
}

/// As [`video_fingerprint`], telling `progress` how much of the video is done, in percent,
/// as it goes (when the video says how long it is).
pub fn video_fingerprint_with(
    bytes: &[u8],
    mut progress: impl FnMut(u8),
) -> Result<(Vec<lodge_pdq::vpdq::FrameHash>, String), String> {
    let file = video_file(bytes)?;
    let options = lodge_pdq::vpdq::VideoOptions::default();
    let length = lodge_pdq::vpdq::probe(file.path(), &options).map_err(|e| e.to_string())?.duration;
    lodge_pdq::file::hash_video_file(file.path(), &options, |frame| {
        if let Some(length) = length {
            progress((frame.timestamp / length * 100.0).clamp(0.0, 100.0) as u8);
        }
    })
    .map_err(|e| e.to_string())
}

async fn scan_video(
    fetcher: &Fetcher,
    matcher: &Matcher,
    (page, page_copy): (&str, &Bytes),
    video: &Url,
    report: &mut Report,
) {
    let fetched = match fetcher.get_video(video).await {
        Ok(f) => f,
        Err(e) => {
            report.skipped.push((video.to_string(), e.to_string()));
            return;
        }
    };
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&fetched.bytes));
    let captured = fetched.at;
    let hashed = tokio::task::spawn_blocking(move || video_fingerprint(&fetched.bytes)).await;
    let (frames, md5) = match hashed {
        Ok(Ok(h)) => h,
        Ok(Err(why)) => {
            report.skipped.push((video.to_string(), format!("the video cannot be fingerprinted ({why})")));
            return;
        }
        Err(e) => {
            report.skipped.push((video.to_string(), e.to_string()));
            return;
        }
    };
    report.videos += 1;
    if let Some((content, percent)) = matcher.best_video(&frames, &md5) {
        report.findings.push(Finding {
            page: page.to_owned(),
            media: video.to_string(),
            sha256,
            captured,
            content,
            closeness: Closeness::FramesMatched(percent),
            page_copy: Some(page_copy.clone()),
            image: None,
        });
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
        let mut page_copy = None;
        let images = if fetched.content_type.starts_with("image/") {
            vec![(fetched.url.clone(), Some(fetched))]
        } else if fetched.content_type == "text/html" || fetched.content_type == "application/xhtml+xml" {
            report.pages += 1;
            let (images, videos) = media_on_page(&fetched.url, &String::from_utf8_lossy(&fetched.bytes));
            let html = Bytes::from(fetched.bytes);
            for video in videos {
                if done.insert(video.to_string()) {
                    scan_video(fetcher, matcher, (&page, &html), &video, &mut report).await;
                }
            }
            page_copy = Some(html);
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
            let image = Bytes::from(fetched.bytes);
            let for_hash = image.clone();
            let hash = tokio::task::spawn_blocking(move || fingerprint(&for_hash)).await.ok().flatten();
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
                    closeness: Closeness::Distance(hit.distance),
                    page_copy: page_copy.clone(),
                    image: Some(image),
                });
            }
        }
    }
    report
}

/// Matches a file she has (an image or a video) against her content: the piece it copies and
/// how closely, `None` if it copies none, or why it could not be read. CPU work: call it on a
/// blocking thread.
pub fn match_file(matcher: &Matcher, bytes: &[u8]) -> Result<Option<(Content, Closeness)>, String> {
    match image_fingerprint(bytes) {
        Some(Some(hash)) => {
            let hit = matcher.best(&hash, lodge_pdq::MATCH_DISTANCE);
            return Ok(hit.map(|h| (h.content, Closeness::Distance(h.distance))));
        }
        Some(None) => return Err("the image is too plain for a reliable fingerprint".into()),
        None => {}
    }
    let (frames, md5) = video_fingerprint(bytes).map_err(|e| format!("neither an image nor a readable video ({e})"))?;
    Ok(matcher.best_video(&frames, &md5).map(|(c, p)| (c, Closeness::FramesMatched(p))))
}

/// Whether a reported copy is still online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Still there (the same file, or one that still matches her content).
    Present,
    /// Gone, and why.
    Gone(String),
    /// The site could not be asked (timeout, refused, robots): try again later.
    Unknown(String),
}

/// Looks again at a copy reported at `media` whose file had SHA-256 `sha256`. It is gone when
/// the address answers 404, 410 or 451, or now serves something that no longer matches her
/// content; a re-encoded copy that still matches is still there.
pub async fn recheck(fetcher: &Fetcher, matcher: &Matcher, media: &str, sha256: &str, video: bool) -> Presence {
    let Ok(url) = Url::parse(media) else {
        return Presence::Unknown(FetchError::NotWeb.to_string());
    };
    let fetched = if video { fetcher.get_video(&url).await } else { fetcher.get(&url).await };
    let bytes = match fetched {
        Ok(f) => f.bytes,
        Err(FetchError::Status(code @ (404 | 410 | 451))) => {
            return Presence::Gone(format!("the site answered {code}"));
        }
        Err(e) => return Presence::Unknown(e.to_string()),
    };
    if data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)) == sha256 {
        return Presence::Present;
    }
    enum Print {
        Image(Option<lodge_pdq::Hash256>),
        Video(Option<(Vec<lodge_pdq::vpdq::FrameHash>, String)>),
    }
    let print = tokio::task::spawn_blocking(move || {
        if video { Print::Video(video_fingerprint(&bytes).ok()) } else { Print::Image(fingerprint(&bytes)) }
    })
    .await;
    let still_hers = match print {
        Ok(Print::Image(Some(hash))) => matcher.best(&hash, lodge_pdq::MATCH_DISTANCE).is_some(),
        Ok(Print::Video(Some((frames, md5)))) => matcher.best_video(&frames, &md5).is_some(),
        Ok(_) => false,
        Err(e) => return Presence::Unknown(e.to_string()),
    };
    if still_hers { Presence::Present } else { Presence::Gone("the address now serves a different file".into()) }
}
