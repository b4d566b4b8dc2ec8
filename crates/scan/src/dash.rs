//! DASH manifests (`.mpd`): the first period's video, at its smallest bandwidth, as an
//! initialisation section and its first segments — from a `SegmentTemplate` (by number or by
//! time, with or without a `SegmentTimeline`), a `SegmentList`, or one file named by `BaseURL`.
//! Addresses are resolved through the manifest's `BaseURL`s.

use roxmltree::{Document, Node};
use url::Url;

use crate::stream::{MAX_SEGMENTS, Media, SAMPLE_SECONDS};

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

/// `node`'s address base: its `BaseURL` resolved against its parent's.
fn base(parent: &Url, node: Node<'_, '_>) -> Url {
    child(node, "BaseURL")
        .and_then(|b| b.text())
        .and_then(|t| parent.join(t.trim()).ok())
        .unwrap_or_else(|| parent.clone())
}

fn is_video(node: Node<'_, '_>) -> bool {
    node.attribute("contentType") == Some("video")
        || node.attribute("mimeType").is_some_and(|m| m.starts_with("video/"))
}

/// A template's address for one segment: `$RepresentationID$`, `$Bandwidth$`, `$Number$` and
/// `$Time$` (each with an optional `%0Nd` width), and `$$`.
fn fill(template: &str, id: &str, bandwidth: u64, number: u64, time: u64) -> String {
    let mut out = String::new();
    let mut parts = template.split('$');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = true;
    for part in parts {
        if inside {
            let (name, width) = part
                .split_once("%0")
                .map_or((part, 0), |(n, w)| (n, w.trim_end_matches('d').parse::<usize>().unwrap_or(0)));
            let value = match name {
                "" => "$".to_owned(),
                "RepresentationID" => id.to_owned(),
                "Bandwidth" => format!("{bandwidth:0width$}"),
                "Number" => format!("{number:0width$}"),
                "Time" => format!("{time:0width$}"),
                other => format!("${other}$"),
            };
            out.push_str(&value);
        } else {
            out.push_str(part);
        }
        inside = !inside;
    }
    out
}

/// The segments to fetch from a manifest at `manifest`.
pub(crate) fn parse(manifest: &Url, text: &str) -> Result<Media, String> {
    let doc = Document::parse(text).map_err(|e| format!("not a DASH manifest ({e})"))?;
    let mpd = doc.root_element();
    if !mpd.has_tag_name("MPD") {
        return Err("not a DASH manifest".into());
    }
    let mpd_base = base(manifest, mpd);
    let period = child(mpd, "Period").ok_or("a manifest without a period")?;
    let period_base = base(&mpd_base, period);
    let set = period
        .children()
        .filter(|n| n.has_tag_name("AdaptationSet"))
        .find(|s| is_video(*s) || s.children().any(|r| r.has_tag_name("Representation") && is_video(r)))
        .ok_or("a manifest without video")?;
    let set_base = base(&period_base, set);
    let representation = set
        .children()
        .filter(|n| n.has_tag_name("Representation"))
        .min_by_key(|r| r.attribute("bandwidth").and_then(|b| b.parse::<u64>().ok()).unwrap_or(u64::MAX))
        .ok_or("a video without a representation")?;
    let here = base(&set_base, representation);
    let id = representation.attribute("id").unwrap_or("");
    let bandwidth = representation.attribute("bandwidth").and_then(|b| b.parse().ok()).unwrap_or(0);
    let join = |address: &str| here.join(address).map_err(|e| e.to_string());
    let mut media = Media::default();
    if let Some(template) = child(representation, "SegmentTemplate").or_else(|| child(set, "SegmentTemplate")) {
        let number =
            |name: &str, default: u64| template.attribute(name).and_then(|v| v.parse().ok()).unwrap_or(default);
        let timescale = number("timescale", 1).max(1) as f64;
        if let Some(init) = template.attribute("initialization") {
            media.init = Some(join(&fill(init, id, bandwidth, 0, 0))?);
        }
        let pattern = template.attribute("media").ok_or("a segment template without media")?;
        let mut next = number("startNumber", 1);
        let mut seconds = 0.0;
        let mut push = |time: u64, duration: u64, media: &mut Media| -> Result<bool, String> {
            let length = duration as f64 / timescale;
            media.segments.push((join(&fill(pattern, id, bandwidth, next, time))?, length));
            next += 1;
            seconds += length;
            Ok(seconds < SAMPLE_SECONDS && media.segments.len() < MAX_SEGMENTS)
        };
        match child(template, "SegmentTimeline") {
            Some(timeline) => {
                let mut time = 0;
                'timeline: for s in timeline.children().filter(|n| n.has_tag_name("S")) {
                    let get = |name: &str| s.attribute(name).and_then(|v| v.parse::<i64>().ok());
                    time = get("t").map_or(time, |t| t.max(0) as u64);
                    let duration = get("d").unwrap_or(0).max(0) as u64;
                    for _ in 0..=get("r").unwrap_or(0).clamp(0, MAX_SEGMENTS as i64) {
                        if duration == 0 || !push(time, duration, &mut media)? {
                            break 'timeline;
                        }
                        time += duration;
                    }
                }
            }
            None => {
                let duration = number("duration", 0);
                if duration == 0 {
                    return Err("a segment template without durations".into());
                }
                let mut time = 0;
                while push(time, duration, &mut media)? {
                    time += duration;
                }
            }
        }
    } else if let Some(list) = child(representation, "SegmentList").or_else(|| child(set, "SegmentList")) {
        let timescale = list.attribute("timescale").and_then(|v| v.parse::<f64>().ok()).unwrap_or(1.0).max(1.0);
        let length = list.attribute("duration").and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / timescale;
        if let Some(init) = child(list, "Initialization").and_then(|i| i.attribute("sourceURL")) {
            media.init = Some(join(init)?);
        }
        let mut seconds = 0.0;
        for segment in list.children().filter(|n| n.has_tag_name("SegmentURL")).take(MAX_SEGMENTS) {
            let Some(address) = segment.attribute("media") else { continue };
            media.segments.push((join(address)?, length));
            seconds += length;
            if seconds >= SAMPLE_SECONDS {
                break;
            }
        }
    } else {
        // One file (with SegmentBase byte ranges, or none): the file itself.
        media.segments.push((here.clone(), 0.0));
    }
    if media.segments.is_empty() {
        return Err("the manifest names no segments".into());
    }
    Ok(media)
}
