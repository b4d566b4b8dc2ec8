//! WhatsApp chat exports from iOS and Android in several locales.

use std::io::Cursor;

use lodge_import::ImportError;
use lodge_import::export::{Format, Reading, Stamp, read_as};
use lodge_import::whatsapp::{Attachment, DateOrder, Message, detect, parse};
use proptest::prelude::*;

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

/// The date and time headers of the languages her users write, as their phones write them
/// (Unicode spaces included), all meaning 13 March 2024 at 21:15.
#[test]
fn headers_in_every_locale_of_her_users() {
    let lines = [
        ("English, US", "3/13/24, 9:15 PM - A: x"),
        ("English, US, narrow space", "3/13/24, 9:15\u{202f}PM - A: x"),
        ("English, UK", "13/03/2024, 21:15 - A: x"),
        ("English, iOS", "[13/03/2024, 21:15:00] A: x"),
        ("French, Android", "13/03/2024 à 21:15 - A: x"),
        ("French, iOS", "[13/03/2024 21:15:00] A: x"),
        ("German", "13.03.24, 21:15 - A: x"),
        ("Spanish, 12-hour", "13/3/24, 9:15 p. m. - A: x"),
        ("Spanish, 12-hour, no-break spaces", "13/3/24, 9:15\u{a0}p.\u{a0}m. - A: x"),
        ("Portuguese", "13/03/2024 21:15 - A: x"),
        ("Italian", "13/03/24, 21:15 - A: x"),
        ("Romanian", "13.03.2024, 21:15 - A: x"),
        ("Polish", "13.03.2024, 21:15 - A: x"),
        ("Dutch", "13-03-2024 21:15 - A: x"),
        ("Hungarian", "2024. 03. 13. 21:15 - A: x"),
        ("Hungarian, iOS", "[2024. 03. 13. 21:15:00] A: x"),
        ("Thai, Buddhist era", "13/3/2567 21:15 - A: x"),
        ("Thai, iOS, BE", "[13/3/2567 BE, 21:15:00] A: x"),
        ("Chinese", "2024/3/13 下午9:15 - A: x"),
        ("Chinese, iOS", "[2024/3/13 下午9:15:00] A: x"),
        ("Chinese, 24-hour", "2024/3/13 21:15 - A: x"),
        ("Japanese", "2024/03/13 21:15 - A: x"),
        ("Korean", "2024. 3. 13. 오후 9:15 - A: x"),
        ("Finnish, iOS", "[13.3.2024 klo 21.15.00] A: x"),
        ("Arabic, iOS", "[\u{200f}13\u{200f}/3\u{200f}/2024، 21:15:00] A: x"),
    ];
    for (locale, line) in lines {
        assert!(detect(line.as_bytes()), "{locale}: {line}");
        let (_, messages) = read(&format!("{line}\n"));
        assert_eq!(messages[0].time.to_string(), "2024-03-13T21:15:00", "{locale}: {line}");
        assert_eq!((messages[0].sender.as_deref(), messages[0].text.as_str()), (Some("A"), "x"), "{locale}");
    }
    let (_, morning) = read("2024/3/13 上午12:05 - A: x\n");
    assert_eq!(morning[0].time.to_string(), "2024-03-13T00:05:00", "上午 12 is just after midnight");
}

/// An iOS group export: WhatsApp writes its notices as if from the group's name, with a mark
/// before the text (two when the notice names someone), or with no name at all. None of them is
/// anyone's message, and the group's name is not a sender; a member's media and deleted message
/// stay theirs.
#[test]
fn ios_group_notices_are_nobodys_messages() {
    let chat = "[13/03/2024, 21:00:00] Night shift: \u{200e}Messages and calls are end-to-end encrypted.\n\
                [13/03/2024, 21:00:00] Night shift: \u{200e}You created group “Night shift”\n\
                [13/03/2024, 21:00:05] Night shift: \u{200e}You added Ana and darkwolf\n\
                [13/03/2024, 21:01:00] Ana: hi all\n\
                [13/03/2024, 21:02:00] darkwolf: I know where you work\n\
                \u{200e}[13/03/2024, 21:02:30] darkwolf: \u{200e}image omitted\n\
                [13/03/2024, 21:03:00] Night shift: \u{200e}darkwolf left\n\
                [13/03/2024, 21:03:10] \u{200e}Ana changed the group name to “Shift: nights”\n\
                [13/03/2024, 21:04:00] Night shift: \u{200e}\u{200e}Your security code with Ana changed.\n\
                [13/03/2024, 21:05:00] darkwolf: \u{200e}This message was deleted.\n";
    let (summary, messages) = read(chat);
    assert_eq!(summary.messages, 10);
    let kept: Vec<(&str, &str)> =
        messages.iter().filter_map(|m| Some((m.sender.as_deref()?, m.text.as_str()))).collect();
    assert_eq!(
        kept,
        [
            ("Ana", "hi all"),
            ("darkwolf", "I know where you work"),
            ("darkwolf", "image omitted"),
            ("darkwolf", "This message was deleted."),
        ]
    );
    assert_eq!(messages[5].attachments, [Attachment::Omitted], "a line marked as media");
    assert!(messages.iter().filter(|m| m.sender.is_none()).all(|m| m.attachments.is_empty()));
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z ]{0,10}[a-z]"
}

/// What happens in a generated iOS group chat.
#[derive(Debug, Clone)]
enum Event {
    /// A person writes (any text, colons and all).
    Writes(usize, String),
    /// A person sends media.
    Sends(usize),
    /// A person's message is deleted.
    Deletes(usize),
    /// WhatsApp writes a notice as if from the group.
    Notice(String),
    /// WhatsApp writes a notice naming someone.
    NamingNotice(String),
    /// WhatsApp writes a notice with no name.
    Nameless(String),
}

fn event() -> impl Strategy<Value = Event> {
    let text = "[^\u{0}-\u{1f}\u{200e}\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}\u{85}\u{2028}\u{2029}]{1,40}";
    prop_oneof![
        (0..3usize, text).prop_map(|(who, t)| Event::Writes(who, t)),
        (0..3usize).prop_map(Event::Sends),
        (0..3usize).prop_map(Event::Deletes),
        text.prop_map(Event::Notice),
        text.prop_map(Event::NamingNotice),
        text.prop_map(Event::Nameless),
    ]
}

proptest! {
    /// Whatever the names and words, WhatsApp's notices never become messages, the group's name
    /// is never a sender, and every person's message is kept as theirs.
    #[test]
    fn notices_never_become_messages(
        title in name(),
        people in proptest::collection::btree_set(name(), 3),
        events in proptest::collection::vec(event(), 1..40),
    ) {
        let people: Vec<String> = people.into_iter().filter(|p| *p != title).collect();
        prop_assume!(people.len() >= 2);
        let mut chat = format!("[13/03/2024, 21:00:00] {title}: \u{200e}Messages are encrypted.\n");
        let mut expected = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let at = format!("[13/03/2024, 21:{:02}:{:02}]", i / 60, i % 60);
            let mut person = |who: usize| {
                let who = &people[who % people.len()];
                expected.push(who.clone());
                who.clone()
            };
            let line = match e {
                Event::Writes(who, text) => format!("{at} {}: {}", person(*who), text.trim()),
                Event::Sends(who) => format!("\u{200e}{at} {}: \u{200e}image omitted", person(*who)),
                Event::Deletes(who) => format!("{at} {}: \u{200e}This message was deleted.", person(*who)),
                Event::Notice(text) => format!("{at} {title}: \u{200e}{text}"),
                Event::NamingNotice(text) => format!("{at} {title}: \u{200e}\u{200e}{text}"),
                Event::Nameless(text) => format!("{at} \u{200e}{text}"),
            };
            chat.push_str(&line);
            chat.push('\n');
        }
        // Someone must write plainly for them to be known as people: give each a line.
        for who in &people {
            chat.push_str(&format!("[13/03/2024, 22:00:00] {who}: hello\n"));
            expected.push(who.clone());
        }
        let (_, messages) = read(&chat);
        let senders: Vec<String> = messages.iter().filter_map(|m| m.sender.clone()).collect();
        prop_assert_eq!(senders, expected);
    }
}
