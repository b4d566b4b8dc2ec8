//! Lodge's domain: what a case holds, in the words of the people who use it. Cases hold
//! incidents; incidents link people (known perhaps only by a username) and evidence files; her
//! own content is registered by its fingerprints so copies can be found.
//! Pure types and checks; no I/O and no cryptography.

mod conduct;
mod content;
mod course;
mod feedback;
mod ids;
mod inbox;
mod incident;
mod message;
mod person;
mod problems;
mod risk;
mod sharing;
mod watch;
mod when;
mod wishes;

pub use conduct::{ConductKind, Effect, StopRequest};
pub use content::{Content, CopyStatus, FoundCopy, MadeBy, OwnAccount, host_of};
pub use course::{CourseOfConduct, Jurisdiction, LegalTest, RiskTheme, Signal, SignalKind, Tally, Trend, WeekCount};
pub use feedback::{Feedback, MAX_FEEDBACK};
pub use ids::{
    AccountId, CaseId, ContentId, CopyId, EvidenceId, IncidentId, JobId, NoticeId, PersonId, RecordId, UserId, WatchId,
};
pub use inbox::{InboxLink, Submission, SubmittedFile};
pub use incident::Incident;
pub use message::{Attachment, ImportSource, Message};
pub use person::{Identifier, IdentifierKind, Person};
pub use problems::{FieldProblem, Problems};
pub use risk::{RiskAnswer, RiskAnswers, RiskQuestion};
pub use sharing::{Access, AccessEntry, Grant, ShareDetails};
pub use watch::{Watch, WatchResult};
pub use when::{DATE_PROBLEM, DATE_PROBLEM_OPTIONAL, When, day_from_form, time_from_form};
pub use wishes::{Wish, Wishes};

use serde::{Deserialize, Serialize};

/// A case: one survivor's log about what is happening to her.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    /// Her name for the case, e.g. "Messages from the Twitch account".
    pub title: String,
}

impl Case {
    /// Checks a case before it is saved.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.title.trim().is_empty() {
            p.add("title", "Give the case a name. Only you and people you share it with see it.");
        }
        p.check_length("title", &self.title, 200);
        p
    }
}

/// An evidence file: a screenshot, recording, export or document attached to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    /// The file's name as it arrived.
    pub file_name: String,
    /// The media type the browser or client gave, or one Lodge detected.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the exact bytes received, as 64 lowercase hex digits.
    pub sha256: String,
    /// The incident it belongs to, if any.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub incident: Option<IncidentId>,
    /// Whether a thumbnail (metadata stripped) was made.
    pub thumbnail: bool,
}

/// The kinds of record kept in a case's versioned log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// An [`Incident`].
    Incident,
    /// A [`Person`].
    Person,
    /// An [`Evidence`] file's details.
    Evidence,
    /// A piece of her own [`Content`], by its fingerprints.
    Content,
    /// A [`FoundCopy`] of her content, for her to review.
    FoundCopy,
    /// One of her [`OwnAccount`]s, never reported.
    OwnAccount,
    /// A takedown notice and its tracking.
    Notice,
    /// A saved [`Watch`] for her name.
    Watch,
    /// A [`Grant`] of the case to someone, one record per person.
    Grant,
    /// A police share link's [`ShareDetails`].
    Share,
    /// An [`AccessEntry`]: someone other than her looked.
    Access,
    /// An [`InboxLink`] she gave someone to report on her behalf.
    InboxLink,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: &'static [RecordKind] = &[
        RecordKind::Incident,
        RecordKind::Person,
        RecordKind::Evidence,
        RecordKind::Content,
        RecordKind::FoundCopy,
        RecordKind::OwnAccount,
        RecordKind::Notice,
        RecordKind::Watch,
        RecordKind::Grant,
        RecordKind::Share,
        RecordKind::Access,
        RecordKind::InboxLink,
    ];

    /// The stable name stored with each record.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Incident => "incident",
            RecordKind::Person => "person",
            RecordKind::Evidence => "evidence",
            RecordKind::Content => "content",
            RecordKind::FoundCopy => "found_copy",
            RecordKind::OwnAccount => "own_account",
            RecordKind::Notice => "notice",
            RecordKind::Watch => "watch",
            RecordKind::Grant => "grant",
            RecordKind::Share => "share",
            RecordKind::Access => "access",
            RecordKind::InboxLink => "inbox_link",
        }
    }
}

/// What a survivor may do in Lodge, set by the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the organisation's Lodge: invites people, manages accounts. Reads no case without a grant.
    Administrator,
    /// Works at the organisation and helps survivors who grant access.
    SupportWorker,
    /// Keeps her own log.
    Survivor,
}

impl Role {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::SupportWorker => "support_worker",
            Role::Survivor => "survivor",
        }
    }

    /// Reads a stored or typed role name.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "administrator" | "admin" => Some(Role::Administrator),
            "support_worker" | "worker" => Some(Role::SupportWorker),
            "survivor" => Some(Role::Survivor),
            _ => None,
        }
    }

    /// How the role is named on pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::SupportWorker => "Support worker",
            Role::Survivor => "Survivor",
        }
    }
}
