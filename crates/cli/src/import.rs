//! `lodge import`: her exports, from her own computer, into one of her cases. Each file is
//! encrypted as it is read, previewed (what it holds is printed) and imported, with progress
//! bars; the same rules as the web import apply (one transaction, duplicates skipped).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use lodge_domain::CaseId;
use lodge_service::{DateOrder, Grouping, ImportChoices, ImportFormat, Lodge, OpenCase, Password};
use tokio::io::AsyncReadExt;

use crate::server::plain;

/// What `lodge import` was asked to do.
#[derive(Debug)]
pub struct Request {
    pub username: String,
    pub case: uuid::Uuid,
    pub format: Option<ImportFormat>,
    pub zone: String,
    pub me: Vec<String>,
    pub burst_minutes: u32,
    pub keep_partial: bool,
    pub date_order: Option<DateOrder>,
    pub files: Vec<PathBuf>,
}

/// Reads a `--format` value: `auto` or one of the formats' codes.
pub fn format(code: &str) -> Result<Option<ImportFormat>> {
    if code.trim() == "auto" {
        return Ok(None);
    }
    ImportFormat::from_code(code)
        .map(Some)
        .ok_or_else(|| anyhow!("unknown format {code:?}: use {}", ImportFormat::choices()))
}

/// Reads a `--date-order` value.
pub fn date_order(text: &str) -> Result<DateOrder> {
    match text.trim() {
        "day-first" => Ok(DateOrder::DayFirst),
        "month-first" => Ok(DateOrder::MonthFirst),
        other => Err(anyhow!("unknown date order {other:?}: use day-first or month-first")),
    }
}

fn bar(len: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Signs in with the password (and, for two-step sign-in, the code) read from standard input
/// and imports every file. True when every file imported.
pub async fn run(lodge: &Lodge, password: Password, code: Option<String>, request: Request) -> Result<bool> {
    let (token, outcome) = lodge.sign_in(&request.username, password, "lodge import", None).await.map_err(plain)?;
    let session = match (outcome, code) {
        (lodge_service::SignIn::Ready(session), _) => session,
        (lodge_service::SignIn::NeedsCode, Some(code)) => {
            lodge.second_factor(&token.to_text(), &code).await.map_err(plain)?
        }
        (lodge_service::SignIn::NeedsCode, None) => {
            lodge.sign_out(&token.to_text()).await.map_err(plain)?;
            anyhow::bail!(
                "this account has two-step sign-in: put the code from the authenticator app on the second line of standard input"
            );
        }
    };
    let case = lodge.open_case(&session, CaseId(request.case)).await.map_err(plain)?;
    let mut all = true;
    for path in &request.files {
        if let Err(e) = one(&case, &request, path).await {
            eprintln!("{}: {e:#}", path.display());
            all = false;
        }
    }
    lodge.sign_out(&token.to_text()).await.map_err(plain)?;
    Ok(all)
}

async fn one(case: &OpenCase, request: &Request, path: &std::path::Path) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = tokio::fs::File::open(path).await.with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().await?.len();
    let reading = bar(size, "{msg} [{bar:30}] {bytes}/{total_bytes}");
    reading.set_message("Encrypting");
    let body = futures_util::stream::unfold((file, reading.clone()), |(mut file, bar)| async move {
        let mut chunk = vec![0u8; 256 * 1024];
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                bar.inc(n as u64);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)), (file, bar)))
            }
            Err(e) => Some((Err(e), (file, bar))),
        }
    })
    .boxed();
    let staged = case.stage_import(&name, body).await.map_err(plain)?;
    reading.finish_and_clear();

    let preview = match case.preview_import(&staged, request.format, &request.zone, request.date_order).await {
        Ok(p) => p,
        Err(e) => {
            case.discard_import(&staged).await.map_err(plain)?;
            return Err(plain(e));
        }
    };
    // Which way round its dates go is hers to say when the export does not: nothing is
    // imported on a guess.
    if let Some(u) = &preview.undecided {
        case.discard_import(&staged).await.map_err(plain)?;
        anyhow::bail!(
            "the export does not say whether the day or the month comes first: its message dated {:?} is {} read day first, or {} read month first. Run again with --date-order day-first or --date-order month-first",
            u.written,
            u.day_first.strftime("%-d %B %Y, %H:%M"),
            u.month_first.strftime("%-d %B %Y, %H:%M")
        );
    }
    println!(
        "{}: {} ({} messages, {} already in the case)",
        path.display(),
        preview.format,
        preview.messages,
        preview.already
    );
    if let (Some(first), Some(last)) = (preview.first, preview.last) {
        println!("  from {first} to {last}");
    }
    for c in &preview.conversations {
        println!("  conversation {:?}: {} messages", c.name, c.messages);
    }
    for s in &preview.senders {
        let matched = s.person.as_ref().map(|(_, label)| format!(", is {label}")).unwrap_or_default();
        println!("  sender {:?}: {} messages{matched}", s.name, s.messages);
    }
    for note in &preview.notes {
        println!("  note: {note}");
    }
    if let Some(problem) = &preview.problem {
        println!("  problem: {problem}");
    }

    let count = Arc::new(AtomicU64::new(0));
    let importing = bar(preview.messages, "Importing [{bar:30}] {pos}/{len} messages");
    let ticker = {
        let (count, importing) = (count.clone(), importing.clone());
        tokio::spawn(async move {
            loop {
                importing.set_position(count.load(Ordering::Relaxed));
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        })
    };
    let choices = ImportChoices {
        format: Some(preview.format),
        zone: request.zone.clone(),
        conversations: Vec::new(),
        me: request.me.clone(),
        left_out: Vec::new(),
        grouping: if request.burst_minutes == 0 { Grouping::Day } else { Grouping::Burst(request.burst_minutes) },
        keep_partial: request.keep_partial,
        date_order: request.date_order,
    };
    let done = case.import(&staged, &choices, Some(count)).await;
    ticker.abort();
    importing.finish_and_clear();
    let done = done.map_err(plain)?;
    println!(
        "  imported {} messages into {} incidents ({} already there, {} people added); exhibit {}",
        done.messages, done.incidents, done.duplicates, done.people_added, done.exhibit
    );
    if let Some(problem) = done.problem {
        println!("  kept what came before: {problem}");
    }
    Ok(())
}
