//! IAM users and roles (global, per account) and service-linked-role deletion tasks. The table is general:
//! a role has a name, a path, its trust policy and, for a service-linked role, the service it is
//! linked to. Names are unique within an account regardless of case, as in IAM.

use crate::engine::{DbError, Row, query};
use ram_model::iam::DeletionTaskStatusType;

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
    /// `[{"Key": .., "Value": ..}]` (JSON text).
    pub tags: String,
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

macro_rules! role_columns {
    () => {
        "account_id, role_name, role_id, path, service, assume_role_policy, description, max_session_seconds, tags, created_ms"
    };
}

/// `$1` account, `$2` the name's key (`role_key`).
const GET_ROLE: &str = concat!(
    "SELECT ",
    role_columns!(),
    " FROM iam_roles WHERE account_id = $1 AND role_key = $2"
);
const GET_DELETION_TASK: &str = "SELECT account_id, task_id, role_name, status, created_ms FROM iam_deletion_tasks WHERE account_id = $1 AND task_id = $2";
/// `$1` the name's key, then the columns in `role_columns!` order.
const INSERT_ROLE: &str = concat!(
    "INSERT INTO iam_roles (role_key, ",
    role_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (account_id, role_key) DO NOTHING"
);
/// An account's roles in name order, after `$2` (a role key; '' for the first page), `$3` at most.
const LIST_ROLES: &str = concat!(
    "SELECT ",
    role_columns!(),
    " FROM iam_roles WHERE account_id = $1 AND role_key > $2 ORDER BY role_key LIMIT $3"
);
const DELETE_ROLE: &str = "DELETE FROM iam_roles WHERE account_id = $1 AND role_key = $2";
const INSERT_DELETION_TASK: &str = "INSERT INTO iam_deletion_tasks (account_id, task_id, role_name, status, created_ms) VALUES ($1, $2, $3, $4, $5)";

fn role_from_row(r: &Row) -> Result<RoleRecord, DbError> {
    Ok(RoleRecord {
        account_id: r.try_get("account_id")?,
        role_name: r.try_get("role_name")?,
        role_id: r.try_get("role_id")?,
        path: r.try_get("path")?,
        service: r.try_get("service")?,
        assume_role_policy: r.try_get("assume_role_policy")?,
        description: r.try_get("description")?,
        max_session_seconds: r.try_get("max_session_seconds")?,
        tags: r.try_get("tags")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// A role name as the table keys it (IAM names are unique regardless of case).
pub fn role_key(name: &str) -> String {
    name.to_lowercase()
}

impl ReadTx {
    /// The account's role named `role_name` (compared regardless of case).
    pub async fn get_role(
        &mut self,
        account_id: &str,
        role_name: &str,
    ) -> Result<Option<RoleRecord>, StoreError> {
        let row = query(GET_ROLE)
            .bind(account_id)
            .bind(role_key(role_name))
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(role_from_row).transpose()?)
    }

    /// Up to `limit` of the account's roles whose key follows `after`, in key order.
    pub async fn list_roles(
        &mut self,
        account_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<RoleRecord>, StoreError> {
        let rows = query(LIST_ROLES)
            .bind(account_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(role_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    pub async fn get_deletion_task(
        &mut self,
        account_id: &str,
        task_id: &str,
    ) -> Result<Option<DeletionTaskRecord>, StoreError> {
        let row = query(GET_DELETION_TASK)
            .bind(account_id)
            .bind(task_id)
            .fetch_optional(&mut self.tx)
            .await?;
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
        let done = query(INSERT_ROLE)
            .bind(role_key(&role.role_name))
            .bind(&role.account_id)
            .bind(&role.role_name)
            .bind(&role.role_id)
            .bind(&role.path)
            .bind(role.service.as_deref())
            .bind(&role.assume_role_policy)
            .bind(role.description.as_deref())
            .bind(role.max_session_seconds)
            .bind(&role.tags)
            .bind(role.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_role(
        &mut self,
        account_id: &str,
        role_name: &str,
    ) -> Result<(), StoreError> {
        query(DELETE_ROLE)
            .bind(account_id)
            .bind(role_key(role_name))
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_deletion_task(
        &mut self,
        task: &DeletionTaskRecord,
    ) -> Result<(), StoreError> {
        query(INSERT_DELETION_TASK)
            .bind(&task.account_id)
            .bind(&task.task_id)
            .bind(&task.role_name)
            .bind(task.status.as_str())
            .bind(task.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}

/// An IAM user; its access keys are `access_keys` rows naming its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub account_id: String,
    pub user_name: String,
    /// `AIDA...`
    pub user_id: String,
    /// `/` or `/division/team/`.
    pub path: String,
    /// The user's tags, `[{"Key": .., "Value": ..}]` (JSON text).
    pub tags: String,
    pub created_ms: i64,
}

macro_rules! user_columns {
    () => {
        "account_id, user_name, user_id, path, tags, created_ms"
    };
}

const GET_USER: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM iam_users WHERE account_id = $1 AND user_key = $2"
);
/// An account's users in name order, after `$2` (a user key; '' for the first page), `$3` at most.
const LIST_USERS: &str = concat!(
    "SELECT user_key, ",
    user_columns!(),
    " FROM iam_users WHERE account_id = $1 AND user_key > $2 ORDER BY user_key LIMIT $3"
);
const INSERT_USER: &str = concat!(
    "INSERT INTO iam_users (user_key, ",
    user_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, user_key) DO NOTHING"
);
const DELETE_USER: &str = "DELETE FROM iam_users WHERE account_id = $1 AND user_key = $2";

fn user_from_row(r: &Row) -> Result<UserRecord, DbError> {
    Ok(UserRecord {
        account_id: r.try_get("account_id")?,
        user_name: r.try_get("user_name")?,
        user_id: r.try_get("user_id")?,
        path: r.try_get("path")?,
        tags: r.try_get("tags")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// A user name as the table keys it (IAM names are unique regardless of case).
pub fn user_key(name: &str) -> String {
    name.to_lowercase()
}

impl ReadTx {
    /// The account's user named `user_name` (compared regardless of case).
    pub async fn get_user(
        &mut self,
        account_id: &str,
        user_name: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let row = query(GET_USER)
            .bind(account_id)
            .bind(user_key(user_name))
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Up to `limit` of the account's users whose key follows `after`, in key order.
    pub async fn list_users(
        &mut self,
        account_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<UserRecord>, StoreError> {
        let rows = query(LIST_USERS)
            .bind(account_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(user_from_row)
            .collect::<Result<_, DbError>>()?)
    }
}

impl WriteTx {
    /// Creates the user unless the account has one of that name (in any case); whether it did.
    pub async fn insert_user(&mut self, user: &UserRecord) -> Result<bool, StoreError> {
        let done = query(INSERT_USER)
            .bind(user_key(&user.user_name))
            .bind(&user.account_id)
            .bind(&user.user_name)
            .bind(&user.user_id)
            .bind(&user.path)
            .bind(&user.tags)
            .bind(user.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the user; whether it existed.
    pub async fn delete_user(
        &mut self,
        account_id: &str,
        user_name: &str,
    ) -> Result<bool, StoreError> {
        let done = query(DELETE_USER)
            .bind(account_id)
            .bind(user_key(user_name))
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
