use ram_model::ResourceShareStatus;

use crate::engine::{DbError, Row, query};
use crate::query::{Page, Sql, effective_status};
use crate::records::SharePermissionRecord;
use crate::states::States;
use crate::{ReadTx, StoreError, WriteTx};

/// One permission per share and resource type: a new one replaces the old.
const SET_SHARE_PERMISSION: &str = "INSERT INTO share_permissions (share_arn, resource_type, permission_arn, permission_version, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (share_arn, resource_type) DO UPDATE SET permission_arn = $3, permission_version = $4, updated_ms = $6";
const SHARE_PERMISSION_OF_TYPE: &str = "SELECT permission_arn, permission_version FROM share_permissions WHERE share_arn = $1 AND resource_type = $2";
const REMOVE_SHARE_PERMISSION: &str =
    "DELETE FROM share_permissions WHERE share_arn = $1 AND resource_type = $2";

impl ReadTx {
    pub async fn share_permissions(
        &mut self,
        share_arns: &[String],
    ) -> Result<Vec<SharePermissionRecord>, StoreError> {
        if share_arns.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT share_arn, resource_type, permission_arn, permission_version, created_ms, updated_ms FROM share_permissions WHERE ",
        );
        sql.push("share_arn")
            .in_list(share_arns)
            .push(" ORDER BY share_arn, resource_type");
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        Ok(rows
            .iter()
            .map(share_permission_from_row)
            .collect::<Result<Vec<_>, _>>()?)
    }
}

impl WriteTx {
    /// Attaches a permission version to a share for one resource type, replacing any other.
    pub async fn set_share_permission(
        &mut self,
        p: &SharePermissionRecord,
    ) -> Result<(), StoreError> {
        // The feed hears of a change only: the same version set again (each resource of a type
        // sets its type's permission) is none.
        let before = query(SHARE_PERMISSION_OF_TYPE)
            .bind(&p.share_arn)
            .bind(&p.resource_type)
            .fetch_optional(&mut self.tx)
            .await?;
        let unchanged = match &before {
            Some(row) => {
                let arn: String = row.try_get("permission_arn")?;
                let version: i64 = row.try_get("permission_version")?;
                arn == p.permission_arn && version == p.permission_version
            }
            None => false,
        };
        query(SET_SHARE_PERMISSION)
            .bind(&p.share_arn)
            .bind(&p.resource_type)
            .bind(&p.permission_arn)
            .bind(p.permission_version)
            .bind(p.created_ms)
            .bind(p.updated_ms)
            .execute(&mut self.tx)
            .await?;
        if unchanged {
            return Ok(());
        }
        self.feed(
            &p.share_arn,
            crate::FeedKind::Permission,
            Some(&p.permission_arn),
            "ATTACHED",
            p.updated_ms,
        )
        .await
    }
}

/// Filters of ListPermissionAssociations.
#[derive(Debug, Clone, Default)]
pub struct SharePermissionFilter {
    pub permission_arn: Option<String>,
    pub permission_version: Option<i64>,
    pub resource_type: Option<String>,
    /// Only attachments of shares in these states.
    pub share_statuses: States<ResourceShareStatus>,
}

impl ReadTx {
    /// Permissions attached to the account's shares in `filter.share_statuses`, oldest
    /// attachment first.
    #[allow(clippy::too_many_arguments)]
    pub async fn list_share_permissions(
        &mut self,
        owner: &str,
        region: &str,
        filter: &SharePermissionFilter,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<SharePermissionRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT sp.share_arn, sp.resource_type, sp.permission_arn, sp.permission_version, sp.created_ms, sp.updated_ms FROM share_permissions sp JOIN resource_shares s ON s.arn = sp.share_arn WHERE s.owner_account = ",
        );
        sql.text(owner).push(" AND s.region = ").text(region);
        sql.and_states(&filter.share_statuses, |sql| {
            effective_status(sql, "s", now_ms);
        });
        if let Some(arn) = &filter.permission_arn {
            sql.push(" AND sp.permission_arn = ").text(arn);
        }
        if let Some(v) = filter.permission_version {
            sql.push(" AND sp.permission_version = ").int(v);
        }
        if let Some(rt) = &filter.resource_type {
            sql.push(" AND sp.resource_type = ").text(rt);
        }
        sql.after("sp.created_ms", SHARE_PERMISSION_KEY, after);
        sql.push(" ORDER BY sp.created_ms, ")
            .push(SHARE_PERMISSION_KEY)
            .push(" LIMIT ");
        sql.int(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(share_permission_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }
}

impl WriteTx {
    /// Moves every attachment of `from` (at `from_version` if given) on the account's shares in
    /// `share_statuses` to `to` at `to_version`; returns how many shares changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn replace_share_permissions(
        &mut self,
        owner: &str,
        region: &str,
        share_statuses: &States<ResourceShareStatus>,
        from: &str,
        from_version: Option<i64>,
        to: &str,
        to_version: i64,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut sql = Sql::new("UPDATE share_permissions SET permission_arn = ");
        sql.text(to)
            .push(", permission_version = ")
            .int(to_version)
            .push(", updated_ms = ")
            .int(now_ms);
        sql.push(" WHERE permission_arn = ").text(from);
        if let Some(v) = from_version {
            sql.push(" AND permission_version = ").int(v);
        }
        sql.push(" AND share_arn IN (SELECT s.arn FROM resource_shares s WHERE s.owner_account = ")
            .text(owner);
        sql.push(" AND s.region = ").text(region);
        sql.and_states(share_statuses, |sql| effective_status(sql, "s", now_ms));
        sql.push(")");
        let done = sql.query().execute(&mut self.tx).await?;
        Ok(done.rows_affected())
    }

    /// Detaches the permission of one resource type from a share.
    pub async fn remove_share_permission(
        &mut self,
        share_arn: &str,
        resource_type: &str,
        permission_arn: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(REMOVE_SHARE_PERMISSION)
            .bind(share_arn)
            .bind(resource_type)
            .execute(&mut self.tx)
            .await?;
        self.feed(
            share_arn,
            crate::FeedKind::Permission,
            Some(permission_arn),
            "DETACHED",
            now_ms,
        )
        .await
    }
}

const SHARE_PERMISSION_KEY: &str = "(sp.share_arn || ' ' || sp.resource_type)";

/// The keyset key of a share permission, matching `SHARE_PERMISSION_KEY`.
pub fn share_permission_key(p: &SharePermissionRecord) -> String {
    format!("{} {}", p.share_arn, p.resource_type)
}

fn share_permission_from_row(r: &Row) -> Result<SharePermissionRecord, DbError> {
    Ok(SharePermissionRecord {
        share_arn: r.try_get("share_arn")?,
        resource_type: r.try_get("resource_type")?,
        permission_arn: r.try_get("permission_arn")?,
        permission_version: r.try_get("permission_version")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}
