//! The schema, as an ordered list of portable SQL migrations. Each migration is applied in its own
//! transaction together with the insert of its version row: two processes migrating at once
//! conflict on that row's primary key instead of needing an advisory lock (which the distributed
//! PostgreSQL-compatible engines lack). The loser's transaction rolls back and it re-reads.

use sqlx::{AssertSqlSafe, Executor};

use crate::{Store, StoreError};

const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r"
CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret_access_key TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    principal_arn TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys(account_id);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE resource_shares (
    arn TEXT PRIMARY KEY,
    owner_account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    allow_external BIGINT NOT NULL,
    feature_set TEXT NOT NULL,
    retain_on_leave BIGINT,
    status TEXT NOT NULL,
    status_message TEXT,
    next_status TEXT,
    transition_ms BIGINT,
    visible_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX shares_by_owner ON resource_shares(owner_account, region, created_ms, arn);
CREATE INDEX shares_by_name ON resource_shares(owner_account, region, name);
CREATE TABLE share_tags (
    share_arn TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (share_arn, tag_key)
);
CREATE TABLE associations (
    share_arn TEXT NOT NULL,
    association_type TEXT NOT NULL,
    entity TEXT NOT NULL,
    owner_account TEXT NOT NULL,
    region TEXT NOT NULL,
    entity_account TEXT,
    resource_type TEXT,
    external BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    next_status TEXT,
    transition_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (share_arn, association_type, entity)
);
CREATE INDEX associations_by_entity ON associations(association_type, entity, region);
CREATE INDEX associations_by_entity_account ON associations(entity_account, region, share_arn);
CREATE INDEX associations_by_owner ON associations(owner_account, region, association_type, created_ms);
CREATE TABLE invitations (
    arn TEXT PRIMARY KEY,
    share_arn TEXT NOT NULL,
    principal TEXT NOT NULL,
    sender_account TEXT NOT NULL,
    receiver_account TEXT NOT NULL,
    receiver_arn TEXT,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    next_status TEXT,
    transition_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX invitations_by_receiver ON invitations(receiver_account, region, created_ms, arn);
CREATE INDEX invitations_by_share ON invitations(share_arn, principal);
CREATE TABLE share_permissions (
    share_arn TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    permission_arn TEXT NOT NULL,
    permission_version BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (share_arn, resource_type)
);
CREATE INDEX share_permissions_by_permission ON share_permissions(permission_arn, permission_version);
CREATE TABLE idempotency (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    operation TEXT NOT NULL,
    client_token TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, operation, client_token)
);
",
    ),
    (2, crate::organizations::SCHEMA),
    (3, crate::customer_permissions::SCHEMA),
];

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    // Several processes may start at once: whoever loses a race (on the version row, or on
    // PostgreSQL's catalogue while creating a table) re-reads and finds the work done.
    let mut attempt = 0;
    loop {
        match run_once(store).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 10 && !matches!(e, StoreError::Unavailable(_)) => {
                attempt += 1;
                tracing::debug!(error = %e, attempt, "migration raced another process; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn run_once(store: &Store) -> Result<(), StoreError> {
    store
        .pool()
        .execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)")
        .await?;
    for (version, sql) in MIGRATIONS {
        let mut tx = store.begin().await?;
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx.tx)
                .await?;
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)")
            .bind(*version)
            .bind(now_ms())
            .execute(&mut *tx.tx)
            .await?;
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            tx.tx.execute(AssertSqlSafe(statement.to_owned())).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Migrations happen outside any request, so they read the wall clock directly.
fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
