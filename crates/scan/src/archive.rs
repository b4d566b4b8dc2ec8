//! A web archive (WARC 1.1, written with the `warc` crate) of a page as Lodge fetched it for the
//! browser: a `warcinfo` record saying what made it, then a `resource` record for the page and
//! for each file it loaded — the bytes exactly as fetched, with their address, content type,
//! time and SHA-256. Lodge keeps the content type of a response, not its other headers, so the
//! records are resources rather than reconstructed HTTP responses.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use warc::{RawRecordHeader, WarcHeader, WarcWriter};

use crate::fetch::Fetched;

/// Largest archive kept of one page; files that would take it over are left out (and the
/// `warcinfo` record says how many).
pub const MAX_ARCHIVE: usize = 64 * 1024 * 1024;

fn record(kind: &str, date: &str, extra: Vec<(WarcHeader, Vec<u8>)>, body: &[u8]) -> RawRecordHeader {
    let mut headers: HashMap<WarcHeader, Vec<u8>> = HashMap::new();
    headers.insert(WarcHeader::WarcType, kind.as_bytes().to_vec());
    headers.insert(WarcHeader::RecordID, format!("<urn:uuid:{}>", uuid::Uuid::new_v4()).into_bytes());
    headers.insert(WarcHeader::Date, date.as_bytes().to_vec());
    headers.insert(WarcHeader::ContentLength, body.len().to_string().into_bytes());
    let digest = format!("sha256:{}", data_encoding::BASE32.encode(&Sha256::digest(body)));
    headers.insert(WarcHeader::BlockDigest, digest.into_bytes());
    headers.extend(extra);
    RawRecordHeader { version: "1.1".into(), headers }
}

/// The archive of `page` and the files it loaded, in the order they were fetched.
pub fn warc(page: &Fetched, loaded: &[Fetched]) -> std::io::Result<Vec<u8>> {
    let mut files: Vec<&Fetched> = vec![page];
    let mut size = page.bytes.len();
    let mut left_out = 0;
    for f in loaded {
        if size + f.bytes.len() > MAX_ARCHIVE {
            left_out += 1;
            continue;
        }
        size += f.bytes.len();
        files.push(f);
    }
    let mut bytes = Vec::with_capacity(size + 4096);
    {
        let mut out = WarcWriter::new(&mut bytes);
        let info = format!(
            "software: Lodge {}\r\nformat: WARC File Format 1.1\r\ndescription: a page and the files it loaded, as fetched by Lodge for its browser\r\nfiles-left-out: {left_out}\r\n",
            env!("CARGO_PKG_VERSION")
        );
        let date = page.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let extra = vec![(WarcHeader::ContentType, b"application/warc-fields".to_vec())];
        out.write_raw(record("warcinfo", &date, extra, info.as_bytes()), &info)?;
        for f in files {
            let date = f.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let content_type = match &f.charset {
                Some(charset) => format!("{}; charset={charset}", f.content_type),
                None => f.content_type.clone(),
            };
            let extra = vec![
                (WarcHeader::TargetURI, f.url.as_str().as_bytes().to_vec()),
                (WarcHeader::ContentType, content_type.into_bytes()),
            ];
            out.write_raw(record("resource", &date, extra, &f.bytes), &f.bytes)?;
        }
    }
    Ok(bytes)
}
