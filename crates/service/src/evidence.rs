//! Evidence files: streamed in (hashed with SHA-256 and encrypted on the way, never held
//! whole in memory, never written in plaintext), thumbnails for images with all metadata
//! stripped, and streamed back out decrypted.

use std::io::Cursor;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use lodge_blobs::PlainStream;
use lodge_domain::{Evidence, EvidenceId, Incident, IncidentId, RecordKind};
use sha2::{Digest, Sha256};

use lodge_crypto::Keyring;

use crate::case::{OpenCase, Version};
use crate::{Lodge, ServiceError};

/// Images larger than this get no thumbnail (the file itself is still kept).
pub(crate) const THUMBNAIL_SOURCE_MAX: usize = 64 * 1024 * 1024;
/// Longest side of a thumbnail, in pixels.
const THUMBNAIL_SIZE: u32 = 480;

/// A file received into the blob store.
#[derive(Debug)]
pub(crate) struct Received {
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// The bytes, when asked for and small enough.
    pub bytes: Option<Vec<u8>>,
}

/// What arrives with an evidence file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name as sent.
    pub file_name: String,
    /// The media type as sent.
    pub content_type: String,
    /// The incident to attach it to.
    pub incident: Option<IncidentId>,
}

fn looks_like_image(upload: &Upload) -> bool {
    let name = upload.file_name.to_ascii_lowercase();
    upload.content_type.starts_with("image/")
        || [".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"].iter().any(|ext| name.ends_with(ext))
}

/// Decodes an image within pixel and memory limits and makes a small JPEG of it. The JPEG
/// carries no metadata (no EXIF, no GPS). Runs on the blocking pool.
pub(crate) fn make_thumbnail(data: &[u8]) -> Option<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(data)).with_guessed_format().ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let rgb = image.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE).to_rgb8();
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    rgb.write_with_encoder(encoder).ok()?;
    Some(out)
}

impl OpenCase {
    pub(crate) fn evidence_blob(&self, id: EvidenceId) -> String {
        format!("cases/{}/evidence/{}", self.id, id)
    }

    pub(crate) fn thumbnail_blob(&self, id: EvidenceId) -> String {
        format!("cases/{}/thumbnails/{}", self.id, id)
    }

    async fn check_incident(&self, incident: Option<IncidentId>) -> Result<(), ServiceError> {
        if let Some(id) = incident {
            let entry: Version<Incident> = self.current(RecordKind::Incident, id.0).await?;
            if entry.deleted {
                return Err(ServiceError::NotFound);
            }
        }
        Ok(())
    }

    /// Encrypts a stream into blob `name` as it arrives, within the upload limit; returns its
    /// size, its SHA-256 and, when `keep` is set and it is small enough, the bytes themselves
    /// (to make a thumbnail). Nothing is left behind when it fails.
    pub(crate) async fn receive<S, E>(&self, name: &str, body: S, keep: bool) -> Result<Received, ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.may_write()?;
        receive_into(self.lodge(), &self.keys, name, body, keep).await
    }

    /// Stores an evidence file from a stream. The file is hashed and encrypted as it arrives;
    /// the call returns once file and record are durable.
    pub async fn add_evidence<S, E>(&self, upload: Upload, body: S) -> Result<Version<Evidence>, ServiceError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.may_write()?;
        self.check_incident(upload.incident).await?;
        let id = EvidenceId::new();
        let received = self.receive(&self.evidence_blob(id), body, looks_like_image(&upload)).await?;
        let (size, sha256, image_bytes) = (received.size, received.sha256, received.bytes);
        let thumbnail = match image_bytes {
            Some(bytes) => tokio::task::spawn_blocking(move || make_thumbnail(&bytes)).await.ok().flatten(),
            None => None,
        };
        if let Some(jpeg) = &thumbnail {
            self.lodge().blobs().put(&self.thumbnail_blob(id), &self.keys, jpeg).await?;
        }
        let evidence = Evidence {
            file_name: clean_file_name(&upload.file_name),
            content_type: if upload.content_type.trim().is_empty() {
                "application/octet-stream".into()
            } else {
                upload.content_type
            },
            size,
            sha256,
            incident: upload.incident,
            thumbnail: thumbnail.is_some(),
        };
        if let Err(e) = self.write(RecordKind::Evidence, id.0, 1, &evidence).await {
            self.remove_blobs(id).await;
            return Err(e);
        }
        self.evidence(id).await
    }

    pub(crate) async fn remove_blobs(&self, id: EvidenceId) {
        for name in [self.evidence_blob(id), self.thumbnail_blob(id)] {
            if let Err(e) = self.lodge().blobs().delete(&name).await {
                tracing::warn!(error = %e, "could not delete an evidence file");
            }
        }
    }

    /// One evidence file's details.
    pub async fn evidence(&self, id: EvidenceId) -> Result<Version<Evidence>, ServiceError> {
        self.current(RecordKind::Evidence, id.0).await
    }

    /// Every evidence file in the case, oldest first.
    pub async fn evidence_list(&self) -> Result<Vec<Version<Evidence>>, ServiceError> {
        let mut all: Vec<Version<Evidence>> = self.latest(RecordKind::Evidence).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|e| e.created_at);
        Ok(all)
    }

    /// The evidence files attached to one incident.
    pub async fn evidence_for(&self, incident: IncidentId) -> Result<Vec<Version<Evidence>>, ServiceError> {
        let mut all = self.evidence_list().await?;
        all.retain(|e| e.body.as_ref().is_some_and(|b| b.incident == Some(incident)));
        Ok(all)
    }

    /// The file itself, decrypted as it streams.
    pub async fn evidence_content(&self, id: EvidenceId) -> Result<(Evidence, PlainStream), ServiceError> {
        let entry = self.evidence(id).await?;
        let body = entry.body.ok_or(ServiceError::NotFound)?;
        let stream = self.lodge().blobs().reader(&self.evidence_blob(id), &self.keys).await?;
        Ok((body, stream))
    }

    /// The thumbnail of an image (a JPEG without metadata).
    pub async fn thumbnail(&self, id: EvidenceId) -> Result<Vec<u8>, ServiceError> {
        let entry = self.evidence(id).await?;
        if !entry.body.as_ref().is_some_and(|b| b.thumbnail) {
            return Err(ServiceError::NotFound);
        }
        Ok(self.lodge().blobs().read_all(&self.thumbnail_blob(id), &self.keys).await?)
    }

    /// Attaches an evidence file to an incident (a new version of its details).
    pub async fn attach_evidence(&self, id: EvidenceId, incident: IncidentId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.check_incident(Some(incident)).await?;
        let entry = self.evidence(id).await?;
        let mut body = entry.body.ok_or(ServiceError::NotFound)?;
        if body.incident == Some(incident) {
            return Ok(());
        }
        body.incident = Some(incident);
        self.write(RecordKind::Evidence, id.0, entry.version + 1, &body).await
    }

    /// Deletes an evidence file: the file goes, a tombstone stays in the log.
    pub async fn delete_evidence(&self, id: EvidenceId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::Evidence, id.0).await?;
        self.remove_blobs(id).await;
        Ok(())
    }
}

/// Keeps the last path component of a sent file name and drops control characters.
pub(crate) fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // Bidirectional controls would let `photo\u{202e}gpj.exe` show as `photoexe.jpg`.
    let bidi = |c: &char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !bidi(c)).take(255).collect();
    if cleaned.trim().is_empty() { "unnamed file".into() } else { cleaned }
}

/// Encrypts a stream into blob `name` under `keys` as it arrives, within the upload limit;
/// returns its size, its SHA-256 and, when `keep` is set and it is small enough, the bytes
/// themselves (to make a thumbnail). Nothing is left behind when it fails.
pub(crate) async fn receive_into<S, E>(
    lodge: &Lodge,
    keys: &Keyring,
    name: &str,
    mut body: S,
    keep: bool,
) -> Result<Received, ServiceError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limit = lodge.config().max_upload_bytes;
    let mut writer = lodge.blobs().writer(name, keys).await?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut bytes = keep.then(Vec::new);
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await;
                tracing::info!(error = %e, "upload interrupted");
                return Err(ServiceError::invalid(
                    "files",
                    "The upload did not finish. Check your connection and try again.",
                ));
            }
        };
        size += chunk.len() as u64;
        if size > limit {
            writer.abort().await;
            return Err(ServiceError::TooLarge { limit });
        }
        hasher.update(&chunk);
        if let Some(buf) = bytes.as_mut() {
            if buf.len() + chunk.len() > THUMBNAIL_SOURCE_MAX {
                bytes = None;
            } else {
                buf.extend_from_slice(&chunk);
            }
        }
        if let Err(e) = writer.write(&chunk).await {
            writer.abort().await;
            return Err(e.into());
        }
    }
    writer.finish().await?;
    Ok(Received { size, sha256: data_encoding::HEXLOWER.encode(&hasher.finalize()), bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_strip_metadata_and_reject_garbage() {
        let mut png = Vec::new();
        image::RgbImage::from_pixel(1000, 500, image::Rgb([200, 10, 10]))
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let thumb = make_thumbnail(&png).unwrap();
        let decoded = image::load_from_memory(&thumb).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (480, 240));
        assert!(!thumb.windows(4).any(|w| w == b"Exif"));
        assert!(make_thumbnail(b"\x89PNG\r\n\x1a\nnot really").is_none());
        assert_eq!(clean_file_name("C:\\Users\\me\\shot\u{7}.png"), "shot.png");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("photo\u{202e}gpj.exe"), "photogpj.exe", "shown as what it is");
        assert_eq!(clean_file_name("\u{2067}report\u{2069}.pdf"), "report.pdf");
    }
}
