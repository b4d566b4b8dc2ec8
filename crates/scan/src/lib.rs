//! Finding copies of her content on the web: fetch the pages she or the organisation lists
//! (politely: [`fetch`]), take every image on them, fingerprint each with PDQ and match it
//! against her fingerprints ([`registry`]). Each finding carries the page, the image's address,
//! its SHA-256, the capture time and the distance, for her to confirm or dismiss.
//!
//! [`hashlist`] writes her fingerprints as the hash lists platforms take. [`watch`] runs her
//! saved searches on the search pages the organisation names.
//!
//! A page is read as [`page`] says — every way sites name images, videos and streams without
//! running scripts, and the players in its frames — and, where Chromium is installed, as the
//! [`browser`] renders it; its resources are asked for with the page as `Referer`. An image is
//! matched as found and with any border trimmed ([`framing`]), against her images and against
//! the frames of her videos (posters, previews and sprite-sheet tiles are stills of them).
//! Videos are downloaded (within their own size limit; a stream's first minutes through its HLS
//! playlist or DASH manifest) into a file in memory-backed storage (`/dev/shm`) for FFmpeg,
//! fingerprinted with vPDQ and MD5, matched against her videos, and deleted.

pub mod archive;
pub mod browser;
mod dash;
pub mod fetch;
pub mod framing;
pub mod hashlist;
mod kvs;
pub mod page;
pub mod registry;
mod sprites;
mod stream;
pub mod watch;

use std::collections::BTreeSet;

use bytes::Bytes;
use jiff::Timestamp;
use lodge_pdq::decode::{DecodeOptions, decode};
use lodge_pdq::{Hash256, Hasher, MIN_DIMENSION, MIN_QUALITY};
use sha2::{Digest, Sha256};
use url::Url;

use crate::browser::Browser;
use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::registry::{Content, Matcher};

/// What a scan says of a page whose scripts may draw more than its HTML names.
pub const NEEDS_BROWSER: &str =
    "this page draws part of itself with scripts: Lodge read what its HTML names; the rest needs a browser";
/// Most frames (players) read inside one page.
const MAX_FRAMES: usize = 8;

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
    /// The page as the browser showed it (PNG), when it was rendered.
    pub screenshot: Option<Bytes>,
    /// A web archive (WARC) of the page and the files it loaded, when it was rendered.
    pub archive: Option<Bytes>,
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

/// An image's PDQ hashes: as found and, when it sits in a border, with the border trimmed.
/// `None` if it is not an image Lodge can read, `Some(empty)` if it is too plain for a reliable
/// fingerprint.
fn image_prints(bytes: &[u8]) -> Option<Vec<Hash256>> {
    let pixels = match decode(bytes, &DecodeOptions::default()) {
        Ok(pixels) => pixels,
        Err(_) if is_avif(bytes) => decode(&still_through_ffmpeg(bytes)?, &DecodeOptions::default()).ok()?,
        Err(_) => return None,
    };
    if pixels.width < MIN_DIMENSION || pixels.height < MIN_DIMENSION {
        return None;
    }
    let mut hasher = Hasher::new();
    let inside = framing::trimmed(&pixels);
    let prints = [Some(&pixels), inside.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|p| hasher.hash_rgb(&p.data, p.width, p.height).ok())
        .filter(|pdq| pdq.quality >= MIN_QUALITY)
        .map(|pdq| pdq.hash)
        .collect();
    Some(prints)
}

/// Whether bytes are an AVIF image (an ISO media file whose brand says so).
fn is_avif(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp") && matches!(bytes.get(8..12), Some(b"avif" | b"avis"))
}

/// An image Lodge's decoder does not read (AVIF), as PNG, decoded by FFmpeg in its own
/// process as videos are.
fn still_through_ffmpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let file = video_file(bytes).ok()?;
    let output = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(file.path())
        .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "pipe:1"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    (output.status.success() && !output.stdout.is_empty()).then_some(output.stdout)
}

/// The piece of hers an image copies: one of her images, or else a still of one of her videos
/// (a poster or a preview), whichever print comes closest.
fn best_for_image(matcher: &Matcher, prints: &[Hash256], radius: u32) -> Option<registry::Hit> {
    let images = prints.iter().filter_map(|p| matcher.best(p, radius)).min_by_key(|h| h.distance);
    images.or_else(|| prints.iter().filter_map(|p| matcher.best_frame(p, radius)).min_by_key(|h| h.distance))
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

/// Where a scan found something: the page, its HTML as fetched, and as the browser saw it.
pub(crate) struct OnPage<'a> {
    pub(crate) page: &'a Url,
    page_copy: Option<&'a Bytes>,
    seen: Option<&'a Seen>,
}

/// A page as the browser showed it: a screenshot and a web archive.
struct Seen {
    screenshot: Option<Bytes>,
    archive: Option<Bytes>,
}

impl OnPage<'_> {
    pub(crate) fn finding(
        &self,
        media: &Url,
        sha256: String,
        captured: Timestamp,
        hit: (Content, Closeness),
    ) -> Finding {
        Finding {
            page: self.page.to_string(),
            media: media.to_string(),
            sha256,
            captured,
            content: hit.0,
            closeness: hit.1,
            page_copy: self.page_copy.cloned(),
            image: None,
            screenshot: self.seen.and_then(|s| s.screenshot.clone()),
            archive: self.seen.and_then(|s| s.archive.clone()),
        }
    }
}

/// A video to fingerprint: a file, or a stream's playlist.
enum VideoSource<'a> {
    File(&'a Url),
    Stream(&'a Url),
}

async fn scan_video(
    fetcher: &Fetcher,
    matcher: &Matcher,
    on: &OnPage<'_>,
    source: VideoSource<'_>,
    report: &mut Report,
) {
    let (address, fetched) = match source {
        VideoSource::File(url) => {
            (url, fetcher.get_video_for(url, on.page).await.map(|f| f.bytes).map_err(|e| e.to_string()))
        }
        VideoSource::Stream(url) => (url, stream::sample(fetcher, url, on.page).await),
    };
    let bytes = match fetched {
        Ok(bytes) => bytes,
        Err(e) => {
            report.skipped.push((address.to_string(), e));
            return;
        }
    };
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
    let captured = Timestamp::now();
    let hashed = tokio::task::spawn_blocking(move || video_fingerprint(&bytes)).await;
    let (frames, md5) = match hashed {
        Ok(Ok(h)) => h,
        Ok(Err(why)) => {
            report.skipped.push((address.to_string(), format!("the video cannot be fingerprinted ({why})")));
            return;
        }
        Err(e) => {
            report.skipped.push((address.to_string(), e.to_string()));
            return;
        }
    };
    report.videos += 1;
    if let Some((content, percent)) = matcher.best_video(&frames, &md5) {
        report.findings.push(on.finding(address, sha256, captured, (content, Closeness::FramesMatched(percent))));
    }
}

async fn scan_image(matcher: &Matcher, radius: u32, on: &OnPage<'_>, fetched: Fetched, report: &mut Report) {
    let address = fetched.url.clone();
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&fetched.bytes));
    let image = Bytes::from(fetched.bytes);
    let for_hash = image.clone();
    let prints = tokio::task::spawn_blocking(move || image_prints(&for_hash)).await.ok().flatten().unwrap_or_default();
    if prints.is_empty() {
        report.skipped.push((
            address.to_string(),
            "the image cannot be fingerprinted (unreadable, or too plain for a reliable fingerprint)".into(),
        ));
        return;
    }
    report.images += 1;
    if let Some(hit) = best_for_image(matcher, &prints, radius) {
        let mut finding = on.finding(&address, sha256, fetched.at, (hit.content, Closeness::Distance(hit.distance)));
        finding.image = Some(image);
        report.findings.push(finding);
    }
}

fn is_page(content_type: &str) -> bool {
    content_type == "text/html" || content_type == "application/xhtml+xml"
}

/// What a scan looks with.
pub(crate) struct Scanner<'a> {
    pub(crate) fetcher: &'a Fetcher,
    pub(crate) matcher: &'a Matcher,
    pub(crate) radius: u32,
    browser: Option<&'a Browser>,
}

/// Reads a page and everything it shows, players in its frames included, and with a browser
/// what its scripts draw.
async fn scan_page(scanner: &Scanner<'_>, fetched: Fetched, done: &mut BTreeSet<String>, report: &mut Report) {
    let Scanner { fetcher, matcher, radius, browser } = *scanner;
    report.pages += 1;
    let page = fetched.url.clone();
    let mut media = page::read(&page, &String::from_utf8_lossy(&fetched.bytes));
    let mut loaded = Vec::new();
    let mut seen = None;
    if let Some(browser) = browser {
        match browser.render(fetcher, &fetched).await {
            Ok(rendered) => {
                let drawn = page::read(&page, &rendered.html);
                media.images.extend(drawn.images);
                media.videos.extend(drawn.videos);
                media.streams.extend(drawn.streams);
                media.frames.extend(drawn.frames);
                media.thumbnails.extend(drawn.thumbnails);
                for url in rendered.media {
                    if page::is_stream(&url) { media.streams.push(url) } else { media.videos.push(url) }
                }
                loaded = rendered.images;
                let archive = archive::warc(&fetched, &rendered.loaded).ok().map(Bytes::from);
                seen = Some(Seen { screenshot: rendered.screenshot.map(Bytes::from), archive });
                report.skipped.extend(rendered.refused);
                // What the browser showed is all there is to see.
                media.scripted = false;
            }
            Err(e) => report.skipped.push((page.to_string(), format!("{e}; the page was read without it"))),
        }
    }
    let html = Bytes::from(fetched.bytes);
    for frame in std::mem::take(&mut media.frames).into_iter().take(MAX_FRAMES) {
        if !done.insert(frame.to_string()) {
            continue;
        }
        match fetcher.get_for(&frame, &page).await {
            Ok(f) if is_page(&f.content_type) => {
                let inner = page::read(&f.url, &String::from_utf8_lossy(&f.bytes));
                media.images.extend(inner.images);
                media.videos.extend(inner.videos);
                media.streams.extend(inner.streams);
                media.thumbnails.extend(inner.thumbnails);
                media.scripted |= inner.scripted;
            }
            Ok(f) => {
                report.skipped.push((frame.to_string(), format!("a frame that is not a page ({})", f.content_type)))
            }
            Err(e) => report.skipped.push((frame.to_string(), e.to_string())),
        }
    }
    if media.scripted {
        report.skipped.push((page.to_string(), NEEDS_BROWSER.into()));
    }
    let on = OnPage { page: &page, page_copy: Some(&html), seen: seen.as_ref() };
    for image in loaded {
        if done.insert(image.url.to_string()) {
            scan_image(matcher, radius, &on, image, report).await;
        }
    }
    for video in &media.videos {
        if done.insert(video.to_string()) {
            scan_video(fetcher, matcher, &on, VideoSource::File(video), report).await;
        }
    }
    for playlist in &media.streams {
        if done.insert(playlist.to_string()) {
            scan_video(fetcher, matcher, &on, VideoSource::Stream(playlist), report).await;
        }
    }
    for track in &media.thumbnails {
        if done.insert(track.to_string()) {
            sprites::scan(scanner, &on, track, report).await;
        }
    }
    for image in &media.images {
        if !done.insert(image.to_string()) {
            continue;
        }
        match fetcher.get_for(image, &page).await {
            Ok(f) => scan_image(matcher, radius, &on, f, report).await,
            Err(e) => report.skipped.push((image.to_string(), e.to_string())),
        }
    }
}

/// Scans `addresses` (pages, or images directly) for copies of her content within `radius`,
/// reading pages without a browser.
pub async fn scan(fetcher: &Fetcher, matcher: &Matcher, addresses: &[String], radius: u32) -> Report {
    scan_with(fetcher, matcher, addresses, radius, None).await
}

/// [`scan`], rendering each page with `browser` when there is one.
pub async fn scan_with(
    fetcher: &Fetcher,
    matcher: &Matcher,
    addresses: &[String],
    radius: u32,
    browser: Option<&Browser>,
) -> Report {
    let scanner = Scanner { fetcher, matcher, radius, browser };
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
        if fetched.content_type.starts_with("image/") {
            if done.insert(fetched.url.to_string()) {
                let page = fetched.url.clone();
                let on = OnPage { page: &page, page_copy: None, seen: None };
                scan_image(matcher, radius, &on, fetched, &mut report).await;
            }
        } else if is_page(&fetched.content_type) {
            scan_page(&scanner, fetched, &mut done, &mut report).await;
        } else {
            report
                .skipped
                .push((fetched.url.to_string(), format!("not a page or an image ({})", fetched.content_type)));
        }
    }
    report
}

/// Matches a file she has (an image or a video) against her content: the piece it copies and
/// how closely, `None` if it copies none, or why it could not be read. CPU work: call it on a
/// blocking thread.
pub fn match_file(matcher: &Matcher, bytes: &[u8]) -> Result<Option<(Content, Closeness)>, String> {
    match image_prints(bytes) {
        Some(prints) if prints.is_empty() => return Err("the image is too plain for a reliable fingerprint".into()),
        Some(prints) => {
            let hit = best_for_image(matcher, &prints, lodge_pdq::MATCH_DISTANCE);
            return Ok(hit.map(|h| (h.content, Closeness::Distance(h.distance))));
        }
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
        Image(Option<Vec<Hash256>>),
        Video(Option<(Vec<lodge_pdq::vpdq::FrameHash>, String)>),
    }
    let print = tokio::task::spawn_blocking(move || {
        if video { Print::Video(video_fingerprint(&bytes).ok()) } else { Print::Image(image_prints(&bytes)) }
    })
    .await;
    let still_hers = match print {
        Ok(Print::Image(Some(prints))) => best_for_image(matcher, &prints, lodge_pdq::MATCH_DISTANCE).is_some(),
        Ok(Print::Video(Some((frames, md5)))) => matcher.best_video(&frames, &md5).is_some(),
        Ok(_) => false,
        Err(e) => return Presence::Unknown(e.to_string()),
    };
    if still_hers { Presence::Present } else { Presence::Gone("the address now serves a different file".into()) }
}
