//! Tracking a notice to removal: its status, when a follow-up and an escalation (to the host,
//! registrar or CDN) are due, and per site how often and how fast content comes down.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not sent yet.
    Draft,
    /// Sent, no answer.
    Sent,
    /// The recipient confirmed receipt.
    Acknowledged,
    /// Everything reported is gone.
    Removed,
    /// Some of it is gone.
    PartlyRemoved,
    /// The recipient refused.
    Refused,
    /// The uploader sent a counter-notice.
    CounterNotice,
    /// Content that was removed is back.
    Restored,
}

impl Status {
    /// Every status with its short name.
    pub const ALL: [(&'static str, Status); 8] = [
        ("draft", Status::Draft),
        ("sent", Status::Sent),
        ("acknowledged", Status::Acknowledged),
        ("removed", Status::Removed),
        ("partly_removed", Status::PartlyRemoved),
        ("refused", Status::Refused),
        ("counter_notice", Status::CounterNotice),
        ("restored", Status::Restored),
    ];

    /// The status with a short name.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.iter().find(|(n, _)| *n == name.trim()).map(|(_, s)| *s)
    }

    /// Whether the notice still waits for the content to come down.
    pub fn open(self) -> bool {
        matches!(self, Status::Sent | Status::Acknowledged | Status::PartlyRemoved | Status::Restored)
    }
}

/// When to chase. The organisation can change both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// A follow-up is due this long after sending, if nothing was removed.
    pub follow_up: SignedDuration,
    /// Escalation to the host, registrar or CDN is due this long after sending.
    pub escalate: SignedDuration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { follow_up: SignedDuration::from_hours(5 * 24), escalate: SignedDuration::from_hours(14 * 24) }
    }
}

/// The next thing to do about a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Send a follow-up, from this time.
    FollowUp(Timestamp),
    /// Escalate to the host, registrar or CDN, from this time.
    Escalate(Timestamp),
}

impl Due {
    /// When it falls due.
    pub fn at(self) -> Timestamp {
        match self {
            Due::FollowUp(at) | Due::Escalate(at) => at,
        }
    }
}

impl Schedule {
    /// What is due next for a notice in `status`, sent at `sent` (and followed up at
    /// `followed_up`, if it was): a follow-up first, then an escalation. `None` once the notice
    /// is closed, or when it was never sent.
    pub fn next(&self, status: Status, sent: Option<Timestamp>, followed_up: Option<Timestamp>) -> Option<Due> {
        let sent = sent?;
        if !status.open() {
            return None;
        }
        if followed_up.is_none() {
            return Some(Due::FollowUp(sent + self.follow_up));
        }
        Some(Due::Escalate(sent + self.escalate))
    }

    /// Whether `due` has come by `now`.
    pub fn is_due(due: Due, now: Timestamp) -> bool {
        match due {
            Due::FollowUp(at) | Due::Escalate(at) => now >= at,
        }
    }
}

/// One reported address and when it was found gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    /// The address.
    pub url: String,
    /// When a re-check found the content gone.
    pub removed: Option<Timestamp>,
}

/// A sent notice, as the statistics need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The host it went to.
    pub host: String,
    /// When it was sent.
    pub at: Timestamp,
    /// Its addresses.
    pub urls: Vec<Reported>,
}

/// The status a re-check implies: every address gone, some gone, or none.
pub fn status_after_recheck(current: Status, urls: &[Reported]) -> Status {
    let gone = urls.iter().filter(|u| u.removed.is_some()).count();
    match (gone, urls.len()) {
        (0, _) => current,
        (g, n) if g == n => Status::Removed,
        _ => Status::PartlyRemoved,
    }
}

/// How one site answers notices.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteStats {
    /// The host.
    pub host: String,
    /// Notices sent.
    pub notices: usize,
    /// Addresses reported.
    pub reported: usize,
    /// Addresses found gone.
    pub removed: usize,
    /// `removed / reported`.
    pub removal_rate: f64,
    /// The median time from sending to removal over removed addresses (the later middle
    /// value when there are an even number).
    pub median_time_to_removal: Option<SignedDuration>,
}

/// Statistics per host, by host name.
pub fn per_site(sent: &[Sent]) -> Vec<SiteStats> {
    let mut by_host: BTreeMap<&str, Vec<&Sent>> = BTreeMap::new();
    for n in sent {
        by_host.entry(&n.host).or_default().push(n);
    }
    by_host
        .into_iter()
        .map(|(host, notices)| {
            let reported = notices.iter().map(|n| n.urls.len()).sum::<usize>();
            let mut times: Vec<SignedDuration> = notices
                .iter()
                .flat_map(|n| n.urls.iter().filter_map(move |u| u.removed.map(|r| r.duration_since(n.at))))
                .collect();
            times.sort();
            let removed = times.len();
            SiteStats {
                host: host.to_owned(),
                notices: notices.len(),
                reported,
                removed,
                removal_rate: if reported == 0 { 0.0 } else { removed as f64 / reported as f64 },
                median_time_to_removal: times.get(times.len() / 2).copied().filter(|_| removed > 0),
            }
        })
        .collect()
}
