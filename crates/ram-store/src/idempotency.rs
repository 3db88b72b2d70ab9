use crate::engine::{DbError, query};
use crate::records::IdempotencyRecord;
use crate::{ReadTx, StoreError, WriteTx};

const GET_IDEMPOTENCY: &str = "SELECT request_hash, response FROM idempotency WHERE account_id = $1 AND region = $2 AND operation = $3 AND client_token = $4";
const PUT_IDEMPOTENCY: &str = "INSERT INTO idempotency (account_id, region, operation, client_token, request_hash, response, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl ReadTx {
    pub async fn get_idempotency(
        &mut self,
        account: &str,
        region: &str,
        operation: &str,
        token: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = query(GET_IDEMPOTENCY)
            .bind(account)
            .bind(region)
            .bind(operation)
            .bind(token)
            .fetch_optional(&mut self.tx)
            .await?;
        row.map(|r| {
            Ok(IdempotencyRecord {
                request_hash: r.try_get("request_hash")?,
                response: r.try_get("response")?,
            })
        })
        .transpose()
        .map_err(|e: DbError| e.into())
    }
}

impl WriteTx {
    /// Records the result of a mutating call under its client token, in the call's own transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_idempotency(
        &mut self,
        account: &str,
        region: &str,
        operation: &str,
        token: &str,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        query(PUT_IDEMPOTENCY)
            .bind(account)
            .bind(region)
            .bind(operation)
            .bind(token)
            .bind(&record.request_hash)
            .bind(&record.response)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}
