//! What ramd speaks on the wire, without any HTTP server or storage: RAM's restJson1 (route a
//! request to an operation, decode and validate its input, encode answers and errors), AWS JSON 1.1
//! (Organizations) and the query protocol (IAM, and STS's GetCallerIdentity).

pub mod json11;
pub mod query;
pub mod rest_json;
pub mod sts;

/// An HTTP answer as the server must send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// A JSON request body as a document: an empty body is an empty structure; anything that is not
/// JSON is `SerializationException`.
pub(crate) fn json_body(body: &[u8]) -> Result<serde_json::Value, ram_model::ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| {
        ram_model::api_error!(
            SerializationException,
            "The request body is not valid JSON: {e}"
        )
    })
}
