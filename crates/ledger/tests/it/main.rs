//! The ledger against an independent, naive RFC 6962 implementation and the RFC's own test
//! vectors; proofs for every leaf and every pair of sizes; signed checkpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lodge_ledger::checkpoint::origin;
use lodge_ledger::tree::{self, Fetched, Hash};
use lodge_ledger::{Action, Checkpoint, Entry, LedgerError, Opening, SigningKey, Subject, Verifier};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// RFC 6962 §2.1, written out directly from the definition.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash(Sha256::digest(b"").into()),
        1 => leaves[0],
        n => {
            let k = n.next_power_of_two() / 2;
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(naive_root(&leaves[..k]).0);
            h.update(naive_root(&leaves[k..]).0);
            Hash(h.finalize().into())
        }
    }
}

/// A log kept the way the service keeps it: a flat list of stored hashes.
#[derive(Default)]
struct Log {
    stored: Vec<Hash>,
    leaves: Vec<Hash>,
}

impl Log {
    fn fetch(&self, indexes: Vec<u64>) -> Fetched {
        let hashes = indexes.iter().map(|&i| self.stored[i as usize]).collect();
        Fetched::new(indexes, hashes)
    }

    fn append(&mut self, leaf: Hash) {
        let index = self.leaves.len() as u64;
        let have = self.fetch(tree::append_needs(index));
        let (first, hashes) = tree::append(index, leaf, &have).unwrap();
        assert_eq!(first as usize, self.stored.len(), "new hashes go at the end");
        self.stored.extend(hashes);
        self.leaves.push(leaf);
    }

    fn root(&self, size: u64) -> Hash {
        tree::root(size, &self.fetch(tree::root_needs(size))).unwrap()
    }

    fn inclusion(&self, size: u64, index: u64) -> Vec<Hash> {
        tree::inclusion(size, index, &self.fetch(tree::inclusion_needs(size, index))).unwrap()
    }

    fn consistency(&self, old: u64, new: u64) -> Vec<Hash> {
        tree::consistency(old, new, &self.fetch(tree::consistency_needs(old, new))).unwrap()
    }
}

fn leaf(n: u64) -> Hash {
    tree::leaf_hash(&Sha256::digest(n.to_be_bytes()).into())
}

fn unhex(s: &str) -> Vec<u8> {
    lodge_ledger::entry::unhex(s).unwrap()
}

#[test]
fn the_naive_tree_matches_the_rfc_6962_test_vectors() {
    // The eight leaves and roots used by the Certificate Transparency reference tests.
    let data = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    let leaves: Vec<Hash> = data
        .iter()
        .map(|d| {
            let mut h = Sha256::new();
            h.update([0u8]);
            h.update(unhex(d));
            Hash(h.finalize().into())
        })
        .collect();
    assert_eq!(
        lodge_ledger::entry::hex(&naive_root(&leaves[..1]).0),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
    assert_eq!(
        lodge_ledger::entry::hex(&naive_root(&leaves).0),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
}

#[test]
fn roots_and_proofs_hold_for_every_size_up_to_70() {
    let mut log = Log::default();
    for n in 0..70u64 {
        log.append(leaf(n));
        let size = n + 1;
        let root = log.root(size);
        assert_eq!(root, naive_root(&log.leaves), "root of {size}");
        for index in 0..size {
            let proof = log.inclusion(size, index);
            tree::verify_inclusion(&proof, size, root, index, log.leaves[index as usize]).unwrap();
            // The same proof does not show another leaf, or the leaf at another place.
            assert!(tree::verify_inclusion(&proof, size, root, index, leaf(1000)).is_err());
            if size > 1 {
                assert!(
                    tree::verify_inclusion(&proof, size, root, (index + 1) % size, log.leaves[index as usize]).is_err()
                );
            }
        }
        for old in 1..=size {
            let proof = log.consistency(old, size);
            tree::verify_consistency(&proof, old, log.root(old), size, root).unwrap();
        }
    }
}

#[test]
fn a_rewritten_history_fails_the_consistency_check() {
    let mut honest = Log::default();
    for n in 0..20 {
        honest.append(leaf(n));
    }
    let before = (20, honest.root(20));
    // The same log with leaf 7 changed (say, an incident quietly edited) and five more leaves.
    let mut rewritten = Log::default();
    for n in 0..25 {
        rewritten.append(if n == 7 { leaf(7_000) } else { leaf(n) });
    }
    let proof = rewritten.consistency(20, 25);
    let err = tree::verify_consistency(&proof, before.0, before.1, 25, rewritten.root(25)).unwrap_err();
    assert!(matches!(err, LedgerError::InvalidProof), "{err:?}");
    // A log that shrank is refused outright.
    assert!(tree::verify_consistency(&[].to_vec(), 20, before.1, 19, honest.root(19)).is_err());
    // The honest continuation passes.
    for n in 20..25 {
        honest.append(leaf(n));
    }
    tree::verify_consistency(&honest.consistency(20, 25), 20, before.1, 25, honest.root(25)).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_changed_proof_hash_fails(size in 2u64..300, index_seed in any::<u64>(), which in any::<usize>(), bit in 0usize..256) {
        let mut log = Log::default();
        for n in 0..size {
            log.append(leaf(n));
        }
        let index = index_seed % size;
        let root = log.root(size);
        let mut proof = log.inclusion(size, index);
        let at = which % proof.len();
        proof[at].0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(tree::verify_inclusion(&proof, size, root, index, log.leaves[index as usize]).is_err());
    }
}

#[test]
fn a_leaf_commits_to_its_entry_and_reveals_nothing_without_the_salt() {
    let entry = Entry {
        subject: Subject::Evidence,
        action: Action::Created,
        record: Some(uuid::Uuid::new_v4()),
        version: Some(1),
        at_ms: 1_700_000_000_000,
        by: uuid::Uuid::new_v4(),
        sha256: Some("ab".repeat(32)),
        record_digest: None,
    };
    let a = Opening::new(&entry).unwrap();
    let b = Opening::new(&entry).unwrap();
    assert_ne!(a.commitment().unwrap(), b.commitment().unwrap(), "fresh salt each time");
    assert_eq!(a.entry().unwrap(), entry);
    let mut changed = a.clone();
    changed.entry = changed.entry.replace("\"version\":1", "\"version\":2");
    assert_ne!(changed.commitment().unwrap(), a.commitment().unwrap());
}

#[test]
fn checkpoints_are_signed_notes_that_standard_verifiers_accept() {
    let key = SigningKey::generate().unwrap();
    let case = uuid::Uuid::new_v4();
    let origin = origin("lodge.example.org", case);
    let mut log = Log::default();
    for n in 0..5 {
        log.append(leaf(n));
    }
    let checkpoint = Checkpoint { origin: origin.clone(), size: 5, root: log.root(5) };
    let note = key.sign(&checkpoint).unwrap();
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], origin);
    assert_eq!(lines[1], "5");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with(&format!("— {origin} ")), "{note}");

    let verifier = Verifier::new(&key.verifier_key(&origin)).unwrap();
    assert_eq!(verifier.open(note.as_bytes()).unwrap(), checkpoint);
    assert_eq!(Verifier::for_log(&key.public_key(), &origin).unwrap().key(), verifier.key());

    // Any changed byte of the text fails; so does another server's key, or another case's log.
    let forged = note.replacen("\n5\n", "\n6\n", 1);
    assert!(verifier.open(forged.as_bytes()).is_err());
    let other = SigningKey::generate().unwrap();
    assert!(Verifier::new(&other.verifier_key(&origin)).unwrap().open(note.as_bytes()).is_err());
    let other_case = Verifier::for_log(
        &key.public_key(),
        &lodge_ledger::checkpoint::origin("lodge.example.org", uuid::Uuid::new_v4()),
    )
    .unwrap();
    assert!(other_case.open(note.as_bytes()).is_err());
}

#[test]
fn the_signing_key_is_sealed_at_rest_and_never_printed() {
    let kek = lodge_crypto::Key::generate().unwrap();
    let key = SigningKey::generate().unwrap();
    let sealed = key.seal(&kek).unwrap();
    let opened = SigningKey::open(&kek, &sealed).unwrap();
    assert_eq!(opened.public_key(), key.public_key());
    assert!(SigningKey::open(&lodge_crypto::Key::generate().unwrap(), &sealed).is_err());
    assert_eq!(format!("{key:?}"), "SigningKey(…)");
}

/// A timestamp authority run with `openssl ts` (through `tests/tsa/tsa.sh`) in a temporary directory.
struct Tsa {
    dir: tempfile::TempDir,
}

impl Tsa {
    fn run(&self, args: &[&std::path::Path]) -> bool {
        std::process::Command::new("bash").arg("../../tests/tsa/tsa.sh").args(args).status().unwrap().success()
    }

    fn new() -> Tsa {
        let tsa = Tsa { dir: tempfile::tempdir().unwrap() };
        assert!(tsa.run(&["make".as_ref(), tsa.dir.path()]));
        tsa
    }

    fn reply(&self, query: &[u8]) -> Vec<u8> {
        let (q, r) = (self.dir.path().join("q.tsq"), self.dir.path().join("r.tsr"));
        std::fs::write(&q, query).unwrap();
        assert!(self.run(&["reply".as_ref(), self.dir.path(), &q, &r]));
        std::fs::read(r).unwrap()
    }

    /// `openssl ts -verify`, as someone checking a bundle would run it.
    fn openssl_verifies(&self, data: &[u8], token: &[u8]) -> bool {
        let (d, t) = (self.dir.path().join("data"), self.dir.path().join("token.der"));
        std::fs::write(&d, data).unwrap();
        std::fs::write(&t, token).unwrap();
        self.run(&["verify".as_ref(), self.dir.path(), &d, &t])
    }
}

#[test]
fn rfc_3161_timestamps_round_trip_through_openssl_ts() {
    use lodge_ledger::timestamp;
    let tsa = Tsa::new();
    let note = b"lodge.example.org/case/1\n4\nbase64root=\n\n\xe2\x80\x94 lodge.example.org/case/1 sig\n";
    let request = timestamp::request(note).unwrap();
    let token = request.accept(&tsa.reply(&request.der)).unwrap();

    let info = timestamp::read(&token, note).unwrap();
    assert!(info.time.starts_with("20") && info.time.ends_with('Z'), "{}", info.time);
    assert!(tsa.openssl_verifies(note, &token), "openssl accepts the token Lodge kept");

    // The token is for this note only, and answers this request only.
    assert!(matches!(timestamp::read(&token, b"another note"), Err(LedgerError::Timestamp(_))));
    assert!(!tsa.openssl_verifies(b"another note", &token));
    let other = timestamp::request(note).unwrap();
    assert!(other.accept(&tsa.reply(&request.der)).is_err(), "a reply to another request (nonce) is refused");
    assert!(request.accept(b"\x30\x03\x02\x01\x00").is_err());
    let mut damaged = token.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert!(!tsa.openssl_verifies(note, &damaged), "a changed token fails the authority's signature");
}

#[test]
fn a_log_rebuilt_from_its_leaves_alone_has_the_rfc_6962_root() {
    for n in 0..70u32 {
        let leaves: Vec<Hash> = (0..n).map(|i| tree::leaf_hash(&Sha256::digest(i.to_le_bytes()).into())).collect();
        assert_eq!(tree::root_of_leaves(&leaves).unwrap(), naive_root(&leaves), "{n} leaves");
    }
}
