//! Sending a notice (or a reminder) through the organisation's own SMTP server, with `lettre`.
//! Nothing goes anywhere else: the organisation's server relays it.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::notice::Notice;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 465).
    Tls,
    /// STARTTLS, required (port 587).
    StartTls,
    /// None: only for a relay on the same machine or a test server.
    None,
}

/// The organisation's SMTP server.
pub struct Smtp {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// User name and password, if the server asks for them.
    pub login: Option<(String, String)>,
    /// The address notices are sent from.
    pub from: String,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("login", &self.login.as_ref().map(|(user, _)| (user, "…")))
            .field("from", &self.from)
            .finish()
    }
}

/// Why a notice was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// An address is not an email address.
    #[error("{0:?} is not an email address")]
    Address(String),
    /// The message could not be built.
    #[error("the email could not be made: {0}")]
    Message(String),
    /// The server refused or could not be reached.
    #[error("the mail server did not take the notice: {0}")]
    Smtp(String),
}

/// Whether `text` is an email address mail can be sent to.
pub fn is_address(text: &str) -> bool {
    text.contains('@') && mailbox(text).is_ok()
}

fn mailbox(text: &str) -> Result<Mailbox, SendError> {
    text.trim().parse().map_err(|_| SendError::Address(text.to_owned()))
}

impl Smtp {
    /// Sends `notice` to its recipient, with replies going to `reply_to` (the sender's address)
    /// and copies to `cc`.
    pub async fn send(&self, notice: &Notice, reply_to: &str, cc: &[String]) -> Result<(), SendError> {
        let mut builder = Message::builder()
            .from(mailbox(&self.from)?)
            .to(mailbox(&notice.to)?)
            .reply_to(mailbox(reply_to)?)
            .subject(notice.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for address in cc {
            builder = builder.cc(mailbox(address)?);
        }
        let message = builder.body(notice.body.clone()).map_err(|e| SendError::Message(e.to_string()))?;
        self.deliver(message).await
    }

    /// Sends a short plain-text message (a reminder) to one address.
    pub async fn send_text(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let message = Message::builder()
            .from(mailbox(&self.from)?)
            .to(mailbox(to)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| SendError::Message(e.to_string()))?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<(), SendError> {
        let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|e| SendError::Smtp(e.to_string()));
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host).port(self.port);
        transport = match self.security {
            Security::Tls => transport.tls(Tls::Wrapper(tls(&self.host)?)),
            Security::StartTls => transport.tls(Tls::Required(tls(&self.host)?)),
            Security::None => transport.tls(Tls::None),
        };
        if let Some((user, password)) = &self.login {
            transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
        }
        transport.build().send(message).await.map_err(|e| SendError::Smtp(e.to_string()))?;
        Ok(())
    }
}
