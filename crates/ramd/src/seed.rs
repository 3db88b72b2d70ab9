//! `ramd seed FILE` / `ramd serve --seed FILE`: a declarative multi-account world (accounts with
//! fixed access keys, the organization tree, customer managed permissions, shares with their
//! resources, principals, permissions and tags, invitations accepted or left pending), loaded
//! idempotently. The fixture is YAML, or JSON (which YAML reads as it is); every value keeps its
//! line, so an error names the line and the field. Everything but the accounts is made through
//! the same operations a client calls (`apply.rs`), so a seeded world is one the API could have
//! made, and a second run makes nothing.

mod apply;

use std::collections::{BTreeMap, HashMap};

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
/// `organization` (the owner's), `{account, invitation}` or `{unit}`.
#[derive(Debug)]
pub enum PrincipalSpec {
    Plain(String),
    Account(AccountPrincipal),
    Unit(UnitPrincipal),
}

#[derive(Debug)]
pub struct AccountPrincipal {
    pub account: String,
    /// What the account does with the invitation the share sends it (outside the owner's
    /// organization); `pending` leaves it to be answered.
    pub invitation: InvitationSpec,
}

#[derive(Debug)]
pub struct UnitPrincipal {
    /// The OU's path of names from the root, e.g. `Workloads/Prod` (an OU of the fixture's
    /// organization).
    pub unit: String,
}

/// The mapping form of a principal, read by the parser itself so that a wrong key or value is
/// named where it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalEntry {
    account: Option<String>,
    invitation: Option<InvitationSpec>,
    unit: Option<String>,
}

impl<'de> Deserialize<'de> for PrincipalSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Principal;
        impl<'de> serde::de::Visitor<'de> for Principal {
            type Value = PrincipalSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "an account id, a principal ARN, `organization`, {account, invitation} or {unit}",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PrincipalSpec, E> {
                Ok(PrincipalSpec::Plain(v.to_owned()))
            }
            // An account id written without quotes.
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PrincipalSpec, E> {
                Ok(PrincipalSpec::Plain(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PrincipalSpec, A::Error> {
                let entry =
                    PrincipalEntry::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                match entry {
                    PrincipalEntry {
                        account: Some(account),
                        invitation,
                        unit: None,
                    } => Ok(PrincipalSpec::Account(AccountPrincipal {
                        account,
                        invitation: invitation.unwrap_or(InvitationSpec::Pending),
                    })),
                    PrincipalEntry {
                        account: None,
                        invitation: None,
                        unit: Some(unit),
                    } => Ok(PrincipalSpec::Unit(UnitPrincipal { unit })),
                    _ => Err(serde::de::Error::custom(
                        "a principal is {account, invitation} or {unit}",
                    )),
                }
            }
        }
        d.deserialize_any(Principal)
    }
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

/// The fixture in `text` (YAML or JSON), once [`Fixture::check`] finds nothing wrong with it.
pub fn parse(text: &str) -> Result<Fixture, String> {
    // The parser knows the line, serde_path_to_error the field.
    let mut field = String::new();
    let parsed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            field = field_of(e.path());
            e.into_inner()
        })
    });
    let fixture: Fixture = parsed.map_err(|e| {
        // The library's own text repeats the location with a snippet; the first line is enough.
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        match first.split_once(": ") {
            Some((at, what)) if at.starts_with("line ") && !field.is_empty() => {
                format!("{at}, {field}: {what}")
            }
            _ => first.to_owned(),
        }
    })?;
    fixture.check().map_err(|e| e.to_string())?;
    Ok(fixture)
}

/// An owner's share or permission of one name in a Region once only: a second run could not tell
/// two apart.
fn named_once(
    seen: &mut HashMap<String, u64>,
    what: &str,
    field: String,
    owner: &Spanned<String>,
    name: &Spanned<String>,
    region: &str,
) -> Result<(), SeedError> {
    let key = format!("{} {region} {}", owner.value, name.value);
    match seen.insert(key, name.referenced.line()) {
        Some(line) => Err(SeedError::at(
            name,
            field,
            format!(
                "account {} has {what} {:?} in {region} already (line {line})",
                owner.value, name.value
            ),
        )),
        None => Ok(()),
    }
}

/// `shares[0].principals[1]`: the path as the fixture reads, without the `value` members that
/// `Spanned` puts in it.
fn field_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
            Segment::Map { key } if key != "value" => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            _ => {}
        }
    }
    out
}

impl Fixture {
    /// What can be told wrong before anything is written: account ids, entries given twice (a
    /// second run could not tell them apart), units principals name that the tree lacks.
    fn check(&self) -> Result<(), SeedError> {
        let id = |at: &Spanned<String>, field: String| {
            crate::accounts::check_account_id(&at.value).map_err(|m| SeedError::at(at, field, m))
        };
        let once =
            |seen: &mut HashMap<String, u64>, key: String, at_line: u64| seen.insert(key, at_line);
        let mut accounts = HashMap::new();
        for (i, a) in self.accounts.iter().enumerate() {
            id(&a.value.id, format!("accounts[{i}].id"))?;
            if let Some(line) = once(
                &mut accounts,
                a.value.id.value.clone(),
                a.value.id.referenced.line(),
            ) {
                return Err(SeedError::at(
                    &a.value.id,
                    format!("accounts[{i}].id"),
                    format!(
                        "account {} is given already (line {line})",
                        a.value.id.value
                    ),
                ));
            }
        }
        let mut units = HashMap::new();
        if let Some(org) = &self.organization {
            let org = &org.value;
            id(
                &org.management_account,
                "organization.managementAccount".into(),
            )?;
            let mut placed = HashMap::new();
            let mut pending: Vec<(&Spanned<String>, String)> = org
                .accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a, format!("organization.accounts[{i}]")))
                .collect();
            let mut queue: Vec<(&Spanned<UnitSpec>, String, String)> = org
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| (u, String::new(), format!("organization.units[{i}]")))
                .collect();
            while let Some((unit, above, field)) = queue.pop() {
                let name = &unit.value.name;
                let path = if above.is_empty() {
                    name.value.clone()
                } else {
                    format!("{above}/{}", name.value)
                };
                if let Some(line) = once(&mut units, path.clone(), name.referenced.line()) {
                    return Err(SeedError::at(
                        name,
                        format!("{field}.name"),
                        format!("the unit {path} is given already (line {line})"),
                    ));
                }
                for (i, a) in unit.value.accounts.iter().enumerate() {
                    pending.push((a, format!("{field}.accounts[{i}]")));
                }
                for (i, child) in unit.value.units.iter().enumerate() {
                    queue.push((child, path.clone(), format!("{field}.units[{i}]")));
                }
            }
            for (account, field) in pending {
                id(account, field.clone())?;
                if let Some(line) = once(
                    &mut placed,
                    account.value.clone(),
                    account.referenced.line(),
                ) {
                    return Err(SeedError::at(
                        account,
                        field,
                        format!(
                            "account {} is placed in the organization already (line {line})",
                            account.value
                        ),
                    ));
                }
            }
        }
        let mut permissions = HashMap::new();
        for (i, p) in self.permissions.iter().enumerate() {
            let p = &p.value;
            id(&p.owner, format!("permissions[{i}].owner"))?;
            let region = p.region.as_deref().unwrap_or(self.region());
            named_once(
                &mut permissions,
                "a permission",
                format!("permissions[{i}].name"),
                &p.owner,
                &p.name,
                region,
            )?;
        }
        let mut shares = HashMap::new();
        for (i, s) in self.shares.iter().enumerate() {
            let s = &s.value;
            id(&s.owner, format!("shares[{i}].owner"))?;
            let region = s.region.as_deref().unwrap_or(self.region());
            named_once(
                &mut shares,
                "a share",
                format!("shares[{i}].name"),
                &s.owner,
                &s.name,
                region,
            )?;
            for (j, p) in s.principals.iter().enumerate() {
                let field = format!("shares[{i}].principals[{j}]");
                match &p.value {
                    PrincipalSpec::Account(a) => crate::accounts::check_account_id(&a.account)
                        .map_err(|m| SeedError::at(p, &field, m))?,
                    PrincipalSpec::Unit(u) if !units.contains_key(&u.unit) => {
                        return Err(SeedError::at(
                            p,
                            field,
                            format!("no unit {:?} in the fixture's organization", u.unit),
                        ));
                    }
                    PrincipalSpec::Unit(_) | PrincipalSpec::Plain(_) => {}
                }
            }
        }
        Ok(())
    }

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
