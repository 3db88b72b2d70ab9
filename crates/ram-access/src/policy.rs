//! IAM policy documents: identity-based policies (inline or managed) and service control
//! policies. [`parse_policy`] applies IAM's structural checks (what IAM answers with
//! `MalformedPolicyDocument`); [`decide`] evaluates a request against a set of documents as IAM
//! does: an explicit Deny wins, else an Allow allows, else the request is implicitly denied.
//!
//! A statement applies to a request when its Action (or NotAction) matches the action, its
//! Resource (or NotResource) matches the resource ARN and every condition holds. Resource
//! patterns match the ARN field by field, as `ArnLike` does (`*` alone matches any resource,
//! including the `*` of an action that names none), with policy variables substituted.

use serde_json::{Map, Value};

use crate::action::action_matches;
use crate::condition::{Context, Test, compare, first_failure, parse_condition};

/// What a statement does when it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// An element that lists patterns, or (its `Not` form) the patterns it excludes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Patterns {
    Listed(Vec<String>),
    Not(Vec<String>),
}

impl Patterns {
    fn matches(&self, one: impl Fn(&str) -> bool) -> bool {
        match self {
            Patterns::Listed(patterns) => patterns.iter().any(|p| one(p)),
            Patterns::Not(patterns) => !patterns.iter().any(|p| one(p)),
        }
    }
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    actions: Patterns,
    resources: Patterns,
    condition: Option<Value>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub statements: Vec<Statement>,
}

/// Why a document was refused (IAM's `MalformedPolicyDocument`), in IAM's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

fn malformed(message: impl Into<String>) -> PolicyError {
    PolicyError(message.into())
}

const SYNTAX: &str = "Syntax errors in policy.";
/// The policy language versions IAM accepts.
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "NotPrincipal",
];

/// Reads a policy document: `Version` (optional, a known version), `Id` (optional) and
/// `Statement`, one statement object or a non-empty list of them.
///
/// # Errors
/// The first structural problem, in IAM's words.
pub fn parse_policy(text: &str) -> Result<Document, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|_| malformed(SYNTAX))?;
    let Value::Object(document) = value else {
        return Err(malformed(SYNTAX));
    };
    for key in document.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            return Err(malformed(SYNTAX));
        }
    }
    match document.get("Version") {
        None => {}
        Some(Value::String(v)) if VERSIONS.contains(&v.as_str()) => {}
        Some(_) => return Err(malformed("The policy failed legacy parsing")),
    }
    let statements = match document.get("Statement") {
        Some(Value::Object(one)) => vec![statement(one)?],
        Some(Value::Array(many)) if !many.is_empty() => many
            .iter()
            .map(|s| match s {
                Value::Object(s) => statement(s),
                _ => Err(malformed(SYNTAX)),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(malformed(SYNTAX)),
    };
    Ok(Document { statements })
}

fn statement(s: &Map<String, Value>) -> Result<Statement, PolicyError> {
    if let Some(key) = s.keys().find(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        return Err(malformed(format!("Unknown field {key}")));
    }
    if s.contains_key("Principal") || s.contains_key("NotPrincipal") {
        return Err(malformed("Policy document should not specify a principal."));
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(sid)) if sid.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some(sid.clone())
        }
        Some(_) => return Err(malformed("Statement IDs (SID) must be alpha-numeric.")),
    };
    let effect = match s.get("Effect") {
        None => return Err(malformed("Missing required field Effect")),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(malformed(format!(
                "Invalid effect: {}",
                other.as_str().unwrap_or(SYNTAX)
            )));
        }
    };
    let actions = patterns(s, "Action", "NotAction")?
        .ok_or_else(|| malformed("Policy statement must contain actions."))?;
    let action_list = match &actions {
        Patterns::Listed(a) | Patterns::Not(a) => a,
    };
    if let Some(bad) = action_list.iter().find(|a| *a != "*" && !a.contains(':')) {
        return Err(malformed(format!(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. ({bad})"
        )));
    }
    let resources = patterns(s, "Resource", "NotResource")?
        .ok_or_else(|| malformed("Policy statement must contain resources."))?;
    let condition = match s.get("Condition") {
        None => None,
        Some(c) => {
            parse_condition(c).map_err(|e| match e.operator.as_str() {
                "Condition" => malformed(SYNTAX),
                operator if e.key.is_empty() && e.message.starts_with("Unknown") => {
                    malformed(format!("Invalid Condition type : {operator}"))
                }
                _ => malformed(SYNTAX),
            })?;
            Some(c.clone())
        }
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
        condition,
    })
}

/// The element `name` or its `Not` form (never both): a string or a non-empty list of strings.
fn patterns(
    s: &Map<String, Value>,
    name: &str,
    not: &str,
) -> Result<Option<Patterns>, PolicyError> {
    let read = |v: &Value| -> Result<Vec<String>, PolicyError> {
        match v {
            Value::String(one) => Ok(vec![one.clone()]),
            Value::Array(many) if !many.is_empty() => many
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| malformed(SYNTAX)),
            _ => Err(malformed(SYNTAX)),
        }
    };
    match (s.get(name), s.get(not)) {
        (Some(_), Some(_)) => Err(malformed(SYNTAX)),
        (Some(v), None) => Ok(Some(Patterns::Listed(read(v)?))),
        (None, Some(v)) => Ok(Some(Patterns::Not(read(v)?))),
        (None, None) => Ok(None),
    }
}

/// One authorization request: may the principal (whose keys are in `context`) do `action` on
/// `resource` (an ARN, or `*` for an action that names no resource)?
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action`.
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a Context,
}

/// What a set of policies says of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// A statement with Effect Deny applies.
    ExplicitDeny,
    /// No statement applies: what no policy allows is denied.
    ImplicitDeny,
}

impl Statement {
    /// Whether the statement applies to the request (its effect aside).
    #[must_use]
    pub fn applies(&self, request: &Request<'_>) -> bool {
        self.actions
            .matches(|pattern| action_matches(pattern, request.action))
            && self
                .resources
                .matches(|pattern| resource_matches(pattern, request))
            && self.condition.as_ref().is_none_or(|c| {
                // Parsed when the document was: a condition that no longer reads fails closed.
                matches!(first_failure(c, request.context), Ok(None))
            })
    }
}

fn resource_matches(pattern: &str, request: &Request<'_>) -> bool {
    pattern == "*" || compare(Test::Arn, request.resource, pattern, request.context) == Some(true)
}

/// The verdict of `documents` together on `request`: any applicable Deny denies, else any
/// applicable Allow allows.
pub fn decide<'d>(
    documents: impl IntoIterator<Item = &'d Document>,
    request: &Request<'_>,
) -> Verdict {
    let mut allowed = false;
    for statement in documents.into_iter().flat_map(|d| &d.statements) {
        if statement.applies(request) {
            match statement.effect {
                Effect::Deny => return Verdict::ExplicitDeny,
                Effect::Allow => allowed = true,
            }
        }
    }
    if allowed {
        Verdict::Allow
    } else {
        Verdict::ImplicitDeny
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn verdict(policy: &Value, action: &str, resource: &str, ctx: &Value) -> Verdict {
        let doc = parse_policy(&policy.to_string()).expect("parses");
        let ctx = Context::from_json(ctx).expect("context");
        decide(
            [&doc],
            &Request {
                action,
                resource,
                context: &ctx,
            },
        )
    }

    const SHARE: &str = "arn:aws:ram:us-east-1:111111111111:resource-share/abc";

    #[test]
    fn allow_deny_and_implicit() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ram:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ram:DeleteResourceShare", "Resource": "*"}
        ]});
        assert_eq!(
            verdict(&policy, "ram:GetResourceShares", "*", &json!({})),
            Verdict::Allow
        );
        assert_eq!(
            verdict(&policy, "ram:DeleteResourceShare", SHARE, &json!({})),
            Verdict::ExplicitDeny
        );
        assert_eq!(
            verdict(&policy, "organizations:ListRoots", "*", &json!({})),
            Verdict::ImplicitDeny
        );
    }

    #[test]
    fn resources_and_not_forms() {
        let only_this = json!({"Statement": {"Effect": "Allow", "Action": "ram:*",
            "Resource": "arn:aws:ram:us-east-1:111111111111:resource-share/*"}});
        assert_eq!(
            verdict(&only_this, "ram:DeleteResourceShare", SHARE, &json!({})),
            Verdict::Allow
        );
        // An action that names no resource is only allowed by Resource "*".
        assert_eq!(
            verdict(&only_this, "ram:GetResourceShares", "*", &json!({})),
            Verdict::ImplicitDeny
        );
        let elsewhere = json!({"Statement": {"Effect": "Allow", "Action": "ram:*",
            "Resource": "arn:aws:ram:eu-west-1:*:resource-share/*"}});
        assert_eq!(
            verdict(&elsewhere, "ram:DeleteResourceShare", SHARE, &json!({})),
            Verdict::ImplicitDeny
        );
        let not_action = json!({"Statement": {"Effect": "Allow",
            "NotAction": "ram:Delete*", "NotResource": "arn:aws:iam::*:*"}});
        assert_eq!(
            verdict(&not_action, "ram:CreateResourceShare", SHARE, &json!({})),
            Verdict::Allow
        );
        assert_eq!(
            verdict(&not_action, "ram:DeleteResourceShare", SHARE, &json!({})),
            Verdict::ImplicitDeny
        );
    }

    #[test]
    fn conditions_and_variables() {
        let policy = json!({"Statement": [{"Effect": "Allow", "Action": "ram:CreateResourceShare",
            "Resource": "*", "Condition": {
                "StringEquals": {"ram:RequestedResourceType": "ec2:Subnet", "aws:RequestTag/team": "net"}}},
            {"Effect": "Allow", "Action": "iam:GetUser",
             "Resource": "arn:aws:iam::111111111111:user/${aws:username}"}]});
        let subnet =
            json!({"ram:RequestedResourceType": "ec2:Subnet", "aws:RequestTag/team": "net"});
        assert_eq!(
            verdict(&policy, "ram:CreateResourceShare", SHARE, &subnet),
            Verdict::Allow
        );
        let untagged = json!({"ram:RequestedResourceType": "ec2:Subnet"});
        assert_eq!(
            verdict(&policy, "ram:CreateResourceShare", SHARE, &untagged),
            Verdict::ImplicitDeny
        );
        let me = json!({"aws:username": "alice"});
        assert_eq!(
            verdict(
                &policy,
                "iam:GetUser",
                "arn:aws:iam::111111111111:user/alice",
                &me
            ),
            Verdict::Allow
        );
        assert_eq!(
            verdict(
                &policy,
                "iam:GetUser",
                "arn:aws:iam::111111111111:user/bob",
                &me
            ),
            Verdict::ImplicitDeny
        );
    }

    #[test]
    fn malformed_documents() {
        let cases = [
            ("not json", SYNTAX),
            (r#"{"Statement": []}"#, SYNTAX),
            (
                r#"{"Version": "2011-01-01", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
                "The policy failed legacy parsing",
            ),
            (
                r#"{"Statement": {"Action": "*", "Resource": "*"}}"#,
                "Missing required field Effect",
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#,
                "Policy statement must contain actions.",
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "ram:*"}}"#,
                "Policy statement must contain resources.",
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}}"#,
                "Policy document should not specify a principal.",
            ),
            (
                r#"{"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}}"#,
                "Invalid effect: Maybe",
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringSorta": {"a:b": "c"}}}}"#,
                "Invalid Condition type : StringSorta",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                parse_policy(text).map(|_| ()),
                Err(PolicyError(message.to_owned())),
                "{text}"
            );
        }
        assert!(
            parse_policy(r#"{"Statement": {"Effect": "Allow", "Action": "ram", "Resource": "*"}}"#)
                .unwrap_err()
                .0
                .starts_with("Actions/Conditions must be prefaced by a vendor")
        );
    }
}
