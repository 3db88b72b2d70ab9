//! GetResourcePolicies: the resource-based policy RAM attaches to each shared resource, made of
//! one statement per share, naming the share's principals and the actions of its permission.

use ram_context::Outcome;
use ram_model::ResourceShareAssociationType as AssociationType;
use ram_model::{GetResourcePoliciesRequest, GetResourcePoliciesResponse, api_error};
use ram_organizations::membership;
use ram_store::{AssociationFilter, Scope, ShareHolds};
use serde_json::{Value, json};

use crate::arn::Arn;
use crate::principal::PrincipalKind;
use crate::{Caller, Ram};

impl Ram {
    pub(crate) async fn get_resource_policies(
        &self,
        caller: &Caller,
        input: GetResourcePoliciesRequest,
    ) -> Outcome<GetResourcePoliciesResponse> {
        let resource_arns = input.resource_arns.clone();
        for arn in &resource_arns {
            let parsed = Arn::parse(arn).ok_or_else(|| {
                api_error!(
                    MalformedArnException,
                    "The specified resource ARN {arn} is not valid. Verify the ARN and try again."
                )
            })?;
            if parsed.account != caller.account_id {
                return Err(api_error!(
                    ResourceArnNotFoundException,
                    "The resource {arn} could not be found."
                )
                .into());
            }
        }
        if let Some(p) = &input.principal {
            PrincipalKind::parse(p)?;
        }
        let page = self.ctx.page_request(
            caller,
            "GetResourcePolicies",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let start = page.after.as_ref().map_or(0, |(position, _)| {
            usize::try_from(*position).unwrap_or(usize::MAX)
        });
        let now = self.now_ms();
        let scope = Scope::Owner(caller.account_id.clone());
        let mut tx = self.store().read().await?;
        let sharing_org = membership(&mut tx, &caller.account_id)
            .await?
            .filter(crate::org_sharing::shares_with_ram);
        let mut policies = Vec::new();
        let mut position = start;
        while position < resource_arns.len() && policies.len() < page.limit {
            let resource = &resource_arns[position];
            position += 1;
            let shares_of_resource = AssociationFilter {
                association_type: Some(AssociationType::Resource),
                entities: vec![resource.clone()],
                statuses: crate::visibility::granting(),
                ..AssociationFilter::default()
            };
            let holdings = tx
                .list_associations(
                    &scope,
                    &caller.region,
                    &shares_of_resource,
                    None,
                    usize::MAX >> 1,
                    now,
                )
                .await?;
            let mut statements = Vec::new();
            for holding in &holdings.items {
                let principals = AssociationFilter {
                    association_type: Some(AssociationType::Principal),
                    share_arns: vec![holding.share_arn.clone()],
                    statuses: crate::visibility::granting(),
                    entities: input.principal.clone().into_iter().collect(),
                    share_holds: None::<ShareHolds>,
                    ..AssociationFilter::default()
                };
                let principals = tx
                    .list_associations(
                        &scope,
                        &caller.region,
                        &principals,
                        None,
                        usize::MAX >> 1,
                        now,
                    )
                    .await?;
                if principals.items.is_empty() {
                    continue;
                }
                let (actions, conditions) = match self
                    .attached_template(
                        &mut tx,
                        caller,
                        &holding.share_arn,
                        holding.resource_type.as_deref(),
                        now,
                    )
                    .await?
                {
                    Ok(attached) => (attached.template.actions, attached.template.condition),
                    Err(_) => (Vec::new(), None),
                };
                // Accounts, IAM principals and services are named; an organization or OU is every
                // principal of its accounts ("*"), narrowed by a condition on the caller's place.
                let mut aws = Vec::new();
                let mut services = Vec::new();
                let mut scoped = Vec::new();
                for p in &principals.items {
                    match PrincipalKind::parse(&p.entity) {
                        Ok(PrincipalKind::Account(a)) => {
                            aws.push(format!("arn:{}:iam::{a}:root", caller.partition));
                        }
                        Ok(PrincipalKind::Service(s)) => services.push(s),
                        // Organization and OU principals grant only while the owner's
                        // organization shares with RAM.
                        Ok(
                            PrincipalKind::Organization { .. }
                            | PrincipalKind::OrganizationalUnit { .. },
                        ) if !sharing_org.as_ref().is_some_and(|m| {
                            p.entity == m.org_arn || p.entity.contains(&format!("/{}/", m.org_id))
                        }) => {}
                        Ok(PrincipalKind::Organization { id }) => {
                            scoped.push(json!({"StringEquals": {"aws:PrincipalOrgID": id}}));
                        }
                        Ok(PrincipalKind::OrganizationalUnit { id }) => {
                            let org = p.entity.rsplit('/').nth(1).unwrap_or_default();
                            scoped.push(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": format!("{org}/*/{id}/*")}}));
                        }
                        _ => aws.push(p.entity.clone()),
                    }
                }
                let mut named = serde_json::Map::new();
                if !aws.is_empty() {
                    named.insert("AWS".into(), json!(aws));
                }
                if !services.is_empty() {
                    named.insert("Service".into(), json!(services));
                }
                let mut grants: Vec<(Value, Option<Value>)> = Vec::new();
                if !named.is_empty() {
                    grants.push((Value::Object(named), None));
                }
                grants.extend(scoped.into_iter().map(|c| (json!("*"), Some(c))));
                for (principal, scope) in grants {
                    let mut statement = json!({
                        "Sid": format!("RamStatement{}", statements.len() + 1),
                        "Effect": "Allow",
                        "Principal": principal,
                        "Action": actions,
                        "Resource": resource,
                    });
                    let mut condition = conditions.clone().unwrap_or_else(|| json!({}));
                    if let (Some(scope), Some(all)) = (scope, condition.as_object_mut()) {
                        for (operator, keys) in scope.as_object().into_iter().flatten() {
                            let entry = all.entry(operator.clone()).or_insert_with(|| json!({}));
                            if let (Some(entry), Some(keys)) =
                                (entry.as_object_mut(), keys.as_object())
                            {
                                entry.extend(keys.clone());
                            }
                        }
                    }
                    if condition.as_object().is_some_and(|c| !c.is_empty()) {
                        statement["Condition"] = condition;
                    }
                    statements.push(statement);
                }
            }
            if !statements.is_empty() {
                policies
                    .push(json!({"Version": "2008-10-17", "Statement": statements}).to_string());
            }
        }
        tx.commit().await?;
        let more = position < resource_arns.len();
        let last = Some((i64::try_from(position).unwrap_or(i64::MAX), String::new()));
        Ok(GetResourcePoliciesResponse {
            policies: Some(policies),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }
}
