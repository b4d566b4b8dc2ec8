//! A browser's view of a page, where the organisation has installed Chromium: the page is
//! rendered headless, scrolled to set off lazy loading, and every request it makes is answered
//! by Lodge through the scan's own fetcher — with its checks (no private addresses unless
//! allowed, size and time limits, robots.txt, pauses per host) — so the browser itself reaches
//! nothing. It runs behind a proxy that does not exist and resolves no names of its own, so a
//! request Lodge did not answer (a WebSocket, WebRTC) fails. Videos the page plays are not handed
//! to it: their addresses are noted for the scan to fetch within its video limits. Each browser
//! has a fresh profile in a temporary folder, deleted with it: no cookies are kept.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use chromiumoxide::page::ScreenshotParams;
use futures_util::StreamExt;
use url::Url;

use crate::archive::MAX_ARCHIVE;
use crate::fetch::{Fetched, Fetcher};
use crate::page::{STREAM_EXTENSIONS, VIDEO_EXTENSIONS};

/// Why the browser could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// Chromium is not installed (or not where the settings say).
    #[error("no browser is installed for scans (install Chromium)")]
    Missing,
    /// It could not be started or driven.
    #[error("the browser failed: {0}")]
    Failed(String),
}

/// How pages are rendered.
#[derive(Debug, Clone)]
pub struct BrowserSettings {
    /// Chromium's program; `None` to look for `chromium` (Debian's), `chromium-browser` or
    /// `google-chrome` on the `PATH`.
    pub program: Option<PathBuf>,
    /// Longest a page may take to render, scrolling included.
    pub page_time: Duration,
    /// Most requests answered for one page.
    pub max_requests: usize,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        BrowserSettings { program: None, page_time: Duration::from_secs(30), max_requests: 400 }
    }
}

/// A page as the browser showed it.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The page's HTML after its scripts ran.
    pub html: String,
    /// Images the page loaded, as Lodge fetched them for it.
    pub images: Vec<Fetched>,
    /// Every file Lodge fetched for the page, in order, up to [`MAX_ARCHIVE`] bytes in all: what
    /// its web archive holds.
    pub loaded: Vec<Fetched>,
    /// Videos and streams the page asked for.
    pub media: Vec<Url>,
    /// Requests refused, and why.
    pub refused: Vec<(String, String)>,
    /// The page as rendered, as PNG.
    pub screenshot: Option<Vec<u8>>,
}

/// A running headless Chromium.
pub struct Browser {
    browser: chromiumoxide::Browser,
    handler: tokio::task::JoinHandle<()>,
    settings: BrowserSettings,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Chromium's program on the `PATH`, if installed.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// What the answering task keeps for the page.
#[derive(Default)]
struct Traffic {
    rendered: Rendered,
    answered: usize,
    archived: usize,
    in_flight: usize,
    last: Option<Instant>,
}

impl Browser {
    /// Starts Chromium, headless, with a fresh profile.
    pub async fn launch(settings: BrowserSettings) -> Result<Browser, BrowserError> {
        let program = settings.program.clone().or_else(find).ok_or(BrowserError::Missing)?;
        if !program.is_file() {
            return Err(BrowserError::Missing);
        }
        sweep_profiles(&std::env::temp_dir());
        let profile = tempfile::Builder::new()
            .prefix(PROFILE_PREFIX)
            .tempdir()
            .map_err(|e| BrowserError::Failed(e.to_string()))?;
        std::fs::write(profile.path().join(OWNER), std::process::id().to_string())
            .map_err(|e| BrowserError::Failed(e.to_string()))?;
        let mut config = chromiumoxide::BrowserConfig::builder()
            .chrome_executable(&program)
            .user_data_dir(profile.path())
            .enable_request_intercept()
            .disable_cache()
            .window_size(1280, 900)
            // Nothing leaves the browser except through Lodge: a proxy that does not exist (for
            // loopback addresses too), and no name resolution of its own.
            .arg(("proxy-server", "http://127.0.0.1:9"))
            .arg(("proxy-bypass-list", "<-loopback>"))
            .arg(("host-resolver-rules", "MAP * ~NOTFOUND"))
            .arg(("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"))
            // Frames in the page's own process, so their requests are answered by Lodge too.
            .arg(("disable-features", &["IsolateOrigins", "site-per-process", "HttpsUpgrades"][..]))
            .arg("disable-component-update")
            .arg("disable-crash-reporter")
            .arg("mute-audio")
            // Whatever Chromium writes outside the profile (crash reports, caches) goes inside it
            // too, and is deleted with it: pages she captures never stay on the disk.
            .env("HOME", profile.path().display().to_string())
            .env("XDG_CONFIG_HOME", profile.path().display().to_string())
            .env("XDG_CACHE_HOME", profile.path().display().to_string());
        // Chromium's sandbox needs user namespaces, which a root process in a container lacks.
        if is_root() {
            config = config.no_sandbox();
        }
        let config = config.build().map_err(BrowserError::Failed)?;
        let (browser, mut handler) =
            chromiumoxide::Browser::launch(config).await.map_err(|e| BrowserError::Failed(e.to_string()))?;
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Ok(Browser { browser, handler, settings, _profile: profile })
    }

    /// Renders `page` (already fetched: its HTML is handed to the browser as the page), answering
    /// every request it makes with `fetcher`, eight at a time.
    pub async fn render(&self, fetcher: &Fetcher, page: &Fetched) -> Result<Rendered, BrowserError> {
        let failed = |e: chromiumoxide::error::CdpError| BrowserError::Failed(e.to_string());
        // A context of its own for each page: nothing it stores reaches the next, and disposing of
        // it ends the page's processes, whatever happened in it.
        let context =
            self.browser.create_browser_context(CreateBrowserContextParams::default()).await.map_err(failed)?;
        let rendered = self.render_in(&context, fetcher, page).await;
        let _ = self.browser.dispose_browser_context(context).await;
        rendered
    }

    async fn render_in(
        &self,
        context: &BrowserContextId,
        fetcher: &Fetcher,
        page: &Fetched,
    ) -> Result<Rendered, BrowserError> {
        let failed = |e: chromiumoxide::error::CdpError| BrowserError::Failed(e.to_string());
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context.clone())
            .build()
            .map_err(BrowserError::Failed)?;
        let tab = self.browser.new_page(target).await.map_err(failed)?;
        let paused = tab.event_listener::<EventRequestPaused>().await.map_err(failed)?;
        let traffic = Mutex::new(Traffic::default());
        let max = self.settings.max_requests;
        let answering = paused.for_each_concurrent(8, |event| {
            let (tab, traffic) = (&tab, &traffic);
            async move { answer(tab, traffic, fetcher, page, &event, max).await }
        });
        let driving = tokio::time::timeout(self.settings.page_time, async {
            tab.goto(page.url.as_str()).await.map_err(failed)?;
            // Scroll down a screen at a time, as a person would, then wait for the page to settle.
            let scroll = "(async () => { for (let i = 0; i < 12; i++) { \
                          if (window.scrollY + window.innerHeight >= document.documentElement.scrollHeight) break; \
                          window.scrollBy(0, window.innerHeight); await new Promise(r => setTimeout(r, 120)); } })()";
            let _ = tab.evaluate(scroll).await;
            settle(&traffic).await;
            let html = tab.content().await.map_err(failed)?;
            let screenshot = tab.screenshot(ScreenshotParams::builder().full_page(true).build()).await.ok();
            Ok::<_, BrowserError>((html, screenshot))
        });
        let result = tokio::select! {
            done = driving => done,
            () = answering => Ok(Err(BrowserError::Failed("the page closed".into()))),
        };
        let _ = tab.close().await;
        let (html, screenshot) = result.map_err(|_| BrowserError::Failed("the page took too long".into()))??;
        let mut rendered =
            traffic.into_inner().map_err(|_| BrowserError::Failed("a request handler failed".into()))?.rendered;
        rendered.html = html;
        rendered.screenshot = screenshot;
        Ok(rendered)
    }

    /// The browser's process id (its renderers and helpers are its descendants).
    pub fn process_id(&mut self) -> Option<u32> {
        self.browser.get_mut_child().and_then(|c| c.inner.id())
    }

    /// Stops the browser and deletes its profile.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// What a browser's temporary profile is called, and the file in it naming the process it
/// belongs to.
const PROFILE_PREFIX: &str = "lodge-browser-";
const OWNER: &str = "lodge-owner";

/// Deletes the profiles of browsers whose Lodge process is gone (killed before it could delete
/// them): what pirate pages stored does not stay on the disk. A profile without an owner file is
/// left alone unless a day old.
pub fn sweep_profiles(folder: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with(PROFILE_PREFIX) || !path.is_dir() {
            continue;
        }
        let gone = match std::fs::read_to_string(path.join(OWNER)) {
            Ok(pid) => {
                pid.trim().parse::<u32>().is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            }
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > Duration::from_secs(24 * 60 * 60))),
        };
        if gone {
            // One that cannot be deleted now is tried again at the next launch.
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:")).map(|l| l.split_whitespace().next() == Some("0")))
        .unwrap_or(false)
}

/// Waits until no request has been open for a third of a second (at most five seconds).
async fn settle(traffic: &Mutex<Traffic>) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let quiet = traffic
            .lock()
            .map(|t| t.in_flight == 0 && t.last.is_none_or(|l| l.elapsed() > Duration::from_millis(330)))
            .unwrap_or(true);
        if quiet {
            return;
        }
    }
}

fn is_media(url: &Url, kind: &ResourceType) -> bool {
    let path = url.path().to_ascii_lowercase();
    *kind == ResourceType::Media || VIDEO_EXTENSIONS.iter().chain(STREAM_EXTENSIONS).any(|e| path.ends_with(e))
}

/// Answers one request the page made.
async fn answer(
    tab: &chromiumoxide::Page,
    traffic: &Mutex<Traffic>,
    fetcher: &Fetcher,
    page: &Fetched,
    event: &EventRequestPaused,
    max: usize,
) {
    let id = event.request_id.clone();
    let fail = |reason| FailRequestParams::new(id.clone(), reason);
    let address = event.request.url.clone();
    if address.starts_with("data:") || address.starts_with("blob:") {
        // Held in the page already: no network.
        let _ = tab.execute(ContinueRequestParams::new(id.clone())).await;
        return;
    }
    let Ok(url) = Url::parse(&address) else {
        let _ = tab.execute(fail(ErrorReason::BlockedByClient)).await;
        return;
    };
    let note = |f: &mut dyn FnMut(&mut Traffic)| {
        if let Ok(mut t) = traffic.lock() {
            f(&mut t);
        }
    };
    let mut over = false;
    note(&mut |t| {
        t.answered += 1;
        over = t.answered > max;
        t.in_flight += 1;
        t.last = Some(Instant::now());
    });
    let fetched = if over {
        Err("too many requests for one page".to_owned())
    } else if url == page.url && event.resource_type == ResourceType::Document {
        Ok(page.clone())
    } else if is_media(&url, &event.resource_type) {
        // Fetched by the scan within its video limits, not handed to the page.
        note(&mut |t| t.rendered.media.push(url.clone()));
        Err(String::new())
    } else {
        fetcher.get_for(&url, &page.url).await.map_err(|e| e.to_string())
    };
    match fetched {
        Ok(f) => {
            // The character set the site named; text without one that is valid UTF-8 is said to
            // be UTF-8 (the static reader reads it so), rather than left to the browser's guess.
            let charset = f.charset.clone().or_else(|| {
                let text = f.content_type.starts_with("text/")
                    || f.content_type.contains("javascript")
                    || f.content_type.contains("json");
                (text && std::str::from_utf8(&f.bytes).is_ok()).then(|| "utf-8".to_owned())
            });
            let content_type = match charset {
                Some(charset) => format!("{}; charset={charset}", f.content_type),
                None => f.content_type.clone(),
            };
            let headers = vec![HeaderEntry::new("Content-Type", content_type)];
            let body = data_encoding::BASE64.encode(&f.bytes);
            let fulfil = FulfillRequestParams::builder()
                .request_id(id.clone())
                .response_code(200)
                .response_headers(headers)
                .body(body)
                .build();
            if let Ok(fulfil) = fulfil {
                let _ = tab.execute(fulfil).await;
            }
            note(&mut |t| {
                if t.archived + f.bytes.len() <= MAX_ARCHIVE {
                    t.archived += f.bytes.len();
                    t.rendered.loaded.push(f.clone());
                }
            });
            if f.content_type.starts_with("image/") {
                note(&mut |t| t.rendered.images.push(f.clone()));
            } else if f.content_type.contains("mpegurl") {
                note(&mut |t| t.rendered.media.push(f.url.clone()));
            }
        }
        Err(why) => {
            let _ = tab.execute(fail(ErrorReason::BlockedByClient)).await;
            if !why.is_empty() {
                note(&mut |t| t.rendered.refused.push((address.clone(), why.clone())));
            }
        }
    }
    note(&mut |t| {
        t.in_flight = t.in_flight.saturating_sub(1);
        t.last = Some(Instant::now());
    });
}
