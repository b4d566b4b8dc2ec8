-- Failed sign-in attempts, for back-off: keyed by a keyed hash of the account name, the
-- client address or the pending session (never the name or address itself).
CREATE TABLE attempts (
    key BYTEA PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
