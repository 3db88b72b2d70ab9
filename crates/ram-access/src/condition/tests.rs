//! Condition evaluation, in table form: (Condition block, request context, expected outcome).

use serde_json::{Value, json};

use super::{Context, evaluate_condition};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad test JSON {text}: {e}"))
}

fn run(cases: &[(&str, &str, bool)]) {
    for (condition, context, want) in cases {
        let ctx = Context::from_json(&parse(context)).expect("context parses");
        let got = evaluate_condition(&parse(condition), &ctx);
        assert_eq!(got, Ok(*want), "{condition} under {context}");
    }
}

#[test]
fn string_operators() {
    run(&[
        (
            r#"{"StringEquals":{"aws:RequestTag/env":"prod"}}"#,
            r#"{"aws:RequestTag/env":"prod"}"#,
            true,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/env":"prod"}}"#,
            r#"{"aws:RequestTag/env":"Prod"}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/env":["dev","prod"]}}"#,
            r#"{"aws:RequestTag/env":"prod"}"#,
            true,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/env":"prod"}}"#,
            r"{}",
            false,
        ),
        (
            r#"{"StringEquals":{"AWS:REQUESTTAG/ENV":"prod"}}"#,
            r#"{"aws:requesttag/env":"prod"}"#,
            true,
        ),
        (
            r#"{"StringEquals":{"k:k":"pr*"}}"#,
            r#"{"k:k":"prod"}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"k:k":"pr*"}}"#,
            r#"{"k:k":"pr*"}"#,
            true,
        ),
        (r#"{"StringEquals":{"k:k":true}}"#, r#"{"k:k":true}"#, true),
        (r#"{"StringEquals":{"k:k":3}}"#, r#"{"k:k":"3"}"#, true),
        (
            r#"{"StringNotEquals":{"k:k":"prod"}}"#,
            r#"{"k:k":"dev"}"#,
            true,
        ),
        (
            r#"{"StringNotEquals":{"k:k":"prod"}}"#,
            r#"{"k:k":"prod"}"#,
            false,
        ),
        (r#"{"StringNotEquals":{"k:k":"prod"}}"#, r"{}", true),
        (
            r#"{"StringNotEquals":{"k:k":["dev","prod"]}}"#,
            r#"{"k:k":"prod"}"#,
            false,
        ),
    ]);
}

#[test]
fn string_ignore_case_and_like_operators() {
    run(&[
        (
            r#"{"StringEqualsIgnoreCase":{"k:k":"PROD"}}"#,
            r#"{"k:k":"prod"}"#,
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"k:k":"PROD"}}"#,
            r#"{"k:k":"prod-1"}"#,
            false,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"k:k":"PROD"}}"#,
            r#"{"k:k":"prod"}"#,
            false,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"k:k":"PROD"}}"#,
            r#"{"k:k":"dev"}"#,
            true,
        ),
        (
            r#"{"StringLike":{"k:k":"prod-*"}}"#,
            r#"{"k:k":"prod-eu"}"#,
            true,
        ),
        (
            r#"{"StringLike":{"k:k":"prod-*"}}"#,
            r#"{"k:k":"Prod-eu"}"#,
            false,
        ),
        (r#"{"StringLike":{"k:k":"?ev"}}"#, r#"{"k:k":"dev"}"#, true),
        (
            r#"{"StringLike":{"k:k":"?ev"}}"#,
            r#"{"k:k":"ddev"}"#,
            false,
        ),
        (r#"{"StringLike":{"k:k":"*"}}"#, r#"{"k:k":""}"#, true),
        (r#"{"StringLike":{"k:k":"prod-*"}}"#, r"{}", false),
        (
            r#"{"StringNotLike":{"k:k":"prod-*"}}"#,
            r#"{"k:k":"dev"}"#,
            true,
        ),
        (
            r#"{"StringNotLike":{"k:k":"prod-*"}}"#,
            r#"{"k:k":"prod-1"}"#,
            false,
        ),
        (r#"{"StringNotLike":{"k:k":"prod-*"}}"#, r"{}", true),
    ]);
}

#[test]
fn if_exists_and_null() {
    run(&[
        (r#"{"StringEqualsIfExists":{"k:k":"prod"}}"#, r"{}", true),
        (
            r#"{"StringEqualsIfExists":{"k:k":"prod"}}"#,
            r#"{"k:k":"dev"}"#,
            false,
        ),
        (
            r#"{"StringEqualsIfExists":{"k:k":"prod"}}"#,
            r#"{"k:k":"prod"}"#,
            true,
        ),
        (
            r#"{"StringNotEqualsIfExists":{"k:k":"prod"}}"#,
            r#"{"k:k":"prod"}"#,
            false,
        ),
        (r#"{"NumericLessThanIfExists":{"k:n":5}}"#, r"{}", true),
        (
            r#"{"NumericLessThanIfExists":{"k:n":5}}"#,
            r#"{"k:n":7}"#,
            false,
        ),
        (
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#,
            r"{}",
            true,
        ),
        (
            r#"{"ArnLikeIfExists":{"k:a":"arn:aws:s3:::b"}}"#,
            r#"{"k:a":[]}"#,
            true,
        ),
        (r#"{"Null":{"k:k":"true"}}"#, r"{}", true),
        (r#"{"Null":{"k:k":"true"}}"#, r#"{"k:k":"x"}"#, false),
        (r#"{"Null":{"k:k":"false"}}"#, r#"{"k:k":"x"}"#, true),
        (r#"{"Null":{"k:k":"false"}}"#, r"{}", false),
        (r#"{"Null":{"k:k":true}}"#, r"{}", true),
        (r#"{"Null":{"k:k":"TRUE"}}"#, r"{}", true),
        (r#"{"Null":{"k:k":"true"}}"#, r#"{"k:k":[]}"#, true),
        (r#"{"Null":{"k:k":"maybe"}}"#, r"{}", false),
        (
            r#"{"Null":{"k:k":["true","false"]}}"#,
            r#"{"k:k":"x"}"#,
            true,
        ),
    ]);
}

#[test]
fn numeric_operators() {
    run(&[
        (r#"{"NumericEquals":{"k:n":3}}"#, r#"{"k:n":"3"}"#, true),
        (r#"{"NumericEquals":{"k:n":"3.0"}}"#, r#"{"k:n":3}"#, true),
        (
            r#"{"NumericEquals":{"k:n":"1e3"}}"#,
            r#"{"k:n":1000}"#,
            true,
        ),
        (r#"{"NumericNotEquals":{"k:n":3}}"#, r#"{"k:n":4}"#, true),
        (r#"{"NumericNotEquals":{"k:n":3}}"#, r#"{"k:n":3}"#, false),
        (r#"{"NumericLessThan":{"k:n":5}}"#, r#"{"k:n":3}"#, true),
        (r#"{"NumericLessThan":{"k:n":3}}"#, r#"{"k:n":3}"#, false),
        (
            r#"{"NumericLessThanEquals":{"k:n":3}}"#,
            r#"{"k:n":3}"#,
            true,
        ),
        (
            r#"{"NumericLessThanEquals":{"k:n":3}}"#,
            r#"{"k:n":3.5}"#,
            false,
        ),
        (r#"{"NumericGreaterThan":{"k:n":2}}"#, r#"{"k:n":3}"#, true),
        (
            r#"{"NumericGreaterThan":{"k:n":3}}"#,
            r#"{"k:n":-3}"#,
            false,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"k:n":4}}"#,
            r#"{"k:n":3}"#,
            false,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"k:n":"3"}}"#,
            r#"{"k:n":3}"#,
            true,
        ),
        (
            r#"{"NumericEquals":{"k:n":3}}"#,
            r#"{"k:n":"three"}"#,
            false,
        ),
        (
            r#"{"NumericNotEquals":{"k:n":3}}"#,
            r#"{"k:n":"three"}"#,
            false,
        ),
        (
            r#"{"NumericEquals":{"k:n":"three"}}"#,
            r#"{"k:n":3}"#,
            false,
        ),
        (
            r#"{"NumericEquals":{"k:n":"NaN"}}"#,
            r#"{"k:n":"NaN"}"#,
            false,
        ),
        (r#"{"NumericEquals":{"k:n":["x",3]}}"#, r#"{"k:n":3}"#, true),
        (r#"{"NumericLessThan":{"k:n":3}}"#, r"{}", false),
        (r#"{"NumericNotEquals":{"k:n":3}}"#, r"{}", true),
    ]);
}

#[test]
fn date_operators() {
    run(&[
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#,
            r#"{"aws:CurrentTime":"2025-12-31T23:59:59Z"}"#,
            true,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#,
            r#"{"aws:CurrentTime":"2026-01-01T00:00:00Z"}"#,
            false,
        ),
        (
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
            r#"{"aws:CurrentTime":1767225600}"#,
            true,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"1767225600"}}"#,
            r#"{"aws:CurrentTime":"2026-01-01T00:00:01Z"}"#,
            true,
        ),
        (
            r#"{"DateGreaterThan":{"aws:EpochTime":1767225600}}"#,
            r#"{"aws:EpochTime":"2026-06-01"}"#,
            true,
        ),
        (
            r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-02"}}"#,
            r#"{"aws:CurrentTime":"2026-01-01T23:59:59Z"}"#,
            false,
        ),
        (
            r#"{"DateEquals":{"aws:CurrentTime":"2026-01-01T01:00:00+01:00"}}"#,
            r#"{"aws:CurrentTime":"2026-01-01T00:00:00Z"}"#,
            true,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
            r#"{"aws:CurrentTime":"2026-01-02"}"#,
            true,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
            r#"{"aws:CurrentTime":"2026-01-01T00:00:00Z"}"#,
            false,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}"#,
            r#"{"aws:CurrentTime":"soon"}"#,
            false,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
            r#"{"aws:CurrentTime":"soon"}"#,
            false,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}"#,
            r"{}",
            false,
        ),
    ]);
}

#[test]
fn bool_and_binary_operators() {
    run(&[
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"aws:SecureTransport":true}"#,
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":true}}"#,
            r#"{"aws:SecureTransport":"TRUE"}"#,
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"aws:SecureTransport":false}"#,
            false,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
            r#"{"aws:SecureTransport":"false"}"#,
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"aws:SecureTransport":"yes"}"#,
            false,
        ),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, r"{}", false),
        (
            r#"{"BinaryEquals":{"k:b":"QmluYXJ5"}}"#,
            r#"{"k:b":"QmluYXJ5"}"#,
            true,
        ),
        (
            r#"{"BinaryEquals":{"k:b":"QmluYXJ5"}}"#,
            r#"{"k:b":"QmluYXJ6"}"#,
            false,
        ),
        (r#"{"BinaryEquals":{"k:b":"QmluYXJ5"}}"#, r"{}", false),
    ]);
}

#[test]
fn ip_operators() {
    run(&[
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            r#"{"aws:SourceIp":"203.0.113.7"}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            r#"{"aws:SourceIp":"203.0.114.7"}"#,
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}"#,
            r#"{"aws:SourceIp":"203.0.113.7"}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#,
            r#"{"aws:SourceIp":"203.0.113.7"}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/25"}}"#,
            r#"{"aws:SourceIp":"203.0.113.200"}"#,
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            r#"{"aws:SourceIp":"2001:db8:1::5"}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8::/32"}}"#,
            r#"{"aws:SourceIp":"2001:db9::1"}"#,
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#,
            r#"{"aws:SourceIp":"::1"}"#,
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            r#"{"aws:SourceIp":"203.0.113.7"}"#,
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"aws:SourceIp":"192.168.1.1"}"#,
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"aws:SourceIp":"10.2.3.4"}"#,
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r"{}",
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"aws:SourceIp":"somewhere"}"#,
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"aws:SourceIp":"somewhere"}"#,
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/40"}}"#,
            r#"{"aws:SourceIp":"10.0.0.1"}"#,
            false,
        ),
    ]);
}

#[test]
fn arn_operators() {
    let subnet = r#"{"k:a":"arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1"}"#;
    run(&[
        (
            r#"{"ArnEquals":{"k:a":"arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1"}}"#,
            subnet,
            true,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:*:111122223333:subnet/*"}}"#,
            subnet,
            true,
        ),
        (
            r#"{"ArnEquals":{"k:a":"arn:aws:ec2:*:111122223333:subnet/*"}}"#,
            subnet,
            true,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:us-east-?:111122223333:*"}}"#,
            subnet,
            true,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:*:444455556666:subnet/*"}}"#,
            subnet,
            false,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:us-west-*:111122223333:*"}}"#,
            subnet,
            false,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:US-EAST-1:111122223333:subnet/subnet-1"}}"#,
            subnet,
            false,
        ),
        // A wildcard stays within its field: `*` can't absorb the extra `:999` of the region.
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:*:111122223333:subnet/*"}}"#,
            r#"{"k:a":"arn:aws:ec2:us-east-1:999:111122223333:subnet/a"}"#,
            false,
        ),
        // The resource field keeps its colons.
        (
            r#"{"ArnLike":{"k:a":"arn:aws:logs:*:*:log-group:*"}}"#,
            r#"{"k:a":"arn:aws:logs:eu-west-1:1:log-group:g:*"}"#,
            true,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:s3:::bucket/*"}}"#,
            r#"{"k:a":"arn:aws:s3:::bucket/a:b"}"#,
            true,
        ),
        (
            r#"{"ArnNotEquals":{"k:a":"arn:aws:ec2:*:444455556666:*"}}"#,
            subnet,
            true,
        ),
        (
            r#"{"ArnNotLike":{"k:a":"arn:aws:ec2:*:111122223333:*"}}"#,
            subnet,
            false,
        ),
        (
            r#"{"ArnNotLike":{"k:a":"arn:aws:ec2:*:111122223333:*"}}"#,
            r"{}",
            true,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:*:*:*"}}"#,
            r#"{"k:a":"not-an-arn"}"#,
            false,
        ),
        (
            r#"{"ArnNotLike":{"k:a":"arn:aws:ec2:*:*:*"}}"#,
            r#"{"k:a":"not-an-arn"}"#,
            false,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:ec2:*:subnet/*"}}"#,
            subnet,
            false,
        ),
        (r#"{"ArnLike":{"k:a":"*"}}"#, subnet, false),
    ]);
}

#[test]
fn multi_valued_keys_and_set_operators() {
    run(&[
        (
            r#"{"StringEquals":{"aws:TagKeys":"b"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"StringNotEquals":{"aws:TagKeys":"b"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:TagKeys":"c"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["c"]}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            false,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["c"]}}"#,
            r"{}",
            false,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["c"]}}"#,
            r#"{"aws:TagKeys":[]}"#,
            false,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#,
            r#"{"aws:TagKeys":["a","d"]}"#,
            false,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
            r"{}",
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
            r#"{"aws:TagKeys":[]}"#,
            true,
        ),
        (
            r#"{"ForAllValues:StringLike":{"aws:TagKeys":"env*"}}"#,
            r#"{"aws:TagKeys":["env","env-x"]}"#,
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            r#"{"aws:TagKeys":["a"]}"#,
            false,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"c"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            true,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}"#,
            r#"{"aws:TagKeys":["a","b"]}"#,
            false,
        ),
        (
            r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}"#,
            r"{}",
            true,
        ),
        (
            r#"{"ForAllValues:NumericLessThan":{"k:n":3}}"#,
            r#"{"k:n":[1,2]}"#,
            true,
        ),
        (
            r#"{"ForAllValues:NumericLessThan":{"k:n":3}}"#,
            r#"{"k:n":[1,5]}"#,
            false,
        ),
    ]);
}

#[test]
fn blocks_and_keys_combine_with_and() {
    let ctx = r#"{"k:a":"x","k:b":"y"}"#;
    run(&[
        (
            r#"{"StringEquals":{"k:a":"x"},"StringLike":{"k:b":"y*"}}"#,
            ctx,
            true,
        ),
        (
            r#"{"StringEquals":{"k:a":"x"},"StringLike":{"k:b":"z*"}}"#,
            ctx,
            false,
        ),
        (r#"{"StringEquals":{"k:a":"x","k:b":"z"}}"#, ctx, false),
        (r#"{"StringEquals":{"k:a":"x","k:b":"y"}}"#, ctx, true),
        (r"{}", ctx, true),
        (r#"{"StringEquals":{}}"#, ctx, true),
    ]);
}

#[test]
fn policy_variables() {
    let alice =
        r#"{"aws:username":"alice","aws:PrincipalTag/team":"blue","s3:prefix":"home/alice/docs"}"#;
    run(&[
        (
            r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#,
            alice,
            true,
        ),
        (
            r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#,
            r#"{"aws:username":"bob","s3:prefix":"home/alice/docs"}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}"#,
            r#"{"aws:RequestTag/team":"blue","aws:PrincipalTag/team":"blue"}"#,
            true,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}"#,
            r#"{"aws:RequestTag/team":"blue"}"#,
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}"#,
            r#"{"aws:RequestTag/team":"blue"}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team, 'shared'}"}}"#,
            r#"{"aws:RequestTag/team":"shared"}"#,
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"k:k":"${aws:username}"}}"#,
            r#"{"aws:username":"Alice","k:k":"ALICE"}"#,
            true,
        ),
        (r#"{"StringLike":{"k:k":"a${*}"}}"#, r#"{"k:k":"a*"}"#, true),
        (
            r#"{"StringLike":{"k:k":"a${*}"}}"#,
            r#"{"k:k":"ab"}"#,
            false,
        ),
        (
            r#"{"StringEquals":{"k:k":"${$}{x}"}}"#,
            r#"{"k:k":"${x}"}"#,
            true,
        ),
        // A substituted value is literal: a `*` in it is no wildcard.
        (
            r#"{"StringLike":{"k:k":"${aws:username}"}}"#,
            r#"{"aws:username":"a*","k:k":"abc"}"#,
            false,
        ),
        (
            r#"{"ArnLike":{"k:a":"arn:aws:iam::111122223333:user/${aws:username}"}}"#,
            r#"{"aws:username":"alice","k:a":"arn:aws:iam::111122223333:user/alice"}"#,
            true,
        ),
        // Only String* and Arn* operators substitute.
        (
            r#"{"NumericEquals":{"k:n":"${k:m}"}}"#,
            r#"{"k:m":"3","k:n":"3"}"#,
            false,
        ),
    ]);
}

#[test]
fn malformed_conditions_are_errors() {
    let ctx = Context::new();
    let cases = [
        json!(["StringEquals"]),
        json!("StringEquals"),
        json!({"StringEqualz": {"k:k": "v"}}),
        json!({"NullIfExists": {"k:k": "true"}}),
        json!({"StringEquals": ["k:k", "v"]}),
        json!({"StringEquals": {"k:k": {"v": 1}}}),
        json!({"StringEquals": {"k:k": null}}),
        json!({"StringEquals": {"k:k": [["v"]]}}),
        json!({"StringEquals": {"": "v"}}),
        // Checked before evaluating: an earlier failing block doesn't hide the error.
        json!({"StringEquals": {"k:k": "v"}, "Bogus": {}}),
    ];
    for condition in cases {
        assert!(evaluate_condition(&condition, &ctx).is_err(), "{condition}");
    }
}

#[test]
fn context_from_json() {
    let ctx = Context::from_json(&json!({
        "aws:RequestTag/env": "prod",
        "aws:TagKeys": ["a", "b"],
        "aws:SecureTransport": true,
        "ec2:InstanceCount": 3,
        "k:f": 2.5,
        "k:empty": [],
    }))
    .expect("parses");
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(ctx.get("AWS:requesttag/ENV"), Some(s(&["prod"]).as_slice()));
    assert_eq!(ctx.get("aws:tagkeys"), Some(s(&["a", "b"]).as_slice()));
    assert_eq!(
        ctx.get("aws:SecureTransport"),
        Some(s(&["true"]).as_slice())
    );
    assert_eq!(ctx.get("ec2:InstanceCount"), Some(s(&["3"]).as_slice()));
    assert_eq!(ctx.get("k:f"), Some(s(&["2.5"]).as_slice()));
    assert_eq!(ctx.get("k:empty"), Some(&[][..]));
    assert_eq!(ctx.get("k:absent"), None);
    for bad in [
        json!([]),
        json!("x"),
        json!({"k": null}),
        json!({"k": {"a": 1}}),
        json!({"k": [[1]]}),
    ] {
        assert!(Context::from_json(&bad).is_err(), "{bad}");
    }
    let mut ctx = Context::new();
    ctx.insert("K:K", vec!["1".into()]);
    ctx.insert("k:k", vec!["2".into()]);
    assert_eq!(ctx.get("k:K"), Some(s(&["2"]).as_slice()));
}
