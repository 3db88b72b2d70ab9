//! Trusted access for AWS services: EnableAWSServiceAccess, DisableAWSServiceAccess,
//! ListAWSServiceAccessForOrganization. RAM's principal is `ram.amazonaws.com`; whether it is
//! trusted is `Tx::service_access_enabled(org, "ram.amazonaws.com")`.

use ram_context::{Caller, Outcome};
use ram_model::organizations::OrganizationFeatureSet;
use ram_model::organizations::{
    DisableAWSServiceAccessRequest, EnableAWSServiceAccessRequest, EnabledServicePrincipal,
    ListAWSServiceAccessForOrganizationRequest, ListAWSServiceAccessForOrganizationResponse,
};
use ram_model::{ApiError, api_error};
use ram_store::{Membership, ReadTx};

use super::managed_by;
use super::organization::ts;
use crate::Organizations;

/// The management account's organization, if it has all features (trusted access needs them).
async fn with_all_features(tx: &mut ReadTx, caller: &Caller) -> Outcome<Membership> {
    let m = managed_by(tx, caller).await?;
    if m.feature_set != OrganizationFeatureSet::All {
        return Err(api_error!(
            ConstraintViolationException,
            "The request failed because the organization does not have all features enabled. Please enable all features in your organization and then retry."
        )
        .with_reason("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
        .into());
    }
    Ok(m)
}

/// AWS service principals are `<service>.amazonaws.com` (`.amazonaws.com.cn` in China).
fn check_principal(principal: &str) -> Result<(), ApiError> {
    let service = principal
        .strip_suffix(".amazonaws.com")
        .or_else(|| principal.strip_suffix(".amazonaws.com.cn"));
    if service.is_some_and(|s| !s.is_empty()) {
        Ok(())
    } else {
        Err(api_error!(
            InvalidInputException,
            "You specified an unrecognized service principal: {principal}."
        )
        .with_reason("UNRECOGNIZED_SERVICE_PRINCIPAL"))
    }
}

impl Organizations {
    pub(crate) async fn enable_aws_service_access(
        &self,
        caller: &Caller,
        input: EnableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        let principal = input.service_principal;
        check_principal(&principal)?;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        let m = with_all_features(&mut tx, caller).await?;
        tx.enable_service_access(&m.org_id, &principal, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn disable_aws_service_access(
        &self,
        caller: &Caller,
        input: DisableAWSServiceAccessRequest,
    ) -> Outcome<()> {
        let principal = input.service_principal;
        check_principal(&principal)?;
        let mut tx = self.ctx.store().begin().await?;
        let m = with_all_features(&mut tx, caller).await?;
        tx.disable_service_access(&m.org_id, &principal).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_aws_service_access_for_organization(
        &self,
        caller: &Caller,
        input: ListAWSServiceAccessForOrganizationRequest,
    ) -> Outcome<ListAWSServiceAccessForOrganizationResponse> {
        let page = self.org_page(
            caller,
            "ListAWSServiceAccessForOrganization",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let mut tx = self.ctx.store().read().await?;
        let m = with_all_features(&mut tx, caller).await?;
        let result = tx
            .list_service_access(&m.org_id, page.after.as_ref(), page.limit)
            .await?;
        tx.commit().await?;
        let last = result
            .items
            .last()
            .map(|s| (s.enabled_ms, s.service_principal.clone()));
        Ok(ListAWSServiceAccessForOrganizationResponse {
            enabled_service_principals: Some(
                result
                    .items
                    .iter()
                    .map(|s| EnabledServicePrincipal {
                        service_principal: Some(s.service_principal.clone()),
                        date_enabled: Some(ts(s.enabled_ms)),
                    })
                    .collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }
}
