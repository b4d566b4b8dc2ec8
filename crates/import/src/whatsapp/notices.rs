//! Telling WhatsApp's own notices and attachment placeholders from what people wrote, by the
//! structure of the line rather than its words, so that it holds in every language.
//!
//! iOS marks text that WhatsApp wrote with a direction mark (U+200E, or U+200F in right-to-left
//! languages) at its start:
//! - a line that itself starts with a mark carries media: `‎[date] Name: ‎image omitted`, or
//!   `‎<attached: 00000012-PHOTO-….jpg>` when exported with media;
//! - a notice is written as if from the chat's title (`Group: ‎You added Ana`,
//!   `Name: ‎Messages and calls are end-to-end encrypted…`), or with no name at all;
//! - a notice that names someone inside it starts with two marks (`Name: ‎‎Your security code
//!   with Name changed`);
//! - a person's deleted message or shared location has one mark, and stays theirs.
//!
//! The chat's title is found in the first reading: in a group (two people or more), a name whose
//! every line is marked text, on a line that carries no media, is not a person. The first message
//! of a chat, when marked, is the encryption notice whatever the title is.

use std::collections::HashMap;

use super::Attachment;

/// Most names remembered while looking for the chat's title (a real chat has a few hundred at
/// most); names after these are taken for people.
const MAX_NAMES: usize = 10_000;

/// Whether a character is a direction mark WhatsApp puts before its own text.
pub(super) fn is_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}')
}

/// How many direction marks `text` starts with.
pub(super) fn leading_marks(text: &str) -> usize {
    text.chars().take_while(|c| is_mark(*c)).count()
}

/// The end of `raw` that holds the last `chars` characters surviving `plain`, with the marks
/// just before them: where a part of the plain line starts in the raw one.
pub(super) fn raw_tail(raw: &str, chars: usize, survives: impl Fn(char) -> bool) -> &str {
    let mut seen = 0;
    let mut start = raw.len();
    for (at, c) in raw.char_indices().rev() {
        if survives(c) {
            if seen == chars {
                break;
            }
            seen += 1;
        }
        start = at;
    }
    &raw[start..]
}

/// How a header's text was marked.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Marks {
    /// The line starts with a mark (it carries media).
    pub line: bool,
    /// The text after the header starts with a mark, before any name.
    pub rest: bool,
    /// Marks at the start of the text after the name.
    pub text: usize,
}

impl Marks {
    /// Whether this line, from a name, looks like one of WhatsApp's notices.
    fn notice_like(self) -> bool {
        self.text > 0 && !self.line
    }
}

/// Names seen in the first reading, and whether each could still be the chat's title.
#[derive(Debug, Default)]
pub(super) struct TitleSearch(HashMap<String, bool>);

impl TitleSearch {
    pub fn saw(&mut self, name: &str, marks: Marks) {
        let notice_like = marks.notice_like();
        if let Some(title) = self.0.get_mut(name) {
            *title &= notice_like;
        } else if self.0.len() < MAX_NAMES {
            self.0.insert(name.to_owned(), notice_like);
        }
    }

    /// The names that are titles, not people. A chat with fewer than two people in it is
    /// between her and one other, whose name is the title: they are a person, whose only lines
    /// may be a deleted message or a missed call.
    pub fn titles(self) -> Vec<String> {
        let people = self.0.values().filter(|title| !**title).count();
        if people < 2 {
            return Vec::new();
        }
        self.0.into_iter().filter_map(|(name, title)| title.then_some(name)).collect()
    }
}

/// Whether a line with a name is WhatsApp's notice rather than that person's message (a line
/// naming an attachment never is).
pub(super) fn is_notice(name: &str, text: &str, marks: Marks, first: bool, titles: &[String]) -> bool {
    let notice = marks.text >= 2 || (marks.notice_like() && (first || titles.iter().any(|t| t == name)));
    notice && attachments(text, marks).is_empty()
}

/// Attachment placeholders in a message's text (marks already removed), given how its header
/// was marked.
pub(super) fn attachments(text: &str, marks: Marks) -> Vec<Attachment> {
    let mut found = Vec::new();
    let media_line = marks.line;
    let marked = marks.line || marks.text > 0;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = attached_file(line, marked) {
            found.push(Attachment::File(name.to_owned()));
        } else if is_omitted(line) {
            found.push(Attachment::Omitted);
        }
    }
    if found.is_empty() && media_line {
        // iOS without media: "image omitted", "Bild weggelassen", "imagen omitida"…
        found.push(Attachment::Omitted);
    }
    found
}

/// A file named the ways exports name them: iOS `<attached: NAME>` (`<angehängt: NAME>`…),
/// Android `NAME (file attached)` (`NAME (Datei angehängt)`…). Other languages' labels are
/// taken only from text WhatsApp marked as its own; the name must have an extension.
fn attached_file(line: &str, marked: bool) -> Option<&str> {
    let name = if let Some(inner) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) {
        let (label, name) = inner.split_once(": ")?;
        (marked || label == "attached").then_some(name)?
    } else {
        let (name, label) = line.strip_suffix(')')?.rsplit_once(" (")?;
        let label_like = !label.is_empty() && label.len() <= 40 && !label.contains(['(', '.', '/']);
        ((marked && label_like) || label == "file attached").then_some(name)?
    };
    let name = name.trim();
    let (stem, extension) = name.rsplit_once('.')?;
    let plausible = !stem.is_empty()
        && (1..=5).contains(&extension.len())
        && extension.chars().all(|c| c.is_ascii_alphanumeric())
        && !name.contains(['<', '>', '/', '\\']);
    plausible.then_some(name)
}

/// Android's `<Media omitted>` in any language: the whole line is a short phrase in angle
/// brackets, with no digits, colon or punctuation a person would type.
fn is_omitted(line: &str) -> bool {
    let Some(inner) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) else { return false };
    let words = inner.split_whitespace().count();
    (2..=4).contains(&words) && inner.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-')
}
