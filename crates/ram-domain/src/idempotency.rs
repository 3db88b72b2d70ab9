//! `clientToken` idempotency: a retry with the same token and parameters replays the original
//! answer; the same token with other parameters is `IdempotentParameterMismatchException`. The
//! record is written in the operation's own transaction, so a concurrent duplicate conflicts.

use ram_context::Outcome;
use ram_model::{ApiError, api_error};
use ram_store::{IdempotencyRecord, ReadTx, WriteTx};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{Caller, Ram};

/// The client token of a request, checked for validity; `None` when the caller sent none.
pub struct ClientToken(Option<String>);

impl ClientToken {
    /// Checks the `clientToken` a request carries (1-64 printable ASCII characters).
    pub(crate) fn parse(token: Option<&str>) -> Result<ClientToken, ApiError> {
        match token {
            None => Ok(ClientToken(None)),
            Some(t)
                if !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(ClientToken(Some(t.to_owned())))
            }
            Some(t) => Err(api_error!(
                InvalidClientTokenException,
                "The client token {t} isn't valid."
            )),
        }
    }

    /// The token as the answer carries it: the caller's own, echoed. AWS's recorded answers carry
    /// no `clientToken` when the request had none (docs/compatibility.md).
    pub fn echo(&self) -> Option<String> {
        self.0.clone()
    }
}

impl Ram {
    /// Runs a mutating operation in one write transaction with `clientToken` idempotency: the
    /// answer of an earlier call with the same token and parameters is replayed; otherwise `work`
    /// runs, its answer is recorded under the token in the same transaction, and it commits. An
    /// error from `work` rolls everything back.
    pub(crate) async fn idempotent_write<I: Serialize, O: Serialize + DeserializeOwned>(
        &self,
        caller: &Caller,
        operation: &str,
        token: &ClientToken,
        input: &I,
        work: impl AsyncFnOnce(&mut WriteTx) -> Outcome<O>,
    ) -> Outcome<O> {
        let mut tx = self.store().begin_for(Some(&caller.account_id)).await?;
        if let Some(replayed) = Ram::replay(&mut tx, caller, operation, token, input).await? {
            // Committed, not dropped: on the embedded store a commit waits until what it read is
            // durable, so a replay never answers for a write that could still be lost.
            tx.commit().await?;
            return Ok(replayed);
        }
        let output = work(&mut tx).await?;
        self.remember(&mut tx, caller, operation, token, input, &output)
            .await?;
        tx.commit().await?;
        Ok(output)
    }

    /// The replayed answer of an earlier call with this token, if there was one.
    pub(crate) async fn replay<I: Serialize, O: DeserializeOwned>(
        tx: &mut ReadTx,
        caller: &Caller,
        operation: &str,
        token: &ClientToken,
        input: &I,
    ) -> Outcome<Option<O>> {
        let Some(value) = &token.0 else {
            return Ok(None);
        };
        let Some(record) = tx
            .get_idempotency(&caller.account_id, &caller.region, operation, value)
            .await?
        else {
            return Ok(None);
        };
        if record.request_hash != request_hash(input) {
            return Err(api_error!(
                IdempotentParameterMismatchException,
                "The client token {value} was already used with different parameters."
            )
            .into());
        }
        serde_json::from_str(&record.response)
            .map(Some)
            .map_err(|e| {
                tracing::error!(error = %e, "stored idempotent response is unreadable");
                ApiError::internal().into()
            })
    }

    pub(crate) async fn remember<I: Serialize, O: Serialize>(
        &self,
        tx: &mut WriteTx,
        caller: &Caller,
        operation: &str,
        token: &ClientToken,
        input: &I,
        output: &O,
    ) -> Outcome<()> {
        let Some(value) = &token.0 else {
            return Ok(());
        };
        let record = IdempotencyRecord {
            request_hash: request_hash(input),
            response: serde_json::to_string(output).map_err(|_| ApiError::internal())?,
        };
        tx.put_idempotency(
            &caller.account_id,
            &caller.region,
            operation,
            value,
            &record,
            self.now_ms(),
        )
        .await?;
        Ok(())
    }
}

/// A hash of the request's parameters other than the token itself (serde_json maps are sorted).
fn request_hash<I: Serialize>(input: &I) -> String {
    let mut value = serde_json::to_value(input).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("clientToken");
    }
    hex::encode(Sha256::digest(value.to_string()))
}
