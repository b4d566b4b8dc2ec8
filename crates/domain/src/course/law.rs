//! The legal tests a log may bear on, in Scotland and in England and Wales
//! (`reference/law.md`), each with the incidents that bear on it. It describes the record,
//! never what a court would decide.

use super::{Jurisdiction, LegalTest, Occasion, ids, plural, records};
use crate::{ConductKind, Effect, StopRequest};

pub(super) fn legal_tests(occasions: &[Occasion<'_>]) -> Vec<LegalTest> {
    let with =
        |f: &dyn Fn(&Occasion<'_>) -> bool| -> Vec<&Occasion<'_>> { occasions.iter().filter(|o| f(o)).collect() };
    let n = occasions.len();
    let feared = with(&|o| o.felt(Effect::Fear) || o.felt(Effect::Alarm));
    let distressed = with(&|o| o.felt(Effect::Alarm) || o.felt(Effect::Distress));
    let violence = with(&|o| o.felt(Effect::FearOfViolence));
    let daily = with(&|o| o.felt(Effect::DailyLife));
    let threats = with(&|o| o.has(ConductKind::Threats));
    let images = with(&|o| o.has(ConductKind::IntimateImages));
    let publishing = with(&|o| o.has(ConductKind::Publishing));
    let online_threats = with(&|o| o.has(ConductKind::Threats) && !o.offline());
    let stop = with(&|o| o.incident.asked_to_stop == StopRequest::Yes);
    let occasions_text = plural(n, "occasion", "separate occasions");
    let mut tests = Vec::new();

    if n >= 2 {
        let mut could_add = Vec::new();
        if feared.is_empty() {
            could_add.push("How it made you feel on each occasion, in your own words: fear or alarm.");
        }
        if stop.is_empty() {
            could_add.push("That they knew it was unwanted: a message asking them to stop, and contact after it.");
        }
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Criminal Justice and Licensing (Scotland) Act 2010, s.39 (stalking)",
            looks_at: "A course of conduct, on at least two occasions, that caused fear or alarm, which the person intended or knew or ought to have known would.",
            records: format!(
                "The log records {occasions_text}, with fear or alarm recorded on {}.",
                plural(feared.len(), "of them", "of them")
            ),
            could_add,
            incidents: ids(occasions),
        });
        let mut could_add = Vec::new();
        if distressed.is_empty() {
            could_add.push("How it affected you on each occasion: alarm or distress.");
        }
        could_add.push("Which accounts you believe are the same person, and why.");
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Protection from Harassment Act 1997, s.2 and s.2A (harassment, stalking)",
            looks_at: "A course of conduct, on at least two occasions, amounting to harassment (alarm or distress), which the person knew or ought to have known; s.2A where it also amounts to stalking.",
            records: format!(
                "The log records {occasions_text}, with alarm or distress recorded on {}.",
                plural(distressed.len(), "of them", "of them")
            ),
            could_add,
            incidents: ids(occasions),
        });
    }
    if !threats.is_empty() || !feared.is_empty() {
        let basis = if threats.is_empty() { &feared } else { &threats };
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Criminal Justice and Licensing (Scotland) Act 2010, s.38 (threatening or abusive behaviour)",
            looks_at: "One act or a course of conduct, threatening or abusive, likely to cause a reasonable person fear or alarm. One incident can be enough.",
            records: records(&[("threats", threats.len()), ("fear or alarm", feared.len())]),
            could_add: vec!["The exact words or images, the channel, and a screenshot or the raw message."],
            incidents: ids(basis),
        });
    }
    if violence.len() >= 2 || !daily.is_empty() {
        let mut could_add = Vec::new();
        if daily.is_empty() {
            could_add.push("Changes to your daily life: moving, new routes, stopping work, closing accounts, lost income, seeing a doctor or counsellor.");
        }
        if violence.len() < 2 {
            could_add.push("Whether you feared violence, on each occasion you did.");
        }
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Protection from Harassment Act 1997, s.4 and s.4A",
            looks_at: "Fear of violence on at least two occasions; or (s.4A) serious alarm or distress with a substantial effect on usual day-to-day activities.",
            records: records(&[("fear of violence", violence.len()), ("changes to her daily life", daily.len())]),
            could_add,
            incidents: ids(&with(&|o| o.felt(Effect::FearOfViolence) || o.felt(Effect::DailyLife))),
        });
    }
    if !images.is_empty() {
        let records = format!(
            "The log records intimate images shared, threatened or faked on {}.",
            plural(images.len(), "occasion", "occasions")
        );
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::Scotland,
            provision: "Abusive Behaviour and Sexual Harm (Scotland) Act 2016, s.2",
            looks_at: "Disclosing, or threatening to disclose, a photo or film showing or appearing to show her in an intimate situation, not already made public by her or with her consent.",
            records: records.clone(),
            could_add: vec![
                "Where the image came from: private, sold to subscribers, or fake. Paid subscriber content may count as already disclosed to a section of the public.",
                "The threat text, and who it was sent to.",
            ],
            incidents: ids(&images),
        });
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Sexual Offences Act 2003, s.66B",
            looks_at: "Sharing, or threatening to share, an image showing or appearing to show her in an intimate state without consent, including manipulated and fake images.",
            records,
            could_add: vec![
                "Whether you ever consented, and to what.",
                "Whether the image is real or fake, what they said about why, and who it reached.",
            ],
            incidents: ids(&images),
        });
    }
    if !online_threats.is_empty() || !publishing.is_empty() {
        let incidents =
            ids(&with(&|o| (o.has(ConductKind::Threats) && !o.offline()) || o.has(ConductKind::Publishing)));
        tests.push(LegalTest {
            jurisdiction: Jurisdiction::EnglandAndWales,
            provision: "Online Safety Act 2023, s.179 and s.181",
            looks_at: "False communications, known to be false and meant to cause harm (6-month time limit); threatening communications of death or serious harm.",
            records: records(&[
                ("threats sent online", online_threats.len()),
                ("things published about her", publishing.len()),
            ]),
            could_add: vec![
                "The exact wording and the date you received it.",
                "For a false claim, what shows it is false.",
            ],
            incidents,
        });
    }
    tests
}
