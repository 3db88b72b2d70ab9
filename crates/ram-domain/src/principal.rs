//! The kinds of principal RAM shares with, told apart by their syntax (spec section 11).

use ram_context::is_account_id;
use ram_model::{ApiError, api_error};

use crate::arn::Arn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    Account(String),
    Organization { id: String },
    OrganizationalUnit { id: String },
    IamRole { account: String },
    IamUser { account: String },
    Service(String),
}

impl PrincipalKind {
    pub fn parse(principal: &str) -> Result<PrincipalKind, ApiError> {
        if is_account_id(principal) {
            return Ok(PrincipalKind::Account(principal.to_owned()));
        }
        if principal.starts_with("arn:") {
            // Anything ARN-shaped that is not one of the four principal ARNs is a malformed
            // principal, as AWS answers it. An organization or OU id that does not exist (or is
            // badly formed) is a principal of its kind that is later "not found".
            let arn = Arn::parse(principal).ok_or_else(|| malformed(principal))?;
            let id_ok = |id: &str| !id.is_empty() && !id.contains('/');
            return match (arn.service.as_str(), arn.resource.split_once('/')) {
                ("organizations", Some(("organization", id)))
                    if arn.region.is_empty() && id_ok(id) =>
                {
                    Ok(PrincipalKind::Organization { id: id.to_owned() })
                }
                ("organizations", Some(("ou", path))) if arn.region.is_empty() => {
                    match path.split_once('/') {
                        Some((org, ou)) if id_ok(org) && id_ok(ou) => {
                            Ok(PrincipalKind::OrganizationalUnit { id: ou.to_owned() })
                        }
                        _ => Err(malformed(principal)),
                    }
                }
                ("iam", Some(("role", name)))
                    if arn.region.is_empty() && is_account_id(&arn.account) && !name.is_empty() =>
                {
                    Ok(PrincipalKind::IamRole {
                        account: arn.account,
                    })
                }
                ("iam", Some(("user", name)))
                    if arn.region.is_empty() && is_account_id(&arn.account) && !name.is_empty() =>
                {
                    Ok(PrincipalKind::IamUser {
                        account: arn.account,
                    })
                }
                _ => Err(malformed(principal)),
            };
        }
        if let Some(name) = principal.strip_suffix(".amazonaws.com")
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            return Ok(PrincipalKind::Service(principal.to_owned()));
        }
        Err(malformed(principal))
    }

    /// The account an account or IAM principal belongs to.
    pub fn account(&self) -> Option<&str> {
        match self {
            PrincipalKind::Account(a)
            | PrincipalKind::IamRole { account: a }
            | PrincipalKind::IamUser { account: a } => Some(a),
            _ => None,
        }
    }

    pub fn is_iam(&self) -> bool {
        matches!(
            self,
            PrincipalKind::IamRole { .. } | PrincipalKind::IamUser { .. }
        )
    }
}

fn malformed(principal: &str) -> ApiError {
    api_error!(
        InvalidParameterException,
        "Principal ID {principal} is malformed. Verify the ID and try again."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            PrincipalKind::parse("111111111111").unwrap(),
            PrincipalKind::Account("111111111111".into())
        );
        assert!(matches!(
            PrincipalKind::parse("arn:aws:organizations::111111111111:organization/o-abcdefghij")
                .unwrap(),
            PrincipalKind::Organization { .. }
        ));
        assert!(matches!(
            PrincipalKind::parse(
                "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefgh12"
            )
            .unwrap(),
            PrincipalKind::OrganizationalUnit { .. }
        ));
        assert!(
            PrincipalKind::parse("arn:aws:iam::222222222222:role/Admin")
                .unwrap()
                .is_iam()
        );
        assert_eq!(
            PrincipalKind::parse("arn:aws:iam::222222222222:user/u")
                .unwrap()
                .account(),
            Some("222222222222")
        );
        assert!(matches!(
            PrincipalKind::parse("elasticmapreduce.amazonaws.com").unwrap(),
            PrincipalKind::Service(_)
        ));
        assert_eq!(
            PrincipalKind::parse("12345").unwrap_err().code,
            ram_model::ErrorCode::InvalidParameterException
        );
        for malformed in [
            "arn:aws:iam::1:role/x",
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::not-account:role/Foo",
            "arn:aws:iam::222222222222:group/devs",
            "arn:nonsense",
        ] {
            let e = PrincipalKind::parse(malformed).unwrap_err();
            assert_eq!(e.code, ram_model::ErrorCode::InvalidParameterException);
            assert_eq!(
                e.message,
                format!("Principal ID {malformed} is malformed. Verify the ID and try again.")
            );
        }
        assert_eq!(
            PrincipalKind::parse("arn:aws:organizations::111111111111:organization/o-unknown")
                .unwrap(),
            PrincipalKind::Organization {
                id: "o-unknown".into()
            }
        );
    }
}
