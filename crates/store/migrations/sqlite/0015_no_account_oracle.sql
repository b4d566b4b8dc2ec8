-- A passkey sign-in started for a name with no passkey, or no account, keeps a ceremony as a
-- real one does, so that neither its answer nor its time says whether the name exists: such a
-- ceremony names no account. Ceremonies last minutes, so the table is made again empty.
DROP TABLE webauthn_states;
CREATE TABLE webauthn_states (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- How many times an invitation has answered "that name is taken": a few, then it is used up,
-- so that one link cannot list the names in use.
ALTER TABLE invitations ADD COLUMN names_taken BIGINT NOT NULL DEFAULT 0;
