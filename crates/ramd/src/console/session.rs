//! Signing in to the console and the session that follows: a cookie sealed (HMAC, the page
//! tokens' `TokenKey`) with a key of its own kept in the store, naming the access key (sigv4
//! mode) or the account (trust mode) until it expires. The key is looked up again on every
//! request, so deactivating or deleting it ends its sessions at once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use ram_context::{TokenKey, is_account_id};
use ram_domain::Caller;
use ram_store::{AccessKeyRecord, Store, StoreError};
use subtle::ConstantTimeEq as _;
use tokio::sync::OnceCell;

use crate::auth::AuthMode;
use crate::secrets::stored_secret;
use crate::server::AppState;

const COOKIE: &str = "ramd_console";
/// The `Set-Cookie` that signs out.
pub const CLEARED: &str = "ramd_console=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict";
const LIFETIME_SECONDS: i64 = 12 * 3600;
/// What a session token is bound to, so that no other token sealed with the key passes for one.
const BINDING: &str = "ramd console session";

/// How the console's sign-in asks who you are: as the API authenticates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// sigv4 mode: an access key id and its secret.
    KeyPair,
    /// trust mode: an account id.
    AccountId,
}

/// The console's session key, read from the store (or made there) on first use.
#[derive(Default)]
pub struct Console {
    key: OnceCell<TokenKey>,
}

impl Console {
    pub fn sign_in_kind(state: &AppState) -> SignIn {
        match *state.auth {
            AuthMode::Sigv4 { .. } => SignIn::KeyPair,
            AuthMode::Trust { .. } => SignIn::AccountId,
        }
    }

    async fn key(&self, store: &Store) -> Result<&TokenKey, StoreError> {
        self.key
            .get_or_try_init(|| async {
                let candidate = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
                let mut tx = store.begin().await?;
                // Replicas racing here all end up with the first key stored.
                let key = tx.init_setting("console_session_key", &candidate).await?;
                tx.commit().await?;
                Ok(TokenKey::new(
                    URL_SAFE_NO_PAD.decode(key).unwrap_or_default(),
                ))
            })
            .await
    }

    /// Checks the sign-in form; the `Set-Cookie` of the new session, or what to tell the person.
    pub async fn sign_in(
        &self,
        state: &AppState,
        form: &[(String, String)],
    ) -> Result<String, String> {
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.trim())
        };
        let store = state.ram.store();
        let identity = match &*state.auth {
            AuthMode::Sigv4 { master } => {
                let id = field("access_key_id");
                let given = field("secret_access_key");
                let key = access_key(store, id).await.map_err(|_| unavailable())?;
                let secret = key
                    .filter(|k| k.active)
                    .and_then(|k| stored_secret(Some(master), &k));
                let matches =
                    secret.is_some_and(|s| bool::from(s.as_bytes().ct_eq(given.as_bytes())));
                if !matches {
                    return Err("That access key ID and secret access key do not sign in: the key is unknown, inactive, or its secret is another.".to_owned());
                }
                format!("key:{id}")
            }
            AuthMode::Trust { .. } => {
                let account = field("account_id");
                if !is_account_id(account) {
                    return Err("An account ID is 12 digits.".to_owned());
                }
                // As trust mode's API does for a new account id.
                crate::auth::ensure_account(store, account)
                    .await
                    .map_err(|_| unavailable())?;
                format!("account:{account}")
            }
        };
        let key = self.key(store).await.map_err(|_| unavailable())?;
        let expires_ms = state.ram.now_ms() + LIFETIME_SECONDS * 1000;
        let token = key
            .seal(&(expires_ms, identity), BINDING)
            .ok_or_else(unavailable)?;
        Ok(format!(
            "{COOKIE}={token}; Path=/console; Max-Age={LIFETIME_SECONDS}; HttpOnly; SameSite=Strict"
        ))
    }

    /// The caller the session cookie names, in `region`, and the session's form token; `None`
    /// when there is no valid session.
    pub async fn session(
        &self,
        state: &AppState,
        cookie: Option<&str>,
        region: &str,
    ) -> Option<(Caller, String)> {
        let cookie = cookie?;
        let store = state.ram.store();
        let key = self.key(store).await.ok()?;
        let (expires_ms, identity) = key.open(cookie, BINDING)?;
        if expires_ms <= state.ram.now_ms() {
            return None;
        }
        let caller = match (identity.split_once(':')?, &*state.auth) {
            (("key", id), AuthMode::Sigv4 { .. }) => {
                let key = access_key(store, id).await.ok()??;
                if !key.active {
                    return None;
                }
                match &key.principal_arn {
                    Some(arn) => Caller::principal(&key.account_id, arn, region),
                    None => Caller::root(&key.account_id, region),
                }
            }
            (("account", account), AuthMode::Trust { .. }) => Caller::root(account, region),
            // A session of the other mode (the server was restarted in it): sign in again.
            _ => return None,
        };
        let csrf = URL_SAFE_NO_PAD.encode(key.sign(format!("form {cookie}").as_bytes()));
        Some((caller, csrf))
    }
}

async fn access_key(store: &Store, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
    if id.is_empty() {
        return Ok(None);
    }
    let mut tx = store.read().await?;
    let key = tx.get_access_key(id).await?;
    tx.commit().await?;
    Ok(key)
}

fn unavailable() -> String {
    "The store did not answer: try again.".to_owned()
}

/// The session cookie of a request.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            http::header::COOKIE,
            "a=1; ramd_console=tok.en; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers).as_deref(), Some("tok.en"));
        let mut other = HeaderMap::new();
        other.append(
            http::header::COOKIE,
            "ramd_console_x=1; xramd_console=2".parse().unwrap(),
        );
        assert_eq!(cookie(&other), None);
    }

    #[test]
    fn a_session_token_opens_only_as_a_session() {
        let key = TokenKey::new(vec![7; 32]);
        let token = key.seal(&(5, "key:AKIA".to_owned()), BINDING).unwrap();
        assert_eq!(key.open(&token, BINDING), Some((5, "key:AKIA".to_owned())));
        // A page token (bound to a caller and query) is no session, and a session no page token.
        assert_eq!(key.open(&token, "111111111111 GetResourceShares {}"), None);
        assert_eq!(TokenKey::new(vec![8; 32]).open(&token, BINDING), None);
    }
}
