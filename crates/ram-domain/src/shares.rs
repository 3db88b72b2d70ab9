//! Resource shares: CreateResourceShare, GetResourceShares, UpdateResourceShare, DeleteResourceShare.

use ram_context::Outcome;
use ram_model::{
    ApiError, CreateResourceShareRequest, CreateResourceShareResponse, DeleteResourceShareRequest,
    DeleteResourceShareResponse, GetResourceSharesRequest, GetResourceSharesResponse,
    ResourceOwner, ResourceShare, ResourceShareFeatureSet, UpdateResourceShareRequest,
    UpdateResourceShareResponse, api_error,
};
use ram_model::{
    ResourceShareAssociationType as AssociationType, ResourceShareStatus as ShareStatus,
};
use ram_store::{
    AssociationFilter, Lifecycle, NewShare, ReadTx, Scope, ShareFilter, ShareRecord, States,
};

use crate::arn::Arn;
use crate::idempotency::ClientToken;
use crate::tags::{tags_by_share, validate_tags};
use crate::visibility::live_shares;
use crate::{Caller, Ram, render};

pub(crate) fn share_not_found(arn: &str) -> ApiError {
    api_error!(
        UnknownResourceException,
        "ResourceShare {arn} could not be found."
    )
}

/// Share names: the model leaves them unconstrained; AWS refuses some characters with the text
/// below. ramd takes 1-255 characters of ASCII letters, digits, spaces, periods, dashes and
/// underscores (docs/compatibility.md says why underscores pass).
fn validate_share_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 255 {
        return Err(api_error!(
            InvalidParameterException,
            "The resource share name must be between 1 and 255 characters long."
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_'))
    {
        return Err(api_error!(
            InvalidParameterException,
            "Resource share name can contain only alphabetic characters, numbers, spaces, periods, and dashes."
        ));
    }
    Ok(())
}

/// A share as Create and UpdateResourceShare answer it: AWS leaves `featureSet` out there (only
/// GetResourceShares carries it).
fn answered(share: ResourceShare) -> ResourceShare {
    ResourceShare {
        feature_set: None,
        ..share
    }
}

impl Ram {
    pub(crate) async fn create_resource_share(
        &self,
        caller: &Caller,
        input: CreateResourceShareRequest,
    ) -> Outcome<CreateResourceShareResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let name = input.name.clone();
        validate_share_name(&name)?;
        let tags = validate_tags(
            input.tags.as_deref().unwrap_or_default(),
            self.config.quotas.tags_per_resource,
        )?;
        let plan = self.plan_entities(
            caller,
            input.resource_arns.as_deref().unwrap_or_default(),
            input.principals.as_deref().unwrap_or_default(),
            input.sources.as_deref().unwrap_or_default(),
        )?;

        let now = self.now_ms();
        self.idempotent_write(caller, "CreateResourceShare", &token, &input, async |tx| {
            if tx
                .count_shares(&caller.account_id, &caller.region, &live_shares(), now)
                .await?
                >= self.config.quotas.resource_shares
            {
                return Err(api_error!(
                    ResourceShareLimitExceededException,
                    "You have reached the limit on the number of resource shares you can create."
                )
                .into());
            }
            let arn = format!(
                "arn:{}:ram:{}:{}:resource-share/{}",
                caller.partition,
                caller.region,
                caller.account_id,
                self.ctx.uuid()
            );
            tx.insert_share(&NewShare {
                arn: arn.clone(),
                owner_account: caller.account_id.clone(),
                region: caller.region.clone(),
                name,
                allow_external: input.allow_external_principals.unwrap_or(true),
                feature_set: ResourceShareFeatureSet::Standard,
                retain_on_leave: input
                    .resource_share_configuration
                    .as_ref()
                    .and_then(|c| c.retain_sharing_on_account_leave_organization),
                lifecycle: Lifecycle::now(ShareStatus::Active),
                created_ms: now,
            })
            .await?;
            tx.put_share_tags(&arn, &tags).await?;
            let share = tx
                .get_share(&arn, now)
                .await?
                .ok_or_else(ApiError::internal)?;
            let permission_arns = input.permission_arns.as_deref().unwrap_or_default();
            for permission in self
                .requested_permissions(tx, caller, permission_arns, now)
                .await?
            {
                self.attach_permission(tx, &share, &permission, now).await?;
            }
            self.add_entities(tx, caller, &share, &plan, now).await?;
            let output = CreateResourceShareResponse {
                resource_share: Some(answered(self.render_share(tx, &share).await?)),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn get_resource_shares(
        &self,
        caller: &Caller,
        input: GetResourceSharesRequest,
    ) -> Outcome<GetResourceSharesResponse> {
        let owner = input.resource_owner;
        let tag_filters = input.tag_filters.clone().unwrap_or_default();
        if owner == ResourceOwner::OtherAccounts && !tag_filters.is_empty() {
            return Err(api_error!(
                InvalidParameterException,
                "You cannot use resourceOwner set to OTHER-ACCOUNTS and tagFilters in one request. Specify one parameter and try again."
            )
            .into());
        }
        let arns = input.resource_share_arns.clone().unwrap_or_default();
        for arn in &arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        let permission = match &input.permission_arn {
            Some(p) => {
                Arn::parse_ram(p, "permission")?;
                Some((p.clone(), input.permission_version.map(i64::from)))
            }
            None => None,
        };
        let mut tag_filter_list = Vec::new();
        for f in &tag_filters {
            let key = f.tag_key.clone().unwrap_or_default();
            if key.is_empty() {
                return Err(api_error!(
                    InvalidParameterException,
                    "A tag filter must have a tag key."
                )
                .into());
            }
            tag_filter_list.push((key, f.tag_values.clone().unwrap_or_default()));
        }
        let filter = ShareFilter {
            arns: arns.clone(),
            statuses: input
                .resource_share_status
                .map_or(States::Any, |s| States::only(&[s])),
            name: input.name.clone(),
            tag_filters: tag_filter_list,
            permission,
        };
        let page = self.ctx.page_request(
            caller,
            "GetResourceShares",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let scope = match owner {
            ResourceOwner::Self_ => Scope::Owner(caller.account_id.clone()),
            ResourceOwner::OtherAccounts => {
                crate::visibility::receiver(self.reach(&mut tx, &caller.account_id).await?)
            }
        };
        // An explicit ARN the caller cannot see is an error, not an empty answer (as on AWS).
        for arn in &arns {
            let only = ShareFilter {
                arns: vec![arn.clone()],
                ..ShareFilter::default()
            };
            if tx
                .list_shares(&scope, &caller.region, &only, None, 1, now)
                .await?
                .items
                .is_empty()
            {
                return Err(share_not_found(arn).into());
            }
        }
        let result = tx
            .list_shares(
                &scope,
                &caller.region,
                &filter,
                page.after.as_ref(),
                page.limit,
                now,
            )
            .await?;
        let arns: Vec<String> = result.items.iter().map(|s| s.arn.clone()).collect();
        let mut tags = tags_by_share(&mut tx, &arns).await?;
        tx.commit().await?;
        let last = result.items.last().map(|s| (s.created_ms, s.arn.clone()));
        Ok(GetResourceSharesResponse {
            resource_shares: Some(
                result
                    .items
                    .iter()
                    .map(|s| render::share(s, tags.remove(&s.arn).unwrap_or_default()))
                    .collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }

    pub(crate) async fn update_resource_share(
        &self,
        caller: &Caller,
        input: UpdateResourceShareRequest,
    ) -> Outcome<UpdateResourceShareResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        if let Some(name) = &input.name {
            validate_share_name(name)?;
        }
        let now = self.now_ms();
        self.idempotent_write(caller, "UpdateResourceShare", &token, &input, async |tx| {
            let share = self.owned_share(tx, caller, &arn, now).await?;
            crate::resource_policies::refuse_policy_share(share.feature_set, &arn)?;
            if share.status == ShareStatus::Deleted || share.status == ShareStatus::Deleting {
                return Err(share_not_found(&arn).into());
            }
            // Checked even when the share already disallows them: an account that left the
            // owner's organization stays a principal, now an external one.
            if input.allow_external_principals == Some(false) {
                let external = AssociationFilter {
                    association_type: Some(AssociationType::Principal),
                    share_arns: vec![arn.clone()],
                    statuses: crate::visibility::live_associations(),
                    ..AssociationFilter::default()
                };
                let live = tx
                    .list_associations(
                        &Scope::Owner(caller.account_id.clone()),
                        &caller.region,
                        &external,
                        None,
                        usize::MAX >> 1,
                        now,
                    )
                    .await?;
                if live.items.iter().any(|a| a.external) {
                    return Err(api_error!(
                        InvalidParameterException,
                        "The resource share {arn} has external principals. Remove them before you disallow external principals."
                    )
                    .into());
                }
            }
            tx.update_share(
                &arn,
                input.name.as_deref(),
                input.allow_external_principals,
                now,
            )
            .await?;
            let share = tx
                .get_share(&arn, now)
                .await?
                .ok_or_else(ApiError::internal)?;
            let output = UpdateResourceShareResponse {
                resource_share: Some(answered(self.render_share(tx, &share).await?)),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    pub(crate) async fn delete_resource_share(
        &self,
        caller: &Caller,
        input: DeleteResourceShareRequest,
    ) -> Outcome<DeleteResourceShareResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        let now = self.now_ms();
        self.idempotent_write(caller, "DeleteResourceShare", &token, &input, async |tx| {
            let share = self.owned_share(tx, caller, &arn, now).await?;
            crate::resource_policies::refuse_policy_share(share.feature_set, &arn)?;
            if share.status == ShareStatus::Deleted || share.status == ShareStatus::Deleting {
                return Err(share_not_found(&arn).into());
            }
            self.end_all_associations(tx, &share, now).await?;
            let settle = now + self.config.association_delay_ms;
            let retention = settle + self.config.deleted_share_retention_seconds * 1000;
            tx.set_share_lifecycle(
                &arn,
                &Lifecycle::until(ShareStatus::Deleting, settle, ShareStatus::Deleted, now),
                Some(retention),
                now,
            )
            .await?;
            let output = DeleteResourceShareResponse {
                return_value: Some(true),
                client_token: token.echo(),
            };
            Ok(output)
        })
        .await
    }

    /// The caller's own share; another account's share is "not found", never "forbidden".
    pub(crate) async fn owned_share(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        now: i64,
    ) -> Outcome<ShareRecord> {
        match tx.get_share(arn, now).await? {
            Some(s) if s.owner_account == caller.account_id && s.region == caller.region => Ok(s),
            _ => Err(share_not_found(arn).into()),
        }
    }

    pub(crate) async fn render_share(
        &self,
        tx: &mut ReadTx,
        share: &ShareRecord,
    ) -> Outcome<ResourceShare> {
        let mut tags = tags_by_share(tx, std::slice::from_ref(&share.arn)).await?;
        Ok(render::share(
            share,
            tags.remove(&share.arn).unwrap_or_default(),
        ))
    }
}
