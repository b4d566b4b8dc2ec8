//! [`When`]: the time of an incident, exact (with its time zone) or approximate in her own
//! words, such as "evening of 3 May".

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::{Deserialize, Serialize};

/// When something happened or was discovered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    /// An exact date and time in a named time zone.
    Exact {
        /// RFC 9557 text, e.g. `2025-05-03T21:15:00+01:00[Europe/London]`.
        #[schema(value_type = String, example = "2025-05-03T21:15:00+01:00[Europe/London]")]
        at: Zoned,
    },
    /// An approximate time in her words, with an optional date to place it on the timeline.
    Approximate {
        /// Her words, e.g. "evening of 3 May".
        description: String,
        /// The day it was, or roughly was, if she knows it.
        #[schema(value_type = Option<String>, example = "2025-05-03")]
        around: Option<Date>,
    },
}

impl When {
    /// Builds an exact time from form parts: a date (`2025-05-03`), a time (`21:15`) and an IANA
    /// time-zone name. The error says what to fix.
    pub fn exact_from_parts(date: &str, time: &str, zone: &str) -> Result<When, &'static str> {
        let date: Date =
            date.trim().parse().map_err(|_| "Enter the date as year-month-day, for example 2025-05-03.")?;
        let time: Time = time.trim().parse().map_err(|_| "Enter the time as hours:minutes, for example 21:15.")?;
        let tz = TimeZone::get(zone.trim()).map_err(|_| "Choose a time zone from the list.")?;
        let at =
            date.to_datetime(time).to_zoned(tz).map_err(|_| "That date and time does not exist in this time zone.")?;
        Ok(When::Exact { at })
    }

    /// Builds an approximate time from form parts. The date is optional.
    pub fn approximate_from_parts(description: &str, date: &str) -> Result<When, &'static str> {
        let description = description.trim();
        let around = if date.trim().is_empty() {
            None
        } else {
            Some(
                date.trim()
                    .parse()
                    .map_err(|_| "Enter the date as year-month-day, for example 2025-05-03, or leave it empty.")?,
            )
        };
        if description.is_empty() && around.is_none() {
            return Err("Describe roughly when it was, for example \"evening of 3 May\".");
        }
        Ok(When::Approximate { description: description.to_owned(), around })
    }

    /// The instant used to place this on a timeline, if it has one. An approximate time with a
    /// date sorts at noon UTC of that date.
    pub fn sort_key(&self) -> Option<Timestamp> {
        match self {
            When::Exact { at } => Some(at.timestamp()),
            When::Approximate { around: Some(d), .. } => d
                .to_datetime(Time::midnight())
                .to_zoned(TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp() + jiff::SignedDuration::from_hours(12)),
            When::Approximate { around: None, .. } => None,
        }
    }

    /// The calendar day it happened, in its own time zone, if known.
    pub fn day(&self) -> Option<Date> {
        match self {
            When::Exact { at } => Some(at.date()),
            When::Approximate { around, .. } => *around,
        }
    }

    /// How it is shown: `3 May 2025, 21:15 BST (Europe/London)` or her words.
    pub fn display(&self) -> String {
        match self {
            When::Exact { at } => format!(
                "{} ({})",
                at.strftime("%-d %B %Y, %H:%M %Z"),
                at.time_zone().iana_name().unwrap_or("fixed offset")
            ),
            When::Approximate { description, around: Some(d) } if description.is_empty() => {
                format!("around {}", d.strftime("%-d %B %Y"))
            }
            When::Approximate { description, around: Some(d) } => {
                format!("{description} (around {})", d.strftime("%-d %B %Y"))
            }
            When::Approximate { description, around: None } => description.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_keeps_zone_and_sorts() {
        let w = When::exact_from_parts("2025-05-03", "21:15", "Europe/London").unwrap();
        assert_eq!(w.display(), "3 May 2025, 21:15 BST (Europe/London)");
        assert!(matches!(&w, When::Exact { at } if at.to_string().ends_with("[Europe/London]")));
        let a = When::approximate_from_parts("evening of 3 May", "2025-05-03").unwrap();
        assert!(a.sort_key() < w.sort_key());
        assert!(When::exact_from_parts("3/5/25", "21:15", "Europe/London").is_err());
        assert!(When::exact_from_parts("2025-05-03", "21:15", "Mars/Base").is_err());
        assert!(When::approximate_from_parts(" ", "").is_err());
    }
}
