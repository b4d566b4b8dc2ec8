//! Sharing: a grant opens her case to someone at the organisation, read-only means read-only,
//! every look is listed for her, and revoking ends access at once.

use lodge_domain::{Access, Role};
use lodge_service::ServiceError;

use crate::kit::{Kit, message};

#[tokio::test]
async fn a_grant_opens_her_case_and_revoking_it_ends_access() {
    let kit = Kit::start().await;
    let (ruby, mut hers) = kit.her_case("ruby").await;
    let mut worker = kit.person("sam", Role::SupportWorker).await;
    let case = hers.id;
    hers.add_incident(&message("He waited outside.")).await.unwrap();

    assert!(matches!(kit.lodge.open_case(&worker, case).await, Err(ServiceError::NotFound)));
    hers.grant("sam", Access::Read).await.unwrap();
    worker.doing = Some("Viewed the timeline".into());
    let theirs = kit.lodge.open_case(&worker, case).await.unwrap();
    assert_eq!(theirs.access, Access::Read);
    assert_eq!(theirs.timeline(&Default::default()).await.unwrap().len(), 1);
    let write = theirs.add_incident(&message("Added by the worker.")).await;
    assert!(matches!(write, Err(ServiceError::ReadOnly)), "{write:?}");

    let looked = hers.access_log().await.unwrap();
    assert!(
        looked.iter().any(|l| l.entry.who.starts_with("sam") && l.entry.what == "Viewed the timeline"),
        "{looked:?}"
    );

    let sam = kit.lodge.users(&kit.person("admin", Role::Administrator).await).await.unwrap();
    let sam = sam.iter().find(|u| u.username == "sam").unwrap().id;
    hers.revoke(&ruby, sam).await.unwrap();
    assert!(matches!(kit.lodge.open_case(&worker, case).await, Err(ServiceError::NotFound)));
}
