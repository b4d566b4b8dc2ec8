//! The formats Lodge reads: each one's short name (for the command line and the API), the
//! platform an incident records, and the list of them, written once.

use std::fmt;

/// The formats Lodge reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// WhatsApp "Export chat", as text or as a zip with media.
    WhatsApp,
    /// SMS Backup & Restore XML (messages or calls).
    SmsXml,
    /// Telegram Desktop `result.json`, alone or in a zip.
    Telegram,
    /// Instagram messages (`message_N.json`, alone or in the download zip).
    Instagram,
    /// Facebook Messenger messages, the same layout as Instagram's.
    Facebook,
    /// X (Twitter) archive direct messages.
    X,
    /// Discord data package.
    Discord,
    /// One email (`.eml`) or a mailbox (mbox).
    Email,
    /// A photo or screenshot.
    Image,
}

impl Format {
    /// Every format, in the order they are offered.
    pub const ALL: &'static [Format] = &[
        Format::WhatsApp,
        Format::SmsXml,
        Format::Telegram,
        Format::Instagram,
        Format::Facebook,
        Format::X,
        Format::Discord,
        Format::Email,
        Format::Image,
    ];

    /// The short name used on the command line and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Format::WhatsApp => "whatsapp",
            Format::SmsXml => "sms-xml",
            Format::Telegram => "telegram",
            Format::Instagram => "instagram",
            Format::Facebook => "facebook",
            Format::X => "x",
            Format::Discord => "discord",
            Format::Email => "email",
            Format::Image => "image",
        }
    }

    /// What may be asked for, in words: `auto, whatsapp, …, email or image`.
    pub fn choices() -> String {
        let codes: Vec<&str> = std::iter::once("auto").chain(Format::ALL.iter().map(|f| f.code())).collect();
        match codes.split_last() {
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// Reads a short name; `None` for `auto` or anything unknown.
    pub fn from_code(code: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.code() == code.trim().to_ascii_lowercase())
    }

    /// The platform or channel the messages came through, as an incident records it.
    pub fn platform(self) -> &'static str {
        match self {
            Format::WhatsApp => "WhatsApp",
            Format::SmsXml => "Text message",
            Format::Telegram => "Telegram",
            Format::Instagram => "Instagram",
            Format::Facebook => "Facebook Messenger",
            Format::X => "X (Twitter)",
            Format::Discord => "Discord",
            Format::Email => "Email",
            Format::Image => "Photo or screenshot",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.platform())
    }
}
