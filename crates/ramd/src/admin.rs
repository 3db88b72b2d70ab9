//! The operator's endpoints, outside RAM's API and its authentication: `GET /health` (the
//! process answers), `GET /ready` (the store answers and its schema is this build's; 503 while
//! draining at shutdown), `GET /metrics` (Prometheus text). They are served on the main port
//! unless `--admin-listen` gives them an address of their own (then the main port serves only
//! the APIs). Every API on the endpoint is `POST`, so these `GET`s name nothing of theirs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{Method, StatusCode};
use serde_json::json;

use crate::server::AppState;

/// Where the operator's endpoints are, and whether the server is shutting down.
#[derive(Debug)]
pub struct Admin {
    on_main_port: bool,
    draining: AtomicBool,
}

impl Default for Admin {
    fn default() -> Admin {
        Admin::new(true)
    }
}

impl Admin {
    pub fn new(on_main_port: bool) -> Admin {
        Admin {
            on_main_port,
            draining: AtomicBool::new(false),
        }
    }

    /// From now on `/ready` answers 503, so that load balancers stop sending requests while
    /// those in flight finish.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }
}

#[derive(Clone, Copy)]
pub enum Endpoint {
    Health,
    Ready,
    Metrics,
}

fn endpoint(method: &Method, path: &str) -> Option<Endpoint> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    match path {
        "/health" => Some(Endpoint::Health),
        "/ready" => Some(Endpoint::Ready),
        "/metrics" => Some(Endpoint::Metrics),
        _ => None,
    }
}

/// The operator's endpoint a request to the main port names, when they are served there.
pub fn on_main_port(state: &AppState, method: &Method, path: &str) -> Option<Endpoint> {
    if state.admin.on_main_port {
        endpoint(method, path)
    } else {
        None
    }
}

/// The router of `--admin-listen`: the operator's endpoints and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(serve).with_state(state)
}

async fn serve(State(state): State<AppState>, request: Request) -> Response {
    match endpoint(request.method(), request.uri().path()) {
        Some(e) => answer(&state, e).await,
        None => reply(
            StatusCode::NOT_FOUND,
            &json!({"message": "Not found: the admin address serves GET /health, /ready and /metrics."}),
        ),
    }
}

pub async fn answer(state: &AppState, endpoint: Endpoint) -> Response {
    match endpoint {
        Endpoint::Health => reply(StatusCode::OK, &json!({"status": "ok"})),
        Endpoint::Ready => ready(state).await,
        Endpoint::Metrics => match crate::metrics::render(state.ram.store()).await {
            Ok(text) => Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .body(Body::from(text))
                .unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "the store sizes could not be read for /metrics");
                unavailable(&format!("the store does not answer: {e}"))
            }
        },
    }
}

/// How long `/ready` waits for the store.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

async fn ready(state: &AppState) -> Response {
    if state.admin.draining.load(Ordering::SeqCst) {
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "draining"}),
        );
    }
    let version = tokio::time::timeout(READY_TIMEOUT, state.ram.store().schema_version()).await;
    match version {
        Ok(Ok(v)) if v == ram_store::SCHEMA_VERSION => reply(
            StatusCode::OK,
            &json!({"status": "ready", "schemaVersion": v}),
        ),
        Ok(Ok(v)) => unavailable(&format!(
            "the store's schema is version {v}; this ramd serves version {}",
            ram_store::SCHEMA_VERSION
        )),
        Ok(Err(e)) => unavailable(&format!("the store does not answer: {e}")),
        Err(_) => unavailable(&format!(
            "the store did not answer within {} s",
            READY_TIMEOUT.as_secs()
        )),
    }
}

fn unavailable(reason: &str) -> Response {
    reply(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"status": "unavailable", "reason": reason}),
    )
}

fn reply(status: StatusCode, body: &serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}
