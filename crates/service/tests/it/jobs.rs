//! Jobs: a report file made by the job runner, and a police link that stops working when its
//! days are up.

use jiff::SignedDuration;
use lodge_service::{JobState, NewShare, ReportFile, ReportOptions, ServiceError};

use crate::kit::{Kit, message};

fn options() -> ReportOptions {
    ReportOptions { subject_name: "Ruby".into(), ..ReportOptions::default() }
}

#[tokio::test]
async fn a_report_file_is_made_by_the_job_runner() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;
    open.add_incident(&message("He wrote again.")).await.unwrap();

    let id = open.prepare_file(options(), ReportFile::Pdf, None).await.unwrap();
    assert_eq!(open.prepared_file(id).await.unwrap().state, JobState::Queued);
    kit.lodge.run_due_jobs().await;
    let made = open.prepared_file(id).await.unwrap();
    assert_eq!(made.state, JobState::Done, "{}", made.error);
    let (_, stream) = open.prepared_file_content(id).await.unwrap();
    let bytes: Vec<u8> = futures_util::StreamExt::collect::<Vec<_>>(stream)
        .await
        .into_iter()
        .flat_map(|chunk| chunk.unwrap().to_vec())
        .collect();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
}

#[tokio::test]
async fn a_police_link_stops_working_when_its_days_are_up() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;
    open.add_incident(&message("He wrote again.")).await.unwrap();
    let request = NewShare { label: "PC Smith".into(), report: options(), days: 2, passphrase: None };
    let (_, token) = open.create_share(request).await.unwrap();
    let link = format!("https://test.lodge.example/shared#{}", token.to_text());

    kit.lodge.run_due_jobs().await;
    let shared = kit.lodge.open_share(&link, None).await.unwrap().expect("the report is ready");
    assert_eq!(shared.content.details.label, "PC Smith");

    kit.clock.advance(SignedDuration::from_hours(47));
    assert!(kit.lodge.open_share(&link, None).await.unwrap().is_some(), "within its days");
    kit.clock.advance(SignedDuration::from_hours(2));
    assert!(matches!(kit.lodge.open_share(&link, None).await, Err(ServiceError::ShareEnded)));
}
