//! A web site in a temporary folder, served by Python's `http.server`.

use std::process::{Child, Command, Stdio};

use url::Url;

/// A running site; stopped when dropped.
#[derive(Debug)]
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
    let port = crate::free_port();
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let site = Site { child, url: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(), _dir: dir };
    crate::wait_for(port, 200, "the test site");
    site
}
