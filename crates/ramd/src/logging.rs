//! The log: on stderr, one line per request at `info` (request id, service, operation, account,
//! principal, status, error code, latency; never a signature, key or body), warnings and errors
//! with their cause. `RAMD_LOG` (or `--log`) is the filter (`info,sqlx=warn` by default;
//! `ramd::server=warn` silences the request lines); `--log-format json` writes one JSON object
//! per line, for log collectors.

use std::io::IsTerminal as _;

use clap::ValueEnum;
use tracing_appender::non_blocking::WorkerGuard;

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The filter when none is given.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Lines waiting for the writer thread; beyond them a request waits (no line is dropped).
const QUEUED_LINES: usize = 64 * 1024;

/// Installs the process's subscriber; keep the guard until the process ends (dropping it writes
/// what is queued). A filter that does not parse is an error at start.
pub fn init(format: LogFormat, filter: &str) -> Result<WorkerGuard, String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| format!("the log filter {filter:?} is not valid: {e}"))?;
    // Lines are written by a thread of their own, in batches (one write for many lines when
    // requests come fast), so a request does not wait for stderr.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("ramd-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
    }
    Ok(guard)
}
