//! A JSON export cut short anywhere: every message wholly before the cut is handed on, exactly
//! those, and the error says how many were read (Instagram, X, Telegram, Discord).

use std::io::Cursor;

use lodge_import::ImportError;
use lodge_import::discord;
use lodge_import::export::{Format, Reading, read_as};
use phonenumber::country::Id as Country;
use proptest::prelude::*;

/// A file made of records: where each record ends, and the whole file.
struct Built {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

fn build(head: &str, records: &[String], tail: &str) -> Built {
    let mut bytes = head.as_bytes().to_vec();
    let mut ends = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            bytes.push(b',');
        }
        bytes.extend_from_slice(r.as_bytes());
        ends.push(bytes.len());
    }
    bytes.extend_from_slice(tail.as_bytes());
    Built { bytes, ends }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn instagram(texts: &[String]) -> Built {
    // Newest first, as the export writes them.
    let records: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"{{"sender_name":"darkwolf","timestamp_ms":{},"content":{}}}"#,
                1_800_000_000_000u64 - i as u64 * 1000,
                quoted(t)
            )
        })
        .collect();
    build(
        r#"{"participants":[{"name":"darkwolf"},{"name":"Ruby"}],"messages":["#,
        &records,
        r#"],"title":"darkwolf","thread_path":"inbox/darkwolf_1"}"#,
    )
}

fn x(texts: &[String]) -> Built {
    let records: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"{{"messageCreate":{{"id":"{i}","senderId":"111","recipientId":"222","text":{},"createdAt":"2024-03-05T21:{:02}:{:02}.000Z","mediaUrls":[]}}}}"#,
                quoted(t),
                i / 60,
                i % 60
            )
        })
        .collect();
    build(
        r#"window.YTD.direct_messages.part0 = [{"dmConversation":{"conversationId":"111-222","messages":["#,
        &records,
        "]}}]\n",
    )
}

fn telegram(texts: &[String]) -> Built {
    let records: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"{{"id":{i},"type":"message","date":"2024-03-05T21:15:00","date_unixtime":"{}","from":"darkwolf","from_id":"user1","text":{}}}"#,
                1_709_673_300 + i,
                quoted(t)
            )
        })
        .collect();
    build(r#"{"name":"darkwolf","type":"personal_chat","id":1,"messages":["#, &records, "]}\n")
}

fn discord_json(texts: &[String]) -> Built {
    let records: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"{{"ID":{i},"Timestamp":"2024-03-05 21:{:02}:{:02}","Contents":{},"Attachments":""}}"#,
                i / 60,
                i % 60,
                quoted(t)
            )
        })
        .collect();
    build("[", &records, "]")
}

/// What reading the first `cut` bytes hands on, and whether it said the file is damaged.
fn read_cut(format: Format, bytes: &[u8]) -> (Vec<String>, Result<(), ImportError>) {
    let mut texts = Vec::new();
    let how = Reading { region: Country::GB, date_order: None };
    let outcome = read_as(format, Cursor::new(bytes), how, &mut |i| texts.push(i.text));
    (texts, outcome.map(|_| ()))
}

fn check(
    built: &Built,
    texts: &[String],
    cut: usize,
    got: Vec<String>,
    result: Result<(), ImportError>,
    newest_first: bool,
) -> Result<(), TestCaseError> {
    let whole = built.ends.iter().filter(|end| **end <= cut).count();
    let mut expected: Vec<String> = texts[..whole].to_vec();
    if newest_first {
        expected.reverse();
    }
    prop_assert_eq!(got, expected);
    if built.bytes[cut..].iter().any(|b| !b.is_ascii_whitespace()) {
        let e = result.expect_err("a file cut short is said to be");
        if whole > 0 {
            prop_assert!(e.to_string().contains(&format!("the {whole} messages")), "{}", e);
        }
    } else {
        prop_assert!(result.is_ok());
    }
    Ok(())
}

/// Cuts `built` at the share `at` of its length, reads what is left as `format`, and checks it.
fn cut_and_read(
    format: Format,
    built: &Built,
    texts: &[String],
    at: f64,
    newest_first: bool,
) -> Result<(), TestCaseError> {
    let cut = (built.bytes.len() as f64 * at) as usize;
    let (got, result) = read_cut(format, &built.bytes[..cut]);
    check(built, texts, cut, got, result, newest_first)
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[ -~é😀]{0,24}", 1..12)
}

proptest! {
    #[test]
    fn instagram_keeps_the_messages_before_the_cut(texts in texts(), at in 0.0..=1.0f64) {
        cut_and_read(Format::Instagram, &instagram(&texts), &texts, at, true)?;
    }

    #[test]
    fn x_keeps_the_messages_before_the_cut(texts in texts(), at in 0.0..=1.0f64) {
        cut_and_read(Format::X, &x(&texts), &texts, at, false)?;
    }

    #[test]
    fn telegram_keeps_the_messages_before_the_cut(texts in texts(), at in 0.0..=1.0f64) {
        cut_and_read(Format::Telegram, &telegram(&texts), &texts, at, false)?;
    }

    #[test]
    fn discord_keeps_the_messages_before_the_cut(texts in texts(), at in 0.0..=1.0f64) {
        let built = discord_json(&texts);
        let cut = (built.bytes.len() as f64 * at) as usize;
        let (got, result) = match discord::messages(&built.bytes[..cut], false) {
            Ok(p) => (p.read.into_iter().map(|m| m.text).collect(), p.broken.map_or(Ok(()), Err)),
            Err(e) => (Vec::new(), Err(e)),
        };
        check(&built, &texts, cut, got, result, false)?;
    }
}

/// The issue's case: one good message, then a line of 2 MiB that breaks the file.
#[test]
fn one_good_message_then_damage_keeps_the_one() {
    let good = instagram(&["I know where you live".to_owned()]);
    let mut bytes = good.bytes[..good.ends[0]].to_vec();
    bytes.extend_from_slice(b",\n{\"sender_name\": \"darkwolf\", \"timestamp_ms\": ");
    bytes.extend(std::iter::repeat_n(b'9', 2 * 1024 * 1024));
    bytes.extend_from_slice(b"x}]}");
    let (got, result) = read_cut(Format::Instagram, &bytes);
    assert_eq!(got, ["I know where you live"]);
    let e = result.unwrap_err().to_string();
    assert!(e.starts_with("line 2: this part of the file cannot be read: the 1 messages before it"), "{e}");

    // A CSV from an older Discord package, its last row cut in the middle.
    let csv = b"ID,Timestamp,Contents,Attachments\n1,2020-01-02 03:04:05,first,\n2,2020-01-02 03:04:06,sec";
    let read = discord::messages(csv, true).unwrap();
    assert_eq!(read.read.len(), 1);
    let e = read.broken.unwrap().to_string();
    assert!(e.contains("the 1 messages before this point were read"), "{e}");
}
