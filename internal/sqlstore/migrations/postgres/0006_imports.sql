-- Imports of application users: durable background jobs and the local mail outbox.
CREATE TABLE import_jobs (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    app_label   TEXT NOT NULL DEFAULT '',
    admin_id    TEXT NOT NULL,
    admin_email TEXT NOT NULL DEFAULT '',
    user_ids    TEXT NOT NULL,
    total       BIGINT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    failed      BIGINT NOT NULL DEFAULT 0,
    failures    TEXT NOT NULL DEFAULT '[]',
    links       TEXT NOT NULL DEFAULT '[]',
    state       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    -- A worker holds a running job until lease_until (ms); a crashed worker's job is taken again after it.
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX import_jobs_state_idx ON import_jobs (state);

CREATE TABLE mail_outbox (
    id         TEXT PRIMARY KEY,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
