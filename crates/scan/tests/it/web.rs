//! A web site in a temporary folder, served by Python's `http.server` (for the scan tests here
//! and the command-line tests).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use url::Url;

/// A running site; stopped when dropped.
pub struct Site {
    child: Child,
    /// The site's address, ending in `/`.
    pub url: Url,
    _dir: tempfile::TempDir,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `dir` over HTTP on a free loopback port.
pub fn serve(dir: tempfile::TempDir) -> Site {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let site = Site { child, url: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(), _dir: dir };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return site;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the test site did not start");
}
