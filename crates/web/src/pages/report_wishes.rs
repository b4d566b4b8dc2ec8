//! The part of "Prepare a report" (and of making a police link) where she says, if she wants
//! to, what she asks of the police, how they may contact her safely, and her answers to the
//! stalking risk questions. Every field optional.

use lodge_domain::{Problems, RiskAnswer, RiskAnswers, RiskQuestion, Wish, Wishes};
use maud::{Markup, html};

use super::FormData;
use super::layout::{Input, text_field, textarea_field};
use crate::WebConfig;

/// The fieldsets, filled from what she typed.
pub(super) fn fields(form: &FormData, problems: &Problems) -> Markup {
    html! {
        fieldset {
            legend { "What you ask of the police (optional)" }
            p.hint { "Shown on the report's first page, so an officer knows at once what you want. Tick any that apply." }
            div.choices {
                @for w in Wish::ALL {
                    label { input type="checkbox" name="asks" value=(w.key()) checked[form.has("asks", w.key())]; span { (w.label()) } }
                }
            }
        }
        fieldset {
            legend { "How the police may contact you safely (optional)" }
            (text_field("contact_how", "How to contact you", Some("For example: text this number first, never leave voicemail; or only through my support worker."), form.get("contact_how"), problems, Input::Text))
            (text_field("contact_times", "When it is safe", Some("For example: weekdays after 6 pm."), form.get("contact_times"), problems, Input::Text))
            div.choices {
                label { input type="checkbox" name="through_support" value="yes" checked[form.has("through_support", "yes")]; span { "Contact me through my support worker" } }
                label { input type="checkbox" name="female_officer" value="yes" checked[form.has("female_officer", "yes")]; span { "I would like to speak with a female officer" } }
            }
            (text_field("interpreter", "Interpreter (optional)", Some("The language you would like an interpreter for."), form.get("interpreter"), problems, Input::Text))
            (textarea_field("support", "Your support organisation", Some("Who supports you and how to reach them. Leave it empty to leave it out."), form.get("support"), problems))
        }
    }
}

/// The stalking risk questions, folded away: each answered Yes, No or Not sure, or left.
pub(super) fn risk_fields(form: &FormData, problems: &Problems) -> Markup {
    html! {
        details open[RiskQuestion::ALL.iter().any(|q| !form.get(&format!("risk_{}", q.key())).is_empty())] {
            summary { "Questions the police ask about risk (optional)" }
            p.hint { "Police in the UK ask these when someone is stalked: your answers help them see the danger you are in. Answer the ones you want to; the report shows your answers and nothing else." }
            @for q in RiskQuestion::ALL {
                @let name = format!("risk_{}", q.key());
                fieldset {
                    legend { (q.question()) }
                    div.choices {
                        @for a in RiskAnswer::ALL {
                            label { input type="radio" name=(name) value=(a.key()) checked[form.get(&name) == a.key()]; span { (a.label()) } }
                        }
                    }
                }
            }
            (textarea_field("risk_note", "Anything you want to add (optional)", None, form.get("risk_note"), problems))
        }
    }
}

/// Her answers to the risk questions, read back.
pub(super) fn risk_from_form(form: &FormData) -> RiskAnswers {
    RiskAnswers {
        answers: RiskQuestion::ALL
            .iter()
            .filter_map(|q| RiskAnswer::from_key(form.get(&format!("risk_{}", q.key()))).map(|a| (*q, a)))
            .collect(),
        note: form.get("risk_note").trim().to_owned(),
    }
}

/// What she wrote, read back.
pub(super) fn from_form(form: &FormData) -> Wishes {
    Wishes {
        asks: form.all("asks").into_iter().filter_map(Wish::from_key).collect(),
        contact_how: form.get("contact_how").trim().to_owned(),
        contact_times: form.get("contact_times").trim().to_owned(),
        through_support: form.has("through_support", "yes"),
        female_officer: form.has("female_officer", "yes"),
        interpreter: form.get("interpreter").trim().to_owned(),
        support: form.get("support").trim().to_owned(),
    }
}

/// What a form that makes a report (Prepare a report, a police link) offers on a first visit:
/// her username as the name it uses, prepared by the organisation, and the organisation as her
/// support.
pub(super) fn first_visit(s: &lodge_service::Session, config: &WebConfig) -> FormData {
    let mut form = FormData::default();
    form.set("subject_name", s.username.clone());
    form.set("prepared_by", config.organisation.clone());
    form.set("support", organisation_contact(config));
    form
}

/// The support organisation offered on a first visit: the organisation running Lodge, with
/// the first way of reaching it the administrator listed.
fn organisation_contact(config: &WebConfig) -> String {
    let reach =
        config.support_services.first().map(|s| if s.phone.is_empty() { s.url.clone() } else { s.phone.clone() });
    match reach.filter(|r| !r.is_empty()) {
        Some(reach) => format!("{}: {reach}", config.organisation),
        None => config.organisation.clone(),
    }
}
