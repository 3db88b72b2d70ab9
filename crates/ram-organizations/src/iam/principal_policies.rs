//! The policies of users and roles: inline ones (Put/Get/Delete/List User and Role Policies)
//! and attached managed ones (Attach/Detach/ListAttached User and Role Policies), one code path
//! for both kinds of principal. [`Iam::identity_policies`] reads them back for authorization:
//! what a user's or role's keys may do.

use ram_access::Document;
use ram_context::{Caller, Failure, Outcome};
use ram_model::iam::{
    AttachRolePolicyRequest, AttachUserPolicyRequest, AttachedPolicy, DeleteRolePolicyRequest,
    DeleteUserPolicyRequest, DetachRolePolicyRequest, DetachUserPolicyRequest,
    GetRolePolicyRequest, GetRolePolicyResponse, GetUserPolicyRequest, GetUserPolicyResponse,
    ListAttachedRolePoliciesRequest, ListAttachedRolePoliciesResponse,
    ListAttachedUserPoliciesRequest, ListAttachedUserPoliciesResponse, ListRolePoliciesRequest,
    ListRolePoliciesResponse, ListUserPoliciesRequest, ListUserPoliciesResponse,
    PutRolePolicyRequest, PutUserPolicyRequest,
};
use ram_model::{ApiError, api_error};
use ram_store::{InlinePolicyRecord, PrincipalKind, PrincipalRef, ReadTx};

use super::managed_policies::{PolicyArn, parse_policy_arn};
use super::{Iam, check_document, no_such_role, page, principal_of_arn};

/// IAM's default quota of managed policies attached to one user or role.
const ATTACHED_PER_PRINCIPAL: usize = 10;

/// The policies that decide what a principal's keys may do.
pub struct IdentityPolicies {
    /// Its inline policies and the default versions of its attached managed policies.
    pub documents: Vec<Document>,
}

fn kind_word(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
    }
}

/// IAM's quota on one inline policy of a user or a role.
fn inline_quota(kind: PrincipalKind) -> usize {
    match kind {
        PrincipalKind::User => 2048,
        PrincipalKind::Role => 10240,
    }
}

fn no_such_principal(kind: PrincipalKind, name: &str) -> ApiError {
    match kind {
        PrincipalKind::User => super::users::no_such_user(name),
        PrincipalKind::Role => no_such_role(name),
    }
}

fn no_such_inline(kind: PrincipalKind, name: &str) -> ApiError {
    api_error!(
        NoSuchEntity,
        "The {} policy with name {name} cannot be found.",
        kind_word(kind)
    )
}

/// The name of a policy from its ARN (the last part of its path).
fn policy_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Iam {
    /// The principal's name as stored, if the account has it.
    async fn stored_principal(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
    ) -> Outcome<String> {
        let stored = match kind {
            PrincipalKind::User => tx
                .get_user(&caller.account_id, name)
                .await?
                .map(|u| u.user_name),
            PrincipalKind::Role => tx
                .get_role(&caller.account_id, name)
                .await?
                .map(|r| r.role_name),
        };
        Ok(stored.ok_or_else(|| no_such_principal(kind, name))?)
    }

    /// `DeleteConflict` while the principal has inline or attached policies, as IAM refuses
    /// to delete it then.
    pub(crate) async fn check_no_policies(
        &self,
        tx: &mut ReadTx,
        principal: PrincipalRef<'_>,
    ) -> Outcome<()> {
        if !tx.list_inline_policies(principal).await?.is_empty() {
            return Err(api_error!(
                DeleteConflict,
                "Cannot delete entity, must delete policies first."
            )
            .into());
        }
        if !tx.list_attached_policies(principal).await?.is_empty() {
            return Err(api_error!(
                DeleteConflict,
                "Cannot delete entity, must detach all policies first."
            )
            .into());
        }
        Ok(())
    }

    async fn put_inline(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        policy: InlinePolicyRecord,
    ) -> Outcome<()> {
        check_document(&policy.document, inline_quota(kind))?;
        let mut tx = self.ctx.store().begin().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        tx.put_inline_policy(principal, &policy).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal's stored name and its inline policy `policy_name`.
    async fn get_inline(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        policy_name: &str,
    ) -> Outcome<(String, InlinePolicyRecord)> {
        let mut tx = self.ctx.store().read().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        let policy = tx.get_inline_policy(principal, policy_name).await?;
        tx.commit().await?;
        let policy = policy.ok_or_else(|| no_such_inline(kind, policy_name))?;
        Ok((name, policy))
    }

    async fn delete_inline(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        policy_name: &str,
    ) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        if !tx.delete_inline_policy(principal, policy_name).await? {
            return Err(no_such_inline(kind, policy_name).into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of the principal's inline policy names.
    async fn list_inline(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Outcome<(Vec<String>, bool, Option<String>)> {
        let mut tx = self.ctx.store().read().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        let names: Vec<String> = tx
            .list_inline_policies(principal)
            .await?
            .into_iter()
            .map(|p| p.policy_name)
            .collect();
        tx.commit().await?;
        Ok(page(names, marker, max_items, |n| n.to_lowercase()))
    }

    async fn attach(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        arn: &str,
    ) -> Outcome<()> {
        let target = parse_policy_arn(caller, arn)?;
        let mut tx = self.ctx.store().begin().await?;
        if let PolicyArn::Customer { name } = target {
            self.customer_policy(&mut tx, caller, arn, name).await?;
        }
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        let attached = tx.list_attached_policies(principal).await?;
        if attached.iter().any(|a| a == arn) {
            // Attaching what is attached changes nothing, and IAM answers success.
            return Ok(());
        }
        if attached.len() >= ATTACHED_PER_PRINCIPAL {
            let quota = match kind {
                PrincipalKind::User => "PoliciesPerUser",
                PrincipalKind::Role => "PoliciesPerRole",
            };
            return Err(api_error!(
                LimitExceeded,
                "Cannot exceed quota for {quota}: {ATTACHED_PER_PRINCIPAL}"
            )
            .into());
        }
        tx.attach_policy(principal, arn, self.ctx.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn detach(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        arn: &str,
    ) -> Outcome<()> {
        parse_policy_arn(caller, arn)?;
        let mut tx = self.ctx.store().begin().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        if !tx.detach_policy(principal, arn).await? {
            return Err(api_error!(NoSuchEntity, "Policy {arn} was not found.").into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of the managed policies attached to the principal whose path starts with `prefix`.
    async fn list_attached(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> Outcome<(Vec<AttachedPolicy>, bool, Option<String>)> {
        let mut tx = self.ctx.store().read().await?;
        let name = self.stored_principal(&mut tx, caller, kind, name).await?;
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name: &name,
        };
        let arns = tx.list_attached_policies(principal).await?;
        tx.commit().await?;
        let prefix = prefix.unwrap_or("/");
        let attached: Vec<AttachedPolicy> = arns
            .into_iter()
            .filter(|arn| {
                arn.split_once(":policy")
                    .is_some_and(|(_, path)| path.starts_with(prefix))
            })
            .map(|arn| AttachedPolicy {
                policy_name: Some(policy_name_of(&arn).to_owned()),
                policy_arn: Some(arn),
            })
            .collect();
        Ok(page(attached, marker, max_items, |p| {
            p.policy_arn.clone().unwrap_or_default()
        }))
    }

    /// The identity policies of the caller, read in `tx`: `None` for an account's root user,
    /// whom no identity policy restricts.
    ///
    /// # Errors
    /// When a stored document no longer parses (it was checked when it was put): refusing is
    /// the only safe answer, since a Deny in it would otherwise be lost.
    pub async fn identity_policies(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
    ) -> Outcome<Option<IdentityPolicies>> {
        let Some((kind, name)) = principal_of_arn(&caller.principal_arn) else {
            return Ok(None);
        };
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind,
            name,
        };
        let mut texts: Vec<String> = tx
            .list_inline_policies(principal)
            .await?
            .into_iter()
            .map(|p| p.document)
            .collect();
        for arn in tx.list_attached_policies(principal).await? {
            match parse_policy_arn(caller, &arn) {
                Ok(PolicyArn::AwsManaged(p)) => texts.push(p.document.to_string()),
                Ok(PolicyArn::Customer { name }) => {
                    let Some(policy) = tx.get_policy(&caller.account_id, name).await? else {
                        continue;
                    };
                    let default = tx
                        .list_policy_versions(&caller.account_id, &policy.policy_name)
                        .await?
                        .into_iter()
                        .find(|v| v.version == policy.default_version);
                    texts.extend(default.map(|v| v.document));
                }
                // An attachment whose policy went away grants nothing.
                Err(_) => {}
            }
        }
        let documents = texts
            .iter()
            .map(|t| ram_access::parse_policy(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                tracing::error!(principal = caller.principal_arn, error = %e, "a stored policy does not parse");
                Failure::from(ApiError::internal())
            })?;
        Ok(Some(IdentityPolicies { documents }))
    }

    pub(crate) async fn put_user_policy(
        &self,
        caller: &Caller,
        input: PutUserPolicyRequest,
    ) -> Outcome<()> {
        let policy = InlinePolicyRecord {
            policy_name: input.policy_name,
            document: input.policy_document,
        };
        self.put_inline(caller, PrincipalKind::User, &input.user_name, policy)
            .await
    }

    pub(crate) async fn put_role_policy(
        &self,
        caller: &Caller,
        input: PutRolePolicyRequest,
    ) -> Outcome<()> {
        let policy = InlinePolicyRecord {
            policy_name: input.policy_name,
            document: input.policy_document,
        };
        self.put_inline(caller, PrincipalKind::Role, &input.role_name, policy)
            .await
    }

    pub(crate) async fn get_user_policy(
        &self,
        caller: &Caller,
        input: GetUserPolicyRequest,
    ) -> Outcome<GetUserPolicyResponse> {
        let (name, policy) = self
            .get_inline(
                caller,
                PrincipalKind::User,
                &input.user_name,
                &input.policy_name,
            )
            .await?;
        Ok(GetUserPolicyResponse {
            user_name: Some(name),
            policy_name: Some(policy.policy_name),
            policy_document: Some(policy.document),
        })
    }

    pub(crate) async fn get_role_policy(
        &self,
        caller: &Caller,
        input: GetRolePolicyRequest,
    ) -> Outcome<GetRolePolicyResponse> {
        let (name, policy) = self
            .get_inline(
                caller,
                PrincipalKind::Role,
                &input.role_name,
                &input.policy_name,
            )
            .await?;
        Ok(GetRolePolicyResponse {
            role_name: Some(name),
            policy_name: Some(policy.policy_name),
            policy_document: Some(policy.document),
        })
    }

    pub(crate) async fn delete_user_policy(
        &self,
        caller: &Caller,
        input: DeleteUserPolicyRequest,
    ) -> Outcome<()> {
        self.delete_inline(
            caller,
            PrincipalKind::User,
            &input.user_name,
            &input.policy_name,
        )
        .await
    }

    pub(crate) async fn delete_role_policy(
        &self,
        caller: &Caller,
        input: DeleteRolePolicyRequest,
    ) -> Outcome<()> {
        self.delete_inline(
            caller,
            PrincipalKind::Role,
            &input.role_name,
            &input.policy_name,
        )
        .await
    }

    pub(crate) async fn list_user_policies(
        &self,
        caller: &Caller,
        input: ListUserPoliciesRequest,
    ) -> Outcome<ListUserPoliciesResponse> {
        let (names, truncated, marker) = self
            .list_inline(
                caller,
                PrincipalKind::User,
                &input.user_name,
                input.marker.as_deref(),
                input.max_items,
            )
            .await?;
        Ok(ListUserPoliciesResponse {
            policy_names: Some(names),
            is_truncated: Some(truncated),
            marker,
        })
    }

    pub(crate) async fn list_role_policies(
        &self,
        caller: &Caller,
        input: ListRolePoliciesRequest,
    ) -> Outcome<ListRolePoliciesResponse> {
        let (names, truncated, marker) = self
            .list_inline(
                caller,
                PrincipalKind::Role,
                &input.role_name,
                input.marker.as_deref(),
                input.max_items,
            )
            .await?;
        Ok(ListRolePoliciesResponse {
            policy_names: Some(names),
            is_truncated: Some(truncated),
            marker,
        })
    }

    pub(crate) async fn attach_user_policy(
        &self,
        caller: &Caller,
        input: AttachUserPolicyRequest,
    ) -> Outcome<()> {
        self.attach(
            caller,
            PrincipalKind::User,
            &input.user_name,
            &input.policy_arn,
        )
        .await
    }

    pub(crate) async fn attach_role_policy(
        &self,
        caller: &Caller,
        input: AttachRolePolicyRequest,
    ) -> Outcome<()> {
        self.attach(
            caller,
            PrincipalKind::Role,
            &input.role_name,
            &input.policy_arn,
        )
        .await
    }

    pub(crate) async fn detach_user_policy(
        &self,
        caller: &Caller,
        input: DetachUserPolicyRequest,
    ) -> Outcome<()> {
        self.detach(
            caller,
            PrincipalKind::User,
            &input.user_name,
            &input.policy_arn,
        )
        .await
    }

    pub(crate) async fn detach_role_policy(
        &self,
        caller: &Caller,
        input: DetachRolePolicyRequest,
    ) -> Outcome<()> {
        self.detach(
            caller,
            PrincipalKind::Role,
            &input.role_name,
            &input.policy_arn,
        )
        .await
    }

    pub(crate) async fn list_attached_user_policies(
        &self,
        caller: &Caller,
        input: ListAttachedUserPoliciesRequest,
    ) -> Outcome<ListAttachedUserPoliciesResponse> {
        let (attached, truncated, marker) = self
            .list_attached(
                caller,
                PrincipalKind::User,
                &input.user_name,
                input.path_prefix.as_deref(),
                input.marker.as_deref(),
                input.max_items,
            )
            .await?;
        Ok(ListAttachedUserPoliciesResponse {
            attached_policies: Some(attached),
            is_truncated: Some(truncated),
            marker,
        })
    }

    pub(crate) async fn list_attached_role_policies(
        &self,
        caller: &Caller,
        input: ListAttachedRolePoliciesRequest,
    ) -> Outcome<ListAttachedRolePoliciesResponse> {
        let (attached, truncated, marker) = self
            .list_attached(
                caller,
                PrincipalKind::Role,
                &input.role_name,
                input.path_prefix.as_deref(),
                input.marker.as_deref(),
                input.max_items,
            )
            .await?;
        Ok(ListAttachedRolePoliciesResponse {
            attached_policies: Some(attached),
            is_truncated: Some(truncated),
            marker,
        })
    }
}
