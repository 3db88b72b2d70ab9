use crate::engine::{DbError, Query, Row, query};
use crate::records::{AccessKeyRecord, AccountRecord};
use crate::{ReadTx, StoreError, WriteTx};

const GET_ACCOUNT: &str = "SELECT account_id, name, created_ms FROM accounts WHERE account_id = $1";
const LIST_ACCOUNTS: &str = "SELECT account_id, name, created_ms FROM accounts ORDER BY account_id";
macro_rules! access_key_select {
    () => {
        "SELECT access_key_id, secret_access_key, account_id, principal_arn, created_ms, active FROM access_keys"
    };
}
const GET_ACCESS_KEY: &str = concat!(access_key_select!(), " WHERE access_key_id = $1");
/// Every key, or (with `$1` not NULL) the keys of one account.
const LIST_ACCESS_KEYS: &str = concat!(
    access_key_select!(),
    " WHERE ($1 IS NULL OR account_id = $1) ORDER BY account_id, created_ms, access_key_id"
);
const SET_ACCESS_KEY_ACTIVE: &str = "UPDATE access_keys SET active = $1 WHERE access_key_id = $2";
const SET_ACCESS_KEY_SECRET: &str =
    "UPDATE access_keys SET secret_access_key = $1 WHERE access_key_id = $2";
const DELETE_ACCESS_KEY: &str = "DELETE FROM access_keys WHERE access_key_id = $1";
const COUNT_ACCOUNTS: &str = "SELECT COUNT(*) AS n FROM accounts";
const INSERT_ACCOUNT: &str = "INSERT INTO accounts (account_id, name, created_ms) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO NOTHING";
const INSERT_ACCESS_KEY: &str = "INSERT INTO access_keys (access_key_id, secret_access_key, account_id, principal_arn, created_ms, active) VALUES ($1, $2, $3, $4, $5, $6)";

fn account_from_row(r: &Row) -> Result<AccountRecord, DbError> {
    Ok(AccountRecord {
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        created_ms: r.try_get("created_ms")?,
    })
}

fn key_from_row(r: &Row) -> Result<AccessKeyRecord, DbError> {
    Ok(AccessKeyRecord {
        access_key_id: r.try_get("access_key_id")?,
        secret_access_key: r.try_get("secret_access_key")?,
        account_id: r.try_get("account_id")?,
        principal_arn: r.try_get("principal_arn")?,
        created_ms: r.try_get("created_ms")?,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

impl ReadTx {
    pub async fn get_account(
        &mut self,
        account_id: &str,
    ) -> Result<Option<AccountRecord>, StoreError> {
        let row = query(GET_ACCOUNT)
            .bind(account_id)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(account_from_row).transpose()?)
    }

    pub async fn list_accounts(&mut self) -> Result<Vec<AccountRecord>, StoreError> {
        let rows = query(LIST_ACCOUNTS).fetch_all(&mut self.tx).await?;
        Ok(rows
            .iter()
            .map(account_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    pub async fn get_access_key(
        &mut self,
        access_key_id: &str,
    ) -> Result<Option<AccessKeyRecord>, StoreError> {
        let row = query(GET_ACCESS_KEY)
            .bind(access_key_id)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.as_ref().map(key_from_row).transpose()?)
    }

    /// Every access key, or those of `account`, by account and age.
    pub async fn list_access_keys(
        &mut self,
        account: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let rows = query(LIST_ACCESS_KEYS)
            .bind(account)
            .fetch_all(&mut self.tx)
            .await?;
        Ok(rows
            .iter()
            .map(key_from_row)
            .collect::<Result<_, DbError>>()?)
    }

    pub async fn count_accounts(&mut self) -> Result<i64, StoreError> {
        let row = query(COUNT_ACCOUNTS).fetch_one(&mut self.tx).await?;
        Ok(row.try_get("n")?)
    }
}

impl WriteTx {
    /// Creates the account unless it exists; returns whether it was created.
    pub async fn insert_account(&mut self, account: &AccountRecord) -> Result<bool, StoreError> {
        let done = query(INSERT_ACCOUNT)
            .bind(&account.account_id)
            .bind(&account.name)
            .bind(account.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_access_key(&mut self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        query(INSERT_ACCESS_KEY)
            .bind(&key.access_key_id)
            .bind(&key.secret_access_key)
            .bind(&key.account_id)
            .bind(key.principal_arn.as_deref())
            .bind(key.created_ms)
            .bind(key.active)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deactivates or reactivates a key; whether it exists.
    pub async fn set_access_key_active(
        &mut self,
        access_key_id: &str,
        active: bool,
    ) -> Result<bool, StoreError> {
        let done = query(SET_ACCESS_KEY_ACTIVE)
            .bind(active)
            .bind(access_key_id)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces a key's stored secret (sealing a store's plain-text secrets).
    pub async fn set_access_key_secret(
        &mut self,
        access_key_id: &str,
        stored: &str,
    ) -> Result<(), StoreError> {
        query(SET_ACCESS_KEY_SECRET)
            .bind(stored)
            .bind(access_key_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deletes a key; whether it existed.
    pub async fn delete_access_key(&mut self, access_key_id: &str) -> Result<bool, StoreError> {
        let done = query(DELETE_ACCESS_KEY)
            .bind(access_key_id)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
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
            Query::built(format!("DELETE FROM {table}"), Vec::new())
                .execute(&mut self.tx)
                .await?;
        }
        Ok(())
    }
}
