//! Lodge's configuration: built-in defaults, then a TOML file, then `LODGE_*` environment
//! variables, then command-line flags, each overriding the one before.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything that can be configured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Where the SQLite database and the encrypted files live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `postgres://…` to use PostgreSQL; empty for SQLite under `data_dir`.
    pub database_url: String,
    /// An S3-compatible bucket for evidence files; empty for the `files` folder under
    /// `data_dir`. Its secret key is read from `LODGE_S3_SECRET_ACCESS_KEY` only.
    pub s3_bucket: String,
    /// The S3 service's address; empty for Amazon S3.
    pub s3_endpoint: String,
    /// The bucket's region.
    pub s3_region: String,
    /// The access key id.
    pub s3_access_key_id: String,
    /// The address people reach Lodge at; defaults to `http://<listen>`.
    pub public_url: String,
    /// Where quick exit goes.
    pub exit_url: String,
    /// The organisation's name, shown in page footers.
    pub organisation: String,
    /// Use the neutral title "Notes" for everyone.
    pub neutral_title: bool,
    /// Time zone offered first on forms.
    pub default_time_zone: String,
    /// Largest evidence file, in bytes.
    pub max_upload_bytes: u64,
    /// Minutes without activity before a session ends.
    pub session_idle_minutes: u32,
    /// Hours after which a session ends regardless.
    pub session_max_hours: u32,
    /// Argon2id memory cost in KiB for new passwords.
    pub argon2_memory_kib: u32,
    /// Argon2id passes for new passwords.
    pub argon2_iterations: u32,
    /// Allow Argon2id costs below OWASP's minimum. For test servers only: a real one refuses
    /// to start with them.
    pub argon2_below_minimum_for_tests: bool,
    /// Log level for Lodge: `error`, `warn`, `info`, `debug` or `trace`.
    pub log: String,
    /// `text` (one line per event) or `json` (one JSON object per line, for log collectors).
    pub log_format: String,
    /// The file holding the server key, which seals the key that signs case logs; defaults
    /// to `server.key` under `data_dir`. Back it up apart from the database.
    pub server_key_file: String,
    /// This server's name in case-log checkpoints; defaults to the host of `public_url`.
    /// Keep it stable: it is part of every checkpoint a report carries.
    pub server_name: String,
    /// An RFC 3161 timestamp authority (`http://…`). When set, every new checkpoint of a case
    /// log gets a trusted time; only the checkpoint's SHA-256 is sent. Empty for none.
    pub timestamp_url: String,
    /// The country phone numbers written without a country code belong to (two letters).
    pub phone_region: String,
    /// Where to get help, shown next to risk themes: a list of `[[support_services]]` tables
    /// with `name`, and optionally `about`, `phone`, `hours` and `url`.
    pub support_services: Vec<lodge_web::SupportService>,
    /// Behind a reverse proxy that sets `X-Forwarded-For`, take the client's address (used
    /// only for back-off on sign-in, never stored) from it.
    pub trust_forwarded_for: bool,
    /// The organisation's SMTP server, for sending takedown notices (host name; empty for none).
    /// Its password is read from `LODGE_SMTP_PASSWORD` only, never from this file.
    pub smtp_host: String,
    /// Its port.
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: String,
    /// Its user name, if it asks for one.
    pub smtp_username: String,
    /// The address notices are sent from.
    pub smtp_from: String,
    /// The user agent scans send to sites (empty for Lodge's own, which says what it is).
    pub scan_user_agent: String,
    /// Milliseconds between two requests of a scan to the same site.
    pub scan_interval_ms: u64,
    /// Whether scans obey robots.txt.
    pub scan_obey_robots: bool,
    /// Whether scans may reach private and loopback addresses (an intranet mirror; tests).
    pub scan_allow_private: bool,
    /// A proxy for scans (`http://…`), if the organisation wants one; empty for none. Proxy
    /// variables in the environment (`HTTP_PROXY`, …) are never used for scans.
    pub scan_proxy: String,
    /// How scans and name watch render pages: `auto` (headless Chromium when it is installed),
    /// `off` (read pages without a browser), or the path of Chromium's program.
    pub scan_browser: String,
    /// Days after sending a notice before a follow-up is due.
    pub notice_follow_up_days: u32,
    /// Days after sending a notice before escalating to the host, registrar or CDN.
    pub notice_escalate_days: u32,
    /// Hours between two looks at the addresses of open notices.
    pub notice_recheck_hours: u32,
    /// The sites survivors' saved searches (name watch) run on: a list of `[[watch_sites]]`
    /// tables with `name` and `search_url`, the search page with `{query}` where the words go.
    pub watch_sites: Vec<lodge_service::SearchSite>,
    /// Hours between two runs of a survivor's saved searches.
    pub watch_hours: u32,
    /// Minutes before a stored file that no record refers to (left by a crash, or an export
    /// staged and never imported) is deleted. Longer than any upload or import preview.
    pub orphan_grace_minutes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./lodge-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: String::new(),
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            public_url: String::new(),
            exit_url: "https://www.bbc.co.uk/weather".into(),
            organisation: "Lodge".into(),
            neutral_title: false,
            default_time_zone: "Europe/London".into(),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            session_idle_minutes: 30,
            session_max_hours: 12,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_below_minimum_for_tests: false,
            log: "info".into(),
            log_format: "text".into(),
            server_key_file: String::new(),
            server_name: String::new(),
            timestamp_url: String::new(),
            phone_region: "GB".into(),
            support_services: Vec::new(),
            trust_forwarded_for: false,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_from: String::new(),
            scan_user_agent: String::new(),
            scan_interval_ms: 1000,
            scan_obey_robots: true,
            scan_allow_private: false,
            scan_proxy: String::new(),
            scan_browser: "auto".into(),
            notice_follow_up_days: 5,
            notice_escalate_days: 14,
            notice_recheck_hours: 24,
            watch_sites: Vec::new(),
            watch_hours: 24,
            orphan_grace_minutes: 60,
        }
    }
}

/// Flags that override the configuration.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the configuration from its sources.
    pub fn load(file: Option<&PathBuf>, overrides: Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("lodge.toml")),
        }
        let mut config: Config = figment
            .merge(Env::prefixed("LODGE_").ignore(&["config"]))
            .merge(Serialized::globals(overrides))
            .extract()
            .map_err(Box::new)?;
        if config.public_url.is_empty() {
            config.public_url = format!("http://{}", config.listen);
        }
        Ok(config)
    }

    /// The server key file in use.
    pub fn server_key_file(&self) -> PathBuf {
        if self.server_key_file.is_empty() {
            self.data_dir.join("server.key")
        } else {
            PathBuf::from(&self.server_key_file)
        }
    }

    /// The server's name in checkpoints.
    pub fn server_name(&self) -> String {
        if !self.server_name.is_empty() {
            return self.server_name.clone();
        }
        let host = self.public_url.split_once("://").map_or(self.public_url.as_str(), |(_, rest)| rest);
        host.trim_end_matches('/').replace(char::is_whitespace, "").replace('+', "-")
    }

    /// Why the server's name will not tell an officer whose log a report comes from, when it
    /// is only an address (`127.0.0.1:8080`, `localhost`, `[::1]`); `None` for a real name.
    pub fn server_name_warning(&self) -> Option<String> {
        let name = self.server_name();
        let host = name.split('/').next().unwrap_or("");
        let host =
            host.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let local = host.is_empty()
            || host == "localhost"
            || host.ends_with(".localhost")
            || host.parse::<std::net::IpAddr>().is_ok();
        local.then(|| {
            format!(
                "server_name is \"{name}\", an address rather than a name: reports and checkpoints will name the log after it. \
                 Set server_name (or public_url) to the name people reach Lodge at, such as lodge.example.org, before making reports"
            )
        })
    }

    /// The database URL in use.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("lodge.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The configuration as printed at start: the database password is hidden.
    pub fn redacted(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = redact_url(&self.database_url());
        toml_lines(&shown)
    }
}

fn toml_lines(config: &Config) -> String {
    serde_json::to_value(config)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|m| m.iter().map(|(k, v)| format!("  {k} = {v}")).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// Hides the password in a URL such as `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let shown = if userinfo.contains(':') { format!("{user}:<redacted>") } else { user.to_owned() };
            format!("{scheme}://{shown}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://lodge:hunter2@db:5432/lodge"), "postgres://lodge:<redacted>@db:5432/lodge");
        assert_eq!(redact_url("postgres://lodge@db/lodge"), "postgres://lodge@db/lodge");
        assert_eq!(redact_url("sqlite://./lodge-data/lodge.db"), "sqlite://./lodge-data/lodge.db");
        let config = Config { database_url: "postgres://u:topsecret@h/d".into(), ..Config::default() };
        assert!(!config.redacted().contains("topsecret"));
    }

    #[test]
    fn an_address_for_a_server_name_is_warned_about() {
        let named =
            |url: &str, name: &str| Config { public_url: url.into(), server_name: name.into(), ..Config::default() };
        for (url, name) in [
            ("http://127.0.0.1:8080", ""),
            ("http://localhost:8080/", ""),
            ("https://lodge.example.org", "localhost"),
            ("http://[::1]:8080", ""),
            ("https://10.0.0.5", ""),
        ] {
            assert!(named(url, name).server_name_warning().is_some(), "{url} {name}");
        }
        assert!(named("https://lodge.example.org", "").server_name_warning().is_none());
        assert!(named("http://127.0.0.1:8080", "lodge.umbrellalane.org.uk").server_name_warning().is_none());
    }
}
