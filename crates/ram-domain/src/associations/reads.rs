//! Reading associations: GetResourceShareAssociations (the owner's view of its shares'
//! principals, resources and sources).

use ram_context::Outcome;
use ram_model::{
    GetResourceShareAssociationsRequest, GetResourceShareAssociationsResponse,
    ResourceShareAssociationType, api_error,
};
use ram_store::{AssociationFilter, Scope, association_key};

use super::planning::dedup;
use crate::arn::Arn;
use crate::{Caller, Ram, render};

impl Ram {
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
        let page = self.ctx.page_request(
            caller,
            "GetResourceShareAssociations",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
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
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }
}
