//! How each target reads its bytes: readable formats, so that a seed is a text file one can
//! write by hand and a crash reproducer shows what was sent.

use ram_model::Operation;
use ram_model::organizations;

/// An HTTP request in the form the `sigv4` target reads:
///
/// ```text
/// METHOD PATH[?QUERY]
/// name: value          (headers, one per line, until an empty line)
///
/// body
/// ```
pub struct RawRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: http::HeaderMap,
    pub body: &'a [u8],
}

impl<'a> RawRequest<'a> {
    /// `None` when the request line is not UTF-8 or has no space; headers that are not valid
    /// HTTP are skipped (no server would receive them).
    pub fn read(data: &'a [u8]) -> Option<RawRequest<'a>> {
        let (head, body) = split_at(data, b"\n\n");
        let head = std::str::from_utf8(head).ok()?;
        let mut lines = head.split('\n');
        let (method, target) = lines.next()?.split_once(' ')?;
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let mut headers = http::HeaderMap::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(name, value);
            }
        }
        Some(RawRequest {
            method,
            path,
            query,
            headers,
            body,
        })
    }

    pub fn sigv4(&self) -> ram_sigv4::Request<'_> {
        ram_sigv4::Request {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: &self.headers,
            body: self.body,
        }
    }
}

/// A RAM call as the `rest_json` target reads it: the first byte picks the operation (modulo
/// their number), then the query string up to the first newline, then the body.
pub struct RamCall<'a> {
    pub operation: Operation,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

impl<'a> RamCall<'a> {
    pub fn read(data: &'a [u8]) -> Option<RamCall<'a>> {
        let (&pick, rest) = data.split_first()?;
        let operations = ram_model::OPERATIONS;
        let operation = operations[usize::from(pick) % operations.len()].operation;
        let (query, body) = split_at(rest, b"\n");
        let query = std::str::from_utf8(query).ok().filter(|q| !q.is_empty());
        Some(RamCall {
            operation,
            query,
            body,
        })
    }
}

/// An Organizations call as the `organizations` target reads it: the first byte picks the
/// operation, the rest is the JSON 1.1 body.
pub struct OrganizationsCall<'a> {
    pub operation: organizations::Operation,
    pub body: &'a [u8],
}

impl<'a> OrganizationsCall<'a> {
    pub fn read(data: &'a [u8]) -> Option<OrganizationsCall<'a>> {
        let (&pick, body) = data.split_first()?;
        let operations = organizations::Operation::ALL;
        Some(OrganizationsCall {
            operation: operations[usize::from(pick) % operations.len()],
            body,
        })
    }
}

/// `data` before and after the first `separator` (all of it and nothing when there is none).
pub fn split_at<'a>(data: &'a [u8], separator: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(separator.len()).position(|w| w == separator) {
        Some(at) => (&data[..at], &data[at + separator.len()..]),
        None => (data, &[]),
    }
}

/// `data` as text before and after the first newline, when it is UTF-8.
pub fn text_lines(data: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(data).ok()?;
    Some(text.split_once('\n').unwrap_or((text, "")))
}
