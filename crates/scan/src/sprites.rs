//! A video's preview stills as players show them when you hover over the timeline: a WebVTT
//! thumbnail track whose cues name a sprite sheet and a tile of it
//! (`sprite.jpg#xywh=160,0,160,90`). Each tile is a still of the video, to match against her
//! videos' frames.

use url::Url;

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
