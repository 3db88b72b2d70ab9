//! Admission: the rules on what a share may hold, judged on what it already holds together with
//! what a call adds: principals against the owner's organization (and whether they are reached
//! by invitation), organization-only resource types, IAM principals, sources (only beside service
//! principals), and the quotas.

use ram_context::Outcome;
use ram_model::ResourceShareAssociationType as AssociationType;
use ram_model::api_error;
use ram_organizations::membership;
use ram_store::{AssociationRecord, Membership, ReadTx, ShareRecord, WriteTx};

use super::Plan;
use crate::catalog::ResourceTypeInfo;
use crate::org_sharing::shares_with_ram;
use crate::principal::PrincipalKind;
use crate::visibility::live_associations;
use crate::{Caller, Ram};

const ORG_ONLY_MESSAGE: &str = "The resource you are attempting to share can only be shared within your AWS Organization. This error may also occur if you have not enabled sharing with your AWS organization, or that onboarding process is still in progress.";

/// What a share will hold once an Associate/Create call is done, as admission found it.
pub(super) struct Admitted<'a> {
    /// The resource types of the share: those it holds and those added.
    pub(super) types: Vec<&'a ResourceTypeInfo>,
    /// The principals added, each with how it relates to the share's owner.
    pub(super) principals: Vec<(&'a String, &'a PrincipalKind, Verdict)>,
}

/// How a principal relates to a share's owner: outside its organization, and reached by invitation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Verdict {
    pub(super) external: bool,
    pub(super) invited: bool,
}

impl Ram {
    /// Checks what `plan` adds to `share` against what it holds already (`live`), enforcing
    /// RAM's rules on the combination.
    pub(super) async fn admit<'a>(
        &'a self,
        tx: &mut WriteTx,
        caller: &Caller,
        share: &ShareRecord,
        plan: &'a Plan,
        live: &[AssociationRecord],
        now: i64,
    ) -> Outcome<Admitted<'a>> {
        // The resource types and principals the share will hold once this call is done.
        let mut types: Vec<&ResourceTypeInfo> = live
            .iter()
            .filter(|a| a.association_type == AssociationType::Resource)
            .filter_map(|a| a.resource_type.as_deref().and_then(|t| self.catalog.get(t)))
            .collect();
        types.extend(plan.resources.iter().map(|(_, t)| t));
        // Each principal with whether it is reached by invitation (what organization-only types
        // forbid), judged by the organization as it is now.
        let owner_org = membership(tx, &share.owner_account).await?;
        let mut principal_kinds: Vec<(PrincipalKind, bool)> = Vec::new();
        for a in live
            .iter()
            .filter(|a| a.association_type == AssociationType::Principal)
        {
            let Ok(kind) = PrincipalKind::parse(&a.entity) else {
                continue;
            };
            let invited = match kind.account() {
                Some(account) if account != share.owner_account => {
                    !self
                        .same_sharing_org(tx, owner_org.as_ref(), account)
                        .await?
                }
                _ => false,
            };
            principal_kinds.push((kind, invited));
        }

        let mut planned_principals = Vec::new();
        for (entity, kind) in &plan.principals {
            let verdict = self
                .check_principal(tx, caller, share, owner_org.as_ref(), kind, entity)
                .await?;
            // What counts for organization-only types is whether access needs an invitation.
            principal_kinds.push((kind.clone(), verdict.invited));
            planned_principals.push((entity, kind, verdict));
        }
        for t in &types {
            if !t.share_outside_organization
                && principal_kinds
                    .iter()
                    .any(|(k, external)| *external && k.account().is_some())
            {
                return Err(api_error!(InvalidParameterException, "{ORG_ONLY_MESSAGE}").into());
            }
            if !t.share_with_iam_principals && principal_kinds.iter().any(|(k, _)| k.is_iam()) {
                return Err(api_error!(
                    InvalidParameterException,
                    "Resources of type {} can't be shared with IAM roles or users.",
                    t.resource_type
                )
                .into());
            }
        }
        let has_service_principal = principal_kinds
            .iter()
            .any(|(k, _)| matches!(k, PrincipalKind::Service(_)));
        if !plan.sources.is_empty() && !has_service_principal {
            return Err(api_error!(
                InvalidParameterException,
                "You can specify sources only for resource shares with service principals."
            )
            .into());
        }
        self.check_association_quotas(tx, share, plan, live, now)
            .await?;
        Ok(Admitted {
            types,
            principals: planned_principals,
        })
    }

    /// Whether `account` is in the owner's organization.
    async fn same_org(
        &self,
        tx: &mut ReadTx,
        owner_org: Option<&Membership>,
        account: &str,
    ) -> Outcome<bool> {
        Ok(match owner_org {
            Some(m) => tx
                .get_org_account(account)
                .await?
                .is_some_and(|a| a.org_id == m.org_id),
            None => false,
        })
    }

    /// Whether `account` is in the owner's organization and that organization shares with RAM
    /// (so the account is reached without invitation).
    async fn same_sharing_org(
        &self,
        tx: &mut ReadTx,
        owner_org: Option<&Membership>,
        account: &str,
    ) -> Outcome<bool> {
        match owner_org.filter(|m| shares_with_ram(m)) {
            Some(m) => self.same_org(tx, Some(m), account).await,
            None => Ok(false),
        }
    }

    /// Checks one principal against the share and its owner's organization.
    async fn check_principal(
        &self,
        tx: &mut ReadTx,
        caller: &Caller,
        share: &ShareRecord,
        owner_org: Option<&Membership>,
        kind: &PrincipalKind,
        entity: &str,
    ) -> Outcome<Verdict> {
        let sharing_org = owner_org.filter(|m| shares_with_ram(m));
        match kind {
            PrincipalKind::Organization { id } => {
                // Only the owner's own organization, and only once it shares with RAM.
                if sharing_org.is_some_and(|m| m.org_arn == entity) {
                    return Ok(Verdict { external: false, invited: false });
                }
                Err(api_error!(UnknownResourceException, "Organization {id} could not be found.").into())
            }
            PrincipalKind::OrganizationalUnit { id } => {
                if let Some(m) = sharing_org
                    && let Some(unit) = tx.get_organizational_unit(id).await?
                    && unit.org_id == m.org_id
                    && unit.arn == entity
                {
                    return Ok(Verdict { external: false, invited: false });
                }
                Err(api_error!(UnknownResourceException, "OrganizationalUnit {id} in unknown organization could not be found.").into())
            }
            PrincipalKind::Service(_) => Ok(Verdict { external: false, invited: false }),
            PrincipalKind::Account(account) if *account == caller.account_id => Err(api_error!(
                InvalidParameterException,
                "The resource share owner account {account} cannot be a principal of its own resource share."
            )
            .into()),
            PrincipalKind::Account(_) | PrincipalKind::IamRole { .. } | PrincipalKind::IamUser { .. } => {
                let account = kind.account().unwrap_or(entity);
                if account == caller.account_id {
                    return Ok(Verdict { external: false, invited: false });
                }
                let same_org = self.same_org(tx, owner_org, account).await?;

                if !same_org && !share.allow_external {
                    return Err(api_error!(
                        InvalidParameterException,
                        "Principal {account} is not in your AWS organization. You do not have permission to add external AWS accounts to a resource share."
                    )
                    .into());
                }
                // Inside an organization that shares with RAM, access is immediate; otherwise
                // (outside it, or sharing not enabled) the account is invited.
                Ok(Verdict { external: !same_org, invited: !(same_org && sharing_org.is_some()) })
            }
        }
    }

    async fn check_association_quotas(
        &self,
        tx: &mut WriteTx,
        share: &ShareRecord,
        plan: &Plan,
        live: &[AssociationRecord],
        now: i64,
    ) -> Outcome<()> {
        let q = &self.config.quotas;
        let count = |kind: AssociationType| {
            i64::try_from(live.iter().filter(|a| a.association_type == kind).count())
                .unwrap_or(i64::MAX)
        };
        let adding = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let limit = |what: &str| {
            Err(api_error!(
                ResourceShareLimitExceededException,
                "You have reached the limit on the number of {what}."
            )
            .into())
        };
        if count(AssociationType::Resource) + adding(plan.resources.len()) > q.resources_per_share {
            return limit("resources you can associate with a resource share");
        }
        if count(AssociationType::Principal) + adding(plan.principals.len())
            > q.principals_per_share
        {
            return limit("principals you can associate with a resource share");
        }
        if !plan.resources.is_empty()
            && tx
                .count_associations(
                    &share.owner_account,
                    AssociationType::Resource,
                    &live_associations(),
                    now,
                )
                .await?
                + adding(plan.resources.len())
                > q.resource_associations
        {
            return limit("resources you can share");
        }
        if !plan.principals.is_empty()
            && tx
                .count_associations(
                    &share.owner_account,
                    AssociationType::Principal,
                    &live_associations(),
                    now,
                )
                .await?
                + adding(plan.principals.len())
                > q.principal_associations
        {
            return limit("principals you can share with");
        }
        Ok(())
    }
}
