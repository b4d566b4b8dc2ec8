//! Scanning a local site served by the test: her images re-encoded, resized, cropped,
//! watermarked and flipped next to unrelated images; robots.txt, private addresses and size
//! limits; and a pirate site built the modern way (lazy loading, CSS, JSON-LD, scripts' JSON,
//! a KVS player, frames, HLS, hotlink protection, posters, borders).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hashlist;
mod patterns;
mod site;
