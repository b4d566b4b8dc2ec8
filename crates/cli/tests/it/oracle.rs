//! No account oracle: on every public route that takes a username — signing in (page and API),
//! starting a passkey sign-in, recovering an account — a name that exists and one that does not
//! get the same status, the same body (once the name she typed is set aside) and answers that a
//! test cannot tell apart by their time over 50 tries each. Sign-up must say a name is taken, so
//! it is bounded instead: an invitation says so three times, then is used up (see `limits`), and
//! sign-up without one is counted across the whole server.

use serde_json::json;

use crate::harness::{Backend, PASSWORD, Server};

/// Tries per group, each timed.
const TRIES: usize = 50;
/// Names per group: each is tried `TRIES / NAMES` times, within the per-name limit of five.
const NAMES: usize = 10;

/// How far apart two groups of times are, as the z score of a Mann–Whitney U test (ranks, so
/// one slow outlier weighs no more than any other slow answer). Past about 3.3, the chance that
/// equal routes look this different is under one in a thousand.
fn mann_whitney_z(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a.iter().map(|t| (*t, true)).chain(b.iter().map(|t| (*t, false))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut rank_sum_a = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += rank * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    (u - n1 * n2 / 2.0) / (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt()
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// One answer: status, body with the name typed set aside, and how long it took (ms).
struct Answer {
    status: u16,
    body: String,
    millis: f64,
}

/// Asks `route` about existing and unknown names side by side (so that the machine's noise falls
/// on both alike), a few pairs at once, each from its own client address; then checks that the
/// answers cannot be told apart.
async fn indistinguishable<F, Fut>(what: &str, expected: u16, existing: &[String], unknown: &[String], ask: F)
where
    F: Fn(String, String) -> Fut,
    Fut: std::future::Future<Output = (u16, String)>,
{
    let timed = |name: String, address: String| {
        let asked = ask(name.clone(), address);
        async move {
            let started = std::time::Instant::now();
            let (status, body) = asked.await;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            Answer { status, body: body.replace(&name, "NAME"), millis }
        }
    };
    let (mut real, mut made_up) = (Vec::new(), Vec::new());
    for batch in (0..TRIES).collect::<Vec<_>>().chunks(5) {
        let pairs = batch.iter().map(|n| {
            let address = |group: u8| format!("10.{group}.{}.{}", n / 200, n % 200 + 1);
            futures_util::future::join(
                timed(existing[n % NAMES].clone(), address(1)),
                timed(unknown[n % NAMES].clone(), address(2)),
            )
        });
        for (r, u) in futures_util::future::join_all(pairs).await {
            real.push(r);
            made_up.push(u);
        }
    }
    for (r, u) in real.iter().zip(&made_up) {
        assert_eq!(r.status, expected, "{what}: every try is answered, none held back");
        assert_eq!(r.status, u.status, "{what}: statuses differ");
        assert_eq!(r.body, u.body, "{what}: bodies differ");
    }
    let times = |answers: &[Answer]| answers.iter().map(|a| a.millis).collect::<Vec<_>>();
    let (a, b) = (times(&real), times(&made_up));
    let z = mann_whitney_z(&a, &b);
    eprintln!("{what}: median {:.2} ms for existing names, {:.2} ms for unknown, z = {z:.2}", median(&a), median(&b));
    assert!(z.abs() < 3.3, "{what}: times tell existing names from unknown ones (z = {z:.2})");
}

#[tokio::test]
async fn existing_and_unknown_names_answer_alike_on_every_public_route() {
    let server = Server::start_with(
        Backend::Sqlite,
        &[("LODGE_PUBLIC_URL", "http://localhost"), ("LODGE_TRUST_FORWARDED_FOR", "true")],
    )
    .await;
    let names = |prefix: &str| (0..NAMES).map(|n| format!("{prefix}{n}")).collect::<Vec<_>>();
    // Each name is counted (five tries in a quarter of an hour) across sign-ins and passkey
    // starts, so each of those routes asks about names of its own.
    let (members, keyholders, callers) = (names("member"), names("keyholder"), names("caller"));
    for name in members.iter().chain(&keyholders).chain(&callers) {
        server.add_user("survivor", name);
    }
    for name in &keyholders {
        crate::shredding::add_passkey(&server, &server.browser(name).await).await;
    }
    let client = reqwest::Client::new();
    let url = server.url.clone();
    // A body the test can compare: the sign-in ceremony's random parts set aside.
    let ceremony_shape = |body: &str| {
        let mut v: serde_json::Value = serde_json::from_str(body).unwrap();
        v["ceremony"] = json!("ID");
        v["options"]["publicKey"]["challenge"] = json!("CHALLENGE");
        v["options"]["publicKey"]["allowCredentials"][0]["id"] = json!("CREDENTIAL");
        v.to_string()
    };

    indistinguishable("signing in on the page", 401, &members, &names("stranger"), |name, address| {
        let req = client.post(format!("{url}/login")).header("x-forwarded-for", address);
        async move {
            let res = req.form(&[("username", name.as_str()), ("password", "not her password")]).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    })
    .await;
    indistinguishable("a passkey sign-in", 200, &keyholders, &names("visitor"), |name, address| {
        let req = client.post(format!("{url}/login/passkey/start")).header("x-forwarded-for", address);
        async move {
            let res = req.json(&json!({"username": name})).send().await.unwrap();
            (res.status().as_u16(), ceremony_shape(&res.text().await.unwrap()))
        }
    })
    .await;
    indistinguishable("signing in through the API", 401, &callers, &names("outsider"), |name, address| {
        let req = client.post(format!("{url}/api/v1/session")).header("x-forwarded-for", address);
        async move {
            let res = req.json(&json!({"username": name, "password": "not her password"})).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    })
    .await;
    let wrong_key = vec!["AAAA"; 13].join("-");
    indistinguishable("recovering an account", 400, &members, &names("guest"), |name, address| {
        let req = client.post(format!("{url}/recover")).header("x-forwarded-for", address);
        let form = [("username", name.clone()), ("recovery_key", wrong_key.clone()), ("password", PASSWORD.into())];
        async move {
            let res = req.form(&form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    })
    .await;
}

#[tokio::test]
async fn sign_up_without_an_invitation_is_counted_across_the_whole_server() {
    let server = Server::start_with(Backend::Sqlite, &[("LODGE_TRUST_FORWARDED_FOR", "true")]).await;
    server.add_user("administrator", "admin");
    let admin = server.browser("admin").await;
    let html = admin.get(format!("{}/admin", server.url)).send().await.unwrap().text().await.unwrap();
    let token = crate::harness::csrf(&html);
    admin
        .post(format!("{}/admin/signup", server.url))
        .form(&[("csrf", token.as_str()), ("open", "on")])
        .send()
        .await
        .unwrap();
    // Someone with many addresses asks whether names are taken: after twenty tries in a quarter
    // of an hour, from anywhere, sign-up waits.
    let mut statuses = Vec::new();
    for n in 0..24 {
        let res = reqwest::Client::new()
            .post(format!("{}/signup", server.url))
            .header("x-forwarded-for", format!("10.9.0.{}", n + 1))
            .form(&[("username", "admin"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        statuses.push((res.status().as_u16(), res.headers().contains_key("retry-after")));
    }
    assert!(statuses[..20].iter().all(|s| *s == (400, false)), "{statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == (429, true)), "{statuses:?}");
}
