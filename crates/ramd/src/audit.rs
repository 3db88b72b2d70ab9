//! The audit trail: every authenticated API call, on every service of the endpoint, becomes a
//! CloudTrail-shaped event of the calling account (refused and failed calls too).
//!
//! A mutating call's event is written in the same store transaction as its effect: the driver
//! makes the event pending around the operation (`ram_store::with_pending_event`) and the first
//! write transaction the operation commits carries it, so a change that committed always has its
//! event. Once the call is answered the driver completes the event (request parameters, response
//! elements or error) and hands it to the writer task, which writes events in batches, replacing
//! a pending one: read-only calls cost no write of their own. Secrets are never recorded
//! (CloudTrail's `HIDDEN_DUE_TO_SECURITY_REASONS` stands in for them). Events older than the
//! retention are deleted once a minute. `LookupEvents` (`lookup.rs`) reads them back.

mod lookup;

use std::sync::Arc;
use std::time::Duration;

use ram_context::Caller;
use ram_model::{ApiError, Timestamp};
use ram_organizations::principal_of_arn;
use ram_store::{AuditRecord, PrincipalKind, Store, StoreError};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};

pub use lookup::CloudTrail;

/// Events waiting for the writer at most; a caller waits for room beyond that.
const QUEUE: usize = 8192;
/// Events written in one transaction at most.
const BATCH: usize = 256;
const EXPIRY_EVERY: Duration = Duration::from_mins(1);
/// What CloudTrail writes in place of a secret.
const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";
/// Members whose values are secrets, wherever they appear (compared lower-cased).
const SECRET_MEMBERS: &[&str] = &["secretaccesskey", "password", "sessiontoken"];

enum Message {
    Event(Box<Completed>),
    Flush(oneshot::Sender<()>),
}

/// What the audit trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditMode {
    /// Every authenticated call.
    All,
    /// The calls that change something, and every call that fails or is refused.
    Writes,
    /// Nothing.
    Off,
}

/// The server's audit trail: where completed events go.
pub struct AuditLog {
    queue: mpsc::Sender<Message>,
    mode: AuditMode,
}

/// What a request tells the trail besides what the driver knows: its decoded input and, for a
/// mutating call, its output.
#[derive(Debug, Default)]
pub struct Notes {
    pub parameters: Option<Value>,
    pub response: Option<Value>,
}

/// A call's event as the driver knows it before the call is answered.
pub struct Draft {
    event_id: String,
    time_ms: i64,
    source: String,
    name: &'static str,
    caller: Caller,
    access_key_id: Option<String>,
    user_agent: Option<String>,
    request_id: String,
    read_only: bool,
    /// The unique id of the caller's IAM user or role (`AIDA…`, `AROA…`), when it is one.
    principal_id: Option<String>,
}

/// A call's event once it is answered.
struct Completed {
    draft: Draft,
    parameters: Option<Value>,
    response: Option<Value>,
    error: Option<(String, String)>,
}

/// Whether an operation only reads (as the throttle classes it).
pub fn is_read_only(operation: &str) -> bool {
    crate::throttle::Class::of(operation) == crate::throttle::Class::Read
}

impl AuditLog {
    /// Starts the writer over `store`, keeping events `retention_days` (0: for ever).
    pub fn start(store: Store, retention_days: u32, mode: AuditMode) -> Arc<AuditLog> {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(store, rx, retention_days));
        Arc::new(AuditLog { queue, mode })
    }

    /// Waits until every event handed over so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    async fn send(&self, completed: Completed) {
        if self
            .queue
            .send(Message::Event(Box::new(completed)))
            .await
            .is_err()
        {
            tracing::error!("the audit writer has stopped: an event is lost");
        }
    }

    /// Completes `draft` with what the call noted and how it ended, and hands it to the writer.
    /// Whether a call is recorded: everything in `All`; in `Writes`, what is not a read that
    /// succeeded.
    pub fn records(&self, read_only: bool, failed: bool) -> bool {
        match self.mode {
            AuditMode::All => true,
            AuditMode::Writes => !read_only || failed,
            AuditMode::Off => false,
        }
    }

    pub async fn record(&self, draft: Draft, notes: Notes, error: Option<&ApiError>) {
        let read_only = draft.read_only;
        self.send(Completed {
            draft,
            parameters: notes.parameters.map(scrubbed),
            // CloudTrail records what a mutating call answered, not what a read returned.
            response: notes.response.filter(|_| !read_only).map(scrubbed),
            error: error.map(|e| (e.code.as_str().to_owned(), e.message.clone())),
        })
        .await;
    }
}

impl Draft {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        event_id: String,
        time_ms: i64,
        api: &str,
        name: &'static str,
        caller: Caller,
        access_key_id: Option<String>,
        user_agent: Option<String>,
        request_id: &str,
        principal_id: Option<String>,
    ) -> Draft {
        Draft {
            event_id,
            time_ms,
            source: format!("{api}.amazonaws.com"),
            name,
            caller,
            access_key_id,
            user_agent,
            request_id: request_id.to_owned(),
            read_only: is_read_only(name),
            principal_id,
        }
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The event as written in the operation's transaction, before the call is answered.
    pub fn pending(&self) -> AuditRecord {
        self.record(None, None, None)
    }

    fn username(&self) -> String {
        principal_of_arn(&self.caller.principal_arn)
            .map_or_else(|| "root".to_owned(), |(_, name)| name.to_owned())
    }

    fn record(
        &self,
        parameters: Option<&Value>,
        response: Option<&Value>,
        error: Option<&(String, String)>,
    ) -> AuditRecord {
        let c = &self.caller;
        let mut identity = Map::new();
        let kind = match principal_of_arn(&c.principal_arn) {
            None => "Root",
            Some((PrincipalKind::User, _)) => "IAMUser",
            Some((PrincipalKind::Role, _)) => "Role",
        };
        identity.insert("type".into(), json!(kind));
        // The root user's id is the account's; a user's or role's is its unique id.
        match (kind, self.principal_id.as_deref()) {
            ("Root", _) => {
                identity.insert("principalId".into(), json!(c.account_id));
            }
            (_, Some(id)) => {
                identity.insert("principalId".into(), json!(id));
            }
            (_, None) => {}
        }
        identity.insert("arn".into(), json!(c.principal_arn));
        identity.insert("accountId".into(), json!(c.account_id));
        if let Some(key) = &self.access_key_id {
            identity.insert("accessKeyId".into(), json!(key));
        }
        if kind != "Root" {
            identity.insert("userName".into(), json!(self.username()));
        }
        let mut event = json!({
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": Timestamp(self.time_ms - self.time_ms % 1000).to_iso8601().replace(".000Z", "Z"),
            "eventSource": self.source,
            "eventName": self.name,
            "awsRegion": c.region,
            "sourceIPAddress": c.source_ip.clone().unwrap_or_else(|| "127.0.0.1".to_owned()),
            "userAgent": self.user_agent,
            "requestParameters": parameters,
            "responseElements": response,
            "requestID": self.request_id,
            "eventID": self.event_id,
            "readOnly": self.read_only,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": c.account_id,
            "eventCategory": "Management",
        });
        if let Some((code, message)) = error {
            event["errorCode"] = json!(code);
            event["errorMessage"] = json!(message);
        }
        let mut resources = Vec::new();
        // A lookup's parameters name what it searched for, not what it acted on.
        if self.source != "cloudtrail.amazonaws.com" {
            for v in [parameters, response].into_iter().flatten() {
                collect_resources(v, None, &mut resources);
            }
        }
        resources.dedup();
        let resources: Vec<Value> = resources
            .into_iter()
            .map(|(t, n)| json!({"ResourceType": t, "ResourceName": n}))
            .collect();
        AuditRecord {
            event_id: self.event_id.clone(),
            account_id: c.account_id.clone(),
            event_time_ms: self.time_ms,
            event_source: self.source.clone(),
            event_name: self.name.to_owned(),
            username: Some(self.username()),
            access_key_id: self.access_key_id.clone(),
            read_only: self.read_only,
            resources: Value::Array(resources).to_string(),
            event: event.to_string(),
        }
    }
}

/// `v` with every secret's value replaced.
fn scrubbed(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if SECRET_MEMBERS.contains(&key.to_ascii_lowercase().as_str()) {
                        *value = json!(HIDDEN);
                    } else {
                        walk(value);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// The resources an event names: every ARN in it (its type from the ARN, e.g.
/// `AWS::RAM::ResourceShare`), and IAM's users, roles and policies named by name.
fn collect_resources(v: &Value, key: Option<&str>, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, value) in map {
                collect_resources(value, Some(k), out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_resources(item, key, out);
            }
        }
        Value::String(s) if s.starts_with("arn:") => {
            if let Some(kind) = arn_resource_type(s)
                && !out.iter().any(|(_, n)| n == s)
            {
                out.push((kind, s.clone()));
            }
        }
        Value::String(s) => {
            let kind = match key {
                Some("UserName") => "AWS::IAM::User",
                Some("RoleName") => "AWS::IAM::Role",
                Some("PolicyName") => "AWS::IAM::Policy",
                _ => return,
            };
            if !out.iter().any(|(t, n)| t == kind && n == s) {
                out.push((kind.to_owned(), s.clone()));
            }
        }
        _ => {}
    }
}

/// `AWS::<Service>::<Type>` of an ARN: `arn:aws:ram:..:resource-share/x` is
/// `AWS::RAM::ResourceShare`.
fn arn_resource_type(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2)?;
    let resource = parts.nth(2)?;
    let kind = resource.split(['/', ':']).next()?;
    if service.is_empty() || kind.is_empty() {
        return None;
    }
    let service = match service {
        "ram" | "iam" | "ec2" | "rds" | "sts" => service.to_ascii_uppercase(),
        other => camel(other),
    };
    Some(format!("AWS::{service}::{}", camel(kind)))
}

fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The writer: batches of completed events, each batch one transaction; the expiry of old ones.
async fn writer(store: Store, mut rx: mpsc::Receiver<Message>, retention_days: u32) {
    let mut last_expiry = tokio::time::Instant::now();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut waiting = Vec::new();
        let mut events = Vec::new();
        for m in batch {
            match m {
                Message::Event(c) => events.push(*c),
                Message::Flush(done) => waiting.push(done),
            }
        }
        if !events.is_empty()
            && let Err(e) = write(&store, &events).await
        {
            tracing::error!(error = %e, events = events.len(), "audit events could not be written");
        }
        for done in waiting {
            let _ = done.send(());
        }
        if retention_days > 0 && last_expiry.elapsed() >= EXPIRY_EVERY {
            last_expiry = tokio::time::Instant::now();
            let cutoff = wall_clock_ms() - i64::from(retention_days) * 86_400_000;
            if let Err(e) = expire(&store, cutoff).await {
                tracing::warn!(error = %e, "expiring old audit events failed");
            }
        }
    }
}

/// The wall clock in epoch milliseconds (for the background tasks' own timing: expiry, leases).
pub(crate) fn wall_clock_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

async fn expire(store: &Store, cutoff: i64) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.expire_audit_events(cutoff).await?;
    tx.commit().await
}

/// Writes a batch in one transaction (retried on a conflict).
async fn write(store: &Store, events: &[Completed]) -> Result<(), StoreError> {
    let records: Vec<AuditRecord> = events
        .iter()
        .map(|c| {
            c.draft
                .record(c.parameters.as_ref(), c.response.as_ref(), c.error.as_ref())
        })
        .collect();
    crate::conflicts::retry_conflicts(10, || async {
        let mut tx = store.begin().await?;
        tx.put_audit_events(&records).await?;
        tx.commit().await
    })
    .await
}

/// `ramd audit export`: every event (of `account`, at or after `since_ms`), oldest first, one
/// CloudTrail record a line; how many.
///
/// # Errors
/// A store failure, or `out` refusing a line.
pub async fn export(
    store: &Store,
    account: Option<&str>,
    since_ms: Option<i64>,
    out: &mut dyn std::io::Write,
) -> Result<u64, String> {
    let mut cursor = (since_ms.map_or(i64::MIN, |s| s - 1), String::new());
    let mut written = 0;
    loop {
        let mut tx = store.read().await.map_err(|e| e.to_string())?;
        let page = tx
            .export_audit_events(&cursor, 1000)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        let Some(last) = page.last() else {
            return Ok(written);
        };
        cursor = (last.event_time_ms, last.event_id.clone());
        for e in page
            .iter()
            .filter(|e| account.is_none_or(|a| e.account_id == a))
        {
            writeln!(out, "{}", e.event).map_err(|e| e.to_string())?;
            written += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_wherever_they_are() {
        let v = scrubbed(
            json!({"AccessKey": {"AccessKeyId": "AKIA", "SecretAccessKey": "s"},
            "list": [{"password": "p"}]}),
        );
        assert_eq!(v["AccessKey"]["SecretAccessKey"], HIDDEN);
        assert_eq!(v["AccessKey"]["AccessKeyId"], "AKIA");
        assert_eq!(v["list"][0]["password"], HIDDEN);
    }

    #[test]
    fn resource_types_from_arns() {
        assert_eq!(
            arn_resource_type("arn:aws:ram:us-east-1:111111111111:resource-share/abc").as_deref(),
            Some("AWS::RAM::ResourceShare")
        );
        assert_eq!(
            arn_resource_type("arn:aws:ec2:us-east-1:111111111111:subnet/subnet-1").as_deref(),
            Some("AWS::EC2::Subnet")
        );
        assert_eq!(
            arn_resource_type("arn:aws:license-manager:us-east-1:1:license-configuration:lic-1")
                .as_deref(),
            Some("AWS::LicenseManager::LicenseConfiguration")
        );
    }
}
