//! Name watch: her saved searches (for fakes, impersonation and leaks), run as a job on the
//! search pages the organisation names (`watch_sites`), every `watch_every` while she has any,
//! and now when she asks. Each run adds the links it has not seen before, for her to review.

use crate::jobs::JobKind;
use lodge_domain::{RecordKind, Watch, WatchId, WatchResult};
use lodge_store::JobRow;
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::case::{OpenCase, Version};
use crate::jobs::{Job, Step};

/// What a name-watch run did. Sealed in its job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WatchRun {
    /// Search pages read.
    pub searched: usize,
    /// New results found.
    pub new: usize,
    /// Search pages that could not be read, and why.
    pub skipped: Vec<(String, String)>,
}

impl OpenCase {
    /// Saves a search for her name and runs it now.
    pub async fn add_watch(&self, query: &str) -> Result<WatchId, ServiceError> {
        self.may_write()?;
        if self.lodge().config().watch_sites.is_empty() {
            return Err(ServiceError::invalid(
                "query",
                "The organisation has not named any sites to search yet. Ask your support worker.",
            ));
        }
        let watch = Watch { query: query.trim().to_owned(), results: Vec::new(), last_run: None };
        let problems = watch.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let id = WatchId::new();
        self.write(RecordKind::Watch, id.0, 1, &watch).await?;
        self.run_watches_now().await?;
        Ok(id)
    }

    /// Her saved searches, oldest first.
    pub async fn watches(&self) -> Result<Vec<Version<Watch>>, ServiceError> {
        let mut all: Vec<Version<Watch>> = self.latest(RecordKind::Watch).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|e| e.created_at);
        Ok(all)
    }

    /// Removes a saved search and what it found.
    pub async fn delete_watch(&self, id: WatchId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.erase(RecordKind::Watch, id.0).await
    }

    /// Marks every result of a saved search as looked at.
    pub async fn mark_watch_reviewed(&self, id: WatchId) -> Result<(), ServiceError> {
        self.may_write()?;
        let entry: Version<Watch> = self.current(RecordKind::Watch, id.0).await?;
        let mut watch = entry.body.ok_or(ServiceError::NotFound)?;
        if watch.unreviewed().next().is_none() {
            return Ok(());
        }
        for r in &mut watch.results {
            r.reviewed = true;
        }
        self.write(RecordKind::Watch, id.0, entry.version + 1, &watch).await
    }

    /// Her name-watch runs, newest first.
    pub async fn watch_runs(&self) -> Result<Vec<Job<WatchRun>>, ServiceError> {
        self.jobs(JobKind::Watch).await
    }

    /// Runs her saved searches now.
    pub async fn run_watches_now(&self) -> Result<(), ServiceError> {
        self.may_write()?;
        self.schedule_watch(jiff::SignedDuration::ZERO).await
    }

    /// Queues a run `after` from now while she has saved searches, unless one is queued to
    /// run by then.
    async fn schedule_watch(&self, after: jiff::SignedDuration) -> Result<(), ServiceError> {
        let watches = self.watches().await?.len();
        if watches > 0 {
            let total = (watches * self.lodge().config().watch_sites.len()) as i64;
            self.queue_job_once(JobKind::Watch, total, &WatchRun::default(), self.lodge().now() + after).await?;
        }
        Ok(())
    }

    /// Runs each saved search on each site and keeps the links not seen before.
    pub(crate) async fn run_watch(&self, row: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let mut run: WatchRun = self.job_payload(row)?;
        let config = self.lodge().config();
        let fetcher = self.lodge().fetcher()?;
        let browser = self.lodge().browser(&mut run.skipped).await;
        let mut done = 0;
        for entry in self.watches().await? {
            let Some(mut watch) = entry.body else { continue };
            let at = self.lodge().now();
            for site in &config.watch_sites {
                if step.lost() {
                    return Ok(());
                }
                match lodge_scan::watch::search_with(&fetcher, site, &watch.query, browser.as_ref()).await {
                    Ok(hits) => {
                        run.searched += 1;
                        for hit in hits {
                            if !watch.results.iter().any(|r| r.url == hit.url) {
                                run.new += 1;
                                watch.results.push(WatchResult {
                                    site: site.name.clone(),
                                    url: hit.url,
                                    text: hit.text,
                                    first_seen: at,
                                    reviewed: false,
                                });
                            }
                        }
                    }
                    Err(e) => run.skipped.push((site.name.clone(), e.to_string())),
                }
                done += 1;
                step.progress(done, &run).await?;
            }
            watch.last_run = Some(at);
            self.write(RecordKind::Watch, entry.id, entry.version + 1, &watch).await?;
        }
        if let Some(browser) = browser {
            browser.close().await;
        }
        self.schedule_watch(config.watch_every).await
    }
}
