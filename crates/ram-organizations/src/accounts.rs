//! Member accounts: CreateAccount, DescribeCreateAccountStatus, ListCreateAccountStatus,
//! DescribeAccount, ListAccounts, ListAccountsForParent, MoveAccount,
//! RemoveAccountFromOrganization, LeaveOrganization.
//!
//! CreateAccount completes at once: the new account (a fresh 12-digit id, in ramd's accounts) is
//! usable as soon as the call returns. Its answer says `IN_PROGRESS`, as AWS's does; the request
//! then reads `SUCCEEDED` (or `FAILED` with `EMAIL_ALREADY_EXISTS`). As on AWS, the new account
//! gets the role `RoleName` (default `OrganizationAccountAccessRole`) trusting the management
//! account.

use ram_context::{Caller, Outcome};
use ram_model::organizations::{
    Account, AccountJoinedMethod, AccountState, AccountStatus, CreateAccountFailureReason,
    CreateAccountRequest, CreateAccountResponse, CreateAccountState, CreateAccountStatus,
    DescribeAccountRequest, DescribeAccountResponse, DescribeCreateAccountStatusRequest,
    DescribeCreateAccountStatusResponse, ListAccountsForParentRequest,
    ListAccountsForParentResponse, ListAccountsRequest, ListAccountsResponse,
    ListCreateAccountStatusRequest, ListCreateAccountStatusResponse, MoveAccountRequest,
    RemoveAccountFromOrganizationRequest,
};
use ram_model::{ApiError, api_error};
use ram_store::{
    AccountRecord, CreateAccountRecord, Membership, OrgAccountRecord, ReadTx, RoleRecord,
};

use super::organization::ts;
use super::tags::validate_org_tags;
use super::units::parent_in;
use super::{
    account_in, account_not_found, entity_path, managed_by, membership, membership_of, org_arn,
    unit_in,
};
use crate::{Organizations, id_part};

/// The role CreateAccount makes in the new account unless told another name.
const DEFAULT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

fn master_cannot_leave() -> ApiError {
    api_error!(
        MasterCannotLeaveOrganizationException,
        "You can't remove the management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account."
    )
}

pub(crate) async fn render_account(tx: &mut ReadTx, a: &OrgAccountRecord) -> Outcome<Account> {
    Ok(Account {
        id: Some(a.account_id.clone()),
        arn: Some(a.arn.clone()),
        email: Some(a.email.clone()),
        name: Some(a.name.clone()),
        status: Some(AccountStatus::Active),
        state: Some(AccountState::Active),
        paths: Some(vec![
            entity_path(tx, &a.org_id, &a.parent_id, &a.account_id).await?,
        ]),
        joined_method: Some(a.joined_method),
        joined_timestamp: Some(ts(a.joined_ms)),
    })
}

fn render_request(r: &CreateAccountRecord) -> CreateAccountStatus {
    CreateAccountStatus {
        id: Some(r.id.clone()),
        account_name: Some(r.account_name.clone()),
        state: Some(r.state),
        requested_timestamp: Some(ts(r.requested_ms)),
        completed_timestamp: r.completed_ms.map(ts),
        account_id: r.account_id.clone(),
        gov_cloud_account_id: None,
        failure_reason: r
            .failure_reason
            .as_deref()
            .and_then(CreateAccountFailureReason::parse),
    }
}

/// The trust policy of the role CreateAccount makes: the management account may assume it.
fn access_role_policy(partition: &str, management: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{management}:root")},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

impl Organizations {
    /// A 12-digit account id no account has yet.
    async fn fresh_account_id(&self, tx: &mut ReadTx) -> Outcome<String> {
        for _ in 0..16 {
            let hex: String = self
                .ctx
                .uuid()
                .chars()
                .filter(char::is_ascii_hexdigit)
                .collect();
            let n = u128::from_str_radix(&hex, 16).unwrap_or_default();
            let id = (100_000_000_000 + n % 900_000_000_000).to_string();
            if tx.get_account(&id).await?.is_none() && tx.get_org_account(&id).await?.is_none() {
                return Ok(id);
            }
        }
        Err(ApiError::internal().into())
    }

    pub(crate) async fn create_account(
        &self,
        caller: &Caller,
        input: CreateAccountRequest,
    ) -> Outcome<CreateAccountResponse> {
        let email = input.email.clone();
        let name = input.account_name.clone();
        let role_name = input
            .role_name
            .clone()
            .unwrap_or_else(|| DEFAULT_ACCESS_ROLE.to_owned());
        let tags = validate_org_tags(input.tags.as_deref().unwrap_or_default())?;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let mut request = CreateAccountRecord {
            id: format!("car-{}", id_part(&self.ctx, 32)),
            org_id: m.org_id.clone(),
            account_name: name.clone(),
            account_id: None,
            state: CreateAccountState::Succeeded,
            failure_reason: None,
            requested_ms: now,
            completed_ms: Some(now),
        };
        if tx.account_with_email(&email).await?.is_some() {
            request.state = CreateAccountState::Failed;
            request.failure_reason = Some("EMAIL_ALREADY_EXISTS".to_owned());
        } else {
            let account_id = self.fresh_account_id(&mut tx).await?;
            tx.insert_account(&AccountRecord {
                account_id: account_id.clone(),
                name: name.clone(),
                created_ms: now,
            })
            .await?;
            tx.put_account_email(&account_id, &email).await?;
            let root = m.parents.first().ok_or_else(ApiError::internal)?;
            tx.insert_org_account(&OrgAccountRecord {
                account_id: account_id.clone(),
                org_id: m.org_id.clone(),
                parent_id: root.id.clone(),
                arn: org_arn(&m.org_arn, &m.org_id, "account", &account_id),
                name,
                email,
                joined_method: AccountJoinedMethod::Created,
                joined_ms: now,
            })
            .await?;
            self.listener
                .account_joined(&mut tx, &account_id, &m.org_id, now)
                .await?;
            self.attach_default_policies(&mut tx, &m.org_id, &account_id)
                .await?;
            tx.put_org_tags(&account_id, &tags).await?;
            tx.insert_role(&RoleRecord {
                account_id: account_id.clone(),
                role_name: role_name.clone(),
                role_id: self.iam.role_id(),
                path: "/".to_owned(),
                service: None,
                assume_role_policy: access_role_policy(&caller.partition, &m.management_account),
                description: None,
                max_session_seconds: 3600,
                tags: "[]".to_owned(),
                created_ms: now,
            })
            .await?;
            // As in AWS, the role administers the account for the management account.
            let role = ram_store::PrincipalRef {
                account_id: &account_id,
                kind: ram_store::PrincipalKind::Role,
                name: &role_name,
            };
            tx.attach_policy(
                role,
                &format!(
                    "arn:{}:iam::aws:policy/AdministratorAccess",
                    caller.partition
                ),
                now,
            )
            .await?;
            request.account_id = Some(account_id);
        }
        tx.insert_create_account_request(&request).await?;
        tx.commit().await?;
        Ok(CreateAccountResponse {
            create_account_status: Some(CreateAccountStatus {
                id: Some(request.id),
                account_name: Some(request.account_name),
                state: Some(CreateAccountState::InProgress),
                requested_timestamp: Some(ts(request.requested_ms)),
                ..CreateAccountStatus::default()
            }),
        })
    }

    pub(crate) async fn describe_create_account_status(
        &self,
        caller: &Caller,
        input: DescribeCreateAccountStatusRequest,
    ) -> Outcome<DescribeCreateAccountStatusResponse> {
        let id = input.create_account_request_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let request = tx
            .get_create_account_request(&id)
            .await?
            .filter(|r| r.org_id == m.org_id)
            .ok_or_else(|| {
                api_error!(
                    CreateAccountStatusNotFoundException,
                    "We can't find a create account request with the CreateAccountRequestId that you specified."
                )
            })?;
        tx.commit().await?;
        Ok(DescribeCreateAccountStatusResponse {
            create_account_status: Some(render_request(&request)),
        })
    }

    pub(crate) async fn list_create_account_status(
        &self,
        caller: &Caller,
        input: ListCreateAccountStatusRequest,
    ) -> Outcome<ListCreateAccountStatusResponse> {
        let page = self.org_page(
            caller,
            "ListCreateAccountStatus",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let states = input.states.unwrap_or_default();
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let result = tx
            .list_create_account_requests(&m.org_id, &states, page.after.as_ref(), page.limit)
            .await?;
        tx.commit().await?;
        let last = result.items.last().map(|r| (r.requested_ms, r.id.clone()));
        Ok(ListCreateAccountStatusResponse {
            create_account_statuses: Some(result.items.iter().map(render_request).collect()),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }

    pub(crate) async fn describe_account(
        &self,
        caller: &Caller,
        input: DescribeAccountRequest,
    ) -> Outcome<DescribeAccountResponse> {
        let id = input.account_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let account = account_in(&mut tx, &m, &id)
            .await?
            .ok_or_else(account_not_found)?;
        let output = DescribeAccountResponse {
            account: Some(render_account(&mut tx, &account).await?),
        };
        tx.commit().await?;
        Ok(output)
    }

    async fn list_accounts_in(
        &self,
        caller: &Caller,
        operation: &str,
        input_parent: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i32>,
    ) -> Outcome<(Vec<Account>, Option<String>)> {
        let binding = serde_json::json!({ "ParentId": input_parent });
        let page = self.org_page(caller, operation, &binding, next_token, max_results)?;
        let mut tx = self.ctx.store().read().await?;
        let m: Membership = managed_by(&mut tx, caller).await?;
        let parent = match input_parent {
            Some(id) => Some(parent_in(&mut tx, &m, id).await?.id),
            None => None,
        };
        let result = tx
            .list_org_accounts(
                &m.org_id,
                parent.as_deref(),
                page.after.as_ref(),
                page.limit,
            )
            .await?;
        let mut accounts = Vec::with_capacity(result.items.len());
        for a in &result.items {
            accounts.push(render_account(&mut tx, a).await?);
        }
        tx.commit().await?;
        let last = result
            .items
            .last()
            .map(|a| (a.joined_ms, a.account_id.clone()));
        Ok((accounts, self.ctx.next_token(&page, result.more, last)))
    }

    pub(crate) async fn list_accounts(
        &self,
        caller: &Caller,
        input: ListAccountsRequest,
    ) -> Outcome<ListAccountsResponse> {
        let (accounts, next_token) = self
            .list_accounts_in(
                caller,
                "ListAccounts",
                None,
                input.next_token.as_deref(),
                input.max_results,
            )
            .await?;
        Ok(ListAccountsResponse {
            accounts: Some(accounts),
            next_token,
        })
    }

    pub(crate) async fn list_accounts_for_parent(
        &self,
        caller: &Caller,
        input: ListAccountsForParentRequest,
    ) -> Outcome<ListAccountsForParentResponse> {
        let (accounts, next_token) = self
            .list_accounts_in(
                caller,
                "ListAccountsForParent",
                Some(&input.parent_id),
                input.next_token.as_deref(),
                input.max_results,
            )
            .await?;
        Ok(ListAccountsForParentResponse {
            accounts: Some(accounts),
            next_token,
        })
    }

    pub(crate) async fn move_account(
        &self,
        caller: &Caller,
        input: MoveAccountRequest,
    ) -> Outcome<()> {
        let id = input.account_id;
        let source_id = input.source_parent_id;
        let destination_id = input.destination_parent_id;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let account = account_in(&mut tx, &m, &id)
            .await?
            .ok_or_else(account_not_found)?;
        let source = unit_in(&mut tx, &m, &source_id).await?;
        // An account that is not in the source parent: the source is not its parent.
        if source.is_none_or(|s| s.id != account.parent_id) {
            return Err(api_error!(
                SourceParentNotFoundException,
                "We can't find a source root or OU with the ParentId that you specified."
            )
            .into());
        }
        let Some(destination) = unit_in(&mut tx, &m, &destination_id).await? else {
            return Err(api_error!(
                DestinationParentNotFoundException,
                "We can't find a destination root or OU with the ParentId that you specified."
            )
            .into());
        };
        if destination.id == account.parent_id {
            return Err(api_error!(
                DuplicateAccountException,
                "That account is already present in the specified destination."
            )
            .into());
        }
        tx.move_org_account(&account.account_id, &destination.id)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn remove_account_from_organization(
        &self,
        caller: &Caller,
        input: RemoveAccountFromOrganizationRequest,
    ) -> Outcome<()> {
        let id = input.account_id;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        if id == m.management_account {
            return Err(master_cannot_leave().into());
        }
        let account = account_in(&mut tx, &m, &id)
            .await?
            .ok_or_else(account_not_found)?;
        if let Some(leaving) = membership(&mut tx, &account.account_id).await? {
            self.listener
                .account_leaving(&mut tx, &leaving, self.ctx.now_ms())
                .await?;
        }
        tx.delete_org_account(&account.account_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn leave_organization(&self, caller: &Caller) -> Outcome<()> {
        let mut tx = self.ctx.store().begin().await?;
        let m = membership_of(&mut tx, caller).await?;
        if m.is_management_account() {
            return Err(master_cannot_leave().into());
        }
        self.listener
            .account_leaving(&mut tx, &m, self.ctx.now_ms())
            .await?;
        tx.delete_org_account(&caller.account_id).await?;
        tx.commit().await?;
        Ok(())
    }
}
