//! The scale-out engine: PostgreSQL through sqlx's native driver. Writes run SERIALIZABLE; the
//! writers of one account are serialized explicitly by a session advisory lock on the account,
//! taken before the transaction starts (so its snapshot is taken after the lock is held and sees
//! the previous writer's commit), instead of colliding and retrying serialization failures. The
//! lock spans replicas: it lives in the database.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Executor, Postgres};

use crate::engine::DbError;

/// Connections per replica.
const CONNECTIONS: u32 = 16;

pub(crate) struct Engine {
    pool: PgPool,
}

impl Engine {
    pub(crate) async fn open(url: &str) -> Result<Engine, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(Duration::from_secs(2))
            .connect(url)
            .await?;
        Ok(Engine { pool })
    }

    pub(crate) async fn read(&self) -> Result<Lease, DbError> {
        self.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", None)
            .await
    }

    /// A SERIALIZABLE transaction; with `account`, after the account's other writers (on every
    /// replica) have finished.
    pub(crate) async fn write(&self, account: Option<&str>) -> Result<Lease, DbError> {
        self.begin("BEGIN ISOLATION LEVEL SERIALIZABLE", account)
            .await
    }

    async fn begin(&self, begin: &'static str, account: Option<&str>) -> Result<Lease, DbError> {
        let mut conn = self.pool.acquire().await?;
        let mut lease = Lease {
            conn: None,
            locked: false,
            open: false,
        };
        if let Some(account) = account {
            sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
                .bind(account)
                .execute(&mut *conn)
                .await?;
            lease.locked = true;
        }
        lease.conn = Some(conn);
        lease.connection()?.execute(begin).await?;
        lease.open = true;
        Ok(lease)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// A pooled connection with a transaction open on it (and perhaps an account's lock). Dropped
/// without `commit` or `rollback`, it is rolled back and unlocked on a task of its own before the
/// connection goes back to the pool.
pub(crate) struct Lease {
    conn: Option<PoolConnection<Postgres>>,
    locked: bool,
    open: bool,
}

impl Lease {
    pub(crate) fn connection(&mut self) -> Result<&mut PoolConnection<Postgres>, DbError> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbError::Decode("a finished transaction".to_owned()))
    }

    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        let result = self.connection()?.execute("COMMIT").await;
        self.open = false;
        self.release().await;
        result?;
        Ok(())
    }

    pub(crate) async fn rollback(mut self) -> Result<(), DbError> {
        let result = self.connection()?.execute("ROLLBACK").await;
        self.open = false;
        self.release().await;
        result?;
        Ok(())
    }

    /// Unlocks the account; a connection whose state is unknown is closed rather than reused.
    async fn release(&mut self) {
        if let Some(conn) = self.conn.take() {
            release(conn, self.open, self.locked).await;
        }
    }
}

async fn release(mut conn: PoolConnection<Postgres>, open: bool, locked: bool) {
    if open && conn.execute("ROLLBACK").await.is_err() {
        let _ = conn.close().await;
        return;
    }
    if locked
        && conn
            .execute("SELECT pg_advisory_unlock_all()")
            .await
            .is_err()
    {
        let _ = conn.close().await;
    }
}

/// A connection on its way to `release`: if that never runs (the runtime is shutting down), the
/// connection is closed, never returned to the pool with a transaction or a lock on it.
struct Unreleased(Option<PoolConnection<Postgres>>);

impl Drop for Unreleased {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(conn.detach());
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let (open, locked) = (self.open, self.locked);
        let mut pending = Unreleased(Some(conn));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Some(conn) = pending.0.take() {
                    release(conn, open, locked).await;
                }
            });
        }
    }
}
