//! Routing: the questions the takedown reference asks, and the routes that follow from the
//! answers. Her own accounts are never reported; content a studio owns is not hers to claim.

use serde::{Deserialize, Serialize};

/// Who made the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Maker {
    /// She made it: the copyright is hers.
    Her,
    /// A studio made it (under a model release, the studio owns the copyright).
    Studio,
    /// Someone else made it (a partner, a stalker, a hidden camera).
    SomeoneElse,
}

/// Whether it shows her as she is, or was made up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// Real images or video of her.
    Real,
    /// A fake: deepfake, face-swap, or anything that falsely ties her to sex or sex work.
    Fake,
}

/// What a search-engine delisting request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delisting {
    /// Her copyright.
    Copyright,
    /// Real intimate images shared without consent.
    Ncii,
    /// Involuntary fake intimate imagery.
    Fake,
}

/// A legal mechanism for getting content removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// A copyright notice to the site and its host, 17 U.S.C. §512(c)(3)(A).
    Dmca,
    /// A notice of illegal content under the EU Digital Services Act, Article 16.
    DsaArticle16,
    /// A request to a search engine to delist results.
    SearchDelisting {
        /// What it is about.
        kind: Delisting,
    },
    /// The platform's own report for intimate images shared without consent.
    PlatformNcii {
        /// Whether the imagery is synthetic (a fake).
        synthetic: bool,
    },
}

/// Each route by its short name (in the command line, forms and the API).
pub const ROUTES: &[(&str, Route)] = &[
    ("dmca", Route::Dmca),
    ("dsa", Route::DsaArticle16),
    ("delist-copyright", Route::SearchDelisting { kind: Delisting::Copyright }),
    ("delist-ncii", Route::SearchDelisting { kind: Delisting::Ncii }),
    ("delist-fake", Route::SearchDelisting { kind: Delisting::Fake }),
    ("platform-ncii", Route::PlatformNcii { synthetic: false }),
    ("platform-fake", Route::PlatformNcii { synthetic: true }),
];

impl Route {
    /// The route's short name.
    pub fn name(self) -> &'static str {
        ROUTES.iter().find(|(_, r)| *r == self).map_or("dmca", |(n, _)| n)
    }

    /// The route with a short name.
    pub fn from_name(name: &str) -> Option<Route> {
        ROUTES.iter().find(|(n, _)| *n == name.trim()).map(|(_, r)| *r)
    }

    /// How the route is named to her and in a notice's subject.
    pub fn label(self) -> &'static str {
        match self {
            Route::Dmca => "DMCA copyright notice",
            Route::DsaArticle16 => "Digital Services Act notice (Article 16)",
            Route::SearchDelisting { kind: Delisting::Copyright } => "Search delisting: copyright",
            Route::SearchDelisting { kind: Delisting::Ncii } => {
                "Search delisting: intimate images shared without consent"
            }
            Route::SearchDelisting { kind: Delisting::Fake } => "Search delisting: fake intimate images",
            Route::PlatformNcii { synthetic: false } => "Report of intimate images shared without consent",
            Route::PlatformNcii { synthetic: true } => "Report of fake intimate images",
        }
    }
}

/// Her answers to the routing questions, for one piece of content found at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Situation {
    /// Who made it.
    pub maker: Maker,
    /// Whether she is currently paid for this content online or elsewhere.
    pub paid: bool,
    /// Real or fake.
    pub nature: Nature,
    /// Whether the site or its host is in the EU, or the site serves people in the EU.
    pub eu: bool,
    /// Whether the site is behind a CDN (such as Cloudflare), which hides the real host.
    pub behind_cdn: bool,
    /// Whether the address is one of her own accounts or pages.
    pub her_own_account: bool,
}

const INTIMATE_LAW: &str = "Sharing such an image without consent is an offence under section 66B of the Sexual Offences Act 2003 (England and Wales) and section 2 of the Abusive Behaviour and Sexual Harm (Scotland) Act 2016.";

impl Situation {
    /// Why the content is illegal, from her answers, in the words a DSA notice or an
    /// intimate-image report needs (a sentence that names the law); she can change it.
    pub fn explanation(&self) -> String {
        match (self.nature, self.maker, self.paid) {
            (Nature::Fake, ..) => format!(
                "This is a fake image that appears to show me in an intimate state, made and shared without my consent. {INTIMATE_LAW} Manipulated images are included."
            ),
            (Nature::Real, Maker::Her, true) => "This is my own work, copied and published here without my permission: it infringes my copyright (the Copyright, Designs and Patents Act 1988 in the UK; Directive 2001/29/EC in the EU).".into(),
            (Nature::Real, ..) => {
                format!("This shows me in an intimate state and was shared without my consent. {INTIMATE_LAW}")
            }
        }
    }
}

/// The routes that fit, and what she should know about the ones that do not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Plan {
    /// Routes to take, most effective first.
    pub routes: Vec<Route>,
    /// Plain notes: why a route was left out, what to do besides.
    pub notes: Vec<String>,
}

/// Chooses the routes for a situation.
pub fn plan(s: &Situation) -> Plan {
    let mut p = Plan::default();
    if s.her_own_account {
        p.notes.push("This is one of your own accounts or pages: Lodge never reports it.".into());
        return p;
    }
    match (s.nature, s.maker) {
        (Nature::Fake, _) => {
            p.routes.push(Route::PlatformNcii { synthetic: true });
            p.routes.push(Route::SearchDelisting { kind: Delisting::Fake });
        }
        (Nature::Real, Maker::Her) => {
            p.routes.push(Route::Dmca);
            if s.paid {
                p.routes.push(Route::SearchDelisting { kind: Delisting::Copyright });
            } else {
                p.routes.push(Route::PlatformNcii { synthetic: false });
                p.routes.push(Route::SearchDelisting { kind: Delisting::Ncii });
            }
        }
        (Nature::Real, Maker::Studio) => {
            p.notes.push(
                "The studio owns the copyright under your model release: ask it to send the copyright notice. A notice from someone who does not own the work can be refused, and false notices have cost performers work."
                    .into(),
            );
            if !s.paid {
                p.routes.push(Route::PlatformNcii { synthetic: false });
                p.routes.push(Route::SearchDelisting { kind: Delisting::Ncii });
            }
        }
        (Nature::Real, Maker::SomeoneElse) => {
            p.routes.push(Route::PlatformNcii { synthetic: false });
            if !s.paid {
                p.routes.push(Route::SearchDelisting { kind: Delisting::Ncii });
            }
        }
    }
    if s.paid && s.nature == Nature::Real && s.maker != Maker::Her {
        p.notes.push(
            "Search engines take intimate-image requests only for content that is not being sold: because you are paid for it, no delisting request is made. The site and its host can still be asked."
                .into(),
        );
    }
    // A DSA notice goes with a claim she can make, not in place of one.
    if s.eu && !p.routes.is_empty() {
        p.routes.push(Route::DsaArticle16);
    }
    if p.routes.iter().any(|r| matches!(r, Route::SearchDelisting { .. })) {
        p.notes
            .push("Delisting hides results; it does not delete anything. The site and its host are asked too.".into());
    }
    if s.behind_cdn {
        p.notes.push(
            "The site is behind a CDN. Send the notice to the CDN, which forwards it or names the real host; then send a second notice to that host."
                .into(),
        );
    }
    p
}
