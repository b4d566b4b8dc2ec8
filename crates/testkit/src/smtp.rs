//! A real SMTP server: aiosmtpd (from PyPI) with a handler that prints each message's envelope,
//! headers and decoded body.

use std::io::Read;
use std::process::{Child, Command, Stdio};

/// An aiosmtpd handler: the envelope, then the headers and the body as the recipient reads it.
const HANDLER: &str = r#"
import email, email.policy

class Record:
    async def handle_DATA(self, server, session, envelope):
        print("MAIL FROM:", envelope.mail_from)
        print("RCPT TO:", ", ".join(envelope.rcpt_tos))
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        for name, value in message.items():
            print(f"{name}: {value}")
        print(message.get_content())
        print("END OF MESSAGE", flush=True)
        return "250 OK"
"#;

/// A running aiosmtpd; stopped when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts aiosmtpd on a free port.
    pub fn start() -> Server {
        let port = crate::free_port();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("record.py"), HANDLER).unwrap();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new("python3")
            .args(["-u", "-m", "aiosmtpd", "-n", "-l", &listen, "-c", "record.Record"])
            .env("PYTHONPATH", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let server = Server { child, port, _dir: dir };
        crate::wait_for(port, 200, "aiosmtpd");
        server
    }

    /// Stops the server and returns everything it printed.
    pub fn output(mut self) -> String {
        let _ = self.child.kill();
        let mut out = String::new();
        self.child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
