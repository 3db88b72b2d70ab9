//! ListPrincipals, ListResources and ListSourceAssociations: who a share reaches and what it holds,
//! from the owner's side (SELF) or the receiver's (OTHER-ACCOUNTS).

use ram_context::{Outcome, PageRequest};
use ram_model::ResourceShareAssociationType as AssociationType;
use ram_model::{
    ApiError, AssociatedSource, ListPrincipalsRequest, ListPrincipalsResponse,
    ListResourcesRequest, ListResourcesResponse, ListSourceAssociationsRequest,
    ListSourceAssociationsResponse, ResourceOwner, ResourceRegionScopeFilter, Timestamp, api_error,
};
use ram_store::{
    AssociationFilter, AssociationRecord, Page, Reach, Scope, ShareHolds, association_key,
};

use crate::arn::Arn;
use crate::principal::PrincipalKind;
use crate::{Caller, Ram, render};

impl Ram {
    /// The filter every listing of one side starts from: the owner sees what still exists, a
    /// receiver only what is in effect.
    fn side(
        caller: &Caller,
        owner: ResourceOwner,
        association_type: AssociationType,
    ) -> (Scope, AssociationFilter) {
        let mut filter = AssociationFilter {
            association_type: Some(association_type),
            ..AssociationFilter::default()
        };
        let scope = match owner {
            ResourceOwner::Self_ => {
                filter.statuses = crate::visibility::owner_listed();
                Scope::Owner(caller.account_id.clone())
            }
            ResourceOwner::OtherAccounts => {
                filter.statuses = crate::visibility::granting();
                // Completed with the caller's organization inside the listing's transaction.
                crate::visibility::receiver(Reach::account(&caller.account_id))
            }
        };
        (scope, filter)
    }

    /// Canonical spelling of a `resourceType` filter, or `None` when RAM does not know it.
    fn known_resource_type(&self, resource_type: &str) -> Option<String> {
        self.catalog
            .get(resource_type)
            .map(|t| t.resource_type.clone())
    }

    /// A `resourceType` filter in its canonical spelling; an unknown type is
    /// `InvalidParameterException` (ListResources alone answers `InvalidResourceTypeException`).
    pub(crate) fn resource_type_filter(
        &self,
        resource_type: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        resource_type
            .map(|rt| {
                self.known_resource_type(rt).ok_or_else(|| {
                    api_error!(
                        InvalidParameterException,
                        "The resource type {rt} is not valid."
                    )
                })
            })
            .transpose()
    }

    async fn list_page(
        &self,
        caller: &Caller,
        scope: &Scope,
        filter: &AssociationFilter,
        page: &PageRequest<'_>,
    ) -> Outcome<Page<AssociationRecord>> {
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        let (scope, filter) = match scope {
            Scope::Receiver { reach, .. } => {
                let reach = self.reach(&mut tx, &reach.account).await?;
                let filter = AssociationFilter {
                    reaching: filter.reaching.as_ref().map(|_| reach.clone()),
                    ..filter.clone()
                };
                (crate::visibility::receiver(reach), filter)
            }
            Scope::Owner(_) => (scope.clone(), filter.clone()),
        };
        let result = tx
            .list_associations(
                &scope,
                &caller.region,
                &filter,
                page.after.as_ref(),
                page.limit,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(result)
    }

    pub(crate) async fn list_principals(
        &self,
        caller: &Caller,
        input: ListPrincipalsRequest,
    ) -> Outcome<ListPrincipalsResponse> {
        let owner = input.resource_owner;
        let (scope, mut filter) = Ram::side(caller, owner, AssociationType::Principal);
        filter.share_arns = input.resource_share_arns.clone().unwrap_or_default();
        for arn in &filter.share_arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        let principals = input.principals.clone().unwrap_or_default();
        for p in &principals {
            PrincipalKind::parse(p)?;
        }
        // OTHER-ACCOUNTS lists "principals that are sharing resources with your account": the
        // owners of the shares through which the caller has access.
        let receiving = owner == ResourceOwner::OtherAccounts;
        if receiving {
            filter.reaching = Some(Reach::account(&caller.account_id));
            filter.owners = principals;
        } else {
            filter.entities = principals;
        }
        if let Some(resource_arn) = &input.resource_arn {
            if Arn::parse(resource_arn).is_none() {
                return Err(api_error!(MalformedArnException, "The specified resource ARN {resource_arn} is not valid. Verify the ARN and try again.").into());
            }
            filter.share_holds = Some(ShareHolds {
                association_type: AssociationType::Resource,
                entity: Some(resource_arn.clone()),
                resource_type: None,
                statuses: crate::visibility::live_associations(),
            });
        }
        if let Some(rt) = self.resource_type_filter(input.resource_type.as_deref())? {
            let holds = filter.share_holds.get_or_insert_with(|| ShareHolds {
                association_type: AssociationType::Resource,
                entity: None,
                resource_type: None,
                statuses: crate::visibility::live_associations(),
            });
            holds.resource_type = Some(rt);
        }
        let page = self.ctx.page_request(
            caller,
            "ListPrincipals",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let result = self.list_page(caller, &scope, &filter, &page).await?;
        let last = result
            .items
            .last()
            .map(|a| (a.created_ms, association_key(a)));
        // OTHER-ACCOUNTS names each share once, however many of its principals reach the caller
        // (the organization, an OU, the account): a receiver's rows come in share order, one per
        // reaching association, so a row of the share before it (or of the cursor's) is skipped.
        let mut previous = page
            .after
            .as_ref()
            .and_then(|(_, key)| key.split(' ').next())
            .map(str::to_owned);
        let shown = result.items.iter().filter(|a| {
            if !receiving {
                return true;
            }
            let repeat = previous.as_deref() == Some(a.share_arn.as_str());
            previous = Some(a.share_arn.clone());
            !repeat
        });
        Ok(ListPrincipalsResponse {
            principals: Some(
                shown
                    .map(|a| {
                        let mut p = render::principal(a);
                        if receiving {
                            p.id = Some(a.owner_account.clone());
                        }
                        p
                    })
                    .collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }

    pub(crate) async fn list_resources(
        &self,
        caller: &Caller,
        input: ListResourcesRequest,
    ) -> Outcome<ListResourcesResponse> {
        let owner = input.resource_owner;
        let (scope, mut filter) = Ram::side(caller, owner, AssociationType::Resource);
        filter.share_arns = input.resource_share_arns.clone().unwrap_or_default();
        for arn in &filter.share_arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        filter.entities = input.resource_arns.clone().unwrap_or_default();
        for arn in &filter.entities {
            if Arn::parse(arn).is_none() {
                return Err(api_error!(
                    MalformedArnException,
                    "The specified resource ARN {arn} is not valid. Verify the ARN and try again."
                )
                .into());
            }
        }
        if let Some(p) = &input.principal {
            PrincipalKind::parse(p)?;
            filter.share_holds = Some(ShareHolds {
                association_type: AssociationType::Principal,
                entity: Some(p.clone()),
                resource_type: None,
                statuses: crate::visibility::live_associations(),
            });
        }
        let in_scope = self.types_in_scope(
            input
                .resource_region_scope
                .unwrap_or(ResourceRegionScopeFilter::All),
        );
        filter.resource_types = match &input.resource_type {
            Some(rt) => {
                let rt = self.known_resource_type(rt).ok_or_else(|| {
                    api_error!(
                        InvalidResourceTypeException,
                        "The specified resource type {rt} is not valid."
                    )
                })?;
                // A type outside the Region scope matches nothing.
                if in_scope.is_empty() || in_scope.contains(&rt) {
                    vec![rt]
                } else {
                    vec![String::new()]
                }
            }
            None => in_scope,
        };
        let page = self.ctx.page_request(
            caller,
            "ListResources",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let result = self.list_page(caller, &scope, &filter, &page).await?;
        let last = result
            .items
            .last()
            .map(|a| (a.created_ms, association_key(a)));
        Ok(ListResourcesResponse {
            resources: Some(
                result
                    .items
                    .iter()
                    .map(|a| render::resource(a, &self.catalog))
                    .collect(),
            ),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }
}

/// The kind of a `sources` entry (ListSourceAssociations' `sourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceKind {
    Account,
    Arn,
    Organization,
    OrganizationPath,
}

impl SourceKind {
    pub(crate) fn of(source: &str) -> SourceKind {
        if ram_context::is_account_id(source) {
            SourceKind::Account
        } else if source.starts_with("arn:") {
            SourceKind::Arn
        } else if source.contains('/') {
            SourceKind::OrganizationPath
        } else {
            SourceKind::Organization
        }
    }

    /// RAM's spelling, as ListSourceAssociations reports it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceKind::Account => "ACCOUNT",
            SourceKind::Arn => "ARN",
            SourceKind::Organization => "ORGANIZATION",
            SourceKind::OrganizationPath => "ORGANIZATION_PATH",
        }
    }
}

impl Ram {
    /// The resource types a `resourceRegionScope` filter keeps (empty: no filter).
    pub(crate) fn types_in_scope(&self, scope: ResourceRegionScopeFilter) -> Vec<String> {
        if scope == ResourceRegionScopeFilter::All {
            return Vec::new();
        }
        self.catalog
            .types()
            .iter()
            .filter(|t| t.is_global() == (scope == ResourceRegionScopeFilter::Global))
            .map(|t| t.resource_type.clone())
            .collect()
    }

    pub(crate) async fn list_source_associations(
        &self,
        caller: &Caller,
        input: ListSourceAssociationsRequest,
    ) -> Outcome<ListSourceAssociationsResponse> {
        let share_arns = input.resource_share_arns.clone().unwrap_or_default();
        for arn in &share_arns {
            Arn::parse_ram(arn, "resource-share")?;
        }
        let filter = AssociationFilter {
            association_type: Some(AssociationType::Source),
            share_arns,
            entities: input.source_id.clone().into_iter().collect(),
            statuses: input
                .association_status
                .map_or(ram_store::States::Any, |s| ram_store::States::only(&[s])),
            ..AssociationFilter::default()
        };
        let page = self.ctx.page_request(
            caller,
            "ListSourceAssociations",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let scope = Scope::Owner(caller.account_id.clone());
        let now = self.now_ms();
        let mut tx = self.store().read().await?;
        for arn in &filter.share_arns {
            self.owned_share(&mut tx, caller, arn, now).await?;
        }
        let mut after = page.after.clone();
        let mut items = Vec::new();
        let mut more = true;
        // `sourceType` is derived from the source, so it filters after the query.
        while more && items.len() < page.limit {
            let batch = tx
                .list_associations(
                    &scope,
                    &caller.region,
                    &filter,
                    after.as_ref(),
                    page.limit,
                    now,
                )
                .await?;
            more = batch.more;
            for a in batch.items {
                after = Some((a.created_ms, association_key(&a)));
                if input
                    .source_type
                    .as_deref()
                    .is_some_and(|t| !t.eq_ignore_ascii_case(SourceKind::of(&a.entity).as_str()))
                {
                    continue;
                }
                items.push(AssociatedSource {
                    resource_share_arn: Some(a.share_arn.clone()),
                    source_id: Some(a.entity.clone()),
                    source_type: Some(SourceKind::of(&a.entity).as_str().to_owned()),
                    status: Some(a.status.as_str().to_owned()),
                    last_updated_time: Some(Timestamp(a.updated_ms)),
                    creation_time: Some(Timestamp(a.created_ms)),
                    status_message: a.status_message.clone(),
                });
                if items.len() == page.limit {
                    break;
                }
            }
        }
        tx.commit().await?;
        Ok(ListSourceAssociationsResponse {
            source_associations: Some(items),
            next_token: self.ctx.next_token(&page, more, after),
        })
    }
}
