//! The web console at `/console`: server-rendered HTML (maud), no JavaScript. A person signs in
//! with an access key pair (sigv4 mode) or an account id (trust mode) and browses, per Region,
//! the shares their account owns and those shared with it, pending invitations (accepted or
//! rejected from here), permissions and their versions, the organization tree, and access
//! decisions. Every page is made of the operations a client calls (`in_process`), as the signed-in
//! caller, so the console can show or do nothing the API would not.
//!
//! `/console` is no path of RAM's (every RAM operation is `POST /<operationname>`), and the
//! console's session is its own: a cookie sealed with a key kept in the store (so every replica
//! accepts it), naming the access key, which is looked up again on every request (a key
//! deactivated or deleted ends its sessions).

mod access;
mod invitations;
mod layout;
mod organization;
mod permissions;
mod session;
mod shares;

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, Method, StatusCode, header};
use maud::Markup;
use ram_domain::Caller;

use crate::in_process::InProcess;
use crate::server::AppState;
pub use session::Console;

/// The largest form the console takes.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Whether `path` is the console's.
pub fn is_console_path(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// What a page of the console is given: the caller and where it is looking.
pub(crate) struct View<'a> {
    pub calls: InProcess<'a>,
    pub state: &'a AppState,
    pub caller: Caller,
    pub region: String,
    /// The form token of this session, for the forms that change something.
    pub csrf: String,
    query: Vec<(String, String)>,
}

impl View<'_> {
    /// A query parameter of the request.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A console link in this view's Region.
    pub fn link(&self, path: &str, params: &[(&str, &str)]) -> String {
        layout::link(path, &self.region, params)
    }
}

/// What a page answers: HTML, or a redirect after a form.
pub(crate) enum Answer {
    Page {
        title: String,
        nav: layout::Nav,
        body: Markup,
    },
    Redirect(String),
}

/// Serves a request to `/console...`.
pub async fn serve(state: &AppState, console: &Console, request: Request) -> Response {
    let received = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let form: Vec<(String, String)> = if parts.method == Method::POST {
        match to_bytes(body, MAX_FORM_BYTES).await {
            Ok(bytes) => form_urlencoded::parse(&bytes).into_owned().collect(),
            Err(_) => {
                return finish(
                    &parts.method,
                    &path,
                    "",
                    received,
                    plain(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."),
                );
            }
        }
    } else {
        Vec::new()
    };
    let region = layout::region(
        query
            .iter()
            .chain(form.iter())
            .find(|(k, _)| k == "region")
            .map(|(_, v)| v.as_str()),
    );
    let cookie = session::cookie(&parts.headers);

    // Outside a session: the style sheet, signing in and out.
    match (&parts.method, path.as_str()) {
        (&Method::GET, "/console/style.css") => {
            return finish(&parts.method, &path, "", received, layout::style_sheet());
        }
        (&Method::GET, "/console/sign-in") => {
            let page = layout::sign_in(Console::sign_in_kind(state), None);
            return finish(
                &parts.method,
                &path,
                "",
                received,
                html(StatusCode::OK, page),
            );
        }
        (&Method::POST, "/console/sign-in") => {
            let response = match console.sign_in(state, &form).await {
                Ok(cookie) => {
                    let mut r = redirect(&layout::link("/console/shares", &region, &[]));
                    if let Ok(v) = HeaderValue::from_str(&cookie) {
                        r.headers_mut().insert(header::SET_COOKIE, v);
                    }
                    r
                }
                Err(message) => html(
                    StatusCode::UNAUTHORIZED,
                    layout::sign_in(Console::sign_in_kind(state), Some(&message)),
                ),
            };
            return finish(&parts.method, &path, "", received, response);
        }
        (&Method::POST, "/console/sign-out") => {
            let mut r = redirect("/console/sign-in");
            r.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_static(session::CLEARED),
            );
            return finish(&parts.method, &path, "", received, r);
        }
        _ => {}
    }

    let Some((caller, csrf)) = console.session(state, cookie.as_deref(), &region).await else {
        return finish(
            &parts.method,
            &path,
            "",
            received,
            redirect("/console/sign-in"),
        );
    };
    let account = caller.account_id.clone();
    if parts.method == Method::POST
        && form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            != Some(csrf.as_str())
    {
        let r = plain(
            StatusCode::FORBIDDEN,
            "The form is not from this session: reload the page and try again.",
        );
        return finish(&parts.method, &path, &account, received, r);
    }
    let view = View {
        calls: InProcess { ram: &state.ram },
        state,
        caller,
        region,
        csrf,
        query,
    };
    let answer = match (&parts.method, path.as_str()) {
        (&Method::GET, "/console" | "/console/") => {
            Some(Answer::Redirect(view.link("/console/shares", &[])))
        }
        (&Method::GET, "/console/shares") => Some(shares::list(&view).await),
        (&Method::GET, "/console/share") => Some(shares::detail(&view).await),
        (&Method::GET, "/console/invitations") => Some(invitations::list(&view).await),
        (&Method::POST, "/console/invitations") => Some(invitations::answer(&view, &form).await),
        (&Method::GET, "/console/permissions") => Some(permissions::list(&view).await),
        (&Method::GET, "/console/permission") => Some(permissions::detail(&view).await),
        (&Method::GET, "/console/organization") => Some(organization::tree(&view).await),
        (&Method::GET, "/console/access") => Some(access::check(&view).await),
        _ => None,
    };
    let response = match answer {
        Some(Answer::Page { title, nav, body }) => {
            html(StatusCode::OK, layout::page(&view, &title, nav, &body))
        }
        Some(Answer::Redirect(to)) => redirect(&to),
        None => html(
            StatusCode::NOT_FOUND,
            layout::page(&view, "Not found", layout::Nav::None, &layout::not_found()),
        ),
    };
    finish(&parts.method, &path, &account, received, response)
}

fn html(status: StatusCode, page: Markup) -> Response {
    let mut r = Response::new(Body::from(page.into_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// After a form: see the page (303, so reloading it does not post again).
fn redirect(to: &str) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The headers every console answer carries (no script runs, nothing is framed or cached, forms
/// post only here), and its line in the log.
fn finish(
    method: &Method,
    path: &str,
    account: &str,
    received: Instant,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        method = method.as_str(),
        path,
        service = "console",
        account,
        status = response.status().as_u16(),
        latency_ms = received.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_console_is_its_own_paths_only() {
        assert!(super::is_console_path("/console"));
        assert!(super::is_console_path("/console/shares"));
        assert!(!super::is_console_path("/consoles"));
        assert!(!super::is_console_path("/createresourceshare"));
    }
}
