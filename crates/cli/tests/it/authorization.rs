//! Authorisation, from the route table the router is built from: every route × every role
//! (owner, support worker with a read grant, with a read-and-add grant, without a grant,
//! administrator, police link, third party with an inbox link, anonymous) × her own case and someone else's, each with the
//! answer it must get; and a second survivor gets 404 for the first one's case, incident,
//! evidence and person ids on every case route — the same answer as for ids that do not exist.

use reqwest::Method;
use serde_json::json;

use crate::harness::{Server, backends, csrf, incident, png};

pub(crate) struct Ids {
    pub case: String,
    pub incident: String,
    pub person: String,
    pub evidence: String,
}

/// A route's path with its parameters filled in from `ids` (an inbox link's token for
/// `/inbox/{token}`); parameters with no fixture get a fresh id. Also says whether it did
/// that, and adds the query a page needs to be read at all.
pub(crate) fn fill(route: &lodge_web::RouteInfo, ids: &Ids, inbox_token: &str) -> (String, bool) {
    let mut placeholders = false;
    let mut path = String::new();
    for part in route.path.split('/').skip(1) {
        let value = match part {
            "{case}" => ids.case.clone(),
            "{incident}" => ids.incident.clone(),
            "{person}" => ids.person.clone(),
            "{evidence}" => ids.evidence.clone(),
            "{token}" if route.path.starts_with("/inbox/") => inbox_token.to_owned(),
            "{n}" => "0".to_owned(),
            p if p.starts_with('{') => {
                placeholders = true;
                uuid::Uuid::new_v4().to_string()
            }
            p => p.to_owned(),
        };
        path.push('/');
        path.push_str(&value);
    }
    if path.is_empty() {
        path.push('/');
    }
    for (end, query) in [("/consistency", "?from=1"), ("/notices/new", "?site=example.com"), ("/letter", "?format=pdf")]
    {
        if route.path.ends_with(end) {
            path.push_str(query);
        }
    }
    if route.path.starts_with("/api/v1/cases/{case}/imports/") && route.method == "GET" {
        path.push_str("?file_name=x");
    }
    (path, placeholders)
}

#[tokio::test]
async fn another_survivor_gets_404_on_every_route() {
    for backend in backends().await {
        let server = Server::start(backend).await;
        server.add_user("survivor", "alice");
        server.add_user("survivor", "bob");
        let alice = server.api("alice").await;
        let case = alice.create_case("Alice's case").await;
        let person =
            alice.json(alice.post(&format!("/api/v1/cases/{case}/people")).json(&json!({"label": "@wolf"})), 201).await;
        let inc = alice.create_incident(&case, incident("first message")).await;
        let evidence = alice.upload(&case, inc["id"].as_str(), "shot.png", png(40, 40)).await;
        assert_eq!(evidence["body"]["thumbnail"], true);
        let alices = Ids {
            case: case.clone(),
            incident: inc["id"].as_str().unwrap().into(),
            person: person["id"].as_str().unwrap().into(),
            evidence: evidence["id"].as_str().unwrap().into(),
        };

        let bob = server.api("bob").await;
        let bobs_case = bob.create_case("Bob's case").await;
        let browser = server.browser("bob").await;
        let html = browser.get(format!("{}/cases", server.url)).send().await.unwrap().text().await.unwrap();
        let token = csrf(&html);
        let missing = || uuid::Uuid::new_v4().to_string();
        let id_sets = [
            ("alice's ids", clone_ids(&alices)),
            ("alice's records under bob's case", Ids { case: bobs_case.clone(), ..clone_ids(&alices) }),
            (
                "ids that do not exist",
                Ids { case: missing(), incident: missing(), person: missing(), evidence: missing() },
            ),
        ];
        // Under Bob's own case, only the routes that name one of Alice's records are checked.
        let names_a_record = |path: &str| {
            [&alices.incident, &alices.person, &alices.evidence].iter().any(|id| path.contains(id.as_str()))
        };
        let bob_api = bob.token.clone();
        for (what, ids) in &id_sets {
            let relevant = |path: &String| ids.case != bobs_case || names_a_record(path);
            for route in lodge_web::route_table().iter().filter(|r| r.path.contains("{case}")) {
                let (path, _) = fill(route, ids, "");
                if !relevant(&path) {
                    continue;
                }
                let method = Method::from_bytes(route.method.as_bytes()).unwrap();
                let mut req = browser.request(method, format!("{}{path}", server.url));
                if path.starts_with("/api/") {
                    req = req.bearer_auth(&bob_api);
                }
                let res = with_body(req, route.method, &path, route.takes_files, &token, ids).send().await.unwrap();
                assert_eq!(res.status(), 404, "{what}: {} {path}", route.method);
                if !path.starts_with("/api/") {
                    let body = res.text().await.unwrap();
                    assert!(body.contains("do not have access"), "{what}: {path} shows the plain not-found page");
                }
            }
        }

        // Nothing of Alice's changed.
        let still = alice.json(alice.get(&format!("/api/v1/cases/{case}/incidents/{}", alices.incident)), 200).await;
        assert_eq!(
            (still["version"].as_i64(), still["body"]["description"].as_str()),
            (Some(1), Some("first message"))
        );
        let files = alice.json(alice.get(&format!("/api/v1/cases/{case}/evidence")), 200).await;
        assert_eq!(files.as_array().unwrap().len(), 1);
        let bobs = bob.json(bob.get("/api/v1/cases"), 200).await;
        assert_eq!(bobs.as_array().unwrap().len(), 1);
    }
}

fn clone_ids(ids: &Ids) -> Ids {
    Ids {
        case: ids.case.clone(),
        incident: ids.incident.clone(),
        person: ids.person.clone(),
        evidence: ids.evidence.clone(),
    }
}

/// The body a request to `path` needs to get past reading it, so that what answers is the
/// access check (or the action itself).
pub(crate) fn with_body(
    req: reqwest::RequestBuilder,
    method: &str,
    path: &str,
    files: bool,
    csrf: &str,
    ids: &Ids,
) -> reqwest::RequestBuilder {
    if method == "GET" || method == "DELETE" {
        return req;
    }
    if files {
        let form =
            reqwest::multipart::Form::new().text("csrf", csrf.to_owned()).text("title", "x").text("description", "x");
        let name = if path.starts_with("/api/") { "file" } else { "files" };
        return req.multipart(form.part(name, reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt")));
    }
    if !path.starts_with("/api/") {
        // Her own password where a form asks for it, so that the account forms do not use up
        // her sign-in attempts (nothing here confirms a deletion or gives a new password).
        return req.form(&[
            ("csrf", csrf),
            ("password", crate::harness::PASSWORD),
            ("recovery_password", crate::harness::PASSWORD),
            ("passkey_password", crate::harness::PASSWORD),
            ("title", "x"),
            ("label", "x"),
            ("incident", ids.incident.as_str()),
            ("addresses", "https://example.com/"),
            ("query", "x leaked"),
            ("address", "https://fans.example/x"),
            ("page_address", "https://example.com/x"),
            ("subject_name", "x"),
            ("days", "30"),
        ]);
    }
    let body = if path.contains("/people") && method == "PUT" {
        json!({"version": 1, "body": {"label": "x"}})
    } else if path.contains("/people") {
        json!({"label": "x"})
    } else if method == "PUT" && path.contains("/evidence/") {
        json!({"incident": ids.incident})
    } else if method == "PUT" && path.contains("/incidents/") {
        json!({"version": 1, "body": incident("x")})
    } else if method == "PUT" || path == "/api/v1/cases" {
        json!({"title": "x"})
    } else if path.ends_with("/notices") {
        json!({"route": "dmca", "copies": [], "draft": {"sender": {"name": "x"}, "recipient": {"name": "x", "email": "x@x"}}})
    } else if path.ends_with("/watches") {
        json!({"query": "x leaked"})
    } else if path.ends_with("/status") {
        json!({"status": "sent"})
    } else if path.ends_with("/captures") {
        json!({"address": "https://example.com/x"})
    } else if path.ends_with("/accounts") {
        json!({"address": "https://fans.example/x"})
    } else if path.ends_with("/scans") {
        json!({"addresses": ["https://example.com/"]})
    } else if path.contains("/imports/") {
        json!({"file_name": "x"})
    } else if path.ends_with("/reports") || path.ends_with("/report-files") {
        json!({"format": "pdf", "subject_name": "x", "incidents": [ids.incident]})
    } else if path.ends_with("/session") {
        json!({"username": "nobody", "password": "not the password"})
    } else {
        incident("x")
    };
    req.json(&body)
}

/// Who is asking, in the authorisation matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    WorkerRead,
    WorkerWrite,
    WorkerWithoutGrant,
    Administrator,
    PoliceLink,
    ThirdParty,
    Anonymous,
}

/// What a request must get.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// Through the access check: the handler answered (anything but 401, 403, a redirect to
    /// sign in, or 5xx; 404 only where the address names a record that is not there).
    Through,
    /// 404, the same as for something that does not exist.
    NotFound,
    /// 403.
    Forbidden,
    /// Sign in first: a redirect to the sign-in page, or 401 from the API.
    SignIn,
}

fn expect(who: Who, allowed: lodge_web::Allowed, own_case: bool) -> Expect {
    use lodge_web::Allowed::*;
    let signed_in = !matches!(who, Who::PoliceLink | Who::ThirdParty | Who::Anonymous);
    match allowed {
        Public | ShareLink | InboxLink => Expect::Through,
        // Nobody here holds the collector's token.
        Collector => Expect::NotFound,
        _ if !signed_in => Expect::SignIn,
        SignedIn => Expect::Through,
        Survivor => {
            if who == Who::Owner {
                Expect::Through
            } else {
                Expect::Forbidden
            }
        }
        Staff => {
            if who == Who::Owner {
                Expect::Forbidden
            } else {
                Expect::Through
            }
        }
        Admin => {
            if who == Who::Administrator {
                Expect::Through
            } else {
                Expect::Forbidden
            }
        }
        CaseRead | CaseWrite | CaseOwner => {
            let holds = own_case && matches!(who, Who::Owner | Who::WorkerRead | Who::WorkerWrite);
            let may = match allowed {
                CaseRead => true,
                CaseWrite => who != Who::WorkerRead,
                _ => who == Who::Owner,
            };
            match (holds, may) {
                (false, _) => Expect::NotFound,
                (true, true) => Expect::Through,
                (true, false) => Expect::Forbidden,
            }
        }
    }
}

#[tokio::test]
async fn every_route_for_every_role_from_the_route_table() {
    let table = lodge_web::route_table();
    assert!(table.len() > 100, "the table lists every route");
    for backend in backends().await {
        let server = Server::start(backend).await;
        for (role, name) in [
            ("survivor", "alice"),
            ("survivor", "bob"),
            ("support_worker", "reader"),
            ("support_worker", "writer"),
            ("support_worker", "stranger"),
            ("administrator", "admin"),
        ] {
            server.add_user(role, name);
        }
        // Everyone signs in once (a worker's public key is made then).
        let mut apis = std::collections::HashMap::new();
        for name in ["alice", "bob", "reader", "writer", "stranger", "admin"] {
            apis.insert(name, server.api(name).await);
        }
        let fixtures = |api: &'static str| {
            let api = &apis[api];
            async move {
                let case = api.create_case("a case").await;
                let person = api
                    .json(api.post(&format!("/api/v1/cases/{case}/people")).json(&json!({"label": "@wolf"})), 201)
                    .await;
                let inc = api.create_incident(&case, incident("first message")).await;
                let evidence = api.upload(&case, inc["id"].as_str(), "shot.png", png(40, 40)).await;
                Ids {
                    case,
                    incident: inc["id"].as_str().unwrap().into(),
                    person: person["id"].as_str().unwrap().into(),
                    evidence: evidence["id"].as_str().unwrap().into(),
                }
            }
        };
        let others = fixtures("bob").await;
        let alice_browser = server.browser("alice").await;
        let roles = [
            Who::WorkerWithoutGrant,
            Who::Administrator,
            Who::Anonymous,
            Who::PoliceLink,
            Who::ThirdParty,
            Who::WorkerRead,
            Who::WorkerWrite,
            Who::Owner,
        ];
        for who in roles {
            // Each role gets a fresh case of Alice's, shared with the two workers and by a
            // police link, so what one role changes does not decide another's answer.
            let own = fixtures("alice").await;
            let sharing = format!("{}/cases/{}/sharing", server.url, own.case);
            let page = alice_browser.get(&sharing).send().await.unwrap().text().await.unwrap();
            let token = csrf(&page);
            for (worker, access) in [("reader", "read"), ("writer", "write")] {
                let res = alice_browser
                    .post(format!("{sharing}/grants"))
                    .form(&[("csrf", token.as_str()), ("username", worker), ("access", access)])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 303);
            }
            let made = alice_browser
                .post(format!("{sharing}/links"))
                .form(&[("csrf", token.as_str()), ("label", "PC Smith"), ("subject_name", "Alice"), ("days", "30")])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let link_start = made.find("/shared#").unwrap() + "/shared#".len();
            let share_token = made[link_start..].split(['"', '<']).next().unwrap().to_owned();
            let inbox = format!("{}/cases/{}/inbox/links", server.url, own.case);
            let made = alice_browser
                .post(inbox)
                .form(&[("csrf", token.as_str()), ("inbox_label", "Sam")])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let link_start = made.find("/inbox/").unwrap() + "/inbox/".len();
            let inbox_token = made[link_start..].split(['"', '<']).next().unwrap().to_owned();
            let user = match who {
                Who::Owner => Some("alice"),
                Who::WorkerRead => Some("reader"),
                Who::WorkerWrite => Some("writer"),
                Who::WorkerWithoutGrant => Some("stranger"),
                Who::Administrator => Some("admin"),
                Who::PoliceLink | Who::ThirdParty | Who::Anonymous => None,
            };
            let (browser, bearer, form_token) = match user {
                Some(name) => {
                    let b = server.browser(name).await;
                    let html = b.get(format!("{}/account", server.url)).send().await.unwrap().text().await.unwrap();
                    let t = csrf(&html);
                    (b, Some(apis[name].token.clone()), t)
                }
                None => (crate::harness::browser_client(), None, String::new()),
            };
            // Reading first, then changes, then deletions, so a deletion does not decide
            // what a later request finds; what ends sessions comes last of all.
            let ends_sessions = |r: &lodge_web::RouteInfo| {
                r.path == "/logout"
                    || r.path == "/exit"
                    || r.path.contains("/account/sessions/")
                    || r.path.ends_with("/session") && r.method == "DELETE"
            };
            let mut routes: Vec<&lodge_web::RouteInfo> = table.iter().filter(|r| !ends_sessions(r)).collect();
            routes.sort_by_key(|r| {
                (r.method != "GET", r.method == "DELETE" || r.path.ends_with("/delete") || r.path.ends_with("/revoke"))
            });
            let mut enders: Vec<&lodge_web::RouteInfo> = table.iter().filter(|r| ends_sessions(r)).collect();
            // One session, then her others from a page (which ends the API's), then from the
            // API (which ends the page's), then the API's own, then the page's own.
            enders.sort_by_key(|r| match r.path.as_str() {
                "/account/sessions/end-others" => 1,
                "/api/v1/account/sessions/end-others" => 2,
                "/api/v1/session" => 3,
                "/logout" | "/exit" => 4,
                _ => 0,
            });
            for (own_case, routes) in [(true, &routes), (false, &routes), (true, &enders)] {
                let ids = if own_case { &own } else { &others };
                // The page's "sign out everywhere else" ends the API's session: the API's own
                // requests after it sign in again, once.
                let mut fresh: Option<String> = None;
                for &route in routes {
                    let (path, placeholders) = fill(route, ids, &inbox_token);
                    let method = reqwest::Method::from_bytes(route.method.as_bytes()).unwrap();
                    let mut req = browser.request(method, format!("{}{path}", server.url));
                    if let ("/api/v1/account/sessions/end-others", Some(name)) = (route.path.as_str(), user) {
                        fresh = Some(server.api(name).await.token);
                    }
                    if let (true, Some(token)) = (path.starts_with("/api/"), fresh.as_ref().or(bearer.as_ref())) {
                        req = req.bearer_auth(token);
                    }
                    let files = route.takes_files;
                    let req = if path.starts_with("/shared") && route.method == "POST" {
                        // A police link's secret travels in the form.
                        req.form(&[("link", share_token.as_str())])
                    } else {
                        with_body(req, route.method, &path, files, &form_token, ids)
                    };
                    let res = req.send().await.unwrap();
                    let status = res.status().as_u16();
                    let to_login = res
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .is_some_and(|l| l.starts_with("/login"));
                    let wanted = expect(who, route.allowed, own_case);
                    let what = format!(
                        "{who:?} on {} case: {} {} ({:?}) gave {status} {:?}",
                        if own_case { "her own" } else { "someone else's" },
                        route.method,
                        route.path,
                        route.allowed,
                        res.headers().get("location"),
                    );
                    assert!(status < 500, "{what}");
                    match wanted {
                        Expect::NotFound => assert_eq!(status, 404, "{what}"),
                        Expect::Forbidden => assert_eq!(status, 403, "{what}"),
                        Expect::SignIn => assert!(status == 401 || to_login, "{what}"),
                        Expect::Through => {
                            let destructive = route.method == "DELETE"
                                || ["/delete", "/revoke", "/cancel"].iter().any(|end| route.path.ends_with(end));
                            // A public form answers wrong details with 401 or sends her back to it.
                            let public = route.allowed == lodge_web::Allowed::Public;
                            assert!(!matches!(status, 403 | 405), "{what}");
                            assert!(public || status != 401 && !to_login, "{what}");
                            assert!(
                                status != 404 || placeholders || destructive || route.path.starts_with("/join/"),
                                "{what}"
                            );
                        }
                    }
                }
            }
        }
    }
}
