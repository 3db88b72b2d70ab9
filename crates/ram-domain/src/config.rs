/// Behaviour knobs of the service (command-line flags of `ramd serve`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Overrides every resource type's invitation lifetime (12 hours or 7 days on AWS).
    pub invitation_ttl_seconds: Option<i64>,
    /// How long associations stay ASSOCIATING / DISASSOCIATING (and shares DELETING) before settling.
    pub association_delay_ms: i64,
    /// How long a deleted share stays listed with status DELETED (two hours on AWS).
    pub deleted_share_retention_seconds: i64,
    pub quotas: Quotas,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            invitation_ttl_seconds: None,
            association_delay_ms: 0,
            deleted_share_retention_seconds: 2 * 3600,
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
