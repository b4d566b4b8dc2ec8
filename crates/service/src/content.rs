//! Her own content, registered by its fingerprints: an uploaded image is fingerprinted in
//! memory and only the fingerprints are kept, encrypted like the rest of the case; a video is
//! fingerprinted by a durable job (minutes of FFmpeg for a long one), the video kept encrypted
//! only until its fingerprints are; or the hashes `lodge hash` made on her own computer are
//! taken as they are, so the file never leaves it. An uploaded image also keeps a small picture
//! (encrypted, without metadata) for comparing with copies found. From the fingerprints: her
//! hash list, and the matcher a scan uses.

use crate::jobs::JobKind;
use std::sync::atomic::Ordering;

use lodge_domain::{Content, ContentId, JobId, MadeBy, RecordKind};
use lodge_pdq::vpdq::FrameHash;
use lodge_pdq::{Hash256, Hasher, PdqHash};
use lodge_scan::hashlist::{self, Fingerprint, Listed};
use lodge_scan::registry::{self, Matcher, Registry};
use lodge_store::JobRow;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ServiceError;
use crate::case::{OpenCase, Version};
use crate::copies::content_thumbnail_blob;
use crate::evidence::make_thumbnail;
use crate::jobs::{Job, Step};

/// A file she checked against her content.
#[derive(Debug, Clone)]
pub struct FileCheck {
    /// The file's name.
    pub name: String,
    /// What it matched, or why it could not be checked.
    pub found: Result<Option<(lodge_scan::registry::Content, lodge_scan::Closeness)>, String>,
}

/// What she says about a piece of her content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContentDetails {
    /// Her name for it.
    pub label: String,
    /// Who made it.
    pub made_by: MadeBy,
    /// Where it was first published.
    pub first_published: String,
    /// Whether she says it is intimate.
    pub intimate: bool,
}

/// How it arrives.
#[derive(Debug)]
pub enum ContentSource {
    /// The image itself.
    Image(Vec<u8>),
    /// The video itself.
    Video(Vec<u8>),
    /// `lodge hash` output (each file in it becomes one piece, named after the label and the
    /// file).
    Hashes(String),
}

/// A video being fingerprinted: `done` of `total` is per cent of its length. Once done, the
/// piece of content it became has the job's id.
pub type Fingerprinting = Job<ContentDetails>;

/// What registering did.
#[derive(Debug)]
pub enum Registered {
    /// These pieces are registered.
    Added(Vec<ContentId>),
    /// A video is being fingerprinted by this job; it becomes the piece with the same id.
    Fingerprinting(JobId),
}

/// Where a video waits, encrypted, for its job.
fn video_blob(case: &OpenCase, job: Uuid) -> String {
    format!("cases/{}/jobs/{}/video", case.id, job)
}

fn not_readable(why: impl std::fmt::Display) -> ServiceError {
    ServiceError::invalid("file", &format!("This cannot be fingerprinted: {why}."))
}

fn content_of(details: &ContentDetails, label: String) -> Content {
    Content {
        label,
        made_by: details.made_by,
        first_published: details.first_published.trim().to_owned(),
        intimate: details.intimate,
        pdq: Vec::new(),
        quality: 0,
        vpdq: Vec::new(),
        md5: String::new(),
        hash_only: false,
        thumbnail: false,
    }
}

fn listed(id: uuid::Uuid, c: &Content) -> Option<Listed> {
    let fingerprint = if c.vpdq.is_empty() && c.md5.is_empty() {
        let hash = c.pdq.first()?.parse::<Hash256>().ok()?;
        Fingerprint::Image(PdqHash { hash, quality: c.quality })
    } else {
        Fingerprint::Video {
            frames: c.vpdq.iter().filter_map(|l| FrameHash::parse_line(l)).collect(),
            md5: c.md5.clone(),
        }
    };
    Some(Listed { id: id.to_string(), fingerprint })
}

impl OpenCase {
    /// Registers her content: images and hashes at once; a video by a job that fingerprints it.
    pub async fn add_content(
        &self,
        details: ContentDetails,
        source: ContentSource,
    ) -> Result<Registered, ServiceError> {
        self.may_write()?;
        let label = details.label.trim().to_owned();
        let mut thumbnail = None;
        let pieces: Vec<Content> = match source {
            ContentSource::Image(bytes) => {
                let (fingerprints, small) = tokio::task::spawn_blocking(move || {
                    (registry::image_fingerprints(&bytes, &mut Hasher::new()), make_thumbnail(&bytes))
                })
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let (hashes, quality) = fingerprints.map_err(not_readable)?;
                let mut c = content_of(&details, label);
                c.pdq = hashes.iter().map(Hash256::to_string).collect();
                c.quality = quality;
                c.thumbnail = small.is_some();
                thumbnail = small;
                vec![c]
            }
            ContentSource::Video(bytes) => return self.fingerprint_video(details, label, bytes).await,
            ContentSource::Hashes(text) => {
                let named = hashlist::parse(&text)
                    .map_err(|e| ServiceError::invalid("hashes", &format!("These are not `lodge hash` lines: {e}.")))?;
                named
                    .into_iter()
                    .map(|file| {
                        let short = file.name.rsplit(['/', '\\']).next().unwrap_or(&file.name).to_owned();
                        let mut c = content_of(
                            &details,
                            if label.is_empty() { short.clone() } else { format!("{label}: {short}") },
                        );
                        c.hash_only = true;
                        match file.fingerprint {
                            Fingerprint::Image(p) => {
                                c.pdq = file.hashes.iter().map(Hash256::to_string).collect();
                                c.quality = p.quality;
                            }
                            Fingerprint::Video { frames, md5 } => {
                                c.vpdq = frames.iter().map(FrameHash::to_line).collect();
                                c.md5 = md5;
                            }
                        }
                        c
                    })
                    .collect()
            }
        };
        if pieces.is_empty() {
            return Err(ServiceError::invalid("hashes", "There are no hashes in this list."));
        }
        let mut ids = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            let problems = piece.check();
            if !problems.is_empty() {
                return Err(ServiceError::Invalid(problems));
            }
        }
        for piece in pieces {
            let id = ContentId::new();
            if let Some(jpeg) = &thumbnail {
                self.lodge().blobs().put(&content_thumbnail_blob(self, id), &self.keys, jpeg).await?;
            }
            self.write(RecordKind::Content, id.0, 1, &piece).await?;
            ids.push(id);
        }
        Ok(Registered::Added(ids))
    }

    /// Checks that a video can be read (its container only, so she hears at once if not), keeps
    /// it encrypted, and queues the job that fingerprints it.
    async fn fingerprint_video(
        &self,
        details: ContentDetails,
        label: String,
        bytes: Vec<u8>,
    ) -> Result<Registered, ServiceError> {
        let mut problems = content_of(&details, label.clone()).check();
        problems.fields.retain(|p| p.field != "file");
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let bytes = std::sync::Arc::new(bytes);
        let probed = bytes.clone();
        tokio::task::spawn_blocking(move || lodge_scan::video_length(&probed))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(not_readable)?;
        let id = JobId::new();
        self.lodge().blobs().put(&video_blob(self, id.0), &self.keys, &bytes).await?;
        let details = ContentDetails { label, ..details };
        self.enqueue_job(id, JobKind::Video, 100, &details, self.lodge().now()).await?;
        Ok(Registered::Fingerprinting(id))
    }

    /// Her videos being fingerprinted (and those done or failed), newest first.
    pub async fn fingerprinting(&self) -> Result<Vec<Fingerprinting>, ServiceError> {
        self.jobs(JobKind::Video).await
    }

    /// One video's fingerprinting.
    pub async fn fingerprinting_job(&self, id: JobId) -> Result<Fingerprinting, ServiceError> {
        self.job(JobKind::Video, id).await
    }

    /// Stops fingerprinting a video; the video is deleted.
    pub async fn cancel_fingerprinting(&self, id: JobId) -> Result<(), ServiceError> {
        self.cancel_job(JobKind::Video, id).await
    }

    /// Fingerprints a waiting video; the piece of content gets the job's id, so a job run again
    /// after a crash finds it written and only tidies up.
    pub(crate) async fn run_video(&self, row: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let details: ContentDetails = self.job_payload(row)?;
        let id = ContentId(row.id);
        let blob = video_blob(self, row.id);
        let written = match self.current::<Content>(RecordKind::Content, id.0).await {
            Ok(_) => true,
            Err(ServiceError::NotFound) => false,
            Err(e) => return Err(e),
        };
        if !written {
            let bytes = self.lodge().blobs().read_all(&blob, &self.keys).await?;
            let done = step.counter();
            let (frames, md5) = tokio::task::spawn_blocking(move || {
                lodge_scan::video_fingerprint_with(&bytes, |percent| done.store(i64::from(percent), Ordering::SeqCst))
            })
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(not_readable)?;
            if step.lost() {
                return Ok(());
            }
            let mut c = content_of(&details, details.label.clone());
            c.vpdq = frames.iter().map(FrameHash::to_line).collect();
            c.md5 = md5;
            self.write(RecordKind::Content, id.0, 1, &c).await?;
        }
        step.progress(row.total, &details).await?;
        self.forget_video(row.id).await;
        Ok(())
    }

    /// Deletes a video kept for its job (done, failed or stopped).
    pub(crate) async fn forget_video(&self, job: Uuid) {
        if let Err(e) = self.lodge().blobs().delete(&video_blob(self, job)).await {
            tracing::warn!(error = %e, "could not delete a video kept for fingerprinting");
        }
    }

    /// Her content, oldest first.
    pub async fn contents(&self) -> Result<Vec<Version<Content>>, ServiceError> {
        let mut all: Vec<Version<Content>> = self.latest(RecordKind::Content).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|e| e.created_at);
        Ok(all)
    }

    /// Removes a piece of her content: its fingerprints go, a tombstone stays in the log.
    pub async fn delete_content(&self, id: ContentId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::Content, id.0).await?;
        if let Err(e) = self.lodge().blobs().delete(&content_thumbnail_blob(self, id)).await {
            tracing::warn!(error = %e, "could not delete a content thumbnail");
        }
        Ok(())
    }

    /// Her hash list, with opaque ids (the record ids), for CSV or JSON.
    pub async fn hash_list(&self) -> Result<Vec<Listed>, ServiceError> {
        Ok(self.contents().await?.iter().filter_map(|e| listed(e.id, e.body.as_ref()?)).collect())
    }

    /// Checks files she has (downloaded from a site, sent to her) against her content, without
    /// keeping them: for each, the piece it copies and how closely, if any.
    pub async fn check_files(&self, files: Vec<(String, Vec<u8>)>) -> Result<Vec<FileCheck>, ServiceError> {
        let matcher = std::sync::Arc::new(self.matcher().await?);
        if matcher.is_empty() {
            return Err(ServiceError::invalid(
                "files",
                "Register your own images or videos first: files are checked against them.",
            ));
        }
        let mut checked = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let m = matcher.clone();
            let found = tokio::task::spawn_blocking(move || lodge_scan::match_file(&m, &bytes))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            checked.push(FileCheck { name: crate::evidence::clean_file_name(&name), found });
        }
        Ok(checked)
    }

    /// Her fingerprints, ready for a scan.
    pub(crate) async fn matcher(&self) -> Result<Matcher, ServiceError> {
        let mut registry = Registry::new();
        for entry in self.contents().await? {
            let Some(c) = entry.body else { continue };
            let content = registry::Content { id: entry.id.to_string(), label: c.label.clone() };
            if c.vpdq.is_empty() && c.md5.is_empty() {
                registry.add_hashes(content, c.pdq.iter().filter_map(|h| h.parse().ok()).collect());
            } else {
                registry.add_video(content, c.vpdq.iter().filter_map(|l| FrameHash::parse_line(l)).collect(), c.md5);
            }
        }
        registry.finish().map_err(|e| ServiceError::Internal(e.to_string()))
    }
}
