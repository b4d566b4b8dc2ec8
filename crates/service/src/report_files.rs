//! Report files: the report (PDF) or the evidence bundle made by a durable job, so that a
//! large case's bundle is built once, on whichever node is free, carries on after a restart,
//! and waits, encrypted under the case's key, for her to download it (a phone that loses its
//! connection half-way loses nothing). She deletes it when she has what she needs.

use crate::jobs::JobKind;
use std::io::{self, Write};
use std::sync::atomic::Ordering;

use lodge_blobs::BlobWriter;
use lodge_domain::JobId;
use lodge_report::Seal;
use lodge_store::JobRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::case::OpenCase;
use crate::jobs::{Job, Step};
use crate::{PlainStream, ReportOptions, SecretString, ServiceError};

/// Steps besides the exhibits: gathering, the PDF, saving.
const FIXED_STEPS: i64 = 3;

/// What she asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportFile {
    /// The PDF alone.
    Pdf,
    /// The zip with the PDF, every exhibit, the manifest and the proofs.
    Bundle,
}

/// How a bundle is locked, kept (sealed under the case's key, with the rest of the job) only
/// until the bundle is made.
#[derive(Serialize, Deserialize)]
enum Lock {
    Passphrase(String),
    Recipients(Vec<String>),
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lock::Passphrase(_) => "Lock::Passphrase(…)",
            Lock::Recipients(_) => "Lock::Recipients(…)",
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Lock::Passphrase(p) = self {
            zeroize::Zeroize::zeroize(p);
        }
    }
}

impl Lock {
    fn of(seal: &Seal) -> Lock {
        match seal {
            Seal::Passphrase(p) => Lock::Passphrase(lodge_report::ExposeSecret::expose_secret(p).to_owned()),
            Seal::Recipients(list) => Lock::Recipients(list.iter().map(ToString::to_string).collect()),
        }
    }

    fn seal(&self) -> Result<Seal, ServiceError> {
        let made = match self {
            Lock::Passphrase(p) => Seal::passphrase(SecretString::from(p.clone())),
            Lock::Recipients(list) => Seal::recipients(list.iter().map(String::as_str)),
        };
        made.map_err(|e| ServiceError::invalid("seal", &e.to_string()))
    }
}

/// A report being made, or made: her choices, and what came out.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportWork {
    /// What she chose to put in it.
    pub options: ReportOptions,
    /// The PDF or the bundle.
    pub file: ReportFile,
    /// Whether the bundle is locked (with a passphrase or for an officer's key).
    pub locked: bool,
    lock: Option<Lock>,
    /// Exhibits in the bundle.
    pub exhibits: i64,
    /// The PDF's SHA-256, or the bundle manifest's, as her log records it; once made.
    pub sha256: String,
    /// The file's size in bytes, once made.
    pub size: u64,
}

/// A report being made by a job, or made and waiting to be downloaded.
pub type PreparedFile = Job<ReportWork>;

fn report_blob(case: &OpenCase, job: Uuid) -> String {
    format!("cases/{}/jobs/{}/report", case.id, job)
}

/// Writes to a stored file from a blocking thread, counting what it writes.
struct BlockingBlob<'a> {
    runtime: &'a tokio::runtime::Handle,
    writer: BlobWriter,
    written: u64,
}

impl Write for BlockingBlob<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.runtime.block_on(self.writer.write(buf)).map_err(io::Error::other)?;
        self.written += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl OpenCase {
    /// Checks her choices (she hears at once if nothing matches) and queues the job that
    /// makes the file. Anyone who may read the case may make a report from it.
    pub async fn prepare_file(
        &self,
        options: ReportOptions,
        file: ReportFile,
        seal: Option<Seal>,
    ) -> Result<JobId, ServiceError> {
        let prepared = self.prepare_report(&options).await?;
        let exhibits = if file == ReportFile::Bundle { prepared.exhibit_count() as i64 } else { 0 };
        let work = ReportWork {
            options,
            file,
            locked: seal.is_some(),
            lock: seal.as_ref().map(Lock::of),
            exhibits,
            sha256: String::new(),
            size: 0,
        };
        let id = JobId::new();
        self.enqueue_job(id, JobKind::Report, FIXED_STEPS + exhibits, &work, self.lodge().now()).await?;
        Ok(id)
    }

    /// Reports being made, and made, newest first.
    pub async fn prepared_files(&self) -> Result<Vec<PreparedFile>, ServiceError> {
        self.jobs(JobKind::Report).await
    }

    /// One report being made, or made.
    pub async fn prepared_file(&self, id: JobId) -> Result<PreparedFile, ServiceError> {
        self.job(JobKind::Report, id).await
    }

    /// A made report's file, decrypting as it streams.
    pub async fn prepared_file_content(&self, id: JobId) -> Result<(PreparedFile, PlainStream), ServiceError> {
        let job = self.prepared_file(id).await?;
        if job.state != crate::JobState::Done {
            return Err(ServiceError::NotFound);
        }
        let stream = self.lodge().blobs().reader(&report_blob(self, id.0), &self.keys).await?;
        Ok((job, stream))
    }

    /// Deletes a report made (or stops one being made), and its file: her own, or anyone's
    /// for those who may change the case.
    pub async fn delete_prepared_file(&self, id: JobId) -> Result<(), ServiceError> {
        if self.job_row(JobKind::Report, id).await?.user_id != self.user.0 {
            self.may_write()?;
        }
        self.lodge().store().delete_job(self.id.0, id.0).await?;
        self.lodge().blobs().delete(&report_blob(self, id.0)).await?;
        Ok(())
    }

    /// Makes the file: gathers what goes in, renders the PDF, and for a bundle writes every
    /// exhibit, then appends the "exported" leaf to her log. Made again from the start if the
    /// job is interrupted (the file is written whole or not at all).
    pub(crate) async fn run_report(&self, row: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let mut work: ReportWork = self.job_payload(row)?;
        let prepared = self.prepare_report(&work.options).await?;
        step.progress(1, &work).await?;
        let pdf = self.render(&prepared).await?;
        step.progress(2, &work).await?;
        if step.lost() {
            return Ok(());
        }
        let name = report_blob(self, row.id);
        let (sha256, size) = match work.file {
            ReportFile::Pdf => {
                self.lodge().blobs().put(&name, &self.keys, &pdf).await?;
                (lodge_ledger::entry::hex(&Sha256::digest(&pdf)), pdf.len() as u64)
            }
            ReportFile::Bundle => {
                let seal = work.lock.as_ref().map(Lock::seal).transpose()?;
                self.write_bundle_blob(&name, &self.keys, prepared, &pdf, seal, step).await?
            }
        };
        if step.lost() {
            return Ok(());
        }
        self.record_export(sha256.clone()).await?;
        work.lock = None;
        work.sha256 = sha256;
        work.size = size;
        step.progress(row.total, &work).await
    }

    /// Writes a bundle into a stored file sealed under `keys`, counting exhibits as the job's
    /// steps. Returns the manifest's SHA-256 and the file's size.
    pub(crate) async fn write_bundle_blob(
        &self,
        name: &str,
        keys: &lodge_crypto::Keyring,
        prepared: crate::PreparedReport,
        pdf: &[u8],
        seal: Option<Seal>,
        step: &Step,
    ) -> Result<(String, u64), ServiceError> {
        let writer = self.lodge().blobs().writer(name, keys).await?;
        let case = OpenCase::for_job(self.lodge(), self.id.0, self.keys.duplicate(), self.user);
        let counter = step.counter();
        let runtime = tokio::runtime::Handle::current();
        let pdf = pdf.to_vec();
        let (writer, sha256, size) = tokio::task::spawn_blocking(move || {
            let blob = BlockingBlob { runtime: &runtime, writer, written: 0 };
            let out = io::BufWriter::with_capacity(1024 * 1024, blob);
            let progress = |n: usize| counter.store(2 + n as i64, Ordering::SeqCst);
            let (out, sha256) = case.write_bundle_sealed(&runtime, prepared, &pdf, out, seal.as_ref(), &progress)?;
            let blob = out.into_inner().map_err(|e| ServiceError::Internal(e.error().to_string()))?;
            Ok::<_, ServiceError>((blob.writer, sha256, blob.written))
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))??;
        writer.finish().await?;
        Ok((sha256, size))
    }
}
