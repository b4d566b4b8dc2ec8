-- Every request that opens a case asks whether the case has work due; answer it from the
-- unfinished jobs alone, however many finished ones a case has gathered.

DROP INDEX jobs_unfinished;
CREATE INDEX jobs_due ON jobs (case_id, run_after) WHERE state IN ('queued', 'running');
