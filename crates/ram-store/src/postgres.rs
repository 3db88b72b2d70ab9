//! The scale-out engine: PostgreSQL through sqlx's native driver. Writes run SERIALIZABLE; the
//! writers of one account are serialized explicitly by a session advisory lock on the account,
//! taken before the transaction starts (so its snapshot is taken after the lock is held and sees
//! the previous writer's commit), instead of colliding and retrying serialization failures. The
//! lock spans replicas: it lives in the database.
//!
//! Writers of different accounts can still collide (SSI's predicate locks reach over shared
//! index pages and other accounts' rows). So that a writer that keeps losing is not starved, every
//! write first takes one database-wide lock shared, and a write begun [`alone`] takes it
//! exclusively: it waits for the writers in flight, new ones queue behind it, and it runs with no
//! other writer to conflict with (reads are REPEATABLE READ, outside SSI).

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Executor, Postgres};

use crate::engine::DbError;

/// Connections per replica.
const CONNECTIONS: u32 = 16;

/// The key of the database-wide writers' lock (any fixed number no account's `hashtext` lock
/// shares: those are a one-argument key space, this is the two-argument one).
pub(crate) const WRITERS_LOCK: (i32, i32) = (0x7261_6d64, 1);
/// The key of the lock `Store::seeding` holds.
pub(crate) const SEEDING_LOCK: (i32, i32) = (0x7261_6d64, 2);

tokio::task_local! {
    static ALONE: ();
}

/// Runs `work` with every PostgreSQL write transaction it begins running alone (see the module
/// comment): for a write that lost to serialization conflicts several times. On SQLite, writers
/// already run one at a time.
pub async fn alone<F: Future>(work: F) -> F::Output {
    ALONE.scope((), work).await
}

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
        let mut lease = self.lease().await?;
        lease
            .connection()?
            .execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        lease.open = true;
        Ok(lease)
    }

    /// A SERIALIZABLE transaction, once the writers' lock is held (shared, or exclusive when
    /// [`alone`]) and, with `account`, after the account's other writers (on every replica) have
    /// finished. The locks come first in every writer, in one order, so they cannot deadlock.
    pub(crate) async fn write(&self, account: Option<&str>) -> Result<Lease, DbError> {
        let mut lease = self.lease().await?;
        // Set before locking: a lease dropped half-way still unlocks its connection.
        lease.locked = true;
        // One round trip for both locks; a SELECT list is evaluated in order, so the writers' lock
        // is held before the account's is asked for.
        let alone = ALONE.try_with(|()| ()).is_ok();
        let locks = match (alone, account.is_some()) {
            (false, false) => "SELECT pg_advisory_lock_shared($1, $2)",
            (false, true) => {
                "SELECT pg_advisory_lock_shared($1, $2), pg_advisory_lock(hashtext($3))"
            }
            (true, false) => "SELECT pg_advisory_lock($1, $2)",
            (true, true) => "SELECT pg_advisory_lock($1, $2), pg_advisory_lock(hashtext($3))",
        };
        let mut query = sqlx::query(locks).bind(WRITERS_LOCK.0).bind(WRITERS_LOCK.1);
        if let Some(account) = account {
            query = query.bind(account);
        }
        query.execute(&mut **lease.connection()?).await?;
        lease
            .connection()?
            .execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            .await?;
        lease.open = true;
        Ok(lease)
    }

    /// A connection holding the database-wide lock `key` (of the two-argument key space) until
    /// it is dropped: it is closed then, not pooled, so the session's lock ends with it.
    pub(crate) async fn exclusive(
        &self,
        key: (i32, i32),
    ) -> Result<PoolConnection<Postgres>, DbError> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(key.0)
            .bind(key.1)
            .execute(&mut *conn)
            .await?;
        Ok(conn)
    }

    async fn lease(&self) -> Result<Lease, DbError> {
        Ok(Lease {
            conn: Some(self.pool.acquire().await?),
            locked: false,
            open: false,
        })
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
