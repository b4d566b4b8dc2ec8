//! Identifiers found in message text.

use lodge_import::identifiers::{Found, find, phone};
use phonenumber::country::Id;

#[test]
fn numbers_emails_handles_and_links_are_found_once_each() {
    let text = "Text me on 07911 123456 or +44 7400 123456, or mail Dark.Wolf@Example.org. \
                I'm @darkwolf_99 on insta (https://instagram.com/darkwolf_99) - again 07911123456!";
    let found = find(text, Id::GB);
    assert_eq!(
        found,
        [
            Found::Email("dark.wolf@example.org".into()),
            Found::Url("https://instagram.com/darkwolf_99".into()),
            Found::Handle("@darkwolf_99".into()),
            Found::Phone("+447911123456".into()),
            Found::Phone("+447400123456".into()),
        ]
    );
}

#[test]
fn phone_numbers_are_normalised_or_refused() {
    assert_eq!(phone("0044 20 7946 0958", Id::GB).as_deref(), Some("+442079460958"));
    assert_eq!(phone("07700 900123", Id::GB), None, "Ofcom keeps 07700 900xxx for drama: not a real number");
    assert_eq!(phone("(415) 555-2671", Id::US).as_deref(), Some("+14155552671"));
    assert_eq!(phone("12345", Id::GB), None);
    assert!(find("order 2024-05-03 at 21:15, ref 123456", Id::GB).is_empty(), "dates and times are not numbers");
}
