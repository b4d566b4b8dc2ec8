//! A web site in a temporary folder, served by Python's `http.server`. Like a CDN with hotlink
//! protection, it refuses anything under `/cdn/` (403) unless the request's `Referer` is one of
//! the site's own pages.

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

impl Site {
    /// The folder it serves: files written there are served at once.
    pub fn root(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SERVER: &str = r#"
import functools, http.server, sys
port, root = int(sys.argv[1]), sys.argv[2]
own = "http://127.0.0.1:%d/" % port
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/cdn/") and not (self.headers.get("Referer") or "").startswith(own):
            self.send_error(403)
            return
        super().do_GET()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root)).serve_forever()
"#;

/// Serves `dir` over HTTP on a free loopback port.
pub fn serve(dir: tempfile::TempDir) -> Site {
    let port = crate::free_port();
    let child = Command::new("python3")
        .args(["-c", SERVER, &port.to_string()])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let site = Site { child, url: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(), _dir: dir };
    crate::wait_for(port, 200, "the test site");
    site
}
