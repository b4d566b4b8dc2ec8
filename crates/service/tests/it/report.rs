//! The report says only what her log supports: watching recorded on a text message makes no
//! physical-world claim, a found copy of a picture she did not call intimate is no intimate-image
//! offence and no occasion of contact on the day Lodge found it, and a time in the future is
//! refused before it reaches the log.

use jiff::SignedDuration;
use lodge_domain::{ConductKind, CopyStatus};
use lodge_service::{ContentDetails, ContentSource, ReportOptions, ServiceError};

use crate::kit::{Kit, incident};

const IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/");

fn text_message(day: &str, conduct: &[&str]) -> lodge_domain::Incident {
    incident(serde_json::json!({
        "occurred": {"kind": "exact", "at": format!("2026-05-{day}T21:15:00+01:00[Europe/London]")},
        "platform": "Text message",
        "description": "He texted again.",
        "conduct": conduct,
    }))
}

#[tokio::test]
async fn the_report_claims_nothing_she_did_not_record() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;
    open.add_incident(&text_message("01", &["contacting"])).await.unwrap();
    open.add_incident(&text_message("02", &["contacting", "threats"])).await.unwrap();
    open.add_incident(&text_message("03", &["contacting", "watching"])).await.unwrap();

    // A picture of hers she did not call intimate, found on a page.
    let picture = std::fs::read(format!("{IMAGES}pen-and-coaster.png")).unwrap();
    let details = ContentDetails {
        label: "Beach set, May".into(),
        made_by: lodge_domain::MadeBy::Her,
        first_published: String::new(),
        intimate: false,
    };
    open.add_content(details, ContentSource::Image(picture.clone())).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pen.png"), &picture).unwrap();
    std::fs::write(dir.path().join("page.html"), "<html><body><img src=pen.png></body></html>").unwrap();
    let site = lodge_testkit::site::serve(dir);
    open.start_scan(&[format!("{}page.html", site.url)]).await.unwrap();
    kit.lodge.run_due_jobs().await;
    let copy = open.copies().await.unwrap().into_iter().next().expect("the copy was found");
    let incident_id = open.confirm_copy(lodge_domain::CopyId(copy.id)).await.unwrap();
    let found = open.incident(incident_id).await.unwrap().body.unwrap();
    assert_eq!(found.conduct, [ConductKind::Publishing], "a picture she did not call intimate");
    assert_eq!(found.occurred.day(), None, "when it was published is not known");
    assert!(found.discovered.is_some(), "the day Lodge found it is when she found out");
    assert_eq!(open.copies().await.unwrap()[0].body.as_ref().unwrap().status, CopyStatus::Confirmed);

    // A time in the future, or a discovery before the event, is refused.
    let tomorrow = kit.clock.now() + SignedDuration::from_hours(30);
    let future = incident(serde_json::json!({
        "occurred": {"kind": "exact", "at": tomorrow.to_zoned(jiff::tz::TimeZone::UTC).to_string()},
        "description": "Not yet.",
    }));
    match open.add_incident(&future).await {
        Err(ServiceError::Invalid(p)) => assert!(p.for_field("occurred").is_some(), "{p:?}"),
        other => panic!("a future time was accepted: {other:?}"),
    }
    let backwards = incident(serde_json::json!({
        "occurred": {"kind": "exact", "at": "2026-05-03T21:15:00+01:00[Europe/London]"},
        "discovered": {"kind": "approximate", "description": "", "around": "2026-04-30"},
        "description": "Found out before it happened.",
    }));
    match open.add_incident(&backwards).await {
        Err(ServiceError::Invalid(p)) => assert!(p.for_field("discovered").is_some(), "{p:?}"),
        other => panic!("a discovery before the event was accepted: {other:?}"),
    }

    let options = ReportOptions { subject_name: "Ruby".into(), ..ReportOptions::default() };
    let document = open.prepare_report(&options).await.unwrap().document;
    let everything = serde_json::to_string(&document).unwrap();
    assert!(!everything.contains("physical world"), "a physical-world claim from watching on a text message");
    assert!(!everything.contains("Following you, or coming to your home"), "a visits risk from watching");
    assert!(document.course.legal.iter().all(|l| !l.provision.contains("66B")), "an intimate-image offence");
    assert!(!everything.contains("Your log"), "the report speaks to the officer, not to her");
    // Occasions are the three text messages (the copy has no date of its own), between 1 and 3 May.
    let overview = document.course.overview.join(" ");
    assert!(overview.contains("4 separate occasions between 1 May 2026 and 3 May 2026"), "{overview}");
    assert!(overview.contains("1 of them have no known date"), "{overview}");
    // Each escalation sign names the incidents it rests on.
    assert!(
        document.course.escalation.iter().any(|e| e.contains("threats") && e.ends_with("(incidents 2)")),
        "{:?}",
        document.course.escalation
    );
}
