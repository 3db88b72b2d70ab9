//! The global services ramd serves beside RAM on its one endpoint: AWS Organizations (JSON 1.1,
//! `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`, signing name `organizations`) and the
//! IAM actions RAM's clients need (query protocol, signing name `iam`). STS and IAM both POST form
//! bodies to `/`: the SigV4 credential scope's service tells them apart, else the API `Version`.

use ram_domain::{iam_error, organizations_error};
use ram_model::validate::Rules;
use ram_model::{ApiError, ErrorCode, iam, organizations};
use ram_protocol::query::Form;
use ram_protocol::{Reply, json11, query};

use crate::auth::{Signed, authenticate};
use crate::server::{AppState, now_secs};

/// The `X-Amz-Target` prefix of Organizations' operations.
pub const ORGANIZATIONS_TARGET: &str = "AWSOrganizationsV20161128";
pub const IAM_VERSION: &str = "2010-05-08";
pub const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The operation named by a request's `X-Amz-Target`, if it is addressed to Organizations (an
/// empty name when the target has no operation part).
pub fn organizations_operation(headers: &http::HeaderMap) -> Option<&str> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    json11::operation(Some(target), ORGANIZATIONS_TARGET)
        .or_else(|| target.starts_with(ORGANIZATIONS_TARGET).then_some(""))
}

/// Whether a query-protocol request is IAM's rather than STS's.
pub fn is_iam(req: &Signed<'_>, form: &Form) -> bool {
    let request = req.sigv4();
    match ram_sigv4::parse(&request) {
        Ok(parsed) if parsed.service == "iam" => true,
        Ok(parsed) if parsed.service == "sts" => false,
        _ => form.version() == Some(IAM_VERSION),
    }
}

fn log_failure(e: &ApiError, status: u16, request_id: &str) {
    if status >= 500 {
        tracing::warn!(request_id, code = e.code.as_str(), "request failed");
    }
}

pub async fn serve_organizations(
    state: &AppState,
    req: &Signed<'_>,
    operation: &str,
    request_id: &str,
) -> Reply {
    let result = async {
        let op = organizations::Operation::parse(operation)
            .ok_or_else(|| json11::unknown_operation(operation))?;
        let caller = authenticate(
            &state.auth,
            state.ram.store(),
            req,
            "organizations",
            now_secs(),
        )
        .await
        .map_err(organizations_error)?;
        let rules = Rules::uniform(organizations::SHAPES, ErrorCode::InvalidInputException);
        let input = json11::decode(&rules, op.input(), req.body)?;
        state.ram.execute_organizations(&caller, op, &input).await
    }
    .await;
    let reply = match result {
        Ok(output) => json11::ok(&output, request_id),
        Err(e) => {
            let status = organizations::error_status(e.code);
            log_failure(&e, status, request_id);
            json11::error(&e, status, request_id)
        }
    };
    tracing::debug!(request_id, operation, status = reply.status, "served");
    reply
}

pub async fn serve_iam(state: &AppState, req: &Signed<'_>, form: &Form, request_id: &str) -> Reply {
    let action = form.action().unwrap_or_default();
    let result = async {
        let caller = authenticate(&state.auth, state.ram.store(), req, "iam", now_secs())
            .await
            .map_err(iam_error)?;
        let op = iam::Operation::parse(action).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidAction,
                format!(
                    "Could not find operation {action} for version {IAM_VERSION}: ramd serves the IAM actions {}.",
                    iam::Operation::ALL
                        .iter()
                        .map(|o| o.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let rules = Rules::uniform(iam::SHAPES, ErrorCode::ValidationError);
        let input = query::decode(&rules, op.input(), form)?;
        let output = state.ram.execute_iam(&caller, op, &input).await?;
        Ok::<_, ApiError>(query::response(
            iam::SHAPES,
            op.name(),
            op.output(),
            &output,
            IAM_XMLNS,
            request_id,
        ))
    }
    .await;
    let reply = result.unwrap_or_else(|e| {
        let status = iam::error_status(e.code);
        log_failure(&e, status, request_id);
        query::error(&e, status, IAM_XMLNS, request_id)
    });
    tracing::debug!(request_id, action, status = reply.status, "served");
    reply
}
