-- Directory: users, groups, memberships, the change log, admins and API keys.
-- Times are BIGINT microseconds since the Unix epoch (UTC). *_key columns hold
-- the Unicode lower-cased value that case-insensitive uniqueness and lookups
-- use; search_text is the lower-cased, U+001F-separated text that search scans
-- (substring LIKE served by pg_trgm GIN indexes; Store.Optimize flushes
-- their pending lists after a bulk import).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL,
    username_key TEXT NOT NULL CONSTRAINT users_username_uq UNIQUE,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL CONSTRAINT users_email_uq UNIQUE,
    firstname    TEXT NOT NULL DEFAULT '',
    lastname     TEXT NOT NULL DEFAULT '',
    employee_id  TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    search_text  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_employee_id_uq ON users (employee_id) WHERE employee_id <> '';
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_lastname_idx ON users (lower(lastname), id);
CREATE INDEX users_firstname_idx ON users (lower(firstname), id);
CREATE INDEX users_state_idx ON users (state);
CREATE INDEX users_search_trgm ON users USING gin (search_text gin_trgm_ops);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL CONSTRAINT groups_name_uq UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX groups_created_idx ON groups (created_at, id);
CREATE INDEX groups_search_trgm ON groups USING gin (search_text gin_trgm_ops);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

CREATE TABLE changes (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_email   TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    resource_name TEXT NOT NULL DEFAULT '',
    related_id    TEXT NOT NULL DEFAULT '',
    fields        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX changes_resource_idx ON changes (resource_type, resource_id, seq);

CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL CONSTRAINT admins_email_uq UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL CONSTRAINT api_keys_prefix_uq UNIQUE,
    secret_hash  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_admin_idx ON api_keys (admin_id, created_at);
