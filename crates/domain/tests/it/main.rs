//! The domain's behaviour as callers see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod course;
