//! Durable jobs: long work for a case (a scan of many addresses, fingerprinting a video, making
//! a report file, looking again at reported copies, a name watch, a reminder) kept in the
//! database, so that it survives a restart, runs on one node at a time (held by a lease the
//! node renews while it works), and is retried with back-off when something fails.
//!
//! What a job works on is sealed under its case's key, and the server keeps no case key of its
//! own. So a node runs a case's jobs only while it holds that key in memory: from the moment
//! someone with access opens the case (starting the job, or looking at its progress) until the
//! case has no unfinished job left. After a restart a job waits, its progress kept, until
//! someone with access opens the case again; it then continues from the step it had reached.
//! Reminders are the exception: they hold nothing of the case, and any node sends them when due.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use lodge_crypto::Keyring;
use lodge_domain::{JobId, UserId};
use lodge_store::JobRow;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::case::OpenCase;
use crate::sealing::{Place, open_record, seal_record};
use crate::{Lodge, ServiceError};

/// How long a node holds a job without renewing.
const LEASE: SignedDuration = SignedDuration::from_secs(15);
/// How often a node renews its hold while it works.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How often a node looks for due work when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);
/// How long a job that ended is kept (for its page) before it is forgotten; a report file
/// made is kept until she deletes it.
const KEEP_ENDED: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Starts before a failing job is given up.
const MAX_ATTEMPTS: i64 = 5;
/// Where a job's payload is sealed: bound to its case and id.
fn job_place(case: Uuid, id: Uuid) -> Place<'static> {
    Place { case, kind: "job", id, version: 1 }
}

/// What a job does. Its name is what the database keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// Looks for copies of her content at addresses she gave.
    Scan,
    /// Checks whether copies named in a notice are gone.
    Recheck,
    /// Searches sites for her names.
    Watch,
    /// Fingerprints a video's frames.
    Video,
    /// Makes a report's PDF and bundle for her to download.
    Report,
    /// Renders what a police link holds.
    Share,
    /// Sends a reminder email.
    Reminder,
}

impl JobKind {
    const ALL: [JobKind; 7] = [
        JobKind::Scan,
        JobKind::Recheck,
        JobKind::Watch,
        JobKind::Video,
        JobKind::Report,
        JobKind::Share,
        JobKind::Reminder,
    ];

    /// Its name in the database.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobKind::Scan => "scan",
            JobKind::Recheck => "recheck",
            JobKind::Watch => "watch",
            JobKind::Video => "video",
            JobKind::Report => "report",
            JobKind::Share => "share",
            JobKind::Reminder => "reminder",
        }
    }

    fn parse(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to start (or to start again after a failure).
    Queued,
    /// Being worked on.
    Running,
    /// Finished.
    Done,
    /// Given up after repeated failures.
    Failed,
    /// Stopped by her.
    Cancelled,
}

impl JobState {
    pub(crate) fn parse(s: &str) -> JobState {
        match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "cancelled" => JobState::Cancelled,
            _ => JobState::Failed,
        }
    }

    /// Whether it may still do work.
    pub fn unfinished(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// A job as she sees it, with what it works on opened.
#[derive(Debug, Clone)]
pub struct Job<P> {
    /// The job.
    pub id: JobId,
    /// Where it stands.
    pub state: JobState,
    /// Steps done.
    pub done: i64,
    /// Steps in all.
    pub total: i64,
    /// When it was started.
    pub created_at: Timestamp,
    /// Last progress.
    pub updated_at: Timestamp,
    /// Why it failed, if it did.
    pub error: String,
    /// What it works on, and what it has found so far.
    pub payload: P,
}

/// The jobs this node may run: the cases whose key it holds while they have unfinished work.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    /// This node, in leases.
    node: String,
    armed: std::sync::Mutex<HashMap<Uuid, (Keyring, u64)>>,
    generation: AtomicU64,
    wake: tokio::sync::Notify,
}

impl Jobs {
    pub(crate) fn new() -> Jobs {
        Jobs { node: Uuid::new_v4().to_string(), ..Jobs::default() }
    }

    fn arm(&self, case: Uuid, keys: &Keyring) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut armed) = self.armed.lock() {
            armed.insert(case, (keys.duplicate(), generation));
        }
        self.wake.notify_one();
    }

    fn armed(&self) -> Vec<(Uuid, Keyring, u64)> {
        self.armed.lock().map(|a| a.iter().map(|(c, (k, g))| (*c, k.duplicate(), *g)).collect()).unwrap_or_default()
    }

    /// Forgets a case's keys whatever was armed (its keys no longer exist).
    pub(crate) fn forget(&self, case: Uuid) {
        if let Ok(mut armed) = self.armed.lock() {
            armed.remove(&case);
        }
    }

    /// Forgets a case's key, unless it was armed again since `generation` was read.
    fn disarm(&self, case: Uuid, generation: u64) {
        if let Ok(mut armed) = self.armed.lock()
            && armed.get(&case).is_some_and(|(_, g)| *g == generation)
        {
            armed.remove(&case);
        }
    }
}

/// A running job's hold on its row: progress, renewal, and whether it was lost.
pub(crate) struct Step {
    lodge: Lodge,
    case: Uuid,
    id: Uuid,
    keys: Keyring,
    done: Arc<AtomicI64>,
    lost: Arc<AtomicBool>,
}

impl Step {
    /// The count of steps done, for work on a blocking thread to advance; the heartbeat
    /// records it.
    pub(crate) fn counter(&self) -> Arc<AtomicI64> {
        self.done.clone()
    }

    /// Whether the job was cancelled or taken by another node: stop at once.
    pub(crate) fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Records that `done` steps are finished, with the payload as it now is.
    pub(crate) async fn progress<P: Serialize>(&self, done: i64, payload: &P) -> Result<(), ServiceError> {
        let sealed = seal_record(&self.keys, job_place(self.case, self.id), payload)?.bytes;
        self.done.store(done, Ordering::SeqCst);
        let held = self
            .lodge
            .store()
            .job_progress(
                self.id,
                &self.lodge.jobs().node,
                done,
                Some(&sealed),
                self.lodge.now() + LEASE,
                self.lodge.now(),
            )
            .await?;
        if !held {
            self.lost.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

fn job_of<P: DeserializeOwned>(keys: &Keyring, row: &JobRow) -> Result<Job<P>, ServiceError> {
    Ok(Job {
        id: JobId(row.id),
        state: JobState::parse(&row.state),
        done: row.done,
        total: row.total,
        created_at: row.created_at,
        updated_at: row.updated_at,
        error: row.error.clone(),
        payload: open_record(keys, job_place(row.case_id, row.id), &row.payload)?.value,
    })
}

impl Lodge {
    /// Runs due jobs of the cases whose key this node holds, and due reminders, for as long as
    /// the server runs.
    pub async fn run_jobs(&self) {
        loop {
            self.run_due_jobs().await;
            tokio::select! {
                () = self.jobs().wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Runs, once, every job now due of the cases whose key this node holds, and the reminders
    /// now due.
    pub async fn run_due_jobs(&self) {
        for (case, keys, generation) in self.jobs().armed() {
            // The key is held only while work is due: a job due later (the next re-check)
            // waits until someone opens the case again.
            match self.store().unfinished_jobs(case).await {
                Ok(jobs) if !jobs.iter().any(|j| j.run_after <= self.now() + SignedDuration::from_secs(60)) => {
                    self.jobs().disarm(case, generation)
                }
                Ok(jobs) => {
                    for job in jobs.into_iter().filter(|j| j.run_after <= self.now()) {
                        self.run_job(job, &keys).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not look for jobs"),
            }
        }
        self.run_due_reminders().await;
    }

    /// Forgets jobs that ended more than 30 days ago (their results are in the case's records),
    /// except report files still waiting to be downloaded. Returns how many went.
    pub async fn forget_ended_jobs(&self) -> Result<u64, ServiceError> {
        let gone = self.store().delete_ended_jobs(self.now() - KEEP_ENDED, JobKind::Report.as_str()).await?;
        if gone > 0 {
            tracing::info!(jobs = gone, "forgot jobs that ended long ago");
        }
        Ok(gone)
    }

    /// A fetcher with the organisation's scan settings, for a job's requests.
    pub(crate) fn fetcher(&self) -> Result<lodge_scan::fetch::Fetcher, ServiceError> {
        lodge_scan::fetch::Fetcher::new(self.config().scan.clone()).map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// A browser for a job's pages, when the organisation uses one and it starts; a browser that
    /// is set to be used and fails to start is said in `skipped`.
    pub(crate) async fn browser(&self, skipped: &mut Vec<(String, String)>) -> Option<lodge_scan::browser::Browser> {
        let settings = self.config().browser.clone()?;
        match lodge_scan::browser::Browser::launch(settings).await {
            Ok(browser) => Some(browser),
            Err(lodge_scan::browser::BrowserError::Missing) => None,
            Err(e) => {
                tracing::warn!(error = %e, "the browser for scans did not start");
                skipped.push(("the browser".into(), e.to_string()));
                None
            }
        }
    }

    /// Holds the case's key while it has unfinished jobs, so this node can run them.
    pub(crate) async fn arm_jobs(&self, case: Uuid, keys: &Keyring) -> Result<(), ServiceError> {
        if self.store().has_due_jobs(case, self.now()).await? {
            self.jobs().arm(case, keys);
        }
        Ok(())
    }

    /// Takes a due job for this node, if no other node holds it.
    async fn claim(&self, job: &JobRow) -> bool {
        let at = self.now();
        match self.store().claim_job(job.id, &self.jobs().node, at + LEASE, at).await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "could not take a job");
                false
            }
        }
    }

    /// Records how a job this node held ended: done, failed (at once if what it was given
    /// cannot be worked on, or after its last attempt), or queued again after a back-off.
    /// Returns the state it is left in.
    async fn finish(&self, job: &JobRow, outcome: Result<(), ServiceError>) -> JobState {
        let at = self.now();
        let (state, error, run_after) = match outcome {
            Ok(()) => (JobState::Done, String::new(), at),
            // What it was given cannot be worked on (a file that is not a video): trying again
            // would not help.
            Err(ServiceError::Invalid(problems)) => {
                let why: Vec<String> = problems.fields.into_iter().map(|p| p.message).collect();
                (JobState::Failed, why.join(" "), at)
            }
            Err(e) if job.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(error = %e, kind = %job.kind, "a job failed for the last time");
                (JobState::Failed, e.user_message(), at)
            }
            Err(e) => {
                tracing::warn!(error = %e, kind = %job.kind, attempt = job.attempts + 1, "a job failed; it will be retried");
                let wait = SignedDuration::from_secs(5 * 4_i64.pow(job.attempts.clamp(0, 4) as u32));
                (JobState::Queued, String::new(), at + wait)
            }
        };
        if let Err(e) = self.store().release_job(job.id, &self.jobs().node, state.as_str(), &error, run_after, at).await
        {
            tracing::warn!(error = %e, "could not record the end of a job");
        }
        state
    }

    /// Runs due reminders, which need no case's key, in whatever case they are.
    async fn run_due_reminders(&self) {
        let due = match self.store().due_jobs(JobKind::Reminder.as_str(), self.now()).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for reminders");
                return;
            }
        };
        for job in due {
            if self.claim(&job).await {
                let outcome = self.send_reminder(&job).await;
                self.finish(&job, outcome).await;
            }
        }
    }

    async fn run_job(&self, job: JobRow, keys: &Keyring) {
        if !self.claim(&job).await {
            return;
        }
        let step = Step {
            lodge: self.clone(),
            case: job.case_id,
            id: job.id,
            keys: keys.duplicate(),
            done: Arc::new(AtomicI64::new(job.done)),
            lost: Arc::new(AtomicBool::new(false)),
        };
        let heartbeat = {
            let (lodge, id, node, done, lost) =
                (self.clone(), job.id, self.jobs().node.clone(), step.done.clone(), step.lost.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HEARTBEAT).await;
                    let at = lodge.now();
                    let d = done.load(Ordering::SeqCst);
                    if let Ok(false) = lodge.store().job_progress(id, &node, d, None, at + LEASE, at).await {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
        };
        let case = OpenCase::for_job(self, job.case_id, keys.duplicate(), UserId(job.user_id));
        let kind = JobKind::parse(&job.kind);
        let outcome = match kind {
            Some(JobKind::Scan) => case.run_scan(&job, &step).await,
            Some(JobKind::Recheck) => case.run_recheck(&job, &step).await,
            Some(JobKind::Watch) => case.run_watch(&job, &step).await,
            Some(JobKind::Video) => case.run_video(&job, &step).await,
            Some(JobKind::Report) => case.run_report(&job, &step).await,
            Some(JobKind::Share) => case.run_share(&job, &step).await,
            Some(JobKind::Reminder) => self.send_reminder(&job).await,
            None => Err(ServiceError::Internal(format!("unknown job kind {}", job.kind))),
        };
        heartbeat.abort();
        if step.lost() {
            return;
        }
        if self.finish(&job, outcome).await == JobState::Failed && kind == Some(JobKind::Video) {
            case.forget_video(job.id).await;
        }
    }
}

impl OpenCase {
    /// Queues a job for this case and holds the case's key so that this node runs it.
    pub(crate) async fn start_job<P: Serialize>(
        &self,
        kind: JobKind,
        total: i64,
        payload: &P,
    ) -> Result<JobId, ServiceError> {
        self.queue_job(kind, total, payload, self.lodge().now()).await
    }

    /// Queues a job to run at `run_after` (now, or later); this node holds the case's key if
    /// it is due now.
    pub(crate) async fn queue_job<P: Serialize>(
        &self,
        kind: JobKind,
        total: i64,
        payload: &P,
        run_after: Timestamp,
    ) -> Result<JobId, ServiceError> {
        self.may_write()?;
        let id = JobId::new();
        self.enqueue_job(id, kind, total, payload, run_after).await?;
        Ok(id)
    }

    /// Queues job `id` (for work whose files are named after the job before it is queued).
    pub(crate) async fn enqueue_job<P: Serialize>(
        &self,
        JobId(id): JobId,
        kind: JobKind,
        total: i64,
        payload: &P,
        run_after: Timestamp,
    ) -> Result<(), ServiceError> {
        let payload = seal_record(&self.keys, job_place(self.id.0, id), payload)?.bytes;
        let row = self.new_job(id, kind, total, payload, run_after);
        self.lodge().store().create_job(&row).await?;
        if run_after <= row.created_at {
            self.lodge().jobs().arm(self.id.0, &self.keys);
        }
        Ok(())
    }

    /// A job row for this case, queued to run at `run_after`.
    pub(crate) fn new_job(
        &self,
        id: Uuid,
        kind: JobKind,
        total: i64,
        payload: Vec<u8>,
        run_after: Timestamp,
    ) -> JobRow {
        let at = self.lodge().now();
        JobRow {
            id,
            case_id: self.id.0,
            user_id: self.user.0,
            kind: kind.as_str().into(),
            state: JobState::Queued.as_str().into(),
            payload,
            done: 0,
            total,
            attempts: 0,
            run_after,
            lease_owner: String::new(),
            lease_until: Timestamp::UNIX_EPOCH,
            error: String::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// Queues a job of `kind` to run at `run_after`, unless one of that kind is already queued
    /// to run by then (a periodic job is queued once, however many times it is asked for).
    pub(crate) async fn queue_job_once<P: Serialize>(
        &self,
        kind: JobKind,
        total: i64,
        payload: &P,
        run_after: Timestamp,
    ) -> Result<(), ServiceError> {
        let queued = self.lodge().store().unfinished_jobs(self.id.0).await?;
        if !queued.iter().any(|j| {
            j.kind == kind.as_str() && JobState::parse(&j.state) == JobState::Queued && j.run_after <= run_after
        }) {
            self.queue_job(kind, total, payload, run_after).await?;
        }
        Ok(())
    }

    /// One job of this case of one kind, opened.
    pub(crate) async fn job<P: DeserializeOwned>(&self, kind: JobKind, id: JobId) -> Result<Job<P>, ServiceError> {
        job_of(&self.keys, &self.job_row(kind, id).await?)
    }

    pub(crate) async fn job_row(&self, kind: JobKind, id: JobId) -> Result<JobRow, ServiceError> {
        let row = self.lodge().store().job(self.id.0, id.0).await?;
        row.filter(|r| r.kind == kind.as_str()).ok_or(ServiceError::NotFound)
    }

    /// This case's jobs of one kind, newest first.
    pub(crate) async fn jobs<P: DeserializeOwned>(&self, kind: JobKind) -> Result<Vec<Job<P>>, ServiceError> {
        self.lodge().store().jobs(self.id.0, kind.as_str()).await?.iter().map(|r| job_of(&self.keys, r)).collect()
    }

    /// What a running job works on, opened.
    pub(crate) fn job_payload<P: DeserializeOwned>(&self, row: &JobRow) -> Result<P, ServiceError> {
        Ok(open_record(&self.keys, job_place(self.id.0, row.id), &row.payload)?.value)
    }

    /// Stops a job that has not finished (what it found so far is kept).
    pub(crate) async fn cancel_job(&self, kind: JobKind, id: JobId) -> Result<(), ServiceError> {
        self.may_write()?;
        self.job_row(kind, id).await?;
        if self.lodge().store().cancel_job(self.id.0, id.0, self.lodge().now()).await? && kind == JobKind::Video {
            self.forget_video(id.0).await;
        }
        Ok(())
    }
}
