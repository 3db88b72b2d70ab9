//! Tags on resource shares: TagResource, UntagResource, and tag validation for CreateResourceShare.

use std::collections::HashMap;

use ram_model::{
    ApiError, Tag, TagResourceRequest, TagResourceResponse, UntagResourceRequest,
    UntagResourceResponse, api_error,
};
use ram_store::{ShareRecord, Tx};

use crate::arn::Arn;
use crate::failure::Outcome;
use crate::shares::{STATUS_DELETED, STATUS_DELETING, share_not_found};
use crate::{Caller, Ram};

const MAX_KEY: usize = 128;
const MAX_VALUE: usize = 256;

/// Checks tags as AWS does (key 1-128 characters, value 0-256, no `aws:` prefix, at most
/// `limit` of them) and returns them as store records, last value winning for a repeated key.
pub(crate) fn validate_tags(tags: &[Tag], limit: usize) -> Result<Vec<ram_store::Tag>, ApiError> {
    let mut out: Vec<ram_store::Tag> = Vec::new();
    for tag in tags {
        let key = tag.key.clone().unwrap_or_default();
        let value = tag.value.clone().unwrap_or_default();
        if key.is_empty() || key.chars().count() > MAX_KEY {
            return Err(api_error!(
                InvalidParameterException,
                "A tag key must be between 1 and {MAX_KEY} characters long."
            ));
        }
        if value.chars().count() > MAX_VALUE {
            return Err(api_error!(
                InvalidParameterException,
                "A tag value can be at most {MAX_VALUE} characters long."
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(api_error!(
                TagPolicyViolationException,
                "The tag key {key} uses the reserved prefix aws: and can't be used."
            ));
        }
        out.retain(|t| t.key != key);
        out.push(ram_store::Tag { key, value });
    }
    if out.len() > limit {
        return Err(api_error!(
            TagLimitExceededException,
            "A resource can have at most {limit} tags."
        ));
    }
    Ok(out)
}

/// Tags of each share, rendered for output.
pub(crate) async fn tags_by_share(
    tx: &mut Tx,
    arns: &[String],
) -> Outcome<HashMap<String, Vec<Tag>>> {
    let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
    for (arn, tag) in tx.share_tags(arns).await? {
        map.entry(arn).or_default().push(Tag {
            key: Some(tag.key),
            value: Some(tag.value),
        });
    }
    Ok(map)
}

impl Ram {
    /// The share a Tag/Untag call names: exactly one of `resourceShareArn` and `resourceArn`.
    async fn tagged_share(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        share_arn: Option<&String>,
        resource_arn: Option<&String>,
        now: i64,
    ) -> Outcome<ShareRecord> {
        let ((Some(arn), None) | (None, Some(arn))) = (share_arn, resource_arn) else {
            return Err(api_error!(
                InvalidParameterException,
                "You must specify exactly one of resourceShareArn and resourceArn."
            )
            .into());
        };
        let parsed = Arn::parse(arn)
            .filter(|a| a.service == "ram")
            .ok_or_else(|| {
                api_error!(
                    MalformedArnException,
                    "The specified ARN {arn} is not valid. Verify the ARN and try again."
                )
            })?;
        if !parsed.resource.starts_with("resource-share/") {
            // Customer managed permissions are the other taggable resource; ramd has none yet.
            return Err(api_error!(
                ResourceArnNotFoundException,
                "The resource {arn} could not be found."
            )
            .into());
        }
        let share = self.owned_share(tx, caller, arn, now).await?;
        if share.status == STATUS_DELETED || share.status == STATUS_DELETING {
            return Err(share_not_found(arn).into());
        }
        Ok(share)
    }

    pub(crate) async fn tag_resource(
        &self,
        caller: &Caller,
        input: TagResourceRequest,
    ) -> Outcome<TagResourceResponse> {
        let now = self.now_ms();
        let tags = validate_tags(
            input.tags.as_deref().unwrap_or_default(),
            self.config.quotas.tags_per_resource,
        )?;
        let mut tx = self.store.begin().await?;
        let share = self
            .tagged_share(
                &mut tx,
                caller,
                input.resource_share_arn.as_ref(),
                input.resource_arn.as_ref(),
                now,
            )
            .await?;
        let existing = tx.share_tags(std::slice::from_ref(&share.arn)).await?;
        let total = existing
            .iter()
            .filter(|(_, t)| !tags.iter().any(|n| n.key == t.key))
            .count()
            + tags.len();
        if total > self.config.quotas.tags_per_resource {
            return Err(api_error!(
                TagLimitExceededException,
                "A resource can have at most {} tags.",
                self.config.quotas.tags_per_resource
            )
            .into());
        }
        tx.put_share_tags(&share.arn, &tags).await?;
        tx.commit().await?;
        Ok(TagResourceResponse::default())
    }

    pub(crate) async fn untag_resource(
        &self,
        caller: &Caller,
        input: UntagResourceRequest,
    ) -> Outcome<UntagResourceResponse> {
        let now = self.now_ms();
        let keys = input.tag_keys.clone().unwrap_or_default();
        if keys
            .iter()
            .any(|k| k.is_empty() || k.chars().count() > MAX_KEY)
        {
            return Err(api_error!(
                InvalidParameterException,
                "A tag key must be between 1 and {MAX_KEY} characters long."
            )
            .into());
        }
        let mut tx = self.store.begin().await?;
        let share = self
            .tagged_share(
                &mut tx,
                caller,
                input.resource_share_arn.as_ref(),
                input.resource_arn.as_ref(),
                now,
            )
            .await?;
        tx.remove_share_tags(&share.arn, &keys).await?;
        tx.commit().await?;
        Ok(UntagResourceResponse::default())
    }
}
