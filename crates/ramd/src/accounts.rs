//! Accounts and their access keys (`ramd accounts`, and the first-start bootstrap of `serve`).
//! Secrets are stored sealed under the master key (`secrets.rs`) and shown only once, when made.

use ram_store::{
    AccessKeyRecord, AccountRecord, PrincipalKind, PrincipalRef, RoleRecord, Store, StoreError,
    UserRecord, WriteTx,
};

use crate::secrets::{MasterKey, is_sealed, stored_secret};
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

/// The letters and digits of IAM's ids (`AKIA…`, `AIDA…`, `AROA…`).
const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

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
    master: &MasterKey,
    account_id: Option<&str>,
    name: Option<&str>,
    principal_arn: Option<&str>,
    now_ms: i64,
) -> Result<NewCredentials, String> {
    let account_id = account_id.map_or_else(random_account_id, str::to_owned);
    check_account_id(&account_id)?;
    if let Some(arn) = principal_arn {
        check_principal_arn(&account_id, arn)?;
    }
    let credentials = new_credentials(&account_id, principal_arn);
    let run = async {
        let mut tx = store.begin().await?;
        tx.insert_account(&AccountRecord {
            account_id: account_id.clone(),
            name: name.unwrap_or(&account_id).to_owned(),
            created_ms: now_ms,
        })
        .await?;
        if let Some(arn) = principal_arn {
            ensure_principal(&mut tx, &account_id, arn, now_ms).await?;
        }
        tx.insert_access_key(&sealed_record(master, &credentials, now_ms))
            .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    };
    run.await.map_err(|e| e.to_string())?;
    Ok(credentials)
}

pub fn check_account_id(account_id: &str) -> Result<(), String> {
    if ram_context::is_account_id(account_id) {
        Ok(())
    } else {
        Err(format!("account id {account_id:?} is not 12 digits"))
    }
}

/// A key may act as an IAM user or role of its own account, nothing else.
pub fn check_principal_arn(account_id: &str, arn: &str) -> Result<(), String> {
    let expected_prefix = format!(":iam::{account_id}:");
    if arn.starts_with("arn:")
        && arn.contains(&expected_prefix)
        && (arn.contains(":user/") || arn.contains(":role/"))
    {
        Ok(())
    } else {
        Err(format!(
            "{arn} is not an IAM user or role ARN of account {account_id}"
        ))
    }
}

/// Makes the IAM user or role `arn` names unless the account has it, with AWS's
/// `AdministratorAccess` attached: a key made for a principal IAM did not know acts as it did
/// before policies were evaluated, and the principal is there to be seen and restricted
/// (detach the policy, attach others). A principal that exists keeps its policies.
async fn ensure_principal(
    tx: &mut WriteTx,
    account_id: &str,
    arn: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let partition = arn.split(':').nth(1).unwrap_or("aws");
    let resource = arn.split(':').nth(5).unwrap_or_default();
    let Some((kind, path_and_name)) = resource.split_once('/') else {
        return Ok(());
    };
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), path_and_name),
    };
    let made = if kind == "user" {
        tx.insert_user(&UserRecord {
            account_id: account_id.to_owned(),
            user_name: name.to_owned(),
            user_id: format!("AIDA{}", random_string(KEY_ALPHABET, 17)),
            path,
            tags: "[]".to_owned(),
            created_ms: now_ms,
        })
        .await?
    } else {
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{account_id}:root")},
            "Action": "sts:AssumeRole"
        }]});
        tx.insert_role(&RoleRecord {
            account_id: account_id.to_owned(),
            role_name: name.to_owned(),
            role_id: format!("AROA{}", random_string(KEY_ALPHABET, 17)),
            path,
            service: None,
            assume_role_policy: trust.to_string(),
            description: None,
            max_session_seconds: 3600,
            tags: "[]".to_owned(),
            created_ms: now_ms,
        })
        .await?
    };
    if made {
        let principal = PrincipalRef {
            account_id,
            kind: if kind == "user" {
                PrincipalKind::User
            } else {
                PrincipalKind::Role
            },
            name,
        };
        tx.attach_policy(
            principal,
            &format!("arn:{partition}:iam::aws:policy/AdministratorAccess"),
            now_ms,
        )
        .await?;
    }
    Ok(())
}

/// An access key given in full (a fixture's), rather than made here.
pub struct GivenKey<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub principal_arn: Option<&'a str>,
}

/// What [`ensure`] had to make.
#[derive(Default)]
pub struct Ensured {
    pub account: bool,
    pub keys: usize,
}

/// Why [`ensure`] wrote nothing: the key it is about (its index in `keys`), and what is wrong.
pub struct EnsureError {
    pub key: Option<usize>,
    pub message: String,
}

/// Makes the account and each of `keys` unless they exist, in one transaction; a key that exists
/// must be the same (account, secret, principal), or nothing is written.
pub async fn ensure(
    store: &Store,
    master: Option<&MasterKey>,
    account_id: &str,
    name: Option<&str>,
    keys: &[GivenKey<'_>],
    now_ms: i64,
) -> Result<Ensured, EnsureError> {
    let whole = |message: String| EnsureError { key: None, message };
    check_account_id(account_id).map_err(whole)?;
    let mut tx = store.begin().await.map_err(|e| whole(e.to_string()))?;
    let mut ensured = Ensured {
        account: tx
            .insert_account(&AccountRecord {
                account_id: account_id.to_owned(),
                name: name.unwrap_or(account_id).to_owned(),
                created_ms: now_ms,
            })
            .await
            .map_err(|e| whole(e.to_string()))?,
        keys: 0,
    };
    for (n, key) in keys.iter().enumerate() {
        let made = ensure_key(&mut tx, master, account_id, key, now_ms)
            .await
            .map_err(|message| EnsureError {
                key: Some(n),
                message,
            })?;
        ensured.keys += usize::from(made);
    }
    tx.commit().await.map_err(|e| whole(e.to_string()))?;
    Ok(ensured)
}

/// One given key, inserted unless the same key exists; whether it was inserted.
async fn ensure_key(
    tx: &mut ram_store::WriteTx,
    master: Option<&MasterKey>,
    account_id: &str,
    key: &GivenKey<'_>,
    now_ms: i64,
) -> Result<bool, String> {
    let id = key.access_key_id;
    if id.len() < 16
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(format!(
            "access key id {id:?} is not 16 to 128 capital letters and digits"
        ));
    }
    if key.secret_access_key.len() < 16 || key.secret_access_key.contains(char::is_whitespace) {
        return Err(format!(
            "the secret of access key {id} is not at least 16 characters without spaces"
        ));
    }
    if let Some(arn) = key.principal_arn {
        check_principal_arn(account_id, arn)?;
        ensure_principal(tx, account_id, arn, now_ms)
            .await
            .map_err(|e| e.to_string())?;
    }
    if let Some(existing) = tx.get_access_key(id).await.map_err(|e| e.to_string())? {
        let secret = stored_secret(master, &existing);
        if existing.account_id != account_id
            || existing.principal_arn.as_deref() != key.principal_arn
            || secret.as_deref() != Some(key.secret_access_key)
        {
            return Err(format!(
                "access key {id} exists already, for another account, principal or secret"
            ));
        }
        return Ok(false);
    }
    let Some(master) = master else {
        return Err(format!(
            "access key {id}: keys are stored sealed, and no master key is in use"
        ));
    };
    let credentials = NewCredentials {
        account_id: account_id.to_owned(),
        access_key_id: id.to_owned(),
        secret_access_key: key.secret_access_key.to_owned(),
        principal_arn: key.principal_arn.map(str::to_owned),
    };
    tx.insert_access_key(&sealed_record(master, &credentials, now_ms))
        .await
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Issues IAM's CreateAccessKey keys as `ramd accounts create` issues its own: random, the
/// secret sealed under the master key.
pub struct Issuer(pub std::sync::Arc<MasterKey>);

impl ram_organizations::KeyIssuer for Issuer {
    fn issue(
        &self,
        account_id: &str,
        principal_arn: Option<&str>,
        now_ms: i64,
    ) -> (AccessKeyRecord, String) {
        let credentials = new_credentials(account_id, principal_arn);
        let record = sealed_record(&self.0, &credentials, now_ms);
        (record, credentials.secret_access_key)
    }
}

fn new_credentials(account_id: &str, principal_arn: Option<&str>) -> NewCredentials {
    NewCredentials {
        account_id: account_id.to_owned(),
        access_key_id: format!("AKIA{}", random_string(KEY_ALPHABET, 16)),
        secret_access_key: random_string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
        principal_arn: principal_arn.map(str::to_owned),
    }
}

fn sealed_record(master: &MasterKey, c: &NewCredentials, now_ms: i64) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: c.access_key_id.clone(),
        secret_access_key: master.seal(&c.access_key_id, &c.secret_access_key),
        account_id: c.account_id.clone(),
        principal_arn: c.principal_arn.clone(),
        created_ms: now_ms,
        active: true,
    }
}

/// Seals the secrets a store from before sealing holds in plain text; how many there were.
pub async fn seal_plaintext(store: &Store, master: &MasterKey) -> Result<usize, String> {
    let run = async {
        let mut tx = store.begin().await?;
        let mut sealed = 0;
        for key in tx.list_access_keys(None).await? {
            if !is_sealed(&key.secret_access_key) {
                let stored = master.seal(&key.access_key_id, &key.secret_access_key);
                tx.set_access_key_secret(&key.access_key_id, &stored)
                    .await?;
                sealed += 1;
            }
        }
        tx.commit().await?;
        Ok::<_, StoreError>(sealed)
    };
    run.await.map_err(|e| e.to_string())
}

/// The access keys (of `account`, or all) as `ramd accounts keys list` prints them: never a secret.
pub async fn list_keys(store: &Store, account: Option<&str>) -> Result<serde_json::Value, String> {
    let run = async {
        let mut tx = store.read().await?;
        let keys = tx.list_access_keys(account).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(keys)
    };
    let keys = run.await.map_err(|e| e.to_string())?;
    Ok(keys
        .iter()
        .map(|k| {
            json!({
                "accessKeyId": k.access_key_id,
                "accountId": k.account_id,
                "principalArn": k.principal_arn,
                "status": if k.active { "Active" } else { "Inactive" },
                "createdMs": k.created_ms,
            })
        })
        .collect())
}

/// What `ramd accounts keys` does to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    Deactivate,
    Reactivate,
    Delete,
}

/// Deactivates, reactivates or deletes the key `access_key_id`.
pub async fn change_key(
    store: &Store,
    access_key_id: &str,
    change: KeyChange,
) -> Result<(), String> {
    let run = async {
        let mut tx = store.begin().await?;
        let found = match change {
            KeyChange::Deactivate => tx.set_access_key_active(access_key_id, false).await?,
            KeyChange::Reactivate => tx.set_access_key_active(access_key_id, true).await?,
            KeyChange::Delete => tx.delete_access_key(access_key_id).await?,
        };
        tx.commit().await?;
        Ok::<_, StoreError>(found)
    };
    if run.await.map_err(|e| e.to_string())? {
        Ok(())
    } else {
        Err(format!("no access key {access_key_id}"))
    }
}

/// A new key for the same account and principal as `access_key_id`, which stays as it is until
/// it is deactivated or deleted (so callers can move over first, as with IAM's key rotation).
pub async fn rotate_key(
    store: &Store,
    master: &MasterKey,
    access_key_id: &str,
    now_ms: i64,
) -> Result<NewCredentials, String> {
    let run = async {
        let mut tx = store.begin().await?;
        let Some(old) = tx.get_access_key(access_key_id).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let credentials = new_credentials(&old.account_id, old.principal_arn.as_deref());
        tx.insert_access_key(&sealed_record(master, &credentials, now_ms))
            .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(Some(credentials))
    };
    run.await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no access key {access_key_id}"))
}
