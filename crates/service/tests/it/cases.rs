//! Cases and incident versions: every saved version kept, a stale edit refused, a deletion
//! leaving a tombstone.

use lodge_domain::{Person, PersonId, Role, When};
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
async fn someone_new_named_in_an_incident_joins_the_case_only_if_the_incident_is_saved() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;
    let newcomer = |value: &str| Person::known_by(value, "Instagram");
    // An incident dated after today is refused, and nobody is added.
    let mut future = message("He will write.");
    future.occurred = When::exact_from_parts("2099-01-01", "10:00", "Europe/London").unwrap();
    let refused = open.add_incident_with_newcomer(&future, &newcomer("nightowl_77")).await;
    assert!(matches!(refused, Err(ServiceError::Invalid(_))), "{refused:?}");
    assert!(open.people().await.unwrap().is_empty(), "a refused incident leaves no stray person");

    let id = open.add_incident_with_newcomer(&message("He followed me."), &newcomer("nightowl_77")).await.unwrap();
    let people = open.people().await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].body.as_ref().unwrap().display_name(), "nightowl_77 on Instagram");
    let saved = open.incident(id).await.unwrap().body.unwrap();
    assert_eq!(saved.people, [PersonId(people[0].id)]);
    assert_eq!(open.incident_history(id).await.unwrap().len(), 1, "one version: the person came with it");

    // Editing from a stale page adds nobody either.
    let stale = open.edit_incident_with_newcomer(id, 7, &message("He followed me again."), &newcomer("owl2")).await;
    assert!(matches!(stale, Err(ServiceError::Conflict)), "{stale:?}");
    assert_eq!(open.people().await.unwrap().len(), 1);
    assert_eq!(open.edit_incident_with_newcomer(id, 1, &saved, &newcomer("owl2")).await.unwrap(), 2);
    let both = open.incident(id).await.unwrap().body.unwrap().people;
    assert_eq!(both.len(), 2, "the one chosen before, and the new one");
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
