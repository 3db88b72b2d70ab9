//! Retrying a small write of ramd's own (not a RAM operation, which `Context::with_retries`
//! retries) when a concurrent transaction conflicts with it.

use std::future::Future;
use std::time::Duration;

use ram_store::StoreError;

/// Runs `attempt` until it is not a conflict, at most `tries` more times, pausing a little longer
/// each time.
pub async fn retry_conflicts<T, F, Fut>(tries: u64, attempt: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut done = 0;
    loop {
        match attempt().await {
            Err(StoreError::Conflict(_)) if done < tries => {
                done += 1;
                tokio::time::sleep(Duration::from_millis(5 * done)).await;
            }
            other => return other,
        }
    }
}
