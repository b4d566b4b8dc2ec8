-- Who an invitation is for, in the administrator's words, sealed with a key derived from the
-- server key (the database alone never shows it), so that open invitations can be listed and
-- withdrawn.
ALTER TABLE invitations ADD COLUMN label BLOB;
