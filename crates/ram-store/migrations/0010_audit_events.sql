-- The audit trail: one CloudTrail-shaped event per API call, of the account that made it.
-- `event` is the whole CloudTrail record (JSON text), the other columns are what LookupEvents
-- looks events up by.
CREATE TABLE audit_events (
    event_id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    event_time_ms BIGINT NOT NULL,
    event_source TEXT NOT NULL,
    event_name TEXT NOT NULL,
    username TEXT,
    access_key_id TEXT,
    read_only BIGINT NOT NULL,
    resources TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX audit_events_by_account ON audit_events (account_id, event_time_ms, event_id);
CREATE INDEX audit_events_by_time ON audit_events (event_time_ms);
