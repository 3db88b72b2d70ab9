//! Accounts and their access keys (`ramd accounts`, and the first-start bootstrap of `serve`).

use ram_store::{AccessKeyRecord, AccountRecord, Store, StoreError};
use rand::RngExt;
use serde_json::json;

/// A new account with one access key, as `ramd accounts create` prints it.
pub struct NewCredentials {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub principal_arn: Option<String>,
}

impl NewCredentials {
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = json!({
            "accountId": self.account_id,
            "accessKeyId": self.access_key_id,
            "secretAccessKey": self.secret_access_key,
        });
        if let Some(arn) = &self.principal_arn {
            v["principalArn"] = json!(arn);
        }
        v
    }

    /// The credentials in AWS shared-credentials-file format.
    pub fn to_profile(&self, profile: &str) -> String {
        format!(
            "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.access_key_id, self.secret_access_key
        )
    }
}

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

pub fn random_account_id() -> String {
    let mut id = random_string(b"0123456789", 12);
    if id.starts_with('0') {
        id.replace_range(0..1, "1");
    }
    id
}

/// Creates the account if needed and issues a new access key for it, optionally bound to an IAM
/// user or role ARN of the account (that principal is then the caller).
pub async fn create(
    store: &Store,
    account_id: Option<&str>,
    name: Option<&str>,
    principal_arn: Option<&str>,
    now_ms: i64,
) -> Result<NewCredentials, String> {
    let account_id = account_id.map_or_else(random_account_id, str::to_owned);
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account id {account_id} is not 12 digits"));
    }
    if let Some(arn) = principal_arn {
        let expected_prefix = format!(":iam::{account_id}:");
        if !arn.starts_with("arn:")
            || !arn.contains(&expected_prefix)
            || !(arn.contains(":user/") || arn.contains(":role/"))
        {
            return Err(format!(
                "{arn} is not an IAM user or role ARN of account {account_id}"
            ));
        }
    }
    let credentials = NewCredentials {
        account_id: account_id.clone(),
        access_key_id: format!(
            "AKIA{}",
            random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        secret_access_key: random_string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
        principal_arn: principal_arn.map(str::to_owned),
    };
    let run = async {
        let mut tx = store.begin().await?;
        tx.insert_account(&AccountRecord {
            account_id: account_id.clone(),
            name: name.unwrap_or(&account_id).to_owned(),
            created_ms: now_ms,
        })
        .await?;
        tx.insert_access_key(&AccessKeyRecord {
            access_key_id: credentials.access_key_id.clone(),
            secret_access_key: credentials.secret_access_key.clone(),
            account_id: account_id.clone(),
            principal_arn: credentials.principal_arn.clone(),
            created_ms: now_ms,
        })
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    };
    run.await.map_err(|e| e.to_string())?;
    Ok(credentials)
}
