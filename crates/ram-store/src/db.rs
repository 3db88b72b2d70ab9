use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};

use crate::migrations;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A failure of the store, keeping the error it came from. `Unavailable` is the database being
/// unreachable (the caller answers `ServiceUnavailableException`); `Conflict` is a serialization
/// failure worth retrying.
#[derive(Debug)]
pub enum StoreError {
    Unavailable(sqlx::Error),
    Conflict(sqlx::Error),
    Other(sqlx::Error),
    /// A stored value the store cannot read back (an unknown state), or rows that break an
    /// invariant of the schema.
    Corrupt(String),
    /// The data directory cannot be created.
    Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(e) => write!(f, "database unavailable: {e}"),
            StoreError::Conflict(e) => write!(f, "transaction conflict: {e}"),
            StoreError::Other(e) => write!(f, "database error: {e}"),
            StoreError::Corrupt(m) => write!(f, "unreadable stored data: {m}"),
            StoreError::Io(e) => write!(f, "store I/O error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unavailable(e) | StoreError::Conflict(e) | StoreError::Other(e) => Some(e),
            StoreError::Io(e) => Some(e),
            StoreError::Corrupt(_) => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let class = match &e {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                match code.as_str() {
                    // PostgreSQL: serialization failure, deadlock, and a unique key taken by a
                    // concurrent transaction (a retry then sees the other's row). SQLite: busy/locked.
                    "40001" | "40P01" | "23505" | "5" | "6" | "517" | "261" => StoreError::Conflict,
                    // PostgreSQL shutting down or starting up, or a connection failure.
                    c if c.starts_with("57P") || c.starts_with("08") => StoreError::Unavailable,
                    _ => StoreError::Other,
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => StoreError::Unavailable,
            _ => StoreError::Other,
        };
        class(e)
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A transaction that only reads: a consistent snapshot (PostgreSQL: REPEATABLE READ READ ONLY).
/// Every read of the store is a method of it.
pub struct ReadTx {
    pub(crate) tx: Transaction<'static, Any>,
}

/// A transaction that may write (SQLite: the write lock from the start; PostgreSQL: SERIALIZABLE).
/// Every mutating operation runs in exactly one; it reads as a `ReadTx` does.
pub struct WriteTx(ReadTx);

impl std::ops::Deref for WriteTx {
    type Target = ReadTx;
    fn deref(&self) -> &ReadTx {
        &self.0
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut ReadTx {
        &mut self.0
    }
}

impl Store {
    /// Opens `url` (`sqlite://path`, `sqlite::memory:`, `postgres://...`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let (url, max) = match backend {
            // SQLite allows one writer; WAL lets readers go on beside it.
            Backend::Sqlite => {
                let sep = if url.contains('?') { '&' } else { '?' };
                (format!("{url}{sep}mode=rwc"), 4)
            }
            Backend::Postgres => (url.to_owned(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store { pool, backend };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// The embedded default: a SQLite database file in `dir`.
    pub async fn open_dir(dir: &std::path::Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
        Store::open(&format!("sqlite://{}", dir.join("ramd.sqlite3").display())).await
    }

    /// The newest schema migration applied to the database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let row: (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.0)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that may write. SQLite takes the write lock up front (BEGIN IMMEDIATE)
    /// so that a read-then-write transaction cannot fail half-way; PostgreSQL runs it SERIALIZABLE.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    .await?
            }
        };
        Ok(WriteTx(ReadTx { tx }))
    }

    /// Starts a read-only transaction (a consistent snapshot for one list call).
    pub async fn read(&self) -> Result<ReadTx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(ReadTx { tx })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl ReadTx {
    /// Ends the snapshot.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl WriteTx {
    /// Makes the transaction's writes durable, all or nothing.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.0.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.0.tx.rollback().await?;
        Ok(())
    }
}
