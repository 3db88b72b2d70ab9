use crate::engine::{Row, query};
use ram_model::{ResourceShareAssociationStatus, ResourceShareAssociationType};

use crate::query::{Bind, Page, Scope, Sql, counted, effective_status, effective_status_sql};
use crate::received::{Received, Start};
use crate::records::{AssociationFilter, AssociationRecord, Lifecycle, NewAssociation};
use crate::shares::next_of;
use crate::states::{States, state};
use crate::{ReadTx, StoreError, WriteTx};

/// A receiver's associations, share by share in ARN order (see `received`).
const IN_KEY_ORDER: &str = " ORDER BY a.share_arn, a.association_type, a.entity";
/// The keyset key of an association: unique and stable for the row's lifetime.
const ASSOCIATION_KEY: &str = "(a.share_arn || ' ' || a.association_type || ' ' || a.entity)";

/// Associations with the name of their share, while the share is visible; `$1` the `now`.
macro_rules! association_select {
    () => {
        concat!(
            "SELECT a.share_arn, s.name AS share_name, a.association_type, a.entity, a.owner_account, a.region, a.entity_account, a.resource_type, a.external, a.status_message, a.created_ms, a.updated_ms, ",
            effective_status_sql!("a", "$1"),
            " AS effective_status FROM associations a JOIN resource_shares s ON s.arn = a.share_arn WHERE (s.visible_until_ms IS NULL OR s.visible_until_ms > $1)"
        )
    };
}

/// The prefix of the association listings: `$1` now.
const ASSOCIATION_SELECT: &str = association_select!();
/// `$1` now, `$2` share, `$3` type, `$4` entity.
const GET_ASSOCIATION: &str = concat!(
    association_select!(),
    " AND a.share_arn = $2 AND a.association_type = $3 AND a.entity = $4"
);
/// A row for the same entity starts afresh (an entity disassociated and added again).
const UPSERT_ASSOCIATION: &str = "INSERT INTO associations (share_arn, association_type, entity, owner_account, region, entity_account, resource_type, external, status, status_message, next_status, transition_ms, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT (share_arn, association_type, entity) DO UPDATE SET external = $8, status = $9, status_message = $10, next_status = $11, transition_ms = $12, created_ms = $13, updated_ms = $13";
/// Settles the associations of owner `$1` whose transition time `$2` has passed.
const SETTLE_ASSOCIATIONS: &str = "UPDATE associations SET status = next_status WHERE owner_account = $1 AND status <> next_status AND transition_ms <= $2 RETURNING share_arn, association_type, entity, status";
/// `external` of the principal associations between account `$1` and the other members of
/// organization `$2`, in either direction (`$1` the owner or the principal's account), set to `$3`.
const SET_EXTERNAL_WITH_ORG: &str = "UPDATE associations SET external = $3 WHERE association_type = 'PRINCIPAL' AND entity_account IS NOT NULL AND entity_account <> owner_account AND ((entity_account = $1 AND owner_account IN (SELECT account_id FROM org_accounts WHERE org_id = $2)) OR (owner_account = $1 AND entity_account IN (SELECT account_id FROM org_accounts WHERE org_id = $2)))";
const SET_ASSOCIATION_LIFECYCLE: &str = "UPDATE associations SET status = $1, next_status = $2, transition_ms = $3, status_message = $4, updated_ms = $5 WHERE share_arn = $6 AND association_type = $7 AND entity = $8";

fn association_from_row(row: &Row) -> Result<AssociationRecord, StoreError> {
    Ok(AssociationRecord {
        share_arn: row.try_get("share_arn")?,
        share_name: row.try_get("share_name")?,
        association_type: state(row, "association_type")?,
        entity: row.try_get("entity")?,
        owner_account: row.try_get("owner_account")?,
        region: row.try_get("region")?,
        entity_account: row.try_get("entity_account")?,
        resource_type: row.try_get("resource_type")?,
        external: row.try_get::<i64, _>("external")? != 0,
        status: state(row, "effective_status")?,
        status_message: row.try_get("status_message")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

impl ReadTx {
    pub async fn get_association(
        &mut self,
        share_arn: &str,
        association_type: ResourceShareAssociationType,
        entity: &str,
        now_ms: i64,
    ) -> Result<Option<AssociationRecord>, StoreError> {
        let row = query(GET_ASSOCIATION)
            .bind(now_ms)
            .bind(share_arn)
            .bind(association_type.as_str())
            .bind(entity)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(association_from_row).transpose()
    }

    pub async fn list_associations(
        &mut self,
        scope: &Scope,
        region: &str,
        filter: &AssociationFilter,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<AssociationRecord>, StoreError> {
        let mut sql = Sql::prefixed(ASSOCIATION_SELECT, [Bind::Int(now_ms)]);
        sql.push(" AND a.region = ").text(region);
        let named = !filter.share_arns.is_empty() || !filter.entities.is_empty();
        match scope {
            // Named shares or entities are found by their own index (the primary key, or
            // `associations_by_entity`); written as a bare equality, the owner would lead
            // SQLite's planner (which keeps no statistics) to the owner's index and a scan of
            // everything the owner holds. `|| ''` keeps the test, not the index.
            Scope::Owner(account) if named => {
                sql.push(" AND (a.owner_account || '') = ").text(account);
            }
            Scope::Owner(account) => {
                sql.push(" AND a.owner_account = ").text(account);
            }
            Scope::Receiver { .. } => {}
        }
        if let Some(t) = filter.association_type {
            sql.push(" AND a.association_type = ").state(t);
        }
        if !filter.share_arns.is_empty() {
            sql.push(" AND a.share_arn").in_list(&filter.share_arns);
        }
        if !filter.entities.is_empty() {
            sql.push(" AND a.entity").in_list(&filter.entities);
        }
        if !filter.owners.is_empty() {
            sql.push(" AND a.owner_account").in_list(&filter.owners);
        }
        if let Some(reach) = &filter.reaching {
            sql.push(" AND ");
            reach.condition(&mut sql, "a");
        }
        if !filter.resource_types.is_empty() {
            sql.push(" AND a.resource_type")
                .in_list(&filter.resource_types);
        }
        if let Some(holds) = &filter.share_holds {
            sql.push(" AND EXISTS (SELECT 1 FROM associations h WHERE h.share_arn = a.share_arn AND h.association_type = ");
            sql.state(holds.association_type);
            if let Some(entity) = &holds.entity {
                sql.push(" AND h.entity = ").text(entity);
            }
            if let Some(rt) = &holds.resource_type {
                sql.push(" AND h.resource_type = ").text(rt);
            }
            sql.and_states(&holds.statuses, |sql| effective_status(sql, "h", now_ms));
            sql.push(")");
        }
        sql.and_states(&filter.statuses, |sql| effective_status(sql, "a", now_ms));
        let Some(received) = Received::of(scope, region, now_ms) else {
            sql.after("a.created_ms", ASSOCIATION_KEY, after);
            sql.push(" ORDER BY a.created_ms, ").push(ASSOCIATION_KEY);
            return sql.page(&mut self.tx, limit, association_from_row).await;
        };
        // A receiver's associations come share by share, in ARN order (see `received`), each
        // share's in key order; the cursor's key names the share, type and entity.
        let after = after.map(|(_, key)| split_key(key));
        if let Some((share, kind, entity)) = after {
            sql.push(" AND (a.share_arn > ")
                .text(share)
                .push(" OR (a.share_arn = ")
                .text(share)
                .push(" AND (a.association_type > ")
                .text(kind)
                .push(" OR (a.association_type = ")
                .text(kind)
                .push(" AND a.entity > ")
                .text(entity)
                .push("))))");
        }
        if named {
            received.reaches(&mut sql, "a.share_arn");
            sql.push(IN_KEY_ORDER);
            return sql.page(&mut self.tx, limit, association_from_row).await;
        }
        let start = after.map_or(Start::Beginning, |(share, _, _)| Start::At(share));
        let select = |shares: &[String]| {
            let mut sql = sql.clone();
            sql.push(" AND a.share_arn").in_list(shares);
            sql.push(IN_KEY_ORDER);
            sql
        };
        received
            .page(&mut self.tx, start, limit, select, association_from_row)
            .await
    }
}

/// The share, type and entity of an association key (see `association_key`).
fn split_key(key: &str) -> (&str, &str, &str) {
    let (share, rest) = key.split_once(' ').unwrap_or((key, ""));
    let (kind, entity) = rest.split_once(' ').unwrap_or((rest, ""));
    (share, kind, entity)
}

impl WriteTx {
    /// How many associations of a type the account owns (in every Region) are in one of
    /// `statuses` at `now_ms`, from the status counters (see `WriteTx::count_shares`).
    pub async fn count_associations(
        &mut self,
        owner: &str,
        association_type: ResourceShareAssociationType,
        statuses: &States<ResourceShareAssociationStatus>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let settle = query(SETTLE_ASSOCIATIONS).bind(owner).bind(now_ms);
        self.settle_and_feed(settle, crate::feed::Settled::Associations, now_ms)
            .await?;
        counted(
            &mut self.tx,
            owner,
            None,
            association_type.as_str(),
            statuses,
        )
        .await
    }

    /// Creates the association, or starts it afresh when a row for the same entity exists
    /// (an entity that was disassociated and is added again).
    pub async fn upsert_association(&mut self, a: &NewAssociation) -> Result<(), StoreError> {
        let (next, at) = next_of(&a.lifecycle);
        query(UPSERT_ASSOCIATION)
            .bind(&a.share_arn)
            .bind(a.association_type.as_str())
            .bind(&a.entity)
            .bind(&a.owner_account)
            .bind(&a.region)
            .bind(a.entity_account.as_deref())
            .bind(a.resource_type.as_deref())
            .bind(i64::from(a.external))
            .bind(a.lifecycle.status.as_str())
            .bind(a.status_message.as_deref())
            .bind(next)
            .bind(at)
            .bind(a.now_ms)
            .execute(&mut self.tx)
            .await?;
        self.feed(
            &a.share_arn,
            crate::feed::association_kind(a.association_type),
            Some(&a.entity),
            a.lifecycle.status.as_str(),
            a.now_ms,
        )
        .await
    }

    pub async fn set_association_lifecycle(
        &mut self,
        share_arn: &str,
        association_type: ResourceShareAssociationType,
        entity: &str,
        lifecycle: &Lifecycle<ResourceShareAssociationStatus>,
        status_message: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (next, at) = next_of(lifecycle);
        query(SET_ASSOCIATION_LIFECYCLE)
            .bind(lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(status_message)
            .bind(now_ms)
            .bind(share_arn)
            .bind(association_type.as_str())
            .bind(entity)
            .execute(&mut self.tx)
            .await?;
        self.feed(
            share_arn,
            crate::feed::association_kind(association_type),
            Some(entity),
            lifecycle.status.as_str(),
            now_ms,
        )
        .await
    }

    /// An account joins or leaves organization `org_id`: the principal associations between it
    /// and the organization's other members, whichever side owns the share, become internal
    /// (`external = false`) or external. Called while `account` is a member (after it joined,
    /// before it leaves); the `updated_ms` of the rows stays, as nothing of the association
    /// itself changed.
    pub async fn set_external_with_organization(
        &mut self,
        account: &str,
        org_id: &str,
        external: bool,
    ) -> Result<(), StoreError> {
        query(SET_EXTERNAL_WITH_ORG)
            .bind(account)
            .bind(org_id)
            .bind(i64::from(external))
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}

/// The keyset key of an association record, matching `ASSOCIATION_KEY`.
pub fn association_key(a: &AssociationRecord) -> String {
    format!(
        "{} {} {}",
        a.share_arn,
        a.association_type.as_str(),
        a.entity
    )
}
