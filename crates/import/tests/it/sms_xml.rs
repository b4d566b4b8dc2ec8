//! SMS Backup & Restore exports: messages, MMS parts, calls, emoji as surrogate pairs.

use std::io::Cursor;

use lodge_import::ImportError;
use lodge_import::sms_xml::{Direction, Kind, Record, detect, parse, unescape};

fn read(xml: &str) -> Vec<Record> {
    let mut records = Vec::new();
    parse(Cursor::new(xml.as_bytes()), |r| records.push(r)).unwrap();
    records
}

#[test]
fn messages_mms_parts_and_emoji_written_as_surrogate_pairs() {
    let xml = r#"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="3" backup_set="x">
  <sms protocol="0" address="+447911123456" date="1709673300000" type="1" body="you can&apos;t hide &#55357;&#56846; &amp; I know where you live" read="1" contact_name="Dark Wolf" />
  <sms protocol="0" address="+447911123456" date="1709673360000" type="2" body="Stop contacting me." contact_name="(Unknown)" />
  <mms date="1709673420000" msg_box="1" address="+447911123456" contact_name="Dark Wolf">
    <parts>
      <part seq="-1" ct="application/smil" name="null" text="&lt;smil&gt;" />
      <part seq="0" ct="image/png" name="photo.png" data="iVBORw0KGgo=" />
      <part seq="1" ct="text/plain" cl="text_0.txt" text="look what I have" />
    </parts>
    <addrs>
      <addr address="+447911123456" type="137" charset="106" />
      <addr address="+447400123456" type="151" charset="106" />
    </addrs>
  </mms>
</smses>"#;
    assert!(detect(xml.as_bytes()));
    let records = read(xml);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].kind, Kind::Sms);
    assert_eq!(records[0].direction, Direction::Received);
    assert_eq!(records[0].body, "you can't hide 😎 & I know where you live");
    assert_eq!(records[0].time.to_string(), "2024-03-05T21:15:00Z");
    assert_eq!(records[0].contact_name, "Dark Wolf");
    assert_eq!(records[0].offset, xml.find("<sms ").unwrap() as u64, "where in the file");
    assert_eq!((records[1].direction, records[1].contact_name.as_str()), (Direction::Sent, ""));
    let mms = &records[2];
    assert_eq!((mms.kind, mms.direction), (Kind::Mms, Direction::Received));
    assert_eq!(mms.parts.len(), 3);
    assert_eq!(mms.parts[1].content_type, "image/png");
    assert_eq!(mms.parts[1].name, "photo.png");
    assert_eq!(mms.parts[1].data, b"\x89PNG\r\n\x1a\n");
    assert_eq!((mms.parts[2].name.as_str(), mms.parts[2].text.as_str()), ("text_0.txt", "look what I have"));
}

#[test]
fn calls_come_from_their_own_file() {
    let xml = r#"<calls count="3">
  <call number="+447911123456" duration="0" date="1709673300000" type="3" contact_name="Dark Wolf" />
  <call number="+447911123456" duration="42" date="1709673400000" type="1" />
  <call number="+447911123456" duration="5" date="1709673500000" type="2" />
</calls>"#;
    let records = read(xml);
    let summary: Vec<(Kind, Direction, u64)> = records.iter().map(|r| (r.kind, r.direction, r.duration)).collect();
    assert_eq!(
        summary,
        [(Kind::Call, Direction::Missed, 0), (Kind::Call, Direction::Received, 42), (Kind::Call, Direction::Sent, 5)]
    );
    assert_eq!(records[0].address, "+447911123456");
}

#[test]
fn broken_files_name_the_byte_offset() {
    let cut = r#"<smses count="1"><sms address="1" date="1709673300000" type="1" body="unfinished"#;
    let err = parse(Cursor::new(cut.as_bytes()), |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::BrokenAt { .. }), "{err}");
    let bad_date = r#"<smses><sms address="1" date="yesterday" type="1" body="x" /></smses>"#;
    let err = parse(Cursor::new(bad_date.as_bytes()), |_| {}).unwrap_err();
    assert_eq!(err.to_string(), "at byte 7: the date is not a number");
    let bad_part =
        r#"<smses><mms date="1" msg_box="1"><parts><part ct="image/png" data="not base64!" /></parts></mms></smses>"#;
    assert!(parse(Cursor::new(bad_part.as_bytes()), |_| {}).is_err());
    assert!(parse(Cursor::new(b"<smses count=\"0\"></smses>".to_vec()), |_| {}).is_err(), "no messages");
    assert!(!detect(b"<html><body>"));
}

#[test]
fn lone_surrogates_and_unknown_entities_do_not_break_the_text() {
    assert_eq!(unescape(b"a &#55357; b"), "a \u{fffd} b");
    assert_eq!(unescape(b"&#56846;x"), "\u{fffd}x");
    assert_eq!(unescape(b"&nbsp; &#x41;&#66;"), "&nbsp; AB");
    assert_eq!(unescape(b"fish & chips"), "fish & chips");
}

#[test]
fn a_group_message_names_who_sent_it() {
    let xml = r#"<smses count="1">
  <mms date="1709673420000" msg_box="1" address="+447911123456~+447400123456" contact_name="Dark Wolf, Sam">
    <parts><part seq="0" ct="text/plain" text="we are all watching" /></parts>
    <addrs>
      <addr address="+447911123456" type="137" charset="106" />
      <addr address="+447400123456" type="151" charset="106" />
      <addr address="+447700900001" type="151" charset="106" />
    </addrs>
  </mms>
</smses>"#;
    let records = read(xml);
    assert_eq!(records[0].address, "+447911123456~+447400123456", "the group is the conversation");
    assert_eq!(records[0].from, "+447911123456", "the sender is the address of type 137");
}

#[test]
fn a_backup_cut_short_says_how_much_was_read() {
    let whole = |count: usize| {
        let mut xml = format!("<smses count=\"{count}\">\n");
        for i in 0..3 {
            xml.push_str(&format!(
                "<sms address=\"+447911123456\" date=\"17096733{i}0000\" type=\"1\" body=\"message {i}\" />\n"
            ));
        }
        xml
    };
    // It declares five records and holds three, as a backup cut between records does.
    let mut read_first = Vec::new();
    let err = parse(Cursor::new(whole(5).into_bytes()), |r| read_first.push(r)).unwrap_err();
    assert!(err.to_string().contains("declares 5 records and 3 were read"), "{err}");
    assert_eq!(read_first.len(), 3, "what came before is handed on, to keep if she chooses");
    // No count, no closing tag: cut short all the same.
    let err = parse(Cursor::new(whole(3).replace(" count=\"3\"", "").into_bytes()), |_| {}).unwrap_err();
    assert!(err.to_string().contains("cut short after 3 records"), "{err}");
    // Whole: read without a word.
    assert_eq!(parse(Cursor::new(format!("{}</smses>", whole(3)).into_bytes()), |_| {}).unwrap(), 3);
}
