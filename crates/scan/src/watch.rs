//! Name watch: a saved search (such as "Ruby Red leaked") run against a site's search page,
//! whose address the organisation sets with `{query}` where the words go, and the pages after
//! it that its "Next" link leads to (up to [`MAX_PAGES`], on the same site). The results are
//! the links that carry her search words as a phrase — two of them together in her order, or
//! the one word of a one-word search — in their text, title or address; a navigation or
//! category link ("Leaked", "Ruby") is not a result. Nothing else is fetched. With a browser,
//! each results page is read as it renders, so results a site draws with scripts count too.

use std::collections::BTreeSet;

use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::browser::Browser;
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

/// Search pages read for one search: the first and the pages after it.
pub const MAX_PAGES: usize = 5;

/// Lower-case words of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `text` carries the search as a phrase: two of its words together in its order, or
/// its only word.
fn carries(search: &[String], text: &str) -> bool {
    let text = words(text);
    match search {
        [] => false,
        [one] => text.contains(one),
        _ => search.windows(2).any(|pair| text.windows(2).any(|w| w == pair)),
    }
}

/// The links on a search page that look like results for `query`.
pub fn results_on_page(page: &Url, html: &str, query: &str) -> Vec<Hit> {
    results_in(page, &Html::parse_document(html), query)
}

fn results_in(page: &Url, doc: &Html, query: &str) -> Vec<Hit> {
    let search = words(query);
    let Ok(links) = Selector::parse("a[href]") else { return Vec::new() };
    let mut seen = BTreeSet::new();
    let mut hits = Vec::new();
    for link in doc.select(&links) {
        let Some(url) = link.value().attr("href").and_then(|h| page.join(h).ok()) else { continue };
        if !matches!(url.scheme(), "http" | "https") || url.path() == page.path() {
            continue;
        }
        let text = link.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
        let title = link.value().attr("title").unwrap_or("");
        let relevant = carries(&search, &text) || carries(&search, title) || carries(&search, url.path());
        let mut address = url.clone();
        address.set_fragment(None);
        if relevant && seen.insert(address.to_string()) {
            let shown = if text.is_empty() { title } else { &text };
            hits.push(Hit { url: address.to_string(), text: shown.chars().take(300).collect() });
        }
    }
    hits
}

/// The page after this one, where the page links to it on the same site (`rel="next"`, or a
/// link whose whole text says next).
pub fn next_page(page: &Url, html: &str) -> Option<Url> {
    next_in(page, &Html::parse_document(html))
}

fn next_in(page: &Url, doc: &Html) -> Option<Url> {
    let marked = Selector::parse("a[rel~=next][href], link[rel~=next][href]").ok()?;
    let anchors = Selector::parse("a[href]").ok()?;
    let says_next = |text: &str| {
        let text = text.trim().trim_matches(|c: char| matches!(c, '»' | '›' | '→' | '>') || c.is_whitespace());
        text.is_empty() || ["next", "next page", "older", "more results"].contains(&text.to_lowercase().as_str())
    };
    let href = doc
        .select(&marked)
        .next()
        .or_else(|| {
            doc.select(&anchors).find(|a| {
                let text: String = a.text().collect();
                !text.trim().is_empty() && says_next(&text)
            })
        })?
        .value()
        .attr("href")?;
    let next = page.join(href).ok()?;
    (next.host_str() == page.host_str() && next != *page).then_some(next)
}

/// Runs `query` on a site's search page and the pages after it.
pub async fn search(fetcher: &Fetcher, site: &SearchSite, query: &str) -> Result<Vec<Hit>, FetchError> {
    search_with(fetcher, site, query, None).await
}

/// [`search`], reading each results page as `browser` renders it when there is one (sites that
/// draw their results with scripts show nothing otherwise).
pub async fn search_with(
    fetcher: &Fetcher,
    site: &SearchSite,
    query: &str,
    browser: Option<&Browser>,
) -> Result<Vec<Hit>, FetchError> {
    let mut address = search_address(&site.search_url, query).ok_or(FetchError::NotWeb)?;
    let mut hits: Vec<Hit> = Vec::new();
    let mut read = BTreeSet::new();
    for _ in 0..MAX_PAGES {
        if !read.insert(address.to_string()) {
            break;
        }
        let page = fetcher.get(&address).await?;
        let rendered = match browser {
            Some(browser) => browser.render(fetcher, &page).await.ok().map(|r| r.html),
            None => None,
        };
        // Parsed once, for its results and its next page.
        let doc = Html::parse_document(&rendered.unwrap_or_else(|| String::from_utf8_lossy(&page.bytes).into_owned()));
        for hit in results_in(&page.url, &doc, query) {
            if !hits.iter().any(|h| h.url == hit.url) {
                hits.push(hit);
            }
        }
        match next_in(&page.url, &doc) {
            Some(next) => address = next,
            None => break,
        }
    }
    Ok(hits)
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
            <a href="/v/1">Ruby Red leaked set</a><a href="/v/3">Someone else</a><a href="mailto:ruby@x">mail</a>
            <a href="/category/leaked">Leaked</a><a href="/tag/ruby">Ruby</a><a href="/category/fake">Fake</a>
            <a href="/v/4" title="RUBY RED – fake">thumbnail</a><a href="/v/5">Red Ruby set</a>"#;
        let hits = results_on_page(&url, html, "Ruby Red leaked");
        let urls: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
        assert_eq!(urls, ["https://tube.example/v/1", "https://tube.example/v/ruby-red-2", "https://tube.example/v/4"]);
        assert_eq!(hits[0].text, "Ruby Red leaked set");
        // A one-word search is that word, whole.
        let hits = results_on_page(&url, r#"<a href="/v/1">RubyRed solo</a><a href="/v/2">Rubyredd</a>"#, "RubyRed");
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn the_next_page_is_followed_on_the_same_site_only() {
        let page = Url::parse("https://tube.example/search?q=ruby").unwrap();
        let next = |html: &str| next_page(&page, html).map(|u| u.to_string());
        assert_eq!(
            next(r#"<a href="?q=ruby&p=2" rel="next">2</a>"#).as_deref(),
            Some("https://tube.example/search?q=ruby&p=2")
        );
        assert_eq!(
            next(r#"<a href="/search?q=ruby&p=2">Next »</a>"#).as_deref(),
            Some("https://tube.example/search?q=ruby&p=2")
        );
        assert_eq!(next(r#"<a href="/s/2">›</a>"#).as_deref(), Some("https://tube.example/s/2"));
        assert_eq!(
            next(r#"<a href="https://elsewhere.example/p2">Next</a>"#),
            None,
            "another site is not its next page"
        );
        assert_eq!(next(r#"<a href="/v/1">Next level content</a>"#), None);
        assert_eq!(next(r#"<a href="/search?q=ruby" rel="next">Next</a>"#), None, "the same page again is not next");
    }
}
