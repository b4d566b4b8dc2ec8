//! The HTTP helpers the pages and the API share: reading multipart forms, and sending files.

pub(crate) mod download;
pub(crate) mod multipart;

use axum::response::{IntoResponse, Response};

/// A thumbnail Lodge made (a small JPEG without metadata), as a response.
pub(crate) fn jpeg(bytes: Vec<u8>) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "image/jpeg")], bytes).into_response()
}
