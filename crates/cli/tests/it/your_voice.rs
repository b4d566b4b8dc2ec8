//! Your Voice: the public feedback form works with no account and sets no cookie; the
//! sender's address is kept nowhere (the canary rule applied to the client address) and what
//! they wrote is never on disk in plaintext; staff read and export it, survivors cannot.

use crate::canary::{files_containing, pg_dump};
use crate::harness::{Backend, Server, backends};

#[tokio::test]
async fn your_voice_needs_no_account_sets_no_cookie_and_keeps_no_address() {
    for backend in backends().await {
        let server = Server::start(backend.clone()).await;
        server.add_user("administrator", "admin");
        server.add_user("support_worker", "wendy");
        server.add_user("survivor", "alice");
        let public = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let address = "203.0.113.77";
        let marker = format!("yv-canary-{}", uuid::Uuid::new_v4().simple());

        let form = public.get(format!("{}/your-voice", server.url)).send().await.unwrap();
        assert_eq!(form.status(), 200);
        assert!(form.headers().get("set-cookie").is_none());
        assert!(form.text().await.unwrap().contains("this page sets no cookie"));

        // A problem is named and what they typed is kept.
        let empty = public
            .post(format!("{}/your-voice", server.url))
            .form(&[("message", "  "), ("contact", "me@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 400);
        let html = empty.text().await.unwrap();
        assert!(html.contains("Write what you would like to tell us") && html.contains("me@example.org"));

        let message = format!("The worker listened. {marker}");
        let formula = "=HYPERLINK(\"http://evil.example\")";
        for (text, contact) in [(message.as_str(), ""), (formula, "")] {
            let sent = public
                .post(format!("{}/your-voice", server.url))
                .header("x-forwarded-for", address)
                .header("x-real-ip", address)
                .form(&[("message", text), ("rating", "5"), ("contact", contact)])
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), 200);
            assert!(sent.headers().get("set-cookie").is_none());
        }

        // Staff read it and export it; a survivor cannot.
        let admin = server.browser("admin").await;
        let page = admin.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&marker) && page.contains("Very good"));
        let worker = server.browser("wendy").await;
        let csv = worker.get(format!("{}/staff/your-voice.csv", server.url)).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        assert!(csv.starts_with("received_on,rating,message,contact"));
        assert!(csv.contains(&marker));
        assert!(csv.contains("'=HYPERLINK"), "a formula is exported as text: {csv}");
        let survivor = server.browser("alice").await;
        assert_eq!(survivor.get(format!("{}/staff/your-voice", server.url)).send().await.unwrap().status(), 403);

        // The address is nowhere, and the message is nowhere in plaintext: not in the
        // database, the files or the log.
        let log = server.log();
        for needle in [address.as_bytes(), marker.as_bytes()] {
            let hits = files_containing(server.data_dir.path(), needle);
            assert!(hits.is_empty(), "{} found in {hits:?}", String::from_utf8_lossy(needle));
            assert!(!log.as_bytes().windows(needle.len()).any(|w| w == needle), "in the log");
            if let Backend::Postgres(url) = &backend {
                let dump = pg_dump(url);
                assert!(!dump.windows(needle.len()).any(|w| w == needle), "in the PostgreSQL dump");
            }
        }
        // Only the day is kept.
        for row in csv.lines().skip(1) {
            let day = row.split(',').next().unwrap();
            assert!(day.len() == "2026-01-01".len() && day.parse::<jiff::civil::Date>().is_ok(), "{row}");
        }
    }
}
