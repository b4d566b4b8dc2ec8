//! The report as an officer reads it: page one gives the key facts in the third person (every
//! identifier, including a number that is only in an incident's words), what she asks of the
//! police and how to contact her safely; her answers to the stalking risk questions beside
//! their S-DASH item; an approximate time keeps "around"; deletions are listed.

use serde_json::json;

use crate::harness::{Server, backends};
use crate::reports::{pdf_text, report};

#[tokio::test]
async fn page_one_tells_an_officer_who_what_since_when_and_how_to_reach_her() {
    let backend = backends().await.remove(0);
    let server = Server::start(backend).await;
    server.add_user("survivor", "mina");
    let api = server.api("mina").await;
    let case = api.create_case("The Instagram account").await;
    let person = api
        .json(
            api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({"label": "@darkwolf_99",
                "identifiers": [{"kind": "username", "platform": "Instagram", "value": "@darkwolf_99"}]})),
            201,
        )
        .await;
    let pid = person["id"].as_str().unwrap();
    let at = |day: &str| json!({"kind": "exact", "at": format!("2026-05-{day}T21:15:00+01:00[Europe/London]")});
    for (occurred, text) in [
        (at("01"), "He messaged again from a new account."),
        (at("02"), "He texted from 07911 123456 saying he knows where I work."),
        (
            json!({"kind": "approximate", "description": "evening of 3 May", "around": "2026-05-03"}),
            "He threatened me.",
        ),
    ] {
        let body = json!({"occurred": occurred, "description": text, "platform": "Instagram",
            "conduct": ["contacting", "threats"], "people": [pid]});
        api.create_incident(&case, body).await;
    }
    let gone = api.create_incident(&case, json!({"occurred": at("04"), "description": "A mistake."})).await;
    api.json(api.delete(&format!("/api/v1/cases/{case}/incidents/{}", gone["id"].as_str().unwrap())), 204).await;

    let body = json!({"format": "pdf", "subject_name": "Mina", "prepared_by": "Umbrella Lane",
        "wishes": {"asks": ["investigation", "warning"], "contact_how": "Text first, never leave voicemail",
            "contact_times": "Weekdays after 6 pm", "female_officer": true, "support": "Umbrella Lane: 0141 000 0000"},
        "risk": {"answers": {"frightened": "yes", "threats": "yes", "substances": "not_sure"},
            "note": "He told a client where I work."}});
    let (pdf, _) = report(&api, &case, body, 200).await;
    let text = pdf_text(&pdf);
    for expected in [
        "Complainant: Mina",
        "Key facts",
        "@darkwolf_99: Username @darkwolf_99 (Instagram)",
        "+447911123456 (incidents 2)",
        "Since",
        "Latest",
        "3 occasions on 3 days",
        "What she asks of the police",
        "An investigation.",
        "A warning given to the person responsible.",
        "Contacting her safely",
        "Text first, never leave voicemail",
        "She asks to speak with a female officer.",
        "Umbrella Lane: 0141 000 0000",
        "around 3 May 2026",
        "evening of 3 May",
        "Deleted from the log",
        "Stalking risk questions",
        "She is very frightened",
        "Threats of physical or sexual violence",
        "Not sure",
        "He told a client where I work.",
        "The log records threats on 3 occasions",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the report:\n{text}");
    }
    assert!(!text.contains("Your log"), "the report speaks to the officer, not to her");

    // Her page offers the number she wrote in an incident for her to add to the person.
    let browser = server.browser("mina").await;
    let page = browser.get(format!("{}/cases/{case}/report", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("on nobody&#x27;s list") || page.contains("on nobody's list"), "{page}");
    assert!(page.contains("+447911123456 (incidents 2)"), "the number is offered");
    // Once it is on the person's list, it is listed with them and no longer offered.
    let update = json!({"version": 1, "body": {"label": "@darkwolf_99", "identifiers": [
        {"kind": "username", "platform": "Instagram", "value": "@darkwolf_99"},
        {"kind": "phone", "value": "07911 123456"}]}});
    api.json(api.put(&format!("/api/v1/cases/{case}/people/{pid}")).json(&update), 200).await;
    let page = browser.get(format!("{}/cases/{case}/report", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("+447911123456 (incidents 2)"), "a listed number is not offered again");
    assert!(!text.contains("Concerning"), "she is the complainant, not the subject");
}
