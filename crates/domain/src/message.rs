//! [`Message`]: one message, call, email or photo taken from an export she imported, kept
//! with the place in the export it came from; and [`ImportSource`], which export an incident's
//! messages came from and how its times were read.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{EvidenceId, PersonId};

/// One imported message. Every field is case content and is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// When it was sent, if the export says.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// Who sent it, as the export names them.
    pub sender: String,
    /// Whether she sent it.
    #[serde(default)]
    pub mine: bool,
    /// The person in the case the sender is.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub person: Option<PersonId>,
    /// The text, exactly as exported.
    #[serde(default)]
    pub text: String,
    /// Attached files: name, and SHA-256 and size when the file is in the export.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Where in the export it came from: "line 12 (byte 345)", "byte 80211",
    /// "messages/inbox/x/message_1.json, message 4".
    pub place: String,
    /// Evidential details: email headers, time as written, edits, forwarding; each a pair of
    /// name and value.
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub details: Vec<(String, String)>,
    /// Where a photo was taken: latitude and longitude. Shown to her only; reports leave it out.
    #[serde(default)]
    #[schema(value_type = Option<Vec<f64>>, min_items = 2, max_items = 2)]
    pub location: Option<(f64, f64)>,
    /// A digest of conversation, sender, time and text, so the same message imported again
    /// (from the same export or a later one) is recognised.
    pub key: String,
}

/// A file attached to an imported message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    /// Its name in the export.
    pub name: String,
    /// SHA-256 of the file, when the export holds it.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Its size in bytes, when the export holds it.
    #[serde(default)]
    pub size: Option<u64>,
}

/// Where an incident's messages came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportSource {
    /// The original export, kept as an exhibit.
    #[schema(value_type = uuid::Uuid)]
    pub exhibit: EvidenceId,
    /// The format it was read as, e.g. "WhatsApp".
    pub format: String,
    /// The conversation in it.
    pub conversation: String,
    /// The time zone times without one were read in, as she confirmed it (IANA name).
    pub zone: String,
}
