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
