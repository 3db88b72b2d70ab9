//! Prometheus metrics, through the `metrics` facade (the store and the retry loop record into it
//! too) and its Prometheus exporter, rendered by `GET /metrics`:
//! - `ramd_requests_total{service, operation, code}` (`code` is the error code, `OK` on success),
//!   `ramd_request_duration_seconds{service, operation}`, `ramd_requests_in_flight`;
//! - `ramd_store_transaction_seconds{kind, outcome}`, `ramd_store_conflicts_total`,
//!   `ramd_store_retries_total`;
//! - the store's size, read when scraped: `ramd_store_accounts`,
//!   `ramd_store_resource_shares{status}`, `ramd_store_associations{association_type, status}`,
//!   `ramd_store_invitations{status}` (rows by stored status, from the counters quotas read).

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use ram_store::{Store, StoreError};

/// Latency buckets, in seconds: from a cached read to a slow PostgreSQL write.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle). Metrics recorded
/// before it is installed are not counted, so `serve` installs it first.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder (a test's) may be installed already: then this one records nothing,
        // and `/metrics` shows what it has.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let upkeep = handle.clone();
            // Histograms are drained into their buckets by the upkeep.
            runtime.spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(5));
                loop {
                    every.tick().await;
                    upkeep.run_upkeep();
                }
            });
        }
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "ramd_requests_total",
        "Requests answered, by service, operation and error code (OK on success)."
    );
    describe_histogram!(
        "ramd_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a request's arrival to its answer."
    );
    describe_gauge!("ramd_requests_in_flight", "Requests being served.");
    describe_histogram!(
        "ramd_store_transaction_seconds",
        metrics::Unit::Seconds,
        "How long store transactions were open, by kind and outcome."
    );
    describe_counter!(
        "ramd_store_conflicts_total",
        "Transactions that conflicted with another writer."
    );
    describe_counter!(
        "ramd_store_retries_total",
        "Operations re-run after a transaction conflict."
    );
    describe_gauge!("ramd_store_accounts", "Accounts in the store.");
    describe_gauge!(
        "ramd_store_resource_shares",
        "Resource shares by stored status."
    );
    describe_gauge!(
        "ramd_store_associations",
        "Associations by type and stored status."
    );
    describe_gauge!("ramd_store_invitations", "Invitations by stored status.");
}

/// The exposition text, with the store's sizes read now.
pub async fn render(store: &Store) -> Result<String, StoreError> {
    let handle = install();
    let sizes = store.sizes().await?;
    #[allow(clippy::cast_precision_loss)] // row counts far below 2^52
    {
        metrics::gauge!("ramd_store_accounts").set(sizes.accounts as f64);
        for (kind, status, n) in sizes.by_status {
            let n = n as f64;
            match kind.as_str() {
                "share" => metrics::gauge!("ramd_store_resource_shares", "status" => status).set(n),
                "invitation" => metrics::gauge!("ramd_store_invitations", "status" => status).set(n),
                _ => metrics::gauge!("ramd_store_associations", "association_type" => kind, "status" => status).set(n),
            }
        }
    }
    handle.run_upkeep();
    Ok(handle.render())
}
