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

/// A file named in `lodge hash` output.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// The file's path as `lodge hash` printed it.
    pub name: String,
    /// Its fingerprint: for an image, every hash printed for it (its 8 variants with
    /// `--dihedral`) and the quality of the first.
    pub hashes: Vec<lodge_pdq::Hash256>,
    /// The image's quality, or a video's frames and MD5.
    pub fingerprint: Fingerprint,
}

/// Reads `lodge hash` output: image lines `pdq_hex,quality,path[,variant]` (all the lines of one
/// path are one file) and video blocks `# path,md5=…` followed by vPDQ lines. The error names
/// the line.
pub fn parse(text: &str) -> Result<Vec<Named>, String> {
    let mut out: Vec<Named> = Vec::new();
    let mut in_video = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix("# ") {
            let (name, md5) =
                header.rsplit_once(",md5=").ok_or_else(|| format!("line {} is not a video header", n + 1))?;
            out.push(Named {
                name: name.to_owned(),
                hashes: Vec::new(),
                fingerprint: Fingerprint::Video { frames: Vec::new(), md5: md5.to_ascii_lowercase() },
            });
            in_video = true;
            continue;
        }
        if in_video && let Some(frame) = FrameHash::parse_line(line) {
            if let Some(Named { fingerprint: Fingerprint::Video { frames, .. }, .. }) = out.last_mut() {
                frames.push(frame);
            }
            continue;
        }
        in_video = false;
        let mut parts = line.splitn(4, ',');
        let hash = parts.next().and_then(|h| h.parse::<lodge_pdq::Hash256>().ok());
        let quality = parts.next().and_then(|q| q.parse::<u8>().ok());
        let (Some(hash), Some(quality), Some(name)) = (hash, quality, parts.next()) else {
            return Err(format!("line {} is not `lodge hash` output", n + 1));
        };
        match out.last_mut() {
            Some(last) if last.name == name && matches!(last.fingerprint, Fingerprint::Image(_)) => {
                last.hashes.push(hash)
            }
            _ => out.push(Named {
                name: name.to_owned(),
                hashes: vec![hash],
                fingerprint: Fingerprint::Image(PdqHash { hash, quality }),
            }),
        }
    }
    Ok(out)
}
