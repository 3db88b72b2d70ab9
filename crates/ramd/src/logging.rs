//! The log: on stderr, one line per request at `info` (request id, service, operation, account,
//! principal, status, error code, latency; never a signature, key or body), warnings and errors
//! with their cause. `RAMD_LOG` (or `--log`) is the filter (`info,sqlx=warn` by default;
//! `ramd::server=warn` silences the request lines); `--log-format json` writes one JSON object
//! per line, for log collectors.

use std::io::IsTerminal as _;

use clap::ValueEnum;

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

/// Installs the process's subscriber. A filter that does not parse is an error at start.
pub fn init(format: LogFormat, filter: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| format!("the log filter {filter:?} is not valid: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
    }
    Ok(())
}
