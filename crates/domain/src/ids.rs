//! Identifiers of the things in a case. Each is a random UUID, so an id says nothing about
//! when or by whom it was made.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A case.
    CaseId
);
id_type!(
    /// An incident in a case.
    IncidentId
);
id_type!(
    /// A person in a case.
    PersonId
);
id_type!(
    /// An evidence file in a case.
    EvidenceId
);
id_type!(
    /// A piece of her own content in a case.
    ContentId
);
id_type!(
    /// A copy of her content found online.
    CopyId
);
id_type!(
    /// One of her own accounts online.
    AccountId
);
id_type!(
    /// A takedown notice in a case.
    NoticeId
);
id_type!(
    /// A saved search for her name.
    WatchId
);
id_type!(
    /// A piece of long work for a case (a scan).
    JobId
);
id_type!(
    /// An account.
    UserId
);
id_type!(
    /// Any versioned record in a case (incident, person or evidence).
    RecordId
);

impl From<IncidentId> for RecordId {
    fn from(id: IncidentId) -> Self {
        RecordId(id.0)
    }
}
impl From<PersonId> for RecordId {
    fn from(id: PersonId) -> Self {
        RecordId(id.0)
    }
}
impl From<EvidenceId> for RecordId {
    fn from(id: EvidenceId) -> Self {
        RecordId(id.0)
    }
}
