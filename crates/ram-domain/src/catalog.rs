//! The catalogue of shareable resource types and their AWS managed permissions, kept as data in
//! `data/resource-types.json` (spec section 6.2 and 5.2).

use serde::Deserialize;

use crate::arn::Arn;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTypeInfo {
    pub resource_type: String,
    pub service_name: String,
    pub resource_region_scope: String,
    pub service: String,
    pub arn: ArnRecogniser,
    pub share_with_iam_principals: bool,
    pub share_outside_organization: bool,
    pub customer_managed_permissions: bool,
    pub consumer_can_leave: bool,
    pub invitation_expiry_hours: i64,
    pub permissions: Vec<ManagedPermission>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArnRecogniser {
    pub service: String,
    pub resource: String,
    #[serde(default)]
    pub exact: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPermission {
    pub name: String,
    pub is_resource_type_default: bool,
    pub version: i64,
    pub creation_time: String,
    pub actions: Vec<String>,
    #[serde(default)]
    pub conditions: Option<serde_json::Value>,
}

impl ResourceTypeInfo {
    pub fn is_global(&self) -> bool {
        self.resource_region_scope == "GLOBAL"
    }

    pub fn default_permission(&self) -> &ManagedPermission {
        self.permissions
            .iter()
            .find(|p| p.is_resource_type_default)
            .expect("the catalogue gives every type a default permission")
    }

    fn matches(&self, arn: &Arn) -> bool {
        let r = &self.arn;
        arn.service == r.service
            && if r.exact {
                arn.resource == r.resource
            } else {
                arn.resource.len() > r.resource.len() && arn.resource.starts_with(&r.resource)
            }
    }
}

pub struct Catalog {
    types: Vec<ResourceTypeInfo>,
}

impl Catalog {
    pub fn load() -> Catalog {
        let types: Vec<ResourceTypeInfo> =
            serde_json::from_str(include_str!("../data/resource-types.json"))
                .expect("data/resource-types.json is valid");
        Catalog { types }
    }

    pub fn types(&self) -> &[ResourceTypeInfo] {
        &self.types
    }

    /// The type of a resource ARN; the longest matching prefix wins so that nested kinds
    /// (e.g. `outpost/` vs a more specific prefix) are told apart.
    pub fn type_of(&self, arn: &Arn) -> Option<&ResourceTypeInfo> {
        self.types
            .iter()
            .filter(|t| t.matches(arn))
            .max_by_key(|t| t.arn.resource.len())
    }

    /// Looks a type up by its name, ignoring case as RAM does for `resourceType` filters.
    pub fn get(&self, resource_type: &str) -> Option<&ResourceTypeInfo> {
        self.types
            .iter()
            .find(|t| t.resource_type.eq_ignore_ascii_case(resource_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_default_permission_and_recognises_an_arn() {
        let catalog = Catalog::load();
        assert!(!catalog.types().is_empty());
        for t in catalog.types() {
            assert_eq!(
                t.permissions
                    .iter()
                    .filter(|p| p.is_resource_type_default)
                    .count(),
                1,
                "{}",
                t.resource_type
            );
            let region = if t.is_global() { "" } else { "us-east-1" };
            let suffix = if t.arn.exact { "" } else { "example" };
            let arn = Arn::parse(&format!(
                "arn:aws:{}:{region}:123456789012:{}{suffix}",
                t.arn.service, t.arn.resource
            ))
            .unwrap();
            assert_eq!(
                catalog.type_of(&arn).map(|x| x.resource_type.as_str()),
                Some(t.resource_type.as_str())
            );
        }
    }

    #[test]
    fn subnet() {
        let catalog = Catalog::load();
        let arn = Arn::parse("arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0abc").unwrap();
        let t = catalog.type_of(&arn).unwrap();
        assert_eq!(t.resource_type, "ec2:Subnet");
        assert_eq!(t.default_permission().name, "AWSRAMDefaultPermissionSubnet");
        assert!(
            catalog
                .type_of(&Arn::parse("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1").unwrap())
                .is_none()
        );
    }
}
