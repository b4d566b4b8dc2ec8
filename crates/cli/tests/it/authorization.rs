//! Authorisation: a second survivor gets 404 for the first one's case, incident, evidence and
//! person ids on every route, pages and API — the same answer as for ids that do not exist.

use reqwest::Method;
use serde_json::json;

use crate::harness::{Server, backends, csrf, incident, png};

struct Ids {
    case: String,
    incident: String,
    person: String,
    evidence: String,
}

fn page_routes(ids: &Ids) -> Vec<(Method, String)> {
    let Ids { case: c, incident: i, person: p, evidence: e } = ids;
    let get = |path: String| (Method::GET, path);
    let post = |path: String| (Method::POST, path);
    vec![
        get(format!("/cases/{c}")),
        get(format!("/cases/{c}/incidents/new")),
        get(format!("/cases/{c}/incidents/{i}")),
        get(format!("/cases/{c}/incidents/{i}/edit")),
        get(format!("/cases/{c}/incidents/{i}/history")),
        get(format!("/cases/{c}/incidents/{i}/delete")),
        get(format!("/cases/{c}/people")),
        get(format!("/cases/{c}/people/new")),
        get(format!("/cases/{c}/people/{p}")),
        get(format!("/cases/{c}/people/{p}/edit")),
        get(format!("/cases/{c}/evidence/{e}")),
        get(format!("/cases/{c}/evidence/{e}/content")),
        get(format!("/cases/{c}/evidence/{e}/thumbnail")),
        get(format!("/cases/{c}/log")),
        get(format!("/cases/{c}/report")),
        post(format!("/cases/{c}/report")),
        post(format!("/cases/{c}/rename")),
        post(format!("/cases/{c}/incidents")),
        post(format!("/cases/{c}/incidents/{i}")),
        post(format!("/cases/{c}/incidents/{i}/evidence")),
        post(format!("/cases/{c}/incidents/{i}/delete")),
        post(format!("/cases/{c}/people")),
        post(format!("/cases/{c}/people/{p}")),
        post(format!("/cases/{c}/people/{p}/delete")),
        post(format!("/cases/{c}/evidence/{e}/attach")),
        post(format!("/cases/{c}/evidence/{e}/delete")),
        get(format!("/cases/{c}/import")),
        post(format!("/cases/{c}/import")),
        post(format!("/cases/{c}/import/{e}")),
        get(format!("/cases/{c}/content")),
        post(format!("/cases/{c}/content")),
        post(format!("/cases/{c}/content/scan")),
        post(format!("/cases/{c}/content/check")),
        post(format!("/cases/{c}/content/{e}/delete")),
        get(format!("/cases/{c}/content/{e}/thumbnail")),
        post(format!("/cases/{c}/scans/{e}/cancel")),
        post(format!("/cases/{c}/accounts")),
        post(format!("/cases/{c}/accounts/{e}/delete")),
        get(format!("/cases/{c}/copies")),
        post(format!("/cases/{c}/copies/{e}/confirm")),
        post(format!("/cases/{c}/copies/{e}/whitelist")),
        get(format!("/cases/{c}/copies/{e}/thumbnail")),
        get(format!("/cases/{c}/notices")),
        post(format!("/cases/{c}/notices")),
        get(format!("/cases/{c}/notices/new?site=example.com")),
        get(format!("/cases/{c}/notices/{e}")),
        get(format!("/cases/{c}/notices/{e}/letter?format=pdf")),
        post(format!("/cases/{c}/notices/{e}/send")),
        post(format!("/cases/{c}/notices/{e}/status")),
        post(format!("/cases/{c}/rechecks")),
        get(format!("/cases/{c}/watch")),
        post(format!("/cases/{c}/watch")),
        post(format!("/cases/{c}/watch/run")),
        post(format!("/cases/{c}/watch/{e}/reviewed")),
        post(format!("/cases/{c}/watch/{e}/delete")),
    ]
}

fn api_routes(ids: &Ids) -> Vec<(Method, String)> {
    let Ids { case: c, incident: i, person: p, evidence: e } = ids;
    vec![
        (Method::GET, format!("/api/v1/cases/{c}")),
        (Method::PUT, format!("/api/v1/cases/{c}")),
        (Method::GET, format!("/api/v1/cases/{c}/incidents")),
        (Method::POST, format!("/api/v1/cases/{c}/incidents")),
        (Method::GET, format!("/api/v1/cases/{c}/incidents/{i}")),
        (Method::PUT, format!("/api/v1/cases/{c}/incidents/{i}")),
        (Method::DELETE, format!("/api/v1/cases/{c}/incidents/{i}")),
        (Method::GET, format!("/api/v1/cases/{c}/incidents/{i}/history")),
        (Method::GET, format!("/api/v1/cases/{c}/evidence")),
        (Method::POST, format!("/api/v1/cases/{c}/evidence")),
        (Method::GET, format!("/api/v1/cases/{c}/evidence/{e}")),
        (Method::PUT, format!("/api/v1/cases/{c}/evidence/{e}")),
        (Method::DELETE, format!("/api/v1/cases/{c}/evidence/{e}")),
        (Method::GET, format!("/api/v1/cases/{c}/evidence/{e}/content")),
        (Method::GET, format!("/api/v1/cases/{c}/evidence/{e}/thumbnail")),
        (Method::GET, format!("/api/v1/cases/{c}/people")),
        (Method::POST, format!("/api/v1/cases/{c}/people")),
        (Method::GET, format!("/api/v1/cases/{c}/people/{p}")),
        (Method::PUT, format!("/api/v1/cases/{c}/people/{p}")),
        (Method::DELETE, format!("/api/v1/cases/{c}/people/{p}")),
        (Method::GET, format!("/api/v1/cases/{c}/checkpoint")),
        (Method::GET, format!("/api/v1/cases/{c}/checkpoint/consistency?from=1")),
        (Method::POST, format!("/api/v1/cases/{c}/reports")),
        (Method::POST, format!("/api/v1/cases/{c}/imports")),
        (Method::GET, format!("/api/v1/cases/{c}/imports/{e}?file_name=x")),
        (Method::POST, format!("/api/v1/cases/{c}/imports/{e}")),
        (Method::DELETE, format!("/api/v1/cases/{c}/imports/{e}")),
        (Method::GET, format!("/api/v1/cases/{c}/content")),
        (Method::POST, format!("/api/v1/cases/{c}/content")),
        (Method::GET, format!("/api/v1/cases/{c}/content/hash-list")),
        (Method::DELETE, format!("/api/v1/cases/{c}/content/{e}")),
        (Method::POST, format!("/api/v1/cases/{c}/scans")),
        (Method::POST, format!("/api/v1/cases/{c}/content/check")),
        (Method::GET, format!("/api/v1/cases/{c}/scans")),
        (Method::GET, format!("/api/v1/cases/{c}/scans/{e}")),
        (Method::DELETE, format!("/api/v1/cases/{c}/scans/{e}")),
        (Method::GET, format!("/api/v1/cases/{c}/content/{e}/thumbnail")),
        (Method::GET, format!("/api/v1/cases/{c}/copies")),
        (Method::POST, format!("/api/v1/cases/{c}/copies/{e}/confirm")),
        (Method::POST, format!("/api/v1/cases/{c}/copies/{e}/whitelist")),
        (Method::GET, format!("/api/v1/cases/{c}/copies/{e}/thumbnail")),
        (Method::GET, format!("/api/v1/cases/{c}/accounts")),
        (Method::POST, format!("/api/v1/cases/{c}/accounts")),
        (Method::DELETE, format!("/api/v1/cases/{c}/accounts/{e}")),
        (Method::GET, format!("/api/v1/cases/{c}/notices")),
        (Method::POST, format!("/api/v1/cases/{c}/notices")),
        (Method::GET, format!("/api/v1/cases/{c}/notices/{e}")),
        (Method::GET, format!("/api/v1/cases/{c}/notices/{e}/letter")),
        (Method::POST, format!("/api/v1/cases/{c}/notices/{e}/send")),
        (Method::POST, format!("/api/v1/cases/{c}/notices/{e}/status")),
        (Method::POST, format!("/api/v1/cases/{c}/rechecks")),
        (Method::GET, format!("/api/v1/cases/{c}/sites")),
        (Method::GET, format!("/api/v1/cases/{c}/watches")),
        (Method::POST, format!("/api/v1/cases/{c}/watches")),
        (Method::POST, format!("/api/v1/cases/{c}/watches/run")),
        (Method::DELETE, format!("/api/v1/cases/{c}/watches/{e}")),
        (Method::POST, format!("/api/v1/cases/{c}/watches/{e}/reviewed")),
    ]
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
        for (what, ids) in &id_sets {
            let relevant = |path: &String| ids.case != bobs_case || names_a_record(path);
            for (method, path) in page_routes(ids).into_iter().filter(|(_, p)| relevant(p)) {
                let mut req = browser.request(method.clone(), format!("{}{path}", server.url));
                if method == Method::POST {
                    let form = reqwest::multipart::Form::new()
                        .text("csrf", token.clone())
                        .text("title", "x")
                        .text("description", "x");
                    req = if path.ends_with("/incidents")
                        || path.ends_with("/import")
                        || path.ends_with("/content")
                        || path.ends_with("/check")
                        || path.contains("/incidents/") && !path.ends_with("/delete")
                    {
                        req.multipart(
                            form.part("files", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt")),
                        )
                    } else {
                        req.form(&[
                            ("csrf", token.as_str()),
                            ("title", "x"),
                            ("label", "x"),
                            ("incident", ids.incident.as_str()),
                        ])
                    };
                }
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 404, "{what}: page {method} {path}");
                let body = res.text().await.unwrap();
                assert!(body.contains("do not have access"), "{what}: {path} shows the plain not-found page");
            }
            for (method, path) in api_routes(ids).into_iter().filter(|(_, p)| relevant(p)) {
                let mut req =
                    bob.client.request(method.clone(), format!("{}{path}", server.url)).bearer_auth(&bob.token);
                if (path.ends_with("/evidence")
                    || path.ends_with("/imports")
                    || path.ends_with("/content")
                    || path.ends_with("/check"))
                    && method == Method::POST
                {
                    req = req.multipart(
                        reqwest::multipart::Form::new()
                            .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x")),
                    );
                } else if path.contains("/people") && method != Method::GET {
                    req = req.json(&json!({"version": 1, "body": {"label": "x"}, "label": "x"}));
                } else if method == Method::PUT && path.contains("/evidence/") {
                    req = req.json(&json!({"incident": ids.incident}));
                } else if method == Method::PUT && path.contains("/incidents/") {
                    req = req.json(&json!({"version": 1, "body": incident("x")}));
                } else if method == Method::PUT {
                    req = req.json(&json!({"title": "x"}));
                } else if path.ends_with("/notices") && method == Method::POST {
                    req = req.json(&json!({"route": "dmca", "copies": [], "draft": {"sender": {"name": "x"}, "recipient": {"name": "x", "email": "x@x"}}}));
                } else if path.ends_with("/watches") && method == Method::POST {
                    req = req.json(&json!({"query": "x leaked"}));
                } else if path.ends_with("/status") {
                    req = req.json(&json!({"status": "sent"}));
                } else if path.ends_with("/accounts") && method == Method::POST {
                    req = req.json(&json!({"address": "https://fans.example/x"}));
                } else if path.ends_with("/scans") && method == Method::POST {
                    req = req.json(&json!({"addresses": ["https://example.com/"]}));
                } else if path.contains("/imports/") && method == Method::POST {
                    req = req.json(&json!({"file_name": "x"}));
                } else if path.ends_with("/reports") {
                    req = req.json(&json!({"format": "bundle", "subject_name": "x", "incidents": [ids.incident]}));
                } else if method == Method::POST && path.contains("/incidents") {
                    req = req.json(&incident("x"));
                }
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 404, "{what}: API {method} {path}");
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
fn with_body(
    req: reqwest::RequestBuilder,
    method: &str,
    path: &str,
    files: bool,
    csrf: &str,
    ids: &Ids,
) -> reqwest::RequestBuilder {
    if method == "GET" {
        return req;
    }
    if files {
        let form =
            reqwest::multipart::Form::new().text("csrf", csrf.to_owned()).text("title", "x").text("description", "x");
        let name = if path.starts_with("/api/") { "file" } else { "files" };
        return req.multipart(form.part(name, reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt")));
    }
    if !path.starts_with("/api/") {
        return req.form(&[
            ("csrf", csrf),
            ("title", "x"),
            ("label", "x"),
            ("incident", ids.incident.as_str()),
            ("addresses", "https://example.com/"),
            ("query", "x leaked"),
            ("address", "https://fans.example/x"),
            ("subject_name", "x"),
            ("days", "30"),
        ]);
    }
    let body = if path.contains("/people") {
        json!({"version": 1, "body": {"label": "x"}, "label": "x"})
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
    } else if path.ends_with("/accounts") {
        json!({"address": "https://fans.example/x"})
    } else if path.ends_with("/scans") {
        json!({"addresses": ["https://example.com/"]})
    } else if path.contains("/imports/") {
        json!({"file_name": "x"})
    } else if path.ends_with("/reports") {
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
    let signed_in = !matches!(who, Who::PoliceLink | Who::Anonymous);
    match allowed {
        Public | ShareLink => Expect::Through,
        _ if !signed_in => Expect::SignIn,
        SignedIn => Expect::Through,
        Survivor => {
            if who == Who::Owner {
                Expect::Through
            } else {
                Expect::Forbidden
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
            let link_start = made.find("/shared/").unwrap() + "/shared/".len();
            let share_token = made[link_start..].split('"').next().unwrap().to_owned();
            let user = match who {
                Who::Owner => Some("alice"),
                Who::WorkerRead => Some("reader"),
                Who::WorkerWrite => Some("writer"),
                Who::WorkerWithoutGrant => Some("stranger"),
                Who::Administrator => Some("admin"),
                Who::PoliceLink | Who::Anonymous => None,
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
            // what a later request finds.
            let mut routes = table.clone();
            routes.sort_by_key(|r| {
                (r.method != "GET", r.method == "DELETE" || r.path.ends_with("/delete") || r.path.ends_with("/revoke"))
            });
            for own_case in [true, false] {
                let ids = if own_case { &own } else { &others };
                for route in &routes {
                    if route.path == "/logout"
                        || route.path == "/exit"
                        || route.path.ends_with("/session") && route.method == "DELETE"
                    {
                        continue; // ending the session is checked in the accounts tests
                    }
                    let mut placeholders = false;
                    let mut path = String::new();
                    for part in route.path.split('/').skip(1) {
                        let value = match part {
                            "{case}" => ids.case.clone(),
                            "{incident}" => ids.incident.clone(),
                            "{person}" => ids.person.clone(),
                            "{evidence}" => ids.evidence.clone(),
                            "{token}" if route.path.starts_with("/shared/") => share_token.clone(),
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
                    // Queries some pages need to be read at all.
                    for (end, query) in
                        [("/consistency", "?from=1"), ("/notices/new", "?site=example.com"), ("/letter", "?format=pdf")]
                    {
                        if route.path.ends_with(end) {
                            path.push_str(query);
                        }
                    }
                    if route.path.starts_with("/api/v1/cases/{case}/imports/") && route.method == "GET" {
                        path.push_str("?file_name=x");
                    }
                    let method = reqwest::Method::from_bytes(route.method.as_bytes()).unwrap();
                    let mut req = browser.request(method, format!("{}{path}", server.url));
                    if let (true, Some(token)) = (path.starts_with("/api/"), &bearer) {
                        req = req.bearer_auth(token);
                    }
                    let files = route.takes_files;
                    let res = with_body(req, route.method, &path, files, &form_token, ids).send().await.unwrap();
                    let status = res.status().as_u16();
                    let to_login = res
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .is_some_and(|l| l.starts_with("/login"));
                    let wanted = expect(who, route.allowed, own_case);
                    let what = format!(
                        "{who:?} on {} case: {} {} ({:?}) gave {status}",
                        if own_case { "her own" } else { "someone else's" },
                        route.method,
                        route.path,
                        route.allowed
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
