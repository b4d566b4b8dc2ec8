//! Name watch: a saved search (such as "Ruby Red leaked") run against a site's search page,
//! whose address the organisation sets with `{query}` where the words go. The results are the
//! links on that page that look like results for her search: their text or address holds one
//! of the search's longer words. Nothing is fetched beyond the search page itself.

use std::collections::BTreeSet;

use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::fetch::{FetchError, Fetcher};

/// A site the organisation searches, by its search page's address with `{query}` in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchSite {
    /// The site's name, as she sees it.
    pub name: String,
    /// The search page, such as `https://tube.example/search?q={query}`.
    pub search_url: String,
}

/// A link found on a search page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// Its address.
    pub url: String,
    /// Its text (or title), as shown on the page.
    pub text: String,
}

/// The search page's address for `query`, the words percent-encoded into `{query}`.
pub fn search_address(template: &str, query: &str) -> Option<Url> {
    if !template.contains("{query}") {
        return None;
    }
    let words: String = url::form_urlencoded::byte_serialize(query.trim().as_bytes()).collect();
    Url::parse(&template.replace("{query}", &words)).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// The words that mark a result as hers: those of four letters or more, in lower case.
fn key_words(query: &str) -> Vec<String> {
    query.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4).map(str::to_lowercase).collect()
}

/// The links on a search page that look like results for `query`.
pub fn results_on_page(page: &Url, html: &str, query: &str) -> Vec<Hit> {
    let words = key_words(query);
    let doc = Html::parse_document(html);
    let Ok(links) = Selector::parse("a[href]") else { return Vec::new() };
    let mut seen = BTreeSet::new();
    let mut hits = Vec::new();
    for link in doc.select(&links) {
        let Some(url) = link.value().attr("href").and_then(|h| page.join(h).ok()) else { continue };
        if !matches!(url.scheme(), "http" | "https") || url.path() == page.path() {
            continue;
        }
        let mut text: String = link.text().collect::<Vec<_>>().join(" ");
        if text.trim().is_empty() {
            text = link.value().attr("title").unwrap_or("").to_owned();
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let haystack = format!("{} {}", text.to_lowercase(), url.as_str().to_lowercase());
        let relevant = words.iter().any(|w| haystack.contains(w.as_str()));
        let mut address = url.clone();
        address.set_fragment(None);
        if relevant && seen.insert(address.to_string()) {
            hits.push(Hit { url: address.to_string(), text: text.chars().take(300).collect() });
        }
    }
    hits
}

/// Runs `query` on a site's search page.
pub async fn search(fetcher: &Fetcher, site: &SearchSite, query: &str) -> Result<Vec<Hit>, FetchError> {
    let address = search_address(&site.search_url, query).ok_or(FetchError::NotWeb)?;
    let page = fetcher.get(&address).await?;
    Ok(results_on_page(&page.url, &String::from_utf8_lossy(&page.bytes), query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_goes_into_the_address_and_only_results_that_name_her_are_kept() {
        let url = search_address("https://tube.example/search?q={query}", "Ruby Red leaked").unwrap();
        assert_eq!(url.as_str(), "https://tube.example/search?q=Ruby+Red+leaked");
        assert!(search_address("https://tube.example/search", "x").is_none());
        assert!(search_address("javascript:{query}", "x").is_none());
        let html = r#"<a href="/">Home</a><a href="/search?q=Ruby">Search again</a>
            <a href="/v/1">Ruby Red leaked set</a><a href="/v/ruby-red-2#top"><img title="x"></a>
            <a href="/v/1">Ruby Red leaked set</a><a href="/v/3">Someone else</a><a href="mailto:ruby@x">mail</a>"#;
        let hits = results_on_page(&url, html, "Ruby Red leaked");
        let urls: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
        assert_eq!(urls, ["https://tube.example/v/1", "https://tube.example/v/ruby-red-2"]);
        assert_eq!(hits[0].text, "Ruby Red leaked set");
    }
}
