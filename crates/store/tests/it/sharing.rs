//! Sharing in the store: grants and their rotation, police links (found by their token's
//! hash, pointed at their content, used, expired, withdrawn — and then gone), inbox links and
//! submissions, and crypto-shredding a case.

use jiff::SignedDuration;
use lodge_store::{CaseKeyRow, InboxLinkRow, ShareAccessRow, ShareRow, SubmissionRow};
use uuid::Uuid;

use crate::{backends, new_case, next_leaf, now, record, user};

#[tokio::test]
async fn grants_links_and_shredding() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let (alice, wendy) = (user("alice"), user("wendy"));
        s.create_user(&alice, None, now()).await.unwrap();
        s.create_user(&wendy, None, now()).await.unwrap();
        let case = new_case(s, alice.id).await;

        // A grant, then a rotation that leaves her alone with new wrapped keys.
        let grant = CaseKeyRow { case_id: case, user_id: wendy.id, wrapped_key: vec![1; 80], access: "read".into() };
        let leaf = next_leaf(s, case, [11; 32]).await;
        s.grant_case_key(&grant, &record(case, Uuid::new_v4(), 1, alice.id, b"g"), &leaf).await.unwrap();
        assert_eq!(s.case_keys(case).await.unwrap().len(), 2);
        assert!(s.case_for_user(case, wendy.id).await.unwrap().is_some());
        let hers = CaseKeyRow { case_id: case, user_id: alice.id, wrapped_key: vec![2; 90], access: "owner".into() };
        let leaf = next_leaf(s, case, [12; 32]).await;
        let rekeyed = record(case, Uuid::new_v4(), 1, alice.id, b"r");
        s.rekey_case(case, std::slice::from_ref(&hers), &[7; 36], &rekeyed, &leaf).await.unwrap();
        let keys = s.case_keys(case).await.unwrap();
        assert_eq!((keys.len(), keys[0].wrapped_key.clone()), (1, vec![2; 90]));
        assert!(s.case_for_user(case, wendy.id).await.unwrap().is_none());

        // A police link: found by its token's hash, pointed at its content, used (the use kept
        // after it ends), found expired, withdrawn once — and then its row is gone.
        let share = ShareRow {
            id: Uuid::new_v4(),
            case_id: case,
            token_hash: vec![3; 32],
            wrapped_key: vec![4; 80],
            content_key: vec![8; 120],
            case_public_key: vec![9; 36],
            passphrase: Some((vec![5; 16], "argon2id;m=64;t=1;p=1".into())),
            content: None,
            created_at: now(),
            expires_at: now() + SignedDuration::from_hours(24),
        };
        let leaf = next_leaf(s, case, [13; 32]).await;
        s.create_share(&share, &record(case, share.id, 1, alice.id, b"s"), &leaf).await.unwrap();
        let found = s.share_by_token(&[3; 32]).await.unwrap().unwrap();
        assert_eq!((found.id, found.passphrase.clone(), found.content), (share.id, share.passphrase.clone(), None));
        let made = now();
        assert!(s.set_share_content(share.id, "first", made).await.unwrap());
        let found = s.share(case, share.id).await.unwrap().unwrap();
        assert_eq!(found.content, Some(("first".to_owned(), made)));
        assert_eq!(found.content_key, vec![8; 120]);
        let leaf = next_leaf(s, case, [16; 32]).await;
        s.rekey_case(
            case,
            std::slice::from_ref(&hers),
            &[17; 36],
            &record(case, Uuid::new_v4(), 1, alice.id, b"r2"),
            &leaf,
        )
        .await
        .unwrap();
        assert_eq!(s.share(case, share.id).await.unwrap().unwrap().case_public_key, vec![17; 36]);
        assert!(s.expired_shares(now()).await.unwrap().is_empty());
        let later = now() + SignedDuration::from_hours(25);
        assert_eq!(s.expired_shares(later).await.unwrap(), vec![(case, share.id)]);
        let used =
            ShareAccessRow { id: Uuid::new_v4(), case_id: case, share_id: share.id, at: made, body: vec![1; 60] };
        let leaf = next_leaf(s, case, [18; 32]).await;
        s.add_share_access(&used, &leaf).await.unwrap();
        let leaf = next_leaf(s, case, [14; 32]).await;
        assert!(s.revoke_share(case, share.id, &record(case, share.id, 2, alice.id, b"x"), &leaf).await.unwrap());
        let leaf = next_leaf(s, case, [15; 32]).await;
        assert!(!s.revoke_share(case, share.id, &record(case, share.id, 3, alice.id, b"x"), &leaf).await.unwrap());
        assert!(s.shares(case).await.unwrap().is_empty() && s.share_by_token(&[3; 32]).await.unwrap().is_none());
        assert!(
            !s.delete_share(share.id).await.unwrap() && !s.set_share_content(share.id, "again", made).await.unwrap()
        );
        let kept = s.share_accesses(case).await.unwrap();
        assert_eq!((kept.len(), kept[0].share_id, kept[0].body.clone()), (1, share.id, vec![1; 60]));

        // Her inbox: a link, a submission that arrives with its leaf and leaves with another.
        let link = InboxLinkRow {
            id: Uuid::new_v4(),
            case_id: case,
            token_hash: vec![6; 32],
            public_key: vec![7; 36],
            created_at: now(),
            revoked_at: None,
        };
        let leaf = next_leaf(s, case, [16; 32]).await;
        s.create_inbox_link(&link, &record(case, link.id, 1, alice.id, b"l"), &leaf).await.unwrap();
        assert_eq!(s.inbox_link_by_token(&[6; 32]).await.unwrap().unwrap().public_key, vec![7; 36]);
        let sub = SubmissionRow {
            id: Uuid::new_v4(),
            case_id: case,
            link_id: link.id,
            received_at: now(),
            body: vec![8; 50],
            file_keys: vec![9; 50],
        };
        let size = s.ledger_size(case).await.unwrap();
        s.add_submission(&sub, &next_leaf(s, case, [17; 32]).await).await.unwrap();
        assert_eq!(s.submissions(case).await.unwrap()[0].body, vec![8; 50]);
        assert!(s.remove_submission(case, sub.id, &next_leaf(s, case, [18; 32]).await).await.unwrap());
        assert!(!s.remove_submission(case, sub.id, &next_leaf(s, case, [19; 32]).await).await.unwrap());
        assert_eq!(s.ledger_size(case).await.unwrap(), size + 2, "a removal that found nothing adds no leaf");

        // Shredding leaves no key, link or submission, and keeps the log.
        s.add_submission(&SubmissionRow { id: Uuid::new_v4(), ..sub.clone() }, &next_leaf(s, case, [20; 32]).await)
            .await
            .unwrap();
        let leaves = s.ledger_size(case).await.unwrap();
        s.shred_case(case).await.unwrap();
        assert!(s.case_keys(case).await.unwrap().is_empty());
        assert!(s.shares(case).await.unwrap().is_empty() && s.inbox_links(case).await.unwrap().is_empty());
        assert!(s.submissions(case).await.unwrap().is_empty());
        assert_eq!(s.ledger_size(case).await.unwrap(), leaves);
        s.set_reminder_email(alice.id, Some(&[5; 40])).await.unwrap();
        assert_eq!(s.reminder_email(alice.id).await.unwrap(), Some(vec![5; 40]));
        s.shred_account(alice.id, &[0; 64]).await.unwrap();
        assert_eq!(s.reminder_email(alice.id).await.unwrap(), None, "her reminder address goes too");
        let shredded = s.user(alice.id).await.unwrap().unwrap();
        assert!(shredded.disabled && shredded.public_key.is_none() && shredded.key_by_password == vec![0; 64]);
    }
}
