-- Accounts, invitations, sessions, settings, cases and the versioned records of each case.
-- Every column that holds case content is ciphertext (BLOB); ids are UUIDs as text; times are
-- milliseconds since the Unix epoch.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    kdf TEXT NOT NULL,
    salt BLOB NOT NULL,
    key_by_password BLOB NOT NULL,
    key_by_recovery BLOB NOT NULL,
    neutral_title BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE invitations (
    token_hash BLOB PRIMARY KEY,
    role TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    wrapped_user_key BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    device TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    title BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE case_keys (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    wrapped_key BLOB NOT NULL,
    access TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_keys_user ON case_keys(user_id);

CREATE TABLE records (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    deleted BOOLEAN NOT NULL,
    fields BLOB NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX records_case_kind ON records(case_id, kind);
