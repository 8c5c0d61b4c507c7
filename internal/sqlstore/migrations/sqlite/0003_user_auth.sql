-- Directory-user sign-in: credentials, activation links, recovery codes,
-- sessions, failed-login counters, and the SAML IdP's pending requests and
-- request-ID replay cache. Secrets are stored as SHA-256 hashes (tokens, ids,
-- recovery codes), argon2id PHC strings (passwords) or sealed (TOTP seeds).
-- Times are BIGINT microseconds since the Unix epoch (UTC).

CREATE TABLE user_credentials (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL DEFAULT '',
    totp_sealed    TEXT NOT NULL DEFAULT '',
    totp_pending   TEXT NOT NULL DEFAULT '',
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE user_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE user_activation_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX user_activation_tokens_user_idx ON user_activation_tokens (user_id);

CREATE TABLE user_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    mfa_pending  INTEGER NOT NULL DEFAULT 0,
    client_ip    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);
CREATE INDEX user_sessions_expires_idx ON user_sessions (expires_at);

CREATE TABLE login_failures (
    throttle_key TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, at);

CREATE TABLE saml_pending_requests (
    id_hash    TEXT PRIMARY KEY,
    app_slug   TEXT NOT NULL,
    request    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX saml_pending_requests_expires_idx ON saml_pending_requests (expires_at);

CREATE TABLE saml_request_replay (
    sp_entity_id TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (sp_entity_id, request_id)
);
CREATE INDEX saml_request_replay_expires_idx ON saml_request_replay (expires_at);
