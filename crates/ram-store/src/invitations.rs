use crate::engine::{Row, query};
use ram_model::ResourceShareInvitationStatus;

use crate::query::{Bind, Page, Sql, counted, effective_status, effective_status_sql};
use crate::records::{InvitationFilter, InvitationRecord, Lifecycle, NewInvitation};
use crate::shares::next_of;
use crate::states::{States, state};
use crate::{ReadTx, StoreError, WriteTx};

/// When the invitation `i` reached its effective status at the placeholder `$now`: the constant
/// form of `settled_ms`.
macro_rules! settled_ms_sql {
    ($now:literal) => {
        concat!(
            "(CASE WHEN i.transition_ms IS NOT NULL AND i.transition_ms <= ",
            $now,
            " THEN i.transition_ms ELSE i.updated_ms END)"
        )
    };
}

/// Invitations with the name of their share; `$1` the `now`.
macro_rules! invitation_select {
    () => {
        concat!(
            "SELECT i.arn, i.share_arn, s.name AS share_name, i.principal, i.sender_account, i.receiver_account, i.receiver_arn, i.region, i.created_ms, i.updated_ms, ",
            effective_status_sql!("i", "$1"),
            " AS effective_status, ",
            settled_ms_sql!("$1"),
            " AS settled_ms FROM invitations i JOIN resource_shares s ON s.arn = i.share_arn WHERE 1 = 1"
        )
    };
}

/// The prefix of the invitation listing: `$1` now.
const INVITATION_SELECT: &str = invitation_select!();
/// `$1` now, `$2` ARN.
const GET_INVITATION: &str = concat!(invitation_select!(), " AND i.arn = $2");
/// `$1` now, `$2` share, `$3` principal: the newest first.
const LATEST_INVITATION: &str = concat!(
    invitation_select!(),
    " AND i.share_arn = $2 AND i.principal = $3 ORDER BY i.created_ms DESC, i.arn DESC LIMIT 1"
);
const INSERT_INVITATION: &str = "INSERT INTO invitations (arn, share_arn, principal, sender_account, receiver_account, receiver_arn, region, status, next_status, transition_ms, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)";
/// Settles the invitations sent by `$1` in `$2` whose transition time `$3` has passed.
const SETTLE_INVITATIONS: &str = "UPDATE invitations SET status = next_status WHERE sender_account = $1 AND region = $2 AND status <> next_status AND transition_ms <= $3 RETURNING arn, share_arn, status";
const SET_INVITATION_LIFECYCLE: &str = "UPDATE invitations SET status = $1, next_status = $2, transition_ms = $3, updated_ms = $4 WHERE arn = $5";

/// When the invitation `i` reached its effective status at `now_ms`.
fn settled_ms(sql: &mut Sql, now_ms: i64) {
    sql.push("(CASE WHEN i.transition_ms IS NOT NULL AND i.transition_ms <= ")
        .int(now_ms)
        .push(" THEN i.transition_ms ELSE i.updated_ms END)");
}

fn invitation_from_row(row: &Row) -> Result<InvitationRecord, StoreError> {
    Ok(InvitationRecord {
        arn: row.try_get("arn")?,
        share_arn: row.try_get("share_arn")?,
        share_name: row.try_get("share_name")?,
        principal: row.try_get("principal")?,
        sender_account: row.try_get("sender_account")?,
        receiver_account: row.try_get("receiver_account")?,
        receiver_arn: row.try_get("receiver_arn")?,
        region: row.try_get("region")?,
        status: state(row, "effective_status")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        settled_ms: row.try_get("settled_ms")?,
    })
}

impl ReadTx {
    pub async fn get_invitation(
        &mut self,
        arn: &str,
        now_ms: i64,
    ) -> Result<Option<InvitationRecord>, StoreError> {
        let row = query(GET_INVITATION)
            .bind(now_ms)
            .bind(arn)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// The newest invitation sent for a principal association of a share.
    pub async fn latest_invitation(
        &mut self,
        share_arn: &str,
        principal: &str,
        now_ms: i64,
    ) -> Result<Option<InvitationRecord>, StoreError> {
        let row = query(LATEST_INVITATION)
            .bind(now_ms)
            .bind(share_arn)
            .bind(principal)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// Invitations received by the account in the Region.
    pub async fn list_invitations(
        &mut self,
        receiver_account: &str,
        region: &str,
        filter: &InvitationFilter,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<InvitationRecord>, StoreError> {
        let mut sql = Sql::prefixed(INVITATION_SELECT, [Bind::Int(now_ms)]);
        sql.push(" AND i.receiver_account = ")
            .text(receiver_account)
            .push(" AND i.region = ")
            .text(region);
        if !filter.arns.is_empty() {
            sql.push(" AND i.arn").in_list(&filter.arns);
        }
        if !filter.share_arns.is_empty() {
            sql.push(" AND i.share_arn").in_list(&filter.share_arns);
        }
        if let Some(purged) = &filter.purged {
            // Kept: settled after the purge horizon, or live.
            sql.push(" AND (");
            settled_ms(&mut sql, now_ms);
            sql.push(" > ").int(purged.settled_by_ms).push(" OR (1 = 1");
            sql.and_states(&purged.live, |sql| effective_status(sql, "i", now_ms));
            sql.push("))");
        }
        sql.after("i.created_ms", "i.arn", after);
        sql.push(" ORDER BY i.created_ms, i.arn LIMIT ")
            .int(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(invitation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }
}

impl WriteTx {
    /// How many invitations the account has sent in the Region that are in one of `statuses` at
    /// `now_ms`, from the status counters (see `WriteTx::count_shares`).
    pub async fn count_sent_invitations(
        &mut self,
        sender: &str,
        region: &str,
        statuses: &States<ResourceShareInvitationStatus>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let settle = query(SETTLE_INVITATIONS)
            .bind(sender)
            .bind(region)
            .bind(now_ms);
        self.settle_and_feed(settle, crate::feed::Settled::Invitations, now_ms)
            .await?;
        counted(&mut self.tx, sender, Some(region), "invitation", statuses).await
    }

    pub async fn insert_invitation(&mut self, inv: &NewInvitation) -> Result<(), StoreError> {
        let (next, at) = next_of(&inv.lifecycle);
        query(INSERT_INVITATION)
            .bind(&inv.arn)
            .bind(&inv.share_arn)
            .bind(&inv.principal)
            .bind(&inv.sender_account)
            .bind(&inv.receiver_account)
            .bind(inv.receiver_arn.as_deref())
            .bind(&inv.region)
            .bind(inv.lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(inv.created_ms)
            .execute(&mut self.tx)
            .await?;
        self.feed(
            &inv.share_arn,
            crate::FeedKind::Invitation,
            Some(&inv.arn),
            inv.lifecycle.status.as_str(),
            inv.created_ms,
        )
        .await
    }

    pub async fn set_invitation_lifecycle(
        &mut self,
        arn: &str,
        lifecycle: &Lifecycle<ResourceShareInvitationStatus>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (next, at) = next_of(lifecycle);
        query(SET_INVITATION_LIFECYCLE)
            .bind(lifecycle.status.as_str())
            .bind(next)
            .bind(at)
            .bind(now_ms)
            .bind(arn)
            .execute(&mut self.tx)
            .await?;
        self.feed_invitation(arn, lifecycle.status.as_str(), now_ms)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constant and the built settled time are the same expression.
    #[test]
    fn settled_ms_is_the_same_text_both_ways() {
        let mut sql = Sql::new("");
        settled_ms(&mut sql, 7);
        assert_eq!(sql.statement(), settled_ms_sql!("$1"));
    }
}
