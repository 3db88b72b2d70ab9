//! The end-to-end harness: a ramd `Router` over a store in a temporary directory, a clock the
//! tests move by hand, and `aws-sdk-ram` clients that reach the router in-process through a
//! small HTTP connector (no sockets). Every test talks to ramd exactly as a user's program does.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_ram::Client;
use aws_sdk_ram::config::retry::RetryConfig;
use aws_sdk_ram::config::{Credentials, Region};
pub use aws_sdk_ram::error::ProvideErrorMetadata;
use aws_sdk_ram::error::SdkError;
use aws_sdk_ram::types::{ResourceOwner, ResourceShare, ResourceShareInvitation};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use http_body_util::BodyExt;
use ram_domain::{Clock, Config, Ram, RandomIds};
use ram_store::Store;
use ramd::secrets::MasterKey;
use ramd::throttle::Throttle;
use ramd::{AppState, AuthMode, router};
use tempfile::TempDir;
use tower::ServiceExt;

pub const A: &str = "111111111111";
pub const B: &str = "222222222222";
pub const C: &str = "333333333333";
pub const US: &str = "us-east-1";
pub const EU: &str = "eu-west-1";
/// The account trust mode falls back to for an access key that is not 12 digits.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
pub const ENDPOINT: &str = "http://ramd.local";

pub const SECOND_MS: i64 = 1000;
pub const HOUR_MS: i64 = 3600 * SECOND_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// A transit gateway of `account` in `region` (shareable outside an organization, 7-day
/// invitations, receivers may leave).
pub fn tgw(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:transit-gateway/tgw-{id}")
}

/// A License Manager configuration (shareable outside an organization, receivers may leave).
pub fn license(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:license-manager:{region}:{account}:license-configuration:lic-{id}")
}

/// A subnet: shareable only inside an organization.
pub fn subnet(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:subnet/subnet-{id}")
}

/// A CodeBuild project: shareable with IAM principals, 12-hour invitations, receivers may not
/// leave.
pub fn codebuild(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:codebuild:{region}:{account}:project/p-{id}")
}

// ---------------------------------------------------------------------------------------------
// Clock

/// A clock that stands still until a test moves it. ramd checks SigV4 signatures against it; it
/// starts at the real time so that signatures made at the wall clock's time stay valid as long as
/// the test does not move it (by more than SigV4's 15 minutes).
#[derive(Debug)]
pub struct TestClock {
    now: AtomicI64,
}

impl TestClock {
    pub fn new() -> TestClock {
        TestClock {
            now: AtomicI64::new(wall_ms()),
        }
    }

    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn get(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

impl Default for TestClock {
    fn default() -> Self {
        TestClock::new()
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.get()
    }
}

pub fn wall_ms() -> i64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------------
// In-process HTTP connector

/// Hands each request the SDK sends straight to the router, as a real HTTP server would see it.
#[derive(Clone)]
pub struct InProcess {
    router: Router,
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InProcess")
    }
}

fn connector_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ConnectorError {
    ConnectorError::other(e.into(), None)
}

impl HttpConnector for InProcess {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let router = self.router.clone();
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(connector_error)?;
            let (mut parts, body) = request.into_parts();
            let body = body.collect().await.map_err(connector_error)?.to_bytes();
            // The SDK signs `host` but leaves setting it to the HTTP client.
            if !parts.headers.contains_key(http::header::HOST)
                && let Some(authority) = parts.uri.authority()
            {
                let value =
                    http::HeaderValue::from_str(authority.as_str()).map_err(connector_error)?;
                parts.headers.insert(http::header::HOST, value);
            }
            let request = http::Request::from_parts(parts, axum::body::Body::from(body));
            let response = router.oneshot(request).await.map_err(connector_error)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(connector_error)?.to_bytes();
            let response = http::Response::from_parts(parts, SdkBody::from(body));
            HttpResponse::try_from(response).map_err(connector_error)
        })
    }
}

impl HttpClient for InProcess {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A client configured as a user would point one at ramd, over any HTTP client.
pub fn client_over(
    http_client: impl HttpClient + 'static,
    endpoint: &str,
    access_key_id: &str,
    secret: &str,
    region: &str,
) -> Client {
    let config = aws_sdk_ram::Config::builder()
        .behavior_version_latest()
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(access_key_id, secret, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .http_client(http_client)
        .build();
    Client::from_conf(config)
}

// ---------------------------------------------------------------------------------------------
// Harness

pub struct Harness {
    pub router: Router,
    pub ram: Ram,
    pub clock: Arc<TestClock>,
    pub auth: AuthMode,
    pub config: Config,
    pub throttle: Option<Arc<Throttle>>,
    pub dir: TempDir,
}

/// ramd in trust mode (a 12-digit access key id is the account) with the default configuration.
pub async fn trust() -> Harness {
    start(Config::default(), trust_mode()).await
}

/// SigV4 mode, with a master key of its own sealing the harness's access keys.
pub fn sigv4_mode() -> AuthMode {
    let bytes: [u8; 32] = std::array::from_fn(|_| rand::random());
    let text = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    AuthMode::Sigv4 {
        master: Arc::new(MasterKey::from_base64(&text).expect("32 bytes")),
    }
}

impl Harness {
    /// The master key of a SigV4 harness.
    pub fn master(&self) -> Arc<MasterKey> {
        match &self.auth {
            AuthMode::Sigv4 { master } => master.clone(),
            AuthMode::Trust { .. } => panic!("a trust-mode harness has no master key"),
        }
    }
}

pub fn trust_mode() -> AuthMode {
    AuthMode::Trust {
        default_account: DEFAULT_ACCOUNT.to_owned(),
    }
}

pub async fn start(config: Config, auth: AuthMode) -> Harness {
    start_throttled(config, auth, None).await
}

/// As `start`, with per-account rate limits.
pub async fn start_throttled(
    config: Config,
    auth: AuthMode,
    throttle: Option<Arc<Throttle>>,
) -> Harness {
    let dir = tempfile::tempdir().expect("temporary directory");
    let clock = Arc::new(TestClock::new());
    let (ram, router) = build(dir.path(), &config, &auth, throttle.clone(), clock.clone()).await;
    Harness {
        router,
        ram,
        clock,
        auth,
        config,
        throttle,
        dir,
    }
}

/// The store of one harness: SQLite in `dir`, or with `RAMD_TEST_BACKEND=postgres` a database of
/// its own on the server of `RAMD_TEST_DATABASE_URL`, named after `dir` so that a restart finds it.
pub async fn open_store(dir: &Path) -> Store {
    if std::env::var("RAMD_TEST_BACKEND").as_deref() != Ok("postgres") {
        return Store::open_dir(dir).await.expect("store opens");
    }
    let admin = std::env::var("RAMD_TEST_DATABASE_URL")
        .expect("RAMD_TEST_DATABASE_URL names a PostgreSQL server");
    // Unique per directory (temporary directories are), and stable across a restart.
    let name = format!("ramd_{:016x}", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        dir.hash(&mut h);
        h.finish()
    });
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("PostgreSQL is reachable");
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .expect("pg_database is readable");
    if exists.is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("a test database can be created");
    }
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Store::open(&format!("{base}/{name}"))
        .await
        .expect("store opens")
}

async fn build(
    dir: &Path,
    config: &Config,
    auth: &AuthMode,
    throttle: Option<Arc<Throttle>>,
    clock: Arc<TestClock>,
) -> (Ram, Router) {
    let store = open_store(dir).await;
    let ram = Ram::new(store, config.clone(), clock, Arc::new(RandomIds))
        .await
        .expect("ram starts");
    let router = router(AppState {
        ram: ram.clone(),
        auth: Arc::new(auth.clone()),
        throttle,
        body_timeout: std::time::Duration::from_secs(30),
        admin: std::sync::Arc::default(),
        console: None,
        audit: None,
    });
    (ram, router)
}

impl Harness {
    /// A client of `account` in `region` (trust mode: the access key id is the account).
    pub fn client(&self, account: &str, region: &str) -> Client {
        self.client_with_keys(account, "not-checked-in-trust-mode", region)
    }

    pub fn client_with_keys(&self, access_key_id: &str, secret: &str, region: &str) -> Client {
        client_over(
            InProcess {
                router: self.router.clone(),
            },
            ENDPOINT,
            access_key_id,
            secret,
            region,
        )
    }

    /// A client of `account` with the SDK's standard retries on (up to `attempts` tries a call).
    pub fn retrying_client(&self, account: &str, region: &str, attempts: u32) -> Client {
        let client = self.client(account, region);
        let config = client
            .config()
            .to_builder()
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .build();
        Client::from_conf(config)
    }

    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }

    /// Stops this server and starts a new one over the same data directory, as after a restart
    /// of the process (the clock carries on where it was).
    pub async fn restart(self) -> Harness {
        let Harness {
            router,
            ram,
            clock,
            auth,
            config,
            throttle,
            dir,
        } = self;
        drop(router);
        ram.store().close().await;
        drop(ram);
        let (ram, router) =
            build(dir.path(), &config, &auth, throttle.clone(), clock.clone()).await;
        Harness {
            router,
            ram,
            clock,
            auth,
            config,
            throttle,
            dir,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions and small helpers

/// The error code and message of a failed call; panics (showing the output) if it succeeded.
pub fn err<T: fmt::Debug, E: ProvideErrorMetadata + fmt::Debug, R: fmt::Debug>(
    result: Result<T, SdkError<E, R>>,
) -> (String, String) {
    match result {
        Ok(v) => panic!("expected an error, the call succeeded with {v:?}"),
        Err(e) => {
            let code = e
                .code()
                .unwrap_or_else(|| panic!("error without a code: {e:?}"))
                .to_owned();
            let message = e.message().unwrap_or_default().to_owned();
            (code, message)
        }
    }
}

/// Asserts that a call failed with `expected` as its error code; returns the message.
#[track_caller]
pub fn expect_code<T: fmt::Debug, E: ProvideErrorMetadata + fmt::Debug, R: fmt::Debug>(
    result: Result<T, SdkError<E, R>>,
    expected: &str,
) -> String {
    let (code, message) = err(result);
    assert_eq!(code, expected, "unexpected error code (message: {message})");
    message
}

/// Asserts a share ARN of `account` in `region`: `arn:aws:ram:<region>:<account>:resource-share/<uuid>`.
#[track_caller]
pub fn assert_share_arn(arn: &str, account: &str, region: &str) {
    let prefix = format!("arn:aws:ram:{region}:{account}:resource-share/");
    let id = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{arn} does not start with {prefix}"));
    assert!(is_uuid(id), "{arn}: {id} is not a UUID");
}

/// Asserts an invitation ARN: `arn:aws:ram:<region>:<sender>:resource-share-invitation/<uuid>`.
#[track_caller]
pub fn assert_invitation_arn(arn: &str, sender: &str, region: &str) {
    let prefix = format!("arn:aws:ram:{region}:{sender}:resource-share-invitation/");
    let id = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{arn} does not start with {prefix}"));
    assert!(is_uuid(id), "{arn}: {id} is not a UUID");
}

pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
        && s.bytes().all(|b| !b.is_ascii_uppercase())
}

/// Creates a share of `resources` with `principals`; returns its ARN.
pub async fn create_share(
    client: &Client,
    name: &str,
    resources: &[String],
    principals: &[&str],
) -> String {
    let mut call = client.create_resource_share().name(name);
    for r in resources {
        call = call.resource_arns(r);
    }
    for p in principals {
        call = call.principals(*p);
    }
    let out = call.send().await.expect("CreateResourceShare");
    out.resource_share()
        .and_then(|s| s.resource_share_arn())
        .expect("share ARN")
        .to_owned()
}

/// The shares `client` sees for `owner`, following every page.
pub async fn shares(client: &Client, owner: ResourceOwner) -> Vec<ResourceShare> {
    let pages = client
        .get_resource_shares()
        .resource_owner(owner)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("GetResourceShares");
    pages
        .into_iter()
        .flat_map(|p| p.resource_shares.unwrap_or_default())
        .collect()
}

/// One share looked up by ARN (`resourceShareArns=[arn]`), expecting exactly one answer.
pub async fn share(client: &Client, owner: ResourceOwner, arn: &str) -> ResourceShare {
    let out = client
        .get_resource_shares()
        .resource_owner(owner)
        .resource_share_arns(arn)
        .send()
        .await
        .expect("GetResourceShares by ARN");
    let list = out.resource_shares.unwrap_or_default();
    assert_eq!(list.len(), 1, "exactly one share for {arn}: {list:?}");
    list.into_iter().next().expect("one share")
}

/// The invitations `client` has received, following every page.
pub async fn invitations(client: &Client) -> Vec<ResourceShareInvitation> {
    let pages = client
        .get_resource_share_invitations()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("GetResourceShareInvitations");
    pages
        .into_iter()
        .flat_map(|p| p.resource_share_invitations.unwrap_or_default())
        .collect()
}

/// The invitation `client` received for the share `share_arn` (exactly one expected).
pub async fn invitation_for(client: &Client, share_arn: &str) -> ResourceShareInvitation {
    let out = client
        .get_resource_share_invitations()
        .resource_share_arns(share_arn)
        .send()
        .await
        .expect("GetResourceShareInvitations");
    let list = out.resource_share_invitations.unwrap_or_default();
    assert_eq!(list.len(), 1, "one invitation for {share_arn}: {list:?}");
    list.into_iter().next().expect("one invitation")
}

/// Accepts the invitation `client` received for `share_arn`.
pub async fn accept(client: &Client, share_arn: &str) -> ResourceShareInvitation {
    let invitation = invitation_for(client, share_arn).await;
    client
        .accept_resource_share_invitation()
        .resource_share_invitation_arn(invitation.resource_share_invitation_arn().unwrap())
        .send()
        .await
        .expect("AcceptResourceShareInvitation")
        .resource_share_invitation
        .expect("invitation in the answer")
}

/// The status of one association of the owner's share, as GetResourceShareAssociations reports it.
pub async fn association_status(
    owner: &Client,
    share_arn: &str,
    kind: aws_sdk_ram::types::ResourceShareAssociationType,
    entity: &str,
) -> Option<String> {
    let out = owner
        .get_resource_share_associations()
        .association_type(kind)
        .resource_share_arns(share_arn)
        .send()
        .await
        .expect("GetResourceShareAssociations");
    let matching: Vec<_> = out
        .resource_share_associations
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.associated_entity() == Some(entity))
        .collect();
    assert!(
        matching.len() <= 1,
        "at most one association of {entity}: {matching:?}"
    );
    matching
        .first()
        .and_then(|a| a.status())
        .map(|s| s.as_str().to_owned())
}

// ---------------------------------------------------------------------------------------------
// ramd's own operations (`POST /checkaccess`, `POST /putresourcepolicy`), sent as raw signed JSON

/// The answer to a raw request: HTTP status, `x-amzn-ErrorType` and the body read as JSON
/// (`Value::Null` when it is not JSON).
#[derive(Debug, Clone)]
pub struct JsonReply {
    pub status: u16,
    pub error_type: Option<String>,
    pub body: serde_json::Value,
}

impl JsonReply {
    /// The body of a 200 answer; panics (showing the answer) otherwise.
    #[track_caller]
    pub fn ok(&self) -> &serde_json::Value {
        assert_eq!(self.status, 200, "expected success: {self:?}");
        &self.body
    }

    /// Asserts an error answer with this status and `x-amzn-ErrorType`; returns its message.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.error_type.as_deref()),
            (status, Some(code)),
            "unexpected answer: {self:?}"
        );
        self.body["message"].as_str().unwrap_or_default().to_owned()
    }
}

/// The router's answer to one raw request: status, headers, the whole body.
pub async fn answer(
    router: &Router,
    request: http::Request<axum::body::Body>,
) -> (u16, http::HeaderMap, axum::body::Bytes) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("response body").to_bytes();
    (status, parts.headers, bytes)
}

/// POSTs `body` to `path` on the router, signed with SigV4 (service `ram`) by these keys for
/// `region` at the current wall-clock time, as an SDK would sign it.
pub async fn signed_post(
    router: &Router,
    access_key_id: &str,
    secret: &str,
    region: &str,
    path: &str,
    body: &str,
) -> JsonReply {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_smithy_runtime_api::client::identity::Identity;

    let uri = format!("{ENDPOINT}{path}");
    let content_type = "application/json";
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ram")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let headers = [("host", "ramd.local"), ("content-type", content_type)];
    let signable = SignableRequest::new(
        "POST",
        uri.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params)
        .expect("SigV4 signature")
        .into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(&uri)
        .header("host", "ramd.local")
        .header("content-type", content_type)
        .body(())
        .expect("request");
    instructions.apply_to_request_http1x(&mut request);
    let (parts, ()) = request.into_parts();
    let request = http::Request::from_parts(parts, axum::body::Body::from(body.to_owned()));
    let (status, headers, bytes) = answer(router, request).await;
    let error_type = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    JsonReply {
        status,
        error_type,
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    }
}

impl Harness {
    /// POSTs a JSON document to one of ramd's own paths as `account` in `region` (trust mode:
    /// the access key id is the account).
    pub async fn post_json(
        &self,
        account: &str,
        region: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> JsonReply {
        self.post_text(account, region, path, &body.to_string())
            .await
    }

    /// POSTs any body text (e.g. malformed JSON) to `path` as `account` in `region`.
    pub async fn post_text(
        &self,
        account: &str,
        region: &str,
        path: &str,
        body: &str,
    ) -> JsonReply {
        signed_post(
            &self.router,
            account,
            "not-checked-in-trust-mode",
            region,
            path,
            body,
        )
        .await
    }
}

/// The ARN of a customer managed permission: `arn:aws:ram:<region>:<account>:permission/<name>`.
pub fn permission_arn(account: &str, region: &str, name: &str) -> String {
    format!("arn:aws:ram:{region}:{account}:permission/{name}")
}

/// The ARN of an AWS managed permission: `arn:aws:ram::aws:permission/<name>`.
pub fn aws_permission(name: &str) -> String {
    format!("arn:aws:ram::aws:permission/{name}")
}

/// The HTTP status of a failed SDK call (panics if it succeeded or never got an answer).
pub fn http_status<T: fmt::Debug, E: fmt::Debug>(
    result: &Result<T, SdkError<E, HttpResponse>>,
) -> u16 {
    match result {
        Ok(v) => panic!("expected an error, the call succeeded with {v:?}"),
        Err(e) => e
            .raw_response()
            .unwrap_or_else(|| panic!("no HTTP answer: {e:?}"))
            .status()
            .as_u16(),
    }
}

// ---------------------------------------------------------------------------------------------
// The global services on the same endpoint: Organizations (JSON 1.1) and IAM (query protocol)

/// The answer to a raw request to another service: HTTP status, `x-amzn-ErrorType` (if any) and
/// the body as text.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub status: u16,
    pub error_type: Option<String>,
    pub text: String,
}

/// POSTs `body` to `/` on the router, signed with SigV4 for `service` by these keys, with
/// `content_type` and any `extra` headers (signed too), as that service's SDK would send it.
#[allow(clippy::too_many_arguments)]
pub async fn signed_service_post(
    router: &Router,
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> RawReply {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_smithy_runtime_api::client::identity::Identity;

    let uri = format!("{ENDPOINT}/");
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let mut headers = vec![("host", "ramd.local"), ("content-type", content_type)];
    headers.extend_from_slice(extra);
    let signable = SignableRequest::new(
        "POST",
        uri.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params)
        .expect("SigV4 signature")
        .into_parts();
    let mut builder = http::Request::builder().method("POST").uri(&uri);
    for (name, value) in &headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(()).expect("request");
    instructions.apply_to_request_http1x(&mut request);
    let (parts, ()) = request.into_parts();
    let request = http::Request::from_parts(parts, axum::body::Body::from(body.to_owned()));
    let (status, headers, bytes) = answer(router, request).await;
    let error_type = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    RawReply {
        status,
        error_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Harness {
    /// One AWS Organizations call (`X-Amz-Target: AWSOrganizationsV20161128.<operation>`, JSON
    /// 1.1, signed for `organizations`) as `account`; errors carry `__type` and `Message`.
    pub async fn organizations(
        &self,
        account: &str,
        operation: &str,
        body: &serde_json::Value,
    ) -> JsonReply {
        let target = format!("AWSOrganizationsV20161128.{operation}");
        let reply = signed_service_post(
            &self.router,
            account,
            "not-checked-in-trust-mode",
            US,
            "organizations",
            "application/x-amz-json-1.1",
            &[("x-amz-target", target.as_str())],
            &body.to_string(),
        )
        .await;
        JsonReply {
            status: reply.status,
            error_type: reply.error_type,
            body: serde_json::from_str(&reply.text).unwrap_or(serde_json::Value::Null),
        }
    }

    /// One IAM query-protocol action (`Action=<action>&Version=2010-05-08&...`, signed for
    /// `iam`) as `account`; the XML answer as text.
    pub async fn iam(&self, account: &str, action: &str, params: &[(&str, &str)]) -> RawReply {
        use std::fmt::Write as _;
        let mut body = format!("Action={}&Version=2010-05-08", form_encode(action));
        for (k, v) in params {
            let _ = write!(body, "&{}={}", form_encode(k), form_encode(v));
        }
        signed_service_post(
            &self.router,
            account,
            "not-checked-in-trust-mode",
            US,
            "iam",
            "application/x-www-form-urlencoded; charset=utf-8",
            &[],
            &body,
        )
        .await
    }
}
