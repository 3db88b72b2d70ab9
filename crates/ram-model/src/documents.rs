//! What the generated `dispatch` functions share: an operation's typed input read from its input
//! document, and its output written as a document.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{ApiError, api_error};

/// The typed input of a document that has passed the validator.
pub(crate) fn typed<I: DeserializeOwned>(input: &Value) -> Result<I, ApiError> {
    serde_json::from_value(input.clone()).map_err(|e| {
        api_error!(
            SerializationException,
            "The request body could not be read: {e}"
        )
    })
}

/// The output document of a typed output.
pub(crate) fn untyped<O: Serialize>(output: &O) -> Result<Value, ApiError> {
    serde_json::to_value(output).map_err(|_| ApiError::internal())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{ErrorCode, GetResourceSharesRequest, ResourceOwner, organizations};

    #[test]
    fn required_members_are_plain_and_keep_their_wire_form() {
        let input: GetResourceSharesRequest = typed(&json!({"resourceOwner": "SELF"})).unwrap();
        assert_eq!(input.resource_owner, ResourceOwner::Self_);
        assert_eq!(input.next_token, None);
        assert_eq!(untyped(&input).unwrap(), json!({"resourceOwner": "SELF"}));

        let invite: organizations::InviteAccountToOrganizationRequest =
            typed(&json!({"Target": {"Type": "ACCOUNT", "Id": "222222222222"}})).unwrap();
        assert_eq!(invite.target.id.as_deref(), Some("222222222222"));

        // The validator rejects a document without a required member before serde reads it.
        let missing = typed::<GetResourceSharesRequest>(&json!({})).unwrap_err();
        assert_eq!(missing.code, ErrorCode::SerializationException);
    }
}
