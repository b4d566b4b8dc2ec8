//! The follow-up and escalation schedule, re-checks, and statistics per site.

use jiff::{SignedDuration, Timestamp};
use lodge_takedown::tracking::{Due, Reported, Schedule, Sent, Status, per_site, status_after_recheck};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn a_follow_up_at_five_days_then_escalation_at_fourteen() {
    let s = Schedule::default();
    let sent = at("2025-05-04T10:00:00Z");
    assert_eq!(s.next(Status::Draft, None, None), None, "nothing is due for a draft");
    let follow = s.next(Status::Sent, Some(sent), None).unwrap();
    assert_eq!(follow, Due::FollowUp(at("2025-05-09T10:00:00Z")));
    assert!(!Schedule::is_due(follow, at("2025-05-09T09:59:59Z")));
    assert!(Schedule::is_due(follow, at("2025-05-09T10:00:00Z")));
    assert_eq!(
        s.next(Status::Acknowledged, Some(sent), Some(at("2025-05-09T11:00:00Z"))),
        Some(Due::Escalate(at("2025-05-18T10:00:00Z")))
    );
    for closed in [Status::Removed, Status::Refused, Status::CounterNotice] {
        assert_eq!(s.next(closed, Some(sent), None), None, "{closed:?}");
    }
    let custom = Schedule { follow_up: SignedDuration::from_hours(48), escalate: SignedDuration::from_hours(24 * 7) };
    assert_eq!(custom.next(Status::Restored, Some(sent), None), Some(Due::FollowUp(at("2025-05-06T10:00:00Z"))));
}

#[test]
fn a_recheck_marks_removal_and_sites_get_their_rate_and_time() {
    let sent = at("2025-05-04T10:00:00Z");
    let urls = vec![
        Reported { url: "https://tube.example/v/1".into(), removed: Some(at("2025-05-05T10:00:00Z")) },
        Reported { url: "https://tube.example/v/2".into(), removed: None },
    ];
    assert_eq!(status_after_recheck(Status::Sent, &urls), Status::PartlyRemoved);
    assert_eq!(status_after_recheck(Status::Sent, &urls[..1]), Status::Removed);
    assert_eq!(status_after_recheck(Status::Acknowledged, &urls[1..]), Status::Acknowledged);
    let stats = per_site(&[
        Sent { host: "tube.example".into(), at: sent, urls: urls.clone() },
        Sent {
            host: "tube.example".into(),
            at: sent,
            urls: vec![Reported { url: "https://tube.example/v/3".into(), removed: Some(at("2025-05-07T10:00:00Z")) }],
        },
        Sent { host: "other.example".into(), at: sent, urls: urls[1..].to_vec() },
    ]);
    assert_eq!(stats.len(), 2);
    let other = &stats[0];
    assert_eq!((other.host.as_str(), other.removed, other.removal_rate), ("other.example", 0, 0.0));
    assert_eq!(other.median_time_to_removal, None);
    let tube = &stats[1];
    assert_eq!((tube.notices, tube.reported, tube.removed), (2, 3, 2));
    assert!((tube.removal_rate - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(tube.median_time_to_removal, Some(SignedDuration::from_hours(72)));
}
