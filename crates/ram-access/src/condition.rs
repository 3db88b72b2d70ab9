//! The request context and IAM condition evaluation.
//!
//! Semantics (IAM's, with the choices where its documentation leaves room):
//! - Operator blocks AND together; keys within a block AND; a key's policy values OR together,
//!   except for negated operators, where a context value matches when it equals none of them.
//! - A key that is absent from the context, or present with no values, is "missing": the
//!   operator is false, except `...IfExists` (true), negated operators (true: IAM defines them as
//!   the negation of the positive operator), `ForAllValues:` (true) and `Null`.
//! - A multi-valued context key under an operator without a set prefix: the positive operator
//!   holds when any context value matches; the negated one when no context value matches (so
//!   `StringNotEquals` is exactly NOT `StringEquals`).
//! - `ForAnyValue:` holds when some context value matches; `ForAllValues:` when every one does.
//!   With a negated operator, "matches" is per context value (matches none of the policy values).
//! - A comparison that can't be made (unparsable number/date/bool/IP/ARN, unresolved policy
//!   variable) never matches, and makes a negated operator false: it fails closed both ways.

mod compare;
mod operator;
mod variables;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

pub(crate) use compare::compare;
pub(crate) use operator::{Operator, Qualifier, Test};

/// The request context: condition keys (case-insensitive names, as IAM treats them) with one or
/// more string values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Lower-cased key name → values.
    keys: BTreeMap<String, Vec<String>>,
}

impl Context {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (any case) to `values`, replacing what it had. An empty list is kept but behaves
    /// as a missing key everywhere.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        self.keys.insert(key.to_lowercase(), values);
    }

    /// Sets one value of `key`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.insert(key, vec![value.into()]);
    }

    /// Adds every key of `other` that this context does not have.
    pub fn fill_from(&mut self, other: &Context) {
        for (key, values) in &other.keys {
            self.keys
                .entry(key.clone())
                .or_insert_with(|| values.clone());
        }
    }

    /// Keeps only the keys (lower-cased names) `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.keys.retain(|key, _| keep(key));
    }

    /// The values of `key` (any case), if it was inserted.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.keys.get(&key.to_lowercase()).map(Vec::as_slice)
    }

    /// `{"aws:RequestTag/env": "prod", "aws:TagKeys": ["a","b"], "aws:SecureTransport": true,
    /// "ec2:InstanceCount": 3}`: scalars (string, bool, number) become one string value, arrays of
    /// scalars many.
    ///
    /// # Errors
    /// When `v` isn't an object, or a value is `null`, an object or a nested array.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let Value::Object(map) = v else {
            return Err("the request context must be a JSON object of condition keys".into());
        };
        let mut ctx = Context::new();
        for (key, value) in map {
            let values = match value {
                Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
                other => scalar(other).map(|s| vec![s]),
            };
            let values = values.ok_or_else(|| {
                format!("context key {key} must be a string, boolean, number or a list of them")
            })?;
            ctx.insert(key, values);
        }
        Ok(ctx)
    }
}

/// A string, boolean or number as the string IAM compares.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A Condition block that isn't well formed, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionError {
    /// The operator as written ("Condition" when the block itself is wrong).
    pub operator: String,
    /// The condition key as written, or empty.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One operator block: the operator as written and parsed, and its keys with their values.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub name: String,
    pub operator: Operator,
    /// (key as written, policy values as strings).
    pub entries: Vec<(String, Vec<String>)>,
}

/// Reads a Condition block: an object of operator → object of key → string | bool | number or a
/// list of them. Unknown operators and any other shape are errors.
pub(crate) fn parse_condition(condition: &Value) -> Result<Vec<Block>, ConditionError> {
    let err = |operator: &str, key: &str, message: String| ConditionError {
        operator: operator.to_owned(),
        key: key.to_owned(),
        message,
    };
    let Value::Object(blocks) = condition else {
        return Err(err(
            "Condition",
            "",
            "Condition must be a JSON object of condition operators".into(),
        ));
    };
    let mut parsed = Vec::with_capacity(blocks.len());
    for (name, block) in blocks {
        let operator = Operator::parse(name)
            .ok_or_else(|| err(name, "", format!("Unknown condition operator {name}")))?;
        let Value::Object(keys) = block else {
            return Err(err(
                name,
                "",
                format!("Condition operator {name} must map condition keys to values"),
            ));
        };
        let mut entries = Vec::with_capacity(keys.len());
        for (key, value) in keys {
            if key.is_empty() {
                return Err(err(
                    name,
                    key,
                    format!("Condition operator {name} has an empty condition key"),
                ));
            }
            let values = match value {
                Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
                other => scalar(other).map(|s| vec![s]),
            };
            let values = values.ok_or_else(|| {
                err(name, key, format!("The value of condition key {key} under {name} must be a string, boolean, number or a list of them"))
            })?;
            entries.push((key.clone(), values));
        }
        parsed.push(Block {
            name: name.clone(),
            operator,
            entries,
        });
    }
    Ok(parsed)
}

/// Evaluates a Condition block against the context with IAM semantics; Ok(true) when every
/// operator block matches. (The service uses `first_failure`, which also says what failed.)
///
/// # Errors
/// When the block is not well formed (not an object of operator → object of key → scalar or
/// list of scalars, or an unknown operator); checked for the whole block before evaluating.
#[cfg(test)]
pub fn evaluate_condition(condition: &Value, ctx: &Context) -> Result<bool, String> {
    first_failure(condition, ctx)
        .map(|failure| failure.is_none())
        .map_err(|e| e.to_string())
}

/// The first (operator, key) pair, in document order, that doesn't hold; `None` when all do.
pub(crate) fn first_failure(
    condition: &Value,
    ctx: &Context,
) -> Result<Option<(String, String)>, ConditionError> {
    let blocks = parse_condition(condition)?;
    for block in &blocks {
        for (key, values) in &block.entries {
            if !key_holds(block.operator, key, values, ctx) {
                return Ok(Some((block.name.clone(), key.clone())));
            }
        }
    }
    Ok(None)
}

/// Whether one key of one operator block holds.
fn key_holds(op: Operator, key: &str, policy_values: &[String], ctx: &Context) -> bool {
    let actual = ctx.get(key).unwrap_or_default();
    if op.test == Test::Null {
        let missing = actual.is_empty();
        return policy_values
            .iter()
            .any(|p| compare::null_value(p) == Some(missing));
    }
    if actual.is_empty() {
        return op.if_exists
            || match op.qualifier {
                Qualifier::Single => op.negated,
                Qualifier::ForAllValues => true,
                Qualifier::ForAnyValue => false,
            };
    }
    // Whether one context value satisfies the operator on its own.
    let value_holds = |value: &String| {
        let mut results = policy_values
            .iter()
            .map(|p| compare::compare(op.test, value, p, ctx));
        if op.negated {
            results.all(|r| r == Some(false))
        } else {
            results.any(|r| r == Some(true))
        }
    };
    match op.qualifier {
        Qualifier::Single if op.negated => actual.iter().all(value_holds),
        Qualifier::Single | Qualifier::ForAnyValue => actual.iter().any(value_holds),
        Qualifier::ForAllValues => actual.iter().all(value_holds),
    }
}

#[cfg(test)]
mod tests;
