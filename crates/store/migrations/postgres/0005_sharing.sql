-- Sharing by consent: each account's public key (for grants to support workers) and the
-- police share links. Grants themselves are case_keys rows with access 'read' or 'write'.
ALTER TABLE users ADD COLUMN public_key BYTEA;

CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    wrapped_key BYTEA NOT NULL,
    passphrase_salt BYTEA,
    passphrase_kdf TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX shares_case ON shares(case_id);
