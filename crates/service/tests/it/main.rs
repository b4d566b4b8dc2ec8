//! The service's stories, told in-process: each test starts Lodge on a temporary SQLite
//! database and file store with a clock it moves, and speaks to the service directly — no
//! binary, no HTTP. What needs HTTP (pages, the API, headers) is tested in `lodge-cli`.

// Test helpers fail loudly on purpose: a test that cannot set up must stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod cases;
mod imports;
mod jobs;
mod kit;
mod report;
mod sharing;
