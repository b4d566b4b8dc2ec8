-- Reminders by email: the address an account asked reminders to go to, sealed under a key
-- derived from the server key (never in the database or a backup), so a job can send a
-- reminder when nobody is signed in.
ALTER TABLE users ADD COLUMN reminder_email BYTEA;
