//! The event feed: every change to a share, its associations, invitations and permissions is an
//! EventBridge-shaped event (`source: aws.ram`, `detail-type: Resource Sharing State Change`),
//! kept by the store in the change's own transaction and numbered per share owner without gaps
//! (`ram_store::FeedRecord`). Two ways out:
//! - webhooks (`--webhook URL`, repeatable): each event is POSTed as JSON, signed
//!   `X-Ramd-Signature: sha256=<hex HMAC-SHA256 of the body under --webhook-secret>`; a 2xx
//!   answer moves that webhook's cursor for the account past it, anything else is retried with
//!   exponential back-off (0.5 s doubling to 60 s) before any later event of the account is
//!   sent: at least once, in order per account (so per share), no gap, across restarts (the
//!   cursor is in the store). One replica delivers at a time (a lease in the store).
//! - `GET /events?after=N&wait=S` (SigV4-signed like RAM's calls): the caller's own events after
//!   number N, waiting up to S seconds (20 at most) for one to come.

use std::collections::HashMap;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use ram_model::Timestamp;
use ram_store::{FeedKind, FeedRecord, Store, StoreError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How often the deliverer looks for new events.
const POLL: Duration = Duration::from_millis(200);
/// How often timed transitions that nothing has read yet are settled (and so become events).
const SWEEP: Duration = Duration::from_secs(1);
/// How long one delivery may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// The lease a deliverer holds, renewed every poll.
const LEASE_MS: i64 = 10_000;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_mins(1);
/// Events of one account one pass sends at most.
const BATCH: i64 = 100;

/// The EventBridge event of one change.
pub fn render(r: &FeedRecord) -> Value {
    let (event, mut detail) = match r.kind {
        FeedKind::Share => ("Resource Share", json!({})),
        FeedKind::PrincipalAssociation => (
            "Resource Share Association",
            json!({"associationType": "PRINCIPAL", "associatedEntity": r.entity}),
        ),
        FeedKind::ResourceAssociation => (
            "Resource Share Association",
            json!({"associationType": "RESOURCE", "associatedEntity": r.entity}),
        ),
        FeedKind::SourceAssociation => (
            "Resource Share Association",
            json!({"associationType": "SOURCE", "associatedEntity": r.entity}),
        ),
        FeedKind::Invitation => (
            "Resource Share Invitation",
            json!({"resourceShareInvitationArn": r.entity}),
        ),
        FeedKind::Permission => ("Resource Share Permission", json!({"permission": r.entity})),
    };
    detail["event"] = json!(event);
    detail["resourceShareArn"] = json!(r.share_arn);
    detail["status"] = json!(r.status);
    detail["sequenceNumber"] = json!(r.seq);
    let mut resources = vec![json!(r.share_arn)];
    if let Some(entity) = r.entity.as_deref().filter(|e| e.starts_with("arn:")) {
        resources.push(json!(entity));
    }
    json!({
        "version": "0",
        "id": event_id(&r.account_id, r.seq),
        "detail-type": "Resource Sharing State Change",
        "source": "aws.ram",
        "account": r.account_id,
        "time": Timestamp(r.created_ms - r.created_ms % 1000).to_iso8601().replace(".000Z", "Z"),
        "region": r.region,
        "resources": resources,
        "detail": detail,
    })
}

/// An event's id: a UUID-shaped digest of (account, number), the same every time it is sent, so
/// that a receiver can drop a repeat.
fn event_id(account: &str, seq: i64) -> String {
    let d = hex::encode(Sha256::digest(format!("{account}/{seq}").as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &d[0..8],
        &d[8..12],
        &d[12..16],
        &d[16..20],
        &d[20..32]
    )
}

/// `sha256=<hex>` of the body under the secret, as `X-Ramd-Signature` carries it.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhooks to deliver to and the secret their requests are signed with.
pub struct Webhooks {
    pub urls: Vec<http::Uri>,
    pub secret: Vec<u8>,
}

/// Starts the deliverer over `store`.
pub fn start(store: Store, hooks: Webhooks) {
    tokio::spawn(deliver_forever(store, hooks));
}

/// When an account's next attempt at a webhook may be, after how many failures.
struct Backoff {
    failures: u32,
    until: tokio::time::Instant,
}

async fn deliver_forever(store: Store, hooks: Webhooks) {
    let holder = uuid::Uuid::new_v4().to_string();
    let mut backoff: HashMap<(usize, String), Backoff> = HashMap::new();
    let mut last_sweep = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(POLL).await;
        // Any replica may settle what is due (a row moves once, whoever moves it).
        if last_sweep.elapsed() >= SWEEP {
            last_sweep = tokio::time::Instant::now();
            if let Err(e) = sweep(&store).await {
                tracing::warn!(error = %e, "settling due transitions for the event feed failed");
            }
        }
        if hooks.urls.is_empty() {
            continue;
        }
        match lease(&store, &holder).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "the event feed's lease could not be read");
                continue;
            }
        }
        for (n, url) in hooks.urls.iter().enumerate() {
            if let Err(e) =
                deliver_pending(&store, &holder, n, url, &hooks.secret, &mut backoff).await
            {
                tracing::warn!(error = %e, webhook = %url, "delivering events failed");
            }
        }
    }
}

/// Moves what is due to its next status (an association done ASSOCIATING, an invitation
/// expired, ...), each move an event, a batch at a time.
async fn sweep(store: &Store) -> Result<(), StoreError> {
    // A read first: most of the time nothing is due, and that costs no write.
    let mut tx = store.read().await?;
    let due = tx.transitions_due(crate::audit::wall_clock_ms()).await?;
    tx.commit().await?;
    if !due {
        return Ok(());
    }
    loop {
        let mut tx = store.begin().await?;
        let moved = tx.settle_due(crate::audit::wall_clock_ms(), 200).await?;
        tx.commit().await?;
        if moved == 0 {
            return Ok(());
        }
    }
}

async fn lease(store: &Store, holder: &str) -> Result<bool, StoreError> {
    let now = crate::audit::wall_clock_ms();
    let mut tx = store.begin().await?;
    let held = tx.take_feed_lease(holder, now, now + LEASE_MS).await?;
    tx.commit().await?;
    Ok(held)
}

/// Sends what `url` has not had yet, account by account, each in order; an account whose event
/// is refused waits out its back-off, the others go on (a backlog of one holds up no other).
async fn deliver_pending(
    store: &Store,
    holder: &str,
    n: usize,
    url: &http::Uri,
    secret: &[u8],
    backoff: &mut HashMap<(usize, String), Backoff>,
) -> Result<(), StoreError> {
    let key = url.to_string();
    let mut tx = store.read().await?;
    let accounts = tx.feed_undelivered(&key).await?;
    tx.commit().await?;
    for (account, delivered) in accounts {
        let slot = (n, account.clone());
        if backoff
            .get(&slot)
            .is_some_and(|b| b.until > tokio::time::Instant::now())
        {
            continue;
        }
        // Still the deliverer? (A pass can be long; another replica may have taken over.)
        if !lease(store, holder).await? {
            return Ok(());
        }
        let mut tx = store.read().await?;
        let pending = tx.feed_after(&account, delivered, BATCH).await?;
        tx.commit().await?;
        for record in pending {
            let body = render(&record).to_string();
            match post(url, secret, &body).await {
                Ok(()) => {
                    backoff.remove(&slot);
                    let mut tx = store.begin().await?;
                    tx.feed_delivered(&key, &record.account_id, record.seq)
                        .await?;
                    tx.commit().await?;
                }
                Err(why) => {
                    let failures = backoff.get(&slot).map_or(0, |b| b.failures) + 1;
                    let wait = FIRST_RETRY
                        .saturating_mul(1 << failures.min(8).saturating_sub(1))
                        .min(LAST_RETRY);
                    tracing::warn!(webhook = %url, account = record.account_id, seq = record.seq, failures, retry_in_ms = wait.as_millis(), why, "an event was not delivered");
                    backoff.insert(
                        slot.clone(),
                        Backoff {
                            failures,
                            until: tokio::time::Instant::now() + wait,
                        },
                    );
                    break;
                }
            }
        }
    }
    Ok(())
}

/// POSTs one event; `Err` with why when the receiver did not answer 2xx.
async fn post(url: &http::Uri, secret: &[u8], body: &str) -> Result<(), String> {
    let host = url.host().ok_or("the webhook URL has no host")?;
    let port = url.port_u16().unwrap_or(80);
    let send = async {
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let authority = url.authority().map_or(host, |a| a.as_str());
        let request = http::Request::post(url.path_and_query().map_or("/", |p| p.as_str()))
            .header(http::header::HOST, authority)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("x-ramd-signature", signature(secret, body.as_bytes()))
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let _ = response.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    };
    tokio::time::timeout(DELIVERY_TIMEOUT, send)
        .await
        .map_err(|_| "the receiver did not answer in time".to_owned())?
}

/// The caller's events after `after`, waiting up to `wait` for one; and the number to ask after
/// next time.
pub async fn read(
    store: &Store,
    account: &str,
    after: i64,
    wait: Duration,
) -> Result<(Vec<Value>, i64), StoreError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let mut tx = store.read().await?;
        let records = tx.feed_after(account, after, 100).await?;
        tx.commit().await?;
        if !records.is_empty() || tokio::time::Instant::now() >= deadline {
            let next = records.last().map_or(after, |r| r.seq);
            return Ok((records.iter().map(render).collect(), next));
        }
        tokio::time::sleep(POLL.min(deadline - tokio::time::Instant::now())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_event_has_eventbridge_shape_and_a_stable_id() {
        let r = FeedRecord {
            account_id: "111111111111".into(),
            seq: 3,
            share_arn: "arn:aws:ram:us-east-1:111111111111:resource-share/x".into(),
            region: "us-east-1".into(),
            kind: FeedKind::ResourceAssociation,
            entity: Some("arn:aws:ec2:us-east-1:111111111111:subnet/subnet-1".into()),
            status: "ASSOCIATED".into(),
            created_ms: 1_700_000_000_123,
        };
        let e = render(&r);
        assert_eq!(e["source"], "aws.ram");
        assert_eq!(e["detail-type"], "Resource Sharing State Change");
        assert_eq!(e["detail"]["associationType"], "RESOURCE");
        assert_eq!(e["detail"]["sequenceNumber"], 3);
        assert_eq!(e["id"], render(&r)["id"]);
        assert_eq!(e["resources"].as_array().map(Vec::len), Some(2));
    }
}
