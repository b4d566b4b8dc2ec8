//! The evidence bundle as a stream: the report, `records.json`, every exhibit decrypted chunk
//! by chunk straight into the zip, and the signatures; nothing of it touches the disk.

use std::io::{self, Write};

use bytes::Bytes;
use futures_util::StreamExt;
use lodge_report::bundle::{self, LogInfo};
use lodge_report::{BundleWriter, Seal};

use super::{PreparedReport, ReportOptions, report_error};
use crate::ServiceError;
use crate::case::OpenCase;

impl OpenCase {
    /// The evidence bundle as a stream of zip bytes. Exhibits are decrypted as they stream and
    /// never touch the disk in plaintext. When the whole bundle has been written, an "exported"
    /// leaf with the manifest's SHA-256 is appended to her log.
    pub async fn bundle(
        self,
        options: &ReportOptions,
        seal: Option<Seal>,
    ) -> Result<impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static, ServiceError> {
        let prepared = self.prepare_report(options).await?;
        let pdf = self.render(&prepared).await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, io::Error>>(8);
        let runtime = tokio::runtime::Handle::current();
        let errors = tx.clone();
        tokio::task::spawn_blocking(move || {
            // Large messages to the response, not one per zip write.
            let out = io::BufWriter::with_capacity(256 * 1024, ChannelWriter { tx });
            let written = self.write_bundle_sealed(&runtime, prepared, &pdf, out, seal.as_ref(), &|_| {}).and_then(
                |(mut out, sha)| {
                    out.flush().map_err(|e| ServiceError::Internal(e.to_string()))?;
                    Ok(sha)
                },
            );
            if let Err(e) = written.and_then(|sha| runtime.block_on(self.record_export(sha))) {
                tracing::warn!(error = %e, "an evidence bundle was not finished");
                let _ = errors.blocking_send(Err(io::Error::other("the bundle could not be finished")));
            }
        });
        Ok(tokio_stream_from(rx))
    }

    /// Writes the bundle to `out`, locked with `seal` if she chose one; returns `out` and the
    /// manifest's SHA-256. `progress` hears of each exhibit written.
    pub(crate) fn write_bundle_sealed<W: Write>(
        &self,
        runtime: &tokio::runtime::Handle,
        prepared: PreparedReport,
        pdf: &[u8],
        out: W,
        seal: Option<&Seal>,
        progress: &dyn Fn(usize),
    ) -> Result<(W, String), ServiceError> {
        match seal {
            None => self.write_bundle(runtime, prepared, pdf, out, progress),
            Some(seal) => {
                let sealed = seal.wrap(out).map_err(report_error)?;
                let (sealed, sha) = self.write_bundle(runtime, prepared, pdf, sealed, progress)?;
                let out = sealed.finish().map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok((out, sha))
            }
        }
    }

    /// Writes the bundle to `out`; returns it and the manifest's SHA-256.
    fn write_bundle<W: Write>(
        &self,
        runtime: &tokio::runtime::Handle,
        prepared: PreparedReport,
        pdf: &[u8],
        out: W,
        progress: &dyn Fn(usize),
    ) -> Result<(W, String), ServiceError> {
        let lodge = self.lodge();
        let checkpoint = &prepared.checkpoint;
        let log = LogInfo {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            root: data_encoding::BASE64.encode(&checkpoint.root.0),
            verifier_key: checkpoint.verifier_key.clone(),
        };
        let created = self.lodge().now().to_string();
        let mut writer =
            BundleWriter::new(out, &lodge.signer().key, log, &checkpoint.note, created).map_err(report_error)?;
        writer.add_file(bundle::REPORT, pdf).map_err(report_error)?;
        writer.add_records(&prepared.records).map_err(report_error)?;
        if let Some(token) = &checkpoint.timestamp_token {
            writer.add_file(bundle::TIMESTAMP, token).map_err(report_error)?;
        }
        for (n, (id, source)) in prepared.exhibits.into_iter().enumerate() {
            let (_, stream) = runtime.block_on(self.evidence_content(id))?;
            writer.add_exhibit(source, StreamReader::new(runtime, stream)).map_err(report_error)?;
            progress(n + 1);
        }
        writer.finish().map_err(report_error)
    }
}

/// Sends what the zip writer writes to the response, a chunk at a time.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was cancelled"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads a decrypting stream from a blocking thread.
struct StreamReader<'a> {
    runtime: &'a tokio::runtime::Handle,
    stream: crate::PlainStream,
    chunk: Bytes,
}

impl<'a> StreamReader<'a> {
    fn new(runtime: &'a tokio::runtime::Handle, stream: crate::PlainStream) -> Self {
        StreamReader { runtime, stream, chunk: Bytes::new() }
    }
}

impl io::Read for StreamReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.runtime.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(io::Error::other(e.to_string())),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
