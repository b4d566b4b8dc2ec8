//! What a page shows, read without running its scripts: every image, video and stream address
//! it names, the ways sites name them — `img` and its lazy-loading attributes (`data-src`,
//! `data-original`, `data-srcset`, `data-bg`…), `srcset`, `video`/`source`/`poster`, Open Graph
//! and Twitter cards, CSS backgrounds (inline and in `<style>`), JSON-LD (`contentUrl`,
//! `thumbnailUrl`), addresses inside scripts (`__NEXT_DATA__`, escaped slashes), the KVS player's
//! `flashvars`, players in `<iframe>`s, thumbnail tracks (WebVTT sprite sheets) and links straight
//! to media files.
//!
//! An address from an image attribute is an image whatever it ends with (`img.php?id=7`,
//! `?format=jpg`); a plain link or an address found in a script counts only when it ends like a
//! media file. What a page draws with its scripts cannot be seen here: [`PageMedia::scripted`]
//! says when a page has scripts that may hide more.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::kvs;

/// Image files by their ending.
pub const IMAGE_EXTENSIONS: &[&str] = &[".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".avif", ".jfif"];
/// Video files by their ending.
pub const VIDEO_EXTENSIONS: &[&str] = &[".mp4", ".webm", ".mov", ".m4v", ".mkv"];
/// Streaming playlists by their ending.
pub const STREAM_EXTENSIONS: &[&str] = &[".m3u8", ".mpd"];
/// Thumbnail tracks by their ending.
const THUMBNAIL_EXTENSIONS: &[&str] = &[".vtt"];

/// Attributes that hold one image address.
const IMAGE_ATTRIBUTES: &[&str] = &[
    "src",
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-url",
    "data-full",
    "data-large",
    "data-bg",
    "data-background",
    "data-background-image",
    "data-thumb",
    "data-poster",
];

/// Meta tags (by `property` or `name`) that name an image or a video.
const META_IMAGES: &[&str] = &["og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"];
const META_VIDEOS: &[&str] = &["og:video", "og:video:url", "og:video:secure_url", "twitter:player:stream"];

static CSS_URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)"#).ok());
/// An absolute address in script text, its slashes plain or escaped (`https:\/\/`, `\u002F`).
static SCRIPT_URL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"https?:(?:\\?/|\\u002[fF]){2}[^\s"'<>`\\]*(?:(?:\\/|\\u002[fF])[^\s"'<>`\\]*)*"#).ok()
});

/// What a page names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMedia {
    /// Images, in the order met.
    pub images: Vec<Url>,
    /// Video files.
    pub videos: Vec<Url>,
    /// Streaming playlists (HLS).
    pub streams: Vec<Url>,
    /// Thumbnail tracks (WebVTT) that name a video's preview stills in sprite sheets.
    pub thumbnails: Vec<Url>,
    /// Pages shown inside this one (`iframe`), such as players.
    pub frames: Vec<Url>,
    /// Whether the page runs scripts of its own, which may draw more than this reading sees.
    pub scripted: bool,
}

/// What kind of address a candidate is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Named where only an image can be: kept whatever its ending.
    Image,
    /// Named where a video can be: kept as a video, or a stream by its ending.
    Video,
    /// A link or a script's string: kept only when its ending says what it is.
    ByEnding,
    /// A page shown in a frame.
    Frame,
}

/// Whether an address is a streaming playlist.
pub fn is_stream(url: &Url) -> bool {
    ends_with_any(url, STREAM_EXTENSIONS)
}

fn ends_with_any(url: &Url, extensions: &[&str]) -> bool {
    let path = url.path().to_ascii_lowercase();
    extensions.iter().any(|e| path.ends_with(e))
}

/// Reads the media a page names. Relative addresses are resolved against the page (or its
/// `<base href>`).
pub fn read(page: &Url, html: &str) -> PageMedia {
    let doc = Html::parse_document(html);
    let select = |css: &str| Selector::parse(css).ok();
    let base = select("base[href]")
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page.join(href).ok())
        .unwrap_or_else(|| page.clone());
    let mut found: Vec<(String, Kind)> = Vec::new();
    let each = |css: &str, mut f: Box<dyn FnMut(ElementRef<'_>) + '_>| {
        if let Some(selector) = select(css) {
            doc.select(&selector).for_each(&mut f);
        }
    };
    each(
        "img, picture source, [data-src], [data-original], [data-lazy-src], [data-bg], [data-background], [data-background-image], [data-srcset], [data-thumb], [data-poster], [data-full], [data-large]",
        Box::new(|e| {
            if e.value().name() == "iframe" {
                return;
            }
            let video_element = matches!(e.value().name(), "video" | "source" | "audio");
            for attribute in IMAGE_ATTRIBUTES {
                if let Some(value) = e.value().attr(attribute) {
                    let kind = if video_element && (*attribute == "src" || *attribute == "data-src") {
                        Kind::Video
                    } else {
                        Kind::Image
                    };
                    found.push((value.to_owned(), kind));
                }
            }
            for attribute in ["srcset", "data-srcset"] {
                for candidate in e.value().attr(attribute).unwrap_or("").split(',') {
                    if let Some(address) = candidate.split_whitespace().next() {
                        found.push((address.to_owned(), Kind::Image));
                    }
                }
            }
        }),
    );
    each(
        "video, video source, audio source",
        Box::new(|e| {
            for attribute in ["src", "data-src"] {
                if let Some(value) = e.value().attr(attribute) {
                    found.push((value.to_owned(), Kind::Video));
                }
            }
            if let Some(poster) = e.value().attr("poster") {
                found.push((poster.to_owned(), Kind::Image));
            }
        }),
    );
    each(
        "meta[content]",
        Box::new(|e| {
            let key = e.value().attr("property").or_else(|| e.value().attr("name")).unwrap_or("").to_ascii_lowercase();
            let content = e.value().attr("content").unwrap_or("").to_owned();
            if META_IMAGES.contains(&key.as_str()) {
                found.push((content, Kind::Image));
            } else if META_VIDEOS.contains(&key.as_str()) {
                found.push((content, Kind::Video));
            }
        }),
    );
    each(
        "link[rel~=\"image_src\"][href]",
        Box::new(|e| found.push((e.value().attr("href").unwrap_or("").to_owned(), Kind::Image))),
    );
    each("track[src]", Box::new(|e| found.push((e.value().attr("src").unwrap_or("").to_owned(), Kind::ByEnding))));
    each("a[href]", Box::new(|e| found.push((e.value().attr("href").unwrap_or("").to_owned(), Kind::ByEnding))));
    each(
        "iframe[src], iframe[data-src]",
        Box::new(|e| {
            let src = e.value().attr("src").or_else(|| e.value().attr("data-src")).unwrap_or("");
            found.push((src.to_owned(), Kind::Frame));
        }),
    );
    each("[style]", Box::new(|e| css_urls(e.value().attr("style").unwrap_or(""), &mut found)));
    each("style", Box::new(|e| css_urls(&e.text().collect::<String>(), &mut found)));
    let mut scripted = false;
    each(
        "script",
        Box::new(|e| {
            let kind = e.value().attr("type").unwrap_or("").to_ascii_lowercase();
            let text: String = e.text().collect();
            if kind == "application/ld+json" {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                    json_ld(&json, &mut found, 0);
                }
                return;
            }
            scripted |= e.value().attr("src").is_some() || !text.trim().is_empty();
            if let Some(video) = kvs::video_url(&text) {
                found.push((video, Kind::Video));
            }
            script_urls(&text, &mut found);
        }),
    );
    sort(&base, found, scripted)
}

/// Addresses in CSS: `background: url(…)` and the like.
fn css_urls(css: &str, found: &mut Vec<(String, Kind)>) {
    let Some(re) = CSS_URL.as_ref() else { return };
    for caps in re.captures_iter(css) {
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) {
            found.push((m.as_str().to_owned(), Kind::Image));
        }
    }
}

/// Absolute addresses inside a script, their escapes undone.
fn script_urls(script: &str, found: &mut Vec<(String, Kind)>) {
    let Some(re) = SCRIPT_URL.as_ref() else { return };
    for m in re.find_iter(script) {
        let address = m.as_str().replace("\\/", "/").replace("\\u002F", "/").replace("\\u002f", "/");
        found.push((address, Kind::ByEnding));
    }
}

/// JSON-LD: `contentUrl` and `embedUrl` are the media, `thumbnailUrl` and `image` its stills.
fn json_ld(value: &serde_json::Value, found: &mut Vec<(String, Kind)>, depth: usize) {
    if depth > 16 {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let kind = match key.as_str() {
                    "contentUrl" => Some(Kind::Video),
                    "embedUrl" => Some(Kind::Frame),
                    "thumbnailUrl" | "image" | "thumbnail" => Some(Kind::Image),
                    _ => None,
                };
                // A `contentUrl` may be an image's: its ending decides.
                let kind = kind.map(|k| if k == Kind::Video { Kind::ByEnding } else { k });
                match (kind, value) {
                    (Some(kind), serde_json::Value::String(address)) => found.push((address.clone(), kind)),
                    (Some(kind), serde_json::Value::Array(items)) if items.iter().all(|i| i.is_string()) => {
                        found.extend(items.iter().filter_map(|i| i.as_str()).map(|a| (a.to_owned(), kind)));
                    }
                    _ => json_ld(value, found, depth + 1),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_ld(v, found, depth + 1)),
        _ => {}
    }
}

/// Resolves and sorts the candidates, each address once.
fn sort(base: &Url, found: Vec<(String, Kind)>, scripted: bool) -> PageMedia {
    let mut media = PageMedia { scripted, ..PageMedia::default() };
    let mut seen = BTreeSet::new();
    for (candidate, kind) in found {
        let candidate = candidate.trim();
        if candidate.is_empty() || candidate.starts_with('#') || candidate.starts_with("data:") {
            continue;
        }
        let Ok(url) = base.join(candidate) else { continue };
        if !matches!(url.scheme(), "http" | "https") || !seen.insert(url.to_string()) {
            continue;
        }
        if ends_with_any(&url, STREAM_EXTENSIONS) {
            media.streams.push(url);
        } else if ends_with_any(&url, THUMBNAIL_EXTENSIONS) {
            media.thumbnails.push(url);
        } else if ends_with_any(&url, VIDEO_EXTENSIONS)
            || (kind == Kind::Video && !ends_with_any(&url, IMAGE_EXTENSIONS))
        {
            media.videos.push(url);
        } else if kind == Kind::Frame {
            media.frames.push(url);
        } else if kind == Kind::Image || ends_with_any(&url, IMAGE_EXTENSIONS) {
            media.images.push(url);
        } else {
            // A link or script string that is not media: not ours to fetch.
            seen.remove(url.as_str());
        }
    }
    media
}
