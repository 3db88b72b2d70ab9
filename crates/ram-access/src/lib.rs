//! The pure IAM policy engine behind RAM's access decisions and ramd's authorization of calls:
//! may principal P perform action A on resource R under a request context, and why not. It
//! knows no store, no RAM and no wire protocol: permission policy templates are validated and
//! parsed ([`template`]), identity policies and service control policies likewise ([`policy`]),
//! IAM action patterns are matched ([`action`]) and IAM condition blocks are evaluated against a
//! [`Context`] of condition keys ([`condition`]); [`evaluate`] puts them together for one
//! template statement, [`decide`] for a set of policy documents.

pub mod action;
pub mod condition;
pub mod policy;
pub mod template;

pub use action::action_matches;
pub use condition::Context;
pub use policy::{Document, Effect, PolicyError, Request, Verdict, decide, parse_policy};
pub use template::{Template, TemplateError, parse_stored, parse_template};

/// The decision for one statement: whether it allows `action` under `ctx`, with the reason when
/// not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementOutcome {
    Allows,
    /// No Action pattern of the statement matches the action.
    ActionNotListed,
    /// The action is listed but this condition (operator and key as written in the template, the
    /// first failing one in document order) doesn't hold. A Condition block that isn't well formed
    /// (only possible for a `Template` built by hand) fails closed here too, naming where it is
    /// wrong (`operator` "Condition" and an empty `key` when the block itself isn't an object).
    ConditionFailed {
        operator: String,
        key: String,
    },
}

/// Whether `template` allows `action` under `ctx`: an Action pattern must match and every
/// condition must hold.
#[must_use]
pub fn evaluate(template: &Template, action: &str, ctx: &Context) -> StatementOutcome {
    if !template
        .actions
        .iter()
        .any(|pattern| action_matches(pattern, action))
    {
        return StatementOutcome::ActionNotListed;
    }
    let Some(condition) = &template.condition else {
        return StatementOutcome::Allows;
    };
    match condition::first_failure(condition, ctx) {
        Ok(None) => StatementOutcome::Allows,
        Ok(Some((operator, key))) => StatementOutcome::ConditionFailed { operator, key },
        Err(e) => StatementOutcome::ConditionFailed {
            operator: e.operator,
            key: e.key,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outcome(template: &str, action: &str, ctx: &serde_json::Value) -> StatementOutcome {
        let template = parse_stored(template).expect("template parses");
        evaluate(
            &template,
            action,
            &Context::from_json(ctx).expect("context parses"),
        )
    }

    fn failed(operator: &str, key: &str) -> StatementOutcome {
        StatementOutcome::ConditionFailed {
            operator: operator.into(),
            key: key.into(),
        }
    }

    #[test]
    fn statement_outcomes() {
        let subnet = r#"{"Effect":"Allow","Action":["ec2:RunInstances","ec2:CreateNetworkInterface","ec2:Describe*"]}"#;
        let tagged = r#"{"Effect":"Allow","Action":["ec2:RunInstances","ec2:Describe*"],
            "Condition":{"StringEquals":{"aws:RequestTag/env":"prod"},"Bool":{"aws:SecureTransport":"true"}}}"#;
        let cases: Vec<(&str, &str, serde_json::Value, StatementOutcome)> = vec![
            (
                subnet,
                "ec2:RunInstances",
                json!({}),
                StatementOutcome::Allows,
            ),
            (
                subnet,
                "EC2:describesubnets",
                json!({}),
                StatementOutcome::Allows,
            ),
            (
                subnet,
                "ec2:DeleteSubnet",
                json!({}),
                StatementOutcome::ActionNotListed,
            ),
            (
                subnet,
                "rds:DescribeDBClusters",
                json!({}),
                StatementOutcome::ActionNotListed,
            ),
            (
                tagged,
                "ec2:RunInstances",
                json!({"aws:RequestTag/env": "prod", "aws:SecureTransport": true}),
                StatementOutcome::Allows,
            ),
            (
                tagged,
                "ec2:RunInstances",
                json!({"aws:RequestTag/env": "dev", "aws:SecureTransport": true}),
                failed("StringEquals", "aws:RequestTag/env"),
            ),
            (
                tagged,
                "ec2:RunInstances",
                json!({"AWS:REQUESTTAG/ENV": "prod", "aws:SecureTransport": false}),
                failed("Bool", "aws:SecureTransport"),
            ),
            (
                tagged,
                "ec2:RunInstances",
                json!({}),
                failed("StringEquals", "aws:RequestTag/env"),
            ),
            // The action is checked before the condition.
            (
                tagged,
                "ec2:TerminateInstances",
                json!({}),
                StatementOutcome::ActionNotListed,
            ),
        ];
        for (template, action, ctx, want) in cases {
            assert_eq!(
                outcome(template, action, &ctx),
                want,
                "{action} under {ctx}"
            );
        }
    }

    #[test]
    fn hand_built_malformed_condition_fails_closed() {
        let ctx = Context::new();
        let mut template = Template {
            actions: vec!["ec2:*".into()],
            condition: Some(json!(["x"])),
            raw: String::new(),
        };
        assert_eq!(
            evaluate(&template, "ec2:RunInstances", &ctx),
            failed("Condition", "")
        );
        template.condition = Some(json!({"StringEqualz": {"k": "v"}}));
        assert_eq!(
            evaluate(&template, "ec2:RunInstances", &ctx),
            failed("StringEqualz", "")
        );
        template.condition = Some(json!({"StringEquals": {"k": {"nested": 1}}}));
        assert_eq!(
            evaluate(&template, "ec2:RunInstances", &ctx),
            failed("StringEquals", "k")
        );
        template.condition = Some(json!({}));
        assert_eq!(
            evaluate(&template, "ec2:RunInstances", &ctx),
            StatementOutcome::Allows
        );
    }
}
