//! Running Lodge: logging as configured, opening the database and file store, serving until
//! asked to stop, and the operator's backup, restore and log check.

use std::sync::Arc;

use anyhow::{Context, Result};
use lodge_service::{CheckpointSigner, Lodge, ServiceConfig};

use crate::config::Config;
use crate::private_files::{FIRST_LINK_FILE, server_key, write_private};

/// Lodge's own crates: their logs are written never to carry case content.
pub(crate) const OWN_CRATES: &[&str] = &[
    "lodge",
    "lodge_blobs",
    "lodge_crypto",
    "lodge_domain",
    "lodge_import",
    "lodge_ledger",
    "lodge_pdq",
    "lodge_report",
    "lodge_scan",
    "lodge_service",
    "lodge_store",
    "lodge_takedown",
    "lodge_web",
];

/// The log filter for a level setting. The level applies to Lodge's own crates; every other
/// crate is held at `warn` whatever the setting, because their debug logs can carry what they
/// handle (an HTML parser logs the text it parses, an HTTP client the addresses it fetches).
pub(crate) fn log_filter(level: &str) -> tracing_subscriber::EnvFilter {
    let level: tracing_subscriber::filter::LevelFilter =
        level.trim().parse().unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let own = OWN_CRATES.iter().map(|c| format!("{c}={level}"));
    let directives: Vec<String> = std::iter::once("warn".to_owned()).chain(own).collect();
    tracing_subscriber::EnvFilter::new(directives.join(","))
}

pub(crate) fn init_logging(config: &Config) {
    let filter = log_filter(&config.log);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
}

/// A service error as the command line says it: what to fix, or what failed.
pub(crate) fn plain(e: lodge_service::ServiceError) -> anyhow::Error {
    match (e.problems(), &e) {
        (Some(p), _) => anyhow::anyhow!(p.fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" ")),
        (None, lodge_service::ServiceError::Internal(_)) => anyhow::anyhow!("{e}"),
        (None, _) => anyhow::anyhow!(e.user_message()),
    }
}

/// `lodge backup`: everything, still encrypted, as one stream.
pub(crate) async fn backup(config: Config, to: &std::path::Path) -> Result<()> {
    let (store, blobs) = open_storage(&config).await?;
    let summary = if to == std::path::Path::new("-") {
        lodge_service::backup::backup(store, &blobs, std::io::stdout()).await
    } else {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(to)
            .with_context(|| format!("cannot create {} (it must not exist yet)", to.display()))?;
        lodge_service::backup::backup(store, &blobs, std::io::BufWriter::new(file)).await
    }
    .map_err(plain)?;
    eprintln!(
        "Backed up {} database rows and {} files ({}). The server key is not in the backup.",
        summary.rows,
        summary.files,
        lodge_service::human_size(summary.file_bytes)
    );
    Ok(())
}

/// `lodge restore`: a backup into an empty database and file store, then every log checked.
pub(crate) async fn restore(config: Config, from: &std::path::Path) -> Result<bool> {
    let key = config.server_key_file();
    if !key.exists() {
        anyhow::bail!(
            "the server key the backup was made with is needed: copy it to {} or set server_key_file",
            key.display()
        );
    }
    let file = std::fs::File::open(from).with_context(|| format!("cannot open {}", from.display()))?;
    let (store, blobs) = open_storage(&config).await?;
    let summary = lodge_service::backup::restore(store, &blobs, file).await.map_err(plain)?;
    eprintln!("Restored {} database rows and {} files.", summary.rows, summary.files);
    check_every_log(&open(&config).await?).await
}

/// Checks every case's log without its keys; names each that fails.
pub(crate) async fn check_every_log(lodge: &Lodge) -> Result<bool> {
    let mut ok = true;
    let cases = lodge.case_ids().await.map_err(plain)?;
    for case in &cases {
        let check = lodge.verify_case_log(*case).await.map_err(plain)?;
        if let Some(problem) = &check.problem {
            eprintln!("case {case}: {problem}");
            ok = false;
        }
        for changed in check.changed.iter().filter(|c| Some(*c) != check.problem.as_ref()) {
            eprintln!("case {case}: {changed}");
        }
    }
    if ok {
        let noun = if cases.len() == 1 { "case" } else { "cases" };
        eprintln!("Every case log verifies ({} {noun}).", cases.len());
    }
    Ok(ok)
}

/// The database and the file store the configuration names.
pub(crate) async fn open_storage(config: &Config) -> Result<(Arc<dyn lodge_store::Store>, lodge_blobs::Blobs)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let store = lodge_store::open(&config.database_url()).await.context("cannot open the database")?;
    let blobs = if config.s3_bucket.trim().is_empty() {
        lodge_blobs::Blobs::local(&config.data_dir.join("files")).context("cannot open the file store")?
    } else {
        let settings = lodge_blobs::S3Settings {
            bucket: config.s3_bucket.trim().to_owned(),
            endpoint: config.s3_endpoint.trim().to_owned(),
            region: config.s3_region.trim().to_owned(),
            access_key_id: config.s3_access_key_id.trim().to_owned(),
            secret_access_key: std::env::var("LODGE_S3_SECRET_ACCESS_KEY")
                .context("set LODGE_S3_SECRET_ACCESS_KEY for the S3 bucket")?,
        };
        lodge_blobs::Blobs::s3(&settings).context("cannot open the S3 bucket")?
    };
    Ok((store, blobs))
}

pub(crate) async fn open(config: &Config) -> Result<Lodge> {
    let kdf = lodge_crypto::password::KdfParams {
        memory_kib: config.argon2_memory_kib,
        iterations: config.argon2_iterations,
        parallelism: 1,
    };
    if !kdf.meets_owasp_minimum() && !config.argon2_below_minimum_for_tests {
        anyhow::bail!(
            "argon2_memory_kib = {} with argon2_iterations = {} is below OWASP's minimum for passwords \
             (19456 KiB with 2 passes, or an equivalent): raise them",
            kdf.memory_kib,
            kdf.iterations
        );
    }
    let (store, blobs) = open_storage(config).await?;
    let service = ServiceConfig {
        session_idle: jiff::SignedDuration::from_mins(config.session_idle_minutes.into()),
        session_max: jiff::SignedDuration::from_hours(config.session_max_hours.into()),
        kdf,
        max_upload_bytes: config.max_upload_bytes,
        timestamp_url: timestamp_url(&config.timestamp_url)?,
        phone_region: config.phone_region.clone(),
        scan: scan_settings(config),
        browser: browser_settings(config),
        smtp: if config.smtp_host.trim().is_empty() { None } else { Some(Arc::new(crate::notice::smtp(config)?)) },
        schedule: lodge_takedown::tracking::Schedule {
            follow_up: jiff::SignedDuration::from_hours(i64::from(config.notice_follow_up_days) * 24),
            escalate: jiff::SignedDuration::from_hours(i64::from(config.notice_escalate_days) * 24),
        },
        recheck_every: jiff::SignedDuration::from_hours(i64::from(config.notice_recheck_hours.max(1))),
        watch_sites: config.watch_sites.clone(),
        watch_every: jiff::SignedDuration::from_hours(i64::from(config.watch_hours.max(1))),
        public_url: config.public_url.clone(),
        ..ServiceConfig::default()
    };
    let kek = server_key(&config.server_key_file())?;
    if let Some(warning) = config.server_name_warning() {
        tracing::warn!("{warning}");
    }
    let signer = CheckpointSigner::load_or_create(&*store, &kek, &config.server_name())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot open the checkpoint key with {}", config.server_key_file().display()))?;
    Ok(Lodge::new(store, blobs, service, signer, &kek))
}

/// How scans render pages, from the configuration: `None` when the browser is off.
pub(crate) fn browser_settings(config: &Config) -> Option<lodge_scan::browser::BrowserSettings> {
    let program = match config.scan_browser.trim() {
        "off" => return None,
        "" | "auto" => None,
        path => Some(std::path::PathBuf::from(path)),
    };
    Some(lodge_scan::browser::BrowserSettings { program, ..lodge_scan::browser::BrowserSettings::default() })
}

/// How scans fetch, from the configuration.
pub(crate) fn scan_settings(config: &Config) -> lodge_scan::fetch::FetchSettings {
    let mut settings = lodge_scan::fetch::FetchSettings {
        per_host_interval: std::time::Duration::from_millis(config.scan_interval_ms),
        obey_robots: config.scan_obey_robots,
        allow_private: config.scan_allow_private,
        proxy: Some(config.scan_proxy.trim().to_owned()).filter(|p| !p.is_empty()),
        ..lodge_scan::fetch::FetchSettings::default()
    };
    if !config.scan_user_agent.trim().is_empty() {
        settings.user_agent = config.scan_user_agent.trim().to_owned();
    }
    settings
}

pub(crate) async fn serve(config: Config) -> Result<()> {
    init_logging(&config);
    println!("Lodge {} starting with this configuration:\n{}", env!("CARGO_PKG_VERSION"), config.redacted());
    let lodge = open(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let public_url = if config.public_url == format!("http://{}", config.listen) {
        format!("http://{address}")
    } else {
        config.public_url.clone()
    };
    // The first administrator's link goes to a file only this user can read, never to the
    // output a service manager keeps in its journal.
    let link_file = config.data_dir.join(FIRST_LINK_FILE);
    match lodge.first_administrator_token().await? {
        Some(token) => {
            write_private(&link_file, format!("{public_url}/join/{}\n", token.to_text()).as_bytes())?;
            println!(
                "\nFirst start. The link that creates the organisation's first administrator is in\n  {}\n(readable by this user only; it works once, and expires in a week).\n",
                link_file.display()
            );
        }
        None => {
            let _ = std::fs::remove_file(&link_file);
        }
    }
    let web = lodge_web::WebConfig {
        public_url: public_url.clone(),
        exit_url: config.exit_url.clone(),
        organisation: config.organisation.clone(),
        neutral_title: config.neutral_title,
        default_time_zone: config.default_time_zone.clone(),
        support_services: config.support_services.clone(),
        trust_forwarded_for: config.trust_forwarded_for,
        // Read from the environment only, like the other secrets.
        metrics_token: std::env::var("LODGE_METRICS_TOKEN").ok().and_then(|t| lodge_web::MetricsToken::new(&t)),
    };
    let sweeper = Arc::new(lodge.clone());
    let grace = jiff::SignedDuration::from_mins(i64::from(config.orphan_grace_minutes));
    tokio::spawn(async move {
        // Stale sessions and expired police links every five minutes. Every hour, jobs that ended a month ago; and
        // orphaned files: every file once at start (after a crash there may be something to
        // tidy), then every hour the files written since.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        let mut swept_to = None;
        for round in 0u64.. {
            tick.tick().await;
            if let Err(e) = sweeper.end_stale_sessions().await {
                tracing::warn!(error = %e, "could not end stale sessions");
            }
            if let Err(e) = sweeper.end_expired_shares().await {
                tracing::warn!(error = %e, "could not end expired police links");
            }
            if round % 12 == 0 {
                if let Err(e) = sweeper.forget_ended_jobs().await {
                    tracing::warn!(error = %e, "could not forget old jobs");
                }
                match sweeper.remove_orphaned_files(grace, swept_to).await {
                    Ok((_, cutoff)) => swept_to = Some(cutoff),
                    Err(e) => tracing::warn!(error = %e, "could not remove orphaned files"),
                }
            }
        }
    });
    let worker = lodge.clone();
    tokio::spawn(async move { worker.run_jobs().await });
    println!("Lodge listening on http://{address}");
    if public_url != format!("http://{address}") {
        println!("People reach it at {public_url}");
    }
    tracing::info!(backend = lodge.backend(), %address, "listening");
    let app = lodge_web::router(lodge, web).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

pub(crate) async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The timestamp authority's address, if one is set. Tokens are signed by the authority and
/// the request holds only a digest, so plain HTTP is what RFC 3161 services offer and is safe.
pub(crate) fn timestamp_url(url: &str) -> Result<Option<String>> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    if !url.starts_with("http://") {
        anyhow::bail!(
            "timestamp_url must be the authority's http:// address (RFC 3161 replies are signed, so http is safe); got {url}"
        );
    }
    Ok(Some(url.to_owned()))
}
