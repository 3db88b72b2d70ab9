//! Opaque, tamper-evident keyset cursors. A token names the last row of its page (creation time
//! and a unique key) and is bound by an HMAC to the caller, the operation and the query that
//! produced it, so a forged, altered or reused-elsewhere token is `InvalidNextTokenException`.
//! The key lives in the store, so every replica accepts every other replica's tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use ram_model::{ApiError, api_error};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Caller, Context};

/// Page size when the caller gives no `maxResults`.
pub const DEFAULT_PAGE_SIZE: usize = 500;

pub type Cursor = (i64, String);

/// Where a listing resumes and how much it returns.
pub struct PageRequest<'q> {
    pub after: Option<Cursor>,
    pub limit: usize,
    /// What a token is bound to: computed only when a token is read or made, since most
    /// listings fit one page.
    binding: Box<dyn Fn() -> String + Send + Sync + 'q>,
}

impl Context {
    /// Reads `nextToken`/`maxResults` of a paginated request; `query` is the request itself (its
    /// `nextToken` and `maxResults` members are ignored when binding the token to it).
    pub fn page_request<'q, Q: Serialize + Send + Sync + 'q>(
        &self,
        caller: &'q Caller,
        operation: &'q str,
        query: Q,
        next_token: Option<&str>,
        max_results: Option<i32>,
    ) -> Result<PageRequest<'q>, ApiError> {
        let binding = Box::new(move || binding(caller, operation, &query));
        let limit = max_results
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let after = match next_token {
            None => None,
            Some(token) => Some(self.token_key.open(token, &binding()).ok_or_else(|| {
                api_error!(
                    InvalidNextTokenException,
                    "The specified value for NextToken is not valid. You must specify a value you received in the NextToken response of a previous call to this operation."
                )
            })?),
        };
        Ok(PageRequest {
            after,
            limit,
            binding,
        })
    }

    /// The `nextToken` for a page whose last row is `last`, or `None` on the last page.
    pub fn next_token(
        &self,
        page: &PageRequest,
        more: bool,
        last: Option<Cursor>,
    ) -> Option<String> {
        let last = last.filter(|_| more)?;
        self.token_key.seal(&last, &(page.binding)())
    }
}

/// The key that seals and opens page tokens (kept in the store, so one for every replica).
#[derive(Clone)]
pub struct TokenKey(Arc<Vec<u8>>);

impl TokenKey {
    pub fn new(key: Vec<u8>) -> TokenKey {
        TokenKey(Arc::new(key))
    }

    /// The token naming `cursor`, bound to `binding` (the caller, operation and query).
    pub fn seal(&self, (created, key): &Cursor, binding: &str) -> Option<String> {
        let body = serde_json::to_vec(&(created, key, binding)).ok()?;
        let payload = URL_SAFE_NO_PAD.encode(body);
        Some(format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(self.sign(payload.as_bytes()))
        ))
    }

    /// The cursor `token` names, if this key sealed it for `binding`; `None` for anything else.
    pub fn open(&self, token: &str, binding: &str) -> Option<Cursor> {
        let (payload, sig) = token.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        // The whole tag: `verify_truncated_left` alone would accept a 1-byte prefix.
        if sig.len() != TAG_BYTES {
            return None;
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).ok()?;
        mac.update(payload.as_bytes());
        mac.verify_truncated_left(&sig).ok()?;
        let (created, key, bound): (i64, String, String) =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (bound == binding).then_some((created, key))
    }

    /// The tag of `data`; public so that a check (the fuzz target) can make tokens whose payload
    /// it chose and so reach the decoding behind the tag.
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
    }
}

/// A token's tag: the first 16 bytes of its HMAC-SHA256.
const TAG_BYTES: usize = 16;

fn binding<Q: Serialize>(caller: &Caller, operation: &str, query: &Q) -> String {
    let mut value = serde_json::to_value(query).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("nextToken");
        map.remove("maxResults");
    }
    let mut h = Sha256::new();
    h.update(format!(
        "{}\n{}\n{operation}\n{value}",
        caller.account_id, caller.region
    ));
    hex::encode(&h.finalize()[..12])
}
