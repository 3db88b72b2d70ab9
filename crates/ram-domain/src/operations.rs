//! Running an operation: `Ram::execute` authorizes the caller (`authorization.rs`), hands the operation and its validated input document to
//! the generated `ram_model::dispatch` (typed input in, output document out) and retries store
//! conflicts (`Context::with_retries`); `impl ram_model::Service for Ram` names the function that
//! serves each operation.

use ram_context::Failure;
use ram_model::{self as model, ApiError, Json, Operation};
use serde_json::Value;

use crate::{Caller, Ram};

impl Ram {
    /// Runs one operation for `caller`. `input` has passed `ram_model::validate::validate_input`.
    pub async fn execute(
        &self,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Result<Json, ApiError> {
        self.ctx
            // Boxed: the dispatch future holds every operation's state, and the server's
            // futures around it would otherwise copy it each time they move.
            .with_retries(operation.name(), || {
                Box::pin(async move {
                    self.authorize(caller, operation, input).await?;
                    model::dispatch(self, caller, operation, input).await
                })
            })
            .await
    }
}

// The `Ram` function of the same name (in the module of its resource: shares, associations,
// invitations, ...) serves each of RAM's operations.
ram_model::serve_ram!(Ram, Caller, Failure);
