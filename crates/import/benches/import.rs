//! Import parsing speed and memory: a 1,000,000-message SMS Backup & Restore file and a
//! 1,000,000-line WhatsApp export, each also at 100,000 so memory can be seen to stay flat,
//! read through `export::read` from a file on disk. Beside them, in the same run, the
//! references: Python's C-accelerated streaming XML parser (`xml.etree.ElementTree.iterparse`)
//! over the same SMS file, and `wc -l` over the same chat (reading every byte, the least any
//! reader can do). Emoji are written as characters, not as the surrogate-pair references real
//! backups often hold: Python's parser refuses those (Lodge's reads them; the tests show it).
//!
//! Run: `cargo bench -p lodge-import --bench import` (results go in docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lodge_import::export::{Format, read};
use lodge_import::identifiers::Country;

use lodge_testkit::exports::{write_chat, write_sms};

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn ours(format: Format, path: &Path) -> (u64, f64) {
    let t = Instant::now();
    let mut items = 0u64;
    let outcome = read(format, std::fs::File::open(path).unwrap(), Country::GB, &mut |_| items += 1).unwrap();
    assert_eq!(outcome.items, items);
    (items, t.elapsed().as_secs_f64())
}

fn reference(program: &str, args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = Command::new(program).args(args).output().expect("reference program");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    t.elapsed().as_secs_f64()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    println!(
        "{:<28} {:>10} {:>9} {:>12} {:>14} {:>14}",
        "input", "messages", "MB", "ours msg/s", "reference s", "peak RSS MiB"
    );
    for (format, n) in [
        (Format::SmsXml, 100_000u64),
        (Format::SmsXml, 1_000_000),
        (Format::WhatsApp, 100_000),
        (Format::WhatsApp, 1_000_000),
    ] {
        let path = dir.path().join(format!("{}-{n}", format.code()));
        if format == Format::SmsXml {
            write_sms(&path, n)
        } else {
            write_chat(&path, n)
        }
        let mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
        let (items, secs) = ours(format, &path);
        let p = path.to_str().unwrap();
        let reference_secs = if format == Format::SmsXml {
            reference(
                "python3",
                &[
                    "-c",
                    "import sys, xml.etree.ElementTree as E\nn=0\nfor _, e in E.iterparse(sys.argv[1]):\n  n+=1; e.clear()\n",
                    p,
                ],
            )
        } else {
            reference("wc", &["-l", p])
        };
        println!(
            "{:<28} {:>10} {:>9.1} {:>12.0} {:>14.2} {:>14}",
            format!("{} ({} s ours)", format.code(), format!("{secs:.2}")),
            items,
            mb,
            items as f64 / secs,
            reference_secs,
            peak_kib() / 1024
        );
    }
}
