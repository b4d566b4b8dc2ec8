//! When something happened, as a client writes it. The time is read here, not by the JSON
//! reader, so that a time the schema allows but no clock has (a zone that does not exist, the
//! 31st of April) is a 422 naming the field, not an unreadable body.

use lodge_domain::{Problems, When};
use serde::Deserialize;
use utoipa::ToSchema;

/// When something happened: an exact time in a named zone, or her words for it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WhenInput {
    /// `exact` (give `at`) or `approximate` (give `description`, and `around` if she knows
    /// the day).
    kind: WhenKind,
    /// For an exact time: RFC 9557 text, an RFC 3339 time with its offset and then its IANA
    /// time zone in brackets.
    #[serde(default)]
    #[schema(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([+-][0-9]{2}:[0-9]{2}|Z)\[[A-Za-z][A-Za-z0-9_+/-]*\]$",
        example = "2025-05-03T21:15:00+01:00[Europe/London]"
    )]
    at: Option<String>,
    /// For an approximate time: her words, e.g. "evening of 3 May".
    #[serde(default)]
    #[schema(max_length = 200)]
    description: Option<String>,
    /// For an approximate time: the day it was, or roughly was.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2025-05-03")]
    around: Option<jiff::civil::Date>,
}

/// Whether a time is exact or in her words.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WhenKind {
    Exact,
    Approximate,
}

impl WhenInput {
    /// The time it names, or a problem on `field` saying why it names none.
    pub(crate) fn read(self, field: &str, problems: &mut Problems) -> Option<When> {
        let mut problem = |part: &str, message: String| {
            problems.add(format!("{field}.{part}"), message);
            None
        };
        match (self.kind, self.at, self.description) {
            (WhenKind::Exact, Some(at), None) => match at.parse::<jiff::Zoned>() {
                Ok(at) => Some(When::Exact { at }),
                Err(e) => problem(
                    "at",
                    format!(
                        "This is not a time Lodge can place ({e}). Write it as RFC 9557: 2025-05-03T21:15:00+01:00[Europe/London]."
                    ),
                ),
            },
            (WhenKind::Exact, None, _) => problem("at", "An exact time needs `at`.".into()),
            (WhenKind::Exact, Some(_), Some(_)) => problem(
                "description",
                "An exact time has no description: leave it out, or use kind approximate.".into(),
            ),
            (WhenKind::Approximate, None, Some(description)) => {
                Some(When::Approximate { description, around: self.around })
            }
            (WhenKind::Approximate, Some(_), _) => {
                problem("at", "An approximate time has no `at`: give `description` and `around`.".into())
            }
            (WhenKind::Approximate, None, None) => {
                problem("description", "An approximate time needs her words for it in `description`.".into())
            }
        }
    }
}
