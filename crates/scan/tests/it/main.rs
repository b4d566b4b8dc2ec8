//! Scanning a local site served by the test: her images re-encoded, resized, cropped,
//! watermarked and flipped next to unrelated images; robots.txt, private addresses and size
//! limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hashlist;
mod site;
