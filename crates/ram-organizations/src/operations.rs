//! Running an Organizations operation: `Organizations::execute` hands the operation and its
//! validated input document to the generated `ram_model::organizations::dispatch` and retries
//! store conflicts; `impl ram_model::organizations::Service for Organizations` names the function
//! that serves each operation.

use ram_context::{Caller, Failure};
use ram_model::organizations::{self as org, Operation as OrgOp};
use ram_model::{ApiError, Json};
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
    ) -> Result<Json, ApiError> {
        self.ctx
            .with_retries(operation.name(), || {
                Box::pin(async move {
                    self.authorize(caller, operation.name()).await?;
                    org::dispatch(self, caller, operation, input).await
                })
            })
            .await
            .map_err(organizations_error)
    }
}

// The `Organizations` function of the same name (in the module of its resource) serves each
// operation.
ram_model::serve_organizations!(Organizations, Caller, Failure);
