CREATE TABLE saml_idps (
	company_id TEXT PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
	entity_id  TEXT NOT NULL,
	sso_url    TEXT NOT NULL,
	certs_pem  TEXT NOT NULL,
	metadata   TEXT NOT NULL DEFAULT '',
	modified   INTEGER NOT NULL
);
CREATE TABLE saml_requests (
	id         TEXT PRIMARY KEY,
	company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	relay      TEXT NOT NULL DEFAULT '',
	expires    INTEGER NOT NULL
);
CREATE TABLE saml_used_assertions (
	id      TEXT PRIMARY KEY,
	expires INTEGER NOT NULL
);
