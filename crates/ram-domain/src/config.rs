/// Behaviour knobs of the service (command-line flags of `ramd serve`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Overrides every resource type's invitation lifetime (12 hours or 7 days on AWS).
    pub invitation_ttl_seconds: Option<i64>,
    /// How long associations stay ASSOCIATING / DISASSOCIATING (and shares DELETING) before settling.
    pub association_delay_ms: i64,
    /// How long a deleted share stays listed with status DELETED (two hours on AWS).
    pub deleted_share_retention_seconds: i64,
    /// How long an accepted, rejected or expired invitation stays before it is purged (AWS: about
    /// 7 days).
    pub ended_invitation_retention_seconds: i64,
    pub quotas: Quotas,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            invitation_ttl_seconds: None,
            association_delay_ms: 0,
            deleted_share_retention_seconds: 2 * 3600,
            ended_invitation_retention_seconds: 7 * 24 * 3600,
            quotas: Quotas::default(),
        }
    }
}

/// RAM's service quotas (per account and Region), spec section 9.
#[derive(Debug, Clone)]
pub struct Quotas {
    pub resource_shares: i64,
    pub resources_per_share: i64,
    pub principals_per_share: i64,
    pub resource_associations: i64,
    pub principal_associations: i64,
    pub pending_invitations: i64,
    pub entities_per_call: usize,
    pub tags_per_resource: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            resource_shares: 25_000,
            resources_per_share: 5_000,
            principals_per_share: 5_000,
            resource_associations: 25_000,
            principal_associations: 25_000,
            pending_invitations: 20,
            entities_per_call: 100,
            tags_per_resource: 50,
        }
    }
}

impl Quotas {
    /// The quota names `ramd serve --quota NAME=VALUE` accepts.
    pub const NAMES: &'static [&'static str] = &[
        "resource-shares",
        "resources-per-share",
        "principals-per-share",
        "resource-associations",
        "principal-associations",
        "pending-invitations",
        "entities-per-call",
        "tags-per-resource",
    ];

    /// Sets one quota from `NAME=VALUE`.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("{assignment}: expected NAME=VALUE"))?;
        let value: i64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| format!("{assignment}: the value must be a whole number"))?;
        let small = || usize::try_from(value).map_err(|_| format!("{assignment}: too large"));
        match name.trim() {
            "resource-shares" => self.resource_shares = value,
            "resources-per-share" => self.resources_per_share = value,
            "principals-per-share" => self.principals_per_share = value,
            "resource-associations" => self.resource_associations = value,
            "principal-associations" => self.principal_associations = value,
            "pending-invitations" => self.pending_invitations = value,
            "entities-per-call" => self.entities_per_call = small()?,
            "tags-per-resource" => self.tags_per_resource = small()?,
            other => {
                return Err(format!(
                    "unknown quota {other}; known: {}",
                    Quotas::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }
}
