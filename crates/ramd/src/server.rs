//! The one server driver. Every API on the endpoint (RAM's restJson1, Organizations' JSON 1.1,
//! IAM's and STS's query protocol, ramd's own extensions, trust mode's reset) is an
//! [`ApiHandler`]: it says whether a request is its own, serves it, and writes errors in its
//! protocol's shape. The driver does everything else once for all of them: it reads the body
//! (bounded), makes the request id, authenticates for the API's signing service at the server's
//! (injected) time, turns a panic into `ServerInternalException` and a reply that cannot be sent
//! into a 500 (both in the API's shape), and logs one line per request.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use ram_domain::{Caller, Ram};
use ram_model::{ApiError, ErrorCode};
use ram_protocol::{Reply, rest_json};

use crate::auth::{AuthMode, Signed, authenticate};
use crate::extensions::{Extensions, Reset};
use crate::global_services::{Iam, Organizations, Sts};
use crate::ram_api::RamApi;
use crate::throttle::Throttle;

#[cfg(test)]
mod tests;

/// Requests larger than this are refused before they are hashed or parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Clone)]
pub struct AppState {
    pub ram: Ram,
    pub auth: Arc<AuthMode>,
    /// Per-account rate limits; `None` serves every call.
    pub throttle: Option<Arc<Throttle>>,
    /// How long a request's body may take to arrive once its head has.
    pub body_timeout: Duration,
    /// The operator's endpoints (`/health`, `/ready`, `/metrics`): where, and whether draining.
    pub admin: Arc<crate::admin::Admin>,
    /// The web console at `/console`, unless it is turned off.
    pub console: Option<Arc<crate::console::Console>>,
    /// The audit trail, unless it is turned off.
    pub audit: Option<Arc<crate::audit::AuditLog>>,
}

pub fn router(state: AppState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// A request as every API sees it: whole (the body has been read), with its request id.
pub struct ApiRequest<'a> {
    pub state: &'a AppState,
    pub request_id: &'a str,
    /// When the server began reading it (for the log's latency).
    pub received: Instant,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The connection's peer address, when the request came over the network.
    pub peer: Option<std::net::IpAddr>,
    /// What the API noted for the audit trail (its decoded input, its output).
    pub notes: std::sync::Mutex<crate::audit::Notes>,
}

impl ApiRequest<'_> {
    /// The request as authentication reads it.
    pub fn signed(&self) -> Signed<'_> {
        Signed {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body: self.body,
        }
    }

    /// Notes the decoded input for the audit trail (when there is one), once the API is done
    /// with it.
    pub fn note_parameters(&self, input: serde_json::Value) {
        if self.state.audit.is_some()
            && let Ok(mut notes) = self.notes.lock()
        {
            notes.parameters = Some(input);
        }
    }

    /// Notes the output for the audit trail (when there is one and the call writes).
    pub fn note_response(&self, operation: &str, output: &serde_json::Value) {
        if self.state.audit.is_some()
            && !crate::audit::is_read_only(operation)
            && let Ok(mut notes) = self.notes.lock()
        {
            notes.response = Some(output.clone());
        }
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

/// One API on the endpoint (garage's `ApiHandler` is the model): parse the endpoint, handle it,
/// render its errors. The driver calls `parse_endpoint`, then authenticates for
/// `signing_service`, then calls `handle`; every error on the way is written by `render_error`.
pub trait ApiHandler: Sync {
    /// The API's name in the log.
    const NAME: &'static str;
    /// What a request asks of the API: its operation, with whatever was parsed to find it.
    type Endpoint: Send;

    /// `Ok(None)`: the request is not for this API (the next one is asked). `Err`: it is, but it
    /// names nothing the API serves; that is answered before authentication.
    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError>;

    /// The operation, as the log and the metrics name it (one of a fixed set of names).
    fn operation(&self, endpoint: &Self::Endpoint) -> &'static str;

    /// The service the request must be signed for (its SigV4 credential scope's service), or
    /// `None` for an endpoint that takes no credentials (trust mode's reset).
    fn signing_service(&self, endpoint: &Self::Endpoint) -> Option<&'static str>;

    /// Serves the request. `caller` is who authentication established; it is `None` exactly when
    /// `signing_service` is.
    fn handle(
        &self,
        req: &ApiRequest<'_>,
        endpoint: Self::Endpoint,
        caller: Option<Caller>,
    ) -> impl Future<Output = Result<Reply, ApiError>> + Send;

    /// An error as the API's clients read it, carrying the request id.
    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply;

    /// The error as the API names it on the wire (IAM and STS name a few otherwise, and
    /// Organizations and IAM their internal failures), as the audit trail records it.
    fn wire_error(&self, e: &ApiError) -> ApiError {
        e.clone()
    }
}

/// The caller of an endpoint that has a signing service (the driver authenticated it before
/// calling `handle`).
pub fn authenticated(caller: Option<Caller>) -> Result<Caller, ApiError> {
    caller.ok_or_else(|| {
        tracing::error!("a signed endpoint was handled without a caller");
        ApiError::internal()
    })
}

/// The server's time, as SigV4's window is checked against it: the domain's injected clock.
fn server_time_secs(ram: &Ram) -> u64 {
    u64::try_from(ram.now_ms().div_euclid(1000)).unwrap_or(0)
}

async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let received = Instant::now();
    if let Some(endpoint) =
        crate::admin::on_main_port(&state, request.method(), request.uri().path())
    {
        return crate::admin::answer(&state, endpoint).await;
    }
    if let Some(console) = &state.console
        && crate::console::is_console_path(request.uri().path())
    {
        return crate::console::serve(&state, console, request).await;
    }
    let _in_flight = InFlight::enter();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(state.body_timeout, to_bytes(body, MAX_BODY_BYTES)).await;
    let Ok(Ok(body)) = read else {
        let e = if read.is_err() {
            ApiError::new(
                ErrorCode::RequestTimeoutException,
                format!(
                    "The request body did not arrive within {} seconds.",
                    state.body_timeout.as_secs()
                ),
            )
        } else {
            ApiError::new(
                ErrorCode::RequestEntityTooLargeException,
                format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
            )
        };
        let line = LogLine {
            request_id: &request_id,
            received,
            method: parts.method.as_str(),
            path: parts.uri.path(),
            api: "-",
            operation: "",
            caller: None,
        };
        return finish(&line, Err(e), &|e| rest_json::error(e, &request_id));
    };
    let req = ApiRequest {
        state: &state,
        request_id: &request_id,
        received,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
        peer: parts
            .extensions
            .get::<crate::connections::Peer>()
            .map(|p| p.0.ip()),
        notes: std::sync::Mutex::default(),
    };
    route(&req).await
}

/// Asks each API in turn whether the request is its own; the order is the routing precedence.
async fn route(req: &ApiRequest<'_>) -> Response {
    if let Some(response) = drive(&Reset, req).await {
        return response;
    }
    if let Some(response) = drive(&Organizations, req).await {
        return response;
    }
    if let Some(response) = drive(&Iam, req).await {
        return response;
    }
    if let Some(response) = drive(&Sts, req).await {
        return response;
    }
    if let Some(response) = drive(&crate::audit::CloudTrail, req).await {
        return response;
    }
    if let Some(response) = drive(&Extensions, req).await {
        return response;
    }
    if let Some(response) = drive(&RamApi, req).await {
        return response;
    }
    // No API serves this method and path: RAM, the endpoint's own service, does not know it.
    let line = LogLine::of(req, RamApi::NAME);
    finish(&line, Err(rest_json::unknown_operation()), &|e| {
        render(&RamApi, e, req.request_id)
    })
}

/// Serves `req` with `handler` if it is the handler's: `None` when it is not.
pub async fn drive<H: ApiHandler>(handler: &H, req: &ApiRequest<'_>) -> Option<Response> {
    let mut line = LogLine::of(req, H::NAME);
    let served = AssertUnwindSafe(serve(handler, req, &mut line))
        .catch_unwind()
        .await;
    let result = match served {
        Ok(None) => return None,
        Ok(Some(result)) => result,
        Err(panic) => {
            tracing::error!(
                request_id = req.request_id,
                api = H::NAME,
                operation = line.operation,
                panic = panic_message(panic.as_ref()),
                "the handler panicked"
            );
            Err(ApiError::internal())
        }
    };
    Some(finish(&line, result, &|e| {
        render(handler, e, req.request_id)
    }))
}

/// Parse, authenticate, handle; `None` when the request is not the handler's.
async fn serve<H: ApiHandler>(
    handler: &H,
    req: &ApiRequest<'_>,
    line: &mut LogLine<'_>,
) -> Option<Result<Reply, ApiError>> {
    let endpoint = match handler.parse_endpoint(req).transpose()? {
        Ok(endpoint) => endpoint,
        Err(e) => return Some(Err(e)),
    };
    line.operation = handler.operation(&endpoint);
    let Some(service) = handler.signing_service(&endpoint) else {
        return Some(handler.handle(req, endpoint, None).await);
    };
    let state = req.state;
    let now = server_time_secs(&state.ram);
    let mut caller =
        match authenticate(&state.auth, state.ram.store(), &req.signed(), service, now).await {
            Ok(caller) => caller,
            Err(e) => return Some(Err(e)),
        };
    caller.source_ip = req.peer.map(|ip| ip.to_string());
    line.caller = Some((caller.account_id.clone(), caller.principal_arn.clone()));
    let audit = state.audit.as_ref().map(|log| (log, caller.clone()));
    let started_ms = state.ram.now_ms();
    let read_only = crate::audit::is_read_only(line.operation);
    let draft = |caller: Caller, principal_id: Option<String>| {
        crate::audit::Draft::new(
            uuid::Uuid::new_v4().to_string(),
            started_ms,
            H::NAME,
            line.operation,
            caller,
            ram_sigv4::credential(&req.signed().sigv4()).map(|c| c.access_key_id),
            req.headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            req.request_id,
            principal_id,
        )
    };
    // A mutating call's event is drafted first: it goes into the transaction of its effect.
    let pending = match &audit {
        Some((_, c)) if !read_only => Some(draft(c.clone(), principal_id(state, c).await)),
        _ => None,
    };
    let result = match &state.throttle {
        Some(throttle) => throttle.admit(&caller.account_id, &caller.region, line.operation),
        None => Ok(()),
    };
    let result = match (result, &pending) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(d)) => {
            Box::pin(ram_store::with_pending_event(
                d.pending(),
                handler.handle(req, endpoint, Some(caller)),
            ))
            .await
        }
        // Boxed: every API's handler future would otherwise be inlined into this one.
        (Ok(()), None) => Box::pin(handler.handle(req, endpoint, Some(caller))).await,
    };
    if let Some((log, c)) = audit {
        let error = result.as_ref().err().map(|e| handler.wire_error(e));
        if log.records(read_only, error.is_some()) {
            let notes = req
                .notes
                .lock()
                .map(|mut n| std::mem::take(&mut *n))
                .unwrap_or_default();
            let draft = if let Some(d) = pending {
                d
            } else {
                let id = principal_id(state, &c).await;
                draft(c, id)
            };
            log.record(draft, notes, error.as_ref()).await;
        }
    }
    Some(result)
}

/// A user's or role's unique id, as the audit trail names it (root needs no read).
async fn principal_id(state: &AppState, caller: &Caller) -> Option<String> {
    let (kind, name) = ram_organizations::principal_of_arn(&caller.principal_arn)?;
    crate::global_services::unique_id(state.ram.store(), &caller.account_id, kind, name)
        .await
        .unwrap_or(None)
}

/// The handler's rendering of an error; if even that panics, restJson1's internal error.
fn render<H: ApiHandler>(handler: &H, e: &ApiError, request_id: &str) -> Reply {
    std::panic::catch_unwind(AssertUnwindSafe(|| handler.render_error(e, request_id)))
        .unwrap_or_else(|panic| {
            tracing::error!(
                request_id,
                api = H::NAME,
                panic = panic_message(panic.as_ref()),
                "rendering an error panicked"
            );
            rest_json::error(&ApiError::internal(), request_id)
        })
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

/// What the log says of a request besides its answer.
struct LogLine<'a> {
    request_id: &'a str,
    received: Instant,
    method: &'a str,
    path: &'a str,
    api: &'static str,
    operation: &'static str,
    /// The authenticated account and principal ARN.
    caller: Option<(String, String)>,
}

impl<'a> LogLine<'a> {
    fn of(req: &ApiRequest<'a>, api: &'static str) -> LogLine<'a> {
        LogLine {
            request_id: req.request_id,
            received: req.received,
            method: req.method,
            path: req.path,
            api,
            operation: "",
            caller: None,
        }
    }
}

/// Counts a request in `ramd_requests_in_flight` while it is served (also when its client goes
/// away and the request is dropped half-way).
struct InFlight;

impl InFlight {
    fn enter() -> InFlight {
        metrics::gauge!("ramd_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("ramd_requests_in_flight").decrement(1.0);
    }
}

/// The answer to a request (an error written by `render`), and its line in the log.
fn finish(
    line: &LogLine<'_>,
    result: Result<Reply, ApiError>,
    render: &dyn Fn(&ApiError) -> Reply,
) -> Response {
    let (reply, mut code) = match result {
        Ok(reply) => (reply, None),
        Err(e) => (render(&e), Some(e.code)),
    };
    let response = build(reply).unwrap_or_else(|e| {
        tracing::error!(request_id = line.request_id, error = %e, "the answer could not be built");
        code = Some(ErrorCode::ServerInternalException);
        build(render(&ApiError::internal())).unwrap_or_else(|_| last_resort(line.request_id))
    });
    let status = response.status().as_u16();
    let elapsed = line.received.elapsed();
    let api = line.api;
    let operation = line.operation;
    metrics::counter!(
        "ramd_requests_total",
        "service" => api,
        "operation" => operation,
        "code" => code.map_or("OK", ErrorCode::as_str),
    )
    .increment(1);
    metrics::histogram!("ramd_request_duration_seconds", "service" => api, "operation" => operation)
        .record(elapsed.as_secs_f64());
    let code = code.map_or("", ErrorCode::as_str);
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let (account, principal) = line
        .caller
        .as_ref()
        .map_or(("", ""), |(a, p)| (a.as_str(), p.as_str()));
    let (request_id, method, path) = (line.request_id, line.method, line.path);
    // The one line per request; a 5xx is a warning (its cause was logged where it happened).
    macro_rules! request_line {
        ($level:expr, $message:literal) => {
            tracing::event!(
                $level,
                request_id,
                method,
                path,
                service = api,
                operation,
                account,
                principal,
                status,
                code,
                latency_ms,
                $message
            )
        };
    }
    if status >= 500 {
        request_line!(tracing::Level::WARN, "request failed");
    } else {
        request_line!(tracing::Level::INFO, "request");
    }
    response
}

fn build(reply: Reply) -> Result<Response, http::Error> {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(reply.body))
}

/// The answer when not even an error could be built: restJson1's ServerInternalException, put
/// together from parts that cannot fail (a header that is not valid is left out).
fn last_resort(request_id: &str) -> Response {
    let reply = rest_json::error(&ApiError::internal(), request_id);
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
