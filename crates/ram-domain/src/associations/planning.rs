//! Planning: what an Associate/Create call asks to add (resources, principals, sources),
//! de-duplicated and checked for syntax and ownership before any transaction starts.

use ram_model::{ApiError, api_error};

use crate::arn::Arn;
use crate::catalog::ResourceTypeInfo;
use crate::principal::PrincipalKind;
use crate::{Caller, Ram};

/// What an Associate/Create call asks to add, checked for syntax and ownership before any
/// transaction starts.
pub(crate) struct Plan {
    pub(super) resources: Vec<(String, ResourceTypeInfo)>,
    pub(super) principals: Vec<(String, PrincipalKind)>,
    pub(super) sources: Vec<String>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.principals.is_empty() && self.sources.is_empty()
    }
}

pub(super) fn dedup(items: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .iter()
        .filter(|i| seen.insert(i.as_str()))
        .cloned()
        .collect()
}

impl Ram {
    pub(crate) fn plan_entities(
        &self,
        caller: &Caller,
        resource_arns: &[String],
        principals: &[String],
        sources: &[String],
    ) -> Result<Plan, ApiError> {
        if resource_arns.len() > self.config.quotas.entities_per_call {
            return Err(api_error!(
                ResourceShareLimitExceededException,
                "You can associate up to {} resources per call.",
                self.config.quotas.entities_per_call
            ));
        }
        let mut resources = Vec::new();
        for arn in dedup(resource_arns) {
            let info = self.resolve_resource(caller, &arn)?;
            resources.push((arn, info.clone()));
        }
        let mut planned = Vec::new();
        for p in dedup(principals) {
            let kind = PrincipalKind::parse(&p)?;
            planned.push((p, kind));
        }
        let sources = dedup(sources);
        for s in &sources {
            let valid =
                ram_context::is_account_id(s) || Arn::parse(s).is_some() || s.starts_with("o-");
            if !valid {
                return Err(api_error!(
                    InvalidParameterException,
                    "The source {s} is not a valid account ID, ARN or organization ID."
                ));
            }
        }
        Ok(Plan {
            resources,
            principals: planned,
            sources,
        })
    }

    /// The resource type of a resource ARN the caller may share: its own, in the caller's Region
    /// (global types: from us-east-1, with an empty Region in the ARN).
    pub(crate) fn resolve_resource(
        &self,
        caller: &Caller,
        arn: &str,
    ) -> Result<&ResourceTypeInfo, ApiError> {
        let parsed = Arn::parse(arn).ok_or_else(|| {
            api_error!(
                MalformedArnException,
                "The specified resource ARN {arn} is not valid. Verify the ARN and try again."
            )
        })?;
        let info = self.catalog.type_of(&parsed).ok_or_else(|| {
            api_error!(
                MalformedArnException,
                "You cannot share the selected resource type."
            )
        })?;
        if info.is_global() && caller.region != "us-east-1" {
            return Err(api_error!(
                InvalidParameterException,
                "Global resources of type {} can be shared only from the us-east-1 Region.",
                info.resource_type
            ));
        }
        let region_ok = if info.is_global() {
            parsed.region.is_empty()
        } else {
            parsed.region == caller.region
        };
        if parsed.account != caller.account_id || parsed.partition != caller.partition || !region_ok
        {
            return Err(api_error!(
                UnknownResourceException,
                "Resource {arn} could not be found."
            ));
        }
        Ok(info)
    }
}
