//! IAM condition operator names: `[ForAllValues:|ForAnyValue:]<Base>[IfExists]`.

/// How a multi-valued context key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qualifier {
    /// No set prefix: the operator holds when any context value matches (negated: none does).
    Single,
    /// `ForAllValues:`: every context value must match; true when the key is absent or empty.
    ForAllValues,
    /// `ForAnyValue:`: at least one context value must match; false when the key is absent.
    ForAnyValue,
}

/// An ordering comparison for numbers and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What one context value is compared with one policy value as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    /// `ArnEquals` and `ArnLike` behave the same in IAM: per-field, with wildcards.
    Arn,
    Null,
}

/// A parsed condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub qualifier: Qualifier,
    pub test: Test,
    /// `StringNotEquals`, `StringNotEqualsIgnoreCase`, `StringNotLike`, `NumericNotEquals`,
    /// `DateNotEquals`, `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`.
    pub negated: bool,
    /// The `IfExists` suffix: true when the key is absent from the context.
    pub if_exists: bool,
}

/// The base operators: name, test, negated.
const BASES: &[(&str, Test, bool)] = &[
    ("StringEquals", Test::StringEquals, false),
    ("StringNotEquals", Test::StringEquals, true),
    (
        "StringEqualsIgnoreCase",
        Test::StringEqualsIgnoreCase,
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Test::StringEqualsIgnoreCase,
        true,
    ),
    ("StringLike", Test::StringLike, false),
    ("StringNotLike", Test::StringLike, true),
    ("NumericEquals", Test::Numeric(Cmp::Eq), false),
    ("NumericNotEquals", Test::Numeric(Cmp::Eq), true),
    ("NumericLessThan", Test::Numeric(Cmp::Lt), false),
    ("NumericLessThanEquals", Test::Numeric(Cmp::Le), false),
    ("NumericGreaterThan", Test::Numeric(Cmp::Gt), false),
    ("NumericGreaterThanEquals", Test::Numeric(Cmp::Ge), false),
    ("DateEquals", Test::Date(Cmp::Eq), false),
    ("DateNotEquals", Test::Date(Cmp::Eq), true),
    ("DateLessThan", Test::Date(Cmp::Lt), false),
    ("DateLessThanEquals", Test::Date(Cmp::Le), false),
    ("DateGreaterThan", Test::Date(Cmp::Gt), false),
    ("DateGreaterThanEquals", Test::Date(Cmp::Ge), false),
    ("Bool", Test::Bool, false),
    ("BinaryEquals", Test::Binary, false),
    ("IpAddress", Test::Ip, false),
    ("NotIpAddress", Test::Ip, true),
    ("ArnEquals", Test::Arn, false),
    ("ArnLike", Test::Arn, false),
    ("ArnNotEquals", Test::Arn, true),
    ("ArnNotLike", Test::Arn, true),
    ("Null", Test::Null, false),
];

impl Operator {
    /// Parses an operator name, case-sensitively as IAM documents them. `Null` takes neither the
    /// `IfExists` suffix nor a set prefix. `None` for anything else.
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Qualifier::ForAllValues, rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Qualifier::ForAnyValue, rest)
        } else {
            (Qualifier::Single, name)
        };
        let base = |n: &str| {
            BASES
                .iter()
                .find(|(b, _, _)| *b == n)
                .map(|(_, t, neg)| (*t, *neg))
        };
        let (test, negated, if_exists) = if let Some((t, neg)) = base(rest) {
            (t, neg, false)
        } else {
            let (t, neg) = base(rest.strip_suffix("IfExists")?)?;
            (t, neg, true)
        };
        if test == Test::Null && (if_exists || qualifier != Qualifier::Single) {
            return None;
        }
        Some(Operator {
            qualifier,
            test,
            negated,
            if_exists,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        use Qualifier::{ForAllValues, ForAnyValue, Single};
        let op = |q, t, n, e| {
            Some(Operator {
                qualifier: q,
                test: t,
                negated: n,
                if_exists: e,
            })
        };
        let cases: &[(&str, Option<Operator>)] = &[
            ("StringEquals", op(Single, Test::StringEquals, false, false)),
            (
                "StringNotLikeIfExists",
                op(Single, Test::StringLike, true, true),
            ),
            (
                "ForAnyValue:StringLike",
                op(ForAnyValue, Test::StringLike, false, false),
            ),
            (
                "ForAllValues:ArnNotEqualsIfExists",
                op(ForAllValues, Test::Arn, true, true),
            ),
            (
                "NumericLessThanEquals",
                op(Single, Test::Numeric(Cmp::Le), false, false),
            ),
            (
                "DateNotEquals",
                op(Single, Test::Date(Cmp::Eq), true, false),
            ),
            ("NotIpAddressIfExists", op(Single, Test::Ip, true, true)),
            ("Null", op(Single, Test::Null, false, false)),
            ("NullIfExists", None),
            ("ForAnyValue:Null", None),
            ("stringequals", None),
            ("StringEqual", None),
            ("IfExists", None),
            ("ForAnyValues:StringLike", None),
            ("ForAllValues:", None),
            ("StringEqualsIfExistsIfExists", None),
        ];
        for (name, want) in cases {
            assert_eq!(Operator::parse(name), *want, "{name}");
        }
    }
}
