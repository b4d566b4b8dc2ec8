//! Telegram Desktop and X archive exports.

use lodge_import::export::Stamp;
use lodge_import::{ImportError, telegram, x_archive};

#[test]
fn telegram_single_chat_and_full_export() {
    let single = r#"{
      "name": "darkwolf", "type": "personal_chat", "id": 4242,
      "messages": [
        {"id": 1, "type": "service", "date": "2024-03-05T21:14:00", "date_unixtime": "1709673240", "actor": "darkwolf", "action": "phone_call", "text": ""},
        {"id": 2, "type": "message", "date": "2024-03-05T21:15:00", "date_unixtime": "1709673300", "from": "darkwolf", "from_id": "user4242",
         "text": ["you can't hide, see ", {"type": "link", "text": "https://t.me/x"}, " ", {"type": "mention", "text": "@ruby"}]},
        {"id": 3, "type": "message", "date_unixtime": "1709673360", "edited_unixtime": "1709673400", "from": "darkwolf", "from_id": "user4242",
         "photo": "photos/photo_1@05-03-2024_21-16-00.jpg", "text": "this one"},
        {"id": 4, "type": "message", "date_unixtime": "1709673420", "from": "darkwolf", "from_id": "user4242",
         "file": "(File not included. Change data exporting settings to download.)", "text": ""}
      ]
    }"#;
    assert!(telegram::detect(single.as_bytes()));
    let chats = telegram::parse(single.as_bytes()).unwrap();
    assert_eq!(chats.len(), 1);
    let m = &chats[0].messages;
    assert!(m[0].service);
    assert_eq!(m[0].from, "darkwolf", "a notice names its actor");
    assert_eq!(m[1].text, "you can't hide, see https://t.me/x @ruby");
    assert_eq!(
        m[1].time,
        Stamp::Exact("2024-03-05T21:15:00Z".parse().unwrap()),
        "from date_unixtime, not the local date"
    );
    assert_eq!(m[2].file.as_deref(), Some("photos/photo_1@05-03-2024_21-16-00.jpg"));
    assert_eq!(m[2].edited, Some(Stamp::Exact(jiff::Timestamp::from_second(1_709_673_400).unwrap())));
    assert_eq!(m[3].file, None, "a file left out of the export is not pretended to be there");

    let full = format!(
        r#"{{"about": "Here is the data you requested.", "chats": {{"about": "", "list": [{single}, {single}]}}}}"#
    );
    assert_eq!(telegram::parse(full.as_bytes()).unwrap().len(), 2);

    let err = telegram::parse(br#"{"messages": [{"id": 1, "date_unixtime": "soon"}]}"#).unwrap_err();
    assert!(err.to_string().contains("message 1 has an unreadable time"), "{err}");
    assert!(matches!(telegram::parse(b"{not json"), Err(ImportError::Malformed { .. })));
}

/// Telegram Desktop before `date_unixtime` (2021): only the local `date`, read in the zone she
/// confirms, and ids written as numbers.
#[test]
fn telegram_exports_from_before_date_unixtime() {
    let old = r#"{
      "name": "darkwolf", "type": "personal_chat", "id": 4242,
      "messages": [
        {"id": 7, "type": "message", "date": "2019-05-03T21:15:40", "edited": "2019-05-03T21:20:00",
         "from": "darkwolf", "from_id": 4242, "text": "you can't hide"},
        {"id": 8, "type": "service", "date": "2019-05-03T21:16:00", "actor": "darkwolf", "actor_id": 4242, "action": "phone_call"}
      ]
    }"#;
    assert!(telegram::detect(old.as_bytes()), "known without date_unixtime");
    let chats = telegram::parse(old.as_bytes()).unwrap();
    let m = &chats[0].messages;
    assert_eq!(m[0].time, Stamp::Local("2019-05-03T21:15:40".parse().unwrap()));
    assert_eq!(m[0].edited, Some(Stamp::Local("2019-05-03T21:20:00".parse().unwrap())));
    assert_eq!(m[0].from_id, "4242");
    let none = telegram::parse(br#"{"messages": [{"id": 9, "type": "message", "text": "x"}]}"#).unwrap_err();
    assert!(none.to_string().contains("message 9 has no time"), "{none}");
}

#[test]
fn x_direct_messages_oldest_first() {
    let file = r#"window.YTD.direct_messages.part0 = [
      {"dmConversation": {"conversationId": "111-222", "messages": [
        {"messageCreate": {"id": "9", "senderId": "222", "recipientId": "111", "text": "answer me",
          "createdAt": "2024-03-05T21:20:00.000Z", "mediaUrls": ["https://ton.twitter.com/dm/9/1/x.jpg"], "urls": []}},
        {"messageCreate": {"id": "8", "senderId": "222", "recipientId": "111", "text": "hello again",
          "createdAt": "2024-03-05T21:15:00.000Z", "mediaUrls": [], "urls": []}}
      ]}}
    ]"#;
    assert!(x_archive::detect(file.as_bytes()));
    let conversations = x_archive::parse(file.as_bytes()).unwrap().whole().unwrap();
    assert_eq!(conversations[0].id, "111-222");
    let m = &conversations[0].messages;
    assert_eq!((m[0].id.as_str(), m[1].id.as_str()), ("8", "9"), "oldest first");
    assert_eq!(m[1].media, ["https://ton.twitter.com/dm/9/1/x.jpg"]);
    assert_eq!(m[0].sender_id, "222");
    assert!(x_archive::parse(b"[1, 2, 3]").is_err(), "not the X wrapper");
    assert!(!x_archive::detect(b"window.YTD.tweets.part0 = []"));
}

#[test]
fn discord_package_json_and_older_csv() {
    use lodge_import::discord;
    let index = discord::index(br#"{"1100": "Direct Message with darkwolf#0001", "1200": null}"#).unwrap();
    assert_eq!(index[0], ("1100".to_owned(), "Direct Message with darkwolf#0001".to_owned()));
    let channel =
        discord::channel(br#"{"id": "1100", "type": "DM", "recipients": ["42", "77"]}"#, &index[0].1).unwrap();
    assert_eq!((channel.name.as_str(), channel.recipients.len()), ("Direct Message with darkwolf#0001", 2));

    let json = br#"[
      {"ID": 2, "Timestamp": "2024-03-05 21:20:00", "Contents": "I have reported you.", "Attachments": ""},
      {"ID": 1, "Timestamp": "2024-03-05 21:15:00", "Contents": "Stop messaging me.", "Attachments": "https://cdn.discordapp.com/attachments/1/2/a.png"}
    ]"#;
    let m = discord::messages(json, false).unwrap().whole().unwrap();
    assert_eq!((m[0].id.as_str(), m[0].text.as_str()), ("1", "Stop messaging me."), "oldest first");
    assert_eq!(m[0].time.to_string(), "2024-03-05T21:15:00Z");
    assert_eq!(m[0].attachments, ["https://cdn.discordapp.com/attachments/1/2/a.png"]);

    let csv = b"ID,Timestamp,Contents,Attachments\n7,2020-01-02 03:04:05.123000+00:00,\"hello, again\",\n";
    let m = discord::messages(csv, true).unwrap().whole().unwrap();
    assert_eq!((m[0].id.as_str(), m[0].text.as_str()), ("7", "hello, again"));
    assert_eq!(m[0].time.to_string(), "2020-01-02T03:04:05.123Z");

    let err = discord::messages(br#"[{"ID": 3, "Timestamp": "last week", "Contents": ""}]"#, false).unwrap_err();
    assert!(err.to_string().contains("message 3 has an unreadable time"), "{err}");
    assert!(discord::messages(b"{}", false).is_err());
}
