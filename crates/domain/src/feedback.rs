//! Your Voice: what someone tells the organisation, anonymously.

use serde::{Deserialize, Serialize};

use crate::Problems;

/// Longest message kept.
pub const MAX_FEEDBACK: usize = 5000;

/// One response to the organisation's feedback form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// What they want to say.
    pub message: String,
    /// How the service was for them, 1 (poor) to 5 (very good), if they said.
    #[serde(default)]
    pub rating: Option<u8>,
    /// A way to reach them, only if they chose to give one.
    #[serde(default)]
    pub contact: String,
}

impl Feedback {
    /// What needs fixing before it can be kept.
    pub fn check(&self) -> Problems {
        let mut p = Problems::default();
        if self.message.trim().is_empty() {
            p.add("message", "Write what you would like to tell us.");
        }
        p.check_length("message", &self.message, MAX_FEEDBACK);
        p.check_length("contact", &self.contact, 300);
        if self.rating.is_some_and(|r| !(1..=5).contains(&r)) {
            p.add("rating", "Choose from 1 to 5, or leave it.");
        }
        p
    }
}
