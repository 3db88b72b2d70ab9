//! Who is calling. In `sigv4` mode every request is verified against a secret stored for its
//! access key; in `trust` mode (local emulation) signatures are not checked and a 12-digit access
//! key id is taken as the account. Both read the Region from the credential scope.

use ram_domain::Caller;
use ram_model::{ApiError, ErrorCode};
use ram_store::{AccountRecord, Store};

/// The Region assumed for a request that carries no credential scope (trust mode only).
pub const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    Sigv4,
    Trust { default_account: String },
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

/// Establishes the caller of a request signed for `service` (`ram`, `sts`, ...).
pub async fn authenticate(
    mode: &AuthMode,
    store: &Store,
    req: &Signed<'_>,
    service: &str,
    now_secs: u64,
) -> Result<Caller, ApiError> {
    let request = ram_sigv4::Request {
        method: req.method,
        path: req.path,
        query: req.query,
        headers: req.headers,
        body: req.body,
    };
    match mode {
        AuthMode::Sigv4 => {
            let parsed = ram_sigv4::parse(&request).map_err(|e| sigv4_error(&e))?;
            let mut tx = store.read().await.map_err(unavailable)?;
            let key = tx
                .get_access_key(&parsed.access_key_id)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            let key = key.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnrecognizedClientException,
                    "The security token included in the request is invalid.",
                )
            })?;
            ram_sigv4::verify(&request, &parsed, &key.secret_access_key, now_secs)
                .map_err(|e| sigv4_error(&e))?;
            ram_sigv4::check_scope(&parsed, &parsed.region, service)
                .map_err(|e| sigv4_error(&e))?;
            Ok(match &key.principal_arn {
                Some(arn) => Caller::principal(&key.account_id, arn, &parsed.region),
                None => Caller::root(&key.account_id, &parsed.region),
            })
        }
        AuthMode::Trust { default_account } => {
            let (account, region) = match ram_sigv4::parse(&request) {
                Ok(parsed) => {
                    let is_account = parsed.access_key_id.len() == 12
                        && parsed.access_key_id.bytes().all(|b| b.is_ascii_digit());
                    let account = if is_account {
                        parsed.access_key_id
                    } else {
                        default_account.clone()
                    };
                    (account, parsed.region)
                }
                Err(_) => (default_account.clone(), DEFAULT_REGION.to_owned()),
            };
            ensure_account(store, &account).await?;
            Ok(Caller::root(&account, &region))
        }
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(unavailable)`
fn unavailable(e: ram_store::StoreError) -> ApiError {
    tracing::error!(error = %e, "store failure during authentication");
    ApiError::unavailable()
}

/// Trust mode creates accounts on first use; the common case (it exists) only reads.
async fn ensure_account(store: &Store, account: &str) -> Result<(), ApiError> {
    let mut tx = store.read().await.map_err(unavailable)?;
    let exists = tx
        .get_account(account)
        .await
        .map_err(unavailable)?
        .is_some();
    tx.commit().await.map_err(unavailable)?;
    if !exists {
        let record = AccountRecord {
            account_id: account.to_owned(),
            name: account.to_owned(),
            created_ms: 0,
        };
        let mut tx = store.begin().await.map_err(unavailable)?;
        tx.insert_account(&record).await.map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
    }
    Ok(())
}
