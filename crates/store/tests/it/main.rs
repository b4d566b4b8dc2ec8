//! The storage conformance suite: one story per area, run against SQLite always and against
//! PostgreSQL when `LODGE_TEST_POSTGRES_URL` is set.

// Test helpers fail loudly on purpose: a test that cannot set up must stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use lodge_ledger::tree::{self, Fetched, Hash};
use lodge_store::{
    CaseKeyRow, CaseRow, CheckpointRow, Conflict, FeedbackRow, InvitationRow, JobRow, LeafRow, PasskeyRow, RecordRow,
    SessionRow, Store, StoreError, UserRow, WebauthnStateRow, create_scratch_postgres_database,
};
use uuid::Uuid;

mod sharing;

/// Every backend available in this run, each on a fresh, empty database.
pub(crate) async fn backends() -> Vec<(Arc<dyn Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lodge.db").display());
    let mut out = vec![(lodge_store::open(&url).await.unwrap(), Some(dir))];
    if let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") {
        let url = create_scratch_postgres_database(&admin).await.unwrap();
        out.push((lodge_store::open(&url).await.unwrap(), None));
    }
    out
}

pub(crate) fn now() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap()
}

pub(crate) fn user(name: &str) -> UserRow {
    UserRow {
        id: Uuid::new_v4(),
        username: name.into(),
        role: "survivor".into(),
        disabled: false,
        kdf: "argon2id;m=64;t=1;p=1".into(),
        salt: vec![1; 16],
        key_by_password: vec![2; 40],
        key_by_recovery: vec![3; 40],
        neutral_title: false,
        created_at: now(),
        public_key: Some(vec![4; 32]),
        totp_secret: None,
        totp_last_step: 0,
        app_name: String::new(),
        idle_minutes: None,
    }
}

pub(crate) fn record(case: Uuid, id: Uuid, version: i64, author: Uuid, fields: &[u8]) -> RecordRow {
    RecordRow {
        case_id: case,
        id,
        version,
        kind: "incident".into(),
        created_at: now(),
        first_created_at: now(),
        author_id: author,
        deleted: false,
        fields: fields.to_vec(),
    }
}

/// The next leaf of a case's log, with the tree hashes computed from what the store holds.
pub(crate) async fn next_leaf(store: &dyn Store, case: Uuid, commitment: [u8; 32]) -> LeafRow {
    let index = store.ledger_size(case).await.unwrap() as u64;
    let needs = tree::append_needs(index);
    let wanted: Vec<i64> = needs.iter().map(|&i| i as i64).collect();
    let have = store.ledger_hashes(case, &wanted).await.unwrap().into_iter().map(Hash).collect();
    let (first, hashes) = tree::append(index, tree::leaf_hash(&commitment), &Fetched::new(needs, have)).unwrap();
    LeafRow {
        case_id: case,
        index: index as i64,
        created_at: now(),
        commitment: commitment.to_vec(),
        opening: vec![5; 40],
        first_hash: first as i64,
        hashes: hashes.into_iter().map(|h| h.0).collect(),
    }
}

pub(crate) async fn new_case(store: &dyn Store, owner: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let case = CaseRow { id, owner_id: owner, title: vec![9; 30], created_at: now(), updated_at: now() };
    let key = CaseKeyRow { case_id: id, user_id: owner, wrapped_key: vec![7; 60], access: "owner".into() };
    store.create_case(&case, &key, &next_leaf(store, id, [0; 32]).await).await.unwrap();
    id
}

/// Inserts a record version with its leaf.
pub(crate) async fn insert(store: &dyn Store, r: &RecordRow) -> Result<(), StoreError> {
    let leaf = next_leaf(store, r.case_id, [r.version as u8; 32]).await;
    store.insert_record(r, &leaf).await
}

#[tokio::test]
async fn accounts_and_invitations() {
    for (store, _dir) in backends().await {
        let s = &*store;
        assert_eq!(s.count_users().await.unwrap(), 0, "{}", s.backend());
        let alice = user("alice");
        s.create_user(&alice, None, now()).await.unwrap();
        assert!(matches!(
            s.create_user(&user("alice"), None, now()).await,
            Err(StoreError::Conflict(Conflict::Username))
        ));
        let back = s.user_by_username("alice").await.unwrap().unwrap();
        assert_eq!(back.id, alice.id);
        assert_eq!(back.key_by_password, alice.key_by_password);
        assert_eq!(back.created_at, alice.created_at);
        assert!(s.user_by_username("bob").await.unwrap().is_none());

        let inv = InvitationRow {
            token_hash: vec![5; 32],
            role: "support_worker".into(),
            created_by: Some(alice.id),
            created_at: now(),
            expires_at: now() + SignedDuration::from_hours(1),
            label: Some(vec![1, 2, 3]),
        };
        s.create_invitation(&inv).await.unwrap();
        assert_eq!(s.invitation(&inv.token_hash, now()).await.unwrap().unwrap().role, "support_worker");
        // Listed while open, with its sealed label; withdrawn, it is gone and cannot be used.
        let spare = InvitationRow { token_hash: vec![7; 32], label: None, ..inv.clone() };
        s.create_invitation(&spare).await.unwrap();
        let open = s.open_invitations(now()).await.unwrap();
        assert_eq!(open.len(), 2);
        assert!(open.iter().any(|i| i.token_hash == inv.token_hash && i.label == Some(vec![1, 2, 3])));
        assert!(s.withdraw_invitation(&spare.token_hash).await.unwrap());
        assert!(!s.withdraw_invitation(&spare.token_hash).await.unwrap(), "only once");
        assert!(s.invitation(&spare.token_hash, now()).await.unwrap().is_none());
        assert_eq!(s.open_invitations(now()).await.unwrap().len(), 1);
        s.create_user(&user("bob"), Some(&inv.token_hash), now()).await.unwrap();
        // Used once: it cannot make a second account, and that account is not created.
        assert!(matches!(
            s.create_user(&user("carol"), Some(&inv.token_hash), now()).await,
            Err(StoreError::InvalidInvitation)
        ));
        assert!(s.user_by_username("carol").await.unwrap().is_none());
        assert!(s.invitation(&inv.token_hash, now()).await.unwrap().is_none());

        let expired =
            InvitationRow { token_hash: vec![6; 32], expires_at: now() - SignedDuration::from_secs(1), ..inv };
        s.create_invitation(&expired).await.unwrap();
        assert!(s.invitation(&expired.token_hash, now()).await.unwrap().is_none());
        assert!(s.create_user(&user("dave"), Some(&expired.token_hash), now()).await.is_err());

        let setup = InvitationRow {
            token_hash: vec![8; 32],
            created_by: None,
            expires_at: now() + SignedDuration::from_hours(1),
            ..expired
        };
        s.create_invitation(&setup).await.unwrap();
        s.delete_setup_invitations().await.unwrap();
        assert!(s.invitation(&setup.token_hash, now()).await.unwrap().is_none());

        let mut changed = back.clone();
        changed.key_by_password = vec![4; 40];
        changed.salt = vec![9; 16];
        s.update_user_keys(&changed).await.unwrap();
        let again = s.user(alice.id).await.unwrap().unwrap();
        assert_eq!((again.key_by_password, again.salt), (vec![4; 40], vec![9; 16]));
        s.set_user_safety(alice.id, true, "Recipes", Some(5)).await.unwrap();
        let saved = s.user(alice.id).await.unwrap().unwrap();
        assert!(saved.neutral_title);
        assert_eq!((saved.app_name.as_str(), saved.idle_minutes), ("Recipes", Some(5)));
        assert_eq!(s.users().await.unwrap().iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["alice", "bob"]);
        assert_eq!(s.count_users().await.unwrap(), 2);
    }
}

#[tokio::test]
async fn sessions_and_settings() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let alice = user("alice");
        s.create_user(&alice, None, now()).await.unwrap();
        let session = |hash: u8, last_seen: Timestamp| SessionRow {
            id_hash: vec![hash; 32],
            user_id: alice.id,
            wrapped_user_key: vec![1; 72],
            created_at: now(),
            last_seen_at: last_seen,
            expires_at: now() + SignedDuration::from_hours(12),
            device: "Firefox on Android".into(),
            pending_second_factor: false,
        };
        s.create_session(&session(1, now())).await.unwrap();
        s.create_session(&session(2, now())).await.unwrap();
        s.create_session(&session(3, now() - SignedDuration::from_hours(2))).await.unwrap();
        assert_eq!(s.session(&[1; 32]).await.unwrap().unwrap().device, "Firefox on Android");
        let later = now() + SignedDuration::from_secs(5);
        s.touch_session(&[1; 32], later).await.unwrap();
        assert_eq!(s.session(&[1; 32]).await.unwrap().unwrap().last_seen_at, later);
        assert_eq!(s.delete_stale_sessions(now() - SignedDuration::from_hours(1), now()).await.unwrap(), 1);
        assert!(s.session(&[3; 32]).await.unwrap().is_none());
        s.delete_user_sessions(alice.id, Some(&[1; 32])).await.unwrap();
        assert!(s.session(&[1; 32]).await.unwrap().is_some());
        assert!(s.session(&[2; 32]).await.unwrap().is_none());
        s.delete_session(&[1; 32]).await.unwrap();
        assert!(s.session(&[1; 32]).await.unwrap().is_none());

        assert_eq!(s.setting("signup").await.unwrap(), None);
        s.set_setting("signup", "open").await.unwrap();
        s.set_setting("signup", "closed").await.unwrap();
        assert_eq!(s.setting("signup").await.unwrap().as_deref(), Some("closed"));
    }
}

#[tokio::test]
async fn cases_are_visible_only_to_keyholders() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let (alice, bob) = (user("alice"), user("bob"));
        s.create_user(&alice, None, now()).await.unwrap();
        s.create_user(&bob, None, now()).await.unwrap();
        let case = new_case(s, alice.id).await;
        assert_eq!(s.cases_for_user(alice.id).await.unwrap().len(), 1);
        assert!(s.cases_for_user(bob.id).await.unwrap().is_empty());
        let (row, key) = s.case_for_user(case, alice.id).await.unwrap().unwrap();
        assert_eq!((row.title, key.access), (vec![9; 30], "owner".to_owned()));
        assert!(s.case_for_user(case, bob.id).await.unwrap().is_none());
        s.update_case_title(case, &[1, 2, 3], now(), &next_leaf(s, case, [1; 32]).await).await.unwrap();
        assert_eq!(s.case_for_user(case, alice.id).await.unwrap().unwrap().0.title, vec![1, 2, 3]);
    }
}

#[tokio::test]
async fn records_keep_versions_and_tombstones() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let alice = user("alice");
        s.create_user(&alice, None, now()).await.unwrap();
        let case = new_case(s, alice.id).await;
        let other_case = new_case(s, alice.id).await;
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        insert(s, &record(case, a, 1, alice.id, b"a1")).await.unwrap();
        insert(s, &record(case, a, 2, alice.id, b"a2")).await.unwrap();
        insert(s, &record(case, b, 1, alice.id, b"b1")).await.unwrap();
        // Two writers editing the same version: the second loses, and nothing is overwritten.
        assert!(matches!(
            insert(s, &record(case, a, 2, alice.id, b"other")).await,
            Err(StoreError::Conflict(Conflict::Version))
        ));
        let mut latest = s.records(case, "incident").await.unwrap();
        latest.sort_by_key(|r| r.fields.clone());
        assert_eq!(
            latest.iter().map(|r| (r.version, r.fields.clone())).collect::<Vec<_>>(),
            [(2, b"a2".to_vec()), (1, b"b1".to_vec())]
        );
        assert!(s.records(case, "person").await.unwrap().is_empty());
        assert!(s.records(other_case, "incident").await.unwrap().is_empty());
        let versions = s.record_versions(case, a).await.unwrap();
        assert_eq!(versions.iter().map(|r| r.fields.clone()).collect::<Vec<_>>(), [b"a1".to_vec(), b"a2".to_vec()]);
        assert!(versions.iter().all(|v| v.first_created_at == versions[0].created_at));
        assert!(latest.iter().all(|r| r.first_created_at <= r.created_at));
        assert!(s.record_versions(other_case, a).await.unwrap().is_empty());

        let tombstone =
            RecordRow { version: 3, deleted: true, fields: Vec::new(), ..record(case, a, 3, alice.id, b"") };
        s.erase_record(&tombstone, &next_leaf(s, case, [3; 32]).await).await.unwrap();
        let versions = s.record_versions(case, a).await.unwrap();
        assert_eq!(versions.len(), 3);
        assert!(versions.iter().all(|v| v.fields.is_empty()));
        assert!(versions[2].deleted && !versions[0].deleted);
        let latest = s.records(case, "incident").await.unwrap();
        assert!(latest.iter().any(|r| r.id == a && r.deleted));
        // Erasing a record through another case touches nothing.
        let wrong = RecordRow { case_id: other_case, id: b, ..tombstone };
        assert!(s.erase_record(&wrong, &next_leaf(s, other_case, [4; 32]).await).await.is_err());
        assert_eq!(s.record_versions(case, b).await.unwrap()[0].fields, b"b1");
    }
}

#[tokio::test]
async fn the_ledger_appends_with_its_record_and_never_forks() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let alice = user("alice");
        s.create_user(&alice, None, now()).await.unwrap();
        let case = new_case(s, alice.id).await;
        let id = Uuid::new_v4();
        for version in 1..=12 {
            insert(s, &record(case, id, version, alice.id, b"x")).await.unwrap();
        }
        s.append_leaf(&next_leaf(s, case, [99; 32]).await).await.unwrap();
        let leaves = s.ledger_leaves(case).await.unwrap();
        assert_eq!(leaves.len(), 14);
        assert_eq!(s.ledger_size(case).await.unwrap(), 14);
        assert!(leaves.iter().enumerate().all(|(i, l)| l.index == i as i64 && l.opening == vec![5; 40]));

        // The root from the stored hashes is the root of the leaves.
        let leaf_hashes: Vec<Hash> =
            leaves.iter().map(|l| tree::leaf_hash(&l.commitment.clone().try_into().unwrap())).collect();
        let needs = tree::root_needs(14);
        let wanted: Vec<i64> = needs.iter().map(|&i| i as i64).collect();
        let have = s.ledger_hashes(case, &wanted).await.unwrap().into_iter().map(Hash).collect();
        let root = tree::root(14, &Fetched::new(needs, have)).unwrap();
        let mut memory = Vec::new();
        for (i, h) in leaf_hashes.iter().enumerate() {
            let needs = tree::append_needs(i as u64);
            let have = needs.iter().map(|&n| memory[n as usize]).collect();
            memory.extend(tree::append(i as u64, *h, &Fetched::new(needs, have)).unwrap().1);
        }
        let needs = tree::root_needs(14);
        let have = needs.iter().map(|&n| memory[n as usize]).collect();
        assert_eq!(root, tree::root(14, &Fetched::new(needs, have)).unwrap());

        // Two appends that raced for one place: the second fails, and its record is not saved.
        let stale = next_leaf(s, case, [7; 32]).await;
        s.append_leaf(&stale).await.unwrap();
        let raced = s.insert_record(&record(case, Uuid::new_v4(), 1, alice.id, b"lost"), &stale).await;
        assert!(matches!(raced, Err(StoreError::Conflict(Conflict::Ledger))), "{raced:?}");
        assert_eq!(s.records(case, "incident").await.unwrap().len(), 1);
        assert_eq!(s.ledger_size(case).await.unwrap(), 15);
        assert!(s.ledger_hashes(case, &[1_000_000]).await.is_err());

        // A checkpoint kept for a size is never replaced.
        let checkpoint = |note: &str| CheckpointRow {
            case_id: case,
            size: 15,
            note: note.into(),
            created_at: now(),
            timestamp_token: None,
        };
        s.insert_checkpoint(&checkpoint("first")).await.unwrap();
        s.insert_checkpoint(&checkpoint("second")).await.unwrap();
        s.insert_checkpoint(&CheckpointRow { size: 3, ..checkpoint("small") }).await.unwrap();
        let kept = s.checkpoints(case).await.unwrap();
        assert_eq!(kept.iter().map(|c| (c.size, c.note.as_str())).collect::<Vec<_>>(), [(3, "small"), (15, "first")]);
        assert_eq!(s.checkpoint(case, 15).await.unwrap().unwrap().note, "first");
        assert!(s.checkpoint(case, 4).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn jobs_are_held_by_one_node_at_a_time_and_taken_up_when_a_lease_runs_out() {
    for (store, _dir) in backends().await {
        let owner = user("jobs");
        store.create_user(&owner, None, now()).await.unwrap();
        let case = new_case(&*store, owner.id).await;
        let at = now();
        let job = JobRow {
            id: Uuid::new_v4(),
            case_id: case,
            user_id: owner.id,
            kind: "scan".into(),
            state: "queued".into(),
            payload: vec![9; 20],
            done: 0,
            total: 3,
            attempts: 0,
            run_after: at,
            lease_owner: String::new(),
            lease_until: Timestamp::UNIX_EPOCH,
            error: String::new(),
            created_at: at,
            updated_at: at,
        };
        store.create_job(&job).await.unwrap();
        assert_eq!(store.unfinished_jobs(case).await.unwrap().len(), 1);
        assert!(store.has_due_jobs(case, at).await.unwrap());
        assert!(!store.has_due_jobs(case, at - SignedDuration::from_secs(1)).await.unwrap(), "not due before");
        assert!(store.job(Uuid::new_v4(), job.id).await.unwrap().is_none(), "a job is found only in its case");
        let due_ids = |jobs: Vec<JobRow>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
        assert_eq!(due_ids(store.due_jobs("scan", at).await.unwrap()), [job.id], "due jobs of a kind, in any case");
        assert!(store.due_jobs("scan", at - SignedDuration::from_secs(1)).await.unwrap().is_empty());
        assert!(store.due_jobs("reminder", at).await.unwrap().is_empty());

        let lease = at + SignedDuration::from_secs(30);
        assert!(store.claim_job(job.id, "node-a", lease, at).await.unwrap());
        assert!(store.due_jobs("scan", at).await.unwrap().is_empty(), "not while a node holds it");
        assert!(!store.claim_job(job.id, "node-b", lease, at).await.unwrap(), "held by a live node");
        assert!(store.job_progress(job.id, "node-a", 1, Some(&[7; 20]), lease, at).await.unwrap());
        assert!(!store.job_progress(job.id, "node-b", 2, None, lease, at).await.unwrap());

        // node-a dies: once its lease has run out, node-b takes the job up where it stopped.
        let later = lease + SignedDuration::from_secs(1);
        assert!(store.claim_job(job.id, "node-b", later + SignedDuration::from_secs(30), later).await.unwrap());
        let row = store.job(case, job.id).await.unwrap().unwrap();
        assert_eq!((row.state.as_str(), row.done, row.attempts, row.payload), ("running", 1, 2, vec![7; 20]));
        assert!(!store.job_progress(job.id, "node-a", 2, None, later, later).await.unwrap(), "node-a lost it");

        // Back off, then finish.
        store.release_job(job.id, "node-b", "queued", "", later + SignedDuration::from_secs(60), later).await.unwrap();
        assert!(!store.claim_job(job.id, "node-b", later, later).await.unwrap(), "not due yet");
        let due = later + SignedDuration::from_secs(61);
        assert!(store.claim_job(job.id, "node-b", due + SignedDuration::from_secs(30), due).await.unwrap());
        store.release_job(job.id, "node-b", "done", "", due, due).await.unwrap();
        assert!(store.unfinished_jobs(case).await.unwrap().is_empty());
        assert!(!store.has_due_jobs(case, due).await.unwrap(), "a finished job is not due");
        assert!(!store.cancel_job(case, job.id, due).await.unwrap(), "a finished job cannot be cancelled");
        assert_eq!(store.jobs(case, "scan").await.unwrap()[0].state, "done");

        let second = JobRow { id: Uuid::new_v4(), created_at: due, ..job.clone() };
        store.create_job(&second).await.unwrap();
        assert!(store.cancel_job(case, second.id, due).await.unwrap());
        assert!(!store.claim_job(second.id, "node-a", due + SignedDuration::from_secs(30), due).await.unwrap());
        assert_eq!(
            store.jobs(case, "scan").await.unwrap().iter().map(|j| j.state.as_str()).collect::<Vec<_>>(),
            ["cancelled", "done"]
        );
        let counts = store.job_counts().await.unwrap();
        assert_eq!(counts, [("scan".to_owned(), "cancelled".to_owned(), 1), ("scan".to_owned(), "done".to_owned(), 1)]);
        assert!(store.delete_job(Uuid::new_v4(), job.id).await.is_ok_and(|deleted| !deleted), "only its own case's");
        assert!(store.delete_job(case, job.id).await.unwrap(), "a finished job can be deleted");
        assert!(store.job(case, job.id).await.unwrap().is_none());
        assert!(!store.delete_job(case, job.id).await.unwrap(), "once");
        assert_eq!(store.jobs(case, "scan").await.unwrap().len(), 1);

        // Ended jobs are forgotten once old, except finished ones of the kind kept; unfinished
        // ones stay.
        let report = JobRow { id: Uuid::new_v4(), kind: "report".into(), state: "done".into(), ..job.clone() };
        let queued = JobRow { id: Uuid::new_v4(), ..job.clone() };
        store.create_job(&report).await.unwrap();
        store.create_job(&queued).await.unwrap();
        assert_eq!(store.delete_ended_jobs(due - SignedDuration::from_secs(1), "report").await.unwrap(), 0, "not yet");
        let long_after = due + SignedDuration::from_hours(24);
        assert_eq!(store.delete_ended_jobs(long_after, "report").await.unwrap(), 1, "the stopped scan");
        assert!(store.job(case, second.id).await.unwrap().is_none());
        assert!(
            store.job(case, report.id).await.unwrap().is_some() && store.job(case, queued.id).await.unwrap().is_some()
        );
    }
}

#[tokio::test]
async fn attempts_second_factors_and_feedback() {
    for (store, _dir) in backends().await {
        let s = &*store;
        let alice = user("alice");
        s.create_user(&alice, None, now()).await.unwrap();

        // Back-off: every attempt is counted before it is decided; from the threshold on the
        // key is held (and attempts refused, uncounted, until the hold ends); after a hold, one
        // more attempt with a longer hold; a success forgets it; a new window starts again.
        let holds = [SignedDuration::from_secs(30), SignedDuration::from_secs(60), SignedDuration::from_secs(120)];
        let key = [1u8; 32];
        let window = |at: Timestamp| at - SignedDuration::from_mins(15);
        for expected in 1..=4 {
            assert_eq!(s.count_attempt(&key, now(), window(now()), 5, &holds).await.unwrap(), Some(expected));
        }
        assert_eq!(s.blocked_until(&key).await.unwrap(), Some(Timestamp::UNIX_EPOCH));
        assert_eq!(s.count_attempt(&key, now(), window(now()), 5, &holds).await.unwrap(), Some(5));
        let held = s.blocked_until(&key).await.unwrap().unwrap();
        assert!(held > now() + SignedDuration::from_secs(25) && held <= now() + SignedDuration::from_secs(30));
        assert_eq!(s.count_attempt(&key, now(), window(now()), 5, &holds).await.unwrap(), None);
        let after = now() + SignedDuration::from_secs(31);
        assert_eq!(s.count_attempt(&key, after, window(after), 5, &holds).await.unwrap(), Some(6));
        let held = s.blocked_until(&key).await.unwrap().unwrap();
        assert!(held > after + SignedDuration::from_secs(55), "the second hold is longer");
        assert_eq!(s.count_attempt(&key, after, window(after), 5, &holds).await.unwrap(), None);
        let later = now() + SignedDuration::from_mins(20);
        assert_eq!(s.count_attempt(&key, later, window(later), 5, &holds).await.unwrap(), Some(1));
        s.attempts_cleared(&key).await.unwrap();
        assert_eq!(s.blocked_until(&key).await.unwrap(), None);
        // Many at once: exactly the threshold are let through, on every backend.
        let burst = [2u8; 32];
        let tries = (0..20).map(|_| s.count_attempt(&burst, now(), window(now()), 5, &holds));
        let results: Vec<Option<i64>> =
            futures_util::future::join_all(tries).await.into_iter().map(|r| r.expect("no attempt fails")).collect();
        assert_eq!(results.iter().flatten().count(), 5, "{results:?}");

        // TOTP: a time step is accepted once, and a later one after it.
        s.set_user_totp(alice.id, Some(&[4; 40])).await.unwrap();
        assert!(s.use_totp_step(alice.id, 100).await.unwrap());
        assert!(!s.use_totp_step(alice.id, 100).await.unwrap());
        assert!(!s.use_totp_step(alice.id, 99).await.unwrap());
        assert!(s.use_totp_step(alice.id, 101).await.unwrap());

        // Passkeys and ceremonies: a ceremony is taken once, and not after it expires.
        let passkey = PasskeyRow {
            id: Uuid::new_v4(),
            user_id: alice.id,
            credential_id: vec![5; 16],
            name: "phone".into(),
            passkey: "{}".into(),
            wrapped_key: None,
            created_at: now(),
            last_used_at: None,
        };
        s.add_passkey(&passkey).await.unwrap();
        assert!(matches!(s.add_passkey(&passkey).await, Err(StoreError::Conflict(Conflict::Passkey))));
        s.passkey_used(passkey.id, "{\"n\":1}", now()).await.unwrap();
        assert_eq!(s.passkeys(alice.id).await.unwrap()[0].passkey, "{\"n\":1}");
        let state = WebauthnStateRow {
            id: Uuid::new_v4(),
            user_id: Some(alice.id),
            purpose: "register".into(),
            state: "{}".into(),
            expires_at: now() + SignedDuration::from_mins(5),
        };
        s.put_webauthn_state(&state).await.unwrap();
        assert!(s.take_webauthn_state(state.id, "sign_in", now()).await.unwrap().is_none(), "wrong purpose");
        let taken = s.take_webauthn_state(state.id, "register", now()).await.unwrap();
        assert!(taken.is_none(), "a ceremony asked for with the wrong purpose is gone");
        let fresh = WebauthnStateRow { id: Uuid::new_v4(), ..state.clone() };
        s.put_webauthn_state(&fresh).await.unwrap();
        assert_eq!(s.take_webauthn_state(fresh.id, "register", now()).await.unwrap().unwrap().user_id, Some(alice.id));
        assert!(s.take_webauthn_state(fresh.id, "register", now()).await.unwrap().is_none());
        // A decoy sign-in's ceremony names no account.
        let decoy = WebauthnStateRow { id: Uuid::new_v4(), user_id: None, purpose: "sign_in".into(), ..state.clone() };
        s.put_webauthn_state(&decoy).await.unwrap();
        assert_eq!(s.take_webauthn_state(decoy.id, "sign_in", now()).await.unwrap().unwrap().user_id, None);
        let old = WebauthnStateRow { id: Uuid::new_v4(), ..state.clone() };
        s.put_webauthn_state(&old).await.unwrap();
        assert!(
            s.take_webauthn_state(old.id, "register", now() + SignedDuration::from_mins(6)).await.unwrap().is_none()
        );
        assert!(s.remove_passkey(alice.id, passkey.id).await.unwrap());
        assert!(!s.remove_passkey(alice.id, passkey.id).await.unwrap());

        // Your Voice: kept with its day only, newest day first.
        for (day, body) in [("2026-11-01", 1u8), ("2026-11-24", 2)] {
            let row = FeedbackRow { id: Uuid::new_v4(), received_on: day.into(), body: vec![body; 40] };
            s.add_feedback(&row).await.unwrap();
        }
        let kept = s.feedback().await.unwrap();
        assert_eq!((kept[0].received_on.as_str(), kept[1].body[0]), ("2026-11-24", 1));
    }
}
