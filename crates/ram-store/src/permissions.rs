use sqlx::Row;

use crate::query::Sql;
use crate::records::SharePermissionRecord;
use crate::{StoreError, Tx};

impl Tx {
    /// Attaches a permission version to a share for one resource type, replacing any other.
    pub async fn set_share_permission(
        &mut self,
        p: &SharePermissionRecord,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new(
            "INSERT INTO share_permissions (share_arn, resource_type, permission_arn, permission_version, created_ms, updated_ms) VALUES (",
        );
        sql.text(&p.share_arn)
            .push(", ")
            .text(&p.resource_type)
            .push(", ")
            .text(&p.permission_arn)
            .push(", ");
        sql.int(p.permission_version)
            .push(", ")
            .int(p.created_ms)
            .push(", ")
            .int(p.updated_ms)
            .push(")");
        sql.push(" ON CONFLICT (share_arn, resource_type) DO UPDATE SET permission_arn = ")
            .text(&p.permission_arn);
        sql.push(", permission_version = ")
            .int(p.permission_version)
            .push(", updated_ms = ")
            .int(p.updated_ms);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

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
        sql.in_list("share_arn", share_arns)
            .push(" ORDER BY share_arn, resource_type");
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        rows.iter()
            .map(|r| {
                Ok(SharePermissionRecord {
                    share_arn: r.try_get("share_arn")?,
                    resource_type: r.try_get("resource_type")?,
                    permission_arn: r.try_get("permission_arn")?,
                    permission_version: r.try_get("permission_version")?,
                    created_ms: r.try_get("created_ms")?,
                    updated_ms: r.try_get("updated_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
