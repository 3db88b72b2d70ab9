//! Managed policies: the account's customer managed policies (CreatePolicy, GetPolicy,
//! DeletePolicy, ListPolicies) with their versions (CreatePolicyVersion, GetPolicyVersion,
//! DeletePolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion), and the AWS managed
//! policies, which are data (`aws-managed-policies.json`) every account can read and attach.

use std::sync::LazyLock;

use ram_context::{Caller, Outcome};
use ram_model::iam::{
    CreatePolicyRequest, CreatePolicyResponse, CreatePolicyVersionRequest,
    CreatePolicyVersionResponse, DeletePolicyRequest, DeletePolicyVersionRequest, GetPolicyRequest,
    GetPolicyResponse, GetPolicyVersionRequest, GetPolicyVersionResponse, ListPoliciesRequest,
    ListPoliciesResponse, ListPolicyVersionsRequest, ListPolicyVersionsResponse, Policy,
    PolicyScopeType, PolicyVersion, SetDefaultPolicyVersionRequest,
};
use ram_model::{ApiError, Timestamp, api_error};
use ram_store::{PolicyRecord, PolicyVersionRecord, ReadTx};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Iam, check_document, page, tags_json, tags_of};
use crate::id_part;

/// IAM's quota of versions per managed policy.
const VERSIONS_PER_POLICY: usize = 5;
/// IAM's quota on a managed policy's document (characters, whitespace not counted).
pub(crate) const MANAGED_POLICY_SIZE: usize = 6144;
/// When the AWS managed policies were made, as their CreateDate reads (managed policies came to
/// IAM in February 2015).
const AWS_MANAGED_CREATED_MS: i64 = 1_423_247_986_000;

/// An AWS managed policy, as the data file gives it.
#[derive(Debug, Deserialize)]
pub(crate) struct AwsManaged {
    pub name: String,
    pub path: String,
    pub description: String,
    /// The document (its one version, `v1`).
    pub document: serde_json::Value,
}

#[derive(Deserialize)]
struct AwsManagedFile {
    policies: Vec<AwsManaged>,
}

static AWS_MANAGED: LazyLock<Vec<AwsManaged>> = LazyLock::new(|| {
    let file: AwsManagedFile = serde_json::from_str(include_str!("aws-managed-policies.json"))
        .expect("aws-managed-policies.json is well formed (a unit test reads it)");
    file.policies
});

/// The AWS managed policy named by the resource part of its ARN (`policy/<path><name>`).
pub(crate) fn aws_managed(path_and_name: &str) -> Option<&'static AwsManaged> {
    AWS_MANAGED
        .iter()
        .find(|p| format!("{}{}", p.path, p.name) == path_and_name)
}

/// A policy id as IAM shows them (`ANPA` and 17 upper-case letters and digits), derived from an
/// AWS managed policy's name so that it is the same on every ramd.
fn aws_managed_id(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(name.as_bytes());
    let mut id = String::from("ANPA");
    id.extend(
        digest
            .iter()
            .take(17)
            .map(|b| ALPHABET[usize::from(b % 32)] as char),
    );
    id
}

/// Which policy a policy ARN names.
pub(crate) enum PolicyArn<'a> {
    /// `arn:<p>:iam::aws:policy/...`
    AwsManaged(&'static AwsManaged),
    /// `arn:<p>:iam::<account>:policy/<path><name>` of the caller's account.
    Customer { name: &'a str },
}

/// Reads a policy ARN; anything else, or another account's policy, is not found (another
/// account's policies are not the caller's to see).
pub(crate) fn parse_policy_arn<'a>(caller: &Caller, arn: &'a str) -> Outcome<PolicyArn<'a>> {
    let not_valid = || api_error!(InvalidInput, "ARN {arn} is not valid.");
    let (partition, rest) = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .filter(|(partition, _)| !partition.is_empty())
        .ok_or_else(not_valid)?;
    // Policies, AWS managed ones too, are of the caller's partition.
    if partition != caller.partition {
        return Err(no_such_policy(arn).into());
    }
    let rest = rest.strip_prefix("iam::").ok_or_else(not_valid)?;
    let (account, resource) = rest.split_once(':').ok_or_else(not_valid)?;
    let path_and_name = resource.strip_prefix("policy").ok_or_else(not_valid)?;
    if !path_and_name.starts_with('/') || path_and_name.ends_with('/') {
        return Err(not_valid().into());
    }
    if account == "aws" {
        return aws_managed(path_and_name)
            .map(PolicyArn::AwsManaged)
            .ok_or_else(|| no_such_policy(arn).into());
    }
    if account != caller.account_id {
        return Err(no_such_policy(arn).into());
    }
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    Ok(PolicyArn::Customer { name })
}

pub(crate) fn no_such_policy(arn: &str) -> ApiError {
    api_error!(
        NoSuchEntity,
        "Policy {arn} does not exist or is not attachable."
    )
}

fn version_id(version: i64) -> String {
    format!("v{version}")
}

/// The number of a version id (`v3`): the model's pattern admits a suffix (`v3.x`), which IAM
/// never makes, so such an id names no version.
fn version_number(arn: &str, id: &str) -> Outcome<i64> {
    id.strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| no_such_version(arn, id).into())
}

fn no_such_version(arn: &str, id: &str) -> ApiError {
    api_error!(
        NoSuchEntity,
        "Policy {arn} version {id} does not exist or is not attachable."
    )
}

pub(crate) fn customer_policy_arn(caller: &Caller, policy: &PolicyRecord) -> String {
    format!(
        "arn:{}:iam::{}:policy{}{}",
        caller.partition, policy.account_id, policy.path, policy.policy_name
    )
}

pub(crate) fn aws_managed_arn(caller: &Caller, policy: &AwsManaged) -> String {
    format!(
        "arn:{}:iam::aws:policy{}{}",
        caller.partition, policy.path, policy.name
    )
}

impl Iam {
    /// The customer managed policy an ARN of the caller's account names.
    pub(crate) async fn customer_policy(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        arn: &str,
        name: &str,
    ) -> Outcome<PolicyRecord> {
        let policy = tx
            .get_policy(&caller.account_id, name)
            .await?
            .filter(|p| customer_policy_arn(caller, p) == arn);
        Ok(policy.ok_or_else(|| no_such_policy(arn))?)
    }

    async fn render_customer(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        policy: &PolicyRecord,
    ) -> Outcome<Policy> {
        let arn = customer_policy_arn(caller, policy);
        let attachments = tx
            .count_policy_attachments(&caller.account_id, &arn)
            .await?;
        let tags = tags_of(&policy.tags);
        Ok(Policy {
            policy_name: Some(policy.policy_name.clone()),
            policy_id: Some(policy.policy_id.clone()),
            arn: Some(arn),
            path: Some(policy.path.clone()),
            default_version_id: Some(version_id(policy.default_version)),
            attachment_count: Some(i32::try_from(attachments).unwrap_or(i32::MAX)),
            permissions_boundary_usage_count: Some(0),
            is_attachable: Some(true),
            description: policy.description.clone(),
            create_date: Some(Timestamp(policy.created_ms)),
            update_date: Some(Timestamp(policy.updated_ms)),
            tags: (!tags.is_empty()).then_some(tags),
        })
    }

    async fn render_aws_managed(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        policy: &AwsManaged,
    ) -> Outcome<Policy> {
        let arn = aws_managed_arn(caller, policy);
        let attachments = tx
            .count_policy_attachments(&caller.account_id, &arn)
            .await?;
        Ok(Policy {
            policy_name: Some(policy.name.clone()),
            policy_id: Some(aws_managed_id(&policy.name)),
            arn: Some(arn),
            path: Some(policy.path.clone()),
            default_version_id: Some(version_id(1)),
            attachment_count: Some(i32::try_from(attachments).unwrap_or(i32::MAX)),
            permissions_boundary_usage_count: Some(0),
            is_attachable: Some(true),
            description: Some(policy.description.clone()),
            create_date: Some(Timestamp(AWS_MANAGED_CREATED_MS)),
            update_date: Some(Timestamp(AWS_MANAGED_CREATED_MS)),
            tags: None,
        })
    }

    pub(crate) async fn create_policy(
        &self,
        caller: &Caller,
        input: CreatePolicyRequest,
    ) -> Outcome<CreatePolicyResponse> {
        check_document(&input.policy_document, MANAGED_POLICY_SIZE)?;
        let now = self.ctx.now_ms();
        let policy = PolicyRecord {
            account_id: caller.account_id.clone(),
            policy_name: input.policy_name,
            policy_id: format!("ANPA{}", id_part(&self.ctx, 17).to_ascii_uppercase()),
            path: input.path.unwrap_or_else(|| "/".to_owned()),
            description: input.description,
            default_version: 1,
            next_version: 2,
            tags: tags_json(&input.tags.unwrap_or_default()),
            created_ms: now,
            updated_ms: now,
        };
        let first = PolicyVersionRecord {
            version: 1,
            document: input.policy_document,
            created_ms: now,
        };
        let mut tx = self.ctx.store().begin().await?;
        if !tx.insert_policy(&policy, &first).await? {
            return Err(api_error!(
                EntityAlreadyExists,
                "A policy called {} already exists. Duplicate names are not allowed.",
                policy.policy_name
            )
            .into());
        }
        let rendered = self.render_customer(&mut tx, caller, &policy).await?;
        tx.commit().await?;
        Ok(CreatePolicyResponse {
            policy: Some(rendered),
        })
    }

    pub(crate) async fn get_policy(
        &self,
        caller: &Caller,
        input: GetPolicyRequest,
    ) -> Outcome<GetPolicyResponse> {
        let arn = input.policy_arn;
        let mut tx = self.ctx.store().read().await?;
        let policy = match parse_policy_arn(caller, &arn)? {
            PolicyArn::AwsManaged(p) => self.render_aws_managed(&mut tx, caller, p).await?,
            PolicyArn::Customer { name } => {
                let policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
                self.render_customer(&mut tx, caller, &policy).await?
            }
        };
        tx.commit().await?;
        Ok(GetPolicyResponse {
            policy: Some(policy),
        })
    }

    pub(crate) async fn list_policies(
        &self,
        caller: &Caller,
        input: ListPoliciesRequest,
    ) -> Outcome<ListPoliciesResponse> {
        let scope = input.scope.unwrap_or(PolicyScopeType::All);
        let prefix = input.path_prefix.unwrap_or_else(|| "/".to_owned());
        let mut tx = self.ctx.store().read().await?;
        let mut all = Vec::new();
        if scope != PolicyScopeType::Local {
            for p in AWS_MANAGED.iter() {
                all.push(self.render_aws_managed(&mut tx, caller, p).await?);
            }
        }
        if scope != PolicyScopeType::Aws {
            for p in tx.list_policies(&caller.account_id).await? {
                all.push(self.render_customer(&mut tx, caller, &p).await?);
            }
        }
        tx.commit().await?;
        // ListPolicies, as IAM's, leaves tags out (GetPolicy has them).
        for p in &mut all {
            p.tags = None;
        }
        all.retain(|p| {
            p.path
                .as_deref()
                .is_some_and(|path| path.starts_with(&prefix))
                && (input.only_attached != Some(true) || p.attachment_count.unwrap_or(0) > 0)
        });
        // Pages follow ARN order, which is stable across both kinds.
        all.sort_by(|a, b| a.arn.cmp(&b.arn));
        let (policies, is_truncated, marker) = page(
            all,
            input.marker.as_deref(),
            input.max_items,
            |p: &Policy| p.arn.clone().unwrap_or_default(),
        );
        Ok(ListPoliciesResponse {
            policies: Some(policies),
            is_truncated: Some(is_truncated),
            marker,
        })
    }

    pub(crate) async fn delete_policy(
        &self,
        caller: &Caller,
        input: DeletePolicyRequest,
    ) -> Outcome<()> {
        let arn = input.policy_arn;
        let name = changeable(caller, &arn)?;
        let mut tx = self.ctx.store().begin().await?;
        let policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
        if tx
            .count_policy_attachments(&caller.account_id, &arn)
            .await?
            > 0
        {
            return Err(api_error!(
                DeleteConflict,
                "Cannot delete a policy attached to entities."
            )
            .into());
        }
        if tx
            .list_policy_versions(&caller.account_id, &policy.policy_name)
            .await?
            .len()
            > 1
        {
            return Err(api_error!(
                DeleteConflict,
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
            )
            .into());
        }
        tx.delete_policy(&caller.account_id, &policy.policy_name)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn create_policy_version(
        &self,
        caller: &Caller,
        input: CreatePolicyVersionRequest,
    ) -> Outcome<CreatePolicyVersionResponse> {
        let arn = input.policy_arn;
        let name = changeable(caller, &arn)?;
        check_document(&input.policy_document, MANAGED_POLICY_SIZE)?;
        let mut tx = self.ctx.store().begin().await?;
        let mut policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
        let versions = tx
            .list_policy_versions(&caller.account_id, &policy.policy_name)
            .await?;
        if versions.len() >= VERSIONS_PER_POLICY {
            return Err(api_error!(
                LimitExceeded,
                "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you create a new version, you must delete an existing version."
            )
            .into());
        }
        let now = self.ctx.now_ms();
        let version = PolicyVersionRecord {
            version: policy.next_version,
            document: input.policy_document,
            created_ms: now,
        };
        tx.insert_policy_version(&caller.account_id, &policy.policy_name, &version)
            .await?;
        let is_default = input.set_as_default == Some(true);
        if is_default {
            policy.default_version = version.version;
        }
        policy.next_version += 1;
        policy.updated_ms = now;
        tx.update_policy_versions(&policy).await?;
        tx.commit().await?;
        Ok(CreatePolicyVersionResponse {
            policy_version: Some(PolicyVersion {
                document: None,
                version_id: Some(version_id(version.version)),
                is_default_version: Some(is_default),
                create_date: Some(Timestamp(now)),
            }),
        })
    }

    pub(crate) async fn get_policy_version(
        &self,
        caller: &Caller,
        input: GetPolicyVersionRequest,
    ) -> Outcome<GetPolicyVersionResponse> {
        let (arn, id) = (input.policy_arn, input.version_id);
        let version = match parse_policy_arn(caller, &arn)? {
            PolicyArn::AwsManaged(p) => {
                if version_number(&arn, &id)? != 1 {
                    return Err(no_such_version(&arn, &id).into());
                }
                PolicyVersion {
                    document: Some(p.document.to_string()),
                    version_id: Some(id),
                    is_default_version: Some(true),
                    create_date: Some(Timestamp(AWS_MANAGED_CREATED_MS)),
                }
            }
            PolicyArn::Customer { name } => {
                let number = version_number(&arn, &id)?;
                let mut tx = self.ctx.store().read().await?;
                let policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
                let versions = tx
                    .list_policy_versions(&caller.account_id, &policy.policy_name)
                    .await?;
                tx.commit().await?;
                let v = versions
                    .into_iter()
                    .find(|v| v.version == number)
                    .ok_or_else(|| no_such_version(&arn, &id))?;
                render_version(&policy, v, true)
            }
        };
        Ok(GetPolicyVersionResponse {
            policy_version: Some(version),
        })
    }

    pub(crate) async fn list_policy_versions(
        &self,
        caller: &Caller,
        input: ListPolicyVersionsRequest,
    ) -> Outcome<ListPolicyVersionsResponse> {
        let arn = input.policy_arn;
        let all = match parse_policy_arn(caller, &arn)? {
            PolicyArn::AwsManaged(_) => vec![PolicyVersion {
                document: None,
                version_id: Some(version_id(1)),
                is_default_version: Some(true),
                create_date: Some(Timestamp(AWS_MANAGED_CREATED_MS)),
            }],
            PolicyArn::Customer { name } => {
                let mut tx = self.ctx.store().read().await?;
                let policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
                let versions = tx
                    .list_policy_versions(&caller.account_id, &policy.policy_name)
                    .await?;
                tx.commit().await?;
                versions
                    .into_iter()
                    .map(|v| render_version(&policy, v, false))
                    .collect()
            }
        };
        // Newest first, as IAM lists them; the marker is the last version's id.
        let (versions, is_truncated, marker) = page(
            all,
            input.marker.as_deref(),
            input.max_items,
            |v: &PolicyVersion| {
                // Zero-padded so that the key order is newest first.
                let n: i64 = v
                    .version_id
                    .as_deref()
                    .and_then(|id| id[1..].parse().ok())
                    .unwrap_or(0);
                format!("{:020}", i64::MAX - n)
            },
        );
        Ok(ListPolicyVersionsResponse {
            versions: Some(versions),
            is_truncated: Some(is_truncated),
            marker,
        })
    }

    pub(crate) async fn delete_policy_version(
        &self,
        caller: &Caller,
        input: DeletePolicyVersionRequest,
    ) -> Outcome<()> {
        let (arn, id) = (input.policy_arn, input.version_id);
        let name = changeable(caller, &arn)?;
        let number = version_number(&arn, &id)?;
        let mut tx = self.ctx.store().begin().await?;
        let policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
        if policy.default_version == number {
            return Err(api_error!(
                DeleteConflict,
                "Cannot delete the default version of a policy."
            )
            .into());
        }
        if !tx
            .delete_policy_version(&caller.account_id, &policy.policy_name, number)
            .await?
        {
            return Err(no_such_version(&arn, &id).into());
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn set_default_policy_version(
        &self,
        caller: &Caller,
        input: SetDefaultPolicyVersionRequest,
    ) -> Outcome<()> {
        let (arn, id) = (input.policy_arn, input.version_id);
        let name = changeable(caller, &arn)?;
        let number = version_number(&arn, &id)?;
        let mut tx = self.ctx.store().begin().await?;
        let mut policy = self.customer_policy(&mut tx, caller, &arn, name).await?;
        if !tx
            .list_policy_versions(&caller.account_id, &policy.policy_name)
            .await?
            .iter()
            .any(|v| v.version == number)
        {
            return Err(no_such_version(&arn, &id).into());
        }
        policy.default_version = number;
        policy.updated_ms = self.ctx.now_ms();
        tx.update_policy_versions(&policy).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn render_version(policy: &PolicyRecord, v: PolicyVersionRecord, document: bool) -> PolicyVersion {
    PolicyVersion {
        is_default_version: Some(v.version == policy.default_version),
        version_id: Some(version_id(v.version)),
        create_date: Some(Timestamp(v.created_ms)),
        document: document.then_some(v.document),
    }
}

/// The name of the customer managed policy an ARN names: AWS managed ones cannot be changed.
fn changeable<'a>(caller: &Caller, arn: &'a str) -> Outcome<&'a str> {
    match parse_policy_arn(caller, arn)? {
        PolicyArn::Customer { name } => Ok(name),
        PolicyArn::AwsManaged(_) => Err(unmodifiable_aws_managed(arn).into()),
    }
}

fn unmodifiable_aws_managed(arn: &str) -> ApiError {
    api_error!(
        InvalidInput,
        "Policy {arn} is an AWS managed policy: it cannot be changed or deleted."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_managed_policies_read_and_parse() {
        assert!(aws_managed("/AdministratorAccess").is_some());
        for p in AWS_MANAGED.iter() {
            ram_access::parse_policy(&p.document.to_string())
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let id = aws_managed_id(&p.name);
            assert_eq!(id.len(), 21, "{id}");
        }
    }
}
