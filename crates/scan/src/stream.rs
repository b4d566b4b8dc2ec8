//! Videos that stream: an HLS playlist (`.m3u8`) or a DASH manifest (`.mpd`, read by
//! [`crate::dash`]) is read, its smallest variant chosen, and its first segments — up to [`SAMPLE_SECONDS`] of video, within the video size limit — fetched
//! through Lodge's own fetcher (so every request keeps its checks) and joined into one file for
//! FFmpeg. A sample is enough: a copy matches when most of its frames are hers. FFmpeg itself
//! never fetches anything.

use url::Url;

use crate::fetch::Fetcher;

/// Seconds of a stream fetched to fingerprint it.
pub const SAMPLE_SECONDS: f64 = 120.0;
/// Most segments fetched, whatever their length.
pub(crate) const MAX_SEGMENTS: usize = 60;
/// Most playlists followed (a master playlist, then a variant's).
const MAX_PLAYLISTS: usize = 3;

/// What to fetch of a stream: an initialisation section and segments.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Media {
    /// The initialisation section (`#EXT-X-MAP`, DASH `initialization`), for fragmented MP4.
    pub init: Option<Url>,
    /// Segments with their lengths in seconds, in order.
    pub segments: Vec<(Url, f64)>,
}

/// What a playlist is.
#[derive(Debug, PartialEq)]
enum Playlist {
    /// A master playlist: its variants' addresses, smallest bandwidth first.
    Master(Vec<Url>),
    /// A media playlist.
    Media(Media),
}

/// The value of `key` in an attribute list (`BANDWIDTH=800000,URI="init.mp4"`).
fn attribute<'a>(list: &'a str, key: &str) -> Option<&'a str> {
    let start = list.find(&format!("{key}="))? + key.len() + 1;
    let rest = &list[start..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or(""),
        None => rest.split(',').next().unwrap_or(""),
    })
}

fn parse(playlist: &Url, text: &str) -> Result<Playlist, String> {
    if !text.trim_start_matches('\u{feff}').starts_with("#EXTM3U") {
        return Err("not an HLS playlist".into());
    }
    let mut variants: Vec<(u64, Url)> = Vec::new();
    let mut media = Media::default();
    let mut bandwidth: Option<u64> = None;
    let mut length = 0.0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(list) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            bandwidth = Some(attribute(list, "BANDWIDTH").and_then(|b| b.parse().ok()).unwrap_or(u64::MAX));
        } else if let Some(list) = line.strip_prefix("#EXT-X-KEY:") {
            if attribute(list, "METHOD").is_some_and(|m| m != "NONE") {
                return Err("the stream is encrypted".into());
            }
        } else if let Some(list) = line.strip_prefix("#EXT-X-MAP:") {
            let uri = attribute(list, "URI").ok_or("an initialisation section without an address")?;
            media.init = Some(playlist.join(uri).map_err(|e| e.to_string())?);
        } else if let Some(info) = line.strip_prefix("#EXTINF:") {
            length = info.split(',').next().and_then(|l| l.trim().parse().ok()).unwrap_or(0.0);
        } else if !line.starts_with('#') {
            let url = playlist.join(line).map_err(|e| e.to_string())?;
            match bandwidth.take() {
                Some(b) => variants.push((b, url)),
                None => media.segments.push((url, length)),
            }
        }
    }
    if !variants.is_empty() {
        variants.sort_by_key(|(b, _)| *b);
        return Ok(Playlist::Master(variants.into_iter().map(|(_, u)| u).collect()));
    }
    Ok(Playlist::Media(media))
}

/// The start of the stream at `playlist` (a page's resource: `page` is its `Referer`) as one
/// file's bytes, for FFmpeg to read.
pub async fn sample(fetcher: &Fetcher, playlist: &Url, page: &Url) -> Result<Vec<u8>, String> {
    let mut address = playlist.clone();
    let mut media = None;
    for _ in 0..MAX_PLAYLISTS {
        let fetched = fetcher.get_for(&address, page).await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&fetched.bytes);
        if text.contains("<MPD") {
            media = Some(crate::dash::parse(&fetched.url, &text)?);
            break;
        }
        match parse(&fetched.url, &text)? {
            Playlist::Master(variants) => address = variants.into_iter().next().ok_or("a playlist with no variants")?,
            Playlist::Media(m) => {
                media = Some(m);
                break;
            }
        }
    }
    let media = media.ok_or("the playlists lead on too far")?;
    let max = fetcher.max_video_bytes();
    let mut bytes = Vec::new();
    if let Some(init) = &media.init {
        bytes.extend(fetcher.get_video_for(init, page).await.map_err(|e| e.to_string())?.bytes);
    }
    let mut seconds = 0.0;
    for (n, (segment, length)) in media.segments.iter().take(MAX_SEGMENTS).enumerate() {
        let part = match fetcher.get_video_for(segment, page).await {
            Ok(f) => f.bytes,
            // A stream that ends before the sample does: what was fetched is the sample.
            Err(_) if n > 0 => break,
            Err(e) => return Err(e.to_string()),
        };
        if (bytes.len() + part.len()) as u64 > max {
            break;
        }
        bytes.extend(part);
        seconds += length;
        if seconds >= SAMPLE_SECONDS {
            break;
        }
    }
    if bytes.is_empty() {
        return Err("the stream has no segments".into());
    }
    Ok(bytes)
}
