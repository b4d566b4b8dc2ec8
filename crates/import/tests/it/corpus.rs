//! Real exports from public repositories (`tests/corpus/SOURCES.md` says where each is from),
//! read through the one door every import uses, against what was worked out by hand or by the
//! source project: how many messages, who sent them, the first and last time, and for
//! WhatsApp how many notices were left out and how many attachments were named.

use std::collections::BTreeSet;
use std::path::Path;

use lodge_import::export::{Format, Item, Outcome, Reading, Stamp, read_as};
use phonenumber::country::Id as Country;

struct Expected {
    file: &'static str,
    format: Format,
    messages: u64,
    senders: &'static [&'static str],
    first: &'static str,
    last: &'static str,
    /// WhatsApp's own notices, left out.
    notices: u64,
    /// Attachments named: files, and media left out of the export.
    files: usize,
    omitted: usize,
}

const ELON: &[&str] = &["Dmitry S", "Elon Musk"];
const IOS_FIRST: &str = "2022-03-27T21:41:35";
const IOS_LAST: &str = "2022-03-27T21:56:45";
const CHAT_MINER: &[&str] = &["Jahn Doe", "John Doe", "John Doe 🤓", "John-John Doe", "🤓"];

/// One conversation exported from iOS in a phone language: 25 lines, each a message; the first
/// is the encryption notice and the last two security-code notices; 14 lines carry media that
/// was left out of the export.
const fn ios(file: &'static str) -> Expected {
    Expected {
        file,
        format: Format::WhatsApp,
        messages: 22,
        senders: ELON,
        first: IOS_FIRST,
        last: IOS_LAST,
        notices: 3,
        files: 0,
        omitted: 14,
    }
}

/// chat-miner's chat in five header shapes: nine messages, of which "created group", "You were
/// added" and a line with no text after the name are not anyone's message (its target keeps 6).
const fn chat_miner(file: &'static str) -> Expected {
    Expected {
        file,
        format: Format::WhatsApp,
        messages: 6,
        senders: CHAT_MINER,
        first: "2019-01-01T11:25:00",
        last: "2021-12-30T22:01:00",
        notices: 3,
        files: 0,
        omitted: 0,
    }
}

/// chat-miner's Telegram chat: two messages, in epoch seconds.
const fn telegram(file: &'static str) -> Expected {
    Expected {
        file,
        format: Format::Telegram,
        messages: 2,
        senders: &["Author 1", "Author 2"],
        first: "2018-12-05T10:39:10Z",
        last: "2018-12-05T10:49:24Z",
        notices: 0,
        files: 0,
        omitted: 0,
    }
}

const CORPUS: &[Expected] = &[
    ios("whats_json/ios-english.txt"),
    ios("whats_json/ios-french.txt"),
    ios("whats_json/ios-german.txt"),
    ios("whats_json/ios-spanish.txt"),
    ios("whats_json/ios-italian.txt"),
    ios("whats_json/ios-portuguese.txt"),
    ios("whats_json/ios-russian.txt"),
    // Right-to-left marks, day first, an Arabic comma.
    ios("whats_json/ios-arabic.txt"),
    // 23 lines: no security-code notices.
    Expected { notices: 1, ..ios("whats_json/ios-thai.txt") },
    // Years of the Buddhist era ("2565 BE" is 2022), three more messages in January 2566.
    Expected { messages: 25, last: "2023-01-12T15:35:15", omitted: 16, ..ios("whats_json/ios-buddhist-calendar.txt") },
    // 16 notices with no name (group created, settings, timers, joins), then 4 messages.
    Expected {
        file: "whats_json/android-group-english.txt",
        format: Format::WhatsApp,
        messages: 4,
        senders: &["Dmitry S"],
        first: "2023-01-11T16:26:00",
        last: "2023-01-11T16:57:00",
        notices: 16,
        files: 0,
        omitted: 0,
    },
    // 62 lines, two of them a message's continuation; 27 "<Media omitted>", two named files.
    Expected {
        file: "whats_json/android-english.txt",
        format: Format::WhatsApp,
        messages: 59,
        senders: &["Dmitry S", "Elon"],
        first: "2022-03-18T14:56:00",
        last: "2023-01-07T23:32:00",
        notices: 1,
        files: 2,
        omitted: 27,
    },
    // Dutch, exported with media: 51 lines, 10 continuations; nine "(bestand bijgevoegd)",
    // twelve "<Media weggelaten>".
    Expected {
        file: "whats_json/android-dutch-media.txt",
        format: Format::WhatsApp,
        messages: 40,
        senders: &["Dmitry S", "Elon"],
        first: "2022-03-18T14:56:00",
        last: "2023-01-07T23:32:00",
        notices: 1,
        files: 9,
        omitted: 12,
    },
    chat_miner("chat-miner/whatsapp-mmddyy-24hrs-brackets.txt"),
    chat_miner("chat-miner/whatsapp-ddmmyy-24hrs.txt"),
    chat_miner("chat-miner/whatsapp-mmddyy-24hrs.txt"),
    chat_miner("chat-miner/whatsapp-mmddyyyy-12hrs.txt"),
    chat_miner("chat-miner/whatsapp-yyyymmdd-24hrs.txt"),
    // One chat alone, and the same chat inside a full export: chat-miner's target for both.
    telegram("chat-miner/telegram-single.json"),
    telegram("chat-miner/telegram-batch.json"),
    // One message received from a number, three she sent (each to another number).
    Expected {
        file: "memacs/sms.xml",
        format: Format::SmsXml,
        messages: 4,
        senders: &["+436812314123", "Me"],
        first: "2011-08-04T10:05:53Z",
        last: "2011-08-05T18:32:01.554Z",
        notices: 0,
        files: 0,
        omitted: 0,
    },
    Expected {
        file: "chat-miner/instagram.json",
        format: Format::Instagram,
        messages: 2,
        senders: &["Jane Doe", "John Doe"],
        first: "2019-12-24T11:23:00Z",
        last: "2020-01-17T20:49:00Z",
        notices: 0,
        files: 0,
        omitted: 0,
    },
];

fn when(item: &Item) -> String {
    match item.time {
        Some(Stamp::Local(t)) => t.to_string(),
        Some(Stamp::Exact(t)) => t.to_string(),
        None => String::new(),
    }
}

fn read(expected: &Expected) -> (Outcome, Vec<Item>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(expected.file);
    let file = std::fs::File::open(&path).unwrap();
    let mut items = Vec::new();
    let how = Reading { region: Country::GB, date_order: None };
    let outcome = read_as(expected.format, file, how, &mut |i| items.push(i))
        .unwrap_or_else(|e| panic!("{}: {e}", expected.file));
    (outcome, items)
}

#[test]
fn the_corpus_has_twenty_files_or_more_each_with_its_source_and_licence() {
    let sources =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/SOURCES.md")).unwrap();
    assert!(CORPUS.len() >= 20);
    for e in CORPUS {
        let name = e.file.rsplit('/').next().unwrap();
        assert!(sources.contains(&format!("`{name}`")), "{name} is not in SOURCES.md");
        let folder = e.file.split('/').next().unwrap();
        let licence = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(folder).join("LICENSE");
        assert!(licence.exists(), "{folder} has no LICENSE beside it");
    }
}

#[test]
fn every_real_export_reads_as_worked_out_by_hand() {
    let mut wrong = Vec::new();
    for e in CORPUS {
        let (outcome, items) = read(e);
        let senders: BTreeSet<&str> = items.iter().map(|i| i.sender.name.as_str()).collect();
        let times: Vec<String> = items.iter().map(when).collect();
        let first = times.iter().min().cloned().unwrap_or_default();
        let last = times.iter().max().cloned().unwrap_or_default();
        let attached: Vec<&str> = items.iter().flat_map(|i| &i.attachments).map(|a| a.name.as_str()).collect();
        let omitted = attached.iter().filter(|name| **name == "media omitted from the export").count();
        let got = (
            outcome.items,
            senders.into_iter().collect::<Vec<_>>(),
            first,
            last,
            outcome.left_out,
            attached.len() - omitted,
            omitted,
        );
        let want =
            (e.messages, e.senders.to_vec(), e.first.to_owned(), e.last.to_owned(), e.notices, e.files, e.omitted);
        if got != want {
            wrong.push(format!("{}:\n  got  {got:?}\n  want {want:?}", e.file));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
