//! Template validation, in table form: (template, expected kind, a fragment of the message).

use serde_json::{Value, json};

use super::{Template, TemplateError, parse_stored, parse_template};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Malformed,
    Invalid,
}

fn kind(result: &Result<Template, TemplateError>) -> (Kind, String) {
    match result {
        Ok(_) => (Kind::Ok, String::new()),
        Err(TemplateError::Malformed(m)) => (Kind::Malformed, m.clone()),
        Err(TemplateError::Invalid(m)) => (Kind::Invalid, m.clone()),
    }
}

/// A statement with `Effect: Allow` and one ec2 action plus the given condition.
fn with_condition(condition: &Value) -> String {
    json!({"Effect": "Allow", "Action": "ec2:RunInstances", "Condition": condition}).to_string()
}

fn check(parse: impl Fn(&str) -> Result<Template, TemplateError>, cases: &[(String, Kind, &str)]) {
    for (text, want, fragment) in cases {
        let (got, message) = kind(&parse(text));
        assert_eq!(got, *want, "{text}: {message}");
        assert!(
            message.contains(fragment),
            "{text}: message {message:?} lacks {fragment:?}"
        );
    }
}

#[test]
fn customer_managed_structure_and_elements() {
    let cases: Vec<(String, Kind, &str)> = vec![
        (r#"{"Effect":"Allow","Action":["ec2:RunInstances","ec2:Describe*"]}"#.into(), Kind::Ok, ""),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances"}"#.into(), Kind::Ok, ""),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","Condition":{}}"#.into(), Kind::Ok, ""),
        ("not json".into(), Kind::Malformed, "not valid JSON"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances""#.into(), Kind::Malformed, "not valid JSON"),
        (r#"[{"Effect":"Allow","Action":"ec2:RunInstances"}]"#.into(), Kind::Malformed, "JSON object"),
        (r#""Allow""#.into(), Kind::Malformed, "JSON object"),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances"}]}"#.into(),
            Kind::Malformed,
            "single statement",
        ),
        (r#"{"Statement":{"Effect":"Allow","Action":"ec2:RunInstances"}}"#.into(), Kind::Malformed, "single statement"),
        (r#"{"Action":"ec2:RunInstances"}"#.into(), Kind::Malformed, "must contain Effect"),
        (r#"{"effect":"Allow","Action":"ec2:RunInstances"}"#.into(), Kind::Malformed, "case-sensitive"),
        (r#"{"Effect":true,"Action":"ec2:RunInstances"}"#.into(), Kind::Malformed, "Effect must be a string"),
        (r#"{"Effect":"Deny","Action":"ec2:RunInstances"}"#.into(), Kind::Invalid, "must be Allow"),
        (r#"{"Effect":"allow","Action":"ec2:RunInstances"}"#.into(), Kind::Invalid, "must be Allow"),
        (r#"{"Effect":"Allow"}"#.into(), Kind::Malformed, "must contain Action"),
        (r#"{"Effect":"Allow","Action":[]}"#.into(), Kind::Malformed, "at least one action"),
        (r#"{"Effect":"Allow","Action":5}"#.into(), Kind::Malformed, "string or a list of strings"),
        (r#"{"Effect":"Allow","Action":["ec2:RunInstances",5]}"#.into(), Kind::Malformed, "string or a list of strings"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#.into(), Kind::Invalid, "can't contain Resource or Principal"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","Principal":"*"}"#.into(), Kind::Invalid, "contains Principal"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","NotResource":"*"}"#.into(), Kind::Invalid, "contains NotResource"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","NotPrincipal":{"AWS":"*"}}"#.into(), Kind::Invalid, "contains NotPrincipal"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","NotAction":"ec2:Delete*"}"#.into(), Kind::Invalid, "NotAction"),
        (r#"{"Sid":"One","Effect":"Allow","Action":"ec2:RunInstances"}"#.into(), Kind::Invalid, "Sid"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","Extra":1}"#.into(), Kind::Invalid, "Unsupported element Extra"),
        (r#"{"Effect":"Allow","Action":"ec2:RunInstances","action":"ec2:X"}"#.into(), Kind::Invalid, "Unsupported element action"),
        // Structure is checked before the semantic rules.
        (r#"{"Resource":"*","Action":"ec2:RunInstances"}"#.into(), Kind::Malformed, "must contain Effect"),
        (r#"{"Effect":"Deny","Action":"ec2:X","Condition":{"Bogus":{}}}"#.into(), Kind::Malformed, "Unknown condition operator Bogus"),
    ];
    check(|t| parse_template(t, "ec2"), &cases);
}

#[test]
fn customer_managed_actions() {
    let action = |a: &str| json!({"Effect": "Allow", "Action": a}).to_string();
    let cases: Vec<(String, Kind, &str)> = vec![
        (action("ec2:*"), Kind::Ok, ""),
        (action("EC2:describe*"), Kind::Ok, ""),
        (action("ec2:Describe?ubnets"), Kind::Ok, ""),
        (action("ec2:Run1nstances2"), Kind::Ok, ""),
        (
            action("*"),
            Kind::Invalid,
            "Action * is not valid for the resource type's service ec2",
        ),
        (
            action("rds:DescribeDBClusters"),
            Kind::Invalid,
            "Action rds:DescribeDBClusters is not valid",
        ),
        (action("ec22:RunInstances"), Kind::Invalid, "not valid"),
        (action("*:RunInstances"), Kind::Invalid, "not valid"),
        (action("ec?:RunInstances"), Kind::Invalid, "not valid"),
        (action("ec2:"), Kind::Invalid, "not valid"),
        (action("ec2"), Kind::Invalid, "not valid"),
        (action(""), Kind::Invalid, "not valid"),
        (action("ec2:Run Instances"), Kind::Invalid, "not valid"),
        (action("ec2:Run:Instances"), Kind::Invalid, "not valid"),
        (action("ec2:Run_Instances"), Kind::Invalid, "not valid"),
        (
            json!({"Effect": "Allow", "Action": ["ec2:RunInstances", "s3:GetObject"]}).to_string(),
            Kind::Invalid,
            "s3:GetObject",
        ),
    ];
    check(|t| parse_template(t, "ec2"), &cases);
    // Real action names can hold a hyphen (vpc-lattice:AssociateViaAWSService-EventsAndStates).
    let lattice = action("vpc-lattice:AssociateViaAWSService-EventsAndStates");
    assert_eq!(kind(&parse_template(&lattice, "vpc-lattice")).0, Kind::Ok);
    assert_eq!(kind(&parse_template(&lattice, "VPC-Lattice")).0, Kind::Ok);
}

#[test]
fn customer_managed_conditions() {
    let cond = |c: Value| with_condition(&c);
    let mut cases: Vec<(String, Kind, &str)> = vec![
        (
            cond(json!({"StringEquals": {"aws:RequestTag/env": "prod"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"StringEqualsIfExists": {"ec2:InstanceType": ["t3.micro", "t3.small"]}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"StringLike": {"aws:PrincipalTag/team": "blue*"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"StringEqualsIgnoreCase": {"aws:ResourceTag/env": "PROD"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"Null": {"aws:RequestTag/env": "false"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"Bool": {"aws:SecureTransport": true}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"NumericLessThanEquals": {"ec2:VolumeSize": 100}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"ArnLike": {"ec2:InstanceProfile": "arn:aws:iam::*:instance-profile/*"}})),
            Kind::Ok,
            "",
        ),
        (
            cond(json!({"BinaryEquals": {"k:b": "QmluYXJ5"}})),
            Kind::Ok,
            "",
        ),
        (
            with_condition(&json!("StringEquals")),
            Kind::Malformed,
            "Condition must be a JSON object",
        ),
        (
            with_condition(&Value::Null),
            Kind::Malformed,
            "Condition must be a JSON object",
        ),
        (
            cond(json!({"StringEqualz": {"k:k": "v"}})),
            Kind::Malformed,
            "Unknown condition operator StringEqualz",
        ),
        (
            cond(json!({"NullIfExists": {"k:k": "true"}})),
            Kind::Malformed,
            "Unknown condition operator",
        ),
        (
            cond(json!({"StringEquals": "k:k"})),
            Kind::Malformed,
            "must map condition keys",
        ),
        (
            cond(json!({"StringEquals": {"k:k": {"a": 1}}})),
            Kind::Malformed,
            "condition key k:k",
        ),
        (
            cond(json!({"StringEquals": {"k:k": null}})),
            Kind::Malformed,
            "condition key k:k",
        ),
        (
            cond(json!({"StringEquals": {"k:k": []}})),
            Kind::Malformed,
            "has no values",
        ),
        (
            cond(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}})),
            Kind::Invalid,
            "ForAnyValue:StringEquals isn't allowed",
        ),
        (
            cond(json!({"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]}})),
            Kind::Invalid,
            "non-negating",
        ),
        (
            cond(json!({"Null": {"k:k": "true"}, "StringEquals": {"aws:SourceArn": "x"}})),
            Kind::Invalid,
            "aws:SourceArn",
        ),
    ];
    for negated in [
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "StringNotLikeIfExists",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    ] {
        cases.push((
            cond(json!({ negated: {"k:k": "1"} })),
            Kind::Invalid,
            "non-negating operators",
        ));
    }
    for forbidden in [
        "aws:PrincipalOrgId",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOrgPaths",
        "aws:SourceOrgID",
        "AWS:PRINCIPALORGID",
        "aws:PrincipalTag/aws:team",
        "aws:ResourceTag/aws:cloudformation:stack-name",
        "aws:RequestTag/AWS:x",
    ] {
        cases.push((
            cond(json!({"StringEquals": { forbidden: "x" }})),
            Kind::Invalid,
            forbidden,
        ));
    }
    check(|t| parse_template(t, "ec2"), &cases);
}

#[test]
fn parsed_template_contents() {
    let text = "{\n\t\"Effect\": \"Allow\",\n\t\"Action\": [\"ec2:RunInstances\", \"ec2:Describe*\"],\n\t\"Condition\": {\"StringEquals\": {\"aws:RequestTag/env\": \"prod\"}}\n}";
    let template = parse_template(text, "ec2").expect("valid");
    assert_eq!(template.actions, ["ec2:RunInstances", "ec2:Describe*"]);
    assert_eq!(
        template.condition,
        Some(json!({"StringEquals": {"aws:RequestTag/env": "prod"}}))
    );
    assert_eq!(template.raw, text);
    let bare =
        parse_template(r#"{"Action":"ec2:RunInstances","Effect":"Allow"}"#, "ec2").expect("valid");
    assert_eq!(bare.actions, ["ec2:RunInstances"]);
    assert_eq!(bare.condition, None);
}

#[test]
fn stored_templates_skip_customer_managed_rules() {
    let cases: Vec<(String, Kind, &str)> = vec![
        (r#"{"Effect":"Allow","Action":"*"}"#.into(), Kind::Ok, ""),
        (
            r#"{"Effect":"Allow","Action":["ec2:RunInstances","rds:Describe*"]}"#.into(),
            Kind::Ok,
            "",
        ),
        (
            with_condition(&json!({"StringNotEquals": {"k:k": "v"}})),
            Kind::Ok,
            "",
        ),
        (
            with_condition(&json!({"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}})),
            Kind::Ok,
            "",
        ),
        (
            with_condition(&json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}})),
            Kind::Ok,
            "",
        ),
        (
            r#"{"Sid":"s","Effect":"Allow","Action":"ec2:X","Resource":"*"}"#.into(),
            Kind::Ok,
            "",
        ),
        (
            r#"{"Effect":"Deny","Action":"ec2:X"}"#.into(),
            Kind::Invalid,
            "must be Allow",
        ),
        (
            r#"{"Effect":"Allow","Action":"ec2:X","NotAction":"ec2:Y"}"#.into(),
            Kind::Invalid,
            "NotAction",
        ),
        ("{".into(), Kind::Malformed, "not valid JSON"),
        (
            r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            Kind::Malformed,
            "single statement",
        ),
        (
            with_condition(&json!({"StringEqualz": {"k:k": "v"}})),
            Kind::Malformed,
            "Unknown condition operator",
        ),
    ];
    check(parse_stored, &cases);
}

/// Every AWS managed permission in RAM's catalogue (`crates/ram-domain/data/`) is a template
/// `parse_stored` accepts.
#[test]
fn catalogue_templates_parse() {
    let catalogue: Value =
        serde_json::from_str(include_str!("../../../ram-domain/data/resource-types.json"))
            .expect("catalogue is JSON");
    let mut seen = 0;
    let mut stack = vec![&catalogue];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(actions) = map.get("actions") {
                    let mut statement = json!({"Effect": "Allow", "Action": actions});
                    if let Some(c) = map.get("conditions").filter(|c| !c.is_null()) {
                        statement["Condition"] = c.clone();
                    }
                    let text = statement.to_string();
                    assert!(
                        parse_stored(&text).is_ok(),
                        "{text}: {:?}",
                        parse_stored(&text)
                    );
                    seen += 1;
                } else {
                    stack.extend(map.values());
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(seen > 50, "only {seen} catalogue permissions found");
}
