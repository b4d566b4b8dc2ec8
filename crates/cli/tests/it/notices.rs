//! Takedown notices in a case: made from a confirmed copy (refused, naming each missing
//! element, when incomplete), sent through a real SMTP server (aiosmtpd), followed up on the
//! organisation's schedule, and marked removed by a re-check once the copy has gone from the
//! site; the per-site summary counts it. The pages make one in two steps and keep what she typed.

use serde_json::{Value, json};

use crate::harness::{Api, Server, backends};
use crate::sharing::post_form;
use lodge_testkit::site::serve;
use lodge_testkit::smtp::Server as SmtpServer;

const PEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/pdq/images/pen-and-coaster.png");

/// A case with the pen photo registered, found on a local site and confirmed. Returns the
/// case, the copy's id, and the folder the site serves (to remove the copy later).
async fn confirmed_copy(api: &Api, site_dir: &std::path::Path, site: &str) -> (String, String) {
    let case = api.create_case("Pirated").await;
    let form = reqwest::multipart::Form::new()
        .text("label", "Pen set")
        .text("first_published", "https://fans.example/ruby/pen")
        .part("file", reqwest::multipart::Part::bytes(std::fs::read(PEN).unwrap()).file_name("pen.png"));
    api.json(api.post(&format!("/api/v1/cases/{case}/content")).multipart(form), 201).await;
    std::fs::copy(PEN, site_dir.join("pen.png")).unwrap();
    let scan =
        api.json(api.post(&format!("/api/v1/cases/{case}/scans")).json(&json!({"addresses": [site]})), 202).await;
    let scan = format!("/api/v1/cases/{case}/scans/{}", scan["id"].as_str().unwrap());
    for _ in 0..600 {
        if api.json(api.get(&scan), 200).await["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let copies = api.json(api.get(&format!("/api/v1/cases/{case}/copies")), 200).await;
    let copy = copies[0]["id"].as_str().unwrap().to_owned();
    api.json(api.post(&format!("/api/v1/cases/{case}/copies/{copy}/confirm")), 200).await;
    (case, copy)
}

fn dmca_draft() -> Value {
    json!({
        "sender": {"name": "Safe Harbour", "acting_for": "Ruby Red", "authority": "authorised in writing on 3 May 2026",
                   "email": "takedowns@safeharbour.example", "address": "1 High Street, Glasgow"},
        "recipient": {"name": "Example Tube", "email": "abuse@tube.example"},
        "work": "My photo set “Pen”",
        "confirmed": {"good_faith": true}
    })
}

/// A server that sends mail through `smtp` and scans the local site, with "ruby" on it.
async fn sending_server(backend: crate::harness::Backend, smtp: &SmtpServer) -> Server {
    let port = smtp.port.to_string();
    let server = Server::start_with(
        backend,
        &[
            ("LODGE_SCAN_ALLOW_PRIVATE", "true"),
            ("LODGE_SCAN_INTERVAL_MS", "0"),
            ("LODGE_SMTP_HOST", "127.0.0.1"),
            ("LODGE_SMTP_PORT", &port),
            ("LODGE_SMTP_SECURITY", "none"),
            ("LODGE_SMTP_FROM", "takedowns@safeharbour.example"),
            ("LODGE_NOTICE_FOLLOW_UP_DAYS", "3"),
        ],
    )
    .await;
    server.add_user("survivor", "ruby");
    server
}

#[tokio::test]
async fn a_notice_is_refused_until_complete_sent_followed_up_and_marked_removed_by_a_recheck() {
    let smtp = SmtpServer::start();
    let site_dir = tempfile::tempdir().unwrap();
    std::fs::write(site_dir.path().join("index.html"), "<h1>free</h1><img src=pen.png>").unwrap();
    let files = site_dir.path().to_owned();
    let site = serve(site_dir);
    for backend in backends().await {
        let server = sending_server(backend, &smtp).await;
        let api = server.api("ruby").await;
        let (case, copy) = confirmed_copy(&api, &files, site.url.as_str()).await;
        let notices = format!("/api/v1/cases/{case}/notices");

        // Missing the signature and the perjury statement: refused, each named.
        let mut draft = dmca_draft();
        let refused =
            api.json(api.post(&notices).json(&json!({"route": "dmca", "copies": [copy], "draft": draft})), 422).await;
        let fields: Vec<&str> =
            refused["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["signature", "accurate"], "{refused}");
        assert!(refused.to_string().contains("penalty of perjury"));

        draft["sender"]["signature"] = json!("Jo Bloggs, Safe Harbour");
        draft["confirmed"]["accurate_under_penalty_of_perjury"] = json!(true);
        let made =
            api.json(api.post(&notices).json(&json!({"route": "dmca", "copies": [copy], "draft": draft})), 201).await;
        let id = made["id"].as_str().unwrap().to_owned();
        let notice = &made["notice"];
        assert_eq!((made["route"].as_str(), notice["status"].as_str()), (Some("dmca"), Some("draft")));
        // The test site's port is not the scheme's own, so it is part of the host.
        let host = format!("127.0.0.1:{}", site.url.port().unwrap());
        assert_eq!(notice["host"], host.as_str());
        let pen_url = format!("{}pen.png", site.url);
        assert_eq!(notice["draft"]["urls"], json!([site.url.as_str(), pen_url]), "the page and the file, grouped");
        assert!(made["due"].is_null(), "nothing is due before it is sent");

        // The letter in its three forms.
        let letter = |format: &str| api.get(&format!("{notices}/{id}/letter?format={format}"));
        let text = letter("text").send().await.unwrap().text().await.unwrap();
        assert!(
            text.starts_with("To: abuse@tube.example\nSubject: DMCA copyright notice: 2 addresses on 127.0.0.1"),
            "{text}"
        );
        assert!(text.contains(&pen_url) && text.contains("penalty of perjury") && text.contains("Ruby Red"));
        let pdf = letter("pdf").send().await.unwrap().bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let lumen: Value = letter("lumen").send().await.unwrap().json().await.unwrap();
        assert!(lumen.to_string().contains(&pen_url), "{lumen}");

        // Sent through the organisation's mail server.
        let sent = api.json(api.post(&format!("{notices}/{id}/send")), 200).await;
        assert_eq!(sent["notice"]["status"], "sent");
        let sent_at: jiff::Timestamp = sent["notice"]["sent_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(sent["due"]["action"], "follow_up");
        let due: jiff::Timestamp = sent["due"]["at"].as_str().unwrap().parse().unwrap();
        assert_eq!(due.duration_since(sent_at), jiff::SignedDuration::from_hours(3 * 24), "the organisation's 3 days");
        let again = api.json(api.post(&format!("{notices}/{id}/send")), 422).await;
        assert!(again.to_string().contains("already been sent"));

        let followed =
            api.json(api.post(&format!("{notices}/{id}/status")).json(&json!({"status": "followed_up"})), 200).await;
        assert_eq!(followed["due"]["action"], "escalate");
        let escalate: jiff::Timestamp = followed["due"]["at"].as_str().unwrap().parse().unwrap();
        assert_eq!(escalate.duration_since(sent_at), jiff::SignedDuration::from_hours(14 * 24));
        api.json(
            api.post(&format!("{notices}/{id}/status")).json(&json!({"status": "acknowledged", "note": "ticket 42"})),
            200,
        )
        .await;

        // Still there: a re-check changes nothing.
        api.json(api.post(&format!("/api/v1/cases/{case}/rechecks")), 202).await;
        let still =
            wait_for(&api, &format!("{notices}/{id}"), |n| n["notice"]["reported"][0]["last_check"] == "still there")
                .await;
        assert_eq!(still["notice"]["status"], "acknowledged");

        // The site takes it down: the next re-check marks it removed.
        std::fs::remove_file(files.join("pen.png")).unwrap();
        api.json(api.post(&format!("/api/v1/cases/{case}/rechecks")), 202).await;
        let removed = wait_for(&api, &format!("{notices}/{id}"), |n| n["notice"]["status"] == "removed").await;
        assert!(removed["notice"]["reported"][0]["last_check"].as_str().unwrap().contains("404"), "{removed}");
        assert!(removed["due"].is_null(), "nothing is due once removed");
        let history: Vec<&str> =
            removed["notice"]["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(history, ["draft", "sent", "acknowledged", "removed"]);

        let sites = api.json(api.get(&format!("/api/v1/cases/{case}/sites")), 200).await;
        assert_eq!(
            (
                sites[0]["host"].as_str(),
                sites[0]["removed"].as_i64(),
                sites[0]["open"].as_i64(),
                sites[0]["removal_rate"].as_f64()
            ),
            (Some(host.as_str()), Some(1), Some(0), Some(1.0))
        );
        std::fs::copy(PEN, files.join("pen.png")).unwrap();
    }
    let received = smtp.output();
    assert!(received.contains("RCPT TO: abuse@tube.example"), "{received}");
    assert!(received.contains("Reply-To: takedowns@safeharbour.example"), "{received}");
    assert!(received.contains("pen.png") && received.contains("Subject: DMCA copyright notice"), "{received}");
}

async fn wait_for(api: &Api, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let value = api.json(api.get(path), 200).await;
        if done(&value) {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} did not get there");
}

#[tokio::test]
async fn the_pages_make_a_notice_in_two_steps_and_keep_what_she_typed() {
    let site_dir = tempfile::tempdir().unwrap();
    std::fs::write(site_dir.path().join("index.html"), "<img src=pen.png>").unwrap();
    let files = site_dir.path().to_owned();
    let site = serve(site_dir);
    let backend = backends().await.remove(0);
    let server =
        Server::start_with(backend, &[("LODGE_SCAN_ALLOW_PRIVATE", "true"), ("LODGE_SCAN_INTERVAL_MS", "0")]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let (case, _) = confirmed_copy(&api, &files, site.url.as_str()).await;
    let browser = server.browser("ruby").await;
    let base = format!("{}/cases/{case}", server.url);
    // The test site's port is not the scheme's own, so it names the site with its host.
    let host = format!("127.0.0.1:{}", site.url.port().unwrap());

    let copies = browser.get(format!("{base}/copies")).send().await.unwrap().text().await.unwrap();
    assert!(copies.contains(&format!("/notices/new?site={host}")), "{copies}");
    let step1 = browser.get(format!("{base}/notices/new?site={host}")).send().await.unwrap().text().await.unwrap();
    assert!(step1.contains("Who made it?") && !step1.contains("Make the notice"));
    let step2 = browser
        .get(format!("{base}/notices/new?site={host}&maker=her&paid=no&nature=real&eu=no&cdn=no"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(step2.contains("DMCA copyright notice") && step2.contains("Make the notice"), "{step2}");
    assert!(step2.contains("My own content: “Pen set”") && step2.contains("https://fans.example/ruby/pen"));
    let token = crate::harness::csrf(&step2);
    let copy = step2.split("name=\"copies\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    let mut form = vec![
        ("csrf", token.clone()),
        ("site", host.clone()),
        ("maker", "her".into()),
        ("paid", "no".into()),
        ("nature", "real".into()),
        ("eu", "no".into()),
        ("cdn", "no".into()),
        ("route", "dmca".into()),
        ("copies", copy),
        ("sender_name", "Ruby Red".into()),
        ("sender_email", "ruby@fans.example".into()),
        ("sender_address", "PO Box 7, Leeds".into()),
        ("recipient_name", "Example Tube".into()),
        ("recipient_email", "abuse@tube.example".into()),
        ("work", "My photo set “Pen”".into()),
        ("good_faith", "yes".into()),
    ];
    let res = browser.post(format!("{base}/notices")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let again = res.text().await.unwrap();
    assert!(again.contains("Add a signature") && again.contains("penalty of perjury, ticked"), "{again}");
    assert!(again.contains("value=\"Ruby Red\"") && again.contains("PO Box 7, Leeds"), "what she typed is kept");
    assert!(again.contains("name=\"good_faith\" value=\"yes\" checked"), "{again}");

    form.push(("signature", "Ruby Red".into()));
    form.push(("accurate", "yes".into()));
    let res = browser.post(format!("{base}/notices")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let at = res.headers()["location"].to_str().unwrap().to_owned();
    let shown = browser.get(format!("{}{at}", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("Draft, not sent") && shown.contains("I sent it myself") && shown.contains("PDF letter"));
    assert!(!shown.contains("Send to abuse@tube.example"), "no mail server is set up");
    let res = browser
        .post(format!("{}{at}/status", server.url))
        .form(&[("csrf", token.as_str()), ("status", "sent"), ("note", "Sent by her")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let list = browser.get(format!("{base}/notices")).send().await.unwrap().text().await.unwrap();
    assert!(
        list.contains("Follow-up due") && list.contains("How each site answers") && list.contains("Look again now"),
        "{list}"
    );

    // Escalating: a second notice (to the host or CDN) may report the same copy, left unticked
    // until she ticks it.
    let escalate = browser
        .get(format!("{base}/notices/new?site={host}&maker=her&paid=no&nature=real&eu=no&cdn=yes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(escalate.contains("already in a notice"), "{escalate}");
    let copy_box = escalate.split("name=\"copies\"").nth(1).unwrap().split('>').next().unwrap();
    assert!(!copy_box.contains("checked"), "{copy_box}");
}

#[tokio::test]
async fn a_follow_up_reminder_is_emailed_by_a_job_and_says_nothing_of_the_case() {
    let site_dir = tempfile::tempdir().unwrap();
    std::fs::write(site_dir.path().join("index.html"), "<h1>free</h1><img src=pen.png>").unwrap();
    let files = site_dir.path().to_owned();
    let site = serve(site_dir);
    for backend in backends().await {
        let smtp = SmtpServer::start();
        let server = sending_server(backend, &smtp).await;
        let api = server.api("ruby").await;
        let browser = server.browser("ruby").await;
        let account = format!("{}/account", server.url);

        // She asks for reminders, under the neutral name she chose. A mistyped address is
        // named, and what she typed stays in the box.
        let page = browser.get(&account).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Reminders by email"), "offered when the organisation can send mail");
        let token = crate::harness::csrf(&page);
        let safety = [("csrf", token.as_str()), ("neutral_title", "on"), ("app_name", "Recipes"), ("idle_minutes", "")];
        assert_eq!(browser.post(format!("{account}/safety")).form(&safety).send().await.unwrap().status(), 303);
        let res = browser
            .post(format!("{account}/reminders"))
            .form(&[("csrf", token.as_str()), ("reminder_email", "ruby at home")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let again = res.text().await.unwrap();
        assert!(again.contains("Enter an email address") && again.contains("value=\"ruby at home\""), "{again}");
        let res = browser
            .post(format!("{account}/reminders"))
            .form(&[("csrf", token.as_str()), ("reminder_email", "ruby.private@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("value=\"ruby.private@example.org\""));

        // Two support workers asked for reminders too; she lets one add to the case, the other
        // only read it.
        let (case, copy) = confirmed_copy(&api, &files, site.url.as_str()).await;
        let sharing = format!("/cases/{case}/sharing");
        for (worker, access) in [("wendy", "write"), ("rita", "read")] {
            server.add_user("support_worker", worker);
            let theirs = server.browser(worker).await;
            let address = format!("{worker}@safeharbour.example");
            let (status, _) =
                post_form(&theirs, &server, "/account", "/account/reminders", &[("reminder_email", &address)]).await;
            assert_eq!(status, 200);
            let grant = [("username", worker), ("access", access)];
            assert_eq!(post_form(&browser, &server, &sharing, &format!("{sharing}/grants"), &grant).await.0, 303);
        }

        // A notice sent: the reminder is queued for the day its follow-up falls due.
        let notices = format!("/api/v1/cases/{case}/notices");
        let mut draft = dmca_draft();
        draft["sender"]["signature"] = json!("Jo Bloggs, Safe Harbour");
        draft["confirmed"]["accurate_under_penalty_of_perjury"] = json!(true);
        let made =
            api.json(api.post(&notices).json(&json!({"route": "dmca", "copies": [copy], "draft": draft})), 201).await;
        let id = made["id"].as_str().unwrap().to_owned();
        let list = || async {
            browser.get(format!("{}/cases/{case}/notices", server.url)).send().await.unwrap().text().await.unwrap()
        };
        assert!(!list().await.contains("will email a reminder"), "nothing is due for a draft");
        let sent = api.json(api.post(&format!("{notices}/{id}/send")), 200).await;
        let due: jiff::Timestamp = sent["due"]["at"].as_str().unwrap().parse().unwrap();
        let on = |at: jiff::Timestamp| format!("On {}, Lodge will email a reminder", at.strftime("%-d %B %Y"));
        assert!(list().await.contains(&on(due)), "{}", list().await);

        // The day comes (the job's time moved to now): the reminder goes out with nobody
        // signed in to the case, and the list no longer shows it as coming.
        server.sql("UPDATE jobs SET run_after = 0 WHERE kind = $1", "reminder").await;
        let mut waited = 0;
        while list().await.contains("will email a reminder") {
            waited += 1;
            assert!(waited < 300, "the reminder was not sent");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // Followed up: the next reminder is for the escalation; removed: none.
        let followed =
            api.json(api.post(&format!("{notices}/{id}/status")).json(&json!({"status": "followed_up"})), 200).await;
        let escalate: jiff::Timestamp = followed["due"]["at"].as_str().unwrap().parse().unwrap();
        assert!(list().await.contains(&on(escalate)));
        api.json(api.post(&format!("{notices}/{id}/status")).json(&json!({"status": "removed"})), 200).await;
        assert!(!list().await.contains("will email a reminder"), "nothing left to remind her of");

        let received = smtp.output();
        let reminder = received.split("END OF MESSAGE").find(|m| m.contains("ruby.private@example.org")).unwrap();
        assert!(reminder.contains("Subject: Recipes: a reminder"), "{reminder}");
        assert!(reminder.contains(&format!("/cases/{case}/notices")), "a link to sign in: {reminder}");
        // What she reads (the headers Lodge chose, and the body), without the mail system's ids.
        let read: String = reminder
            .lines()
            .filter(|l| !l.starts_with("Message-ID:") && !l.starts_with("Date:"))
            .collect::<Vec<_>>()
            .join("\n");
        for secret in ["Lodge", "Pirated", "DMCA", "pen", "Ruby Red", "Safe Harbour", "abuse@"] {
            assert!(!read.contains(secret), "{secret:?} in the reminder: {read}");
        }
        assert_eq!(received.matches("RCPT TO: ruby.private@example.org").count(), 1, "one reminder: {received}");
        assert_eq!(received.matches("RCPT TO: wendy@safeharbour.example").count(), 1, "she may act on the case");
        assert!(!received.contains("RCPT TO: rita@"), "a worker who may only read it is not asked to act");
    }
}
