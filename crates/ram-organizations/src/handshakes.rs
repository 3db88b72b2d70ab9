//! Invitations to join an organization, which Organizations calls handshakes:
//! InviteAccountToOrganization, AcceptHandshake, DeclineHandshake, CancelHandshake,
//! DescribeHandshake, ListHandshakesForAccount, ListHandshakesForOrganization.
//!
//! An invitation is OPEN for 15 days (then reads EXPIRED) and is listed until 30 days after it
//! closes, as on AWS. The invited account sees it when the target is its id, or an email address
//! ramd knows to be the account's (given to CreateAccount); an invitation to an unknown address
//! reaches nobody.

use ram_context::{Caller, Outcome, is_account_id};
use ram_model::organizations::AccountJoinedMethod;
use ram_model::organizations::{
    AcceptHandshakeRequest, AcceptHandshakeResponse, ActionType, CancelHandshakeRequest,
    CancelHandshakeResponse, DeclineHandshakeRequest, DeclineHandshakeResponse,
    DescribeHandshakeRequest, DescribeHandshakeResponse, Handshake, HandshakeParty,
    HandshakePartyType, HandshakeResource, HandshakeResourceType, HandshakeState,
    InviteAccountToOrganizationRequest, InviteAccountToOrganizationResponse,
    ListHandshakesForAccountRequest, ListHandshakesForAccountResponse,
    ListHandshakesForOrganizationRequest, ListHandshakesForOrganizationResponse,
};
use ram_model::{ApiError, api_error};
use ram_store::{HandshakeRecord, HandshakeScope, OrgAccountRecord, ReadTx, WriteTx};

use super::organization::{account_profile, ts};
use super::tags::validate_org_tags;
use super::{managed_by, org_arn};
use crate::{Organizations, id_part};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// How long an invitation stays open.
const OPEN_FOR_MS: i64 = 15 * DAY_MS;
/// How long a closed handshake stays listed.
const LISTED_FOR_MS: i64 = 30 * DAY_MS;

fn handshake_not_found() -> ApiError {
    api_error!(
        HandshakeNotFoundException,
        "We can't find a handshake with the HandshakeId that you specified."
    )
}

fn already_in_organization() -> ApiError {
    api_error!(
        HandshakeConstraintViolationException,
        "The handshake request is invalid because the invited account is already a member of an organization."
    )
    .with_reason("ALREADY_IN_AN_ORGANIZATION")
}

/// The handshake as either party sees it: the organization's details, the target, the notes.
async fn render_handshake(tx: &mut ReadTx, h: &HandshakeRecord) -> Outcome<Handshake> {
    let org = tx
        .get_organization(&h.org_id)
        .await?
        .ok_or_else(handshake_not_found)?;
    let management = tx.get_org_account(&org.management_account).await?;
    let (name, email) = match management {
        Some(OrgAccountRecord { name, email, .. }) => (name, email),
        None => account_profile(tx, &org.management_account).await?,
    };
    let target_type = Some(h.target_type);
    let resource = |kind: HandshakeResourceType, value: &str| HandshakeResource {
        r#type: Some(kind),
        value: Some(value.to_owned()),
        resources: None,
    };
    let mut resources = vec![
        HandshakeResource {
            r#type: Some(HandshakeResourceType::Organization),
            value: Some(org.org_id.clone()),
            resources: Some(vec![
                resource(HandshakeResourceType::MasterEmail, &email),
                resource(HandshakeResourceType::MasterName, &name),
                resource(
                    HandshakeResourceType::OrganizationFeatureSet,
                    org.feature_set.as_str(),
                ),
            ]),
        },
        resource(
            if target_type == Some(HandshakePartyType::Email) {
                HandshakeResourceType::Email
            } else {
                HandshakeResourceType::Account
            },
            &h.target,
        ),
    ];
    if let Some(notes) = &h.notes {
        resources.push(resource(HandshakeResourceType::Notes, notes));
    }
    Ok(Handshake {
        id: Some(h.id.clone()),
        arn: Some(h.arn.clone()),
        parties: Some(vec![
            HandshakeParty {
                id: Some(org.org_id.clone()),
                r#type: Some(HandshakePartyType::Organization),
            },
            HandshakeParty {
                id: Some(h.target.clone()),
                r#type: target_type,
            },
        ]),
        state: Some(h.state),
        requested_timestamp: Some(ts(h.requested_ms)),
        expiration_timestamp: Some(ts(h.expires_ms)),
        action: Some(h.action),
        resources: Some(resources),
    })
}

/// Which side of a handshake the caller may act on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The invited account.
    Target,
    /// The management account of the inviting organization.
    Sender,
    /// Either.
    Any,
}

impl Organizations {
    /// The handshake, if the caller is a party to it on `side`.
    async fn party_to(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        id: &str,
        side: Side,
    ) -> Outcome<HandshakeRecord> {
        let Some(h) = tx.get_handshake(id, self.ctx.now_ms()).await? else {
            return Err(handshake_not_found().into());
        };
        let is_target = h.target_account.as_deref() == Some(caller.account_id.as_str());
        let is_sender = side != Side::Target
            && tx
                .get_organization(&h.org_id)
                .await?
                .is_some_and(|o| o.management_account == caller.account_id);
        let allowed = match side {
            Side::Target => is_target,
            Side::Sender => is_sender,
            Side::Any => is_target || is_sender,
        };
        if allowed {
            Ok(h)
        } else {
            Err(handshake_not_found().into())
        }
    }

    /// Moves an OPEN handshake to `state` (the caller's side is checked already).
    async fn close_handshake(
        &self,
        tx: &mut WriteTx,
        mut h: HandshakeRecord,
        state: HandshakeState,
    ) -> Outcome<Handshake> {
        if h.state == state {
            return Err(api_error!(
                HandshakeAlreadyInStateException,
                "The specified handshake is already in the requested state."
            )
            .into());
        }
        if h.state != HandshakeState::Open {
            return Err(api_error!(
                InvalidHandshakeTransitionException,
                "You can't perform the operation on the handshake in its current state."
            )
            .into());
        }
        let now = self.ctx.now_ms();
        tx.set_handshake_state(&h.id, state, now, now + LISTED_FOR_MS)
            .await?;
        h.state = state;
        render_handshake(tx, &h).await
    }

    pub(crate) async fn invite_account_to_organization(
        &self,
        caller: &Caller,
        input: InviteAccountToOrganizationRequest,
    ) -> Outcome<InviteAccountToOrganizationResponse> {
        let target = input.target;
        let target_id = target.id.unwrap_or_default();
        validate_org_tags(input.tags.as_deref().unwrap_or_default())?;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let target_account = match target.r#type {
            Some(HandshakePartyType::Account) => {
                if !is_account_id(&target_id) {
                    return Err(api_error!(
                        InvalidInputException,
                        "The target {target_id} is not a 12-digit account id."
                    )
                    .with_reason("INVALID_PATTERN_TARGET_ID")
                    .into());
                }
                Some(target_id.clone())
            }
            Some(HandshakePartyType::Email) => {
                if !target_id.contains('@') {
                    return Err(api_error!(
                        InvalidInputException,
                        "The target {target_id} is not an email address."
                    )
                    .with_reason("INVALID_EMAIL_ADDRESS_TARGET")
                    .into());
                }
                tx.account_with_email(&target_id).await?
            }
            _ => {
                return Err(api_error!(
                    InvalidInputException,
                    "You can invite an account only by its id (ACCOUNT) or email address (EMAIL)."
                )
                .with_reason("INVALID_PARTY_TYPE_TARGET")
                .into());
            }
        };
        if let Some(account) = &target_account {
            if *account == m.management_account {
                return Err(api_error!(
                    HandshakeConstraintViolationException,
                    "The management account can't invite itself to its own organization."
                )
                .with_reason("SOURCE_AND_TARGET_CANNOT_MATCH")
                .into());
            }
            if tx.get_org_account(account).await?.is_some() {
                return Err(already_in_organization().into());
            }
        }
        if tx
            .find_open_handshake(&m.org_id, ActionType::Invite, &target_id, now)
            .await?
            .is_some()
        {
            return Err(api_error!(
                DuplicateHandshakeException,
                "A handshake with the same action and target already exists."
            )
            .into());
        }
        let id = format!("h-{}", id_part(&self.ctx, 10));
        let record = HandshakeRecord {
            arn: org_arn(&m.org_arn, &m.org_id, "handshake", &format!("invite/{id}")),
            id,
            org_id: m.org_id.clone(),
            action: ActionType::Invite,
            target_type: target.r#type.unwrap_or(HandshakePartyType::Account),
            target: target_id,
            target_account,
            notes: input.notes,
            state: HandshakeState::Open,
            requested_ms: now,
            expires_ms: now + OPEN_FOR_MS,
            updated_ms: now,
            visible_until_ms: now + OPEN_FOR_MS + LISTED_FOR_MS,
        };
        tx.insert_handshake(&record).await?;
        let output = InviteAccountToOrganizationResponse {
            handshake: Some(render_handshake(&mut tx, &record).await?),
        };
        tx.commit().await?;
        Ok(output)
    }

    pub(crate) async fn accept_handshake(
        &self,
        caller: &Caller,
        input: AcceptHandshakeRequest,
    ) -> Outcome<AcceptHandshakeResponse> {
        let id = input.handshake_id;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        let h = self.party_to(&mut tx, caller, &id, Side::Target).await?;
        if h.state == HandshakeState::Open {
            if tx.get_org_account(&caller.account_id).await?.is_some() {
                return Err(already_in_organization().into());
            }
            let org = tx
                .get_organization(&h.org_id)
                .await?
                .ok_or_else(handshake_not_found)?;
            let root = tx
                .list_roots(&org.org_id)
                .await?
                .into_iter()
                .next()
                .ok_or_else(ApiError::internal)?;
            let (name, email) = account_profile(&mut tx, &caller.account_id).await?;
            tx.insert_org_account(&OrgAccountRecord {
                account_id: caller.account_id.clone(),
                org_id: org.org_id.clone(),
                parent_id: root.id,
                arn: org_arn(&org.arn, &org.org_id, "account", &caller.account_id),
                name,
                email,
                joined_method: AccountJoinedMethod::Invited,
                joined_ms: now,
            })
            .await?;
            self.listener
                .account_joined(&mut tx, &caller.account_id, &org.org_id, now)
                .await?;
            self.attach_default_policies(&mut tx, &org.org_id, &caller.account_id)
                .await?;
        }
        let handshake = self
            .close_handshake(&mut tx, h, HandshakeState::Accepted)
            .await?;
        tx.commit().await?;
        Ok(AcceptHandshakeResponse {
            handshake: Some(handshake),
        })
    }

    pub(crate) async fn decline_handshake(
        &self,
        caller: &Caller,
        input: DeclineHandshakeRequest,
    ) -> Outcome<DeclineHandshakeResponse> {
        let id = input.handshake_id;
        let mut tx = self.ctx.store().begin().await?;
        let h = self.party_to(&mut tx, caller, &id, Side::Target).await?;
        let handshake = self
            .close_handshake(&mut tx, h, HandshakeState::Declined)
            .await?;
        tx.commit().await?;
        Ok(DeclineHandshakeResponse {
            handshake: Some(handshake),
        })
    }

    pub(crate) async fn cancel_handshake(
        &self,
        caller: &Caller,
        input: CancelHandshakeRequest,
    ) -> Outcome<CancelHandshakeResponse> {
        let id = input.handshake_id;
        let mut tx = self.ctx.store().begin().await?;
        let h = self.party_to(&mut tx, caller, &id, Side::Sender).await?;
        let handshake = self
            .close_handshake(&mut tx, h, HandshakeState::Canceled)
            .await?;
        tx.commit().await?;
        Ok(CancelHandshakeResponse {
            handshake: Some(handshake),
        })
    }

    pub(crate) async fn describe_handshake(
        &self,
        caller: &Caller,
        input: DescribeHandshakeRequest,
    ) -> Outcome<DescribeHandshakeResponse> {
        let id = input.handshake_id;
        let mut tx = self.ctx.store().read().await?;
        let h = self.party_to(&mut tx, caller, &id, Side::Any).await?;
        let handshake = render_handshake(&mut tx, &h).await?;
        tx.commit().await?;
        Ok(DescribeHandshakeResponse {
            handshake: Some(handshake),
        })
    }

    async fn list_handshakes_in(
        &self,
        caller: &Caller,
        operation: &str,
        scope: Option<HandshakeScope>,
        filter: Option<&ram_model::organizations::HandshakeFilter>,
        next_token: Option<&str>,
        max_results: Option<i32>,
    ) -> Outcome<(Vec<Handshake>, Option<String>)> {
        let action = filter.and_then(|f| f.action_type);
        let by_parent = filter.is_some_and(|f| f.parent_handshake_id.is_some());
        let binding = serde_json::json!({
            "ActionType": action.map(ActionType::as_str),
            "ByParent": by_parent,
        });
        let page = self.org_page(caller, operation, &binding, next_token, max_results)?;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().read().await?;
        let scope = match scope {
            Some(scope) => scope,
            None => HandshakeScope::Organization(managed_by(&mut tx, caller).await?.org_id),
        };
        // ramd's handshakes have no child handshakes (those belong to ENABLE_ALL_FEATURES).
        if by_parent {
            return Ok((Vec::new(), None));
        }
        let result = tx
            .list_handshakes(&scope, action, page.after.as_ref(), page.limit, now)
            .await?;
        let mut handshakes = Vec::with_capacity(result.items.len());
        for h in &result.items {
            handshakes.push(render_handshake(&mut tx, h).await?);
        }
        tx.commit().await?;
        let last = result.items.last().map(|h| (h.requested_ms, h.id.clone()));
        Ok((handshakes, self.ctx.next_token(&page, result.more, last)))
    }

    pub(crate) async fn list_handshakes_for_account(
        &self,
        caller: &Caller,
        input: ListHandshakesForAccountRequest,
    ) -> Outcome<ListHandshakesForAccountResponse> {
        let (handshakes, next_token) = self
            .list_handshakes_in(
                caller,
                "ListHandshakesForAccount",
                Some(HandshakeScope::Target(caller.account_id.clone())),
                input.filter.as_ref(),
                input.next_token.as_deref(),
                input.max_results,
            )
            .await?;
        Ok(ListHandshakesForAccountResponse {
            handshakes: Some(handshakes),
            next_token,
        })
    }

    pub(crate) async fn list_handshakes_for_organization(
        &self,
        caller: &Caller,
        input: ListHandshakesForOrganizationRequest,
    ) -> Outcome<ListHandshakesForOrganizationResponse> {
        let (handshakes, next_token) = self
            .list_handshakes_in(
                caller,
                "ListHandshakesForOrganization",
                None,
                input.filter.as_ref(),
                input.next_token.as_deref(),
                input.max_results,
            )
            .await?;
        Ok(ListHandshakesForOrganizationResponse {
            handshakes: Some(handshakes),
            next_token,
        })
    }
}
