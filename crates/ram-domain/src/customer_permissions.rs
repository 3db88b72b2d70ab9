//! Customer managed permissions: CreatePermission, CreatePermissionVersion,
//! SetDefaultPermissionVersion, DeletePermissionVersion, DeletePermission.

use ram_access::{TemplateError, parse_template};
use ram_context::Outcome;
use ram_model::{
    ApiError, CreatePermissionRequest, CreatePermissionResponse, CreatePermissionVersionRequest,
    CreatePermissionVersionResponse, DeletePermissionRequest, DeletePermissionResponse,
    DeletePermissionVersionRequest, DeletePermissionVersionResponse, PermissionFeatureSet,
    PermissionStatus, SetDefaultPermissionVersionRequest, SetDefaultPermissionVersionResponse,
    api_error,
};
use ram_store::{Lifecycle, NewPermission, PermissionRecord, ReadTx};

use crate::catalog::ResourceTypeInfo;
use crate::idempotency::ClientToken;
use crate::permissions::{DELETED_RETENTION_MS, PermissionView};
use crate::tags::validate_tags;
use crate::visibility::live_shares;
use crate::{Caller, Ram};

/// Customer managed permissions per account and Region, and per resource type (spec section 9).
const MAX_PERMISSIONS: usize = 1500;
const MAX_PERMISSIONS_PER_TYPE: usize = 10;
const MAX_VERSIONS: usize = 5;

/// Checks a policy template for a resource type, with RAM's two error codes.
/// Checks a policy template for a resource type, with RAM's two error codes.
pub(crate) fn check_template(template: &str, info: &ResourceTypeInfo) -> Result<(), ApiError> {
    match parse_template(template, &info.arn.service) {
        Ok(_) => Ok(()),
        Err(TemplateError::Malformed(m)) => {
            Err(api_error!(MalformedPolicyTemplateException, "{m}"))
        }
        Err(TemplateError::Invalid(m)) => Err(api_error!(InvalidPolicyException, "{m}")),
    }
}

impl Ram {
    /// The caller's permissions in its Region that still exist (not deleting or deleted).
    async fn live_permissions(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        now: i64,
    ) -> Outcome<Vec<PermissionRecord>> {
        let all = self.own_permission_records(tx, caller, now).await?;
        Ok(all
            .into_iter()
            .filter(|p| {
                p.status != PermissionStatus::Deleting && p.status != PermissionStatus::Deleted
            })
            .collect())
    }

    /// The caller's own permission in a state that can still change.
    async fn changeable_permission(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        now: i64,
    ) -> Outcome<PermissionView> {
        let view = self.own_permission(tx, caller, arn, now).await?;
        if view.status == PermissionStatus::Deleting || view.status == PermissionStatus::Deleted {
            return Err(api_error!(
                UnknownResourceException,
                "Permission {arn} could not be found."
            )
            .into());
        }
        Ok(view)
    }

    pub(crate) async fn create_permission(
        &self,
        caller: &Caller,
        input: CreatePermissionRequest,
    ) -> Outcome<CreatePermissionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let name = input.name.clone();
        let requested_type = input.resource_type.clone();
        let info = self.catalog.get(&requested_type).ok_or_else(|| {
            api_error!(
                InvalidParameterException,
                "The resource type {requested_type} is not valid."
            )
        })?;
        if !info.customer_managed_permissions {
            return Err(api_error!(
                InvalidParameterException,
                "The resource type {} does not support customer managed permissions.",
                info.resource_type
            )
            .into());
        }
        check_template(&input.policy_template, info)?;
        let tags = validate_tags(
            input.tags.as_deref().unwrap_or_default(),
            self.config.quotas.tags_per_resource,
        )?;
        let now = self.now_ms();
        self.idempotent_write(caller, "CreatePermission", &token, &input, async |tx| {
            let arn = format!(
                "arn:{}:ram:{}:{}:permission/{name}",
                caller.partition, caller.region, caller.account_id
            );
            if tx.get_permission(&arn, now).await?.is_some() {
                return Err(api_error!(
                    PermissionAlreadyExistsException,
                    "A permission with the name {name} already exists in this Region."
                )
                .into());
            }
            let live = self.live_permissions(tx, caller, now).await?;
            if live.len() >= MAX_PERMISSIONS
                || live
                    .iter()
                    .filter(|p| p.resource_type == info.resource_type)
                    .count()
                    >= MAX_PERMISSIONS_PER_TYPE
            {
                return Err(api_error!(
                    PermissionLimitExceededException,
                    "You have reached the limit of {MAX_PERMISSIONS} customer managed permissions, or {MAX_PERMISSIONS_PER_TYPE} for resource type {}.",
                    info.resource_type
                )
                .into());
            }
            // A permission deleted long enough ago to have disappeared frees its name.
            tx.purge_permission(&arn).await?;
            tx.insert_permission(
                &NewPermission {
                    arn: arn.clone(),
                    account_id: caller.account_id.clone(),
                    region: caller.region.clone(),
                    name,
                    resource_type: info.resource_type.clone(),
                    feature_set: PermissionFeatureSet::Standard,
                    status: PermissionStatus::Attachable,
                    now_ms: now,
                },
                &input.policy_template,
            )
            .await?;
            tx.put_permission_tags(&arn, &tags).await?;
            let view = self.load_permission(tx, caller, &arn, now).await?;
            let output = CreatePermissionResponse {
                permission: Some(view.summary(view.default())),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn create_permission_version(
        &self,
        caller: &Caller,
        input: CreatePermissionVersionRequest,
    ) -> Outcome<CreatePermissionVersionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.permission_arn.clone();
        let template = input.policy_template.clone();
        let now = self.now_ms();
        self.idempotent_write(caller, "CreatePermissionVersion", &token, &input, async |tx| {
            let view = self
                .changeable_permission(tx, caller, &arn, now)
                .await?;
            let info = self
                .catalog
                .get(&view.resource_type)
                .ok_or_else(ApiError::internal)?;
            check_template(&template, info)?;
            let live_versions = view
                .versions
                .iter()
                .filter(|v| v.deleted_ms.is_none())
                .count();
            if live_versions >= MAX_VERSIONS {
                return Err(api_error!(
                    PermissionVersionsLimitExceededException,
                    "The permission {arn} already has {MAX_VERSIONS} versions. Delete one before you create another."
                )
                .into());
            }
            let version = view.versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
            tx.insert_permission_version(&arn, version, &template, now)
                .await?;
            tx.set_default_permission_version(&arn, version, now)
                .await?;
            let view = self.load_permission(tx, caller, &arn, now).await?;
            let output = CreatePermissionVersionResponse {
                permission: Some(view.detail(view.default())),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn set_default_permission_version(
        &self,
        caller: &Caller,
        input: SetDefaultPermissionVersionRequest,
    ) -> Outcome<SetDefaultPermissionVersionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.permission_arn.clone();
        let version = i64::from(input.permission_version);
        let now = self.now_ms();
        self.idempotent_write(
            caller,
            "SetDefaultPermissionVersion",
            &token,
            &input,
            async |tx| {
                let view = self.changeable_permission(tx, caller, &arn, now).await?;
                if view
                    .versions
                    .iter()
                    .all(|v| v.version != version || v.deleted_ms.is_some())
                {
                    return Err(api_error!(
                        InvalidParameterException,
                        "Permission {arn} has no version {version}."
                    )
                    .into());
                }
                tx.set_default_permission_version(&arn, version, now)
                    .await?;
                let output = SetDefaultPermissionVersionResponse {
                    return_value: Some(true),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }

    pub(crate) async fn delete_permission_version(
        &self,
        caller: &Caller,
        input: DeletePermissionVersionRequest,
    ) -> Outcome<DeletePermissionVersionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.permission_arn.clone();
        let version = i64::from(input.permission_version);
        let now = self.now_ms();
        self.idempotent_write(caller, "DeletePermissionVersion", &token, &input, async |tx| {
            let view = self
                .changeable_permission(tx, caller, &arn, now)
                .await?;
            if view
                .versions
                .iter()
                .all(|v| v.version != version || v.deleted_ms.is_some())
            {
                return Err(api_error!(
                    InvalidParameterException,
                    "Permission {arn} has no version {version}."
                )
                .into());
            }
            if version == view.default_version {
                return Err(api_error!(
                    OperationNotPermittedException,
                    "You can't delete the default version of a permission. Make another version the default first."
                )
                .into());
            }
            if tx
                .count_permission_attachments(&arn, Some(version), &live_shares(), now)
                .await?
                > 0
            {
                return Err(api_error!(
                    OperationNotPermittedException,
                    "Version {version} of {arn} is associated with resource shares. Replace it before you delete it."
                )
                .into());
            }
            tx.delete_permission_version(&arn, version, now).await?;
            let output = DeletePermissionVersionResponse {
                return_value: Some(true),
                client_token: token.echo(),
                permission_status: Some(PermissionStatus::Deleted),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn delete_permission(
        &self,
        caller: &Caller,
        input: DeletePermissionRequest,
    ) -> Outcome<DeletePermissionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.permission_arn.clone();
        let now = self.now_ms();
        self.idempotent_write(caller, "DeletePermission", &token, &input, async |tx| {
            self.changeable_permission(tx, caller, &arn, now)
                .await?;
            if tx
                .count_permission_attachments(&arn, None, &live_shares(), now)
                .await?
                > 0
            {
                return Err(api_error!(
                    OperationNotPermittedException,
                    "The permission {arn} is associated with resource shares. Replace it before you delete it."
                )
                .into());
            }
            let settle = now + self.config.association_delay_ms;
            let lifecycle = Lifecycle::until(
                PermissionStatus::Deleting,
                settle,
                PermissionStatus::Deleted,
                now,
            );
            tx.set_permission_lifecycle(&arn, &lifecycle, Some(settle + DELETED_RETENTION_MS), now)
                .await?;
            let output = DeletePermissionResponse {
                return_value: Some(true),
                client_token: token.echo(),
                permission_status: Some(PermissionStatus::Deleting),
            };
            Ok(output)
        })
        .await
    }
}
