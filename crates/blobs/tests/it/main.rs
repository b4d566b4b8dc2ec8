//! Blobs in a real S3-compatible server: moto (from PyPI) in server mode, started by the test.

// Test helpers fail loudly on purpose: a test that cannot set up must stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::StreamExt;
use lodge_blobs::{BlobError, Blobs};
use lodge_crypto::Keyring;
use lodge_testkit::s3::{Bucket, S3Server};

/// Settings for a bucket on the test server.
fn settings(bucket: Bucket) -> lodge_blobs::S3Settings {
    lodge_blobs::S3Settings {
        bucket: bucket.name,
        endpoint: bucket.endpoint,
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    }
}

#[tokio::test]
async fn files_in_a_bucket_are_encrypted_streamed_in_parts_and_deleted() {
    let server = S3Server::start();
    let blobs = Blobs::s3(&settings(server.bucket("lodge-test"))).unwrap();
    blobs.ping().await.unwrap();
    let key = Keyring::generate().unwrap();

    // 20 MiB: more than the 8 MiB buffer, so it goes up as a multipart upload.
    let data: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut w = blobs.writer("cases/c/evidence/big", &key).await.unwrap();
    for part in data.chunks(1024 * 1024) {
        w.write(part).await.unwrap();
    }
    w.finish().await.unwrap();
    let mut back = Vec::with_capacity(data.len());
    let mut stream = blobs.reader("cases/c/evidence/big", &key).await.unwrap();
    while let Some(chunk) = stream.next().await {
        back.extend_from_slice(&chunk.unwrap());
    }
    assert!(back == data, "the file comes back byte for byte");

    // What the bucket holds (this one file) is ciphertext.
    let raw = server.all_objects("lodge-test");
    assert_eq!(raw.len() as u64, lodge_crypto::stream::encrypted_len(data.len() as u64));
    assert!(!raw.windows(64).any(|w| w == &data[..64]));

    blobs.put("cases/c/thumbnails/t", &key, b"small").await.unwrap();
    assert_eq!(blobs.read_all("cases/c/thumbnails/t", &key).await.unwrap(), b"small");
    assert!(blobs.read_all("cases/c/thumbnails/t", &Keyring::generate().unwrap()).await.is_err(), "another key fails");

    let mut w = blobs.writer("cases/c/evidence/aborted", &key).await.unwrap();
    w.write(&vec![1u8; 9 * 1024 * 1024]).await.unwrap();
    w.abort().await;
    assert!(matches!(blobs.reader("cases/c/evidence/aborted", &key).await, Err(BlobError::NotFound)));

    blobs.delete("cases/c/evidence/big").await.unwrap();
    assert!(matches!(blobs.reader("cases/c/evidence/big", &key).await, Err(BlobError::NotFound)));
    blobs.delete("cases/c/evidence/big").await.unwrap();

    let missing = Blobs::s3(&settings(server.bucket("no-such-bucket"))).unwrap();
    assert!(missing.ping().await.is_err(), "a bucket that is not there fails the health check");
}
