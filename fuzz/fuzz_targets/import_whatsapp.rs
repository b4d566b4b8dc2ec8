//! Fuzzes the WhatsApp chat reader: any bytes give messages or an error naming where, never a
//! panic, a hang or unbounded memory — read with the date order worked out, and with each
//! order she could choose (the first byte picks which).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lodge_import::export::{Format, Reading, read_as};
use lodge_import::identifiers::Country;
use lodge_import::whatsapp::DateOrder;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, chat)) = data.split_first() else { return };
    let date_order = match pick % 3 {
        0 => None,
        1 => Some(DateOrder::DayFirst),
        _ => Some(DateOrder::MonthFirst),
    };
    let how = Reading { region: Country::US, date_order };
    let _ = read_as(Format::WhatsApp, std::io::Cursor::new(chat), how, &mut |_| {});
});
