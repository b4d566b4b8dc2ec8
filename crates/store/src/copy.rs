//! Whole-database copies for backup and restore: every table that holds an organisation's data,
//! row by row, in an order that satisfies the foreign keys, each value tagged by its column's
//! type. Case content stays the ciphertext it is in the database. Sessions are left out (a
//! restore signs everyone out), and so are migrations (the target runs its own).

/// A column's type, as both backends store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Text,
    Int,
    Bool,
    Bytes,
    NullableText,
    NullableInt,
    NullableBytes,
}

impl Column {
    /// Whether the column may be empty. Columns added after the first release are nullable and
    /// listed last, so a backup made before one was added restores with it left empty.
    pub(crate) fn nullable(self) -> bool {
        matches!(self, NullableText | NullableInt | NullableBytes)
    }
}

use Column::*;

/// Every table copied, in foreign-key order, with its columns.
pub(crate) const TABLES: &[(&str, &[(&str, Column)])] = &[
    (
        "users",
        &[
            ("id", Text),
            ("username", Text),
            ("role", Text),
            ("disabled", Bool),
            ("kdf", Text),
            ("salt", Bytes),
            ("key_by_password", Bytes),
            ("key_by_recovery", Bytes),
            ("neutral_title", Bool),
            ("created_at", Int),
            ("public_key", NullableBytes),
            ("totp_secret", NullableBytes),
            ("totp_last_step", Int),
            ("app_name", Text),
            ("idle_minutes", NullableInt),
            ("reminder_email", NullableBytes),
        ],
    ),
    (
        "invitations",
        &[
            ("token_hash", Bytes),
            ("role", Text),
            ("created_by", NullableText),
            ("created_at", Int),
            ("expires_at", Int),
            ("used_at", NullableInt),
            ("label", NullableBytes),
        ],
    ),
    ("settings", &[("name", Text), ("value", Text)]),
    (
        "passkeys",
        &[
            ("id", Text),
            ("user_id", Text),
            ("credential_id", Bytes),
            ("name", Text),
            ("passkey", Text),
            ("wrapped_key", NullableBytes),
            ("created_at", Int),
            ("last_used_at", NullableInt),
        ],
    ),
    ("feedback", &[("id", Text), ("received_on", Text), ("body", Bytes)]),
    ("voice_keys", &[("user_id", Text), ("sealed_key", Bytes)]),
    ("cases", &[("id", Text), ("owner_id", Text), ("title", Bytes), ("created_at", Int), ("updated_at", Int)]),
    ("case_keys", &[("case_id", Text), ("user_id", Text), ("wrapped_key", Bytes), ("access", Text)]),
    (
        "records",
        &[
            ("case_id", Text),
            ("id", Text),
            ("version", Int),
            ("kind", Text),
            ("created_at", Int),
            ("author_id", Text),
            ("deleted", Bool),
            ("fields", Bytes),
        ],
    ),
    (
        "ledger_leaves",
        &[("case_id", Text), ("idx", Int), ("created_at", Int), ("commitment", Bytes), ("opening", Bytes)],
    ),
    (
        "shares",
        &[
            ("id", Text),
            ("case_id", Text),
            ("token_hash", Bytes),
            ("wrapped_key", Bytes),
            ("content_key", Bytes),
            ("case_public_key", Bytes),
            ("passphrase_salt", NullableBytes),
            ("passphrase_kdf", NullableText),
            ("content", NullableText),
            ("content_made_at", NullableInt),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    ("share_accesses", &[("id", Text), ("case_id", Text), ("share_id", Text), ("at", Int), ("body", Bytes)]),
    (
        "inbox_links",
        &[
            ("id", Text),
            ("case_id", Text),
            ("token_hash", Bytes),
            ("public_key", Bytes),
            ("created_at", Int),
            ("revoked_at", NullableInt),
        ],
    ),
    (
        "inbox",
        &[
            ("id", Text),
            ("case_id", Text),
            ("link_id", Text),
            ("received_at", Int),
            ("body", Bytes),
            ("file_keys", Bytes),
        ],
    ),
    ("ledger_hashes", &[("case_id", Text), ("idx", Int), ("hash", Bytes)]),
    (
        "ledger_checkpoints",
        &[("case_id", Text), ("size", Int), ("note", Text), ("created_at", Int), ("timestamp_token", NullableBytes)],
    ),
    (
        "jobs",
        &[
            ("id", Text),
            ("case_id", Text),
            ("user_id", Text),
            ("kind", Text),
            ("state", Text),
            ("payload", Bytes),
            ("done", Int),
            ("total", Int),
            ("attempts", Int),
            ("run_after", Int),
            ("lease_owner", Text),
            ("lease_until", Int),
            ("error", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
];

/// The columns of a copied table.
pub(crate) fn columns(table: &str) -> Option<&'static [(&'static str, Column)]> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, c)| *c)
}

/// One value, as copied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text, or bytes as standard base64 (the column's type says which).
    Text(String),
}

/// One row of one table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopiedRow {
    /// The table.
    pub table: String,
    /// Its values, in the table's column order.
    pub values: Vec<Value>,
}
