//! Photos and screenshots: the time the camera recorded (with its offset when the file gives
//! one), and where it was taken. The place is shown to her only; reports leave it out unless she
//! chooses. EXIF is read with `kamadak-exif`, which reads JPEG, PNG, WebP, HEIF and TIFF.

use std::io::{BufReader, Read, Seek};

use exif::{In, Tag, Value};
use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::ImportError;
use crate::export::{Item, Party, Place, Stamp};

/// The conversation every photo is put in.
pub const CONVERSATION: &str = "Photos and screenshots";

/// Whether the start of a file is an image Lodge reads.
pub fn detect(head: &[u8]) -> bool {
    head.starts_with(b"\xff\xd8\xff")
        || head.starts_with(b"\x89PNG\r\n\x1a\n")
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
        || head.get(4..12).is_some_and(|b| matches!(b, b"ftypheic" | b"ftypheix" | b"ftypmif1" | b"ftypavif"))
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
}

fn text(exif: &exif::Exif, tag: Tag) -> Option<Vec<u8>> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => parts.first().cloned(),
        _ => None,
    }
}

fn when(exif: &exif::Exif) -> Option<Stamp> {
    let (raw, offset_tag) = text(exif, Tag::DateTimeOriginal)
        .map(|t| (t, Tag::OffsetTimeOriginal))
        .or_else(|| text(exif, Tag::DateTime).map(|t| (t, Tag::OffsetTime)))?;
    let mut parsed = exif::DateTime::from_ascii(&raw).ok()?;
    if let Some(offset) = text(exif, offset_tag) {
        // A wrong offset is left out, not guessed.
        let _ = parsed.parse_offset(&offset);
    }
    let local = DateTime::new(
        i16::try_from(parsed.year).ok()?,
        i8::try_from(parsed.month).ok()?,
        i8::try_from(parsed.day).ok()?,
        i8::try_from(parsed.hour).ok()?,
        i8::try_from(parsed.minute).ok()?,
        i8::try_from(parsed.second).ok()?,
        0,
    )
    .ok()?;
    match parsed.offset {
        Some(minutes) => {
            let offset = Offset::from_seconds(i32::from(minutes) * 60).ok()?;
            offset.to_timestamp(local).ok().map(Stamp::Exact)
        }
        None => Some(Stamp::Local(local)),
    }
}

fn degrees(exif: &exif::Exif, tag: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
    let [d, m, s] = parts.get(..3)? else { return None };
    let value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
    let sign = if text(exif, reference)?.first() == Some(&negative) { -1.0 } else { 1.0 };
    value.is_finite().then_some(sign * value)
}

/// Reads a photo's time, place and camera. A photo with no EXIF at all gives an item with no
/// time; a file that is not an image Lodge reads is refused.
pub fn read<R: Read + Seek>(file: R) -> Result<Item, ImportError> {
    let mut reader = BufReader::new(file);
    let mut head = [0u8; 16];
    let got = reader.read(&mut head)?;
    if !detect(&head[..got]) {
        return Err(ImportError::BrokenAt {
            offset: 0,
            reason: "this is not a photo Lodge can read (JPEG, PNG, WebP, HEIF or TIFF)".into(),
        });
    }
    reader.rewind()?;
    let exif = exif::Reader::new().read_from_container(&mut reader).ok();
    let me = Party { name: "Me".into(), handle: None, mine: true };
    let time = exif.as_ref().and_then(when);
    let mut item = Item::new(CONVERSATION, me, time, String::new(), Place::Offset(0));
    if let Some(exif) = &exif {
        let lat = degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S');
        let lon = degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W');
        item.location = lat.zip(lon).filter(|(a, o)| a.abs() <= 90.0 && o.abs() <= 180.0);
        let camera: Vec<String> = [Tag::Make, Tag::Model, Tag::Software]
            .into_iter()
            .filter_map(|t| text(exif, t))
            .map(|t| String::from_utf8_lossy(&t).trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if !camera.is_empty() {
            item.details.push(("Camera or app".into(), camera.join(" ")));
        }
        if let Some(raw) = text(exif, Tag::DateTimeOriginal).or_else(|| text(exif, Tag::DateTime)) {
            item.details.push(("Time as the camera recorded it".into(), String::from_utf8_lossy(&raw).into_owned()));
        }
    }
    Ok(item)
}
