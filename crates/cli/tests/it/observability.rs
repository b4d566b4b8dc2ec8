//! What an operator watches: `/healthz`, Prometheus metrics at `/metrics` (only with the
//! collector's token, off without one; routes as templates, never ids or anything typed), and
//! logs as one JSON object a line.

use crate::harness::{Server, backends};

#[tokio::test]
async fn metrics_count_routes_by_template_and_logs_are_json_lines() {
    let backend = backends().await.remove(0);
    let server = Server::start_with(backend, &[("LODGE_LOG_FORMAT", "json")]).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Metrics").await;
    api.json(api.get(&format!("/api/v1/cases/{case}")), 200).await;
    api.json(api.get(&format!("/api/v1/cases/{}", uuid::Uuid::new_v4())), 404).await;
    let health = reqwest::get(format!("{}/healthz", server.url)).await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let nowhere = reqwest::get(format!("{}/no/such/page", server.url)).await.unwrap();
    assert_eq!(nowhere.status(), 404);

    // Not served to anyone without the collector's token.
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{}/metrics", server.url)).send().await.unwrap().status(), 404);
    let wrong = client.get(format!("{}/metrics", server.url)).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let res = client.get(format!("{}/metrics", server.url)).bearer_auth(crate::harness::METRICS_TOKEN).send().await;
    let res = res.unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let metrics = res.text().await.unwrap();
    for line in [
        r#"lodge_http_requests_total{method="GET",route="/api/v1/cases/{case}",status="200"} 1"#,
        r#"lodge_http_requests_total{method="GET",route="/api/v1/cases/{case}",status="404"} 1"#,
        r#"lodge_http_requests_total{method="POST",route="/api/v1/cases",status="201"} 1"#,
        r#"lodge_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"lodge_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/{case}"} 2"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    assert!(!metrics.contains(&case), "no id in a label");
    assert!(metrics.ends_with("# EOF\n"));

    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(log.contains("listening"), "{log}");
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["level"].is_string() && event["timestamp"].is_string(), "{line}");
    }
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let server = Server::start_with(crate::harness::Backend::Sqlite, &[("LODGE_METRICS_TOKEN", "")]).await;
    let res = reqwest::Client::new()
        .get(format!("{}/metrics", server.url))
        .bearer_auth(crate::harness::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "no token configured: no metrics on the public address");
}
