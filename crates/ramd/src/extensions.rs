//! ramd's own endpoints beside RAM's API, each an [`ApiHandler`] answered in restJson1:
//! - [`Extensions`], signed as RAM's operations are:
//!   - `POST /checkaccess`: may a principal perform an action on a resource, and why;
//!   - `POST /putresourcepolicy`: stands in for a resource's owning service being given a
//!     resource-based policy, which RAM records as a CREATED_FROM_POLICY share;
//!   - `GET /events?after=N&wait=S`: the caller's event feed (`feed.rs`), long-polled;
//! - [`Reset`], trust mode only and unsigned: `POST /_ramd/reset` (or moto's `/moto-api/reset`)
//!   empties the store.

use ram_domain::Caller;
use ram_model::{ApiError, Json, Output, api_error};
use ram_protocol::{Reply, rest_json};
use serde::de::DeserializeOwned;

use crate::auth::AuthMode;
use crate::server::{ApiHandler, ApiRequest, authenticated};

/// One of ramd's own operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    CheckAccess,
    PutResourcePolicy,
    GetEvents,
}

impl Extension {
    pub fn name(self) -> &'static str {
        match self {
            Extension::CheckAccess => "CheckAccess",
            Extension::PutResourcePolicy => "PutResourcePolicy",
            Extension::GetEvents => "GetEvents",
        }
    }
}

/// The extension served at this method and path, if any.
pub fn route(method: &str, path: &str) -> Option<Extension> {
    match (method, path.trim_end_matches('/')) {
        ("POST", "/checkaccess") => Some(Extension::CheckAccess),
        ("POST", "/putresourcepolicy") => Some(Extension::PutResourcePolicy),
        ("GET", "/events") => Some(Extension::GetEvents),
        _ => None,
    }
}

/// `after` (the number of the last event seen, 0 to start) and `wait` (seconds, at most 20) of
/// `GET /events`.
fn events_query(query: Option<&str>) -> Result<(i64, std::time::Duration), ApiError> {
    let (mut after, mut wait) = (0, 0);
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let number = || {
            value
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    api_error!(
                        InvalidParameterException,
                        "{key} must be a whole number, not {value}."
                    )
                })
        };
        match key.as_ref() {
            "after" => after = number()?,
            "wait" => wait = number()?.min(20),
            _ => {}
        }
    }
    Ok((
        after,
        std::time::Duration::from_secs(u64::try_from(wait).unwrap_or(0)),
    ))
}

fn input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        api_error!(
            SerializationException,
            "The request body could not be read: {e}"
        )
    })
}

/// `POST /checkaccess` and `POST /putresourcepolicy`.
pub struct Extensions;

impl ApiHandler for Extensions {
    const NAME: &'static str = "ramd";
    type Endpoint = Extension;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        Ok(route(req.method, req.path))
    }

    fn operation(&self, extension: &Self::Endpoint) -> &'static str {
        extension.name()
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("ram")
    }

    /// The body is read after authentication.
    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        extension: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        let ram = &req.state.ram;
        let answer = match extension {
            Extension::CheckAccess => Json::of(&ram.check_access(&caller, input(req.body)?).await?),
            Extension::PutResourcePolicy => {
                let request: ram_domain::PutResourcePolicyRequest = input(req.body)?;
                // What the resource's owning service would check: `<service>:PutResourcePolicy`
                // on the resource, under the caller's policies and SCPs.
                let service = request.resource_arn.split(':').nth(2).unwrap_or("ramd");
                ram.authorize_action(
                    &caller,
                    &format!("{service}:PutResourcePolicy"),
                    &request.resource_arn,
                )
                .await?;
                Json::of(&ram.put_resource_policy(&caller, request).await?)
            }
            Extension::GetEvents => {
                ram.authorize_action(&caller, "ramd:GetEvents", "*").await?;
                let (after, wait) = events_query(req.query)?;
                let (events, next) =
                    crate::feed::read(ram.store(), &caller.account_id, after, wait)
                        .await
                        .map_err(|e| {
                            tracing::error!(error = %e, "reading the event feed failed");
                            ApiError::internal()
                        })?;
                Json::of(&serde_json::json!({"events": events, "nextAfter": next}))
            }
        }?;
        Ok(rest_json::ok(answer, req.request_id))
    }

    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        rest_json::error(e, request_id)
    }
}

/// The paths of the reset endpoint: ramd's own, and moto's (which test suites written for moto call).
pub const RESET_PATHS: [&str; 2] = ["/_ramd/reset", "/moto-api/reset"];

/// Trust mode's reset: forgets everything, for test suites that share one server.
pub struct Reset;

impl ApiHandler for Reset {
    const NAME: &'static str = "reset";
    type Endpoint = ();

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        let trust = matches!(*req.state.auth, AuthMode::Trust { .. });
        Ok((trust && req.method == "POST" && RESET_PATHS.contains(&req.path)).then_some(()))
    }

    fn operation(&self, (): &Self::Endpoint) -> &'static str {
        "Reset"
    }

    fn signing_service(&self, (): &Self::Endpoint) -> Option<&'static str> {
        None
    }

    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        (): Self::Endpoint,
        _: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let store = req.state.ram.store();
        // The audit writer and the feed's sweep write in the background: a reset that collides
        // with one of them is retried.
        crate::conflicts::retry_conflicts(10, || async {
            let mut tx = store.begin().await?;
            tx.reset().await?;
            tx.commit().await
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reset failed");
            ApiError::internal()
        })?;
        Ok(rest_json::ok(
            Json::of(&serde_json::json!({"reset": true}))?,
            req.request_id,
        ))
    }

    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        rest_json::error(e, request_id)
    }
}
