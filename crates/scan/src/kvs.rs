//! The video address in a KVS (Kernel Video Sharing) player's `flashvars`, the engine many tube
//! sites run on: `video_url: 'https://…/get_file/…/123.mp4/'`, or hidden as
//! `function/0/https://…` with the 32-character hash in its path shuffled by the page's
//! `license_code`, which this undoes.

use std::sync::LazyLock;

use regex::Regex;

/// Length of the shuffled hash at the start of the path's third part.
const HASH_LENGTH: usize = 32;

static FLASHVAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"(\w+)\s*:\s*'([^']*)'"#).ok());

/// The video address a KVS `flashvars` script names, unshuffled, if it names one.
pub fn video_url(script: &str) -> Option<String> {
    if !script.contains("video_url") {
        return None;
    }
    let re = FLASHVAR.as_ref()?;
    let (mut url, mut license) = (None, None);
    for caps in re.captures_iter(script) {
        match caps.get(1)?.as_str() {
            "video_url" => url = Some(caps.get(2)?.as_str().to_owned()),
            "license_code" => license = Some(caps.get(2)?.as_str().to_owned()),
            _ => {}
        }
    }
    let url = url?;
    match url.strip_prefix("function/0/") {
        None => Some(url),
        Some(hidden) => unshuffle(hidden, &license?),
    }
}

/// The digits the shuffle is made from, worked out from the license code.
fn license_token(license: &str) -> Option<Vec<u32>> {
    let license = license.trim_start_matches('$');
    let values: Vec<u32> = license.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if values.len() < 2 || values.len() > 32 {
        return None;
    }
    let modified: String = license.chars().map(|c| if c == '0' { '1' } else { c }).collect();
    let middle = modified.len() / 2;
    let front: u128 = modified.get(..=middle)?.parse().ok()?;
    let back: u128 = modified.get(middle..)?.parse().ok()?;
    let product = (4 * front.abs_diff(back)).to_string();
    let digits: Vec<u32> = product.chars().take(middle + 1).map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    let mut token = Vec::with_capacity(digits.len() * 4);
    for (index, current) in digits.iter().enumerate() {
        for offset in 0..4 {
            token.push((values.get(index + offset)? + current) % 10);
        }
    }
    Some(token)
}

/// The real address of a `function/0/` one.
fn unshuffle(hidden: &str, license: &str) -> Option<String> {
    let token = license_token(license)?;
    if token.len() < HASH_LENGTH {
        return None;
    }
    let (scheme, path_and_rest) = hidden.split_once("://")?;
    let slash = path_and_rest.find('/')?;
    let (host, path) = path_and_rest.split_at(slash);
    let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
    let part = parts.get(3)?;
    let hash: Vec<char> = part.chars().take(HASH_LENGTH).collect();
    if hash.len() < HASH_LENGTH {
        return None;
    }
    let tail: String = part.chars().skip(HASH_LENGTH).collect();
    let mut indices: Vec<usize> = (0..HASH_LENGTH).collect();
    let mut accumulated = 0usize;
    for source in (0..HASH_LENGTH).rev() {
        accumulated += *token.get(source)? as usize;
        let destination = (source + accumulated) % HASH_LENGTH;
        indices.swap(source, destination);
    }
    let real: String = indices.iter().map(|i| hash[*i]).collect();
    parts[3] = real + &tail;
    Some(format!("{scheme}://{host}{}", parts.join("/")))
}
