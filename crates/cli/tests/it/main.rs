//! End-to-end tests of the `lodge` binary: each starts real servers (SQLite always,
//! PostgreSQL when `LODGE_TEST_POSTGRES_URL` is set) and talks to them over HTTP.

// Test helpers fail loudly on purpose: a test that cannot set up must stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod api_client;
mod api_operations;
mod authorization;
mod backup;
mod canary;
mod content;
mod crash;
mod date_order;
mod durability;
mod fingerprint;
mod forgery;
mod golden;
mod harness;
mod imports;
mod integrity;
mod ledger;
mod limits;
mod load;
mod memory;
mod nodes;
mod notices;
mod observability;
mod officer;
mod oracle;
mod pages;
mod parity;
mod police_links;
mod reports;
mod safety;
mod sharing;
mod shredding;
mod takedown;
mod watch;
mod your_voice;
