-- Who holds a running import job's lease: progress saves, renewals, the end
-- and the release of a job only apply for its holder, so a worker that
-- stalled past its lease and lost the job cannot overwrite the new holder's
-- progress.
ALTER TABLE import_jobs ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
