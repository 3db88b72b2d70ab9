//! Associations of principals, resources and sources with a share: AssociateResourceShare and
//! DisassociateResourceShare (here), GetResourceShareAssociations, and the rules they share with
//! CreateResourceShare and DeleteResourceShare, one module per step:
//! - `planning`: what a call asks to add, checked for syntax and ownership before any
//!   transaction starts (`Plan`);
//! - `admission`: the rules on what a share may hold: principals against the owner's
//!   organization, organization-only resource types, IAM principals, sources, quotas;
//! - `lifecycle`: adding (and the invitations it sends), removing, a receiver leaving, and
//!   ending every association of a deleted share;
//! - `reads`: GetResourceShareAssociations.

mod admission;
mod lifecycle;
mod planning;
mod reads;

pub(crate) use lifecycle::new_association;
pub(crate) use planning::Plan;

use ram_context::Outcome;
use ram_model::ResourceShareStatus as ShareStatus;
use ram_model::{
    AssociateResourceShareRequest, AssociateResourceShareResponse,
    DisassociateResourceShareRequest, DisassociateResourceShareResponse, api_error,
};

use crate::arn::Arn;
use crate::idempotency::ClientToken;
use crate::shares::share_not_found;
use crate::{Caller, Ram};
use planning::dedup;

impl Ram {
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
        self.idempotent_write(
            caller,
            "AssociateResourceShare",
            &token,
            &input,
            async |tx| {
                let share = self.owned_share(tx, caller, &arn, now).await?;
                crate::resource_policies::refuse_policy_share(share.feature_set, &arn)?;
                let associations = self.add_entities(tx, caller, &share, &plan, now).await?;
                tx.update_share(&arn, None, None, now).await?;
                let output = AssociateResourceShareResponse {
                    resource_share_associations: Some(associations),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
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
        self.idempotent_write(
            caller,
            "DisassociateResourceShare",
            &token,
            &input,
            async |tx| {
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
                    self.remove_entities(tx, &share, &resources, &principals, &sources, now)
                        .await?
                } else {
                    self.leave_share(tx, caller, &share, &resources, &principals, &sources, now)
                        .await?
                };
                tx.update_share(&arn, None, None, now).await?;
                let output = DisassociateResourceShareResponse {
                    resource_share_associations: Some(associations),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }
}
