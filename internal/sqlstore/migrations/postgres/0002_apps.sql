-- Applications: configured apps, their SSO settings and attribute statements,
-- portal images, signing keys (private keys sealed) and group bindings.
-- Everything of an app goes with it (ON DELETE CASCADE); a binding also goes
-- with its group.

CREATE TABLE apps (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL CONSTRAINT apps_slug_uq UNIQUE,
    template_id    TEXT NOT NULL,
    label          TEXT NOT NULL,
    label_key      TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    show_in_portal BOOLEAN NOT NULL DEFAULT TRUE,
    bookmark_url   TEXT NOT NULL DEFAULT '',
    idp_url        TEXT NOT NULL,
    sso_active     BOOLEAN NOT NULL DEFAULT TRUE,
    image_type     TEXT NOT NULL DEFAULT '',
    search_text    TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX apps_label_idx ON apps (label_key, id);

CREATE TABLE app_sso (
    app_id              TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    idp_entity_id       TEXT NOT NULL DEFAULT '',
    sp_entity_id        TEXT NOT NULL DEFAULT '',
    acs_urls            TEXT NOT NULL DEFAULT '[]',
    sp_certificate      TEXT NOT NULL DEFAULT '',
    nameid_attribute    TEXT NOT NULL DEFAULT 'email',
    nameid_format       TEXT NOT NULL DEFAULT 'emailAddress',
    signature_algorithm TEXT NOT NULL DEFAULT 'RSA-SHA256',
    sign_mode           TEXT NOT NULL DEFAULT 'assertion',
    default_relay_state TEXT NOT NULL DEFAULT '',
    groups_attribute    TEXT NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL
);
CREATE INDEX app_sso_sp_entity_idx ON app_sso (sp_entity_id);

CREATE TABLE app_attributes (
    app_id           TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    source_attribute TEXT NOT NULL DEFAULT '',
    source_constant  TEXT NOT NULL DEFAULT '',
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    jit_required     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (app_id, position)
);

CREATE TABLE app_images (
    app_id       TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL
);

CREATE TABLE app_keys (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    certificate TEXT NOT NULL,
    sealed_key  TEXT NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX app_keys_app_idx ON app_keys (app_id, status);
CREATE UNIQUE INDEX app_keys_active_uq ON app_keys (app_id) WHERE status = 'active';
CREATE UNIQUE INDEX app_keys_next_uq ON app_keys (app_id) WHERE status = 'next';

CREATE TABLE app_groups (
    app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, group_id)
);
CREATE INDEX app_groups_group_idx ON app_groups (group_id, app_id);
