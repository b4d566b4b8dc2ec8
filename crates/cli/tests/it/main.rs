//! End-to-end tests of the `lodge` binary: each starts real servers (SQLite always,
//! PostgreSQL when `LODGE_TEST_POSTGRES_URL` is set) and talks to them over HTTP.

mod accounts;
mod authorization;
mod canary;
mod durability;
mod harness;
mod pages;
