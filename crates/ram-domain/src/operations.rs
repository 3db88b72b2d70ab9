//! Running an operation: `Ram::execute` hands the operation and its validated input document to
//! the generated `ram_model::dispatch` (typed input in, output document out) and retries store
//! conflicts (`Context::with_retries`); `impl ram_model::Service for Ram` names the function that
//! serves each operation.

use ram_context::{Failure, Outcome};
use ram_model::{self as model, ApiError, Operation};
use serde_json::Value;

use crate::{Caller, Ram};

impl Ram {
    /// Runs one operation for `caller`. `input` has passed `ram_model::validate::validate_input`.
    pub async fn execute(
        &self,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Result<Value, ApiError> {
        self.ctx
            .with_retries(operation.name(), || {
                model::dispatch(self, caller, operation, input)
            })
            .await
    }
}

/// The `Ram` function of the same name (in the module of its resource: shares, associations,
/// invitations, ...) serves each of RAM's operations.
impl model::Service for Ram {
    type Caller = Caller;
    type Error = Failure;

    async fn accept_resource_share_invitation(
        &self,
        caller: &Caller,
        input: model::AcceptResourceShareInvitationRequest,
    ) -> Outcome<model::AcceptResourceShareInvitationResponse> {
        Ram::accept_resource_share_invitation(self, caller, input).await
    }

    async fn associate_resource_share(
        &self,
        caller: &Caller,
        input: model::AssociateResourceShareRequest,
    ) -> Outcome<model::AssociateResourceShareResponse> {
        Ram::associate_resource_share(self, caller, input).await
    }

    async fn associate_resource_share_permission(
        &self,
        caller: &Caller,
        input: model::AssociateResourceSharePermissionRequest,
    ) -> Outcome<model::AssociateResourceSharePermissionResponse> {
        Ram::associate_resource_share_permission(self, caller, input).await
    }

    async fn create_permission(
        &self,
        caller: &Caller,
        input: model::CreatePermissionRequest,
    ) -> Outcome<model::CreatePermissionResponse> {
        Ram::create_permission(self, caller, input).await
    }

    async fn create_permission_version(
        &self,
        caller: &Caller,
        input: model::CreatePermissionVersionRequest,
    ) -> Outcome<model::CreatePermissionVersionResponse> {
        Ram::create_permission_version(self, caller, input).await
    }

    async fn create_resource_share(
        &self,
        caller: &Caller,
        input: model::CreateResourceShareRequest,
    ) -> Outcome<model::CreateResourceShareResponse> {
        Ram::create_resource_share(self, caller, input).await
    }

    async fn delete_permission(
        &self,
        caller: &Caller,
        input: model::DeletePermissionRequest,
    ) -> Outcome<model::DeletePermissionResponse> {
        Ram::delete_permission(self, caller, input).await
    }

    async fn delete_permission_version(
        &self,
        caller: &Caller,
        input: model::DeletePermissionVersionRequest,
    ) -> Outcome<model::DeletePermissionVersionResponse> {
        Ram::delete_permission_version(self, caller, input).await
    }

    async fn delete_resource_share(
        &self,
        caller: &Caller,
        input: model::DeleteResourceShareRequest,
    ) -> Outcome<model::DeleteResourceShareResponse> {
        Ram::delete_resource_share(self, caller, input).await
    }

    async fn disassociate_resource_share(
        &self,
        caller: &Caller,
        input: model::DisassociateResourceShareRequest,
    ) -> Outcome<model::DisassociateResourceShareResponse> {
        Ram::disassociate_resource_share(self, caller, input).await
    }

    async fn disassociate_resource_share_permission(
        &self,
        caller: &Caller,
        input: model::DisassociateResourceSharePermissionRequest,
    ) -> Outcome<model::DisassociateResourceSharePermissionResponse> {
        Ram::disassociate_resource_share_permission(self, caller, input).await
    }

    async fn enable_sharing_with_aws_organization(
        &self,
        caller: &Caller,
        input: model::EnableSharingWithAwsOrganizationRequest,
    ) -> Outcome<model::EnableSharingWithAwsOrganizationResponse> {
        Ram::enable_sharing_with_aws_organization(self, caller, input).await
    }

    async fn get_permission(
        &self,
        caller: &Caller,
        input: model::GetPermissionRequest,
    ) -> Outcome<model::GetPermissionResponse> {
        Ram::get_permission(self, caller, input).await
    }

    async fn get_resource_policies(
        &self,
        caller: &Caller,
        input: model::GetResourcePoliciesRequest,
    ) -> Outcome<model::GetResourcePoliciesResponse> {
        Ram::get_resource_policies(self, caller, input).await
    }

    async fn get_resource_share_associations(
        &self,
        caller: &Caller,
        input: model::GetResourceShareAssociationsRequest,
    ) -> Outcome<model::GetResourceShareAssociationsResponse> {
        Ram::get_resource_share_associations(self, caller, input).await
    }

    async fn get_resource_share_invitations(
        &self,
        caller: &Caller,
        input: model::GetResourceShareInvitationsRequest,
    ) -> Outcome<model::GetResourceShareInvitationsResponse> {
        Ram::get_resource_share_invitations(self, caller, input).await
    }

    async fn get_resource_shares(
        &self,
        caller: &Caller,
        input: model::GetResourceSharesRequest,
    ) -> Outcome<model::GetResourceSharesResponse> {
        Ram::get_resource_shares(self, caller, input).await
    }

    async fn list_pending_invitation_resources(
        &self,
        caller: &Caller,
        input: model::ListPendingInvitationResourcesRequest,
    ) -> Outcome<model::ListPendingInvitationResourcesResponse> {
        Ram::list_pending_invitation_resources(self, caller, input).await
    }

    async fn list_permission_associations(
        &self,
        caller: &Caller,
        input: model::ListPermissionAssociationsRequest,
    ) -> Outcome<model::ListPermissionAssociationsResponse> {
        Ram::list_permission_associations(self, caller, input).await
    }

    async fn list_permission_versions(
        &self,
        caller: &Caller,
        input: model::ListPermissionVersionsRequest,
    ) -> Outcome<model::ListPermissionVersionsResponse> {
        Ram::list_permission_versions(self, caller, input).await
    }

    async fn list_permissions(
        &self,
        caller: &Caller,
        input: model::ListPermissionsRequest,
    ) -> Outcome<model::ListPermissionsResponse> {
        Ram::list_permissions(self, caller, input).await
    }

    async fn list_principals(
        &self,
        caller: &Caller,
        input: model::ListPrincipalsRequest,
    ) -> Outcome<model::ListPrincipalsResponse> {
        Ram::list_principals(self, caller, input).await
    }

    async fn list_replace_permission_associations_work(
        &self,
        caller: &Caller,
        input: model::ListReplacePermissionAssociationsWorkRequest,
    ) -> Outcome<model::ListReplacePermissionAssociationsWorkResponse> {
        Ram::list_replace_permission_associations_work(self, caller, input).await
    }

    async fn list_resource_share_permissions(
        &self,
        caller: &Caller,
        input: model::ListResourceSharePermissionsRequest,
    ) -> Outcome<model::ListResourceSharePermissionsResponse> {
        Ram::list_resource_share_permissions(self, caller, input).await
    }

    async fn list_resource_types(
        &self,
        caller: &Caller,
        input: model::ListResourceTypesRequest,
    ) -> Outcome<model::ListResourceTypesResponse> {
        Ram::list_resource_types(self, caller, input).await
    }

    async fn list_resources(
        &self,
        caller: &Caller,
        input: model::ListResourcesRequest,
    ) -> Outcome<model::ListResourcesResponse> {
        Ram::list_resources(self, caller, input).await
    }

    async fn list_source_associations(
        &self,
        caller: &Caller,
        input: model::ListSourceAssociationsRequest,
    ) -> Outcome<model::ListSourceAssociationsResponse> {
        Ram::list_source_associations(self, caller, input).await
    }

    async fn promote_permission_created_from_policy(
        &self,
        caller: &Caller,
        input: model::PromotePermissionCreatedFromPolicyRequest,
    ) -> Outcome<model::PromotePermissionCreatedFromPolicyResponse> {
        Ram::promote_permission_created_from_policy(self, caller, input).await
    }

    async fn promote_resource_share_created_from_policy(
        &self,
        caller: &Caller,
        input: model::PromoteResourceShareCreatedFromPolicyRequest,
    ) -> Outcome<model::PromoteResourceShareCreatedFromPolicyResponse> {
        Ram::promote_resource_share_created_from_policy(self, caller, input).await
    }

    async fn reject_resource_share_invitation(
        &self,
        caller: &Caller,
        input: model::RejectResourceShareInvitationRequest,
    ) -> Outcome<model::RejectResourceShareInvitationResponse> {
        Ram::reject_resource_share_invitation(self, caller, input).await
    }

    async fn replace_permission_associations(
        &self,
        caller: &Caller,
        input: model::ReplacePermissionAssociationsRequest,
    ) -> Outcome<model::ReplacePermissionAssociationsResponse> {
        Ram::replace_permission_associations(self, caller, input).await
    }

    async fn set_default_permission_version(
        &self,
        caller: &Caller,
        input: model::SetDefaultPermissionVersionRequest,
    ) -> Outcome<model::SetDefaultPermissionVersionResponse> {
        Ram::set_default_permission_version(self, caller, input).await
    }

    async fn tag_resource(
        &self,
        caller: &Caller,
        input: model::TagResourceRequest,
    ) -> Outcome<model::TagResourceResponse> {
        Ram::tag_resource(self, caller, input).await
    }

    async fn untag_resource(
        &self,
        caller: &Caller,
        input: model::UntagResourceRequest,
    ) -> Outcome<model::UntagResourceResponse> {
        Ram::untag_resource(self, caller, input).await
    }

    async fn update_resource_share(
        &self,
        caller: &Caller,
        input: model::UpdateResourceShareRequest,
    ) -> Outcome<model::UpdateResourceShareResponse> {
        Ram::update_resource_share(self, caller, input).await
    }
}
