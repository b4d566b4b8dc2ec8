//! Fuzzes the WhatsApp chat reader: any bytes give messages or an error naming where, never a
//! panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lodge_import::export::{Format, read};
use lodge_import::identifiers::Country;

fuzz_target!(|data: &[u8]| {
    let _ = read(Format::WhatsApp, std::io::Cursor::new(data), Country::GB, &mut |_| {});
});
