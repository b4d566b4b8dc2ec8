//! Her hash list, as platforms and hash-sharing programmes take it: PDQ as 64 hex digits with
//! its quality (hashes of quality below 50 are left out, as the reference says they cannot be
//! trusted), MD5 of each video file, and each video's vPDQ lines in the reference format
//! (`frameNumber,quality,pdq_hex,timestamp`). As CSV and as JSON. Only opaque ids go with the
//! hashes — never her names for her content.

use lodge_pdq::vpdq::FrameHash;
use lodge_pdq::{MIN_QUALITY, PdqHash};

/// One piece of her content's fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub enum Fingerprint {
    /// An image.
    Image(PdqHash),
    /// A video: its frames and the MD5 of the file.
    Video {
        /// Frame hashes.
        frames: Vec<FrameHash>,
        /// MD5 of the whole file, lowercase hex.
        md5: String,
    },
}

/// A fingerprint with the opaque id it is listed under.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// The id (not her name for it).
    pub id: String,
    /// The fingerprint.
    pub fingerprint: Fingerprint,
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// The list as CSV: `kind,id,hash,quality,md5,frame,timestamp`, one row per image (`pdq`), per
/// video file (`md5`) and per trusted video frame (`vpdq`).
pub fn to_csv(items: &[Listed]) -> String {
    let mut out = String::from("kind,id,hash,quality,md5,frame,timestamp\n");
    for item in items {
        let id = csv_field(&item.id);
        match &item.fingerprint {
            Fingerprint::Image(p) if p.quality >= MIN_QUALITY => {
                out.push_str(&format!("pdq,{id},{},{},,,\n", p.hash, p.quality));
            }
            Fingerprint::Image(_) => {}
            Fingerprint::Video { frames, md5 } => {
                out.push_str(&format!("md5,{id},,,{md5},,\n"));
                for f in frames.iter().filter(|f| f.pdq.quality >= MIN_QUALITY) {
                    out.push_str(&format!(
                        "vpdq,{id},{},{},,{},{:.3}\n",
                        f.pdq.hash, f.pdq.quality, f.frame, f.timestamp
                    ));
                }
            }
        }
    }
    out
}

/// The list as JSON: `{"pdq": [{id, hash, quality}], "videos": [{id, md5, vpdq: [line…]}]}`.
pub fn to_json(items: &[Listed]) -> serde_json::Value {
    let mut pdq = Vec::new();
    let mut videos = Vec::new();
    for item in items {
        match &item.fingerprint {
            Fingerprint::Image(p) if p.quality >= MIN_QUALITY => {
                pdq.push(serde_json::json!({"id": item.id, "hash": p.hash.to_string(), "quality": p.quality}));
            }
            Fingerprint::Image(_) => {}
            Fingerprint::Video { frames, md5 } => {
                let lines: Vec<String> =
                    frames.iter().filter(|f| f.pdq.quality >= MIN_QUALITY).map(FrameHash::to_line).collect();
                videos.push(serde_json::json!({"id": item.id, "md5": md5, "vpdq": lines}));
            }
        }
    }
    serde_json::json!({"pdq": pdq, "videos": videos})
}
