-- Her safety settings: the neutral name pages show when she hides "Lodge", and how soon she
-- is signed out when idle (never later than the organisation's limit).
ALTER TABLE users ADD COLUMN app_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN idle_minutes BIGINT;
