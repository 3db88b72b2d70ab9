use ram_model::{ApiError, api_error};

/// An Amazon Resource Name split into its six fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    pub fn parse(s: &str) -> Option<Arn> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?.to_owned(),
            service: parts.next()?.to_owned(),
            region: parts.next()?.to_owned(),
            account: parts.next()?.to_owned(),
            resource: parts.next()?.to_owned(),
        };
        let valid = !arn.partition.is_empty()
            && arn
                .partition
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-')
            && !arn.service.is_empty()
            && !arn.resource.is_empty()
            && arn
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        valid.then_some(arn)
    }

    /// Parses a RAM ARN of the given resource kind (`resource-share`, `resource-share-invitation`,
    /// `permission`), answering `MalformedArnException` as RAM does for anything else.
    pub fn parse_ram(s: &str, kind: &str) -> Result<Arn, ApiError> {
        let arn = Arn::parse(s)
            .filter(|a| a.service == "ram" && a.resource.starts_with(&format!("{kind}/")));
        arn.ok_or_else(|| {
            api_error!(
                MalformedArnException,
                "The specified ARN {s} is not valid. Verify the ARN and try again."
            )
        })
    }

    /// The part of the resource after `kind/`.
    pub fn resource_id(&self) -> &str {
        self.resource.split_once('/').map_or("", |(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arns() {
        let a = Arn::parse("arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1").unwrap();
        assert_eq!(
            (a.service.as_str(), a.account.as_str(), a.resource.as_str()),
            ("ec2", "123456789012", "subnet/subnet-1")
        );
        let g =
            Arn::parse("arn:aws:networkmanager::123456789012:core-network/core-network-1").unwrap();
        assert_eq!(g.region, "");
        assert!(Arn::parse("arn:aws:ec2").is_none());
        assert!(Arn::parse("subnet-1").is_none());
        assert!(Arn::parse("arn:AWS:ec2:us-east-1:1:x").is_none());
        assert!(
            Arn::parse_ram(
                "arn:aws:ram:us-east-1:123456789012:resource-share/x",
                "resource-share"
            )
            .is_ok()
        );
        assert!(
            Arn::parse_ram(
                "arn:aws:ram:us-east-1:123456789012:permission/x",
                "resource-share"
            )
            .is_err()
        );
    }
}
