//! What every service on ramd's endpoint shares (RAM, and the Organizations and IAM it sits
//! beside): who calls ([`Caller`]), the injected [`Clock`] and [`Ids`] (so tests are
//! deterministic), what an operation fails with ([`Failure`], [`Outcome`]) and how store
//! conflicts are retried ([`Context::with_retries`]), and the HMAC-bound pagination tokens
//! ([`Context::page_request`], [`Context::next_token`]). A [`Context`] holds the store, the
//! clock, the id source and the token key; each service holds one, and clones share them.

mod caller;
mod clock;
mod failure;
mod pagination;

pub use caller::{Caller, is_account_id, partition_of_region};
pub use clock::{Clock, Ids, RandomIds, SystemClock};
pub use failure::{Failure, Outcome};
pub use pagination::{Cursor, DEFAULT_PAGE_SIZE, PageRequest, TokenKey};

use std::sync::Arc;

use ram_model::{ApiError, api_error};
use ram_store::{Store, StoreError};

/// How often an operation is re-run after a serialization conflict before giving up.
const CONFLICT_RETRIES: usize = 10;

/// Conflicts after which an operation's attempts run alone among writers (`ram_store::alone`),
/// where nothing is left to conflict with: a writer that keeps losing is not starved.
const ALONE_AFTER: usize = 3;

/// The store, the injected clock and id source, and the pagination-token key, shared by every
/// service over the same store.
#[derive(Clone)]
pub struct Context {
    store: Store,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    token_key: TokenKey,
}

impl Context {
    /// The context over `store`, creating the pagination-token key on first use (stored, so
    /// every replica over the same database accepts the tokens of every other).
    pub async fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn Ids>,
    ) -> Result<Context, StoreError> {
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        let mut tx = store.begin().await?;
        let key = tx.init_setting("pagination_token_key", &candidate).await?;
        tx.commit().await?;
        Ok(Context {
            store,
            clock,
            ids,
            token_key: TokenKey::new(hex::decode(key).unwrap_or_default()),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The server's time (the injected clock), in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A fresh UUID from the injected id source.
    pub fn uuid(&self) -> String {
        self.ids.uuid()
    }

    /// Runs `attempt` until it answers, re-running it after a transaction conflict (a bounded
    /// number of times), and turns store failures into the AWS errors a caller may see.
    pub async fn with_retries<T, F, Fut>(&self, operation: &str, attempt: F) -> Result<T, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Outcome<T>>,
    {
        let mut tries = 0;
        loop {
            let outcome = if tries >= ALONE_AFTER {
                ram_store::alone(attempt()).await
            } else {
                attempt().await
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(Failure::Api(e)) => return Err(e),
                Err(Failure::Store(StoreError::Conflict(e))) if tries < CONFLICT_RETRIES => {
                    tries += 1;
                    metrics::counter!("ramd_store_conflicts_total").increment(1);
                    metrics::counter!("ramd_store_retries_total").increment(1);
                    tracing::debug!(error = %e, tries, operation, "retrying after a transaction conflict");
                    // Jittered, growing pauses spread out writers that keep colliding.
                    let ceiling = 2u64 << tries.min(6);
                    tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
                        1..=ceiling,
                    )))
                    .await;
                }
                Err(Failure::Store(StoreError::Conflict(e))) => {
                    // Still colliding after every retry: ask the client to slow down; SDKs retry 429s.
                    metrics::counter!("ramd_store_conflicts_total").increment(1);
                    tracing::warn!(error = %e, operation, "giving up after repeated transaction conflicts");
                    return Err(api_error!(ThrottlingException, "Rate exceeded."));
                }
                Err(Failure::Store(StoreError::Unavailable(e))) => {
                    tracing::error!(error = %e, operation, "store unavailable");
                    return Err(ApiError::unavailable());
                }
                Err(Failure::Store(e)) => {
                    tracing::error!(error = %e, operation, "store failure");
                    return Err(ApiError::internal());
                }
            }
        }
    }
}
