//! Customer managed permissions (and those RAM creates from resource policies), their versions and
//! tags, and the work items of ReplacePermissionAssociations.

use crate::engine::{DbError, Row, query};
use ram_model::{
    PermissionFeatureSet, PermissionStatus, ReplacePermissionAssociationsWorkStatus,
    ResourceShareStatus,
};

use crate::states::{States, state};

use crate::query::{
    Bind, Page, Sql, effective_status, effective_status_sql, set_lifecycle_by_arn_sql,
};
use crate::records::{Lifecycle, Tag};
use crate::shares::next_of;
use crate::tags::PERMISSION_TAGS;
use crate::{ReadTx, StoreError, WriteTx};

/// A permission owned by an account (customer managed or created from a resource policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRecord {
    pub arn: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub resource_type: String,
    pub feature_set: PermissionFeatureSet,
    pub default_version: i64,
    /// Effective status at the query's `now` (ATTACHABLE, DELETING, DELETED).
    pub status: PermissionStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPermission {
    pub arn: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub resource_type: String,
    pub feature_set: PermissionFeatureSet,
    pub status: PermissionStatus,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionVersionRecord {
    pub permission_arn: String,
    pub version: i64,
    pub template: String,
    /// When the version was deleted; deleted versions stay listed for a while.
    pub deleted_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRecord {
    pub id: String,
    pub account_id: String,
    pub region: String,
    pub from_arn: String,
    pub from_version: Option<i64>,
    pub to_arn: String,
    pub to_version: i64,
    /// Effective status at the query's `now`.
    pub status: ReplacePermissionAssociationsWorkStatus,
    pub status_message: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// Permissions still visible, with their effective status; `$1` the `now`.
macro_rules! permission_select {
    () => {
        concat!(
            "SELECT p.arn, p.account_id, p.region, p.name, p.resource_type, p.feature_set, p.default_version, p.created_ms, p.updated_ms, ",
            effective_status_sql!("p", "$1"),
            " AS effective_status FROM permissions p WHERE (p.visible_until_ms IS NULL OR p.visible_until_ms > $1)"
        )
    };
}

/// The prefix of the permission listing: `$1` now.
const PERMISSION_SELECT: &str = permission_select!();
/// `$1` now, `$2` ARN.
const GET_PERMISSION: &str = concat!(permission_select!(), " AND p.arn = $2");
const PERMISSION_VERSIONS: &str = "SELECT permission_arn, version, template, deleted_ms, created_ms, updated_ms FROM permission_versions WHERE permission_arn = $1 ORDER BY version";
/// Version 1 is the default.
const INSERT_PERMISSION: &str = "INSERT INTO permissions (arn, account_id, region, name, resource_type, feature_set, default_version, status, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)";
const INSERT_PERMISSION_VERSION: &str = "INSERT INTO permission_versions (permission_arn, version, template, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $4)";
const SET_DEFAULT_PERMISSION_VERSION: &str =
    "UPDATE permissions SET default_version = $1, updated_ms = $2 WHERE arn = $3";
const DELETE_PERMISSION_VERSION: &str = "UPDATE permission_versions SET deleted_ms = $1, updated_ms = $1 WHERE permission_arn = $2 AND version = $3";
const SET_PERMISSION_LIFECYCLE: &str = set_lifecycle_by_arn_sql!("permissions");
const SET_PERMISSION_FEATURE_SET: &str =
    "UPDATE permissions SET feature_set = $1, updated_ms = $2 WHERE arn = $3";
const INSERT_WORK: &str = "INSERT INTO replace_permission_works (id, account_id, region, from_arn, from_version, to_arn, to_version, status, next_status, transition_ms, status_message, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
/// Every trace of a permission, `$1` its ARN.
const PURGE_PERMISSION: [&str; 3] = [
    "DELETE FROM permission_tags WHERE permission_arn = $1",
    "DELETE FROM permission_versions WHERE permission_arn = $1",
    "DELETE FROM permissions WHERE arn = $1",
];

fn permission_from_row(r: &Row) -> Result<PermissionRecord, StoreError> {
    Ok(PermissionRecord {
        arn: r.try_get("arn")?,
        account_id: r.try_get("account_id")?,
        region: r.try_get("region")?,
        name: r.try_get("name")?,
        resource_type: r.try_get("resource_type")?,
        feature_set: state(r, "feature_set")?,
        default_version: r.try_get("default_version")?,
        status: state(r, "effective_status")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

fn version_from_row(r: &Row) -> Result<PermissionVersionRecord, DbError> {
    Ok(PermissionVersionRecord {
        permission_arn: r.try_get("permission_arn")?,
        version: r.try_get("version")?,
        template: r.try_get("template")?,
        deleted_ms: r.try_get("deleted_ms")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

fn work_from_row(r: &Row) -> Result<WorkRecord, StoreError> {
    Ok(WorkRecord {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        region: r.try_get("region")?,
        from_arn: r.try_get("from_arn")?,
        from_version: r.try_get("from_version")?,
        to_arn: r.try_get("to_arn")?,
        to_version: r.try_get("to_version")?,
        status: state(r, "effective_status")?,
        status_message: r.try_get("status_message")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

impl ReadTx {
    pub async fn get_permission(
        &mut self,
        arn: &str,
        now_ms: i64,
    ) -> Result<Option<PermissionRecord>, StoreError> {
        let row = query(GET_PERMISSION)
            .bind(now_ms)
            .bind(arn)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(permission_from_row).transpose()
    }

    /// The account's permissions in the Region, by ARN, after `after_arn`.
    pub async fn list_permissions(
        &mut self,
        account: &str,
        region: &str,
        after_arn: Option<&str>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<PermissionRecord>, StoreError> {
        let mut sql = Sql::prefixed(PERMISSION_SELECT, [Bind::Int(now_ms)]);
        sql.push(" AND p.account_id = ")
            .text(account)
            .push(" AND p.region = ")
            .text(region);
        if let Some(after) = after_arn {
            sql.push(" AND p.arn > ").text(after);
        }
        sql.push(" ORDER BY p.arn LIMIT ")
            .int(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(permission_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// Versions of a permission, oldest first, including deleted ones still listed.
    pub async fn permission_versions(
        &mut self,
        arn: &str,
    ) -> Result<Vec<PermissionVersionRecord>, StoreError> {
        let rows = query(PERMISSION_VERSIONS)
            .bind(arn)
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(version_from_row)
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub async fn permission_tags(
        &mut self,
        arns: &[String],
    ) -> Result<Vec<(String, Tag)>, StoreError> {
        self.tags_of(PERMISSION_TAGS, arns).await
    }

    /// How many shares in one of `share_statuses` use the permission (at `version` if given).
    pub async fn count_permission_attachments(
        &mut self,
        arn: &str,
        version: Option<i64>,
        share_statuses: &States<ResourceShareStatus>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS n FROM share_permissions sp JOIN resource_shares s ON s.arn = sp.share_arn WHERE sp.permission_arn = ",
        );
        sql.text(arn);
        if let Some(v) = version {
            sql.push(" AND sp.permission_version = ").int(v);
        }
        sql.and_states(share_statuses, |sql| effective_status(sql, "s", now_ms));
        let row = sql.query().fetch_one(&mut self.tx).await?;
        Ok(row.try_get("n")?)
    }

    /// The account's work items in the Region, oldest first.
    #[allow(clippy::too_many_arguments)]
    pub async fn list_works(
        &mut self,
        account: &str,
        region: &str,
        ids: &[String],
        status: Option<ReplacePermissionAssociationsWorkStatus>,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<WorkRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT w.id, w.account_id, w.region, w.from_arn, w.from_version, w.to_arn, w.to_version, w.status_message, w.created_ms, w.updated_ms, ",
        );
        effective_status(&mut sql, "w", now_ms);
        sql.push(" AS effective_status FROM replace_permission_works w WHERE w.account_id = ")
            .text(account);
        sql.push(" AND w.region = ").text(region);
        if !ids.is_empty() {
            sql.push(" AND w.id").in_list(ids);
        }
        if let Some(status) = status {
            sql.push(" AND ");
            effective_status(&mut sql, "w", now_ms);
            sql.push(" = ").state(status);
        }
        sql.after("w.created_ms", "w.id", after);
        sql.push(" ORDER BY w.created_ms, w.id LIMIT ")
            .int(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(work_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }
}

impl WriteTx {
    /// Creates a permission with its first version (version 1, the default).
    pub async fn insert_permission(
        &mut self,
        p: &NewPermission,
        template: &str,
    ) -> Result<(), StoreError> {
        query(INSERT_PERMISSION)
            .bind(&p.arn)
            .bind(&p.account_id)
            .bind(&p.region)
            .bind(&p.name)
            .bind(&p.resource_type)
            .bind(p.feature_set.as_str())
            .bind(p.status.as_str())
            .bind(p.now_ms)
            .execute(&mut self.tx)
            .await?;
        self.insert_permission_version(&p.arn, 1, template, p.now_ms)
            .await
    }

    pub async fn insert_permission_version(
        &mut self,
        arn: &str,
        version: i64,
        template: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(INSERT_PERMISSION_VERSION)
            .bind(arn)
            .bind(version)
            .bind(template)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn set_default_permission_version(
        &mut self,
        arn: &str,
        version: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(SET_DEFAULT_PERMISSION_VERSION)
            .bind(version)
            .bind(now_ms)
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn delete_permission_version(
        &mut self,
        arn: &str,
        version: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(DELETE_PERMISSION_VERSION)
            .bind(now_ms)
            .bind(arn)
            .bind(version)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Moves a permission to a new status; `visible_until_ms` makes a deleted one disappear later.
    pub async fn set_permission_lifecycle(
        &mut self,
        arn: &str,
        lifecycle: &Lifecycle<PermissionStatus>,
        visible_until_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.set_lifecycle_by_arn(
            SET_PERMISSION_LIFECYCLE,
            arn,
            lifecycle,
            visible_until_ms,
            now_ms,
        )
        .await
    }

    pub async fn set_permission_feature_set(
        &mut self,
        arn: &str,
        feature_set: PermissionFeatureSet,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(SET_PERMISSION_FEATURE_SET)
            .bind(feature_set.as_str())
            .bind(now_ms)
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn put_permission_tags(&mut self, arn: &str, tags: &[Tag]) -> Result<(), StoreError> {
        self.put_tags(PERMISSION_TAGS, arn, tags).await
    }

    pub async fn remove_permission_tags(
        &mut self,
        arn: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.remove_tags(PERMISSION_TAGS, arn, Some(keys)).await
    }

    pub async fn insert_work(
        &mut self,
        w: &WorkRecord,
        lifecycle: &Lifecycle<ReplacePermissionAssociationsWorkStatus>,
    ) -> Result<(), StoreError> {
        let (next, at) = next_of(lifecycle);
        query(INSERT_WORK)
            .bind(&w.id)
            .bind(&w.account_id)
            .bind(&w.region)
            .bind(&w.from_arn)
            .bind(w.from_version)
            .bind(&w.to_arn)
            .bind(w.to_version)
            .bind(lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(w.status_message.as_deref())
            .bind(w.created_ms)
            .bind(w.updated_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}

impl WriteTx {
    /// Removes every trace of a permission that has disappeared after deletion, so that its name
    /// (and so its ARN) can be used again.
    pub async fn purge_permission(&mut self, arn: &str) -> Result<(), StoreError> {
        for statement in PURGE_PERMISSION {
            query(statement).bind(arn).execute(&mut self.tx).await?;
        }
        Ok(())
    }
}
