/// Who is calling, as established by authentication: the account, the IAM principal and the
/// Region (from the SigV4 credential scope). Every RAM entity belongs to an account and Region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: String,
    pub principal_arn: String,
    pub region: String,
    pub partition: String,
    /// The address the request came from, when it came over the network.
    pub source_ip: Option<String>,
}

impl Caller {
    /// A caller acting as the account's root user.
    pub fn root(account_id: &str, region: &str) -> Caller {
        let partition = partition_of_region(region).to_owned();
        Caller {
            account_id: account_id.to_owned(),
            principal_arn: format!("arn:{partition}:iam::{account_id}:root"),
            region: region.to_owned(),
            partition,
            source_ip: None,
        }
    }

    /// A caller acting as an IAM user or role of the account.
    pub fn principal(account_id: &str, principal_arn: &str, region: &str) -> Caller {
        Caller {
            principal_arn: principal_arn.to_owned(),
            ..Caller::root(account_id, region)
        }
    }
}

/// The AWS partition a Region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// Whether `s` is an AWS account id: 12 digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
