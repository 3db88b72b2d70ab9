//! IAM roles (global, per account) and service-linked-role deletion tasks. The table is general:
//! a role has a name, a path, its trust policy and, for a service-linked role, the service it is
//! linked to. Names are unique within an account regardless of case, as in IAM.

use sqlx::Row;
use sqlx::any::AnyRow;

use ram_model::iam::DeletionTaskStatusType;

use crate::query::{Sql, opt_text};
use crate::states::state;
use crate::{ReadTx, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRecord {
    pub account_id: String,
    pub role_name: String,
    /// `AROA...`
    pub role_id: String,
    /// `/`, or `/aws-service-role/<service>/` for a service-linked role.
    pub path: String,
    /// The service principal a service-linked role is linked to.
    pub service: Option<String>,
    /// The trust policy (JSON text).
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub max_session_seconds: i64,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionTaskRecord {
    pub account_id: String,
    pub task_id: String,
    pub role_name: String,
    /// `SUCCEEDED`, `IN_PROGRESS`, `FAILED` or `NOT_STARTED`.
    pub status: DeletionTaskStatusType,
    pub created_ms: i64,
}

const ROLE_COLUMNS: &str = "account_id, role_name, role_id, path, service, assume_role_policy, description, max_session_seconds, created_ms";

fn role_from_row(r: &AnyRow) -> Result<RoleRecord, sqlx::Error> {
    Ok(RoleRecord {
        account_id: r.try_get("account_id")?,
        role_name: r.try_get("role_name")?,
        role_id: r.try_get("role_id")?,
        path: r.try_get("path")?,
        service: r.try_get("service")?,
        assume_role_policy: r.try_get("assume_role_policy")?,
        description: r.try_get("description")?,
        max_session_seconds: r.try_get("max_session_seconds")?,
        created_ms: r.try_get("created_ms")?,
    })
}

fn role_key(name: &str) -> String {
    name.to_lowercase()
}

impl ReadTx {
    /// The account's role named `role_name` (compared regardless of case).
    pub async fn get_role(
        &mut self,
        account_id: &str,
        role_name: &str,
    ) -> Result<Option<RoleRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ROLE_COLUMNS)
            .push(" FROM iam_roles WHERE account_id = ")
            .text(account_id)
            .push(" AND role_key = ")
            .text(&role_key(role_name));
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(role_from_row).transpose()?)
    }

    pub async fn get_deletion_task(
        &mut self,
        account_id: &str,
        task_id: &str,
    ) -> Result<Option<DeletionTaskRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT account_id, task_id, role_name, status, created_ms FROM iam_deletion_tasks WHERE account_id = ",
        );
        sql.text(account_id).push(" AND task_id = ").text(task_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.map(|r| -> Result<_, StoreError> {
            Ok(DeletionTaskRecord {
                account_id: r.try_get("account_id")?,
                task_id: r.try_get("task_id")?,
                role_name: r.try_get("role_name")?,
                status: state(&r, "status")?,
                created_ms: r.try_get("created_ms")?,
            })
        })
        .transpose()
    }
}

impl WriteTx {
    /// Creates the role unless the account has one of that name (in any case); returns whether
    /// it was created.
    pub async fn insert_role(&mut self, role: &RoleRecord) -> Result<bool, StoreError> {
        let mut sql = Sql::new("INSERT INTO iam_roles (role_key, ");
        sql.push(ROLE_COLUMNS).push(") VALUES (");
        sql.text(&role_key(&role.role_name))
            .push(", ")
            .text(&role.account_id)
            .push(", ")
            .text(&role.role_name)
            .push(", ");
        sql.text(&role.role_id)
            .push(", ")
            .text(&role.path)
            .push(", ")
            .bind(opt_text(role.service.as_deref()))
            .push(", ");
        sql.text(&role.assume_role_policy)
            .push(", ")
            .bind(opt_text(role.description.as_deref()))
            .push(", ");
        sql.int(role.max_session_seconds)
            .push(", ")
            .int(role.created_ms)
            .push(") ON CONFLICT (account_id, role_key) DO NOTHING");
        let done = sql.query().execute(&mut *self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_role(
        &mut self,
        account_id: &str,
        role_name: &str,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("DELETE FROM iam_roles WHERE account_id = ");
        sql.text(account_id)
            .push(" AND role_key = ")
            .text(&role_key(role_name));
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn insert_deletion_task(
        &mut self,
        task: &DeletionTaskRecord,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new(
            "INSERT INTO iam_deletion_tasks (account_id, task_id, role_name, status, created_ms) VALUES (",
        );
        sql.text(&task.account_id)
            .push(", ")
            .text(&task.task_id)
            .push(", ")
            .text(&task.role_name)
            .push(", ");
        sql.state(task.status)
            .push(", ")
            .int(task.created_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}
