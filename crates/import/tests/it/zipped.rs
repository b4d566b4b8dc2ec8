//! Zip archives from exports: read without extracting; links, path tricks and bombs refused.

use std::io::{Cursor, Write};

use lodge_import::zipped::{Limits, SafeZip};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

fn zip_of(files: &[(&str, &[u8])], options: SimpleFileOptions) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

#[test]
fn a_whatsapp_export_with_media_is_read_in_place() {
    let chat = b"[03/05/2024, 21:15:40] darkwolf: <attached: 00000012-PHOTO.jpg>\n";
    let bytes = zip_of(&[("_chat.txt", chat), ("00000012-PHOTO.jpg", b"\xff\xd8\xff jpeg bytes")], deflated());
    let mut zip = SafeZip::open(Cursor::new(bytes), Limits::default()).unwrap();
    assert_eq!(zip.entries().len(), 2);
    let text = zip.find(|n| n == "_chat.txt" || (n.starts_with("WhatsApp Chat") && n.ends_with(".txt"))).unwrap();
    assert_eq!(zip.read(&text).unwrap(), chat);
    let photo = zip.find(|n| n == "00000012-PHOTO.jpg").unwrap();
    assert_eq!(zip.read(&photo).unwrap(), b"\xff\xd8\xff jpeg bytes");
}

#[test]
fn path_tricks_links_bombs_and_floods_are_refused() {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for path in ["../../etc/passwd", "/etc/passwd", "media/../../x"] {
        let bytes = zip_of(&[(path, b"x")], options);
        let err = SafeZip::open(Cursor::new(bytes), Limits::default()).unwrap_err();
        assert!(err.to_string().contains("unsafe path"), "{path}: {err}");
    }

    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    out.add_symlink("photo.jpg", "/etc/shadow", options).unwrap();
    let err = SafeZip::open(Cursor::new(out.finish().unwrap().into_inner()), Limits::default()).unwrap_err();
    assert!(err.to_string().contains("is a link"), "{err}");

    // 64 MiB of zeros deflates to about 64 KiB: a ratio no photo or chat reaches.
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let err = SafeZip::open(Cursor::new(zip_of(&[("chat.txt", &zeros)], deflated())), Limits::default()).unwrap_err();
    assert!(err.to_string().contains("zip bomb"), "{err}");

    let many: Vec<(String, Vec<u8>)> = (0..30).map(|i| (format!("f{i}"), vec![1])).collect();
    let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let limits = Limits { max_entries: 20, ..Limits::default() };
    assert!(SafeZip::open(Cursor::new(zip_of(&refs, options)), limits).is_err(), "too many entries");
    let limits = Limits { max_total: 10, ..Limits::default() };
    assert!(SafeZip::open(Cursor::new(zip_of(&refs, options)), limits).is_err(), "too large in total");
    assert!(SafeZip::open(Cursor::new(b"not a zip".to_vec()), Limits::default()).is_err());
}
