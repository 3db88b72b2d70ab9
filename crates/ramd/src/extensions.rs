//! ramd's own operations beside RAM's API, signed and answered the same way (restJson1 errors):
//! - `POST /checkaccess`: may a principal perform an action on a resource, and why;
//! - `POST /putresourcepolicy`: stands in for a resource's owning service being given a
//!   resource-based policy, which RAM records as a CREATED_FROM_POLICY share.

use ram_model::{ApiError, ErrorCode, api_error};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{Signed, authenticate};
use crate::server::{AppState, now_secs};

/// The extension served at this method and path, if any.
pub fn route(method: &str, path: &str) -> Option<&'static str> {
    match (method, path.trim_end_matches('/')) {
        ("POST", "/checkaccess") => Some("CheckAccess"),
        ("POST", "/putresourcepolicy") => Some("PutResourcePolicy"),
        _ => None,
    }
}

fn input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        api_error!(
            SerializationException,
            "The request body could not be read: {e}"
        )
    })
}

fn output<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|_| {
        ApiError::new(
            ErrorCode::ServerInternalException,
            "The response could not be written.",
        )
    })
}

pub async fn serve(state: &AppState, req: &Signed<'_>, extension: &str) -> Result<Value, ApiError> {
    let caller = authenticate(&state.auth, state.ram.store(), req, "ram", now_secs()).await?;
    match extension {
        "CheckAccess" => output(&state.ram.check_access(&caller, input(req.body)?).await?),
        _ => output(
            &state
                .ram
                .put_resource_policy(&caller, input(req.body)?)
                .await?,
        ),
    }
}
