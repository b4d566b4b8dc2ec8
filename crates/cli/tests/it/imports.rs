//! Imports through the real server: an export is previewed, imported into incidents, people
//! and an exhibit in one go, recognised when imported again, and a broken file saves nothing
//! unless she chooses to keep what could be read.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Api, Server, backends};

const CHAT: &str = "[03/05/2024, 21:15:02] Messages and calls are end-to-end encrypted.\n\
[03/05/2024, 21:15:40] darkwolf: you can't hide\nfrom me\n\
[03/05/2024, 21:16:00] Ruby: Stop contacting me.\n\
[13/05/2024, 09:01:00] darkwolf: my new number is +44 7911 123456 <attached: 00000012-PHOTO.jpg>\n";

pub async fn stage(api: &Api, case: &str, name: &str, bytes: &[u8], status: u16) -> Value {
    let form = reqwest::multipart::Form::new()
        .text("zone", "Europe/London")
        .part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    api.json(api.post(&format!("/api/v1/cases/{case}/imports")).multipart(form), status).await
}

pub async fn import(api: &Api, case: &str, preview: &Value, choices: Value, status: u16) -> Value {
    let mut body = choices;
    body["file_name"] = preview["file_name"].clone();
    let id = preview["id"].as_str().unwrap();
    api.json(api.post(&format!("/api/v1/cases/{case}/imports/{id}")).json(&body), status).await
}

async fn count(api: &Api, case: &str, what: &str) -> usize {
    api.json(api.get(&format!("/api/v1/cases/{case}/{what}")), 200).await.as_array().unwrap().len()
}

#[tokio::test]
async fn a_chat_becomes_incidents_people_and_an_exhibit_and_importing_again_adds_nothing() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("WhatsApp").await;
        let ex = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/people"))
                    .json(&json!({"label": "Ex", "identifiers": [{"kind": "phone", "value": "07911 123456"}]})),
                201,
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let preview = stage(&api, &case, "WhatsApp Chat with darkwolf.txt", CHAT.as_bytes(), 201).await;
        assert_eq!(preview["format"], "whatsapp");
        assert_eq!(preview["messages"], 3, "WhatsApp's own notice is not a message");
        assert_eq!(preview["already"], 0);
        assert_eq!(preview["first"], "2024-05-03T20:15:40Z", "read in the zone she confirmed");
        let senders: Vec<&str> =
            preview["senders"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(senders, ["darkwolf", "Ruby"]);
        let mention = &preview["mentions"][0];
        assert_eq!(
            (mention["kind"].as_str(), mention["value"].as_str()),
            (Some("phone number"), Some("+447911123456"))
        );
        assert_eq!(mention["person"], ex, "the number in the message belongs to someone already in the case");

        let done = import(&api, &case, &preview, json!({"me": ["Ruby"], "zone": "Europe/London"}), 201).await;
        assert_eq!((done["incidents"].as_u64(), done["messages"].as_u64()), (Some(2), Some(3)), "{done}");
        assert_eq!(done["people_added"], 1);

        let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        let incidents = incidents.as_array().unwrap();
        assert_eq!(incidents.len(), 2);
        let first = incidents.iter().find(|i| i["body"]["messages"].as_array().unwrap().len() == 2).unwrap();
        let body = &first["body"];
        assert_eq!(body["platform"], "WhatsApp");
        assert_eq!(body["occurred"]["at"], "2024-05-03T21:15:40+01:00[Europe/London]");
        assert_eq!(body["source"]["zone"], "Europe/London");
        assert_eq!(body["source"]["exhibit"], done["exhibit"]);
        let m0 = &body["messages"][0];
        assert_eq!((m0["sender"].as_str(), m0["text"].as_str()), (Some("darkwolf"), Some("you can't hide\nfrom me")));
        let offset = CHAT.find("[03/05/2024, 21:15:40]").unwrap();
        assert_eq!(m0["place"], format!("line 2 (byte {offset})"));
        assert_eq!(body["messages"][1]["mine"], true, "she said Ruby is her");
        assert!(body["verbatim"].as_str().unwrap().contains("[21:16] Ruby: Stop contacting me."));
        let darkwolf = m0["person"].as_str().unwrap();
        assert_eq!(body["people"], json!([darkwolf]), "only the sender who is not her is linked");
        let person = api.json(api.get(&format!("/api/v1/cases/{case}/people/{darkwolf}")), 200).await;
        assert_eq!(person["body"]["label"], "darkwolf");

        let evidence = api.json(api.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
        assert_eq!(evidence.as_array().unwrap().len(), 1);
        let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(CHAT.as_bytes()));
        assert_eq!(evidence[0]["body"]["sha256"], sha, "the original export is kept byte for byte");
        assert_eq!(evidence[0]["id"], done["exhibit"]);
        let log_before = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["size"].clone();

        // The same export again: recognised, nothing added, no second exhibit.
        let again = stage(&api, &case, "WhatsApp Chat with darkwolf.txt", CHAT.as_bytes(), 201).await;
        assert_eq!(again["already"], 3);
        assert_eq!(again["senders"][0]["person"].as_str(), Some(darkwolf), "matched to the person made last time");
        let second = import(&api, &case, &again, json!({"me": ["Ruby"]}), 201).await;
        assert_eq!((second["messages"].as_u64(), second["duplicates"].as_u64()), (Some(0), Some(3)));
        assert_eq!(second["exhibit"], done["exhibit"]);
        assert_eq!(count(&api, &case, "incidents").await, 2);
        assert_eq!(count(&api, &case, "evidence").await, 1);
        assert_eq!(count(&api, &case, "people").await, 2);
        let log_after = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["size"].clone();
        assert_eq!(log_before, log_after, "nothing was logged because nothing was added");
    }
}

const SMS_BROKEN: &str = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"3\">\n\
<sms address=\"07911 123456\" date=\"1714767340000\" type=\"1\" body=\"I see you\" contact_name=\"Dark Wolf\" />\n\
<sms address=\"07911 123456\" date=\"1714767400000\" type=\"2\" body=\"Leave me alone\" contact_name=\"Dark Wolf\" />\n\
<sms address=\"07911 123456\" date=\"1714767460000\" type=\"1\" body=\"unfinished\n";

#[tokio::test]
async fn a_broken_backup_saves_nothing_unless_she_keeps_what_was_read() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("Texts").await;
        let ex = api
            .json(
                api.post(&format!("/api/v1/cases/{case}/people"))
                    .json(&json!({"label": "Ex", "identifiers": [{"kind": "phone", "value": "+44 7911 123456"}]})),
                201,
            )
            .await["id"]
            .clone();
        let log_before = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["size"].clone();

        let preview = stage(&api, &case, "sms-20240503.xml", SMS_BROKEN.as_bytes(), 201).await;
        assert_eq!(preview["format"], "sms-xml");
        assert_eq!(preview["messages"], 2);
        let problem = preview["problem"].as_str().unwrap();
        assert!(problem.contains("byte"), "the problem says where: {problem}");
        assert_eq!(preview["senders"][0]["person"], ex, "matched by number");

        let refused = import(&api, &case, &preview, json!({}), 422).await;
        assert!(refused.to_string().contains("Nothing was saved"), "{refused}");
        assert_eq!(count(&api, &case, "incidents").await, 0);
        assert_eq!(count(&api, &case, "evidence").await, 0);
        let log_now = api.json(api.get(&format!("/api/v1/cases/{case}/checkpoint")), 200).await["size"].clone();
        assert_eq!(log_before, log_now, "a refused import leaves no trace in the log");

        let kept = import(&api, &case, &preview, json!({"keep_partial": true, "burst_minutes": 30}), 201).await;
        assert_eq!((kept["messages"].as_u64(), kept["incidents"].as_u64()), (Some(2), Some(1)));
        assert_eq!(kept["people_added"], 0, "the number belongs to Ex");
        assert!(kept["problem"].as_str().unwrap().contains("byte"));
        let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        assert_eq!(incidents[0]["body"]["people"], json!([ex]));
        assert_eq!(incidents[0]["body"]["platform"], "Text message");

        // Not an export at all: a plain message, and nothing kept.
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.7 not an export".to_vec()).file_name("x.pdf"));
        let res = api.post(&format!("/api/v1/cases/{case}/imports")).multipart(form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.unwrap().contains("Choose the format"));
    }
}

const MBOX: &str = "From dark.wolf@example.net Fri May  3 20:15:40 2024\n\
Received: from [198.51.100.23] by mail.example.net; Fri, 3 May 2024 21:15:41 +0100\n\
Message-ID: <abc123@example.net>\n\
Date: Fri, 3 May 2024 21:15:40 +0100\n\
From: Dark Wolf <dark.wolf@example.net>\n\
Subject: I know where you are\n\
Content-Type: text/html\n\
\n\
<p>You can't hide.</p><img src=\"http://tracker.example.net/x.gif\">\n\
\n\
From dark.wolf@example.net Sat May  4 08:00:00 2024\n\
Date: Sat, 4 May 2024 09:00:00 +0100\n\
From: Dark Wolf <dark.wolf@example.net>\n\
Subject: again\n\
\n\
Answer me.\n";

#[tokio::test]
async fn lodge_import_brings_a_mailbox_in_from_the_command_line() {
    use std::io::Write;
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("Emails").await;
        let known = api
            .json(api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({"label": "Dark Wolf"})), 201)
            .await["id"]
            .clone();
        let dir = tempfile::tempdir().unwrap();
        let mbox = dir.path().join("Inbox.mbox");
        std::fs::write(&mbox, MBOX).unwrap();
        let mut child = server
            .command(&["import", "--case", &case, "--username", "ruby", "--tz", "Europe/London"])
            .arg(&mbox)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{}", crate::harness::PASSWORD).unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("Email (2 messages, 0 already in the case)"), "{stdout}");
        assert!(stdout.contains("imported 2 messages into 2 incidents"), "{stdout}");

        let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
        let first = incidents
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["body"]["verbatim"].as_str().unwrap().contains("You can't hide."))
            .unwrap();
        let message = &first["body"]["messages"][0];
        assert!(!message["text"].as_str().unwrap().contains("tracker"), "no HTML, no remote content");
        let details = message["details"].as_array().unwrap();
        assert!(details.iter().any(|d| d[0] == "Received" && d[1].as_str().unwrap().contains("198.51.100.23")));
        assert_eq!(message["place"], "byte 52");
        assert_eq!(first["body"]["people"][0], known, "matched by name");
        let person = api.json(api.get(&format!("/api/v1/cases/{case}/people/{}", known.as_str().unwrap())), 200).await;
        assert_eq!(person["version"], 2, "the address the export gives was added to her record of him");
        assert_eq!(person["body"]["identifiers"][0]["kind"], "email");
        assert_eq!(person["body"]["identifiers"][0]["value"], "dark.wolf@example.net");

        // A wrong password imports nothing and says so.
        let mut child = server
            .command(&["import", "--case", &case, "--username", "ruby"])
            .arg(&mbox)
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "not the password").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        assert_eq!(incidents.as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn the_pages_show_what_is_in_an_export_before_anything_is_saved() {
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("WhatsApp").await;
    let browser = server.browser("ruby").await;
    let form_page =
        browser.get(format!("{}/cases/{case}/import", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(form_page.contains("Import messages") && form_page.contains("quick-exit"), "every page has quick exit");
    let token = crate::harness::csrf(&form_page);
    let upload = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("format", "auto")
        .text("zone", "Europe/London")
        .part("file", reqwest::multipart::Part::bytes(CHAT.as_bytes().to_vec()).file_name("chat.txt"));
    let res = browser.post(format!("{}/cases/{case}/import", server.url)).multipart(upload).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let preview = res.text().await.unwrap();
    assert!(preview.contains("3 messages"), "{preview}");
    assert!(preview.contains("darkwolf") && preview.contains("becomes a new person"));
    assert_eq!(count(&api, &case, "incidents").await, 0, "nothing is saved by the preview");
    let action =
        preview.split("action=\"").find(|s| s.contains("/import/")).unwrap().split('"').next().unwrap().to_owned();
    let res = browser
        .post(format!("{}{action}", server.url))
        .form(&[
            ("csrf", token.as_str()),
            ("file_name", "chat.txt"),
            ("format", "whatsapp"),
            ("conversations", ""),
            ("me", "Ruby"),
            ("grouping", "burst"),
            ("burst_minutes", "30"),
            ("zone", "Europe/London"),
            ("action", "import"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(done.contains("3 messages became 2 incidents"), "{done}");
    assert_eq!(count(&api, &case, "incidents").await, 2);
}

#[tokio::test]
async fn a_whatsapp_zip_keeps_its_media_tied_to_the_messages() {
    use std::io::Write;
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("WhatsApp with media").await;
    let photo = b"\xff\xd8\xff the photo he sent";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let chat = format!("{CHAT}[13/05/2024, 09:02:00] darkwolf: \u{200e}<attached: 00000012-PHOTO.jpg>\n");
    for (name, bytes) in [("_chat.txt", chat.as_bytes()), ("00000012-PHOTO.jpg", &photo[..])] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let zip = zip.finish().unwrap().into_inner();
    let preview = stage(&api, &case, "WhatsApp Chat - darkwolf.zip", &zip, 201).await;
    assert_eq!((preview["format"].as_str(), preview["messages"].as_u64()), (Some("whatsapp"), Some(4)));
    import(&api, &case, &preview, json!({"me": ["Ruby"]}), 201).await;
    let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    let later = incidents
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["body"]["occurred"]["at"].as_str().unwrap().starts_with("2024-05-13"))
        .unwrap();
    let attachment = &later["body"]["messages"][1]["attachments"][0];
    assert_eq!(attachment["name"], "00000012-PHOTO.jpg");
    assert_eq!(attachment["sha256"], data_encoding::HEXLOWER.encode(&Sha256::digest(photo)));
    assert_eq!(attachment["size"], photo.len());
}

#[tokio::test]
async fn a_200_mb_sms_backup_imports_in_bounded_memory() {
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Two years of texts").await;
    let body = "you can&apos;t hide &#55357;&#56846; ".repeat(30);
    let mut xml = String::from("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"0\">\n");
    let mut n = 0u64;
    while xml.len() < 200 * 1024 * 1024 {
        let date = 1_700_000_000_000u64 + n * 60_000;
        xml.push_str(&format!(
            "<sms address=\"07911 123456\" date=\"{date}\" type=\"{}\" body=\"{n} {body}\" contact_name=\"Dark Wolf\" />\n",
            1 + n % 2
        ));
        n += 1;
    }
    xml.push_str("</smses>\n");
    let before = server.peak_memory_kib().unwrap();
    let preview = stage(&api, &case, "sms-backup.xml", xml.as_bytes(), 201).await;
    assert_eq!(preview["messages"], n);
    drop(xml);
    let done = import(&api, &case, &preview, json!({}), 201).await;
    assert_eq!(done["messages"], n);
    let grown = server.peak_memory_kib().unwrap().saturating_sub(before) / 1024;
    assert!(grown < 100, "the server's peak memory grew by {grown} MiB for a 200 MiB file of {n} messages");
}

#[tokio::test]
async fn a_photo_becomes_an_incident_with_its_exhibit_and_thumbnail() {
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Screenshots").await;
    let preview = stage(&api, &case, "Screenshot_20240503.png", &crate::harness::png(600, 300), 201).await;
    assert_eq!((preview["format"].as_str(), preview["messages"].as_u64()), (Some("image"), Some(1)));
    let done = import(&api, &case, &preview, json!({}), 201).await;
    assert_eq!(done["incidents"], 1);
    let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    let incident = &incidents[0];
    assert_eq!(incident["body"]["occurred"]["description"], "The file holds no time", "no EXIF, no time invented");
    let evidence =
        api.json(api.get(&format!("/api/v1/cases/{case}/evidence/{}", done["exhibit"].as_str().unwrap())), 200).await;
    assert_eq!(evidence["body"]["incident"], incident["id"]);
    assert_eq!(evidence["body"]["content_type"], "image/png");
    assert_eq!(evidence["body"]["thumbnail"], true);
    let page = server.browser("ruby").await;
    let html = page
        .get(format!("{}/cases/{case}/incidents/{}", server.url, incident["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("From the export") && html.contains("no time in the file"));
}

#[tokio::test]
async fn where_a_photo_was_taken_reaches_a_report_only_when_she_chooses() {
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Photos").await;
    let preview = stage(&api, &case, "IMG_0001.jpg", &lodge_testkit::photo::photo(Some("+01:00")), 201).await;
    import(&api, &case, &preview, json!({}), 201).await;
    let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    assert_eq!(incidents[0]["body"]["occurred"]["at"], "2024-05-03T21:15:40+01:00[Europe/London]");
    let location = incidents[0]["body"]["messages"][0]["location"].clone();
    assert!((location[0].as_f64().unwrap() - 55.955).abs() < 1e-6, "{location}");
    let pdf = |with: bool| {
        let body = json!({"format": "pdf", "subject_name": "Ruby", "photo_locations": with});
        let req = api.post(&format!("/api/v1/cases/{case}/reports")).json(&body);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            crate::reports::pdf_text(&res.bytes().await.unwrap())
        }
    };
    let without = pdf(false).await;
    assert!(without.contains("Photo or screenshot IMG_0001.jpg"), "{without}");
    assert!(!without.contains("55.95"), "left out unless she chooses");
    let with = pdf(true).await;
    assert!(with.contains("Photo taken at 55.95500, -3.19000"), "{with}");
}
