//! PDQ against the reference vectors in `../shared/vectors/pdq`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod index;
mod vectors;
mod video;
