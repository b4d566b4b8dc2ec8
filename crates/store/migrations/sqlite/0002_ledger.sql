-- Each case's append-only log. A leaf row keeps the leaf's commitment (a salted hash that
-- reveals nothing) and its opening, sealed under the case key. Hashes are the RFC 6962 tree's
-- stored hashes, by their index in Go sumdb/tlog's flat layout. Checkpoints are signed notes.

CREATE TABLE ledger_leaves (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    commitment BLOB NOT NULL,
    opening BLOB NOT NULL,
    PRIMARY KEY (case_id, idx)
);

CREATE TABLE ledger_hashes (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (case_id, idx)
);

CREATE TABLE ledger_checkpoints (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    size BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    timestamp_token BLOB,
    PRIMARY KEY (case_id, size)
);
