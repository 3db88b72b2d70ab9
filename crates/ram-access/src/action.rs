//! IAM action matching, and the `*`/`?` glob matcher the condition operators share.

/// One element of a glob pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A character that must match itself.
    Lit(char),
    /// `*`: any run of characters, possibly empty.
    Any,
    /// `?`: exactly one character.
    One,
}

/// Reads `*` and `?` in `pattern` as wildcards and every other character literally.
pub(crate) fn glob_tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Whether `text` matches the whole of `pattern` (case-sensitive). Linear backtracking on the
/// last `*` seen, so a pattern like `a*a*a*b` costs O(pattern × text) at worst.
pub(crate) fn glob_match(pattern: &[Tok], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was in the pattern, and the text position it currently absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Tok::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|tok| *tok == Tok::Any)
}

/// IAM action matching: case-insensitive, `*` and `?` wildcards in the pattern, service prefix
/// included ("ec2:Describe*" matches "EC2:DescribeSubnets" but not "rds:DescribeDBClusters").
/// The whole action must match: "ec2:Describe" does not match "ec2:DescribeSubnets".
#[must_use]
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern = glob_tokens(&pattern.to_lowercase());
    let action: Vec<char> = action.to_lowercase().chars().collect();
    glob_match(&pattern, &action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_matching_table() {
        // (pattern, action, expected)
        let cases: &[(&str, &str, bool)] = &[
            ("ec2:RunInstances", "ec2:RunInstances", true),
            ("ec2:RunInstances", "EC2:runinstances", true),
            ("EC2:RUNINSTANCES", "ec2:RunInstances", true),
            ("ec2:RunInstances", "ec2:RunInstance", false),
            ("ec2:RunInstance", "ec2:RunInstances", false),
            ("ec2:Describe*", "ec2:DescribeSubnets", true),
            ("ec2:Describe*", "ec2:describesubnets", true),
            ("ec2:Describe*", "ec2:Describe", true),
            ("ec2:Describe*", "ec2:CreateSubnet", false),
            ("ec2:Describe*", "rds:DescribeDBClusters", false),
            ("ec2:*", "ec2:AnythingAtAll", true),
            ("ec2:*", "ec22:RunInstances", false),
            ("ec2:*", "ec2", false),
            ("*", "glue:GetTable", true),
            ("*:Get*", "glue:GetTable", true),
            ("ec2:?unInstances", "ec2:RunInstances", true),
            ("ec2:?unInstances", "ec2:unInstances", false),
            ("ec2:Run??stances", "ec2:RunInstances", true),
            ("ec2:Run?stances", "ec2:RunInstances", false),
            ("ec2:*Subnet*", "ec2:CreateSubnetCidrReservation", true),
            ("ec2:*Subnet", "ec2:CreateSubnetCidrReservation", false),
            ("ec2:*a*a*b", "ec2:xaaaaaaab", true),
            ("ec2:*a*a*b", "ec2:xaaaaaaa", false),
            ("ec2:Describe**", "ec2:DescribeVpcs", true),
            ("", "ec2:RunInstances", false),
            ("ec2:RunInstances", "", false),
        ];
        for (pattern, action, want) in cases {
            assert_eq!(
                action_matches(pattern, action),
                *want,
                "{pattern} vs {action}"
            );
        }
    }

    #[test]
    fn glob_is_case_sensitive() {
        let text: Vec<char> = "Hello".chars().collect();
        assert!(glob_match(&glob_tokens("H*o"), &text));
        assert!(!glob_match(&glob_tokens("h*o"), &text));
        assert!(glob_match(&glob_tokens("*"), &[]));
        assert!(!glob_match(&glob_tokens("?"), &[]));
    }
}
