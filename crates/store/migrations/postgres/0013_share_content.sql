-- Police links show a frozen report under a key of their own. A link's row holds that key
-- twice: wrapped under the key the link (and its passphrase) gives, and sealed to the case so
-- that she can refresh what it shows. The content itself is in the file store, sealed under
-- it. Withdrawal and expiry delete the row and the files.
--
-- Links made before this wrapped the whole case's keys: they end here, and she makes new ones.
DROP TABLE shares;
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    wrapped_key BYTEA NOT NULL,
    content_key BYTEA NOT NULL,
    case_public_key BYTEA NOT NULL,
    passphrase_salt BYTEA,
    passphrase_kdf TEXT,
    content TEXT,
    content_made_at BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX shares_case ON shares(case_id);
CREATE INDEX shares_expiry ON shares(expires_at);

-- Each time a police link is used, sealed to the case's public key (the link cannot open the
-- case). Kept after the link ends: they are her access log.
CREATE TABLE share_accesses (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    share_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    body BYTEA NOT NULL
);
CREATE INDEX share_accesses_case ON share_accesses(case_id);
