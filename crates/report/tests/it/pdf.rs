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
        "Complainant: Ruby Starr",
        "Key facts",
        "+447911123456 (incidents 2)",
        "What she asks of the police",
        "A warning given to the person responsible.",
        "Contacting her safely",
        "Weekdays after 6 pm",
        "Umbrella Lane, Glasgow: 0141 000 0000",
        "Stalking risk questions",
        "S-DASH item",
        "Threats of physical or sexual violence",
        "He told a client where I live.",
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
    // It renders to images with poppler, page by page.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), &pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(dir.path().join("r.pdf"))
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pages = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("page"))
        .count();
    assert!(pages >= 3, "page one, chronology, exhibits, course of conduct and integrity: {pages} pages");
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

#[test]
fn a_thousand_incidents_and_two_hundred_pictures_render() {
    let mut doc = document(1000);
    let jpeg = std::fs::read("../../../shared/vectors/pdq/images/small.jpg").unwrap();
    let mut pictures = Vec::new();
    doc.exhibits = (1..=200)
        .map(|n| {
            let name = format!("ex-{n:03}.jpg");
            pictures.push(Picture { name: name.clone(), bytes: jpeg.clone() });
            lodge_report::ExhibitRow {
                number: format!("EX-{n:03}"),
                file_name: format!("screenshot-{n}.jpg"),
                kind: "image/jpeg".into(),
                size: "12 KB".into(),
                sha256: SHA.into(),
                added: "3 March 2025".into(),
                incident: Some(n * 5),
                picture: Some(name),
            }
        })
        .collect();
    let pdf = render_pdf(&doc, &pictures, (2026, 11, 24, 10, 0, 0)).unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("Incident number 1000:"), "the last incident is in the PDF");
    assert!(text.contains("EX-200: screenshot-200.jpg"), "the last picture's caption is in the PDF");
}

/// Where each word of a PDF is drawn, from `pdftotext -bbox`: (page width, word, right edge).
fn word_edges(pdf: &[u8]) -> Vec<(f64, String, f64)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), pdf).unwrap();
    let out =
        std::process::Command::new("pdftotext").arg("-bbox").arg(dir.path().join("r.pdf")).arg("-").output().unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut width = 0.0;
    let mut words = Vec::new();
    for tag in html.split('<').skip(1) {
        if tag.starts_with("page ") {
            width = attr(tag, "width");
        } else if tag.starts_with("word ") {
            let text = tag.split('>').nth(1).unwrap_or("").to_owned();
            words.push((width, text, attr(tag, "xMax")));
        }
    }
    words
}

#[test]
fn long_addresses_and_hashes_stay_inside_the_page() {
    let mut doc = document(3);
    doc.chronology[0].place =
        "https://leaks.example/forum/threads/2026/05/ruby-starr-beach-set-may/page-17/post-123456789?ref=share&utm=x"
            .into();
    doc.chronology[1].what = format!("Saw it at https://{}.example/{}", "a".repeat(40), "b/".repeat(40));
    doc.chronology[2].place = format!("Telegram channel {}", "x".repeat(90));
    doc.exhibits[0].file_name = format!("IMG_{}.jpg", "7".repeat(120));
    let pdf = render_pdf(&doc, &[picture()], (2026, 11, 24, 10, 0, 0)).unwrap();
    let words = word_edges(&pdf);
    assert!(words.len() > 100, "the text was read");
    // A4 is 595 points wide, with an 18 mm (51 point) margin each side.
    for (width, word, right) in &words {
        assert!(*right <= width - 50.0, "{word:?} is drawn past the right margin (x = {right} of {width})");
    }
}

#[test]
fn a_row_longer_than_a_page_is_printed_whole() {
    let mut doc = document(3);
    let long: String = (0..1500).map(|n| format!("line{n} ")).collect();
    doc.chronology[1].verbatim = format!("{long}THE-LAST-WORDS");
    let pdf = render_pdf(&doc, &[picture()], (2026, 11, 24, 10, 0, 0)).unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("line1499"), "the end of a long message is in the report");
    assert!(text.contains("THE-LAST-WORDS"), "nothing of it is cut off");
}

#[test]
fn a_chronology_row_that_fits_on_a_page_is_not_split() {
    let mut doc = document(40);
    for (n, row) in doc.chronology.iter_mut().enumerate() {
        row.what = format!("Incident number {}: {}", n + 1, "he wrote again from another new account. ".repeat(8));
    }
    let pdf = render_pdf(&doc, &[picture()], (2026, 11, 24, 10, 0, 0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), &pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(dir.path().join("r.pdf")).arg("-").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages.iter().filter(|p| p.contains("Incident number")).count() > 1, "the chronology runs over pages");
    for (i, page) in pages.iter().enumerate() {
        // Each row ends with the person it names: a row split across pages would leave its
        // number on one page and "People:" on the next.
        assert_eq!(page.matches("Incident number").count(), page.matches("People:").count(), "page {}", i + 1);
    }
}
