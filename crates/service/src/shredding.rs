//! "Delete my data": crypto-shredding. Every case she owns gets a last leaf saying it was
//! deleted; then every wrapped copy of its keys (hers, her grants, her police links) is
//! removed and its files deleted, so what stays in the database is ciphertext nobody can
//! open, beside a log that still verifies. Her own account keys are overwritten, her
//! passkeys, sessions and authenticator secret removed, and the account switched off. Then the
//! database's files are cleared of what was deleted (SQLite: zeroed pages and an emptied
//! write-ahead log; PostgreSQL: the key tables rewritten).

use lodge_crypto::password::Password;
use lodge_domain::Access;
use lodge_ledger::{Action, Entry, Subject};

use crate::case::unwrap_case_keys;
use crate::ledger::Change;
use crate::{Lodge, ServiceError, Session};

impl Lodge {
    /// Destroys every case she owns and her account's keys, once she has typed her password.
    /// Returns how many cases were destroyed.
    pub async fn delete_my_data(&self, session: &Session, password: Password) -> Result<usize, ServiceError> {
        self.check_current_password(session, password, "password").await?;
        let mut destroyed = 0;
        for (case, key_row) in self.store().cases_for_user(session.user_id.0).await? {
            if key_row.access != Access::Owner.as_str() {
                continue;
            }
            let (keys, _) = unwrap_case_keys(session, &key_row)?;
            let entry = Entry {
                subject: Subject::Case,
                action: Action::Deleted,
                record: Some(case.id),
                version: None,
                at_ms: self.now().as_millisecond(),
                by: session.user_id.0,
                sha256: None,
                record_digest: None,
            };
            self.logged(case.id, &keys, &entry, Change::Leaf).await?;
            drop(keys);
            self.store().shred_case(case.id).await?;
            self.jobs().forget(case.id);
            self.opened_leaves().forget(case.id);
            for file in self.blobs().list(&format!("cases/{}/", case.id)).await? {
                self.blobs().delete(&file.name).await?;
            }
            destroyed += 1;
        }
        let mut noise = [0u8; 64];
        lodge_crypto::random_bytes(&mut noise)?;
        self.store().shred_account(session.user_id.0, &noise).await?;
        // What was deleted is gone from the database; this takes it out of every file too.
        if let Err(e) = self.store().reclaim().await {
            tracing::error!(error = %e, "deleted keys may remain in the database's files until its next checkpoint or vacuum");
        }
        tracing::info!(cases = destroyed, "an account's data was crypto-shredded at its owner's request");
        Ok(destroyed)
    }
}
