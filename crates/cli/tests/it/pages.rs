//! The pages and the API as she meets them: forms that keep what she typed, uploads, history
//! and tombstones, the timeline, the safety headers and quick exit.

use reqwest::header;
use serde_json::json;

use crate::harness::{Server, backends, browser_client, csrf, incident, png};

async fn text(res: reqwest::Response) -> String {
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_form_with_a_mistake_keeps_everything_she_typed_and_her_files() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Forms").await;
    let browser = server.browser("alice").await;
    let html = text(browser.get(format!("{}/cases/{case}/incidents/new", server.url)).send().await.unwrap()).await;
    let token = csrf(&html);
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("occurred_kind", "exact")
        .text("occurred_date", "3rd of May")
        .text("occurred_time", "21:15")
        .text("occurred_zone", "Europe/Paris")
        .text("description", "He sent <b>forty</b> messages\nin an hour")
        .text("platform", "Instagram")
        .text("conduct", "threats")
        .text("effects", "fear_of_violence")
        .part(
            "files",
            reqwest::multipart::Part::bytes(png(30, 20)).file_name("screenshot 1.png").mime_str("image/png").unwrap(),
        );
    let res = browser.post(format!("{}/cases/{case}/incidents", server.url)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = text(res).await;
    assert!(html.contains("Enter the full date: day, month and year"), "the problem is named");
    assert!(html.contains(r#"id="f-occurred_date-problem""#), "next to its field");
    assert!(html.contains(r##"href="#f-occurred_date""##), "and linked from the summary");
    assert!(html.contains("He sent &lt;b&gt;forty&lt;/b&gt; messages\nin an hour"), "her words are kept, escaped");
    assert!(html.contains(r#"value="3rd of May""#) && html.contains(r#"value="Instagram""#));
    assert!(html.contains(r#"value="threats" checked"#) && html.contains(r#"value="fear_of_violence" checked"#));
    assert!(html.contains(r#"value="Europe/Paris" selected"#));
    assert!(html.contains("screenshot 1.png"), "the file she sent is kept");
    let kept_at = html.find(r#"name="kept" value=""#).expect("kept file id") + r#"name="kept" value=""#.len();
    let kept = html[kept_at..].split('"').next().unwrap().to_owned();

    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .text("occurred_kind", "exact")
        .text("occurred_date", "2025-05-03")
        .text("occurred_time", "21:15")
        .text("occurred_zone", "Europe/Paris")
        .text("description", "He sent forty messages")
        .text("kept", kept);
    let res = browser.post(format!("{}/cases/{case}/incidents", server.url)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let page = text(browser.get(format!("{}{location}", server.url)).send().await.unwrap()).await;
    assert!(page.contains("3 May 2025, 21:15 CEST (Europe/Paris)"));
    assert!(
        page.contains("screenshot 1.png") && page.contains("/thumbnail"),
        "the kept file is attached, with a thumbnail"
    );
    assert!(page.contains("SHA-256 "), "its fingerprint is shown");
}

#[tokio::test]
async fn a_time_in_the_future_is_refused_on_the_page_and_through_the_api() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Dates").await;
    let next_year = (jiff::Zoned::now().year() + 1).to_string();
    let browser = server.browser("alice").await;
    let html = text(browser.get(format!("{}/cases/{case}/incidents/new", server.url)).send().await.unwrap()).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf(&html))
        .text("occurred_kind", "exact")
        .text("occurred_date", format!("{next_year}-05-03"))
        .text("occurred_time", "21:15")
        .text("occurred_zone", "Europe/London")
        .text("description", "Dated next year by mistake");
    let res = browser.post(format!("{}/cases/{case}/incidents", server.url)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = text(res).await;
    assert!(html.contains("This is in the future"), "the problem is named");
    assert!(html.contains(r#"id="f-occurred_date-problem""#), "next to the date she typed");
    assert!(html.contains("Dated next year by mistake"), "and nothing she typed is lost");

    let future = json!({"occurred": {"kind": "exact", "at": format!("{next_year}-05-03T21:15:00+01:00[Europe/London]")},
        "description": "Dated next year by mistake"});
    let refused = api.json(api.post(&format!("/api/v1/cases/{case}/incidents")).json(&future), 422).await;
    assert_eq!(refused["problems"][0]["field"], "occurred", "{refused}");
    let listed = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing reached the log");
}

#[tokio::test]
async fn uploads_over_the_limit_get_413_and_leave_nothing() {
    let server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_MAX_UPLOAD_BYTES", "100000")]).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Limits").await;
    let id = api.create_incident(&case, incident("video")).await["id"].as_str().unwrap().to_owned();
    let big = vec![7u8; 250_000];
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big.clone()).file_name("big.mp4"));
    let res = api.post(&format!("/api/v1/cases/{case}/evidence")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert!(text(res).await.contains("too large"));

    let browser = server.browser("alice").await;
    let html = text(browser.get(format!("{}/cases/{case}/incidents/{id}", server.url)).send().await.unwrap()).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf(&html))
        .part("files", reqwest::multipart::Part::bytes(big).file_name("big.mp4"));
    let res = browser
        .post(format!("{}/cases/{case}/incidents/{id}/evidence", server.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let html = text(res).await;
    assert!(html.contains("That file is too large. Files can be up to 97.7 KiB") && html.contains("quick-exit"));

    assert_eq!(api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await, json!([]));
    let evidence_dir = server.data_dir.path().join("files/cases").join(&case).join("evidence");
    let left = std::fs::read_dir(&evidence_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no partial file is left behind");
}

#[tokio::test]
async fn undecodable_images_are_kept_without_a_thumbnail() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Images").await;
    let broken = b"\x89PNG\r\n\x1a\n this is not really an image".to_vec();
    let ev = api.upload(&case, None, "broken.png", broken.clone()).await;
    assert_eq!(ev["body"]["thumbnail"], false);
    assert_eq!(ev["body"]["size"], broken.len());
    let id = ev["id"].as_str().unwrap();
    let content = api.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")).send().await.unwrap();
    assert_eq!(
        content.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"broken.png\"; filename*=UTF-8''broken.png"
    );
    assert_eq!(content.bytes().await.unwrap().to_vec(), broken);

    let mut good = png(900, 300);
    good.extend_from_slice(b"GPS 55.9533N 3.1883W");
    let ev = api.upload(&case, None, "photo.png", good).await;
    assert_eq!(ev["body"]["thumbnail"], true);
    let browser = server.browser("alice").await;
    let thumb = browser
        .get(format!("{}/cases/{case}/evidence/{}/thumbnail", server.url, ev["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()[header::CONTENT_TYPE], "image/jpeg");
    let jpeg = thumb.bytes().await.unwrap();
    assert_eq!(&jpeg[..2], b"\xff\xd8");
    assert!(!jpeg.windows(3).any(|w| w == b"GPS"));
    let img = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (480, 160));
    let timeline = text(browser.get(format!("{}/cases/{case}", server.url)).send().await.unwrap()).await;
    assert!(timeline.contains("Files not attached to an incident"));
    assert!(timeline.contains("broken.png") && timeline.contains("photo.png"));

    // A loose file can be attached to an incident later; when it arrived does not change.
    let incident_id =
        api.create_incident(&case, incident("the photo he posted")).await["id"].as_str().unwrap().to_owned();
    let photo = ev["id"].as_str().unwrap();
    let html = text(browser.get(format!("{}/cases/{case}/evidence/{photo}", server.url)).send().await.unwrap()).await;
    assert!(html.contains("Attach to an incident"));
    let res = browser
        .post(format!("{}/cases/{case}/evidence/{photo}/attach", server.url))
        .form(&[("csrf", csrf(&html).as_str()), ("incident", incident_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::LOCATION].to_str().unwrap(), format!("/cases/{case}/incidents/{incident_id}"));
    let after = api.json(api.get(&format!("/api/v1/cases/{case}/evidence/{photo}")), 200).await;
    assert_eq!((after["version"].as_i64(), after["body"]["incident"].as_str()), (Some(2), Some(incident_id.as_str())));
    let page = text(browser.get(format!("{}/cases/{case}/evidence/{photo}", server.url)).send().await.unwrap()).await;
    assert!(!page.contains("Attach to an incident"));
}

#[tokio::test]
async fn edits_keep_history_and_deletion_leaves_a_tombstone() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        let api = server.api("alice").await;
        let case = api.create_case("History").await;
        let v1 = api.create_incident(&case, incident("first account of it")).await;
        let id = v1["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/cases/{case}/incidents/{id}");
        let v2 = api
            .json(api.put(&path).json(&json!({"version": 1, "body": incident("second, fuller account")})), 200)
            .await;
        assert_eq!(v2["version"], 2);
        let stale = api.json(api.put(&path).json(&json!({"version": 1, "body": incident("lost edit")})), 409).await;
        assert!(stale["error"].as_str().unwrap().contains("changed somewhere else"));
        let history = api.json(api.get(&format!("{path}/history")), 200).await;
        let texts: Vec<&str> =
            history.as_array().unwrap().iter().map(|v| v["body"]["description"].as_str().unwrap()).collect();
        assert_eq!(texts, ["first account of it", "second, fuller account"]);

        let browser = server.browser("alice").await;
        let page =
            text(browser.get(format!("{}/cases/{case}/incidents/{id}/history", server.url)).send().await.unwrap())
                .await;
        assert!(page.contains("first account of it") && page.contains("Version 2"));

        let res = api.delete(&path).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let gone = api.json(api.get(&path), 200).await;
        assert_eq!(
            (gone["deleted"].as_bool(), gone["version"].as_i64(), gone["body"].is_null()),
            (Some(true), Some(3), true)
        );
        let history = api.json(api.get(&format!("{path}/history")), 200).await;
        assert!(
            history.as_array().unwrap().iter().all(|v| v["body"].is_null()),
            "deleted content is erased from every version"
        );
        let timeline = text(browser.get(format!("{}/cases/{case}", server.url)).send().await.unwrap()).await;
        assert!(timeline.contains("An incident was deleted on") && !timeline.contains("fuller account"));
        let incident_page =
            text(browser.get(format!("{}/cases/{case}/incidents/{id}", server.url)).send().await.unwrap()).await;
        assert!(incident_page.contains("Deleted incident"));
    }
}

#[tokio::test]
async fn the_timeline_orders_and_filters() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Timeline").await;
    let wolf = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/people")).json(
                &json!({"label": "", "identifiers": [{"kind": "username", "platform": "Twitch", "value": "darkwolf"}]}),
            ),
            201,
        )
        .await;
    let wolf_id = wolf["id"].as_str().unwrap();
    let mut first = incident("ALPHA first contact");
    first["occurred"] = json!({"kind": "approximate", "description": "early March", "around": "2025-03-02"});
    first["people"] = json!([wolf_id]);
    first["conduct"] = json!(["contacting"]);
    api.create_incident(&case, first).await;
    let mut second = incident("BRAVO threat");
    second["occurred"] = json!({"kind": "exact", "at": "2025-04-10T08:00:00+01:00[Europe/London]"});
    second["conduct"] = json!(["threats"]);
    second["people"] = json!([wolf_id]);
    api.create_incident(&case, second).await;
    let mut third = incident("CHARLIE unrelated");
    third["occurred"] = json!({"kind": "exact", "at": "2025-05-01T12:00:00+01:00[Europe/London]"});
    api.create_incident(&case, third).await;

    let browser = server.browser("alice").await;
    let order = |html: &str| -> Vec<&str> {
        let mut found: Vec<(usize, &str)> =
            ["ALPHA", "BRAVO", "CHARLIE"].iter().filter_map(|w| html.find(w).map(|i| (i, *w))).collect();
        found.sort();
        found.into_iter().map(|(_, w)| w).collect()
    };
    let get = |q: &str| browser.get(format!("{}/cases/{case}{q}", server.url)).send();
    assert_eq!(order(&text(get("").await.unwrap()).await), ["CHARLIE", "BRAVO", "ALPHA"]);
    assert_eq!(order(&text(get("?order=oldest").await.unwrap()).await), ["ALPHA", "BRAVO", "CHARLIE"]);
    assert_eq!(order(&text(get(&format!("?person={wolf_id}&order=oldest")).await.unwrap()).await), ["ALPHA", "BRAVO"]);
    assert_eq!(order(&text(get("?conduct=threats").await.unwrap()).await), ["BRAVO"]);
    let person_page =
        text(browser.get(format!("{}/cases/{case}/people/{wolf_id}", server.url)).send().await.unwrap()).await;
    assert!(person_page.contains("darkwolf on Twitch") && order(&person_page) == ["ALPHA", "BRAVO"]);
}

#[tokio::test]
async fn people_need_only_a_username_and_forms_keep_identifier_rows() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("People").await;
    let browser = server.browser("alice").await;
    let html = text(browser.get(format!("{}/cases/{case}/people/new", server.url)).send().await.unwrap()).await;
    assert!(html.contains("A username is enough."));
    let token = csrf(&html);
    let url = format!("{}/cases/{case}/people", server.url);
    // "Add another identifier" works without JavaScript and keeps what was typed.
    let res = browser
        .post(&url)
        .form(&[("csrf", token.as_str()), ("rows", "2"), ("id_value_0", "darkwolf"), ("action", "add_row")])
        .send()
        .await
        .unwrap();
    let html = text(res).await;
    assert!(html.contains(r#"name="id_value_2""#) && html.contains(r#"value="darkwolf""#));
    // A bad date is named next to its field; nothing else is required.
    let res = browser
        .post(&url)
        .form(&[
            ("csrf", token.as_str()),
            ("rows", "3"),
            ("id_value_0", "darkwolf"),
            ("id_first_0", "last spring"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(text(res).await.contains(r#"id="f-id_first_0-problem""#));
    let res = browser
        .post(&url)
        .form(&[
            ("csrf", token.as_str()),
            ("rows", "3"),
            ("id_kind_0", "username"),
            ("id_platform_0", "Twitch"),
            ("id_value_0", "darkwolf"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let people = api.json(api.get(&format!("/api/v1/cases/{case}/people")), 200).await;
    assert_eq!(people[0]["body"]["identifiers"][0]["value"], "darkwolf");
    assert_eq!(people[0]["body"]["name"], "");
    // A form from another session is refused.
    let res =
        browser.post(&url).form(&[("csrf", "forged"), ("id_value_0", "x"), ("action", "save")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn every_response_is_uncached_and_locked_down_and_quick_exit_ends_the_session() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let browser = server.browser("alice").await;
    let api = server.api("alice").await;
    let case = api.create_case("Headers").await;
    for path in [
        "/login",
        "/cases",
        &format!("/cases/{case}"),
        "/static/lodge.css",
        "/static/lodge.js",
        "/no/such/page",
        "/api/v1/cases",
        "/healthz",
    ] {
        let res = browser.get(format!("{}{path}", server.url)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "{path}");
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{path}"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        if h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html") {
            let html = text(res).await;
            assert!(html.contains(r#"id="quick-exit" href="/exit""#), "{path} has quick exit");
            assert!(!html.contains("<script>") && !html.contains("style="), "{path} has no inline script or style");
            assert!(
                !html.contains("src=\"http") && !html.contains("href=\"http"),
                "{path} loads nothing from elsewhere"
            );
        }
    }
    // A post from another site's page is refused.
    let res = browser
        .post(format!("{}/cases", server.url))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Quick exit: the session ends on the server, the browser is told to forget the site.
    let cookie_jar_page = browser.get(format!("{}/cases", server.url)).send().await.unwrap();
    assert_eq!(cookie_jar_page.status(), 200);
    let res = browser.get(format!("{}/exit", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[header::LOCATION], "http://neutral.invalid/weather");
    assert_eq!(res.headers()["clear-site-data"], "\"cache\", \"cookies\", \"storage\"");
    let res = browser.get(format!("{}/cases", server.url)).send().await.unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/login");

    // Sign-out does the same.
    let other = server.browser("alice").await;
    let html = text(other.get(format!("{}/cases", server.url)).send().await.unwrap()).await;
    let res = other.post(format!("{}/logout", server.url)).form(&[("csrf", csrf(&html))]).send().await.unwrap();
    assert_eq!(res.headers()["clear-site-data"], "\"cache\", \"cookies\", \"storage\"");
    assert_eq!(other.get(format!("{}/cases", server.url)).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn idle_sessions_end() {
    let server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_SESSION_IDLE_MINUTES", "0")]).await;
    server.add_user("survivor", "alice");
    let browser = browser_client();
    let res = browser
        .post(format!("{}/login", server.url))
        .form(&[("username", "alice"), ("password", crate::harness::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let res = browser.get(format!("{}/cases", server.url)).send().await.unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/login?ended=1");
    let page = text(browser.get(format!("{}/login?ended=1", server.url)).send().await.unwrap()).await;
    assert!(page.contains("You were signed out"));
}

#[tokio::test]
async fn a_neutral_title_hides_the_name_lodge() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let browser = server.browser("alice").await;
    let html = text(browser.get(format!("{}/account", server.url)).send().await.unwrap()).await;
    assert!(html.contains("<title>Your account – Lodge</title>"));
    let safety = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf(&html))];
        form.extend(fields);
        browser.post(format!("{}/account/safety", server.url)).form(&form).send()
    };
    let res = safety(vec![("neutral_title", "on".into())]).await.unwrap();
    assert_eq!(res.status(), 303);
    for path in ["/cases", "/account", "/no/such/page"] {
        let html = text(browser.get(format!("{}{path}", server.url)).send().await.unwrap()).await;
        assert!(html.contains("<title>Notes</title>") && !html.contains(">Lodge<"), "{path}");
    }
    // Her own neutral name, and her own idle sign-out, shorter than the organisation's.
    let bad = safety(vec![("neutral_title", "on".into()), ("app_name", "<script>".into())]).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(text(bad).await.contains("Use up to 30 letters, numbers and spaces"));
    let res =
        safety(vec![("neutral_title", "on".into()), ("app_name", "Recipes".into()), ("idle_minutes", "5".into())])
            .await
            .unwrap();
    assert_eq!(res.status(), 303);
    let html = text(browser.get(format!("{}/cases", server.url)).send().await.unwrap()).await;
    assert!(html.contains("<title>Recipes</title>") && !html.contains(">Lodge<"));
    // Six quiet minutes: her setting signs her out, though the organisation's allows 30.
    server.sql("UPDATE sessions SET last_seen_at = last_seen_at - 360000 WHERE user_id <> $1", "").await;
    let res = browser.get(format!("{}/cases", server.url)).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login?ended=1");
    let health: serde_json::Value =
        browser.get(format!("{}/healthz", server.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({"status": "ok", "database": "sqlite"}));

    // The organisation can make it the default for everyone, signed in or not.
    let everyone = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_NEUTRAL_TITLE", "true")]).await;
    let html = text(browser_client().get(format!("{}/login", everyone.url)).send().await.unwrap()).await;
    assert!(html.contains("<title>Notes</title>"));
}

#[tokio::test]
async fn the_api_renames_cases_and_attaches_and_deletes_files() {
    let server = Server::start(crate::harness::Backend::Sqlite).await;
    server.add_user("survivor", "alice");
    let api = server.api("alice").await;
    let case = api.create_case("Old name").await;
    let renamed = api.json(api.put(&format!("/api/v1/cases/{case}")).json(&json!({"title": "New name"})), 200).await;
    assert_eq!(renamed["title"], "New name");
    let empty = api.json(api.put(&format!("/api/v1/cases/{case}")).json(&json!({"title": "  "})), 422).await;
    assert_eq!(empty["problems"][0]["field"], "title");

    let file = api.upload(&case, None, "shot.png", png(100, 50)).await;
    let id = file["id"].as_str().unwrap();
    let thumb = api.get(&format!("/api/v1/cases/{case}/evidence/{id}/thumbnail")).send().await.unwrap();
    assert_eq!(thumb.headers()[header::CONTENT_TYPE], "image/jpeg");
    let incident_id = api.create_incident(&case, incident("posted my photo")).await["id"].as_str().unwrap().to_owned();
    let attached = api
        .json(api.put(&format!("/api/v1/cases/{case}/evidence/{id}")).json(&json!({"incident": incident_id})), 200)
        .await;
    assert_eq!(
        (attached["version"].as_i64(), attached["body"]["incident"].as_str()),
        (Some(2), Some(incident_id.as_str()))
    );
    assert_eq!(attached["created_at"], file["created_at"], "when it arrived does not change");

    assert_eq!(api.delete(&format!("/api/v1/cases/{case}/evidence/{id}")).send().await.unwrap().status(), 204);
    let gone = api.json(api.get(&format!("/api/v1/cases/{case}/evidence/{id}")), 200).await;
    assert_eq!((gone["deleted"].as_bool(), gone["body"].is_null()), (Some(true), true));
    api.json(api.get(&format!("/api/v1/cases/{case}/evidence/{id}/content")), 404).await;
    let files = walk(&server.data_dir.path().join("files"));
    assert!(files.is_empty(), "the file and its thumbnail are gone from the store: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}
