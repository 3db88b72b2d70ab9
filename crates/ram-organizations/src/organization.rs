//! The organization itself: CreateOrganization, DescribeOrganization, DeleteOrganization,
//! ListRoots.

use ram_context::{Caller, Outcome};
use ram_model::Timestamp;
use ram_model::api_error;
use ram_model::organizations::{AccountJoinedMethod, ParentType, PolicyType};
use ram_model::organizations::{
    CreateOrganizationRequest, CreateOrganizationResponse, DescribeOrganizationResponse,
    ListRootsRequest, ListRootsResponse, Organization, OrganizationFeatureSet, Root,
};
use ram_store::{OrgAccountRecord, OrgUnitRecord, OrganizationRecord, ReadTx};

use super::{managed_by, membership_of, org_arn};
use crate::{Organizations, id_part};

/// The name AWS gives the root of every organization.
const ROOT_NAME: &str = "Root";

/// The root email address of an account ramd was not told one for.
pub(crate) fn default_email(account_id: &str) -> String {
    format!("{account_id}@example.com")
}

/// The account's name and email as an organization shows them.
pub(crate) async fn account_profile(
    tx: &mut ReadTx,
    account_id: &str,
) -> Outcome<(String, String)> {
    let name = tx
        .get_account(account_id)
        .await?
        .map_or_else(|| account_id.to_owned(), |a| a.name);
    let email = tx
        .get_account_email(account_id)
        .await?
        .unwrap_or_else(|| default_email(account_id));
    Ok((name, email))
}

pub(crate) fn render_organization(
    org: &OrganizationRecord,
    management: &OrgAccountRecord,
) -> Organization {
    Organization {
        id: Some(org.org_id.clone()),
        arn: Some(org.arn.clone()),
        feature_set: Some(org.feature_set),
        master_account_arn: Some(management.arn.clone()),
        master_account_id: Some(org.management_account.clone()),
        master_account_email: Some(management.email.clone()),
        available_policy_types: Some(Vec::new()),
    }
}

/// A root with the policy types enabled on it.
pub(crate) fn render_root(root: &OrgUnitRecord, types: &[PolicyType]) -> Root {
    Root {
        id: Some(root.id.clone()),
        arn: Some(root.arn.clone()),
        name: Some(root.name.clone()),
        policy_types: Some(crate::policies::type_summaries(types)),
    }
}

impl Organizations {
    pub(crate) async fn create_organization(
        &self,
        caller: &Caller,
        input: CreateOrganizationRequest,
    ) -> Outcome<CreateOrganizationResponse> {
        let feature_set = input.feature_set.unwrap_or(OrganizationFeatureSet::All);
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        if tx.get_org_account(&caller.account_id).await?.is_some() {
            return Err(api_error!(
                AlreadyInOrganizationException,
                "The AWS account is already a member of an organization."
            )
            .into());
        }
        let org_id = format!("o-{}", id_part(&self.ctx, 10));
        let org = OrganizationRecord {
            arn: format!(
                "arn:{}:organizations::{}:organization/{org_id}",
                caller.partition, caller.account_id
            ),
            org_id,
            management_account: caller.account_id.clone(),
            feature_set,
            created_ms: now,
        };
        tx.insert_organization(&org).await?;
        let root_id = format!("r-{}", id_part(&self.ctx, 4));
        tx.insert_org_unit(&OrgUnitRecord {
            arn: org_arn(&org.arn, &org.org_id, "root", &root_id),
            id: root_id.clone(),
            org_id: org.org_id.clone(),
            kind: ParentType::Root,
            parent_id: None,
            name: ROOT_NAME.to_owned(),
            depth: 0,
            created_ms: now,
        })
        .await?;
        let (name, email) = account_profile(&mut tx, &caller.account_id).await?;
        let management = OrgAccountRecord {
            account_id: caller.account_id.clone(),
            org_id: org.org_id.clone(),
            parent_id: root_id,
            arn: org_arn(&org.arn, &org.org_id, "account", &caller.account_id),
            name,
            email,
            // AWS lists the management account as having joined by invitation.
            joined_method: AccountJoinedMethod::Invited,
            joined_ms: now,
        };
        tx.insert_org_account(&management).await?;
        tx.commit().await?;
        Ok(CreateOrganizationResponse {
            organization: Some(render_organization(&org, &management)),
        })
    }

    pub(crate) async fn describe_organization(
        &self,
        caller: &Caller,
    ) -> Outcome<DescribeOrganizationResponse> {
        let mut tx = self.ctx.store().read().await?;
        let m = membership_of(&mut tx, caller).await?;
        let org = tx
            .get_organization(&m.org_id)
            .await?
            .ok_or_else(super::not_in_use)?;
        let management = tx
            .get_org_account(&org.management_account)
            .await?
            .ok_or_else(ram_model::ApiError::internal)?;
        tx.commit().await?;
        Ok(DescribeOrganizationResponse {
            organization: Some(render_organization(&org, &management)),
        })
    }

    pub(crate) async fn delete_organization(&self, caller: &Caller) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        if tx.count_org_accounts(&m.org_id).await? > 1 {
            return Err(api_error!(
                OrganizationNotEmptyException,
                "To delete an organization you must first remove all member accounts (except the management account)."
            )
            .into());
        }
        self.listener
            .organization_deleting(&mut tx, &m, self.ctx.now_ms())
            .await?;
        tx.delete_organization(&m.org_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_roots(
        &self,
        caller: &Caller,
        input: ListRootsRequest,
    ) -> Outcome<ListRootsResponse> {
        // One root per organization: a single page whatever MaxResults says (the token is
        // still checked).
        self.org_page(
            caller,
            "ListRoots",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let mut roots = Vec::new();
        for root in tx.list_roots(&m.org_id).await? {
            let types = tx.root_policy_types(&root.id).await?;
            roots.push(render_root(&root, &types));
        }
        tx.commit().await?;
        Ok(ListRootsResponse {
            roots: Some(roots),
            next_token: None,
        })
    }
}

/// Epoch-milliseconds as the model's timestamp.
pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp(ms)
}
