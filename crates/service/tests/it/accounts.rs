//! Accounts: sessions that end when they should, invitations that expire, accounts switched off.

use jiff::SignedDuration;
use lodge_domain::Role;
use lodge_service::ServiceError;

use crate::kit::{Kit, password};

#[tokio::test]
async fn a_session_ends_after_the_idle_time() {
    let kit = Kit::start().await;
    kit.lodge.add_user("ruby", password(), Role::Survivor).await.unwrap();
    let (token, _) = kit.lodge.sign_in("ruby", password(), "test", None).await.unwrap();
    kit.lodge.resume(&token.to_text()).await.unwrap();

    kit.clock.advance(SignedDuration::from_mins(29));
    kit.lodge.resume(&token.to_text()).await.expect("still within the idle time");
    kit.clock.advance(SignedDuration::from_mins(31));
    assert!(matches!(kit.lodge.resume(&token.to_text()).await, Err(ServiceError::SessionEnded)));
}

#[tokio::test]
async fn a_session_ends_at_its_longest_life_however_busy() {
    let kit = Kit::start().await;
    kit.lodge.add_user("ruby", password(), Role::Survivor).await.unwrap();
    let (token, _) = kit.lodge.sign_in("ruby", password(), "test", None).await.unwrap();
    for _ in 0..24 {
        kit.clock.advance(SignedDuration::from_mins(25));
        if kit.lodge.resume(&token.to_text()).await.is_err() {
            break;
        }
    }
    // 24 × 25 minutes is 10 hours in use; two hours more passes the 12-hour limit.
    kit.clock.advance(SignedDuration::from_mins(25 * 5));
    assert!(matches!(kit.lodge.resume(&token.to_text()).await, Err(ServiceError::SessionEnded)));
}

#[tokio::test]
async fn an_invitation_works_once_and_expires() {
    let kit = Kit::start().await;
    let admin = kit.person("admin", Role::Administrator).await;
    let first = kit.lodge.invite(&admin, Role::Survivor, "").await.unwrap();
    let (_, recovery) = kit.lodge.sign_up("ruby", password(), Some(&first.to_text()), None).await.unwrap();
    // Her recovery key sets a new password, and the old one stops working.
    let new = || lodge_service::Password::new("a different long passphrase".to_owned());
    kit.lodge.recover("ruby", &recovery.display_text(), new()).await.unwrap();
    assert!(kit.lodge.sign_in("ruby", password(), "test", None).await.is_err());
    kit.lodge.sign_in("ruby", new(), "test", None).await.unwrap();
    let again = kit.lodge.sign_up("mina", password(), Some(&first.to_text()), None).await;
    assert!(matches!(again, Err(ServiceError::InvitationInvalid)), "{again:?}");

    let second = kit.lodge.invite(&admin, Role::SupportWorker, "Jo, new worker").await.unwrap();
    kit.clock.advance(SignedDuration::from_hours(24 * 7 + 1));
    let late = kit.lodge.sign_up("mina", password(), Some(&second.to_text()), None).await;
    assert!(matches!(late, Err(ServiceError::InvitationInvalid)), "{late:?}");
}

#[tokio::test]
async fn open_invitations_are_listed_with_who_they_are_for_and_a_withdrawn_one_stops_working() {
    let kit = Kit::start().await;
    let admin = kit.person("admin", Role::Administrator).await;
    let worker = kit.person("wren", Role::SupportWorker).await;
    let label = "Jo Bloggs, referred by the drop-in";
    let jo = kit.lodge.invite(&admin, Role::Survivor, label).await.unwrap();
    kit.lodge.invite(&admin, Role::SupportWorker, "").await.unwrap();
    let open = kit.lodge.invitations(&admin).await.unwrap();
    assert_eq!(open.len(), 2);
    let listed = open.iter().find(|i| i.label == label).expect("listed with its label");
    assert_eq!(listed.role, Role::Survivor);
    assert!(!kit.database_bytes().windows(9).any(|w| w == b"Jo Bloggs"), "the label is sealed in the database");
    assert!(matches!(kit.lodge.invitations(&worker).await, Err(ServiceError::Forbidden)));
    assert!(matches!(kit.lodge.withdraw_invitation(&worker, &listed.id).await, Err(ServiceError::Forbidden)));

    kit.lodge.withdraw_invitation(&admin, &listed.id).await.unwrap();
    let late = kit.lodge.sign_up("jolene", password(), Some(&jo.to_text()), None).await;
    assert!(matches!(late, Err(ServiceError::InvitationInvalid)), "{late:?}");
    assert_eq!(kit.lodge.invitations(&admin).await.unwrap().len(), 1);
    let again = kit.lodge.withdraw_invitation(&admin, &listed.id).await;
    assert!(matches!(again, Err(ServiceError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn an_account_switched_off_cannot_go_on() {
    let kit = Kit::start().await;
    let admin = kit.person("admin", Role::Administrator).await;
    let (user, _) = kit.lodge.add_user("ruby", password(), Role::Survivor).await.unwrap();
    let (token, _) = kit.lodge.sign_in("ruby", password(), "test", None).await.unwrap();
    kit.lodge.set_account_disabled(&admin, user, true).await.unwrap();
    // Her sessions end at once, and she cannot start another.
    assert!(matches!(kit.lodge.resume(&token.to_text()).await, Err(ServiceError::SessionEnded)));
    let again = kit.lodge.sign_in("ruby", password(), "test", None).await;
    assert!(again.is_err(), "a switched-off account signed in");
    kit.lodge.set_account_disabled(&admin, user, false).await.unwrap();
    kit.lodge.sign_in("ruby", password(), "test", None).await.expect("switched on again");
}
