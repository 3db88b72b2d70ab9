//! `ramd-bench`: a load generator for ramd. It drives running servers over HTTP in trust mode
//! (a 12-digit access key id is the account; signatures are not checked, so the client spends
//! nothing on signing) and reports throughput and latency percentiles as JSON on stdout.
//!
//! ```text
//! ramd-bench --endpoint http://127.0.0.1:7420 [--endpoint http://127.0.0.1:7421] \
//!     --workload write|read --concurrency 32 --seconds 10
//! ```
//! `write` creates resource shares (each with one resource); the other workloads first seed
//! `--seed` shares per account, then: `read` lists shares a page at a time (GetResourceShares,
//! maxResults 50), `read-arn` gets one share by ARN, `associate` adds a resource to a share,
//! `list-resources` is the receiving account's ListResources(OTHER-ACCOUNTS) page of 10 and
//! `check-access` asks `POST /checkaccess` for the receiver (for those two the seeded shares hold
//! CodeBuild projects shared with account 999999999999, which accepts). Requests alternate
//! between the endpoints; accounts are spread over `--accounts`.
//!
//! `ramd-bench --serve-reference 127.0.0.1:7499` is the reference server instead: a bare hyper
//! server answering every request with one fixed RAM-shaped body (`reference.rs`). Measured in the
//! same run as ramd, with the same workload, it gives the machine's limit for this client, so
//! results are reported as ratios that stay comparable across machines.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

mod reference;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Workload {
    /// CreateResourceShare with one transit gateway.
    Write,
    /// GetResourceShares(SELF), a page of 50.
    Read,
    /// GetResourceShares(SELF) naming one of the seeded shares by ARN.
    ReadArn,
    /// AssociateResourceShare adding one more transit gateway to the account's share.
    Associate,
    /// ListResources(OTHER-ACCOUNTS) by an account the seeded shares were shared with (accepted).
    ListResources,
    /// POST /checkaccess: may the receiving account use one of the shared projects?
    CheckAccess,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Write => "write",
            Workload::Read => "read",
            Workload::ReadArn => "read-arn",
            Workload::Associate => "associate",
            Workload::ListResources => "list-resources",
            Workload::CheckAccess => "check-access",
        }
    }
}

#[derive(Parser, Clone)]
#[command(about = "Load generator for ramd (trust mode).")]
struct Args {
    /// A ramd endpoint; give several to spread the load over replicas.
    #[arg(long = "endpoint", required_unless_present = "serve_reference")]
    endpoints: Vec<String>,
    /// Instead of generating load, serve the reference answer on this address until killed.
    #[arg(long, value_name = "ADDR")]
    serve_reference: Option<std::net::SocketAddr>,
    #[arg(long, value_enum, default_value = "write")]
    workload: Workload,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long to measure.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Accounts the load is spread over (111111111111, 111111111112, ...).
    #[arg(long, default_value_t = 8)]
    accounts: u64,
    /// Shares each account gets before a run of any workload but `write`.
    #[arg(long, default_value_t = 200)]
    seed: u64,
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

type Http = Client<HttpConnector, Full<Bytes>>;

struct Shared {
    args: Args,
    http: Http,
    errors: AtomicU64,
    /// Per account: the seeded shares' ARNs and resources (for the workloads that name them).
    seeded: Vec<Seeded>,
}

#[derive(Default, Clone)]
struct Seeded {
    shares: Vec<String>,
    resources: Vec<String>,
}

/// The account every seeded share is shared with (for the receiver's workloads).
const RECEIVER: &str = "999999999999";

fn account(n: u64) -> String {
    format!("{}", 111_111_111_111 + n)
}

/// A SigV4-shaped Authorization header: trust mode reads the account and Region from it.
fn authorization(account: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/ram/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00"
    )
}

async fn call(
    s: &Shared,
    endpoint: &str,
    account: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let request = hyper::Request::post(format!("{endpoint}{path}"))
        .header("content-type", "application/json")
        .header("x-amz-date", "20260101T000000Z")
        .header("authorization", authorization(account, &s.args.region))
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let response = s.http.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn tgw(account: &str, region: &str, n: u64) -> String {
    format!("arn:aws:ec2:{region}:{account}:transit-gateway/tgw-{n:017x}")
}

fn project(account: &str, region: &str, n: u64) -> String {
    format!("arn:aws:codebuild:{region}:{account}:project/p-{n}")
}

fn create_body(account: &str, region: &str, n: u64) -> serde_json::Value {
    serde_json::json!({
        "name": format!("bench-{n}"),
        "resourceArns": [tgw(account, region, n)],
    })
}

async fn worker(s: Arc<Shared>, id: usize, until: Instant) -> Vec<u32> {
    let mut latencies = Vec::new();
    let mut n = id as u64;
    while Instant::now() < until {
        n += s.args.concurrency as u64;
        let endpoint = &s.args.endpoints[usize::try_from(n).unwrap_or(0) % s.args.endpoints.len()];
        let acct = account(n % s.args.accounts);
        let started = Instant::now();
        let seeded = &s.seeded[usize::try_from(n % s.args.accounts).unwrap_or(0)];
        let pick =
            |items: &[String]| items[usize::try_from(n).unwrap_or(0) / 7 % items.len()].clone();
        let result = match s.args.workload {
            Workload::ReadArn => {
                let body = serde_json::json!({"resourceOwner": "SELF", "resourceShareArns": [pick(&seeded.shares)]});
                call(&s, endpoint, &acct, "/getresourceshares", &body).await
            }
            Workload::Associate => {
                let body = serde_json::json!({
                    "resourceShareArn": seeded.shares[0],
                    "resourceArns": [tgw(&acct, &s.args.region, 1 << 40 | n)],
                });
                call(&s, endpoint, &acct, "/associateresourceshare", &body).await
            }
            Workload::ListResources => {
                let body = serde_json::json!({"resourceOwner": "OTHER-ACCOUNTS", "maxResults": 10});
                call(&s, endpoint, RECEIVER, "/listresources", &body).await
            }
            Workload::CheckAccess => {
                let body = serde_json::json!({
                    "principal": RECEIVER,
                    "action": "codebuild:BatchGetProjects",
                    "resourceArn": pick(&seeded.resources),
                });
                call(&s, endpoint, RECEIVER, "/checkaccess", &body).await
            }
            Workload::Write => {
                call(
                    &s,
                    endpoint,
                    &acct,
                    "/createresourceshare",
                    &create_body(&acct, &s.args.region, n),
                )
                .await
            }
            Workload::Read => {
                call(
                    &s,
                    endpoint,
                    &acct,
                    "/getresourceshares",
                    &serde_json::json!({"resourceOwner": "SELF", "maxResults": 50}),
                )
                .await
            }
        };
        match result {
            Ok(_) => {
                latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            Err(e) => {
                if s.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                    eprintln!("ramd-bench: request failed: {e}");
                }
            }
        }
    }
    latencies
}

/// Gives each account `--seed` shares. For the receiver's workloads each share holds a CodeBuild
/// project and is shared with `RECEIVER`, who accepts each invitation.
async fn seed(s: &Shared) -> Result<Vec<Seeded>, String> {
    let shared = matches!(
        s.args.workload,
        Workload::ListResources | Workload::CheckAccess
    );
    let endpoint = &s.args.endpoints[0];
    let mut all = Vec::new();
    for a in 0..s.args.accounts {
        let acct = account(a);
        let mut seeded = Seeded::default();
        for n in 0..s.args.seed.max(1) {
            let body = if shared {
                let resource = project(&acct, &s.args.region, n);
                seeded.resources.push(resource.clone());
                serde_json::json!({"name": format!("bench-{n}"), "resourceArns": [resource], "principals": [RECEIVER]})
            } else {
                create_body(&acct, &s.args.region, 1_000_000_000 + n)
            };
            let out = call(s, endpoint, &acct, "/createresourceshare", &body).await?;
            let arn = out["resourceShare"]["resourceShareArn"]
                .as_str()
                .ok_or("CreateResourceShare answered no ARN")?
                .to_owned();
            if shared {
                accept(s, endpoint, &arn).await?;
            }
            seeded.shares.push(arn);
        }
        all.push(seeded);
    }
    Ok(all)
}

/// The receiver accepts the invitation of one share (at once: a sender may have only 20 pending).
async fn accept(s: &Shared, endpoint: &str, share_arn: &str) -> Result<(), String> {
    let body = serde_json::json!({"resourceShareArns": [share_arn]});
    let page = call(s, endpoint, RECEIVER, "/getresourceshareinvitations", &body).await?;
    for inv in page["resourceShareInvitations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if inv["status"] == "PENDING" {
            let accept = serde_json::json!({"resourceShareInvitationArn": inv["resourceShareInvitationArn"]});
            call(
                s,
                endpoint,
                RECEIVER,
                "/acceptresourceshareinvitation",
                &accept,
            )
            .await?;
        }
    }
    Ok(())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(addr) = args.serve_reference {
        if let Err(e) = reference::serve(addr).await {
            eprintln!("ramd-bench: reference server: {e}");
            std::process::exit(1);
        }
        return;
    }
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build_http();
    let mut shared = Shared {
        args: args.clone(),
        http,
        errors: AtomicU64::new(0),
        seeded: vec![Seeded::default(); usize::try_from(args.accounts).unwrap_or(0)],
    };
    if args.workload != Workload::Write {
        match seed(&shared).await {
            Ok(seeded) => shared.seeded = seeded,
            Err(e) => {
                eprintln!("ramd-bench: seeding failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let shared = Arc::new(shared);
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let handles: Vec<_> = (0..args.concurrency)
        .map(|id| tokio::spawn(worker(shared.clone(), id, until)))
        .collect();
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let report = serde_json::json!({
        "workload": args.workload.name(),
        "endpoints": args.endpoints.len(),
        "concurrency": args.concurrency,
        "seconds": elapsed,
        "ok": latencies.len(),
        "errors": shared.errors.load(Ordering::Relaxed),
        "requests_per_second": latencies.len() as f64 / elapsed,
        "latency_ms": {"p50": percentile(&latencies, 0.5), "p90": percentile(&latencies, 0.9), "p99": percentile(&latencies, 0.99), "max": percentile(&latencies, 1.0)},
    });
    println!("{report}");
    if shared.errors.load(Ordering::Relaxed) > 0 && latencies.is_empty() {
        std::process::exit(1);
    }
}
