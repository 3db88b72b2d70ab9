//! `ramd-bench seed`: builds a large store directly through `ram_store::Store` (no HTTP), in
//! batched write transactions, with the rows ramd's own operations would have left:
//!
//! - accounts `111111111111 + i` for `i < --accounts`, and the receiver `999999999999`;
//! - one organization (all features, sharing with RAM enabled, RAM's service-linked role in the
//!   management account `111111111111`) with three levels of OUs; every account but one in twenty
//!   (`i % 20 == 19`) and the receiver is a member;
//! - some customer managed permissions (CodeBuild projects), one or two versions, tagged;
//! - `--shares` shares, the last `--heavy-accounts` accounts owning `--heavy-shares` each and the
//!   others sharing the rest round-robin; each with resources (transit gateways, CodeBuild projects,
//!   prefix lists, subnets), its permission attachment per resource type (the AWS managed default,
//!   or the owner's customer managed permission), tags on half of them, and principals: accounts
//!   of the organization (associated at once), its OUs and the organization itself, and accounts
//!   outside it, reached by invitation, PENDING, ACCEPTED, REJECTED or EXPIRED with the
//!   association state the domain leaves for each. `--receiver-percent` of the shares are shared
//!   with the receiver (always with a CodeBuild project, as the bench's receiver workloads expect).
//!
//! The same `--rng-seed` gives the same store. Prints one JSON summary on stdout.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ram_model::organizations::{AccountJoinedMethod, OrganizationFeatureSet, ParentType};
use ram_model::{
    PermissionFeatureSet, PermissionStatus, ResourceShareAssociationStatus as AssocStatus,
    ResourceShareAssociationType as AssocType, ResourceShareFeatureSet,
    ResourceShareInvitationStatus as InvStatus, ResourceShareStatus,
};
use ram_store::{
    AccountRecord, Lifecycle, NewAssociation, NewInvitation, NewPermission, NewShare,
    OrgAccountRecord, OrgUnitRecord, OrganizationRecord, RoleRecord, SharePermissionRecord, Store,
    StoreError, Tag, WriteTx,
};
use tokio::sync::{Mutex, mpsc};

use crate::ids::{Rng, concat, push_decimal, push_hex};

/// The first load account; the bench's accounts are `FIRST_ACCOUNT + i`.
pub const FIRST_ACCOUNT: u64 = 111_111_111_111;
/// The account the bench's receiver workloads act as.
pub const RECEIVER: &str = "999999999999";
/// A sender may have this many invitations pending (RAM's quota).
const PENDING_QUOTA: u16 = 20;
const RAM_SERVICE: &str = "ram.amazonaws.com";
const REJECTED_MESSAGE: &str = "The principal rejected the resource share invitation.";
const HOUR_MS: i64 = 3_600_000;

#[derive(clap::Args, Clone, Debug)]
pub struct SeedArgs {
    /// The SQLite store to fill (ramd's `--data-dir`).
    #[arg(
        long,
        conflicts_with = "database_url",
        required_unless_present = "database_url"
    )]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL store to fill (ramd's `--database-url`).
    #[arg(long)]
    database_url: Option<String>,
    /// Accounts owning shares: 111111111111, 111111111112, ...
    #[arg(long, default_value_t = 10_000)]
    accounts: u64,
    /// Resource shares in all.
    #[arg(long, default_value_t = 1_000_000)]
    shares: u64,
    /// Resource and principal associations per share, on average (heavy accounts' shares hold
    /// one of each, to stay within the per-account association quotas).
    #[arg(long, default_value_t = 5.0)]
    associations_per_share: f64,
    /// How many accounts (the last ones) own `--heavy-shares` shares each.
    #[arg(long, default_value_t = 2)]
    heavy_accounts: u64,
    /// Shares of each heavy account (25,000 is RAM's quota).
    #[arg(long, default_value_t = 25_000)]
    heavy_shares: u64,
    /// Percent of the shares shared with the receiver 999999999999.
    #[arg(long, default_value_t = 2.0)]
    receiver_percent: f64,
    /// Rows per write transaction (about).
    #[arg(long, default_value_t = 5_000)]
    batch_rows: usize,
    /// Transactions written at once (default: 1 on SQLite, which has one writer; 4 on PostgreSQL).
    #[arg(long)]
    writers: Option<usize>,
    #[arg(long, default_value_t = 1)]
    rng_seed: u64,
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

/// A shareable resource type as the catalogue has it.
struct Kind {
    resource_type: &'static str,
    service: &'static str,
    /// The resource part before the id.
    resource: &'static str,
    default_permission: &'static str,
    outside_org: bool,
    invitation_hours: i64,
}

const TGW: Kind = Kind {
    resource_type: "ec2:TransitGateway",
    service: "ec2",
    resource: "transit-gateway/tgw-",
    default_permission: "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway",
    outside_org: true,
    invitation_hours: 168,
};
const PROJECT: Kind = Kind {
    resource_type: "codebuild:Project",
    service: "codebuild",
    resource: "project/seed-",
    default_permission: "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCodeBuildProject",
    outside_org: true,
    invitation_hours: 12,
};
const PREFIX_LIST: Kind = Kind {
    resource_type: "ec2:PrefixList",
    service: "ec2",
    resource: "prefix-list/pl-",
    default_permission: "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionPrefixList",
    outside_org: true,
    invitation_hours: 168,
};
const SUBNET: Kind = Kind {
    resource_type: "ec2:Subnet",
    service: "ec2",
    resource: "subnet/subnet-",
    default_permission: "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet",
    outside_org: false,
    invitation_hours: 168,
};
const KINDS: [&Kind; 4] = [&TGW, &PROJECT, &PREFIX_LIST, &SUBNET];

const CMP_NAME: &str = "BenchCodeBuildReadOnly";
const CMP_V1: &str =
    r#"{"Effect":"Allow","Action":["codebuild:BatchGetProjects","codebuild:BatchGetBuilds"]}"#;
const CMP_V2: &str = r#"{"Effect":"Allow","Action":["codebuild:BatchGetProjects"]}"#;
const ENVS: [&str; 3] = ["prod", "staging", "dev"];

/// One share with every row that comes with it.
struct Unit {
    share: NewShare,
    tags: Vec<Tag>,
    permissions: Vec<SharePermissionRecord>,
    associations: Vec<NewAssociation>,
    invitations: Vec<NewInvitation>,
}

impl Unit {
    fn rows(&self) -> usize {
        1 + self.tags.len()
            + self.permissions.len()
            + self.associations.len()
            + self.invitations.len()
    }
}

/// Rows written, by table.
#[derive(Default)]
struct Counts {
    accounts: AtomicU64,
    org_rows: AtomicU64,
    permissions: AtomicU64,
    shares: AtomicU64,
    tags: AtomicU64,
    share_permissions: AtomicU64,
    resource_associations: AtomicU64,
    principal_associations: AtomicU64,
    invitations: [AtomicU64; 4],
}

fn bump(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

impl Counts {
    fn total(&self) -> u64 {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        get(&self.accounts)
            + get(&self.org_rows)
            + get(&self.permissions)
            + get(&self.shares)
            + get(&self.tags)
            + get(&self.share_permissions)
            + get(&self.resource_associations)
            + get(&self.principal_associations)
            + self.invitations.iter().map(get).sum::<u64>()
    }
}

fn invitation_slot(s: InvStatus) -> usize {
    match s {
        InvStatus::Pending => 0,
        InvStatus::Accepted => 1,
        InvStatus::Rejected => 2,
        InvStatus::Expired => 3,
    }
}

/// The organization, as the generator needs it.
struct Org {
    arn: String,
    /// ARNs of the OUs (for OU principals).
    ou_arns: Vec<String>,
}

/// Everything fixed before the shares are generated.
struct World {
    region: String,
    accounts: Vec<String>,
    in_org: Vec<bool>,
    members: Vec<usize>,
    outsiders: Vec<usize>,
    org: Org,
    /// Per account: its customer managed permission for CodeBuild projects and its default version.
    cmp: Vec<Option<(String, i64)>>,
    start_ms: i64,
}

fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub async fn run(args: SeedArgs) -> Result<(), String> {
    let heavy_total = args.heavy_accounts * args.heavy_shares;
    if args.heavy_accounts > args.accounts {
        return Err("--heavy-accounts exceeds --accounts".into());
    }
    if heavy_total > args.shares {
        return Err(format!(
            "--heavy-accounts × --heavy-shares ({heavy_total}) exceeds --shares ({})",
            args.shares
        ));
    }
    let normal_accounts = args.accounts - args.heavy_accounts;
    let normal_shares = args.shares - heavy_total;
    if normal_shares > 0 && normal_accounts == 0 {
        return Err("no accounts left for the shares that are not the heavy accounts'".into());
    }
    if normal_accounts > 0 && normal_shares.div_ceil(normal_accounts) > 25_000 {
        eprintln!(
            "ramd-bench seed: warning: {} shares per account exceed RAM's quota of 25,000",
            normal_shares.div_ceil(normal_accounts)
        );
    }
    let store = match (&args.data_dir, &args.database_url) {
        (Some(dir), _) => Store::open_dir(dir).await,
        (None, Some(url)) => Store::open(url).await,
        (None, None) => return Err("give --data-dir or --database-url".into()),
    }
    .map_err(|e| e.to_string())?;
    let postgres = args.database_url.is_some();
    let writers = args.writers.unwrap_or(if postgres { 4 } else { 1 }).max(1);

    let started = Instant::now();
    let counts = Arc::new(Counts::default());
    let mut rng = Rng::new(args.rng_seed);
    let world = Arc::new(
        seed_world(&store, &args, &mut rng, &counts)
            .await
            .map_err(|e| format!("seeding accounts and the organization: {e}"))?,
    );

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(args.shares), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} shares, {per_sec}, eta {eta}",
            )
            .map_err(|e| e.to_string())?,
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let (send, receive) = mpsc::channel::<Vec<Unit>>(writers * 2);
    let generator = {
        let world = world.clone();
        let args = args.clone();
        tokio::task::spawn_blocking(move || generate(&args, &world, rng, &send))
    };
    let receive = Arc::new(Mutex::new(receive));
    let mut handles = Vec::new();
    for _ in 0..writers {
        let (store, receive, counts, progress) = (
            store.clone(),
            receive.clone(),
            counts.clone(),
            progress.clone(),
        );
        handles.push(tokio::spawn(async move {
            loop {
                let chunk = receive.lock().await.recv().await;
                let Some(chunk) = chunk else {
                    return Ok::<(), String>(());
                };
                write_chunk(&store, &chunk, &counts).await?;
                progress.inc(chunk.len() as u64);
            }
        }));
    }
    let mut failure = None;
    for h in handles {
        match h.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failure = Some(e),
            Err(e) => failure = Some(e.to_string()),
        }
    }
    generator.await.map_err(|e| e.to_string())?;
    progress.finish_and_clear();
    if let Some(e) = failure {
        return Err(e);
    }
    store.close().await;

    let seconds = started.elapsed().as_secs_f64();
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let rows = counts.total();
    #[allow(clippy::cast_precision_loss)]
    let summary = serde_json::json!({
        "store": if postgres { "postgres" } else { "sqlite" },
        "writers": writers,
        "rng_seed": args.rng_seed,
        "rows": rows,
        "by_table": {
            "accounts": get(&counts.accounts),
            "organization": get(&counts.org_rows),
            "permissions": get(&counts.permissions),
            "resource_shares": get(&counts.shares),
            "share_tags": get(&counts.tags),
            "share_permissions": get(&counts.share_permissions),
            "resource_associations": get(&counts.resource_associations),
            "principal_associations": get(&counts.principal_associations),
            "invitations": {
                "PENDING": get(&counts.invitations[0]),
                "ACCEPTED": get(&counts.invitations[1]),
                "REJECTED": get(&counts.invitations[2]),
                "EXPIRED": get(&counts.invitations[3]),
            },
        },
        "seconds": seconds,
        "rows_per_second": rows as f64 / seconds,
        "shares_per_second": get(&counts.shares) as f64 / seconds,
    });
    println!("{summary}");
    Ok(())
}

/// Commits `tx` and starts another once `rows` has reached the batch size.
async fn maybe_commit(
    store: &Store,
    tx: &mut Option<WriteTx>,
    rows: &mut usize,
    batch: usize,
) -> Result<(), StoreError> {
    if *rows >= batch {
        if let Some(t) = tx.take() {
            t.commit().await?;
        }
        *rows = 0;
    }
    if tx.is_none() {
        *tx = Some(store.begin().await?);
    }
    Ok(())
}

/// Accounts, the organization with its OUs and members, and the customer managed permissions.
async fn seed_world(
    store: &Store,
    args: &SeedArgs,
    rng: &mut Rng,
    counts: &Counts,
) -> Result<World, StoreError> {
    let start_ms = now_ms();
    let created = start_ms - as_i64(args.shares) - 2 * HOUR_MS;
    let n = usize::try_from(args.accounts).unwrap_or(usize::MAX);
    let accounts: Vec<String> = (0..args.accounts)
        .map(|i| {
            let mut s = String::with_capacity(12);
            push_decimal(&mut s, FIRST_ACCOUNT + i);
            s
        })
        .collect();
    let in_org: Vec<bool> = (0..n).map(|i| i == 0 || i % 20 != 19).collect();
    let members: Vec<usize> = (0..n).filter(|i| in_org[*i]).collect();
    let outsiders: Vec<usize> = (0..n).filter(|i| !in_org[*i]).collect();

    let mut tx = Some(store.begin().await?);
    let mut rows = 0usize;
    let batch = args.batch_rows.max(1);
    for (i, id) in accounts
        .iter()
        .map(String::as_str)
        .chain([RECEIVER])
        .enumerate()
    {
        let mut name = String::from("bench-");
        push_decimal(&mut name, i as u64);
        let t = tx
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("no tx".into()))?;
        t.insert_account(&AccountRecord {
            account_id: id.to_owned(),
            name,
            created_ms: created,
        })
        .await?;
        rows += 1;
        maybe_commit(store, &mut tx, &mut rows, batch).await?;
    }
    bump(&counts.accounts, n + 1);

    // The organization, as CreateOrganization, CreateOrganizationalUnit, invitations accepted
    // and EnableSharingWithAwsOrganization leave it.
    let management = &accounts[0];
    let org_id = concat(&["o-", &rng.alnum(10)]);
    let org_arn = concat(&[
        "arn:aws:organizations::",
        management,
        ":organization/",
        &org_id,
    ]);
    let prefix = concat(&["arn:aws:organizations::", management, ":"]);
    let in_org_arn = |kind: &str, rest: &str| concat(&[&prefix, kind, "/", &org_id, "/", rest]);
    let t = tx
        .as_mut()
        .ok_or_else(|| StoreError::Corrupt("no tx".into()))?;
    t.insert_organization(&OrganizationRecord {
        org_id: org_id.clone(),
        arn: org_arn.clone(),
        management_account: management.clone(),
        feature_set: OrganizationFeatureSet::All,
        created_ms: created,
    })
    .await?;
    let root4 = rng.alnum(4);
    let root_id = concat(&["r-", &root4]);
    let mut units = vec![OrgUnitRecord {
        arn: in_org_arn("root", &root_id),
        id: root_id.clone(),
        org_id: org_id.clone(),
        kind: ParentType::Root,
        parent_id: None,
        name: "Root".to_owned(),
        depth: 0,
        created_ms: created,
    }];
    let levels: [&[&str]; 3] = [
        &["Infrastructure", "Workloads", "Security", "Sandbox"],
        &["Prod", "Staging", "Dev"],
        &["Team-A", "Team-B"],
    ];
    let mut parents = vec![0usize];
    for (depth, names) in levels.iter().enumerate() {
        let mut next = Vec::new();
        for p in &parents {
            for name in *names {
                let id = concat(&["ou-", &root4, "-", &rng.alnum(8)]);
                units.push(OrgUnitRecord {
                    arn: in_org_arn("ou", &id),
                    id,
                    org_id: org_id.clone(),
                    kind: ParentType::OrganizationalUnit,
                    parent_id: Some(units[*p].id.clone()),
                    name: (*name).to_owned(),
                    depth: i64::try_from(depth + 1).unwrap_or(0),
                    created_ms: created,
                });
                next.push(units.len() - 1);
            }
        }
        parents = next;
    }
    for u in &units {
        t.insert_org_unit(u).await?;
    }
    t.enable_service_access(&org_id, RAM_SERVICE, created)
        .await?;
    let mut role_id = String::from("AROA");
    role_id.push_str(&rng.alnum(17).to_ascii_uppercase());
    t.insert_role(&RoleRecord {
        account_id: management.clone(),
        role_name: "AWSServiceRoleForResourceAccessManager".to_owned(),
        role_id,
        path: "/aws-service-role/ram.amazonaws.com/".to_owned(),
        service: Some(RAM_SERVICE.to_owned()),
        assume_role_policy: serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": RAM_SERVICE},
                "Action": "sts:AssumeRole"
            }]
        })
        .to_string(),
        description: None,
        max_session_seconds: 3600,
        tags: "[]".to_owned(),
        created_ms: created,
    })
    .await?;
    rows += units.len() + 3;
    bump(&counts.org_rows, units.len() + 3);
    for (k, i) in members.iter().enumerate() {
        let id = &accounts[*i];
        // The management account sits in the root; the others spread over the root and the OUs.
        let parent = if *i == 0 { 0 } else { k % units.len() };
        let mut name = String::from("bench-");
        push_decimal(&mut name, *i as u64);
        let t = tx
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("no tx".into()))?;
        t.insert_org_account(&OrgAccountRecord {
            account_id: id.clone(),
            org_id: org_id.clone(),
            parent_id: units[parent].id.clone(),
            arn: in_org_arn("account", id),
            name,
            email: concat(&[id, "@example.com"]),
            joined_method: AccountJoinedMethod::Invited,
            joined_ms: created,
        })
        .await?;
        rows += 1;
        bump(&counts.org_rows, 1);
        maybe_commit(store, &mut tx, &mut rows, batch).await?;
    }

    // Customer managed permissions for CodeBuild projects: one account in ten has one, one in
    // twenty a second version (the default).
    let mut cmp = vec![None; n];
    for i in (3..n).step_by(10) {
        let arn = concat(&[
            "arn:aws:ram:",
            &args.region,
            ":",
            &accounts[i],
            ":permission/",
            CMP_NAME,
        ]);
        let t = tx
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("no tx".into()))?;
        t.insert_permission(
            &NewPermission {
                arn: arn.clone(),
                account_id: accounts[i].clone(),
                region: args.region.clone(),
                name: CMP_NAME.to_owned(),
                resource_type: PROJECT.resource_type.to_owned(),
                feature_set: PermissionFeatureSet::Standard,
                status: PermissionStatus::Attachable,
                now_ms: created,
            },
            CMP_V1,
        )
        .await?;
        t.put_permission_tags(
            &arn,
            &[Tag {
                key: "team".to_owned(),
                value: "bench".to_owned(),
            }],
        )
        .await?;
        let mut version = 1;
        rows += 3;
        if i % 20 == 3 {
            t.insert_permission_version(&arn, 2, CMP_V2, created + 1)
                .await?;
            t.set_default_permission_version(&arn, 2, created + 1)
                .await?;
            version = 2;
            rows += 1;
        }
        bump(&counts.permissions, if version == 2 { 4 } else { 3 });
        cmp[i] = Some((arn, version));
        maybe_commit(store, &mut tx, &mut rows, batch).await?;
    }
    if let Some(t) = tx.take() {
        t.commit().await?;
    }
    Ok(World {
        region: args.region.clone(),
        accounts,
        in_org,
        members,
        outsiders,
        org: Org {
            arn: org_arn,
            ou_arns: units[1..].iter().map(|u| u.arn.clone()).collect(),
        },
        cmp,
        start_ms,
    })
}

/// A principal of a share, before its rows are made.
struct Principal {
    entity: String,
    /// The account it belongs to (accounts only here).
    account: Option<String>,
    /// Reached by invitation (outside the owner's sharing organization), in this state.
    invitation: Option<InvStatus>,
}

/// Generates the shares in order, in chunks of about `--batch-rows` rows, and sends them to the
/// writers. Runs on a blocking thread beside them.
fn generate(args: &SeedArgs, world: &World, mut rng: Rng, send: &mpsc::Sender<Vec<Unit>>) {
    let heavy_total = args.heavy_accounts * args.heavy_shares;
    let normal_accounts = args.accounts - args.heavy_accounts;
    let normal_shares = args.shares - heavy_total;
    let mut pending_sent = vec![0u16; world.accounts.len()];
    let mut resource_id: u64 = 1 << 60;
    let receiver_per_10k = (args.receiver_percent * 100.0).clamp(0.0, 10_000.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let receiver_per_10k = receiver_per_10k as u64;
    // Associations per share: uniform in 1..=2A-1, so A on average.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let spread = ((args.associations_per_share * 2.0 - 1.0).max(1.0)).round() as u64;
    let mut chunk = Vec::new();
    let mut chunk_rows = 0;
    for k in 0..args.shares {
        let owner = if k < normal_shares {
            k % normal_accounts
        } else {
            normal_accounts + (k - normal_shares) % args.heavy_accounts.max(1)
        };
        let owner = usize::try_from(owner).unwrap_or(0);
        let heavy = k >= normal_shares;
        let total = if heavy { 2 } else { 1 + rng.below(spread) };
        let principals = match total {
            1 => 0,
            t => 1 + (t - 1) / 4,
        };
        let resources = total - principals;
        let to_receiver = rng.below(10_000) < receiver_per_10k;
        let unit = share_unit(
            world,
            &mut rng,
            &mut pending_sent,
            &mut resource_id,
            k,
            args.shares,
            owner,
            resources,
            principals,
            to_receiver,
        );
        chunk_rows += unit.rows();
        chunk.push(unit);
        if chunk_rows >= args.batch_rows {
            if send.blocking_send(std::mem::take(&mut chunk)).is_err() {
                return;
            }
            chunk_rows = 0;
        }
    }
    if !chunk.is_empty() {
        let _ = send.blocking_send(chunk);
    }
}

fn pick_principals(
    world: &World,
    rng: &mut Rng,
    pending_sent: &mut [u16],
    owner: usize,
    count: u64,
    to_receiver: bool,
) -> Vec<Principal> {
    let owner_in_org = world.in_org[owner];
    let mut out: Vec<Principal> = Vec::new();
    let invited_state = |rng: &mut Rng, pending_sent: &mut [u16]| {
        let r = rng.below(100);
        if r < 70 {
            InvStatus::Accepted
        } else if r < 80 {
            if pending_sent[owner] < PENDING_QUOTA {
                pending_sent[owner] += 1;
                InvStatus::Pending
            } else {
                InvStatus::Accepted
            }
        } else if r < 90 {
            InvStatus::Rejected
        } else {
            InvStatus::Expired
        }
    };
    if to_receiver {
        out.push(Principal {
            entity: RECEIVER.to_owned(),
            account: Some(RECEIVER.to_owned()),
            invitation: Some(invited_state(rng, pending_sent)),
        });
    }
    let mut attempts = 0;
    while (out.len() as u64) < count && attempts < count * 4 {
        attempts += 1;
        let roll = rng.below(100);
        let candidate = if owner_in_org && roll < 15 && !world.org.ou_arns.is_empty() {
            let ou = &world.org.ou_arns[rng.index(world.org.ou_arns.len())];
            Principal {
                entity: ou.clone(),
                account: None,
                invitation: None,
            }
        } else if owner_in_org && roll < 20 {
            Principal {
                entity: world.org.arn.clone(),
                account: None,
                invitation: None,
            }
        } else {
            let pool = if owner_in_org && roll < 90 || world.outsiders.is_empty() {
                &world.members
            } else {
                &world.outsiders
            };
            let other = pool[rng.index(pool.len())];
            if other == owner {
                continue;
            }
            let invited = !(owner_in_org && world.in_org[other]);
            Principal {
                entity: world.accounts[other].clone(),
                account: Some(world.accounts[other].clone()),
                invitation: invited.then(|| invited_state(rng, pending_sent)),
            }
        };
        if out.iter().all(|p| p.entity != candidate.entity) {
            out.push(candidate);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn share_unit(
    world: &World,
    rng: &mut Rng,
    pending_sent: &mut [u16],
    resource_id: &mut u64,
    k: u64,
    shares: u64,
    owner: usize,
    resources: u64,
    principals: u64,
    to_receiver: bool,
) -> Unit {
    let owner_id = &world.accounts[owner];
    let region = &world.region;
    let principals = pick_principals(world, rng, pending_sent, owner, principals, to_receiver);
    let invited = principals.iter().any(|p| p.invitation.is_some());

    // Resource types: the receiver's shares hold CodeBuild projects; organization-only types
    // only where nobody is invited.
    let allowed: Vec<&Kind> = KINDS
        .iter()
        .copied()
        .filter(|k| k.outside_org || !invited)
        .collect();
    let primary = if to_receiver {
        &PROJECT
    } else {
        allowed[rng.index(allowed.len())]
    };
    let secondary = if resources >= 2 && rng.percent(30) {
        allowed[rng.index(allowed.len())]
    } else {
        primary
    };
    let kinds: Vec<&Kind> = (0..resources)
        .map(|i| {
            if i < resources.div_ceil(2) {
                primary
            } else {
                secondary
            }
        })
        .collect();
    let mut types: Vec<&Kind> = Vec::new();
    for kind in &kinds {
        if !types.iter().any(|t| t.resource_type == kind.resource_type) {
            types.push(kind);
        }
    }
    let ttl_ms = types.iter().map(|t| t.invitation_hours).min().unwrap_or(12) * HOUR_MS;

    // Recent shares were created in the last `shares` milliseconds, one apart; a share with an
    // expired invitation is older than the invitation's lifetime.
    let recent = world.start_ms - as_i64(shares - k);
    let expired = principals
        .iter()
        .any(|p| p.invitation == Some(InvStatus::Expired));
    let created = if expired {
        recent - ttl_ms - HOUR_MS
    } else {
        recent
    };

    let mut arn = String::with_capacity(100);
    arn.push_str("arn:aws:ram:");
    arn.push_str(region);
    arn.push(':');
    arn.push_str(owner_id);
    arn.push_str(":resource-share/");
    rng.push_uuid(&mut arn);
    let mut name = String::from("seed-");
    push_decimal(&mut name, k);
    let share = NewShare {
        arn: arn.clone(),
        owner_account: owner_id.clone(),
        region: region.clone(),
        name,
        allow_external: invited || rng.percent(80),
        feature_set: ResourceShareFeatureSet::Standard,
        retain_on_leave: None,
        lifecycle: Lifecycle::now(ResourceShareStatus::Active),
        created_ms: created,
    };

    let mut tags = Vec::new();
    if rng.percent(50) {
        tags.push(Tag {
            key: "env".to_owned(),
            value: ENVS[rng.index(ENVS.len())].to_owned(),
        });
        if rng.percent(40) {
            let mut value = String::from("team-");
            push_decimal(&mut value, (owner % 50) as u64);
            tags.push(Tag {
                key: "team".to_owned(),
                value,
            });
        }
    }

    let permissions = types
        .iter()
        .map(|t| {
            let (permission_arn, permission_version) = match &world.cmp[owner] {
                Some((cmp, version))
                    if t.resource_type == PROJECT.resource_type && rng.percent(50) =>
                {
                    (cmp.clone(), *version)
                }
                _ => (t.default_permission.to_owned(), 1),
            };
            SharePermissionRecord {
                share_arn: arn.clone(),
                resource_type: t.resource_type.to_owned(),
                permission_arn,
                permission_version,
                created_ms: created,
                updated_ms: created,
            }
        })
        .collect();

    let association = |kind: AssocType, entity: String, lifecycle, at: i64| NewAssociation {
        share_arn: arn.clone(),
        association_type: kind,
        entity,
        owner_account: owner_id.clone(),
        region: region.clone(),
        entity_account: None,
        resource_type: None,
        external: false,
        lifecycle,
        status_message: None,
        now_ms: at,
    };
    let mut associations = Vec::with_capacity(kinds.len() + principals.len());
    for kind in &kinds {
        *resource_id += 1;
        let mut entity = String::with_capacity(80);
        entity.push_str("arn:aws:");
        entity.push_str(kind.service);
        entity.push(':');
        entity.push_str(region);
        entity.push(':');
        entity.push_str(owner_id);
        entity.push(':');
        entity.push_str(kind.resource);
        push_hex(&mut entity, *resource_id, 17);
        associations.push(NewAssociation {
            resource_type: Some(kind.resource_type.to_owned()),
            ..association(
                AssocType::Resource,
                entity,
                Lifecycle::now(AssocStatus::Associated),
                created,
            )
        });
    }
    let mut invitations = Vec::new();
    for p in principals {
        // Principals invited later than the share was made (all but the expired ones) were
        // added recently, as AssociateResourceShare would.
        let at = if p.invitation == Some(InvStatus::Expired) {
            created
        } else {
            recent
        };
        let deadline = at + ttl_ms;
        let (lifecycle, message) = match p.invitation {
            None | Some(InvStatus::Accepted) => (Lifecycle::now(AssocStatus::Associated), None),
            Some(InvStatus::Pending | InvStatus::Expired) => (
                Lifecycle {
                    status: AssocStatus::Associating,
                    next: Some((AssocStatus::Disassociated, deadline)),
                },
                None,
            ),
            Some(InvStatus::Rejected) => (
                Lifecycle::now(AssocStatus::Disassociated),
                Some(REJECTED_MESSAGE.to_owned()),
            ),
        };
        if let Some(status) = p.invitation {
            let mut inv_arn = String::with_capacity(110);
            inv_arn.push_str("arn:aws:ram:");
            inv_arn.push_str(region);
            inv_arn.push(':');
            inv_arn.push_str(owner_id);
            inv_arn.push_str(":resource-share-invitation/");
            rng.push_uuid(&mut inv_arn);
            let receiver = p.account.clone().unwrap_or_default();
            invitations.push(NewInvitation {
                arn: inv_arn,
                share_arn: arn.clone(),
                principal: p.entity.clone(),
                sender_account: owner_id.clone(),
                receiver_account: receiver,
                receiver_arn: None,
                region: region.clone(),
                lifecycle: match status {
                    InvStatus::Pending | InvStatus::Expired => Lifecycle {
                        status: InvStatus::Pending,
                        next: Some((InvStatus::Expired, deadline)),
                    },
                    other => Lifecycle::now(other),
                },
                created_ms: at,
            });
        }
        associations.push(NewAssociation {
            entity_account: p.account.clone(),
            external: p.invitation.is_some(),
            status_message: message,
            ..association(AssocType::Principal, p.entity, lifecycle, at)
        });
    }
    Unit {
        share,
        tags,
        permissions,
        associations,
        invitations,
    }
}

/// Writes one chunk of shares in one transaction, retrying it on a conflict (PostgreSQL).
async fn write_chunk(store: &Store, chunk: &[Unit], counts: &Counts) -> Result<(), String> {
    let mut attempt = 0;
    loop {
        match try_write_chunk(store, chunk).await {
            Ok(()) => break,
            Err(StoreError::Conflict(e)) if attempt < 10 => {
                attempt += 1;
                eprintln!("ramd-bench seed: retrying a batch after a conflict: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            Err(e) => return Err(format!("writing shares: {e}")),
        }
    }
    for u in chunk {
        bump(&counts.shares, 1);
        bump(&counts.tags, u.tags.len());
        bump(&counts.share_permissions, u.permissions.len());
        for a in &u.associations {
            let counter = if a.association_type == AssocType::Resource {
                &counts.resource_associations
            } else {
                &counts.principal_associations
            };
            bump(counter, 1);
        }
        for i in &u.invitations {
            let status = i.lifecycle.next.map_or(i.lifecycle.status, |(next, at)| {
                if at <= now_ms() {
                    next
                } else {
                    i.lifecycle.status
                }
            });
            bump(&counts.invitations[invitation_slot(status)], 1);
        }
    }
    Ok(())
}

async fn try_write_chunk(store: &Store, chunk: &[Unit]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    for u in chunk {
        tx.insert_share(&u.share).await?;
        if !u.tags.is_empty() {
            tx.put_share_tags(&u.share.arn, &u.tags).await?;
        }
        for p in &u.permissions {
            tx.set_share_permission(p).await?;
        }
        for a in &u.associations {
            tx.upsert_association(a).await?;
        }
        for i in &u.invitations {
            tx.insert_invitation(i).await?;
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ram_store::{InvitationFilter, States};

    /// A small seeded store reads back through the store's own queries as the domain reads it.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_seeded_store_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let args = SeedArgs {
            data_dir: Some(dir.path().to_owned()),
            database_url: None,
            accounts: 20,
            shares: 400,
            associations_per_share: 5.0,
            heavy_accounts: 1,
            heavy_shares: 100,
            receiver_percent: 30.0,
            batch_rows: 300,
            writers: None,
            rng_seed: 1,
            region: "us-east-1".to_owned(),
        };
        run(args).await.unwrap();
        let store = Store::open_dir(dir.path()).await.unwrap();
        let now = now_ms();
        let mut tx = store.begin().await.unwrap();
        let heavy = tx
            .count_shares("111111111130", "us-east-1", &States::Any, now)
            .await
            .unwrap();
        assert_eq!(heavy, 100);
        let invitations = tx
            .list_invitations(
                RECEIVER,
                "us-east-1",
                &InvitationFilter::default(),
                None,
                10_000,
                now,
            )
            .await
            .unwrap();
        for status in [
            InvStatus::Pending,
            InvStatus::Accepted,
            InvStatus::Rejected,
            InvStatus::Expired,
        ] {
            assert!(
                invitations.items.iter().any(|i| i.status == status),
                "an invitation {status:?}"
            );
        }
        let member = tx
            .organization_of_account("111111111112")
            .await
            .unwrap()
            .expect("a member");
        assert_eq!(member.enabled_services, vec![RAM_SERVICE.to_owned()]);
        assert!(
            tx.organization_of_account(RECEIVER)
                .await
                .unwrap()
                .is_none()
        );
        tx.commit().await.unwrap();
    }
}
