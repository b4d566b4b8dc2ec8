//! Bundles: a genuine one verifies offline; any changed byte, a swapped key, a missing, extra or
//! substituted file fails and names the file; an exhibit that is not what the log recorded is
//! never bundled.

use std::io::Cursor;

use lodge_ledger::tree::{self, Fetched, Hash};
use lodge_ledger::{Action, Checkpoint, Entry, Opening, SigningKey, Subject};
use lodge_report::bundle::{self, ExhibitSource, LogInfo};
use lodge_report::records::{self, ProvenKind, ProvenRecord, RecordsFile};
use lodge_report::{BundleWriter, ReportError, VerifyError, verify_bundle};
use sha2::{Digest, Sha256};

const ORIGIN: &str = "lodge.example.org/case/5d1e0a34-8b9c-4f2a-9d61-0c7b3e2f1a55";

/// A case log kept as the service keeps it, in memory.
#[derive(Default)]
struct Log {
    stored: Vec<Hash>,
    openings: Vec<Opening>,
}

impl Log {
    fn fetch(&self, indexes: Vec<u64>) -> Fetched {
        let hashes = indexes.iter().map(|&i| self.stored[i as usize]).collect();
        Fetched::new(indexes, hashes)
    }

    fn append(&mut self, entry: &Entry) -> u64 {
        let index = self.openings.len() as u64;
        let opening = Opening::new(entry).unwrap();
        let leaf = tree::leaf_hash(&opening.commitment().unwrap());
        let (_, hashes) = tree::append(index, leaf, &self.fetch(tree::append_needs(index))).unwrap();
        self.stored.extend(hashes);
        self.openings.push(opening);
        index
    }

    fn size(&self) -> u64 {
        self.openings.len() as u64
    }

    fn root(&self) -> Hash {
        tree::root(self.size(), &self.fetch(tree::root_needs(self.size()))).unwrap()
    }

    fn proof(&self, index: u64) -> Vec<String> {
        tree::inclusion(self.size(), index, &self.fetch(tree::inclusion_needs(self.size(), index)))
            .unwrap()
            .iter()
            .map(|h| data_encoding::BASE64.encode(&h.0))
            .collect()
    }
}

fn entry(subject: Subject, sha256: Option<String>) -> Entry {
    Entry {
        subject,
        action: Action::Created,
        record: Some(uuid::Uuid::new_v4()),
        version: Some(1),
        at_ms: 1_741_036_500_000,
        by: uuid::Uuid::new_v4(),
        sha256,
        record_digest: None,
    }
}

struct Made {
    zip: Vec<u8>,
    key: SigningKey,
    exhibits: Vec<(String, Vec<u8>)>,
}

/// A log with a few records and three exhibits, and a bundle made from it.
fn make_bundle() -> Made {
    let key = SigningKey::generate().unwrap();
    let mut log = Log::default();
    log.append(&entry(Subject::Case, None));
    let files: Vec<(String, Vec<u8>)> = vec![
        ("screenshot.png".into(), std::fs::read("../../../shared/vectors/pdq/images/LA.png").unwrap()),
        ("chat export.txt".into(), b"[03/03/2025, 21:15] darkwolf: you can't hide\n".to_vec()),
        ("../../etc/passwd".into(), vec![0u8; 70_000]),
    ];
    let mut leaves = Vec::new();
    let mut records = Vec::new();
    for (n, (_, bytes)) in files.iter().enumerate() {
        // Each incident's words, committed field by field; the bundle shows all but its place.
        let fields =
            [("description", format!("\"incident {n}: he would not stop\"")), ("place", "\"12 Hill Street\"".into())];
        let body = lodge_ledger::RecordBody::new(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).unwrap();
        let mut incident = entry(Subject::Incident, None);
        incident.record_digest = Some(body.digest().unwrap());
        let leaf = log.append(&incident);
        records.push((incident, leaf, body.prove(&|name| name != "place").unwrap()));
        let sha = lodge_ledger::entry::hex(&Sha256::digest(bytes));
        leaves.push(log.append(&entry(Subject::Evidence, Some(sha))));
    }
    log.append(&entry(Subject::Person, None));
    let checkpoint = Checkpoint { origin: ORIGIN.into(), size: log.size(), root: log.root() };
    let note = key.sign(&checkpoint).unwrap();
    let info = LogInfo {
        origin: ORIGIN.into(),
        size: log.size(),
        root: data_encoding::BASE64.encode(&checkpoint.root.0),
        verifier_key: key.verifier_key(ORIGIN),
    };
    let mut writer = BundleWriter::new(Vec::new(), &key, info, &note, "2026-11-24T10:00:00Z".into()).unwrap();
    writer.add_file(bundle::REPORT, b"%PDF-1.7 pretend report for the bundle tests").unwrap();
    let records = records
        .into_iter()
        .enumerate()
        .map(|(n, (incident, leaf, fields))| ProvenRecord {
            kind: ProvenKind::Incident,
            label: format!("Incident {}", n + 1),
            record: incident.record.unwrap().to_string(),
            version: 1,
            leaf_index: leaf,
            opening: log.openings[leaf as usize].clone(),
            inclusion_proof: log.proof(leaf),
            fields: Some(fields),
        })
        .collect();
    writer.add_records(&RecordsFile { format: records::FORMAT.into(), records, changed: Vec::new() }).unwrap();
    let mut exhibits = Vec::new();
    for (n, ((name, bytes), leaf)) in files.iter().zip(&leaves).enumerate() {
        let source = ExhibitSource {
            number: format!("EX-{:03}", n + 1),
            file_name: name.clone(),
            size: bytes.len() as u64,
            incident: None,
            leaf_index: *leaf,
            opening: log.openings[*leaf as usize].clone(),
            inclusion_proof: log.proof(*leaf),
        };
        writer.add_exhibit(source, &bytes[..]).unwrap();
        exhibits.push((name.clone(), bytes.clone()));
    }
    let (zip, _) = writer.finish().unwrap();
    Made { zip, key, exhibits }
}

fn entries(zip: &[u8]) -> Vec<(String, u64, u64)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let f = archive.by_index(i).unwrap();
            (f.name().unwrap().to_string(), f.data_start().unwrap(), f.compressed_size())
        })
        .collect()
}

#[test]
fn a_genuine_bundle_verifies_with_its_own_key_and_the_published_one() {
    let made = make_bundle();
    let verified = verify_bundle(Cursor::new(&made.zip), None).unwrap();
    assert_eq!(verified.origin, ORIGIN);
    assert_eq!(verified.size, 8);
    assert_eq!(verified.exhibits, 3);
    assert_eq!(verified.timestamp, None);
    let published = made.key.verifier_key(ORIGIN);
    assert_eq!(verify_bundle(Cursor::new(&made.zip), Some(&published)).unwrap().verifier_key, published);

    // Exhibits are stored byte for byte under safe names.
    let names: Vec<String> = entries(&made.zip).into_iter().map(|e| e.0).collect();
    assert!(names.contains(&"exhibits/EX-003 _.._etc_passwd".to_owned()), "{names:?}");
    let mut archive = zip::ZipArchive::new(Cursor::new(&made.zip)).unwrap();
    let mut stored = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("exhibits/EX-001 screenshot.png").unwrap(), &mut stored).unwrap();
    assert_eq!(stored, made.exhibits[0].1);
}

#[test]
fn a_bundle_signed_by_another_server_fails_against_the_published_key() {
    let made = make_bundle();
    let other = SigningKey::generate().unwrap().verifier_key(ORIGIN);
    let err = verify_bundle(Cursor::new(&made.zip), Some(&other)).unwrap_err();
    assert_eq!(err.file_name(), Some(bundle::MANIFEST_SIGNATURE), "{err}");
}

#[test]
fn every_single_byte_change_fails_and_names_the_file_it_is_in() {
    let made = make_bundle();
    let files = entries(&made.zip);
    let owner =
        |pos: u64| files.iter().find(|(_, start, len)| pos >= *start && pos < start + len).map(|f| f.0.as_str());

    // Every byte of every file's content, sampled densely, and the zip structure between them.
    let mut positions: Vec<u64> = (0..made.zip.len() as u64).step_by(499).collect();
    for (_, start, len) in &files {
        positions.extend([*start, start + len / 2, start + len - 1]);
    }
    positions.push(made.zip.len() as u64 - 1);
    for pos in positions {
        let mut changed = made.zip.clone();
        changed[pos as usize] ^= 0x01;
        let err = match verify_bundle(Cursor::new(&changed), None) {
            Ok(v) => panic!("a change at byte {pos} ({:?}) passed: {v:?}", owner(pos)),
            Err(e) => e,
        };
        if let Some(file) = owner(pos) {
            // A changed manifest may be reported through its signature, since the key it
            // names is the one used to check it.
            let named = err.file_name();
            assert!(
                named == Some(file) || (file == bundle::MANIFEST && named == Some(bundle::MANIFEST_SIGNATURE)),
                "a change at byte {pos} in {file} was reported as: {err}"
            );
        }
    }
}

#[test]
fn missing_extra_and_substituted_files_are_named() {
    let made = make_bundle();
    let rewrite = |skip: &str, extra: Option<(&str, &[u8])>| -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(&made.zip)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let file = archive.by_index(i).unwrap();
            if file.name().unwrap() != skip {
                out.raw_copy_file(file).unwrap();
            }
        }
        if let Some((name, bytes)) = extra {
            out.start_file(
                name,
                zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
            )
            .unwrap();
            std::io::Write::write_all(&mut out, bytes).unwrap();
        }
        out.set_raw_comment(archive.comment().into()).unwrap();
        out.finish().unwrap().into_inner()
    };

    let err = verify_bundle(Cursor::new(rewrite("exhibits/EX-002 chat export.txt", None)), None).unwrap_err();
    assert_eq!(err.file_name(), Some("exhibits/EX-002 chat export.txt"), "{err}");
    assert!(err.to_string().contains("missing"));

    let err = verify_bundle(Cursor::new(rewrite("", Some(("exhibits/EX-004 extra.jpg", b"x")))), None).unwrap_err();
    assert_eq!(err.file_name(), Some("exhibits/EX-004 extra.jpg"), "{err}");

    let err = verify_bundle(Cursor::new(rewrite("report.pdf", Some(("report.pdf", b"%PDF another report")))), None)
        .unwrap_err();
    assert_eq!(err.file_name(), Some("report.pdf"), "{err}");

    // Rebuilt with every file intact, only the zip structure differs: caught by the archive signature.
    let err = verify_bundle(Cursor::new(rewrite("", None)), None).unwrap_err();
    assert!(matches!(err, VerifyError::Bundle(_)), "{err}");

    assert!(matches!(verify_bundle(Cursor::new(b"not a zip".to_vec()), None), Err(VerifyError::Bundle(_))));
}

#[test]
fn an_exhibit_that_is_not_what_the_log_recorded_is_never_bundled() {
    let key = SigningKey::generate().unwrap();
    let mut log = Log::default();
    let leaf = log.append(&entry(Subject::Evidence, Some(lodge_ledger::entry::hex(&Sha256::digest(b"original")))));
    let info = LogInfo { origin: ORIGIN.into(), size: 1, root: String::new(), verifier_key: key.verifier_key(ORIGIN) };
    let mut writer = BundleWriter::new(Vec::new(), &key, info, "", "2026-11-24T10:00:00Z".into()).unwrap();
    let source = ExhibitSource {
        number: "EX-001".into(),
        file_name: "a.txt".into(),
        size: 8,
        incident: None,
        leaf_index: leaf,
        opening: log.openings[0].clone(),
        inclusion_proof: log.proof(leaf),
    };
    let err = writer.add_exhibit(source, &b"tampered"[..]).unwrap_err();
    assert!(matches!(err, ReportError::ExhibitChanged(ref n) if n == "EX-001"), "{err}");
}

#[test]
fn a_sealed_bundle_opens_with_its_passphrase_or_key_and_then_verifies() {
    use age::secrecy::SecretString;
    use lodge_report::sealed::{self, Seal, Unseal};

    let made = make_bundle();
    let seal_with = |seal: &Seal| {
        let mut writer = seal.wrap(Vec::new()).unwrap();
        std::io::Write::write_all(&mut writer, &made.zip).unwrap();
        writer.finish().unwrap()
    };

    let passphrase = "correct horse battery staple";
    assert!(Seal::passphrase(SecretString::from("short")).is_err(), "a short passphrase is refused");
    let sealed_file = seal_with(&Seal::passphrase(SecretString::from(passphrase)).unwrap());
    assert!(!sealed_file.windows(8).any(|w| w == b"manifest"), "nothing of the zip shows through");
    let mut cursor = Cursor::new(&sealed_file);
    assert!(sealed::is_sealed(&mut cursor).unwrap());
    assert!(!sealed::is_sealed(&mut Cursor::new(&made.zip)).unwrap());
    let opened = sealed::open(cursor, &Unseal::Passphrase(SecretString::from(passphrase))).unwrap();
    assert_eq!(verify_bundle(opened, None).unwrap().exhibits, 3);
    let wrong = sealed::open(Cursor::new(&sealed_file), &Unseal::Passphrase(SecretString::from("not the passphrase")));
    assert!(matches!(wrong, Err(VerifyError::Bundle(_))));

    // To an officer's age key.
    let officer = age::x25519::Identity::generate();
    let recipient = officer.to_public().to_string();
    assert!(Seal::recipients(["not-a-key"]).is_err());
    let sealed_file = seal_with(&Seal::recipients([recipient.as_str()]).unwrap());
    let identity = age::secrecy::ExposeSecret::expose_secret(&officer.to_string()).to_owned();
    let opened = sealed::open(Cursor::new(&sealed_file), &Unseal::Identities(identity)).unwrap();
    assert_eq!(verify_bundle(opened, None).unwrap().origin, ORIGIN);

    // A changed byte in the sealed file fails.
    let mut changed = sealed_file.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 1;
    let identity = age::secrecy::ExposeSecret::expose_secret(&officer.to_string()).to_owned();
    let result =
        sealed::open(Cursor::new(&changed), &Unseal::Identities(identity)).and_then(|r| verify_bundle(r, None));
    assert!(result.is_err());
}

#[test]
fn a_changed_word_in_an_incident_fails_and_names_the_incident() {
    let made = make_bundle();
    verify_bundle(Cursor::new(made.zip.clone()), None).unwrap();
    // Unzipped, one word changed, zipped again.
    let mut archive = zip::ZipArchive::new(Cursor::new(&made.zip)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        if name == bundle::RECORDS {
            bytes = String::from_utf8(bytes)
                .unwrap()
                .replace("incident 1: he would not", "incident 1: he could not")
                .into();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut out, &bytes).unwrap();
    }
    let changed = out.finish().unwrap().into_inner();
    let err = verify_bundle(Cursor::new(changed), None).unwrap_err();
    assert!(err.to_string().starts_with("records.json: Incident 2 (record "), "{err}");
    assert!(err.to_string().contains("does not match what the log recorded"), "{err}");
    // What was left out is not in the bundle at all.
    assert!(!made.zip.windows(b"Hill Street".len()).any(|w| w == b"Hill Street"));
}
