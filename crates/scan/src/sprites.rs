//! A video's preview stills as players show them when you hover over the timeline: a WebVTT
//! thumbnail track whose cues name a sprite sheet and a tile of it
//! (`sprite.jpg#xywh=160,0,160,90`). Each tile is a still of the video, to match against her
//! videos' frames.

use bytes::Bytes;
use lodge_pdq::decode::{DecodeOptions, decode};
use lodge_pdq::{Hash256, Hasher, MIN_DIMENSION, MIN_QUALITY};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{Closeness, OnPage, Report, Scanner, framing};

/// Most tiles read from one track.
const MAX_TILES: usize = 400;

/// A tile: the sprite sheet's address and the rectangle (left, top, width, height).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The sprite sheet.
    pub sheet: Url,
    /// The tile within it.
    pub rect: (u32, u32, u32, u32),
}

/// The tiles a thumbnail track names, relative addresses resolved against the track.
pub fn tiles(track: &Url, text: &str) -> Vec<Tile> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some((address, fragment)) = line.rsplit_once("#xywh=") else { continue };
        let numbers: Vec<u32> = fragment.split(',').filter_map(|n| n.trim().parse().ok()).collect();
        let (Ok(sheet), [x, y, w, h]) = (track.join(address), numbers.as_slice()) else { continue };
        if *w == 0 || *h == 0 {
            continue;
        }
        let tile = Tile { sheet, rect: (*x, *y, *w, *h) };
        if !out.contains(&tile) {
            out.push(tile);
        }
        if out.len() >= MAX_TILES {
            break;
        }
    }
    out
}

/// A thumbnail track's sprite sheets: each tile is a still of a video, matched against her
/// videos' frames; a sheet with a tile of hers is a finding (its best tile named in the address).
pub(crate) async fn scan(scanner: &Scanner<'_>, on: &OnPage<'_>, track: &Url, report: &mut Report) {
    let text = match scanner.fetcher.get_for(track, on.page).await {
        Ok(f) => String::from_utf8_lossy(&f.bytes).into_owned(),
        Err(e) => {
            report.skipped.push((track.to_string(), e.to_string()));
            return;
        }
    };
    let tiles = tiles(track, &text);
    let mut sheets: Vec<&Url> = Vec::new();
    for tile in &tiles {
        if !sheets.contains(&&tile.sheet) {
            sheets.push(&tile.sheet);
        }
    }
    for sheet in sheets {
        let fetched = match scanner.fetcher.get_for(sheet, on.page).await {
            Ok(f) => f,
            Err(e) => {
                report.skipped.push((sheet.to_string(), e.to_string()));
                continue;
            }
        };
        let rects: Vec<(u32, u32, u32, u32)> = tiles.iter().filter(|t| t.sheet == *sheet).map(|t| t.rect).collect();
        let bytes = Bytes::from(fetched.bytes);
        let for_hash = bytes.clone();
        let prints = tokio::task::spawn_blocking(move || tile_prints(&for_hash, &rects)).await.unwrap_or_default();
        report.images += 1;
        let best = prints
            .iter()
            .filter_map(|(rect, print)| scanner.matcher.best_frame(print, scanner.radius).map(|hit| (rect, hit)))
            .min_by_key(|(_, hit)| hit.distance);
        if let Some(((x, y, w, h), hit)) = best {
            let mut address = fetched.url.clone();
            address.set_fragment(Some(&format!("xywh={x},{y},{w},{h}")));
            let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
            let mut finding =
                on.finding(&address, sha256, fetched.at, (hit.content, Closeness::Distance(hit.distance)));
            finding.image = Some(bytes);
            report.findings.push(finding);
        }
    }
}

/// The PDQ hash of each tile of a sprite sheet that is reliable enough to match.
fn tile_prints(bytes: &[u8], rects: &[(u32, u32, u32, u32)]) -> Vec<((u32, u32, u32, u32), Hash256)> {
    let Ok(pixels) = decode(bytes, &DecodeOptions::default()) else { return Vec::new() };
    let mut hasher = Hasher::new();
    let mut out = Vec::new();
    for &rect @ (x, y, w, h) in rects {
        let Some(tile) = framing::crop(&pixels, (x as usize, y as usize, w as usize, h as usize)) else { continue };
        if tile.width < MIN_DIMENSION || tile.height < MIN_DIMENSION {
            continue;
        }
        if let Ok(pdq) = hasher.hash_rgb(&tile.data, tile.width, tile.height)
            && pdq.quality >= MIN_QUALITY
        {
            out.push((rect, pdq.hash));
        }
    }
    out
}
