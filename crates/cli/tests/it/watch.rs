//! Name watch: a saved search runs on the organisation's search page (a local site here), and
//! each run lists only the results that are new since the last one.

use serde_json::{Value, json};

use crate::harness::{Api, Server, backends};
use lodge_testkit::site::serve;

async fn watches(api: &Api, case: &str) -> Value {
    api.json(api.get(&format!("/api/v1/cases/{case}/watches")), 200).await
}

/// Waits until the search has run `runs` times in all.
async fn wait_for_run(api: &Api, case: &str, after: Option<&str>) -> Value {
    for _ in 0..600 {
        let w = watches(api, case).await;
        let last = w[0]["body"]["last_run"].as_str();
        if last.is_some() && last != after {
            return w;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the search did not run");
}

fn results(w: &Value) -> Vec<(String, bool)> {
    w[0]["body"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned(), r["reviewed"].as_bool().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_saved_search_lists_what_is_new_since_the_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let page = |links: &str| format!("<a href=\"/\">Home</a><a href=\"/search.html?q=x\">Again</a>{links}");
    // Results over two pages, with navigation and category links that are not results.
    let first = "<a href=\"/v/1\">Ruby Red leaked set</a><a href=\"/v/ruby-red-2\">new upload</a><a href=\"/v/9\">Other girl</a>\
        <a href=\"/category/leaked\">Leaked</a><a href=\"/tag/ruby\">Ruby</a><a href=\"/page2.html\">Next »</a>";
    std::fs::write(dir.path().join("search.html"), page(first)).unwrap();
    std::fs::write(dir.path().join("page2.html"), page("<a href=\"/v/8\">Ruby Red behind the scenes</a>")).unwrap();
    let files = dir.path().to_owned();
    let site = serve(dir);
    let sites = format!("[{{name=\"Local tube\", search_url=\"{}search.html?q={{query}}\"}}]", site.url);
    for backend in backends().await {
        std::fs::write(files.join("search.html"), page(first)).unwrap();
        let server = Server::start_with(
            backend,
            &[("LODGE_SCAN_ALLOW_PRIVATE", "true"), ("LODGE_SCAN_INTERVAL_MS", "0"), ("LODGE_WATCH_SITES", &sites)],
        )
        .await;
        server.add_user("survivor", "ruby");
        let api = server.api("ruby").await;
        let case = api.create_case("Leaks").await;
        let empty =
            api.json(api.post(&format!("/api/v1/cases/{case}/watches")).json(&json!({"query": " "})), 422).await;
        assert!(empty.to_string().contains("stage name"));
        let id = api
            .json(api.post(&format!("/api/v1/cases/{case}/watches")).json(&json!({"query": "Ruby Red leaked"})), 201)
            .await;
        let id = id.as_str().unwrap().to_owned();

        let w = wait_for_run(&api, &case, None).await;
        assert_eq!(
            results(&w),
            [("1".to_owned(), false), ("ruby-red-2".to_owned(), false), ("8".to_owned(), false)],
            "every page read, no category or navigation link listed"
        );
        assert_eq!(w[0]["body"]["results"][0]["site"], "Local tube");
        let last = w[0]["body"]["last_run"].as_str().unwrap().to_owned();
        api.json(api.post(&format!("/api/v1/cases/{case}/watches/{id}/reviewed")), 204).await;

        // A new result appears on the site; the next run lists only that one as new.
        let more = format!("{first}<a href=\"/v/7\">RUBY RED fake</a>");
        std::fs::write(files.join("search.html"), page(&more)).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        api.json(api.post(&format!("/api/v1/cases/{case}/watches/run")), 202).await;
        let w = wait_for_run(&api, &case, Some(&last)).await;
        assert_eq!(
            results(&w),
            [("1".to_owned(), true), ("ruby-red-2".to_owned(), true), ("8".to_owned(), true), ("7".to_owned(), false)],
        );

        let browser = server.browser("ruby").await;
        let html =
            browser.get(format!("{}/cases/{case}/watch", server.url)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("1 new since you last looked") && html.contains("RUBY RED fake"), "{html}");
        assert!(html.contains("Look for copies of my content here") && html.contains("Sites searched: Local tube"));
        api.json(api.delete(&format!("/api/v1/cases/{case}/watches/{id}")), 204).await;
        assert_eq!(watches(&api, &case).await.as_array().unwrap().len(), 0);
    }
}
