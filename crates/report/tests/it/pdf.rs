//! The PDF: every section present and readable as text; markup in her words stays text.

use lodge_report::{Picture, render_pdf};

use crate::{SHA, document, pdf_text};

fn picture() -> Picture {
    Picture {
        name: "ex-001.jpg".into(),
        bytes: std::fs::read("../../../shared/vectors/pdq/images/bridge-1-original.jpg").unwrap(),
    }
}

#[test]
fn a_report_shows_every_section_with_her_words_as_text() {
    let pdf = render_pdf(&document(3), &[picture()], (2026, 11, 24, 10, 0, 0)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for expected in [
        "Stalking and harassment: incident log",
        "Concerning Ruby Starr",
        "Police Scotland",
        "Summary",
        "People and their identifiers",
        "@darkwolf_99",
        "Chronology",
        "Incident number 3",
        "you can't hide from me #not-markup *really* $x$",
        "Exhibits",
        "EX-001",
        "Course of conduct",
        "What the log may bear on",
        "Integrity and how to verify",
        "lodge.example.org/case/7c1d",
        "Left out of this report at her choice: Witnesses",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the PDF text:\n{text}");
    }
    // The hash is printed whole (it may wrap, so compare without whitespace).
    let squashed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(squashed.contains(SHA), "exhibit SHA-256 not in the PDF");
    // The same document and time give the same bytes.
    assert_eq!(pdf, render_pdf(&document(3), &[picture()], (2026, 11, 24, 10, 0, 0)).unwrap());
}

#[test]
fn a_picture_that_is_not_an_image_is_refused_with_a_reason() {
    let bad = Picture { name: "ex-001.jpg".into(), bytes: b"not an image".to_vec() };
    let err = render_pdf(&document(1), &[bad], (2026, 11, 24, 10, 0, 0)).unwrap_err();
    assert!(err.to_string().contains("laid out"), "{err}");
    let sneaky = Picture { name: "../report.typ".into(), bytes: Vec::new() };
    assert!(render_pdf(&document(1), &[sneaky], (2026, 11, 24, 10, 0, 0)).is_err());
}
