//! `ramd`: serve RAM's API, and manage the accounts that may call it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use ram_domain::{Clock, Config, Ram, RandomIds, SystemClock};
use ram_store::{Durability, Store, StoreOptions};
use ramd::accounts::KeyChange;
use ramd::connections::{self, Limits};
use ramd::secrets::{MasterKey, Origin};
use ramd::throttle::{Rate, Throttle};
use ramd::{AppState, AuthMode, accounts, router};

#[derive(Parser)]
#[command(
    name = "ramd",
    version,
    about = "A self-hosted, wire-compatible AWS Resource Access Manager."
)]
struct Cli {
    /// A TOML file of settings, keyed by the long flags of the command (`listen = "..."`); flags
    /// and environment variables win over it.
    #[arg(long, global = true, env = "RAMD_CONFIG")]
    config: Option<PathBuf>,
    /// The log filter (e.g. `debug`, `info,ramd::server=warn`).
    #[arg(long, global = true, env = "RAMD_LOG", default_value = ramd::logging::DEFAULT_FILTER)]
    log: String,
    /// How log lines are written on stderr.
    #[arg(
        long,
        global = true,
        env = "RAMD_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: ramd::logging::LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// Where the state lives; every subcommand that touches it takes these.
#[derive(clap::Args, Clone)]
struct StoreArgs {
    /// Directory of the embedded SQLite store.
    #[arg(long, env = "RAMD_DATA_DIR", default_value = "./ramd-data")]
    data_dir: PathBuf,
    /// A PostgreSQL database (postgres://user@host/db) to use instead of the embedded store.
    #[arg(long, env = "RAMD_DATABASE_URL")]
    database_url: Option<String>,
    /// When the embedded store answers a write: `fsync` once it is on disk (group commit), or
    /// `os` once the operating system has it (faster; survives a crash of ramd, not a power loss).
    #[arg(
        long,
        env = "RAMD_SQLITE_DURABILITY",
        value_enum,
        default_value = "fsync"
    )]
    sqlite_durability: SqliteDurability,
    /// The file of the master key that seals the stored secret access keys (base64 of 32 bytes).
    /// `RAMD_MASTER_KEY` may give the key itself instead. Default for the embedded store:
    /// `master.key` in the data directory, made on first use; PostgreSQL needs one given (the
    /// same for every replica).
    #[arg(long, env = "RAMD_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SqliteDurability {
    Fsync,
    Os,
}

impl StoreArgs {
    async fn open(&self) -> Result<Store, String> {
        let options = StoreOptions {
            durability: match self.sqlite_durability {
                SqliteDurability::Fsync => Durability::Fsync,
                SqliteDurability::Os => Durability::Os,
            },
        };
        let opened = match &self.database_url {
            Some(url) => Store::open_with(url, options).await,
            None => Store::open_dir_with(&self.data_dir, options).await,
        };
        opened.map_err(|e| e.to_string())
    }

    /// The master key the access keys of `db` (opened from these arguments) are sealed under;
    /// secrets a store from before sealing holds in plain text are sealed now.
    async fn master_key(&self, db: &Store) -> Result<Arc<MasterKey>, String> {
        let default_file = self
            .database_url
            .is_none()
            .then(|| self.data_dir.join("master.key"));
        if default_file.is_some() {
            std::fs::create_dir_all(&self.data_dir)
                .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
        }
        let env = std::env::var("RAMD_MASTER_KEY").ok();
        let (master, origin) = MasterKey::load(
            env.as_deref(),
            self.master_key_file.as_deref(),
            default_file.as_deref(),
        )?;
        match origin {
            Origin::Generated(path) => eprintln!(
                "ramd: made a master key at {} (it seals the stored access keys: keep it, and back it up, with the store)",
                path.display()
            ),
            Origin::File(path) => tracing::debug!(path = %path.display(), "master key read"),
            Origin::Environment => tracing::debug!("master key from RAMD_MASTER_KEY"),
        }
        let sealed = accounts::seal_plaintext(db, &master).await?;
        if sealed > 0 {
            tracing::info!(sealed, "sealed the access keys stored in plain text");
        }
        Ok(Arc::new(master))
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ThrottleMode {
    Auto,
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Auth {
    /// Verify every request's SigV4 signature against stored access keys.
    Sigv4,
    /// Local emulation: do not check signatures; a 12-digit access key id is the account.
    Trust,
}

/// What `ramd serve` (and `ramd config`) take.
#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "RAMD_LISTEN", default_value = "127.0.0.1:7420")]
    listen: SocketAddr,
    /// Serve `/health`, `/ready` and `/metrics` on this address instead of the main one.
    #[arg(long, env = "RAMD_ADMIN_LISTEN")]
    admin_listen: Option<SocketAddr>,
    /// How callers are authenticated.
    #[arg(long, env = "RAMD_AUTH", value_enum, default_value = "sigv4")]
    auth: Auth,
    /// In trust mode, the account of callers whose access key id is not 12 digits.
    #[arg(long, env = "RAMD_DEFAULT_ACCOUNT", default_value = "000000000000")]
    default_account: String,
    /// In trust mode, allow listening on a non-loopback address (anyone who reaches it can act as any account).
    #[arg(long, env = "RAMD_ALLOW_REMOTE_TRUST")]
    allow_remote_trust: bool,
    /// Lifetime of every invitation, overriding each resource type's (12 hours or 7 days).
    #[arg(long, env = "RAMD_INVITATION_TTL_SECONDS")]
    invitation_ttl_seconds: Option<i64>,
    /// How long associations stay ASSOCIATING/DISASSOCIATING (and shares DELETING).
    #[arg(long, env = "RAMD_ASSOCIATION_DELAY_MS", default_value_t = 0)]
    association_delay_ms: i64,
    /// Change a service quota, e.g. `--quota resource-shares=100` (repeatable; names: resource-shares,
    /// resources-per-share, principals-per-share, resource-associations, principal-associations,
    /// pending-invitations, entities-per-call, tags-per-resource).
    #[arg(long = "quota", env = "RAMD_QUOTAS", value_delimiter = ',')]
    quotas: Vec<String>,
    /// How long a deleted share stays listed as DELETED.
    #[arg(
        long,
        env = "RAMD_DELETED_SHARE_RETENTION_SECONDS",
        default_value_t = 7200
    )]
    deleted_share_retention_seconds: i64,
    /// How long an accepted, rejected or expired invitation stays listed before it is purged.
    #[arg(
        long,
        env = "RAMD_ENDED_INVITATION_RETENTION_SECONDS",
        default_value_t = 604_800
    )]
    ended_invitation_retention_seconds: i64,
    /// Per-account rate limits: `auto` is on with `--auth sigv4` and off in trust mode (where
    /// test suites would only be slowed down).
    #[arg(long, env = "RAMD_THROTTLE", value_enum, default_value = "auto")]
    throttle: ThrottleMode,
    /// Calls that read (Get…, List…, Describe…) per account and Region: RATE or RATE:BURST a second.
    #[arg(long, env = "RAMD_THROTTLE_READS", default_value_t = Rate::READS)]
    throttle_reads: Rate,
    /// Calls that change something, per account and Region: RATE or RATE:BURST a second.
    #[arg(long, env = "RAMD_THROTTLE_WRITES", default_value_t = Rate::WRITES)]
    throttle_writes: Rate,
    /// Connections served at once; more are answered 503 and closed.
    #[arg(long, env = "RAMD_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a request head may take to arrive (also how long an idle keep-alive
    /// connection is kept).
    #[arg(
        long,
        env = "RAMD_IDLE_TIMEOUT_SECONDS",
        default_value_t = Limits::default().idle_timeout.as_secs()
    )]
    idle_timeout_seconds: u64,
    /// Seconds a request body may take to arrive after its head.
    #[arg(long, env = "RAMD_BODY_TIMEOUT_SECONDS", default_value_t = 60)]
    body_timeout_seconds: u64,
    /// Headers one request may carry (more: 431).
    #[arg(long, env = "RAMD_MAX_HEADERS", default_value_t = Limits::default().max_headers)]
    max_headers: usize,
    /// Bytes of one request's line and headers (more: 431; at least 8192).
    #[arg(long, env = "RAMD_MAX_HEAD_BYTES", default_value_t = Limits::default().max_head_bytes)]
    max_head_bytes: usize,
    /// Serve the web console at /console (sign in with an access key pair, or an account id in
    /// trust mode).
    #[arg(long, env = "RAMD_CONSOLE", default_value_t = true, action = clap::ArgAction::Set)]
    console: bool,
    /// Load this fixture (YAML or JSON, as `ramd seed` takes it) before serving.
    #[arg(long, env = "RAMD_SEED")]
    seed: Option<PathBuf>,
    /// What the audit trail records (CloudTrail's LookupEvents reads it): every call, the calls
    /// that change something or fail (successful reads left out: they cost as much again as the
    /// read), or nothing.
    #[arg(long, env = "RAMD_AUDIT", value_enum, default_value_t = ramd::audit::AuditMode::All)]
    audit: ramd::audit::AuditMode,
    /// Days the audit trail keeps an event (0: for ever).
    #[arg(long, env = "RAMD_AUDIT_RETENTION_DAYS", default_value_t = 90)]
    audit_retention_days: u32,
    /// POST every RAM change event to this URL (http://host:port/path; repeatable).
    #[arg(long = "webhook", env = "RAMD_WEBHOOKS", value_delimiter = ',')]
    webhooks: Vec<http::Uri>,
    /// The secret webhook requests are signed with (X-Ramd-Signature: sha256=HMAC of the body).
    #[arg(long, env = "RAMD_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Write the audit trail's events, oldest first, one CloudTrail record (JSON) a line.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Only the events of this account.
        #[arg(long)]
        account: Option<String>,
        /// Only the events at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// The file to write; stdout when omitted.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Serve RAM's API (and STS GetCallerIdentity) on one HTTP endpoint.
    Serve(ServeArgs),
    /// Print the configuration `serve` would run with (the same flags, environment and config
    /// file), and where each value comes from, as JSON.
    Config(ServeArgs),
    /// Write the whole store as a versioned JSON snapshot (stdout, or --output FILE).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// The file to write (mode 0600: it holds sealed secrets); stdout when omitted.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The audit trail, for an operator.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load a snapshot written by `ramd export` into an empty store.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The snapshot file.
        file: PathBuf,
    },
    /// Load a fixture (YAML or JSON): accounts with fixed access keys, the organization tree,
    /// permissions, shares with their resources, principals and tags, invitations accepted or
    /// pending. What exists is kept, so running it again changes nothing. Prints what it made.
    Seed {
        #[command(flatten)]
        store: StoreArgs,
        /// The fixture file.
        file: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), e.g. `ramd man > /usr/local/share/man/man1/ramd.1`.
    Man,
    /// Decide whether a principal may perform an action on a resource, and why (JSON on stdout).
    CheckAccess {
        #[command(flatten)]
        store: StoreArgs,
        /// A 12-digit account, an IAM role or user ARN, or a service principal.
        #[arg(long)]
        principal: String,
        /// The IAM action, e.g. ec2:RunInstances.
        #[arg(long)]
        action: String,
        /// The resource's ARN.
        #[arg(long)]
        resource_arn: String,
        /// The request's condition keys as a JSON object, e.g. '{"aws:RequestTag/env": "prod"}'.
        #[arg(long)]
        context: Option<String>,
        /// Also evaluate the principal's identity policies and its account's SCPs.
        #[arg(long)]
        identity: bool,
        /// The Region whose shares are consulted.
        #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
        region: String,
    },
    /// Bring the store's schema up to date (serve also does it at start; replicas may race safely)
    /// and print the schema version as JSON.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage accounts and their access keys.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Create an account (or add a key to an existing one) and print its credentials as JSON.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        /// The 12-digit account id (random when omitted).
        #[arg(long)]
        account_id: Option<String>,
        /// A name for the account.
        #[arg(long)]
        name: Option<String>,
        /// Bind the key to an IAM user or role ARN of the account: that principal is the caller.
        #[arg(long)]
        principal_arn: Option<String>,
    },
    /// List accounts as JSON.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage access keys: list, deactivate, reactivate, rotate, delete.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List access keys (never their secrets) as JSON.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// Only this account's keys.
        #[arg(long)]
        account_id: Option<String>,
    },
    /// Refuse the key from now on, keeping it (reactivate undoes it).
    Deactivate {
        #[command(flatten)]
        store: StoreArgs,
        access_key_id: String,
    },
    /// Accept a deactivated key again.
    Reactivate {
        #[command(flatten)]
        store: StoreArgs,
        access_key_id: String,
    },
    /// Issue a new key for the same account and principal and print it as JSON; the old key stays
    /// active until you deactivate or delete it.
    Rotate {
        #[command(flatten)]
        store: StoreArgs,
        access_key_id: String,
    },
    /// Delete the key for good.
    Delete {
        #[command(flatten)]
        store: StoreArgs,
        access_key_id: String,
    },
}

#[tokio::main]
async fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = match ramd::config_file::parse(Cli::command(), &args) {
        Ok(parsed) => parsed,
        Err(ramd::config_file::Error::Usage(e)) => e.exit(),
        Err(ramd::config_file::Error::File(reason)) => {
            eprintln!("ramd: {reason}");
            std::process::exit(2);
        }
    };
    let cli = Cli::from_arg_matches(&parsed.matches).unwrap_or_else(|e| e.exit());
    if let Command::Config(_) = cli.command {
        println!(
            "{}",
            serde_json::to_string_pretty(&parsed.describe(&Cli::command())).unwrap_or_default()
        );
        return;
    }
    let log = match ramd::logging::init(cli.log_format, &cli.log) {
        Ok(guard) => guard,
        Err(reason) => {
            eprintln!("ramd: {reason}");
            std::process::exit(1);
        }
    };
    let result = run(cli).await;
    // The queued log lines are written before the process ends.
    drop(log);
    if let Err(reason) = result {
        eprintln!("ramd: {reason}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Config(_) => Ok(()),
        Command::Export { store, output } => {
            let db = store.open().await?;
            let snapshot = ramd::snapshot::export(&db, SystemClock.now_ms()).await?;
            let text = serde_json::to_string(&snapshot).map_err(|e| e.to_string())?;
            match output {
                Some(path) => ramd::secrets::write_private(&path, &text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Export {
            store,
            account,
            since,
            output,
        }) => {
            let since_ms = since
                .map(|s| {
                    time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
                        .map_err(|e| format!("--since {s:?} is not an RFC 3339 time: {e}"))
                })
                .transpose()?;
            let db = store.open().await?;
            let mut out: Box<dyn std::io::Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let written = ramd::audit::export(&db, account.as_deref(), since_ms, &mut out).await?;
            out.flush().map_err(|e| e.to_string())?;
            eprintln!("{written} events");
            Ok(())
        }
        Command::Import { store, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let snapshot: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            let db = store.open().await?;
            let master = store.master_key(&db).await?;
            let done = ramd::snapshot::import(&db, &master, &snapshot).await?;
            println!(
                "{}",
                serde_json::json!({"tables": done.tables, "rows": done.rows})
            );
            Ok(())
        }
        Command::Seed { store, file } => {
            let fixture = read_fixture(&file)?;
            let db = store.open().await?;
            let master = store.master_key(&db).await?;
            let ram = Ram::new(
                db.clone(),
                Config::default(),
                Arc::new(SystemClock),
                Arc::new(RandomIds),
            )
            .await
            .map_err(|e| e.to_string())?;
            let report = ramd::seed::seed(&ram, &db, Some(&master), &fixture, SystemClock.now_ms())
                .await
                .map_err(|e| format!("{}: {e}", file.display()));
            db.close().await;
            println!("{}", serde_json::json!({ "made": report? }));
            Ok(())
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ramd", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map_err(|e| format!("cannot write the man page: {e}")),
        Command::Serve(ServeArgs {
            store,
            listen,
            admin_listen,
            auth,
            default_account,
            allow_remote_trust,
            invitation_ttl_seconds,
            association_delay_ms,
            deleted_share_retention_seconds,
            ended_invitation_retention_seconds,
            quotas,
            throttle,
            throttle_reads,
            throttle_writes,
            max_connections,
            idle_timeout_seconds,
            body_timeout_seconds,
            max_headers,
            max_head_bytes,
            console,
            seed,
            audit,
            audit_retention_days,
            webhooks,
            webhook_secret,
        }) => {
            if let Some(bad) = webhooks
                .iter()
                .find(|u| u.scheme_str() != Some("http") || u.host().is_none())
            {
                return Err(format!(
                    "--webhook {bad}: ramd delivers to http://host[:port]/path URLs (put a TLS proxy in front for https)"
                ));
            }
            let webhook_secret = match (&webhooks[..], webhook_secret) {
                ([], _) => None,
                (_, Some(secret)) if !secret.is_empty() => Some(secret),
                _ => {
                    return Err(
                        "--webhook needs --webhook-secret (RAMD_WEBHOOK_SECRET): receivers check the signature with it"
                            .to_owned(),
                    );
                }
            };
            if auth == Auth::Trust && !listen.ip().is_loopback() && !allow_remote_trust {
                return Err(format!(
                    "refusing to listen on {listen} in trust mode: anyone who can reach it could act as any account (pass --allow-remote-trust to do it anyway)"
                ));
            }
            let db = store.open().await?;
            let fixture = seed.as_deref().map(read_fixture).transpose()?;
            let master = if auth == Auth::Sigv4 || fixture.is_some() {
                Some(store.master_key(&db).await?)
            } else {
                // Trust mode checks no key, but IAM's CreateAccessKey still seals the keys it
                // makes: with a master key when one can be had.
                store.master_key(&db).await.ok()
            };
            let mut limits = ram_domain::Quotas::default();
            for q in &quotas {
                limits.set(q)?;
            }
            let config = Config {
                quotas: limits,
                invitation_ttl_seconds,
                association_delay_ms,
                deleted_share_retention_seconds,
                ended_invitation_retention_seconds,
            };
            let ram = Ram::new(
                db.clone(),
                config,
                Arc::new(SystemClock),
                Arc::new(RandomIds),
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(master) = &master {
                ram.iam()
                    .set_key_issuer(Arc::new(ramd::accounts::Issuer(master.clone())));
            }
            if let (Some(fixture), Some(path)) = (&fixture, &seed) {
                let report =
                    ramd::seed::seed(&ram, &db, master.as_deref(), fixture, SystemClock.now_ms())
                        .await
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                tracing::info!(fixture = %path.display(), made = %serde_json::json!(report), "seeded");
            }
            let mode = if let (Auth::Sigv4, Some(master)) = (auth, master) {
                bootstrap(&db, &master, &store.data_dir).await?;
                AuthMode::Sigv4 { master }
            } else {
                tracing::warn!(
                    "trust mode: request signatures are NOT checked; use only for local testing"
                );
                AuthMode::Trust { default_account }
            };
            let throttling = match throttle {
                ThrottleMode::Auto => auth == Auth::Sigv4,
                ThrottleMode::On => true,
                ThrottleMode::Off => false,
            };
            let throttle =
                throttling.then(|| Arc::new(Throttle::new(throttle_reads, throttle_writes)));
            if let Some(t) = &throttle {
                tracing::info!(
                    reads = %throttle_reads,
                    writes = %throttle_writes,
                    "per-account throttling is on"
                );
                let t = Arc::downgrade(t);
                tokio::spawn(async move {
                    let mut every = tokio::time::interval(std::time::Duration::from_mins(1));
                    while let Some(t) = {
                        every.tick().await;
                        t.upgrade()
                    } {
                        t.forget_idle();
                    }
                });
            } else {
                tracing::info!("per-account throttling is off");
            }
            ramd::metrics::install();
            let admin = Arc::new(ramd::admin::Admin::new(admin_listen.is_none()));
            if webhook_secret.is_some() {
                tracing::info!(
                    webhooks = webhooks.len(),
                    "delivering RAM events to webhooks"
                );
            }
            // Without webhooks the task still settles timed transitions, so that `GET /events`
            // has them too.
            ramd::feed::start(
                ram.store().clone(),
                ramd::feed::Webhooks {
                    urls: webhooks,
                    secret: webhook_secret.unwrap_or_default().into_bytes(),
                },
            );
            let audit_log = (audit != ramd::audit::AuditMode::Off).then(|| {
                ramd::audit::AuditLog::start(ram.store().clone(), audit_retention_days, audit)
            });
            let state = AppState {
                audit: audit_log.clone(),
                ram,
                auth: Arc::new(mode),
                throttle,
                body_timeout: Duration::from_secs(body_timeout_seconds),
                admin: admin.clone(),
                console: console.then(Default::default),
            };
            let app = router(state.clone());
            let limits = Limits {
                max_connections,
                idle_timeout: Duration::from_secs(idle_timeout_seconds),
                max_headers,
                max_head_bytes,
            };
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            if let Some(d) = db.durability() {
                tracing::info!(%listen, data_dir = %store.data_dir.display(), durability = d.describe(), "ramd is serving");
            } else {
                tracing::info!(%listen, "ramd is serving on PostgreSQL");
            }
            // One signal stops every listener; /ready says so at once.
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("shutting down: finishing the requests in flight");
                admin.start_draining();
                let _ = stop.send(true);
            });
            let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            let admin_server = match admin_listen {
                Some(address) => {
                    let admin_listener = tokio::net::TcpListener::bind(address)
                        .await
                        .map_err(|e| format!("cannot listen on {address} (--admin-listen): {e}"))?;
                    tracing::info!(%address, "serving /health, /ready and /metrics");
                    Some(tokio::spawn(connections::serve(
                        admin_listener,
                        ramd::admin::router(state),
                        Limits::default(),
                        until_stopped(stopped.clone()),
                    )))
                }
                None => None,
            };
            connections::serve(listener, app, limits, until_stopped(stopped)).await;
            if let Some(server) = admin_server {
                let _ = server.await;
            }
            // The events of the last requests are written before the store closes.
            if let Some(log) = &audit_log {
                log.flush().await;
            }
            db.close().await;
            tracing::info!("ramd stopped");
            Ok(())
        }
        Command::CheckAccess {
            store,
            principal,
            action,
            resource_arn,
            context,
            identity,
            region,
        } => {
            let context = context
                .map(|c| {
                    serde_json::from_str(&c).map_err(|e| format!("--context is not JSON: {e}"))
                })
                .transpose()?;
            let db = store.open().await?;
            let ram = Ram::new(
                db,
                Config::default(),
                Arc::new(SystemClock),
                Arc::new(RandomIds),
            )
            .await
            .map_err(|e| e.to_string())?;
            let request = ram_domain::CheckAccessRequest {
                principal,
                action,
                resource_arn,
                context,
                include_identity: identity,
            };
            let answer = ram
                .check_access_as_operator(&region, request)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&answer).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Migrate { store } => {
            let db = store.open().await?;
            let version = db.schema_version().await.map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({ "schemaVersion": version }));
            Ok(())
        }
        Command::Accounts { command } => match command {
            AccountsCommand::Create {
                store,
                account_id,
                name,
                principal_arn,
            } => {
                let db = store.open().await?;
                let master = store.master_key(&db).await?;
                let created = accounts::create(
                    &db,
                    &master,
                    account_id.as_deref(),
                    name.as_deref(),
                    principal_arn.as_deref(),
                    SystemClock.now_ms(),
                )
                .await?;
                println!("{}", created.to_json());
                Ok(())
            }
            AccountsCommand::List { store } => {
                let db = store.open().await?;
                let mut tx = db.read().await.map_err(|e| e.to_string())?;
                let list = tx.list_accounts().await.map_err(|e| e.to_string())?;
                let out: Vec<_> = list
                    .iter()
                    .map(|a| serde_json::json!({"accountId": a.account_id, "name": a.name}))
                    .collect();
                println!("{}", serde_json::Value::Array(out));
                Ok(())
            }
            AccountsCommand::Keys { command } => keys(command).await,
        },
    }
}

async fn keys(command: KeysCommand) -> Result<(), String> {
    let (store, key, change) = match command {
        KeysCommand::List { store, account_id } => {
            let db = store.open().await?;
            store.master_key(&db).await?;
            println!("{}", accounts::list_keys(&db, account_id.as_deref()).await?);
            return Ok(());
        }
        KeysCommand::Rotate {
            store,
            access_key_id,
        } => {
            let db = store.open().await?;
            let master = store.master_key(&db).await?;
            let created =
                accounts::rotate_key(&db, &master, &access_key_id, SystemClock.now_ms()).await?;
            println!("{}", created.to_json());
            return Ok(());
        }
        KeysCommand::Deactivate {
            store,
            access_key_id,
        } => (store, access_key_id, KeyChange::Deactivate),
        KeysCommand::Reactivate {
            store,
            access_key_id,
        } => (store, access_key_id, KeyChange::Reactivate),
        KeysCommand::Delete {
            store,
            access_key_id,
        } => (store, access_key_id, KeyChange::Delete),
    };
    let db = store.open().await?;
    accounts::change_key(&db, &key, change).await
}

/// On first start with an empty store, creates one account and writes its credentials to the
/// data directory in AWS shared-credentials format.
fn read_fixture(path: &std::path::Path) -> Result<ramd::seed::Fixture, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    ramd::seed::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

async fn bootstrap(
    db: &Store,
    master: &MasterKey,
    data_dir: &std::path::Path,
) -> Result<(), String> {
    let mut tx = db.read().await.map_err(|e| e.to_string())?;
    let count = tx.count_accounts().await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    if count > 0 {
        return Ok(());
    }
    let created = accounts::create(
        db,
        master,
        None,
        Some("default"),
        None,
        SystemClock.now_ms(),
    )
    .await?;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let path = data_dir.join("credentials");
    // A file left by an earlier store names keys that are gone with it.
    let _ = std::fs::remove_file(&path);
    // It holds a secret: its owner's only, as the AWS CLI keeps ~/.aws/credentials.
    ramd::secrets::write_private(&path, &created.to_profile("ramd"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "ramd: created account {} and wrote its credentials to {} (profile \"ramd\"): export AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE=ramd",
        created.account_id,
        path.display(),
        path.display()
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
