//! Zip archives from her exports (WhatsApp with media, data downloads), read safely: nothing
//! is ever extracted to a path. Entries are checked before any is read — no links, no absolute
//! or `..` paths, a cap on the number of entries, on the total size and on each entry's
//! compression ratio — and each entry is read through a limit at its declared size, so a lying
//! header cannot inflate past it.

use std::io::{Read, Seek};

use zip::ZipArchive;

use crate::ImportError;

/// Limits for one archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries.
    pub max_entries: usize,
    /// Most bytes, all entries uncompressed together.
    pub max_total: u64,
    /// Most an entry may expand, uncompressed size over compressed size.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_entries: 20_000, max_total: 8 * 1024 * 1024 * 1024, max_ratio: 200 }
    }
}

/// One file in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path inside the archive, `/`-separated.
    pub path: String,
    /// The last part of the path.
    pub name: String,
    /// Uncompressed size as declared.
    pub size: u64,
    index: usize,
}

/// An archive whose entries have all been checked.
#[derive(Debug)]
pub struct SafeZip<R> {
    archive: ZipArchive<R>,
    entries: Vec<Entry>,
}

fn refuse(path: &str, why: &str) -> ImportError {
    ImportError::BrokenAt { offset: 0, reason: format!("the archive entry {path:?} {why}; the archive was not opened") }
}

/// Refuses an entry that declares more than `max` bytes, before a byte of it is read.
fn within(entry: &Entry, max: usize) -> Result<(), ImportError> {
    if entry.size > max as u64 {
        let mib = max / (1024 * 1024);
        return Err(refuse(
            &entry.path,
            &format!("is larger than {mib} MiB, more than a real export of this kind holds"),
        ));
    }
    Ok(())
}

impl<R: Read + Seek> SafeZip<R> {
    /// Opens an archive and checks every entry against `limits`.
    pub fn open(reader: R, limits: Limits) -> Result<SafeZip<R>, ImportError> {
        let mut archive = ZipArchive::new(reader).map_err(|e| ImportError::BrokenAt {
            offset: 0,
            reason: format!("this is not a readable zip file ({e})"),
        })?;
        if archive.len() > limits.max_entries {
            return Err(ImportError::BrokenAt {
                offset: 0,
                reason: format!("the archive has {} entries, more than {} allowed", archive.len(), limits.max_entries),
            });
        }
        let mut entries = Vec::new();
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let file = archive.by_index_raw(index).map_err(|e| ImportError::BrokenAt {
                offset: 0,
                reason: format!("an archive entry cannot be read ({e})"),
            })?;
            let path = String::from_utf8_lossy(file.name_raw()).into_owned();
            if file.is_symlink() {
                return Err(refuse(&path, "is a link"));
            }
            if file.enclosed_name().is_none() || path.starts_with('/') || path.contains('\\') {
                return Err(refuse(&path, "has an unsafe path"));
            }
            if file.is_dir() {
                continue;
            }
            if file.size() > file.compressed_size().max(1).saturating_mul(limits.max_ratio) {
                return Err(refuse(&path, "expands far more than a real file would (a zip bomb?)"));
            }
            total = total.saturating_add(file.size());
            if total > limits.max_total {
                return Err(refuse(&path, "takes the archive past the size allowed"));
            }
            let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
            entries.push(Entry { path, name, size: file.size(), index });
        }
        Ok(SafeZip { archive, entries })
    }

    /// Every file, in archive order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The first file whose name satisfies `wanted`.
    pub fn find(&self, wanted: impl Fn(&str) -> bool) -> Option<Entry> {
        self.entries.iter().find(|e| wanted(&e.name)).cloned()
    }

    /// Reads a file whole, if it declares no more than `max` bytes (what a real export of its
    /// kind holds): a larger one is refused before a byte of it is read. Fails too if it holds
    /// more than it declared.
    pub fn read(&mut self, entry: &Entry, max: usize) -> Result<Vec<u8>, ImportError> {
        within(entry, max)?;
        let mut out = Vec::new();
        self.copy(entry, &mut out)?;
        Ok(out)
    }

    /// A file to read as a stream, if it declares no more than `max` bytes (what a real export
    /// of its kind holds).
    pub fn reader_within(&mut self, entry: &Entry, max: usize) -> Result<impl Read + '_, ImportError> {
        within(entry, max)?;
        self.reader(entry)
    }

    /// A file to read as a stream, through a limit at its declared size.
    pub fn reader(&mut self, entry: &Entry) -> Result<impl Read + '_, ImportError> {
        let file =
            self.archive.by_index(entry.index).map_err(|e| refuse(&entry.path, &format!("cannot be read ({e})")))?;
        Ok(file.take(entry.size))
    }

    /// Streams a file into `sink`, failing if it holds more than it declared.
    pub fn copy(&mut self, entry: &Entry, sink: &mut impl std::io::Write) -> Result<u64, ImportError> {
        let broken = |e: &dyn std::fmt::Display| refuse(&entry.path, &format!("cannot be read ({e})"));
        let file = self.archive.by_index(entry.index).map_err(|e| broken(&e))?;
        let mut limited = file.take(entry.size + 1);
        let copied = std::io::copy(&mut limited, sink).map_err(|e| broken(&e))?;
        if copied != entry.size {
            return Err(refuse(&entry.path, "does not hold the size it declares"));
        }
        Ok(copied)
    }
}
