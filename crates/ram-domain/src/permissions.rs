//! Managed permissions as RAM lists them: ListResourceTypes, ListPermissions, GetPermission,
//! ListPermissionVersions and ListResourceSharePermissions. AWS managed permissions come from the
//! catalogue (`data/resource-types.json`).

// The catalogue needs no store; customer managed permissions, stored per account, will.
#![allow(clippy::unused_async)]

use ram_model::{
    ApiError, GetPermissionRequest, GetPermissionResponse, ListPermissionVersionsRequest,
    ListPermissionVersionsResponse, ListPermissionsRequest, ListPermissionsResponse,
    ListResourceSharePermissionsRequest, ListResourceSharePermissionsResponse,
    ListResourceTypesRequest, ListResourceTypesResponse, PermissionFeatureSet, PermissionStatus,
    PermissionType, PermissionTypeFilter, ResourceRegionScope, ResourceRegionScopeFilter,
    ResourceSharePermissionDetail, ResourceSharePermissionSummary, ServiceNameAndResourceType,
    Timestamp, api_error,
};
use serde_json::json;

use crate::arn::Arn;
use crate::catalog::{ManagedPermission, ResourceTypeInfo};
use crate::failure::Outcome;
use crate::pagination::PageRequest;
use crate::shares::share_not_found;
use crate::{Caller, Ram};

/// One version of a permission, wherever it is defined.
struct PermissionVersion<'a> {
    arn: String,
    resource_type: &'a ResourceTypeInfo,
    managed: &'a ManagedPermission,
}

impl PermissionVersion<'_> {
    fn created(&self) -> Timestamp {
        let parsed = time::OffsetDateTime::parse(
            &self.managed.creation_time,
            &time::format_description::well_known::Rfc3339,
        );
        let millis = parsed.map_or(0, |t| t.unix_timestamp_nanos() / 1_000_000);
        Timestamp(i64::try_from(millis).unwrap_or(0))
    }

    fn summary(&self) -> ResourceSharePermissionSummary {
        ResourceSharePermissionSummary {
            arn: Some(self.arn.clone()),
            version: Some(self.managed.version.to_string()),
            default_version: Some(true),
            name: Some(self.managed.name.clone()),
            resource_type: Some(self.resource_type.resource_type.clone()),
            status: Some(PermissionStatus::Attachable.as_str().to_owned()),
            creation_time: Some(self.created()),
            last_updated_time: Some(self.created()),
            is_resource_type_default: Some(self.managed.is_resource_type_default),
            permission_type: Some(PermissionType::AwsManaged),
            feature_set: Some(PermissionFeatureSet::Standard),
            tags: None,
        }
    }

    /// The policy template: the statement a share's principals get on each resource.
    fn template(&self) -> String {
        let mut statement = json!({"Effect": "Allow", "Action": self.managed.actions});
        if let Some(c) = &self.managed.conditions {
            statement["Condition"] = c.clone();
        }
        statement.to_string()
    }

    fn detail(&self) -> ResourceSharePermissionDetail {
        let s = self.summary();
        ResourceSharePermissionDetail {
            arn: s.arn,
            version: s.version,
            default_version: s.default_version,
            name: s.name,
            resource_type: s.resource_type,
            permission: Some(self.template()),
            creation_time: s.creation_time,
            last_updated_time: s.last_updated_time,
            is_resource_type_default: s.is_resource_type_default,
            permission_type: s.permission_type,
            feature_set: s.feature_set,
            status: Some(PermissionStatus::Attachable),
            tags: None,
        }
    }
}

/// Keyset pagination over an in-memory list sorted by `key`.
fn page_of<T>(
    items: Vec<T>,
    page: &PageRequest,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, bool, Option<(i64, String)>) {
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| page.after.as_ref().is_none_or(|(_, after)| key(i) > *after))
        .collect();
    let more = rest.len() > page.limit;
    rest.truncate(page.limit);
    let last = rest.last().map(|i| (0, key(i)));
    (rest, more, last)
}

impl Ram {
    /// Every AWS managed permission, sorted by ARN.
    fn managed_permissions(&self, caller: &Caller) -> Vec<PermissionVersion<'_>> {
        let mut all: Vec<PermissionVersion<'_>> = self
            .catalog
            .types()
            .iter()
            .flat_map(|t| {
                t.permissions.iter().map(move |p| PermissionVersion {
                    arn: format!("arn:{}:ram::aws:permission/{}", caller.partition, p.name),
                    resource_type: t,
                    managed: p,
                })
            })
            .collect();
        all.sort_by(|a, b| a.arn.cmp(&b.arn));
        all
    }

    /// The permission an ARN names, or `UnknownResourceException` as RAM answers.
    fn find_permission<'a>(
        &'a self,
        caller: &Caller,
        arn: &str,
    ) -> Result<PermissionVersion<'a>, ApiError> {
        Arn::parse_ram(arn, "permission")?;
        self.managed_permissions(caller)
            .into_iter()
            .find(|p| p.arn == arn)
            .ok_or_else(|| {
                api_error!(
                    UnknownResourceException,
                    "Permission {arn} could not be found."
                )
            })
    }

    pub(crate) async fn list_resource_types(
        &self,
        caller: &Caller,
        input: ListResourceTypesRequest,
    ) -> Outcome<ListResourceTypesResponse> {
        let page = self.page_request(
            caller,
            "ListResourceTypes",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let scope = input
            .resource_region_scope
            .unwrap_or(ResourceRegionScopeFilter::All);
        let mut types: Vec<&ResourceTypeInfo> = self
            .catalog
            .types()
            .iter()
            .filter(|t| match scope {
                ResourceRegionScopeFilter::All => true,
                ResourceRegionScopeFilter::Global => t.is_global(),
                ResourceRegionScopeFilter::Regional => !t.is_global(),
            })
            .collect();
        types.sort_by(|a, b| a.resource_type.cmp(&b.resource_type));
        let (items, more, last) = page_of(types, &page, |t| t.resource_type.clone());
        Ok(ListResourceTypesResponse {
            resource_types: Some(
                items
                    .iter()
                    .map(|t| ServiceNameAndResourceType {
                        resource_type: Some(t.resource_type.clone()),
                        service_name: Some(t.service_name.clone()),
                        resource_region_scope: Some(if t.is_global() {
                            ResourceRegionScope::Global
                        } else {
                            ResourceRegionScope::Regional
                        }),
                    })
                    .collect(),
            ),
            next_token: self.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_permissions(
        &self,
        caller: &Caller,
        input: ListPermissionsRequest,
    ) -> Outcome<ListPermissionsResponse> {
        let page = self.page_request(
            caller,
            "ListPermissions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let wanted_type = match &input.resource_type {
            Some(rt) => Some(
                self.catalog
                    .get(rt)
                    .ok_or_else(|| {
                        api_error!(
                            InvalidParameterException,
                            "The resource type {rt} is not valid."
                        )
                    })?
                    .resource_type
                    .clone(),
            ),
            None => None,
        };
        let aws_managed = !matches!(
            input.permission_type,
            Some(PermissionTypeFilter::CustomerManaged)
        );
        let permissions: Vec<PermissionVersion<'_>> = self
            .managed_permissions(caller)
            .into_iter()
            .filter(|_| aws_managed)
            .filter(|p| {
                wanted_type
                    .as_ref()
                    .is_none_or(|t| *t == p.resource_type.resource_type)
            })
            .collect();
        let (items, more, last) = page_of(permissions, &page, |p| p.arn.clone());
        Ok(ListPermissionsResponse {
            permissions: Some(items.iter().map(PermissionVersion::summary).collect()),
            next_token: self.next_token(&page, more, last),
        })
    }

    pub(crate) async fn get_permission(
        &self,
        caller: &Caller,
        input: GetPermissionRequest,
    ) -> Outcome<GetPermissionResponse> {
        let arn = input.permission_arn.clone().unwrap_or_default();
        let permission = self.find_permission(caller, &arn)?;
        if let Some(v) = input.permission_version
            && i64::from(v) != permission.managed.version
        {
            return Err(api_error!(
                InvalidParameterException,
                "Permission {arn} has no version {v}."
            )
            .into());
        }
        Ok(GetPermissionResponse {
            permission: Some(permission.detail()),
        })
    }

    pub(crate) async fn list_permission_versions(
        &self,
        caller: &Caller,
        input: ListPermissionVersionsRequest,
    ) -> Outcome<ListPermissionVersionsResponse> {
        let arn = input.permission_arn.clone().unwrap_or_default();
        let permission = self.find_permission(caller, &arn)?;
        let page = self.page_request(
            caller,
            "ListPermissionVersions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let (items, more, last) = page_of(vec![permission], &page, |p| {
            format!("{:010}", p.managed.version)
        });
        Ok(ListPermissionVersionsResponse {
            permissions: Some(items.iter().map(PermissionVersion::summary).collect()),
            next_token: self.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_resource_share_permissions(
        &self,
        caller: &Caller,
        input: ListResourceSharePermissionsRequest,
    ) -> Outcome<ListResourceSharePermissionsResponse> {
        let arn = input.resource_share_arn.clone().unwrap_or_default();
        Arn::parse_ram(&arn, "resource-share")?;
        let page = self.page_request(
            caller,
            "ListResourceSharePermissions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        // The owner, and accounts the share is shared with, may see its permissions.
        let visible = match tx.get_share(&arn, now).await? {
            Some(share)
                if share.region == caller.region && share.owner_account == caller.account_id =>
            {
                true
            }
            Some(share) if share.region == caller.region => {
                let only = ram_store::ShareFilter {
                    arns: vec![arn.clone()],
                    ..ram_store::ShareFilter::default()
                };
                let receiver = ram_store::Scope::Receiver(caller.account_id.clone());
                !tx.list_shares(&receiver, &caller.region, &only, None, 1, now)
                    .await?
                    .items
                    .is_empty()
            }
            _ => false,
        };
        if !visible {
            return Err(share_not_found(&arn).into());
        }
        let attached = tx.share_permissions(std::slice::from_ref(&arn)).await?;
        tx.commit().await?;
        let mut summaries = Vec::new();
        for record in attached {
            let Ok(permission) = self.find_permission(caller, &record.permission_arn) else {
                continue;
            };
            let mut summary = permission.summary();
            // Here `status` is the association's, not the permission's (as on AWS).
            summary.status = Some("ASSOCIATED".to_owned());
            summary.version = Some(record.permission_version.to_string());
            summary.last_updated_time = Some(Timestamp(record.updated_ms));
            summaries.push(summary);
        }
        let (items, more, last) = page_of(summaries, &page, |s| s.arn.clone().unwrap_or_default());
        Ok(ListResourceSharePermissionsResponse {
            permissions: Some(items),
            next_token: self.next_token(&page, more, last),
        })
    }
}
