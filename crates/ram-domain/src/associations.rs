//! Associations of principals, resources and sources with a share: AssociateResourceShare,
//! DisassociateResourceShare, GetResourceShareAssociations, and the rules they share with
//! CreateResourceShare and DeleteResourceShare.

use ram_model::{
    ApiError, AssociateResourceShareRequest, AssociateResourceShareResponse,
    DisassociateResourceShareRequest, DisassociateResourceShareResponse,
    GetResourceShareAssociationsRequest, GetResourceShareAssociationsResponse,
    ResourceShareAssociation, ResourceShareAssociationStatus, ResourceShareAssociationType,
    api_error,
};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType,
    ResourceShareInvitationStatus as InvitationStatus, ResourceShareStatus as ShareStatus,
};
use ram_store::{
    AssociationFilter, AssociationRecord, Counted, Lifecycle, Membership, NewAssociation,
    NewInvitation, ReadTx, Scope, ShareRecord, WriteTx, association_key,
};

use crate::arn::Arn;
use crate::catalog::ResourceTypeInfo;
use crate::failure::Outcome;
use crate::idempotency::ClientToken;
use crate::org_sharing::shares_with_ram;
use crate::permissions::PermissionView;
use crate::principal::PrincipalKind;
use crate::shares::share_not_found;
use crate::visibility::live_associations;
use crate::{Caller, Ram, render};

const ORG_ONLY_MESSAGE: &str = "The resource you are attempting to share can only be shared within your AWS Organization. This error may also occur if you have not enabled sharing with your AWS organization, or that onboarding process is still in progress.";

/// What an Associate/Create call asks to add, checked for syntax and ownership before any
/// transaction starts.
pub(crate) struct Plan {
    resources: Vec<(String, ResourceTypeInfo)>,
    principals: Vec<(String, PrincipalKind)>,
    sources: Vec<String>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.principals.is_empty() && self.sources.is_empty()
    }
}

fn dedup(items: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .iter()
        .filter(|i| seen.insert(i.as_str()))
        .cloned()
        .collect()
}

impl Ram {
    pub(crate) fn plan_entities(
        &self,
        caller: &Caller,
        resource_arns: &[String],
        principals: &[String],
        sources: &[String],
    ) -> Result<Plan, ApiError> {
        if resource_arns.len() > self.config.quotas.entities_per_call {
            return Err(api_error!(
                ResourceShareLimitExceededException,
                "You can associate up to {} resources per call.",
                self.config.quotas.entities_per_call
            ));
        }
        let mut resources = Vec::new();
        for arn in dedup(resource_arns) {
            let info = self.resolve_resource(caller, &arn)?;
            resources.push((arn, info.clone()));
        }
        let mut planned = Vec::new();
        for p in dedup(principals) {
            let kind = PrincipalKind::parse(&p)?;
            planned.push((p, kind));
        }
        let sources = dedup(sources);
        for s in &sources {
            let valid =
                crate::arn::is_account_id(s) || Arn::parse(s).is_some() || s.starts_with("o-");
            if !valid {
                return Err(api_error!(
                    InvalidParameterException,
                    "The source {s} is not a valid account ID, ARN or organization ID."
                ));
            }
        }
        Ok(Plan {
            resources,
            principals: planned,
            sources,
        })
    }

    /// The resource type of a resource ARN the caller may share: its own, in the caller's Region
    /// (global types: from us-east-1, with an empty Region in the ARN).
    pub(crate) fn resolve_resource(
        &self,
        caller: &Caller,
        arn: &str,
    ) -> Result<&ResourceTypeInfo, ApiError> {
        let parsed = Arn::parse(arn).ok_or_else(|| {
            api_error!(
                MalformedArnException,
                "The specified resource ARN {arn} is not valid. Verify the ARN and try again."
            )
        })?;
        let info = self.catalog.type_of(&parsed).ok_or_else(|| {
            api_error!(
                MalformedArnException,
                "You cannot share the selected resource type."
            )
        })?;
        if info.is_global() && caller.region != "us-east-1" {
            return Err(api_error!(
                InvalidParameterException,
                "Global resources of type {} can be shared only from the us-east-1 Region.",
                info.resource_type
            ));
        }
        let region_ok = if info.is_global() {
            parsed.region.is_empty()
        } else {
            parsed.region == caller.region
        };
        if parsed.account != caller.account_id || parsed.partition != caller.partition || !region_ok
        {
            return Err(api_error!(
                UnknownResourceException,
                "Resource {arn} could not be found."
            ));
        }
        Ok(info)
    }

    /// The share's associations that still exist (not disassociated or failed).
    pub(crate) async fn live_associations(
        &self,
        tx: &mut ReadTx,
        share: &ShareRecord,
        now: i64,
    ) -> Outcome<Vec<AssociationRecord>> {
        let filter = AssociationFilter {
            share_arns: vec![share.arn.clone()],
            statuses: live_associations(),
            ..AssociationFilter::default()
        };
        let page = tx
            .list_associations(
                &Scope::Owner(share.owner_account.clone()),
                &share.region,
                &filter,
                None,
                usize::MAX >> 1,
                now,
            )
            .await?;
        Ok(page.items)
    }

    /// Adds the planned entities to the share, enforcing RAM's rules on the combination of what
    /// the share already holds and what is added. Returns the associations as the call answers
    /// them (new ones ASSOCIATING).
    pub(crate) async fn add_entities(
        &self,
        tx: &mut WriteTx,
        caller: &Caller,
        share: &ShareRecord,
        plan: &Plan,
        now: i64,
    ) -> Outcome<Vec<ResourceShareAssociation>> {
        if share.status != ShareStatus::Active {
            return Err(api_error!(
                InvalidStateTransitionException,
                "The resource share {} is in {} state and cannot be changed.",
                share.arn,
                share.status.as_str()
            )
            .into());
        }
        let live = self.live_associations(tx, share, now).await?;
        let has = |kind: AssociationType, entity: &str| {
            live.iter()
                .any(|a| a.association_type == kind && a.entity == entity)
        };

        // The resource types and principals the share will hold once this call is done.
        let mut types: Vec<&ResourceTypeInfo> = live
            .iter()
            .filter(|a| a.association_type == AssociationType::Resource)
            .filter_map(|a| a.resource_type.as_deref().and_then(|t| self.catalog.get(t)))
            .collect();
        types.extend(plan.resources.iter().map(|(_, t)| t));
        // Each principal with whether it is reached by invitation (what organization-only types
        // forbid), judged by the organization as it is now.
        let owner_org = self.membership(tx, &share.owner_account).await?;
        let mut principal_kinds: Vec<(PrincipalKind, bool)> = Vec::new();
        for a in live
            .iter()
            .filter(|a| a.association_type == AssociationType::Principal)
        {
            let Ok(kind) = PrincipalKind::parse(&a.entity) else {
                continue;
            };
            let invited = match kind.account() {
                Some(account) if account != share.owner_account => {
                    !self
                        .same_sharing_org(tx, owner_org.as_ref(), account)
                        .await?
                }
                _ => false,
            };
            principal_kinds.push((kind, invited));
        }

        let mut planned_principals = Vec::new();
        for (entity, kind) in &plan.principals {
            let verdict = self
                .check_principal(tx, caller, share, owner_org.as_ref(), kind, entity)
                .await?;
            // What counts for organization-only types is whether access needs an invitation.
            principal_kinds.push((kind.clone(), verdict.invited));
            planned_principals.push((entity, kind, verdict));
        }
        for t in &types {
            if !t.share_outside_organization
                && principal_kinds
                    .iter()
                    .any(|(k, external)| *external && k.account().is_some())
            {
                return Err(api_error!(InvalidParameterException, "{ORG_ONLY_MESSAGE}").into());
            }
            if !t.share_with_iam_principals && principal_kinds.iter().any(|(k, _)| k.is_iam()) {
                return Err(api_error!(
                    InvalidParameterException,
                    "Resources of type {} can't be shared with IAM roles or users.",
                    t.resource_type
                )
                .into());
            }
        }
        let has_service_principal = principal_kinds
            .iter()
            .any(|(k, _)| matches!(k, PrincipalKind::Service(_)));
        if !plan.sources.is_empty() && !has_service_principal {
            return Err(api_error!(
                InvalidParameterException,
                "You can specify sources only for resource shares with service principals."
            )
            .into());
        }
        self.check_association_quotas(tx, share, plan, &live, now)
            .await?;

        let mut answered = Vec::new();
        let settle = now + self.config.association_delay_ms;
        let settling = Lifecycle::until(
            AssociationStatus::Associating,
            settle,
            AssociationStatus::Associated,
            now,
        );
        let permissions = tx
            .share_permissions(std::slice::from_ref(&share.arn))
            .await?;
        for (arn, info) in &plan.resources {
            if !permissions
                .iter()
                .any(|p| p.resource_type == info.resource_type)
            {
                let default = info.default_permission();
                let view = PermissionView::managed(&caller.partition, info, default);
                self.attach_permission(tx, share, &view, now).await?;
            }
            if has(AssociationType::Resource, arn) {
                answered.push(
                    self.existing_association(tx, share, AssociationType::Resource, arn, now)
                        .await?,
                );
                continue;
            }
            let new = NewAssociation {
                resource_type: Some(info.resource_type.clone()),
                ..new_association(share, AssociationType::Resource, arn, settling.clone(), now)
            };
            tx.upsert_association(&new).await?;
            answered.push(answered_association(
                share,
                &new,
                AssociationStatus::Associating,
            ));
        }
        let invitation_hours = types
            .iter()
            .map(|t| t.invitation_expiry_hours)
            .min()
            .unwrap_or(12);
        for (entity, kind, verdict) in planned_principals {
            let external = verdict.external;
            if has(AssociationType::Principal, entity) {
                answered.push(
                    self.existing_association(tx, share, AssociationType::Principal, entity, now)
                        .await?,
                );
                continue;
            }
            let lifecycle = if verdict.invited {
                let expires = now
                    + self
                        .config
                        .invitation_ttl_seconds
                        .unwrap_or(invitation_hours * 3600)
                        * 1000;
                self.invite(tx, caller, share, entity, kind, expires, now)
                    .await?;
                Lifecycle::until(
                    AssociationStatus::Associating,
                    expires,
                    AssociationStatus::Disassociated,
                    now,
                )
            } else {
                settling.clone()
            };
            let new = NewAssociation {
                entity_account: kind.account().map(str::to_owned),
                external,
                ..new_association(share, AssociationType::Principal, entity, lifecycle, now)
            };
            tx.upsert_association(&new).await?;
            answered.push(answered_association(
                share,
                &new,
                AssociationStatus::Associating,
            ));
        }
        for source in &plan.sources {
            if has(AssociationType::Source, source) {
                answered.push(
                    self.existing_association(tx, share, AssociationType::Source, source, now)
                        .await?,
                );
                continue;
            }
            let new = new_association(
                share,
                AssociationType::Source,
                source,
                settling.clone(),
                now,
            );
            tx.upsert_association(&new).await?;
            answered.push(answered_association(
                share,
                &new,
                AssociationStatus::Associating,
            ));
        }
        Ok(answered)
    }

    /// Whether `account` is in the owner's organization.
    async fn same_org(
        &self,
        tx: &mut ReadTx,
        owner_org: Option<&Membership>,
        account: &str,
    ) -> Outcome<bool> {
        Ok(match owner_org {
            Some(m) => tx
                .get_org_account(account)
                .await?
                .is_some_and(|a| a.org_id == m.org_id),
            None => false,
        })
    }

    /// Whether `account` is in the owner's organization and that organization shares with RAM
    /// (so the account is reached without invitation).
    async fn same_sharing_org(
        &self,
        tx: &mut ReadTx,
        owner_org: Option<&Membership>,
        account: &str,
    ) -> Outcome<bool> {
        match owner_org.filter(|m| shares_with_ram(m)) {
            Some(m) => self.same_org(tx, Some(m), account).await,
            None => Ok(false),
        }
    }

    /// Checks one principal against the share and its owner's organization.
    async fn check_principal(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        share: &ShareRecord,
        owner_org: Option<&Membership>,
        kind: &PrincipalKind,
        entity: &str,
    ) -> Outcome<Verdict> {
        let sharing_org = owner_org.filter(|m| shares_with_ram(m));
        match kind {
            PrincipalKind::Organization { id } => {
                // Only the owner's own organization, and only once it shares with RAM.
                if sharing_org.is_some_and(|m| m.org_arn == entity) {
                    return Ok(Verdict { external: false, invited: false });
                }
                Err(api_error!(UnknownResourceException, "Organization {id} could not be found.").into())
            }
            PrincipalKind::OrganizationalUnit { id } => {
                if let Some(m) = sharing_org
                    && let Some(unit) = tx.get_organizational_unit(id).await?
                    && unit.org_id == m.org_id
                    && unit.arn == entity
                {
                    return Ok(Verdict { external: false, invited: false });
                }
                Err(api_error!(UnknownResourceException, "OrganizationalUnit {id} in unknown organization could not be found.").into())
            }
            PrincipalKind::Service(_) => Ok(Verdict { external: false, invited: false }),
            PrincipalKind::Account(account) if *account == caller.account_id => Err(api_error!(
                InvalidParameterException,
                "The resource share owner account {account} cannot be a principal of its own resource share."
            )
            .into()),
            PrincipalKind::Account(_) | PrincipalKind::IamRole { .. } | PrincipalKind::IamUser { .. } => {
                let account = kind.account().unwrap_or(entity);
                if account == caller.account_id {
                    return Ok(Verdict { external: false, invited: false });
                }
                let same_org = self.same_org(tx, owner_org, account).await?;

                if !same_org && !share.allow_external {
                    return Err(api_error!(
                        InvalidParameterException,
                        "Principal {account} is not in your AWS organization. You do not have permission to add external AWS accounts to a resource share."
                    )
                    .into());
                }
                // Inside an organization that shares with RAM, access is immediate; otherwise
                // (outside it, or sharing not enabled) the account is invited.
                Ok(Verdict { external: !same_org, invited: !(same_org && sharing_org.is_some()) })
            }
        }
    }

    async fn check_association_quotas(
        &self,
        tx: &mut ReadTx,
        share: &ShareRecord,
        plan: &Plan,
        live: &[AssociationRecord],
        now: i64,
    ) -> Outcome<()> {
        let q = &self.config.quotas;
        let count = |kind: AssociationType| {
            i64::try_from(live.iter().filter(|a| a.association_type == kind).count())
                .unwrap_or(i64::MAX)
        };
        let adding = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let limit = |what: &str| {
            Err(api_error!(
                ResourceShareLimitExceededException,
                "You have reached the limit on the number of {what}."
            )
            .into())
        };
        if count(AssociationType::Resource) + adding(plan.resources.len()) > q.resources_per_share {
            return limit("resources you can associate with a resource share");
        }
        if count(AssociationType::Principal) + adding(plan.principals.len())
            > q.principals_per_share
        {
            return limit("principals you can associate with a resource share");
        }
        if !plan.resources.is_empty()
            && tx
                .count_associations(
                    Counted::Owner(&share.owner_account),
                    AssociationType::Resource,
                    &live_associations(),
                    now,
                )
                .await?
                + adding(plan.resources.len())
                > q.resource_associations
        {
            return limit("resources you can share");
        }
        if !plan.principals.is_empty()
            && tx
                .count_associations(
                    Counted::Owner(&share.owner_account),
                    AssociationType::Principal,
                    &live_associations(),
                    now,
                )
                .await?
                + adding(plan.principals.len())
                > q.principal_associations
        {
            return limit("principals you can share with");
        }
        Ok(())
    }

    async fn existing_association(
        &self,
        tx: &mut ReadTx,
        share: &ShareRecord,
        kind: AssociationType,
        entity: &str,
        now: i64,
    ) -> Outcome<ResourceShareAssociation> {
        let record = tx
            .get_association(&share.arn, kind, entity, now)
            .await?
            .ok_or_else(ApiError::internal)?;
        Ok(render::association(&record))
    }

    pub(crate) async fn associate_resource_share(
        &self,
        caller: &Caller,
        input: AssociateResourceShareRequest,
    ) -> Outcome<AssociateResourceShareResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        let plan = self.plan_entities(
            caller,
            input.resource_arns.as_deref().unwrap_or_default(),
            input.principals.as_deref().unwrap_or_default(),
            input.sources.as_deref().unwrap_or_default(),
        )?;
        if plan.is_empty() {
            return Err(api_error!(
                InvalidParameterException,
                "You must specify at least one principal, resource or source."
            )
            .into());
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if let Some(replayed) =
            Ram::replay(&mut tx, caller, "AssociateResourceShare", &token, &input).await?
        {
            return Ok(replayed);
        }
        let share = self.owned_share(&mut tx, caller, &arn, now).await?;
        crate::resource_policies::refuse_policy_share(share.feature_set, &arn)?;
        let associations = self
            .add_entities(&mut tx, caller, &share, &plan, now)
            .await?;
        tx.update_share(&arn, None, None, now).await?;
        let output = AssociateResourceShareResponse {
            resource_share_associations: Some(associations),
            client_token: token.echo(),
        };
        self.remember(
            &mut tx,
            caller,
            "AssociateResourceShare",
            &token,
            &input,
            &output,
        )
        .await?;
        tx.commit().await?;
        Ok(output)
    }

    pub(crate) async fn disassociate_resource_share(
        &self,
        caller: &Caller,
        input: DisassociateResourceShareRequest,
    ) -> Outcome<DisassociateResourceShareResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        let resources = dedup(input.resource_arns.as_deref().unwrap_or_default());
        let principals = dedup(input.principals.as_deref().unwrap_or_default());
        let sources = dedup(input.sources.as_deref().unwrap_or_default());
        if resources.is_empty() && principals.is_empty() && sources.is_empty() {
            return Err(api_error!(
                InvalidParameterException,
                "You must specify at least one principal, resource or source."
            )
            .into());
        }
        if resources.len() > self.config.quotas.entities_per_call {
            return Err(api_error!(
                ResourceShareLimitExceededException,
                "You can disassociate up to {} resources per call.",
                self.config.quotas.entities_per_call
            )
            .into());
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if let Some(replayed) =
            Ram::replay(&mut tx, caller, "DisassociateResourceShare", &token, &input).await?
        {
            return Ok(replayed);
        }
        let share = tx
            .get_share(&arn, now)
            .await?
            .filter(|s| s.region == caller.region)
            .ok_or_else(|| share_not_found(&arn))?;
        let associations = if share.owner_account == caller.account_id {
            crate::resource_policies::refuse_policy_share(share.feature_set, &arn)?;
            if share.status != ShareStatus::Active {
                return Err(api_error!(
                    InvalidStateTransitionException,
                    "The resource share {arn} is in {} state and cannot be changed.",
                    share.status.as_str()
                )
                .into());
            }
            self.remove_entities(&mut tx, &share, &resources, &principals, &sources, now)
                .await?
        } else {
            self.leave_share(
                &mut tx,
                caller,
                &share,
                &resources,
                &principals,
                &sources,
                now,
            )
            .await?
        };
        tx.update_share(&arn, None, None, now).await?;
        let output = DisassociateResourceShareResponse {
            resource_share_associations: Some(associations),
            client_token: token.echo(),
        };
        self.remember(
            &mut tx,
            caller,
            "DisassociateResourceShare",
            &token,
            &input,
            &output,
        )
        .await?;
        tx.commit().await?;
        Ok(output)
    }

    async fn remove_entities(
        &self,
        tx: &mut WriteTx,
        share: &ShareRecord,
        resources: &[String],
        principals: &[String],
        sources: &[String],
        now: i64,
    ) -> Outcome<Vec<ResourceShareAssociation>> {
        let live = self.live_associations(tx, share, now).await?;
        let wanted: Vec<(AssociationType, &String)> = resources
            .iter()
            .map(|r| (AssociationType::Resource, r))
            .chain(principals.iter().map(|p| (AssociationType::Principal, p)))
            .chain(sources.iter().map(|s| (AssociationType::Source, s)))
            .collect();
        let mut targets = Vec::new();
        for (kind, entity) in &wanted {
            let found = live
                .iter()
                .find(|a| a.association_type == *kind && a.entity == **entity)
                .ok_or_else(|| {
                    api_error!(
                        UnknownResourceException,
                        "{entity} is not associated with the resource share {}.",
                        share.arn
                    )
                })?;
            let pending = if *kind == AssociationType::Principal {
                self.pending_invitation(tx, share, entity, now).await?
            } else {
                None
            };
            if found.status == AssociationStatus::Associating && pending.is_none() {
                return Err(api_error!(
                    InvalidStateTransitionException,
                    "At least one of the associations in the resource share is in ASSOCIATING status."
                )
                .into());
            }
            targets.push((found, pending));
        }
        let service_principals_remain = live.iter().any(|a| {
            a.association_type == AssociationType::Principal
                && matches!(
                    PrincipalKind::parse(&a.entity),
                    Ok(PrincipalKind::Service(_))
                )
                && !principals.contains(&a.entity)
        });
        let sources_remaining = live
            .iter()
            .filter(|a| {
                a.association_type == AssociationType::Source && !sources.contains(&a.entity)
            })
            .count();
        if !sources.is_empty() && service_principals_remain && sources_remaining == 0 {
            return Err(api_error!(
                InvalidParameterException,
                "At least one source must remain when service principals are present."
            )
            .into());
        }
        let mut answered = Vec::new();
        for (association, pending) in targets {
            if let Some(invitation_arn) = pending {
                self.withdraw_invitation(tx, &invitation_arn, now).await?;
            }
            answered.push(self.end_association(tx, association, now).await?);
        }
        Ok(answered)
    }

    /// A receiving account leaves a share it was added to as an individual account.
    #[allow(clippy::too_many_arguments)]
    async fn leave_share(
        &self,
        tx: &mut WriteTx,
        caller: &Caller,
        share: &ShareRecord,
        resources: &[String],
        principals: &[String],
        sources: &[String],
        now: i64,
    ) -> Outcome<Vec<ResourceShareAssociation>> {
        let own = tx
            .get_association(
                &share.arn,
                AssociationType::Principal,
                &caller.account_id,
                now,
            )
            .await?;
        let Some(own) = own.filter(|a| a.status == AssociationStatus::Associated) else {
            // Shared through the caller's organization or OU: visible, but not the caller's to leave.
            let reach = self.reach(tx, &caller.account_id).await?;
            let only = ram_store::ShareFilter {
                arns: vec![share.arn.clone()],
                ..ram_store::ShareFilter::default()
            };
            let visible = !tx
                .list_shares(
                    &crate::visibility::receiver(reach),
                    &share.region,
                    &only,
                    None,
                    1,
                    now,
                )
                .await?
                .items
                .is_empty();
            if visible {
                return Err(api_error!(
                    OperationNotPermittedException,
                    "The resource share {} is shared with your account through your organization; only its owner can remove that.",
                    share.arn
                )
                .into());
            }
            return Err(share_not_found(&share.arn).into());
        };
        if !resources.is_empty() || !sources.is_empty() || principals != [caller.account_id.clone()]
        {
            return Err(api_error!(
                OperationNotPermittedException,
                "Only the owner of the resource share can change it; you can only remove your own account {}.",
                caller.account_id
            )
            .into());
        }
        let live = self.live_associations(tx, share, now).await?;
        let stuck = live
            .iter()
            .filter(|a| a.association_type == AssociationType::Resource)
            .filter_map(|a| a.resource_type.as_deref())
            .find(|t| {
                self.catalog
                    .get(t)
                    .is_none_or(|info| !info.consumer_can_leave)
            });
        if let Some(resource_type) = stuck {
            return Err(api_error!(
                OperationNotPermittedException,
                "You cannot leave the resource share {} because it contains resources of type {resource_type}, which do not allow it.",
                share.arn
            )
            .into());
        }
        Ok(vec![self.end_association(tx, &own, now).await?])
    }

    /// Moves one association to DISASSOCIATING (DISASSOCIATED once the delay has passed) and
    /// answers it as the call reports it.
    async fn end_association(
        &self,
        tx: &mut WriteTx,
        a: &AssociationRecord,
        now: i64,
    ) -> Outcome<ResourceShareAssociation> {
        let settle = now + self.config.association_delay_ms;
        let lifecycle = Lifecycle::until(
            AssociationStatus::Disassociating,
            settle,
            AssociationStatus::Disassociated,
            now,
        );
        tx.set_association_lifecycle(
            &a.share_arn,
            a.association_type,
            &a.entity,
            &lifecycle,
            None,
            now,
        )
        .await?;
        let mut answered = render::association(a);
        answered.status = Some(ResourceShareAssociationStatus::Disassociating);
        answered.last_updated_time = Some(ram_model::Timestamp(now));
        Ok(answered)
    }

    /// Deleting a share ends every association and withdraws every pending invitation.
    pub(crate) async fn end_all_associations(
        &self,
        tx: &mut WriteTx,
        share: &ShareRecord,
        now: i64,
    ) -> Outcome<()> {
        for a in self.live_associations(tx, share, now).await? {
            if a.association_type == AssociationType::Principal
                && let Some(invitation) = self.pending_invitation(tx, share, &a.entity, now).await?
            {
                self.withdraw_invitation(tx, &invitation, now).await?;
            }
            self.end_association(tx, &a, now).await?;
        }
        Ok(())
    }

    pub(crate) async fn get_resource_share_associations(
        &self,
        caller: &Caller,
        input: GetResourceShareAssociationsRequest,
    ) -> Outcome<GetResourceShareAssociationsResponse> {
        let kind = input.association_type;
        if kind == ResourceShareAssociationType::Principal && input.resource_arn.is_some() {
            return Err(api_error!(
                InvalidParameterException,
                "You cannot specify a resource ARN when the association type is PRINCIPAL."
            )
            .into());
        }
        if kind == ResourceShareAssociationType::Resource && input.principal.is_some() {
            return Err(api_error!(
                InvalidParameterException,
                "You cannot specify a principal when the association type is RESOURCE."
            )
            .into());
        }
        if kind == ResourceShareAssociationType::Source
            && (input.principal.is_some() || input.resource_arn.is_some())
        {
            return Err(api_error!(
                InvalidParameterException,
                "You cannot specify a principal or a resource ARN when the association type is SOURCE."
            )
            .into());
        }
        let share_arns = dedup(input.resource_share_arns.as_deref().unwrap_or_default());
        for arn in &share_arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        if let Some(r) = &input.resource_arn
            && Arn::parse(r).is_none()
        {
            return Err(api_error!(
                MalformedArnException,
                "The specified resource ARN {r} is not valid. Verify the ARN and try again."
            )
            .into());
        }
        let entity = input
            .resource_arn
            .clone()
            .or_else(|| input.principal.clone());
        let filter = AssociationFilter {
            association_type: Some(kind),
            share_arns,
            entities: entity.into_iter().collect(),
            statuses: input
                .association_status
                .map_or(ram_store::States::Any, |s| ram_store::States::only(&[s])),
            ..AssociationFilter::default()
        };
        let page = self.page_request(
            caller,
            "GetResourceShareAssociations",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let scope = Scope::Owner(caller.account_id.clone());
        for arn in &filter.share_arns {
            self.owned_share(&mut tx, caller, arn, now).await?;
        }
        let result = tx
            .list_associations(
                &scope,
                &caller.region,
                &filter,
                page.after.as_ref(),
                page.limit,
                now,
            )
            .await?;
        tx.commit().await?;
        let last = result
            .items
            .last()
            .map(|a| (a.created_ms, association_key(a)));
        Ok(GetResourceShareAssociationsResponse {
            resource_share_associations: Some(
                result.items.iter().map(render::association).collect(),
            ),
            next_token: self.next_token(&page, result.more, last),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn invite(
        &self,
        tx: &mut WriteTx,
        caller: &Caller,
        share: &ShareRecord,
        entity: &str,
        kind: &PrincipalKind,
        expires_ms: i64,
        now: i64,
    ) -> Outcome<()> {
        let pending = tx
            .count_sent_invitations(
                &caller.account_id,
                &caller.region,
                &crate::visibility::pending_invitations(),
                now,
            )
            .await?;
        if pending >= self.config.quotas.pending_invitations {
            return Err(api_error!(
                ResourceShareLimitExceededException,
                "You have reached the limit of {} pending invitations for your account.",
                self.config.quotas.pending_invitations
            )
            .into());
        }
        let receiver = kind.account().ok_or_else(ApiError::internal)?;
        tx.insert_invitation(&NewInvitation {
            arn: format!(
                "arn:{}:ram:{}:{}:resource-share-invitation/{}",
                caller.partition,
                share.region,
                share.owner_account,
                self.ids.uuid()
            ),
            share_arn: share.arn.clone(),
            principal: entity.to_owned(),
            sender_account: share.owner_account.clone(),
            receiver_account: receiver.to_owned(),
            receiver_arn: kind.is_iam().then(|| entity.to_owned()),
            region: share.region.clone(),
            lifecycle: Lifecycle::until(
                InvitationStatus::Pending,
                expires_ms,
                InvitationStatus::Expired,
                now,
            ),
            created_ms: now,
        })
        .await?;
        Ok(())
    }
}

/// How a principal relates to a share's owner: outside its organization, and reached by invitation.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    external: bool,
    invited: bool,
}

/// A new association of `kind` with the share, as nothing more specific than `entity`.
pub(crate) fn new_association(
    share: &ShareRecord,
    kind: AssociationType,
    entity: &str,
    lifecycle: Lifecycle<AssociationStatus>,
    now: i64,
) -> NewAssociation {
    NewAssociation {
        share_arn: share.arn.clone(),
        association_type: kind,
        entity: entity.to_owned(),
        owner_account: share.owner_account.clone(),
        region: share.region.clone(),
        entity_account: None,
        resource_type: None,
        external: false,
        lifecycle,
        status_message: None,
        now_ms: now,
    }
}

/// An association as Associate/Create answer it: in its first status, whatever the delay.
fn answered_association(
    share: &ShareRecord,
    new: &NewAssociation,
    status: AssociationStatus,
) -> ResourceShareAssociation {
    ResourceShareAssociation {
        resource_share_arn: Some(share.arn.clone()),
        resource_share_name: Some(share.name.clone()),
        associated_entity: Some(new.entity.clone()),
        association_type: Some(new.association_type),
        status: Some(status),
        status_message: None,
        creation_time: Some(ram_model::Timestamp(new.now_ms)),
        last_updated_time: Some(ram_model::Timestamp(new.now_ms)),
        external: Some(new.external),
    }
}
