-- Her inbox: links she gives people she trusts, and what they send through them, sealed to
-- the case's public key (the sender cannot read it back, nor anything else of the case).
CREATE TABLE inbox_links (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX inbox_links_case ON inbox_links(case_id);

CREATE TABLE inbox (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    link_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    body BLOB NOT NULL,
    file_keys BLOB NOT NULL
);
CREATE INDEX inbox_case ON inbox(case_id);
