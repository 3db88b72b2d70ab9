//! Invitations: GetResourceShareInvitations, AcceptResourceShareInvitation,
//! RejectResourceShareInvitation, ListPendingInvitationResources. An account outside the owner's organization gets a PENDING
//! invitation; it sees the share only after accepting.

use ram_context::Outcome;
use ram_model::{
    AcceptResourceShareInvitationRequest, AcceptResourceShareInvitationResponse, ApiError,
    GetResourceShareInvitationsRequest, GetResourceShareInvitationsResponse,
    ListPendingInvitationResourcesRequest, ListPendingInvitationResourcesResponse,
    RejectResourceShareInvitationRequest, RejectResourceShareInvitationResponse,
    ResourceRegionScopeFilter, ResourceShareInvitationStatus, api_error,
};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType,
    ResourceShareInvitationStatus as InvitationStatus,
};
use ram_store::{
    AssociationFilter, InvitationFilter, InvitationRecord, Lifecycle, Purged, ReadTx, Scope,
    ShareRecord, WriteTx, association_key,
};

use crate::arn::Arn;
use crate::idempotency::ClientToken;
use crate::visibility::purged_invitations;
use crate::{Caller, Ram, render};

fn invitation_not_found(arn: &str) -> ApiError {
    api_error!(
        ResourceShareInvitationArnNotFoundException,
        "ResourceShareInvitation {arn} could not be found."
    )
}

impl Ram {
    /// The invitations that are gone (see `visibility::purged_invitations`).
    fn purged(&self, now: i64) -> Purged {
        purged_invitations(now, self.config.ended_invitation_retention_seconds)
    }

    /// The pending invitation of a principal association, if one is outstanding.
    pub(crate) async fn pending_invitation(
        &self,
        tx: &mut ReadTx,
        share: &ShareRecord,
        principal: &str,
        now: i64,
    ) -> Outcome<Option<String>> {
        let latest = tx.latest_invitation(&share.arn, principal, now).await?;
        Ok(latest
            .filter(|i| i.status == InvitationStatus::Pending)
            .map(|i| i.arn))
    }

    /// The owner removed the principal or deleted the share before the receiver answered.
    pub(crate) async fn withdraw_invitation(
        &self,
        tx: &mut WriteTx,
        arn: &str,
        now: i64,
    ) -> Outcome<()> {
        tx.set_invitation_lifecycle(arn, &Lifecycle::now(InvitationStatus::Expired), now)
            .await?;
        Ok(())
    }

    pub(crate) async fn get_resource_share_invitations(
        &self,
        caller: &Caller,
        input: GetResourceShareInvitationsRequest,
    ) -> Outcome<GetResourceShareInvitationsResponse> {
        let arns = input
            .resource_share_invitation_arns
            .clone()
            .unwrap_or_default();
        for arn in &arns {
            Arn::parse_ram(arn, "resource-share-invitation")?;
        }
        let share_arns = input.resource_share_arns.clone().unwrap_or_default();
        for arn in &share_arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        let page = self.ctx.page_request(
            caller,
            "GetResourceShareInvitations",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        for arn in &arns {
            self.received_invitation(&mut tx, caller, arn, now).await?;
        }
        let filter = InvitationFilter {
            arns,
            share_arns,
            purged: Some(self.purged(now)),
        };
        let result = tx
            .list_invitations(
                &caller.account_id,
                &caller.region,
                &filter,
                page.after.as_ref(),
                page.limit,
                now,
            )
            .await?;
        tx.commit().await?;
        let last = result.items.last().map(|i| (i.created_ms, i.arn.clone()));
        Ok(GetResourceShareInvitationsResponse {
            resource_share_invitations: Some(result.items.iter().map(render::invitation).collect()),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }

    /// An invitation addressed to the caller; anyone else's is "not found".
    async fn received_invitation(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        now: i64,
    ) -> Outcome<InvitationRecord> {
        match tx.get_invitation(arn, now).await? {
            Some(i)
                if i.receiver_account == caller.account_id
                    && i.region == caller.region
                    && !self.purged(now).covers(&i) =>
            {
                Ok(i)
            }
            _ => Err(invitation_not_found(arn).into()),
        }
    }

    /// Checks that the invitation can still be answered.
    fn answerable(invitation: &InvitationRecord) -> Result<(), ApiError> {
        let arn = &invitation.arn;
        match invitation.status {
            InvitationStatus::Pending => Ok(()),
            InvitationStatus::Accepted => Err(api_error!(
                ResourceShareInvitationAlreadyAcceptedException,
                "The invitation {arn} has already been accepted."
            )),
            InvitationStatus::Rejected => Err(api_error!(
                ResourceShareInvitationAlreadyRejectedException,
                "The invitation {arn} has already been rejected."
            )),
            InvitationStatus::Expired => Err(api_error!(
                ResourceShareInvitationExpiredException,
                "The invitation {arn} has expired."
            )),
        }
    }

    pub(crate) async fn accept_resource_share_invitation(
        &self,
        caller: &Caller,
        input: AcceptResourceShareInvitationRequest,
    ) -> Outcome<AcceptResourceShareInvitationResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_invitation_arn.clone();
        Arn::parse_ram(&arn, "resource-share-invitation")?;
        let now = self.now_ms();
        self.idempotent_write(
            caller,
            "AcceptResourceShareInvitation",
            &token,
            &input,
            async |tx| {
                let invitation = self.received_invitation(tx, caller, &arn, now).await?;
                Ram::answerable(&invitation)?;
                tx.set_invitation_lifecycle(&arn, &Lifecycle::now(InvitationStatus::Accepted), now)
                    .await?;
                let settle = now + self.config.association_delay_ms;
                tx.set_association_lifecycle(
                    &invitation.share_arn,
                    AssociationType::Principal,
                    &invitation.principal,
                    &Lifecycle::until(
                        AssociationStatus::Associating,
                        settle,
                        AssociationStatus::Associated,
                        now,
                    ),
                    None,
                    now,
                )
                .await?;
                let mut answered = render::invitation(&invitation);
                answered.status = Some(ResourceShareInvitationStatus::Accepted);
                let output = AcceptResourceShareInvitationResponse {
                    resource_share_invitation: Some(answered),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }

    pub(crate) async fn reject_resource_share_invitation(
        &self,
        caller: &Caller,
        input: RejectResourceShareInvitationRequest,
    ) -> Outcome<RejectResourceShareInvitationResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.resource_share_invitation_arn.clone();
        Arn::parse_ram(&arn, "resource-share-invitation")?;
        let now = self.now_ms();
        self.idempotent_write(
            caller,
            "RejectResourceShareInvitation",
            &token,
            &input,
            async |tx| {
                let invitation = self.received_invitation(tx, caller, &arn, now).await?;
                Ram::answerable(&invitation)?;
                tx.set_invitation_lifecycle(&arn, &Lifecycle::now(InvitationStatus::Rejected), now)
                    .await?;
                tx.set_association_lifecycle(
                    &invitation.share_arn,
                    AssociationType::Principal,
                    &invitation.principal,
                    &Lifecycle::now(AssociationStatus::Disassociated),
                    Some("The principal rejected the resource share invitation."),
                    now,
                )
                .await?;
                let mut answered = render::invitation(&invitation);
                answered.status = Some(ResourceShareInvitationStatus::Rejected);
                let output = RejectResourceShareInvitationResponse {
                    resource_share_invitation: Some(answered),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }
}

impl Ram {
    pub(crate) async fn list_pending_invitation_resources(
        &self,
        caller: &Caller,
        input: ListPendingInvitationResourcesRequest,
    ) -> Outcome<ListPendingInvitationResourcesResponse> {
        let arn = input.resource_share_invitation_arn.clone();
        Arn::parse_ram(&arn, "resource-share-invitation")?;
        let page = self.ctx.page_request(
            caller,
            "ListPendingInvitationResources",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let invitation = self.received_invitation(&mut tx, caller, &arn, now).await?;
        match invitation.status {
            InvitationStatus::Rejected => {
                return Err(api_error!(
                    ResourceShareInvitationAlreadyRejectedException,
                    "The invitation {arn} has already been rejected."
                )
                .into());
            }
            InvitationStatus::Expired => {
                return Err(api_error!(
                    ResourceShareInvitationExpiredException,
                    "The invitation {arn} has expired."
                )
                .into());
            }
            _ => {}
        }
        let filter = AssociationFilter {
            association_type: Some(AssociationType::Resource),
            share_arns: vec![invitation.share_arn.clone()],
            resource_types: self.types_in_scope(
                input
                    .resource_region_scope
                    .unwrap_or(ResourceRegionScopeFilter::All),
            ),
            statuses: crate::visibility::owner_listed(),
            ..AssociationFilter::default()
        };
        let scope = Scope::Owner(invitation.sender_account.clone());
        let result = tx
            .list_associations(
                &scope,
                &invitation.region,
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
        Ok(ListPendingInvitationResourcesResponse {
            resources: Some(
                result
                    .items
                    .iter()
                    .map(|a| render::resource(a, &self.catalog))
                    .collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }
}
