//! Course of conduct read from incidents: occasions, weeks, trend, escalation, legal tests, risks.

use lodge_domain::{
    ConductKind, CourseOfConduct, Effect, Incident, IncidentId, Jurisdiction, PersonId, RiskTheme, SignalKind,
    StopRequest, Trend, When,
};

fn incident(date: &str, platform: &str) -> Incident {
    Incident {
        platform: platform.to_owned(),
        description: format!("Message on {platform}"),
        conduct: vec![ConductKind::Contacting],
        ..Incident::at(When::exact_from_parts(date, "21:15", "Europe/London").unwrap())
    }
}

fn with_ids(incidents: &[Incident]) -> Vec<(IncidentId, &Incident)> {
    incidents.iter().map(|i| (IncidentId::new(), i)).collect()
}

fn provisions(c: &CourseOfConduct) -> Vec<&str> {
    c.legal.iter().map(|t| t.provision).collect()
}

#[test]
fn occasions_weeks_and_a_rising_trend() {
    // One message in each of the first three weeks, then five in the sixth week.
    let mut log: Vec<Incident> =
        ["2025-03-03", "2025-03-12", "2025-03-19"].iter().map(|d| incident(d, "Instagram")).collect();
    for d in ["2025-04-07", "2025-04-08", "2025-04-08", "2025-04-10", "2025-04-13"] {
        log.push(incident(d, "Instagram"));
    }
    // She remembers one more, but not when.
    let mut undated = incident("2025-03-03", "Instagram");
    undated.occurred = When::approximate_from_parts("some time in spring", "").unwrap();
    log.push(undated);

    let c = CourseOfConduct::of_case(with_ids(&log));
    assert_eq!(c.occasions, 9);
    assert_eq!(c.undated, 1);
    assert_eq!(c.days, 7, "two messages on 8 April are two occasions on one day");
    assert_eq!(c.first.unwrap().to_string(), "2025-03-03");
    assert_eq!(c.last.unwrap().to_string(), "2025-04-13");
    let counts: Vec<usize> = c.weeks.iter().map(|w| w.count).collect();
    assert_eq!(counts, [1, 1, 1, 0, 0, 5], "every week from first to last, Mondays: {:?}", c.weeks);
    assert_eq!(c.weeks[0].week.to_string(), "2025-03-03");
    assert_eq!(c.trend, Trend::Rising { earlier: 3, later: 5 });
    assert!(c.escalation.iter().any(|s| s.kind == SignalKind::FrequencyRising));
    assert!(c.risks.contains(&RiskTheme::Escalating));
    assert_eq!(c.channels[0].what, "Instagram");
    assert_eq!(c.channels[0].count, 9);
    assert_eq!(c.conduct[0].what, ConductKind::Contacting);
}

#[test]
fn trend_is_only_claimed_with_enough_dated_occasions() {
    let few: Vec<Incident> = ["2025-01-01", "2025-03-01", "2025-03-02"].iter().map(|d| incident(d, "SMS")).collect();
    assert_eq!(CourseOfConduct::of_case(with_ids(&few)).trend, Trend::TooFewToTell);

    let one_week: Vec<Incident> = (1..=6).map(|d| incident(&format!("2025-01-0{d}"), "SMS")).collect();
    assert_eq!(CourseOfConduct::of_case(with_ids(&one_week)).trend, Trend::TooFewToTell);

    let steady: Vec<Incident> = ["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-22", "2025-01-29"]
        .iter()
        .map(|d| incident(d, "SMS"))
        .collect();
    let c = CourseOfConduct::of_case(with_ids(&steady));
    assert!(matches!(c.trend, Trend::Steady { .. }), "{:?}", c.trend);
    assert!(!c.escalation.iter().any(|s| s.kind == SignalKind::FrequencyRising));

    let falling: Vec<Incident> = ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-02-20"]
        .iter()
        .map(|d| incident(d, "SMS"))
        .collect();
    assert_eq!(CourseOfConduct::of_case(with_ids(&falling)).trend, Trend::Falling { earlier: 5, later: 1 });

    let empty = CourseOfConduct::of_case(Vec::new());
    assert_eq!((empty.occasions, empty.first, empty.weeks.len()), (0, None, 0));
    assert!(empty.legal.is_empty() && empty.escalation.is_empty() && empty.risks.is_empty());
}

#[test]
fn escalation_signals_name_the_incidents_that_show_them() {
    let mut log = vec![incident("2025-05-01", "Instagram"), incident("2025-05-03", "Instagram")];
    let mut email = incident("2025-05-05", "Email");
    email.conduct = vec![ConductKind::ThirdParties];
    log.push(email);
    let mut threat = incident("2025-05-06", "Instagram");
    threat.conduct = vec![ConductKind::Threats];
    threat.asked_to_stop = StopRequest::Yes;
    log.push(threat);
    let mut outside = incident("2025-05-09", "In person");
    outside.conduct = vec![ConductKind::Loitering];
    outside.place = "Outside my flat".to_owned();
    log.push(outside);

    let listed = with_ids(&log);
    let c = CourseOfConduct::of_case(listed.clone());
    let signal = |kind| c.escalation.iter().find(|s| s.kind == kind).unwrap_or_else(|| panic!("no {kind:?}: {c:#?}"));

    let new: Vec<_> = c.escalation.iter().filter(|s| s.kind == SignalKind::NewChannel).collect();
    assert_eq!(new.len(), 2, "Email and In person are new; Instagram was first");
    assert_eq!(new[0].incidents, [listed[2].0]);
    assert!(new[0].text.contains("Email") && new[0].text.contains("5 May 2025"), "{}", new[0].text);
    assert_eq!(signal(SignalKind::Threats).incidents, [listed[3].0]);
    assert_eq!(signal(SignalKind::OnlineToOffline).incidents, [listed[4].0]);
    assert!(signal(SignalKind::OnlineToOffline).text.contains("9 May 2025"));
    assert_eq!(signal(SignalKind::ThirdParties).incidents, [listed[2].0]);
    assert_eq!(signal(SignalKind::AfterStopRequest).incidents, [listed[3].0]);
    for s in &c.escalation {
        assert!(s.text.starts_with("The log records"), "phrased as what the log records: {}", s.text);
    }
    assert_eq!(c.risks, [RiskTheme::ViolenceThreatened, RiskTheme::Visits, RiskTheme::OthersTargeted], "{:?}", c.risks);
    assert!(c.several_risks());

    // Offline from the start is not a move from online to offline.
    let c = CourseOfConduct::of_case(with_ids(&log[4..]));
    assert!(!c.escalation.iter().any(|s| s.kind == SignalKind::OnlineToOffline));
}

#[test]
fn legal_tests_follow_what_the_log_holds() {
    // One message: no course of conduct yet, and nothing frightening recorded.
    let one = [incident("2025-06-01", "X")];
    assert!(CourseOfConduct::of_case(with_ids(&one)).legal.is_empty());

    // A single threat can be enough for s.38.
    let mut threat = incident("2025-06-01", "X");
    threat.conduct = vec![ConductKind::Threats];
    let c = CourseOfConduct::of_case(with_ids(std::slice::from_ref(&threat)));
    assert_eq!(
        provisions(&c),
        [
            "Criminal Justice and Licensing (Scotland) Act 2010, s.38 (threatening or abusive behaviour)",
            "Online Safety Act 2023, s.179 and s.181"
        ]
    );
    assert_eq!(c.legal[0].records, "The log records threats on 1 occasion.", "kinds on no occasion are left out");

    // Two occasions with fear: stalking and harassment tests, and what else she could record.
    let mut first = incident("2025-06-01", "X");
    first.effects = vec![Effect::Fear];
    let mut second = incident("2025-06-04", "X");
    second.effects = vec![Effect::FearOfViolence, Effect::DailyLife];
    let log = [first, second];
    let c = CourseOfConduct::of_case(with_ids(&log));
    let s39 = c.legal.iter().find(|t| t.provision.contains("s.39")).unwrap();
    assert_eq!(s39.jurisdiction, Jurisdiction::Scotland);
    assert_eq!(s39.records, "The log records 2 separate occasions, with fear or alarm recorded on 1 of them.");
    assert!(s39.could_add.iter().any(|a| a.contains("asking them to stop")));
    let s2 = c.legal.iter().find(|t| t.provision.contains("s.2 and s.2A")).unwrap();
    assert_eq!(s2.jurisdiction, Jurisdiction::EnglandAndWales);
    let s4 = c.legal.iter().find(|t| t.provision.contains("s.4 and s.4A")).unwrap();
    assert_eq!(s4.incidents.len(), 1, "only the second records fear of violence or daily life");
    assert!(s4.could_add.iter().any(|a| a.contains("feared violence")));
    for t in &c.legal {
        assert!(t.records.starts_with("The log records"), "{}", t.records);
    }

    // Intimate images bear on the Scottish and the English image offences.
    let mut image = incident("2025-06-01", "OnlyFans leak site");
    image.conduct = vec![ConductKind::IntimateImages];
    let c = CourseOfConduct::of_case(with_ids(std::slice::from_ref(&image)));
    let p = provisions(&c);
    assert!(p.contains(&"Abusive Behaviour and Sexual Harm (Scotland) Act 2016, s.2"));
    assert!(p.contains(&"Sexual Offences Act 2003, s.66B"));
    assert_eq!(c.risks, [RiskTheme::IntimateImages]);
    assert!(!c.several_risks());
}

#[test]
fn a_person_s_course_counts_only_the_incidents_naming_them() {
    let (wolf, other) = (PersonId::new(), PersonId::new());
    let mut log: Vec<Incident> = (1..=3).map(|d| incident(&format!("2025-07-0{d}"), "Twitch")).collect();
    log[0].people = vec![wolf];
    log[1].people = vec![wolf, other];
    log[2].people = vec![other];
    let listed = with_ids(&log);
    let c = CourseOfConduct::of_person(wolf, listed.clone());
    assert_eq!(c.occasions, 2);
    assert_eq!(c.last.unwrap().to_string(), "2025-07-02");
    assert_eq!(c.legal.iter().find(|t| t.provision.contains("s.39")).unwrap().incidents, [listed[0].0, listed[1].0]);
    assert_eq!(CourseOfConduct::of_case(listed).occasions, 3);
}

#[test]
fn watching_on_a_message_is_no_claim_about_the_physical_world() {
    let mut watched = incident("2025-05-05", "Text message");
    watched.conduct = vec![ConductKind::Contacting, ConductKind::Watching];
    let incidents = [incident("2025-05-01", "Text message"), watched];
    let c = CourseOfConduct::of_case(with_ids(&incidents));
    assert!(c.escalation.iter().all(|s| s.kind != SignalKind::OnlineToOffline), "{:?}", c.escalation);
    assert!(!c.risks.contains(&RiskTheme::Visits), "{:?}", c.risks);

    // Turning up at her home is.
    let mut visited = incident("2025-05-07", "In person");
    visited.conduct = vec![ConductKind::Loitering];
    let incidents = [incident("2025-05-01", "Text message"), visited];
    let c = CourseOfConduct::of_case(with_ids(&incidents));
    assert!(c.escalation.iter().any(|s| s.kind == SignalKind::OnlineToOffline));
    assert!(c.risks.contains(&RiskTheme::Visits));
}

#[test]
fn an_occasion_without_a_date_is_counted_but_never_dated() {
    let mut found = incident("2025-05-01", "fans.example");
    found.occurred =
        When::Approximate { description: "Not known: published before Lodge found it".into(), around: None };
    found.discovered = Some(When::exact_from_parts("2025-06-30", "10:00", "UTC").unwrap());
    let incidents = [incident("2025-05-01", "Text message"), incident("2025-05-02", "Text message"), found];
    let c = CourseOfConduct::of_case(with_ids(&incidents));
    assert_eq!((c.occasions, c.undated), (3, 1));
    assert_eq!(c.last, jiff::civil::Date::new(2025, 5, 2).ok(), "the day it was found is no occasion");
}
