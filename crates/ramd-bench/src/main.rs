//! `ramd-bench`: a load generator for ramd. It drives running servers over HTTP and reports
//! throughput and latency percentiles as JSON on stdout. By default requests use trust mode (a
//! 12-digit access key id is the account; signatures are not checked, so the client spends
//! nothing on signing); `--sigv4 ACCESS_KEY:SECRET` signs them for a server in `--auth sigv4`.
//!
//! ```text
//! ramd-bench --endpoint http://127.0.0.1:7420 [--endpoint http://127.0.0.1:7421] \
//!     --workload write|read|... --concurrency 32 (--seconds 10 | --requests 2000)
//! ramd-bench seed --data-dir DIR [--shares 1000000 --accounts 10000 ...]
//! ramd-bench --serve-reference 127.0.0.1:7499
//! ```
//! `write` creates resource shares (each with one resource); the workloads that read first seed
//! `--seed` shares per account through the API, or with `--seed 0` find what a store seeded by
//! `ramd-bench seed` holds. `read` / `read-page10` list shares a page of 50 / 10 at a time,
//! `read-arn` gets one share by ARN, `associate` adds a resource to a share, `list-resources` is
//! the receiving account's ListResources(OTHER-ACCOUNTS) page of 10, `check-access` asks
//! `POST /checkaccess` for the receiver (for those two the seeded shares hold CodeBuild projects
//! shared with account 999999999999, which accepts), `accept` accepts the receiver's pending
//! invitations, `list-principals` and `associations` are the owner's ListPrincipals and
//! GetResourceShareAssociations pages of 10, `create-full` creates a share with two resources, a
//! principal and tags, and `terraform` is a loop of create, three reads and delete
//! (docs/benchmarks.md). Requests alternate between the endpoints; accounts are spread over
//! `--accounts`.
//!
//! `ramd-bench seed` builds a large store directly through `ram_store` (`seed.rs`).
//!
//! `ramd-bench --serve-reference 127.0.0.1:7499` is the reference server instead: a bare hyper
//! server answering every request with one fixed RAM-shaped body (`reference.rs`). Measured in the
//! same run as ramd, with the same workload, it gives the machine's limit for this client, so
//! results are reported as ratios that stay comparable across machines.

use clap::{Parser, Subcommand};

mod client;
mod ids;
mod load;
mod reference;
mod seed;

#[derive(Parser)]
#[command(
    about = "Load generator for ramd, and a bulk seeder of its store.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Instead of generating load, serve the reference answer on this address until killed.
    #[arg(long, value_name = "ADDR")]
    serve_reference: Option<std::net::SocketAddr>,
    #[command(flatten)]
    load: load::LoadArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Build a large store directly (no HTTP), for ramd to serve afterwards.
    Seed(seed::SeedArgs),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let outcome = match (cli.command, cli.serve_reference) {
        (Some(Command::Seed(args)), _) => seed::run(args).await.map(|()| true),
        (None, Some(addr)) => reference::serve(addr)
            .await
            .map(|()| true)
            .map_err(|e| format!("reference server: {e}")),
        (None, None) => load::run(cli.load).await,
    };
    match outcome {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("ramd-bench: {e}");
            std::process::exit(1);
        }
    }
}
