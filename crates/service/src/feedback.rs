//! Your Voice: anonymous feedback for the organisation. A response keeps no account, no
//! address and no time of day, only the day it arrived; what it says is sealed under a key
//! derived from the server key (which is never in the database or a backup). Staff
//! (administrators and support workers) read the responses.

use lodge_crypto::{Aad, open, seal};
use lodge_domain::{Feedback, Role};
use lodge_store::FeedbackRow;
use uuid::Uuid;

use crate::{Lodge, ServiceError, Session, now};

/// One response as staff read it.
#[derive(Debug, Clone)]
pub struct FeedbackEntry {
    /// The day it arrived, `YYYY-MM-DD`.
    pub received_on: String,
    /// What it says.
    pub feedback: Feedback,
}

fn feedback_aad(id: Uuid) -> Aad {
    Aad::from_parts(&[b"your voice", id.as_bytes()])
}

impl Lodge {
    /// Keeps a response from the public form.
    pub async fn submit_feedback(&self, feedback: &Feedback) -> Result<(), ServiceError> {
        let problems = feedback.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let id = Uuid::new_v4();
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(feedback).map_err(|e| ServiceError::Internal(e.to_string()))?);
        let row = FeedbackRow {
            id,
            received_on: now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
            body: seal(&self.inner.feedback_key, &feedback_aad(id), &plain)?,
        };
        self.store().add_feedback(&row).await?;
        Ok(())
    }

    /// Every response, newest day first, for staff.
    pub async fn feedback(&self, by: &Session) -> Result<Vec<FeedbackEntry>, ServiceError> {
        if by.role == Role::Survivor {
            return Err(ServiceError::Forbidden);
        }
        self.store()
            .feedback()
            .await?
            .into_iter()
            .map(|row| {
                let plain = open(&self.inner.feedback_key, &feedback_aad(row.id), &row.body)?;
                let feedback = serde_json::from_slice(&plain).map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok(FeedbackEntry { received_on: row.received_on, feedback })
            })
            .collect()
    }
}
