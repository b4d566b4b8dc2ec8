//! What can be kept of a JSON export that is cut short or broken part-way: the same document,
//! closed after its last whole list element before the damage, so that a reader gets every
//! record that came before it — and an error that says where the damage is and how much was read.
//!
//! Only whole elements of lists are kept (a message is never half read): the document is closed
//! after the deepest list element that ends before the damage and still reads as the format,
//! trying shallower ones (fewer records) until one does.

use serde::de::DeserializeOwned;

use crate::ImportError;

/// Deepest nesting followed; an export nests a handful of levels.
const MAX_DEPTH: usize = 64;

/// Where a JSON file is damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// The line of the damage, from 1.
    pub line: u64,
    /// Whether the file simply ends early (rather than holding something unreadable).
    pub ends_early: bool,
}

impl Break {
    /// The error to give, once the records before the damage are counted.
    pub fn error(self, read: usize, what: &str) -> ImportError {
        let reason = if self.ends_early {
            format!("the file is cut short here: the {read} {what} before this point were read, the rest is missing")
        } else {
            format!("this part of the file cannot be read: the {read} {what} before it were read, the rest was not")
        };
        ImportError::Malformed { line: self.line, reason }
    }
}

/// Reads `bytes` as `T`; if the document is damaged, reads what comes before the damage, and
/// says where the damage is. Fails with the reader's own error when nothing before the damage
/// reads as `T`.
pub fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, Option<Break>), serde_json::Error> {
    let error = match serde_json::from_slice::<T>(bytes) {
        Ok(read) => return Ok((read, None)),
        Err(e) => e,
    };
    // At the end of the file, everything read is before the damage; elsewhere the error points
    // at the first character that cannot be read.
    let damage = if error.is_eof() { bytes.len() } else { offset_of(bytes, error.line(), error.column()) };
    let broken = Break { line: error.line() as u64, ends_early: error.is_eof() };
    // Each candidate is made only when the one after a deeper element did not read.
    let before = &bytes[..damage.min(bytes.len())];
    for (end, open) in element_ends(before) {
        let mut closed = before[..end].to_vec();
        closed.extend(open.iter().rev().map(|b| if *b == b'[' { b']' } else { b'}' }));
        if let Ok(read) = serde_json::from_slice::<T>(&closed) {
            return Ok((read, Some(broken)));
        }
    }
    Err(error)
}

/// The byte offset of a line and column (both from 1) as serde_json reports them.
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match bytes[start..].iter().position(|b| *b == b'\n') {
            Some(at) => start += at + 1,
            None => return bytes.len(),
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

/// Where the last whole list element at each depth of `bytes` ends, and the containers still
/// open there (to be closed), deepest first.
fn element_ends(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut stack: Vec<u8> = Vec::new();
    // For each depth: where its last whole list element ends, and the open containers there.
    let mut ends: Vec<Option<(usize, Vec<u8>)>> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for (at, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' if stack.len() < MAX_DEPTH => stack.push(b),
            b'[' | b'{' => return Vec::new(),
            b']' | b'}' => {
                stack.pop();
                if stack.last() == Some(&b'[') {
                    let depth = stack.len();
                    if ends.len() < depth {
                        ends.resize(depth, None);
                    }
                    ends[depth - 1] = Some((at + 1, stack.clone()));
                }
            }
            _ => {}
        }
    }
    ends.into_iter().rev().flatten().collect()
}
