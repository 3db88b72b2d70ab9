CREATE TABLE permissions (
    arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    feature_set TEXT NOT NULL,
    default_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    next_status TEXT,
    transition_ms BIGINT,
    visible_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX permissions_by_account ON permissions(account_id, region, arn);
CREATE TABLE permission_versions (
    permission_arn TEXT NOT NULL,
    version BIGINT NOT NULL,
    template TEXT NOT NULL,
    deleted_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (permission_arn, version)
);
CREATE TABLE permission_tags (
    permission_arn TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (permission_arn, tag_key)
);
CREATE TABLE replace_permission_works (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    from_arn TEXT NOT NULL,
    from_version BIGINT,
    to_arn TEXT NOT NULL,
    to_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    next_status TEXT,
    transition_ms BIGINT,
    status_message TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX replace_permission_works_by_account ON replace_permission_works(account_id, region, created_ms, id)
