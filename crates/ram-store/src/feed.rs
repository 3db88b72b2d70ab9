//! The event feed's outbox: the store appends a [`FeedRecord`] in the same transaction as every
//! change to a share, its associations, invitations and permissions, so no committed change is
//! missing from the feed. Records are numbered per share owner, 1, 2, 3 ... without gaps, in
//! commit order (the number is taken from `feed_sequences` in the writing transaction, which
//! serializes a number's writers). Delivery cursors and the deliverer's lease live here too.

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

const NEXT_SEQ: &str = "INSERT INTO feed_sequences (account_id, last_seq) VALUES ($1, 1) ON CONFLICT (account_id) DO UPDATE SET last_seq = feed_sequences.last_seq + 1 RETURNING last_seq";
const APPEND: &str = "INSERT INTO feed_events (account_id, seq, share_arn, region, kind, entity, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const AFTER: &str = "SELECT account_id, seq, share_arn, region, kind, entity, status, created_ms FROM feed_events WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const UNDELIVERED: &str = "SELECT e.account_id, e.seq, e.share_arn, e.region, e.kind, e.entity, e.status, e.created_ms FROM feed_events e LEFT JOIN feed_deliveries d ON d.webhook = $1 AND d.account_id = e.account_id WHERE e.seq > COALESCE(d.delivered_seq, 0) ORDER BY e.account_id, e.seq LIMIT $2";
const DELIVERED: &str = "INSERT INTO feed_deliveries (webhook, account_id, delivered_seq) VALUES ($1, $2, $3) ON CONFLICT (webhook, account_id) DO UPDATE SET delivered_seq = excluded.delivered_seq WHERE feed_deliveries.delivered_seq < excluded.delivered_seq";
const LEASE: &str = "INSERT INTO feed_lease (id, holder, until_ms) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms WHERE feed_lease.holder = excluded.holder OR feed_lease.until_ms < $3";
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

impl WriteTx {
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
        let row = query(NEXT_SEQ)
            .bind(account)
            .fetch_one(&mut self.tx)
            .await?;
        let seq: i64 = row.try_get("last_seq")?;
        query(APPEND)
            .bind(account)
            .bind(seq)
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

    /// What `webhook` has not delivered yet, by account and number, at most `limit`.
    pub async fn feed_undelivered(
        &mut self,
        webhook: &str,
        limit: i64,
    ) -> Result<Vec<FeedRecord>, StoreError> {
        let rows = query(UNDELIVERED)
            .bind(webhook)
            .bind(limit)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(record_from_row).collect()
    }
}
