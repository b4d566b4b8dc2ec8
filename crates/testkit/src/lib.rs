//! What Lodge's tests share: real servers started on loopback ports — an S3-compatible store
//! (moto), an SMTP server (aiosmtpd), a web site (Python's `http.server`) — and real files
//! (a photo with EXIF). It depends on no Lodge crate, so any crate's tests can use it.

// Test helpers fail loudly on purpose: a test that cannot set up must stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod exports;
pub mod photo;
pub mod s3;
pub mod site;
pub mod smtp;

use std::time::Duration;

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something listens on `port`, for up to `tries` × 50 ms.
fn wait_for(port: u16, tries: u32, what: &str) {
    for _ in 0..tries {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not start");
}
