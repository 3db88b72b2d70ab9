use sqlx::Row;

use crate::query::Sql;
use crate::records::IdempotencyRecord;
use crate::{ReadTx, StoreError, WriteTx};

impl ReadTx {
    pub async fn get_idempotency(
        &mut self,
        account: &str,
        region: &str,
        operation: &str,
        token: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let mut sql =
            Sql::new("SELECT request_hash, response FROM idempotency WHERE account_id = ");
        sql.text(account)
            .push(" AND region = ")
            .text(region)
            .push(" AND operation = ")
            .text(operation);
        sql.push(" AND client_token = ").text(token);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.map(|r| {
            Ok(IdempotencyRecord {
                request_hash: r.try_get("request_hash")?,
                response: r.try_get("response")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
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
        let mut sql = Sql::new(
            "INSERT INTO idempotency (account_id, region, operation, client_token, request_hash, response, created_ms) VALUES (",
        );
        sql.text(account)
            .push(", ")
            .text(region)
            .push(", ")
            .text(operation)
            .push(", ")
            .text(token)
            .push(", ");
        sql.text(&record.request_hash)
            .push(", ")
            .text(&record.response)
            .push(", ")
            .int(now_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}
