//! Parity of the pages and the API, from the route table the router is built from: every page
//! route that changes something has its API operation, under the same rule of who may use it,
//! and that operation is in the OpenAPI description. A page route added without one fails
//! here, and so does an API operation removed. The only escape is the commented list of
//! page-only routes below.

use std::collections::{HashMap, HashSet};

use lodge_web::Allowed;

/// Page routes with no API operation, and why.
const PAGE_ONLY: &[(&str, &str, &str)] = &[
    ("GET", "/exit", "quick exit: clears the browser's cookies, storage and cache"),
    ("POST", "/account/passkeys", "the account page's passkey form sent without JavaScript: it says passkeys need it"),
    ("POST", "/shared", "the officer's police link, opened in a browser by someone with no account"),
    ("POST", "/shared/report.pdf", "the same, downloading its report"),
    ("POST", "/shared/bundle.zip", "the same, downloading its bundle"),
    ("POST", "/inbox/{token}", "someone she trusts, with no account, reporting through the link she gave them"),
];

/// A method and a path template.
type Route = (&'static str, &'static str);

/// Each page route that changes something, with its API operation.
const PAIRS: &[(Route, Route)] = &[
    (("POST", "/login"), ("POST", "/api/v1/session")),
    (("POST", "/login/code"), ("POST", "/api/v1/session")),
    (("POST", "/login/passkey/start"), ("POST", "/api/v1/session/passkey/start")),
    (("POST", "/login/passkey/finish"), ("POST", "/api/v1/session/passkey/finish")),
    (("POST", "/login/code/passkey/start"), ("POST", "/api/v1/session/second-step/passkey/start")),
    (("POST", "/login/code/passkey/finish"), ("POST", "/api/v1/session/second-step/passkey/finish")),
    (("POST", "/logout"), ("DELETE", "/api/v1/session")),
    (("POST", "/join/{token}"), ("POST", "/api/v1/accounts")),
    (("POST", "/signup"), ("POST", "/api/v1/accounts")),
    (("POST", "/recover"), ("POST", "/api/v1/recover")),
    (("POST", "/your-voice"), ("POST", "/api/v1/your-voice")),
    (("POST", "/account/password"), ("PUT", "/api/v1/account/password")),
    (("POST", "/account/recovery-key"), ("POST", "/api/v1/account/recovery-key")),
    (("POST", "/account/safety"), ("PUT", "/api/v1/account/safety")),
    (("POST", "/account/reminders"), ("PUT", "/api/v1/account/reminders")),
    (("POST", "/account/delete"), ("POST", "/api/v1/account/delete")),
    (("POST", "/account/passkeys/start"), ("POST", "/api/v1/account/passkeys/start")),
    (("POST", "/account/passkeys/finish"), ("POST", "/api/v1/account/passkeys/finish")),
    (("POST", "/account/passkeys/{passkey}/remove"), ("POST", "/api/v1/account/passkeys/{passkey}/remove")),
    (("POST", "/account/two-step"), ("POST", "/api/v1/account/two-step")),
    (("POST", "/account/two-step/confirm"), ("POST", "/api/v1/account/two-step/confirm")),
    (("POST", "/account/two-step/off"), ("POST", "/api/v1/account/two-step/off")),
    (("POST", "/account/sessions/end-others"), ("POST", "/api/v1/account/sessions/end-others")),
    (("POST", "/account/sessions/{session}/end"), ("DELETE", "/api/v1/account/sessions/{session}")),
    (("POST", "/admin/invitations"), ("POST", "/api/v1/admin/invitations")),
    (("POST", "/admin/invitations/{invitation}/withdraw"), ("DELETE", "/api/v1/admin/invitations/{invitation}")),
    (("POST", "/admin/signup"), ("PUT", "/api/v1/admin/sign-up")),
    (("POST", "/admin/users/{user}/disable"), ("POST", "/api/v1/admin/accounts/{user}/disable")),
    (("POST", "/admin/users/{user}/enable"), ("POST", "/api/v1/admin/accounts/{user}/enable")),
    (("POST", "/cases"), ("POST", "/api/v1/cases")),
    (("POST", "/cases/{case}/rename"), ("PUT", "/api/v1/cases/{case}")),
    (("POST", "/cases/{case}/sharing/grants"), ("POST", "/api/v1/cases/{case}/grants")),
    (("POST", "/cases/{case}/sharing/grants/{user}/revoke"), ("DELETE", "/api/v1/cases/{case}/grants/{user}")),
    (("POST", "/cases/{case}/sharing/links"), ("POST", "/api/v1/cases/{case}/police-links")),
    (("POST", "/cases/{case}/sharing/links/{share}/revoke"), ("DELETE", "/api/v1/cases/{case}/police-links/{share}")),
    (
        ("POST", "/cases/{case}/sharing/links/{share}/refresh"),
        ("POST", "/api/v1/cases/{case}/police-links/{share}/refresh"),
    ),
    (("POST", "/cases/{case}/inbox/links"), ("POST", "/api/v1/cases/{case}/inbox-links")),
    (("POST", "/cases/{case}/inbox/links/{link}/revoke"), ("DELETE", "/api/v1/cases/{case}/inbox-links/{link}")),
    (("POST", "/cases/{case}/inbox/{submission}/accept"), ("POST", "/api/v1/cases/{case}/inbox/{submission}/accept")),
    (("POST", "/cases/{case}/inbox/{submission}/decline"), ("POST", "/api/v1/cases/{case}/inbox/{submission}/decline")),
    (("POST", "/cases/{case}/report"), ("POST", "/api/v1/cases/{case}/reports")),
    (("POST", "/cases/{case}/reports/{file}/delete"), ("DELETE", "/api/v1/cases/{case}/report-files/{file}")),
    (("POST", "/cases/{case}/content"), ("POST", "/api/v1/cases/{case}/content")),
    (("POST", "/cases/{case}/content/check"), ("POST", "/api/v1/cases/{case}/content/check")),
    (("POST", "/cases/{case}/content/scan"), ("POST", "/api/v1/cases/{case}/scans")),
    (("POST", "/cases/{case}/content/{content}/delete"), ("DELETE", "/api/v1/cases/{case}/content/{content}")),
    (("POST", "/cases/{case}/scans/{scan}/cancel"), ("DELETE", "/api/v1/cases/{case}/scans/{scan}")),
    (("POST", "/cases/{case}/fingerprinting/{job}/cancel"), ("DELETE", "/api/v1/cases/{case}/fingerprinting/{job}")),
    (("POST", "/cases/{case}/accounts"), ("POST", "/api/v1/cases/{case}/accounts")),
    (("POST", "/cases/{case}/accounts/{account}/delete"), ("DELETE", "/api/v1/cases/{case}/accounts/{account}")),
    (("POST", "/cases/{case}/copies/{copy}/confirm"), ("POST", "/api/v1/cases/{case}/copies/{copy}/confirm")),
    (("POST", "/cases/{case}/copies/{copy}/whitelist"), ("POST", "/api/v1/cases/{case}/copies/{copy}/whitelist")),
    (("POST", "/cases/{case}/captures"), ("POST", "/api/v1/cases/{case}/captures")),
    (("POST", "/cases/{case}/notices"), ("POST", "/api/v1/cases/{case}/notices")),
    (("POST", "/cases/{case}/notices/{notice}/send"), ("POST", "/api/v1/cases/{case}/notices/{notice}/send")),
    (("POST", "/cases/{case}/notices/{notice}/status"), ("POST", "/api/v1/cases/{case}/notices/{notice}/status")),
    (("POST", "/cases/{case}/rechecks"), ("POST", "/api/v1/cases/{case}/rechecks")),
    (("POST", "/cases/{case}/watch"), ("POST", "/api/v1/cases/{case}/watches")),
    (("POST", "/cases/{case}/watch/run"), ("POST", "/api/v1/cases/{case}/watches/run")),
    (("POST", "/cases/{case}/watch/{watch}/reviewed"), ("POST", "/api/v1/cases/{case}/watches/{watch}/reviewed")),
    (("POST", "/cases/{case}/watch/{watch}/delete"), ("DELETE", "/api/v1/cases/{case}/watches/{watch}")),
    (("POST", "/cases/{case}/import"), ("POST", "/api/v1/cases/{case}/imports")),
    (("POST", "/cases/{case}/import/{import}"), ("POST", "/api/v1/cases/{case}/imports/{import}")),
    (("POST", "/cases/{case}/incidents"), ("POST", "/api/v1/cases/{case}/incidents")),
    (("POST", "/cases/{case}/incidents/{incident}"), ("PUT", "/api/v1/cases/{case}/incidents/{incident}")),
    (("POST", "/cases/{case}/incidents/{incident}/delete"), ("DELETE", "/api/v1/cases/{case}/incidents/{incident}")),
    (("POST", "/cases/{case}/incidents/{incident}/evidence"), ("POST", "/api/v1/cases/{case}/evidence")),
    (("POST", "/cases/{case}/people"), ("POST", "/api/v1/cases/{case}/people")),
    (("POST", "/cases/{case}/people/{person}"), ("PUT", "/api/v1/cases/{case}/people/{person}")),
    (("POST", "/cases/{case}/people/{person}/delete"), ("DELETE", "/api/v1/cases/{case}/people/{person}")),
    (("POST", "/cases/{case}/evidence/{evidence}/attach"), ("PUT", "/api/v1/cases/{case}/evidence/{evidence}")),
    (("POST", "/cases/{case}/evidence/{evidence}/delete"), ("DELETE", "/api/v1/cases/{case}/evidence/{evidence}")),
    // What the sharing, inbox, access, account, administration and Your Voice pages show.
    (("GET", "/cases/{case}/sharing"), ("GET", "/api/v1/cases/{case}/grants")),
    (("GET", "/cases/{case}/access"), ("GET", "/api/v1/cases/{case}/access-log")),
    (("GET", "/cases/{case}/inbox"), ("GET", "/api/v1/cases/{case}/inbox")),
    (
        ("GET", "/cases/{case}/inbox/{submission}/files/{n}"),
        ("GET", "/api/v1/cases/{case}/inbox/{submission}/files/{n}"),
    ),
    (("GET", "/account"), ("GET", "/api/v1/account")),
    (("GET", "/admin"), ("GET", "/api/v1/admin/accounts")),
    (("GET", "/staff/your-voice"), ("GET", "/api/v1/your-voice")),
    (("GET", "/staff/your-voice.csv"), ("GET", "/api/v1/your-voice.csv")),
];

/// Where a page and its operation may differ in who may use them: signing out is a public
/// page (it clears a cookie whether or not it still works), and needs a session in the API.
const RULES_DIFFER: &[&str] = &["/logout"];

/// The page routes of the table that a pairing must cover: everything but what reads.
fn changes(table: &[lodge_web::RouteInfo]) -> Vec<(&'static str, String)> {
    table
        .iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/api/"))
        .map(|r| (r.method, r.path.clone()))
        .collect()
}

/// What is wrong with the pairing of `table`'s pages and operations, described by `openapi`.
fn unpaired(table: &[lodge_web::RouteInfo], openapi: &serde_json::Value) -> Vec<String> {
    let rules: HashMap<(&str, &str), Allowed> =
        table.iter().map(|r| ((r.method, r.path.as_str()), r.allowed)).collect();
    let pairs: HashMap<(&str, &str), (&str, &str)> = PAIRS.iter().copied().collect();
    let page_only: HashSet<(&str, &str)> = PAGE_ONLY.iter().map(|(m, p, _)| (*m, *p)).collect();
    let mut wrong = Vec::new();
    for (method, path) in changes(table) {
        let key = (method, path.as_str());
        if !pairs.contains_key(&key) && !page_only.contains(&key) {
            wrong.push(format!("{method} {path} changes something and has no API operation"));
        }
    }
    for &(page, (method, path)) in PAIRS {
        let Some(&page_rule) = rules.get(&page) else {
            wrong.push(format!("{} {} is paired but is not a page route", page.0, page.1));
            continue;
        };
        match rules.get(&(method, path)) {
            None => wrong.push(format!("{} {} has no API operation: {method} {path} is gone", page.0, page.1)),
            Some(&api_rule) if api_rule != page_rule && !RULES_DIFFER.contains(&page.1) => wrong.push(format!(
                "{} {} is for {} but {method} {path} is for {}",
                page.0,
                page.1,
                page_rule.name(),
                api_rule.name()
            )),
            Some(_) => {}
        }
        let described = &openapi["paths"][path][method.to_lowercase()];
        if !described.is_object() {
            wrong.push(format!("{method} {path} is not in the API description"));
        }
    }
    for (method, path) in &page_only {
        if !rules.contains_key(&(*method, *path)) {
            wrong.push(format!("{method} {path} is listed as page-only but is not a route"));
        }
    }
    wrong
}

fn openapi() -> serde_json::Value {
    serde_json::from_str(&lodge_web::openapi_json()).unwrap()
}

#[test]
fn every_page_action_has_its_api_operation_under_the_same_rule() {
    let table = lodge_web::route_table();
    let wrong = unpaired(&table, &openapi());
    assert!(wrong.is_empty(), "pages and API differ:\n{}", wrong.join("\n"));
}

#[test]
fn removing_an_api_operation_or_adding_an_unpaired_page_fails_the_pairing() {
    let table = lodge_web::route_table();
    let without: Vec<_> = table.iter().filter(|r| r.path != "/api/v1/cases/{case}/police-links").cloned().collect();
    let wrong = unpaired(&without, &openapi());
    assert!(wrong.iter().any(|w| w.contains("POST /cases/{case}/sharing/links has no API operation")), "{wrong:?}");
    let mut with_new_page = table.clone();
    with_new_page.push(lodge_web::RouteInfo {
        method: "POST",
        path: "/cases/{case}/something-new".into(),
        allowed: Allowed::CaseWrite,
        takes_files: false,
    });
    let wrong = unpaired(&with_new_page, &openapi());
    assert_eq!(wrong, ["POST /cases/{case}/something-new changes something and has no API operation"]);
}
