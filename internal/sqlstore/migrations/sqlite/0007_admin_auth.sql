-- Administrator sign-in for the admin portal: sessions, TOTP seeds and
-- recovery codes. Secrets are stored as SHA-256 hashes (session tokens,
-- recovery codes) or sealed with the master key, bound to the admin id (TOTP
-- seeds); admins.totp_secret is not used. Failed sign-ins are counted in
-- login_failures under "admin-" prefixed keys. Times are BIGINT microseconds
-- since the Unix epoch (UTC).

CREATE TABLE admin_totp (
    admin_id       TEXT PRIMARY KEY REFERENCES admins (id) ON DELETE CASCADE,
    totp_sealed    TEXT NOT NULL DEFAULT '',
    totp_pending   TEXT NOT NULL DEFAULT '',
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE admin_recovery_codes (
    admin_id  TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (admin_id, code_hash)
);

CREATE TABLE admin_sessions (
    id_hash      TEXT PRIMARY KEY,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    mfa_pending  INTEGER NOT NULL DEFAULT 0,
    client_ip    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);
