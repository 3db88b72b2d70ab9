//! Rows as the domain sees them. States are the model's enums (`crate::states`); each status read
//! from the store is the *effective* one at the `now` the query was given (see `Lifecycle`).

use ram_model::{
    ResourceShareAssociationStatus, ResourceShareAssociationType, ResourceShareFeatureSet,
    ResourceShareInvitationStatus, ResourceShareStatus,
};

use crate::query::Reach;
use crate::states::{States, StoredState};

/// A status with an optional scheduled change: `status` now, `next` once `at_ms` has passed.
/// RAM's asynchronous transitions (ASSOCIATING → ASSOCIATED, PENDING → EXPIRED, ...) are derived
/// from stored timestamps at read time, so nothing depends on a background sweeper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle<S: StoredState> {
    pub status: S,
    pub next: Option<(S, i64)>,
}

impl<S: StoredState> Lifecycle<S> {
    pub fn now(status: S) -> Self {
        Self { status, next: None }
    }

    /// `status` until `at_ms`, `next` from then on; settles at once when `at_ms <= now_ms`.
    pub fn until(status: S, at_ms: i64, next: S, now_ms: i64) -> Self {
        if at_ms <= now_ms {
            Self::now(next)
        } else {
            Self {
                status,
                next: Some((next, at_ms)),
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub account_id: String,
    pub name: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    /// As stored: sealed by ramd (`ramd::secrets`), or plain text in a store from before that.
    pub secret_access_key: String,
    pub account_id: String,
    pub principal_arn: Option<String>,
    pub created_ms: i64,
    /// A deactivated key is kept but refused.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub arn: String,
    pub owner_account: String,
    pub region: String,
    pub name: String,
    pub allow_external: bool,
    pub feature_set: ResourceShareFeatureSet,
    pub retain_on_leave: Option<bool>,
    /// Effective status at the query's `now`.
    pub status: ResourceShareStatus,
    pub status_message: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare {
    pub arn: String,
    pub owner_account: String,
    pub region: String,
    pub name: String,
    pub allow_external: bool,
    pub feature_set: ResourceShareFeatureSet,
    pub retain_on_leave: Option<bool>,
    pub lifecycle: Lifecycle<ResourceShareStatus>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationRecord {
    pub share_arn: String,
    pub share_name: String,
    pub association_type: ResourceShareAssociationType,
    pub entity: String,
    pub owner_account: String,
    pub region: String,
    /// The account an account or IAM principal belongs to; `None` for other entities.
    pub entity_account: Option<String>,
    pub resource_type: Option<String>,
    pub external: bool,
    /// Effective status at the query's `now`.
    pub status: ResourceShareAssociationStatus,
    pub status_message: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssociation {
    pub share_arn: String,
    pub association_type: ResourceShareAssociationType,
    pub entity: String,
    pub owner_account: String,
    pub region: String,
    pub entity_account: Option<String>,
    pub resource_type: Option<String>,
    pub external: bool,
    pub lifecycle: Lifecycle<ResourceShareAssociationStatus>,
    pub status_message: Option<String>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    pub arn: String,
    pub share_arn: String,
    pub share_name: String,
    pub principal: String,
    pub sender_account: String,
    pub receiver_account: String,
    pub receiver_arn: Option<String>,
    pub region: String,
    /// Effective status at the query's `now`.
    pub status: ResourceShareInvitationStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// When the effective status was reached: the transition time once a timed transition
    /// (expiry) has happened, else the last update.
    pub settled_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub arn: String,
    pub share_arn: String,
    pub principal: String,
    pub sender_account: String,
    pub receiver_account: String,
    pub receiver_arn: Option<String>,
    pub region: String,
    pub lifecycle: Lifecycle<ResourceShareInvitationStatus>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharePermissionRecord {
    pub share_arn: String,
    pub resource_type: String,
    pub permission_arn: String,
    pub permission_version: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub response: String,
}

/// Filters of a share listing. Empty lists mean "no filter".
#[derive(Debug, Clone, Default)]
pub struct ShareFilter {
    pub arns: Vec<String>,
    pub statuses: States<ResourceShareStatus>,
    pub name: Option<String>,
    /// OR-ed: a share matches if it has any of these keys with any of the values (no values = any).
    pub tag_filters: Vec<(String, Vec<String>)>,
    pub permission: Option<(String, Option<i64>)>,
}

/// Filters of an association listing.
#[derive(Debug, Clone, Default)]
pub struct AssociationFilter {
    pub association_type: Option<ResourceShareAssociationType>,
    pub share_arns: Vec<String>,
    pub entities: Vec<String>,
    pub statuses: States<ResourceShareAssociationStatus>,
    /// Only resources of these types (empty: any).
    pub resource_types: Vec<String>,
    /// Only associations of shares that also hold this live association (type, entity, resource type).
    pub share_holds: Option<ShareHolds>,
    /// Only associations of shares owned by these accounts (empty: any).
    pub owners: Vec<String>,
    /// Only principal associations that reach this account (the receiver's own view of its access).
    pub reaching: Option<Reach>,
}

/// "The share also holds ...": an association of `association_type`, for `entity` if given,
/// of a resource of `resource_type` if given, in one of `statuses`.
#[derive(Debug, Clone)]
pub struct ShareHolds {
    pub association_type: ResourceShareAssociationType,
    pub entity: Option<String>,
    pub resource_type: Option<String>,
    pub statuses: States<ResourceShareAssociationStatus>,
}

#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub arns: Vec<String>,
    pub share_arns: Vec<String>,
    /// Invitations to leave out as purged (the domain's rule, see `Purged`).
    pub purged: Option<Purged>,
}

/// Invitations that are gone: not in `live` and settled at or before `settled_by_ms`.
#[derive(Debug, Clone)]
pub struct Purged {
    pub live: States<ResourceShareInvitationStatus>,
    pub settled_by_ms: i64,
}

impl Purged {
    /// Whether `invitation` is one of them: the same test `list_invitations` applies in SQL.
    pub fn covers(&self, invitation: &InvitationRecord) -> bool {
        !self.live.admits(invitation.status) && invitation.settled_ms <= self.settled_by_ms
    }
}
