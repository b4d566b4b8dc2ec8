//! `lodge`: the one binary. It reads configuration, opens storage and hands over to the
//! libraries; it holds no logic of its own.

mod config;
mod fingerprint;
mod import;
mod notice;
mod private_files;
mod scan;
mod server;

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use lodge_domain::Role;
use lodge_service::Password;

use crate::config::{Config, Overrides};
use crate::server::{backup, check_every_log, open, restore, serve};

/// Lodge: a secure, tamper-evident log for people who are stalked and harassed online.
#[derive(Debug, Parser)]
#[command(name = "lodge", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML). Defaults to ./lodge.toml if it exists.
    #[arg(long, global = true, env = "LODGE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server.
    Serve(StorageFlags),
    /// Manage the organisation's Lodge.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI description of the JSON API.
    Openapi,
    /// Print every address Lodge answers, one a line: method, path, and who may use it (for a
    /// reverse proxy's rules, an audit, or the browser test that visits every page).
    Routes,
    /// Import exports (WhatsApp, SMS Backup & Restore, Telegram, Instagram, Facebook, X,
    /// Discord, email, photos) into one of your cases. Your password is read from the first
    /// line of standard input, and with two-step sign-in the code from the second.
    Import {
        /// The case to import into (its id, from the case's address).
        #[arg(long)]
        case: uuid::Uuid,
        /// Your sign-in name.
        #[arg(long)]
        username: String,
        /// auto, whatsapp, sms-xml, telegram, instagram, facebook, x, discord, email or image.
        #[arg(long, default_value = "auto")]
        format: String,
        /// Time zone for times the export writes without one [default: the organisation's].
        #[arg(long)]
        tz: Option<String>,
        /// A sender who is you (repeat for several names).
        #[arg(long)]
        me: Vec<String>,
        /// Start a new incident after this many quiet minutes; 0 groups by day.
        #[arg(long, default_value_t = 0)]
        burst_minutes: u32,
        /// Keep what was read before a broken part of a file.
        #[arg(long)]
        keep_partial: bool,
        /// day-first or month-first: how to read dates like 05/03/24 when the export does
        /// not say (the preview asks when it matters).
        #[arg(long)]
        date_order: Option<String>,
        /// The exports.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        storage: StorageFlags,
    },
    /// Fingerprint images (PDQ) and videos (vPDQ).
    ///
    /// Prints `pdq_hex,quality,path` for each image; with --dihedral, one line for each of the 8
    /// rotations and flips, named at the end. For each video, prints `# path,md5=…` and then
    /// the reference's vPDQ lines, `frameNumber,quality,pdq_hex,timestamp`. Files that cannot
    /// be hashed are named on standard error with the reason; the exit status is 0 only if every
    /// file hashed.
    Hash {
        /// Also print the 8 dihedral variants of each image.
        #[arg(long)]
        dihedral: bool,
        /// Treat every file as a video (videos are otherwise known by their extension).
        #[arg(long)]
        video: bool,
        /// Seconds between hashed video frames; 0 hashes every frame.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Files and directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Look for copies of her images and videos on web pages.
    ///
    /// Her files are fingerprinted here (nothing of them is sent anywhere); each address is
    /// fetched (a page, or an image or video directly), every image and video on a page is
    /// fingerprinted and compared. Prints `page,media,sha256,content,closeness` for each copy.
    Scan {
        /// Her images and videos, files or directories.
        #[arg(long, required_unless_present = "hashes")]
        content: Vec<PathBuf>,
        /// Hashes of her files made on her own computer (`lodge hash --dihedral` output), so the
        /// files themselves need not be here.
        #[arg(long)]
        hashes: Vec<PathBuf>,
        /// Largest PDQ distance that counts as a copy of an image.
        #[arg(long, default_value_t = lodge_pdq::MATCH_DISTANCE)]
        radius: u32,
        /// The user agent sent to sites.
        #[arg(long)]
        user_agent: Option<String>,
        /// Milliseconds between two requests to the same site.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Fetch pages even where the site's robots.txt asks crawlers not to.
        #[arg(long)]
        ignore_robots: bool,
        /// Allow private and loopback addresses (an intranet mirror, a test site).
        #[arg(long)]
        allow_private: bool,
        /// Send requests through this proxy (`http://…`). Proxy settings in the environment are
        /// never used; names are still checked here before a request goes to the proxy.
        #[arg(long)]
        proxy: Option<String>,
        /// Render pages with a browser: `auto` (headless Chromium when installed), `off`, or
        /// Chromium's program. Lodge answers the browser's every request itself.
        #[arg(long, default_value = "auto")]
        browser: String,
        /// Pages, images or videos to look at.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Which takedown routes fit a copy that was found, from the answers to the routing
    /// questions.
    Route {
        /// Who made it: her, studio or someone-else.
        #[arg(long)]
        maker: String,
        /// She is currently paid for this content.
        #[arg(long)]
        paid: bool,
        /// It is a fake (deepfake, face-swap).
        #[arg(long)]
        fake: bool,
        /// The site or its host is in the EU, or it serves people in the EU.
        #[arg(long)]
        eu: bool,
        /// The site is behind a CDN.
        #[arg(long)]
        cdn: bool,
        /// The address is one of her own accounts.
        #[arg(long)]
        own_account: bool,
    },
    /// Make a takedown notice from a JSON draft, refusing one that lacks a required element.
    ///
    /// Prints the email (recipient, subject, body), or with --lumen the Lumen-compatible record,
    /// or with --pdf writes it as a PDF, or with --send sends it through the organisation's SMTP server (smtp_* settings, and
    /// LODGE_SMTP_PASSWORD).
    Notice {
        /// dmca, dsa, delist-copyright, delist-ncii, delist-fake, platform-ncii or platform-fake.
        #[arg(long)]
        route: String,
        /// Print the Lumen-compatible record instead of the email.
        #[arg(long)]
        lumen: bool,
        /// Write it as a PDF to this file instead.
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// Send it.
        #[arg(long)]
        send: bool,
        /// The draft (JSON: sender, recipient, urls, work, original_urls, law, country, paid,
        /// anonymous, filter_similar, stopncii_case, confirmed, date).
        draft: PathBuf,
    },
    /// Find known images and videos: hash each query and print `query,distance,match` for every
    /// indexed hash within the radius.
    Match {
        /// Known hashes: `lodge hash` output, a list of hashes one a line, or a binary index.
        #[arg(long)]
        index: PathBuf,
        /// Largest Hamming distance that counts as a match.
        #[arg(long, default_value_t = lodge_pdq::MATCH_DISTANCE)]
        radius: u32,
        /// Images, videos or directories to look up.
        #[arg(required = true)]
        queries: Vec<PathBuf>,
    },
    /// Check an evidence bundle offline: every file against the manifest, the server's
    /// signatures, and that each exhibit was recorded in the case log. Names the first file that
    /// fails; the exit status is 0 only if the bundle verifies.
    /// Write a backup of everything (the database and every stored file, still encrypted) to
    /// a file, or to standard output with `-`. It can be taken while Lodge runs. The server
    /// key is not in it: back that up apart.
    Backup {
        /// Where to write it (`-` for standard output).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        storage: StorageFlags,
    },
    /// Restore a backup into a new data directory or an empty database (and file store), then
    /// check every case's log. Needs the server key the backup was made with.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        storage: StorageFlags,
    },
    Verify {
        /// The verifier key the organisation publishes. Without it, the key inside the bundle is
        /// used and printed, for you to compare.
        #[arg(long)]
        key: Option<String>,
        /// For a bundle locked to an age key: the age identity file that opens it. A bundle
        /// locked with a passphrase asks for it on standard input.
        #[arg(long)]
        identity: Option<PathBuf>,
        /// The bundle (a .zip file, or .zip.age when locked).
        bundle: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check every case's log without opening any case: no leaf missing, the tree rebuilt
    /// from the leaves matches, every kept checkpoint is signed and consistent. Exits 1 if a
    /// log fails.
    CheckLogs {
        #[command(flatten)]
        storage: StorageFlags,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account and print its recovery key.
    Add {
        /// administrator, support-worker or survivor.
        #[arg(long)]
        role: String,
        /// The sign-in name.
        #[arg(long)]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        storage: StorageFlags,
    },
}

#[derive(Debug, Args)]
struct StorageFlags {
    /// Where the SQLite database and the encrypted files live [default: ./lodge-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// PostgreSQL URL (postgres://…) instead of SQLite.
    #[arg(long)]
    database_url: Option<String>,
}

impl StorageFlags {
    fn overrides(self) -> Overrides {
        Overrides { data_dir: self.data_dir, listen: self.listen, database_url: self.database_url }
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Serve(flags) => {
            let config = Config::load(cli.config.as_ref(), flags.overrides())?;
            runtime.block_on(serve(config))
        }
        Command::Admin {
            command: AdminCommand::User { command: UserCommand::Add { role, username, password_stdin: _, storage } },
        } => {
            let config = Config::load(cli.config.as_ref(), storage.overrides())?;
            runtime.block_on(add_user(config, &role, &username))
        }
        Command::Admin { command: AdminCommand::CheckLogs { storage } } => {
            let config = Config::load(cli.config.as_ref(), storage.overrides())?;
            let ok = runtime.block_on(async { check_every_log(&open(&config).await?).await })?;
            exit_with(ok)
        }
        Command::Import { case, username, format, tz, me, burst_minutes, keep_partial, date_order, files, storage } => {
            let config = Config::load(cli.config.as_ref(), storage.overrides())?;
            let mut line = zeroize::Zeroizing::new(String::new());
            std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
            let password = Password::new(line.trim_end_matches(['\r', '\n']).to_owned());
            let mut code = String::new();
            std::io::stdin().lock().read_line(&mut code).context("cannot read standard input")?;
            let code = Some(code.trim().to_owned()).filter(|c| !c.is_empty());
            let request = import::Request {
                username,
                case,
                format: import::format(&format)?,
                zone: tz.unwrap_or_else(|| config.default_time_zone.clone()),
                me,
                burst_minutes,
                keep_partial,
                date_order: date_order.as_deref().map(import::date_order).transpose()?,
                files,
            };
            let all = runtime.block_on(async {
                let lodge = open(&config).await?;
                import::run(&lodge, password, code, request).await
            })?;
            exit_with(all)
        }
        Command::Openapi => {
            println!("{}", lodge_web::openapi_json());
            Ok(())
        }
        Command::Routes => {
            for r in lodge_web::route_table() {
                println!("{} {} {}", r.method, r.path, r.allowed.name());
            }
            Ok(())
        }
        Command::Hash { dihedral, video, interval, paths } => {
            exit_with(fingerprint::hash(&paths, dihedral, video, interval)?)
        }
        Command::Scan {
            content,
            hashes,
            radius,
            user_agent,
            interval_ms,
            ignore_robots,
            allow_private,
            proxy,
            browser,
            addresses,
        } => {
            let request = scan::Request {
                content,
                hashes,
                radius,
                user_agent,
                interval: std::time::Duration::from_millis(interval_ms),
                obey_robots: !ignore_robots,
                allow_private,
                proxy,
                browser,
                addresses,
            };
            exit_with(runtime.block_on(scan::run(request))?)
        }
        Command::Route { maker, paid, fake, eu, cdn, own_account } => {
            notice::print_plan(&maker, paid, fake, eu, cdn, own_account)
        }
        Command::Notice { route, lumen, pdf, send, draft } => {
            let config = Config::load(cli.config.as_ref(), Overrides::default())?;
            let output = match (send, pdf, lumen) {
                (true, _, _) => notice::Output::Send,
                (false, Some(path), _) => notice::Output::Pdf(path),
                (false, None, true) => notice::Output::Lumen,
                (false, None, false) => notice::Output::Email,
            };
            exit_with(runtime.block_on(notice::make(&config, &route, &draft, output))?)
        }
        Command::Match { index, radius, queries } => exit_with(fingerprint::find(&index, radius, &queries)?),
        Command::Backup { to, storage } => {
            let config = Config::load(cli.config.as_ref(), storage.overrides())?;
            runtime.block_on(backup(config, &to))
        }
        Command::Restore { from, storage } => {
            let config = Config::load(cli.config.as_ref(), storage.overrides())?;
            exit_with(runtime.block_on(restore(config, &from))?)
        }
        Command::Verify { key, identity, bundle } => exit_with(verify(&bundle, key.as_deref(), identity.as_deref())?),
    }
}

/// Verifies a bundle and says what was checked, or which file failed and why.
fn verify(path: &std::path::Path, key: Option<&str>, identity: Option<&std::path::Path>) -> Result<bool> {
    use lodge_report::sealed::{self, Unseal};
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let checked = if sealed::is_sealed(&mut reader)? {
        let unseal = match identity {
            Some(file) => Unseal::Identities(
                std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?,
            ),
            None => {
                if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                    eprint!("This bundle is locked. Passphrase: ");
                }
                let mut line = zeroize::Zeroizing::new(String::new());
                std::io::stdin().read_line(&mut line).context("cannot read the passphrase")?;
                Unseal::Passphrase(lodge_report::SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()))
            }
        };
        sealed::open(reader, &unseal).and_then(|opened| lodge_report::verify_bundle(opened, key))
    } else {
        lodge_report::verify_bundle(reader, key)
    };
    match checked {
        Ok(v) => {
            println!("OK: {} verifies.", path.display());
            println!("  {} files and {} exhibits match the manifest, byte for byte.", v.files, v.exhibits);
            println!("  Every exhibit is in the case log at its signed checkpoint.");
            if v.records > 0 {
                println!(
                    "  {} incidents, people and deletions say what the case log recorded, word for word.",
                    v.records
                );
            }
            if !v.changed.is_empty() {
                println!("  WARNING: when it was made, these no longer matched the case log and were left out:");
                for line in &v.changed {
                    println!("    - {line}");
                }
            }
            println!("  Log:          {}", v.origin);
            println!("  Entries:      {}", v.size);
            println!("  Root hash:    {}", v.root);
            println!("  Made:         {}", v.created);
            match &v.timestamp {
                Some(time) => println!(
                    "  Trusted time: {time} (RFC 3161 token checkpoint.tsr; check its signature with\n                openssl ts -verify -data checkpoint.txt -in checkpoint.tsr -CAfile <the authority's CA>)"
                ),
                None => println!("  Trusted time: none"),
            }
            println!("  Signed by:    {}", v.verifier_key);
            if key.is_none() {
                println!("Compare this key with the one the organisation publishes, or run again with --key.");
            }
            Ok(true)
        }
        Err(e) => {
            eprintln!("FAILED: {}: {e}", path.display());
            Ok(false)
        }
    }
}

/// Exit status 0 when everything succeeded, 1 when some files failed (each already reported).
fn exit_with(all_ok: bool) -> Result<()> {
    if !all_ok {
        std::process::exit(1);
    }
    Ok(())
}

async fn add_user(config: Config, role: &str, username: &str) -> Result<()> {
    let Some(role) = Role::parse(role) else {
        bail!("unknown role {role:?}: use administrator, support-worker or survivor")
    };
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = Password::new(line.trim_end_matches(['\r', '\n']).to_owned());
    let lodge = open(&config).await?;
    let (_, recovery) = lodge.add_user(username, password, role).await.map_err(|e| match e.problems() {
        Some(p) => anyhow::anyhow!(p.fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" ")),
        None => anyhow::anyhow!(e.to_string()),
    })?;
    println!("Created {} account {username}.", role.label().to_lowercase());
    println!("Recovery key (shown once; give it to the account holder): {}", recovery.display_text().as_str());
    Ok(())
}
