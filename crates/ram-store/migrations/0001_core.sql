CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret_access_key TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    principal_arn TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys(account_id);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE resource_shares (
    arn TEXT PRIMARY KEY,
    owner_account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    allow_external BIGINT NOT NULL,
    feature_set TEXT NOT NULL,
    retain_on_leave BIGINT,
    status TEXT NOT NULL,
    status_message TEXT,
    next_status TEXT,
    transition_ms BIGINT,
    visible_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX shares_by_owner ON resource_shares(owner_account, region, created_ms, arn);
CREATE INDEX shares_by_name ON resource_shares(owner_account, region, name);
CREATE TABLE share_tags (
    share_arn TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (share_arn, tag_key)
);
CREATE TABLE associations (
    share_arn TEXT NOT NULL,
    association_type TEXT NOT NULL,
    entity TEXT NOT NULL,
    owner_account TEXT NOT NULL,
    region TEXT NOT NULL,
    entity_account TEXT,
    resource_type TEXT,
    external BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    next_status TEXT,
    transition_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (share_arn, association_type, entity)
);
CREATE INDEX associations_by_entity ON associations(association_type, entity, region);
CREATE INDEX associations_by_entity_account ON associations(entity_account, region, share_arn);
CREATE INDEX associations_by_owner ON associations(owner_account, region, association_type, created_ms);
CREATE TABLE invitations (
    arn TEXT PRIMARY KEY,
    share_arn TEXT NOT NULL,
    principal TEXT NOT NULL,
    sender_account TEXT NOT NULL,
    receiver_account TEXT NOT NULL,
    receiver_arn TEXT,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    next_status TEXT,
    transition_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX invitations_by_receiver ON invitations(receiver_account, region, created_ms, arn);
CREATE INDEX invitations_by_share ON invitations(share_arn, principal);
CREATE TABLE share_permissions (
    share_arn TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    permission_arn TEXT NOT NULL,
    permission_version BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (share_arn, resource_type)
);
CREATE INDEX share_permissions_by_permission ON share_permissions(permission_arn, permission_version);
CREATE TABLE idempotency (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    operation TEXT NOT NULL,
    client_token TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, operation, client_token)
);
