//! Service control policies: CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy,
//! ListPolicies, AttachPolicy, DetachPolicy, ListTargetsForPolicy, ListPoliciesForTarget,
//! EnablePolicyType and DisablePolicyType, all the management account's. Enabling the type on
//! the root attaches the AWS managed `FullAWSAccess` to the root, every OU and every account,
//! and every OU or account that joins later gets it too, as AWS does; a target keeps at least
//! one SCP. Only `SERVICE_CONTROL_POLICY` is served; the other types are not available.
//! What SCPs allow is decided in `authorization.rs`.

use ram_context::{Caller, Outcome};
use ram_model::organizations::{
    AttachPolicyRequest, CreatePolicyRequest, CreatePolicyResponse, DeletePolicyRequest,
    DescribePolicyRequest, DescribePolicyResponse, DetachPolicyRequest, DisablePolicyTypeRequest,
    DisablePolicyTypeResponse, EnablePolicyTypeRequest, EnablePolicyTypeResponse,
    ListPoliciesForTargetRequest, ListPoliciesForTargetResponse, ListPoliciesRequest,
    ListPoliciesResponse, ListTargetsForPolicyRequest, ListTargetsForPolicyResponse,
    OrganizationFeatureSet, Policy, PolicySummary, PolicyTargetSummary, PolicyType,
    PolicyTypeStatus, PolicyTypeSummary, Root, TargetType,
};
use ram_model::{ApiError, api_error};
use ram_store::{Membership, OrgPolicyRecord, ReadTx, WriteTx};

use crate::organization::render_root;
use crate::{Organizations, account_in, id_part, managed_by, org_arn, unit_in};

/// The AWS managed SCP every target gets when SCPs are enabled.
pub(crate) const FULL_AWS_ACCESS_ID: &str = "p-FullAWSAccess";
const FULL_AWS_ACCESS_CONTENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// Organizations' quotas: SCPs attached to one target, an SCP's size (characters).
const SCPS_PER_TARGET: usize = 5;
const SCP_SIZE: usize = 5120;
/// More than an organization holds (1,000 OUs; accounts in the thousands): one read of all.
const MANY: usize = 100_000;

fn policy_not_found() -> ApiError {
    api_error!(
        PolicyNotFoundException,
        "We can't find a policy with the PolicyId that you specified."
    )
}

fn target_not_found() -> ApiError {
    api_error!(
        TargetNotFoundException,
        "We can't find a root, OU, account, or policy with the TargetId that you specified."
    )
}

fn not_available(policy_type: PolicyType) -> ApiError {
    api_error!(
        PolicyTypeNotAvailableForOrganizationException,
        "You can't use policies of type {} in this organization: ramd serves service control policies only, in an organization with all features.",
        policy_type.as_str()
    )
}

fn aws_managed_unchangeable() -> ApiError {
    api_error!(
        AccessDeniedException,
        "You can't change or delete an AWS managed policy."
    )
}

/// A policy as the operations read it: the organization's own, or AWS's FullAWSAccess.
pub(crate) enum OrgPolicy {
    FullAwsAccess,
    Own(OrgPolicyRecord),
}

impl OrgPolicy {
    pub(crate) fn content(&self) -> &str {
        match self {
            OrgPolicy::FullAwsAccess => FULL_AWS_ACCESS_CONTENT,
            OrgPolicy::Own(p) => &p.content,
        }
    }

    fn summary(&self, m: &Membership) -> PolicySummary {
        match self {
            OrgPolicy::FullAwsAccess => PolicySummary {
                id: Some(FULL_AWS_ACCESS_ID.to_owned()),
                arn: Some(format!(
                    "arn:{}:organizations::aws:policy/service_control_policy/{FULL_AWS_ACCESS_ID}",
                    m.org_arn.split(':').nth(1).unwrap_or("aws")
                )),
                name: Some("FullAWSAccess".to_owned()),
                description: Some("Allows access to every operation".to_owned()),
                r#type: Some(PolicyType::ServiceControlPolicy),
                aws_managed: Some(true),
            },
            OrgPolicy::Own(p) => PolicySummary {
                id: Some(p.policy_id.clone()),
                arn: Some(org_arn(
                    &m.org_arn,
                    &m.org_id,
                    "policy",
                    &format!("service_control_policy/{}", p.policy_id),
                )),
                name: Some(p.name.clone()),
                description: Some(p.description.clone()),
                r#type: Some(p.policy_type),
                aws_managed: Some(false),
            },
        }
    }

    fn render(&self, m: &Membership) -> Policy {
        Policy {
            policy_summary: Some(self.summary(m)),
            content: Some(self.content().to_owned()),
        }
    }
}

/// The policy `id` names in the caller's organization.
pub(crate) async fn policy_in(tx: &mut ReadTx, m: &Membership, id: &str) -> Outcome<OrgPolicy> {
    if id == FULL_AWS_ACCESS_ID {
        return Ok(OrgPolicy::FullAwsAccess);
    }
    let policy = tx
        .get_org_policy(id)
        .await?
        .filter(|p| p.org_id == m.org_id)
        .ok_or_else(policy_not_found)?;
    Ok(OrgPolicy::Own(policy))
}

/// Checks an SCP's content: a policy document (`MalformedPolicyDocumentException`) within the size
/// quota.
fn check_content(content: &str) -> Result<(), ApiError> {
    ram_access::parse_policy(content)
        .map_err(|e| api_error!(MalformedPolicyDocumentException, "{}", e.0))?;
    if content.chars().filter(|c| !c.is_whitespace()).count() > SCP_SIZE {
        return Err(api_error!(
            ConstraintViolationException,
            "You provided policy content that exceeds the maximum size ({SCP_SIZE} characters)."
        )
        .with_reason("POLICY_CONTENT_LIMIT_EXCEEDED"));
    }
    Ok(())
}

/// SCPs need an organization with all features.
fn check_available(m: &Membership, policy_type: PolicyType) -> Result<(), ApiError> {
    if policy_type != PolicyType::ServiceControlPolicy
        || m.feature_set != OrganizationFeatureSet::All
    {
        return Err(not_available(policy_type));
    }
    Ok(())
}

/// What a target id names in the organization: its kind, ARN and name.
async fn target_in(
    tx: &mut ReadTx,
    m: &Membership,
    id: &str,
) -> Outcome<(TargetType, String, String)> {
    if ram_context::is_account_id(id) {
        let account = account_in(tx, m, id).await?.ok_or_else(target_not_found)?;
        let (name, _) = crate::organization::account_profile(tx, id).await?;
        return Ok((TargetType::Account, account.arn, name));
    }
    let unit = unit_in(tx, m, id).await?.ok_or_else(target_not_found)?;
    let kind = if unit.parent_id.is_none() {
        TargetType::Root
    } else {
        TargetType::OrganizationalUnit
    };
    Ok((kind, unit.arn, unit.name))
}

/// A page of `items` in id order after the page's cursor.
fn page_of<T>(
    items: Vec<(String, T)>,
    page: &ram_context::PageRequest<'_>,
) -> (Vec<T>, bool, Option<(i64, String)>) {
    let mut rest: Vec<(String, T)> = items
        .into_iter()
        .filter(|(id, _)| page.after.as_ref().is_none_or(|(_, after)| id > after))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    let more = rest.len() > page.limit;
    rest.truncate(page.limit);
    let last = rest.last().map(|(id, _)| (0, id.clone()));
    (rest.into_iter().map(|(_, t)| t).collect(), more, last)
}

impl Organizations {
    /// Attaches FullAWSAccess to a root, OU or account that comes into an organization with SCPs
    /// enabled (CreateOrganizationalUnit, CreateAccount, an accepted invitation).
    pub(crate) async fn attach_default_policies(
        &self,
        tx: &mut WriteTx,
        org_id: &str,
        target_id: &str,
    ) -> Outcome<()> {
        if tx
            .org_has_policy_type(org_id, PolicyType::ServiceControlPolicy)
            .await?
        {
            tx.attach_org_policy(
                org_id,
                target_id,
                FULL_AWS_ACCESS_ID,
                PolicyType::ServiceControlPolicy,
            )
            .await?;
        }
        Ok(())
    }

    async fn render_root_of(
        &self,
        tx: &mut ReadTx,
        m: &Membership,
        root_id: &str,
    ) -> Outcome<Root> {
        let root = unit_in(tx, m, root_id)
            .await?
            .filter(|u| u.parent_id.is_none())
            .ok_or_else(|| {
                api_error!(
                    RootNotFoundException,
                    "We can't find a root with the RootId that you specified."
                )
            })?;
        let types = tx.root_policy_types(&root.id).await?;
        Ok(render_root(&root, &types))
    }

    pub(crate) async fn create_policy(
        &self,
        caller: &Caller,
        input: CreatePolicyRequest,
    ) -> Outcome<CreatePolicyResponse> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        check_available(&m, input.r#type)?;
        check_content(&input.content)?;
        if tx
            .list_org_policies(&m.org_id, input.r#type)
            .await?
            .iter()
            .any(|p| p.name == input.name)
        {
            return Err(api_error!(
                DuplicatePolicyException,
                "A policy with the same name already exists."
            )
            .into());
        }
        let policy = OrgPolicyRecord {
            policy_id: format!("p-{}", id_part(&self.ctx, 8).to_ascii_lowercase()),
            org_id: m.org_id.clone(),
            policy_type: input.r#type,
            name: input.name,
            description: input.description,
            content: input.content,
            created_ms: self.ctx.now_ms(),
        };
        tx.insert_org_policy(&policy).await?;
        let tags = crate::tags::validate_org_tags(input.tags.as_deref().unwrap_or_default())?;
        tx.put_org_tags(&policy.policy_id, &tags).await?;
        tx.commit().await?;
        Ok(CreatePolicyResponse {
            policy: Some(OrgPolicy::Own(policy).render(&m)),
        })
    }

    pub(crate) async fn update_policy(
        &self,
        caller: &Caller,
        input: ram_model::organizations::UpdatePolicyRequest,
    ) -> Outcome<ram_model::organizations::UpdatePolicyResponse> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let OrgPolicy::Own(mut policy) = policy_in(&mut tx, &m, &input.policy_id).await? else {
            return Err(aws_managed_unchangeable().into());
        };
        if let Some(content) = input.content {
            check_content(&content)?;
            policy.content = content;
        }
        if let Some(name) = input.name {
            if name != policy.name
                && tx
                    .list_org_policies(&m.org_id, policy.policy_type)
                    .await?
                    .iter()
                    .any(|p| p.name == name)
            {
                return Err(api_error!(
                    DuplicatePolicyException,
                    "A policy with the same name already exists."
                )
                .into());
            }
            policy.name = name;
        }
        if let Some(description) = input.description {
            policy.description = description;
        }
        tx.update_org_policy(&policy).await?;
        tx.commit().await?;
        Ok(ram_model::organizations::UpdatePolicyResponse {
            policy: Some(OrgPolicy::Own(policy).render(&m)),
        })
    }

    pub(crate) async fn delete_policy(
        &self,
        caller: &Caller,
        input: DeletePolicyRequest,
    ) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let OrgPolicy::Own(policy) = policy_in(&mut tx, &m, &input.policy_id).await? else {
            return Err(aws_managed_unchangeable().into());
        };
        if !tx.org_policy_targets(&policy.policy_id).await?.is_empty() {
            return Err(api_error!(
                PolicyInUseException,
                "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation."
            )
            .into());
        }
        tx.delete_org_policy(&policy.policy_id).await?;
        tx.delete_org_tags(&policy.policy_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn describe_policy(
        &self,
        caller: &Caller,
        input: DescribePolicyRequest,
    ) -> Outcome<DescribePolicyResponse> {
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let policy = policy_in(&mut tx, &m, &input.policy_id).await?;
        tx.commit().await?;
        Ok(DescribePolicyResponse {
            policy: Some(policy.render(&m)),
        })
    }

    pub(crate) async fn list_policies(
        &self,
        caller: &Caller,
        input: ListPoliciesRequest,
    ) -> Outcome<ListPoliciesResponse> {
        let page = self.org_page(
            caller,
            "ListPolicies",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let mut all = Vec::new();
        if input.filter == PolicyType::ServiceControlPolicy {
            all.push((
                FULL_AWS_ACCESS_ID.to_owned(),
                OrgPolicy::FullAwsAccess.summary(&m),
            ));
            for p in tx.list_org_policies(&m.org_id, input.filter).await? {
                all.push((p.policy_id.clone(), OrgPolicy::Own(p).summary(&m)));
            }
        }
        tx.commit().await?;
        let (policies, more, last) = page_of(all, &page);
        Ok(ListPoliciesResponse {
            policies: Some(policies),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn attach_policy(
        &self,
        caller: &Caller,
        input: AttachPolicyRequest,
    ) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        policy_in(&mut tx, &m, &input.policy_id).await?;
        target_in(&mut tx, &m, &input.target_id).await?;
        let scp = PolicyType::ServiceControlPolicy;
        if !tx.org_has_policy_type(&m.org_id, scp).await? {
            return Err(api_error!(
                PolicyTypeNotEnabledException,
                "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root."
            )
            .into());
        }
        let attached = tx.org_policies_attached(&input.target_id, scp).await?;
        if attached.contains(&input.policy_id) {
            return Err(api_error!(
                DuplicatePolicyAttachmentException,
                "The selected policy is already attached to the specified target."
            )
            .into());
        }
        if attached.len() >= SCPS_PER_TARGET {
            return Err(api_error!(
                ConstraintViolationException,
                "You attempted to attach more than {SCPS_PER_TARGET} service control policies to one root, OU or account."
            )
            .with_reason("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
            .into());
        }
        tx.attach_org_policy(&m.org_id, &input.target_id, &input.policy_id, scp)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn detach_policy(
        &self,
        caller: &Caller,
        input: DetachPolicyRequest,
    ) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        policy_in(&mut tx, &m, &input.policy_id).await?;
        target_in(&mut tx, &m, &input.target_id).await?;
        let attached = tx
            .org_policies_attached(&input.target_id, PolicyType::ServiceControlPolicy)
            .await?;
        if !attached.contains(&input.policy_id) {
            return Err(api_error!(
                PolicyNotAttachedException,
                "The policy isn't attached to the specified target in the specified root."
            )
            .into());
        }
        if attached.len() == 1 {
            return Err(api_error!(
                ConstraintViolationException,
                "You attempted to detach a policy from an entity that would leave it with no service control policy: every root, OU and account must have at least one."
            )
            .with_reason("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
            .into());
        }
        tx.detach_org_policy(&input.target_id, &input.policy_id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_targets_for_policy(
        &self,
        caller: &Caller,
        input: ListTargetsForPolicyRequest,
    ) -> Outcome<ListTargetsForPolicyResponse> {
        let page = self.org_page(
            caller,
            "ListTargetsForPolicy",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        policy_in(&mut tx, &m, &input.policy_id).await?;
        let mut all = Vec::new();
        for id in tx.org_policy_targets(&input.policy_id).await? {
            // FullAWSAccess's id is every organization's: keep this one's targets.
            let Ok((kind, arn, name)) = target_in(&mut tx, &m, &id).await else {
                continue;
            };
            all.push((
                id.clone(),
                PolicyTargetSummary {
                    target_id: Some(id),
                    arn: Some(arn),
                    name: Some(name),
                    r#type: Some(kind),
                },
            ));
        }
        tx.commit().await?;
        let (targets, more, last) = page_of(all, &page);
        Ok(ListTargetsForPolicyResponse {
            targets: Some(targets),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_policies_for_target(
        &self,
        caller: &Caller,
        input: ListPoliciesForTargetRequest,
    ) -> Outcome<ListPoliciesForTargetResponse> {
        let page = self.org_page(
            caller,
            "ListPoliciesForTarget",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        target_in(&mut tx, &m, &input.target_id).await?;
        let mut all = Vec::new();
        for id in tx
            .org_policies_attached(&input.target_id, input.filter)
            .await?
        {
            let policy = policy_in(&mut tx, &m, &id).await?;
            all.push((id, policy.summary(&m)));
        }
        tx.commit().await?;
        let (policies, more, last) = page_of(all, &page);
        Ok(ListPoliciesForTargetResponse {
            policies: Some(policies),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn enable_policy_type(
        &self,
        caller: &Caller,
        input: EnablePolicyTypeRequest,
    ) -> Outcome<EnablePolicyTypeResponse> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        self.render_root_of(&mut tx, &m, &input.root_id).await?;
        check_available(&m, input.policy_type)?;
        if !tx
            .enable_policy_type(&m.org_id, &input.root_id, input.policy_type)
            .await?
        {
            return Err(api_error!(
                PolicyTypeAlreadyEnabledException,
                "The specified policy type is already enabled."
            )
            .into());
        }
        // FullAWSAccess on every root, OU and account, so that enabling changes no one's access.
        let mut targets = vec![input.root_id.clone()];
        let mut frontier = vec![input.root_id.clone()];
        while let Some(parent) = frontier.pop() {
            for ou in tx.list_child_units(&parent, None, MANY).await?.items {
                targets.push(ou.id.clone());
                frontier.push(ou.id);
            }
        }
        for account in tx
            .list_org_accounts(&m.org_id, None, None, MANY)
            .await?
            .items
        {
            targets.push(account.account_id);
        }
        for target in &targets {
            tx.attach_org_policy(&m.org_id, target, FULL_AWS_ACCESS_ID, input.policy_type)
                .await?;
        }
        let root = self.render_root_of(&mut tx, &m, &input.root_id).await?;
        tx.commit().await?;
        self.iam().scps_enabled();
        Ok(EnablePolicyTypeResponse { root: Some(root) })
    }

    pub(crate) async fn disable_policy_type(
        &self,
        caller: &Caller,
        input: DisablePolicyTypeRequest,
    ) -> Outcome<DisablePolicyTypeResponse> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        self.render_root_of(&mut tx, &m, &input.root_id).await?;
        if !tx
            .disable_policy_type(&m.org_id, &input.root_id, input.policy_type)
            .await?
        {
            return Err(api_error!(
                PolicyTypeNotEnabledException,
                "This operation can be performed only for enabled policy types."
            )
            .into());
        }
        let root = self.render_root_of(&mut tx, &m, &input.root_id).await?;
        tx.commit().await?;
        Ok(DisablePolicyTypeResponse { root: Some(root) })
    }
}

/// The policy types of a root as Organizations lists them.
pub(crate) fn type_summaries(types: &[PolicyType]) -> Vec<PolicyTypeSummary> {
    types
        .iter()
        .map(|t| PolicyTypeSummary {
            r#type: Some(*t),
            status: Some(PolicyTypeStatus::Enabled),
        })
        .collect()
}
