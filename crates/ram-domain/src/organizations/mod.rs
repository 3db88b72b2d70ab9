//! AWS Organizations, and the IAM calls RAM's clients make (service-linked roles). Like RAM's
//! operations, each is a function `(Caller, typed input) -> Outcome<output>` over one store
//! transaction; `Ram` implements the generated `ram_model::organizations::Service` and
//! `ram_model::iam::Service` with them, and `Ram::execute_organizations` and `Ram::execute_iam`
//! run the generated dispatch of each, retrying store conflicts with `Ram::with_retries`.
//!
//! Organizations is global: an account is in at most one organization; only its management
//! account may call the management operations (others get `AccessDeniedException`), a member
//! may describe its own organization and leave it, and an account outside any organization gets
//! `AWSOrganizationsNotInUseException`. Nothing of another organization is ever visible: an id
//! of another organization's root, OU or account answers as if it did not exist.

mod accounts;
mod handshakes;
mod iam;
mod organization;
mod service_access;
mod tags;
mod units;

use ram_model::organizations::{self as org, Operation as OrgOp};
use ram_model::{ApiError, ErrorCode, api_error};
use ram_store::{Membership, OrgAccountRecord, OrgUnitRecord, ReadTx};
use serde::Serialize;
use serde_json::Value;

use crate::failure::{Failure, Outcome};
use crate::pagination::PageRequest;
use crate::{Caller, Ram};

/// Page size of a listing without `MaxResults` (the model's maximum).
const DEFAULT_PAGE_SIZE: i32 = 20;

/// Deepest level of nesting for an OU below the root.
pub(crate) const MAX_OU_DEPTH: i64 = 5;

/// The internal failure of a service, as its own error code says it.
fn service_failure(e: ApiError, code: ErrorCode, message: &str) -> ApiError {
    match e.code {
        ErrorCode::ServerInternalException | ErrorCode::ServiceUnavailableException => {
            ApiError::new(code, message)
        }
        _ => e,
    }
}

/// ramd's own failures (store trouble) as Organizations names them (`ServiceException`);
/// every other error unchanged.
pub fn organizations_error(e: ApiError) -> ApiError {
    service_failure(
        e,
        ErrorCode::ServiceException,
        "AWS Organizations can't complete your request because of an internal service error. Try again later.",
    )
}

/// ramd's own failures as IAM names them (`ServiceFailure`); every other error unchanged.
pub fn iam_error(e: ApiError) -> ApiError {
    service_failure(
        e,
        ErrorCode::ServiceFailure,
        "The request processing has failed because of an unknown error, exception or failure.",
    )
}

impl Ram {
    /// Runs one Organizations operation for `caller`; `input` has passed the validator against
    /// `ram_model::organizations::SHAPES`.
    pub async fn execute_organizations(
        &self,
        caller: &Caller,
        operation: OrgOp,
        input: &Value,
    ) -> Result<Value, ApiError> {
        self.with_retries(operation.name(), || {
            org::dispatch(self, caller, operation, input)
        })
        .await
        .map_err(organizations_error)
    }

    /// Reads `NextToken`/`MaxResults` of an Organizations listing; `query` is the request (its
    /// paging members are left out of the token's binding).
    pub(crate) fn org_page<Q: Serialize>(
        &self,
        caller: &Caller,
        operation: &str,
        query: &Q,
        next_token: Option<&str>,
        max_results: Option<i32>,
    ) -> Result<PageRequest, ApiError> {
        let mut binding = serde_json::to_value(query).unwrap_or_default();
        if let Some(map) = binding.as_object_mut() {
            map.remove("NextToken");
            map.remove("MaxResults");
        }
        self.page_request(
            caller,
            operation,
            &binding,
            next_token,
            Some(max_results.unwrap_or(DEFAULT_PAGE_SIZE)),
        )
        .map_err(|_| {
            api_error!(
                InvalidInputException,
                "The specified NextToken is not valid. You must specify a value you received in the NextToken response of a previous call to this operation."
            )
            .with_reason("INVALID_PAGINATION_TOKEN")
        })
    }

    /// A fresh id of `len` lowercase alphanumeric characters.
    pub(crate) fn org_id_part(&self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            out.extend(self.ids.uuid().chars().filter(char::is_ascii_alphanumeric));
        }
        out.truncate(len);
        out
    }
}

/// The `Ram` function of the same name (in the module of its resource) serves each Organizations
/// operation, but for the tag operations: RAM's own have their names, so `tag_org_resource`,
/// `untag_org_resource` and `list_org_resource_tags` serve them.
impl org::Service for Ram {
    type Caller = Caller;
    type Error = Failure;

    async fn accept_handshake(
        &self,
        caller: &Caller,
        input: org::AcceptHandshakeRequest,
    ) -> Outcome<org::AcceptHandshakeResponse> {
        Ram::accept_handshake(self, caller, input).await
    }

    async fn cancel_handshake(
        &self,
        caller: &Caller,
        input: org::CancelHandshakeRequest,
    ) -> Outcome<org::CancelHandshakeResponse> {
        Ram::cancel_handshake(self, caller, input).await
    }

    async fn create_account(
        &self,
        caller: &Caller,
        input: org::CreateAccountRequest,
    ) -> Outcome<org::CreateAccountResponse> {
        Ram::create_account(self, caller, input).await
    }

    async fn create_organization(
        &self,
        caller: &Caller,
        input: org::CreateOrganizationRequest,
    ) -> Outcome<org::CreateOrganizationResponse> {
        Ram::create_organization(self, caller, input).await
    }

    async fn create_organizational_unit(
        &self,
        caller: &Caller,
        input: org::CreateOrganizationalUnitRequest,
    ) -> Outcome<org::CreateOrganizationalUnitResponse> {
        Ram::create_organizational_unit(self, caller, input).await
    }

    async fn decline_handshake(
        &self,
        caller: &Caller,
        input: org::DeclineHandshakeRequest,
    ) -> Outcome<org::DeclineHandshakeResponse> {
        Ram::decline_handshake(self, caller, input).await
    }

    async fn delete_organization(&self, caller: &Caller) -> Outcome<()> {
        Ram::delete_organization(self, caller).await
    }

    async fn delete_organizational_unit(
        &self,
        caller: &Caller,
        input: org::DeleteOrganizationalUnitRequest,
    ) -> Outcome<()> {
        Ram::delete_organizational_unit(self, caller, input).await
    }

    async fn describe_account(
        &self,
        caller: &Caller,
        input: org::DescribeAccountRequest,
    ) -> Outcome<org::DescribeAccountResponse> {
        Ram::describe_account(self, caller, input).await
    }

    async fn describe_create_account_status(
        &self,
        caller: &Caller,
        input: org::DescribeCreateAccountStatusRequest,
    ) -> Outcome<org::DescribeCreateAccountStatusResponse> {
        Ram::describe_create_account_status(self, caller, input).await
    }

    async fn describe_handshake(
        &self,
        caller: &Caller,
        input: org::DescribeHandshakeRequest,
    ) -> Outcome<org::DescribeHandshakeResponse> {
        Ram::describe_handshake(self, caller, input).await
    }

    async fn describe_organization(
        &self,
        caller: &Caller,
    ) -> Outcome<org::DescribeOrganizationResponse> {
        Ram::describe_organization(self, caller).await
    }

    async fn describe_organizational_unit(
        &self,
        caller: &Caller,
        input: org::DescribeOrganizationalUnitRequest,
    ) -> Outcome<org::DescribeOrganizationalUnitResponse> {
        Ram::describe_organizational_unit(self, caller, input).await
    }

    async fn disable_aws_service_access(
        &self,
        caller: &Caller,
        input: org::DisableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        Ram::disable_aws_service_access(self, caller, input).await
    }

    async fn enable_aws_service_access(
        &self,
        caller: &Caller,
        input: org::EnableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        Ram::enable_aws_service_access(self, caller, input).await
    }

    async fn invite_account_to_organization(
        &self,
        caller: &Caller,
        input: org::InviteAccountToOrganizationRequest,
    ) -> Outcome<org::InviteAccountToOrganizationResponse> {
        Ram::invite_account_to_organization(self, caller, input).await
    }

    async fn leave_organization(&self, caller: &Caller) -> Outcome<()> {
        Ram::leave_organization(self, caller).await
    }

    async fn list_aws_service_access_for_organization(
        &self,
        caller: &Caller,
        input: org::ListAWSServiceAccessForOrganizationRequest,
    ) -> Outcome<org::ListAWSServiceAccessForOrganizationResponse> {
        Ram::list_aws_service_access_for_organization(self, caller, input).await
    }

    async fn list_accounts(
        &self,
        caller: &Caller,
        input: org::ListAccountsRequest,
    ) -> Outcome<org::ListAccountsResponse> {
        Ram::list_accounts(self, caller, input).await
    }

    async fn list_accounts_for_parent(
        &self,
        caller: &Caller,
        input: org::ListAccountsForParentRequest,
    ) -> Outcome<org::ListAccountsForParentResponse> {
        Ram::list_accounts_for_parent(self, caller, input).await
    }

    async fn list_children(
        &self,
        caller: &Caller,
        input: org::ListChildrenRequest,
    ) -> Outcome<org::ListChildrenResponse> {
        Ram::list_children(self, caller, input).await
    }

    async fn list_create_account_status(
        &self,
        caller: &Caller,
        input: org::ListCreateAccountStatusRequest,
    ) -> Outcome<org::ListCreateAccountStatusResponse> {
        Ram::list_create_account_status(self, caller, input).await
    }

    async fn list_handshakes_for_account(
        &self,
        caller: &Caller,
        input: org::ListHandshakesForAccountRequest,
    ) -> Outcome<org::ListHandshakesForAccountResponse> {
        Ram::list_handshakes_for_account(self, caller, input).await
    }

    async fn list_handshakes_for_organization(
        &self,
        caller: &Caller,
        input: org::ListHandshakesForOrganizationRequest,
    ) -> Outcome<org::ListHandshakesForOrganizationResponse> {
        Ram::list_handshakes_for_organization(self, caller, input).await
    }

    async fn list_organizational_units_for_parent(
        &self,
        caller: &Caller,
        input: org::ListOrganizationalUnitsForParentRequest,
    ) -> Outcome<org::ListOrganizationalUnitsForParentResponse> {
        Ram::list_organizational_units_for_parent(self, caller, input).await
    }

    async fn list_parents(
        &self,
        caller: &Caller,
        input: org::ListParentsRequest,
    ) -> Outcome<org::ListParentsResponse> {
        Ram::list_parents(self, caller, input).await
    }

    async fn list_roots(
        &self,
        caller: &Caller,
        input: org::ListRootsRequest,
    ) -> Outcome<org::ListRootsResponse> {
        Ram::list_roots(self, caller, input).await
    }

    async fn list_tags_for_resource(
        &self,
        caller: &Caller,
        input: org::ListTagsForResourceRequest,
    ) -> Outcome<org::ListTagsForResourceResponse> {
        Ram::list_org_resource_tags(self, caller, input).await
    }

    async fn move_account(&self, caller: &Caller, input: org::MoveAccountRequest) -> Outcome<()> {
        Ram::move_account(self, caller, input).await
    }

    async fn remove_account_from_organization(
        &self,
        caller: &Caller,
        input: org::RemoveAccountFromOrganizationRequest,
    ) -> Outcome<()> {
        Ram::remove_account_from_organization(self, caller, input).await
    }

    async fn tag_resource(&self, caller: &Caller, input: org::TagResourceRequest) -> Outcome<()> {
        Ram::tag_org_resource(self, caller, input).await
    }

    async fn untag_resource(
        &self,
        caller: &Caller,
        input: org::UntagResourceRequest,
    ) -> Outcome<()> {
        Ram::untag_org_resource(self, caller, input).await
    }

    async fn update_organizational_unit(
        &self,
        caller: &Caller,
        input: org::UpdateOrganizationalUnitRequest,
    ) -> Outcome<org::UpdateOrganizationalUnitResponse> {
        Ram::update_organizational_unit(self, caller, input).await
    }
}

/// Who the caller is in Organizations.
pub(crate) async fn membership_of(tx: &mut ReadTx, caller: &Caller) -> Outcome<Membership> {
    tx.organization_of_account(&caller.account_id)
        .await?
        .ok_or_else(|| not_in_use().into())
}

/// The caller's organization, if the caller is its management account.
pub(crate) async fn managed_by(tx: &mut ReadTx, caller: &Caller) -> Outcome<Membership> {
    let m = membership_of(tx, caller).await?;
    if !m.is_management_account() {
        return Err(access_denied().into());
    }
    Ok(m)
}

pub(crate) fn not_in_use() -> ApiError {
    api_error!(
        AWSOrganizationsNotInUseException,
        "Your account is not a member of an organization."
    )
}

pub(crate) fn access_denied() -> ApiError {
    api_error!(
        AccessDeniedException,
        "You don't have permissions to access this resource."
    )
}

pub(crate) fn parent_not_found() -> ApiError {
    api_error!(
        ParentNotFoundException,
        "We can't find a root or OU with the ParentId that you specified."
    )
}

pub(crate) fn account_not_found() -> ApiError {
    api_error!(
        AccountNotFoundException,
        "You specified an account that doesn't exist."
    )
}

/// `arn:<partition>:organizations::<management account>` of the organization whose ARN is given.
fn arn_prefix(org_arn: &str) -> &str {
    org_arn
        .rsplit_once(":organization/")
        .map_or(org_arn, |(prefix, _)| prefix)
}

/// The ARN of something in the organization: `<prefix>:<kind>/<org id>/<rest>`.
pub(crate) fn org_arn(organization_arn: &str, org_id: &str, kind: &str, rest: &str) -> String {
    format!("{}:{kind}/{org_id}/{rest}", arn_prefix(organization_arn))
}

/// A root or OU of the caller's organization (others answer as missing).
pub(crate) async fn unit_in(
    tx: &mut ReadTx,
    m: &Membership,
    id: &str,
) -> Outcome<Option<OrgUnitRecord>> {
    Ok(tx.get_org_unit(id).await?.filter(|u| u.org_id == m.org_id))
}

/// A member account of the caller's organization (others answer as missing).
pub(crate) async fn account_in(
    tx: &mut ReadTx,
    m: &Membership,
    id: &str,
) -> Outcome<Option<OrgAccountRecord>> {
    Ok(tx
        .get_org_account(id)
        .await?
        .filter(|a| a.org_id == m.org_id))
}

/// The ids from the root down to `parent_id` (inclusive).
pub(crate) async fn chain_to(tx: &mut ReadTx, parent_id: &str) -> Outcome<Vec<OrgUnitRecord>> {
    let mut chain = Vec::new();
    let mut next = Some(parent_id.to_owned());
    while let Some(id) = next.take() {
        let Some(unit) = tx.get_org_unit(&id).await? else {
            break;
        };
        next.clone_from(&unit.parent_id);
        chain.push(unit);
        if chain.len() > 16 {
            return Err(ApiError::internal().into());
        }
    }
    chain.reverse();
    Ok(chain)
}

/// The entity path of something under `parent_id`: `o-x/r-x/ou-a/.../<leaf>/`.
pub(crate) async fn entity_path(
    tx: &mut ReadTx,
    org_id: &str,
    parent_id: &str,
    leaf: &str,
) -> Outcome<String> {
    let mut path = format!("{org_id}/");
    for unit in chain_to(tx, parent_id).await? {
        path.push_str(&unit.id);
        path.push('/');
    }
    path.push_str(leaf);
    path.push('/');
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use ram_model::ErrorCode;
    use ram_model::organizations::Operation as Op;
    use serde_json::{Value, json};

    use crate::{Caller, Clock, Config, Ram, RandomIds};

    struct TestClock(AtomicI64);

    impl Clock for TestClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    const DAY_MS: i64 = 24 * 3600 * 1000;

    async fn service() -> (Ram, Arc<TestClock>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = ram_store::Store::open_dir(dir.path()).await.unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
        let ram = Ram::new(store, Config::default(), clock.clone(), Arc::new(RandomIds))
            .await
            .unwrap();
        (ram, clock, dir)
    }

    async fn call(ram: &Ram, account: &str, op: Op, input: Value) -> Result<Value, ErrorCode> {
        ram.execute_organizations(&Caller::root(account, "us-east-1"), op, &input)
            .await
            .map_err(|e| e.code)
    }

    #[tokio::test]
    async fn invitations_expire_by_the_clock_and_members_are_seen_from_the_store() {
        let (ram, clock, _dir) = service().await;
        let (a, b, c) = ("111111111111", "222222222222", "333333333333");
        let org = call(&ram, a, Op::CreateOrganization, json!({}))
            .await
            .unwrap();
        let invite = json!({"Target": {"Type": "ACCOUNT", "Id": b}});
        let first = call(&ram, a, Op::InviteAccountToOrganization, invite.clone())
            .await
            .unwrap();
        let id = json!({"HandshakeId": first["Handshake"]["Id"]});

        // Fifteen days later the invitation has expired: it can't be accepted, and a new one may be sent.
        clock.0.fetch_add(15 * DAY_MS, Ordering::SeqCst);
        let seen = call(&ram, b, Op::DescribeHandshake, id.clone())
            .await
            .unwrap();
        assert_eq!(seen["Handshake"]["State"], "EXPIRED");
        assert_eq!(
            call(&ram, b, Op::AcceptHandshake, id.clone()).await,
            Err(ErrorCode::InvalidHandshakeTransitionException)
        );
        let listed = call(&ram, b, Op::ListHandshakesForAccount, json!({}))
            .await
            .unwrap();
        assert_eq!(listed["Handshakes"].as_array().unwrap().len(), 1);
        let again = call(&ram, a, Op::InviteAccountToOrganization, invite)
            .await
            .unwrap();
        call(
            &ram,
            b,
            Op::AcceptHandshake,
            json!({"HandshakeId": again["Handshake"]["Id"]}),
        )
        .await
        .unwrap();
        // Thirty days after it closed, a handshake is no longer listed.
        clock.0.fetch_add(31 * DAY_MS, Ordering::SeqCst);
        let listed = call(&ram, b, Op::ListHandshakesForAccount, json!({}))
            .await
            .unwrap();
        assert_eq!(listed["Handshakes"], json!([]));

        // The membership RAM's sharing reads: B under an OU, in A's organization.
        let root = call(&ram, a, Op::ListRoots, json!({})).await.unwrap()["Roots"][0]["Id"].clone();
        let ou = call(
            &ram,
            a,
            Op::CreateOrganizationalUnit,
            json!({"ParentId": root, "Name": "team"}),
        )
        .await
        .unwrap()["OrganizationalUnit"]
            .clone();
        call(
            &ram,
            a,
            Op::MoveAccount,
            json!({"AccountId": b, "SourceParentId": root, "DestinationParentId": ou["Id"]}),
        )
        .await
        .unwrap();
        call(
            &ram,
            a,
            Op::EnableAwsServiceAccess,
            json!({"ServicePrincipal": "ram.amazonaws.com"}),
        )
        .await
        .unwrap();
        let mut tx = ram.store().read().await.unwrap();
        let member = tx.organization_of_account(b).await.unwrap().unwrap();
        assert_eq!(member.org_id, org["Organization"]["Id"].as_str().unwrap());
        assert_eq!(member.management_account, a);
        assert_eq!(
            member.containing_arns(),
            [
                org["Organization"]["Arn"].as_str().unwrap(),
                &format!(
                    "arn:aws:organizations::{a}:root/{}/{}",
                    member.org_id,
                    root.as_str().unwrap()
                ),
                ou["Arn"].as_str().unwrap(),
            ]
        );
        assert_eq!(member.enabled_services, ["ram.amazonaws.com"]);
        assert!(
            tx.service_access_enabled(&member.org_id, "ram.amazonaws.com")
                .await
                .unwrap()
        );
        assert!(tx.organization_of_account(c).await.unwrap().is_none());
        tx.commit().await.unwrap();
    }
}
