-- Organizations policies (service control policies). The AWS managed FullAWSAccess is data in
-- ram-organizations, never a row: attachments name it by its id like any other.
CREATE TABLE org_policies (
    policy_id TEXT NOT NULL PRIMARY KEY,
    org_id TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    content TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX org_policies_by_org ON org_policies (org_id, policy_type);
-- Which policy is attached to which root, OU or account.
CREATE TABLE org_policy_attachments (
    org_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    PRIMARY KEY (target_id, policy_id)
);
CREATE INDEX org_policy_attachments_by_policy ON org_policy_attachments (policy_id, target_id);
-- The policy types enabled on a root.
CREATE TABLE org_policy_types (
    org_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    PRIMARY KEY (root_id, policy_type)
);
