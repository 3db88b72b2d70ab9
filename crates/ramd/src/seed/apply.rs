//! Making a fixture's world: what is missing is made, what exists is kept (so a second run makes
//! nothing). Organizations and RAM are driven through their own operations, decoded and
//! validated as a request's body would be, as the account a client would sign as.

use std::collections::{BTreeSet, HashMap, VecDeque};

use indicatif::ProgressBar;
use ram_domain::{Caller, Ram};
use ram_model::organizations::Operation as OrgOp;
use ram_model::{ApiError, ErrorCode, Operation};
use ram_store::Store;
use serde_json::{Value, json};
use serde_saphyr::Spanned;

use super::{
    AccountSpec, Fixture, InvitationSpec, OrganizationSpec, PermissionSpec, PrincipalSpec,
    SeedError, ShareSpec, UnitSpec,
};
use crate::accounts::{self, GivenKey};
use crate::in_process::{InProcess, Op, text};
use crate::secrets::MasterKey;

/// What a run made: all zero when the world was there already.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub accounts: usize,
    pub access_keys: usize,
    pub organizations: usize,
    pub units: usize,
    pub members: usize,
    pub moves: usize,
    pub permissions: usize,
    pub shares: usize,
    pub associations: usize,
    pub share_permissions: usize,
    pub tags: usize,
    pub invitations_accepted: usize,
    pub share_updates: usize,
}

/// Loads `fixture` into the store `ram` serves. Access keys are sealed under `master`.
pub async fn seed(
    ram: &Ram,
    store: &Store,
    master: Option<&MasterKey>,
    fixture: &Fixture,
    now_ms: i64,
) -> Result<Report, SeedError> {
    // Another process seeding the same store (replicas started with --seed) waits here: each
    // step checks, then makes, so two runs at once could both make the same thing.
    let _lock = store.seeding().await.map_err(|e| SeedError {
        line: None,
        field: "store".into(),
        message: e.to_string(),
    })?;
    let mut seeder = Seeder {
        calls: InProcess { ram },
        region: fixture.region().to_owned(),
        report: Report::default(),
        units: HashMap::new(),
        progress: crate::progress::bar(fixture.steps(), "seeding"),
    };
    for (i, account) in fixture.accounts.iter().enumerate() {
        seeder
            .account(store, master, account, &format!("accounts[{i}]"), now_ms)
            .await?;
    }
    if let Some(organization) = &fixture.organization {
        seeder.organization(organization).await?;
    }
    for (i, permission) in fixture.permissions.iter().enumerate() {
        seeder
            .permission(permission, &format!("permissions[{i}]"))
            .await?;
    }
    for (i, share) in fixture.shares.iter().enumerate() {
        seeder.share(share, &format!("shares[{i}]")).await?;
    }
    seeder.progress.finish_and_clear();
    Ok(seeder.report)
}

struct Seeder<'a> {
    calls: InProcess<'a>,
    region: String,
    report: Report,
    /// The fixture organization's OUs: path of names from the root → ARN.
    units: HashMap<String, String>,
    progress: ProgressBar,
}

impl Seeder<'_> {
    fn caller(&self, account: &str, region: Option<&str>) -> Caller {
        Caller::root(account, region.unwrap_or(&self.region))
    }

    async fn account(
        &mut self,
        store: &Store,
        master: Option<&MasterKey>,
        account: &Spanned<AccountSpec>,
        field: &str,
        now_ms: i64,
    ) -> Result<(), SeedError> {
        let spec = &account.value;
        let id = &spec.id.value;
        let keys: Vec<GivenKey<'_>> = spec
            .access_keys
            .iter()
            .map(|k| GivenKey {
                access_key_id: &k.value.access_key_id,
                secret_access_key: &k.value.secret_access_key,
                principal_arn: k.value.principal_arn.as_deref(),
            })
            .collect();
        let made = accounts::ensure(store, master, id, spec.name.as_deref(), &keys, now_ms)
            .await
            .map_err(|e| match e.key {
                Some(j) => SeedError::at(
                    &spec.access_keys[j],
                    format!("{field}.accessKeys[{j}]"),
                    e.message,
                ),
                None => SeedError::at(&spec.id, format!("{field}.id"), e.message),
            })?;
        self.report.accounts += usize::from(made.account);
        self.report.access_keys += made.keys;
        self.progress.inc(1);
        Ok(())
    }

    async fn organization(
        &mut self,
        organization: &Spanned<OrganizationSpec>,
    ) -> Result<(), SeedError> {
        let spec = &organization.value;
        let field = "organization.managementAccount";
        let management_id = &spec.management_account.value;
        let management = self.caller(management_id, None);
        let fail = |what: &str, e: ApiError| {
            SeedError::at(organization, "organization", format!("{what}: {e}"))
        };
        let described = self
            .calls
            .org(&management, OrgOp::DescribeOrganization, &json!({}))
            .await;
        let org = match described {
            Ok(v) => {
                let org = v["Organization"].clone();
                if org["MasterAccountId"].as_str() != Some(management_id) {
                    return Err(SeedError::at(
                        &spec.management_account,
                        field,
                        format!(
                            "account {management_id} is a member of organization {}, not its management account",
                            text(&org["Id"])
                        ),
                    ));
                }
                org
            }
            Err(e) if e.code == ErrorCode::AWSOrganizationsNotInUseException => {
                let mut body = json!({});
                if let Some(features) = &spec.feature_set {
                    body["FeatureSet"] = json!(features.value);
                }
                let made = self
                    .calls
                    .org(&management, OrgOp::CreateOrganization, &body)
                    .await
                    .map_err(|e| match &spec.feature_set {
                        Some(f) => SeedError::at(
                            f,
                            "organization.featureSet",
                            format!("CreateOrganization: {e}"),
                        ),
                        None => fail("CreateOrganization", e),
                    })?;
                self.report.organizations += 1;
                made["Organization"].clone()
            }
            Err(e) => return Err(fail("DescribeOrganization", e)),
        };
        let org_id = text(&org["Id"]).to_owned();
        let roots = self
            .calls
            .all(&management, Op::Org(OrgOp::ListRoots), json!({}), "Roots")
            .await
            .map_err(|e| fail("ListRoots", e))?;
        let root = roots
            .first()
            .map(|r| text(&r["Id"]).to_owned())
            .unwrap_or_default();
        self.progress.inc(1);

        let mut members: Vec<(&Spanned<String>, String, String)> = Vec::new();
        for (i, a) in spec.accounts.iter().enumerate() {
            members.push((a, root.clone(), format!("organization.accounts[{i}]")));
        }
        // Parents before their children.
        let mut queue: VecDeque<(&Spanned<UnitSpec>, String, String, String)> = spec
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u,
                    root.clone(),
                    String::new(),
                    format!("organization.units[{i}]"),
                )
            })
            .collect();
        while let Some((unit, parent, parent_path, unit_field)) = queue.pop_front() {
            let name = &unit.value.name;
            let path = if parent_path.is_empty() {
                name.value.clone()
            } else {
                format!("{parent_path}/{}", name.value)
            };
            let (id, arn) = self
                .unit(&management, &parent, &name.value)
                .await
                .map_err(|e| SeedError::at(name, format!("{unit_field}.name"), e.to_string()))?;
            self.units.insert(path.clone(), arn);
            self.progress.inc(1);
            for (i, a) in unit.value.accounts.iter().enumerate() {
                members.push((a, id.clone(), format!("{unit_field}.accounts[{i}]")));
            }
            for (i, child) in unit.value.units.iter().enumerate() {
                queue.push_back((
                    child,
                    id.clone(),
                    path.clone(),
                    format!("{unit_field}.units[{i}]"),
                ));
            }
        }
        for (account, parent, member_field) in members {
            self.member(&management, &org_id, &account.value, &parent)
                .await
                .map_err(|m| SeedError::at(account, member_field, m))?;
            self.progress.inc(1);
        }
        if spec.enable_sharing.unwrap_or(true) {
            self.calls
                .ram(
                    &management,
                    Operation::EnableSharingWithAwsOrganization,
                    &json!({}),
                )
                .await
                .map_err(|e| fail("EnableSharingWithAwsOrganization", e))?;
        }
        Ok(())
    }

    /// The OU `name` under `parent`, made if missing: its id and ARN.
    async fn unit(
        &mut self,
        management: &Caller,
        parent: &str,
        name: &str,
    ) -> Result<(String, String), ApiError> {
        let existing = self
            .calls
            .all(
                management,
                Op::Org(OrgOp::ListOrganizationalUnitsForParent),
                json!({ "ParentId": parent }),
                "OrganizationalUnits",
            )
            .await?;
        let unit = if let Some(unit) = existing.into_iter().find(|u| u["Name"] == name) {
            unit
        } else {
            self.report.units += 1;
            self.calls
                .org(
                    management,
                    OrgOp::CreateOrganizationalUnit,
                    &json!({ "ParentId": parent, "Name": name }),
                )
                .await?["OrganizationalUnit"]
                .clone()
        };
        Ok((text(&unit["Id"]).to_owned(), text(&unit["Arn"]).to_owned()))
    }

    /// `account` in the organization `org_id`, directly under `parent`.
    async fn member(
        &mut self,
        management: &Caller,
        org_id: &str,
        account: &str,
        parent: &str,
    ) -> Result<(), String> {
        if account != management.account_id {
            let me = self.caller(account, None);
            match self
                .calls
                .org(&me, OrgOp::DescribeOrganization, &json!({}))
                .await
            {
                Ok(v) if v["Organization"]["Id"] == org_id => {}
                Ok(v) => {
                    return Err(format!(
                        "account {account} is a member of another organization ({})",
                        text(&v["Organization"]["Id"])
                    ));
                }
                Err(e) if e.code == ErrorCode::AWSOrganizationsNotInUseException => {
                    self.join(management, &me, org_id)
                        .await
                        .map_err(|e| format!("joining the organization: {e}"))?;
                    self.report.members += 1;
                }
                Err(e) => return Err(format!("DescribeOrganization: {e}")),
            }
        }
        let parents = self
            .calls
            .all(
                management,
                Op::Org(OrgOp::ListParents),
                json!({ "ChildId": account }),
                "Parents",
            )
            .await
            .map_err(|e| format!("ListParents: {e}"))?;
        let current = parents
            .first()
            .map(|p| text(&p["Id"]).to_owned())
            .unwrap_or_default();
        if current != parent {
            self.calls.org(
                management,
                OrgOp::MoveAccount,
                &json!({ "AccountId": account, "SourceParentId": current, "DestinationParentId": parent }),
            )
            .await
            .map_err(|e| format!("MoveAccount: {e}"))?;
            self.report.moves += 1;
        }
        Ok(())
    }

    /// Invited and accepted; an invitation an interrupted run left open is accepted, not sent
    /// again.
    async fn join(&self, management: &Caller, me: &Caller, org_id: &str) -> Result<(), ApiError> {
        let open = self
            .calls
            .all(
                me,
                Op::Org(OrgOp::ListHandshakesForAccount),
                json!({ "Filter": { "ActionType": "INVITE" } }),
                "Handshakes",
            )
            .await?
            .into_iter()
            .find(|h| {
                h["State"] == "OPEN"
                    && h["Parties"].as_array().is_some_and(|parties| {
                        parties
                            .iter()
                            .any(|p| p["Type"] == "ORGANIZATION" && p["Id"] == org_id)
                    })
            });
        let handshake = match open {
            Some(h) => text(&h["Id"]).to_owned(),
            None => text(
                &self
                    .calls
                    .org(
                        management,
                        OrgOp::InviteAccountToOrganization,
                        &json!({ "Target": { "Id": me.account_id, "Type": "ACCOUNT" } }),
                    )
                    .await?["Handshake"]["Id"],
            )
            .to_owned(),
        };
        self.calls
            .org(
                me,
                OrgOp::AcceptHandshake,
                &json!({ "HandshakeId": handshake }),
            )
            .await?;
        Ok(())
    }

    async fn permission(
        &mut self,
        permission: &Spanned<PermissionSpec>,
        field: &str,
    ) -> Result<(), SeedError> {
        let spec = &permission.value;
        let owner = self.caller(&spec.owner.value, spec.region.as_deref());
        let fail =
            |what: &str, e: ApiError| SeedError::at(permission, field, format!("{what}: {e}"));
        let existing = self
            .calls
            .all(
                &owner,
                Op::Ram(Operation::ListPermissions),
                json!({ "permissionType": "CUSTOMER_MANAGED" }),
                "permissions",
            )
            .await
            .map_err(|e| fail("ListPermissions", e))?;
        if !existing.iter().any(|p| p["name"] == spec.name.value) {
            let template = match &spec.policy_template {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut body = json!({
                "name": spec.name.value,
                "resourceType": spec.resource_type,
                "policyTemplate": template,
            });
            if !spec.tags.is_empty() {
                body["tags"] = tags(spec.tags.iter());
            }
            self.calls
                .ram(&owner, Operation::CreatePermission, &body)
                .await
                .map_err(|e| fail("CreatePermission", e))?;
            self.report.permissions += 1;
        }
        self.progress.inc(1);
        Ok(())
    }

    async fn share(&mut self, share: &Spanned<ShareSpec>, field: &str) -> Result<(), SeedError> {
        let spec = &share.value;
        let owner = self.caller(&spec.owner.value, spec.region.as_deref());
        let fail = |what: &str, e: ApiError| blame(share, field, what, &e);

        let mut principals: Vec<String> = Vec::new();
        let mut to_accept: Vec<String> = Vec::new();
        for (j, p) in spec.principals.iter().enumerate() {
            let principal_field = format!("{field}.principals[{j}]");
            let principal = match &p.value {
                PrincipalSpec::Plain(s) if s == "organization" => {
                    let v = self
                        .calls
                        .org(&owner, OrgOp::DescribeOrganization, &json!({}))
                        .await
                        .map_err(|e| {
                            SeedError::at(
                                p,
                                &principal_field,
                                format!("the owner's organization: {e}"),
                            )
                        })?;
                    text(&v["Organization"]["Arn"]).to_owned()
                }
                PrincipalSpec::Plain(s) => s.clone(),
                PrincipalSpec::Account(a) => {
                    if a.invitation == InvitationSpec::Accepted {
                        to_accept.push(a.account.clone());
                    }
                    a.account.clone()
                }
                PrincipalSpec::Unit(u) => self.units.get(&u.unit).cloned().ok_or_else(|| {
                    SeedError::at(
                        p,
                        &principal_field,
                        format!("no unit {:?} in the fixture's organization", u.unit),
                    )
                })?,
            };
            principals.push(principal);
        }
        let permissions = self.permission_arns(&owner, spec, field).await?;

        let found = self.calls
            .all(
                &owner,
                Op::Ram(Operation::GetResourceShares),
                json!({ "resourceOwner": "SELF", "name": spec.name.value, "resourceShareStatus": "ACTIVE" }),
                "resourceShares",
            )
            .await
            .map_err(|e| fail("GetResourceShares", e))?;
        if found.len() > 1 {
            return Err(SeedError::at(
                &spec.name,
                format!("{field}.name"),
                format!(
                    "account {} has {} active shares named {:?}: which one is meant cannot be told",
                    spec.owner.value,
                    found.len(),
                    spec.name.value
                ),
            ));
        }
        let arn = if let Some(existing) = found.first() {
            let arn = text(&existing["resourceShareArn"]).to_owned();
            self.complete(&owner, share, field, existing, &principals, &permissions)
                .await?;
            arn
        } else {
            let mut body = json!({
                "name": spec.name.value,
                "resourceArns": spec.resources.iter().map(|r| &r.value).collect::<Vec<_>>(),
                "principals": principals,
            });
            if !permissions.is_empty() {
                body["permissionArns"] = json!(permissions);
            }
            if !spec.tags.is_empty() {
                body["tags"] = tags(spec.tags.iter());
            }
            if let Some(allow) = spec.allow_external_principals {
                body["allowExternalPrincipals"] = json!(allow);
            }
            let made = self
                .calls
                .ram(&owner, Operation::CreateResourceShare, &body)
                .await
                .map_err(|e| fail("CreateResourceShare", e))?;
            self.report.shares += 1;
            text(&made["resourceShare"]["resourceShareArn"]).to_owned()
        };

        for account in to_accept {
            let receiver = self.caller(&account, Some(&owner.region));
            let invitations = self
                .calls
                .all(
                    &receiver,
                    Op::Ram(Operation::GetResourceShareInvitations),
                    json!({ "resourceShareArns": [arn] }),
                    "resourceShareInvitations",
                )
                .await
                .map_err(|e| fail("GetResourceShareInvitations", e))?;
            // A principal in the owner's organization gets no invitation: nothing to accept.
            if let Some(pending) = invitations
                .iter()
                .find(|i| i["status"] == "PENDING" && i["receiverAccountId"] == account.as_str())
            {
                self.calls.ram(
                    &receiver,
                    Operation::AcceptResourceShareInvitation,
                    &json!({ "resourceShareInvitationArn": pending["resourceShareInvitationArn"] }),
                )
                .await
                .map_err(|e| fail("AcceptResourceShareInvitation", e))?;
                self.report.invitations_accepted += 1;
            }
        }
        self.progress.inc(1);
        Ok(())
    }

    /// The share's permissions as ARNs: an ARN is taken as it is, a name is looked up among the
    /// permissions the owner can attach (AWS managed and its own).
    async fn permission_arns(
        &self,
        owner: &Caller,
        spec: &ShareSpec,
        field: &str,
    ) -> Result<Vec<String>, SeedError> {
        let mut known: Option<Vec<Value>> = None;
        let mut arns = Vec::new();
        for (j, p) in spec.permissions.iter().enumerate() {
            let permission_field = format!("{field}.permissions[{j}]");
            if p.value.starts_with("arn:") {
                arns.push(p.value.clone());
                continue;
            }
            if known.is_none() {
                known = Some(
                    self.calls
                        .all(
                            owner,
                            Op::Ram(Operation::ListPermissions),
                            json!({ "permissionType": "ALL" }),
                            "permissions",
                        )
                        .await
                        .map_err(|e| {
                            SeedError::at(p, &permission_field, format!("ListPermissions: {e}"))
                        })?,
                );
            }
            let arn = known
                .iter()
                .flatten()
                .find(|k| k["name"] == p.value)
                .map(|k| text(&k["arn"]).to_owned())
                .ok_or_else(|| {
                    SeedError::at(
                        p,
                        &permission_field,
                        format!(
                            "no permission named {:?} (AWS managed, or a customer managed one of account {})",
                            p.value, owner.account_id
                        ),
                    )
                })?;
            arns.push(arn);
        }
        Ok(arns)
    }

    /// An existing share gets what the fixture gives it and it lacks.
    async fn complete(
        &mut self,
        owner: &Caller,
        share: &Spanned<ShareSpec>,
        field: &str,
        existing: &Value,
        principals: &[String],
        permissions: &[String],
    ) -> Result<(), SeedError> {
        let spec = &share.value;
        let fail = |what: &str, e: ApiError| blame(share, field, what, &e);
        let arn = text(&existing["resourceShareArn"]).to_owned();
        if let Some(allow) = spec.allow_external_principals
            && existing["allowExternalPrincipals"].as_bool() != Some(allow)
        {
            self.calls
                .ram(
                    owner,
                    Operation::UpdateResourceShare,
                    &json!({ "resourceShareArn": arn, "allowExternalPrincipals": allow }),
                )
                .await
                .map_err(|e| fail("UpdateResourceShare", e))?;
            self.report.share_updates += 1;
        }
        let mut associated = BTreeSet::new();
        for kind in ["RESOURCE", "PRINCIPAL"] {
            let associations = self
                .calls
                .all(
                    owner,
                    Op::Ram(Operation::GetResourceShareAssociations),
                    json!({ "associationType": kind, "resourceShareArns": [arn] }),
                    "resourceShareAssociations",
                )
                .await
                .map_err(|e| fail("GetResourceShareAssociations", e))?;
            associated.extend(
                associations
                    .iter()
                    .filter(|a| a["status"] == "ASSOCIATED" || a["status"] == "ASSOCIATING")
                    .map(|a| text(&a["associatedEntity"]).to_owned()),
            );
        }
        let resources: Vec<&String> = spec
            .resources
            .iter()
            .map(|r| &r.value)
            .filter(|r| !associated.contains(*r))
            .collect();
        let new_principals: Vec<&String> = principals
            .iter()
            .filter(|p| !associated.contains(*p))
            .collect();
        if !resources.is_empty() || !new_principals.is_empty() {
            self.calls.ram(
                owner,
                Operation::AssociateResourceShare,
                &json!({ "resourceShareArn": arn, "resourceArns": resources, "principals": new_principals }),
            )
            .await
            .map_err(|e| fail("AssociateResourceShare", e))?;
            self.report.associations += resources.len() + new_principals.len();
        }
        let has_tag = |k: &str, v: &str| {
            existing["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["key"] == k && t["value"] == v))
        };
        let missing: Vec<_> = spec.tags.iter().filter(|(k, v)| !has_tag(k, v)).collect();
        if !missing.is_empty() {
            self.calls
                .ram(
                    owner,
                    Operation::TagResource,
                    &json!({ "resourceShareArn": arn, "tags": tags(missing.iter().copied()) }),
                )
                .await
                .map_err(|e| fail("TagResource", e))?;
            self.report.tags += missing.len();
        }
        let attached = self
            .calls
            .all(
                owner,
                Op::Ram(Operation::ListResourceSharePermissions),
                json!({ "resourceShareArn": arn }),
                "permissions",
            )
            .await
            .map_err(|e| fail("ListResourceSharePermissions", e))?;
        for permission in permissions {
            if attached.iter().any(|a| a["arn"] == permission.as_str()) {
                continue;
            }
            let described = self
                .calls
                .ram(
                    owner,
                    Operation::GetPermission,
                    &json!({ "permissionArn": permission }),
                )
                .await
                .map_err(|e| fail("GetPermission", e))?;
            let resource_type = &described["permission"]["resourceType"];
            // Another permission for the same resource type gives way to this one.
            let replace = attached.iter().any(|a| &a["resourceType"] == resource_type);
            self.calls.ram(
                owner,
                Operation::AssociateResourceSharePermission,
                &json!({ "resourceShareArn": arn, "permissionArn": permission, "replace": replace }),
            )
            .await
            .map_err(|e| fail("AssociateResourceSharePermission", e))?;
            self.report.share_permissions += 1;
        }
        Ok(())
    }
}

fn tags<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> Value {
    tags.map(|(k, v)| json!({ "key": k, "value": v })).collect()
}

/// A share's call failed: the entry the error names (a resource, principal or permission whose
/// value it quotes), or else the share.
fn blame(share: &Spanned<ShareSpec>, field: &str, what: &str, e: &ApiError) -> SeedError {
    let spec = &share.value;
    let message = format!("{what}: {e}");
    let quoted = |value: &str| !value.is_empty() && e.message.contains(value);
    if let Some((j, r)) = spec
        .resources
        .iter()
        .enumerate()
        .find(|(_, r)| quoted(&r.value))
    {
        return SeedError::at(r, format!("{field}.resources[{j}]"), message);
    }
    if let Some((j, p)) = spec
        .principals
        .iter()
        .enumerate()
        .find(|(_, p)| match &p.value {
            PrincipalSpec::Plain(s) => quoted(s),
            PrincipalSpec::Account(a) => quoted(&a.account),
            PrincipalSpec::Unit(_) => false,
        })
    {
        return SeedError::at(p, format!("{field}.principals[{j}]"), message);
    }
    if let Some((j, p)) = spec
        .permissions
        .iter()
        .enumerate()
        .find(|(_, p)| quoted(&p.value))
    {
        return SeedError::at(p, format!("{field}.permissions[{j}]"), message);
    }
    SeedError::at(share, field, message)
}
