//! The global services ramd serves beside RAM on its one endpoint, each an [`ApiHandler`]:
//! - AWS Organizations (JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`, signing
//!   name `organizations`);
//! - the IAM actions RAM's clients need (query protocol, signing name `iam`);
//! - STS's GetCallerIdentity (query protocol, signing name `sts`).
//!
//! STS and IAM both POST form bodies to `/`: the SigV4 credential scope's service tells them
//! apart, else the API `Version`.

use ram_domain::Caller;
use ram_model::validate::Rules;
use ram_model::{ApiError, ErrorCode, iam, organizations};
use ram_organizations::{iam_error, organizations_error};
use ram_protocol::query::Form;
use ram_protocol::{Reply, json11, query, sts};

use crate::auth::Signed;
use crate::server::{ApiHandler, ApiRequest, authenticated};

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

/// AWS Organizations: every request that carries Organizations' `X-Amz-Target`.
pub struct Organizations;

impl ApiHandler for Organizations {
    const NAME: &'static str = "organizations";
    type Endpoint = organizations::Operation;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        let Some(name) = organizations_operation(req.headers) else {
            return Ok(None);
        };
        organizations::Operation::parse(name)
            .map(Some)
            .ok_or_else(|| json11::unknown_operation(name))
    }

    fn operation(&self, endpoint: &Self::Endpoint) -> &'static str {
        endpoint.name()
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("organizations")
    }

    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        op: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        let rules = Rules::uniform(organizations::SHAPES, ErrorCode::InvalidInputException);
        let input = json11::decode(&rules, op.input(), req.body)?;
        let output = req
            .state
            .ram
            .organizations()
            .execute(&caller, op, &input)
            .await;
        req.note_parameters(input);
        let output = output?;
        if req.state.audit.is_some()
            && let Ok(value) = serde_json::from_slice(&output.0)
        {
            req.note_response(op.name(), &value);
        }
        Ok(json11::ok(output, req.request_id))
    }

    fn wire_error(&self, e: &ApiError) -> ApiError {
        organizations_error(e.clone())
    }

    /// ramd's own failures as Organizations names them (`ServiceException`), with the status
    /// Organizations gives each code.
    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        let e = organizations_error(e.clone());
        json11::error(&e, organizations::error_status(e.code), request_id)
    }
}

/// How the log and the metrics name an action the query protocol's services do not serve (the
/// request's own name for it is the client's, and unbounded).
const UNKNOWN_ACTION: &str = "UnknownAction";
const GET_CALLER_IDENTITY: &str = "GetCallerIdentity";

/// IAM: form bodies posted to `/` that are IAM's (see [`is_iam`]).
pub struct Iam;

impl ApiHandler for Iam {
    const NAME: &'static str = "iam";
    type Endpoint = Form;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        Ok((req.path == "/")
            .then(|| Form::parse(req.content_type(), req.body))
            .flatten()
            .filter(|form| is_iam(&req.signed(), form)))
    }

    fn operation(&self, form: &Self::Endpoint) -> &'static str {
        form.action()
            .and_then(iam::Operation::parse)
            .map_or(UNKNOWN_ACTION, iam::Operation::name)
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("iam")
    }

    /// An action ramd does not serve is refused after authentication, as IAM refuses it.
    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        form: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        let action = form.action().unwrap_or_default();
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
        let input = query::decode(&rules, op.input(), &form)?;
        let output = req.state.ram.iam().execute(&caller, op, &input).await;
        req.note_parameters(input);
        let output = output?;
        req.note_response(op.name(), &output);
        Ok(query::response(
            iam::SHAPES,
            op.name(),
            op.output(),
            &output,
            IAM_XMLNS,
            req.request_id,
        ))
    }

    fn wire_error(&self, e: &ApiError) -> ApiError {
        query_protocol_error(e).map_or_else(|| iam_error(e.clone()), |(e, _)| e)
    }

    /// ramd's own failures as IAM names them (`ServiceFailure`), with the status IAM gives each
    /// code.
    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        if let Some((e, status)) = query_protocol_error(e) {
            return query::error(&e, status, IAM_XMLNS, request_id);
        }
        let e = iam_error(e.clone());
        query::error(&e, iam::error_status(e.code), IAM_XMLNS, request_id)
    }
}

/// STS: the other form bodies posted to `/`.
pub struct Sts;

impl ApiHandler for Sts {
    const NAME: &'static str = "sts";
    /// The `Action`.
    type Endpoint = String;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        Ok((req.path == "/")
            .then(|| sts::action(req.content_type(), req.body))
            .flatten())
    }

    fn operation(&self, action: &Self::Endpoint) -> &'static str {
        if action == GET_CALLER_IDENTITY {
            GET_CALLER_IDENTITY
        } else {
            UNKNOWN_ACTION
        }
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("sts")
    }

    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        action: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        if action != GET_CALLER_IDENTITY {
            return Err(ApiError::new(
                ErrorCode::InvalidAction,
                format!(
                    "Could not find operation {action} for version {}",
                    sts::VERSION
                ),
            ));
        }
        // STS names a principal by its unique id: the account's for its root user, `AIDA…` for
        // a user, `AROA…:<session>` for a role (ramd's role keys are one session, `ramd`).
        let user_id = match ram_organizations::principal_of_arn(&caller.principal_arn) {
            None => caller.account_id.clone(),
            Some((kind, name)) => {
                let id = unique_id(req.state.ram.store(), &caller.account_id, kind, name)
                    .await
                    .unwrap_or(None);
                match (kind, id) {
                    (ram_store::PrincipalKind::User, Some(id)) => id,
                    (ram_store::PrincipalKind::Role, Some(id)) => format!("{id}:ramd"),
                    (_, None) => caller.principal_arn.clone(),
                }
            }
        };
        Ok(sts::get_caller_identity(
            &caller.account_id,
            &caller.principal_arn,
            &user_id,
            req.request_id,
        ))
    }

    fn wire_error(&self, e: &ApiError) -> ApiError {
        query_protocol_error(e).map_or_else(|| e.clone(), |(e, _)| e)
    }

    /// STS's `<ErrorResponse>`, with the status the code has in RAM's model.
    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        if let Some((e, status)) = query_protocol_error(e) {
            return sts::error(status, e.code.as_str(), &e.message, request_id);
        }
        sts::error(e.status(), e.code.as_str(), &e.message, request_id)
    }
}

/// The unique id of an IAM user or role, if the account has it.
pub async fn unique_id(
    store: &ram_store::Store,
    account: &str,
    kind: ram_store::PrincipalKind,
    name: &str,
) -> Result<Option<String>, ram_store::StoreError> {
    let mut tx = store.read().await?;
    let id = match kind {
        ram_store::PrincipalKind::User => tx.get_user(account, name).await?.map(|u| u.user_id),
        ram_store::PrincipalKind::Role => tx.get_role(account, name).await?.map(|r| r.role_id),
    };
    tx.commit().await?;
    Ok(id)
}

/// The errors the query-protocol services (IAM, STS) name otherwise than the JSON ones, with
/// their status: an unknown or deactivated key is `InvalidClientTokenId` (403, where RAM says
/// `UnrecognizedClientException`), throttling `Throttling` (400, where RAM says
/// `ThrottlingException`, 429), a refusal `AccessDenied` (403).
fn query_protocol_error(e: &ApiError) -> Option<(ApiError, u16)> {
    match e.code {
        ErrorCode::UnrecognizedClientException => Some((
            ApiError::new(
                ErrorCode::InvalidClientTokenId,
                "The security token included in the request is invalid.",
            ),
            403,
        )),
        ErrorCode::ThrottlingException => {
            Some((ApiError::new(ErrorCode::Throttling, "Rate exceeded"), 400))
        }
        // IAM's (and STS's) name for an authorization refusal.
        ErrorCode::AccessDeniedException => Some((
            ApiError::new(ErrorCode::AccessDenied, e.message.clone()),
            403,
        )),
        // The query protocol's names for the signature failures, with the same messages.
        ErrorCode::MissingAuthenticationTokenException => Some((
            ApiError::new(ErrorCode::MissingAuthenticationToken, e.message.clone()),
            403,
        )),
        ErrorCode::InvalidSignatureException => Some((
            ApiError::new(ErrorCode::SignatureDoesNotMatch, e.message.clone()),
            403,
        )),
        ErrorCode::IncompleteSignatureException => Some((
            ApiError::new(ErrorCode::IncompleteSignature, e.message.clone()),
            400,
        )),
        _ => None,
    }
}
