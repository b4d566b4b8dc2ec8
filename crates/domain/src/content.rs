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
    /// Whether she says it is intimate (nudity or sexual content). Only then is a copy of it
    /// logged as intimate images shared without consent.
    #[serde(default)]
    pub intimate: bool,
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
    /// Whether a small picture of it is kept (for an uploaded image), to compare with copies.
    #[serde(default)]
    pub thumbnail: bool,
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

/// Where her review of a found copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopyStatus {
    /// Found; she has not looked yet.
    New,
    /// She confirmed it is hers: it is now evidence, with an incident on her timeline.
    Confirmed,
    /// Not hers, or somewhere she allows it: later scans leave it out.
    Whitelisted,
}

/// A copy of her content found online by a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FoundCopy {
    /// The piece of her content it matches.
    #[schema(value_type = uuid::Uuid)]
    pub content: crate::ContentId,
    /// That piece's name when the copy was found.
    pub label: String,
    /// The page it was on (or the file's own address when the file itself was listed).
    pub page: String,
    /// The image's or video's address.
    pub media: String,
    /// SHA-256 of the file as it was fetched.
    pub sha256: String,
    /// When it was fetched.
    #[schema(value_type = String, format = DateTime)]
    pub captured: jiff::Timestamp,
    /// For an image, the PDQ distance to hers (0 is identical).
    #[serde(default)]
    pub distance: Option<u32>,
    /// For a video, the share of its frames that match hers, in percent.
    #[serde(default)]
    pub frames_matched: Option<f64>,
    /// Her review.
    pub status: CopyStatus,
    /// Whether a small picture of what was found is kept, for the side-by-side view.
    #[serde(default)]
    pub thumbnail: bool,
    /// Whether a copy of the page (and of the image) as fetched is kept until she decides.
    #[serde(default)]
    pub kept_files: bool,
    /// The incident made when she confirmed it.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub incident: Option<crate::IncidentId>,
    /// The evidence files made when she confirmed it: the page as fetched, and the image.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub evidence: Vec<crate::EvidenceId>,
}

impl FoundCopy {
    /// The site it was found on (the page's host), for grouping notices and the dashboard.
    pub fn site(&self) -> &str {
        host_of(&self.page)
    }
}

/// The host part of an `http(s)://` address, with its port when that is not the scheme's
/// own (another port is another server, perhaps another operator), or the address itself.
pub fn host_of(address: &str) -> &str {
    let (scheme, rest) = address.split_once("://").unwrap_or(("", address));
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let own_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return host,
    };
    host.strip_suffix(own_port).unwrap_or(host)
}

/// One of her own accounts or pages (where she publishes her work). Nothing found there is
/// listed as a copy, and nothing there is ever reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OwnAccount {
    /// The address of the account or page; everything under it is hers.
    pub address: String,
}

impl OwnAccount {
    /// Checks the address before it is saved.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        let url = self.address.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || host_of(url).is_empty() {
            p.add("address", "Enter the full address of your account, starting with https://.");
        }
        p.check_length("address", &self.address, 4000);
        p
    }

    /// Whether `address` is this account or under it (same host, path under this one).
    pub fn covers(&self, address: &str) -> bool {
        let own = self.address.trim().trim_end_matches('/');
        let scheme_less = |a: &str| a.split_once("://").map_or(a, |(_, r)| r).to_ascii_lowercase();
        let (own, other) = (scheme_less(own), scheme_less(address.trim()));
        let own = own.strip_prefix("www.").unwrap_or(&own).to_owned();
        let other = other.strip_prefix("www.").unwrap_or(&other).to_owned();
        other == own || other.starts_with(&format!("{own}/")) || other.starts_with(&format!("{own}?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn her_accounts_cover_what_is_under_them_only() {
        let own = OwnAccount { address: "https://onlyfans.com/rosie_red/".into() };
        assert!(own.check().is_empty());
        assert!(own.covers("https://onlyfans.com/rosie_red"));
        assert!(own.covers("http://www.onlyfans.com/rosie_red/posts/1"));
        assert!(!own.covers("https://onlyfans.com/rosie_red_fan"));
        assert!(!own.covers("https://tube.example/onlyfans.com/rosie_red"));
        assert!(!OwnAccount { address: "onlyfans.com/rosie".into() }.check().is_empty());
        assert_eq!(host_of("https://user@Cdn.example:8443/a?b"), "Cdn.example:8443");
        assert_eq!(host_of("https://cdn.example:443/a"), "cdn.example");
        assert_eq!(host_of("http://[::1]:8080/a"), "[::1]:8080");
        assert_eq!(host_of("http://tube.example/v/1#t"), "tube.example");
    }
}
