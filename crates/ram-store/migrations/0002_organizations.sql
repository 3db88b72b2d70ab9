CREATE TABLE organizations (
    org_id TEXT PRIMARY KEY,
    arn TEXT NOT NULL,
    management_account TEXT NOT NULL,
    feature_set TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_by_management ON organizations(management_account);
CREATE TABLE org_parents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT,
    arn TEXT NOT NULL,
    name TEXT NOT NULL,
    depth BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX org_parents_by_parent ON org_parents(parent_id, created_ms, id);
CREATE INDEX org_parents_by_org ON org_parents(org_id, kind, created_ms, id);
CREATE TABLE org_accounts (
    account_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    joined_method TEXT NOT NULL,
    joined_ms BIGINT NOT NULL
);
CREATE INDEX org_accounts_by_org ON org_accounts(org_id, joined_ms, account_id);
CREATE INDEX org_accounts_by_parent ON org_accounts(parent_id, joined_ms, account_id);
CREATE TABLE account_emails (
    account_id TEXT PRIMARY KEY,
    email TEXT NOT NULL
);
CREATE UNIQUE INDEX account_emails_by_email ON account_emails(email);
CREATE TABLE org_create_account_requests (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    account_id TEXT,
    state TEXT NOT NULL,
    failure_reason TEXT,
    requested_ms BIGINT NOT NULL,
    completed_ms BIGINT
);
CREATE INDEX org_create_account_requests_by_org ON org_create_account_requests(org_id, requested_ms, id);
CREATE TABLE org_handshakes (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target TEXT NOT NULL,
    target_account TEXT,
    notes TEXT,
    state TEXT NOT NULL,
    requested_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    visible_until_ms BIGINT NOT NULL
);
CREATE INDEX org_handshakes_by_target ON org_handshakes(target_account, requested_ms, id);
CREATE INDEX org_handshakes_by_org ON org_handshakes(org_id, requested_ms, id);
CREATE TABLE org_service_access (
    org_id TEXT NOT NULL,
    service_principal TEXT NOT NULL,
    enabled_ms BIGINT NOT NULL,
    PRIMARY KEY (org_id, service_principal)
);
CREATE TABLE org_tags (
    resource_id TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (resource_id, tag_key)
);
CREATE TABLE iam_roles (
    account_id TEXT NOT NULL,
    role_key TEXT NOT NULL,
    role_name TEXT NOT NULL,
    role_id TEXT NOT NULL,
    path TEXT NOT NULL,
    service TEXT,
    assume_role_policy TEXT NOT NULL,
    description TEXT,
    max_session_seconds BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, role_key)
);
CREATE TABLE iam_deletion_tasks (
    account_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    role_name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, task_id)
)
