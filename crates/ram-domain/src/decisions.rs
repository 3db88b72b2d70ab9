//! Access decisions, beyond RAM's public API: may principal P perform action A on resource R, and
//! why. Only ASSOCIATED principals and resources of ACTIVE shares count; the share's permission
//! for R's type is evaluated with IAM semantics (`crate::access`) against the request context.
//! Served as `POST /checkaccess` and `ramd check-access`.

use ram_access::{Context, StatementOutcome, evaluate};
use ram_context::{Failure, Outcome};
use ram_model::{ApiError, ErrorCode, api_error};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType, ResourceShareStatus as ShareStatus,
};
use ram_store::{AssociationFilter, ReadTx, Scope, ShareRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arn::Arn;
use crate::listings::SourceKind;
use crate::principal::PrincipalKind;
use crate::share_permissions::{Attached, NotAttached};
use crate::{Caller, Ram};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckAccessRequest {
    /// A 12-digit account, an IAM role or user ARN, or a service principal.
    pub principal: String,
    /// An IAM action, `service:Action`.
    pub action: String,
    pub resource_arn: String,
    /// Condition keys of the request, e.g. `{"aws:RequestTag/env": "prod"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Whether the answer also covers the principal's side: its identity policies and the SCPs
    /// of its account's organization.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_identity: bool,
}

/// The identity side of a decision: what the principal's identity policies and its account's
/// SCPs say.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityAnswer {
    pub decision: Decision,
    /// Why not, in AWS's words, for a DENY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    Allow,
    Deny,
}

/// What granted access: the share, the association that names the principal, the permission
/// version and its statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub resource_share_arn: String,
    pub resource_share_name: String,
    pub associated_principal: String,
    pub association_status: AssociationStatus,
    pub permission_arn: String,
    pub permission_version: String,
    pub statement: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckAccessResponse {
    /// ALLOW when the resource side allows (and, if asked, the identity side too).
    pub decision: Decision,
    /// With `includeIdentity`: the resource side alone (the shares; `grant` or `reasons`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_decision: Option<Decision>,
    /// With `includeIdentity`: the identity side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<Grant>,
    /// For a DENY, why each share that holds the resource did not allow it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A request whose parts have been checked.
#[derive(Clone)]
struct Question {
    principal: String,
    kind: PrincipalKind,
    action: String,
    resource: Arn,
    resource_arn: String,
    context: Context,
}

fn parse_question(input: &CheckAccessRequest) -> Result<Question, ApiError> {
    let kind = PrincipalKind::parse(&input.principal)?;
    if matches!(
        kind,
        PrincipalKind::Organization { .. } | PrincipalKind::OrganizationalUnit { .. }
    ) {
        return Err(api_error!(
            InvalidParameterException,
            "Ask about an account, an IAM role or user, or a service principal, not {}.",
            input.principal
        ));
    }
    let valid_action = input.action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !name.is_empty()
            && !name.contains(':')
            && !input.action.contains(char::is_whitespace)
    });
    if !valid_action {
        return Err(api_error!(
            InvalidParameterException,
            "The action {} is not of the form service:Action.",
            input.action
        ));
    }
    let resource = Arn::parse(&input.resource_arn).ok_or_else(|| {
        api_error!(
            MalformedArnException,
            "The specified resource ARN {} is not valid. Verify the ARN and try again.",
            input.resource_arn
        )
    })?;
    let mut context = match &input.context {
        Some(v) => {
            Context::from_json(v).map_err(|e| api_error!(InvalidParameterException, "{e}"))?
        }
        None => Context::new(),
    };
    // Keys IAM fills in for every request, unless the caller supplied its own.
    if let Some(account) = kind.account() {
        let arn = if kind.is_iam() {
            input.principal.clone()
        } else {
            format!("arn:{}:iam::{account}:root", resource.partition)
        };
        default_key(&mut context, "aws:PrincipalAccount", account);
        default_key(&mut context, "aws:PrincipalArn", &arn);
    }
    default_key(&mut context, "aws:ResourceAccount", &resource.account);
    Ok(Question {
        principal: input.principal.clone(),
        kind,
        action: input.action.clone(),
        resource,
        resource_arn: input.resource_arn.clone(),
        context,
    })
}

/// An epoch-millisecond time as IAM writes `aws:CurrentTime` (ISO 8601, UTC).
fn iso8601(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn default_key(ctx: &mut Context, key: &str, value: &str) {
    if ctx.get(key).is_none() {
        ctx.insert(key, vec![value.to_owned()]);
    }
}

impl Ram {
    /// `POST /checkaccess`: the caller must own the resource or be in the principal's account.
    pub async fn check_access(
        &self,
        caller: &Caller,
        input: CheckAccessRequest,
    ) -> Result<CheckAccessResponse, ApiError> {
        let question = parse_question(&input)?;
        let own_resource = question.resource.account == caller.account_id;
        let own_principal = question.kind.account() == Some(caller.account_id.as_str());
        if !own_resource && !own_principal {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                "You can ask only about resources your account owns or principals of your account.",
            ));
        }
        if input.include_identity && !own_principal {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                "You can ask about the identity policies of your own account's principals only.",
            ));
        }
        let mut answer = self
            .ctx
            .with_retries("CheckAccess", || {
                self.decide(&question, &caller.region, &caller.partition)
            })
            .await?;
        if input.include_identity {
            self.add_identity(&question, &caller.region, &mut answer)
                .await?;
        }
        if !own_resource && matches!(answer.decision, Decision::Deny) {
            // The shares that did not grant are the resource owner's and need not reach the
            // caller: name none of them (an ALLOW's grant is a share that reaches the caller).
            answer.reasons = vec![format!(
                "No resource share in {} shared with {} grants {} on {}.",
                caller.region, question.principal, question.action, question.resource_arn
            )];
        }
        Ok(answer)
    }

    /// `ramd check-access`: the operator's view, with no caller to restrict it.
    pub async fn check_access_as_operator(
        &self,
        region: &str,
        input: CheckAccessRequest,
    ) -> Result<CheckAccessResponse, ApiError> {
        let question = parse_question(&input)?;
        let partition = question.resource.partition.clone();
        let mut answer = self
            .ctx
            .with_retries("CheckAccess", || self.decide(&question, region, &partition))
            .await?;
        if input.include_identity {
            self.add_identity(&question, region, &mut answer).await?;
        }
        Ok(answer)
    }

    /// Adds the identity side to `answer`: the principal's identity policies and its account's
    /// SCPs, evaluated as a call of the principal would be. A service principal has no identity
    /// side here (its service decides).
    async fn add_identity(
        &self,
        q: &Question,
        region: &str,
        answer: &mut CheckAccessResponse,
    ) -> Result<(), ApiError> {
        let Some(account) = q.kind.account() else {
            return Err(api_error!(
                InvalidParameterException,
                "A service principal has no identity policies: ask without includeIdentity."
            ));
        };
        let principal = if q.kind.is_iam() {
            Caller::principal(account, &q.principal, region)
        } else {
            Caller::root(account, region)
        };
        let check = ram_organizations::Check {
            action: q.action.clone(),
            resource: q.resource_arn.clone(),
            context: q.context.clone(),
        };
        let iam = self.organizations.iam();
        let verdict = self
            .ctx
            .with_retries("CheckAccess", || {
                let check = check.clone();
                let principal = &principal;
                Box::pin(async move {
                    let mut tx = self.store().read().await?;
                    let verdict = match iam.authorize(&mut tx, principal, vec![check]).await {
                        Ok(()) => Ok(None),
                        Err(Failure::Api(e)) if e.code == ErrorCode::AccessDeniedException => {
                            Ok(Some(e.message))
                        }
                        Err(e) => Err(e),
                    };
                    tx.commit().await?;
                    verdict
                })
            })
            .await?;
        let identity = IdentityAnswer {
            decision: if verdict.is_none() {
                Decision::Allow
            } else {
                Decision::Deny
            },
            reason: verdict,
        };
        answer.resource_decision = Some(answer.decision.clone());
        // Within one account the identity side alone decides (no share is needed); across
        // accounts both must allow.
        answer.decision = if account == q.resource.account || identity.decision == Decision::Deny {
            identity.decision.clone()
        } else {
            answer.decision.clone()
        };
        answer.identity = Some(identity);
        Ok(())
    }

    async fn decide(
        &self,
        q: &Question,
        region: &str,
        partition: &str,
    ) -> Outcome<CheckAccessResponse> {
        let now = self.now_ms();
        // IAM puts the time of the request in every request's context.
        let mut q = q.clone();
        default_key(&mut q.context, "aws:CurrentTime", &iso8601(now));
        default_key(&mut q.context, "aws:EpochTime", &(now / 1000).to_string());
        let q = &q;
        let mut tx = self.store().read().await?;
        let owner = Scope::Owner(q.resource.account.clone());
        let holdings = AssociationFilter {
            association_type: Some(AssociationType::Resource),
            entities: vec![q.resource_arn.clone()],
            statuses: crate::visibility::granting(),
            ..AssociationFilter::default()
        };
        let holdings = tx
            .list_associations(&owner, region, &holdings, None, usize::MAX >> 1, now)
            .await?;
        let mut reasons = Vec::new();
        for holding in &holdings.items {
            let Some(share) = tx.get_share(&holding.share_arn, now).await? else {
                continue;
            };
            if share.status != ShareStatus::Active {
                reasons.push(format!(
                    "{}: the resource share is {}.",
                    share.arn,
                    share.status.as_str()
                ));
                continue;
            }
            match self
                .share_decision(
                    &mut tx,
                    q,
                    &share,
                    holding.resource_type.as_deref(),
                    region,
                    partition,
                    now,
                )
                .await?
            {
                Ok(grant) => {
                    tx.commit().await?;
                    return Ok(CheckAccessResponse {
                        decision: Decision::Allow,
                        resource_decision: None,
                        identity: None,
                        grant: Some(grant),
                        reasons: Vec::new(),
                    });
                }
                Err(reason) => reasons.push(format!("{}: {reason}", share.arn)),
            }
        }
        tx.commit().await?;
        if reasons.is_empty() {
            reasons.push(format!(
                "No resource share in {region} holds {} in status ASSOCIATED.",
                q.resource_arn
            ));
        }
        Ok(CheckAccessResponse {
            decision: Decision::Deny,
            resource_decision: None,
            identity: None,
            grant: None,
            reasons,
        })
    }

    /// Whether one share allows the request: the grant, or why not.
    #[allow(clippy::too_many_arguments)]
    async fn share_decision(
        &self,
        tx: &mut ReadTx,
        q: &Question,
        share: &ShareRecord,
        resource_type: Option<&str>,
        region: &str,
        partition: &str,
        now: i64,
    ) -> Outcome<Result<Grant, String>> {
        let scope = Scope::Owner(share.owner_account.clone());
        let entities = self.entities_denoting(tx, &q.kind, &q.principal).await?;
        let principals = AssociationFilter {
            association_type: Some(AssociationType::Principal),
            share_arns: vec![share.arn.clone()],
            entities,
            statuses: crate::visibility::granting(),
            ..AssociationFilter::default()
        };
        let named = tx
            .list_associations(&scope, region, &principals, None, 1, now)
            .await?;
        let Some(association) = named.items.first() else {
            return Ok(Err(format!(
                "the resource share does not name {} in status ASSOCIATED.",
                q.principal
            )));
        };
        if matches!(q.kind, PrincipalKind::Service(_)) {
            let sources = AssociationFilter {
                association_type: Some(AssociationType::Source),
                share_arns: vec![share.arn.clone()],
                statuses: crate::visibility::granting(),
                ..AssociationFilter::default()
            };
            let sources = tx
                .list_associations(&scope, region, &sources, None, usize::MAX >> 1, now)
                .await?;
            if !sources.items.is_empty()
                && !sources
                    .items
                    .iter()
                    .any(|s| source_matches(&s.entity, &q.context))
            {
                return Ok(Err("the request's aws:SourceAccount / aws:SourceArn match none of the share's sources.".to_owned()));
            }
        }
        let owner = Caller {
            account_id: share.owner_account.clone(),
            principal_arn: String::new(),
            region: region.to_owned(),
            partition: partition.to_owned(),
            source_ip: None,
        };
        let Attached {
            view,
            version,
            template,
        } = match self
            .attached_template(tx, &owner, &share.arn, resource_type, now)
            .await?
        {
            Ok(attached) => attached,
            Err(NotAttached::NoPermission) => {
                return Ok(Err(
                    "the resource share has no permission for the resource's type.".to_owned(),
                ));
            }
            Err(NotAttached::VersionGone { arn, version }) => {
                return Ok(Err(format!("version {version} of {arn} no longer exists.")));
            }
        };
        let statement: Value = serde_json::from_str(&version.template).unwrap_or(Value::Null);
        Ok(match evaluate(&template, &q.action, &q.context) {
            StatementOutcome::Allows => Ok(Grant {
                resource_share_arn: share.arn.clone(),
                resource_share_name: share.name.clone(),
                associated_principal: association.entity.clone(),
                association_status: association.status,
                permission_arn: view.arn.clone(),
                permission_version: version.version.to_string(),
                statement,
            }),
            StatementOutcome::ActionNotListed => Err(format!(
                "version {} of {} does not allow {}.",
                version.version, view.arn, q.action
            )),
            StatementOutcome::ConditionFailed { operator, key } => Err(format!(
                "version {} of {} allows {} only when its condition {operator} on {key} holds, and it does not.",
                version.version, view.arn, q.action
            )),
        })
    }

    /// The principal entities of a share that give `principal` access: the principal itself; for
    /// an IAM role or user, its account; and, when its account's organization shares with RAM, the
    /// organization and the OUs that contain the account (as they are now).
    async fn entities_denoting(
        &self,
        tx: &mut ReadTx,
        kind: &PrincipalKind,
        principal: &str,
    ) -> Outcome<Vec<String>> {
        let mut entities = vec![principal.to_owned()];
        if let Some(account) = kind.account() {
            if kind.is_iam() {
                entities.push(account.to_owned());
            }
            entities.extend(self.reach(tx, account).await?.entities);
        }
        Ok(entities)
    }
}

/// Whether a share's `sources` entry admits the request (by aws:SourceAccount or aws:SourceArn).
fn source_matches(source: &str, ctx: &Context) -> bool {
    let has = |key: &str, wanted: &str| {
        ctx.get(key)
            .is_some_and(|values| values.iter().any(|v| v == wanted))
    };
    match SourceKind::of(source) {
        SourceKind::Account => has("aws:SourceAccount", source),
        SourceKind::Arn => has("aws:SourceArn", source),
        SourceKind::Organization => has("aws:SourceOrgID", source),
        SourceKind::OrganizationPath => ctx
            .get("aws:SourceOrgPaths")
            .is_some_and(|paths| paths.iter().any(|p| p.starts_with(source))),
    }
}
