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
    assert_eq!(zip.read(&text, 1024).unwrap(), chat);
    let photo = zip.find(|n| n == "00000012-PHOTO.jpg").unwrap();
    assert_eq!(zip.read(&photo, 1024).unwrap(), b"\xff\xd8\xff jpeg bytes");
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

#[test]
fn an_entry_larger_than_its_kind_needs_is_refused_before_it_is_read() {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let big = vec![b'a'; 3 * 1024 * 1024];
    let bytes = zip_of(&[("result.json", &big)], options);
    let mut zip = SafeZip::open(Cursor::new(bytes), Limits::default()).unwrap();
    let entry = zip.find(|n| n == "result.json").unwrap();
    let err = zip.read(&entry, 1024 * 1024).unwrap_err();
    assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    assert_eq!(zip.read(&entry, 4 * 1024 * 1024).unwrap().len(), big.len());
}

#[test]
fn a_deeply_compressed_whatsapp_chat_is_refused_with_a_plain_message() {
    // 200 MiB of chat lines, compressed within the ratio a real file may have: its declared
    // size alone refuses it, before anything is inflated.
    let line = b"[03/05/2024, 21:15:40] darkwolf: you cannot hide from me\n";
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    out.start_file("_chat.txt", deflated().large_file(false)).unwrap();
    let mut written = 0usize;
    let mut n = 0u64;
    while written < 200 * 1024 * 1024 {
        // A counter in each line keeps the ratio below 200.
        let numbered = format!("{}{n:016x}\n", String::from_utf8_lossy(&line[..line.len() - 1]));
        out.write_all(numbered.as_bytes()).unwrap();
        written += numbered.len();
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    }
    let bytes = out.finish().unwrap().into_inner();
    let format = lodge_import::export::Format::WhatsApp;
    let result = lodge_import::export::read(format, Cursor::new(bytes), phonenumber::country::Id::GB, &mut |_| {});
    let err = result.unwrap_err().to_string();
    assert!(err.contains("larger than 128 MiB") || err.contains("zip bomb"), "{err}");
}
