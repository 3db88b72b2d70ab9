//! What the generated `dispatch` functions share: an operation's typed input read from its input
//! document, and its output written as a document.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{ApiError, api_error};

/// The typed input of a document that has passed the validator.
pub(crate) fn typed<I: DeserializeOwned>(input: &Value) -> Result<I, ApiError> {
    I::deserialize(input).map_err(|e| {
        api_error!(
            SerializationException,
            "The request body could not be read: {e}"
        )
    })
}

/// What a protocol makes of an operation's typed output: a document to render (`Value`, which the
/// query protocol writes as XML), or the JSON text itself (`Json`, for restJson1 and JSON 1.1,
/// which need no document in between).
pub trait Output: Sized {
    fn of<O: Serialize>(output: &O) -> Result<Self, ApiError>;
    /// The output of an operation that has none.
    fn none() -> Self;
}

impl Output for Value {
    fn of<O: Serialize>(output: &O) -> Result<Self, ApiError> {
        serde_json::to_value(output).map_err(|_| ApiError::internal())
    }

    fn none() -> Self {
        Value::Null
    }
}

/// An output written as JSON text; an operation without output answers `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json(pub Vec<u8>);

impl Output for Json {
    fn of<O: Serialize>(output: &O) -> Result<Self, ApiError> {
        serde_json::to_vec(output)
            .map(Json)
            .map_err(|_| ApiError::internal())
    }

    fn none() -> Self {
        Json(b"{}".to_vec())
    }
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
        assert_eq!(Value::of(&input).unwrap(), json!({"resourceOwner": "SELF"}));

        let invite: organizations::InviteAccountToOrganizationRequest =
            typed(&json!({"Target": {"Type": "ACCOUNT", "Id": "222222222222"}})).unwrap();
        assert_eq!(invite.target.id.as_deref(), Some("222222222222"));

        // The validator rejects a document without a required member before serde reads it.
        let missing = typed::<GetResourceSharesRequest>(&json!({})).unwrap_err();
        assert_eq!(missing.code, ErrorCode::SerializationException);
    }
}
