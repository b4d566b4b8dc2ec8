//! Reports and bundles as a police officer receives them: the PDF read back with poppler's
//! `pdftotext`, and bundles checked by `verify_bundle` after every kind of tampering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bundle;
mod pdf;

use std::process::Command;

use lodge_report::{
    ChronologyRow, CourseSection, ExhibitRow, IntegritySection, LegalRow, ReportDocument, ReportIdentifier,
    ReportPerson,
};

/// Text of a PDF, as poppler extracts it.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A report of `incidents` incidents against one person known only by a username.
pub fn document(incidents: usize) -> ReportDocument {
    ReportDocument {
        title: "Stalking and harassment: incident log".into(),
        case_reference: "7c1d-2b9e".into(),
        subject_name: "Ruby Starr".into(),
        prepared_by: "Ruby Starr".into(),
        prepared_for: "Police Scotland".into(),
        prepared_at: "24 November 2026, 10:00 GMT".into(),
        period: "3 March 2025 to 13 April 2025".into(),
        key_facts: vec![
            ("Who".into(), "@darkwolf_99: Username @darkwolf_99 (Instagram)".into()),
            ("Also in the incidents' words".into(), "+447911123456 (incidents 2)".into()),
            ("What".into(), "Contacting or trying to contact (3); Threats (1)".into()),
            ("Since".into(), "3 March 2025".into()),
            ("How often".into(), "3 occasions on 1 day".into()),
            ("Latest".into(), "3 March 2025".into()),
        ],
        wishes: vec!["An investigation.".into(), "A warning given to the person responsible.".into()],
        contact: vec![
            ("How".into(), "Text 07700 900123 first; do not leave voicemail".into()),
            ("When".into(), "Weekdays after 6 pm".into()),
        ],
        support: "Umbrella Lane, Glasgow: 0141 000 0000".into(),
        risk: vec![
            ("1".into(), "She is very frightened".into(), "Yes".into()),
            ("6".into(), "Threats of physical or sexual violence".into(), "Yes".into()),
            ("10".into(), "Drink, drugs or mental health problems".into(), "Not sure".into()),
        ],
        risk_note: "He told a client where I live.".into(),
        summary: vec!["This log records 8 separate occasions of contact from one account.".into()],
        people: vec![ReportPerson {
            label: "@darkwolf_99".into(),
            identifiers: vec![ReportIdentifier {
                kind: "Username".into(),
                platform: "Instagram".into(),
                value: "@darkwolf_99".into(),
                seen: "3 March 2025 – 13 April 2025".into(),
            }],
            details: Vec::new(),
            course: format!("Appears in {incidents} of the incidents in this report."),
        }],
        chronology: (1..=incidents)
            .map(|n| ChronologyRow {
                number: n,
                date: "3 March 2025".into(),
                time: "21:15 GMT (Europe/London)".into(),
                what: format!("Incident number {n}: a direct message after I blocked the last account."),
                verbatim: "you can't hide from me #not-markup *really* $x$".into(),
                place: "Instagram".into(),
                conduct: "Contacting or trying to contact".into(),
                effect: "Fear".into(),
                people: "@darkwolf_99".into(),
                exhibits: if n == 1 { "EX-001".into() } else { String::new() },
            })
            .collect(),
        exhibits: vec![ExhibitRow {
            number: "EX-001".into(),
            file_name: "screenshot.jpg".into(),
            kind: "image/jpeg".into(),
            size: "361 KB".into(),
            sha256: SHA.into(),
            added: "3 March 2025, 21:20 GMT".into(),
            incident: Some(1),
            picture: Some("ex-001.jpg".into()),
        }],
        course: CourseSection {
            overview: vec!["The log records 8 separate occasions between 3 March 2025 and 13 April 2025.".into()],
            weeks: vec![("3 Mar".into(), 1), ("10 Mar".into(), 0), ("17 Mar".into(), 5)],
            channels: vec!["Instagram (8)".into()],
            conduct: vec!["Contacting or trying to contact (8)".into()],
            escalation: vec!["The log records contact becoming more frequent.".into()],
            legal: vec![LegalRow {
                jurisdiction: "Scotland".into(),
                provision: "Criminal Justice and Licensing (Scotland) Act 2010, s.39 (stalking)".into(),
                looks_at: "A course of conduct on at least two occasions.".into(),
                records: "The log records 8 separate occasions.".into(),
                incidents: "1, 2, 3".into(),
            }],
            caveat: "This is what the log records, not legal advice.".into(),
        },
        integrity: IntegritySection {
            statement: "Every change to this case was appended to a tamper-evident log.".into(),
            origin: "lodge.example.org/case/7c1d".into(),
            size: 42,
            root: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            note: "lodge.example.org/case/7c1d\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n".into(),
            verifier_key: "lodge.example.org/case/7c1d+abcd1234+AQ".into(),
            timestamp: String::new(),
            how_to_verify: vec!["Run lodge verify on the bundle.".into()],
        },
        left_out: vec!["Witnesses".into()],
        deletions: vec!["An incident logged on 3 March 2026 was deleted on 9 March 2026.".into()],
        changed: Vec::new(),
    }
}
