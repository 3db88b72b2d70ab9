use sqlx::Row;
use sqlx::any::AnyRow;

use ram_model::ResourceShareInvitationStatus;

use crate::query::{Page, Sql, effective_status, opt_text};
use crate::records::{InvitationFilter, InvitationRecord, Lifecycle, NewInvitation};
use crate::shares::{assign_lifecycle, split};
use crate::states::{States, state};
use crate::{ReadTx, StoreError, WriteTx};

fn invitation_select(now_ms: i64) -> Sql {
    let mut sql = Sql::new(
        "SELECT i.arn, i.share_arn, s.name AS share_name, i.principal, i.sender_account, i.receiver_account, i.receiver_arn, i.region, i.created_ms, i.updated_ms, ",
    );
    effective_status(&mut sql, "i", now_ms);
    sql.push(" AS effective_status, ");
    settled_ms(&mut sql, now_ms);
    sql.push(" AS settled_ms FROM invitations i JOIN resource_shares s ON s.arn = i.share_arn WHERE 1 = 1");
    sql
}

/// When the invitation `i` reached its effective status at `now_ms`.
fn settled_ms(sql: &mut Sql, now_ms: i64) {
    sql.push("(CASE WHEN i.transition_ms IS NOT NULL AND i.transition_ms <= ")
        .int(now_ms)
        .push(" THEN i.transition_ms ELSE i.updated_ms END)");
}

fn invitation_from_row(row: &AnyRow) -> Result<InvitationRecord, StoreError> {
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
        let mut sql = invitation_select(now_ms);
        sql.push(" AND i.arn = ").text(arn);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// The newest invitation sent for a principal association of a share.
    pub async fn latest_invitation(
        &mut self,
        share_arn: &str,
        principal: &str,
        now_ms: i64,
    ) -> Result<Option<InvitationRecord>, StoreError> {
        let mut sql = invitation_select(now_ms);
        sql.push(" AND i.share_arn = ")
            .text(share_arn)
            .push(" AND i.principal = ")
            .text(principal);
        sql.push(" ORDER BY i.created_ms DESC, i.arn DESC LIMIT 1");
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
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
        let mut sql = invitation_select(now_ms);
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
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(invitation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// How many invitations the account has sent in the Region that are in one of `statuses`.
    pub async fn count_sent_invitations(
        &mut self,
        sender: &str,
        region: &str,
        statuses: &States<ResourceShareInvitationStatus>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM invitations i WHERE i.sender_account = ");
        sql.text(sender).push(" AND i.region = ").text(region);
        sql.and_states(statuses, |sql| effective_status(sql, "i", now_ms));
        let row = sql.query().fetch_one(&mut *self.tx).await?;
        Ok(row.try_get("n")?)
    }
}

impl WriteTx {
    pub async fn insert_invitation(&mut self, inv: &NewInvitation) -> Result<(), StoreError> {
        let (next, at) = split(&inv.lifecycle);
        let mut sql = Sql::new(
            "INSERT INTO invitations (arn, share_arn, principal, sender_account, receiver_account, receiver_arn, region, status, next_status, transition_ms, created_ms, updated_ms) VALUES (",
        );
        sql.text(&inv.arn)
            .push(", ")
            .text(&inv.share_arn)
            .push(", ")
            .text(&inv.principal)
            .push(", ");
        sql.text(&inv.sender_account)
            .push(", ")
            .text(&inv.receiver_account)
            .push(", ");
        sql.bind(opt_text(inv.receiver_arn.as_deref()))
            .push(", ")
            .text(&inv.region)
            .push(", ");
        sql.state(inv.lifecycle.status)
            .push(", ")
            .bind(next)
            .push(", ")
            .bind(at)
            .push(", ");
        sql.int(inv.created_ms)
            .push(", ")
            .int(inv.created_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn set_invitation_lifecycle(
        &mut self,
        arn: &str,
        lifecycle: &Lifecycle<ResourceShareInvitationStatus>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE invitations SET ");
        assign_lifecycle(&mut sql, lifecycle);
        sql.push(", updated_ms = ")
            .int(now_ms)
            .push(" WHERE arn = ")
            .text(arn);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}
