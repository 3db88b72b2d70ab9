//! Roles an account makes for itself: CreateRole, DeleteRole, ListRoles, and
//! ListInstanceProfilesForRole (ramd has no instance profiles: always none, which is what
//! Terraform asks before it deletes a role). Service-linked roles are made and deleted by their
//! own calls (`mod.rs`); DeleteRole refuses them, as IAM does.

use ram_context::{Caller, Outcome};
use ram_model::iam::{
    CreateRoleRequest, CreateRoleResponse, DeleteRoleRequest, ListInstanceProfilesForRoleRequest,
    ListInstanceProfilesForRoleResponse, ListRolesRequest, ListRolesResponse, Role,
};
use ram_model::{ApiError, ErrorCode, api_error};
use ram_store::{PrincipalKind, PrincipalRef, RoleRecord, role_key};
use serde_json::Value;

use super::{DEFAULT_MAX_ITEMS, Iam, no_such_role, render_role, tags_json};

/// IAM's quota on a role's trust policy (characters, whitespace not counted).
const TRUST_POLICY_SIZE: usize = 2048;

/// A trust policy must at least be a policy document: a JSON object with a Statement (its
/// principals are not checked; ramd serves no AssumeRole).
fn check_trust_policy(document: &str) -> Result<(), ApiError> {
    let readable = serde_json::from_str::<Value>(document)
        .ok()
        .and_then(|v| v.get("Statement").cloned())
        .is_some_and(|s| s.is_object() || s.as_array().is_some_and(|a| !a.is_empty()));
    if !readable {
        return Err(ApiError::new(
            ErrorCode::MalformedPolicyDocument,
            "Syntax errors in policy.",
        ));
    }
    if document.chars().filter(|c| !c.is_whitespace()).count() > TRUST_POLICY_SIZE {
        return Err(api_error!(
            LimitExceeded,
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_SIZE}"
        ));
    }
    Ok(())
}

impl Iam {
    pub(crate) async fn create_role(
        &self,
        caller: &Caller,
        input: CreateRoleRequest,
    ) -> Outcome<CreateRoleResponse> {
        check_trust_policy(&input.assume_role_policy_document)?;
        let role = RoleRecord {
            account_id: caller.account_id.clone(),
            role_name: input.role_name,
            role_id: self.role_id(),
            // The model's pattern (checked before this) keeps a path to `/` or `/a/b/`.
            path: input.path.unwrap_or_else(|| "/".to_owned()),
            service: None,
            assume_role_policy: input.assume_role_policy_document,
            description: input.description,
            max_session_seconds: input.max_session_duration.map_or(3600, i64::from),
            tags: tags_json(&input.tags.unwrap_or_default()),
            created_ms: self.ctx.now_ms(),
        };
        let mut tx = self.ctx.store().begin().await?;
        if !tx.insert_role(&role).await? {
            return Err(api_error!(
                EntityAlreadyExists,
                "Role with name {} already exists.",
                role.role_name
            )
            .into());
        }
        tx.commit().await?;
        Ok(CreateRoleResponse {
            role: Some(render_role(caller, &role, false)),
        })
    }

    pub(crate) async fn delete_role(
        &self,
        caller: &Caller,
        input: DeleteRoleRequest,
    ) -> Outcome<()> {
        let name = input.role_name;
        let mut tx = self.ctx.store().begin().await?;
        let role = tx
            .get_role(&caller.account_id, &name)
            .await?
            .ok_or_else(|| no_such_role(&name))?;
        if role.service.is_some() {
            return Err(api_error!(
                UnmodifiableEntity,
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.role_name
            )
            .into());
        }
        let principal = PrincipalRef {
            account_id: &caller.account_id,
            kind: PrincipalKind::Role,
            name: &role.role_name,
        };
        self.check_no_policies(&mut tx, principal).await?;
        tx.delete_role(&caller.account_id, &role.role_name).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_roles(
        &self,
        caller: &Caller,
        input: ListRolesRequest,
    ) -> Outcome<ListRolesResponse> {
        let limit = i64::from(input.max_items.unwrap_or(DEFAULT_MAX_ITEMS));
        let prefix = input.path_prefix.unwrap_or_else(|| "/".to_owned());
        let mut tx = self.ctx.store().read().await?;
        // One more than the page, to know whether another follows.
        let roles = tx
            .list_roles(
                &caller.account_id,
                input.marker.as_deref().unwrap_or(""),
                limit + 1,
            )
            .await?;
        tx.commit().await?;
        let (roles, truncated, marker) = super::cut_page(roles, limit, |r| role_key(&r.role_name));
        Ok(ListRolesResponse {
            roles: Some(
                roles
                    .iter()
                    .filter(|r| r.path.starts_with(&prefix))
                    // ListRoles, as IAM's, leaves tags out (GetRole has them).
                    .map(|r| Role {
                        tags: None,
                        ..render_role(caller, r, false)
                    })
                    .collect(),
            ),
            is_truncated: Some(truncated),
            marker,
        })
    }

    pub(crate) async fn list_instance_profiles_for_role(
        &self,
        caller: &Caller,
        input: ListInstanceProfilesForRoleRequest,
    ) -> Outcome<ListInstanceProfilesForRoleResponse> {
        let mut tx = self.ctx.store().read().await?;
        let role = tx.get_role(&caller.account_id, &input.role_name).await?;
        tx.commit().await?;
        role.ok_or_else(|| no_such_role(&input.role_name))?;
        Ok(ListInstanceProfilesForRoleResponse {
            instance_profiles: Some(Vec::new()),
            is_truncated: Some(false),
            marker: None,
        })
    }
}
