CREATE TABLE companies (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	enterprise INTEGER NOT NULL,
	jit        INTEGER NOT NULL DEFAULT 1,
	created    INTEGER NOT NULL
);
CREATE TABLE company_domains (
	company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	domain     TEXT NOT NULL,
	PRIMARY KEY (company_id, domain)
);
CREATE TABLE admins (
	company_id    TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	email_lower   TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	PRIMARY KEY (company_id, email_lower)
);
CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	hash       BLOB NOT NULL UNIQUE,
	created    INTEGER NOT NULL
);
CREATE INDEX tokens_company ON tokens(company_id);
CREATE TABLE users (
	seq          INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	company_id   TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	user_name    TEXT NOT NULL,
	external_id  TEXT NOT NULL DEFAULT '',
	full_name    TEXT NOT NULL,
	display_name TEXT NOT NULL,
	active       INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	modified     INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_user_name ON users(company_id, user_name);
CREATE INDEX users_external_id ON users(company_id, external_id);
CREATE INDEX users_company_seq ON users(company_id, seq);
-- value_lower is lower(value) computed in Go (Unicode-aware); the unique
-- index makes e-mails unique within a company, case-insensitively, and
-- serves the `emails eq` lookups.
CREATE TABLE user_emails (
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	company_id  TEXT NOT NULL,
	position    INTEGER NOT NULL,
	value       TEXT NOT NULL,
	value_lower TEXT NOT NULL,
	is_primary  INTEGER NOT NULL,
	PRIMARY KEY (user_id, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX user_emails_company_lower ON user_emails(company_id, value_lower);
CREATE TABLE groups (
	seq          INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	company_id   TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	display_name TEXT NOT NULL,
	created      INTEGER NOT NULL,
	modified     INTEGER NOT NULL
);
CREATE INDEX groups_company_seq ON groups(company_id, seq);
CREATE TABLE group_members (
	group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);
CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE admin_sessions (
	hash        BLOB PRIMARY KEY,
	company_id  TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	email_lower TEXT NOT NULL,
	csrf        TEXT NOT NULL,
	expires     INTEGER NOT NULL
);
