//! Imports: an export staged, previewed and imported as incidents, and the same export
//! imported again adding nothing.

use bytes::Bytes;
use lodge_service::{Grouping, ImportChoices, ImportFormat, TimelineFilter};

use crate::kit::Kit;

const CHAT: &str = "[03/05/2024, 21:15:40] darkwolf: you can't hide\nfrom me\n\
[03/05/2024, 21:16:00] Ruby: Stop contacting me.\n\
[13/05/2024, 09:01:00] darkwolf: my new number is +44 7911 123456\n";

fn body(text: &str) -> futures_util::stream::Iter<std::vec::IntoIter<Result<Bytes, std::io::Error>>> {
    futures_util::stream::iter(vec![Ok(Bytes::copy_from_slice(text.as_bytes()))])
}

#[tokio::test]
async fn a_whatsapp_chat_becomes_incidents_once() {
    let kit = Kit::start().await;
    let (_, open) = kit.her_case("ruby").await;

    let staged = open.stage_import("WhatsApp Chat with darkwolf.txt", body(CHAT)).await.unwrap();
    let preview = open.preview_import(&staged, None, "Europe/London", None).await.unwrap();
    assert_eq!(preview.format, ImportFormat::WhatsApp);
    assert_eq!(preview.messages, 3);
    let senders: Vec<&str> = preview.senders.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(senders, ["darkwolf", "Ruby"]);

    let choices = ImportChoices {
        format: None,
        zone: "Europe/London".into(),
        conversations: Vec::new(),
        me: vec!["Ruby".into()],
        left_out: Vec::new(),
        grouping: Grouping::Day,
        keep_partial: false,
        date_order: None,
    };
    let outcome = open.import(&staged, &choices, None).await.unwrap();
    assert_eq!((outcome.incidents, outcome.messages, outcome.duplicates), (2, 3, 0));
    let people = open.people().await.unwrap();
    assert!(people.iter().any(|p| p.body.as_ref().is_some_and(|b| b.label == "darkwolf")), "{people:?}");
    assert_eq!(open.timeline(&TimelineFilter::default()).await.unwrap().len(), 2);

    let again = open.stage_import("WhatsApp Chat with darkwolf.txt", body(CHAT)).await.unwrap();
    let outcome = open.import(&again, &choices, None).await.unwrap();
    assert_eq!((outcome.incidents, outcome.duplicates), (0, 3));
}
