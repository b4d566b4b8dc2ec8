//! Reminders by email. When a takedown notice's follow-up or escalation falls due, everyone
//! who may act on the case (her, and workers she lets add to it) and asked for reminders gets a
//! short email that says only that something needs them, with a link to sign in: no site, no
//! name, nothing of the case. The address is sealed under a key derived from the server key
//! (never in the database or a backup), so a job can send the reminder while nobody is signed
//! in; the job itself holds nothing of the case (it is queued, with its time, by whoever
//! changes a notice, and replaced whenever the next date due changes).

use crate::jobs::JobKind;
use jiff::Timestamp;
use lodge_crypto::{Aad, open, seal};
use lodge_domain::Access;
use lodge_store::JobRow;
use uuid::Uuid;

use crate::case::OpenCase;
use crate::{Lodge, ServiceError, Session};

fn address_aad(user: Uuid) -> Aad {
    Aad::from_parts(&[b"reminder address", user.as_bytes()])
}

impl Lodge {
    /// Whether reminders can be sent: the organisation has set up a mail server.
    pub fn reminders_available(&self) -> bool {
        self.config().smtp.is_some()
    }

    /// Sets the address her reminders go to; an empty one stops them.
    pub async fn set_reminder_email(&self, session: &Session, address: &str) -> Result<(), ServiceError> {
        let address = address.trim();
        if address.is_empty() {
            return Ok(self.store().set_reminder_email(session.user_id.0, None).await?);
        }
        if address.chars().count() > 320 || !lodge_takedown::send::is_address(address) {
            return Err(ServiceError::invalid(
                "reminder_email",
                "Enter an email address such as name@example.org, or leave it empty for no reminders.",
            ));
        }
        let sealed = seal(&self.inner.reminders_key, &address_aad(session.user_id.0), address.as_bytes())?;
        Ok(self.store().set_reminder_email(session.user_id.0, Some(&sealed)).await?)
    }

    /// The address her reminders go to, or "" for none.
    pub async fn reminder_email(&self, session: &Session) -> Result<String, ServiceError> {
        self.address_of(session.user_id.0).await.map(Option::unwrap_or_default)
    }

    async fn address_of(&self, user: Uuid) -> Result<Option<String>, ServiceError> {
        let Some(sealed) = self.store().reminder_email(user).await? else { return Ok(None) };
        let plain = open(&self.inner.reminders_key, &address_aad(user), &sealed)?;
        Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
    }

    /// Sends a case's reminder to everyone who may act on it and asked for reminders. With no
    /// mail server set up there is no one to tell, and nothing to retry. It is tried again
    /// only if the mail server took none of them, so nobody gets the same reminder twice.
    pub(crate) async fn send_reminder(&self, job: &JobRow) -> Result<(), ServiceError> {
        let Some(smtp) = self.config().smtp.clone() else { return Ok(()) };
        let link = format!("{}/cases/{}/notices", self.config().public_url.trim_end_matches('/'), job.case_id);
        let (mut sent, mut refused) = (0, 0);
        for key in self.store().case_keys(job.case_id).await? {
            if !Access::parse(&key.access).is_some_and(Access::can_write) {
                continue;
            }
            let Some(user) = self.store().user(key.user_id).await?.filter(|u| !u.disabled) else { continue };
            let Some(address) = self.address_of(user.id).await? else { continue };
            let name = if user.app_name.trim().is_empty() { "Lodge" } else { user.app_name.trim() };
            let body = format!(
                "Something you keep in {name} needs you today.\n\nSign in to see it:\n{link}\n\n\
                 You get this because you asked for reminders by email. To stop them, remove the \
                 address on your account page.\n"
            );
            match smtp.send_text(&address, &format!("{name}: a reminder"), &body).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(error = %e, "a reminder was not sent");
                    refused += 1;
                }
            }
        }
        if refused > 0 && sent == 0 {
            return Err(ServiceError::Internal("the mail server took no reminder".into()));
        }
        tracing::info!(sent, refused, "reminders sent");
        Ok(())
    }
}

impl OpenCase {
    /// Queues the case's next reminder for the earliest follow-up or escalation due on an open
    /// notice, replacing any queued before; none when nothing is due.
    pub(crate) async fn schedule_reminder(&self) -> Result<(), ServiceError> {
        let next = self
            .notices()
            .await?
            .iter()
            .filter_map(|n| n.body.as_ref())
            .filter(|n| n.open())
            .filter_map(|n| self.notice_due(n))
            .map(|due| due.at())
            .min();
        let store = self.lodge().store();
        for job in store.unfinished_jobs(self.id.0).await?.iter().filter(|j| j.kind == JobKind::Reminder.as_str()) {
            if Some(job.run_after) == next {
                return Ok(());
            }
            store.cancel_job(self.id.0, job.id, self.lodge().now()).await?;
        }
        if let Some(at) = next {
            store.create_job(&self.new_job(Uuid::new_v4(), JobKind::Reminder, 1, Vec::new(), at)).await?;
        }
        Ok(())
    }

    /// When the next reminder goes out, if one is queued.
    pub async fn next_reminder(&self) -> Result<Option<Timestamp>, ServiceError> {
        let jobs = self.lodge().store().unfinished_jobs(self.id.0).await?;
        Ok(jobs.iter().filter(|j| j.kind == JobKind::Reminder.as_str()).map(|j| j.run_after).min())
    }
}
