use crate::engine::{Row, query};
use ram_model::{ResourceShareFeatureSet, ResourceShareStatus};

use crate::query::{
    Bind, Page, Scope, Sql, counted, effective_status, effective_status_sql,
    set_lifecycle_by_arn_sql,
};
use crate::received::{Received, Start};
use crate::records::{Lifecycle, NewShare, ShareFilter, ShareRecord, Tag};
use crate::states::{States, StoredState, state};
use crate::tags::SHARE_TAGS;
use crate::{ReadTx, StoreError, WriteTx};

/// `SELECT <share columns>, <effective status> ... WHERE <still visible>` with `$1` the `now`.
macro_rules! share_select {
    () => {
        concat!(
            "SELECT s.arn, s.owner_account, s.region, s.name, s.allow_external, s.feature_set, s.retain_on_leave, s.status_message, s.created_ms, s.updated_ms, ",
            effective_status_sql!("s", "$1"),
            " AS effective_status FROM resource_shares s WHERE (s.visible_until_ms IS NULL OR s.visible_until_ms > $1)"
        )
    };
}

/// The prefix of the share listings: `$1` now.
const SHARE_SELECT: &str = share_select!();
/// `$1` now, `$2` ARN.
const GET_SHARE: &str = concat!(share_select!(), " AND s.arn = $2");
const SHARE_REGIONS: &str = "SELECT DISTINCT region FROM resource_shares ORDER BY region";
const INSERT_SHARE: &str = "INSERT INTO resource_shares (arn, owner_account, region, name, allow_external, feature_set, retain_on_leave, status, next_status, transition_ms, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";
/// `$2` name and `$3` allow_external are NULL to keep the stored value.
const UPDATE_SHARE: &str = "UPDATE resource_shares SET updated_ms = $1, name = COALESCE($2, name), allow_external = COALESCE($3, allow_external) WHERE arn = $4";
const SET_SHARE_FEATURE_SET: &str =
    "UPDATE resource_shares SET feature_set = $1, updated_ms = $2 WHERE arn = $3";
/// Settles the shares of `$1` in `$2` whose transition time `$3` has passed (see `counted`).
const SETTLE_SHARES: &str = "UPDATE resource_shares SET status = next_status WHERE owner_account = $1 AND region = $2 AND status <> next_status AND transition_ms <= $3 RETURNING arn, status";
const SET_SHARE_LIFECYCLE: &str = set_lifecycle_by_arn_sql!("resource_shares");

fn share_from_row(row: &Row) -> Result<ShareRecord, StoreError> {
    Ok(ShareRecord {
        arn: row.try_get("arn")?,
        owner_account: row.try_get("owner_account")?,
        region: row.try_get("region")?,
        name: row.try_get("name")?,
        allow_external: row.try_get::<i64, _>("allow_external")? != 0,
        feature_set: state(row, "feature_set")?,
        retain_on_leave: row
            .try_get::<Option<i64>, _>("retain_on_leave")?
            .map(|v| v != 0),
        status: state(row, "effective_status")?,
        status_message: row.try_get("status_message")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

impl ReadTx {
    /// The share with this ARN, if it exists and has not yet disappeared after deletion.
    pub async fn get_share(
        &mut self,
        arn: &str,
        now_ms: i64,
    ) -> Result<Option<ShareRecord>, StoreError> {
        let row = query(GET_SHARE)
            .bind(now_ms)
            .bind(arn)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(share_from_row).transpose()
    }

    pub async fn list_shares(
        &mut self,
        scope: &Scope,
        region: &str,
        filter: &ShareFilter,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<ShareRecord>, StoreError> {
        let mut sql = Sql::prefixed(SHARE_SELECT, [Bind::Int(now_ms)]);
        sql.push(" AND s.region = ").text(region);
        if let Scope::Owner(account) = scope {
            sql.push(" AND s.owner_account = ").text(account);
        }
        if !filter.arns.is_empty() {
            sql.push(" AND s.arn").in_list(&filter.arns);
        }
        sql.and_states(&filter.statuses, |sql| effective_status(sql, "s", now_ms));
        if let Some(name) = &filter.name {
            sql.push(" AND s.name = ").text(name);
        }
        if !filter.tag_filters.is_empty() {
            sql.push(" AND EXISTS (SELECT 1 FROM share_tags t WHERE t.share_arn = s.arn AND (");
            for (i, (key, values)) in filter.tag_filters.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push("(t.tag_key = ").text(key);
                if !values.is_empty() {
                    sql.push(" AND t.tag_value").in_list(values);
                }
                sql.push(")");
            }
            sql.push("))");
        }
        if let Some((permission_arn, version)) = &filter.permission {
            sql.push(" AND EXISTS (SELECT 1 FROM share_permissions p WHERE p.share_arn = s.arn AND p.permission_arn = ");
            sql.text(permission_arn);
            if let Some(v) = version {
                sql.push(" AND p.permission_version = ").int(*v);
            }
            sql.push(")");
        }
        let Some(received) = Received::of(scope, region, now_ms) else {
            sql.after("s.created_ms", "s.arn", after);
            sql.push(" ORDER BY s.created_ms, s.arn");
            return sql.page(&mut self.tx, limit, share_from_row).await;
        };
        // A receiver's shares come in ARN order (see `received`); the cursor's key is the ARN.
        let after = after.map(|(_, arn)| arn.as_str());
        if filter.arns.is_empty() {
            let start = after.map_or(Start::Beginning, Start::After);
            let select = |shares: &[String]| {
                let mut sql = sql.clone();
                sql.push(" AND s.arn").in_list(shares);
                sql.push(" ORDER BY s.arn");
                sql
            };
            return received
                .page(&mut self.tx, start, limit, select, share_from_row)
                .await;
        }
        received.reaches(&mut sql, "s.arn");
        if let Some(arn) = after {
            sql.push(" AND s.arn > ").text(arn);
        }
        sql.push(" ORDER BY s.arn");
        sql.page(&mut self.tx, limit, share_from_row).await
    }

    /// The Regions that hold shares (organizations are global; shares are per Region).
    pub async fn share_regions(&mut self) -> Result<Vec<String>, StoreError> {
        let rows = query(SHARE_REGIONS).fetch_all(&mut self.tx).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("region"))
            .collect::<Result<_, _>>()?)
    }

    /// Tags of each of the shares, in key order.
    pub async fn share_tags(&mut self, arns: &[String]) -> Result<Vec<(String, Tag)>, StoreError> {
        self.tags_of(SHARE_TAGS, arns).await
    }
}

impl WriteTx {
    /// How many shares of the account in the Region are in one of `statuses` at `now_ms`: read
    /// from the status counters after settling the account's shares whose timed transition has
    /// passed, so it costs what changed, not what the account holds.
    pub async fn count_shares(
        &mut self,
        owner: &str,
        region: &str,
        statuses: &States<ResourceShareStatus>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let settle = query(SETTLE_SHARES).bind(owner).bind(region).bind(now_ms);
        self.settle_and_feed(settle, crate::feed::Settled::Shares, now_ms)
            .await?;
        counted(&mut self.tx, owner, Some(region), "share", statuses).await
    }

    pub async fn insert_share(&mut self, share: &NewShare) -> Result<(), StoreError> {
        let (next, at) = next_of(&share.lifecycle);
        query(INSERT_SHARE)
            .bind(&share.arn)
            .bind(&share.owner_account)
            .bind(&share.region)
            .bind(&share.name)
            .bind(i64::from(share.allow_external))
            .bind(share.feature_set.as_str())
            .bind(share.retain_on_leave.map(i64::from))
            .bind(share.lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(share.created_ms)
            .execute(&mut self.tx)
            .await?;
        self.feed(
            &share.arn,
            crate::FeedKind::Share,
            None,
            share.lifecycle.status.as_str(),
            share.created_ms,
        )
        .await
    }

    pub async fn update_share(
        &mut self,
        arn: &str,
        name: Option<&str>,
        allow_external: Option<bool>,
        updated_ms: i64,
    ) -> Result<(), StoreError> {
        query(UPDATE_SHARE)
            .bind(updated_ms)
            .bind(name)
            .bind(allow_external.map(i64::from))
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        // Associations bump the share's time through here too: only a new name or setting is
        // an update of the share itself.
        if name.is_none() && allow_external.is_none() {
            return Ok(());
        }
        self.feed(arn, crate::FeedKind::Share, None, "UPDATED", updated_ms)
            .await
    }

    pub async fn set_share_feature_set(
        &mut self,
        arn: &str,
        feature_set: ResourceShareFeatureSet,
        updated_ms: i64,
    ) -> Result<(), StoreError> {
        query(SET_SHARE_FEATURE_SET)
            .bind(feature_set.as_str())
            .bind(updated_ms)
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Moves the share to a new status; `visible_until_ms` makes a deleted share disappear later.
    pub async fn set_share_lifecycle(
        &mut self,
        arn: &str,
        lifecycle: &Lifecycle<ResourceShareStatus>,
        visible_until_ms: Option<i64>,
        updated_ms: i64,
    ) -> Result<(), StoreError> {
        self.set_lifecycle_by_arn(
            SET_SHARE_LIFECYCLE,
            arn,
            lifecycle,
            visible_until_ms,
            updated_ms,
        )
        .await?;
        self.feed(
            arn,
            crate::FeedKind::Share,
            None,
            lifecycle.status.as_str(),
            updated_ms,
        )
        .await
    }

    /// Moves the row `arn` of a table with a lifecycle and a visibility deadline to a new status;
    /// `statement` is the table's `set_lifecycle_by_arn_sql!`.
    pub(crate) async fn set_lifecycle_by_arn<S: StoredState>(
        &mut self,
        statement: &'static str,
        arn: &str,
        lifecycle: &Lifecycle<S>,
        visible_until_ms: Option<i64>,
        updated_ms: i64,
    ) -> Result<(), StoreError> {
        let (next, at) = next_of(lifecycle);
        query(statement)
            .bind(lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(visible_until_ms)
            .bind(updated_ms)
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Sets tags on a share, replacing the values of keys it already has.
    pub async fn put_share_tags(&mut self, arn: &str, tags: &[Tag]) -> Result<(), StoreError> {
        self.put_tags(SHARE_TAGS, arn, tags).await
    }

    pub async fn remove_share_tags(
        &mut self,
        arn: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.remove_tags(SHARE_TAGS, arn, Some(keys)).await
    }
}

/// The scheduled change of a lifecycle as the `next_status` and `transition_ms` binds (typed
/// NULLs when there is none).
pub(crate) fn next_of<S: StoredState>(
    lifecycle: &Lifecycle<S>,
) -> (Option<&'static str>, Option<i64>) {
    match &lifecycle.next {
        Some((next, at)) => (Some(next.as_str()), Some(*at)),
        None => (None, None),
    }
}
