//! Authentication: SigV4 with keys issued by `ramd::accounts::create`, and trust mode, where a
//! 12-digit access key id is the account. Also STS GetCallerIdentity on the same endpoint.

use std::time::{Duration, SystemTime};

use aws_sdk_ram::types::ResourceOwner;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http_body_util::BodyExt;
use ram_domain::Config;
use ramd::accounts::{NewCredentials, create};
use tower::ServiceExt;

use crate::common::*;

async fn sigv4() -> Harness {
    start(Config::default(), sigv4_mode()).await
}

async fn keys(h: &Harness, account: &str, principal: Option<&str>) -> NewCredentials {
    create(
        h.ram.store(),
        &h.master(),
        Some(account),
        None,
        principal,
        wall_ms(),
    )
    .await
    .expect("accounts::create")
}

fn client_of(h: &Harness, keys: &NewCredentials, region: &str) -> aws_sdk_ram::Client {
    h.client_with_keys(&keys.access_key_id, &keys.secret_access_key, region)
}

struct Raw {
    status: u16,
    error_type: Option<String>,
    body: String,
}

/// A request sent straight to the router, signed with SigV4 for `service` unless `keys` is
/// `None`; `sent_body` replaces the signed body when given (to tamper with it).
#[allow(clippy::too_many_arguments)]
async fn raw(
    h: &Harness,
    path: &str,
    content_type: &str,
    body: &str,
    service: &str,
    keys: Option<(&str, &str)>,
    region: &str,
    time: SystemTime,
    sent_body: Option<&str>,
) -> Raw {
    let uri = format!("{ENDPOINT}{path}");
    let mut request = http::Request::builder()
        .method("POST")
        .uri(&uri)
        .header("host", "ramd.local")
        .header("content-type", content_type)
        .body(String::new())
        .unwrap();
    if let Some((akid, secret)) = keys {
        let identity: Identity =
            aws_credential_types::Credentials::new(akid, secret, None, None, "test").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let headers = [("host", "ramd.local"), ("content-type", content_type)];
        let signable = SignableRequest::new(
            "POST",
            uri.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut request);
    }
    let (parts, _) = request.into_parts();
    let request = http::Request::from_parts(
        parts,
        axum::body::Body::from(sent_body.unwrap_or(body).to_owned()),
    );
    let response = h.router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Raw {
        status,
        error_type,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

const STS_FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn xml_field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}

#[tokio::test]
async fn signed_requests_act_as_the_keys_account() {
    let h = sigv4().await;
    let ka = keys(&h, A, None).await;
    let kb = keys(&h, B, None).await;
    assert_eq!(ka.account_id, A);
    let a = client_of(&h, &ka, US);
    let b = client_of(&h, &kb, US);

    let share_arn = create_share(&a, "signed", &[tgw(A, US, "1")], &[B]).await;
    assert_share_arn(&share_arn, A, US);
    let s = share(&a, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(s.owning_account_id(), Some(A));
    assert!(shares(&b, ResourceOwner::SelfValue).await.is_empty());
    accept(&b, &share_arn).await;
    assert_eq!(shares(&b, ResourceOwner::OtherAccounts).await.len(), 1);

    // The Region is the one the request is signed for.
    let a_eu = client_of(&h, &ka, EU);
    let eu_arn = create_share(&a_eu, "european", &[], &[]).await;
    assert_share_arn(&eu_arn, A, EU);
    assert_eq!(shares(&a, ResourceOwner::SelfValue).await.len(), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_signature() {
    let h = sigv4().await;
    let ka = keys(&h, A, None).await;
    let wrong = h.client_with_keys(
        &ka.access_key_id,
        "wrong-secret-wrong-secret-wrong-secret0",
        US,
    );
    let e = wrong
        .create_resource_share()
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    // Nothing was created.
    assert!(
        shares(&client_of(&h, &ka, US), ResourceOwner::SelfValue)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_access_key_is_an_unrecognized_client() {
    let h = sigv4().await;
    keys(&h, A, None).await;
    let stranger = h.client_with_keys("AKIAUNKNOWNUNKNOWN00", "secret", US);
    let e = stranger
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    // In SigV4 mode a 12-digit key is not an account either.
    let e = h
        .client(A, US)
        .get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
}

#[tokio::test]
async fn unsigned_tampered_or_stale_requests_are_refused() {
    let h = sigv4().await;
    let ka = keys(&h, A, None).await;
    let creds = Some((ka.access_key_id.as_str(), ka.secret_access_key.as_str()));
    let body = r#"{"resourceOwner":"SELF"}"#;
    let now = SystemTime::now();

    let ok = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ram",
        creds,
        US,
        now,
        None,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let unsigned = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ram",
        None,
        US,
        now,
        None,
    )
    .await;
    assert_eq!(unsigned.status, 403, "{}", unsigned.body);
    assert_eq!(
        unsigned.error_type.as_deref(),
        Some("MissingAuthenticationTokenException")
    );

    let tampered = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ram",
        creds,
        US,
        now,
        Some(r#"{"resourceOwner":"OTHER-ACCOUNTS"}"#),
    )
    .await;
    assert_eq!(tampered.status, 403, "{}", tampered.body);
    assert_eq!(
        tampered.error_type.as_deref(),
        Some("InvalidSignatureException")
    );

    let stale = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ram",
        creds,
        US,
        now - Duration::from_hours(1),
        None,
    )
    .await;
    assert_eq!(stale.status, 403, "{}", stale.body);
    assert_eq!(
        stale.error_type.as_deref(),
        Some("InvalidSignatureException")
    );

    let wrong_service = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ec2",
        creds,
        US,
        now,
        None,
    )
    .await;
    assert_eq!(wrong_service.status, 403, "{}", wrong_service.body);
}

/// SigV4's ±15-minute window is checked against the server's clock (the injected one), not the
/// wall clock: moving the server's clock 20 minutes ahead makes a request signed now stale, and a
/// request signed 20 minutes ahead current, for every API on the endpoint.
#[tokio::test]
async fn the_signature_window_follows_the_servers_clock() {
    let h = sigv4().await;
    let ka = keys(&h, A, None).await;
    let a = client_of(&h, &ka, US);
    let creds = Some((ka.access_key_id.as_str(), ka.secret_access_key.as_str()));
    let body = r#"{"resourceOwner":"SELF"}"#;
    a.get_resource_shares()
        .resource_owner(ResourceOwner::SelfValue)
        .send()
        .await
        .expect("signed and served at the same time");

    h.advance(20 * 60 * SECOND_MS);
    let message = expect_code(
        a.get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .send()
            .await,
        "InvalidSignatureException",
    );
    assert!(message.contains("expired"), "{message}");
    let sts_now = raw(
        &h,
        "/",
        STS_FORM,
        STS_BODY,
        "sts",
        creds,
        US,
        SystemTime::now(),
        None,
    )
    .await;
    assert_eq!(sts_now.status, 403, "{}", sts_now.body);
    // The query protocol's name for it.
    assert_eq!(
        xml_field(&sts_now.body, "Code"),
        Some("SignatureDoesNotMatch")
    );

    let ahead = SystemTime::now() + Duration::from_mins(20);
    let ram_ahead = raw(
        &h,
        "/getresourceshares",
        "application/json",
        body,
        "ram",
        creds,
        US,
        ahead,
        None,
    )
    .await;
    assert_eq!(ram_ahead.status, 200, "{}", ram_ahead.body);
    let sts_ahead = raw(&h, "/", STS_FORM, STS_BODY, "sts", creds, US, ahead, None).await;
    assert_eq!(sts_ahead.status, 200, "{}", sts_ahead.body);
    assert_eq!(xml_field(&sts_ahead.body, "Account"), Some(A));
}

#[tokio::test]
async fn a_key_bound_to_an_iam_role_acts_for_its_account() {
    let h = sigv4().await;
    let root = keys(&h, A, None).await;
    let role_arn = format!("arn:aws:iam::{A}:role/Deployer");
    let role = keys(&h, A, Some(&role_arn)).await;
    assert_eq!(role.principal_arn.as_deref(), Some(role_arn.as_str()));

    let as_role = client_of(&h, &role, US);
    let share_arn = create_share(&as_role, "by-role", &[tgw(A, US, "1")], &[]).await;
    assert_share_arn(&share_arn, A, US);
    // The account's other principals see it as the account's own share.
    let as_root = client_of(&h, &root, US);
    let s = share(&as_root, ResourceOwner::SelfValue, &share_arn).await;
    assert_eq!(s.owning_account_id(), Some(A));

    // STS says who the caller is.
    let now = SystemTime::now();
    let who = raw(
        &h,
        "/",
        STS_FORM,
        STS_BODY,
        "sts",
        Some((&role.access_key_id, &role.secret_access_key)),
        US,
        now,
        None,
    )
    .await;
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(xml_field(&who.body, "Account"), Some(A));
    assert_eq!(xml_field(&who.body, "Arn"), Some(role_arn.as_str()));
    let who = raw(
        &h,
        "/",
        STS_FORM,
        STS_BODY,
        "sts",
        Some((&root.access_key_id, &root.secret_access_key)),
        US,
        now,
        None,
    )
    .await;
    assert_eq!(xml_field(&who.body, "Account"), Some(A));
    let root_arn = format!("arn:aws:iam::{A}:root");
    assert_eq!(xml_field(&who.body, "Arn"), Some(root_arn.as_str()));

    // A key for a role of another account is refused when it is issued.
    let refused = create(
        h.ram.store(),
        &h.master(),
        Some(A),
        None,
        Some(&format!("arn:aws:iam::{B}:role/Elsewhere")),
        wall_ms(),
    )
    .await
    .err();
    assert_eq!(
        refused,
        Some(format!(
            "arn:aws:iam::{B}:role/Elsewhere is not an IAM user or role ARN of account {A}"
        ))
    );
}

#[tokio::test]
async fn sts_refuses_a_wrong_signature_in_sts_shape() {
    let h = sigv4().await;
    let ka = keys(&h, A, None).await;
    let who = raw(
        &h,
        "/",
        STS_FORM,
        STS_BODY,
        "sts",
        Some((&ka.access_key_id, "wrong")),
        US,
        SystemTime::now(),
        None,
    )
    .await;
    assert_eq!(who.status, 403, "{}", who.body);
    assert!(who.body.contains("<ErrorResponse"), "{}", who.body);
    assert_eq!(xml_field(&who.body, "Code"), Some("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn trust_mode_takes_a_twelve_digit_key_as_the_account_and_others_as_the_default() {
    let h = trust().await;
    let by_account = h.client(B, US);
    let arn = create_share(&by_account, "b", &[], &[]).await;
    assert_share_arn(&arn, B, US);

    let other_key = h.client_with_keys("FOOBARKEY", "anything", US);
    let arn = create_share(&other_key, "default", &[], &[]).await;
    assert_share_arn(&arn, DEFAULT_ACCOUNT, US);
    // The default account is an account like any other: B does not see its share.
    assert_eq!(shares(&by_account, ResourceOwner::SelfValue).await.len(), 1);
    assert_eq!(shares(&other_key, ResourceOwner::SelfValue).await.len(), 1);

    // Signatures are not checked.
    let sloppy = h.client_with_keys(B, "some other secret", US);
    assert_eq!(shares(&sloppy, ResourceOwner::SelfValue).await.len(), 1);

    // STS: the signing key's account, or the default account for an unsigned request.
    let now = SystemTime::now();
    let who = raw(
        &h,
        "/",
        STS_FORM,
        STS_BODY,
        "sts",
        Some((C, "x")),
        EU,
        now,
        None,
    )
    .await;
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(xml_field(&who.body, "Account"), Some(C));
    let who = raw(&h, "/", STS_FORM, STS_BODY, "sts", None, US, now, None).await;
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(xml_field(&who.body, "Account"), Some(DEFAULT_ACCOUNT));
}

// ------------------------------------------------------------------------------ keys at rest

#[tokio::test]
async fn secrets_are_stored_sealed_and_keys_can_be_deactivated_rotated_and_deleted() {
    use ramd::accounts::{KeyChange, change_key, rotate_key};
    let h = sigv4().await;
    let k = keys(&h, A, None).await;
    let store = h.ram.store();

    // The store holds no secret in the clear, and a copy of it without the master key opens none.
    let mut tx = store.read().await.unwrap();
    let stored = tx.get_access_key(&k.access_key_id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert!(!stored.secret_access_key.contains(&k.secret_access_key));
    assert!(ramd::secrets::is_sealed(&stored.secret_access_key));
    let other = match sigv4_mode() {
        ramd::AuthMode::Sigv4 { master } => master,
        ramd::AuthMode::Trust { .. } => unreachable!(),
    };
    assert_eq!(
        other.open(&k.access_key_id, &stored.secret_access_key),
        None
    );

    let list = |c: &aws_sdk_ram::Client| c.list_resource_types().send();
    list(&client_of(&h, &k, US))
        .await
        .expect("an active key signs");

    change_key(store, &k.access_key_id, KeyChange::Deactivate)
        .await
        .unwrap();
    let refused = list(&client_of(&h, &k, US)).await;
    expect_code(refused, "UnrecognizedClientException");
    change_key(store, &k.access_key_id, KeyChange::Reactivate)
        .await
        .unwrap();
    list(&client_of(&h, &k, US)).await.expect("reactivated");

    // Rotation issues a second key of the same account; both sign until the old one goes.
    let rotated = rotate_key(store, &h.master(), &k.access_key_id, wall_ms())
        .await
        .unwrap();
    assert_eq!(rotated.account_id, A);
    assert_ne!(rotated.access_key_id, k.access_key_id);
    list(&client_of(&h, &rotated, US))
        .await
        .expect("the new key signs");
    list(&client_of(&h, &k, US))
        .await
        .expect("the old key still signs");
    change_key(store, &k.access_key_id, KeyChange::Delete)
        .await
        .unwrap();
    expect_code(
        list(&client_of(&h, &k, US)).await,
        "UnrecognizedClientException",
    );
    list(&client_of(&h, &rotated, US))
        .await
        .expect("the new key signs on");
    assert!(
        change_key(store, &k.access_key_id, KeyChange::Delete)
            .await
            .is_err(),
        "a deleted key is gone"
    );
}

#[tokio::test]
async fn a_store_with_plain_text_secrets_is_sealed_and_still_signs() {
    let h = sigv4().await;
    let k = keys(&h, A, None).await;
    let store = h.ram.store();
    // As a store from before sealing holds it.
    let mut tx = store.begin().await.unwrap();
    tx.set_access_key_secret(&k.access_key_id, &k.secret_access_key)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let list = |c: &aws_sdk_ram::Client| c.list_resource_types().send();
    list(&client_of(&h, &k, US))
        .await
        .expect("a plain-text secret still signs");
    assert_eq!(
        ramd::accounts::seal_plaintext(store, &h.master()).await,
        Ok(1)
    );
    let mut tx = store.read().await.unwrap();
    let stored = tx.get_access_key(&k.access_key_id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert!(ramd::secrets::is_sealed(&stored.secret_access_key));
    list(&client_of(&h, &k, US))
        .await
        .expect("the sealed secret signs");
    assert_eq!(
        ramd::accounts::seal_plaintext(store, &h.master()).await,
        Ok(0)
    );
}
