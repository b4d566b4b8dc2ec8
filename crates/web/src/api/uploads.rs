//! The multipart bodies that carry files, described for the API's schema (the handlers read
//! them part by part, as they stream to encrypted storage).

use utoipa::ToSchema;

/// Who made a piece of her content.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum MadeBy {
    Her,
    Studio,
    SomeoneElse,
}

/// Her own content to fingerprint: an image or video in `file`, or `lodge hash` output in
/// `hashes`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct ContentUpload {
    /// What she calls it.
    #[schema(max_length = 200)]
    label: Option<String>,
    made_by: Option<MadeBy>,
    /// Where and when it was first published, in her words.
    first_published: Option<String>,
    /// `yes` when it is an intimate image or video.
    #[schema(pattern = "^(yes|no|true|false|on)?$")]
    intimate: Option<String>,
    /// The image or video.
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
    /// `lodge hash` output instead of a file.
    hashes: Option<String>,
}

/// Images or videos to compare with her content; nothing is kept.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct CheckUpload {
    /// At most 50.
    #[schema(value_type = Vec<String>, format = Binary, max_items = 50)]
    files: Vec<Vec<u8>>,
}

/// An export to read and preview.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct ImportUpload {
    /// The export's format, or `auto` (the default) to let Lodge tell.
    #[schema(pattern = "^(auto|whatsapp|sms-xml|telegram|instagram|facebook|x|discord|email|image)?$")]
    format: Option<String>,
    /// The IANA time zone its local times are in, if it writes any (`Europe/London`).
    zone: Option<String>,
    /// The export: a file or a zip.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
