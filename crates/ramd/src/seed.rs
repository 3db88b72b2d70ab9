//! `ramd seed FILE` / `ramd serve --seed FILE`: a declarative multi-account world (accounts with
//! fixed access keys, the organization tree, customer managed permissions, shares with their
//! resources, principals, permissions and tags, invitations accepted or left pending), loaded
//! idempotently. The fixture is YAML, or JSON (which YAML reads as it is); every value keeps its
//! line, so an error names the line and the field. Everything but the accounts is made through
//! the same operations a client calls (`apply.rs`), so a seeded world is one the API could have
//! made, and a second run makes nothing.

mod apply;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

pub use apply::{Report, seed};

/// The Region shares and permissions are made in when neither they nor the fixture name one.
const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Fixture {
    /// The Region of every share and permission that does not name its own.
    pub region: Option<Spanned<String>>,
    #[serde(default)]
    pub accounts: Vec<Spanned<AccountSpec>>,
    pub organization: Option<Spanned<OrganizationSpec>>,
    /// Customer managed permissions.
    #[serde(default)]
    pub permissions: Vec<Spanned<PermissionSpec>>,
    #[serde(default)]
    pub shares: Vec<Spanned<ShareSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccountSpec {
    pub id: Spanned<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub access_keys: Vec<Spanned<KeySpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeySpec {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The IAM user or role the key signs as (the account's root when omitted).
    pub principal_arn: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationSpec {
    pub management_account: Spanned<String>,
    pub feature_set: Option<Spanned<String>>,
    /// EnableSharingWithAwsOrganization, as the management account (default true).
    pub enable_sharing: Option<bool>,
    /// Member accounts directly under the root.
    #[serde(default)]
    pub accounts: Vec<Spanned<String>>,
    #[serde(default)]
    pub units: Vec<Spanned<UnitSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UnitSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub accounts: Vec<Spanned<String>>,
    #[serde(default)]
    pub units: Vec<Spanned<UnitSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PermissionSpec {
    pub name: Spanned<String>,
    pub owner: Spanned<String>,
    pub region: Option<String>,
    pub resource_type: String,
    /// The policy template: a mapping, or its JSON text.
    pub policy_template: serde_json::Value,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShareSpec {
    pub name: Spanned<String>,
    pub owner: Spanned<String>,
    pub region: Option<String>,
    pub allow_external_principals: Option<bool>,
    #[serde(default)]
    pub resources: Vec<Spanned<String>>,
    #[serde(default)]
    pub principals: Vec<Spanned<PrincipalSpec>>,
    /// ARNs, or names of AWS managed permissions or of the owner's customer managed ones.
    #[serde(default)]
    pub permissions: Vec<Spanned<String>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A principal of a share: an account id or a principal ARN as the API takes it,
/// `organization` (the owner's), or one of these.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PrincipalSpec {
    Plain(String),
    Account(AccountPrincipal),
    Unit(UnitPrincipal),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPrincipal {
    pub account: String,
    /// What the account does with the invitation the share sends it (outside the owner's
    /// organization); `pending` leaves it to be answered.
    pub invitation: InvitationSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPrincipal {
    /// The OU's path of names from the root, e.g. `Workloads/Prod` (an OU of the fixture's
    /// organization).
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationSpec {
    Accepted,
    Pending,
}

/// Why a fixture cannot be loaded: where, which field, and what is wrong.
#[derive(Debug)]
pub struct SeedError {
    pub line: Option<u64>,
    pub field: String,
    pub message: String,
}

impl SeedError {
    fn at<T>(spanned: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) -> Self {
        SeedError {
            line: Some(spanned.referenced.line()),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// The fixture in `text` (YAML or JSON).
pub fn parse(text: &str) -> Result<Fixture, String> {
    serde_saphyr::from_str(text).map_err(|e| match e.location() {
        // The library's own text repeats the location with a snippet; the first line is enough.
        Some(_) => e.to_string().lines().next().unwrap_or_default().to_owned(),
        None => e.to_string(),
    })
}

impl Fixture {
    fn region(&self) -> &str {
        self.region.as_ref().map_or(DEFAULT_REGION, |r| &r.value)
    }

    /// How many steps `seed` takes (its progress bar's length).
    fn steps(&self) -> u64 {
        fn units(list: &[Spanned<UnitSpec>]) -> usize {
            list.iter()
                .map(|u| 1 + u.value.accounts.len() + units(&u.value.units))
                .sum()
        }
        let org = self
            .organization
            .as_ref()
            .map_or(0, |o| 1 + o.value.accounts.len() + units(&o.value.units));
        (self.accounts.len() + org + self.permissions.len() + self.shares.len()) as u64
    }
}
