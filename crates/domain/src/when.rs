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
        #[schema(value_type = Option<String>, format = Date, example = "2025-05-03")]
        around: Option<Date>,
    },
}

/// What to write when a date cannot be read: the parts, in words, so that it agrees with
/// whatever order her browser's date picker shows.
pub const DATE_PROBLEM: &str = "Enter the full date: day, month and year, for example 3 May 2025 or 3/5/2025.";
/// The same, for a date she may leave out.
pub const DATE_PROBLEM_OPTIONAL: &str =
    "Enter the full date: day, month and year, for example 3 May 2025 or 3/5/2025, or leave it empty.";

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads a day as a form sends it or as people in the UK write it: `2025-05-03` (what a date
/// picker sends), `3/5/2025`, `03.05.2025`, `3-5-25` (day first), `3 May 2025`, `3rd May 2025`.
pub fn day_from_form(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Ok(d) = text.parse::<Date>() {
        return Some(d);
    }
    let parts: Vec<&str> = text
        .split(|c: char| c == '/' || c == '.' || c == '-' || c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts.as_slice() else { return None };
    let day: i8 = day.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse().ok()?;
    let month: i8 = match month.parse() {
        Ok(m) => m,
        Err(_) => {
            let word = month.to_lowercase();
            let n = MONTHS.iter().position(|m| word.len() >= 3 && m.starts_with(&word))?;
            i8::try_from(n + 1).ok()?
        }
    };
    let year: i16 = match (year.len(), year.parse::<i16>().ok()?) {
        (2, y) => 2000 + y,
        (4, y) => y,
        _ => return None,
    };
    Date::new(year, month, day).ok()
}

/// Reads a time of day: `21:15` (what a time picker sends), `9:15`, `21.15`, `9:15pm`, `9pm`.
pub fn time_from_form(text: &str) -> Option<Time> {
    let text = text.trim().to_lowercase().replace(' ', "");
    let (clock, half) = match (text.strip_suffix("pm"), text.strip_suffix("am")) {
        (Some(t), _) => (t.to_owned(), Some(12)),
        (_, Some(t)) => (t.to_owned(), Some(0)),
        _ => (text.clone(), None),
    };
    let (hour, minute, second) = match clock.split([':', '.']).collect::<Vec<_>>().as_slice() {
        [h] => (*h, "00", "00"),
        [h, m] => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if hour.is_empty() || hour.len() > 2 || minute.len() != 2 || second.len() != 2 {
        return None;
    }
    let (mut hour, minute, second): (i8, i8, i8) = (hour.parse().ok()?, minute.parse().ok()?, second.parse().ok()?);
    if let Some(offset) = half {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + offset;
    }
    Time::new(hour, minute, second, 0).ok()
}

impl When {
    /// Builds an exact time from form parts: a date (`2025-05-03`), a time (`21:15`) and an IANA
    /// time-zone name. The error says what to fix.
    pub fn exact_from_parts(date: &str, time: &str, zone: &str) -> Result<When, &'static str> {
        let date = day_from_form(date).ok_or(DATE_PROBLEM)?;
        let time = time_from_form(time).ok_or("Enter the time as hours and minutes, for example 21:15 or 9:15pm.")?;
        let tz = TimeZone::get(zone.trim()).map_err(|_| "Choose a time zone from the list.")?;
        let at =
            date.to_datetime(time).to_zoned(tz).map_err(|_| "That date and time does not exist in this time zone.")?;
        Ok(When::Exact { at })
    }

    /// Builds an approximate time from form parts. The date is optional.
    pub fn approximate_from_parts(description: &str, date: &str) -> Result<When, &'static str> {
        let description = description.trim();
        let around =
            if date.trim().is_empty() { None } else { Some(day_from_form(date).ok_or(DATE_PROBLEM_OPTIONAL)?) };
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
        assert!(When::exact_from_parts("5/3", "21:15", "Europe/London").is_err());
        assert!(When::exact_from_parts("2025-05-03", "21:15", "Mars/Base").is_err());
        assert!(When::approximate_from_parts(" ", "").is_err());
    }

    #[test]
    fn days_and_times_as_pickers_send_them_and_people_write_them() {
        let may3 = Date::new(2025, 5, 3).unwrap();
        for text in [
            "2025-05-03",
            "3/5/2025",
            "03/05/2025",
            "3.5.2025",
            "3-5-25",
            "3 May 2025",
            "3rd May 2025",
            " 3 may, 2025 ",
        ] {
            assert_eq!(day_from_form(text), Some(may3), "{text}");
        }
        for text in ["", "May 2025", "32/5/2025", "3/13/2025", "3 Mayo 2025", "3 M 2025", "3/5/202", "2025-02-30"] {
            assert_eq!(day_from_form(text), None, "{text}");
        }
        let t = |h, m| Some(Time::new(h, m, 0, 0).unwrap());
        for (text, want) in [
            ("21:15", t(21, 15)),
            ("9:15", t(9, 15)),
            ("21.15", t(21, 15)),
            ("9:15pm", t(21, 15)),
            ("9 PM", t(21, 0)),
            ("12am", t(0, 0)),
            ("12:30pm", t(12, 30)),
            ("21:15:00", t(21, 15)),
        ] {
            assert_eq!(time_from_form(text), want, "{text}");
        }
        for text in ["", "25:00", "9:5", "13pm", "0am", "nine", "9:15:00:00"] {
            assert_eq!(time_from_form(text), None, "{text}");
        }
    }
}
