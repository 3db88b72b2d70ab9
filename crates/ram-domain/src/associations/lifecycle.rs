//! The lifecycle of associations: adding the planned entities (and sending the invitations an
//! account outside the sharing organization needs), removing them, a receiving account leaving a
//! share, and ending every association of a share being deleted.

use ram_context::Outcome;
use ram_model::{ApiError, ResourceShareAssociation, ResourceShareAssociationStatus, api_error};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType,
    ResourceShareInvitationStatus as InvitationStatus, ResourceShareStatus as ShareStatus,
};
use ram_store::{
    AssociationFilter, AssociationRecord, Lifecycle, NewAssociation, NewInvitation, ReadTx, Scope,
    ShareRecord, WriteTx,
};

use super::Plan;
use super::admission::Admitted;
use crate::permissions::PermissionView;
use crate::principal::PrincipalKind;
use crate::shares::share_not_found;
use crate::visibility::live_associations;
use crate::{Caller, Ram, render};

impl Ram {
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

        let Admitted {
            types,
            principals: planned_principals,
        } = self.admit(tx, caller, share, plan, &live, now).await?;

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

    pub(super) async fn remove_entities(
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
    pub(super) async fn leave_share(
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
                self.ctx.uuid()
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
