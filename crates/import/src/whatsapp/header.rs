//! The date and time that start each message, in the shapes phones write them: iOS
//! `[date, time] `, Android `date, time - `, with the locale's separators, clock and calendar.
//!
//! - Dates are three numbers split by `/`, `.` or `-`, with optional spaces and a final dot
//!   (Hungarian `2024. 03. 05.`), the year first or last, two or four digits, and the Thai
//!   Buddhist era (`5/3/2567`, `3/18/2565 BE`).
//! - Between date and time: a comma (Latin or Arabic), a space, `à` (French) or `klo` (Finnish).
//! - Times are 24-hour or 12-hour: AM/PM after the time (`9:05 PM`, `9.05 p. m.`, Thai, Greek)
//!   or before it (Chinese `下午2:22`, Japanese `午後`, Korean `오후`).
//! - Digits are ASCII 0-9 only; a line in other digits is not taken for a header.

use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};
use regex::Regex;

use super::DateOrder;

/// Markers of the morning written before the time.
const BEFORE_NOON_FIRST: &[&str] = &["上午", "凌晨", "早上", "午前", "오전"];
/// Markers of the afternoon and evening written before the time.
const AFTER_NOON_FIRST: &[&str] = &["下午", "中午", "晚上", "午後", "오후"];
/// Markers written after the time, besides AM/PM in Latin letters.
const BEFORE_NOON_AFTER: &[&str] = &["ก่อนเที่ยง", "π.μ.", "πμ"];
/// See [`BEFORE_NOON_AFTER`].
const AFTER_NOON_AFTER: &[&str] = &["หลังเที่ยง", "μ.μ.", "μμ"];

static HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let date = r"[0-9]{1,4}[./-]\s?[0-9]{1,2}[./-]\s?[0-9]{1,4}\.?(?:\s?(?:BE|พ\.ศ\.))?";
    let between = r"(?:[,،]?\s|\s(?:à|klo)\s)";
    let before = [BEFORE_NOON_FIRST, AFTER_NOON_FIRST].concat().join("|");
    let after = [BEFORE_NOON_AFTER, AFTER_NOON_AFTER].concat().iter().map(|m| regex::escape(m)).collect::<Vec<_>>();
    let after = after.join("|");
    let time = format!(
        r"(?:(?:{before})\s?)?[0-9]{{1,2}}[:.][0-9]{{2}}(?:[:.][0-9]{{2}})?(?:\s?(?:[aApP]\.?\s?[mM]\.?|{after}))?"
    );
    Regex::new(&format!(
        r"^(?:\[(?P<d1>{date}){between}(?P<t1>{time})\]\s|(?P<d2>{date}){between}(?P<t2>{time})\s[-–]\s)(?P<rest>.*)$"
    ))
    .ok()
});

/// A message's header, split.
pub(super) struct Header<'a> {
    pub date: &'a str,
    pub time: &'a str,
    pub rest: &'a str,
}

/// The header a line (with direction marks removed) starts with, if any.
pub(super) fn header(line: &str) -> Option<Header<'_>> {
    let caps = HEADER.as_ref()?.captures(line)?;
    let date = caps.name("d1").or_else(|| caps.name("d2"))?.as_str();
    let time = caps.name("t1").or_else(|| caps.name("t2"))?.as_str();
    Some(Header { date, time, rest: caps.name("rest")?.as_str() })
}

/// The three numbers of a date, in the order written.
pub(super) fn numbers(date: &str) -> Option<[u32; 3]> {
    let mut parts = date.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().ok());
    Some([parts.next()??, parts.next()??, parts.next()??])
}

/// A date read with the day and month in `order`.
pub(super) fn read_date(date: &str, order: DateOrder) -> Option<Date> {
    let [a, b, c] = numbers(date)?;
    // A year written first (2024-03-05) is always year, month, day.
    let (year, month, day) = if a > 31 {
        (a, b, c)
    } else {
        match order {
            DateOrder::DayFirst => (c, b, a),
            DateOrder::MonthFirst => (c, a, b),
        }
    };
    let year = match year {
        0..100 => 2000 + year,
        // The Thai solar calendar counts from 543 BC: 2567 is 2024.
        2400.. => year - 543,
        _ => year,
    };
    Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// Splits a time from its 12-hour marker: `Some(true)` afternoon, `Some(false)` morning.
fn twelve_hour(time: &str) -> (String, Option<bool>) {
    let time = time.trim();
    for (markers, pm) in [(BEFORE_NOON_FIRST, false), (AFTER_NOON_FIRST, true)] {
        if let Some(rest) = markers.iter().find_map(|m| time.strip_prefix(m)) {
            return (rest.trim().to_owned(), Some(pm));
        }
    }
    for (markers, pm) in [(BEFORE_NOON_AFTER, false), (AFTER_NOON_AFTER, true)] {
        if let Some(rest) = markers.iter().find_map(|m| time.strip_suffix(m)) {
            return (rest.trim().to_owned(), Some(pm));
        }
    }
    let lower = time.to_ascii_lowercase().replace(['.', ' '], "");
    match (lower.strip_suffix("am"), lower.strip_suffix("pm")) {
        (Some(clock), _) => (clock.to_owned(), Some(false)),
        (_, Some(clock)) => (clock.to_owned(), Some(true)),
        _ => (time.replace('.', ":"), None),
    }
}

/// A time of day, 24-hour or 12-hour.
pub(super) fn read_time(time: &str) -> Option<Time> {
    let (clock, pm) = twelve_hour(time);
    let clock = clock.replace('.', ":");
    // After removing dots from "9.15 p.m.", put the separator back for "915".
    let clock = if clock.contains(':') {
        clock
    } else if let Some((h, m)) = clock.len().checked_sub(2).and_then(|at| clock.split_at_checked(at)) {
        format!("{h}:{m}")
    } else {
        return None;
    };
    let mut parts = clock.split(':').map(|p| p.trim().parse::<i8>().ok());
    let (mut hour, minute, second) = (parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0));
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    Time::new(hour, minute, second, 0).ok()
}

/// A time as [`super::Message::written_time`] has it, read with the day and month in `order`.
pub fn reading(written: &str, order: DateOrder) -> Option<DateTime> {
    let (date, time) = written.split_once(", ")?;
    Some(read_date(date, order)?.to_datetime(read_time(time)?))
}
