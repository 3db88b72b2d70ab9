-- IAM policies. A principal (an IAM user or role) is named by its kind (`user` or `role`) and its
-- name's key (lower-cased, as names are unique regardless of case). AWS managed policies are data
-- in ram-organizations, never rows: attachments name them by ARN like customer managed ones.
ALTER TABLE iam_roles ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
-- Customer managed policies: their documents are the versions (v1, v2, ...), one the default.
CREATE TABLE iam_policies (
    account_id TEXT NOT NULL,
    policy_key TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    path TEXT NOT NULL,
    description TEXT,
    default_version BIGINT NOT NULL,
    next_version BIGINT NOT NULL,
    tags TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, policy_key)
);
CREATE TABLE iam_policy_versions (
    account_id TEXT NOT NULL,
    policy_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, policy_key, version)
);
-- Inline policies, embedded in one principal.
CREATE TABLE iam_inline_policies (
    account_id TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_key TEXT NOT NULL,
    policy_key TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account_id, principal_kind, principal_key, policy_key)
);
-- Managed policies (customer or AWS managed, by ARN) attached to principals.
CREATE TABLE iam_attachments (
    account_id TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_key TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    attached_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, principal_kind, principal_key, policy_arn)
);
CREATE INDEX iam_attachments_by_policy ON iam_attachments (account_id, policy_arn);
