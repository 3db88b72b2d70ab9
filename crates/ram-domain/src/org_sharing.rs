//! RAM inside an AWS Organization (the Organizations API itself is `ram-organizations`):
//! EnableSharingWithAwsOrganization, the membership facts the sharing rules ask for, and what RAM
//! does when an account leaves an organization or an organization is deleted (`OrgSharing`, the
//! `MembershipListener` RAM registers with Organizations). Membership is read at the moment of
//! each request, so an account that joins, moves or leaves gains or loses access through
//! organization and OU principals at once.

use ram_context::Outcome;
use ram_model::organizations::OrganizationFeatureSet;
use ram_model::{
    EnableSharingWithAwsOrganizationRequest, EnableSharingWithAwsOrganizationResponse, api_error,
};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType, ResourceShareStatus as ShareStatus,
};
use ram_organizations::{ListenerFuture, MembershipListener, membership};
use ram_store::{
    AssociationFilter, Lifecycle, Membership, NewAssociation, Reach, ReadTx, Scope, WriteTx,
};

use crate::associations::new_association;
use crate::principal::PrincipalKind;
use crate::visibility::ENDED;

use crate::{Caller, Ram};

/// The service principal of RAM, trusted by an organization that shares with RAM.
pub(crate) const RAM_SERVICE: &str = "ram.amazonaws.com";

/// Whether the organization shares with RAM: all features, and trusted access for RAM (which
/// EnableSharingWithAwsOrganization turns on and DisableAWSServiceAccess turns off).
pub(crate) fn shares_with_ram(m: &Membership) -> bool {
    m.feature_set == OrganizationFeatureSet::All
        && m.enabled_services.iter().any(|s| s == RAM_SERVICE)
}

impl Ram {
    /// The principal associations that reach `account`: its own, and — when its organization
    /// shares with RAM — those naming its organization or an OU above it.
    pub(crate) async fn reach(&self, tx: &mut ReadTx, account: &str) -> Outcome<Reach> {
        let entities = match membership(tx, account).await? {
            Some(m) if shares_with_ram(&m) => {
                m.containing_arns().into_iter().map(str::to_owned).collect()
            }
            _ => Vec::new(),
        };
        Ok(Reach {
            account: account.to_owned(),
            entities,
        })
    }

    pub(crate) async fn enable_sharing_with_aws_organization(
        &self,
        caller: &Caller,
        _input: EnableSharingWithAwsOrganizationRequest,
    ) -> Outcome<EnableSharingWithAwsOrganizationResponse> {
        let mut tx = self.store().begin().await?;
        let Some(m) = membership(&mut tx, &caller.account_id)
            .await?
            .filter(Membership::is_management_account)
        else {
            return Err(api_error!(
                OperationNotPermittedException,
                "Unable to enable sharing with AWS Organizations. Received AccessDeniedException from AWSOrganizations with the following error message: You don't have permissions to access this resource."
            )
            .into());
        };
        if m.feature_set != OrganizationFeatureSet::All {
            return Err(api_error!(
                OperationNotPermittedException,
                "Unable to enable sharing with AWS Organizations: the organization {} does not have all features enabled.",
                m.org_id
            )
            .into());
        }
        // The service-linked role RAM uses, and trusted access for RAM in the organization.
        self.iam()
            .ensure_service_linked_role(&mut tx, &caller.account_id, RAM_SERVICE)
            .await?;
        tx.enable_service_access(&m.org_id, RAM_SERVICE, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(EnableSharingWithAwsOrganizationResponse {
            return_value: Some(true),
        })
    }
}

/// What RAM does when Organizations' membership changes, inside the transaction making the
/// change. It needs nothing of `Ram` but the transaction, so it is a value of its own and
/// Organizations (which `Ram` holds) does not hold `Ram`.
pub(crate) struct OrgSharing;

impl MembershipListener for OrgSharing {
    /// The principal associations between the account and the organization's other members
    /// are no longer external.
    fn account_joined<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        account: &'a str,
        org_id: &'a str,
        _now: i64,
    ) -> ListenerFuture<'a> {
        Box::pin(async move {
            Ok(tx
                .set_external_with_organization(account, org_id, false)
                .await?)
        })
    }

    /// The principal associations between the account and the other members become external;
    /// shares that ask to retain the account keep it; its own shares' organization and OU
    /// principals end.
    fn account_leaving<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        leaving: &'a Membership,
        now: i64,
    ) -> ListenerFuture<'a> {
        Box::pin(async move {
            tx.set_external_with_organization(&leaving.account.account_id, &leaving.org_id, true)
                .await?;
            retain_sharing_on_leave(tx, leaving, now).await?;
            end_organization_principals(tx, leaving, now).await
        })
    }

    /// The management account's shares' organization and OU principals end.
    fn organization_deleting<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        management: &'a Membership,
        now: i64,
    ) -> ListenerFuture<'a> {
        Box::pin(end_organization_principals(tx, management, now))
    }
}

/// An account is leaving its organization: shares that reached it through the organization or
/// an OU, and that ask to `retainSharingOnAccountLeaveOrganization`, keep it as a principal of its
/// own (outside the organization from now on). Others simply stop reaching it.
async fn retain_sharing_on_leave(tx: &mut WriteTx, leaving: &Membership, now: i64) -> Outcome<()> {
    if !shares_with_ram(leaving) {
        return Ok(());
    }
    let account = leaving.account.account_id.clone();
    let reach = Reach {
        account: account.clone(),
        entities: leaving
            .containing_arns()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    let through_org = AssociationFilter {
        association_type: Some(AssociationType::Principal),
        entities: reach.entities.clone(),
        statuses: crate::visibility::granting(),
        ..AssociationFilter::default()
    };
    for region in tx.share_regions().await? {
        let reached = tx
            .list_associations(
                &crate::visibility::receiver(reach.clone()),
                &region,
                &through_org,
                None,
                usize::MAX >> 1,
                now,
            )
            .await?;
        for association in reached.items {
            let Some(share) = tx.get_share(&association.share_arn, now).await? else {
                continue;
            };
            if share.retain_on_leave != Some(true) || share.status != ShareStatus::Active {
                continue;
            }
            let own = tx
                .get_association(&share.arn, AssociationType::Principal, &account, now)
                .await?;
            if own.is_some_and(|a| !ENDED.contains(&a.status)) {
                continue;
            }
            let retained = NewAssociation {
                entity_account: Some(account.clone()),
                external: true,
                status_message: Some("Retained after the account left the organization.".into()),
                ..new_association(
                    &share,
                    AssociationType::Principal,
                    &account,
                    Lifecycle::now(AssociationStatus::Associated),
                    now,
                )
            };
            tx.upsert_association(&retained).await?;
        }
    }
    Ok(())
}

/// An account is leaving its organization (or the organization is deleted): its own shares'
/// organization and OU principals stop naming anything of its and are disassociated.
async fn end_organization_principals(
    tx: &mut WriteTx,
    leaving: &Membership,
    now: i64,
) -> Outcome<()> {
    let owner = Scope::Owner(leaving.account.account_id.clone());
    let principals = AssociationFilter {
        association_type: Some(AssociationType::Principal),
        statuses: crate::visibility::live_associations(),
        ..AssociationFilter::default()
    };
    for region in tx.share_regions().await? {
        let page = tx
            .list_associations(&owner, &region, &principals, None, usize::MAX >> 1, now)
            .await?;
        for a in page.items {
            let of_this_org = match PrincipalKind::parse(&a.entity) {
                Ok(PrincipalKind::Organization { id }) => id == leaving.org_id,
                Ok(PrincipalKind::OrganizationalUnit { .. }) => {
                    a.entity.contains(&format!("/{}/", leaving.org_id))
                }
                _ => false,
            };
            if of_this_org {
                let message = "The resource share's owner is no longer in this organization.";
                tx.set_association_lifecycle(
                    &a.share_arn,
                    AssociationType::Principal,
                    &a.entity,
                    &Lifecycle::now(AssociationStatus::Disassociated),
                    Some(message),
                    now,
                )
                .await?;
            }
        }
    }
    Ok(())
}
