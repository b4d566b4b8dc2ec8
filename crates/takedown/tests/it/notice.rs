//! Every route's notice holds every element it requires; a notice missing one is refused and
//! the missing elements are named.

use jiff::civil::date;
use lodge_takedown::notice::{Confirmed, Draft, Element, NoticeError, Recipient, Sender, by_host};
use lodge_takedown::route::{Delisting, Route};

/// A draft with everything, sent by the organisation as her agent.
fn complete() -> Draft {
    Draft {
        sender: Sender {
            name: "Safe Harbour Support".into(),
            acting_for: "Ruby Red".into(),
            authority: "authorised in writing on 3 May 2025".into(),
            email: "takedowns@safeharbour.example".into(),
            phone: "+44 20 7946 0000".into(),
            address: "1 Example Street\nGlasgow G1 1AA".into(),
            signature: "Alex Morgan".into(),
        },
        recipient: Recipient { name: "Example Tube".into(), email: "abuse@tube.example".into() },
        urls: vec!["https://www.tube.example/v/123".into(), "https://tube.example/v/456?x=1".into()],
        work: "Photo set 'Red room', published March 2024".into(),
        original_urls: vec!["https://fans.example/rubyred/red-room".into()],
        law: "Sharing intimate images without consent: Sexual Offences Act 2003 s.66B (England and Wales)".into(),
        country: "United Kingdom".into(),
        paid: Some(false),
        anonymous: true,
        filter_similar: true,
        stopncii_case: "SN-1234".into(),
        confirmed: Confirmed {
            good_faith: true,
            accurate_under_penalty_of_perjury: true,
            bona_fide: true,
            no_consent: true,
            adult: true,
        },
        date: Some(date(2025, 5, 4)),
    }
}

const ROUTES: [Route; 7] = [
    Route::Dmca,
    Route::DsaArticle16,
    Route::SearchDelisting { kind: Delisting::Copyright },
    Route::SearchDelisting { kind: Delisting::Ncii },
    Route::SearchDelisting { kind: Delisting::Fake },
    Route::PlatformNcii { synthetic: false },
    Route::PlatformNcii { synthetic: true },
];

#[test]
fn a_dmca_notice_has_all_six_elements() {
    let n = complete().notice(Route::Dmca).unwrap();
    assert_eq!(n.host, "tube.example");
    assert_eq!(n.to, "abuse@tube.example");
    assert_eq!(n.subject, "DMCA copyright notice: 2 addresses on tube.example");
    for needle in [
        "1. Signature: /Alex Morgan/",
        "2. The copyrighted work, owned by Ruby Red:\n   Photo set 'Red room'",
        "https://fans.example/rubyred/red-room",
        "3. The infringing material",
        "   https://www.tube.example/v/123\n   https://tube.example/v/456?x=1",
        "4. Contact details",
        "Address: 1 Example Street, Glasgow G1 1AA",
        "5. I have a good faith belief",
        "6. The information in this notification is accurate, and under penalty of perjury, I am authorized to act on behalf of Ruby Red",
        "Safe Harbour Support, acting as the authorised agent of Ruby Red",
    ] {
        assert!(n.body.contains(needle), "missing {needle:?} in\n{}", n.body);
    }
    let lumen = &n.lumen["notice"];
    assert_eq!(lumen["type"], "DMCA");
    assert_eq!(lumen["date_sent"], "2025-05-04");
    assert_eq!(lumen["works"][0]["infringing_urls"][1]["url"], "https://tube.example/v/456?x=1");
    assert_eq!(lumen["works"][0]["copyrighted_urls"][0]["url"], "https://fans.example/rubyred/red-room");
    let roles: Vec<&str> = lumen["entities"].as_array().unwrap().iter().map(|e| e["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["sender", "principal", "recipient", "submitter"]);
    assert_eq!(lumen["entities"][1]["name"], "Ruby Red");
}

#[test]
fn a_dsa_notice_has_its_four_elements_and_ncii_reports_theirs() {
    let dsa = complete().notice(Route::DsaArticle16).unwrap();
    for needle in [
        "(a) Why this content is illegal:\n   Sharing intimate images",
        "(b) The exact addresses",
        "(c) Notifier: Safe Harbour Support",
        "Email: takedowns@safeharbour.example",
        "(d) I confirm my bona fide belief",
    ] {
        assert!(dsa.body.contains(needle), "missing {needle:?}");
    }
    let fake = complete().notice(Route::PlatformNcii { synthetic: true }).unwrap();
    for needle in [
        "synthetic: a fake",
        "never given, or has been withdrawn",
        "18 or over",
        "StopNCII case number: SN-1234",
        "do not tell the uploader",
        "Legal basis: Sharing intimate images",
    ] {
        assert!(fake.body.contains(needle), "missing {needle:?}");
    }
    assert_eq!(fake.lumen["notice"]["type"], "PrivateInformation");
    let delist = complete().notice(Route::SearchDelisting { kind: Delisting::Ncii }).unwrap();
    for needle in [
        "Depicted person: Ruby Red (request made by Safe Harbour Support",
        "Country of residence: United Kingdom",
        "Currently paid for this content online or elsewhere: no",
        "filter similar results",
    ] {
        assert!(delist.body.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn every_route_refuses_a_draft_missing_what_it_requires_and_says_what() {
    for route in ROUTES {
        assert!(complete().notice(route).is_ok(), "{route:?} with everything");
        let mut empty = complete();
        empty.sender = Sender { name: "Ruby Red".into(), ..Sender::default() };
        empty.urls.clear();
        empty.confirmed = Confirmed::default();
        empty.work.clear();
        empty.law.clear();
        empty.country.clear();
        empty.paid = None;
        let Err(NoticeError::Missing(missing)) = empty.notice(route) else { panic!("{route:?} was made") };
        assert!(missing.contains(&Element::Urls) && missing.contains(&Element::Email), "{route:?}: {missing:?}");
        let wanted: &[Element] = match route {
            Route::Dmca => &[
                Element::Signature,
                Element::Work,
                Element::AddressOrPhone,
                Element::GoodFaith,
                Element::AccuracyUnderPerjury,
            ],
            Route::DsaArticle16 => &[Element::Explanation, Element::BonaFide],
            Route::SearchDelisting { kind: Delisting::Copyright } => {
                &[Element::Country, Element::PaidAnswered, Element::Work, Element::Signature]
            }
            Route::SearchDelisting { .. } => &[Element::Country, Element::PaidAnswered, Element::NoConsent],
            Route::PlatformNcii { .. } => &[Element::NoConsent, Element::Adult, Element::Explanation],
        };
        for w in wanted {
            assert!(missing.contains(w), "{route:?} does not ask for {w:?}: {missing:?}");
        }
        let message = NoticeError::Missing(missing).to_string();
        assert!(
            message.starts_with("this notice is missing the web address of at least one copy")
                || message.contains("the web address of at least one copy"),
            "{message}"
        );
    }
    // One element at a time: the signature alone is enough to refuse a DMCA notice.
    let mut unsigned = complete();
    unsigned.sender.signature = " ".into();
    assert_eq!(unsigned.notice(Route::Dmca), Err(NoticeError::Missing(vec![Element::Signature])));
    let mut no_authority = complete();
    no_authority.sender.authority.clear();
    assert_eq!(no_authority.notice(Route::DsaArticle16), Err(NoticeError::Missing(vec![Element::Authority])));
}

#[test]
fn one_host_per_notice_and_no_ncii_delisting_for_paid_content() {
    let mut two = complete();
    two.urls.push("https://other.example/v/1".into());
    assert!(matches!(two.notice(Route::Dmca), Err(NoticeError::SeveralHosts(h)) if h == "other.example, tube.example"));
    let grouped = by_host(&two.urls).unwrap();
    assert_eq!(grouped["tube.example"].len(), 2);
    assert_eq!(grouped["other.example"].len(), 1);
    assert!(matches!(by_host(&["javascript:alert(1)".into()]), Err(NoticeError::NotAnAddress(_))));
    // Another port is another server: its own notice. The scheme's own port is the same host.
    let ports: Vec<String> =
        ["http://tube.example:8080/v/1", "https://tube.example/v/2", "https://tube.example:443/v/3"]
            .map(Into::into)
            .into();
    let grouped = by_host(&ports).unwrap();
    assert_eq!(grouped.keys().collect::<Vec<_>>(), ["tube.example", "tube.example:8080"]);
    assert_eq!(grouped["tube.example"].len(), 2);
    let mut paid = complete();
    paid.paid = Some(true);
    assert_eq!(paid.notice(Route::SearchDelisting { kind: Delisting::Ncii }), Err(NoticeError::PaidContent));
    assert!(paid.notice(Route::SearchDelisting { kind: Delisting::Copyright }).is_ok());
}

#[test]
fn she_can_send_under_her_working_name_without_an_agent() {
    let mut own = complete();
    own.sender = Sender {
        name: "Ruby Red".into(),
        email: "ruby@fans.example".into(),
        phone: "+44 7700 900123".into(),
        signature: "Ruby Red".into(),
        ..Sender::default()
    };
    let n = own.notice(Route::Dmca).unwrap();
    assert!(n.body.contains("From: Ruby Red\n"));
    assert!(!n.body.contains("Address:"), "no postal address needed when there is a phone number");
    let roles: Vec<&str> =
        n.lumen["notice"]["entities"].as_array().unwrap().iter().map(|e| e["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["sender", "recipient", "submitter"]);
}

#[test]
fn a_dsa_notice_needs_an_explanation_that_says_why() {
    // Art. 16(2)(a): a sufficiently substantiated explanation of why the content is illegal.
    for bare in ["illegal", "It is illegal.", "not allowed here", "revenge porn !!!"] {
        let mut draft = complete();
        draft.law = bare.into();
        assert_eq!(draft.notice(Route::DsaArticle16), Err(NoticeError::Missing(vec![Element::Explanation])), "{bare}");
        let said = NoticeError::Missing(vec![Element::Explanation]).to_string();
        assert!(said.contains("in a sentence or more that names the law"), "{said}");
    }
    let mut draft = complete();
    draft.law =
        "Intimate images of me shared without my consent, an offence under s.66B Sexual Offences Act 2003".into();
    assert!(draft.notice(Route::DsaArticle16).is_ok());

    // What her answers write for her is an explanation a DSA notice takes, naming the law.
    use lodge_takedown::route::{Maker, Nature, Situation};
    for nature in [Nature::Real, Nature::Fake] {
        for maker in [Maker::Her, Maker::Studio, Maker::SomeoneElse] {
            for paid in [false, true] {
                let answers = Situation { maker, paid, nature, eu: true, behind_cdn: false, her_own_account: false };
                let mut draft = complete();
                draft.law = answers.explanation();
                assert!(draft.notice(Route::DsaArticle16).is_ok(), "{answers:?}: {}", draft.law);
                let names_a_law = ["Act 2003", "Act 1988"].iter().any(|law| draft.law.contains(law));
                assert!(names_a_law, "{}", draft.law);
            }
        }
    }
}
