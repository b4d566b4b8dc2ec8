//! Hostile files in bounded memory: exports made to exhaust the server — a zip bomb, a chat
//! compressed as deeply as a zip allows with a new sender on every line, JSON shaped to swell
//! when read — are each taken or refused with a plain message, and the server's peak memory
//! (its high-water mark, read from /proc) stays within 256 MiB of what it was before them.

use std::io::Write;

use crate::harness::{Backend, Server};

/// The bound the threat model states: peak memory above idle while taking any hostile file.
const BOUND_MIB: u64 = 256;

fn zip_of(name: &str, chunks: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    zip.start_file(name, options).unwrap();
    for chunk in chunks {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `lines` WhatsApp lines, each from a sender never seen before.
fn chat_lines(from: usize, lines: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines * 48);
    for n in from..from + lines {
        writeln!(out, "[03/05/2024, 21:{:02}:{:02}] sender {n:09}: you can't hide", n / 60 % 60, n % 60).unwrap();
    }
    out
}

/// JSON that holds `mib` MiB of empty lists under `key`: a few bytes each, each a value when
/// read into a tree.
fn swelling_json(key: &str, mib: usize) -> Vec<u8> {
    let mut out = format!("{{\"name\":\"wolf\",\"{key}\":[").into_bytes();
    let pairs = mib * 1024 * 1024 / 3;
    out.reserve(pairs * 3 + 4);
    for n in 0..pairs {
        out.extend_from_slice(if n == 0 { b"[]" } else { b",[]" });
    }
    out.extend_from_slice(b"]}");
    out
}

#[tokio::test]
async fn hostile_exports_are_refused_or_read_in_bounded_memory() {
    let server = Server::start(Backend::Sqlite).await;
    server.add_user("survivor", "ruby");
    let api = server.api("ruby").await;
    let case = api.create_case("Messages from @wolf").await;
    let idle = server.peak_memory_kib().unwrap();
    let stage = |name: &'static str, format: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("format", format)
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        let req = api.post(&format!("/api/v1/cases/{case}/imports")).multipart(form);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let grown = |what: &str| {
        let mib = server.peak_memory_kib().unwrap().saturating_sub(idle) / 1024;
        eprintln!("after {what}: peak {mib} MiB above idle");
        assert!(mib < BOUND_MIB, "after {what} the server's peak memory is {mib} MiB above idle");
    };

    // A zip bomb: 512 MiB of nothing in half a MiB. The preview says what is wrong, and that
    // nothing could be read.
    let bomb = zip_of("_chat.txt", (0..32).map(|_| vec![0u8; 16 * 1024 * 1024]));
    let (status, body) = stage("WhatsApp Chat - wolf.zip", "whatsapp", bomb).await;
    assert_eq!(status, 201, "{body}");
    let preview: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["messages"], 0);
    assert!(preview["problem"].as_str().unwrap().contains("a zip bomb?"), "{body}");
    grown("a zip bomb");

    // A chat of 160 MiB, deflated as far as a zip allows (within the ratio a real file has),
    // with a new sender on every line: refused by its declared size, before it is inflated.
    let lines = 160 * 1024 * 1024 / 48;
    let deep = zip_of("_chat.txt", (0..lines).step_by(100_000).map(|from| chat_lines(from, 100_000.min(lines - from))));
    let (status, body) = stage("WhatsApp Chat - wolf.zip", "whatsapp", deep).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("is larger than 128 MiB, more than a real export of this kind holds"), "{body}");
    grown("a deeply compressed WhatsApp export");

    // Not zipped, 40 MiB of lines each from someone new: read as a stream, and the preview lists
    // the first thousand senders.
    let plain: Vec<u8> =
        (0..40 * 1024 * 1024 / 48).step_by(100_000).flat_map(|from| chat_lines(from, 100_000)).collect();
    let (status, body) = stage("WhatsApp Chat with wolf.txt", "whatsapp", plain).await;
    assert_eq!(status, 201, "{}", &body[..body.len().min(300)]);
    let preview: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["senders"].as_array().unwrap().len(), 1_000);
    assert!(body.contains("only the first 1000 of each are listed"), "{}", &body[..body.len().min(300)]);
    grown("a chat with a new sender on every line");

    // JSON exports that swell when read into a tree: 100 MiB of empty lists.
    for (name, format, key) in [
        ("result.json", "telegram", "messages"),
        ("message_1.json", "instagram", "messages"),
        ("direct-messages.js", "x", "dmConversation"),
    ] {
        let (status, body) = stage(name, format, swelling_json(key, 100)).await;
        assert!(status == 400 || body.contains("\"problem\":\""), "{format}: {status} {body}");
        grown(&format!("swelling JSON as {format}"));
    }

    // Exports as large as each format allows, of the smallest messages it can hold.
    let telegram = many(
        r#"{"name":"wolf","messages":["#,
        r#"{"id":1,"date_unixtime":"1709673300","from":"w","text":"x"}"#,
        "]}",
        40,
    );
    let meta =
        many(r#"{"participants":[],"messages":["#, r#"{"sender_name":"w","timestamp_ms":1}"#, r#"],"title":"w"}"#, 7);
    let x = many(
        r#"window.YTD.direct_messages.part0 = [{"dmConversation":{"conversationId":"1","messages":["#,
        r#"{"messageCreate":{"id":"1","senderId":"1","createdAt":"2024-03-05T21:15:00.000Z"}}"#,
        "]}}]",
        15,
    );
    let discord = discord_package(many("[", r#"{"ID":1,"Timestamp":"2024-03-05 21:15:00"}"#, "]", 15));
    for (name, format, bytes) in [
        ("result.json", "telegram", telegram),
        ("message_1.json", "instagram", meta),
        ("direct-messages.js", "x", x),
        ("package.zip", "discord", discord),
    ] {
        let (status, body) = stage(name, format, bytes).await;
        assert_eq!(status, 201, "{format}: {}", &body[..body.len().min(300)]);
        let preview: serde_json::Value = serde_json::from_str(&body).unwrap();
        eprintln!("{format}: {} messages, problem {}", preview["messages"], preview["problem"]);
        assert!(preview["messages"].as_u64().unwrap() > 100_000, "{format}");
        grown(&format!("the most small messages {format} allows"));
    }
}

/// `head`, then `item` repeated (comma-separated) to about `mib` MiB, then `tail`.
fn many(head: &str, item: &str, tail: &str, mib: usize) -> Vec<u8> {
    let count = mib * 1024 * 1024 / (item.len() + 1);
    let mut out = Vec::with_capacity(count * (item.len() + 1) + head.len() + tail.len());
    out.extend_from_slice(head.as_bytes());
    for n in 0..count {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item.as_bytes());
    }
    out.extend_from_slice(tail.as_bytes());
    out
}

/// A Discord data package with one channel holding `messages` (stored, not compressed).
fn discord_package(messages: Vec<u8>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [
        ("messages/index.json", br#"{"1": "wolf"}"#.to_vec()),
        ("messages/c1/channel.json", br#"{"id": "1", "type": 1}"#.to_vec()),
        ("messages/c1/messages.json", messages),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
