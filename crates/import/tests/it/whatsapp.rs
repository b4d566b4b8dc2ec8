//! WhatsApp chat exports from iOS and Android in several locales.

use std::io::Cursor;

use lodge_import::ImportError;
use lodge_import::export::{Format, Reading, Stamp, read_as};
use lodge_import::whatsapp::{Attachment, DateOrder, Message, detect, parse};

fn read(text: &str) -> (lodge_import::whatsapp::Summary, Vec<Message>) {
    let mut messages = Vec::new();
    let summary = parse(Cursor::new(text.as_bytes()), |m| messages.push(m)).unwrap();
    (summary, messages)
}

#[test]
fn ios_export_with_marks_continuations_and_attachments() {
    let chat = "\u{feff}[03/05/2024, 21:15:02] Messages and calls are end-to-end encrypted.\n\
                [03/05/2024, 21:15:40] darkwolf: you can't hide\n\
                from me\n\
                \u{200e}[13/05/2024, 09:01:00] darkwolf: \u{200e}<attached: 00000012-PHOTO-2024-05-13-09-01-00.jpg>\n\
                [13/05/2024, 09:02:10] Ruby: Stop contacting me.\r\n";
    assert!(detect(chat.as_bytes()));
    let (summary, messages) = read(chat);
    assert_eq!(summary.order, DateOrder::DayFirst, "13/05 settles it");
    assert!(!summary.order_assumed);
    assert_eq!(summary.messages, 4);
    let senders: Vec<_> = messages.iter().filter_map(|m| m.sender.as_deref()).collect();
    assert_eq!(senders, ["darkwolf", "darkwolf", "Ruby"]);
    assert_eq!(messages[0].sender, None, "WhatsApp's own notice");
    assert_eq!(messages[1].text, "you can't hide\nfrom me");
    assert_eq!(messages[1].time.to_string(), "2024-05-03T21:15:40");
    assert_eq!(messages[1].written_time, "03/05/2024, 21:15:40");
    assert_eq!((messages[1].line, messages[2].line), (2, 4));
    let offset = chat.find("\u{200e}[13/05").unwrap() as u64;
    assert_eq!(messages[2].offset, offset, "where in the file the message starts");
    assert_eq!(messages[2].attachments, [Attachment::File("00000012-PHOTO-2024-05-13-09-01-00.jpg".into())]);
    assert_eq!(messages[3].text, "Stop contacting me.");
}

#[test]
fn android_us_export_with_12_hour_clock_and_narrow_spaces() {
    let chat = "3/14/24, 9:05\u{202f}PM - darkwolf: saw you at the studio\n\
                3/14/24, 12:00\u{202f}AM - darkwolf: <Media omitted>\n\
                3/15/24, 12:30 p.m. - darkwolf: IMG-20240315-WA0001.jpg (file attached)\n";
    let (summary, messages) = read(chat);
    assert_eq!(summary.order, DateOrder::MonthFirst, "14 in second place settles it");
    assert_eq!(messages[0].time.to_string(), "2024-03-14T21:05:00");
    assert_eq!(messages[1].time.to_string(), "2024-03-14T00:00:00", "12 AM is midnight");
    assert_eq!(messages[1].attachments, [Attachment::Omitted]);
    assert_eq!(messages[2].time.to_string(), "2024-03-15T12:30:00", "12 p.m. is noon");
    assert_eq!(messages[2].attachments, [Attachment::File("IMG-20240315-WA0001.jpg".into())]);
}

/// French Android exports put "à" between the date and the time.
#[test]
fn french_android_header_with_a() {
    let chat = "06/03/2017 à 00:45 - Les messages et les appels sont chiffrés de bout en bout.\n\
                06/03/2017 à 00:46 - Loup: tu ne peux pas te cacher\n\
                13/03/2017 à 21:15 - Rubis: Arrête.\n";
    assert!(detect(chat.as_bytes()));
    let (summary, messages) = read(chat);
    assert_eq!(summary.messages, 3);
    assert_eq!(messages[1].sender.as_deref(), Some("Loup"));
    assert_eq!(messages[1].time.to_string(), "2017-03-06T00:46:00");
    assert_eq!(messages[2].time.to_string(), "2017-03-13T21:15:00");
}

#[test]
fn german_dots_and_an_order_no_date_settles() {
    let chat = "05.03.24, 21:15 - Max: hallo\n06.03.24, 07:00 - Max: noch da?\n";
    let (summary, messages) = read(chat);
    assert!(summary.order_assumed, "no day above 12: day first is assumed, and she is asked");
    assert_eq!(messages[1].time.to_string(), "2024-03-06T07:00:00");
}

#[test]
fn what_is_not_a_chat_is_refused_naming_the_line() {
    let err = parse(Cursor::new(b"Dear Ruby,\nthis is a letter.\n".to_vec()), |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { line: 1, .. }), "{err}");
    assert!(!detect(b"Dear Ruby,"));
    let err = parse(Cursor::new(b"[31/02/2024, 10:00:00] A: impossible day\n".to_vec()), |_| {}).unwrap_err();
    assert!(err.to_string().starts_with("line 1: the date"), "{err}");
    let mixed = "13/01/2024, 10:00 - A: x\n01/13/2024, 10:00 - A: y\n";
    assert!(parse(Cursor::new(mixed.as_bytes().to_vec()), |_| {}).is_err());
    let long = format!("01/02/2024, 10:00 - A: {}\n", "x".repeat(2 * 1024 * 1024));
    let err = parse(Cursor::new(long.into_bytes()), |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { line: 1, .. }), "{err}");
    assert!(parse(Cursor::new(Vec::new()), |_| {}).is_err(), "an empty file");
}

/// A chat with good messages and then a line far too long: every message before the damage is
/// handed on, whole, before the error that names the line, so that she can keep them.
#[test]
fn what_comes_before_a_broken_line_is_handed_on() {
    let chat = format!(
        "01/02/2024, 10:00 - A: first\n01/02/2024, 10:01 - A: second\nstill the second\n01/02/2024, 10:02 - A: {}\n01/02/2024, 10:03 - A: after\n",
        "x".repeat(2 * 1024 * 1024)
    );
    let mut kept = Vec::new();
    let err = parse(Cursor::new(chat.into_bytes()), |m| kept.push(m)).unwrap_err();
    assert!(matches!(err, ImportError::Malformed { line: 4, .. }), "{err}");
    let texts: Vec<&str> = kept.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["first", "second\nstill the second"]);
}

/// Found by the fuzzer: a time in non-ASCII digits once split a character in two and panicked.
#[test]
fn a_time_in_other_digits_is_an_error_not_a_panic() {
    for chat in ["[01/02/2024, 11.\u{663}1 pm] A: x\n", "01/02/2024, 11.\u{663}1 pm - A: x\n"] {
        let err = parse(Cursor::new(chat.as_bytes().to_vec()), |_| {}).unwrap_err();
        assert!(matches!(err, ImportError::Malformed { line: 1, .. }), "{err}");
    }
    let (_, messages) = read("01/02/2024, 9.15 p.m. - A: x\n");
    assert_eq!(messages[0].time.to_string(), "2024-02-01T21:15:00");
}

#[test]
fn a_us_chat_with_no_day_above_12_reads_as_she_chooses() {
    // An American phone: month first, and no day in this short chat is above 12.
    let chat = "3/5/24, 9:15 PM - Dark Wolf: I saw you at the store\n\
                3/5/24, 9:16 PM - Dark Wolf: nice car\n\
                4/1/24, 7:02 AM - Ruby: Stop messaging me\n";
    let read_with = |order: Option<DateOrder>| {
        let mut got = Vec::new();
        let how = Reading { region: phonenumber::country::Id::US, date_order: order };
        let outcome = read_as(Format::WhatsApp, Cursor::new(chat.as_bytes()), how, &mut |i| got.push(i)).unwrap();
        (outcome, got)
    };
    let (outcome, guessed) = read_with(None);
    let undecided = outcome.undecided.expect("the first date reads two ways: she is asked");
    assert_eq!(undecided.written, "3/5/24, 9:15 PM");
    assert_eq!(undecided.day_first.to_string(), "2024-05-03T21:15:00");
    assert_eq!(undecided.month_first.to_string(), "2024-03-05T21:15:00");
    assert_eq!(guessed[0].time, Some(Stamp::Local(undecided.day_first)));
    assert!(outcome.notes.iter().any(|n| n.contains("choose month first")), "{:?}", outcome.notes);

    let (outcome, chosen) = read_with(Some(DateOrder::MonthFirst));
    assert!(outcome.undecided.is_none() && outcome.notes.is_empty());
    let times: Vec<String> = chosen.iter().map(|i| format!("{:?}", i.time)).collect();
    assert_eq!(
        times,
        ["Some(Local(2024-03-05T21:15:00))", "Some(Local(2024-03-05T21:16:00))", "Some(Local(2024-04-01T07:02:00))"]
    );

    // Dates that read the same either way (5 May) ask nothing.
    let same = "5/5/24, 9:15 PM - Dark Wolf: hi\n";
    let mut got = Vec::new();
    let outcome = lodge_import::export::read(
        Format::WhatsApp,
        Cursor::new(same.as_bytes()),
        phonenumber::country::Id::US,
        &mut |i| got.push(i),
    )
    .unwrap();
    assert!(outcome.undecided.is_none() && outcome.notes.is_empty());
}
