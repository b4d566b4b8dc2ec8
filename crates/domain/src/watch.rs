//! [`Watch`]: a saved search for her name (such as "Ruby Red leaked" or "Ruby Red fake"), run
//! on the search pages the organisation names, with what each run found. Case content, sealed.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Problems;

/// A result of a saved search: a link on a site's search page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WatchResult {
    /// The site's name.
    pub site: String,
    /// The link.
    pub url: String,
    /// Its text on the search page.
    pub text: String,
    /// The run that first found it.
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: Timestamp,
    /// Whether she has looked at it.
    #[serde(default)]
    pub reviewed: bool,
}

/// A saved search for her name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Watch {
    /// The words searched for.
    pub query: String,
    /// Everything found so far, oldest first.
    #[serde(default)]
    pub results: Vec<WatchResult>,
    /// When it last ran.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_run: Option<Timestamp>,
}

impl Watch {
    /// Checks a new search.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.query.trim().is_empty() {
            p.add("query", "Enter what to search for, such as your stage name and \"leaked\".");
        }
        p.check_length("query", &self.query, 200);
        p
    }

    /// Results she has not looked at yet.
    pub fn unreviewed(&self) -> impl Iterator<Item = &WatchResult> {
        self.results.iter().filter(|r| !r.reviewed)
    }
}
