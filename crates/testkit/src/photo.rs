//! A photo with EXIF (time, offset, GPS, camera) made with kamadak-exif's writer.

use std::io::Cursor;

/// A JPEG with EXIF written by kamadak-exif's writer: time, offset and a place.
pub fn photo(offset: Option<&str>) -> Vec<u8> {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    let field = |tag, value| Field { tag, ifd_num: In::PRIMARY, value };
    let time = field(Tag::DateTimeOriginal, Value::Ascii(vec![b"2024:05:03 21:15:40".to_vec()]));
    let zone = offset.map(|o| field(Tag::OffsetTimeOriginal, Value::Ascii(vec![o.as_bytes().to_vec()])));
    let r = |num, denom| Rational { num, denom };
    let lat = field(Tag::GPSLatitude, Value::Rational(vec![r(55, 1), r(57, 1), r(1800, 100)]));
    let lat_ref = field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"N".to_vec()]));
    let lon = field(Tag::GPSLongitude, Value::Rational(vec![r(3, 1), r(11, 1), r(24, 1)]));
    let lon_ref = field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"W".to_vec()]));
    let make = field(Tag::Make, Value::Ascii(vec![b"Pixel".to_vec()]));
    let mut writer = Writer::new();
    for f in [&time, &lat, &lat_ref, &lon, &lon_ref, &make] {
        writer.push_field(f);
    }
    if let Some(z) = &zone {
        writer.push_field(z);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut jpeg = b"\xff\xd8\xff\xe1".to_vec();
    jpeg.extend_from_slice(&u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
    jpeg.extend_from_slice(b"Exif\0\0");
    jpeg.extend_from_slice(&tiff);
    jpeg.extend_from_slice(b"\xff\xd9");
    jpeg
}
