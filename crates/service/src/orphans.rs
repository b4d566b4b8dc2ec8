//! Files with no record: a process killed between storing a file and committing its record, or
//! between erasing a record and deleting its files, leaves a file nothing refers to; an export
//! staged for import and never imported is another, as are the files of a report to her inbox
//! whose sender gave up before sending it, a police link's files once the link has ended, or a
//! job's files (a video waiting for its fingerprints, a prepared report) once the job is gone.
//! Once older than the organisation's grace period (long enough for any upload or import
//! preview still under way, on any node), they are deleted, as are writes that never finished.

use std::collections::HashMap;

use jiff::SignedDuration;
use uuid::Uuid;

use crate::{Lodge, ServiceError};

/// What a stored file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    /// A record of the case.
    Record,
    /// A submission to her inbox.
    Submission,
    /// A job.
    Job,
    /// A police link (what it shows).
    Share,
}

/// The case and the owner a stored file belongs to: `cases/{case}/{kind}/{id}[/…]`.
fn owner(name: &str) -> Option<(Uuid, Uuid, Owner)> {
    let mut parts = name.split('/');
    let (Some("cases"), Some(case), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let owner = match kind {
        "evidence" | "thumbnails" | "copies" | "content" => Owner::Record,
        "inbox" => Owner::Submission,
        "jobs" => Owner::Job,
        "shares" => Owner::Share,
        _ => return None,
    };
    Some((case.parse().ok()?, id.parse().ok()?, owner))
}

impl Lodge {
    /// Deletes files older than `grace` whose record does not exist or was deleted, and
    /// unfinished writes older than `grace`. With `since`, only files written since then are
    /// looked up (those before were looked at by an earlier sweep), so a periodic sweep asks
    /// the database about new files only. Returns how many files went, and the time to pass
    /// as `since` next.
    pub async fn remove_orphaned_files(
        &self,
        grace: SignedDuration,
        since: Option<std::time::SystemTime>,
    ) -> Result<(u64, std::time::SystemTime), ServiceError> {
        let cutoff = std::time::SystemTime::from(self.now() - grace);
        let mut removed = self.blobs().remove_unfinished_writes(cutoff).await?;
        let mut known: HashMap<(Uuid, Uuid, Owner), bool> = HashMap::new();
        for listed in self.blobs().list("cases/").await? {
            if listed.written >= cutoff || since.is_some_and(|since| listed.written < since) {
                continue;
            }
            let name = listed.name;
            let Some(key) = owner(&name) else { continue };
            let alive = match known.get(&key) {
                Some(alive) => *alive,
                None => {
                    let (case, id, owner) = key;
                    let alive = match owner {
                        Owner::Submission => self.store().submissions(case).await?.iter().any(|s| s.id == id),
                        Owner::Job => self.store().job(case, id).await?.is_some(),
                        Owner::Share => self.store().share(case, id).await?.is_some(),
                        Owner::Record => {
                            let versions = self.store().record_versions(case, id).await?;
                            versions.last().is_some_and(|v| !v.deleted)
                        }
                    };
                    known.insert(key, alive);
                    alive
                }
            };
            if !alive {
                self.blobs().delete(&name).await?;
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(removed, "removed files that no record refers to");
        }
        Ok((removed, cutoff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_owned_by_the_record_their_name_holds() {
        let (c, r) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(owner(&format!("cases/{c}/evidence/{r}")), Some((c, r, Owner::Record)));
        assert_eq!(owner(&format!("cases/{c}/copies/{r}/page")), Some((c, r, Owner::Record)));
        assert_eq!(owner(&format!("cases/{c}/inbox/{r}/0")), Some((c, r, Owner::Submission)));
        assert_eq!(owner(&format!("cases/{c}/jobs/{r}/video")), Some((c, r, Owner::Job)));
        assert_eq!(owner(&format!("cases/{c}/other/{r}")), None);
        assert_eq!(owner("health/ping"), None);
    }
}
