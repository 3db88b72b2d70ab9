//! Organizations policies (service control policies): the organization's own policies, their
//! attachments to roots, OUs and accounts, and the policy types enabled on a root.

use ram_model::organizations::PolicyType;

use crate::engine::{DbError, Row, query};
use crate::states::state;
use crate::{ReadTx, StoreError, WriteTx};

/// A policy of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPolicyRecord {
    /// `p-` and 8 lower-case letters and digits.
    pub policy_id: String,
    pub org_id: String,
    pub policy_type: PolicyType,
    pub name: String,
    pub description: String,
    /// The policy document (JSON text).
    pub content: String,
    pub created_ms: i64,
}

const GET: &str = "SELECT policy_id, org_id, policy_type, name, description, content, created_ms FROM org_policies WHERE policy_id = $1";
const LIST: &str = "SELECT policy_id, org_id, policy_type, name, description, content, created_ms FROM org_policies WHERE org_id = $1 AND policy_type = $2 ORDER BY policy_id";
const INSERT: &str = "INSERT INTO org_policies (policy_id, org_id, policy_type, name, description, content, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const UPDATE: &str =
    "UPDATE org_policies SET name = $2, description = $3, content = $4 WHERE policy_id = $1";
const DELETE: &str = "DELETE FROM org_policies WHERE policy_id = $1";
const TARGETS: &str =
    "SELECT target_id FROM org_policy_attachments WHERE policy_id = $1 ORDER BY target_id";
const ATTACHED: &str = "SELECT policy_id FROM org_policy_attachments WHERE target_id = $1 AND policy_type = $2 ORDER BY policy_id";
const ATTACH: &str = "INSERT INTO org_policy_attachments (org_id, target_id, policy_id, policy_type) VALUES ($1, $2, $3, $4) ON CONFLICT (target_id, policy_id) DO NOTHING";
const DETACH: &str = "DELETE FROM org_policy_attachments WHERE target_id = $1 AND policy_id = $2";
const DETACH_TARGET: &str = "DELETE FROM org_policy_attachments WHERE target_id = $1";
const DETACH_TYPE: &str =
    "DELETE FROM org_policy_attachments WHERE org_id = $1 AND policy_type = $2";
const TYPES: &str =
    "SELECT policy_type FROM org_policy_types WHERE root_id = $1 ORDER BY policy_type";
const ENABLE_TYPE: &str = "INSERT INTO org_policy_types (org_id, root_id, policy_type) VALUES ($1, $2, $3) ON CONFLICT (root_id, policy_type) DO NOTHING";
const DISABLE_TYPE: &str = "DELETE FROM org_policy_types WHERE root_id = $1 AND policy_type = $2";
const ORG_HAS_TYPE: &str =
    "SELECT COUNT(*) AS n FROM org_policy_types WHERE org_id = $1 AND policy_type = $2";
const ANY_TYPE: &str = "SELECT COUNT(*) AS n FROM org_policy_types WHERE policy_type = $1";

fn policy_from_row(r: &Row) -> Result<OrgPolicyRecord, StoreError> {
    Ok(OrgPolicyRecord {
        policy_id: r.try_get("policy_id")?,
        org_id: r.try_get("org_id")?,
        policy_type: state(r, "policy_type")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        content: r.try_get("content")?,
        created_ms: r.try_get("created_ms")?,
    })
}

fn column(rows: &[Row], name: &str) -> Result<Vec<String>, StoreError> {
    Ok(rows
        .iter()
        .map(|r| r.try_get(name))
        .collect::<Result<_, DbError>>()?)
}

impl ReadTx {
    pub async fn get_org_policy(
        &mut self,
        policy_id: &str,
    ) -> Result<Option<OrgPolicyRecord>, StoreError> {
        let row = query(GET)
            .bind(policy_id)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(policy_from_row).transpose()
    }

    /// The organization's own policies of a type, by id.
    pub async fn list_org_policies(
        &mut self,
        org_id: &str,
        policy_type: PolicyType,
    ) -> Result<Vec<OrgPolicyRecord>, StoreError> {
        let rows = query(LIST)
            .bind(org_id)
            .bind(policy_type.as_str())
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(policy_from_row).collect()
    }

    /// The roots, OUs and accounts a policy is attached to, by id.
    pub async fn org_policy_targets(&mut self, policy_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = query(TARGETS)
            .bind(policy_id)
            .fetch_all(&mut self.tx)
            .await?;
        column(&rows, "target_id")
    }

    /// The policies of a type attached to a root, OU or account, by id.
    pub async fn org_policies_attached(
        &mut self,
        target_id: &str,
        policy_type: PolicyType,
    ) -> Result<Vec<String>, StoreError> {
        let rows = query(ATTACHED)
            .bind(target_id)
            .bind(policy_type.as_str())
            .fetch_all(&mut self.tx)
            .await?;
        column(&rows, "policy_id")
    }

    /// The policy types enabled on a root.
    pub async fn root_policy_types(
        &mut self,
        root_id: &str,
    ) -> Result<Vec<PolicyType>, StoreError> {
        let rows = query(TYPES).bind(root_id).fetch_all(&mut self.tx).await?;
        rows.iter().map(|r| state(r, "policy_type")).collect()
    }

    /// Whether the organization has `policy_type` enabled (on its root).
    pub async fn org_has_policy_type(
        &mut self,
        org_id: &str,
        policy_type: PolicyType,
    ) -> Result<bool, StoreError> {
        let row = query(ORG_HAS_TYPE)
            .bind(org_id)
            .bind(policy_type.as_str())
            .fetch_one(&mut self.tx)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(n > 0)
    }

    /// Whether any organization in the store has `policy_type` enabled.
    pub async fn policy_type_in_use(
        &mut self,
        policy_type: PolicyType,
    ) -> Result<bool, StoreError> {
        let row = query(ANY_TYPE)
            .bind(policy_type.as_str())
            .fetch_one(&mut self.tx)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(n > 0)
    }
}

impl WriteTx {
    pub async fn insert_org_policy(&mut self, p: &OrgPolicyRecord) -> Result<(), StoreError> {
        query(INSERT)
            .bind(&p.policy_id)
            .bind(&p.org_id)
            .bind(p.policy_type.as_str())
            .bind(&p.name)
            .bind(&p.description)
            .bind(&p.content)
            .bind(p.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Records a policy's name, description and content.
    pub async fn update_org_policy(&mut self, p: &OrgPolicyRecord) -> Result<(), StoreError> {
        query(UPDATE)
            .bind(&p.policy_id)
            .bind(&p.name)
            .bind(&p.description)
            .bind(&p.content)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn delete_org_policy(&mut self, policy_id: &str) -> Result<(), StoreError> {
        query(DELETE).bind(policy_id).execute(&mut self.tx).await?;
        Ok(())
    }

    /// Attaches a policy of `policy_type` to a target; whether it was not attached yet.
    pub async fn attach_org_policy(
        &mut self,
        org_id: &str,
        target_id: &str,
        policy_id: &str,
        policy_type: PolicyType,
    ) -> Result<bool, StoreError> {
        let done = query(ATTACH)
            .bind(org_id)
            .bind(target_id)
            .bind(policy_id)
            .bind(policy_type.as_str())
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Detaches a policy from a target; whether it was attached.
    pub async fn detach_org_policy(
        &mut self,
        target_id: &str,
        policy_id: &str,
    ) -> Result<bool, StoreError> {
        let done = query(DETACH)
            .bind(target_id)
            .bind(policy_id)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Detaches every policy from a target (it leaves or is deleted).
    pub async fn detach_all_org_policies(&mut self, target_id: &str) -> Result<(), StoreError> {
        query(DETACH_TARGET)
            .bind(target_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Enables a policy type on a root; whether it was not enabled yet.
    pub async fn enable_policy_type(
        &mut self,
        org_id: &str,
        root_id: &str,
        policy_type: PolicyType,
    ) -> Result<bool, StoreError> {
        let done = query(ENABLE_TYPE)
            .bind(org_id)
            .bind(root_id)
            .bind(policy_type.as_str())
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables a policy type on a root, detaching every policy of the type in the
    /// organization; whether it was enabled.
    pub async fn disable_policy_type(
        &mut self,
        org_id: &str,
        root_id: &str,
        policy_type: PolicyType,
    ) -> Result<bool, StoreError> {
        let done = query(DISABLE_TYPE)
            .bind(root_id)
            .bind(policy_type.as_str())
            .execute(&mut self.tx)
            .await?;
        query(DETACH_TYPE)
            .bind(org_id)
            .bind(policy_type.as_str())
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
