//! The kinds of principal RAM shares with, told apart by their syntax (spec section 11).

use ram_model::{ApiError, api_error};

use crate::arn::{Arn, is_account_id};

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
            let malformed = || {
                api_error!(
                    MalformedArnException,
                    "The specified principal ARN {principal} is not valid. Verify the ARN and try again."
                )
            };
            let arn = Arn::parse(principal).ok_or_else(malformed)?;
            return match (arn.service.as_str(), arn.resource.split_once('/')) {
                ("organizations", Some(("organization", id)))
                    if arn.region.is_empty() && valid_org_id(id) =>
                {
                    Ok(PrincipalKind::Organization { id: id.to_owned() })
                }
                ("organizations", Some(("ou", path))) if arn.region.is_empty() => {
                    match path.split_once('/') {
                        Some((org, ou))
                            if valid_org_id(org) && ou.starts_with("ou-") && !ou.contains('/') =>
                        {
                            Ok(PrincipalKind::OrganizationalUnit { id: ou.to_owned() })
                        }
                        _ => Err(malformed()),
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
                _ => Err(malformed()),
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
        Err(api_error!(
            InvalidParameterException,
            "Principal ID {principal} is malformed. Verify the ID and try again."
        ))
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

fn valid_org_id(id: &str) -> bool {
    id.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
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
        assert_eq!(
            PrincipalKind::parse("arn:aws:iam::1:role/x")
                .unwrap_err()
                .code,
            ram_model::ErrorCode::MalformedArnException
        );
    }
}
