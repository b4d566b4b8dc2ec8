//! Every format through one door: detection (inside zips too), email and mailboxes, photos
//! with EXIF, WhatsApp media tied to its messages, and random exports that round-trip.

use std::io::{Cursor, Write};

use jiff::Timestamp;
use jiff::civil::DateTime;
use lodge_import::export::{Format, Handle, Item, Place, Reading, Stamp, detect, read, read_as};
use lodge_import::whatsapp::DateOrder;
use lodge_import::{ImportError, image};
use phonenumber::country::Id as Country;
use proptest::prelude::*;
use sha2::Digest;
use zip::write::SimpleFileOptions;

use lodge_testkit::photo::photo;

fn items(format: Format, bytes: &[u8]) -> Result<Vec<Item>, ImportError> {
    let mut out = Vec::new();
    read(format, Cursor::new(bytes), Country::GB, &mut |i| out.push(i))?;
    Ok(out)
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

const HTML_ONLY: &str = "Return-Path: <dark.wolf@example.net>\r\n\
Received: from mail.example.net (mail.example.net [192.0.2.7])\r\n\tby mx.example.org; Fri, 3 May 2024 21:15:42 +0100\r\n\
Received: from [198.51.100.23] by mail.example.net; Fri, 3 May 2024 21:15:41 +0100\r\n\
Message-ID: <abc123@example.net>\r\n\
Date: Fri, 3 May 2024 21:15:40 +0100\r\n\
From: Dark Wolf <Dark.Wolf@example.net>\r\n\
To: ruby@example.org\r\n\
Subject: I know where you are\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>You can't hide.</p><img src=\"http://tracker.example.net/open.gif\"></body></html>\r\n";

/// Mail in the charsets her users' phones and webmail write (GB2312, KOI8-R, Shift_JIS), in
/// encoded headers (RFC 2047) and in bodies: read as the text it is, never as U+FFFD. (The
/// evidential headers are kept as written, encoded.)
#[test]
fn an_email_in_any_charset_mail_uses_is_read_as_written() {
    let gb2312 = "From: =?GB2312?B?utrAxw==?= <wolf@example.cn>\r\n\
Subject: =?GB2312?B?ztLWqrXAxOPXodTaxMTA7w==?=\r\n\
Date: Fri, 3 May 2024 21:15:40 +0800\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=GB2312\r\n\
Content-Transfer-Encoding: base64\r\n\r\n\
xOPM07K7tfS1xKGjCs7Sw7/M7La81Nq/tNfFxOOhow==\r\n";
    let got = items(Format::Email, gb2312.as_bytes()).unwrap();
    assert_eq!(got[0].sender.name, "黑狼");
    assert!(got[0].text.contains("你逃不掉的。\n我每天都在看着你。"), "{:?}", got[0].text);
    assert!(got[0].text.starts_with("Subject: 我知道你住在哪里"), "{:?}", got[0].text);
    for (charset, encoded, want) in [
        ("KOI8-R", "9NkgzsUg09DS0d7F29jT0Q==", "Ты не спрячешься"),
        ("Shift_JIS", "gseCsYLJj1qC8YLFgqKC6YKpkm2CwYLEgqKC6Q==", "どこに住んでいるか知っている"),
    ] {
        let mail = format!(
            "From: someone@example.net\r\nSubject: =?{charset}?B?{encoded}?=\r\nDate: Fri, 3 May 2024 21:15:40 +0000\r\n\
MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n"
        );
        let got = items(Format::Email, mail.as_bytes()).unwrap();
        assert!(got[0].text.contains(want), "{charset}: {:?}", got[0].text);
        assert!(!got[0].text.contains('\u{fffd}'), "{charset}");
        assert!(got[0].text.starts_with(&format!("Subject: {want}")), "{charset}: {:?}", got[0].text);
    }
}

#[test]
fn an_email_keeps_its_headers_and_only_its_text() {
    assert_eq!(detect("message.eml", &mut Cursor::new(HTML_ONLY.as_bytes())).unwrap(), Some(Format::Email));
    let got = items(Format::Email, HTML_ONLY.as_bytes()).unwrap();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.sender.name, "Dark Wolf");
    assert_eq!(mail.sender.handle, Some(Handle::Email("dark.wolf@example.net".into())));
    assert_eq!(mail.time, Some(Stamp::Exact("2024-05-03T20:15:40Z".parse().unwrap())));
    assert!(mail.text.starts_with("Subject: I know where you are"));
    assert!(mail.text.contains("You can't hide."));
    assert!(!mail.text.contains('<') && !mail.text.contains("tracker"), "no HTML, no remote address: {}", mail.text);
    let received: Vec<&str> = mail.details.iter().filter(|(k, _)| k == "Received").map(|(_, v)| v.as_str()).collect();
    assert_eq!(received.len(), 2, "the whole Received chain");
    assert!(received[1].contains("198.51.100.23"));
    assert!(mail.details.iter().any(|(k, v)| k == "Message-ID" && v.contains("abc123@example.net")));
    assert_eq!(mail.place, Place::Offset(0));
}

#[test]
fn a_mailbox_gives_each_message_with_its_offset_and_unquotes_from_lines() {
    let second =
        "Date: Sat, 4 May 2024 08:00:00 +0000\nFrom: other@example.com\nSubject: again\n\n>From here on\nbye\n";
    let mbox = format!(
        "From dark.wolf@example.net Fri May  3 20:15:40 2024\n{}\nFrom other@example.com Sat May  4 08:00:00 2024\n{second}",
        HTML_ONLY.replace("\r\n", "\n")
    );
    assert_eq!(detect("inbox", &mut Cursor::new(mbox.as_bytes())).unwrap(), Some(Format::Email));
    let got = items(Format::Email, mbox.as_bytes()).unwrap();
    assert_eq!(got.len(), 2);
    let Place::Offset(offset) = got[1].place else { panic!("{:?}", got[1].place) };
    assert!(mbox[offset as usize..].starts_with("Date: Sat, 4 May"), "offset points at the message itself");
    assert!(got[1].text.contains("\nFrom here on"), "{}", got[1].text);
    assert_eq!(got[1].sender.handle, Some(Handle::Email("other@example.com".into())));
}

#[test]
fn a_broken_email_names_its_offset() {
    let mbox = "From a Fri May  3 20:15:40 2024\nnot a header at all\n";
    match items(Format::Email, mbox.as_bytes()) {
        Err(ImportError::BrokenAt { offset, .. }) => assert_eq!(offset, 32),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_photo_gives_its_time_offset_and_place() {
    let with_offset = photo(Some("+01:00"));
    assert_eq!(detect("IMG_0001.JPG", &mut Cursor::new(&with_offset)).unwrap(), Some(Format::Image));
    let got = items(Format::Image, &with_offset).unwrap();
    assert_eq!(got[0].conversation, image::CONVERSATION);
    assert!(got[0].sender.mine);
    assert_eq!(got[0].time, Some(Stamp::Exact("2024-05-03T20:15:40Z".parse::<Timestamp>().unwrap())));
    let (lat, lon) = got[0].location.unwrap();
    assert!((lat - 55.955).abs() < 1e-6 && (lon + 3.19).abs() < 1e-6, "{lat},{lon}");
    assert!(got[0].details.iter().any(|(k, v)| k == "Camera or app" && v == "Pixel"));

    let without = items(Format::Image, &photo(None)).unwrap();
    assert_eq!(without[0].time, Some(Stamp::Local("2024-05-03T21:15:40".parse::<DateTime>().unwrap())));

    let bare = b"\xff\xd8\xff\xd9";
    assert_eq!(items(Format::Image, bare).unwrap()[0].time, None, "no EXIF, no time invented");
    assert!(matches!(items(Format::Image, b"GIF89a"), Err(ImportError::BrokenAt { offset: 0, .. })));
}

#[test]
fn whatsapp_media_in_the_zip_is_tied_to_its_message_by_hash() {
    let chat = "[03/05/2024, 21:15:40] darkwolf: \u{200e}<attached: 00000012-PHOTO.jpg>\n\
                [13/05/2024, 09:01:00] darkwolf: <attached: 00000013-VIDEO.mp4>\n";
    let photo = b"\xff\xd8\xff the photo";
    let bytes = zip_of(&[("_chat.txt", chat.as_bytes()), ("00000012-PHOTO.jpg", photo)]);
    assert_eq!(detect("WhatsApp Chat - darkwolf.zip", &mut Cursor::new(&bytes)).unwrap(), Some(Format::WhatsApp));
    let got = items(Format::WhatsApp, &bytes).unwrap();
    assert_eq!(got.len(), 2);
    let held = got[0].attachments[0].held.clone().unwrap();
    assert_eq!(held.1, photo.len() as u64);
    assert_eq!(held.0, data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(photo)));
    assert_eq!(got[1].attachments[0].held, None, "named in the chat, not in the zip");
    assert_eq!(got[0].time, Some(Stamp::Local("2024-05-03T21:15:40".parse().unwrap())));
    assert_eq!(got[0].place, Place::Line { line: 1, offset: 0 });
}

#[test]
fn exports_are_told_apart_inside_zips_and_out() {
    let sms = b"<?xml version='1.0'?><smses count=\"0\"></smses>";
    let telegram = br#"{"name":"darkwolf","type":"personal_chat","id":1,"messages":[{"id":1,"type":"message","date":"2024-05-03T21:15:40","date_unixtime":"1714767340","from":"darkwolf","from_id":"user1","text":"hi"}]}"#;
    let x = b"window.YTD.direct_messages.part0 = []";
    let cases: [(&str, Vec<u8>, Format); 6] = [
        ("sms-20240503.xml", sms.to_vec(), Format::SmsXml),
        ("result.json", telegram.to_vec(), Format::Telegram),
        ("direct-messages.js", x.to_vec(), Format::X),
        ("tg.zip", zip_of(&[("ChatExport_2024-05-03/result.json", telegram)]), Format::Telegram),
        (
            "discord.zip",
            zip_of(&[("messages/index.json", b"{}"), ("messages/c1/channel.json", b"{}")]),
            Format::Discord,
        ),
        (
            "instagram.zip",
            zip_of(&[("your_instagram_activity/messages/inbox/darkwolf_1/message_1.json", b"{}")]),
            Format::Instagram,
        ),
    ];
    for (name, bytes, want) in cases {
        assert_eq!(detect(name, &mut Cursor::new(&bytes)).unwrap(), Some(want), "{name}");
    }
    assert_eq!(detect("notes.pdf", &mut Cursor::new(b"%PDF-1.7")).unwrap(), None);
    for format in Format::ALL {
        assert_eq!(Format::from_code(format.code()), Some(*format));
    }
}

#[test]
fn a_discord_package_gives_her_messages_per_channel() {
    let bytes = zip_of(&[
        ("messages/index.json", br#"{"111": "Direct Message with darkwolf#0001"}"#),
        ("messages/c111/channel.json", br#"{"id":"111","type":1,"recipients":["1","2"]}"#),
        (
            "messages/c111/messages.json",
            br#"[{"ID":5,"Timestamp":"2024-05-03 21:15:00","Contents":"Stop messaging me.","Attachments":""}]"#,
        ),
    ]);
    let got = items(Format::Discord, &bytes).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].conversation, "Direct Message with darkwolf#0001");
    assert!(got[0].sender.mine);
    assert_eq!(got[0].text, "Stop messaging me.");
    assert_eq!(got[0].place, Place::Record { file: "messages/c111/messages.json".into(), index: 0 });
}

/// A group MMS: the sender is who sent it, not the group; the SMIL layout and the word "null"
/// that phones write for no text are not message text.
#[test]
fn a_group_mms_is_from_its_sender_and_carries_only_what_was_written() {
    let xml = br#"<smses count="2">
  <mms date="1709673420000" msg_box="1" address="+447911123456~+447400123456" contact_name="Dark Wolf, Sam">
    <parts>
      <part seq="-1" ct="application/smil" text="&lt;smil&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;" />
      <part seq="0" ct="text/plain" text="we are all watching" />
    </parts>
    <addrs><addr address="+447911123456" type="137" /><addr address="+447400123456" type="151" /></addrs>
  </mms>
  <mms date="1709673480000" msg_box="1" address="+447911123456" body="null">
    <parts><part seq="0" ct="text/plain" text="null" /><part seq="1" ct="image/png" name="a.png" data="iVBORw0KGgo=" /></parts>
    <addrs><addr address="+447911123456" type="137" /></addrs>
  </mms>
</smses>"#;
    let got = items(Format::SmsXml, xml).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].text, "we are all watching");
    assert_eq!(got[0].sender.handle, Some(Handle::Phone("+447911123456".into())), "pinned to who sent it");
    assert_ne!(got[0].sender.name, "Dark Wolf, Sam", "not to the group");
    assert_eq!(got[1].text, "", "no text, rather than \"null\"");
    assert_eq!(got[1].attachments.len(), 1);
}

/// Packages made since mid-2025 name the folder `Messages/`, or translate it into her language
/// (Polish `Wiadomości/`); they are known by their shape and read the same. A folder of
/// something else with an `index.json` is not taken for it.
#[test]
fn a_discord_package_with_its_messages_folder_named_in_any_language_is_read() {
    for folder in ["Messages", "Wiadomości", "Nachrichten"] {
        let bytes = zip_of(&[
            ("package/Account/index.json", br#"{"not": "channels"}"#),
            (&format!("package/{folder}/index.json"), br#"{"111": "Direct Message with darkwolf"}"#),
            (&format!("package/{folder}/c111/channel.json"), br#"{"id":"111","type":"DM","recipients":["1","2"]}"#),
            (
                &format!("package/{folder}/c111/messages.json"),
                br#"[{"ID":"5","Timestamp":"2025-08-03 21:15:00","Contents":"Stop.","Attachments":""}]"#,
            ),
        ]);
        assert_eq!(detect("package.zip", &mut Cursor::new(&bytes)).unwrap(), Some(Format::Discord), "{folder}");
        let got = items(Format::Discord, &bytes).unwrap();
        assert_eq!(got.len(), 1, "{folder}");
        assert_eq!(got[0].conversation, "Direct Message with darkwolf");
        assert_eq!(got[0].text, "Stop.");
    }
}

fn sender() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z ]{0,12}[A-Za-z]"
}

fn text() -> impl Strategy<Value = String> {
    // Printable text with emoji and accents; lines start with a letter so none looks like a
    // message header.
    proptest::collection::vec("[a-zA-Zé😡][a-zA-Z0-9 ,.!?'é😡]{0,40}", 1..4).prop_map(|lines| lines.join("\n"))
}

fn minute() -> impl Strategy<Value = i64> {
    // 2023-01-01 .. 2025-12-31, in minutes.
    0i64..(3 * 365 * 24 * 60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_whatsapp_exports_round_trip(messages in proptest::collection::vec((sender(), text(), minute()), 1..30)) {
        let start: DateTime = "2023-01-01T00:00".parse().unwrap();
        let mut times: Vec<DateTime> = messages
            .iter()
            .map(|(_, _, m)| start.checked_add(jiff::SignedDuration::from_mins(*m)).unwrap())
            .collect();
        times.sort();
        // A 13th of some month settles day-first order.
        let settle = "[13/01/2023, 00:00] x: settle\n".to_owned();
        let mut chat = settle.clone();
        for ((sender, text, _), time) in messages.iter().zip(&times) {
            chat.push_str(&format!("[{}] {sender}: {text}\n", time.strftime("%d/%m/%Y, %H:%M:%S")));
        }
        let got = items(Format::WhatsApp, chat.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), messages.len() + 1);
        for (((sender, text, _), time), item) in messages.iter().zip(&times).zip(&got[1..]) {
            prop_assert_eq!(&item.sender.name, sender);
            prop_assert_eq!(&item.text, text);
            prop_assert_eq!(item.time, Some(Stamp::Local(*time)));
        }
    }

    #[test]
    fn both_date_orders_round_trip_when_she_chooses(
        messages in proptest::collection::vec((sender(), text(), 1i8..=12, 1i8..=12), 1..20),
        month_first in any::<bool>(),
    ) {
        // No day above 12 anywhere: only her choice says which number is the day.
        let order = if month_first { DateOrder::MonthFirst } else { DateOrder::DayFirst };
        let mut chat = String::new();
        let mut times = Vec::new();
        for (sender, text, day, month) in &messages {
            let time = jiff::civil::date(2024, *month, *day).at(21, 15, 0, 0);
            let written = if month_first { time.strftime("%m/%d/%y, %H:%M") } else { time.strftime("%d/%m/%y, %H:%M") };
            chat.push_str(&format!("{written} - {sender}: {text}\n"));
            times.push(time);
        }
        let mut got = Vec::new();
        let how = Reading { region: Country::US, date_order: Some(order) };
        let outcome = read_as(Format::WhatsApp, Cursor::new(chat.as_bytes()), how, &mut |i| got.push(i)).unwrap();
        prop_assert_eq!(got.len(), messages.len());
        prop_assert!(outcome.undecided.is_none(), "she chose: nothing is left to ask");
        for (item, time) in got.iter().zip(&times) {
            prop_assert_eq!(item.time, Some(Stamp::Local(*time)));
        }
        // Not chosen: read day first, and a date that reads two ways is put to her with both.
        let mut guessed = Vec::new();
        let outcome = read(Format::WhatsApp, Cursor::new(chat.as_bytes()), Country::US, &mut |i| guessed.push(i)).unwrap();
        let two_ways = messages.iter().any(|(_, _, day, month)| day != month);
        prop_assert_eq!(outcome.undecided.is_some(), two_ways);
        if let Some(u) = outcome.undecided {
            prop_assert_ne!(u.day_first, u.month_first);
            let right = if month_first { u.month_first } else { u.day_first };
            prop_assert!(times.contains(&right), "the right reading is one of the chat's times");
        }
    }

    #[test]
    fn random_sms_backups_round_trip(messages in proptest::collection::vec((any::<bool>(), text(), minute()), 1..30)) {
        let mut xml = format!("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"{}\">\n", messages.len());
        for (sent, text, minute) in &messages {
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('\'', "&apos;")
                .replace('\n', "&#10;")
                .chars()
                .map(|c| if (c as u32) > 0xffff {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units);
                    format!("&#{};&#{};", units[0], units[1])
                } else {
                    c.to_string()
                })
                .collect::<String>();
            let ms = 1_672_531_200_000i64 + minute * 60_000;
            xml.push_str(&format!(
                "<sms address=\"07911 123456\" date=\"{ms}\" type=\"{}\" body=\"{escaped}\" contact_name=\"Dark Wolf\" />\n",
                if *sent { 2 } else { 1 }
            ));
        }
        xml.push_str("</smses>\n");
        let got = items(Format::SmsXml, xml.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), messages.len());
        for ((sent, text, minute), item) in messages.iter().zip(&got) {
            prop_assert_eq!(&item.text, text);
            prop_assert_eq!(item.sender.mine, *sent);
            if !sent {
                prop_assert_eq!(&item.sender.name, "Dark Wolf");
                prop_assert_eq!(&item.sender.handle, &Some(Handle::Phone("+447911123456".into())));
            }
            let at = Timestamp::from_millisecond(1_672_531_200_000i64 + minute * 60_000).unwrap();
            prop_assert_eq!(item.time, Some(Stamp::Exact(at)));
            let Place::Offset(offset) = item.place else { panic!() };
            prop_assert!(xml[offset as usize..].starts_with("<sms "));
        }
    }
}

/// Text as Facebook and Instagram write it: each UTF-8 byte as its own `\u00XX` escape.
fn mojibake(text: &str) -> String {
    text.bytes().map(|b| format!("\\u{b:04x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_instagram_threads_round_trip_with_the_mojibake_repaired(
        messages in proptest::collection::vec((sender(), text(), minute()), 1..20)
    ) {
        // Newest first, as the export writes them.
        let mut sorted = messages.clone();
        sorted.sort_by_key(|(_, _, m)| std::cmp::Reverse(*m));
        let rows: Vec<String> = sorted
            .iter()
            .map(|(s, t, m)| format!(
                r#"{{"sender_name":"{}","timestamp_ms":{},"content":"{}"}}"#,
                mojibake(s), 1_672_531_200_000i64 + m * 60_000, mojibake(t)
            ))
            .collect();
        let json = format!(r#"{{"participants":[{{"name":"x"}}],"messages":[{}],"title":"x"}}"#, rows.join(","));
        let got = items(Format::Instagram, json.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), messages.len());
        for (item, (s, t, m)) in got.iter().zip(sorted.iter().rev()) {
            prop_assert_eq!(&item.sender.name, s);
            prop_assert_eq!(&item.text, t);
            prop_assert_eq!(item.time, Some(Stamp::Exact(Timestamp::from_millisecond(1_672_531_200_000i64 + m * 60_000).unwrap())));
        }
    }

    #[test]
    fn random_telegram_chats_round_trip(messages in proptest::collection::vec((sender(), text(), minute()), 1..20)) {
        let rows: Vec<serde_json::Value> = messages
            .iter()
            .enumerate()
            .map(|(i, (s, t, m))| serde_json::json!({
                "id": i, "type": "message", "date": "2023-01-01T00:00:00",
                "date_unixtime": (1_672_531_200i64 + m * 60).to_string(),
                "from": s, "from_id": format!("user{i}"), "text": t
            }))
            .collect();
        let json = serde_json::json!({"name": "darkwolf", "type": "personal_chat", "id": 7, "messages": rows}).to_string();
        let got = items(Format::Telegram, json.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), messages.len());
        for (item, (s, t, m)) in got.iter().zip(&messages) {
            prop_assert_eq!(&item.sender.name, s);
            prop_assert_eq!(&item.text, t);
            prop_assert_eq!(item.time, Some(Stamp::Exact(Timestamp::from_second(1_672_531_200i64 + m * 60).unwrap())));
        }
    }

    #[test]
    fn random_mailboxes_round_trip(messages in proptest::collection::vec((sender(), "[a-zA-Z0-9 ,.!?']{1,60}", minute()), 1..10)) {
        let mut mbox = String::new();
        for (i, (s, body, m)) in messages.iter().enumerate() {
            let at = Timestamp::from_second(1_672_531_200i64 + m * 60).unwrap();
            mbox.push_str(&format!(
                "From x@example.net Sun Jan  1 00:00:00 2023\nDate: {}\nFrom: {s} <s{i}@example.net>\nSubject: m{i}\n\n{body}\n\n",
                at.strftime("%a, %d %b %Y %H:%M:%S +0000")
            ));
        }
        let got = items(Format::Email, mbox.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), messages.len());
        for (i, (item, (s, body, m))) in got.iter().zip(&messages).enumerate() {
            prop_assert_eq!(&item.sender.name, s);
            prop_assert_eq!(&item.sender.handle, &Some(Handle::Email(format!("s{i}@example.net"))));
            let want = format!("Subject: m{i}\n\n{body}");
            prop_assert_eq!(item.text.trim_end(), want.trim_end());
            prop_assert_eq!(item.time, Some(Stamp::Exact(Timestamp::from_second(1_672_531_200i64 + m * 60).unwrap())));
        }
    }
}

#[test]
fn every_format_is_named_once_and_read_back_from_its_code() {
    assert_eq!(Format::choices(), "auto, whatsapp, sms-xml, telegram, instagram, facebook, x, discord, email or image");
    for format in Format::ALL {
        assert_eq!(Format::from_code(format.code()), Some(*format));
        assert_eq!(Format::from_code(&format.code().to_uppercase()), Some(*format));
    }
    assert_eq!(Format::from_code("auto"), None);
}
