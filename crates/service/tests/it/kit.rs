//! Lodge in-process for a test: SQLite and encrypted files in a temporary folder, a cheap
//! password hash, and a clock the test moves forward.

use lodge_domain::{Case, Incident, Role};
use lodge_service::{CheckpointSigner, Clock, Lodge, OpenCase, Password, ServiceConfig, Session, SignIn};
use tempfile::TempDir;

/// A running Lodge and what it stands on.
pub struct Kit {
    pub lodge: Lodge,
    pub clock: Clock,
    dir: TempDir,
}

/// The one password every account in a story has.
pub fn password() -> Password {
    Password::new("correct horse battery staple".to_owned())
}

impl Kit {
    /// Every byte of the database file, as someone with a copy of it would read them.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut all = std::fs::read(self.dir.path().join("lodge.db")).unwrap();
        all.extend(std::fs::read(self.dir.path().join("lodge.db-wal")).unwrap_or_default());
        all
    }

    pub async fn start() -> Kit {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lodge.db").display());
        let store = lodge_store::open(&url).await.unwrap();
        let blobs = lodge_blobs::Blobs::local(&dir.path().join("files")).unwrap();
        let server_key = lodge_crypto::Key::generate().unwrap();
        let signer = CheckpointSigner::load_or_create(&*store, &server_key, "test.lodge.example").await.unwrap();
        let clock = Clock::adjustable();
        let config = ServiceConfig {
            kdf: lodge_crypto::password::KdfParams { memory_kib: 256, iterations: 1, parallelism: 1 },
            public_url: "https://test.lodge.example".into(),
            clock: clock.clone(),
            // Scans reach the test's own site on 127.0.0.1, without waiting between requests.
            scan: lodge_scan::fetch::FetchSettings {
                allow_private: true,
                per_host_interval: std::time::Duration::ZERO,
                ..Default::default()
            },
            ..ServiceConfig::default()
        };
        Kit { lodge: Lodge::new(store, blobs, config, signer, &server_key), clock, dir }
    }

    /// A new account, signed in.
    pub async fn person(&self, name: &str, role: Role) -> Session {
        self.lodge.add_user(name, password(), role).await.unwrap();
        self.sign_in(name).await
    }

    /// A survivor, signed in, and a new case of hers, opened.
    pub async fn her_case(&self, name: &str) -> (Session, OpenCase) {
        let session = self.person(name, Role::Survivor).await;
        let case = self.lodge.create_case(&session, &Case { title: "The Twitch account".into() }).await.unwrap();
        let open = self.lodge.open_case(&session, case).await.unwrap();
        (session, open)
    }

    pub async fn sign_in(&self, name: &str) -> Session {
        let (_, outcome) = self.lodge.sign_in(name, password(), "test", None).await.unwrap();
        let SignIn::Ready(session) = outcome else { panic!("{name} has no second factor") };
        session
    }
}

/// An incident from its JSON form, as a client would send it.
pub fn incident(json: serde_json::Value) -> Incident {
    serde_json::from_value(json).unwrap()
}

/// A message incident on 3 May 2025 saying `what`.
pub fn message(what: &str) -> Incident {
    incident(serde_json::json!({
        "occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Europe/London]"},
        "description": what,
        "conduct": ["contacting"],
    }))
}
