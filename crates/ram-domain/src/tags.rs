//! Tags on resource shares and customer managed permissions: TagResource, UntagResource, and tag
//! validation for CreateResourceShare and CreatePermission.

use std::collections::HashMap;

use ram_context::{Failure, Outcome};
use ram_model::PermissionStatus;
use ram_model::ResourceShareStatus as ShareStatus;
use ram_model::{
    ApiError, ErrorCode, Tag, TagResourceRequest, TagResourceResponse, UntagResourceRequest,
    UntagResourceResponse, api_error,
};
use ram_store::ReadTx;

use crate::arn::Arn;
use crate::shares::share_not_found;
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

/// Store tags rendered for output, grouped by the ARN they belong to.
fn group(rows: Vec<(String, ram_store::Tag)>) -> HashMap<String, Vec<Tag>> {
    let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
    for (arn, tag) in rows {
        map.entry(arn).or_default().push(Tag {
            key: Some(tag.key),
            value: Some(tag.value),
        });
    }
    map
}

/// Tags of each share, rendered for output.
pub(crate) async fn tags_by_share(
    tx: &mut ReadTx,
    arns: &[String],
) -> Outcome<HashMap<String, Vec<Tag>>> {
    Ok(group(tx.share_tags(arns).await?))
}

/// Tags of each permission (shared by all its versions), rendered for output.
pub(crate) async fn tags_by_permission(
    tx: &mut ReadTx,
    arns: &[String],
) -> Outcome<HashMap<String, Vec<Tag>>> {
    Ok(group(tx.permission_tags(arns).await?))
}

/// What a Tag/Untag call names: a resource share or a customer managed permission.
enum Tagged {
    Share(String),
    Permission(String),
}

impl Ram {
    /// The taggable resource a Tag/Untag call names: exactly one of `resourceShareArn` and
    /// `resourceArn`; either names a share, `resourceArn` may also name a permission. A
    /// `resourceArn` that names nothing of the caller's is `not_found`, the calling operation's
    /// own code (TagResource: `ResourceArnNotFoundException`; UntagResource, which models no such
    /// error: `UnknownResourceException`).
    async fn tagged(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        share_arn: Option<&String>,
        resource_arn: Option<&String>,
        not_found: ErrorCode,
        now: i64,
    ) -> Outcome<Tagged> {
        let ((Some(arn), None) | (None, Some(arn))) = (share_arn, resource_arn) else {
            return Err(api_error!(
                InvalidParameterException,
                "You must specify exactly one of resourceShareArn and resourceArn."
            )
            .into());
        };
        let unknown =
            || ApiError::new(not_found, format!("The resource {arn} could not be found."));
        let parsed = Arn::parse(arn)
            .filter(|a| a.service == "ram")
            .ok_or_else(|| {
                api_error!(
                    MalformedArnException,
                    "The specified ARN {arn} is not valid. Verify the ARN and try again."
                )
            })?;
        if parsed.resource.starts_with("permission/") && resource_arn.is_some() {
            let view = match self.own_permission(tx, caller, arn, now).await {
                Err(Failure::Api(e)) if e.code == ErrorCode::UnknownResourceException => {
                    return Err(unknown().into());
                }
                other => other?,
            };
            if view.status == PermissionStatus::Deleted || view.status == PermissionStatus::Deleting
            {
                return Err(unknown().into());
            }
            return Ok(Tagged::Permission(view.arn));
        }
        if !parsed.resource.starts_with("resource-share/") {
            return Err(unknown().into());
        }
        let share = self.owned_share(tx, caller, arn, now).await?;
        if share.status == ShareStatus::Deleted || share.status == ShareStatus::Deleting {
            return Err(share_not_found(arn).into());
        }
        Ok(Tagged::Share(share.arn))
    }

    pub(crate) async fn tag_resource(
        &self,
        caller: &Caller,
        input: TagResourceRequest,
    ) -> Outcome<TagResourceResponse> {
        let now = self.now_ms();
        let limit = self.config.quotas.tags_per_resource;
        let tags = validate_tags(&input.tags, limit)?;
        let mut tx = self.store().begin_for(Some(&caller.account_id)).await?;
        let target = self
            .tagged(
                &mut tx,
                caller,
                input.resource_share_arn.as_ref(),
                input.resource_arn.as_ref(),
                ErrorCode::ResourceArnNotFoundException,
                now,
            )
            .await?;
        let existing = match &target {
            Tagged::Share(arn) => tx.share_tags(std::slice::from_ref(arn)).await?,
            Tagged::Permission(arn) => tx.permission_tags(std::slice::from_ref(arn)).await?,
        };
        let total = existing
            .iter()
            .filter(|(_, t)| !tags.iter().any(|n| n.key == t.key))
            .count()
            + tags.len();
        if total > limit {
            return Err(api_error!(
                TagLimitExceededException,
                "A resource can have at most {limit} tags."
            )
            .into());
        }
        match &target {
            Tagged::Share(arn) => tx.put_share_tags(arn, &tags).await?,
            Tagged::Permission(arn) => tx.put_permission_tags(arn, &tags).await?,
        }
        tx.commit().await?;
        Ok(TagResourceResponse::default())
    }

    pub(crate) async fn untag_resource(
        &self,
        caller: &Caller,
        input: UntagResourceRequest,
    ) -> Outcome<UntagResourceResponse> {
        let now = self.now_ms();
        let keys = input.tag_keys.clone();
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
        let mut tx = self.store().begin_for(Some(&caller.account_id)).await?;
        match self
            .tagged(
                &mut tx,
                caller,
                input.resource_share_arn.as_ref(),
                input.resource_arn.as_ref(),
                ErrorCode::UnknownResourceException,
                now,
            )
            .await?
        {
            Tagged::Share(arn) => tx.remove_share_tags(&arn, &keys).await?,
            Tagged::Permission(arn) => tx.remove_permission_tags(&arn, &keys).await?,
        }
        tx.commit().await?;
        Ok(UntagResourceResponse::default())
    }
}
