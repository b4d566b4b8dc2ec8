//! Files going out: always as downloads (never rendered by the browser: a stalker may have
//! made them), under names Lodge chose, never cached, decrypted as they stream.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lodge_domain::Evidence;
use lodge_service::{OpenCase, PlainStream, PreparedFile, ReportFile, ReportOptions, Seal, ServiceError};
use uuid::Uuid;

/// The download, streamed: exhibits are decrypted as they go out.
pub(crate) async fn report(
    open: OpenCase,
    options: &ReportOptions,
    format: ReportFile,
    seal: Option<Seal>,
) -> Result<Response, ServiceError> {
    let reference: String = open.id.to_string().chars().take(8).collect();
    let (body, content_type, name) = match format {
        ReportFile::Pdf => {
            (Body::from(open.report_pdf(options).await?), "application/pdf", format!("lodge-report-{reference}.pdf"))
        }
        ReportFile::Bundle => {
            let (kind, extension) =
                if seal.is_some() { ("application/octet-stream", "zip.age") } else { ("application/zip", "zip") };
            (
                Body::from_stream(open.bundle(options, seal).await?),
                kind,
                format!("lodge-bundle-{reference}.{extension}"),
            )
        }
    };
    Ok(attachment(body, content_type, &name))
}

/// A file to download, under an ASCII name Lodge chose.
pub(crate) fn attachment(body: Body, content_type: &'static str, name: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A file made from the case, under the name and type a download of it gets.
pub(crate) fn prepared_file(case: Uuid, made: &PreparedFile, stream: PlainStream) -> Response {
    let reference: String = case.to_string().chars().take(8).collect();
    let (content_type, name) = match (made.payload.file, made.payload.locked) {
        (ReportFile::Pdf, _) => ("application/pdf", format!("lodge-report-{reference}.pdf")),
        (ReportFile::Bundle, false) => ("application/zip", format!("lodge-bundle-{reference}.zip")),
        (ReportFile::Bundle, true) => ("application/octet-stream", format!("lodge-bundle-{reference}.zip.age")),
    };
    attachment(Body::from_stream(stream), content_type, &name)
}

/// Streams a decrypted evidence file as a download.
pub(crate) fn evidence(body: &Evidence, stream: PlainStream) -> Response {
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.size));
    let ascii: String =
        body.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = body
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// A download name safe in a header: ASCII letters, digits, dots, dashes and underscores.
pub(crate) fn ascii_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if cleaned.trim_matches('_').is_empty() { "file".into() } else { cleaned }
}
