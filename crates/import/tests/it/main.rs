//! The importers on exports as phones write them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chats;
mod corpus;
mod cut_short;
mod export;
mod identifiers;
mod meta;
mod sms_xml;
mod whatsapp;
mod zipped;
