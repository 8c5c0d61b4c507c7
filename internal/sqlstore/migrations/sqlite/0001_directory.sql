-- Directory: users, groups, memberships, the change log, admins and API keys.
-- Times are BIGINT microseconds since the Unix epoch (UTC). *_key columns hold
-- the Unicode lower-cased value that case-insensitive uniqueness and lookups
-- use; search_text is the lower-cased, U+001F-separated text that search scans.

CREATE TABLE users (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    username     TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    email_key    TEXT NOT NULL UNIQUE,
    firstname    TEXT NOT NULL DEFAULT '',
    lastname     TEXT NOT NULL DEFAULT '',
    employee_id  TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    search_text  TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_employee_id_uq ON users (employee_id) WHERE employee_id <> '';
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_lastname_idx ON users (lower(lastname), id);
CREATE INDEX users_firstname_idx ON users (lower(firstname), id);
CREATE INDEX users_state_idx ON users (state);

CREATE VIRTUAL TABLE users_fts USING fts5(search_text, content='users', content_rowid='seq', tokenize='trigram');
CREATE TRIGGER users_fts_ai AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
CREATE TRIGGER users_fts_ad AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;
CREATE TRIGGER users_fts_au AFTER UPDATE OF search_text ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO users_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;

CREATE TABLE groups (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX groups_created_idx ON groups (created_at, id);

CREATE VIRTUAL TABLE groups_fts USING fts5(search_text, content='groups', content_rowid='seq', tokenize='trigram');
CREATE TRIGGER groups_fts_ai AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
CREATE TRIGGER groups_fts_ad AFTER DELETE ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;
CREATE TRIGGER groups_fts_au AFTER UPDATE OF search_text ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO groups_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

CREATE TABLE changes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
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
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL UNIQUE,
    secret_hash  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_admin_idx ON api_keys (admin_id, created_at);
