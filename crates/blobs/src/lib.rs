//! Encrypted evidence files on object storage (the `object_store` crate): a local directory
//! (the embedded default), or an S3-compatible bucket when one machine is outgrown.
//!
//! Every file is encrypted as a stream ([`lodge_crypto::stream`]) on its way in and decrypted
//! as a stream on its way out, so no file is ever held whole in memory and no plaintext ever
//! touches the store. The associated data names the blob, so two blobs cannot be swapped.
//! A write returns only once it is durable: on the local backend Lodge syncs the file and its
//! directory itself, because `object_store` does not.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use lodge_crypto::stream::Encryptor;
use lodge_crypto::{Aad, CryptoError, Keyring};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::chunked::ChunkedStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use tokio::io::AsyncWriteExt;

/// How much of a stored file is read at a time.
const READ_CHUNK: usize = 1024 * 1024;

/// What can go wrong with blobs.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The object store failed.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// Writing failed.
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
    /// The file did not decrypt.
    #[error("the file could not be decrypted: {0}")]
    Crypto(#[from] CryptoError),
    /// The blob does not exist.
    #[error("no such file")]
    NotFound,
}

/// A stream of decrypted bytes.
pub type PlainStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// An S3-compatible bucket. The secret key never prints.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// The bucket's name.
    pub bucket: String,
    /// The service's address (`https://…`, or `http://…` for a server on a private network);
    /// empty for Amazon S3 itself.
    pub endpoint: String,
    /// The region.
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where encrypted files live.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    local_root: Option<PathBuf>,
}

impl Blobs {
    /// Files in a local directory, created if missing.
    pub fn local(dir: &Path) -> Result<Blobs, BlobError> {
        std::fs::create_dir_all(dir)?;
        let root = dir.canonicalize()?;
        // Read files back in 1 MiB pieces: the local store's own default is 8 KiB, one
        // blocking-pool task each, which made a 1 GiB download cost 131,072 tasks.
        let store = ChunkedStore::new(Arc::new(LocalFileSystem::new_with_prefix(&root)?), READ_CHUNK);
        Ok(Blobs { store: Arc::new(store), local_root: Some(root) })
    }

    /// Files in an S3-compatible bucket. A write is acknowledged by the service once stored,
    /// and large files go up in parts.
    pub fn s3(settings: &S3Settings) -> Result<Blobs, BlobError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            // A few quick retries, so that a bucket that is down fails a request (and the health
            // check) within seconds rather than minutes.
            .with_retry(object_store::RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(10),
                ..object_store::RetryConfig::default()
            });
        let endpoint = settings.endpoint.trim();
        if !endpoint.is_empty() {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(Blobs { store: Arc::new(builder.build()?), local_root: None })
    }

    fn aad(name: &str) -> Aad {
        Aad::from_parts(&[b"blob", name.as_bytes()])
    }

    /// Starts writing the blob `name`, encrypted under the newest generation of `keys`.
    pub async fn writer(&self, name: &str, keys: &Keyring) -> Result<BlobWriter, BlobError> {
        let (encryptor, header) = keys.encryptor(Self::aad(name))?;
        let mut sink = BufWriter::with_capacity(Arc::clone(&self.store), StorePath::from(name), 8 * 1024 * 1024);
        sink.write_all(&header).await?;
        Ok(BlobWriter { blobs: self.clone(), name: name.to_owned(), encryptor, sink })
    }

    /// Writes a small blob in one go.
    pub async fn put(&self, name: &str, keys: &Keyring, data: &[u8]) -> Result<(), BlobError> {
        let mut w = self.writer(name, keys).await?;
        w.write(data).await?;
        w.finish().await
    }

    /// Reads blob `name`, decrypting as it streams. A chunk that fails to authenticate ends
    /// the stream with an error.
    pub async fn reader(&self, name: &str, keys: &Keyring) -> Result<PlainStream, BlobError> {
        let got = match self.store.get(&StorePath::from(name)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let inner = got.into_stream().map_err(BlobError::from).boxed();
        let decryptor = keys.decryptor(Self::aad(name));
        let plain = stream::try_unfold((inner, Some(decryptor)), |(mut inner, decryptor)| async move {
            let Some(mut d) = decryptor else { return Ok(None) };
            while let Some(chunk) = inner.next().await {
                let out = d.push(&chunk?)?;
                if !out.is_empty() {
                    return Ok(Some((Bytes::from(out), (inner, Some(d)))));
                }
            }
            let last = d.finish()?;
            Ok(Some((Bytes::from(last), (inner, None))))
        });
        Ok(plain.boxed())
    }

    /// Reads a whole blob into memory; for small files such as thumbnails.
    pub async fn read_all(&self, name: &str, keys: &Keyring) -> Result<Vec<u8>, BlobError> {
        let mut out = Vec::new();
        let mut s = self.reader(name, keys).await?;
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// Deletes a blob. Deleting one that does not exist is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), BlobError> {
        match self.store.delete(&StorePath::from(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every blob whose name starts with `prefix`: its name, when it was written, and its
    /// stored (encrypted) size.
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, BlobError> {
        let prefix = StorePath::from(prefix);
        self.store
            .list(Some(&prefix))
            .map_ok(|meta| Listed {
                name: meta.location.to_string(),
                written: std::time::SystemTime::from(meta.last_modified),
                size: meta.size,
            })
            .try_collect()
            .await
            .map_err(BlobError::from)
    }

    /// A blob exactly as stored (ciphertext), for a backup.
    pub async fn raw_reader(&self, name: &str) -> Result<BoxStream<'static, Result<Bytes, BlobError>>, BlobError> {
        match self.store.get(&StorePath::from(name)).await {
            Ok(got) => Ok(got.into_stream().map_err(BlobError::from).boxed()),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a blob exactly as given (ciphertext from a backup); durable once
    /// [`RawWriter::finish`] returns.
    pub fn raw_writer(&self, name: &str) -> RawWriter {
        let sink = BufWriter::with_capacity(Arc::clone(&self.store), StorePath::from(name), 8 * 1024 * 1024);
        RawWriter { blobs: self.clone(), name: name.to_owned(), sink }
    }

    /// Removes what writes that never finished left behind before `cutoff` (a process killed
    /// mid-upload leaves a staged file in a local directory). Returns how many were removed.
    /// In a bucket, unfinished multipart uploads are the bucket's to expire (a lifecycle rule).
    pub async fn remove_unfinished_writes(&self, cutoff: std::time::SystemTime) -> Result<u64, BlobError> {
        let Some(root) = self.local_root.clone() else { return Ok(0) };
        let removed = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let mut removed = 0;
            let mut dirs = vec![root];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(&dir)? {
                    let entry = entry?;
                    let kind = entry.file_type()?;
                    if kind.is_dir() {
                        dirs.push(entry.path());
                    } else if entry.file_name().to_string_lossy().contains('#')
                        && entry.metadata()?.modified()? < cutoff
                    {
                        std::fs::remove_file(entry.path())?;
                        removed += 1;
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        Ok(removed)
    }

    /// Checks that the store answers and takes writes (for the health check): writes a small
    /// object and deletes it. A missing bucket fails here, where a read would only say "not
    /// found".
    pub async fn ping(&self) -> Result<(), BlobError> {
        let path = StorePath::from("health/ping");
        self.store.put(&path, object_store::PutPayload::from_static(b"ok")).await?;
        self.store.delete(&path).await?;
        Ok(())
    }

    async fn make_durable(&self, name: &str) -> Result<(), BlobError> {
        let Some(root) = self.local_root.clone() else { return Ok(()) };
        let path = root.join(name);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::File::open(&path)?.sync_all()?;
            // Sync each directory from the file's up to the root, so new entries survive too.
            for dir in path.ancestors().skip(1).take_while(|d| d.starts_with(&root)) {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        Ok(())
    }
}

/// A stored blob as [`Blobs::list`] gives it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its name.
    pub name: String,
    /// When it was written.
    pub written: std::time::SystemTime,
    /// Its stored size in bytes.
    pub size: u64,
}

/// A blob being written exactly as given (see [`Blobs::raw_writer`]).
#[derive(Debug)]
pub struct RawWriter {
    blobs: Blobs,
    name: String,
    sink: BufWriter,
}

impl RawWriter {
    /// Writes more of it.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), BlobError> {
        self.sink.write_all(data).await?;
        Ok(())
    }

    /// Finishes it and returns once it is durable.
    pub async fn finish(mut self) -> Result<(), BlobError> {
        self.sink.shutdown().await?;
        self.blobs.make_durable(&self.name).await
    }
}

/// An encrypted blob being written. Call [`BlobWriter::finish`] to make it durable, or
/// [`BlobWriter::abort`] to throw it away.
#[derive(Debug)]
pub struct BlobWriter {
    blobs: Blobs,
    name: String,
    encryptor: Encryptor,
    sink: BufWriter,
}

impl BlobWriter {
    /// Encrypts and writes more of the file.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), BlobError> {
        let ct = self.encryptor.push(data)?;
        if !ct.is_empty() {
            self.sink.write_all(&ct).await?;
        }
        Ok(())
    }

    /// Writes the last chunk and returns once the file is durable.
    pub async fn finish(mut self) -> Result<(), BlobError> {
        let last = self.encryptor.finish()?;
        self.sink.write_all(&last).await?;
        self.sink.shutdown().await?;
        self.blobs.make_durable(&self.name).await
    }

    /// Abandons the file; nothing is left behind.
    pub async fn abort(mut self) {
        if let Err(e) = self.sink.abort().await {
            tracing::warn!(error = %e, "could not abort a partial upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_is_encrypted_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).unwrap();
        let key = Keyring::generate().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        let mut w = blobs.writer("cases/c/evidence/e", &key).await.unwrap();
        for part in data.chunks(10_000) {
            w.write(part).await.unwrap();
        }
        w.finish().await.unwrap();
        let raw = std::fs::read(dir.path().join("cases/c/evidence/e")).unwrap();
        assert_eq!(raw.len() as u64, lodge_crypto::stream::encrypted_len(data.len() as u64));
        assert!(!raw.windows(64).any(|w| data.windows(64).next() == Some(w)));
        assert_eq!(blobs.read_all("cases/c/evidence/e", &key).await.unwrap(), data);
        // A blob moved to another name no longer decrypts.
        std::fs::create_dir_all(dir.path().join("cases/c/evidence")).unwrap();
        std::fs::write(dir.path().join("cases/c/evidence/f"), &raw).unwrap();
        assert!(blobs.read_all("cases/c/evidence/f", &key).await.is_err());
        blobs.delete("cases/c/evidence/e").await.unwrap();
        assert!(matches!(blobs.reader("cases/c/evidence/e", &key).await, Err(BlobError::NotFound)));
        blobs.delete("cases/c/evidence/e").await.unwrap();
    }

    #[tokio::test]
    async fn aborted_upload_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).unwrap();
        let key = Keyring::generate().unwrap();
        let mut w = blobs.writer("cases/c/evidence/x", &key).await.unwrap();
        w.write(&[1u8; 100_000]).await.unwrap();
        w.abort().await;
        assert!(matches!(blobs.reader("cases/c/evidence/x", &key).await, Err(BlobError::NotFound)));
    }
}
