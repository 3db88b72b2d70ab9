//! Policy variables in String* and Arn* condition values: `${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`.

use super::Context;

/// One character of a policy value after substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub ch: char,
    /// True when the character came from an escape or a variable's value: it never acts as a
    /// wildcard, even under StringLike/ArnLike.
    pub literal: bool,
}

/// Substitutes every `${...}` in `value` from `ctx`. `None` when a variable has no value (the key
/// is absent, empty or multi-valued, and no default is given): that policy value then matches
/// nothing. A `${` without a closing `}` is kept as text.
pub(crate) fn substitute(value: &str, ctx: &Context) -> Option<Vec<Piece>> {
    let mut out = Vec::with_capacity(value.len());
    let push = |out: &mut Vec<Piece>, s: &str, literal: bool| {
        out.extend(s.chars().map(|ch| Piece { ch, literal }));
    };
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        push(&mut out, &rest[..start], false);
        match &after[..end] {
            escape @ ("*" | "?" | "$") => push(&mut out, escape, true),
            inner => push(&mut out, &resolve(inner, ctx)?, true),
        }
        rest = &after[end + 1..];
    }
    push(&mut out, rest, false);
    Some(out)
}

/// The value of one variable: `name` or `name, 'default'` (whitespace around either ignored).
fn resolve(inner: &str, ctx: &Context) -> Option<String> {
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => {
            let quoted = default.trim();
            let default = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
            (name.trim(), Some(default))
        }
        None => (inner.trim(), None),
    };
    match ctx.get(name) {
        Some([one]) => Some(one.clone()),
        _ => default.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pieces: &[Piece]) -> String {
        pieces.iter().map(|p| p.ch).collect()
    }

    #[test]
    fn substitution_table() {
        let mut ctx = Context::new();
        ctx.insert("aws:username", vec!["alice".into()]);
        ctx.insert("aws:PrincipalTag/team", vec!["blue".into()]);
        ctx.insert("aws:TagKeys", vec!["a".into(), "b".into()]);
        let cases: &[(&str, Option<&str>)] = &[
            ("plain", Some("plain")),
            ("home/${aws:username}/*", Some("home/alice/*")),
            ("${AWS:UserName}", Some("alice")),
            ("${aws:principaltag/TEAM}-x", Some("blue-x")),
            ("${aws:missing}", None),
            ("${aws:missing, 'fallback'}", Some("fallback")),
            ("${aws:username,'fallback'}", Some("alice")),
            ("${aws:missing, fallback}", None),
            ("${aws:TagKeys}", None),
            ("a${*}b${?}c${$}d", Some("a*b?c$d")),
            ("cost ${ unterminated", Some("cost ${ unterminated")),
            ("$ and {} alone", Some("$ and {} alone")),
            ("${}", None),
        ];
        for (value, want) in cases {
            let got = substitute(value, &ctx);
            assert_eq!(got.as_deref().map(text), want.map(str::to_owned), "{value}");
        }
    }

    #[test]
    fn escapes_and_values_are_literal() {
        let mut ctx = Context::new();
        ctx.insert("aws:username", vec!["a*".into()]);
        let pieces = substitute("*${*}${aws:username}", &ctx).unwrap();
        let literal: Vec<bool> = pieces.iter().map(|p| p.literal).collect();
        assert_eq!(literal, [false, true, true, true]);
    }
}
