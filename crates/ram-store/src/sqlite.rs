//! The embedded engine: one SQLite file in WAL mode, opened by rusqlite in-process. Readers take
//! a connection from a small pool and run beside the writer; writers take the one writer
//! connection in turn (SQLite admits one writer at a time anyway, so queueing for it in-process
//! costs nothing and never meets SQLITE_BUSY).
//!
//! **Group commit.** A transaction commits into the WAL without an fsync of its own
//! (`synchronous=NORMAL`); the writer is then free for the next one, and the committer waits until
//! a sync of the WAL file covers its commit before the caller is answered. One sync task fsyncs
//! the WAL for every commit made since the last sync, so under load one fsync makes many
//! transactions durable, each still all-or-nothing (a torn WAL tail is discarded at recovery by
//! its checksums, and commits reach the WAL in order). SQLite itself syncs the WAL before each
//! checkpoint and the database file after it, so a commit that left the WAL is on disk too.
//! `Durability::Os` skips the wait: an answered write then survives a crash of ramd but not a
//! power loss.

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

/// Readers kept open for reuse; more are opened when all are busy.
const IDLE_READERS: usize = 8;
/// Prepared statements each connection keeps (the store has about two hundred distinct ones).
const STATEMENT_CACHE: usize = 512;

pub(crate) struct Engine {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: Arc<tokio::sync::Mutex<Connection>>,
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
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl Engine {
    pub(crate) fn open(path: &Path, durability: Durability) -> Result<Arc<Engine>, DbError> {
        let writer = open_connection(path)?;
        // The WAL file now exists; its directory entry must be on disk before any commit in it
        // can be.
        sync_dir(path);
        let (synced_tx, synced) = watch::channel(0);
        let (wake, woken) = mpsc::unbounded_channel();
        let engine = Arc::new(Engine {
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            durability,
            committed: AtomicU64::new(0),
            synced,
            wake,
        });
        tokio::spawn(sync_task(
            Arc::downgrade(&engine),
            wal_path(path),
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
        conn.execute_batch("BEGIN")?;
        Ok(Lease {
            conn: Some(Held::Reader(conn, self.clone())),
            open: true,
        })
    }

    /// The writer connection, once the writers before have finished, with the write lock taken.
    pub(crate) async fn write(self: &Arc<Self>) -> Result<Lease, DbError> {
        let guard = self.writer.clone().lock_owned().await;
        guard.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Lease {
            conn: Some(Held::Writer(guard, self.clone())),
            open: true,
        })
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
        let _ = self.wake.send(());
        // The sync task lives as long as the engine, which the caller holds.
        let _ = synced.wait_for(|s| *s >= seq).await;
    }
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
    wal: PathBuf,
    mut woken: mpsc::UnboundedReceiver<()>,
    synced: watch::Sender<u64>,
) {
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
        let done = tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.sync_data())
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
    }
}

enum Held {
    Reader(Connection, Arc<Engine>),
    Writer(OwnedMutexGuard<Connection>, Arc<Engine>),
}

/// A connection with a transaction open on it. Dropped without `commit`, it rolls back.
pub(crate) struct Lease {
    conn: Option<Held>,
    open: bool,
}

impl Lease {
    pub(crate) fn connection(&mut self) -> Result<&Connection, DbError> {
        match &self.conn {
            Some(Held::Reader(c, _)) => Ok(c),
            Some(Held::Writer(g, _)) => Ok(g),
            None => Err(DbError::Decode("a finished transaction".to_owned())),
        }
    }

    /// Commits; a write is answered only once it is durable (see the module's comment).
    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        let seq = match self.conn.take() {
            Some(Held::Reader(c, engine)) => {
                c.execute_batch("COMMIT")?;
                self.open = false;
                give_back(&engine, c);
                return Ok(());
            }
            Some(Held::Writer(guard, engine)) => {
                if let Err(e) = guard.execute_batch("COMMIT") {
                    let _ = guard.execute_batch("ROLLBACK");
                    self.open = false;
                    return Err(e.into());
                }
                self.open = false;
                // Numbered while the writer is still held, so numbers follow commit order. Even
                // a transaction that wrote nothing waits: it may answer from a commit not yet
                // durable (an idempotent replay).
                let seq = engine.committed.fetch_add(1, Ordering::AcqRel) + 1;
                drop(guard);
                (seq, engine)
            }
            None => return Ok(()),
        };
        seq.1.durable(seq.0).await;
        Ok(())
    }

    pub(crate) fn rollback(mut self) -> Result<(), DbError> {
        self.finish_rollback()
    }

    fn finish_rollback(&mut self) -> Result<(), DbError> {
        let result = if self.open {
            self.open = false;
            self.connection()?.execute_batch("ROLLBACK")
        } else {
            Ok(())
        };
        match self.conn.take() {
            Some(Held::Reader(c, engine)) if result.is_ok() => give_back(&engine, c),
            _ => {}
        }
        Ok(result?)
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
