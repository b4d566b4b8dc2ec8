-- Your Voice responses are sealed to the staff's public key (kept in settings as
-- 'your_voice_public_key'). The key its private half is derived from is sealed to each staff
-- account's own public key here, so only staff accounts can read responses: not the server,
-- and not a copy of the data directory with its server key.
CREATE TABLE voice_keys (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    sealed_key BYTEA NOT NULL
);
