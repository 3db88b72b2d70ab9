//! The dispatch from an operation and its validated input document to the function that serves it.

use ram_model::{ApiError, Operation, api_error};
use ram_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::failure::{Failure, Outcome};
use crate::{Caller, Ram};

/// How often an operation is re-run after a serialization conflict before giving up.
const CONFLICT_RETRIES: usize = 10;

fn typed<I: DeserializeOwned>(input: &Value) -> Result<I, Failure> {
    serde_json::from_value(input.clone()).map_err(|e| {
        api_error!(
            SerializationException,
            "The request body could not be read: {e}"
        )
        .into()
    })
}

fn untyped<O: Serialize>(output: &O) -> Result<Value, Failure> {
    serde_json::to_value(output).map_err(|_| ApiError::internal().into())
}

macro_rules! serve {
    ($self:ident, $caller:ident, $input:ident, $method:ident) => {
        untyped(&$self.$method($caller, typed($input)?).await?)
    };
}

impl Ram {
    /// Runs one operation for `caller`. `input` has passed `ram_model::validate::validate_input`.
    pub async fn execute(
        &self,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Result<Value, ApiError> {
        self.with_retries(operation.name(), || self.dispatch(caller, operation, input))
            .await
    }

    /// Runs `attempt` until it answers, re-running it after a transaction conflict (a bounded
    /// number of times), and turns store failures into the AWS errors a caller may see.
    pub async fn with_retries<T, F, Fut>(&self, operation: &str, attempt: F) -> Result<T, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Outcome<T>>,
    {
        let mut tries = 0;
        loop {
            match attempt().await {
                Ok(v) => return Ok(v),
                Err(Failure::Api(e)) => return Err(e),
                Err(Failure::Store(StoreError::Conflict(e))) if tries < CONFLICT_RETRIES => {
                    tries += 1;
                    tracing::debug!(error = %e, tries, operation, "retrying after a transaction conflict");
                    // Jittered, growing pauses spread out writers that keep colliding.
                    let ceiling = 2u64 << tries.min(6);
                    tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
                        1..=ceiling,
                    )))
                    .await;
                }
                Err(Failure::Store(StoreError::Conflict(e))) => {
                    // Still colliding after every retry: ask the client to slow down; SDKs retry 429s.
                    tracing::warn!(error = %e, operation, "giving up after repeated transaction conflicts");
                    return Err(api_error!(ThrottlingException, "Rate exceeded."));
                }
                Err(Failure::Store(StoreError::Unavailable(e))) => {
                    tracing::error!(error = %e, operation, "store unavailable");
                    return Err(ApiError::unavailable());
                }
                Err(Failure::Store(e)) => {
                    tracing::error!(error = %e, operation, "store failure");
                    return Err(ApiError::internal());
                }
            }
        }
    }

    async fn dispatch(
        &self,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Outcome<Value> {
        use Operation as Op;
        match operation {
            Op::CreateResourceShare => serve!(self, caller, input, create_resource_share),
            Op::GetResourceShares => serve!(self, caller, input, get_resource_shares),
            Op::UpdateResourceShare => serve!(self, caller, input, update_resource_share),
            Op::DeleteResourceShare => serve!(self, caller, input, delete_resource_share),
            Op::AssociateResourceShare => serve!(self, caller, input, associate_resource_share),
            Op::DisassociateResourceShare => {
                serve!(self, caller, input, disassociate_resource_share)
            }
            Op::GetResourceShareAssociations => {
                serve!(self, caller, input, get_resource_share_associations)
            }
            Op::GetResourceShareInvitations => {
                serve!(self, caller, input, get_resource_share_invitations)
            }
            Op::AcceptResourceShareInvitation => {
                serve!(self, caller, input, accept_resource_share_invitation)
            }
            Op::RejectResourceShareInvitation => {
                serve!(self, caller, input, reject_resource_share_invitation)
            }
            Op::ListPrincipals => serve!(self, caller, input, list_principals),
            Op::ListResources => serve!(self, caller, input, list_resources),
            Op::TagResource => serve!(self, caller, input, tag_resource),
            Op::UntagResource => serve!(self, caller, input, untag_resource),
            Op::GetResourcePolicies => serve!(self, caller, input, get_resource_policies),
            Op::EnableSharingWithAwsOrganization => {
                serve!(self, caller, input, enable_sharing_with_aws_organization)
            }
            Op::ListResourceTypes => serve!(self, caller, input, list_resource_types),
            Op::ListPermissions => serve!(self, caller, input, list_permissions),
            Op::GetPermission => serve!(self, caller, input, get_permission),
            Op::ListPermissionVersions => serve!(self, caller, input, list_permission_versions),
            Op::ListResourceSharePermissions => {
                serve!(self, caller, input, list_resource_share_permissions)
            }
            Op::CreatePermission => serve!(self, caller, input, create_permission),
            Op::CreatePermissionVersion => serve!(self, caller, input, create_permission_version),
            Op::SetDefaultPermissionVersion => {
                serve!(self, caller, input, set_default_permission_version)
            }
            Op::DeletePermissionVersion => serve!(self, caller, input, delete_permission_version),
            Op::DeletePermission => serve!(self, caller, input, delete_permission),
            Op::AssociateResourceSharePermission => {
                serve!(self, caller, input, associate_resource_share_permission)
            }
            Op::DisassociateResourceSharePermission => {
                serve!(self, caller, input, disassociate_resource_share_permission)
            }
            Op::ListPermissionAssociations => {
                serve!(self, caller, input, list_permission_associations)
            }
            Op::ReplacePermissionAssociations => {
                serve!(self, caller, input, replace_permission_associations)
            }
            Op::ListReplacePermissionAssociationsWork => serve!(
                self,
                caller,
                input,
                list_replace_permission_associations_work
            ),
            Op::ListPendingInvitationResources => {
                serve!(self, caller, input, list_pending_invitation_resources)
            }
            Op::ListSourceAssociations => serve!(self, caller, input, list_source_associations),
            Op::PromotePermissionCreatedFromPolicy => {
                serve!(self, caller, input, promote_permission_created_from_policy)
            }
            Op::PromoteResourceShareCreatedFromPolicy => serve!(
                self,
                caller,
                input,
                promote_resource_share_created_from_policy
            ),
        }
    }
}
