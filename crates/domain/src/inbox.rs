//! Her inbox: what someone she trusts reports on her behalf through a link she gave them.
//! They see nothing of her case; she accepts each submission (it becomes an incident that
//! keeps who reported it) or declines it.

use serde::{Deserialize, Serialize};

use crate::{Incident, Problems, When};

/// An inbox link as she made it. The link itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxLink {
    /// Who she gave it to, in her words.
    pub label: String,
    /// Whether she withdrew it.
    #[serde(default)]
    pub revoked: bool,
}

/// A file sent with a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedFile {
    /// Its name as sent.
    pub file_name: String,
    /// Its media type as sent.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 (hex) of its bytes, taken as it arrived.
    pub sha256: String,
}

/// What someone reported into her inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// Who they say they are.
    pub from: String,
    /// When it happened.
    pub occurred: When,
    /// App, site or channel.
    #[serde(default)]
    pub platform: String,
    /// Web address.
    #[serde(default)]
    pub url: String,
    /// What happened, in their words.
    pub description: String,
    /// Exact words, copied as they were.
    #[serde(default)]
    pub verbatim: String,
    /// Files they sent.
    #[serde(default)]
    pub files: Vec<SubmittedFile>,
}

impl Submission {
    /// What needs fixing before it can be sent.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.from.trim().is_empty() {
            p.add("from", "Say who you are, so she knows who sent it.");
        }
        p.check_length("from", &self.from, 200);
        if self.description.trim().is_empty() {
            p.add("description", "Say what happened.");
        }
        p.check_length("description", &self.description, 20_000);
        p.check_length("verbatim", &self.verbatim, 100_000);
        p.check_length("platform", &self.platform, 200);
        p.check_length("url", &self.url, 2000);
        p
    }

    /// The incident it becomes when she accepts it.
    pub fn to_incident(&self) -> Incident {
        Incident {
            platform: self.platform.clone(),
            url: self.url.clone(),
            description: self.description.clone(),
            verbatim: self.verbatim.clone(),
            submitted_by: self.from.trim().to_owned(),
            ..Incident::at(self.occurred.clone())
        }
    }
}
