//! The ramd server: configuration, authentication and the HTTP shell around `ram-domain`.
//! `main.rs` is only the command line; everything here is usable from tests in-process.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod config_file;
pub mod conflicts;
pub mod connections;
pub mod console;
pub mod extensions;
pub mod feed;
pub mod global_services;
pub mod in_process;
pub mod logging;
pub mod metrics;
pub mod progress;
pub mod ram_api;
pub mod secrets;
pub mod seed;
pub mod server;
pub mod snapshot;
pub mod throttle;

pub use auth::AuthMode;
pub use server::{ApiHandler, ApiRequest, AppState, router};
