//! AWS Organizations, and the IAM calls RAM's clients make (service-linked roles), served beside
//! RAM on ramd's endpoint. Like RAM's operations, each is a function `(Caller, typed input) ->
//! Outcome<output>` over one store transaction; [`Organizations`] implements the generated
//! `ram_model::organizations::Service` with them (`operations.rs`) and [`Iam`] the generated
//! `ram_model::iam::Service` (`iam.rs`), and `execute` on each runs the generated dispatch,
//! retrying store conflicts with `Context::with_retries`.
//!
//! Organizations knows nothing of RAM. A service built on it reads who is in which organization
//! with [`membership`], and is told of the changes that take access away (an account leaving or
//! removed, an organization deleted) through the [`MembershipListener`] it registers, inside the
//! transaction that makes the change. RAM is such a service: `ram-domain` depends on this crate,
//! never the reverse.
//!
//! Organizations is global: an account is in at most one organization; only its management
//! account may call the management operations (others get `AccessDeniedException`), a member
//! may describe its own organization and leave it, and an account outside any organization gets
//! `AWSOrganizationsNotInUseException`. Nothing of another organization is ever visible: an id
//! of another organization's root, OU or account answers as if it did not exist.

mod accounts;
mod authorization;
mod handshakes;
mod iam;
mod membership;
mod operations;
mod organization;
mod policies;
mod service_access;
mod tags;
mod units;

pub use authorization::{Check, Refusal, access_denied as refused, is_root};
pub use iam::{Iam, IdentityPolicies, KeyIssuer, principal_of_arn};
pub use membership::{ListenerFuture, MembershipListener, membership};
pub(crate) use membership::{managed_by, membership_of};

use std::sync::Arc;

use ram_context::{Caller, Context, Outcome, PageRequest};
use ram_model::{ApiError, ErrorCode, api_error};
use ram_store::{Membership, OrgAccountRecord, OrgUnitRecord, ReadTx};
use serde::Serialize;

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

/// ramd's own failures (store trouble) and throttling as Organizations names them
/// (`ServiceException`, `TooManyRequestsException`); every other error unchanged.
pub fn organizations_error(e: ApiError) -> ApiError {
    if e.code == ErrorCode::ThrottlingException {
        return api_error!(
            TooManyRequestsException,
            "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later."
        );
    }
    service_failure(
        e,
        ErrorCode::ServiceException,
        "AWS Organizations can't complete your request because of an internal service error. Try again later.",
    )
}

/// ramd's own failures as IAM names them (`ServiceFailure`); every other error unchanged (the
/// query protocol's own names for throttling and unknown keys are given where IAM's answers are
/// written, as STS's are).
pub fn iam_error(e: ApiError) -> ApiError {
    service_failure(
        e,
        ErrorCode::ServiceFailure,
        "The request processing has failed because of an unknown error, exception or failure.",
    )
}

/// AWS Organizations over the shared context, with the IAM it makes roles in and the listener it
/// tells of membership changes.
#[derive(Clone)]
pub struct Organizations {
    ctx: Context,
    iam: Iam,
    listener: Arc<dyn MembershipListener>,
}

impl Organizations {
    /// Organizations (and IAM) over `ctx`, telling `listener` when an account leaves an
    /// organization or an organization is deleted.
    pub fn new(ctx: Context, listener: Arc<dyn MembershipListener>) -> Organizations {
        Organizations {
            iam: Iam::new(ctx.clone()),
            ctx,
            listener,
        }
    }

    /// IAM, over the same context.
    pub fn iam(&self) -> &Iam {
        &self.iam
    }

    /// Reads `NextToken`/`MaxResults` of an Organizations listing; `query` is the request (its
    /// paging members are left out of the token's binding).
    pub(crate) fn org_page<'q, Q: Serialize>(
        &self,
        caller: &'q Caller,
        operation: &'q str,
        query: &Q,
        next_token: Option<&str>,
        max_results: Option<i32>,
    ) -> Result<PageRequest<'q>, ApiError> {
        let mut binding = serde_json::to_value(query).unwrap_or_default();
        if let Some(map) = binding.as_object_mut() {
            map.remove("NextToken");
            map.remove("MaxResults");
        }
        self.ctx.page_request(
            caller,
            operation,
            binding,
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
}

/// A fresh id of `len` lowercase alphanumeric characters.
pub(crate) fn id_part(ctx: &Context, len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        out.extend(ctx.uuid().chars().filter(char::is_ascii_alphanumeric));
    }
    out.truncate(len);
    out
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

    use ram_context::{Caller, Clock, Context, RandomIds};
    use ram_model::ErrorCode;
    use ram_model::organizations::Operation as Op;
    use ram_store::{Membership, WriteTx};
    use serde_json::{Value, json};

    use crate::{ListenerFuture, MembershipListener, Organizations};

    struct TestClock(AtomicI64);

    impl Clock for TestClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Organizations on their own: nothing follows membership.
    struct NoListener;

    impl MembershipListener for NoListener {
        fn account_joined<'a>(
            &'a self,
            _: &'a mut WriteTx,
            _: &'a str,
            _: &'a str,
            _: i64,
        ) -> ListenerFuture<'a> {
            Box::pin(async { Ok(()) })
        }

        fn account_leaving<'a>(
            &'a self,
            _: &'a mut WriteTx,
            _: &'a Membership,
            _: i64,
        ) -> ListenerFuture<'a> {
            Box::pin(async { Ok(()) })
        }

        fn organization_deleting<'a>(
            &'a self,
            _: &'a mut WriteTx,
            _: &'a Membership,
            _: i64,
        ) -> ListenerFuture<'a> {
            Box::pin(async { Ok(()) })
        }
    }

    const DAY_MS: i64 = 24 * 3600 * 1000;

    async fn service() -> (Organizations, Arc<TestClock>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = ram_store::Store::open_dir(dir.path()).await.unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
        let ctx = Context::new(store, clock.clone(), Arc::new(RandomIds))
            .await
            .unwrap();
        (Organizations::new(ctx, Arc::new(NoListener)), clock, dir)
    }

    async fn call(
        orgs: &Organizations,
        account: &str,
        op: Op,
        input: Value,
    ) -> Result<Value, ErrorCode> {
        let answer = orgs
            .execute(&Caller::root(account, "us-east-1"), op, &input)
            .await
            .map_err(|e| e.code)?;
        Ok(serde_json::from_slice(&answer.0).unwrap())
    }

    #[tokio::test]
    async fn invitations_expire_by_the_clock_and_members_are_seen_from_the_store() {
        let (orgs, clock, _dir) = service().await;
        let (a, b, c) = ("111111111111", "222222222222", "333333333333");
        let org = call(&orgs, a, Op::CreateOrganization, json!({}))
            .await
            .unwrap();
        let invite = json!({"Target": {"Type": "ACCOUNT", "Id": b}});
        let first = call(&orgs, a, Op::InviteAccountToOrganization, invite.clone())
            .await
            .unwrap();
        let id = json!({"HandshakeId": first["Handshake"]["Id"]});

        // Fifteen days later the invitation has expired: it can't be accepted, and a new one may be sent.
        clock.0.fetch_add(15 * DAY_MS, Ordering::SeqCst);
        let seen = call(&orgs, b, Op::DescribeHandshake, id.clone())
            .await
            .unwrap();
        assert_eq!(seen["Handshake"]["State"], "EXPIRED");
        assert_eq!(
            call(&orgs, b, Op::AcceptHandshake, id.clone()).await,
            Err(ErrorCode::InvalidHandshakeTransitionException)
        );
        let listed = call(&orgs, b, Op::ListHandshakesForAccount, json!({}))
            .await
            .unwrap();
        assert_eq!(listed["Handshakes"].as_array().unwrap().len(), 1);
        let again = call(&orgs, a, Op::InviteAccountToOrganization, invite)
            .await
            .unwrap();
        call(
            &orgs,
            b,
            Op::AcceptHandshake,
            json!({"HandshakeId": again["Handshake"]["Id"]}),
        )
        .await
        .unwrap();
        // Thirty days after it closed, a handshake is no longer listed.
        clock.0.fetch_add(31 * DAY_MS, Ordering::SeqCst);
        let listed = call(&orgs, b, Op::ListHandshakesForAccount, json!({}))
            .await
            .unwrap();
        assert_eq!(listed["Handshakes"], json!([]));

        // The membership RAM's sharing reads: B under an OU, in A's organization.
        let root =
            call(&orgs, a, Op::ListRoots, json!({})).await.unwrap()["Roots"][0]["Id"].clone();
        let ou = call(
            &orgs,
            a,
            Op::CreateOrganizationalUnit,
            json!({"ParentId": root, "Name": "team"}),
        )
        .await
        .unwrap()["OrganizationalUnit"]
            .clone();
        call(
            &orgs,
            a,
            Op::MoveAccount,
            json!({"AccountId": b, "SourceParentId": root, "DestinationParentId": ou["Id"]}),
        )
        .await
        .unwrap();
        call(
            &orgs,
            a,
            Op::EnableAwsServiceAccess,
            json!({"ServicePrincipal": "ram.amazonaws.com"}),
        )
        .await
        .unwrap();
        let mut tx = orgs.ctx.store().read().await.unwrap();
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
