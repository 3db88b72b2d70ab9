use std::path::Path;
use std::sync::Arc;

use crate::engine::{Conn, DbError, query};
use crate::sqlite::Durability;
use crate::{migrations, postgres, sqlite};

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
    Unavailable(DbError),
    Conflict(DbError),
    Other(DbError),
    /// A stored value the store cannot read back (an unknown state), or rows that break an
    /// invariant of the schema.
    Corrupt(String),
    /// A table or column name given to the snapshot calls that this schema does not have.
    NotInSchema(String),
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
            StoreError::NotInSchema(m) => write!(f, "not in this schema: {m}"),
            StoreError::Io(e) => write!(f, "store I/O error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unavailable(e) | StoreError::Conflict(e) | StoreError::Other(e) => Some(e),
            StoreError::Io(e) => Some(e),
            StoreError::Corrupt(_) | StoreError::NotInSchema(_) => None,
        }
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        let class = match &e {
            DbError::Postgres(pg) => match pg {
                sqlx::Error::Database(db) => {
                    let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                    match code.as_str() {
                        // Serialization failure, deadlock, and a unique key taken by a concurrent
                        // transaction (a retry then sees the other's row).
                        "40001" | "40P01" | "23505" => StoreError::Conflict,
                        // Shutting down or starting up, or a connection failure.
                        c if c.starts_with("57P") || c.starts_with("08") => StoreError::Unavailable,
                        _ => StoreError::Other,
                    }
                }
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_) => StoreError::Unavailable,
                _ => StoreError::Other,
            },
            DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => match f.code {
                // Another process holds the database (a CLI command beside the server).
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    StoreError::Conflict
                }
                rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::SystemIoFailure => StoreError::Unavailable,
                _ => StoreError::Other,
            },
            DbError::Sqlite(_) | DbError::RowNotFound | DbError::Decode(_) => StoreError::Other,
        };
        class(e)
    }
}

#[derive(Clone)]
pub struct Store {
    engine: Engine,
}

#[derive(Clone)]
enum Engine {
    Sqlite(Arc<sqlite::Engine>),
    Postgres(Arc<postgres::Engine>),
}

/// Held while a fixture is applied ([`Store::seeding`]); dropping it lets the next one go.
pub struct SeedingLock {
    _held: Held,
}

enum Held {
    /// Unlocked when the file is closed.
    File { _file: std::fs::File },
    /// Closed rather than pooled, ending the session and its lock.
    Connection(Option<sqlx::pool::PoolConnection<sqlx::Postgres>>),
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Held::Connection(conn) = self
            && let Some(conn) = conn.take()
        {
            drop(conn.detach());
        }
    }
}

/// What [`Store::sizes`] counts.
#[derive(Debug, Clone, Default)]
pub struct StoreSizes {
    pub accounts: i64,
    /// `(kind, stored status, rows)`.
    pub by_status: Vec<(String, String, i64)>,
}

/// How the store is opened, beside its URL.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOptions {
    /// When the embedded SQLite store answers a write (PostgreSQL follows its own settings).
    pub durability: Durability,
}

/// A transaction that only reads: a consistent snapshot (PostgreSQL: REPEATABLE READ READ ONLY).
/// Every read of the store is a method of it.
pub struct ReadTx {
    pub(crate) tx: Conn,
    timer: TxTimer,
}

/// How long a transaction was open, recorded when it ends as the histogram
/// `ramd_store_transaction_seconds{kind, outcome}` (`commit`, `rollback`, or `dropped`: ended
/// without either, as an operation refused half-way ends, and rolled back by its engine).
struct TxTimer {
    started: std::time::Instant,
    kind: &'static str,
    ended: bool,
}

impl TxTimer {
    fn start(kind: &'static str) -> TxTimer {
        TxTimer {
            started: std::time::Instant::now(),
            kind,
            ended: false,
        }
    }

    fn end(&mut self, outcome: &'static str) {
        self.ended = true;
        metrics::histogram!("ramd_store_transaction_seconds", "kind" => self.kind, "outcome" => outcome)
            .record(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for TxTimer {
    fn drop(&mut self) {
        if !self.ended {
            self.end("dropped");
        }
    }
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
    /// Opens `url` (`sqlite://path`, `postgres://...`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, StoreOptions::default()).await
    }

    pub async fn open_with(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let engine = if url.starts_with("postgres") {
            Engine::Postgres(Arc::new(
                postgres::Engine::open(url)
                    .await
                    .map_err(|e| StoreError::from(DbError::Postgres(e)))?,
            ))
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let path = path.split('?').next().unwrap_or(path);
            Engine::Sqlite(sqlite::Engine::open(Path::new(path), options.durability)?)
        };
        let store = Store { engine };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// The embedded default: a SQLite database file in `dir`.
    pub async fn open_dir(dir: &Path) -> Result<Store, StoreError> {
        Store::open_dir_with(dir, StoreOptions::default()).await
    }

    pub async fn open_dir_with(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
        Store::open_with(&dir.join("ramd.sqlite3").display().to_string(), options).await
    }

    /// Waits until no other process seeding this store (`ramd seed`, replicas started with
    /// `--seed`) holds the seeding lock, and holds it until the guard is dropped, so that
    /// fixtures, which check what exists and then make what is missing over many transactions,
    /// are applied one at a time. PostgreSQL: a session advisory lock (on every replica);
    /// SQLite: an exclusive lock on a file beside the database.
    pub async fn seeding(&self) -> Result<SeedingLock, StoreError> {
        let held = match &self.engine {
            Engine::Sqlite(e) => {
                let mut path = e.path().as_os_str().to_owned();
                path.push(".seed-lock");
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(StoreError::Io)?;
                let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                    .await
                    .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
                    .map_err(StoreError::Io)?;
                Held::File { _file: file }
            }
            Engine::Postgres(e) => {
                let conn = e.exclusive(postgres::SEEDING_LOCK).await?;
                Held::Connection(Some(conn))
            }
        };
        Ok(SeedingLock { _held: held })
    }

    /// The newest schema migration applied to the database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let mut tx = self.read().await?;
        let row = query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
            .fetch_one(&mut tx.tx)
            .await?;
        let v = row.try_get("v")?;
        tx.commit().await?;
        Ok(v)
    }

    /// How much the store holds: accounts, and rows by kind (`share`, `invitation`, or an
    /// association type) and stored status, summed over accounts and Regions from the counters
    /// quotas read (so it costs no scan).
    pub async fn sizes(&self) -> Result<StoreSizes, StoreError> {
        let mut tx = self.read().await?;
        let accounts = query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(&mut tx.tx)
            .await?
            .try_get("n")?;
        let rows = query("SELECT kind, status, CAST(SUM(n) AS BIGINT) AS n FROM status_counts GROUP BY kind, status")
            .fetch_all(&mut tx.tx)
            .await?;
        let by_status = rows
            .iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        tx.commit().await?;
        Ok(StoreSizes {
            accounts,
            by_status,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    /// What the embedded store promises about an answered write; `None` on PostgreSQL.
    pub fn durability(&self) -> Option<Durability> {
        match &self.engine {
            Engine::Sqlite(e) => Some(e.durability()),
            Engine::Postgres(_) => None,
        }
    }

    /// Starts a transaction that may write. SQLite takes the write lock up front (BEGIN IMMEDIATE)
    /// so that a read-then-write transaction cannot fail half-way; PostgreSQL runs it SERIALIZABLE.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        self.begin_for(None).await
    }

    /// Starts a transaction that writes on behalf of `account`: on PostgreSQL it first waits for
    /// the account's other writers on every replica, so they queue instead of conflicting.
    pub async fn begin_for(&self, account: Option<&str>) -> Result<WriteTx, StoreError> {
        let tx = match &self.engine {
            Engine::Sqlite(e) => Conn::Sqlite(e.write().await?),
            Engine::Postgres(e) => Conn::Postgres(e.write(account).await?),
        };
        Ok(WriteTx(ReadTx {
            tx,
            timer: TxTimer::start("write"),
        }))
    }

    /// Starts a read-only transaction (a consistent snapshot for one list call).
    pub async fn read(&self) -> Result<ReadTx, StoreError> {
        let tx = match &self.engine {
            Engine::Sqlite(e) => Conn::Sqlite(e.read()?),
            Engine::Postgres(e) => Conn::Postgres(e.read().await?),
        };
        Ok(ReadTx {
            tx,
            timer: TxTimer::start("read"),
        })
    }

    pub async fn close(&self) {
        if let Engine::Postgres(e) = &self.engine {
            e.close().await;
        }
    }
}

impl ReadTx {
    /// Ends the snapshot.
    pub async fn commit(self) -> Result<(), StoreError> {
        finish(self.tx, self.timer, true).await
    }
}

impl WriteTx {
    /// Makes the transaction's writes durable, all or nothing; with them the request's pending
    /// audit event, if it has one not yet committed (`audit.rs`).
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let pending = crate::audit::pending_event();
        if let Some(event) = &pending {
            self.write_pending_event(event).await?;
        }
        finish(self.0.tx, self.0.timer, true).await?;
        if pending.is_some() {
            crate::audit::pending_event_committed();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        finish(self.0.tx, self.0.timer, false).await
    }
}

async fn finish(conn: Conn, mut timer: TxTimer, commit: bool) -> Result<(), StoreError> {
    match (conn, commit) {
        (Conn::Sqlite(l), true) => l.commit().await?,
        (Conn::Sqlite(l), false) => l.rollback()?,
        (Conn::Postgres(l), true) => l.commit().await?,
        (Conn::Postgres(l), false) => l.rollback().await?,
    }
    timer.end(if commit { "commit" } else { "rollback" });
    Ok(())
}
