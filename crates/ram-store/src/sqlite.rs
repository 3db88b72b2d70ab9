//! The embedded engine: one SQLite file in WAL mode, opened by rusqlite in-process. Readers take
//! a connection from a small pool and run beside the writer; writers take the one writer
//! connection in turn (SQLite admits one writer at a time anyway, so queueing for it in-process
//! costs nothing and never meets SQLITE_BUSY).
//!
//! **Group commit**, in two layers:
//! - *Batches.* Writers queued for the writer share one SQLite transaction: each request's
//!   transaction is a SAVEPOINT inside the batch, released when it succeeds and rolled back to
//!   when it fails, so each stays all-or-nothing while the pages they touch in common (index
//!   roots, counters) are written to the WAL once per batch instead of once per request. A writer
//!   that has released its savepoint queues for the writer again; when its turn comes and its
//!   batch is still open, it commits the batch: by then every writer that was waiting behind it
//!   has joined. No request is answered before its batch has committed.
//! - *WAL sync.* A batch commits into the WAL without an fsync of its own (`synchronous=NORMAL`);
//!   one sync task then fsyncs the WAL for every commit made since the last sync, off the request
//!   threads, and a write is answered once a sync covers its batch (a torn WAL tail is discarded
//!   at recovery by its checksums, and commits reach the WAL in order). SQLite itself syncs the
//!   WAL before each checkpoint and the database file after it, so a commit that left the WAL is
//!   on disk too. `Durability::Os` skips the wait: an answered write then survives a crash of
//!   ramd but not a power loss.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{OwnedMutexGuard, mpsc, watch};

use crate::engine::DbError;

/// When the embedded store answers a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Once the write is on disk (the WAL fsynced; group commit). The default.
    #[default]
    Fsync,
    /// Once the operating system has the write: it survives a crash of ramd, not a power loss.
    Os,
}

impl Durability {
    pub fn describe(self) -> &'static str {
        match self {
            Durability::Fsync => {
                "fsync: a write is answered once it is on disk (group commit of the WAL)"
            }
            Durability::Os => {
                "os: a write is answered once the OS has it; it survives a crash of ramd but NOT a power loss"
            }
        }
    }
}

/// Batches committed between two checkpoints of the WAL into the database file.
const CHECKPOINT_EVERY: u64 = 64;
/// Readers kept open for reuse; more are opened when all are busy.
const IDLE_READERS: usize = 8;
/// Prepared statements each connection keeps (the store has about two hundred distinct ones).
const STATEMENT_CACHE: usize = 512;

pub(crate) struct Engine {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    durability: Durability,
    /// Commits made, in order; a commit's number is its place in this sequence.
    committed: AtomicU64,
    /// The highest commit number the last WAL sync covered.
    synced: watch::Receiver<u64>,
    /// Wakes the sync task.
    wake: mpsc::UnboundedSender<()>,
}

fn open_connection(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(
        // LIKE compares case-sensitively, as PostgreSQL's does.
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA case_sensitive_like=ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // 64 MiB of page cache per connection (the default is 2 MiB), so that B-tree pages stay in
    // memory rather than being read again from the OS.
    conn.pragma_update(None, "cache_size", -65536)?;
    // Plans stay as prepared: without this, a statement whose plan might depend on a bound value
    // (`transition_ms <= $now`) is recompiled whenever the value changes, which `now` always does.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(conn)
}

impl Engine {
    /// The database file's path (a lock file beside it serializes seeding processes).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn open(path: &Path, durability: Durability) -> Result<Arc<Engine>, DbError> {
        let writer = open_connection(path)?;
        // Checkpoints run between batches, from the sync task (`Engine::checkpoint`).
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        // The WAL file now exists; its directory entry must be on disk before any commit in it
        // can be.
        sync_dir(path);
        let (synced_tx, synced) = watch::channel(0);
        let (wake, woken) = mpsc::unbounded_channel();
        let engine = Arc::new(Engine {
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Arc::new(tokio::sync::Mutex::new(Writer {
                conn: writer,
                batch: None,
                next_batch: 1,
                failed: VecDeque::new(),
            })),
            durability,
            committed: AtomicU64::new(0),
            synced,
            wake,
        });
        tokio::spawn(sync_task(
            Arc::downgrade(&engine),
            path.to_owned(),
            durability,
            woken,
            synced_tx,
        ));
        Ok(engine)
    }

    pub(crate) fn durability(&self) -> Durability {
        self.durability
    }

    /// A reader connection with a deferred transaction open on it (a snapshot from its first read).
    pub(crate) fn read(self: &Arc<Self>) -> Result<Lease, DbError> {
        let pooled = self.readers.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.path)?,
        };
        run(&conn, "BEGIN")?;
        Ok(Lease {
            conn: Some(Held::Reader(conn, self.clone())),
            open: true,
        })
    }

    /// The writer connection, once the writers before have finished, in a savepoint of the open
    /// batch (a new batch takes the write lock first).
    pub(crate) async fn write(self: &Arc<Self>) -> Result<Lease, DbError> {
        let mut w = self.writer.clone().lock_owned().await;
        let batch = if let Some(b) = &mut w.batch {
            b.members += 1;
            b.id
        } else {
            run(&w.conn, "BEGIN IMMEDIATE")?;
            let id = w.next_batch;
            w.next_batch += 1;
            w.batch = Some(Batch { id, members: 1 });
            id
        };
        if let Err(e) = run(&w.conn, "SAVEPOINT request") {
            w.leave_batch();
            return Err(e.into());
        }
        Ok(Lease {
            conn: Some(Held::Writer(w, self.clone(), batch)),
            open: true,
        })
    }

    /// After a writer's savepoint is released: waits for the writer again and, if the batch is
    /// still open, commits it (see the module's comment); then until the batch is durable.
    async fn finish_batch(self: Arc<Self>, batch: u64) -> Result<(), DbError> {
        let mut w = self.writer.clone().lock_owned().await;
        if w.batch.as_ref().is_some_and(|b| b.id == batch) {
            w.batch = None;
            if let Err(e) = run(&w.conn, "COMMIT") {
                w.abandon(batch);
                return Err(e.into());
            }
            self.committed.fetch_add(1, Ordering::AcqRel);
            let _ = self.wake.send(());
        } else if w.failed.contains(&batch) {
            return Err(DbError::Decode(
                "the batch this write belonged to failed to commit".to_owned(),
            ));
        }
        drop(w);
        let seq = self.committed.load(Ordering::Acquire);
        self.durable(seq).await;
        Ok(())
    }

    /// Copies the WAL into the database file, on the writer between two batches (it commits the
    /// open batch first, as a member would), so that the next batch can start the WAL afresh and
    /// it stays small under a steady load. PASSIVE: readers are not waited for; SQLite syncs the
    /// WAL before and the database file after.
    async fn checkpoint(self: Arc<Self>) {
        let mut w = self.writer.clone().lock_owned().await;
        let engine = self.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(batch) = w.batch.take() {
                if run(&w.conn, "COMMIT").is_err() {
                    w.abandon(batch.id);
                    return;
                }
                engine.committed.fetch_add(1, Ordering::AcqRel);
                let _ = engine.wake.send(());
            }
            if let Err(e) = w
                .conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %e, "WAL checkpoint failed; it is retried later");
            }
        })
        .await;
    }

    /// Waits until a WAL sync covers commit `seq`.
    async fn durable(&self, seq: u64) {
        if self.durability == Durability::Os {
            return;
        }
        let mut synced = self.synced.clone();
        if *synced.borrow() >= seq {
            return;
        }
        // The sync task lives as long as the engine, which the caller holds; the commit woke it.
        let _ = synced.wait_for(|s| *s >= seq).await;
    }
}

/// Runs a transaction-control statement, prepared once per connection.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.raw_execute().map(drop)
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn sync_dir(db: &Path) {
    if let Some(dir) = db.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// Syncs the WAL whenever a committer asks and commits are not yet covered, covering every commit
/// made before the sync started. Ends with the engine.
async fn sync_task(
    engine: std::sync::Weak<Engine>,
    db: PathBuf,
    durability: Durability,
    mut woken: mpsc::UnboundedReceiver<()>,
    synced: watch::Sender<u64>,
) {
    let wal = wal_path(&db);
    let mut checkpointed_at = 0;
    while woken.recv().await.is_some() {
        // Wake-ups that arrived while the last sync ran are covered by this one.
        while woken.try_recv().is_ok() {}
        let Some(target) = engine
            .upgrade()
            .map(|e| e.committed.load(Ordering::Acquire))
        else {
            return;
        };
        if target <= *synced.borrow() {
            continue;
        }
        let path = wal.clone();
        let done = tokio::task::spawn_blocking(move || match durability {
            Durability::Fsync => std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.sync_data()),
            Durability::Os => Ok(()),
        })
        .await;
        match done {
            Ok(Ok(())) => {
                synced.send_replace(target);
            }
            // After a failed fsync the kernel may have dropped the unsynced pages: what was
            // committed since the last sync can no longer be promised. As PostgreSQL does, stop
            // rather than answer writes that may be lost; a restart recovers from the WAL.
            Ok(Err(e)) => {
                tracing::error!(error = %e, wal = %wal.display(), "fsync of the SQLite WAL failed; stopping so no lost write is acknowledged");
                std::process::exit(70);
            }
            Err(e) => {
                tracing::error!(error = %e, "the WAL sync task failed; stopping");
                std::process::exit(70);
            }
        }
        if target - checkpointed_at >= CHECKPOINT_EVERY {
            checkpointed_at = target;
            let Some(engine) = engine.upgrade() else {
                return;
            };
            engine.checkpoint().await;
        }
    }
}

/// The writer connection and the batch open on it.
struct Writer {
    conn: Connection,
    batch: Option<Batch>,
    next_batch: u64,
    /// The last batches whose COMMIT failed, so that their members answer an error.
    failed: VecDeque<u64>,
}

struct Batch {
    id: u64,
    /// Writers in the batch whose work is in it or under way (not rolled back).
    members: usize,
}

impl Writer {
    /// A member rolled back its savepoint: a batch left with no work is rolled back too, so that
    /// no idle transaction holds the database's write lock.
    fn leave_batch(&mut self) {
        if let Some(b) = &mut self.batch {
            b.members -= 1;
            if b.members == 0 {
                self.batch = None;
                let _ = run(&self.conn, "ROLLBACK");
            }
        }
    }

    /// Undoes one request's savepoint and leaves the batch; if SQLite has already ended the
    /// batch's transaction (some errors roll it all back), or the undo fails, the batch fails.
    fn undo_request(&mut self, batch: u64) -> rusqlite::Result<()> {
        if self.conn.is_autocommit() {
            self.abandon(batch);
            return Ok(());
        }
        let undone = run(&self.conn, "ROLLBACK TO request")
            .and_then(|()| run(&self.conn, "RELEASE request"));
        if undone.is_err() {
            self.abandon(batch);
        } else {
            self.leave_batch();
        }
        undone
    }

    /// The batch cannot commit (an I/O error, or SQLite rolled it back on an error): every member
    /// fails.
    fn abandon(&mut self, batch: u64) {
        if !self.conn.is_autocommit() {
            let _ = run(&self.conn, "ROLLBACK");
        }
        self.batch = None;
        self.failed.push_back(batch);
        if self.failed.len() > 1024 {
            self.failed.pop_front();
        }
    }
}

enum Held {
    Reader(Connection, Arc<Engine>),
    Writer(OwnedMutexGuard<Writer>, Arc<Engine>, u64),
}

/// A connection with a transaction (a writer: a savepoint of a batch) open on it. Dropped without
/// `commit`, it rolls back.
pub(crate) struct Lease {
    conn: Option<Held>,
    open: bool,
}

impl Lease {
    pub(crate) fn connection(&mut self) -> Result<&Connection, DbError> {
        match &self.conn {
            Some(Held::Reader(c, _)) => Ok(c),
            Some(Held::Writer(w, _, _)) => Ok(&w.conn),
            None => Err(DbError::Decode("a finished transaction".to_owned())),
        }
    }

    /// Commits; a write is answered only once its batch has committed and is durable (see the
    /// module's comment).
    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        match self.conn.take() {
            Some(Held::Reader(c, engine)) => {
                run(&c, "COMMIT")?;
                self.open = false;
                give_back(&engine, c);
                Ok(())
            }
            Some(Held::Writer(mut w, engine, batch)) => {
                self.open = false;
                if let Err(e) = run(&w.conn, "RELEASE request") {
                    let _ = w.undo_request(batch);
                    return Err(e.into());
                }
                if w.conn.is_autocommit() {
                    // An error earlier in the request ended the batch's transaction.
                    w.abandon(batch);
                    return Err(DbError::Decode(
                        "the write's transaction was rolled back by SQLite".to_owned(),
                    ));
                }
                drop(w);
                // A task of its own, so that a caller that goes away cannot leave the batch
                // uncommitted (even a write that changed nothing waits: it may answer from a
                // batch-mate's write, an idempotent replay).
                tokio::spawn(engine.finish_batch(batch))
                    .await
                    .map_err(|e| DbError::Decode(format!("the commit task failed: {e}")))?
            }
            None => Ok(()),
        }
    }

    pub(crate) fn rollback(mut self) -> Result<(), DbError> {
        self.finish_rollback()
    }

    fn finish_rollback(&mut self) -> Result<(), DbError> {
        let open = std::mem::replace(&mut self.open, false);
        match self.conn.take() {
            Some(Held::Reader(c, engine)) => {
                if open {
                    run(&c, "ROLLBACK")?;
                }
                give_back(&engine, c);
            }
            Some(Held::Writer(mut w, _, batch)) if open => w.undo_request(batch)?,
            Some(Held::Writer(..)) | None => {}
        }
        Ok(())
    }
}

fn give_back(engine: &Engine, conn: Connection) {
    if let Ok(mut idle) = engine.readers.lock()
        && idle.len() < IDLE_READERS
    {
        idle.push(conn);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = self.finish_rollback();
    }
}
