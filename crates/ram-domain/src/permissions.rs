//! Managed permissions as RAM shows them, whoever defines them: AWS managed ones from the
//! catalogue (`data/resource-types.json`), customer managed ones (and those created from resource
//! policies) from the store. Read operations: ListResourceTypes, ListPermissions, GetPermission,
//! ListPermissionVersions.

use ram_context::{Outcome, PageRequest};
use ram_model::{
    ApiError, GetPermissionRequest, GetPermissionResponse, ListPermissionVersionsRequest,
    ListPermissionVersionsResponse, ListPermissionsRequest, ListPermissionsResponse,
    ListResourceTypesRequest, ListResourceTypesResponse, PermissionFeatureSet, PermissionStatus,
    PermissionType, PermissionTypeFilter, ResourceRegionScope, ResourceRegionScopeFilter,
    ResourceSharePermissionDetail, ResourceSharePermissionSummary, ServiceNameAndResourceType, Tag,
    Timestamp, api_error,
};
use ram_store::{PermissionRecord, ReadTx};
use serde_json::json;

use crate::arn::Arn;
use crate::catalog::{ManagedPermission, ResourceTypeInfo};
use crate::tags::tags_by_permission;
use crate::{Caller, Ram};

/// How long deleted permissions and versions stay listed (two hours, as on AWS).
pub(crate) const DELETED_RETENTION_MS: i64 = 2 * 3600 * 1000;

/// One version of a permission.
#[derive(Debug, Clone)]
pub(crate) struct VersionView {
    pub version: i64,
    pub template: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub deleted_ms: Option<i64>,
}

/// A permission with all its versions, as every permission operation sees it.
#[derive(Debug, Clone)]
pub(crate) struct PermissionView {
    pub arn: String,
    pub name: String,
    pub resource_type: String,
    pub aws_managed: bool,
    pub feature_set: PermissionFeatureSet,
    pub is_resource_type_default: bool,
    pub default_version: i64,
    /// ATTACHABLE, DELETING or DELETED: the permission's own status.
    pub status: PermissionStatus,
    pub updated_ms: i64,
    pub versions: Vec<VersionView>,
    pub tags: Vec<Tag>,
}

/// The policy template of an AWS managed permission: the statement its principals get.
pub(crate) fn managed_template(p: &ManagedPermission) -> String {
    let mut statement = json!({"Effect": "Allow", "Action": p.actions});
    if let Some(c) = &p.conditions {
        statement["Condition"] = c.clone();
    }
    statement.to_string()
}

fn creation_ms(p: &ManagedPermission) -> i64 {
    let parsed = time::OffsetDateTime::parse(
        &p.creation_time,
        &time::format_description::well_known::Rfc3339,
    );
    i64::try_from(parsed.map_or(0, |t| t.unix_timestamp_nanos() / 1_000_000)).unwrap_or(0)
}

impl PermissionView {
    pub fn managed(partition: &str, t: &ResourceTypeInfo, p: &ManagedPermission) -> PermissionView {
        let created = creation_ms(p);
        PermissionView {
            arn: format!("arn:{partition}:ram::aws:permission/{}", p.name),
            name: p.name.clone(),
            resource_type: t.resource_type.clone(),
            aws_managed: true,
            feature_set: PermissionFeatureSet::Standard,
            is_resource_type_default: p.is_resource_type_default,
            default_version: p.version,
            status: PermissionStatus::Attachable,
            updated_ms: created,
            versions: vec![VersionView {
                version: p.version,
                template: managed_template(p),
                created_ms: created,
                updated_ms: created,
                deleted_ms: None,
            }],
            tags: Vec::new(),
        }
    }

    pub fn version(&self, version: Option<i64>) -> Option<&VersionView> {
        let wanted = version.unwrap_or(self.default_version);
        self.versions.iter().find(|v| v.version == wanted)
    }

    pub fn default(&self) -> &VersionView {
        self.version(None)
            .expect("a permission has its default version")
    }

    /// The status of one version: the permission's own while it is being deleted; otherwise
    /// only the default version can be attached.
    fn version_status(&self, v: &VersionView) -> PermissionStatus {
        if self.status == PermissionStatus::Deleted || v.deleted_ms.is_some() {
            PermissionStatus::Deleted
        } else if self.status == PermissionStatus::Deleting {
            PermissionStatus::Deleting
        } else if v.version == self.default_version {
            PermissionStatus::Attachable
        } else {
            PermissionStatus::Unattachable
        }
    }

    pub fn is_attachable(&self) -> bool {
        self.status == PermissionStatus::Attachable
    }

    pub fn summary(&self, v: &VersionView) -> ResourceSharePermissionSummary {
        ResourceSharePermissionSummary {
            arn: Some(self.arn.clone()),
            version: Some(v.version.to_string()),
            default_version: Some(v.version == self.default_version),
            name: Some(self.name.clone()),
            resource_type: Some(self.resource_type.clone()),
            status: Some(self.version_status(v).as_str().to_owned()),
            creation_time: Some(Timestamp(v.created_ms)),
            last_updated_time: Some(Timestamp(v.updated_ms.max(self.updated_ms))),
            is_resource_type_default: Some(self.is_resource_type_default),
            permission_type: Some(if self.aws_managed {
                PermissionType::AwsManaged
            } else {
                PermissionType::CustomerManaged
            }),
            feature_set: Some(self.feature_set),
            tags: (!self.tags.is_empty()).then(|| self.tags.clone()),
        }
    }

    pub fn detail(&self, v: &VersionView) -> ResourceSharePermissionDetail {
        let s = self.summary(v);
        ResourceSharePermissionDetail {
            arn: s.arn,
            version: s.version,
            default_version: s.default_version,
            name: s.name,
            resource_type: s.resource_type,
            permission: Some(v.template.clone()),
            creation_time: s.creation_time,
            last_updated_time: s.last_updated_time,
            is_resource_type_default: s.is_resource_type_default,
            permission_type: s.permission_type,
            feature_set: s.feature_set,
            status: Some(self.version_status(v)),
            tags: s.tags,
        }
    }
}

/// Keyset pagination over an in-memory list sorted by `key`.
pub(crate) fn page_of<T>(
    items: Vec<T>,
    page: &PageRequest<'_>,
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

pub(crate) fn permission_not_found(arn: &str) -> ApiError {
    api_error!(
        UnknownResourceException,
        "Permission {arn} could not be found."
    )
}

impl Ram {
    /// Every AWS managed permission, sorted by ARN.
    fn managed_permissions(&self, partition: &str) -> Vec<PermissionView> {
        let mut all: Vec<PermissionView> = self
            .catalog
            .types()
            .iter()
            .flat_map(|t| {
                t.permissions
                    .iter()
                    .map(move |p| PermissionView::managed(partition, t, p))
            })
            .collect();
        all.sort_by(|a, b| a.arn.cmp(&b.arn));
        all
    }

    /// Every permission the caller's account owns in its Region, by ARN (a few thousand at most:
    /// quotas bound them).
    pub(crate) async fn own_permission_records(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        now: i64,
    ) -> Outcome<Vec<PermissionRecord>> {
        let page = tx
            .list_permissions(
                &caller.account_id,
                &caller.region,
                None,
                usize::MAX >> 1,
                now,
            )
            .await?;
        Ok(page.items)
    }

    /// A stored permission with its versions (deleted ones while they are still listed) and tags.
    pub(crate) async fn stored_permission(
        &self,
        tx: &mut ReadTx,
        record: PermissionRecord,
    ) -> Outcome<PermissionView> {
        let now = self.now_ms();
        let mut versions = tx.permission_versions(&record.arn).await?;
        versions.retain(|v| v.deleted_ms.is_none_or(|d| d + DELETED_RETENTION_MS > now));
        let mut tags = tags_by_permission(tx, std::slice::from_ref(&record.arn)).await?;
        Ok(PermissionView {
            tags: tags.remove(&record.arn).unwrap_or_default(),
            arn: record.arn,
            name: record.name,
            resource_type: record.resource_type,
            aws_managed: false,
            feature_set: record.feature_set,
            is_resource_type_default: false,
            default_version: record.default_version,
            status: record.status,
            updated_ms: record.updated_ms,
            versions: versions
                .into_iter()
                .map(|v| VersionView {
                    version: v.version,
                    template: v.template,
                    created_ms: v.created_ms,
                    updated_ms: v.updated_ms,
                    deleted_ms: v.deleted_ms,
                })
                .collect(),
        })
    }

    /// The permission an ARN names as the caller may see it: an AWS managed one, or one of the
    /// caller's own in its Region; anything else is `UnknownResourceException`.
    pub(crate) async fn load_permission(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        now: i64,
    ) -> Outcome<PermissionView> {
        let parsed = Arn::parse_ram(arn, "permission")?;
        if parsed.account == "aws" && parsed.region.is_empty() {
            let name = parsed.resource_id();
            let found = self.catalog.types().iter().find_map(|t| {
                t.permissions
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| PermissionView::managed(&parsed.partition, t, p))
            });
            return found.ok_or_else(|| permission_not_found(arn).into());
        }
        if parsed.account != caller.account_id || parsed.region != caller.region {
            return Err(permission_not_found(arn).into());
        }
        match tx.get_permission(arn, now).await? {
            Some(record) => self.stored_permission(tx, record).await,
            None => Err(permission_not_found(arn).into()),
        }
    }

    /// The caller's own permission, for the operations that change one.
    pub(crate) async fn own_permission(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        now: i64,
    ) -> Outcome<PermissionView> {
        let view = self.load_permission(tx, caller, arn, now).await?;
        if view.aws_managed {
            return Err(api_error!(
                OperationNotPermittedException,
                "{arn} is an AWS managed permission; only customer managed permissions can be changed."
            )
            .into());
        }
        Ok(view)
    }

    #[allow(clippy::unused_async)] // served from the catalogue alone
    pub(crate) async fn list_resource_types(
        &self,
        caller: &Caller,
        input: ListResourceTypesRequest,
    ) -> Outcome<ListResourceTypesResponse> {
        let page = self.ctx.page_request(
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
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_permissions(
        &self,
        caller: &Caller,
        input: ListPermissionsRequest,
    ) -> Outcome<ListPermissionsResponse> {
        let page = self.ctx.page_request(
            caller,
            "ListPermissions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let wanted_type = self.resource_type_filter(input.resource_type.as_deref())?;
        let kind = input.permission_type.unwrap_or(PermissionTypeFilter::All);
        let mut all = Vec::new();
        if kind != PermissionTypeFilter::CustomerManaged {
            all.extend(self.managed_permissions(&caller.partition));
        }
        if kind != PermissionTypeFilter::AwsManaged {
            let now = self.now_ms();
            let mut tx = self.store().read().await?;
            let records = self.own_permission_records(&mut tx, caller, now).await?;
            for record in records {
                all.push(self.stored_permission(&mut tx, record).await?);
            }
            tx.commit().await?;
        }
        all.retain(|p| wanted_type.as_ref().is_none_or(|t| *t == p.resource_type));
        all.sort_by(|a, b| a.arn.cmp(&b.arn));
        let (items, more, last) = page_of(all, &page, |p| p.arn.clone());
        Ok(ListPermissionsResponse {
            permissions: Some(items.iter().map(|p| p.summary(p.default())).collect()),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn get_permission(
        &self,
        caller: &Caller,
        input: GetPermissionRequest,
    ) -> Outcome<GetPermissionResponse> {
        let arn = input.permission_arn.clone();
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let view = self.load_permission(&mut tx, caller, &arn, now).await?;
        tx.commit().await?;
        let version = input.permission_version.map(i64::from);
        let v = view.version(version).ok_or_else(|| {
            api_error!(
                InvalidParameterException,
                "Permission {arn} has no version {}.",
                version.unwrap_or_default()
            )
        })?;
        Ok(GetPermissionResponse {
            permission: Some(view.detail(v)),
        })
    }

    pub(crate) async fn list_permission_versions(
        &self,
        caller: &Caller,
        input: ListPermissionVersionsRequest,
    ) -> Outcome<ListPermissionVersionsResponse> {
        let arn = input.permission_arn.clone();
        let page = self.ctx.page_request(
            caller,
            "ListPermissionVersions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let view = self.load_permission(&mut tx, caller, &arn, now).await?;
        tx.commit().await?;
        let (items, more, last) = page_of(view.versions.clone(), &page, |v| {
            format!("{:010}", v.version)
        });
        Ok(ListPermissionVersionsResponse {
            permissions: Some(items.iter().map(|v| view.summary(v)).collect()),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }
}
