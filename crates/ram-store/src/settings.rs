use sqlx::Row;

use crate::query::Sql;
use crate::{ReadTx, StoreError, WriteTx};

impl ReadTx {
    pub async fn get_setting(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let mut sql = Sql::new("SELECT value FROM settings WHERE name = ");
        sql.text(name);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }
}

impl WriteTx {
    /// Stores `value` unless the setting exists; returns the value in force afterwards, so that
    /// replicas racing to initialise a setting all end up with the same one.
    pub async fn init_setting(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        let mut sql = Sql::new("INSERT INTO settings (name, value) VALUES (");
        sql.text(name)
            .push(", ")
            .text(value)
            .push(") ON CONFLICT (name) DO NOTHING");
        sql.query().execute(&mut *self.tx).await?;
        Ok(self
            .get_setting(name)
            .await?
            .unwrap_or_else(|| value.to_owned()))
    }
}
