//! She decides when Lodge cannot: a chat exported from a phone set to US English, in which no
//! day is above 12, reads two ways. The preview shows both readings of a message, and the page,
//! the API and `lodge import --date-order` import it as she chooses; the command line imports
//! nothing on a guess.

use std::io::Write;

use serde_json::{Value, json};

use crate::harness::{Backend, PASSWORD, Server, csrf};
use crate::imports::{import, stage};

/// Month first, as a phone set to US English writes it; no day above 12.
const US_CHAT: &str = "3/5/24, 9:15 PM - Dark Wolf: I saw you at the store\n\
3/5/24, 9:16 PM - Dark Wolf: nice car\n\
4/1/24, 7:02 AM - Ruby: Stop messaging me\n";

async fn days(api: &crate::harness::Api, case: &str) -> Vec<String> {
    let incidents = api.json(api.get(&format!("/api/v1/cases/{case}/incidents")), 200).await;
    let mut days: Vec<String> = incidents
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["body"]["occurred"]["at"].as_str().unwrap()[..10].to_owned())
        .collect();
    days.sort();
    days
}

#[tokio::test]
async fn a_us_chat_imports_as_she_chooses_through_the_api_the_page_and_the_command_line() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;

    // The API: the preview asks, with both readings; she answers month first.
    let case = api.create_case("Through the API").await;
    let preview: Value = stage(&api, &case, "WhatsApp Chat with Dark Wolf.txt", US_CHAT.as_bytes(), 201).await;
    let undecided = &preview["undecided"];
    assert_eq!(undecided["written"], "3/5/24, 9:15 PM");
    assert_eq!(undecided["day_first"], "2024-05-03T21:15:00");
    assert_eq!(undecided["month_first"], "2024-03-05T21:15:00");
    let id = preview["id"].as_str().unwrap();
    let again =
        format!("/api/v1/cases/{case}/imports/{id}?file_name=x.txt&date_order=month_first&zone=America/New_York");
    let chosen = api.json(api.get(&again), 200).await;
    assert!(chosen["first"].as_str().unwrap().starts_with("2024-03-06T02:15:00"), "{chosen}");
    let choices = json!({"me": ["Ruby"], "zone": "America/New_York", "date_order": "month_first"});
    import(&api, &case, &preview, choices, 201).await;
    assert_eq!(days(&api, &case).await, ["2024-03-05", "2024-04-01"]);

    // The page: both readings offered, day first ticked until she ticks the other.
    let case = api.create_case("Through the page").await;
    let browser = server.browser("ruby").await;
    let form_page =
        browser.get(format!("{}/cases/{case}/import", server.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&form_page);
    let upload = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("format", "auto")
        .text("zone", "America/New_York")
        .part("file", reqwest::multipart::Part::bytes(US_CHAT.as_bytes().to_vec()).file_name("chat.txt"));
    let page = browser.post(format!("{}/cases/{case}/import", server.url)).multipart(upload).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("3 May 2024, 21:15 (day first)") && page.contains("5 March 2024, 21:15 (month first"),
        "{page}"
    );
    assert!(page.contains("from 4 January 2024, 07:02 to 3 May 2024, 21:16"), "read day first until she chooses");
    assert!(page.contains(r#"value="day_first" checked"#), "day first until she says otherwise");
    let action =
        page.split("action=\"").find(|s| s.contains("/import/")).unwrap().split('"').next().unwrap().to_owned();
    let choose = |action_name: &'static str| {
        [
            ("csrf", token.clone()),
            ("file_name", "chat.txt".into()),
            ("format", "whatsapp".into()),
            ("conversations", String::new()),
            ("me", "Ruby".into()),
            ("zone", "America/New_York".into()),
            ("date_order", "month_first".into()),
            ("action", action_name.into()),
        ]
    };
    let shown = browser.post(format!("{}{action}", server.url)).form(&choose("refresh")).send().await.unwrap();
    let shown = shown.text().await.unwrap();
    assert!(shown.contains(r#"value="month_first" checked"#), "her answer stays ticked");
    assert!(shown.contains("from 5 March 2024, 21:15 to 1 April 2024, 07:02"), "read as she chose");
    let done = browser.post(format!("{}{action}", server.url)).form(&choose("import")).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(days(&api, &case).await, ["2024-03-05", "2024-04-01"]);

    // The command line: no guess; with --date-order, as she says.
    let case = api.create_case("From the command line").await;
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("WhatsApp Chat with Dark Wolf.txt");
    std::fs::write(&chat, US_CHAT).unwrap();
    let run = |extra: &[&str]| {
        let mut args =
            vec!["import", "--case", &case, "--username", "ruby", "--tz", "America/New_York", "--me", "Ruby"];
        args.extend_from_slice(extra);
        let mut child = server
            .command(&args)
            .arg(&chat)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "nothing is imported on a guess");
    assert!(said.contains("3 May 2024, 21:15 read day first, or 5 March 2024, 21:15 read month first"), "{said}");
    assert!(said.contains("--date-order month-first"), "{said}");
    assert!(days(&api, &case).await.is_empty());
    let out = run(&["--date-order", "month-first"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(days(&api, &case).await, ["2024-03-05", "2024-04-01"]);
}
