//! Fetching pages and media politely and safely: a user agent the organisation sets, a time
//! limit and a size limit on every response, a pause between requests to the same host,
//! robots.txt obeyed when the organisation says so, and no requests to private, loopback or
//! link-local addresses (so a scan cannot be turned on the organisation's own network) unless
//! explicitly allowed.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jiff::Timestamp;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use texting_robots::Robot;
use tokio::sync::Mutex;
use url::Url;

/// How a scan fetches.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// The user agent sent, and matched against robots.txt.
    pub user_agent: String,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Largest response body read (pages and images).
    pub max_bytes: u64,
    /// Largest video downloaded.
    pub max_video_bytes: u64,
    /// Shortest time between two requests to the same host.
    pub per_host_interval: Duration,
    /// Obey robots.txt. Sites that host pirated content often forbid crawlers; the organisation
    /// decides, and the scan says when a page was skipped for it.
    pub obey_robots: bool,
    /// Allow private, loopback and link-local addresses (tests, an intranet mirror).
    pub allow_private: bool,
    /// A proxy the organisation chose for scans (`http://…`). Proxy settings in the environment
    /// (`HTTP_PROXY`, …) are never used. Through a proxy, each address's name is still resolved
    /// here and refused if it points at a private address, before the request goes out.
    pub proxy: Option<String>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: "Lodge content protection (+https://github.com/lodge-project/lodge)".into(),
            timeout: Duration::from_secs(30),
            max_bytes: 64 * 1024 * 1024,
            max_video_bytes: 1024 * 1024 * 1024,
            per_host_interval: Duration::from_secs(1),
            obey_robots: true,
            allow_private: false,
            proxy: None,
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) address.
    #[error("not a web address")]
    NotWeb,
    /// The address is on a private network.
    #[error("the address is on a private network, which scans do not reach")]
    Private,
    /// robots.txt forbids it.
    #[error("the site's robots.txt asks crawlers not to fetch this page")]
    Robots,
    /// The response is larger than allowed.
    #[error("the response is larger than {0} bytes")]
    TooLarge(u64),
    /// The site answered with an error status.
    #[error("the site answered {0}")]
    Status(u16),
    /// The request failed.
    #[error("the request failed: {0}")]
    Request(String),
}

/// A fetched response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The final address, after redirects.
    pub url: Url,
    /// Its media type, without parameters.
    pub content_type: String,
    /// The character set the response named, if any.
    pub charset: Option<String>,
    /// The body.
    pub bytes: Vec<u8>,
    /// When it was fetched.
    pub at: Timestamp,
}

/// Whether an address is one scans must not reach: private, loopback, link-local, shared,
/// reserved or multicast, or an IPv6 address that carries such an IPv4 address (mapped,
/// compatible `::a.b.c.d`, 6to4, NAT64) or tunnels to one (Teredo).
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || a == 100 && (b & 0xc0) == 64
                || a == 192 && b == 0 && c == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded =
                |hi: u16, lo: u16| private(IpAddr::V4(std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))));
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || v6.to_ipv4().is_some_and(|v4| private(IpAddr::V4(v4)))
                || s[0] == 0x2002 && embedded(s[1], s[2])
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && embedded(s[6], s[7])
                || s[0] == 0x2001 && s[1] == 0
        }
    }
}

/// Resolves names, dropping private addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| !private(a.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves only to private addresses".into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Fetches for scans; shared by every page and image of a scan.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    last: Mutex<HashMap<String, Instant>>,
    robots: Mutex<HashMap<String, Option<Arc<RobotRules>>>>,
}

struct RobotRules(Robot);

impl std::fmt::Debug for RobotRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RobotRules")
    }
}

impl Fetcher {
    /// A fetcher with these settings.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        let allow_private = settings.allow_private;
        // A redirect to a private address written as a number would not pass the resolver.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let literal = attempt.url().host_str().and_then(|h| h.trim_matches(['[', ']']).parse::<IpAddr>().ok());
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if !allow_private && literal.is_some_and(private) {
                attempt.error("a redirect to a private address")
            } else {
                attempt.follow()
            }
        });
        let mut builder =
            reqwest::Client::builder().user_agent(settings.user_agent.clone()).timeout(settings.timeout).no_proxy();
        if let Some(proxy) = &settings.proxy {
            let proxy = reqwest::Proxy::all(proxy).map_err(|e| FetchError::Request(e.to_string()))?;
            // The proxy resolves names, so Lodge follows redirects itself, checking each.
            builder = builder.proxy(proxy).redirect(reqwest::redirect::Policy::none());
        } else {
            builder = builder.redirect(redirects);
        }
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder.build().map_err(|e| FetchError::Request(e.to_string()))?;
        Ok(Fetcher { client, settings, last: Mutex::new(HashMap::new()), robots: Mutex::new(HashMap::new()) })
    }

    fn check(&self, url: &Url) -> Result<String, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::NotWeb);
        }
        let host = url.host_str().ok_or(FetchError::NotWeb)?.to_ascii_lowercase();
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        if !self.settings.allow_private && literal.is_some_and(private) {
            return Err(FetchError::Private);
        }
        Ok(host)
    }

    /// Waits until this host may be asked again.
    async fn wait_turn(&self, host: &str) {
        let wait = {
            let mut last = self.last.lock().await;
            let now = Instant::now();
            let next = last.get(host).map(|t| *t + self.settings.per_host_interval).filter(|t| *t > now);
            last.insert(host.to_owned(), next.unwrap_or(now));
            next.map(|t| t - now)
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }

    async fn allowed(&self, url: &Url, host: &str) -> bool {
        if !self.settings.obey_robots {
            return true;
        }
        let origin = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(host))
            + &url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let cached = self.robots.lock().await.get(&origin).cloned();
        let rules = match cached {
            Some(rules) => rules,
            None => {
                let rules = match Url::parse(&format!("{origin}/robots.txt")) {
                    Ok(robots_url) => match self.body(&robots_url, host).await {
                        Ok(f) => Robot::new(&self.settings.user_agent, &f.bytes).ok().map(|r| Arc::new(RobotRules(r))),
                        Err(_) => None,
                    },
                    Err(_) => None,
                };
                self.robots.lock().await.insert(origin, rules.clone());
                rules
            }
        };
        rules.is_none_or(|r| r.0.allowed(url.as_str()))
    }

    async fn body(&self, url: &Url, host: &str) -> Result<Fetched, FetchError> {
        self.body_within(url, host, self.settings.max_bytes, None).await
    }

    /// Through a proxy, which resolves names itself: refuses an address whose name resolves to
    /// a private address, before anything is sent.
    async fn check_name(&self, url: &Url) -> Result<(), FetchError> {
        if self.settings.allow_private || self.settings.proxy.is_none() {
            return Ok(());
        }
        let host = url.host_str().ok_or(FetchError::NotWeb)?.trim_matches(['[', ']']);
        let port = url.port_or_known_default().unwrap_or(80);
        let found = tokio::net::lookup_host((host, port)).await.map_err(|e| FetchError::Request(e.to_string()))?;
        let found: Vec<SocketAddr> = found.collect();
        if found.is_empty() || found.iter().any(|a| private(a.ip())) {
            return Err(FetchError::Private);
        }
        Ok(())
    }

    /// Sends a request; through a proxy, follows redirects itself, checking each address. A
    /// page's resources are asked for with the page as `Referer`, as a browser does (sites
    /// with hotlink protection refuse them otherwise) — never from an `https` page to `http`.
    async fn send(&self, url: &Url, referer: Option<&Url>) -> Result<reqwest::Response, FetchError> {
        let mut url = url.clone();
        for _ in 0..=5 {
            self.check(&url)?;
            self.check_name(&url).await?;
            let mut request = self.client.get(url.clone());
            if let Some(page) = referer.filter(|page| !(page.scheme() == "https" && url.scheme() == "http")) {
                request = request.header(reqwest::header::REFERER, page.as_str());
            }
            let response = request.send().await.map_err(|e| FetchError::Request(e.to_string()))?;
            let next = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok());
            match next {
                Some(next) if self.settings.proxy.is_some() && response.status().is_redirection() => {
                    url = url.join(next).map_err(|_| FetchError::NotWeb)?;
                }
                _ => return Ok(response),
            }
        }
        Err(FetchError::Request("too many redirects".into()))
    }

    async fn body_within(&self, url: &Url, host: &str, max: u64, referer: Option<&Url>) -> Result<Fetched, FetchError> {
        self.wait_turn(host).await;
        let response = self.send(url, referer).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let final_url = response.url().clone();
        self.check(&final_url)?;
        let header = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mut parts = header.split(';');
        let content_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let charset = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned());
        if response.content_length().is_some_and(|len| len > max) {
            return Err(FetchError::TooLarge(max));
        }
        let mut bytes = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| FetchError::Request(e.to_string()))?;
            if bytes.len() as u64 + chunk.len() as u64 > max {
                return Err(FetchError::TooLarge(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { url: final_url, content_type, charset, bytes, at: Timestamp::now() })
    }

    /// Fetches `url`, within the limits and rules of the settings.
    pub async fn get(&self, url: &Url) -> Result<Fetched, FetchError> {
        self.fetch(url, self.settings.max_bytes, None).await
    }

    /// Fetches a resource of the page `page` (an image, a frame, a playlist), saying so.
    pub async fn get_for(&self, url: &Url, page: &Url) -> Result<Fetched, FetchError> {
        self.fetch(url, self.settings.max_bytes, Some(page)).await
    }

    /// Fetches a video, within the video size limit.
    pub async fn get_video(&self, url: &Url) -> Result<Fetched, FetchError> {
        self.fetch(url, self.settings.max_video_bytes, None).await
    }

    /// Fetches a video of the page `page`, within the video size limit.
    pub async fn get_video_for(&self, url: &Url, page: &Url) -> Result<Fetched, FetchError> {
        self.fetch(url, self.settings.max_video_bytes, Some(page)).await
    }

    /// The largest video downloaded.
    pub fn max_video_bytes(&self) -> u64 {
        self.settings.max_video_bytes
    }

    async fn fetch(&self, url: &Url, max: u64, referer: Option<&Url>) -> Result<Fetched, FetchError> {
        let host = self.check(url)?;
        if !self.allowed(url, &host).await {
            return Err(FetchError::Robots);
        }
        self.body_within(url, &host, max, referer).await
    }
}
