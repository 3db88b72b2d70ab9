//! Who is calling. In `sigv4` mode every request is verified against a secret stored for its
//! access key; in `trust` mode (local emulation) signatures are not checked and a 12-digit access
//! key id is taken as the account. Both read the Region from the credential scope.

use std::sync::Arc;

use ram_domain::Caller;
use ram_model::{ApiError, ErrorCode};
use ram_store::{AccountRecord, Store, StoreError};

use crate::secrets::{MasterKey, stored_secret};

/// The Region assumed for a request that carries no credential scope (trust mode only).
pub const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Signatures checked against the stored keys, whose secrets open with `master`.
    Sigv4 {
        master: Arc<MasterKey>,
    },
    Trust {
        default_account: String,
    },
}

/// A request as authentication needs it.
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

fn sigv4_error(e: &ram_sigv4::SigV4Error) -> ApiError {
    let code = ErrorCode::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == e.code())
        .unwrap_or(ErrorCode::InvalidSignatureException);
    ApiError::new(code, e.message())
}

impl Signed<'_> {
    /// The request as the SigV4 verifier reads it.
    pub fn sigv4(&self) -> ram_sigv4::Request<'_> {
        ram_sigv4::Request {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body: self.body,
        }
    }
}

/// Establishes the caller of a request signed for `service` (`ram`, `sts`, ...).
pub async fn authenticate(
    mode: &AuthMode,
    store: &Store,
    req: &Signed<'_>,
    service: &str,
    now_secs: u64,
) -> Result<Caller, ApiError> {
    let request = req.sigv4();
    match mode {
        AuthMode::Sigv4 { master } => {
            let parsed = ram_sigv4::parse(&request).map_err(|e| sigv4_error(&e))?;
            let mut tx = store.read().await.map_err(store_failure)?;
            let key = tx
                .get_access_key(&parsed.access_key_id)
                .await
                .map_err(store_failure)?;
            tx.commit().await.map_err(store_failure)?;
            // A deactivated key is refused as AWS refuses an unknown one.
            let key = key.filter(|k| k.active).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnrecognizedClientException,
                    "The security token included in the request is invalid.",
                )
            })?;
            let secret = stored_secret(Some(master), &key).ok_or_else(|| {
                tracing::error!(
                    access_key_id = %key.access_key_id,
                    "the key's secret does not open with the master key in use (another master key?)"
                );
                ApiError::internal()
            })?;
            ram_sigv4::verify(&request, &parsed, &secret, now_secs).map_err(|e| sigv4_error(&e))?;
            ram_sigv4::check_scope(&parsed, &parsed.region, service)
                .map_err(|e| sigv4_error(&e))?;
            Ok(match &key.principal_arn {
                Some(arn) => Caller::principal(&key.account_id, arn, &parsed.region),
                None => Caller::root(&key.account_id, &parsed.region),
            })
        }
        AuthMode::Trust { default_account } => {
            // Signatures are not checked, but the caller is whoever the credential names: an
            // unsigned request is the default account; a signature that cannot be read at all
            // is refused as AWS refuses it rather than guessed at.
            let (key, region) = match ram_sigv4::parse(&request) {
                Ok(parsed) => (Some(parsed.access_key_id), parsed.region),
                Err(ram_sigv4::SigV4Error::MissingAuthenticationToken) => {
                    (None, DEFAULT_REGION.to_owned())
                }
                Err(e) => {
                    let scope = ram_sigv4::credential(&request).ok_or_else(|| sigv4_error(&e))?;
                    (Some(scope.access_key_id), scope.region)
                }
            };
            // A key ramd issued (CreateAccessKey, `ramd accounts create`) acts as its account
            // and principal, so that policies apply in trust mode too; any other key that is not
            // an account id is the default account.
            if let Some(k) = key.as_deref().filter(|k| !ram_context::is_account_id(k)) {
                let mut tx = store.read().await.map_err(store_failure)?;
                let issued = tx.get_access_key(k).await.map_err(store_failure)?;
                tx.commit().await.map_err(store_failure)?;
                if let Some(issued) = issued.filter(|i| i.active) {
                    return Ok(match &issued.principal_arn {
                        Some(arn) => Caller::principal(&issued.account_id, arn, &region),
                        None => Caller::root(&issued.account_id, &region),
                    });
                }
            }
            let account = key
                .filter(|k| ram_context::is_account_id(k))
                .unwrap_or_else(|| default_account.clone());
            ensure_account(store, &account).await?;
            Ok(Caller::root(&account, &region))
        }
    }
}

/// A store failure while authenticating, as the caller sees it.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(store_failure)`
fn store_failure(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "store failure during authentication");
    match e {
        StoreError::Unavailable(_) => ApiError::unavailable(),
        _ => ApiError::internal(),
    }
}

/// Trust mode creates accounts on first use; the common case (it exists) only reads.
pub(crate) async fn ensure_account(store: &Store, account: &str) -> Result<(), ApiError> {
    let mut tx = store.read().await.map_err(store_failure)?;
    let exists = tx
        .get_account(account)
        .await
        .map_err(store_failure)?
        .is_some();
    tx.commit().await.map_err(store_failure)?;
    if exists {
        return Ok(());
    }
    let record = AccountRecord {
        account_id: account.to_owned(),
        name: account.to_owned(),
        created_ms: 0,
    };
    // Concurrent first requests of one account race to create it; the losers retry and find it.
    crate::conflicts::retry_conflicts(5, || async {
        let mut tx = store.begin().await?;
        tx.insert_account(&record).await?;
        tx.commit().await
    })
    .await
    .map_err(store_failure)
}
