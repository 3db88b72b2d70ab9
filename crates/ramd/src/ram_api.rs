//! RAM's own API in restJson1, as an [`ApiHandler`]: every operation is its own method and path
//! (`rest_json::route`); its input comes from the query string and the JSON body, is validated
//! against the model after authentication, and `Ram::execute` serves it.

use ram_domain::Caller;
use ram_model::{ApiError, Operation};
use ram_protocol::{Reply, rest_json};

use crate::server::{ApiHandler, ApiRequest, authenticated};

/// RAM: the requests that name one of its operations.
pub struct RamApi;

impl ApiHandler for RamApi {
    const NAME: &'static str = "ram";
    type Endpoint = Operation;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        Ok(rest_json::route(req.method, req.path).ok())
    }

    fn operation(&self, operation: &Self::Endpoint) -> &'static str {
        operation.name()
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("ram")
    }

    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        operation: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        let input = rest_json::decode(operation, req.query, req.body)?;
        let output = req.state.ram.execute(&caller, operation, &input).await;
        req.note_parameters(input);
        let output = output?;
        if req.state.audit.is_some()
            && let Ok(value) = serde_json::from_slice(&output.0)
        {
            req.note_response(operation.name(), &value);
        }
        Ok(rest_json::ok(output, req.request_id))
    }

    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        rest_json::error(e, request_id)
    }
}
