//! Made-up exports for benchmarks and memory tests: an SMS Backup & Restore file (one MMS in a
//! hundred) and a WhatsApp chat (one continuation line in ten), as large as asked.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes an SMS backup of `n` messages.
pub fn write_sms(path: &Path, n: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"{n}\">").unwrap();
    for i in 0..n {
        let date = 1_700_000_000_000u64 + i * 60_000;
        if i % 100 == 99 {
            writeln!(out, "<mms date=\"{date}\" msg_box=\"1\" address=\"+447911123456\" contact_name=\"Dark Wolf\"><parts><part ct=\"image/png\" name=\"p.png\" data=\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\" /><part ct=\"text/plain\" text=\"look what I have {i}\" /></parts><addrs><addr address=\"+447911123456\" type=\"137\" /></addrs></mms>").unwrap();
        } else {
            writeln!(out, "<sms protocol=\"0\" address=\"+447911123456\" date=\"{date}\" type=\"{}\" body=\"message {i}: you can&apos;t hide \u{1f60e} I know where you live\" read=\"1\" contact_name=\"Dark Wolf\" />", 1 + i % 2).unwrap();
        }
    }
    writeln!(out, "</smses>").unwrap();
}

/// Writes a WhatsApp chat of `n` lines.
pub fn write_chat(path: &Path, n: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let start: jiff::civil::DateTime = "2023-01-13T00:00".parse().unwrap();
    for i in 0..n {
        let t = start.checked_add(jiff::SignedDuration::from_secs(i as i64 * 30)).unwrap();
        let sender = if i % 3 == 0 { "Ruby" } else { "darkwolf" };
        if i % 10 == 9 {
            writeln!(out, "and another line of message {}", i - 1).unwrap();
        } else {
            writeln!(
                out,
                "[{}] {sender}: message {i} \u{1f621} you can't hide from me",
                t.strftime("%d/%m/%Y, %H:%M:%S")
            )
            .unwrap();
        }
    }
}
