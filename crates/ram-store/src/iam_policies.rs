//! IAM policies: customer managed policies with their versions, inline policies embedded in a
//! user or role, and the attachments of managed policies (customer or AWS managed, by ARN) to
//! users and roles. A principal is named by its [`PrincipalKind`] and its name, compared
//! regardless of case as IAM compares names.

use crate::engine::{DbError, Row, query};
use crate::{ReadTx, StoreError, WriteTx};

/// Which IAM principals a policy can be embedded in or attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    User,
    Role,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        }
    }
}

/// A customer managed policy; its documents are its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub account_id: String,
    pub policy_name: String,
    /// `ANPA...`
    pub policy_id: String,
    /// `/` or `/division/team/`.
    pub path: String,
    pub description: Option<String>,
    /// The number of the default version (`v3` is 3).
    pub default_version: i64,
    /// The number the next version gets (versions are never renumbered).
    pub next_version: i64,
    /// `[{"Key": .., "Value": ..}]` (JSON text).
    pub tags: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// One version of a customer managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRecord {
    pub version: i64,
    /// The policy document as given (JSON text).
    pub document: String,
    pub created_ms: i64,
}

/// A policy embedded in one user or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicyRecord {
    pub policy_name: String,
    pub document: String,
}

/// A principal of an account, as policies name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalRef<'a> {
    pub account_id: &'a str,
    pub kind: PrincipalKind,
    pub name: &'a str,
}

fn name_key(name: &str) -> String {
    name.to_lowercase()
}

macro_rules! policy_columns {
    () => {
        "account_id, policy_name, policy_id, path, description, default_version, next_version, tags, created_ms, updated_ms"
    };
}

const GET_POLICY: &str = concat!(
    "SELECT ",
    policy_columns!(),
    " FROM iam_policies WHERE account_id = $1 AND policy_key = $2"
);
const LIST_POLICIES: &str = concat!(
    "SELECT ",
    policy_columns!(),
    " FROM iam_policies WHERE account_id = $1 ORDER BY policy_key"
);
const INSERT_POLICY: &str = concat!(
    "INSERT INTO iam_policies (policy_key, ",
    policy_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (account_id, policy_key) DO NOTHING"
);
const UPDATE_POLICY_VERSIONS: &str = "UPDATE iam_policies SET default_version = $3, next_version = $4, updated_ms = $5 WHERE account_id = $1 AND policy_key = $2";
const DELETE_POLICY: &str = "DELETE FROM iam_policies WHERE account_id = $1 AND policy_key = $2";
const DELETE_POLICY_VERSIONS: &str =
    "DELETE FROM iam_policy_versions WHERE account_id = $1 AND policy_key = $2";
const LIST_POLICY_VERSIONS: &str = "SELECT version, document, created_ms FROM iam_policy_versions WHERE account_id = $1 AND policy_key = $2 ORDER BY version DESC";
const INSERT_POLICY_VERSION: &str = "INSERT INTO iam_policy_versions (account_id, policy_key, version, document, created_ms) VALUES ($1, $2, $3, $4, $5)";
const DELETE_POLICY_VERSION: &str =
    "DELETE FROM iam_policy_versions WHERE account_id = $1 AND policy_key = $2 AND version = $3";

const GET_INLINE: &str = "SELECT policy_name, document FROM iam_inline_policies WHERE account_id = $1 AND principal_kind = $2 AND principal_key = $3 AND policy_key = $4";
const LIST_INLINE: &str = "SELECT policy_name, document FROM iam_inline_policies WHERE account_id = $1 AND principal_kind = $2 AND principal_key = $3 ORDER BY policy_key";
const PUT_INLINE: &str = "INSERT INTO iam_inline_policies (account_id, principal_kind, principal_key, policy_key, policy_name, document) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, principal_kind, principal_key, policy_key) DO UPDATE SET policy_name = excluded.policy_name, document = excluded.document";
const DELETE_INLINE: &str = "DELETE FROM iam_inline_policies WHERE account_id = $1 AND principal_kind = $2 AND principal_key = $3 AND policy_key = $4";

const LIST_ATTACHED: &str = "SELECT policy_arn FROM iam_attachments WHERE account_id = $1 AND principal_kind = $2 AND principal_key = $3 ORDER BY policy_arn";
const ATTACH: &str = "INSERT INTO iam_attachments (account_id, principal_kind, principal_key, policy_arn, attached_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, principal_kind, principal_key, policy_arn) DO NOTHING";
const DETACH: &str = "DELETE FROM iam_attachments WHERE account_id = $1 AND principal_kind = $2 AND principal_key = $3 AND policy_arn = $4";
const COUNT_ATTACHMENTS: &str =
    "SELECT COUNT(*) AS n FROM iam_attachments WHERE account_id = $1 AND policy_arn = $2";

fn policy_from_row(r: &Row) -> Result<PolicyRecord, DbError> {
    Ok(PolicyRecord {
        account_id: r.try_get("account_id")?,
        policy_name: r.try_get("policy_name")?,
        policy_id: r.try_get("policy_id")?,
        path: r.try_get("path")?,
        description: r.try_get("description")?,
        default_version: r.try_get("default_version")?,
        next_version: r.try_get("next_version")?,
        tags: r.try_get("tags")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

fn version_from_row(r: &Row) -> Result<PolicyVersionRecord, DbError> {
    Ok(PolicyVersionRecord {
        version: r.try_get("version")?,
        document: r.try_get("document")?,
        created_ms: r.try_get("created_ms")?,
    })
}

fn inline_from_row(r: &Row) -> Result<InlinePolicyRecord, DbError> {
    Ok(InlinePolicyRecord {
        policy_name: r.try_get("policy_name")?,
        document: r.try_get("document")?,
    })
}

impl ReadTx {
    /// The account's customer managed policy named `name` (any case).
    pub async fn get_policy(
        &mut self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<PolicyRecord>, StoreError> {
        let row = query(GET_POLICY)
            .bind(account_id)
            .bind(name_key(name))
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(policy_from_row).transpose()?)
    }

    /// The account's customer managed policies, by name.
    pub async fn list_policies(
        &mut self,
        account_id: &str,
    ) -> Result<Vec<PolicyRecord>, StoreError> {
        let rows = query(LIST_POLICIES)
            .bind(account_id)
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(policy_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    /// The versions of a customer managed policy, newest first.
    pub async fn list_policy_versions(
        &mut self,
        account_id: &str,
        name: &str,
    ) -> Result<Vec<PolicyVersionRecord>, StoreError> {
        let rows = query(LIST_POLICY_VERSIONS)
            .bind(account_id)
            .bind(name_key(name))
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(version_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    /// The inline policy `name` (any case) of a principal.
    pub async fn get_inline_policy(
        &mut self,
        principal: PrincipalRef<'_>,
        name: &str,
    ) -> Result<Option<InlinePolicyRecord>, StoreError> {
        let row = query(GET_INLINE)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .bind(name_key(name))
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(inline_from_row).transpose()?)
    }

    /// A principal's inline policies, by name.
    pub async fn list_inline_policies(
        &mut self,
        principal: PrincipalRef<'_>,
    ) -> Result<Vec<InlinePolicyRecord>, StoreError> {
        let rows = query(LIST_INLINE)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(inline_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    /// The ARNs of the managed policies attached to a principal, in ARN order.
    pub async fn list_attached_policies(
        &mut self,
        principal: PrincipalRef<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let rows = query(LIST_ATTACHED)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("policy_arn"))
            .collect::<Result<_, DbError>>()?)
    }

    /// How many of the account's principals have the policy `policy_arn` attached.
    pub async fn count_policy_attachments(
        &mut self,
        account_id: &str,
        policy_arn: &str,
    ) -> Result<i64, StoreError> {
        let row = query(COUNT_ATTACHMENTS)
            .bind(account_id)
            .bind(policy_arn)
            .fetch_one(&mut self.tx)
            .await?;
        Ok(row.try_get("n")?)
    }
}

impl WriteTx {
    /// Creates the policy and its first version unless the account has a policy of that name
    /// (any case); whether it did.
    pub async fn insert_policy(
        &mut self,
        policy: &PolicyRecord,
        first: &PolicyVersionRecord,
    ) -> Result<bool, StoreError> {
        let done = query(INSERT_POLICY)
            .bind(name_key(&policy.policy_name))
            .bind(&policy.account_id)
            .bind(&policy.policy_name)
            .bind(&policy.policy_id)
            .bind(&policy.path)
            .bind(policy.description.as_deref())
            .bind(policy.default_version)
            .bind(policy.next_version)
            .bind(&policy.tags)
            .bind(policy.created_ms)
            .bind(policy.updated_ms)
            .execute(&mut self.tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.insert_policy_version(&policy.account_id, &policy.policy_name, first)
            .await?;
        Ok(true)
    }

    /// Records the policy's default and next version numbers.
    pub async fn update_policy_versions(
        &mut self,
        policy: &PolicyRecord,
    ) -> Result<(), StoreError> {
        query(UPDATE_POLICY_VERSIONS)
            .bind(&policy.account_id)
            .bind(name_key(&policy.policy_name))
            .bind(policy.default_version)
            .bind(policy.next_version)
            .bind(policy.updated_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_policy_version(
        &mut self,
        account_id: &str,
        name: &str,
        version: &PolicyVersionRecord,
    ) -> Result<(), StoreError> {
        query(INSERT_POLICY_VERSION)
            .bind(account_id)
            .bind(name_key(name))
            .bind(version.version)
            .bind(&version.document)
            .bind(version.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deletes one version; whether it existed.
    pub async fn delete_policy_version(
        &mut self,
        account_id: &str,
        name: &str,
        version: i64,
    ) -> Result<bool, StoreError> {
        let done = query(DELETE_POLICY_VERSION)
            .bind(account_id)
            .bind(name_key(name))
            .bind(version)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the policy with all its versions.
    pub async fn delete_policy(&mut self, account_id: &str, name: &str) -> Result<(), StoreError> {
        for sql in [DELETE_POLICY_VERSIONS, DELETE_POLICY] {
            query(sql)
                .bind(account_id)
                .bind(name_key(name))
                .execute(&mut self.tx)
                .await?;
        }
        Ok(())
    }

    /// Embeds `policy` in the principal, replacing one of the same name (any case).
    pub async fn put_inline_policy(
        &mut self,
        principal: PrincipalRef<'_>,
        policy: &InlinePolicyRecord,
    ) -> Result<(), StoreError> {
        query(PUT_INLINE)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .bind(name_key(&policy.policy_name))
            .bind(&policy.policy_name)
            .bind(&policy.document)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Removes the principal's inline policy `name`; whether it had one.
    pub async fn delete_inline_policy(
        &mut self,
        principal: PrincipalRef<'_>,
        name: &str,
    ) -> Result<bool, StoreError> {
        let done = query(DELETE_INLINE)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .bind(name_key(name))
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Attaches the managed policy `policy_arn` to the principal; whether it was not yet.
    pub async fn attach_policy(
        &mut self,
        principal: PrincipalRef<'_>,
        policy_arn: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = query(ATTACH)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .bind(policy_arn)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Detaches the managed policy `policy_arn` from the principal; whether it was attached.
    pub async fn detach_policy(
        &mut self,
        principal: PrincipalRef<'_>,
        policy_arn: &str,
    ) -> Result<bool, StoreError> {
        let done = query(DETACH)
            .bind(principal.account_id)
            .bind(principal.kind.as_str())
            .bind(name_key(principal.name))
            .bind(policy_arn)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
