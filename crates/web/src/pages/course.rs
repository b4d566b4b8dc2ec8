//! The course-of-conduct block shown for a whole case (on "Prepare a report") and for one
//! person: what her log shows read together, the laws it may bear on, and risk themes with
//! the organisation's own support services.

use lodge_domain::CourseOfConduct;
use maud::{Markup, html};
use uuid::Uuid;

use crate::{SupportService, WebConfig};

/// What the log shows. `about` is "your log" or a person's name.
pub(crate) fn block(case: Uuid, course: &CourseOfConduct, config: &WebConfig) -> Markup {
    html! {
        section aria-labelledby="course" {
            h2 id="course" { "What your log shows" }
            p { "Your log records " (course.occasions) " separate occasion" @if course.occasions != 1 { "s" }
                @if let (Some(f), Some(l)) = (course.first, course.last) {
                    @if f == l { " on " (f.strftime("%-d %B %Y")) } @else { " between " (f.strftime("%-d %B %Y")) " and " (l.strftime("%-d %B %Y")) }
                } "." }
            p { (course.trend.sentence()) }
            @if !course.channels.is_empty() {
                p { "Where: " @for (n, t) in course.channels.iter().enumerate() { @if n > 0 { ", " } (t.what) " (" (t.count) ")" } "." }
            }
            @if !course.escalation.is_empty() {
                h3 { "Signs things are getting worse" }
                ul { @for s in &course.escalation { li { (s.text) } } }
            }
            @if !course.legal.is_empty() {
                h3 { "Laws your log may bear on" }
                p.hint { "This is what your log records next to what each law looks at. It is not legal advice." }
                ul {
                    @for t in &course.legal {
                        li {
                            strong { (t.provision) } " (" (t.jurisdiction.label()) "). " (t.records)
                            @if !t.could_add.is_empty() { " You could also record: " (t.could_add.join(" ")) }
                        }
                    }
                }
            }
            @if !course.risks.is_empty() {
                div.notice role="note" {
                    h3 { "Things to talk through with someone" }
                    ul { @for r in &course.risks { li { (r.label()) } } }
                    @if course.several_risks() {
                        p { "Several of these together can mean a higher risk. Please talk to someone about a safety plan. If you are in danger now, call 999." }
                    } @else {
                        p { "Someone who knows about stalking can help you think about your safety. If you are in danger now, call 999." }
                    }
                    (services(&config.support_services))
                }
            }
            p { a href={ "/cases/" (case) "/log" } { "See every change in the case log" } }
        }
    }
}

fn services(list: &[SupportService]) -> Markup {
    html! {
        @if list.is_empty() {
            p { "Your support worker or the organisation can help." }
        } @else {
            ul.plain {
                @for s in list {
                    li {
                        strong { (s.name) }
                        @if !s.about.is_empty() { " — " (s.about) }
                        @if !s.phone.is_empty() { br; "Phone: " a href={ "tel:" (s.phone.replace(' ', "")) } { (s.phone) } }
                        @if !s.hours.is_empty() { " (" (s.hours) ")" }
                        @if !s.url.is_empty() { br; a href=(s.url) rel="noreferrer" { (s.url) } }
                    }
                }
            }
        }
    }
}
