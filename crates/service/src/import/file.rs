//! A received export read as a file without holding it in memory: decrypted as it is read,
//! begun again when a reader goes back, and its last bytes kept for a zip's directory.

use super::*;

/// A blob read as a file, never whole in memory: forward reads decrypt as they go, and a read
/// before where the stream stands starts it again from the beginning. Its last bytes are kept
/// once its end is sought, since a zip is read from its end (its directory) before its entries.
pub(super) struct BlobFile {
    pub(super) open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>,
    pub(super) stream: PlainStream,
    pub(super) buffer: Bytes,
    /// Where the stream stands.
    pub(super) streamed: u64,
    /// Where the next read begins.
    pub(super) position: u64,
    /// The file's last bytes and where they begin, once its end has been sought.
    pub(super) tail: Option<(u64, Vec<u8>)>,
    /// Bytes decrypted so far, over every time the stream began again.
    pub(super) pulled: u64,
}

/// How many times over a zip may be decrypted while it is read: a real one is read in order, in
/// three or four passes; one whose entries are laid out to be read backwards would otherwise
/// make the stream begin again for each of them.
pub(super) const PASSES: u64 = 8;

/// How much of the end of a file is kept (a zip's directory: 20,000 entries of about 100 bytes).
pub(super) const TAIL: usize = 4 * 1024 * 1024;

impl BlobFile {
    pub(super) fn new(
        open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>,
    ) -> Result<BlobFile, ServiceError> {
        let stream = open()?;
        Ok(BlobFile { open, stream, buffer: Bytes::new(), streamed: 0, position: 0, tail: None, pulled: 0 })
    }

    /// Takes the stream's next chunk into the (empty) buffer; false at its end.
    pub(super) fn pull(&mut self) -> std::io::Result<bool> {
        match tokio::runtime::Handle::current().block_on(self.stream.next()) {
            Some(Ok(chunk)) => {
                self.streamed += chunk.len() as u64;
                self.pulled += chunk.len() as u64;
                if let Some((start, bytes)) = &self.tail
                    && self.pulled > PASSES * (start + bytes.len() as u64) + (64 << 20)
                {
                    return Err(std::io::Error::other(
                        "its entries are out of order, so it cannot be read in a few passes",
                    ));
                }
                self.buffer = chunk;
                Ok(true)
            }
            Some(Err(e)) => Err(std::io::Error::other(e.to_string())),
            None => Ok(false),
        }
    }

    /// Where the buffer's first byte is in the file.
    pub(super) fn buffer_start(&self) -> u64 {
        self.streamed - self.buffer.len() as u64
    }

    /// Brings the buffer to begin at `position` (empty at the end of the file), starting the
    /// stream again from the beginning if it has passed it.
    pub(super) fn stream_to_position(&mut self) -> std::io::Result<()> {
        if self.position < self.buffer_start() {
            self.stream = (self.open)().map_err(|e| std::io::Error::other(e.to_string()))?;
            (self.buffer, self.streamed) = (Bytes::new(), 0);
        }
        loop {
            if self.position < self.streamed {
                let skip = (self.position - self.buffer_start()) as usize;
                let _ = self.buffer.split_to(skip);
                return Ok(());
            }
            self.buffer = Bytes::new();
            if !self.pull()? {
                return Ok(());
            }
        }
    }

    /// Reads to the end, keeping the last [`TAIL`] bytes; returns the file's length.
    pub(super) fn keep_tail(&mut self) -> std::io::Result<u64> {
        if let Some((start, bytes)) = &self.tail {
            return Ok(start + bytes.len() as u64);
        }
        let mut start = self.buffer_start();
        let mut kept = std::mem::take(&mut self.buffer).to_vec();
        while self.pull()? {
            kept.extend_from_slice(&std::mem::take(&mut self.buffer));
            if kept.len() > 2 * TAIL {
                let drop = kept.len() - TAIL;
                kept.drain(..drop);
                start += drop as u64;
            }
        }
        let length = start + kept.len() as u64;
        self.tail = Some((start, kept));
        Ok(length)
    }
}

impl Read for BlobFile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if let Some((start, bytes)) = &self.tail
            && self.position >= *start
        {
            let from = ((self.position - start) as usize).min(bytes.len());
            let n = out.len().min(bytes.len() - from);
            out[..n].copy_from_slice(&bytes[from..from + n]);
            self.position += n as u64;
            return Ok(n);
        }
        self.stream_to_position()?;
        let n = out.len().min(self.buffer.len());
        out[..n].copy_from_slice(&self.buffer.split_to(n));
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for BlobFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidInput);
        self.position = match to {
            SeekFrom::Start(t) => t,
            SeekFrom::Current(d) => self.position.checked_add_signed(d).ok_or_else(invalid)?,
            SeekFrom::End(d) => self.keep_tail()?.checked_add_signed(d).ok_or_else(invalid)?,
        };
        Ok(self.position)
    }
}

/// A file that can be read and sought in.
pub(super) trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

/// Runs `read` on a received export, streamed from the blob store as it decrypts.
pub(super) fn as_file<T>(
    open: Box<dyn Fn() -> Result<PlainStream, ServiceError> + Send>,
    read: impl FnOnce(&mut dyn ReadSeek) -> T,
) -> Result<T, ServiceError> {
    let mut file = BlobFile::new(open)?;
    Ok(read(&mut file))
}
