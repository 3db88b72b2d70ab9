//! What is shared with an account (`Scope::Receiver`), as a receiver's listings read it.
//!
//! A receiver may see many shares (an organization-wide share reaches every account), so its
//! listings do not gather everything it sees and sort it: they walk the shares it sees in share
//! ARN order, a batch at a time, through the indexes that hold the reaching principal
//! associations in that order (`associations_by_entity_account`, `associations_by_entity`), and
//! stop once the page is full. A page costs about the page, whatever the receiver sees. Named
//! shares or entities are tested one by one instead (`Received::reaches`).

use ram_model::{ResourceShareAssociationStatus, ResourceShareAssociationType};

use crate::StoreError;
use crate::engine::{Conn, Row};
use crate::query::{Page, Reach, Scope, Sql, effective_status};
use crate::states::States;

/// The largest batch of shares one step of a walk takes (it grows while filters leave pages
/// short).
const MAX_BATCH: usize = 1024;

/// The shares reaching a receiver in a Region: principal associations that reach it in one of
/// the `granting` states, on shares it does not own.
pub(crate) struct Received<'a> {
    pub(crate) reach: &'a Reach,
    pub(crate) granting: &'a States<ResourceShareAssociationStatus>,
    pub(crate) region: &'a str,
    pub(crate) now_ms: i64,
}

/// Where a walk starts, in share ARN order.
#[derive(Clone, Copy)]
pub(crate) enum Start<'a> {
    Beginning,
    /// This share and the ones after it (a page that ended inside the share's associations).
    At(&'a str),
    After(&'a str),
}

impl<'a> Received<'a> {
    /// The receiver's view of `scope`, if it takes one.
    pub(crate) fn of(scope: &'a Scope, region: &'a str, now_ms: i64) -> Option<Received<'a>> {
        match scope {
            Scope::Receiver { reach, granting } => Some(Received {
                reach,
                granting,
                region,
                now_ms,
            }),
            Scope::Owner(_) => None,
        }
    }

    /// ` AND <share_col> reaches the receiver`, tested against the share's own principal
    /// associations (the primary key): for listings that name their shares or entities.
    pub(crate) fn reaches(&self, sql: &mut Sql, share_col: &'static str) {
        sql.push(" AND EXISTS (SELECT 1 FROM associations r WHERE r.share_arn = ")
            .push(share_col)
            .push(" AND r.association_type = ")
            .state(ResourceShareAssociationType::Principal)
            .push(" AND ");
        self.reach.condition(sql, "r");
        self.granted(sql);
        sql.push(")");
    }

    /// ` AND r.region = ... AND <granting> AND r.owner_account <> <receiver>` for the reaching
    /// association `r`.
    fn granted(&self, sql: &mut Sql) {
        sql.push(" AND r.region = ")
            .text(self.region)
            .push(" AND r.owner_account <> ")
            .text(&self.reach.account);
        sql.and_states(self.granting, |sql| effective_status(sql, "r", self.now_ms));
    }

    /// The next `size` shares (at most) of the walk from `start`, in ARN order, and whether the
    /// walk goes on after them. One statement: each way the receiver is reached (as itself and
    /// its IAM roles and users, or through an organization or OU) is an index range read in ARN
    /// order, limited to `size`; their union, in the database's order, is complete up to the
    /// first branch that filled its limit.
    async fn batch(
        &self,
        conn: &mut Conn,
        start: Start<'_>,
        size: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let mut sql = Sql::default();
        let branches = 1 + self.reach.entities.len();
        for branch in 0..branches {
            if branch > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT ")
                .int(i64::try_from(branch).unwrap_or(i64::MAX))
                .push(" AS branch, b.share_arn FROM (SELECT DISTINCT r.share_arn FROM associations r WHERE ");
            match branch {
                0 => sql.push("r.entity_account = ").text(&self.reach.account),
                n => sql
                    .push("r.association_type = ")
                    .state(ResourceShareAssociationType::Principal)
                    .push(" AND r.entity = ")
                    .text(&self.reach.entities[n - 1]),
            };
            self.granted(&mut sql);
            match start {
                Start::Beginning => &mut sql,
                Start::At(arn) => sql.push(" AND r.share_arn >= ").text(arn),
                Start::After(arn) => sql.push(" AND r.share_arn > ").text(arn),
            };
            sql.push(" ORDER BY r.share_arn LIMIT ")
                .int(i64::try_from(size).unwrap_or(i64::MAX))
                .push(") b");
        }
        sql.push(" ORDER BY share_arn");
        let rows = sql.query().fetch_all(conn).await?;
        let mut taken = vec![0usize; branches];
        let mut shares: Vec<String> = Vec::new();
        let mut full: Option<String> = None;
        for row in &rows {
            let arn: String = row.try_get("share_arn")?;
            if full.as_ref().is_some_and(|last| *last != arn) {
                break;
            }
            let branch = usize::try_from(row.try_get::<i64, _>("branch")?).unwrap_or(0);
            taken[branch] += 1;
            if taken[branch] == size {
                // Past this share, the branch may hold shares the batch has not read.
                full = Some(arn.clone());
            }
            if shares.last() != Some(&arn) {
                shares.push(arn);
            }
        }
        Ok((shares, full.is_some()))
    }

    /// One page of what `select` finds among the shares the receiver sees, from `start`.
    /// `select(shares)` is the listing's statement restricted to those shares, ordered, with its
    /// own cursor condition.
    pub(crate) async fn page<T>(
        &self,
        conn: &mut Conn,
        start: Start<'_>,
        limit: usize,
        select: impl Fn(&[String]) -> Sql,
        from_row: impl Fn(&Row) -> Result<T, StoreError> + Copy,
    ) -> Result<Page<T>, StoreError> {
        let mut items = Vec::new();
        let mut size = limit.saturating_add(1).min(MAX_BATCH);
        let mut after: Option<String> = None;
        loop {
            let from = after.as_deref().map_or(start, Start::After);
            let (shares, more) = self.batch(conn, from, size).await?;
            if !shares.is_empty() {
                let found = select(&shares)
                    .page(conn, limit - items.len(), from_row)
                    .await?;
                items.extend(found.items);
                if found.more {
                    return Ok(Page { items, more: true });
                }
            }
            if !more {
                return Ok(Page { items, more: false });
            }
            after = shares.last().cloned();
            size = (size * 4).min(MAX_BATCH);
        }
    }
}
