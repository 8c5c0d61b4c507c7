-- Provisioning (identity management): per-app settings, links from
-- directory subjects to application ids, and the durable queue of dirty keys.

CREATE TABLE app_idm (
    app_id         TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    base_url       TEXT NOT NULL DEFAULT '',
    token_sealed   TEXT NOT NULL DEFAULT '',
    token_last4    TEXT NOT NULL DEFAULT '',
    groups_enabled INTEGER NOT NULL DEFAULT 1,
    active         INTEGER NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL
);

-- No foreign key to users or groups: a deleted subject must still be found in the app.
CREATE TABLE prov_links (
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    last_synced BIGINT NOT NULL,
    PRIMARY KEY (app_id, kind, subject_id)
);

CREATE TABLE prov_queue (
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    generation  BIGINT NOT NULL DEFAULT 1,
    due_at      BIGINT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, kind, subject_id)
);
CREATE INDEX prov_queue_due_idx ON prov_queue (due_at);
