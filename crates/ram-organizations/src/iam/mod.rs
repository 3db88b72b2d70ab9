//! The IAM calls ramd serves: RAM's clients' CreateServiceLinkedRole, GetRole,
//! DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus (here); other roles (`roles.rs`);
//! users with their access keys (`users.rs`); managed policies, customer and AWS managed
//! (`managed_policies.rs`); and the policies of users and roles, inline or attached
//! (`principal_policies.rs`), which decide what their keys may do. Roles live in a general table
//! (account, name, path, linked service, trust policy); a service-linked role sits at
//! `/aws-service-role/<service>/` and trusts its service. A deletion completes at once (its task
//! reads `SUCCEEDED`).

use std::sync::{Arc, OnceLock};

use ram_context::{Caller, Context, Failure, Outcome};
use ram_model::iam::{
    self, CreateServiceLinkedRoleRequest, CreateServiceLinkedRoleResponse,
    DeleteServiceLinkedRoleRequest, DeleteServiceLinkedRoleResponse, DeletionTaskStatusType,
    GetRoleRequest, GetRoleResponse, GetServiceLinkedRoleDeletionStatusRequest,
    GetServiceLinkedRoleDeletionStatusResponse, Operation as IamOp, Role, RoleLastUsed,
};
use ram_model::{ApiError, Timestamp, api_error};
use ram_store::{DeletionTaskRecord, PrincipalKind, RoleRecord, WriteTx};
use serde_json::Value;

use super::iam_error;
use crate::id_part;

/// Where IAM puts service-linked roles: `/aws-service-role/<service principal>/`.
const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

/// The names AWS gives the service-linked roles of a few services; others are derived from the
/// service's name (`AWSServiceRoleFor<Service>`).
const KNOWN_ROLE_NAMES: &[(&str, &str)] = &[
    (
        "ram.amazonaws.com",
        "AWSServiceRoleForResourceAccessManager",
    ),
    (
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
    ),
    ("sso.amazonaws.com", "AWSServiceRoleForSSO"),
    ("config.amazonaws.com", "AWSServiceRoleForConfig"),
    ("cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail"),
];

/// The name of the service-linked role of `service` (a service principal).
pub(crate) fn service_linked_role_name(service: &str) -> String {
    if let Some((_, name)) = KNOWN_ROLE_NAMES.iter().find(|(s, _)| *s == service) {
        return (*name).to_owned();
    }
    let short = service.split('.').next().unwrap_or(service);
    let mut name = String::from("AWSServiceRoleFor");
    for part in short.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    name
}

mod managed_policies;
mod principal_policies;
mod roles;
mod users;

pub use principal_policies::IdentityPolicies;
pub use users::KeyIssuer;

/// The IAM calls RAM's clients make, over the shared context.
#[derive(Clone)]
pub struct Iam {
    pub(crate) ctx: Context,
    /// Makes access keys; set by ramd once it has the master key.
    issuer: Arc<OnceLock<Arc<dyn KeyIssuer>>>,
    /// Whether SCPs are in use, as this replica last read it.
    pub(crate) scps: Arc<crate::authorization::ScpUse>,
}

fn no_such_role(name: &str) -> ApiError {
    api_error!(NoSuchEntity, "The role with name {name} cannot be found.")
}

/// The IAM principal a caller's ARN names, when it is a user or a role of its account
/// (`arn:aws:iam::A:user/path/name`): its kind and name. `None` for the root user.
pub fn principal_of_arn(arn: &str) -> Option<(PrincipalKind, &str)> {
    let resource = arn.split(':').nth(5)?;
    let (kind, path_and_name) = resource.split_once('/')?;
    let kind = match kind {
        "user" => PrincipalKind::User,
        "role" => PrincipalKind::Role,
        _ => return None,
    };
    Some((
        kind,
        path_and_name.rsplit('/').next().unwrap_or(path_and_name),
    ))
}

/// IAM's default page size for its listings.
const DEFAULT_MAX_ITEMS: i32 = 100;

/// One page of `items` (in the order of `key`, which the marker carries): the items after
/// `marker`, at most `max_items`; whether more follow, and the marker that continues.
pub(crate) fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max_items: Option<i32>,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, bool, Option<String>) {
    let limit = usize::try_from(max_items.unwrap_or(DEFAULT_MAX_ITEMS)).unwrap_or(0);
    // Ordered here, by the key's bytes, as the marker is compared: a database's collation may
    // order otherwise.
    let mut rest: Vec<(String, T)> = items
        .into_iter()
        .map(|item| (key(&item), item))
        .filter(|(k, _)| marker.is_none_or(|m| k.as_str() > m))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rest: Vec<T> = rest.into_iter().map(|(_, item)| item).collect();
    let truncated = rest.len() > limit;
    rest.truncate(limit);
    let next = truncated.then(|| rest.last().map(&key)).flatten();
    (rest, truncated, next)
}

/// The end of a page read one item past it (`limit + 1` rows in key order): the page, whether
/// more follow, and the marker to continue with (the last item's key).
pub(crate) fn cut_page<T>(
    mut items: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, bool, Option<String>) {
    let truncated = i64::try_from(items.len()).unwrap_or(i64::MAX) > limit;
    items.truncate(usize::try_from(limit).unwrap_or(0));
    let marker = truncated.then(|| items.last().map(&key)).flatten();
    (items, truncated, marker)
}

/// Checks a policy document as IAM does when it is put or created: its structure
/// (`MalformedPolicyDocument`), and its size against `quota` characters, whitespace not counted
/// (`LimitExceeded`).
pub(crate) fn check_document(document: &str, quota: usize) -> Result<(), ApiError> {
    ram_access::parse_policy(document)
        .map_err(|e| ApiError::new(ram_model::ErrorCode::MalformedPolicyDocument, e.0))?;
    if document.chars().filter(|c| !c.is_whitespace()).count() > quota {
        return Err(api_error!(
            LimitExceeded,
            "Cannot exceed quota for PolicySize: {quota}"
        ));
    }
    Ok(())
}

/// Tags as stored (JSON text).
pub(crate) fn tags_json(tags: &[ram_model::iam::Tag]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

/// Tags as stored, read back.
pub(crate) fn tags_of(stored: &str) -> Vec<ram_model::iam::Tag> {
    serde_json::from_str(stored).unwrap_or_default()
}

fn render_role(caller: &Caller, role: &RoleRecord, last_used: bool) -> Role {
    Role {
        path: Some(role.path.clone()),
        role_name: Some(role.role_name.clone()),
        role_id: Some(role.role_id.clone()),
        arn: Some(format!(
            "arn:{}:iam::{}:role{}{}",
            caller.partition, role.account_id, role.path, role.role_name
        )),
        create_date: Some(Timestamp(role.created_ms)),
        assume_role_policy_document: Some(role.assume_role_policy.clone()),
        description: role.description.clone(),
        max_session_duration: i32::try_from(role.max_session_seconds).ok(),
        permissions_boundary: None,
        tags: Some(tags_of(&role.tags)).filter(|t| !t.is_empty()),
        role_last_used: last_used.then(RoleLastUsed::default),
    }
}

// The `Iam` function of the same name serves each IAM action.
ram_model::serve_iam!(Iam, Caller, Failure);

impl Iam {
    /// IAM over `ctx`.
    pub fn new(ctx: Context) -> Iam {
        Iam {
            ctx,
            issuer: Arc::default(),
            scps: Arc::default(),
        }
    }

    /// Runs one IAM action for `caller`; `input` has passed the validator against
    /// `ram_model::iam::SHAPES`.
    pub async fn execute(
        &self,
        caller: &Caller,
        operation: IamOp,
        input: &Value,
    ) -> Result<Value, ApiError> {
        self.ctx
            .with_retries(operation.name(), || {
                Box::pin(async move {
                    self.authorize_call(caller, operation.name(), input).await?;
                    iam::dispatch(self, caller, operation, input).await
                })
            })
            .await
            .map_err(iam_error)
    }

    /// A role id as IAM makes them: `AROA` and 17 upper-case letters and digits.
    pub(crate) fn role_id(&self) -> String {
        format!("AROA{}", id_part(&self.ctx, 17).to_ascii_uppercase())
    }

    /// Makes the service-linked role of `service` in `account` unless it has one (as a service
    /// does when it is first enabled), in the caller's transaction.
    pub async fn ensure_service_linked_role(
        &self,
        tx: &mut WriteTx,
        account: &str,
        service: &str,
    ) -> Outcome<()> {
        let role = self.service_linked_role(account, service, None, None);
        if tx.get_role(account, &role.role_name).await?.is_none() {
            tx.insert_role(&role).await?;
        }
        Ok(())
    }

    /// The service-linked role IAM makes for `service` in `account` (not yet stored).
    fn service_linked_role(
        &self,
        account: &str,
        service: &str,
        suffix: Option<&str>,
        description: Option<String>,
    ) -> RoleRecord {
        let mut name = service_linked_role_name(service);
        if let Some(suffix) = suffix {
            name = format!("{name}_{suffix}");
        }
        RoleRecord {
            account_id: account.to_owned(),
            role_name: name,
            role_id: self.role_id(),
            path: format!("{SERVICE_ROLE_PATH}{service}/"),
            assume_role_policy: serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole"
                }]
            })
            .to_string(),
            service: Some(service.to_owned()),
            description,
            max_session_seconds: 3600,
            tags: "[]".to_owned(),
            created_ms: self.ctx.now_ms(),
        }
    }

    pub(crate) async fn create_service_linked_role(
        &self,
        caller: &Caller,
        input: CreateServiceLinkedRoleRequest,
    ) -> Outcome<CreateServiceLinkedRoleResponse> {
        let service = input.aws_service_name;
        if !service.contains('.') {
            return Err(api_error!(
                InvalidInput,
                "Invalid service principal {service}: a service principal is like ram.amazonaws.com."
            )
            .into());
        }
        let role = self.service_linked_role(
            &caller.account_id,
            &service,
            input.custom_suffix.as_deref(),
            input.description,
        );
        let name = role.role_name.clone();
        let mut tx = self.ctx.store().begin().await?;
        if !tx.insert_role(&role).await? {
            return Err(api_error!(
                InvalidInput,
                "Service role name {name} has been taken in this account, please try a different suffix."
            )
            .into());
        }
        tx.commit().await?;
        Ok(CreateServiceLinkedRoleResponse {
            role: Some(render_role(caller, &role, false)),
        })
    }

    pub(crate) async fn get_role(
        &self,
        caller: &Caller,
        input: GetRoleRequest,
    ) -> Outcome<GetRoleResponse> {
        let name = input.role_name;
        let mut tx = self.ctx.store().read().await?;
        let role = tx.get_role(&caller.account_id, &name).await?;
        tx.commit().await?;
        let role = role.ok_or_else(|| no_such_role(&name))?;
        Ok(GetRoleResponse {
            role: Some(render_role(caller, &role, true)),
        })
    }

    pub(crate) async fn delete_service_linked_role(
        &self,
        caller: &Caller,
        input: DeleteServiceLinkedRoleRequest,
    ) -> Outcome<DeleteServiceLinkedRoleResponse> {
        let name = input.role_name;
        let mut tx = self.ctx.store().begin().await?;
        let role = tx
            .get_role(&caller.account_id, &name)
            .await?
            .ok_or_else(|| no_such_role(&name))?;
        let Some(service) = role.service.clone() else {
            return Err(api_error!(
                InvalidInput,
                "Role {} is not a service-linked role.",
                role.role_name
            )
            .into());
        };
        let task_id = format!(
            "task{SERVICE_ROLE_PATH}{service}/{}/{}",
            role.role_name,
            self.ctx.uuid()
        );
        tx.delete_role(&caller.account_id, &role.role_name).await?;
        tx.insert_deletion_task(&DeletionTaskRecord {
            account_id: caller.account_id.clone(),
            task_id: task_id.clone(),
            role_name: role.role_name,
            status: DeletionTaskStatusType::Succeeded,
            created_ms: self.ctx.now_ms(),
        })
        .await?;
        tx.commit().await?;
        Ok(DeleteServiceLinkedRoleResponse {
            deletion_task_id: Some(task_id),
        })
    }

    pub(crate) async fn get_service_linked_role_deletion_status(
        &self,
        caller: &Caller,
        input: GetServiceLinkedRoleDeletionStatusRequest,
    ) -> Outcome<GetServiceLinkedRoleDeletionStatusResponse> {
        let id = input.deletion_task_id;
        if !id.starts_with("task/aws-service-role/") {
            return Err(api_error!(
                InvalidInput,
                "Invalid deletion task id {id}: it is returned by DeleteServiceLinkedRole as task/aws-service-role/<service>/<role>/<id>."
            )
            .into());
        }
        let mut tx = self.ctx.store().read().await?;
        let task = tx.get_deletion_task(&caller.account_id, &id).await?;
        tx.commit().await?;
        let task = task.ok_or_else(|| {
            api_error!(
                NoSuchEntity,
                "The deletion task with id {id} cannot be found."
            )
        })?;
        Ok(GetServiceLinkedRoleDeletionStatusResponse {
            status: Some(task.status),
            reason: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::service_linked_role_name;

    #[test]
    fn role_names() {
        assert_eq!(
            service_linked_role_name("ram.amazonaws.com"),
            "AWSServiceRoleForResourceAccessManager"
        );
        assert_eq!(
            service_linked_role_name("autoscaling-plans.amazonaws.com"),
            "AWSServiceRoleForAutoscalingPlans"
        );
    }
}
