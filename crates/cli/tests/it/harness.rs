//! Starting, killing and restarting real `lodge serve` processes, and small HTTP helpers.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};

/// Which database a server uses.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// Every backend this run can test, each with a fresh database.
pub async fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if let Ok(admin) = std::env::var("LODGE_TEST_POSTGRES_URL") {
        out.push(Backend::Postgres(lodge_store::create_scratch_postgres_database(&admin).await.unwrap()));
    }
    out
}

pub const PASSWORD: &str = "correct horse battery staple";
/// The token the test servers' metrics collector sends.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// A running `lodge serve`.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data_dir: tempfile::TempDir,
    pub log_path: PathBuf,
    pub backend: Backend,
    pub first_link: Option<String>,
    extra_env: Vec<(String, String)>,
}

impl Server {
    pub async fn start(backend: Backend) -> Server {
        Server::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), backend, env).await
    }

    /// Starts a server on a data directory that already holds data (a restored backup).
    pub async fn start_in(data_dir: tempfile::TempDir, backend: Backend, env: &[(&str, &str)]) -> Server {
        let log_path =
            data_dir.path().join("..").join(format!("{}.log", data_dir.path().file_name().unwrap().to_string_lossy()));
        let mut server = Server {
            child: None,
            url: String::new(),
            data_dir,
            log_path,
            backend,
            first_link: None,
            extra_env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        server.launch().await;
        server
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lodge"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LODGE_ARGON2_MEMORY_KIB", "256")
            .env("LODGE_ARGON2_ITERATIONS", "1")
            .env("LODGE_ARGON2_BELOW_MINIMUM_FOR_TESTS", "true")
            .env("LODGE_LOG", "debug")
            .env("LODGE_METRICS_TOKEN", METRICS_TOKEN)
            .env("LODGE_EXIT_URL", "http://neutral.invalid/weather");
        if let Backend::Postgres(url) = &self.backend {
            cmd.arg("--database-url").arg(url);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    async fn launch(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log_path).unwrap();
        let listen = if self.url.is_empty() {
            "127.0.0.1:0".to_owned()
        } else {
            self.url.trim_start_matches("http://").to_owned()
        };
        // Its own process group, killed whole as systemd kills a service's cgroup: a browser it
        // runs for a scan goes with it.
        let mut child = std::os::unix::process::CommandExt::process_group(
            self.command(&["serve", "--listen", &listen]).stdout(Stdio::piped()).stderr(Stdio::from(log)),
            0,
        )
        .spawn()
        .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut said = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Lodge listening on ") {
                    let _ = tx.send((url.trim().to_owned(), std::mem::take(&mut said)));
                }
                said.push_str(&line);
                said.push('\n');
            }
        });
        let (url, said) = rx.recv_timeout(Duration::from_secs(60)).expect("server did not start");
        self.url = url;
        // The first administrator's link is in a file only the server's user reads, never in
        // what it prints.
        assert!(!said.contains("/join/"), "the first link was printed: {said}");
        let file = self.data_dir.path().join("first-administrator-link.txt");
        if said.contains("First start") {
            self.first_link = Some(std::fs::read_to_string(&file).expect("the link file").trim().to_owned());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "only the server's user reads it");
            }
        }
        self.child = Some(child);
    }

    /// Kills the server with SIGKILL (no chance to flush anything) and starts it again on
    /// the same data and address.
    pub async fn kill_and_restart(&mut self) {
        self.kill();
        self.launch().await;
    }

    /// Starts the server again (after [`Server::kill`]) on the same data and address.
    pub async fn start_again(&mut self) {
        self.launch().await;
    }

    /// The server's peak resident memory so far, in KiB (Linux).
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.kill();
            child.wait().unwrap();
        }
    }

    /// Creates an account with `lodge admin user add`.
    pub fn add_user(&self, role: &str, username: &str) {
        let mut child = self
            .command(&["admin", "user", "add", "--role", role, "--username", username, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Recovery key"));
    }

    /// Signs in through the API and returns a client that sends the bearer token.
    pub async fn api(&self, username: &str) -> Api {
        // No pooled connections: a test may kill the server between two requests.
        let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let res = client
            .post(format!("{}/api/v1/session", self.url))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "sign-in failed");
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        Api { client, base: self.url.clone(), token }
    }

    /// Signs in through the sign-in page and returns a browser-like client with a cookie jar
    /// that does not follow redirects.
    pub async fn browser(&self, username: &str) -> Client {
        let client = browser_client();
        let res = client
            .post(format!("{}/login", self.url))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "page sign-in failed");
        client
    }

    /// Makes an invitation for `role` through the administration page, as `admin` (signed in as
    /// an administrator), and returns the link it shows.
    pub async fn invitation(&self, admin: &Client, role: &str) -> String {
        let html = admin.get(format!("{}/admin", self.url)).send().await.unwrap().text().await.unwrap();
        let html = admin
            .post(format!("{}/admin/invitations", self.url))
            .form(&[("csrf", csrf(&html).as_str()), ("role", role)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = html.find(&format!("{}/join/", self.url)).expect("invitation link shown");
        html[at..].split('<').next().unwrap().to_owned()
    }

    /// Runs one statement on the server's database (to age a row, say), with one text bind.
    pub async fn sql(&self, statement: &str, bind: &str) {
        match &self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", self.data_dir.path().join("lodge.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query(statement).bind(bind).execute(&pool).await.unwrap();
            }
            Backend::Postgres(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query(statement).bind(bind).execute(&pool).await.unwrap();
            }
        }
    }

    /// Runs one statement binding `bytes` to `$1` and `text` to `$2` (a database writer's
    /// edit of a sealed column).
    pub async fn sql_set_bytes(&self, statement: &str, bytes: &[u8], text: &str) {
        match &self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", self.data_dir.path().join("lodge.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query(statement).bind(bytes).bind(text).execute(&pool).await.unwrap();
            }
            Backend::Postgres(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query(statement).bind(bytes).bind(text).execute(&pool).await.unwrap();
            }
        }
    }

    /// One bytes column of the rows a query gives, with one text bind.
    pub async fn sql_bytes(&self, query: &str, bind: &str) -> Vec<Vec<u8>> {
        match &self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", self.data_dir.path().join("lodge.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query_scalar(query).bind(bind).fetch_all(&pool).await.unwrap()
            }
            Backend::Postgres(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(query).bind(bind).fetch_all(&pool).await.unwrap()
            }
        }
    }

    /// One text column of the rows a query gives, with one text bind.
    pub async fn sql_texts(&self, query: &str, bind: &str) -> Vec<String> {
        match &self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", self.data_dir.path().join("lodge.db").display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query_scalar(query).bind(bind).fetch_all(&pool).await.unwrap()
            }
            Backend::Postgres(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query_scalar(query).bind(bind).fetch_all(&pool).await.unwrap()
            }
        }
    }

    /// What a metrics collector with the token reads.
    pub async fn metrics(&self) -> String {
        let res = reqwest::Client::new()
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    /// Everything the server wrote to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

pub fn browser_client() -> Client {
    // No pooled connections: a server may close one after answering a request whose body it
    // did not need, and a reused closed connection fails the next request.
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// A signed-in API client.
pub struct Api {
    pub client: Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token)
    }
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.token)
    }
    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(format!("{}{path}", self.base)).bearer_auth(&self.token)
    }
    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(format!("{}{path}", self.base)).bearer_auth(&self.token)
    }

    /// The body of a GET that must answer 200.
    pub async fn bytes(&self, path: &str) -> Vec<u8> {
        let res = self.get(path).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        res.bytes().await.unwrap().to_vec()
    }

    pub async fn json(&self, req: reqwest::RequestBuilder, status: u16) -> Value {
        let res = req.send().await.unwrap();
        let got = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(got, status, "{body}");
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    pub async fn create_case(&self, title: &str) -> String {
        let v = self.json(self.post("/api/v1/cases").json(&json!({"title": title})), 201).await;
        v["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_incident(&self, case: &str, incident: Value) -> Value {
        self.json(self.post(&format!("/api/v1/cases/{case}/incidents")).json(&incident), 201).await
    }

    /// Uploads a file of `mib` MiB generated as it is sent, so the client holds none of it.
    pub async fn upload_streamed(&self, case: &str, mib: u64) -> reqwest::Response {
        let chunk = bytes::Bytes::from(vec![0x5au8; 1024 * 1024]);
        let body = futures_util::stream::iter((0..mib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
        let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), mib * 1024 * 1024)
            .file_name("video.mp4");
        self.post(&format!("/api/v1/cases/{case}/evidence"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
    }

    pub async fn upload(&self, case: &str, incident: Option<&str>, name: &str, bytes: Vec<u8>) -> Value {
        let mut form = reqwest::multipart::Form::new();
        if let Some(i) = incident {
            form = form.text("incident", i.to_owned());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        );
        let v = self.json(self.post(&format!("/api/v1/cases/{case}/evidence")).multipart(form), 201).await;
        v[0].clone()
    }
}

/// A minimal incident as the API takes it.
pub fn incident(description: &str) -> Value {
    json!({
        "occurred": {"kind": "exact", "at": "2025-05-03T21:15:00+01:00[Europe/London]"},
        "description": description,
    })
}

/// The anti-forgery token in a page's HTML.
pub fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("page has no form token") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// A PNG image of a flat colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(width, height, image::Rgb([30, 120, 200]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A real RFC 3161 timestamp authority: `openssl ts -reply` (through `tests/tsa/tsa.sh`) behind
/// a small HTTP endpoint, with its own throwaway CA.
pub struct TimestampAuthority {
    pub url: String,
    pub dir: tempfile::TempDir,
}

fn tsa(args: &[&std::path::Path]) -> bool {
    Command::new("bash").arg("../../tests/tsa/tsa.sh").args(args).status().unwrap().success()
}

impl TimestampAuthority {
    pub async fn start() -> TimestampAuthority {
        let dir = tempfile::tempdir().unwrap();
        assert!(tsa(&["make".as_ref(), dir.path()]), "the test TSA could be made");
        let root = dir.path().to_owned();
        let reply = move |query: bytes::Bytes| {
            let root = root.clone();
            async move {
                let work = tempfile::tempdir().unwrap();
                let (q, r) = (work.path().join("q.tsq"), work.path().join("r.tsr"));
                std::fs::write(&q, &query).unwrap();
                assert!(tsa(&["reply".as_ref(), &root, &q, &r]), "openssl ts -reply");
                ([("content-type", "application/timestamp-reply")], std::fs::read(r).unwrap())
            }
        };
        let app = axum::Router::new().route("/tsa", axum::routing::post(reply));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TimestampAuthority { url, dir }
    }

    /// `openssl ts -verify` on a token and the data it stamps, against the authority's CA.
    pub fn openssl_verifies(&self, data: &[u8], token: &[u8]) -> bool {
        let work = tempfile::tempdir().unwrap();
        let (d, t) = (work.path().join("checkpoint.txt"), work.path().join("checkpoint.tsr"));
        std::fs::write(&d, data).unwrap();
        std::fs::write(&t, token).unwrap();
        tsa(&["verify".as_ref(), self.dir.path(), &d, &t])
    }
}
