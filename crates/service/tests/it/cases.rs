//! Cases and incident versions: every saved version kept, a stale edit refused, a deletion
//! leaving a tombstone.

use lodge_domain::Role;
use lodge_service::{ServiceError, TimelineFilter};

use crate::kit::{Kit, message};

#[tokio::test]
async fn every_version_of_an_incident_is_kept_and_a_stale_edit_is_refused() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;

    let id = open.add_incident(&message("He wrote from a new account.")).await.unwrap();
    assert_eq!(open.edit_incident(id, 1, &message("He wrote from a second new account.")).await.unwrap(), 2);
    let stale = open.edit_incident(id, 1, &message("An edit made on an old copy of the page.")).await;
    assert!(matches!(stale, Err(ServiceError::Conflict)), "{stale:?}");

    let history = open.incident_history(id).await.unwrap();
    let said: Vec<(i64, &str)> =
        history.iter().map(|e| (e.version, e.body.as_ref().unwrap().description.as_str())).collect();
    assert_eq!(said, [(1, "He wrote from a new account."), (2, "He wrote from a second new account.")]);
    assert!(open.findings().await.unwrap().is_empty(), "a clean case has no findings");
}

#[tokio::test]
async fn a_deleted_incident_leaves_a_tombstone_and_no_words() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;
    let kept = open.add_incident(&message("Kept.")).await.unwrap();
    let gone = open.add_incident(&message("Deleted.")).await.unwrap();
    open.delete_incident(gone).await.unwrap();

    let timeline = open.timeline(&TimelineFilter::default()).await.unwrap();
    assert_eq!(timeline.len(), 2);
    let tombstone = timeline.iter().find(|e| e.id == gone.0).unwrap();
    assert!(tombstone.deleted && tombstone.body.is_none());
    assert!(timeline.iter().any(|e| e.id == kept.0 && e.body.is_some()));
    let log = open.log_lines().await.unwrap();
    assert_eq!(log.len(), 4, "made, two added, one deleted");
}

#[tokio::test]
async fn another_account_cannot_open_her_case() {
    let kit = Kit::start().await;
    let (_, hers) = kit.her_case("ruby").await;
    let mina = kit.person("mina", Role::Survivor).await;
    assert!(matches!(kit.lodge.open_case(&mina, hers.id).await, Err(ServiceError::NotFound)));
}
