//! The audit trail's rows, and the event a request's first committed write transaction carries.
//!
//! A mutating call's event is written in the same transaction as its effect: the server sets the
//! request's event as pending ([`with_pending_event`]) around the operation, and the first
//! [`WriteTx::commit`](crate::WriteTx::commit) of the request inserts it before committing, so
//! a committed change always has its event. The server then completes the event (the answer,
//! or the error) with [`WriteTx::put_audit_events`], which replaces the row.

use std::cell::RefCell;
use std::future::Future;

use crate::engine::{Query, Row, query};
use crate::query::{Bind, Sql};
use crate::{ReadTx, StoreError, WriteTx};

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub event_id: String,
    /// The account that made the call (CloudTrail's recipient account).
    pub account_id: String,
    pub event_time_ms: i64,
    /// `ram.amazonaws.com`, `organizations.amazonaws.com`, ...
    pub event_source: String,
    pub event_name: String,
    /// The IAM user's or role's name; `root` for the root user.
    pub username: Option<String>,
    pub access_key_id: Option<String>,
    pub read_only: bool,
    /// `[{"ResourceType": .., "ResourceName": ..}]` (JSON text).
    pub resources: String,
    /// The CloudTrail record (JSON text).
    pub event: String,
}

/// What LookupEvents selects by (one attribute at most, as CloudTrail allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditLookup {
    EventId(String),
    EventName(String),
    EventSource(String),
    Username(String),
    AccessKeyId(String),
    ReadOnly(bool),
    /// A resource named in the event (its type or its name).
    ResourceType(String),
    ResourceName(String),
}

const UPSERT_HEAD: &str = "INSERT INTO audit_events (event_id, account_id, event_time_ms, event_source, event_name, username, access_key_id, read_only, resources, event) VALUES ";
const UPSERT_TAIL: &str =
    " ON CONFLICT (event_id) DO UPDATE SET resources = excluded.resources, event = excluded.event";
const INSERT_PENDING: &str = "INSERT INTO audit_events (event_id, account_id, event_time_ms, event_source, event_name, username, access_key_id, read_only, resources, event) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING";
const LOOKUP: &str = "SELECT event_id, account_id, event_time_ms, event_source, event_name, username, access_key_id, read_only, resources, event FROM audit_events WHERE account_id = $1 AND event_time_ms >= $2 AND event_time_ms <= $3";
const EXPORT: &str = "SELECT event_id, account_id, event_time_ms, event_source, event_name, username, access_key_id, read_only, resources, event FROM audit_events WHERE (event_time_ms > $1 OR (event_time_ms = $1 AND event_id > $2)) ORDER BY event_time_ms, event_id LIMIT $3";
const EXPIRE: &str = "DELETE FROM audit_events WHERE event_time_ms < $1";

fn record_from_row(r: &Row) -> Result<AuditRecord, StoreError> {
    let read_only: i64 = r.try_get("read_only")?;
    Ok(AuditRecord {
        event_id: r.try_get("event_id")?,
        account_id: r.try_get("account_id")?,
        event_time_ms: r.try_get("event_time_ms")?,
        event_source: r.try_get("event_source")?,
        event_name: r.try_get("event_name")?,
        username: r.try_get("username")?,
        access_key_id: r.try_get("access_key_id")?,
        read_only: read_only != 0,
        resources: r.try_get("resources")?,
        event: r.try_get("event")?,
    })
}

fn bind_all(q: Query, e: &AuditRecord) -> Query {
    q.bind(&e.event_id)
        .bind(&e.account_id)
        .bind(e.event_time_ms)
        .bind(&e.event_source)
        .bind(&e.event_name)
        .bind(e.username.as_deref())
        .bind(e.access_key_id.as_deref())
        .bind(i64::from(e.read_only))
        .bind(&e.resources)
        .bind(&e.event)
}

tokio::task_local! {
    /// The event of the request being served, until a write transaction has committed it.
    static PENDING: RefCell<Option<AuditRecord>>;
}

/// Runs `fut` (a request's operation) with `event` pending: the first write transaction it
/// commits writes the event too.
pub async fn with_pending_event<F: Future>(event: AuditRecord, fut: F) -> F::Output {
    PENDING.scope(RefCell::new(Some(event)), fut).await
}

/// The pending event of the current request, if any and not yet committed.
pub(crate) fn pending_event() -> Option<AuditRecord> {
    PENDING.try_with(|p| p.borrow().clone()).ok().flatten()
}

/// The pending event is committed: later transactions of the request leave it alone.
pub(crate) fn pending_event_committed() {
    let _ = PENDING.try_with(|p| p.borrow_mut().take());
}

impl WriteTx {
    /// Writes the request's pending event, if it has one (called by `commit`).
    pub(crate) async fn write_pending_event(
        &mut self,
        event: &AuditRecord,
    ) -> Result<(), StoreError> {
        bind_all(query(INSERT_PENDING), event)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Writes events, replacing any of the same id (a pending event, now complete): one
    /// statement for up to 200 of them.
    pub async fn put_audit_events(&mut self, events: &[AuditRecord]) -> Result<(), StoreError> {
        for chunk in events.chunks(200) {
            let mut text = String::from(UPSERT_HEAD);
            for (i, _) in chunk.iter().enumerate() {
                let n = i * 10;
                if i > 0 {
                    text.push_str(", ");
                }
                text.push('(');
                for k in 1..=10 {
                    if k > 1 {
                        text.push_str(", ");
                    }
                    text.push('$');
                    text.push_str(&(n + k).to_string());
                }
                text.push(')');
            }
            text.push_str(UPSERT_TAIL);
            let mut q = Query::built(text, Vec::with_capacity(chunk.len() * 10));
            for e in chunk {
                q = bind_all(q, e);
            }
            q.execute(&mut self.tx).await?;
        }
        Ok(())
    }

    /// Deletes the events older than `before_ms`; how many.
    pub async fn expire_audit_events(&mut self, before_ms: i64) -> Result<u64, StoreError> {
        let done = query(EXPIRE).bind(before_ms).execute(&mut self.tx).await?;
        Ok(done.rows_affected())
    }
}

impl ReadTx {
    /// An account's events between two times (inclusive), newest first, after the cursor
    /// `(time, id)` of the previous page, at most `limit`.
    pub async fn lookup_audit_events(
        &mut self,
        account_id: &str,
        lookup: Option<&AuditLookup>,
        (from_ms, to_ms): (i64, i64),
        before: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = Sql::prefixed(
            LOOKUP,
            [
                Bind::Text(account_id.to_owned()),
                Bind::Int(from_ms),
                Bind::Int(to_ms),
            ],
        );
        let (column, value) = match lookup {
            None => ("", None),
            Some(AuditLookup::EventId(v)) => (" AND event_id = ", Some(v.clone())),
            Some(AuditLookup::EventName(v)) => (" AND event_name = ", Some(v.clone())),
            Some(AuditLookup::EventSource(v)) => (" AND event_source = ", Some(v.clone())),
            Some(AuditLookup::Username(v)) => (" AND username = ", Some(v.clone())),
            Some(AuditLookup::AccessKeyId(v)) => (" AND access_key_id = ", Some(v.clone())),
            Some(AuditLookup::ReadOnly(v)) => {
                sql.push(" AND read_only = ").int(i64::from(*v));
                ("", None)
            }
            // The resources are a small JSON list: match the quoted member inside it.
            Some(AuditLookup::ResourceType(v)) => (
                " AND resources LIKE ",
                Some(like_pattern(&format!(
                    "\"ResourceType\":{}",
                    json_string(v)
                ))),
            ),
            Some(AuditLookup::ResourceName(v)) => (
                " AND resources LIKE ",
                Some(like_pattern(&format!(
                    "\"ResourceName\":{}",
                    json_string(v)
                ))),
            ),
        };
        if let Some(value) = value {
            sql.push(column).text(&value);
            if column.contains("LIKE") {
                sql.push(" ESCAPE '!'");
            }
        }
        if let Some((time, id)) = before {
            sql.push(" AND (event_time_ms < ")
                .int(*time)
                .push(" OR (event_time_ms = ")
                .int(*time)
                .push(" AND event_id < ")
                .text(id)
                .push("))");
        }
        sql.push(" ORDER BY event_time_ms DESC, event_id DESC LIMIT ")
            .int(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Every event after the cursor `(time, id)`, oldest first, at most `limit` (for export).
    pub async fn export_audit_events(
        &mut self,
        after: &(i64, String),
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = query(EXPORT)
            .bind(after.0)
            .bind(&after.1)
            .bind(limit)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(record_from_row).collect()
    }
}

/// `%value%` for LIKE, its own `%`, `_` and `!` escaped with `!`.
fn like_pattern(value: &str) -> String {
    let mut out = String::from("%");
    for c in value.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `v` as a JSON string, as the resources column writes it (names hold no control characters).
fn json_string(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}
