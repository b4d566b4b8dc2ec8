//! [`Content`]: a piece of her own content — an image or a video she made or appears in —
//! registered by its fingerprints so that copies can be found, with who owns it and where it
//! was first published. Every field is case content and is encrypted at rest.

use serde::{Deserialize, Serialize};

use crate::Problems;

/// Who made it, and so who may claim the copyright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MadeBy {
    /// She made it; the copyright is hers.
    Her,
    /// A studio made it (under a model release, the studio owns it).
    Studio,
    /// Someone else made it.
    SomeoneElse,
}

/// One piece of her content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Content {
    /// Her name for it ("Red room set, photo 3").
    pub label: String,
    /// Who made it.
    pub made_by: MadeBy,
    /// Where it was first published (her page or the studio's), if anywhere.
    #[serde(default)]
    pub first_published: String,
    /// PDQ hashes (64 hex digits): the image in its 8 rotations and flips, and cropped; empty
    /// for a video.
    #[serde(default)]
    pub pdq: Vec<String>,
    /// The PDQ quality of the image as it is (0–100); hashes below 50 are not shared.
    #[serde(default)]
    pub quality: u8,
    /// For a video, the reference's vPDQ lines (`frameNumber,quality,pdq_hex,timestamp`).
    #[serde(default)]
    pub vpdq: Vec<String>,
    /// For a video, the MD5 of the whole file.
    #[serde(default)]
    pub md5: String,
    /// Whether the file itself was never uploaded (hashes made on her own computer).
    #[serde(default)]
    pub hash_only: bool,
}

impl Content {
    /// Checks her content before it is saved.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.label.trim().is_empty() {
            p.add("label", "Give it a name only you will see, such as \"Red room set, photo 3\".");
        }
        let url = self.first_published.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            p.add("first_published", "Enter a full web address starting with https://, or leave it empty.");
        }
        if self.pdq.is_empty() && self.vpdq.is_empty() && self.md5.is_empty() {
            p.add("file", "Add the image or video, or the hashes `lodge hash` made of it.");
        }
        p.check_length("label", &self.label, 500);
        p.check_length("first_published", &self.first_published, 4000);
        p
    }
}
