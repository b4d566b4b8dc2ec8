-- Your Voice: anonymous feedback for the organisation. Only the day it arrived is kept (no
-- time, no address, no account), and what it says is sealed under a key derived from the
-- server key.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    received_on TEXT NOT NULL,
    body BYTEA NOT NULL
);
