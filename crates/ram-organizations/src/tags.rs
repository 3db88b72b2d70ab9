//! Tags on roots, OUs and accounts: TagResource, UntagResource, ListTagsForResource (and the tags
//! given to CreateOrganizationalUnit, CreateAccount and InviteAccountToOrganization).

use std::collections::HashSet;

use ram_context::{Caller, Outcome, is_account_id};
use ram_model::organizations::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, Tag, TagResourceRequest,
    UntagResourceRequest,
};
use ram_model::{ApiError, api_error};
use ram_store::{Membership, ReadTx};

use super::{account_in, managed_by, unit_in};
use crate::Organizations;

/// Organizations' limit of tags on one resource.
const MAX_TAGS: usize = 50;

fn too_many_tags() -> ApiError {
    api_error!(
        ConstraintViolationException,
        "You have exceeded the maximum of {MAX_TAGS} tags on a resource."
    )
    .with_reason("MAX_TAG_LIMIT_EXCEEDED")
}

/// Tags of a request as store records (their keys and values have passed the model's patterns).
pub(crate) fn validate_org_tags(tags: &[Tag]) -> Result<Vec<ram_store::Tag>, ApiError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(tags.len());
    for tag in tags {
        let key = tag.key.clone().unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(api_error!(
                InvalidInputException,
                "The tag key {key} uses the reserved prefix aws:."
            )
            .with_reason("INVALID_SYSTEM_TAGS_PARAMETER"));
        }
        if !seen.insert(key.clone()) {
            return Err(api_error!(
                InvalidInputException,
                "You specified the tag key {key} more than once."
            )
            .with_reason("DUPLICATE_TAG_KEY"));
        }
        out.push(ram_store::Tag {
            key,
            value: tag.value.clone().unwrap_or_default(),
        });
    }
    if out.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    Ok(out)
}

/// Checks that `id` names a root, OU, account or (own) policy of the caller's organization.
async fn target_in(tx: &mut ReadTx, m: &Membership, id: &str) -> Outcome<()> {
    let found = if is_account_id(id) {
        account_in(tx, m, id).await?.is_some()
    } else if id.starts_with("p-") {
        // AWS managed policies (FullAWSAccess) are not the organization's to tag.
        tx.get_org_policy(id)
            .await?
            .is_some_and(|p| p.org_id == m.org_id)
    } else {
        unit_in(tx, m, id).await?.is_some()
    };
    if found {
        Ok(())
    } else {
        Err(api_error!(
            TargetNotFoundException,
            "We can't find a root, OU, account, or policy with the TargetId that you specified."
        )
        .into())
    }
}

impl Organizations {
    pub(crate) async fn tag_resource(
        &self,
        caller: &Caller,
        input: TagResourceRequest,
    ) -> Outcome<()> {
        let id = input.resource_id;
        let tags = validate_org_tags(&input.tags)?;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        target_in(&mut tx, &m, &id).await?;
        tx.put_org_tags(&id, &tags).await?;
        if tx.list_org_tags(&id).await?.len() > MAX_TAGS {
            return Err(too_many_tags().into());
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn untag_resource(
        &self,
        caller: &Caller,
        input: UntagResourceRequest,
    ) -> Outcome<()> {
        let id = input.resource_id;
        let keys = input.tag_keys;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        target_in(&mut tx, &m, &id).await?;
        tx.remove_org_tags(&id, &keys).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_tags_for_resource(
        &self,
        caller: &Caller,
        input: ListTagsForResourceRequest,
    ) -> Outcome<ListTagsForResourceResponse> {
        // At most 50 tags: one page.
        self.org_page(
            caller,
            "ListTagsForResource",
            &input,
            input.next_token.as_deref(),
            None,
        )?;
        let id = input.resource_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        target_in(&mut tx, &m, &id).await?;
        let tags = tx.list_org_tags(&id).await?;
        tx.commit().await?;
        Ok(ListTagsForResourceResponse {
            tags: Some(
                tags.into_iter()
                    .map(|t| Tag {
                        key: Some(t.key),
                        value: Some(t.value),
                    })
                    .collect(),
            ),
            next_token: None,
        })
    }
}
