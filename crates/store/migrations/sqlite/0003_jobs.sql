-- Long work (scans, re-checks, name watch) as durable jobs. What a job works on is sealed under
-- its case's key (payload); the row itself says only which case, what kind, how far, and who
-- holds it. A node holds a job by its lease, renewed while it works; a job whose lease has run
-- out is taken up again where it stopped.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    payload BLOB NOT NULL,
    done BIGINT NOT NULL,
    total BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    error TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX jobs_by_case ON jobs (case_id, created_at);
CREATE INDEX jobs_unfinished ON jobs (state, run_after);
