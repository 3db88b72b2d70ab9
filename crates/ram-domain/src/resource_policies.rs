//! Shares and permissions RAM creates from resource-based policies (featureSet
//! CREATED_FROM_POLICY), and their promotion to standard ones: PromotePermissionCreatedFromPolicy
//! and PromoteResourceShareCreatedFromPolicy.
//!
//! On AWS such a share appears when a resource's owning service is given a resource-based policy
//! that names principals of other accounts. ramd has no owning services, so it offers that event
//! as an operation of its own, `PutResourcePolicy` (`POST /putresourcepolicy`).

use std::collections::BTreeSet;

use ram_access::template::parse_stored;
use ram_context::Outcome;
use ram_model::PermissionStatus;
use ram_model::{
    ApiError, PermissionFeatureSet, PromotePermissionCreatedFromPolicyRequest,
    PromotePermissionCreatedFromPolicyResponse, PromoteResourceShareCreatedFromPolicyRequest,
    PromoteResourceShareCreatedFromPolicyResponse, ResourceShareFeatureSet as ShareFeatureSet,
    api_error,
};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType, ResourceShareStatus as ShareStatus,
};
use ram_store::{AssociationFilter, Lifecycle, NewAssociation, NewPermission, NewShare, Scope};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::arn::Arn;
use crate::associations::new_association;
use crate::catalog::ResourceTypeInfo;
use crate::idempotency::ClientToken;
use crate::permissions::PermissionView;
use crate::principal::PrincipalKind;
use crate::visibility::live_shares;
use crate::{Caller, Ram};

/// Input of ramd's `PutResourcePolicy`: the resource and the policy its owning service was given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutResourcePolicyRequest {
    pub resource_arn: String,
    pub policy: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutResourcePolicyResponse {
    pub resource_share_arn: String,
    pub permission_arn: String,
}

/// The parts of a resource-based policy RAM keeps: who, what, under which condition.
struct PolicyGrant {
    principals: Vec<String>,
    actions: Vec<String>,
    condition: Option<Value>,
}

fn invalid_policy(message: &str) -> ApiError {
    api_error!(InvalidPolicyException, "{message}")
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// Reads a resource-based policy: one or more Allow statements on `resource_arn` naming AWS
/// principals; all statements must grant the same actions under the same condition, since RAM
/// represents them as one permission.
fn read_policy(
    text: &str,
    resource_arn: &str,
    info: &ResourceTypeInfo,
) -> Result<PolicyGrant, ApiError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        api_error!(
            MalformedPolicyTemplateException,
            "The policy is not valid JSON: {e}"
        )
    })?;
    let statements = match doc.get("Statement") {
        Some(Value::Array(s)) if !s.is_empty() => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => {
            return Err(api_error!(
                MalformedPolicyTemplateException,
                "The policy must have at least one Statement."
            ));
        }
    };
    let mut grant: Option<PolicyGrant> = None;
    let mut principals = BTreeSet::new();
    for statement in &statements {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            return Err(invalid_policy(
                "RAM represents only Allow statements of a resource-based policy.",
            ));
        }
        let resources = statement
            .get("Resource")
            .and_then(strings)
            .unwrap_or_default();
        if !resources.iter().all(|r| r == resource_arn) {
            return Err(invalid_policy(&format!(
                "Every statement must have the Resource {resource_arn}."
            )));
        }
        let named = statement
            .get("Principal")
            .and_then(|p| p.get("AWS"))
            .and_then(strings)
            .unwrap_or_default();
        if named.is_empty() {
            return Err(invalid_policy("Every statement must name AWS principals."));
        }
        for p in named {
            // `arn:aws:iam::<account>:root` is the account itself.
            let p = p
                .strip_prefix("arn:aws:iam::")
                .and_then(|r| r.strip_suffix(":root"))
                .map_or(p.clone(), str::to_owned);
            match PrincipalKind::parse(&p)? {
                PrincipalKind::Account(_)
                | PrincipalKind::IamRole { .. }
                | PrincipalKind::IamUser { .. } => {
                    principals.insert(p);
                }
                _ => {
                    return Err(invalid_policy(&format!(
                        "The principal {p} can't be named in a resource-based policy."
                    )));
                }
            }
        }
        let actions = statement
            .get("Action")
            .and_then(strings)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| invalid_policy("Every statement must have an Action."))?;
        for action in &actions {
            let service = action.split(':').next().unwrap_or_default();
            if !service.eq_ignore_ascii_case(&info.arn.service) {
                return Err(invalid_policy(&format!(
                    "The action {action} is not an action of {}.",
                    info.service_name
                )));
            }
        }
        let condition = statement.get("Condition").cloned();
        match &grant {
            Some(g) if g.actions != actions || g.condition != condition => {
                return Err(invalid_policy(
                    "All statements must grant the same actions under the same condition.",
                ));
            }
            Some(_) => {}
            None => {
                grant = Some(PolicyGrant {
                    principals: Vec::new(),
                    actions,
                    condition,
                });
            }
        }
    }
    let mut grant = grant.expect("at least one statement was read");
    grant.principals = principals.into_iter().collect();
    Ok(grant)
}

/// The actions a permission version grants, as a set for comparison.
/// What a permission version grants, for comparison: its set of actions and its condition (a
/// promotion must neither widen nor narrow access).
fn grant_of(template: &str) -> Option<(BTreeSet<String>, Option<Value>)> {
    parse_stored(template).ok().map(|t| {
        (
            t.actions.iter().map(|a| a.to_ascii_lowercase()).collect(),
            t.condition,
        )
    })
}

impl Ram {
    /// ramd's stand-in for an owning service receiving a resource-based policy: RAM records it as
    /// a CREATED_FROM_POLICY share (replacing the one an earlier policy made) with a permission
    /// that grants the policy's actions.
    pub async fn put_resource_policy(
        &self,
        caller: &Caller,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, ApiError> {
        self.ctx
            .with_retries("PutResourcePolicy", || {
                self.put_resource_policy_once(caller, &input)
            })
            .await
    }

    async fn put_resource_policy_once(
        &self,
        caller: &Caller,
        input: &PutResourcePolicyRequest,
    ) -> Outcome<PutResourcePolicyResponse> {
        let info = self.resolve_resource(caller, &input.resource_arn)?.clone();
        let grant = read_policy(&input.policy, &input.resource_arn, &info)?;
        let now = self.now_ms();
        let mut tx = self.store().begin_for(Some(&caller.account_id)).await?;
        // An earlier policy's share goes away with it.
        let holdings = AssociationFilter {
            association_type: Some(AssociationType::Resource),
            entities: vec![input.resource_arn.clone()],
            statuses: crate::visibility::live_associations(),
            ..AssociationFilter::default()
        };
        let scope = Scope::Owner(caller.account_id.clone());
        for holding in tx
            .list_associations(
                &scope,
                &caller.region,
                &holdings,
                None,
                usize::MAX >> 1,
                now,
            )
            .await?
            .items
        {
            let Some(share) = tx.get_share(&holding.share_arn, now).await? else {
                continue;
            };
            if share.feature_set == ShareFeatureSet::CreatedFromPolicy
                && share.status == ShareStatus::Active
            {
                self.end_all_associations(&mut tx, &share, now).await?;
                tx.set_share_lifecycle(
                    &share.arn,
                    &Lifecycle::now(ShareStatus::Deleted),
                    Some(now + self.config.deleted_share_retention_seconds * 1000),
                    now,
                )
                .await?;
                // The old policy's permission goes with it once nothing uses it.
                for attached in tx
                    .share_permissions(std::slice::from_ref(&share.arn))
                    .await?
                {
                    self.retire_policy_permission(&mut tx, &attached.permission_arn, now)
                        .await?;
                }
            }
        }
        let id = self.ctx.uuid();
        let share_arn = format!(
            "arn:{}:ram:{}:{}:resource-share/{id}",
            caller.partition, caller.region, caller.account_id
        );
        let permission_arn = format!(
            "arn:{}:ram:{}:{}:permission/PolicyPermission-{id}",
            caller.partition, caller.region, caller.account_id
        );
        tx.insert_share(&NewShare {
            arn: share_arn.clone(),
            owner_account: caller.account_id.clone(),
            region: caller.region.clone(),
            name: format!(
                "{}-policy",
                input
                    .resource_arn
                    .rsplit(['/', ':'])
                    .next()
                    .unwrap_or("resource")
            ),
            allow_external: true,
            feature_set: ShareFeatureSet::CreatedFromPolicy,
            retain_on_leave: None,
            lifecycle: Lifecycle::now(ShareStatus::Active),
            created_ms: now,
        })
        .await?;
        let mut template = json!({"Effect": "Allow", "Action": grant.actions});
        if let Some(c) = &grant.condition {
            template["Condition"] = c.clone();
        }
        tx.insert_permission(
            &NewPermission {
                arn: permission_arn.clone(),
                account_id: caller.account_id.clone(),
                region: caller.region.clone(),
                name: format!("PolicyPermission-{id}"),
                resource_type: info.resource_type.clone(),
                feature_set: PermissionFeatureSet::CreatedFromPolicy,
                status: PermissionStatus::Attachable,
                now_ms: now,
            },
            &template.to_string(),
        )
        .await?;
        let share = tx
            .get_share(&share_arn, now)
            .await?
            .ok_or_else(ApiError::internal)?;
        let view = self
            .load_permission(&mut tx, caller, &permission_arn, now)
            .await?;
        self.attach_permission(&mut tx, &share, &view, now).await?;
        // Access through a resource policy needs no invitation.
        let settling = Lifecycle::until(
            AssociationStatus::Associating,
            now + self.config.association_delay_ms,
            AssociationStatus::Associated,
            now,
        );
        let resource = NewAssociation {
            resource_type: Some(info.resource_type.clone()),
            ..new_association(
                &share,
                AssociationType::Resource,
                &input.resource_arn,
                settling.clone(),
                now,
            )
        };
        tx.upsert_association(&resource).await?;
        for principal in &grant.principals {
            let kind = PrincipalKind::parse(principal)?;
            let account = kind.account().map(str::to_owned);
            let new = NewAssociation {
                external: account.as_deref() != Some(caller.account_id.as_str()),
                entity_account: account,
                ..new_association(
                    &share,
                    AssociationType::Principal,
                    principal,
                    settling.clone(),
                    now,
                )
            };
            tx.upsert_association(&new).await?;
        }
        tx.commit().await?;
        Ok(PutResourcePolicyResponse {
            resource_share_arn: share_arn,
            permission_arn,
        })
    }

    pub(crate) async fn promote_permission_created_from_policy(
        &self,
        caller: &Caller,
        input: PromotePermissionCreatedFromPolicyRequest,
    ) -> Outcome<PromotePermissionCreatedFromPolicyResponse> {
        let token = ClientToken::parse(input.client_token.as_deref())?;
        let arn = input.permission_arn.clone();
        let name = input.name.clone();
        if name.is_empty()
            || name.chars().count() > 36
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-".contains(c))
        {
            return Err(api_error!(
                InvalidParameterException,
                "The permission name {name} is not valid: use 1-36 letters, digits, '_', '.', '-'."
            )
            .into());
        }
        let now = self.now_ms();
        self.idempotent_write(
            caller,
            "PromotePermissionCreatedFromPolicy",
            &token,
            &input,
            async |tx| {
                let view = self.own_permission(tx, caller, &arn, now).await?;
                if view.feature_set != PermissionFeatureSet::CreatedFromPolicy
                    || view.status == PermissionStatus::Deleting
                    || view.status == PermissionStatus::Deleted
                {
                    return Err(api_error!(
                        OperationNotPermittedException,
                        "The permission {arn} was not created from a resource-based policy."
                    )
                    .into());
                }
                let promoted_arn = format!(
                    "arn:{}:ram:{}:{}:permission/{name}",
                    caller.partition, caller.region, caller.account_id
                );
                if tx.get_permission(&promoted_arn, now).await?.is_some() {
                    return Err(api_error!(
                        InvalidParameterException,
                        "A permission with the name {name} already exists in this Region."
                    )
                    .into());
                }
                tx.purge_permission(&promoted_arn).await?;
                tx.insert_permission(
                    &NewPermission {
                        arn: promoted_arn.clone(),
                        account_id: caller.account_id.clone(),
                        region: caller.region.clone(),
                        name,
                        resource_type: view.resource_type.clone(),
                        feature_set: PermissionFeatureSet::Standard,
                        status: PermissionStatus::Attachable,
                        now_ms: now,
                    },
                    &view.default().template,
                )
                .await?;
                let promoted = self.load_permission(tx, caller, &promoted_arn, now).await?;
                let output = PromotePermissionCreatedFromPolicyResponse {
                    permission: Some(promoted.summary(promoted.default())),
                    client_token: token.echo(),
                };
                Ok(output)
            },
        )
        .await
    }

    pub(crate) async fn promote_resource_share_created_from_policy(
        &self,
        caller: &Caller,
        input: PromoteResourceShareCreatedFromPolicyRequest,
    ) -> Outcome<PromoteResourceShareCreatedFromPolicyResponse> {
        let arn = input.resource_share_arn.clone();
        Arn::parse_ram(&arn, "resource-share")?;
        let now = self.now_ms();
        let mut tx = self.store().begin_for(Some(&caller.account_id)).await?;
        let share = self.owned_share(&mut tx, caller, &arn, now).await?;
        if share.status != ShareStatus::Active {
            return Err(api_error!(
                InvalidStateTransitionException,
                "The resource share {arn} is in {} state.",
                share.status.as_str()
            )
            .into());
        }
        if share.feature_set != ShareFeatureSet::CreatedFromPolicy {
            return Err(api_error!(
                OperationNotPermittedException,
                "The resource share {arn} was not created from a resource-based policy."
            )
            .into());
        }
        // Each resource type's policy permission must be matched by a standard managed permission.
        let mut replacements: Vec<(String, PermissionView)> = Vec::new();
        for attached in tx.share_permissions(std::slice::from_ref(&arn)).await? {
            let from = self
                .load_permission(&mut tx, caller, &attached.permission_arn, now)
                .await?;
            let wanted = grant_of(&from.default().template);
            let candidates = self
                .standard_permissions_for(&mut tx, caller, &from.resource_type, now)
                .await?;
            let matched = candidates.into_iter().find(|p| grant_of(&p.default().template) == wanted).ok_or_else(|| {
                api_error!(
                    UnmatchedPolicyPermissionException,
                    "No managed permission grants the same actions as {}. Run PromotePermissionCreatedFromPolicy first.",
                    from.arn
                )
            })?;
            replacements.push((attached.permission_arn.clone(), matched));
        }
        for (old_arn, permission) in &replacements {
            self.attach_permission(&mut tx, &share, permission, now)
                .await?;
            self.retire_policy_permission(&mut tx, old_arn, now).await?;
        }
        tx.set_share_feature_set(&arn, ShareFeatureSet::Standard, now)
            .await?;
        tx.commit().await?;
        Ok(PromoteResourceShareCreatedFromPolicyResponse {
            return_value: Some(true),
        })
    }

    /// A permission made from a policy is deleted once no live share uses it.
    async fn retire_policy_permission(
        &self,
        tx: &mut ram_store::WriteTx,
        arn: &str,
        now: i64,
    ) -> Outcome<()> {
        let Some(record) = tx.get_permission(arn, now).await? else {
            return Ok(());
        };
        if record.feature_set == PermissionFeatureSet::CreatedFromPolicy
            && tx
                .count_permission_attachments(arn, None, &live_shares(), now)
                .await?
                == 0
        {
            let gone = Some(now + crate::permissions::DELETED_RETENTION_MS);
            tx.set_permission_lifecycle(arn, &Lifecycle::now(PermissionStatus::Deleted), gone, now)
                .await?;
        }
        Ok(())
    }

    /// Attachable standard permissions for a resource type: AWS managed, then the caller's own.
    async fn standard_permissions_for(
        &self,
        tx: &mut ram_store::ReadTx,
        caller: &Caller,
        resource_type: &str,
        now: i64,
    ) -> Outcome<Vec<PermissionView>> {
        let mut out: Vec<PermissionView> = self
            .catalog
            .get(resource_type)
            .map(|t| {
                t.permissions
                    .iter()
                    .map(|p| PermissionView::managed(&caller.partition, t, p))
                    .collect()
            })
            .unwrap_or_default();
        let own = self.own_permission_records(tx, caller, now).await?;
        for record in own {
            if record.resource_type == resource_type
                && record.feature_set == PermissionFeatureSet::Standard
                && record.status == PermissionStatus::Attachable
            {
                out.push(self.stored_permission(tx, record).await?);
            }
        }
        Ok(out)
    }
}

/// Shares made from a resource-based policy change only through the policy (or once promoted).
pub(crate) fn refuse_policy_share(feature_set: ShareFeatureSet, arn: &str) -> Result<(), ApiError> {
    if feature_set == ShareFeatureSet::Standard {
        return Ok(());
    }
    Err(api_error!(
        OperationNotPermittedException,
        "The resource share {arn} was created from a resource-based policy; change the policy, or promote the share first."
    ))
}
