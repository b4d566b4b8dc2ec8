//! Sharing by consent: a support worker sees a case only once she grants it, can change it
//! only with read-and-add access, and loses it (with the case keys rotated) when she revokes
//! it; every look by anyone but her is in her access log and her case log. Police links are
//! tried in `police_links`.

use crate::harness::{Server, backends, csrf, incident, png};

/// Posts a form on one of her pages with its anti-forgery token; returns status and body.
pub async fn post_form(
    client: &reqwest::Client,
    server: &Server,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let html = client.get(format!("{}{page}", server.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let res = client.post(format!("{}{action}", server.url)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The generation byte of the newest sealed incident field in the database.
async fn newest_incident_generation(server: &Server, case: &str) -> u32 {
    let fields = server
        .sql_bytes(
            "SELECT fields FROM records WHERE case_id = $1 AND kind = 'incident' ORDER BY created_at DESC LIMIT 1",
            case,
        )
        .await;
    // A record version sealed as a whole (2), under a key generation (2), then the generation.
    let bytes = &fields[0];
    assert_eq!(bytes[..2], [2, 2], "sealed as a whole with a key generation");
    u32::from_be_bytes(bytes[2..6].try_into().unwrap())
}

#[tokio::test]
async fn a_worker_sees_only_what_she_grants_and_loses_it_when_she_revokes() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        server.add_user("support_worker", "wendy");
        server.add_user("support_worker", "walt");
        let alice = server.api("alice").await;
        let case = alice.create_case("Messages from @wolf").await;
        let first = alice.create_incident(&case, incident("he wrote to my work account")).await;
        let first_id = first["id"].as_str().unwrap().to_owned();
        let evidence = alice.upload(&case, Some(&first_id), "shot.png", png(30, 30)).await;
        assert_eq!(newest_incident_generation(&server, &case).await, 0);

        let wendy = server.api("wendy").await;
        let walt = server.api("walt").await;
        let incident_path = format!("/api/v1/cases/{case}/incidents/{first_id}");
        for worker in [&wendy, &walt] {
            let listed = worker.json(worker.get("/api/v1/cases"), 200).await;
            assert_eq!(listed.as_array().unwrap().len(), 0, "no case before a grant");
            assert_eq!(worker.get(&incident_path).send().await.unwrap().status(), 404);
        }

        let browser = server.browser("alice").await;
        let sharing = format!("/cases/{case}/sharing");
        let (status, html) = post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/grants"),
            &[("username", "nobody"), ("access", "read")],
        )
        .await;
        assert_eq!(status, 400);
        assert!(html.contains("There is no support worker with that username") && html.contains("value=\"nobody\""));
        let (status, _) = post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/grants"),
            &[("username", "wendy"), ("access", "read")],
        )
        .await;
        assert_eq!(status, 303);

        // Read only: she reads everything, changes nothing; Walt still sees nothing.
        let listed = wendy.json(wendy.get("/api/v1/cases"), 200).await;
        assert_eq!(listed[0]["title"], "Messages from @wolf");
        let got = wendy.json(wendy.get(&incident_path), 200).await;
        assert_eq!(got["body"]["description"], "he wrote to my work account");
        let file = wendy
            .get(&format!("/api/v1/cases/{case}/evidence/{}/content", evidence["id"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.bytes().await.unwrap().to_vec(), png(30, 30));
        let refused = wendy
            .post(&format!("/api/v1/cases/{case}/incidents"))
            .json(&incident("added by wendy"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        assert!(refused.text().await.unwrap().contains("You can read this case but not change it"));
        assert_eq!(walt.get(&incident_path).send().await.unwrap().status(), 404);
        // Sharing and the access log are hers alone.
        let worker_browser = server.browser("wendy").await;
        let res = worker_browser.get(format!("{}{sharing}", server.url)).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let timeline =
            worker_browser.get(format!("{}/cases/{case}", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(timeline.contains("You cannot change it") && !timeline.contains("Log an incident"));
        assert!(!timeline.contains("Sharing") && !timeline.contains("Who looked"), "her sharing pages are hers");
        assert!(!timeline.contains("Rename this case"), "nothing is offered that read-only access refuses");
        assert!(
            !timeline.contains("<title>Messages from @wolf"),
            "the page title keeps the case's name out of history"
        );

        // Read and add.
        let (status, _) = post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/grants"),
            &[("username", "wendy"), ("access", "write")],
        )
        .await;
        assert_eq!(status, 303);
        let added = wendy.create_incident(&case, incident("added by wendy")).await;
        let timeline = alice.json(alice.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        assert!(timeline.as_array().unwrap().iter().any(|i| i["id"] == added["id"]));

        // An administrator reads nothing without a grant, and is listed like anyone she grants.
        server.add_user("administrator", "ada");
        let ada = server.api("ada").await;
        assert_eq!(ada.get(&incident_path).send().await.unwrap().status(), 404);
        let (status, _) = post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/grants"),
            &[("username", "ada"), ("access", "read")],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(ada.get(&incident_path).send().await.unwrap().status(), 200);

        // Her access log lists Wendy's looks, newest first, and so does her case log.
        let html =
            browser.get(format!("{}/cases/{case}/access", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("wendy") && html.contains(&format!("href=\"/cases/{case}/incidents/{first_id}\"")));
        assert!(html.contains("Looked at") && html.contains("(through the API)"), "in words, not addresses");
        assert!(!html.contains("Viewed /"), "no raw address is shown");
        assert_eq!(
            html.matches("Sent a change to").count(),
            1,
            "the incident Wendy added is listed; the change refused while she could only read is not"
        );
        assert!(html.contains("wendy (support worker)") && html.contains("shared to read"));
        assert!(html.contains("ada (administrator)"));
        let log = browser.get(format!("{}/cases/{case}/log", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(log.contains("viewed by someone you shared it with"));

        // Revoked: Wendy loses the case, the keys rotate, and what Alice writes next is
        // sealed under the new generation.
        let list = browser.get(format!("{}{sharing}", server.url)).send().await.unwrap().text().await.unwrap();
        let after_wendy = list.split("<strong>wendy</strong>").nth(1).unwrap();
        let wendy_id = after_wendy.split("/sharing/grants/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let (status, _) =
            post_form(&browser, &server, &sharing, &format!("{sharing}/grants/{wendy_id}/revoke"), &[]).await;
        assert_eq!(status, 303);
        assert_eq!(wendy.get(&incident_path).send().await.unwrap().status(), 404);
        assert_eq!(wendy.json(wendy.get("/api/v1/cases"), 200).await.as_array().unwrap().len(), 0);
        alice.create_incident(&case, incident("after the revocation")).await;
        assert_eq!(newest_incident_generation(&server, &case).await, 1);
        // Those still granted get the new generation too.
        let newest = alice.json(alice.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        let newest_id = newest
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["body"]["description"] == "after the revocation")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let read = ada.json(ada.get(&format!("/api/v1/cases/{case}/incidents/{newest_id}")), 200).await;
        assert_eq!(read["body"]["description"], "after the revocation");
        // Everything from before still opens for her, and the log still verifies.
        let old = alice.json(alice.get(&incident_path), 200).await;
        assert_eq!(old["body"]["description"], "he wrote to my work account");
        let check = alice.json(alice.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert!(check["problem"].is_null(), "{check}");
    }
}

/// The link shown once on the page after making a police link.
pub fn link_in(html: &str) -> String {
    let start = html.find("/shared#").unwrap();
    let end = start + html[start..].find(['"', '<']).unwrap();
    html[start..end].to_owned()
}

#[tokio::test]
async fn after_delete_my_data_nothing_of_the_case_opens_and_the_log_still_verifies() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        server.add_user("support_worker", "wendy");
        let alice = server.api("alice").await;
        let wendy = server.api("wendy").await;
        let case = alice.create_case("Messages from @wolf").await;
        let first = alice.create_incident(&case, incident("he found my new number")).await;
        alice.upload(&case, first["id"].as_str(), "shot.png", png(24, 24)).await;
        let browser = server.browser("alice").await;
        let sharing = format!("/cases/{case}/sharing");
        post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/grants"),
            &[("username", "wendy"), ("access", "read")],
        )
        .await;
        let (_, html) = post_form(
            &browser,
            &server,
            &sharing,
            &format!("{sharing}/links"),
            &[("label", "PC Smith"), ("subject_name", "Alice"), ("days", "30")],
        )
        .await;
        let link = link_in(&html);
        crate::police_links::open_when_ready(&server, &link, "").await;
        assert_eq!(wendy.get(&format!("/api/v1/cases/{case}")).send().await.unwrap().status(), 200);
        let leaves_before =
            server.sql_bytes("SELECT commitment FROM ledger_leaves WHERE case_id = $1", &case).await.len();

        // A clear confirmation is needed: the box, and her password.
        let (status, html) =
            post_form(&browser, &server, "/account", "/account/delete", &[("password", crate::harness::PASSWORD)])
                .await;
        assert_eq!(status, 400);
        assert!(html.contains("Tick the box to confirm"));
        let (status, html) = post_form(
            &browser,
            &server,
            "/account",
            "/account/delete",
            &[("password", "not my password"), ("confirm", "yes")],
        )
        .await;
        assert_eq!(status, 400);
        assert!(html.contains("That is not your current password"));
        let (status, _) = post_form(
            &browser,
            &server,
            "/account",
            "/account/delete",
            &[("password", crate::harness::PASSWORD), ("confirm", "yes")],
        )
        .await;
        assert_eq!(status, 303);

        // No wrapped key of the case is left anywhere, nor a link, nor a file; her account
        // keys are noise, so she, the worker and the link all find nothing.
        assert!(server.sql_bytes("SELECT wrapped_key FROM case_keys WHERE case_id = $1", &case).await.is_empty());
        assert!(server.sql_bytes("SELECT wrapped_key FROM shares WHERE case_id = $1", &case).await.is_empty());
        let files = server.data_dir.path().join("files").join("cases").join(&case);
        let left = walk(&files);
        assert!(left.is_empty(), "files left: {left:?}");
        let signin = reqwest::Client::new()
            .post(format!("{}/api/v1/session", server.url))
            .json(&serde_json::json!({"username": "alice", "password": crate::harness::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(signin.status(), 401);
        assert_eq!(wendy.get(&format!("/api/v1/cases/{case}")).send().await.unwrap().status(), 404);
        assert_eq!(crate::police_links::open_link(&server, &link, "").await.0, 404);

        // The log keeps its leaves, with one more saying the case was deleted, and verifies
        // without any key.
        let leaves_after =
            server.sql_bytes("SELECT commitment FROM ledger_leaves WHERE case_id = $1", &case).await.len();
        assert_eq!(leaves_after, leaves_before + 1);
        // Checkpoints name the server: the harness's servers take theirs from the address
        // they were first asked to listen on.
        let out = server.command(&["admin", "check-logs", "--listen", "127.0.0.1:0"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("Every case log verifies (1 case)"));
    }
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test]
async fn a_friend_reports_into_her_inbox_without_seeing_anything_and_she_accepts_or_declines() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let alice = server.api("alice").await;
        let case = alice.create_case("Messages from @wolf").await;
        alice.create_incident(&case, incident("something only alice wrote")).await;
        let browser = server.browser("alice").await;
        let inbox = format!("/cases/{case}/inbox");
        let (status, html) =
            post_form(&browser, &server, &inbox, &format!("{inbox}/links"), &[("inbox_label", "Sam")]).await;
        assert_eq!(status, 200);
        let start = html.find("/inbox/").unwrap();
        let link = html[start..start + html[start..].find(['"', '<']).unwrap()].to_owned();
        let friend = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let at = |path: &str| format!("{}{path}", server.url);

        // The friend sees a form and nothing of the case.
        let form = friend.get(at(&link)).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let form = form.text().await.unwrap();
        assert!(form.contains("Report on someone&#39;s behalf") || form.contains("Report on someone's behalf"));
        assert!(!form.contains("Messages from @wolf") && !form.contains("something only alice wrote"));

        let marker = format!("inbox-canary-{}", uuid::Uuid::new_v4().simple());
        let send = |description: &str, files: Vec<(&'static str, Vec<u8>)>| {
            let mut parts = reqwest::multipart::Form::new()
                .text("from", "Sam")
                .text("when", "Saturday evening")
                .text("date", "2026-11-21")
                .text("platform", "Instagram")
                .text("description", description.to_owned());
            for (name, bytes) in files {
                parts = parts.part("files", reqwest::multipart::Part::bytes(bytes).file_name(name));
            }
            friend.post(at(&link)).multipart(parts).send()
        };
        let missing = send("", vec![("shot.png", png(16, 16))]).await.unwrap();
        assert_eq!(missing.status(), 400);
        let html = missing.text().await.unwrap();
        assert!(html.contains("Say what happened") && html.contains("value=\"Sam\""));
        let shot = png(18, 18);
        let sent = send(
            &format!("I saw him outside her flat. {marker}"),
            vec![("shot.png", shot.clone()), ("note.txt", b"plain note".to_vec())],
        )
        .await
        .unwrap();
        assert_eq!(sent.status(), 200);
        assert!(sent.text().await.unwrap().contains("Your report is waiting for her"));
        let hits = crate::canary::files_containing(server.data_dir.path(), marker.as_bytes());
        assert!(hits.is_empty(), "the report is sealed: {hits:?}");

        // She reads it, opens a file, and accepts it: an incident that keeps who sent it, its
        // files as evidence with the same SHA-256.
        let page = browser.get(at(&inbox)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&marker) && page.contains("Sam") && page.contains("note.txt"));
        let submission = waiting_id(&page, &inbox);
        let file = browser.get(at(&format!("{inbox}/{submission}/files/0"))).send().await.unwrap();
        assert_eq!(file.bytes().await.unwrap().to_vec(), shot);
        let (status, _) = post_form(&browser, &server, &inbox, &format!("{inbox}/{submission}/accept"), &[]).await;
        assert_eq!(status, 303);
        let incidents = alice.json(alice.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        let accepted = incidents.as_array().unwrap().iter().find(|i| i["body"]["submitted_by"] == "Sam").unwrap();
        assert!(accepted["body"]["description"].as_str().unwrap().contains(&marker));
        let evidence = alice.json(alice.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
        let sha = data_encoding::HEXLOWER.encode(&<sha2::Sha256 as sha2::Digest>::digest(&shot));
        assert!(evidence.as_array().unwrap().iter().any(|e| e["body"]["sha256"] == sha.as_str()));
        let page = browser.get(at(&inbox)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Nothing is waiting"));

        // A second report is declined: it and its files are gone, and the log keeps that it came.
        send("Another thing", vec![("more.png", png(12, 12))]).await.unwrap();
        let page = browser.get(at(&inbox)).send().await.unwrap().text().await.unwrap();
        let submission = waiting_id(&page, &inbox);
        let (status, _) = post_form(&browser, &server, &inbox, &format!("{inbox}/{submission}/decline"), &[]).await;
        assert_eq!(status, 303);
        let left = walk(&server.data_dir.path().join("files").join("cases").join(&case).join("inbox"));
        assert!(left.is_empty(), "{left:?}");
        let log = browser.get(at(&format!("/cases/{case}/log"))).send().await.unwrap().text().await.unwrap();
        assert!(log.contains("Report to your inbox received") && log.contains("Report to your inbox accepted"));
        assert!(log.contains("Report to your inbox declined"));

        // Withdrawn, the link takes nothing more.
        let page = browser.get(at(&inbox)).send().await.unwrap().text().await.unwrap();
        let link_id = page.split(&format!("{inbox}/links/")).nth(1).unwrap().split('/').next().unwrap().to_owned();
        let (status, _) = post_form(&browser, &server, &inbox, &format!("{inbox}/links/{link_id}/revoke"), &[]).await;
        assert_eq!(status, 303);
        assert_eq!(friend.get(at(&link)).send().await.unwrap().status(), 404);
        assert_eq!(send("too late", vec![]).await.unwrap().status(), 404);
        let check = alice.json(alice.get(&format!("/api/v1/cases/{case}/checkpoint/verify")), 200).await;
        assert!(check["problem"].is_null(), "{check}");
    }
}

/// The key generation a value sealed to the case's public key, or that public key, names.
fn generation(sealed_or_key: &[u8], sealed: bool) -> u32 {
    let at = usize::from(sealed);
    u32::from_be_bytes(sealed_or_key[at..at + 4].try_into().unwrap())
}

#[tokio::test]
async fn after_a_worker_is_revoked_her_inbox_links_seal_to_keys_the_worker_never_held() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        server.add_user("support_worker", "wendy");
        let alice = server.api("alice").await;
        let case = alice.create_case("Messages from @wolf").await;
        let browser = server.browser("alice").await;
        let (sharing, inbox) = (format!("/cases/{case}/sharing"), format!("/cases/{case}/inbox"));
        let grant = [("username", "wendy"), ("access", "read")];
        post_form(&browser, &server, &sharing, &format!("{sharing}/grants"), &grant).await;
        let (_, html) =
            post_form(&browser, &server, &inbox, &format!("{inbox}/links"), &[("inbox_label", "Sam")]).await;
        let start = html.find("/inbox/").unwrap();
        let link = html[start..start + html[start..].find(['"', '<']).unwrap()].to_owned();
        let key = server.sql_bytes("SELECT public_key FROM inbox_links WHERE case_id = $1", &case).await;
        assert_eq!(generation(&key[0], false), 0, "the generation Wendy holds");

        let list = browser.get(format!("{}{sharing}", server.url)).send().await.unwrap().text().await.unwrap();
        let after_wendy = list.split("<strong>wendy</strong>").nth(1).unwrap();
        let wendy_id = after_wendy.split("/sharing/grants/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let (status, _) =
            post_form(&browser, &server, &sharing, &format!("{sharing}/grants/{wendy_id}/revoke"), &[]).await;
        assert_eq!(status, 303);
        let key = server.sql_bytes("SELECT public_key FROM inbox_links WHERE case_id = $1", &case).await;
        assert_eq!(generation(&key[0], false), 1, "the link now seals to the generation Wendy never held");

        let form = reqwest::multipart::Form::new()
            .text("from", "Sam")
            .text("when", "Saturday evening")
            .text("description", "I saw him outside her flat.");
        let sent = reqwest::Client::new().post(format!("{}{link}", server.url)).multipart(form).send().await.unwrap();
        assert_eq!(sent.status(), 200);
        let body = server.sql_bytes("SELECT body FROM inbox WHERE case_id = $1", &case).await;
        assert_eq!(generation(&body[0], true), 1, "what Sam sent is sealed to the new generation");
        let page = browser.get(format!("{}{inbox}", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("I saw him outside her flat."), "and Alice reads it");
    }
}

/// The id of the first submission on her inbox page (the one its accept button names).
fn waiting_id(page: &str, inbox: &str) -> String {
    page.split(&format!("{inbox}/"))
        .find_map(|rest| {
            let id = rest.split('/').next()?;
            rest[id.len()..].starts_with("/accept").then(|| id.to_owned())
        })
        .unwrap()
}
