//! `lodge route` and `lodge notice`: which takedown routes fit, and a complete notice from a
//! draft — printed as the email, or as the Lumen record, or sent through the organisation's
//! SMTP server. The work is in `lodge-takedown`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use lodge_takedown::notice::Draft;
use lodge_takedown::route::{Maker, Nature, ROUTES, Route, Situation, plan};
use lodge_takedown::send::{Security, Smtp};

use crate::config::Config;

/// Route names on the command line.
/// `lodge route`: prints the routes that fit and the notes that go with them.
pub fn print_plan(maker: &str, paid: bool, fake: bool, eu: bool, cdn: bool, own_account: bool) -> Result<()> {
    let maker = match maker {
        "her" | "me" => Maker::Her,
        "studio" => Maker::Studio,
        "someone-else" | "other" => Maker::SomeoneElse,
        other => bail!("unknown maker {other:?}: use her, studio or someone-else"),
    };
    let nature = if fake { Nature::Fake } else { Nature::Real };
    let p = plan(&Situation { maker, paid, nature, eu, behind_cdn: cdn, her_own_account: own_account });
    for route in &p.routes {
        println!("{:<17} {}", Route::name(*route), route.label());
    }
    for note in &p.notes {
        println!("note: {note}");
    }
    Ok(())
}

/// The organisation's SMTP server, from the configuration.
pub fn smtp(config: &Config) -> Result<Smtp> {
    if config.smtp_host.trim().is_empty() || config.smtp_from.trim().is_empty() {
        bail!("set smtp_host and smtp_from (in lodge.toml or LODGE_SMTP_HOST and LODGE_SMTP_FROM) to send notices");
    }
    let security = match config.smtp_security.as_str() {
        "starttls" => Security::StartTls,
        "tls" => Security::Tls,
        "none" => Security::None,
        other => bail!("smtp_security must be starttls, tls or none, not {other:?}"),
    };
    let login = if config.smtp_username.trim().is_empty() {
        None
    } else {
        let password = std::env::var("LODGE_SMTP_PASSWORD").context("set LODGE_SMTP_PASSWORD for the SMTP user")?;
        Some((config.smtp_username.clone(), password))
    };
    Ok(Smtp { host: config.smtp_host.clone(), port: config.smtp_port, security, login, from: config.smtp_from.clone() })
}

/// What `lodge notice` does with a notice.
#[derive(Debug)]
pub enum Output {
    /// Print the email.
    Email,
    /// Print the Lumen record.
    Lumen,
    /// Write a PDF.
    Pdf(std::path::PathBuf),
    /// Send it.
    Send,
}

/// `lodge notice`: makes the notice from a JSON draft. Prints it, or sends it. False when the
/// draft is missing something the route requires (each is named on standard error).
pub async fn make(config: &Config, route: &str, draft: &Path, output: Output) -> Result<bool> {
    let route = ROUTES.iter().find(|(n, _)| *n == route).map(|(_, r)| *r).ok_or_else(|| {
        anyhow!("unknown route {route:?}: use {}", ROUTES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))
    })?;
    let text = std::fs::read_to_string(draft).with_context(|| format!("cannot read {}", draft.display()))?;
    let draft: Draft =
        serde_json::from_str(&text).with_context(|| format!("{} is not a notice draft", draft.display()))?;
    let notice = match draft.notice(route) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("lodge: {e}");
            return Ok(false);
        }
    };
    match output {
        Output::Send => {
            smtp(config)?.send(&notice, &draft.sender.email, &[]).await.map_err(|e| anyhow!("{e}"))?;
            println!("Sent to {}: {}", notice.to, notice.subject);
        }
        Output::Lumen => println!("{}", serde_json::to_string_pretty(&notice.lumen)?),
        Output::Pdf(path) => {
            let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
            let created = (
                i32::from(now.year()),
                now.month().unsigned_abs(),
                now.day().unsigned_abs(),
                now.hour().unsigned_abs(),
                now.minute().unsigned_abs(),
                now.second().unsigned_abs(),
            );
            let pdf = lodge_report::render_letter_pdf(&notice.subject, &notice.body, created)
                .map_err(|e| anyhow!("cannot lay out the notice: {e}"))?;
            std::fs::write(&path, pdf).with_context(|| format!("cannot write {}", path.display()))?;
            println!("Wrote {}: {}", path.display(), notice.subject);
        }
        Output::Email => println!("To: {}\nSubject: {}\n\n{}", notice.to, notice.subject, notice.body),
    }
    Ok(true)
}
