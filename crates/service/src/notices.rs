//! Takedown notices in a case, tracked to removal.
//!
//! A notice is made from copies she confirmed, all on one site, along the route she chose
//! (see [`lodge_takedown::route`]); Lodge refuses one that lacks an element its route requires
//! and says which. It is kept sealed like every record, with its status history. Once sent
//! (from Lodge by the organisation's SMTP server, or by her), its follow-up and escalation
//! dates are due by the organisation's schedule, and the reported addresses are looked at again
//! by a re-check job every `recheck_every`: an address that is gone is marked removed, and the
//! notice becomes removed or partly removed. Like every job, a re-check runs while the case is
//! open on this node: one that falls due waits until someone with access opens the case.

use crate::jobs::JobKind;
use jiff::{SignedDuration, Timestamp};
use lodge_domain::{CopyId, CopyStatus, FoundCopy, NoticeId, OwnAccount, Problems, RecordKind, host_of};
use lodge_scan::Presence;
use lodge_store::JobRow;
use lodge_takedown::notice::{Draft, Notice, NoticeError};
use lodge_takedown::route::Route;
use lodge_takedown::tracking::{self, Due, Reported, Sent, Status};
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::case::{OpenCase, Version};
use crate::jobs::{Job, Step};

/// A change of a notice's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// When.
    pub at: Timestamp,
    /// What happened, in her words or Lodge's ("the site answered 404").
    #[serde(default)]
    pub note: String,
}

/// A copy a notice reports, and whether it has gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedCopy {
    /// The copy.
    pub copy: CopyId,
    /// The page it was on.
    pub page: String,
    /// The file.
    pub media: String,
    /// The file's SHA-256 when found.
    pub sha256: String,
    /// Whether it is a video.
    #[serde(default)]
    pub video: bool,
    /// When a re-check found it gone.
    #[serde(default)]
    pub removed: Option<Timestamp>,
    /// What the last re-check saw.
    #[serde(default)]
    pub last_check: String,
}

/// A notice in her case. Sealed like every record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseNotice {
    /// The route it takes.
    pub route: Route,
    /// What she filled in, as the notice was made from it.
    pub draft: Draft,
    /// The site's host.
    pub host: String,
    /// Where it goes.
    pub to: String,
    /// The email's subject.
    pub subject: String,
    /// The email's body.
    pub body: String,
    /// The Lumen-compatible record.
    pub lumen: serde_json::Value,
    /// Where it stands.
    pub status: Status,
    /// Every change of status, oldest first.
    pub history: Vec<StatusChange>,
    /// When it was sent.
    #[serde(default)]
    pub sent_at: Option<Timestamp>,
    /// When she (or the organisation) followed it up.
    #[serde(default)]
    pub followed_up_at: Option<Timestamp>,
    /// The copies it reports.
    pub reported: Vec<ReportedCopy>,
}

impl CaseNotice {
    /// Whether it still needs watching.
    pub fn open(&self) -> bool {
        self.status.open()
    }
}

/// A notice as a file to download.
#[derive(Debug, Clone)]
pub struct Letter {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// Its name.
    pub file_name: String,
}

/// What she asks for: a route, the copies, and the notice's details.
#[derive(Debug, Clone)]
pub struct NoticeDetails {
    /// The route she chose.
    pub route: Route,
    /// Confirmed copies on one site.
    pub copies: Vec<CopyId>,
    /// Sender, recipient, statements. The addresses and the date are filled in by Lodge.
    pub draft: Draft,
}

/// What a re-check did. Sealed in its job.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RecheckWork {
    /// Addresses looked at.
    pub checked: usize,
    /// Addresses found gone.
    pub removed: usize,
}

/// How one site answers notices, from her sent notices.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteSummary {
    /// The site.
    pub host: String,
    /// Notices sent.
    pub notices: usize,
    /// Of them, still open.
    pub open: usize,
    /// Addresses reported.
    pub reported: usize,
    /// Of them, removed.
    pub removed: usize,
    /// Removed ÷ reported.
    pub removal_rate: f64,
    /// Median time from sending to removal.
    pub median_time_to_removal: Option<SignedDuration>,
}

fn notice_problems(e: NoticeError) -> ServiceError {
    let mut p = Problems::default();
    match e {
        NoticeError::Missing(elements) => {
            for element in elements {
                p.add(element.field(), format!("Add {}.", element.label()));
            }
        }
        NoticeError::NotAnAddress(_) | NoticeError::SeveralHosts(_) => {
            p.add("copies", "Choose copies found on one site: one notice goes to one site.");
        }
        NoticeError::PaidContent => p.add(
            "route",
            "Search engines take intimate-image requests only for content that is not being sold. Choose the copyright route.",
        ),
    }
    ServiceError::Invalid(p)
}

impl OpenCase {
    /// Makes a notice from confirmed copies on one site, or says what is missing. It is kept as
    /// a draft until sent.
    pub async fn draft_notice(&self, details: NoticeDetails) -> Result<NoticeId, ServiceError> {
        self.may_write()?;
        if details.copies.is_empty() {
            return Err(ServiceError::invalid("copies", "Choose at least one copy to report."));
        }
        let accounts: Vec<OwnAccount> = self.own_accounts().await?.into_iter().filter_map(|a| a.body).collect();
        let mut reported = Vec::new();
        let mut urls: Vec<String> = Vec::new();
        for id in &details.copies {
            let copy: FoundCopy = self.copy(*id).await?.body.ok_or(ServiceError::NotFound)?;
            if copy.status != CopyStatus::Confirmed {
                return Err(ServiceError::invalid("copies", "Confirm each copy is yours before reporting it."));
            }
            if accounts.iter().any(|a| a.covers(&copy.page) || a.covers(&copy.media)) {
                return Err(ServiceError::invalid(
                    "copies",
                    "One of these is on your own account: Lodge never reports it.",
                ));
            }
            for url in [&copy.page, &copy.media] {
                if host_of(url) == copy.site() && !urls.contains(url) {
                    urls.push(url.clone());
                }
            }
            reported.push(ReportedCopy {
                copy: *id,
                page: copy.page.clone(),
                media: copy.media.clone(),
                sha256: copy.sha256.clone(),
                video: copy.frames_matched.is_some(),
                removed: None,
                last_check: String::new(),
            });
        }
        let mut draft = details.draft;
        draft.urls = urls;
        draft.date = Some(self.lodge().now().to_zoned(jiff::tz::TimeZone::UTC).date());
        let notice = draft.notice(details.route).map_err(notice_problems)?;
        let Notice { route, host, to, subject, body, lumen } = notice;
        let record = CaseNotice {
            route,
            draft,
            host,
            to,
            subject,
            body,
            lumen,
            status: Status::Draft,
            history: vec![StatusChange { status: Status::Draft, at: self.lodge().now(), note: String::new() }],
            sent_at: None,
            followed_up_at: None,
            reported,
        };
        let id = NoticeId::new();
        self.write(RecordKind::Notice, id.0, 1, &record).await?;
        Ok(id)
    }

    /// Her notices, newest first.
    pub async fn notices(&self) -> Result<Vec<Version<CaseNotice>>, ServiceError> {
        let mut all: Vec<Version<CaseNotice>> = self.latest(RecordKind::Notice).await?;
        all.retain(|e| e.body.is_some());
        all.sort_by_key(|e| std::cmp::Reverse(e.created_at));
        Ok(all)
    }

    /// One notice.
    pub async fn notice(&self, id: NoticeId) -> Result<Version<CaseNotice>, ServiceError> {
        let entry: Version<CaseNotice> = self.current(RecordKind::Notice, id.0).await?;
        if entry.body.is_none() {
            return Err(ServiceError::NotFound);
        }
        Ok(entry)
    }

    /// When the notice's follow-up or escalation is due, by the organisation's schedule.
    pub fn notice_due(&self, notice: &CaseNotice) -> Option<Due> {
        self.lodge().config().schedule.next(notice.status, notice.sent_at, notice.followed_up_at)
    }

    async fn change_notice(
        &self,
        id: NoticeId,
        change: impl FnOnce(&mut CaseNotice) -> Result<(), ServiceError>,
    ) -> Result<CaseNotice, ServiceError> {
        let entry = self.notice(id).await?;
        let mut notice = entry.body.ok_or(ServiceError::NotFound)?;
        change(&mut notice)?;
        self.write(RecordKind::Notice, id.0, entry.version + 1, &notice).await?;
        Ok(notice)
    }

    /// Records a new status for a notice.
    async fn set_notice_status(&self, id: NoticeId, status: Status, note: &str) -> Result<(), ServiceError> {
        if status == Status::Draft {
            return Err(ServiceError::invalid("status", "A notice cannot go back to being a draft."));
        }
        let at = self.lodge().now();
        let notice = self
            .change_notice(id, |n| {
                if n.status == Status::Draft && status != Status::Sent {
                    return Err(ServiceError::invalid("status", "Send the notice first, or mark it as sent."));
                }
                if status == Status::Sent && n.sent_at.is_none() {
                    n.sent_at = Some(at);
                }
                n.status = status;
                n.history.push(StatusChange { status, at, note: note.trim().chars().take(2000).collect() });
                Ok(())
            })
            .await?;
        if notice.open() {
            self.schedule_recheck(self.lodge().config().recheck_every).await?;
        }
        self.schedule_reminder().await
    }

    /// Records that the notice was followed up; escalation is due next.
    async fn record_follow_up(&self, id: NoticeId) -> Result<(), ServiceError> {
        let at = self.lodge().now();
        self.change_notice(id, |n| {
            if n.sent_at.is_none() {
                return Err(ServiceError::invalid("status", "Send the notice first."));
            }
            n.followed_up_at = Some(at);
            Ok(())
        })
        .await?;
        self.schedule_reminder().await
    }

    /// Sends a draft notice by the organisation's SMTP server, replies going to the sender.
    pub async fn send_notice(&self, id: NoticeId) -> Result<(), ServiceError> {
        self.may_write()?;
        let notice = self.notice(id).await?.body.ok_or(ServiceError::NotFound)?;
        let smtp = self.lodge().config().smtp.clone().ok_or_else(|| {
            ServiceError::invalid(
                "send",
                "This Lodge has no mail server set up. Download the notice and send it yourself, then mark it as sent.",
            )
        })?;
        if notice.status != Status::Draft {
            return Err(ServiceError::invalid("send", "This notice has already been sent."));
        }
        let email = Notice {
            route: notice.route,
            host: notice.host.clone(),
            to: notice.to.clone(),
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            lumen: serde_json::Value::Null,
        };
        if let Err(e) = smtp.send(&email, &notice.draft.sender.email, &[]).await {
            tracing::warn!(error = %e, "a notice was not sent");
            return Err(ServiceError::invalid(
                "send",
                "The mail server did not take the notice. Try again later, or download it and send it yourself.",
            ));
        }
        self.set_notice_status(id, Status::Sent, "Sent from Lodge").await
    }

    /// The notice as a letter to download: `text` (the email), `pdf` or `lumen` (JSON).
    pub async fn notice_letter(&self, id: NoticeId, format: &str) -> Result<Letter, ServiceError> {
        let notice = self.notice(id).await?.body.ok_or(ServiceError::NotFound)?;
        let name = format!("notice-{}", notice.host.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-"));
        let internal = |e: String| ServiceError::Internal(e);
        Ok(match format {
            "" | "text" => Letter {
                bytes: format!("To: {}\nSubject: {}\n\n{}", notice.to, notice.subject, notice.body).into_bytes(),
                content_type: "text/plain; charset=utf-8",
                file_name: format!("{name}.txt"),
            },
            "pdf" => {
                let created = crate::report::pdf_time();
                let pdf = tokio::task::spawn_blocking(move || {
                    lodge_report::render_letter_pdf(&notice.subject, &notice.body, created)
                })
                .await
                .map_err(|e| internal(e.to_string()))?
                .map_err(|e| internal(e.to_string()))?;
                Letter { bytes: pdf, content_type: "application/pdf", file_name: format!("{name}.pdf") }
            }
            "lumen" => Letter {
                bytes: serde_json::to_vec_pretty(&notice.lumen).map_err(|e| internal(e.to_string()))?,
                content_type: "application/json",
                file_name: format!("{name}.json"),
            },
            _ => return Err(ServiceError::invalid("format", "Use text, pdf or lumen.")),
        })
    }

    /// Records what happened to a notice: a status by its short name (`sent`, `acknowledged`,
    /// `removed`, `partly_removed`, `refused`, `counter_notice`, `restored`), or `followed_up`.
    pub async fn update_notice(&self, id: NoticeId, change: &str, note: &str) -> Result<(), ServiceError> {
        self.may_write()?;
        self.notice(id).await?;
        if change.trim() == "followed_up" {
            return self.record_follow_up(id).await;
        }
        let status = Status::from_name(change).filter(|s| *s != Status::Draft).ok_or_else(|| {
            ServiceError::invalid(
                "status",
                "Use sent, acknowledged, removed, partly_removed, refused, counter_notice, restored or followed_up.",
            )
        })?;
        self.set_notice_status(id, status, note).await
    }

    /// Looks at the addresses of her open notices again now.
    pub async fn recheck_now(&self) -> Result<(), ServiceError> {
        self.may_write()?;
        self.schedule_recheck(SignedDuration::ZERO).await
    }

    /// Her re-checks, newest first.
    pub async fn rechecks(&self) -> Result<Vec<Job<RecheckWork>>, ServiceError> {
        self.jobs(JobKind::Recheck).await
    }

    /// Queues a re-check `after` from now while any notice is open, unless one is already
    /// queued to run by then.
    async fn schedule_recheck(&self, after: SignedDuration) -> Result<(), ServiceError> {
        let open = self.notices().await?.iter().filter_map(|n| n.body.as_ref()).filter(|n| n.open()).count();
        if open > 0 {
            self.queue_job_once(JobKind::Recheck, open as i64, &RecheckWork::default(), self.lodge().now() + after)
                .await?;
        }
        Ok(())
    }

    /// Looks again at every address her open notices report; marks those gone as removed and
    /// the notices removed or partly removed. Queues the next re-check while any stays open.
    pub(crate) async fn run_recheck(&self, row: &JobRow, step: &Step) -> Result<(), ServiceError> {
        let mut work: RecheckWork = self.job_payload(row)?;
        let matcher = self.matcher().await?;
        let fetcher = self.lodge().fetcher()?;
        let mut still_open = false;
        let open: Vec<Version<CaseNotice>> =
            self.notices().await?.into_iter().filter(|n| n.body.as_ref().is_some_and(CaseNotice::open)).collect();
        for (i, entry) in open.iter().enumerate() {
            if step.lost() {
                return Ok(());
            }
            let Some(mut notice) = entry.body.clone() else { continue };
            let at = self.lodge().now();
            for reported in notice.reported.iter_mut().filter(|r| r.removed.is_none()) {
                let presence =
                    lodge_scan::recheck(&fetcher, &matcher, &reported.media, &reported.sha256, reported.video).await;
                work.checked += 1;
                reported.last_check = match presence {
                    Presence::Present => "still there".into(),
                    Presence::Gone(why) => {
                        reported.removed = Some(at);
                        work.removed += 1;
                        format!("gone: {why}")
                    }
                    Presence::Unknown(why) => format!("could not check: {why}"),
                };
            }
            let urls: Vec<Reported> =
                notice.reported.iter().map(|r| Reported { url: r.media.clone(), removed: r.removed }).collect();
            let status = tracking::status_after_recheck(notice.status, &urls);
            if status != notice.status {
                notice.status = status;
                notice.history.push(StatusChange { status, at, note: "Found gone when Lodge looked again".into() });
            }
            still_open |= notice.open();
            // A look that saw what the last one saw changes nothing, and adds nothing to her log.
            if entry.body.as_ref() != Some(&notice) {
                self.write(RecordKind::Notice, entry.id, entry.version + 1, &notice).await?;
            }
            step.progress(i as i64 + 1, &work).await?;
        }
        if still_open {
            self.schedule_recheck(self.lodge().config().recheck_every).await?;
        }
        self.schedule_reminder().await
    }

    /// Per site: notices sent and open, addresses reported and removed, and how fast.
    pub async fn site_summaries(&self) -> Result<Vec<SiteSummary>, ServiceError> {
        let notices: Vec<CaseNotice> = self.notices().await?.into_iter().filter_map(|n| n.body).collect();
        let sent: Vec<Sent> = notices
            .iter()
            .filter_map(|n| {
                Some(Sent {
                    host: n.host.clone(),
                    at: n.sent_at?,
                    urls: n.reported.iter().map(|r| Reported { url: r.media.clone(), removed: r.removed }).collect(),
                })
            })
            .collect();
        Ok(tracking::per_site(&sent)
            .into_iter()
            .map(|s| SiteSummary {
                open: notices.iter().filter(|n| n.host == s.host && n.open()).count(),
                host: s.host,
                notices: s.notices,
                reported: s.reported,
                removed: s.removed,
                removal_rate: s.removal_rate,
                median_time_to_removal: s.median_time_to_removal,
            })
            .collect())
    }
}
