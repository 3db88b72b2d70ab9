//! EnableSharingWithAwsOrganization. Organizations themselves come with their own module; an
//! account that is not the management account of an organization is refused as on AWS.

use ram_model::{
    EnableSharingWithAwsOrganizationRequest, EnableSharingWithAwsOrganizationResponse, api_error,
};

use crate::failure::Outcome;
use crate::{Caller, Ram};

impl Ram {
    #[allow(clippy::unused_async)] // organizations (their own issue) make it read the store
    pub(crate) async fn enable_sharing_with_aws_organization(
        &self,
        _caller: &Caller,
        _input: EnableSharingWithAwsOrganizationRequest,
    ) -> Outcome<EnableSharingWithAwsOrganizationResponse> {
        // ramd has no organizations yet, so no caller is a management account.
        Err(api_error!(
            OperationNotPermittedException,
            "Unable to enable sharing with AWS Organizations. Received AccessDeniedException from AWSOrganizations with the following error message: You don't have permissions to access this resource."
        )
        .into())
    }
}
