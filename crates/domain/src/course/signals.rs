//! The signs in a log worth an officer's attention: escalation (contact growing more frequent,
//! new channels, threats, contact moving into the physical world, other people drawn in,
//! contact after she asked them to stop) and the risk themes to talk through with support.

use std::collections::BTreeSet;

use super::{Occasion, RiskTheme, Signal, SignalKind, Trend, day_text, ids, plural};
use crate::{ConductKind, Effect, StopRequest};

pub(super) fn escalation(occasions: &[Occasion<'_>], trend: Trend) -> Vec<Signal> {
    let mut signals = Vec::new();
    if let Trend::Rising { .. } = trend {
        signals.push(Signal {
            kind: SignalKind::FrequencyRising,
            text: format!("The log records contact becoming more frequent. {}", trend.sentence()),
            incidents: Vec::new(),
        });
    }

    // A channel first used after contact had begun somewhere else.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for o in occasions.iter().filter(|o| o.day.is_some()) {
        let Some(channel) = o.channel() else { continue };
        if !seen.is_empty() && !seen.contains(&channel) {
            signals.push(Signal {
                kind: SignalKind::NewChannel,
                text: format!("The log records a new channel, {channel}, first used on {}.", day_text(o.day)),
                incidents: vec![o.id],
            });
        }
        seen.insert(channel);
    }

    let threats: Vec<&Occasion<'_>> = occasions.iter().filter(|o| o.has(ConductKind::Threats)).collect();
    if let Some(first) = threats.first() {
        signals.push(Signal {
            kind: SignalKind::Threats,
            text: format!(
                "The log records threats on {}, the first on {}.",
                plural(threats.len(), "occasion", "occasions"),
                day_text(first.day)
            ),
            incidents: ids(&threats),
        });
    }

    let first_online = occasions.iter().position(|o| !o.offline());
    let first_offline = occasions.iter().position(|o| o.offline() && o.day.is_some());
    if let (Some(online), Some(offline)) = (first_online, first_offline)
        && online < offline
    {
        let o = &occasions[offline];
        signals.push(Signal {
            kind: SignalKind::OnlineToOffline,
            text: format!("The log records contact moving from online to the physical world on {}.", day_text(o.day)),
            incidents: vec![o.id],
        });
    }

    let proxies: Vec<&Occasion<'_>> = occasions.iter().filter(|o| o.has(ConductKind::ThirdParties)).collect();
    if !proxies.is_empty() {
        signals.push(Signal {
            kind: SignalKind::ThirdParties,
            text: format!(
                "The log records other people being contacted about her on {}.",
                plural(proxies.len(), "occasion", "occasions")
            ),
            incidents: ids(&proxies),
        });
    }

    let after_stop: Vec<&Occasion<'_>> =
        occasions.iter().filter(|o| o.incident.asked_to_stop == StopRequest::Yes).collect();
    if !after_stop.is_empty() {
        signals.push(Signal {
            kind: SignalKind::AfterStopRequest,
            text: format!(
                "The log records contact after she had asked them to stop, on {}.",
                plural(after_stop.len(), "occasion", "occasions")
            ),
            incidents: ids(&after_stop),
        });
    }
    signals
}

pub(super) fn risks(occasions: &[Occasion<'_>], trend: Trend) -> Vec<RiskTheme> {
    let any = |f: &dyn Fn(&Occasion<'_>) -> bool| occasions.iter().any(f);
    let mut themes = Vec::new();
    if any(&|o| o.has(ConductKind::Threats) || o.felt(Effect::FearOfViolence)) {
        themes.push(RiskTheme::ViolenceThreatened);
    }
    if any(&|o| o.has(ConductKind::Property)) {
        themes.push(RiskTheme::PropertyDamage);
    }
    if any(&|o| o.has(ConductKind::Loitering) || o.has(ConductKind::Following)) {
        themes.push(RiskTheme::Visits);
    }
    if any(&|o| o.has(ConductKind::ThirdParties)) {
        themes.push(RiskTheme::OthersTargeted);
    }
    if any(&|o| o.has(ConductKind::IntimateImages)) {
        themes.push(RiskTheme::IntimateImages);
    }
    if matches!(trend, Trend::Rising { .. }) {
        themes.push(RiskTheme::Escalating);
    }
    if any(&|o| o.felt(Effect::Fear) || o.felt(Effect::DailyLife)) {
        themes.push(RiskTheme::Frightened);
    }
    themes
}
