//! Authorizing RAM calls of IAM users and roles: every operation is the action `ram:<Operation>`
//! on the resources AWS's Service Authorization Reference lists for it
//! (`data/service-authorization.json`: a share, a permission, an invitation, or `*`), with the
//! condition keys it lists: `aws:RequestTag/*` and `aws:TagKeys` from the request,
//! `aws:ResourceTag/*`, `ram:ResourceShareName`, `ram:AllowsExternalPrincipals`,
//! `ram:PermissionArn`, `ram:PermissionResourceType`, `ram:ShareOwnerAccountId`, ... from what
//! the call acts on, and `ram:ResourceArn`, `ram:RequestedResourceType`, `ram:Principal` for
//! each resource and principal it names. A call naming several resources or principals is
//! checked once for each (resource, principal) pair, so that a policy allowing only subnets
//! cannot be used to share a subnet and something else in one call. IAM's gate
//! (`ram_organizations::Iam::authorize`) adds the global keys and decides.
//!
//! The check reads the store in its own transaction before the operation runs (as AWS
//! authorizes before it acts); the operation then acts in its own.

use std::collections::HashMap;
use std::sync::LazyLock;

use ram_access::Context;
use ram_context::{Caller, Outcome};
use ram_model::Operation;
use ram_organizations::Check;
use ram_store::ReadTx;
use serde::Deserialize;
use serde_json::Value;

use crate::{Arn, Ram};

/// One action of the reference: the resource types it acts on and the condition keys it takes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionSpec {
    resources: Vec<ResourceSpec>,
    condition_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ResourceSpec {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Reference {
    ram: ServiceSpec,
}

#[derive(Deserialize)]
struct ServiceSpec {
    actions: HashMap<String, ActionSpec>,
}

static ACTIONS: LazyLock<HashMap<String, ActionSpec>> = LazyLock::new(|| {
    let reference: Reference =
        serde_json::from_str(include_str!("../data/service-authorization.json"))
            .expect("data/service-authorization.json is well formed (a unit test reads it)");
    reference.ram.actions
});

/// Whether the action takes `key`: it is listed, or matches a listed `prefix/${TagKey}`.
fn takes(spec: &ActionSpec, key: &str) -> bool {
    spec.condition_keys
        .iter()
        .any(|listed| match listed.strip_suffix("${TagKey}") {
            Some(prefix) => {
                key.len() > prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix)
            }
            None => listed.eq_ignore_ascii_case(key),
        })
}

/// A string member of the input.
fn text<'a>(input: &'a Value, member: &str) -> Option<&'a str> {
    input.get(member).and_then(Value::as_str)
}

/// A list-of-strings member of the input.
fn texts(input: &Value, member: &str) -> Vec<String> {
    input
        .get(member)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn set_tags<'a>(keys: &mut Context, prefix: &str, tags: impl Iterator<Item = (&'a str, &'a str)>) {
    for (key, value) in tags {
        keys.set(&format!("{prefix}{key}"), value);
    }
}

impl Ram {
    /// Refuses the call unless the caller may make it. An account's root user is restricted by
    /// SCPs only (and, while no organization uses them, costs no read).
    pub(crate) async fn authorize(
        &self,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Outcome<()> {
        if !self.organizations.iam().restricts(caller).await? {
            return Ok(());
        }
        let mut tx = self.ctx.store().read().await?;
        let checks = self.checks(&mut tx, caller, operation, input).await?;
        self.organizations
            .iam()
            .authorize(&mut tx, caller, checks)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses `caller` `action` on `resource` unless its policies (and SCPs) allow it: for the
    /// services ramd serves beside RAM that have no domain of their own (CloudTrail).
    ///
    /// # Errors
    /// `AccessDeniedException` in AWS's words; a store failure as the caller sees it.
    pub async fn authorize_action(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<(), ram_model::ApiError> {
        let iam = self.organizations.iam();
        self.ctx
            .with_retries(action, || {
                Box::pin(async move {
                    if !iam.restricts(caller).await? {
                        return Ok(());
                    }
                    let mut tx = self.ctx.store().read().await?;
                    iam.authorize(&mut tx, caller, vec![Check::new(action, resource)])
                        .await?;
                    tx.commit().await?;
                    Ok(())
                })
            })
            .await
    }

    /// What the call asks: one check per resource it acts on and per (resource, principal)
    /// pair it names.
    async fn checks(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        operation: Operation,
        input: &Value,
    ) -> Outcome<Vec<Check>> {
        let name = operation.name();
        let action = format!("ram:{name}");
        let Some(spec) = ACTIONS.get(name) else {
            // Every operation is in the reference (a unit test checks): fail closed regardless.
            return Ok(vec![Check::new(action, "*")]);
        };
        let mut request = request_keys(input);
        if operation == Operation::CreateResourceShare {
            // A share allows external principals unless the request says otherwise.
            let allows = input
                .get("allowExternalPrincipals")
                .and_then(Value::as_bool)
                .unwrap_or(true)
                .to_string();
            request.set("ram:RequestedAllowsExternalPrincipals", allows.clone());
            request.set("ram:AllowsExternalPrincipals", allows);
        }
        // The resources the call acts on, each with the keys read from it.
        let mut targets: Vec<(String, Context)> = Vec::new();
        for resource in &spec.resources {
            if let Some(target) = self.target(tx, caller, &resource.kind, input).await?
                && !targets.iter().any(|(arn, _)| *arn == target.0)
            {
                targets.push(target);
            }
        }
        if targets.is_empty() {
            targets.push(("*".to_owned(), Context::new()));
        }
        // Each named resource and principal, with its own keys.
        let resources: Vec<Context> = texts(input, "resourceArns")
            .into_iter()
            .map(|arn| {
                let mut keys = Context::new();
                if let Some(t) = Arn::parse(&arn).and_then(|a| self.catalog.type_of(&a)) {
                    keys.set("ram:RequestedResourceType", t.resource_type.clone());
                }
                keys.set("ram:ResourceArn", arn);
                keys
            })
            .collect();
        let principals: Vec<Context> = texts(input, "principals")
            .into_iter()
            .map(|p| {
                let mut keys = Context::new();
                keys.set("ram:Principal", p);
                keys
            })
            .collect();
        let one = [Context::new()];
        let resources = if resources.is_empty() {
            &one[..]
        } else {
            &resources
        };
        let principals = if principals.is_empty() {
            &one[..]
        } else {
            &principals
        };
        let mut checks = Vec::new();
        for (arn, target_keys) in &targets {
            for resource in resources {
                for principal in principals {
                    let mut keys = Context::new();
                    for part in [&request, target_keys, resource, principal] {
                        keys.fill_from(part);
                    }
                    keys.retain(|key| takes(spec, key));
                    checks.push(Check {
                        action: action.clone(),
                        resource: arn.clone(),
                        context: keys,
                    });
                }
            }
        }
        Ok(checks)
    }

    /// The resource of type `kind` the call acts on (its ARN from the input), with the keys
    /// read from it; the keys of what is not the caller's to see are left out.
    async fn target(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        kind: &str,
        input: &Value,
    ) -> Outcome<Option<(String, Context)>> {
        let now = self.ctx.now_ms();
        let mut keys = Context::new();
        match kind {
            "resource-share" => {
                let Some(arn) = text(input, "resourceShareArn") else {
                    return Ok(None);
                };
                if let Some(share) = tx.get_share(arn, now).await?
                    && share.owner_account == caller.account_id
                {
                    keys.set("ram:ResourceShareName", share.name.clone());
                    keys.set(
                        "ram:AllowsExternalPrincipals",
                        share.allow_external.to_string(),
                    );
                    if let Some(retain) = share.retain_on_leave {
                        keys.set(
                            "ram:RetainSharingOnAccountLeaveOrganization",
                            retain.to_string(),
                        );
                    }
                    let tags = tx.share_tags(&[arn.to_owned()]).await?;
                    let pairs = || tags.iter().map(|(_, t)| (t.key.as_str(), t.value.as_str()));
                    set_tags(&mut keys, "aws:ResourceTag/", pairs());
                    set_tags(&mut keys, "ram:ResourceTag/", pairs());
                }
                Ok(Some((arn.to_owned(), keys)))
            }
            "resource-share-invitation" => {
                let Some(arn) = text(input, "resourceShareInvitationArn") else {
                    return Ok(None);
                };
                if let Some(inv) = tx.get_invitation(arn, now).await?
                    && (inv.receiver_account == caller.account_id
                        || inv.sender_account == caller.account_id)
                {
                    keys.set("ram:ShareOwnerAccountId", inv.sender_account.clone());
                    keys.set("ram:ResourceShareName", inv.share_name.clone());
                }
                Ok(Some((arn.to_owned(), keys)))
            }
            // The two kinds of permission: AWS managed ARNs have no Region, customer managed
            // ones do; a call names one permission, which is one kind or the other.
            "permission" | "customer-managed-permission" => {
                let arn = ["permissionArn", "fromPermissionArn"]
                    .iter()
                    .find_map(|m| text(input, m))
                    .or_else(|| text(input, "resourceArn").filter(|a| a.contains(":permission/")));
                let Some(arn) = arn else {
                    return Ok(None);
                };
                let aws_managed = Arn::parse(arn).is_some_and(|a| a.region.is_empty());
                if aws_managed != (kind == "permission") {
                    return Ok(None);
                }
                keys.set("ram:PermissionArn", arn);
                if aws_managed {
                    let name = arn.rsplit('/').next().unwrap_or(arn);
                    if let Some(t) = self
                        .catalog
                        .types()
                        .iter()
                        .find(|t| t.permissions.iter().any(|p| p.name == name))
                    {
                        keys.set("ram:PermissionResourceType", t.resource_type.clone());
                    }
                } else if let Some(p) = tx.get_permission(arn, now).await?
                    && p.account_id == caller.account_id
                {
                    keys.set("ram:PermissionResourceType", p.resource_type.clone());
                    let tags = tx.permission_tags(&[arn.to_owned()]).await?;
                    set_tags(
                        &mut keys,
                        "aws:ResourceTag/",
                        tags.iter().map(|(_, t)| (t.key.as_str(), t.value.as_str())),
                    );
                }
                Ok(Some((arn.to_owned(), keys)))
            }
            _ => Ok(None),
        }
    }
}

/// The keys the request itself carries: its tags, and what it asks to set.
fn request_keys(input: &Value) -> Context {
    let mut keys = Context::new();
    let tags: Vec<(String, String)> = input
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    Some((
                        t.get("key")?.as_str()?.to_owned(),
                        t.get("value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    set_tags(
        &mut keys,
        "aws:RequestTag/",
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let mut tag_keys: Vec<String> = tags.into_iter().map(|(k, _)| k).collect();
    tag_keys.extend(texts(input, "tagKeys"));
    if !tag_keys.is_empty() {
        keys.insert("aws:TagKeys", tag_keys);
    }
    if let Some(allow) = input
        .get("allowExternalPrincipals")
        .and_then(Value::as_bool)
    {
        keys.set("ram:RequestedAllowsExternalPrincipals", allow.to_string());
    }
    if let Some(t) = text(input, "resourceType") {
        keys.set("ram:PermissionResourceType", t);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_the_reference() {
        for op in ram_model::OPERATIONS {
            assert!(ACTIONS.contains_key(op.name), "{}", op.name);
        }
        let kinds = [
            "resource-share",
            "resource-share-invitation",
            "permission",
            "customer-managed-permission",
        ];
        for (name, spec) in ACTIONS.iter() {
            for r in &spec.resources {
                assert!(kinds.contains(&r.kind.as_str()), "{name}: {}", r.kind);
            }
        }
    }

    #[test]
    fn listed_keys() {
        let spec = &ACTIONS["CreateResourceShare"];
        assert!(takes(spec, "aws:RequestTag/team"));
        assert!(takes(spec, "ram:RequestedResourceType"));
        assert!(!takes(spec, "aws:ResourceTag/team"));
        assert!(!takes(spec, "aws:RequestTag/"));
    }
}
