-- Second factors: a TOTP secret (sealed under the account key) with the last time step used
-- (a code works once), and sessions that still wait for the second factor.
ALTER TABLE users ADD COLUMN totp_secret BYTEA;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN pending_second_factor BOOLEAN NOT NULL DEFAULT FALSE;
