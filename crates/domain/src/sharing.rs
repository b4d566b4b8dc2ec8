//! Sharing by consent, as recorded in her case: who she granted the case to, the police
//! links she made, and every time someone other than her looked.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How someone holds a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Her own case.
    Owner,
    /// Granted to read and add to it.
    Write,
    /// Granted to read it.
    Read,
    /// Through a police share link: one report, its exhibits and the bundle.
    Police,
}

impl Access {
    /// The stable name stored with a grant.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Owner => "owner",
            Access::Write => "write",
            Access::Read => "read",
            Access::Police => "police",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<Access> {
        [Access::Owner, Access::Write, Access::Read, Access::Police].into_iter().find(|a| a.as_str() == text)
    }

    /// Whether this access may change the case.
    pub fn can_write(self) -> bool {
        matches!(self, Access::Owner | Access::Write)
    }

    /// In words, for her pages.
    pub fn label(self) -> &'static str {
        match self {
            Access::Owner => "Owner",
            Access::Write => "Read and add",
            Access::Read => "Read only",
            Access::Police => "Police link",
        }
    }
}

/// A grant of her case to a support worker (or an administrator she chose), kept as a
/// versioned record whose id is the grantee's account id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The grantee's username when it was granted.
    pub username: String,
    /// Read, or read and write; `None` once revoked.
    pub access: Option<Access>,
}

/// A police share link as she made it. The link itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDetails {
    /// Who it is for, in her words ("PC Smith, reference 123").
    pub label: String,
    /// The name the report uses.
    pub subject_name: String,
    /// Who prepared the report.
    pub prepared_by: String,
    /// Only incidents on or after this day.
    #[serde(default)]
    pub from: Option<jiff::civil::Date>,
    /// Only incidents on or before this day.
    #[serde(default)]
    pub to: Option<jiff::civil::Date>,
    /// Report fields left out, by key.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Whether opening it needs a passphrase as well as the link.
    pub passphrase: bool,
    /// When it stops working.
    pub expires_at: jiff::Timestamp,
    /// Whether she withdrew it.
    #[serde(default)]
    pub revoked: bool,
    /// What she asks of the police and how to contact her, shown on the report's first page.
    #[serde(default)]
    pub wishes: crate::Wishes,
    /// Her answers to the stalking risk questions, if she gave any.
    #[serde(default)]
    pub risk: crate::RiskAnswers,
}

/// One look at her case by someone other than her.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// How they held the case.
    pub access: Access,
    /// The account, or the share link.
    pub by: Uuid,
    /// Their username, or the link's label.
    pub who: String,
    /// What they looked at or did, in words or as the address they opened.
    pub what: String,
}
