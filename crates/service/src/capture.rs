//! Capturing a public page she names (a post, a profile) into her case, the way a found copy
//! is kept: fetched by the scan's fetcher, rendered by the browser where one is installed, and
//! kept as an incident with the page as fetched, a screenshot of it as shown and a web archive
//! of it and every file it loaded — each an evidence file whose SHA-256 her log holds — so what
//! she saw outlives its takedown.

use jiff::tz::TimeZone;
use lodge_domain::{Incident, IncidentId, When};
use url::Url;

use crate::ServiceError;
use crate::case::OpenCase;

impl OpenCase {
    /// Captures the page at `address` into a new incident, and says which.
    pub async fn capture_page(&self, address: &str) -> Result<IncidentId, ServiceError> {
        self.may_write()?;
        let url =
            Url::parse(address.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https")).ok_or_else(|| {
                ServiceError::invalid("address", "Write the page's full address, starting with https://.")
            })?;
        let fetcher = self.lodge().fetcher()?;
        let page = fetcher.get(&url).await.map_err(|e| {
            ServiceError::invalid(
                "address",
                &format!("This page could not be fetched ({e}). Check the address and try again."),
            )
        })?;
        let mut problems = Vec::new();
        let browser = self.lodge().browser(&mut problems).await;
        let rendered = match &browser {
            Some(browser) => browser.render(&fetcher, &page).await.ok(),
            None => None,
        };
        if let Some(browser) = browser {
            browser.close().await;
        }
        let loaded = rendered.as_ref().map(|r| r.loaded.as_slice()).unwrap_or_default();
        let archive = lodge_scan::archive::warc(&page, loaded).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let captured = page.at.to_zoned(TimeZone::UTC);
        let stamp = captured.strftime("%Y-%m-%d %H%M%S").to_string();
        let site = page.url.host_str().unwrap_or("page").to_owned();
        let shown = if rendered.as_ref().is_some_and(|r| r.screenshot.is_some()) {
            "as the browser showed it, with a screenshot and "
        } else {
            "with "
        };
        let incident = Incident {
            platform: site.clone(),
            url: page.url.to_string(),
            description: format!(
                "The page at {} was captured by Lodge at {} (UTC), {shown}a web archive of it and the files it loaded.",
                page.url,
                captured.strftime("%Y-%m-%d %H:%M:%S"),
            ),
            discovered: Some(When::Exact { at: captured.clone() }),
            ..Incident::at(When::Exact { at: captured })
        };
        let incident_id = self.add_incident(&incident).await?;
        let mut files = vec![(format!("page {site} {stamp}.html"), page.content_type.clone(), page.bytes.clone())];
        if let Some(png) = rendered.and_then(|r| r.screenshot) {
            files.push((format!("page {site} {stamp}.png"), "image/png".to_owned(), png));
        }
        files.push((format!("page {site} {stamp}.warc"), "application/warc".to_owned(), archive));
        for (name, content_type, bytes) in files {
            self.evidence_from_bytes(name, content_type, incident_id, bytes).await?;
        }
        Ok(incident_id)
    }
}
