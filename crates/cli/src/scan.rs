//! `lodge scan`: fingerprint her images and videos here, then look for copies on web pages. The
//! work is in `lodge-scan`; this reads her files, sets the fetcher up and prints findings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use lodge_pdq::Hasher;
use lodge_pdq::file::{FileHashes, FileOptions, hash_file, looks_like_video};
use lodge_scan::browser::{Browser, BrowserError, BrowserSettings};
use lodge_scan::fetch::{FetchSettings, Fetcher};
use lodge_scan::hashlist::{self, Fingerprint};
use lodge_scan::registry::{Content, Registry};
use lodge_scan::{Closeness, scan_with};

use crate::fingerprint::collect_files;

/// What `lodge scan` was asked to do.
#[derive(Debug)]
pub struct Request {
    pub content: Vec<PathBuf>,
    pub hashes: Vec<PathBuf>,
    pub radius: u32,
    pub user_agent: Option<String>,
    pub interval: Duration,
    pub obey_robots: bool,
    pub allow_private: bool,
    pub proxy: Option<String>,
    /// `auto`, `off` or Chromium's program.
    pub browser: String,
    pub addresses: Vec<String>,
}

/// Adds `lodge hash` output made on her own computer.
fn read_hash_list(path: &Path, registry: &mut Registry) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let named = hashlist::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for file in named {
        let content = Content { id: file.name.clone(), label: file.name };
        match file.fingerprint {
            Fingerprint::Image(_) => registry.add_hashes(content, file.hashes),
            Fingerprint::Video { frames, md5 } => registry.add_video(content, frames, md5),
        }
    }
    Ok(())
}

/// Prints `page,media,sha256,content,closeness` for each copy found (closeness is the PDQ
/// distance for an image, the percentage of frames matched for a video). Pages and media that
/// could not be read go to standard error with the reason. True when all her files hashed.
pub async fn run(request: Request) -> Result<bool> {
    let (files, mut ok) = collect_files(&request.content);
    let mut registry = Registry::new();
    let mut hasher = Hasher::new();
    for file in files {
        let content = Content { id: file.display().to_string(), label: file.display().to_string() };
        let added = if looks_like_video(&file) {
            let options = FileOptions { force_video: true, ..FileOptions::default() };
            match hash_file(&file, &options, &mut hasher) {
                Ok(FileHashes::Video { frames, md5 }) => {
                    registry.add_video(content, frames, md5);
                    Ok(())
                }
                Ok(FileHashes::Image { .. }) => Err("not a video".to_owned()),
                Err(e) => Err(e.to_string()),
            }
        } else {
            std::fs::read(&file)
                .map_err(|e| e.to_string())
                .and_then(|bytes| registry.add_image(content, &bytes, &mut hasher).map_err(|e| e.to_string()))
        };
        if let Err(why) = added {
            eprintln!("lodge: {}: {why}", file.display());
            ok = false;
        }
    }
    for list in &request.hashes {
        read_hash_list(list, &mut registry)?;
    }
    let matcher = registry.finish().context("cannot prepare her fingerprints")?;
    let mut settings = FetchSettings {
        per_host_interval: request.interval,
        obey_robots: request.obey_robots,
        allow_private: request.allow_private,
        proxy: request.proxy,
        ..FetchSettings::default()
    };
    if let Some(agent) = request.user_agent {
        settings.user_agent = agent;
    }
    let fetcher = Fetcher::new(settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let program = match request.browser.trim() {
        "off" => None,
        "" | "auto" => Some(None),
        path => Some(Some(PathBuf::from(path))),
    };
    let browser = match program {
        Some(program) => match Browser::launch(BrowserSettings { program, ..BrowserSettings::default() }).await {
            Ok(browser) => Some(browser),
            Err(BrowserError::Missing) if request.browser.trim() != "auto" => {
                anyhow::bail!("{}", BrowserError::Missing)
            }
            Err(BrowserError::Missing) => None,
            Err(e) => anyhow::bail!("{e}"),
        },
        None => None,
    };
    let report = scan_with(&fetcher, &matcher, &request.addresses, request.radius, browser.as_ref()).await;
    if let Some(browser) = browser {
        browser.close().await;
    }
    println!("page,media,sha256,content,closeness");
    for f in &report.findings {
        let closeness = match f.closeness {
            Closeness::Distance(d) => format!("distance {d}"),
            Closeness::FramesMatched(p) => format!("{p:.0}% of frames"),
        };
        println!("{},{},{},{},{closeness}", f.page, f.media, f.sha256, f.content.id);
    }
    for (address, why) in &report.skipped {
        eprintln!("lodge: skipped {address}: {why}");
    }
    eprintln!(
        "{} pages, {} images and {} videos read; {} copies found",
        report.pages,
        report.images,
        report.videos,
        report.findings.len()
    );
    Ok(ok)
}
