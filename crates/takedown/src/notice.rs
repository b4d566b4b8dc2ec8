//! Notices: one route, one host, its URLs grouped. [`Draft::notice`] fills every element the
//! route requires and refuses, naming each one, when any is missing. A notice is a plain-text
//! email (subject and body) and a Lumen-compatible record.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::route::{Delisting, Route};

/// Who sends a notice: her (under the name she chooses, usually her working name) or the
/// organisation as her agent, so her legal name and address need not reach the uploader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sender {
    /// The sender's name: her working name, or the organisation's.
    pub name: String,
    /// When an agent sends: the name of the person it acts for (her working name).
    #[serde(default)]
    pub acting_for: String,
    /// When an agent sends: how it is authorised ("authorised in writing on 3 May 2025").
    #[serde(default)]
    pub authority: String,
    /// Email address for replies.
    #[serde(default)]
    pub email: String,
    /// Telephone number.
    #[serde(default)]
    pub phone: String,
    /// Postal address (the organisation's will do when it acts for her).
    #[serde(default)]
    pub address: String,
    /// The electronic signature: the signer's typed full name.
    #[serde(default)]
    pub signature: String,
}

impl Sender {
    fn is_agent(&self) -> bool {
        !self.acting_for.trim().is_empty()
    }
}

/// Who receives it: the site, its host, a CDN, or a search engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recipient {
    /// Its name ("Example Tube", "Cloudflare", "Google").
    pub name: String,
    /// Where notices go: an email address (or the address of its web form).
    pub email: String,
}

/// What she confirms before a notice is made. Lodge writes the statements; she ticks them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Confirmed {
    /// Good-faith belief the use is not authorised by the owner, its agent or the law (DMCA).
    #[serde(default)]
    pub good_faith: bool,
    /// The notice is accurate, and under penalty of perjury the sender is authorised (DMCA).
    #[serde(default)]
    pub accurate_under_penalty_of_perjury: bool,
    /// Bona fide belief the notice is accurate and complete (DSA).
    #[serde(default)]
    pub bona_fide: bool,
    /// She never consented to this being shared, or withdrew consent (NCII, fakes).
    #[serde(default)]
    pub no_consent: bool,
    /// She is 18 or over, and was when it was made (NCII).
    #[serde(default)]
    pub adult: bool,
}

/// Everything a notice may need. Only what the route requires must be filled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Who sends it.
    pub sender: Sender,
    /// Who receives it.
    pub recipient: Recipient,
    /// The addresses of the copies, all on one host.
    #[serde(default)]
    pub urls: Vec<String>,
    /// Her original work, described ("Photo set 'Red room', published March 2024").
    #[serde(default)]
    pub work: String,
    /// Where her original is published.
    #[serde(default)]
    pub original_urls: Vec<String>,
    /// Why the content is illegal, naming the law (DSA; the legal basis of an NCII report).
    #[serde(default)]
    pub law: String,
    /// The country she lives in (search delisting).
    #[serde(default)]
    pub country: String,
    /// Whether she is currently paid for this content; `None` if she has not said.
    #[serde(default)]
    pub paid: Option<bool>,
    /// Ask the platform not to tell the uploader who reported.
    #[serde(default)]
    pub anonymous: bool,
    /// Ask the search engine to filter similar results too.
    #[serde(default)]
    pub filter_similar: bool,
    /// A StopNCII case number, if she has one.
    #[serde(default)]
    pub stopncii_case: String,
    /// Her confirmations.
    #[serde(default)]
    pub confirmed: Confirmed,
    /// The date it is sent.
    #[serde(default)]
    pub date: Option<Date>,
}

/// One element a notice can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    /// A signature of the owner or an authorised agent.
    Signature,
    /// The original work.
    Work,
    /// The addresses of the material.
    Urls,
    /// The sender's name.
    SenderName,
    /// An email address for the sender.
    Email,
    /// A postal address or telephone number for the sender.
    AddressOrPhone,
    /// The good-faith statement.
    GoodFaith,
    /// The accuracy statement under penalty of perjury.
    AccuracyUnderPerjury,
    /// The explanation of why it is illegal.
    Explanation,
    /// The bona fide statement.
    BonaFide,
    /// The country she lives in.
    Country,
    /// Whether she is paid for the content.
    PaidAnswered,
    /// How an agent is authorised.
    Authority,
    /// The statement that she did not consent.
    NoConsent,
    /// The statement that she is an adult.
    Adult,
    /// The recipient's address.
    Recipient,
    /// The send date.
    Date,
}

impl Element {
    /// The name of the form field that supplies it.
    pub fn field(self) -> &'static str {
        match self {
            Element::Signature => "signature",
            Element::Work => "work",
            Element::Urls => "urls",
            Element::SenderName => "sender_name",
            Element::Email => "sender_email",
            Element::AddressOrPhone => "sender_address",
            Element::GoodFaith => "good_faith",
            Element::AccuracyUnderPerjury => "accurate",
            Element::Explanation => "law",
            Element::BonaFide => "bona_fide",
            Element::Country => "country",
            Element::PaidAnswered => "paid",
            Element::Authority => "authority",
            Element::NoConsent => "no_consent",
            Element::Adult => "adult",
            Element::Recipient => "recipient_email",
            Element::Date => "date",
        }
    }

    /// What is missing, in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Element::Signature => "a signature (the signer's full name typed)",
            Element::Work => "a description of your original work",
            Element::Urls => "the web address of at least one copy",
            Element::SenderName => "the sender's name",
            Element::Email => "an email address for replies",
            Element::AddressOrPhone => "a postal address or a telephone number (the organisation's will do)",
            Element::GoodFaith => "the good-faith statement, ticked",
            Element::AccuracyUnderPerjury => {
                "the statement that the notice is accurate, under penalty of perjury, ticked"
            }
            Element::Explanation => {
                "why the content is illegal, in a sentence or more that names the law (a word such as \"illegal\" is not an explanation)"
            }
            Element::BonaFide => "the statement that the notice is accurate and complete, ticked",
            Element::Country => "the country you live in",
            Element::PaidAnswered => "whether you are paid for this content",
            Element::Authority => "how the organisation is authorised to act for you",
            Element::NoConsent => "the statement that you never agreed to this being shared, ticked",
            Element::Adult => "the statement that you are 18 or over, ticked",
            Element::Recipient => "where the notice goes (the recipient's email address)",
            Element::Date => "the date it is sent",
        }
    }
}

/// Why a notice could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// Elements the route requires are missing.
    #[error("this notice is missing {}", .0.iter().map(|e| e.label()).collect::<Vec<_>>().join("; "))]
    Missing(Vec<Element>),
    /// An address is not a web address.
    #[error("{0:?} is not a web address starting with http:// or https://")]
    NotAnAddress(String),
    /// Addresses on several hosts: one notice goes to one host.
    #[error("one notice goes to one host, but these addresses are on {0}; make one notice per host")]
    SeveralHosts(String),
    /// Search engines do not take intimate-image requests for content she is paid for.
    #[error(
        "search engines take intimate-image requests only for content that is not being sold; use the copyright route"
    )]
    PaidContent,
}

/// A finished notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The route.
    pub route: Route,
    /// The host every address is on.
    pub host: String,
    /// The recipient's address.
    pub to: String,
    /// The email's subject.
    pub subject: String,
    /// The email's body, plain text.
    pub body: String,
    /// The Lumen-compatible record.
    pub lumen: serde_json::Value,
}

/// The host of each address, and the addresses on it, in order.
pub fn by_host(urls: &[String]) -> Result<BTreeMap<String, Vec<String>>, NoticeError> {
    let mut hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for raw in urls {
        let parsed = url::Url::parse(raw.trim()).map_err(|_| NoticeError::NotAnAddress(raw.clone()))?;
        let host = match (parsed.scheme(), parsed.host_str()) {
            ("http" | "https", Some(h)) => h.trim_start_matches("www.").to_ascii_lowercase(),
            _ => return Err(NoticeError::NotAnAddress(raw.clone())),
        };
        // A port other than the scheme's own is another server, perhaps another operator.
        let host = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        hosts.entry(host).or_default().push(parsed.to_string());
    }
    Ok(hosts)
}

fn filled(text: &str) -> bool {
    !text.trim().is_empty()
}

/// Whether an explanation says why, not only that: DSA Art. 16(2)(a) asks for a sufficiently
/// substantiated explanation, so a word or two ("illegal", "not allowed") is not one.
fn substantiated(text: &str) -> bool {
    let words = text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    words >= 6 && text.trim().chars().count() >= 30
}

impl Draft {
    /// The elements `route` requires that this draft lacks.
    pub fn missing(&self, route: Route) -> Vec<Element> {
        let s = &self.sender;
        let c = &self.confirmed;
        let mut need: Vec<(Element, bool)> = vec![
            (Element::Urls, !self.urls.is_empty()),
            (Element::SenderName, filled(&s.name)),
            (Element::Email, filled(&s.email)),
            (Element::Recipient, filled(&self.recipient.email)),
            (Element::Date, self.date.is_some()),
            (Element::Authority, !s.is_agent() || filled(&s.authority)),
        ];
        match route {
            Route::Dmca => need.extend([
                (Element::Signature, filled(&s.signature)),
                (Element::Work, filled(&self.work)),
                (Element::AddressOrPhone, filled(&s.address) || filled(&s.phone)),
                (Element::GoodFaith, c.good_faith),
                (Element::AccuracyUnderPerjury, c.accurate_under_penalty_of_perjury),
            ]),
            Route::DsaArticle16 => {
                need.extend([(Element::Explanation, substantiated(&self.law)), (Element::BonaFide, c.bona_fide)])
            }
            Route::SearchDelisting { kind } => {
                need.extend([(Element::Country, filled(&self.country)), (Element::PaidAnswered, self.paid.is_some())]);
                match kind {
                    Delisting::Copyright => need.extend([
                        (Element::Work, filled(&self.work)),
                        (Element::Signature, filled(&s.signature)),
                        (Element::GoodFaith, c.good_faith),
                        (Element::AccuracyUnderPerjury, c.accurate_under_penalty_of_perjury),
                    ]),
                    Delisting::Ncii | Delisting::Fake => need.push((Element::NoConsent, c.no_consent)),
                }
            }
            Route::PlatformNcii { .. } => need.extend([
                (Element::NoConsent, c.no_consent),
                (Element::Adult, c.adult),
                (Element::Explanation, filled(&self.law)),
            ]),
        }
        let mut missing: Vec<Element> = need.into_iter().filter(|(_, ok)| !ok).map(|(e, _)| e).collect();
        missing.sort();
        missing.dedup();
        missing
    }

    /// Makes the notice for `route`, or says what is missing.
    pub fn notice(&self, route: Route) -> Result<Notice, NoticeError> {
        let missing = self.missing(route);
        if !missing.is_empty() {
            return Err(NoticeError::Missing(missing));
        }
        if route == (Route::SearchDelisting { kind: Delisting::Ncii }) && self.paid == Some(true) {
            return Err(NoticeError::PaidContent);
        }
        let hosts = by_host(&self.urls)?;
        let (host, urls) = match hosts.len() {
            1 => hosts.into_iter().next().ok_or(NoticeError::Missing(vec![Element::Urls]))?,
            _ => return Err(NoticeError::SeveralHosts(hosts.keys().cloned().collect::<Vec<_>>().join(", "))),
        };
        let date = self.date.ok_or(NoticeError::Missing(vec![Element::Date]))?;
        let count = if urls.len() == 1 { "1 address".to_owned() } else { format!("{} addresses", urls.len()) };
        let subject = format!("{}: {count} on {host}", route.label());
        let body = self.body(route, &urls, date);
        let lumen = self.lumen(route, &urls, &subject, date);
        Ok(Notice { route, host, to: self.recipient.email.trim().to_owned(), subject, body, lumen })
    }

    fn on_behalf(&self) -> String {
        let s = &self.sender;
        if s.is_agent() {
            format!(
                "{}, acting as the authorised agent of {} ({})",
                s.name.trim(),
                s.acting_for.trim(),
                s.authority.trim()
            )
        } else {
            s.name.trim().to_owned()
        }
    }

    fn contact(&self) -> String {
        let s = &self.sender;
        [("Email", &s.email), ("Telephone", &s.phone), ("Address", &s.address)]
            .iter()
            .filter(|(_, v)| filled(v))
            .map(|(k, v)| format!("   {k}: {}", v.trim().replace('\n', ", ")))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn body(&self, route: Route, urls: &[String], date: Date) -> String {
        let s = &self.sender;
        let list = urls.iter().map(|u| format!("   {u}")).collect::<Vec<_>>().join("\n");
        let originals = if self.original_urls.is_empty() {
            String::new()
        } else {
            format!(
                "\n   Published at:\n{}",
                self.original_urls.iter().map(|u| format!("   {u}")).collect::<Vec<_>>().join("\n")
            )
        };
        let owner = if s.is_agent() { s.acting_for.trim() } else { s.name.trim() };
        let mut out = format!("To: {}\nDate: {date}\nFrom: {}\n\n", self.recipient.name.trim(), self.on_behalf());
        match route {
            Route::Dmca => {
                out.push_str("Notice of copyright infringement under 17 U.S.C. §512(c)(3)\n\n");
                out.push_str(&format!("1. Signature: /{}/\n\n", s.signature.trim()));
                out.push_str(&format!(
                    "2. The copyrighted work, owned by {owner}:\n   {}{originals}\n\n",
                    self.work.trim()
                ));
                out.push_str(&format!("3. The infringing material, at these addresses on your service:\n{list}\n\n"));
                out.push_str(&format!("4. Contact details of the complaining party:\n{}\n\n", self.contact()));
                out.push_str("5. I have a good faith belief that use of the material in the manner complained of is not authorized by the copyright owner, its agent, or the law.\n\n");
                out.push_str(&format!("6. The information in this notification is accurate, and under penalty of perjury, I am authorized to act on behalf of {owner}, the owner of an exclusive right that is allegedly infringed.\n"));
            }
            Route::DsaArticle16 => {
                out.push_str("Notice of illegal content under Article 16 of the Digital Services Act (Regulation (EU) 2022/2065)\n\n");
                out.push_str(&format!("(a) Why this content is illegal:\n   {}\n\n", self.law.trim()));
                out.push_str(&format!("(b) The exact addresses of the content:\n{list}\n\n"));
                out.push_str(&format!("(c) Notifier: {}\n   Email: {}\n\n", self.on_behalf(), s.email.trim()));
                out.push_str("(d) I confirm my bona fide belief that the information and allegations contained in this notice are accurate and complete.\n\n");
                out.push_str("Please confirm receipt of this notice and tell us your decision and the ways to seek redress, as Article 16(4) and (5) require.\n");
            }
            Route::SearchDelisting { kind } => {
                let what = match kind {
                    Delisting::Copyright => "results that infringe copyright",
                    Delisting::Ncii => "results showing intimate images of me shared without my consent",
                    Delisting::Fake => "results showing fake intimate images of me, made and shared without my consent",
                };
                out.push_str(&format!("Request to remove from search {what}\n\n"));
                out.push_str(&format!(
                    "Depicted person: {owner}{}\n",
                    if s.is_agent() {
                        format!(" (request made by {}, {})", s.name.trim(), s.authority.trim())
                    } else {
                        String::new()
                    }
                ));
                out.push_str(&format!("Country of residence: {}\n", self.country.trim()));
                out.push_str(&format!(
                    "Currently paid for this content online or elsewhere: {}\n\n",
                    if self.paid == Some(true) { "yes" } else { "no" }
                ));
                out.push_str(&format!("Addresses to remove from results (pages and images):\n{list}\n\n"));
                match kind {
                    Delisting::Copyright => {
                        out.push_str(&format!(
                            "The copyrighted work, owned by {owner}:\n   {}{originals}\n\n",
                            self.work.trim()
                        ));
                        out.push_str("I have a good faith belief that use of the material in the manner complained of is not authorized by the copyright owner, its agent, or the law. The information in this notification is accurate, and under penalty of perjury, I am authorized to act on behalf of the owner.\n");
                        out.push_str(&format!("Signature: /{}/\n", s.signature.trim()));
                    }
                    Delisting::Ncii | Delisting::Fake => {
                        out.push_str(
                            "I never consented to these images being shared, or I have withdrawn my consent.\n",
                        );
                    }
                }
                if self.filter_similar {
                    out.push_str("Please also filter similar results, including duplicates of these images.\n");
                }
                out.push_str(&format!("\nContact:\n{}\n", self.contact()));
            }
            Route::PlatformNcii { synthetic } => {
                out.push_str(if synthetic {
                    "Report of synthetic (fake) intimate imagery made and shared without consent\n\n"
                } else {
                    "Report of intimate images shared without consent\n\n"
                });
                out.push_str(&format!(
                    "Depicted person: {owner}{}\n",
                    if s.is_agent() {
                        format!(" (reported by {}, {})", s.name.trim(), s.authority.trim())
                    } else {
                        " (the reporter)".to_owned()
                    }
                ));
                out.push_str(&format!(
                    "The imagery is {}.\n",
                    if synthetic { "synthetic: a fake made to look like me" } else { "real" }
                ));
                out.push_str("Consent to sharing was never given, or has been withdrawn.\n");
                out.push_str("The person depicted is 18 or over.\n");
                if filled(&self.stopncii_case) {
                    out.push_str(&format!("StopNCII case number: {}\n", self.stopncii_case.trim()));
                }
                if self.anonymous {
                    out.push_str("Please do not tell the uploader who made this report.\n");
                }
                out.push_str(&format!(
                    "\nAddresses:\n{list}\n\nLegal basis: {}\n\nContact:\n{}\n",
                    self.law.trim(),
                    self.contact()
                ));
            }
        }
        out
    }

    fn lumen(&self, route: Route, urls: &[String], title: &str, date: Date) -> serde_json::Value {
        let kind = match route {
            Route::Dmca | Route::SearchDelisting { kind: Delisting::Copyright } => "DMCA",
            Route::PlatformNcii { .. } | Route::SearchDelisting { .. } => "PrivateInformation",
            Route::DsaArticle16 => "Other",
        };
        let s = &self.sender;
        let mut entities = vec![serde_json::json!({"name": s.name.trim(), "role": "sender"})];
        if s.is_agent() {
            entities.push(serde_json::json!({"name": s.acting_for.trim(), "role": "principal"}));
        }
        entities.push(serde_json::json!({"name": self.recipient.name.trim(), "role": "recipient"}));
        entities.push(serde_json::json!({"name": s.name.trim(), "role": "submitter"}));
        let url_list = |list: &[String]| list.iter().map(|u| serde_json::json!({"url": u})).collect::<Vec<_>>();
        serde_json::json!({
            "notice": {
                "type": kind,
                "title": title,
                "date_sent": date.to_string(),
                "works": [{
                    "description": if self.work.trim().is_empty() { route.label() } else { self.work.trim() },
                    "copyrighted_urls": url_list(&self.original_urls),
                    "infringing_urls": url_list(urls),
                }],
                "entities": entities,
                "jurisdictions": if filled(&self.country) { vec![self.country.trim()] } else { Vec::new() },
                "action_taken": "Unspecified",
            }
        })
    }
}
