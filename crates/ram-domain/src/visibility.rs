//! What RAM counts and shows: which associations are live, which give a receiver access, which
//! shares still exist, which invitations are purged. Every listing and quota takes its rule from
//! here as a typed value; the store only translates it into SQL.

use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareInvitationStatus as InvitationStatus, ResourceShareStatus as ShareStatus,
};
use ram_store::{Purged, Reach, Scope, States};

/// Associations that have ended: still listed, but they hold nothing and count toward nothing.
pub(crate) const ENDED: &[AssociationStatus] =
    &[AssociationStatus::Disassociated, AssociationStatus::Failed];

/// Associations that exist for RAM's rules (what a share holds, what quotas count).
pub(crate) fn live_associations() -> States<AssociationStatus> {
    States::except(ENDED)
}

/// What an owner's ListResources / ListPrincipals (and a pending invitation's resources) show:
/// associations neither ended nor being removed.
pub(crate) fn owner_listed() -> States<AssociationStatus> {
    let mut hidden = ENDED.to_vec();
    hidden.push(AssociationStatus::Disassociating);
    States::Except(hidden)
}

/// Only an ASSOCIATED principal association grants anything: a pending invitation (the
/// association is ASSOCIATING until it is accepted), a rejected or expired one, or a principal
/// being removed gives no access, no resource policy statement and no ALLOW.
pub(crate) fn granting() -> States<AssociationStatus> {
    States::only(&[AssociationStatus::Associated])
}

/// The shares a receiver sees: those whose principal associations reaching it grant access.
pub(crate) fn receiver(reach: Reach) -> Scope {
    Scope::Receiver {
        reach,
        granting: granting(),
    }
}

/// Shares that still exist: not being deleted nor deleted. They count toward the quota, and only
/// their permission attachments are listed or replaced.
pub(crate) fn live_shares() -> States<ShareStatus> {
    States::except(&[ShareStatus::Deleting, ShareStatus::Deleted])
}

/// Invitations awaiting an answer: the sender's quota counts them and they are never purged.
pub(crate) fn pending_invitations() -> States<InvitationStatus> {
    States::only(&[InvitationStatus::Pending])
}

/// AWS removes an invitation some days after it was answered or expired: it is then no longer
/// listed, and asking for it by ARN finds nothing.
pub(crate) fn purged_invitations(now_ms: i64, retention_seconds: i64) -> Purged {
    Purged {
        live: pending_invitations(),
        settled_by_ms: now_ms - retention_seconds * 1000,
    }
}
