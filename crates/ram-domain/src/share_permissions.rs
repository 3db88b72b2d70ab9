//! Which permission each share grants for each resource type: AssociateResourceSharePermission,
//! DisassociateResourceSharePermission, ListResourceSharePermissions, ListPermissionAssociations,
//! ReplacePermissionAssociations and ListReplacePermissionAssociationsWork.

use ram_access::{Template, parse_stored};
use ram_context::Outcome;
use ram_model::{
    ApiError, AssociateResourceSharePermissionRequest, AssociateResourceSharePermissionResponse,
    AssociatedPermission, DisassociateResourceSharePermissionRequest,
    DisassociateResourceSharePermissionResponse, ListPermissionAssociationsRequest,
    ListPermissionAssociationsResponse, ListReplacePermissionAssociationsWorkRequest,
    ListReplacePermissionAssociationsWorkResponse, ListResourceSharePermissionsRequest,
    ListResourceSharePermissionsResponse, ReplacePermissionAssociationsRequest,
    ReplacePermissionAssociationsResponse, ReplacePermissionAssociationsWork,
    ReplacePermissionAssociationsWorkStatus as WorkStatus, ResourceShareAssociationStatus,
    Timestamp, api_error,
};
use ram_model::{
    ResourceShareAssociationType as AssociationType, ResourceShareStatus as ShareStatus,
};
use ram_store::{
    AssociationFilter, Lifecycle, ReadTx, Scope, ShareFilter, SharePermissionFilter,
    SharePermissionRecord, ShareRecord, WorkRecord, WriteTx, share_permission_key,
};

use crate::arn::Arn;
use crate::idempotency::ClientToken;
use crate::permissions::{PermissionView, VersionView, page_of};
use crate::shares::share_not_found;
use crate::visibility::live_shares;
use crate::{Caller, Ram};

/// The permission version a share grants for one resource type, with its parsed template.
pub(crate) struct Attached {
    pub view: PermissionView,
    pub version: VersionView,
    pub template: Template,
}

/// Why a share grants nothing for a resource type.
pub(crate) enum NotAttached {
    /// No permission is attached for the type.
    NoPermission,
    /// The attached version was deleted (a replacement is under way).
    VersionGone { arn: String, version: i64 },
}

impl Ram {
    /// What the share `share_arn` of `owner` grants for `resource_type`: the attached
    /// permission's version and template, AWS managed or customer managed alike.
    pub(crate) async fn attached_template(
        &self,
        tx: &mut ReadTx,
        owner: &Caller,
        share_arn: &str,
        resource_type: Option<&str>,
        now: i64,
    ) -> Outcome<Result<Attached, NotAttached>> {
        let Some(attached) = tx
            .share_permissions(&[share_arn.to_owned()])
            .await?
            .into_iter()
            .find(|p| Some(p.resource_type.as_str()) == resource_type)
        else {
            return Ok(Err(NotAttached::NoPermission));
        };
        let view = self
            .load_permission(tx, owner, &attached.permission_arn, now)
            .await?;
        let Some(version) = view.version(Some(attached.permission_version)).cloned() else {
            return Ok(Err(NotAttached::VersionGone {
                arn: view.arn,
                version: attached.permission_version,
            }));
        };
        // Templates are validated when stored; one that no longer parses is a fault of ours.
        let template = parse_stored(&version.template).map_err(|_| ApiError::internal())?;
        Ok(Ok(Attached {
            view,
            version,
            template,
        }))
    }

    /// The permissions named by CreateResourceShare's `permissionArns`: attachable, one per
    /// resource type at most, each at its default version.
    pub(crate) async fn requested_permissions(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arns: &[String],
        now: i64,
    ) -> Outcome<Vec<PermissionView>> {
        let mut chosen: Vec<PermissionView> = Vec::new();
        for arn in arns {
            if chosen.iter().any(|p| p.arn == *arn) {
                continue;
            }
            let view = self
                .attachable_permission(tx, caller, arn, None, now)
                .await?;
            if chosen.iter().any(|p| p.resource_type == view.resource_type) {
                return Err(api_error!(
                    InvalidParameterException,
                    "You can associate only one permission with each resource type, and {} has more than one.",
                    view.resource_type
                )
                .into());
            }
            chosen.push(view);
        }
        Ok(chosen)
    }

    /// A permission that can be attached to a share now (only its default version can).
    async fn attachable_permission(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        version: Option<i64>,
        now: i64,
    ) -> Outcome<PermissionView> {
        let view = self.load_permission(tx, caller, arn, now).await?;
        if !view.is_attachable() {
            return Err(api_error!(
                OperationNotPermittedException,
                "The permission {arn} is being deleted and can't be attached."
            )
            .into());
        }
        if let Some(v) = version
            && v != view.default_version
        {
            return Err(api_error!(
                InvalidParameterException,
                "Only the default version ({}) of {arn} can be associated with a resource share, not version {v}.",
                view.default_version
            )
            .into());
        }
        Ok(view)
    }

    pub(crate) async fn attach_permission(
        &self,
        tx: &mut WriteTx,
        share: &ShareRecord,
        view: &PermissionView,
        now: i64,
    ) -> Outcome<()> {
        tx.set_share_permission(&SharePermissionRecord {
            share_arn: share.arn.clone(),
            resource_type: view.resource_type.clone(),
            permission_arn: view.arn.clone(),
            permission_version: view.default_version,
            created_ms: now,
            updated_ms: now,
        })
        .await?;
        Ok(())
    }

    pub(crate) async fn associate_resource_share_permission(
        &self,
        caller: &Caller,
        input: AssociateResourceSharePermissionRequest,
    ) -> Outcome<AssociateResourceSharePermissionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let share_arn = input.resource_share_arn.clone();
        Arn::parse_ram(&share_arn, "resource-share")?;
        let permission_arn = input.permission_arn.clone();
        let now = self.now_ms();
        self.idempotent_write(caller, "AssociateResourceSharePermission", &token, &input, async |tx| {
            let share = self.owned_share(tx, caller, &share_arn, now).await?;
            crate::resource_policies::refuse_policy_share(share.feature_set, &share_arn)?;
            if share.status != ShareStatus::Active {
                return Err(share_not_found(&share_arn).into());
            }
            let view = self
                .attachable_permission(
                    tx,
                    caller,
                    &permission_arn,
                    input.permission_version.map(i64::from),
                    now,
                )
                .await?;
            let attached = tx
                .share_permissions(std::slice::from_ref(&share_arn))
                .await?;
            if let Some(existing) = attached
                .iter()
                .find(|p| p.resource_type == view.resource_type)
                && input.replace != Some(true)
                && !(existing.permission_arn == view.arn
                    && existing.permission_version == view.default_version)
            {
                return Err(api_error!(
                    InvalidParameterException,
                    "The resource share already has the permission {} for resource type {}. Set replace to true to replace it.",
                    existing.permission_arn,
                    view.resource_type
                )
                .into());
            }
            self.attach_permission(tx, &share, &view, now).await?;
            tx.update_share(&share_arn, None, None, now).await?;
            let output = AssociateResourceSharePermissionResponse {
                return_value: Some(true),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn disassociate_resource_share_permission(
        &self,
        caller: &Caller,
        input: DisassociateResourceSharePermissionRequest,
    ) -> Outcome<DisassociateResourceSharePermissionResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let share_arn = input.resource_share_arn.clone();
        Arn::parse_ram(&share_arn, "resource-share")?;
        let permission_arn = input.permission_arn.clone();
        Arn::parse_ram(&permission_arn, "permission")?;
        let now = self.now_ms();
        self.idempotent_write(caller, "DisassociateResourceSharePermission", &token, &input, async |tx| {
            let share = self.owned_share(tx, caller, &share_arn, now).await?;
            crate::resource_policies::refuse_policy_share(share.feature_set, &share_arn)?;
            if share.status != ShareStatus::Active {
                return Err(share_not_found(&share_arn).into());
            }
            let attached = tx
                .share_permissions(std::slice::from_ref(&share_arn))
                .await?;
            let Some(found) = attached.iter().find(|p| p.permission_arn == permission_arn) else {
                return Err(api_error!(
                    UnknownResourceException,
                    "The permission {permission_arn} is not associated with the resource share {share_arn}."
                )
                .into());
            };
            let holding = AssociationFilter {
                association_type: Some(AssociationType::Resource),
                share_arns: vec![share_arn.clone()],
                resource_types: vec![found.resource_type.clone()],
                statuses: crate::visibility::live_associations(),
                ..AssociationFilter::default()
            };
            let scope = Scope::Owner(caller.account_id.clone());
            if !tx
                .list_associations(&scope, &caller.region, &holding, None, 1, now)
                .await?
                .items
                .is_empty()
            {
                return Err(api_error!(
                    InvalidStateTransitionException,
                    "The resource share still holds resources of type {}; remove them before you remove their permission.",
                    found.resource_type
                )
                .into());
            }
            tx.remove_share_permission(
                &share_arn,
                &found.resource_type,
                &found.permission_arn,
                self.now_ms(),
            )
                .await?;
            let output = DisassociateResourceSharePermissionResponse {
                return_value: Some(true),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn list_resource_share_permissions(
        &self,
        caller: &Caller,
        input: ListResourceSharePermissionsRequest,
    ) -> Outcome<ListResourceSharePermissionsResponse> {
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        let page = self.ctx.page_request(
            caller,
            "ListResourceSharePermissions",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        // The owner, and accounts the share is shared with, may see its permissions.
        let visible = match tx.get_share(&arn, now).await? {
            Some(share)
                if share.region == caller.region && share.owner_account == caller.account_id =>
            {
                true
            }
            Some(share) if share.region == caller.region => {
                let only = ShareFilter {
                    arns: vec![arn.clone()],
                    ..ShareFilter::default()
                };
                let receiver =
                    crate::visibility::receiver(self.reach(&mut tx, &caller.account_id).await?);
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
        let owner = Caller {
            account_id: arn_account(&arn),
            ..caller.clone()
        };
        let mut summaries = Vec::new();
        for record in attached {
            let view = self
                .load_permission(&mut tx, &owner, &record.permission_arn, now)
                .await?;
            let Some(version) = view.version(Some(record.permission_version)) else {
                continue;
            };
            let mut summary = view.summary(version);
            // Here `status` is the association's, not the permission's (as on AWS).
            summary.status = Some(
                ResourceShareAssociationStatus::Associated
                    .as_str()
                    .to_owned(),
            );
            summary.last_updated_time = Some(Timestamp(record.updated_ms));
            summaries.push(summary);
        }
        tx.commit().await?;
        let (items, more, last) = page_of(summaries, &page, |s| s.arn.clone().unwrap_or_default());
        Ok(ListResourceSharePermissionsResponse {
            permissions: Some(items),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_permission_associations(
        &self,
        caller: &Caller,
        input: ListPermissionAssociationsRequest,
    ) -> Outcome<ListPermissionAssociationsResponse> {
        if let Some(arn) = &input.permission_arn {
            Arn::parse_ram(arn, "permission")?;
        }
        let resource_type = self.resource_type_filter(input.resource_type.as_deref())?;
        // Attachments are always ASSOCIATED in ramd: any other status filter matches nothing.
        let status_matches = input
            .association_status
            .is_none_or(|s| s == ResourceShareAssociationStatus::Associated);
        let page = self.ctx.page_request(
            caller,
            "ListPermissionAssociations",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let filter = SharePermissionFilter {
            permission_arn: input.permission_arn.clone(),
            permission_version: input.permission_version.map(i64::from),
            resource_type,
            share_statuses: live_shares(),
        };
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let mut after = page.after.clone();
        let mut items = Vec::new();
        let mut more = status_matches;
        // Post-filters (feature set, default version) may drop rows: keep reading until the page is full.
        while more && items.len() < page.limit {
            let batch = tx
                .list_share_permissions(
                    &caller.account_id,
                    &caller.region,
                    &filter,
                    after.as_ref(),
                    page.limit,
                    now,
                )
                .await?;
            more = batch.more;
            for record in batch.items {
                after = Some((record.created_ms, share_permission_key(&record)));
                let view = self
                    .load_permission(&mut tx, caller, &record.permission_arn, now)
                    .await?;
                let on_default = record.permission_version == view.default_version;
                // `defaultVersion=false` is the default: associations on any version.
                if (input.default_version == Some(true) && !on_default)
                    || input.feature_set.is_some_and(|f| f != view.feature_set)
                {
                    continue;
                }
                items.push(AssociatedPermission {
                    arn: Some(record.permission_arn.clone()),
                    permission_version: Some(record.permission_version.to_string()),
                    default_version: Some(on_default),
                    resource_type: Some(record.resource_type.clone()),
                    status: Some(
                        ResourceShareAssociationStatus::Associated
                            .as_str()
                            .to_owned(),
                    ),
                    feature_set: Some(view.feature_set),
                    last_updated_time: Some(Timestamp(record.updated_ms)),
                    resource_share_arn: Some(record.share_arn.clone()),
                });
                if items.len() == page.limit {
                    break;
                }
            }
        }
        tx.commit().await?;
        Ok(ListPermissionAssociationsResponse {
            permissions: Some(items),
            next_token: self.ctx.next_token(&page, more, after),
        })
    }

    pub(crate) async fn replace_permission_associations(
        &self,
        caller: &Caller,
        input: ReplacePermissionAssociationsRequest,
    ) -> Outcome<ReplacePermissionAssociationsResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let from_arn = input.from_permission_arn.clone();
        let to_arn = input.to_permission_arn.clone();
        let now = self.now_ms();
        self.idempotent_write(
            caller,
            "ReplacePermissionAssociations",
            &token,
            &input,
            async |tx| {
                let from = self.load_permission(tx, caller, &from_arn, now).await?;
                let to = self
                    .attachable_permission(tx, caller, &to_arn, None, now)
                    .await?;
                if from.resource_type != to.resource_type {
                    return Err(api_error!(
                    InvalidParameterException,
                    "The permissions must be for the same resource type: {} is for {}, {} for {}.",
                    from.arn,
                    from.resource_type,
                    to.arn,
                    to.resource_type
                )
                .into());
                }
                let from_version = input.from_permission_version.map(i64::from);
                if let Some(v) = from_version
                    && from.version(Some(v)).is_none()
                {
                    return Err(api_error!(
                        InvalidParameterException,
                        "Permission {from_arn} has no version {v}."
                    )
                    .into());
                }
                tx.replace_share_permissions(
                    &caller.account_id,
                    &caller.region,
                    &live_shares(),
                    &from.arn,
                    from_version,
                    &to.arn,
                    to.default_version,
                    now,
                )
                .await?;
                let work = WorkRecord {
                    id: self.ctx.uuid(),
                    account_id: caller.account_id.clone(),
                    region: caller.region.clone(),
                    from_arn: from.arn.clone(),
                    from_version,
                    to_arn: to.arn.clone(),
                    to_version: to.default_version,
                    status: WorkStatus::InProgress,
                    status_message: None,
                    created_ms: now,
                    updated_ms: now,
                };
                // The shares move in this transaction; the work item reports IN_PROGRESS until the
                // association delay has passed, as RAM's asynchronous work does.
                let settle = now + self.config.association_delay_ms.max(1);
                tx.insert_work(
                    &work,
                    &Lifecycle::until(WorkStatus::InProgress, settle, WorkStatus::Completed, now),
                )
                .await?;
                let output = ReplacePermissionAssociationsResponse {
                    replace_permission_associations_work: Some(render_work(&work)),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }

    pub(crate) async fn list_replace_permission_associations_work(
        &self,
        caller: &Caller,
        input: ListReplacePermissionAssociationsWorkRequest,
    ) -> Outcome<ListReplacePermissionAssociationsWorkResponse> {
        let page = self.ctx.page_request(
            caller,
            "ListReplacePermissionAssociationsWork",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let ids = input.work_ids.clone().unwrap_or_default();
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let result = tx
            .list_works(
                &caller.account_id,
                &caller.region,
                &ids,
                input.status,
                page.after.as_ref(),
                page.limit,
                now,
            )
            .await?;
        tx.commit().await?;
        let last = result.items.last().map(|w| (w.created_ms, w.id.clone()));
        Ok(ListReplacePermissionAssociationsWorkResponse {
            replace_permission_associations_works: Some(
                result.items.iter().map(render_work).collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }
}

fn arn_account(arn: &str) -> String {
    Arn::parse(arn).map(|a| a.account).unwrap_or_default()
}

fn render_work(w: &WorkRecord) -> ReplacePermissionAssociationsWork {
    ReplacePermissionAssociationsWork {
        id: Some(w.id.clone()),
        from_permission_arn: Some(w.from_arn.clone()),
        from_permission_version: w.from_version.map(|v| v.to_string()),
        to_permission_arn: Some(w.to_arn.clone()),
        to_permission_version: Some(w.to_version.to_string()),
        status: Some(w.status),
        status_message: w.status_message.clone(),
        creation_time: Some(Timestamp(w.created_ms)),
        last_updated_time: Some(Timestamp(w.updated_ms)),
    }
}
