//! The event feed's outbox: the store appends a [`FeedRecord`] in the same transaction as every
//! change to a share, its associations, invitations and permissions, so no committed change is
//! missing from the feed. Records are numbered per share owner, 1, 2, 3 ... without gaps, in
//! commit order (the number is the account's last plus one, read in the writing transaction:
//! two writers taking one number conflict on the primary key, and one is retried). Delivery
//! cursors and the deliverer's lease live here too.

use crate::engine::{Row, query};
use crate::{ReadTx, StoreError, WriteTx};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// The share itself (created, updated, its status).
    Share,
    /// A principal association (`entity` is the principal).
    PrincipalAssociation,
    /// A resource association (`entity` is the resource's ARN).
    ResourceAssociation,
    /// A source association (`entity` is the source: an account or organization).
    SourceAssociation,
    /// An invitation (`entity` is its ARN).
    Invitation,
    /// A permission attached or detached (`entity` is the permission's ARN).
    Permission,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Share => "share",
            FeedKind::PrincipalAssociation => "principal-association",
            FeedKind::ResourceAssociation => "resource-association",
            FeedKind::SourceAssociation => "source-association",
            FeedKind::Invitation => "invitation",
            FeedKind::Permission => "permission",
        }
    }

    fn parse(s: &str) -> Option<FeedKind> {
        [
            FeedKind::Share,
            FeedKind::PrincipalAssociation,
            FeedKind::ResourceAssociation,
            FeedKind::SourceAssociation,
            FeedKind::Invitation,
            FeedKind::Permission,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The kind of a change to an association of this type.
pub(crate) fn association_kind(t: ram_model::ResourceShareAssociationType) -> FeedKind {
    match t {
        ram_model::ResourceShareAssociationType::Principal => FeedKind::PrincipalAssociation,
        ram_model::ResourceShareAssociationType::Resource => FeedKind::ResourceAssociation,
        ram_model::ResourceShareAssociationType::Source => FeedKind::SourceAssociation,
    }
}

/// One change, as the feed holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    /// The share's owner, whose feed it is.
    pub account_id: String,
    pub seq: i64,
    pub share_arn: String,
    pub region: String,
    pub kind: FeedKind,
    pub entity: Option<String>,
    /// The status written (`ACTIVE`, `ASSOCIATED`, `ACCEPTED`, ...; `UPDATED` for an update).
    pub status: String,
    pub created_ms: i64,
}

/// The account's next number is its last plus one, read by the appending statement itself (the
/// primary key's index answers it; two transactions taking the same number conflict, and one
/// is retried).
const APPEND: &str = "INSERT INTO feed_events (account_id, seq, share_arn, region, kind, entity, status, created_ms) SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM feed_events WHERE account_id = $1";
const AFTER: &str = "SELECT account_id, seq, share_arn, region, kind, entity, status, created_ms FROM feed_events WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const UNDELIVERED_ACCOUNTS: &str = "SELECT e.account_id, COALESCE(MAX(d.delivered_seq), 0) AS delivered FROM feed_events e LEFT JOIN feed_deliveries d ON d.webhook = $1 AND d.account_id = e.account_id WHERE e.seq > COALESCE(d.delivered_seq, 0) GROUP BY e.account_id ORDER BY e.account_id";
const DELIVERED: &str = "INSERT INTO feed_deliveries (webhook, account_id, delivered_seq) VALUES ($1, $2, $3) ON CONFLICT (webhook, account_id) DO UPDATE SET delivered_seq = excluded.delivered_seq WHERE feed_deliveries.delivered_seq < excluded.delivered_seq";
const LEASE: &str = "INSERT INTO feed_lease (id, holder, until_ms) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms WHERE feed_lease.holder = excluded.holder OR feed_lease.until_ms < $3";
const DUE_SHARES: &str = "UPDATE resource_shares SET status = next_status WHERE arn IN (SELECT arn FROM resource_shares WHERE status <> next_status AND transition_ms <= $1 LIMIT $2) RETURNING arn, status";
const DUE_ASSOCIATIONS: &str = "UPDATE associations SET status = next_status WHERE (share_arn, association_type, entity) IN (SELECT share_arn, association_type, entity FROM associations WHERE status <> next_status AND transition_ms <= $1 LIMIT $2) RETURNING share_arn, association_type, entity, status";
const DUE_INVITATIONS: &str = "UPDATE invitations SET status = next_status WHERE arn IN (SELECT arn FROM invitations WHERE status <> next_status AND transition_ms <= $1 LIMIT $2) RETURNING arn, share_arn, status";
const ANY_DUE: &str = "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM resource_shares WHERE status <> next_status AND transition_ms <= $1 LIMIT 1) s) + (SELECT COUNT(*) FROM (SELECT 1 FROM associations WHERE status <> next_status AND transition_ms <= $1 LIMIT 1) a) + (SELECT COUNT(*) FROM (SELECT 1 FROM invitations WHERE status <> next_status AND transition_ms <= $1 LIMIT 1) i) AS n";
const SHARE_OF_INVITATION: &str =
    "SELECT share_arn, sender_account, region FROM invitations WHERE arn = $1";

fn record_from_row(r: &Row) -> Result<FeedRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(FeedRecord {
        account_id: r.try_get("account_id")?,
        seq: r.try_get("seq")?,
        share_arn: r.try_get("share_arn")?,
        region: r.try_get("region")?,
        kind: FeedKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("feed kind {kind:?}")))?,
        entity: r.try_get("entity")?,
        status: r.try_get("status")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// The owner account and Region of a share, from its ARN (`arn:p:ram:<region>:<account>:...`).
fn owner_of(share_arn: &str) -> (&str, &str) {
    let mut parts = share_arn.splitn(6, ':');
    let region = parts.nth(3).unwrap_or_default();
    let account = parts.next().unwrap_or_default();
    (account, region)
}

/// Which rows a settling statement moved to their next status (what it returns).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Settled {
    /// `arn, status`
    Shares,
    /// `share_arn, association_type, entity, status`
    Associations,
    /// `arn, share_arn, status`
    Invitations,
}

impl WriteTx {
    /// Runs a statement that moves rows whose timed transition is due to their next status
    /// (`... RETURNING` what `kind` says), and appends each move to the feed: a transition that
    /// happens with time is a change like any other.
    pub(crate) async fn settle_and_feed(
        &mut self,
        settle: crate::engine::Query,
        kind: Settled,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let rows = settle.fetch_all(&mut self.tx).await?;
        for r in &rows {
            let status: String = r.try_get("status")?;
            match kind {
                Settled::Shares => {
                    let arn: String = r.try_get("arn")?;
                    self.feed(&arn, FeedKind::Share, None, &status, now_ms)
                        .await?;
                }
                Settled::Associations => {
                    let share: String = r.try_get("share_arn")?;
                    let entity: String = r.try_get("entity")?;
                    let t: ram_model::ResourceShareAssociationType =
                        crate::states::state(r, "association_type")?;
                    self.feed(&share, association_kind(t), Some(&entity), &status, now_ms)
                        .await?;
                }
                Settled::Invitations => {
                    let arn: String = r.try_get("arn")?;
                    let share: String = r.try_get("share_arn")?;
                    self.feed(&share, FeedKind::Invitation, Some(&arn), &status, now_ms)
                        .await?;
                }
            }
        }
        Ok(rows.len())
    }

    /// Moves up to `limit` rows of each kind whose timed transition is due, feeding each move
    /// (the deliverer's sweep, so that transitions nobody reads still reach the feed); how many.
    pub async fn settle_due(&mut self, now_ms: i64, limit: i64) -> Result<usize, StoreError> {
        let mut moved = 0;
        for (sql, kind) in [
            (DUE_SHARES, Settled::Shares),
            (DUE_ASSOCIATIONS, Settled::Associations),
            (DUE_INVITATIONS, Settled::Invitations),
        ] {
            let q = query(sql).bind(now_ms).bind(limit);
            moved += self.settle_and_feed(q, kind, now_ms).await?;
        }
        Ok(moved)
    }

    /// Appends a change of the share `share_arn` to its owner's feed.
    pub(crate) async fn feed(
        &mut self,
        share_arn: &str,
        kind: FeedKind,
        entity: Option<&str>,
        status: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (account, region) = owner_of(share_arn);
        query(APPEND)
            .bind(account)
            .bind(share_arn)
            .bind(region)
            .bind(kind.as_str())
            .bind(entity)
            .bind(status)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Appends a change of an invitation to its share owner's feed.
    pub(crate) async fn feed_invitation(
        &mut self,
        invitation_arn: &str,
        status: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let Some(row) = query(SHARE_OF_INVITATION)
            .bind(invitation_arn)
            .fetch_optional(&mut self.tx)
            .await?
        else {
            return Ok(());
        };
        let share_arn: String = row.try_get("share_arn")?;
        self.feed(
            &share_arn,
            FeedKind::Invitation,
            Some(invitation_arn),
            status,
            now_ms,
        )
        .await
    }

    /// Records that `webhook` has delivered the account's feed up to `seq` (never backwards).
    pub async fn feed_delivered(
        &mut self,
        webhook: &str,
        account_id: &str,
        seq: i64,
    ) -> Result<(), StoreError> {
        query(DELIVERED)
            .bind(webhook)
            .bind(account_id)
            .bind(seq)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Takes or renews the deliverer's lease for `holder` until `until_ms`; whether it holds it.
    pub async fn take_feed_lease(
        &mut self,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = query(LEASE)
            .bind(holder)
            .bind(until_ms)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl ReadTx {
    /// Whether any share, association or invitation has a timed transition due at `now_ms`.
    pub async fn transitions_due(&mut self, now_ms: i64) -> Result<bool, StoreError> {
        let row = query(ANY_DUE).bind(now_ms).fetch_one(&mut self.tx).await?;
        let n: i64 = row.try_get("n")?;
        Ok(n > 0)
    }

    /// The account's feed after `after_seq`, in order, at most `limit`.
    pub async fn feed_after(
        &mut self,
        account_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<FeedRecord>, StoreError> {
        let rows = query(AFTER)
            .bind(account_id)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The accounts whose feed `webhook` has not delivered to the end, with the number it has
    /// delivered up to.
    pub async fn feed_undelivered(
        &mut self,
        webhook: &str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = query(UNDELIVERED_ACCOUNTS)
            .bind(webhook)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("account_id")?, r.try_get("delivered")?)))
            .collect()
    }
}
