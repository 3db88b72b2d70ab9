//! The HTTP shell: one handler reads the whole request (bounded), authenticates it, and hands it
//! to the protocol and domain layers. Every answer, including every failure, is in AWS's shape.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use ram_domain::Ram;
use ram_model::{ApiError, ErrorCode};
use ram_protocol::query::Form;
use ram_protocol::{Reply, rest_json, sts};

use crate::auth::{AuthMode, Signed, authenticate};
use crate::extensions;
use crate::global_services;

/// Requests larger than this are refused before they are hashed or parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Clone)]
pub struct AppState {
    pub ram: Ram,
    pub auth: Arc<AuthMode>,
}

pub fn router(state: AppState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn into_response(reply: Reply) -> Response {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(reply.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        let e = ApiError::new(
            ErrorCode::RequestEntityTooLargeException,
            format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
        );
        return into_response(rest_json::error(&e, &request_id));
    };
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let signed = Signed {
        method: &method,
        path: &path,
        query: query.as_deref(),
        headers: &parts.headers,
        body: &body,
    };

    if let AuthMode::Trust { .. } = *state.auth
        && method == "POST"
        && (path == "/_ramd/reset" || path == "/moto-api/reset")
    {
        return into_response(reset(&state, &request_id).await);
    }
    if let Some(operation) = global_services::organizations_operation(&parts.headers) {
        return into_response(
            global_services::serve_organizations(&state, &signed, operation, &request_id).await,
        );
    }
    if path == "/"
        && let Some(form) = Form::parse(content_type, &body)
        && global_services::is_iam(&signed, &form)
    {
        return into_response(
            global_services::serve_iam(&state, &signed, &form, &request_id).await,
        );
    }
    if path == "/"
        && let Some(action) = sts::action(content_type, &body)
    {
        return into_response(serve_sts(&state, &signed, &action, &request_id).await);
    }
    let reply = match serve_ram(&state, &signed).await {
        Ok(output) => rest_json::ok(&output, &request_id),
        Err(e) => {
            if e.status() >= 500 {
                tracing::warn!(request_id, code = e.code.as_str(), "request failed");
            }
            rest_json::error(&e, &request_id)
        }
    };
    tracing::debug!(request_id, method, path, status = reply.status, "served");
    into_response(reply)
}

async fn serve_ram(state: &AppState, req: &Signed<'_>) -> Result<serde_json::Value, ApiError> {
    if let Some(extension) = extensions::route(req.method, req.path) {
        return extensions::serve(state, req, extension).await;
    }
    let operation = rest_json::route(req.method, req.path)?;
    let caller = authenticate(&state.auth, state.ram.store(), req, "ram", now_secs()).await?;
    let input = rest_json::decode(operation, req.query, req.body)?;
    state.ram.execute(&caller, operation, &input).await
}

async fn serve_sts(state: &AppState, req: &Signed<'_>, action: &str, request_id: &str) -> Reply {
    let caller = match authenticate(&state.auth, state.ram.store(), req, "sts", now_secs()).await {
        Ok(c) => c,
        Err(e) => return sts::error(e.status(), e.code.as_str(), &e.message, request_id),
    };
    match action {
        "GetCallerIdentity" => {
            let user_id = if caller.principal_arn.ends_with(":root") {
                caller.account_id.clone()
            } else {
                caller.principal_arn.clone()
            };
            sts::get_caller_identity(
                &caller.account_id,
                &caller.principal_arn,
                &user_id,
                request_id,
            )
        }
        other => sts::error(
            400,
            "InvalidAction",
            &format!("Could not find operation {other} for version 2011-06-15"),
            request_id,
        ),
    }
}

async fn reset(state: &AppState, request_id: &str) -> Reply {
    let result = async {
        let mut tx = state.ram.store().begin().await?;
        tx.reset().await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => rest_json::ok(&serde_json::json!({"reset": true}), request_id),
        Err(e) => {
            tracing::error!(error = %e, "reset failed");
            rest_json::error(&ApiError::internal(), request_id)
        }
    }
}
