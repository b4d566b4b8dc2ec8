//! Fuzzes exports that come as zips (WhatsApp with media, Telegram, Instagram, X, Discord, email)
//! and format detection: a hostile archive is refused or read within its limits, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lodge_import::export::{Format, detect, read};
use lodge_import::identifiers::Country;

fuzz_target!(|data: &[u8]| {
    let _ = detect("export.zip", &mut std::io::Cursor::new(data));
    for format in [Format::WhatsApp, Format::Telegram, Format::Instagram, Format::X, Format::Discord, Format::Email] {
        let _ = read(format, std::io::Cursor::new(data), Country::GB, &mut |_| {});
    }
});
