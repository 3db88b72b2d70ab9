//! The load: workloads, their preparation (seeding through the API with `--seed N`, or
//! discovering what a pre-seeded store holds with `--seed 0`), the workers and the report.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::ValueEnum;
use hyper::Method;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::client::{Auth, Caller, Failure, Http, Request, caller_account, identity, query_value};
use crate::seed::{FIRST_ACCOUNT, RECEIVER};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Workload {
    /// CreateResourceShare with one transit gateway.
    Write,
    /// GetResourceShares(SELF), a page of 50.
    Read,
    /// GetResourceShares(SELF), a page of 10.
    ReadPage10,
    /// GetResourceShares(SELF) naming one of the account's shares by ARN.
    ReadArn,
    /// AssociateResourceShare adding one more transit gateway to the account's first share.
    Associate,
    /// ListResources(OTHER-ACCOUNTS) by the receiver 999999999999, a page of 10.
    ListResources,
    /// POST /checkaccess: may the receiver use one of the projects shared with it?
    CheckAccess,
    /// AcceptResourceShareInvitation by the receiver, each of its pending invitations once.
    Accept,
    /// ListPrincipals(SELF) by the owner, a page of 10.
    ListPrincipals,
    /// GetResourceShareAssociations(RESOURCE) by the owner, a page of 10.
    Associations,
    /// CreateResourceShare with two resources, one principal and two tags.
    CreateFull,
    /// A Terraform-like loop: create a share, read it back by ARN, its resource associations and
    /// its permissions, then delete it.
    Terraform,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Write => "write",
            Workload::Read => "read",
            Workload::ReadPage10 => "read-page10",
            Workload::ReadArn => "read-arn",
            Workload::Associate => "associate",
            Workload::ListResources => "list-resources",
            Workload::CheckAccess => "check-access",
            Workload::Accept => "accept",
            Workload::ListPrincipals => "list-principals",
            Workload::Associations => "associations",
            Workload::CreateFull => "create-full",
            Workload::Terraform => "terraform",
        }
    }

    /// What the workload needs before it runs.
    fn needs(self) -> Needs {
        match self {
            Workload::Write | Workload::CreateFull | Workload::Terraform => Needs::Nothing,
            Workload::Read
            | Workload::ReadPage10
            | Workload::ReadArn
            | Workload::Associate
            | Workload::ListPrincipals
            | Workload::Associations => Needs::OwnShares,
            Workload::ListResources | Workload::CheckAccess => Needs::Received,
            Workload::Accept => Needs::Pending,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    /// Shares of each load account.
    OwnShares,
    /// CodeBuild projects shared with the receiver (accepted).
    Received,
    /// Invitations pending for the receiver.
    Pending,
}

#[derive(clap::Args, Clone, Debug)]
pub struct LoadArgs {
    /// A ramd endpoint; give several to spread the load over replicas.
    #[arg(long = "endpoint")]
    pub endpoints: Vec<String>,
    #[arg(long, value_enum, default_value = "write")]
    pub workload: Workload,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// How long to measure (unless `--requests` is given).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Send exactly this many requests (terraform: loops) and stop, instead of `--seconds`.
    #[arg(long)]
    pub requests: Option<u64>,
    /// Accounts the load is spread over (111111111111 + --first-account, ...).
    #[arg(long, default_value_t = 8)]
    pub accounts: u64,
    /// Offset of the first load account (e.g. to reach the heavy accounts of a seeded store).
    #[arg(long, default_value_t = 0)]
    pub first_account: u64,
    /// Shares each account gets through the API before a run that needs some; 0: use what the
    /// store already holds (a store made by `ramd-bench seed`).
    #[arg(long, default_value_t = 200)]
    pub seed: u64,
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Sign every request with SigV4 with this key (for `ramd serve --auth sigv4`); repeat for
    /// several accounts (the receiver's key serves the receiver's workloads). The key's account
    /// is asked of STS unless given as a third field.
    #[arg(long, value_name = "ACCESS_KEY:SECRET[:ACCOUNT]")]
    pub sigv4: Vec<String>,
    /// A shell command to run once preparation is done, just before the measured requests
    /// (scripts/callgrind.sh zeroes the server's counters with it).
    #[arg(long, value_name = "COMMAND")]
    pub before_run: Option<String>,
}

/// What the workers use: the accounts and what preparation found.
struct Shared {
    args: LoadArgs,
    caller: Caller,
    accounts: Vec<String>,
    /// Per load account: its shares' ARNs.
    shares: Vec<Vec<String>>,
    /// Resources shared with the receiver (CodeBuild projects).
    resources: Vec<String>,
    /// Invitations pending for the receiver.
    invitations: Vec<String>,
    next: AtomicU64,
    until: Option<Instant>,
    exhausted: AtomicBool,
    reported: AtomicU64,
}

/// A worker's measurements.
#[derive(Default)]
struct Stats {
    /// Latencies of successful requests (µs); for terraform, of whole loops.
    latencies: Vec<u32>,
    /// Per operation (terraform): latencies of the successful calls.
    operations: BTreeMap<&'static str, Vec<u32>>,
    errors: BTreeMap<String, u64>,
    requests: u64,
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn tgw(account: &str, region: &str, n: u64) -> String {
    format!("arn:aws:ec2:{region}:{account}:transit-gateway/tgw-{n:017x}")
}

fn project(account: &str, region: &str, n: u64) -> String {
    format!("arn:aws:codebuild:{region}:{account}:project/p-{n}")
}

fn create_body(account: &str, region: &str, n: u64) -> Value {
    json!({
        "name": format!("bench-{n}"),
        "resourceArns": [tgw(account, region, n)],
    })
}

impl Shared {
    async fn call(
        &self,
        endpoint: &str,
        account: &str,
        path: &str,
        body: &Value,
    ) -> Result<Value, Failure> {
        self.caller
            .call(endpoint, account, Request::post(path, body))
            .await
    }

    fn note_failure(&self, stats: &mut Stats, f: &Failure) {
        *stats.errors.entry(f.code.clone()).or_default() += 1;
        if self.reported.fetch_add(1, Ordering::Relaxed) < 5 {
            eprintln!("ramd-bench: request failed: {f}");
        }
    }
}

/// One request of the workload (all but terraform): its result.
async fn one(s: &Shared, n: u64, endpoint: &str) -> Option<Result<Value, Failure>> {
    let a = usize::try_from(n % s.accounts.len() as u64).unwrap_or(0);
    let acct = &s.accounts[a];
    let region = &s.args.region;
    let idx = usize::try_from(n).unwrap_or(0);
    let pick = |items: &[String]| items[idx / 7 % items.len()].clone();
    let result = match s.args.workload {
        Workload::Write => {
            s.call(
                endpoint,
                acct,
                "/createresourceshare",
                &create_body(acct, region, n),
            )
            .await
        }
        Workload::Read | Workload::ReadPage10 => {
            let page = if s.args.workload == Workload::Read {
                50
            } else {
                10
            };
            let body = json!({"resourceOwner": "SELF", "maxResults": page});
            s.call(endpoint, acct, "/getresourceshares", &body).await
        }
        Workload::ReadArn => {
            let body = json!({"resourceOwner": "SELF", "resourceShareArns": [pick(&s.shares[a])]});
            s.call(endpoint, acct, "/getresourceshares", &body).await
        }
        Workload::Associate => {
            let body = json!({
                "resourceShareArn": s.shares[a][0],
                "resourceArns": [tgw(acct, region, 1 << 40 | n)],
            });
            s.call(endpoint, acct, "/associateresourceshare", &body)
                .await
        }
        Workload::ListResources => {
            let body = json!({"resourceOwner": "OTHER-ACCOUNTS", "maxResults": 10});
            s.call(endpoint, RECEIVER, "/listresources", &body).await
        }
        Workload::CheckAccess => {
            let body = json!({
                "principal": RECEIVER,
                "action": "codebuild:BatchGetProjects",
                "resourceArn": pick(&s.resources),
            });
            s.call(endpoint, RECEIVER, "/checkaccess", &body).await
        }
        Workload::Accept => {
            let Some(invitation) = s.invitations.get(idx) else {
                s.exhausted.store(true, Ordering::Relaxed);
                return None;
            };
            let body = json!({"resourceShareInvitationArn": invitation});
            s.call(endpoint, RECEIVER, "/acceptresourceshareinvitation", &body)
                .await
        }
        Workload::ListPrincipals => {
            let body = json!({"resourceOwner": "SELF", "maxResults": 10});
            s.call(endpoint, acct, "/listprincipals", &body).await
        }
        Workload::Associations => {
            let body = json!({"associationType": "RESOURCE", "maxResults": 10});
            s.call(endpoint, acct, "/getresourceshareassociations", &body)
                .await
        }
        Workload::CreateFull => {
            let other = &s.accounts[(a + 1) % s.accounts.len()];
            let principal = if other == acct { RECEIVER } else { other };
            let body = json!({
                "name": format!("bench-full-{n}"),
                "resourceArns": [tgw(acct, region, 1 << 41 | n), project(acct, region, 1 << 41 | n)],
                "principals": [principal],
                "tags": [{"key": "env", "value": "bench"}, {"key": "run", "value": n.to_string()}],
            });
            s.call(endpoint, acct, "/createresourceshare", &body).await
        }
        Workload::Terraform => unreachable!("terraform runs as a loop"),
    };
    Some(result)
}

/// One loop of the terraform mix; each call's latency goes under its operation's name.
async fn terraform(s: &Shared, n: u64, endpoint: &str, stats: &mut Stats) -> bool {
    let a = usize::try_from(n % s.accounts.len() as u64).unwrap_or(0);
    let acct = &s.accounts[a];
    let region = &s.args.region;
    let mut ok = true;
    let timed = async |stats: &mut Stats, op: &'static str, request: Request<'_>| {
        let started = Instant::now();
        stats.requests += 1;
        match s.caller.call(endpoint, acct, request).await {
            Ok(v) => {
                stats
                    .operations
                    .entry(op)
                    .or_default()
                    .push(micros(started.elapsed()));
                Some(v)
            }
            Err(f) => {
                s.note_failure(stats, &f);
                None
            }
        }
    };
    let create = json!({
        "name": format!("tf-{n}"),
        "resourceArns": [tgw(acct, region, 1 << 42 | n)],
        "tags": [{"key": "managed-by", "value": "terraform"}],
    });
    let Some(created) = timed(
        stats,
        "CreateResourceShare",
        Request::post("/createresourceshare", &create),
    )
    .await
    else {
        return false;
    };
    let Some(arn) = created["resourceShare"]["resourceShareArn"].as_str() else {
        return false;
    };
    let reads = [
        (
            "GetResourceShares",
            "/getresourceshares",
            json!({"resourceOwner": "SELF", "resourceShareArns": [arn]}),
        ),
        (
            "GetResourceShareAssociations",
            "/getresourceshareassociations",
            json!({"associationType": "RESOURCE", "resourceShareArns": [arn]}),
        ),
        (
            "ListResourceSharePermissions",
            "/listresourcesharepermissions",
            json!({"resourceShareArn": arn}),
        ),
    ];
    for (op, path, body) in &reads {
        ok &= timed(stats, op, Request::post(path, body)).await.is_some();
    }
    let path = format!("/deleteresourceshare?resourceShareArn={}", query_value(arn));
    let delete = Request {
        method: Method::DELETE,
        path: &path,
        content_type: "application/json",
        body: String::new(),
        service: "ram",
    };
    ok &= timed(stats, "DeleteResourceShare", delete).await.is_some();
    ok
}

async fn worker(s: Arc<Shared>) -> Stats {
    let mut stats = Stats::default();
    loop {
        let n = s.next.fetch_add(1, Ordering::Relaxed);
        match (s.args.requests, s.until) {
            (Some(limit), _) if n >= limit => break,
            (None, Some(until)) if Instant::now() >= until => break,
            _ => {}
        }
        let endpoint = &s.args.endpoints[usize::try_from(n).unwrap_or(0) % s.args.endpoints.len()];
        let started = Instant::now();
        if s.args.workload == Workload::Terraform {
            if terraform(&s, n, endpoint, &mut stats).await {
                stats.latencies.push(micros(started.elapsed()));
            }
            continue;
        }
        let Some(result) = one(&s, n, endpoint).await else {
            break;
        };
        stats.requests += 1;
        match result {
            Ok(_) => stats.latencies.push(micros(started.elapsed())),
            Err(f) => s.note_failure(&mut stats, &f),
        }
    }
    stats
}

/// Creates the shares numbered `numbers` of `account` through the API; with `principal`, shared with it.
async fn create_shares(
    s: &Shared,
    endpoint: &str,
    account: &str,
    numbers: std::ops::Range<u64>,
    principal: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), Failure> {
    let region = &s.args.region;
    let (mut arns, mut resources) = (Vec::new(), Vec::new());
    for n in numbers {
        let body = if let Some(p) = principal {
            let resource = project(account, region, n);
            resources.push(resource.clone());
            json!({"name": format!("bench-{n}"), "resourceArns": [resource], "principals": [p]})
        } else {
            create_body(account, region, 1_000_000_000 + n)
        };
        let out = s
            .call(endpoint, account, "/createresourceshare", &body)
            .await?;
        let arn = out["resourceShare"]["resourceShareArn"]
            .as_str()
            .ok_or_else(|| Failure {
                code: "NoArn".into(),
                detail: "CreateResourceShare answered no ARN".into(),
            })?
            .to_owned();
        arns.push(arn);
    }
    Ok((arns, resources))
}

/// The receiver's invitations (of `share_arns` if given), paging through them, until `want`
/// pending ones are found; accepts them when `accept`.
async fn pending_invitations(
    s: &Shared,
    endpoint: &str,
    share_arns: Option<&[String]>,
    want: usize,
    accept: bool,
) -> Result<Vec<String>, Failure> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"maxResults": 500});
        if let Some(arns) = share_arns {
            body["resourceShareArns"] = json!(arns);
        }
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let page = s
            .call(endpoint, RECEIVER, "/getresourceshareinvitations", &body)
            .await?;
        for inv in page["resourceShareInvitations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if inv["status"] == "PENDING"
                && let Some(arn) = inv["resourceShareInvitationArn"].as_str()
            {
                if accept {
                    let answer = json!({"resourceShareInvitationArn": arn});
                    s.call(
                        endpoint,
                        RECEIVER,
                        "/acceptresourceshareinvitation",
                        &answer,
                    )
                    .await?;
                }
                found.push(arn.to_owned());
            }
        }
        token = page["nextToken"].as_str().map(str::to_owned);
        if token.is_none() || found.len() >= want {
            return Ok(found);
        }
    }
}

/// Seeds through the API (`--seed N`) or discovers the pre-seeded store (`--seed 0`).
async fn prepare(s: &mut Shared) -> Result<(), Failure> {
    let endpoint = s.args.endpoints[0].clone();
    let seed = s.args.seed;
    let needs = s.args.workload.needs();
    let want = usize::try_from(s.args.requests.unwrap_or(100_000)).unwrap_or(usize::MAX);
    match (needs, seed) {
        (Needs::Nothing, _) => {}
        (Needs::OwnShares, 0) => {
            for (a, account) in s.accounts.iter().enumerate() {
                let body = json!({"resourceOwner": "SELF", "resourceShareStatus": "ACTIVE", "maxResults": 100});
                let page = s
                    .call(&endpoint, account, "/getresourceshares", &body)
                    .await?;
                let arns: Vec<String> = page["resourceShares"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|sh| sh["resourceShareArn"].as_str().map(str::to_owned))
                    .collect();
                if arns.is_empty() {
                    return Err(Failure {
                        code: "NotSeeded".into(),
                        detail: format!(
                            "account {account} has no shares: seed the store, or give --seed N"
                        ),
                    });
                }
                s.shares[a] = arns;
            }
        }
        (Needs::OwnShares, n) => {
            for a in 0..s.accounts.len() {
                let account = s.accounts[a].clone();
                s.shares[a] = create_shares(s, &endpoint, &account, 0..n, None).await?.0;
            }
        }
        (Needs::Received, 0) => {
            let mut token: Option<String> = None;
            while s.resources.len() < 2000 {
                let mut body = json!({"resourceOwner": "OTHER-ACCOUNTS", "resourceType": "codebuild:Project", "maxResults": 500});
                if let Some(t) = &token {
                    body["nextToken"] = json!(t);
                }
                let page = s.call(&endpoint, RECEIVER, "/listresources", &body).await?;
                s.resources.extend(
                    page["resources"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["arn"].as_str().map(str::to_owned)),
                );
                token = page["nextToken"].as_str().map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
            if s.resources.is_empty() {
                return Err(Failure {
                    code: "NotSeeded".into(),
                    detail: format!(
                        "nothing is shared with {RECEIVER}: seed the store, or give --seed N"
                    ),
                });
            }
        }
        (Needs::Received, n) => {
            // The receiver accepts each invitation at once: a sender may have only 20 pending.
            for a in 0..s.accounts.len() {
                let account = s.accounts[a].clone();
                for i in 0..n {
                    let (arns, resources) =
                        create_shares(s, &endpoint, &account, i..i + 1, Some(RECEIVER)).await?;
                    pending_invitations(s, &endpoint, Some(&arns), usize::MAX, true).await?;
                    s.shares[a].extend(arns);
                    s.resources.extend(resources);
                }
            }
        }
        (Needs::Pending, 0) => {
            s.invitations = pending_invitations(s, &endpoint, None, want, false).await?;
        }
        (Needs::Pending, n) => {
            // At most 20 pending per sender (RAM's quota).
            for a in 0..s.accounts.len() {
                let account = s.accounts[a].clone();
                let (arns, _) =
                    create_shares(s, &endpoint, &account, 0..n.min(20), Some(RECEIVER)).await?;
                s.invitations.extend(
                    pending_invitations(s, &endpoint, Some(&arns), usize::MAX, false).await?,
                );
            }
        }
    }
    if needs == Needs::Pending {
        if s.invitations.is_empty() {
            return Err(Failure {
                code: "NotSeeded".into(),
                detail: format!("{RECEIVER} has no pending invitations"),
            });
        }
        eprintln!(
            "ramd-bench: {} pending invitations to accept",
            s.invitations.len()
        );
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

fn latency(sorted: &[u32]) -> Value {
    json!({"p50": percentile(sorted, 0.5), "p90": percentile(sorted, 0.9), "p99": percentile(sorted, 0.99), "max": percentile(sorted, 1.0)})
}

/// The accounts of the `--sigv4` keys, with their identities.
async fn sigv4_keys(
    args: &LoadArgs,
    http: &Http,
) -> Result<Vec<(String, aws_smithy_runtime_api::client::identity::Identity)>, String> {
    let probe = Caller {
        http: http.clone(),
        region: args.region.clone(),
        auth: Auth::Trust,
    };
    let mut keys = Vec::new();
    for k in &args.sigv4 {
        let mut parts = k.splitn(3, ':');
        let (Some(access), Some(secret)) = (parts.next(), parts.next()) else {
            return Err(format!("--sigv4 {k}: expected ACCESS_KEY:SECRET[:ACCOUNT]"));
        };
        let id = identity(access, secret);
        let account = match parts.next() {
            Some(a) => a.to_owned(),
            None => caller_account(&probe, &args.endpoints[0], &id)
                .await
                .map_err(|e| format!("--sigv4 {access}: GetCallerIdentity: {e}"))?,
        };
        keys.push((account, id));
    }
    Ok(keys)
}

pub async fn run(args: LoadArgs) -> Result<bool, String> {
    if args.endpoints.is_empty() {
        return Err("give --endpoint (or --serve-reference ADDR, or the seed subcommand)".into());
    }
    if args.accounts == 0 || args.concurrency == 0 {
        return Err("--accounts and --concurrency must be at least 1".into());
    }
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build_http();
    let (auth, accounts) = if args.sigv4.is_empty() {
        let accounts = (0..args.accounts)
            .map(|i| (FIRST_ACCOUNT + args.first_account + i).to_string())
            .collect();
        (Auth::Trust, accounts)
    } else {
        let keys = sigv4_keys(&args, &http).await?;
        let accounts: Vec<String> = keys
            .iter()
            .map(|(a, _)| a.clone())
            .filter(|a| a != RECEIVER)
            .collect();
        if accounts.is_empty() {
            return Err("--sigv4: give a key of an account other than the receiver".into());
        }
        (
            Auth::Sigv4(keys.into_iter().collect::<HashMap<_, _>>()),
            accounts,
        )
    };
    let mut shared = Shared {
        caller: Caller {
            http,
            region: args.region.clone(),
            auth,
        },
        shares: vec![Vec::new(); accounts.len()],
        accounts,
        resources: Vec::new(),
        invitations: Vec::new(),
        next: AtomicU64::new(0),
        until: None,
        exhausted: AtomicBool::new(false),
        reported: AtomicU64::new(0),
        args: args.clone(),
    };
    prepare(&mut shared)
        .await
        .map_err(|e| format!("preparing the run: {e}"))?;
    if let Some(command) = &args.before_run {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .status()
            .map_err(|e| format!("--before-run: {e}"))?;
        if !status.success() {
            return Err(format!("--before-run {command:?} failed: {status}"));
        }
    }
    let started = Instant::now();
    if args.requests.is_none() {
        shared.until = Some(started + Duration::from_secs(args.seconds));
    }
    let shared = Arc::new(shared);
    let handles: Vec<_> = (0..args.concurrency)
        .map(|_| tokio::spawn(worker(shared.clone())))
        .collect();
    let mut all = Stats::default();
    for h in handles {
        let stats = h.await.unwrap_or_default();
        all.latencies.extend(stats.latencies);
        all.requests += stats.requests;
        for (op, l) in stats.operations {
            all.operations.entry(op).or_default().extend(l);
        }
        for (code, n) in stats.errors {
            *all.errors.entry(code).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort_unstable();
    let errors: u64 = all.errors.values().sum();
    let terraform = args.workload == Workload::Terraform;
    let ok = if terraform {
        all.operations.values().map(Vec::len).sum::<usize>()
    } else {
        all.latencies.len()
    };
    #[allow(clippy::cast_precision_loss)]
    let mut report = json!({
        "workload": args.workload.name(),
        "endpoints": args.endpoints.len(),
        "concurrency": args.concurrency,
        "seconds": elapsed,
        "requests": all.requests,
        "ok": ok,
        "errors": errors,
        "errors_by_code": all.errors,
        "requests_per_second": ok as f64 / elapsed,
        "latency_ms": latency(&all.latencies),
    });
    if !args.sigv4.is_empty() {
        report["auth"] = json!("sigv4");
    }
    if shared.exhausted.load(Ordering::Relaxed) {
        report["exhausted"] = json!(true);
    }
    if terraform {
        #[allow(clippy::cast_precision_loss)]
        {
            report["loops"] = json!(all.latencies.len());
            report["loops_per_second"] = json!(all.latencies.len() as f64 / elapsed);
        }
        let mut ops = serde_json::Map::new();
        for (op, mut l) in all.operations {
            l.sort_unstable();
            ops.insert(
                op.to_owned(),
                json!({"ok": l.len(), "latency_ms": latency(&l)}),
            );
        }
        report["operations"] = Value::Object(ops);
    }
    println!("{report}");
    Ok(!(errors > 0 && ok == 0))
}
