//! States as the store keeps them. Records carry the model's enums; a state is text only in a
//! row, in RAM's own spelling, and an unknown stored value is a store error, never a missing field.

use crate::engine::Row;
use ram_model::iam::DeletionTaskStatusType;
use ram_model::organizations::{
    AccountJoinedMethod, ActionType, CreateAccountState, HandshakePartyType, HandshakeState,
    OrganizationFeatureSet, ParentType, PolicyType,
};
use ram_model::{
    PermissionFeatureSet, PermissionStatus, ReplacePermissionAssociationsWorkStatus,
    ResourceShareAssociationStatus, ResourceShareAssociationType, ResourceShareFeatureSet,
    ResourceShareInvitationStatus, ResourceShareStatus,
};

use crate::StoreError;

/// A state column: written as `as_str`, read back through `parse`.
pub trait StoredState: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    fn as_str(self) -> &'static str;
    fn parse(value: &str) -> Option<Self>;
}

macro_rules! stored_states {
    ($($state:ty),* $(,)?) => {$(
        impl StoredState for $state {
            fn as_str(self) -> &'static str {
                <$state>::as_str(self)
            }
            fn parse(value: &str) -> Option<Self> {
                <$state>::parse(value)
            }
        }
    )*};
}

stored_states!(
    ResourceShareStatus,
    ResourceShareFeatureSet,
    ResourceShareAssociationType,
    ResourceShareAssociationStatus,
    ResourceShareInvitationStatus,
    PermissionStatus,
    PermissionFeatureSet,
    ReplacePermissionAssociationsWorkStatus,
    HandshakeState,
    HandshakePartyType,
    CreateAccountState,
    OrganizationFeatureSet,
    ParentType,
    AccountJoinedMethod,
    ActionType,
    DeletionTaskStatusType,
    PolicyType,
);

/// Reads the state column `column` of a row.
pub(crate) fn state<S: StoredState>(row: &Row, column: &str) -> Result<S, StoreError> {
    let text: String = row.try_get(column)?;
    S::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} = {text:?}")))
}

/// Which effective states a row must be in: a rule of the domain (what is live, what grants
/// access), translated by the store into `IN` / `NOT IN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum States<S: StoredState> {
    Any,
    Only(Vec<S>),
    Except(Vec<S>),
}

// By hand: a derived Default would require the state type itself to be Default.
#[allow(clippy::derivable_impls)]
impl<S: StoredState> Default for States<S> {
    fn default() -> Self {
        States::Any
    }
}

impl<S: StoredState> States<S> {
    pub fn only(states: &[S]) -> Self {
        States::Only(states.to_vec())
    }

    pub fn except(states: &[S]) -> Self {
        States::Except(states.to_vec())
    }

    /// Whether `state` passes (the same rule the SQL applies).
    pub fn admits(&self, state: S) -> bool {
        match self {
            States::Any => true,
            States::Only(s) => s.contains(&state),
            States::Except(s) => !s.contains(&state),
        }
    }
}
