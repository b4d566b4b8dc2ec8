//! Sending through a real SMTP server: aiosmtpd (from PyPI) started by the test, with a small
//! handler that prints each message's envelope, headers and decoded body.

use std::time::Duration;

use jiff::civil::date;
use lodge_takedown::notice::{Confirmed, Draft, Recipient, Sender};
use lodge_takedown::route::Route;
use lodge_takedown::send::{Security, SendError, Smtp};

use lodge_testkit::smtp::Server;

fn draft() -> Draft {
    Draft {
        sender: Sender {
            name: "Ruby Red".into(),
            email: "ruby@fans.example".into(),
            address: "c/o Safe Harbour, 1 Example Street, Glasgow".into(),
            signature: "Ruby Red".into(),
            ..Sender::default()
        },
        recipient: Recipient { name: "Example Tube".into(), email: "abuse@tube.example".into() },
        urls: vec!["https://tube.example/v/123".into()],
        work: "Video 'Red room', published March 2024".into(),
        confirmed: Confirmed { good_faith: true, accurate_under_penalty_of_perjury: true, ..Confirmed::default() },
        date: Some(date(2025, 5, 4)),
        ..Draft::default()
    }
}

#[tokio::test]
async fn a_notice_reaches_the_smtp_server_with_its_recipients_and_body() {
    let server = Server::start();
    let smtp = Smtp {
        host: "127.0.0.1".into(),
        port: server.port,
        security: Security::None,
        login: None,
        from: "Safe Harbour takedowns <takedowns@safeharbour.example>".into(),
    };
    let notice = draft().notice(Route::Dmca).unwrap();
    smtp.send(&notice, "ruby@fans.example", &["caseworker@safeharbour.example".into()]).await.unwrap();
    assert!(matches!(
        smtp.send(&notice, "not an address", &[]).await,
        Err(SendError::Address(a)) if a == "not an address"
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = server.output();
    assert!(out.contains("MAIL FROM: takedowns@safeharbour.example"), "{out}");
    assert!(out.contains("RCPT TO: abuse@tube.example, caseworker@safeharbour.example"), "{out}");
    assert!(out.contains("Notice of copyright infringement under 17 U.S.C. §512(c)(3)"), "{out}");
    assert!(out.contains("6. The information in this notification is accurate, and under penalty of perjury"), "{out}");
    assert!(out.contains("Subject: DMCA copyright notice: 1 address on tube.example"), "{out}");
    assert!(out.contains("Reply-To: ruby@fans.example"), "{out}");
    assert!(out.contains("1. Signature: /Ruby Red/"), "{out}");
    assert!(out.contains("https://tube.example/v/123"), "{out}");
    assert_eq!(out.matches("END OF MESSAGE").count(), 1, "the refused send sent nothing");
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_plain_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp =
        Smtp { host: "127.0.0.1".into(), port, security: Security::None, login: None, from: "a@b.example".into() };
    let notice = draft().notice(Route::Dmca).unwrap();
    let err = smtp.send(&notice, "ruby@fans.example", &[]).await.unwrap_err();
    assert!(matches!(err, SendError::Smtp(_)));
    assert!(err.to_string().starts_with("the mail server did not take the notice"));
}
