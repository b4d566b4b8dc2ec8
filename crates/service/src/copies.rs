//! Copies of her content found online, and the scans that find them.
//!
//! A scan is a durable job ([`crate::jobs`]): one step per address, its progress and what it
//! skipped sealed in the job, each copy saved as it is found (with a small picture of it, and
//! the page and image as fetched, all encrypted) so nothing is lost to a restart. Her own
//! accounts are never scanned and nothing on them is listed. She reviews each copy beside her
//! own picture: confirming makes it evidence (an incident with the page copy and the image,
//! their SHA-256 and the capture time); whitelisting keeps it out of later scans.

use crate::jobs::JobKind;
use bytes::Bytes;
use jiff::tz::TimeZone;
use lodge_domain::{
    AccountId, ConductKind, Content, ContentId, CopyId, CopyStatus, EvidenceId, FoundCopy, Incident, IncidentId, JobId,
    OwnAccount, RecordKind, When,
};
use lodge_store::JobRow;
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::case::{OpenCase, Version};
use crate::evidence::{Upload, make_thumbnail};
use crate::jobs::{Job, Step};

/// Most addresses one scan looks at.
const MAX_SCAN_ADDRESSES: usize = 100;
/// Most skipped addresses a scan remembers.
const MAX_SKIPPED: usize = 500;
/// The files kept of a found copy until she reviews it (besides its small picture).
const KEPT_FILES: &[&str] = &["page", "image", "screenshot", "archive"];

/// What a scan works on and what it has done so far. Sealed in its job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanWork {
    /// The addresses to look at, in order; the job's progress counts them.
    pub addresses: Vec<String>,
    /// Pages read.
    pub pages: usize,
    /// Images fingerprinted.
    pub images: usize,
    /// Videos fingerprinted.
    pub videos: usize,
    /// Copies found and listed for her.
    pub found: usize,
    /// Addresses not read, and why.
    pub skipped: Vec<(String, String)>,
}

/// A scan as she sees it.
pub type Scan = Job<ScanWork>;

fn copy_blob(case: &OpenCase, id: CopyId, part: &str) -> String {
    format!("cases/{}/copies/{}/{part}", case.id, id)
}

pub(crate) fn content_thumbnail_blob(case: &OpenCase, id: ContentId) -> String {
    format!("cases/{}/content/{}/thumbnail", case.id, id)
}

/// The file name for an image found at `media`.
fn image_name(media: &str) -> String {
    let path = media.split(['?', '#']).next().unwrap_or(media);
    let last = path.rsplit('/').next().unwrap_or("");
    if last.is_empty() { "image".into() } else { last.to_owned() }
}

impl OpenCase {
    /// Starts a scan of `addresses` (pages, images or videos) for copies of her content. It
    /// runs in the background; [`OpenCase::scan_job`] tells how far it has got.
    pub async fn start_scan(&self, addresses: &[String]) -> Result<JobId, ServiceError> {
        self.may_write()?;
        let mut work = ScanWork::default();
        let accounts = self.own_accounts().await?;
        for address in addresses.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            let web = url::Url::parse(address).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !web {
                return Err(ServiceError::invalid(
                    "addresses",
                    &format!("“{address}” is not a web address. Give each one in full, starting with https://."),
                ));
            }
            if accounts.iter().filter_map(|a| a.body.as_ref()).any(|a| a.covers(address)) {
                work.skipped.push((address.to_owned(), "this is one of your own accounts".into()));
            } else if !work.addresses.iter().any(|a| a == address) {
                work.addresses.push(address.to_owned());
            }
        }
        if work.addresses.is_empty() || work.addresses.len() > MAX_SCAN_ADDRESSES {
            return Err(ServiceError::invalid(
                "addresses",
                &format!("Give between 1 and {MAX_SCAN_ADDRESSES} web addresses to look at (not your own accounts)."),
            ));
        }
        if self.contents().await?.is_empty() {
            return Err(ServiceError::invalid(
                "content",
                "Register your own images or videos first: scans look for copies of them.",
            ));
        }
        self.start_job(JobKind::Scan, work.addresses.len() as i64, &work).await
    }

    /// One scan and how far it has got.
    pub async fn scan_job(&self, id: JobId) -> Result<Scan, ServiceError> {
        self.job(JobKind::Scan, id).await
    }

    /// Stops a scan; what it found so far is kept.
    pub async fn cancel_scan(&self, id: JobId) -> Result<(), ServiceError> {
        self.cancel_job(JobKind::Scan, id).await
    }

    /// Her scans, newest first.
    pub async fn scan_jobs(&self) -> Result<Vec<Scan>, ServiceError> {
        self.jobs(JobKind::Scan).await
    }

    /// One step per address, from where the job had got to.
    pub(crate) async fn run_scan(&self, row: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let mut work: ScanWork = self.job_payload(row)?;
        let matcher = self.matcher().await?;
        let fetcher = self.lodge().fetcher()?;
        let accounts: Vec<OwnAccount> = self.own_accounts().await?.into_iter().filter_map(|a| a.body).collect();
        let mut known: Vec<FoundCopy> = self.copies().await?.into_iter().filter_map(|c| c.body).collect();
        let start = usize::try_from(row.done).unwrap_or(0);
        let browser = if matcher.is_empty() { None } else { self.lodge().browser(&mut work.skipped).await };
        let result = self
            .scan_addresses(&mut work, (start, step), (&matcher, &fetcher, browser.as_ref()), &accounts, &mut known)
            .await;
        if let Some(browser) = browser {
            browser.close().await;
        }
        result
    }

    /// The addresses of a scan from `start`, each a step.
    async fn scan_addresses(
        &self,
        work: &mut ScanWork,
        (start, step): (usize, &Step),
        (matcher, fetcher, browser): (
            &lodge_scan::registry::Matcher,
            &lodge_scan::fetch::Fetcher,
            Option<&lodge_scan::browser::Browser>,
        ),
        accounts: &[OwnAccount],
        known: &mut Vec<FoundCopy>,
    ) -> Result<(), ServiceError> {
        for (i, address) in work.addresses.clone().iter().enumerate().skip(start) {
            if step.lost() {
                return Ok(());
            }
            let report = if matcher.is_empty() {
                lodge_scan::Report::default()
            } else {
                let one = std::slice::from_ref(address);
                lodge_scan::scan_with(fetcher, matcher, one, lodge_pdq::MATCH_DISTANCE, browser).await
            };
            work.pages += report.pages;
            work.images += report.images;
            work.videos += report.videos;
            for finding in report.findings {
                let ours = accounts.iter().any(|a| a.covers(&finding.page) || a.covers(&finding.media));
                let seen = known.iter().any(|k| {
                    (k.media == finding.media && k.sha256 == finding.sha256)
                        || (k.status == CopyStatus::Whitelisted
                            && (k.sha256 == finding.sha256 || k.media == finding.media))
                });
                if ours || seen {
                    continue;
                }
                known.push(self.keep_copy(finding).await?);
                work.found += 1;
            }
            let room = MAX_SKIPPED.saturating_sub(work.skipped.len());
            work.skipped.extend(report.skipped.into_iter().take(room));
            step.progress(i as i64 + 1, &*work).await?;
        }
        Ok(())
    }

    /// Saves a found copy for her review, with a small picture and the files as fetched.
    async fn keep_copy(&self, finding: lodge_scan::Finding) -> Result<FoundCopy, ServiceError> {
        let id = CopyId::new();
        let blobs = self.lodge().blobs();
        let thumbnail = match finding.image.clone() {
            Some(bytes) => tokio::task::spawn_blocking(move || make_thumbnail(&bytes)).await.ok().flatten(),
            None => None,
        };
        if let Some(jpeg) = &thumbnail {
            blobs.put(&copy_blob(self, id, "thumbnail"), &self.keys, jpeg).await?;
        }
        if let Some(page) = &finding.page_copy {
            blobs.put(&copy_blob(self, id, "page"), &self.keys, page).await?;
        }
        if let Some(image) = &finding.image {
            blobs.put(&copy_blob(self, id, "image"), &self.keys, image).await?;
        }
        if let Some(png) = &finding.screenshot {
            blobs.put(&copy_blob(self, id, "screenshot"), &self.keys, png).await?;
        }
        if let Some(warc) = &finding.archive {
            blobs.put(&copy_blob(self, id, "archive"), &self.keys, warc).await?;
        }
        let (distance, frames_matched) = match finding.closeness {
            lodge_scan::Closeness::Distance(d) => (Some(d), None),
            lodge_scan::Closeness::FramesMatched(p) => (None, Some(p)),
        };
        let copy = FoundCopy {
            content: ContentId(finding.content.id.parse().unwrap_or_default()),
            label: finding.content.label,
            page: finding.page,
            media: finding.media,
            sha256: finding.sha256,
            captured: finding.captured,
            distance,
            frames_matched,
            status: CopyStatus::New,
            thumbnail: thumbnail.is_some(),
            kept_files: finding.page_copy.is_some() || finding.image.is_some() || finding.screenshot.is_some(),
            incident: None,
            evidence: Vec::new(),
        };
        if let Err(e) = self.write(RecordKind::FoundCopy, id.0, 1, &copy).await {
            self.drop_copy_files(id, true).await;
            return Err(e);
        }
        Ok(copy)
    }

    async fn drop_copy_files(&self, id: CopyId, thumbnail_too: bool) {
        let parts: &[&str] = if thumbnail_too { &[KEPT_FILES, &["thumbnail"]].concat() } else { KEPT_FILES };
        for part in parts {
            if let Err(e) = self.lodge().blobs().delete(&copy_blob(self, id, part)).await {
                tracing::warn!(error = %e, "could not delete a found copy's file");
            }
        }
    }

    /// The copies found, newest first.
    pub async fn copies(&self) -> Result<Vec<Version<FoundCopy>>, ServiceError> {
        let mut all: Vec<Version<FoundCopy>> = self.latest(RecordKind::FoundCopy).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|c| std::cmp::Reverse(c.created_at));
        Ok(all)
    }

    /// One found copy.
    pub async fn copy(&self, id: CopyId) -> Result<Version<FoundCopy>, ServiceError> {
        let entry: Version<FoundCopy> = self.current(RecordKind::FoundCopy, id.0).await?;
        if entry.body.is_none() {
            return Err(ServiceError::NotFound);
        }
        Ok(entry)
    }

    /// The small picture of what was found (a JPEG without metadata).
    pub async fn copy_thumbnail(&self, id: CopyId) -> Result<Vec<u8>, ServiceError> {
        if !self.copy(id).await?.body.is_some_and(|c| c.thumbnail) {
            return Err(ServiceError::NotFound);
        }
        Ok(self.lodge().blobs().read_all(&copy_blob(self, id, "thumbnail"), &self.keys).await?)
    }

    /// The small picture of a piece of her content, when she uploaded the image itself.
    pub async fn content_thumbnail(&self, id: ContentId) -> Result<Vec<u8>, ServiceError> {
        let entry: Version<Content> = self.current(RecordKind::Content, id.0).await?;
        if !entry.body.is_some_and(|c| c.thumbnail) {
            return Err(ServiceError::NotFound);
        }
        Ok(self.lodge().blobs().read_all(&content_thumbnail_blob(self, id), &self.keys).await?)
    }

    /// She confirms a copy is hers: it becomes an incident on her timeline, with the page as
    /// fetched, the image, and (when the page was rendered) a screenshot of the page and its web
    /// archive as evidence files, the addresses, SHA-256 and capture time.
    pub async fn confirm_copy(&self, id: CopyId) -> Result<IncidentId, ServiceError> {
        self.may_write()?;
        let entry = self.copy(id).await?;
        let mut copy = entry.body.ok_or(ServiceError::NotFound)?;
        if let (CopyStatus::Confirmed, Some(incident)) = (copy.status, copy.incident) {
            return Ok(incident);
        }
        let captured = copy.captured.to_zoned(TimeZone::UTC);
        let closeness = match (copy.distance, copy.frames_matched) {
            (Some(d), _) => format!("a PDQ distance of {d} from hers (0 is identical)"),
            (_, Some(p)) => format!("{p:.0}% of its frames match hers"),
            _ => String::new(),
        };
        // Logged as intimate images only when she said her content is intimate; otherwise it is
        // material about her published without her consent.
        let intimate = self
            .contents()
            .await?
            .iter()
            .any(|c| c.id == copy.content.0 && c.body.as_ref().is_some_and(|b| b.intimate));
        let conduct = if intimate { ConductKind::IntimateImages } else { ConductKind::Publishing };
        let incident = Incident {
            platform: copy.site().to_owned(),
            url: copy.page.clone(),
            description: format!(
                "A copy of my content “{}” was found at {} and captured by Lodge at {} (UTC). The file at {} \
                 (SHA-256 {}) matches it, with {closeness}.",
                copy.label,
                copy.page,
                captured.strftime("%Y-%m-%d %H:%M:%S"),
                copy.media,
                copy.sha256,
            ),
            conduct: vec![conduct],
            // When it was published is not known, so it is no dated occasion of contact; the day
            // Lodge found it is when she found out.
            discovered: Some(When::Exact { at: captured.clone() }),
            ..Incident::at(When::Approximate {
                description: "Not known: published before Lodge found it".to_owned(),
                around: None,
            })
        };
        let incident_id = self.add_incident(&incident).await?;
        let mut evidence = Vec::new();
        if copy.kept_files {
            let stamp = captured.strftime("%Y-%m-%d %H%M%S");
            let files = [
                ("page", format!("page {} {stamp}.html", copy.site()), "text/html".to_owned()),
                ("image", image_name(&copy.media), "image".to_owned()),
                ("screenshot", format!("page {} {stamp}.png", copy.site()), "image/png".to_owned()),
                ("archive", format!("page {} {stamp}.warc", copy.site()), "application/warc".to_owned()),
            ];
            for (part, file_name, content_type) in files {
                let Ok(bytes) = self.lodge().blobs().read_all(&copy_blob(self, id, part), &self.keys).await else {
                    continue;
                };
                let content_type = if content_type == "image" {
                    image::guess_format(&bytes).map_or("application/octet-stream", |f| f.to_mime_type()).to_owned()
                } else {
                    content_type
                };
                evidence.push(self.evidence_from_bytes(file_name, content_type, incident_id, bytes).await?);
            }
        }
        copy.status = CopyStatus::Confirmed;
        copy.incident = Some(incident_id);
        copy.evidence = evidence;
        copy.kept_files = false;
        self.write(RecordKind::FoundCopy, id.0, entry.version + 1, &copy).await?;
        self.drop_copy_files(id, false).await;
        Ok(incident_id)
    }

    pub(crate) async fn evidence_from_bytes(
        &self,
        file_name: String,
        content_type: String,
        incident: IncidentId,
        bytes: Vec<u8>,
    ) -> Result<EvidenceId, ServiceError> {
        let body = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(Bytes::from(bytes)) });
        let upload = Upload { file_name, content_type, incident: Some(incident) };
        Ok(EvidenceId(self.add_evidence(upload, Box::pin(body)).await?.id))
    }

    /// She says a copy is not hers, or is somewhere she allows it: later scans leave out that
    /// file, and the files kept for review are deleted.
    pub async fn whitelist_copy(&self, id: CopyId) -> Result<(), ServiceError> {
        self.may_write()?;
        let entry = self.copy(id).await?;
        let mut copy = entry.body.ok_or(ServiceError::NotFound)?;
        if copy.status != CopyStatus::New {
            return Ok(());
        }
        copy.status = CopyStatus::Whitelisted;
        copy.kept_files = false;
        self.write(RecordKind::FoundCopy, id.0, entry.version + 1, &copy).await?;
        self.drop_copy_files(id, false).await;
        Ok(())
    }

    /// Adds one of her own accounts: never scanned, never reported.
    pub async fn add_own_account(&self, account: &OwnAccount) -> Result<AccountId, ServiceError> {
        self.may_write()?;
        let account = OwnAccount { address: account.address.trim().to_owned() };
        let problems = account.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let id = AccountId::new();
        self.write(RecordKind::OwnAccount, id.0, 1, &account).await?;
        Ok(id)
    }

    /// Her own accounts, oldest first.
    pub async fn own_accounts(&self) -> Result<Vec<Version<OwnAccount>>, ServiceError> {
        let mut all: Vec<Version<OwnAccount>> = self.latest(RecordKind::OwnAccount).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|e| e.created_at);
        Ok(all)
    }

    /// Removes one of her own accounts from the list.
    pub async fn delete_own_account(&self, id: AccountId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::OwnAccount, id.0).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_images_are_named_after_their_address() {
        assert_eq!(image_name("https://tube.example/media/abc.jpg?w=300"), "abc.jpg");
        assert_eq!(image_name("https://tube.example/"), "image");
    }
}
