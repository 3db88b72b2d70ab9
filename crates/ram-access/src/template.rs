//! RAM permission policy templates: one statement with Effect, Action and an optional Condition.
//!
//! Structural problems (not JSON, not one statement, missing or wrongly typed elements, unknown
//! condition operators) are `Malformed` and are all checked before any semantic rule, which
//! gives `Invalid`.

use std::fmt;

use serde_json::{Map, Value};

use super::condition::{Block, Qualifier, parse_condition};

/// A parsed RAM permission policy template: one statement, Effect Allow, Action (string or
/// list), optional Condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The Action patterns, in the order given.
    pub actions: Vec<String>,
    /// The Condition block as given.
    pub condition: Option<Value>,
    /// The template text as given.
    pub raw: String,
}

/// Why a template was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// Not JSON or the wrong structure → `MalformedPolicyTemplateException`.
    Malformed(String),
    /// Well formed but not allowed → `InvalidPolicyException`.
    Invalid(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Malformed(m) | TemplateError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TemplateError {}

/// Condition keys a customer managed permission can't use (compared lower-cased).
const FORBIDDEN_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgpaths",
    "aws:sourceorgid",
];

/// Tag key prefixes a customer managed permission can't use (compared lower-cased).
const FORBIDDEN_KEY_PREFIXES: &[&str] = &[
    "aws:principaltag/aws:",
    "aws:resourcetag/aws:",
    "aws:requesttag/aws:",
];

/// Parses and validates a customer managed permission template for a resource type whose
/// service prefix is `service` (e.g. "ec2").
///
/// # Errors
/// `Malformed` when the text isn't one well-formed statement (checked first), `Invalid` when it
/// breaks a customer managed permission rule; the message names the offending element.
pub fn parse_template(text: &str, service: &str) -> Result<Template, TemplateError> {
    let Parsed {
        statement,
        template,
        blocks,
    } = parse_structure(text)?;
    for key in statement.keys() {
        check_key(key)?;
    }
    if statement["Effect"] != "Allow" {
        return Err(invalid(format!(
            "The policy template's Effect must be Allow, not {}",
            statement["Effect"]
        )));
    }
    for action in &template.actions {
        check_action(action, service)?;
    }
    for block in &blocks {
        check_block(block)?;
    }
    Ok(template)
}

/// Parses a template without the customer-managed restrictions (AWS managed templates, stored
/// ones): only the structure is checked, plus Effect Allow (a Deny statement can't be evaluated
/// as a grant) and no `NotAction`. Other top-level keys are tolerated and ignored.
///
/// # Errors
/// `Malformed` when the text isn't one well-formed statement, `Invalid` for Deny or `NotAction`.
pub fn parse_stored(text: &str) -> Result<Template, TemplateError> {
    let Parsed {
        statement,
        template,
        ..
    } = parse_structure(text)?;
    if statement.contains_key("NotAction") {
        return Err(invalid(
            "NotAction isn't supported in a policy template; list the allowed actions in Action"
                .into(),
        ));
    }
    if statement["Effect"] != "Allow" {
        return Err(invalid(format!(
            "The policy template's Effect must be Allow, not {}",
            statement["Effect"]
        )));
    }
    Ok(template)
}

fn malformed(message: impl Into<String>) -> TemplateError {
    TemplateError::Malformed(message.into())
}

fn invalid(message: String) -> TemplateError {
    TemplateError::Invalid(message)
}

/// A template that passed the structural checks.
struct Parsed {
    statement: Map<String, Value>,
    template: Template,
    blocks: Vec<Block>,
}

/// The structural pass: a JSON object that is one statement, with a string Effect, an Action
/// string or non-empty list of strings and an optional well-formed Condition.
fn parse_structure(text: &str) -> Result<Parsed, TemplateError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| malformed(format!("The policy template is not valid JSON: {e}")))?;
    let Value::Object(statement) = value else {
        return Err(malformed(
            "The policy template must be a JSON object with Effect, Action and optionally Condition",
        ));
    };
    if statement.contains_key("Statement") || statement.contains_key("Version") {
        return Err(malformed(
            "The policy template must be a single statement (Effect, Action, Condition), not a policy document",
        ));
    }
    let hint = |name: &str| {
        if statement.keys().any(|k| k.eq_ignore_ascii_case(name)) {
            format!("The policy template must contain {name} (element names are case-sensitive)")
        } else {
            format!("The policy template must contain {name}")
        }
    };
    match statement.get("Effect") {
        None => return Err(malformed(hint("Effect"))),
        Some(Value::String(_)) => {}
        Some(_) => return Err(malformed("Effect must be a string")),
    }
    let actions = match statement.get("Action") {
        None => return Err(malformed(hint("Action"))),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(malformed("Action must list at least one action"));
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| a.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| malformed("Action must be a string or a list of strings"))?,
        Some(_) => return Err(malformed("Action must be a string or a list of strings")),
    };
    let (condition, blocks) = match statement.get("Condition") {
        None => (None, Vec::new()),
        Some(c) => {
            let blocks = parse_condition(c).map_err(|e| malformed(e.message))?;
            if let Some((block, key)) = blocks.iter().find_map(|b| {
                b.entries
                    .iter()
                    .find(|(_, v)| v.is_empty())
                    .map(|(k, _)| (b, k))
            }) {
                return Err(malformed(format!(
                    "Condition key {key} under {} has no values",
                    block.name
                )));
            }
            (Some(c.clone()), blocks)
        }
    };
    let template = Template {
        actions,
        condition,
        raw: text.to_owned(),
    };
    Ok(Parsed {
        statement,
        template,
        blocks,
    })
}

/// Only Effect, Action and Condition may appear in a customer managed template.
fn check_key(key: &str) -> Result<(), TemplateError> {
    let message = match key {
        "Effect" | "Action" | "Condition" => return Ok(()),
        "Resource" | "NotResource" | "Principal" | "NotPrincipal" => {
            format!(
                "The policy template contains {key}: a policy template can't contain Resource or Principal; RAM adds them"
            )
        }
        "NotAction" => {
            "NotAction isn't supported in a policy template; list the allowed actions in Action"
                .into()
        }
        "Sid" => "Sid isn't supported in a policy template; RAM assigns statement ids".into(),
        _ => format!(
            "Unsupported element {key} in the policy template: only Effect, Action and Condition are allowed"
        ),
    };
    Err(invalid(message))
}

/// `service:Action` with the resource type's service (any case) and an action name of letters,
/// digits, `-`, `*` and `?`.
fn check_action(action: &str, service: &str) -> Result<(), TemplateError> {
    let valid = action.split_once(':').is_some_and(|(prefix, name)| {
        prefix.eq_ignore_ascii_case(service)
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '?' | '-'))
    });
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "Action {action} is not valid for the resource type's service {service}"
        )))
    }
}

/// Single, non-negating operators only, and no organization/source keys or `aws:` tags.
fn check_block(block: &Block) -> Result<(), TemplateError> {
    let name = &block.name;
    if block.operator.qualifier != Qualifier::Single {
        return Err(invalid(format!(
            "Condition operator {name} isn't allowed: customer managed permissions support only single, non-negating operators (no ForAllValues/ForAnyValue)"
        )));
    }
    if block.operator.negated {
        return Err(invalid(format!(
            "Condition operator {name} isn't allowed: customer managed permissions support only single, non-negating operators"
        )));
    }
    for (key, _) in &block.entries {
        let lower = key.to_lowercase();
        if FORBIDDEN_KEYS.contains(&lower.as_str())
            || FORBIDDEN_KEY_PREFIXES.iter().any(|p| lower.starts_with(p))
        {
            return Err(invalid(format!(
                "Condition key {key} isn't allowed in a customer managed permission"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
