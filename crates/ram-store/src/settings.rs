use crate::engine::query;
use crate::{ReadTx, StoreError, WriteTx};

const GET_SETTING: &str = "SELECT value FROM settings WHERE name = $1";
const INIT_SETTING: &str =
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";

impl ReadTx {
    pub async fn get_setting(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let row = query(GET_SETTING)
            .bind(name)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }
}

impl WriteTx {
    /// Stores `value` unless the setting exists; returns the value in force afterwards, so that
    /// replicas racing to initialise a setting all end up with the same one.
    pub async fn init_setting(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        query(INIT_SETTING)
            .bind(name)
            .bind(value)
            .execute(&mut self.tx)
            .await?;
        Ok(self
            .get_setting(name)
            .await?
            .unwrap_or_else(|| value.to_owned()))
    }
}
