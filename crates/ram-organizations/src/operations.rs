//! Running an Organizations operation: `Organizations::execute` hands the operation and its
//! validated input document to the generated `ram_model::organizations::dispatch` and retries
//! store conflicts; `impl ram_model::organizations::Service for Organizations` names the function
//! that serves each operation.

use ram_context::{Caller, Failure, Outcome};
use ram_model::ApiError;
use ram_model::organizations::{self as org, Operation as OrgOp};
use serde_json::Value;

use crate::{Organizations, organizations_error};

impl Organizations {
    /// Runs one Organizations operation for `caller`; `input` has passed the validator against
    /// `ram_model::organizations::SHAPES`.
    pub async fn execute(
        &self,
        caller: &Caller,
        operation: OrgOp,
        input: &Value,
    ) -> Result<Value, ApiError> {
        self.ctx
            .with_retries(operation.name(), || {
                org::dispatch(self, caller, operation, input)
            })
            .await
            .map_err(organizations_error)
    }
}

/// The `Organizations` function of the same name (in the module of its resource) serves each
/// operation.
impl org::Service for Organizations {
    type Caller = Caller;
    type Error = Failure;

    async fn accept_handshake(
        &self,
        caller: &Caller,
        input: org::AcceptHandshakeRequest,
    ) -> Outcome<org::AcceptHandshakeResponse> {
        Organizations::accept_handshake(self, caller, input).await
    }

    async fn cancel_handshake(
        &self,
        caller: &Caller,
        input: org::CancelHandshakeRequest,
    ) -> Outcome<org::CancelHandshakeResponse> {
        Organizations::cancel_handshake(self, caller, input).await
    }

    async fn create_account(
        &self,
        caller: &Caller,
        input: org::CreateAccountRequest,
    ) -> Outcome<org::CreateAccountResponse> {
        Organizations::create_account(self, caller, input).await
    }

    async fn create_organization(
        &self,
        caller: &Caller,
        input: org::CreateOrganizationRequest,
    ) -> Outcome<org::CreateOrganizationResponse> {
        Organizations::create_organization(self, caller, input).await
    }

    async fn create_organizational_unit(
        &self,
        caller: &Caller,
        input: org::CreateOrganizationalUnitRequest,
    ) -> Outcome<org::CreateOrganizationalUnitResponse> {
        Organizations::create_organizational_unit(self, caller, input).await
    }

    async fn decline_handshake(
        &self,
        caller: &Caller,
        input: org::DeclineHandshakeRequest,
    ) -> Outcome<org::DeclineHandshakeResponse> {
        Organizations::decline_handshake(self, caller, input).await
    }

    async fn delete_organization(&self, caller: &Caller) -> Outcome<()> {
        Organizations::delete_organization(self, caller).await
    }

    async fn delete_organizational_unit(
        &self,
        caller: &Caller,
        input: org::DeleteOrganizationalUnitRequest,
    ) -> Outcome<()> {
        Organizations::delete_organizational_unit(self, caller, input).await
    }

    async fn describe_account(
        &self,
        caller: &Caller,
        input: org::DescribeAccountRequest,
    ) -> Outcome<org::DescribeAccountResponse> {
        Organizations::describe_account(self, caller, input).await
    }

    async fn describe_create_account_status(
        &self,
        caller: &Caller,
        input: org::DescribeCreateAccountStatusRequest,
    ) -> Outcome<org::DescribeCreateAccountStatusResponse> {
        Organizations::describe_create_account_status(self, caller, input).await
    }

    async fn describe_handshake(
        &self,
        caller: &Caller,
        input: org::DescribeHandshakeRequest,
    ) -> Outcome<org::DescribeHandshakeResponse> {
        Organizations::describe_handshake(self, caller, input).await
    }

    async fn describe_organization(
        &self,
        caller: &Caller,
    ) -> Outcome<org::DescribeOrganizationResponse> {
        Organizations::describe_organization(self, caller).await
    }

    async fn describe_organizational_unit(
        &self,
        caller: &Caller,
        input: org::DescribeOrganizationalUnitRequest,
    ) -> Outcome<org::DescribeOrganizationalUnitResponse> {
        Organizations::describe_organizational_unit(self, caller, input).await
    }

    async fn disable_aws_service_access(
        &self,
        caller: &Caller,
        input: org::DisableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        Organizations::disable_aws_service_access(self, caller, input).await
    }

    async fn enable_aws_service_access(
        &self,
        caller: &Caller,
        input: org::EnableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        Organizations::enable_aws_service_access(self, caller, input).await
    }

    async fn invite_account_to_organization(
        &self,
        caller: &Caller,
        input: org::InviteAccountToOrganizationRequest,
    ) -> Outcome<org::InviteAccountToOrganizationResponse> {
        Organizations::invite_account_to_organization(self, caller, input).await
    }

    async fn leave_organization(&self, caller: &Caller) -> Outcome<()> {
        Organizations::leave_organization(self, caller).await
    }

    async fn list_aws_service_access_for_organization(
        &self,
        caller: &Caller,
        input: org::ListAWSServiceAccessForOrganizationRequest,
    ) -> Outcome<org::ListAWSServiceAccessForOrganizationResponse> {
        Organizations::list_aws_service_access_for_organization(self, caller, input).await
    }

    async fn list_accounts(
        &self,
        caller: &Caller,
        input: org::ListAccountsRequest,
    ) -> Outcome<org::ListAccountsResponse> {
        Organizations::list_accounts(self, caller, input).await
    }

    async fn list_accounts_for_parent(
        &self,
        caller: &Caller,
        input: org::ListAccountsForParentRequest,
    ) -> Outcome<org::ListAccountsForParentResponse> {
        Organizations::list_accounts_for_parent(self, caller, input).await
    }

    async fn list_children(
        &self,
        caller: &Caller,
        input: org::ListChildrenRequest,
    ) -> Outcome<org::ListChildrenResponse> {
        Organizations::list_children(self, caller, input).await
    }

    async fn list_create_account_status(
        &self,
        caller: &Caller,
        input: org::ListCreateAccountStatusRequest,
    ) -> Outcome<org::ListCreateAccountStatusResponse> {
        Organizations::list_create_account_status(self, caller, input).await
    }

    async fn list_handshakes_for_account(
        &self,
        caller: &Caller,
        input: org::ListHandshakesForAccountRequest,
    ) -> Outcome<org::ListHandshakesForAccountResponse> {
        Organizations::list_handshakes_for_account(self, caller, input).await
    }

    async fn list_handshakes_for_organization(
        &self,
        caller: &Caller,
        input: org::ListHandshakesForOrganizationRequest,
    ) -> Outcome<org::ListHandshakesForOrganizationResponse> {
        Organizations::list_handshakes_for_organization(self, caller, input).await
    }

    async fn list_organizational_units_for_parent(
        &self,
        caller: &Caller,
        input: org::ListOrganizationalUnitsForParentRequest,
    ) -> Outcome<org::ListOrganizationalUnitsForParentResponse> {
        Organizations::list_organizational_units_for_parent(self, caller, input).await
    }

    async fn list_parents(
        &self,
        caller: &Caller,
        input: org::ListParentsRequest,
    ) -> Outcome<org::ListParentsResponse> {
        Organizations::list_parents(self, caller, input).await
    }

    async fn list_roots(
        &self,
        caller: &Caller,
        input: org::ListRootsRequest,
    ) -> Outcome<org::ListRootsResponse> {
        Organizations::list_roots(self, caller, input).await
    }

    async fn list_tags_for_resource(
        &self,
        caller: &Caller,
        input: org::ListTagsForResourceRequest,
    ) -> Outcome<org::ListTagsForResourceResponse> {
        Organizations::list_tags_for_resource(self, caller, input).await
    }

    async fn move_account(&self, caller: &Caller, input: org::MoveAccountRequest) -> Outcome<()> {
        Organizations::move_account(self, caller, input).await
    }

    async fn remove_account_from_organization(
        &self,
        caller: &Caller,
        input: org::RemoveAccountFromOrganizationRequest,
    ) -> Outcome<()> {
        Organizations::remove_account_from_organization(self, caller, input).await
    }

    async fn tag_resource(&self, caller: &Caller, input: org::TagResourceRequest) -> Outcome<()> {
        Organizations::tag_resource(self, caller, input).await
    }

    async fn untag_resource(
        &self,
        caller: &Caller,
        input: org::UntagResourceRequest,
    ) -> Outcome<()> {
        Organizations::untag_resource(self, caller, input).await
    }

    async fn update_organizational_unit(
        &self,
        caller: &Caller,
        input: org::UpdateOrganizationalUnitRequest,
    ) -> Outcome<org::UpdateOrganizationalUnitResponse> {
        Organizations::update_organizational_unit(self, caller, input).await
    }
}
