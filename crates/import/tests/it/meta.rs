//! Instagram and Facebook message files, with the export's mojibake.

use lodge_import::ImportError;
use lodge_import::meta::{detect, parse, repair};

#[test]
fn messages_come_oldest_first_with_their_text_repaired() {
    // As the export writes it: "😎" and "é" as one escape per UTF-8 byte.
    let json = r#"{
      "participants": [{"name": "darkwolf_99"}, {"name": "Ruby St\u00c3\u00a9"}],
      "messages": [
        {"sender_name": "darkwolf_99", "timestamp_ms": 1709673420000, "content": "look \u00f0\u009f\u0098\u008e",
         "photos": [{"uri": "your_instagram_activity/messages/inbox/darkwolf_99_123/photos/1.jpg", "creation_timestamp": 1709673420}]},
        {"sender_name": "darkwolf_99", "timestamp_ms": 1709673300000, "content": "you can't hide",
         "share": {"link": "https://instagram.com/p/abc"}}
      ],
      "title": "darkwolf_99",
      "thread_path": "inbox/darkwolf_99_123"
    }"#;
    assert!(detect(json.as_bytes()));
    let thread = parse(json.as_bytes()).unwrap().whole().unwrap();
    assert_eq!(thread.participants, ["darkwolf_99", "Ruby Sté"]);
    assert_eq!(thread.messages.len(), 2);
    assert_eq!(thread.messages[0].text, "you can't hide", "oldest first");
    assert_eq!(thread.messages[0].index, 1, "its place in the file");
    assert_eq!(thread.messages[0].link.as_deref(), Some("https://instagram.com/p/abc"));
    assert_eq!(thread.messages[0].time.to_string(), "2024-03-05T21:15:00Z");
    assert_eq!(thread.messages[1].text, "look 😎");
    assert_eq!(thread.messages[1].files, ["your_instagram_activity/messages/inbox/darkwolf_99_123/photos/1.jpg"]);
}

#[test]
fn clean_text_is_left_alone_and_bad_files_are_named() {
    assert_eq!(repair("plain café"), "plain café", "é alone is not valid UTF-8 as a byte: kept");
    assert_eq!(repair("日本"), "日本");
    let err = parse(b"{\"participants\": [], \"messages\": [{\"sender_name\": 1}]}").unwrap_err();
    assert!(matches!(err, ImportError::Malformed { line: 1, .. }), "{err}");
    assert!(parse(b"not json").is_err());
    assert!(!detect(b"<html>"));
}
