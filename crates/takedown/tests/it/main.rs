//! Takedown: routing, notices complete or refused, the follow-up schedule, and sending to a
//! real SMTP server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod notice;
mod route;
mod send;
mod tracking;
