//! Authorizing a call: may the caller's principal make it? Each service says what a call asks
//! as [`Check`]s (an action such as `ram:CreateResourceShare`, the resource it acts on, and the
//! request's condition keys); [`Iam::authorize`] evaluates every check against the principal's
//! identity policies (an explicit Deny wins, no Allow denies) with the keys every request carries
//! (`aws:PrincipalArn`, `aws:PrincipalTag/*`, `aws:CurrentTime`, `aws:SourceIp`, ...) added. An
//! account's root user is not restricted by identity policies, as on AWS.
//!
//! A refusal is `AccessDeniedException` in AWS's words: "User: ARN is not authorized to perform:
//! ACTION on resource: R because no identity-based policy allows the ACTION action" (or "with an
//! explicit deny in an identity-based policy"); the resource part is left out for an action that
//! names no resource.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ram_access::{Context, Document, Request, Verdict, decide};
use ram_context::{Caller, Failure, Outcome};
use ram_model::organizations::PolicyType;
use ram_model::{ApiError, Timestamp, api_error};
use ram_store::{PrincipalKind, ReadTx};

use crate::Iam;
use crate::iam::{IdentityPolicies, principal_of_arn, tags_of};

/// What one call asks, for one resource: an action on a resource under condition keys.
#[derive(Debug, Clone)]
pub struct Check {
    /// `service:Action`.
    pub action: String,
    /// The resource's ARN, or `*` for an action that names no resource.
    pub resource: String,
    /// The request's own condition keys (the service's, `aws:RequestTag/*`, ...).
    pub context: Context,
}

impl Check {
    /// A check of `action` on `resource` with no keys yet.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Check {
        Check {
            action: action.into(),
            resource: resource.into(),
            context: Context::new(),
        }
    }
}

/// Which policy refused a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No identity-based policy allows it.
    NoIdentityAllow,
    /// An identity-based policy denies it.
    IdentityDeny,
    /// At some level of the account's path (root, OUs, account) no SCP allows it.
    NoScpAllow,
    /// An SCP at some level of the account's path denies it.
    ScpDeny,
}

/// How often a replica re-reads whether any organization uses SCPs (a change made through
/// another replica takes effect here within this; through this one, at once).
const SCP_USE_REFRESH: Duration = Duration::from_secs(1);

/// Whether SCPs are in use anywhere, as this replica last read it: while none are, an account's
/// root user is checked by nothing and its calls cost no read.
pub(crate) struct ScpUse {
    in_use: AtomicBool,
    /// When it was last read, in milliseconds since `epoch` (0: never).
    checked_ms: AtomicU64,
    epoch: Instant,
}

impl Default for ScpUse {
    fn default() -> Self {
        ScpUse {
            in_use: AtomicBool::new(false),
            checked_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl ScpUse {
    /// Milliseconds since `epoch`, at least 1 (0 stands for never).
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// AWS's refusal of `check` to `caller`.
pub fn access_denied(caller: &Caller, check: &Check, refusal: Refusal) -> ApiError {
    let action = &check.action;
    let why = match refusal {
        Refusal::NoIdentityAllow => {
            format!("because no identity-based policy allows the {action} action")
        }
        Refusal::IdentityDeny => "with an explicit deny in an identity-based policy".to_owned(),
        Refusal::NoScpAllow => {
            format!("because no service control policy allows the {action} action")
        }
        Refusal::ScpDeny => "with an explicit deny in a service control policy".to_owned(),
    };
    let principal = &caller.principal_arn;
    if check.resource == "*" {
        api_error!(
            AccessDeniedException,
            "User: {principal} is not authorized to perform: {action} {why}"
        )
    } else {
        api_error!(
            AccessDeniedException,
            "User: {principal} is not authorized to perform: {action} on resource: {} {why}",
            check.resource
        )
    }
}

/// Whether the caller is an account's root user, whom identity policies do not restrict.
pub fn is_root(caller: &Caller) -> bool {
    principal_of_arn(&caller.principal_arn).is_none()
}

/// The checks of an Organizations call: `organizations:<Operation>` on `*` (ramd does not yet
/// scope Organizations actions to their account, unit or policy ARNs).
fn organizations_checks(operation: &str) -> Vec<Check> {
    vec![Check::new(format!("organizations:{operation}"), "*")]
}

impl crate::Organizations {
    /// Refuses the call unless the caller may make it.
    pub(crate) async fn authorize(&self, caller: &Caller, operation: &str) -> Outcome<()> {
        if !self.iam().restricts(caller).await? {
            return Ok(());
        }
        let mut tx = self.ctx.store().read().await?;
        self.iam()
            .authorize(&mut tx, caller, organizations_checks(operation))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Iam {
    /// Refuses an IAM call unless the caller may make it: `iam:<Operation>` on the user, role or
    /// policy it names (its ARN with its stored path), on the caller itself for the calls
    /// that default to it (GetUser, CreateAccessKey, ... without a UserName), else on `*`.
    pub(crate) async fn authorize_call(
        &self,
        caller: &Caller,
        operation: &str,
        input: &serde_json::Value,
    ) -> Outcome<()> {
        if !self.restricts(caller).await? {
            return Ok(());
        }
        let mut tx = self.ctx.store().read().await?;
        let resource = self.iam_resource(&mut tx, caller, operation, input).await?;
        self.authorize(
            &mut tx,
            caller,
            vec![Check::new(format!("iam:{operation}"), resource)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn iam_resource(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        operation: &str,
        input: &serde_json::Value,
    ) -> Outcome<String> {
        let member = |name: &str| input.get(name).and_then(serde_json::Value::as_str);
        let arn = |kind: &str, path: &str, name: &str| {
            format!(
                "arn:{}:iam::{}:{kind}{path}{name}",
                caller.partition, caller.account_id
            )
        };
        if let Some(policy) = member("PolicyArn") {
            return Ok(policy.to_owned());
        }
        if operation == "CreatePolicy"
            && let Some(name) = member("PolicyName")
        {
            return Ok(arn("policy", member("Path").unwrap_or("/"), name));
        }
        if let Some(name) = member("UserName") {
            let path = match tx.get_user(&caller.account_id, name).await? {
                Some(user) => user.path,
                None => member("Path").unwrap_or("/").to_owned(),
            };
            return Ok(arn("user", &path, name));
        }
        if let Some(name) = member("RoleName") {
            let path = match tx.get_role(&caller.account_id, name).await? {
                Some(role) => role.path,
                None => member("Path").unwrap_or("/").to_owned(),
            };
            return Ok(arn("role", &path, name));
        }
        let on_self = matches!(
            operation,
            "GetUser" | "CreateAccessKey" | "ListAccessKeys" | "DeleteAccessKey"
        );
        Ok(if on_self {
            caller.principal_arn.clone()
        } else {
            "*".to_owned()
        })
    }

    /// Refuses the call unless the caller may make every one of `checks`, read in `tx`.
    ///
    /// # Errors
    /// `AccessDeniedException` naming the first check refused; a store failure.
    pub async fn authorize(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        checks: Vec<Check>,
    ) -> Outcome<()> {
        let scps = if self.scps_in_use().await? {
            self.scp_levels(tx, caller).await?
        } else {
            None
        };
        let identity = self.identity_policies(tx, caller).await?;
        if scps.is_none() && identity.is_none() {
            return Ok(());
        }
        let globals = self.request_keys(tx, caller).await?;
        for mut check in checks {
            check.context.fill_from(&globals);
            let request = Request {
                action: &check.action,
                resource: &check.resource,
                context: &check.context,
            };
            if let Some(levels) = &scps {
                // Every level must allow; a Deny at any level wins over a missing Allow.
                let verdicts: Vec<Verdict> =
                    levels.iter().map(|docs| decide(docs, &request)).collect();
                let refusal = if verdicts.contains(&Verdict::ExplicitDeny) {
                    Some(Refusal::ScpDeny)
                } else if verdicts.contains(&Verdict::ImplicitDeny) {
                    Some(Refusal::NoScpAllow)
                } else {
                    None
                };
                if let Some(refusal) = refusal {
                    return Err(access_denied(caller, &check, refusal).into());
                }
            }
            if let Some(IdentityPolicies { documents }) = &identity {
                let refusal = match decide(documents, &request) {
                    Verdict::Allow => continue,
                    Verdict::ExplicitDeny => Refusal::IdentityDeny,
                    Verdict::ImplicitDeny => Refusal::NoIdentityAllow,
                };
                return Err(access_denied(caller, &check, refusal).into());
            }
        }
        Ok(())
    }

    /// Whether anything may restrict the caller: identity policies (an IAM user or role), or SCPs
    /// (any caller, root users too, once an organization uses them).
    pub async fn restricts(&self, caller: &Caller) -> Outcome<bool> {
        Ok(!is_root(caller) || self.scps_in_use().await?)
    }

    /// This replica's EnablePolicyType: SCPs are in use from now on.
    pub(crate) fn scps_enabled(&self) {
        self.scps.in_use.store(true, Ordering::Relaxed);
    }

    /// Whether any organization has SCPs enabled, re-read at most every [`SCP_USE_REFRESH`].
    async fn scps_in_use(&self) -> Outcome<bool> {
        let checked = self.scps.checked_ms.load(Ordering::Relaxed);
        let refresh = u64::try_from(SCP_USE_REFRESH.as_millis()).unwrap_or(u64::MAX);
        if checked != 0 && self.scps.now_ms().saturating_sub(checked) < refresh {
            return Ok(self.scps.in_use.load(Ordering::Relaxed));
        }
        let mut tx = self.ctx.store().read().await?;
        let in_use = tx
            .policy_type_in_use(PolicyType::ServiceControlPolicy)
            .await?;
        tx.commit().await?;
        self.scps.in_use.store(in_use, Ordering::Relaxed);
        self.scps
            .checked_ms
            .store(self.scps.now_ms(), Ordering::Relaxed);
        Ok(in_use)
    }

    /// The SCPs on the caller's account's path, a level each (root, OUs, the account), when they
    /// apply: the account is a member (not the management account) of an organization with SCPs
    /// enabled.
    async fn scp_levels(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
    ) -> Outcome<Option<Vec<Vec<Document>>>> {
        let Some(m) = crate::membership::membership(tx, &caller.account_id).await? else {
            return Ok(None);
        };
        let scp = PolicyType::ServiceControlPolicy;
        if m.is_management_account() || !tx.org_has_policy_type(&m.org_id, scp).await? {
            return Ok(None);
        }
        let path = m
            .parents
            .iter()
            .map(|p| p.id.clone())
            .chain([caller.account_id.clone()]);
        let mut levels = Vec::new();
        for target in path {
            let mut documents = Vec::new();
            for id in tx.org_policies_attached(&target, scp).await? {
                let policy = crate::policies::policy_in(tx, &m, &id).await?;
                let document = ram_access::parse_policy(policy.content()).map_err(|e| {
                    tracing::error!(policy = id, error = %e, "a stored SCP does not parse");
                    Failure::from(ApiError::internal())
                })?;
                documents.push(document);
            }
            levels.push(documents);
        }
        Ok(Some(levels))
    }

    /// The global condition keys of the caller's request: who it is (ARN, account, type, name,
    /// id, tags, organization), where from and when.
    async fn request_keys(&self, tx: &mut ReadTx, caller: &Caller) -> Outcome<Context> {
        let mut keys = Context::new();
        keys.set("aws:PrincipalArn", caller.principal_arn.clone());
        keys.set("aws:PrincipalAccount", caller.account_id.clone());
        keys.set("aws:RequestedRegion", caller.region.clone());
        // ramd speaks plain HTTP; TLS, where there is any, ends in front of it.
        keys.set("aws:SecureTransport", "false");
        let now = self.ctx.now_ms();
        keys.set("aws:CurrentTime", Timestamp(now).to_iso8601());
        keys.set("aws:EpochTime", now.div_euclid(1000).to_string());
        if let Some(ip) = &caller.source_ip {
            keys.set("aws:SourceIp", ip.clone());
        }
        if let Some((kind, name)) = principal_of_arn(&caller.principal_arn) {
            let (id, tags) = match kind {
                PrincipalKind::User => {
                    keys.set("aws:PrincipalType", "User");
                    keys.set("aws:username", name);
                    tx.get_user(&caller.account_id, name)
                        .await?
                        .map(|u| (u.user_id, u.tags))
                        .unzip()
                }
                PrincipalKind::Role => {
                    // A role's keys act as a session of the role would.
                    keys.set("aws:PrincipalType", "AssumedRole");
                    tx.get_role(&caller.account_id, name)
                        .await?
                        .map(|r| (r.role_id, r.tags))
                        .unzip()
                }
            };
            if let Some(id) = id {
                keys.set("aws:userid", id);
            }
            for tag in tags.as_deref().map(tags_of).unwrap_or_default() {
                if let Some(key) = tag.key {
                    keys.set(
                        &format!("aws:PrincipalTag/{key}"),
                        tag.value.unwrap_or_default(),
                    );
                }
            }
        }
        if let Some(m) = crate::membership::membership(tx, &caller.account_id).await? {
            let path: Vec<&str> = m.parents.iter().map(|p| p.id.as_str()).collect();
            keys.set(
                "aws:PrincipalOrgPaths",
                format!("{}/{}/", m.org_id, path.join("/")),
            );
            keys.set("aws:PrincipalOrgID", m.org_id);
        }
        Ok(keys)
    }
}
