//! The targets. Each asserts what must hold for any input, beyond not panicking: a document the
//! validator passes also reads as the operation's typed request; an ARN that parses prints back
//! as itself; a page token opens only for what it was sealed for.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ram_access::{Context, evaluate, parse_stored, parse_template};
use ram_context::TokenKey;
use ram_domain::{Arn, Catalog, PrincipalKind};
use ram_model::validate::Rules;
use ram_model::{ErrorCode, iam, organizations};
use ram_protocol::query::Form;
use ram_protocol::{json11, query, rest_json, sts};

use crate::input::{OrganizationsCall, RamCall, RawRequest, text_lines};

/// The secret the `sigv4` target verifies with (seeds signed with it verify).
pub const SIGV4_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// SigV4: parsing the Authorization header or a presigned query, the credential scope, and the
/// canonicalisation and verification of the whole request (at the request's own time, so that
/// the signature is computed rather than refused as stale).
pub fn sigv4(data: &[u8]) {
    let Some(raw) = RawRequest::read(data) else {
        return;
    };
    let req = raw.sigv4();
    let credential = ram_sigv4::credential(&req);
    let Ok(parsed) = ram_sigv4::parse(&req) else {
        return;
    };
    if let Some(credential) = credential {
        assert_eq!(
            credential.access_key_id, parsed.access_key_id,
            "the credential read alone names the key parse found"
        );
    }
    let _ = ram_sigv4::check_scope(&parsed, "us-east-1", "ram");
    for now in [parsed.timestamp, parsed.timestamp.saturating_add(16 * 60)] {
        if let Err(e) = ram_sigv4::verify(&req, &parsed, SIGV4_SECRET, now) {
            // Every refusal renders as an AWS error.
            assert!(!e.code().is_empty() && e.status() >= 400);
            let _ = e.message();
        }
    }
}

/// RAM's restJson1 input: routing, query-string members, JSON decoding and validation against
/// the model; whatever validates must read as the typed request.
pub fn rest_json(data: &[u8]) {
    let Some(call) = RamCall::read(data) else {
        return;
    };
    let spec = call.operation.spec();
    assert_eq!(
        rest_json::route(spec.method, spec.path).ok(),
        Some(call.operation)
    );
    if let Some(path) = call.query {
        // The query line doubles as a path no operation may be confused with.
        let _ = rest_json::route("POST", path);
    }
    if let Ok(input) = rest_json::decode(call.operation, call.query, call.body)
        && let Err(e) = ram_model::read_input(call.operation, &input)
    {
        panic!(
            "{} validated but does not read: {e:?}",
            call.operation.name()
        );
    }
}

/// Organizations' JSON 1.1 input: the `X-Amz-Target` and the validated body.
pub fn organizations(data: &[u8]) {
    let Some(call) = OrganizationsCall::read(data) else {
        return;
    };
    let target = format!(
        "AWSOrganizationsV20161128.{}",
        String::from_utf8_lossy(call.body.get(..16).unwrap_or(call.body))
    );
    let _ = json11::operation(Some(&target), "AWSOrganizationsV20161128");
    let rules = Rules::uniform(organizations::SHAPES, ErrorCode::InvalidInputException);
    if let Ok(input) = json11::decode(&rules, call.operation.input(), call.body)
        && let Err(e) = organizations::read_input(call.operation, &input)
    {
        panic!(
            "{} validated but does not read: {e:?}",
            call.operation.name()
        );
    }
}

/// The query protocol of IAM and STS: the form body, its action, and IAM's validated input.
pub fn query(data: &[u8]) {
    let content_type = Some("application/x-www-form-urlencoded; charset=utf-8");
    let _ = sts::action(content_type, data);
    let Some(form) = Form::parse(content_type, data) else {
        return;
    };
    let _ = form.version();
    let Some(operation) = form.action().and_then(iam::Operation::parse) else {
        return;
    };
    let rules = Rules::uniform(iam::SHAPES, ErrorCode::ValidationError);
    if let Ok(input) = query::decode(&rules, operation.input(), &form)
        && let Err(e) = iam::read_input(operation, &input)
    {
        panic!("{} validated but does not read: {e:?}", operation.name());
    }
}

/// ARNs and principals: what parses prints back as itself, and the resource-type catalogue
/// and the principal kinds read any ARN.
pub fn arn(data: &[u8]) {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(arn) = Arn::parse(text) {
        let printed = format!(
            "arn:{}:{}:{}:{}:{}",
            arn.partition, arn.service, arn.region, arn.account, arn.resource
        );
        assert_eq!(printed, text, "an ARN prints back as itself");
        let _ = arn.resource_id();
        let _ = CATALOG.get_or_init(Catalog::load).type_of(&arn);
    }
    for kind in ["resource-share", "resource-share-invitation", "permission"] {
        if let Ok(arn) = Arn::parse_ram(text, kind) {
            assert!(arn.service == "ram" && arn.resource.starts_with(kind));
        }
    }
    if let Ok(principal) = PrincipalKind::parse(text) {
        let _ = (principal.account(), principal.is_iam());
    }
}

/// Page tokens: a token opens only under its key and binding, to the cursor it was sealed
/// with; a payload signed with the key but not ramd's reaches the decoding behind the tag.
pub fn page_token(data: &[u8]) {
    let key = TokenKey::new(b"ramd-fuzz page token key".to_vec());
    let Some((binding, token)) = text_lines(data) else {
        return;
    };
    if let Some(cursor) = key.open(token, binding) {
        let again = key.seal(&cursor, binding).expect("a cursor seals");
        assert_eq!(key.open(&again, binding), Some(cursor));
    }
    // A payload of the fuzzer's choosing, correctly tagged.
    let payload = URL_SAFE_NO_PAD.encode(token.as_bytes());
    let forged = format!(
        "{payload}.{}",
        URL_SAFE_NO_PAD.encode(key.sign(payload.as_bytes()))
    );
    let _ = key.open(&forged, binding);
    // Any cursor round-trips, and only for its own binding.
    let created = i64::try_from(token.len()).unwrap_or(i64::MAX) - 1;
    let cursor = (created, token.to_owned());
    let sealed = key.seal(&cursor, binding).expect("a cursor seals");
    assert_eq!(key.open(&sealed, binding), Some(cursor));
    assert_eq!(key.open(&sealed, &format!("{binding}.")), None);
    let other = TokenKey::new(b"another key".to_vec());
    assert_eq!(other.open(&sealed, binding), None);
}

/// Permission policy templates and their conditions: the customer managed rules, the stored
/// form, and evaluating whatever parses against a request context.
pub fn policy(data: &[u8]) {
    let Some((action, text)) = text_lines(data) else {
        return;
    };
    let customer = parse_template(text, "ec2");
    let stored = parse_stored(text);
    if customer.is_ok() {
        assert!(
            stored.is_ok(),
            "a template valid as customer managed is valid stored"
        );
    }
    if let Ok(template) = stored {
        let mut ctx = Context::new();
        ctx.insert("aws:PrincipalAccount", vec!["111111111111".into()]);
        ctx.insert("aws:SourceIp", vec!["10.1.2.3".into()]);
        ctx.insert("aws:CurrentTime", vec!["2026-12-01T00:00:00Z".into()]);
        ctx.insert("ec2:ResourceTag/team", vec!["net".into(), "ops".into()]);
        ctx.insert("aws:MultiFactorAuthPresent", vec!["true".into()]);
        ctx.insert("ec2:Count", vec!["7".into()]);
        let _ = evaluate(&template, action, &ctx);
        let _ = evaluate(&template, "ec2:DescribeSubnets", &ctx);
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
        && let Ok(ctx) = Context::from_json(&value)
    {
        let _ = ctx.get(action);
    }
}
