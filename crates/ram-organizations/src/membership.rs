//! Who is in which organization: the membership a service built on Organizations reads
//! ([`membership`]), the caller's own standing (a member, the management account), and the
//! [`MembershipListener`] told of the changes that take access away.

use std::future::Future;
use std::pin::Pin;

use ram_context::{Caller, Outcome};
use ram_store::{Membership, ReadTx, WriteTx};

use crate::{access_denied, not_in_use};

/// What a listener's reaction returns (boxed, so that the listener can be a trait object).
pub type ListenerFuture<'a> = Pin<Box<dyn Future<Output = Outcome<()>> + Send + 'a>>;

/// A service that follows membership changes (RAM: access through organization and OU
/// principals, whether a principal is external). Each reaction runs inside the transaction making
/// the change — a departure before it is written, so it sees the membership as it was — and
/// commits or rolls back with it.
pub trait MembershipListener: Send + Sync {
    /// `account` has just joined organization `org_id` (its membership is written; the
    /// transaction has not committed).
    fn account_joined<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        account: &'a str,
        org_id: &'a str,
        now: i64,
    ) -> ListenerFuture<'a>;

    /// `leaving` (its membership as it is) leaves its organization, or is removed from it.
    fn account_leaving<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        leaving: &'a Membership,
        now: i64,
    ) -> ListenerFuture<'a>;

    /// The organization of `management` (its management account's membership, the only one
    /// left) is being deleted.
    fn organization_deleting<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        management: &'a Membership,
        now: i64,
    ) -> ListenerFuture<'a>;
}

/// The organization `account` belongs to, if any, read at the moment of the request.
pub async fn membership(tx: &mut ReadTx, account: &str) -> Outcome<Option<Membership>> {
    Ok(tx.organization_of_account(account).await?)
}

/// Who the caller is in Organizations.
pub(crate) async fn membership_of(tx: &mut ReadTx, caller: &Caller) -> Outcome<Membership> {
    membership(tx, &caller.account_id)
        .await?
        .ok_or_else(|| not_in_use().into())
}

/// The caller's organization, if the caller is its management account.
pub(crate) async fn managed_by(tx: &mut ReadTx, caller: &Caller) -> Outcome<Membership> {
    let m = membership_of(tx, caller).await?;
    if !m.is_management_account() {
        return Err(access_denied().into());
    }
    Ok(m)
}
