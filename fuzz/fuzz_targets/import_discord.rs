//! Fuzzes the Discord package's readers on their own (inside a zip the fuzzer rarely reaches
//! them): a channel's messages as JSON or as CSV (the first byte picks which) and the channel
//! index give records or an error naming where, never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lodge_import::discord;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let _ = discord::messages(file, pick % 2 == 1);
    let _ = discord::index(file);
});
