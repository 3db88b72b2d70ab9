use sqlx::Row;
use sqlx::any::AnyRow;

use crate::query::{Sql, opt_text};
use crate::records::{AccessKeyRecord, AccountRecord};
use crate::{ReadTx, StoreError, WriteTx};

fn key_from_row(r: &AnyRow) -> Result<AccessKeyRecord, sqlx::Error> {
    Ok(AccessKeyRecord {
        access_key_id: r.try_get("access_key_id")?,
        secret_access_key: r.try_get("secret_access_key")?,
        account_id: r.try_get("account_id")?,
        principal_arn: r.try_get("principal_arn")?,
        created_ms: r.try_get("created_ms")?,
    })
}

impl ReadTx {
    pub async fn get_account(
        &mut self,
        account_id: &str,
    ) -> Result<Option<AccountRecord>, StoreError> {
        let mut sql =
            Sql::new("SELECT account_id, name, created_ms FROM accounts WHERE account_id = ");
        sql.text(account_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.map(|r| {
            Ok(AccountRecord {
                account_id: r.try_get("account_id")?,
                name: r.try_get("name")?,
                created_ms: r.try_get("created_ms")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    pub async fn list_accounts(&mut self) -> Result<Vec<AccountRecord>, StoreError> {
        let rows =
            Sql::new("SELECT account_id, name, created_ms FROM accounts ORDER BY account_id")
                .query()
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(AccountRecord {
                    account_id: r.try_get("account_id")?,
                    name: r.try_get("name")?,
                    created_ms: r.try_get("created_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn get_access_key(
        &mut self,
        access_key_id: &str,
    ) -> Result<Option<AccessKeyRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT access_key_id, secret_access_key, account_id, principal_arn, created_ms FROM access_keys WHERE access_key_id = ",
        );
        sql.text(access_key_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        Ok(row.as_ref().map(key_from_row).transpose()?)
    }

    pub async fn count_accounts(&mut self) -> Result<i64, StoreError> {
        let row = Sql::new("SELECT COUNT(*) AS n FROM accounts")
            .query()
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(row.try_get("n")?)
    }
}

impl WriteTx {
    /// Creates the account unless it exists; returns whether it was created.
    pub async fn insert_account(&mut self, account: &AccountRecord) -> Result<bool, StoreError> {
        let mut sql = Sql::new("INSERT INTO accounts (account_id, name, created_ms) VALUES (");
        sql.text(&account.account_id)
            .push(", ")
            .text(&account.name)
            .push(", ")
            .int(account.created_ms);
        sql.push(") ON CONFLICT (account_id) DO NOTHING");
        let done = sql.query().execute(&mut *self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_access_key(&mut self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut sql = Sql::new(
            "INSERT INTO access_keys (access_key_id, secret_access_key, account_id, principal_arn, created_ms) VALUES (",
        );
        sql.text(&key.access_key_id)
            .push(", ")
            .text(&key.secret_access_key)
            .push(", ")
            .text(&key.account_id);
        sql.push(", ")
            .bind(opt_text(key.principal_arn.as_deref()))
            .push(", ")
            .int(key.created_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

impl WriteTx {
    /// Deletes every row of every table but the settings (the emulator's reset). The tables come
    /// from the schema itself, newest first so that rows referring to others go first.
    pub async fn reset(&mut self) -> Result<(), StoreError> {
        for table in crate::migrations::tables().into_iter().rev() {
            if table == "settings" {
                continue;
            }
            // The name is one of the schema's own table names, never a caller's value.
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
