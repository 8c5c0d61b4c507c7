-- Directory Insights: append-only audit events (package insights).
CREATE TABLE insight_events (
    id             TEXT PRIMARY KEY,
    ts             BIGINT NOT NULL,
    event_type     TEXT NOT NULL,
    service        TEXT NOT NULL,
    organization   TEXT NOT NULL,
    client_ip      TEXT NOT NULL DEFAULT '',
    initiator_id   TEXT NOT NULL DEFAULT '',
    initiator_type TEXT NOT NULL DEFAULT '',
    success        INTEGER NOT NULL,
    resource_id    TEXT NOT NULL DEFAULT '',
    resource_type  TEXT NOT NULL DEFAULT '',
    application_id TEXT NOT NULL DEFAULT '',
    search_text    TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL
);
CREATE INDEX insight_events_ts ON insight_events (ts, id);
CREATE INDEX insight_events_type_ts ON insight_events (event_type, ts, id);
CREATE INDEX insight_events_service_ts ON insight_events (service, ts, id);
CREATE INDEX insight_events_resource_ts ON insight_events (resource_id, ts);
CREATE INDEX insight_events_app_ts ON insight_events (application_id, ts);
