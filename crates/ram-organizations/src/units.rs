//! Roots and organizational units: CreateOrganizationalUnit, UpdateOrganizationalUnit,
//! DeleteOrganizationalUnit, DescribeOrganizationalUnit, ListOrganizationalUnitsForParent,
//! ListChildren, ListParents.

use ram_context::{Caller, Outcome, is_account_id};
use ram_model::organizations::{
    Child, ChildType, CreateOrganizationalUnitRequest, CreateOrganizationalUnitResponse,
    DeleteOrganizationalUnitRequest, DescribeOrganizationalUnitRequest,
    DescribeOrganizationalUnitResponse, ListChildrenRequest, ListChildrenResponse,
    ListOrganizationalUnitsForParentRequest, ListOrganizationalUnitsForParentResponse,
    ListParentsRequest, ListParentsResponse, OrganizationalUnit, Parent, ParentType,
    UpdateOrganizationalUnitRequest, UpdateOrganizationalUnitResponse,
};
use ram_model::{ApiError, api_error};
use ram_store::{Membership, OrgUnitRecord, ReadTx};

use super::tags::validate_org_tags;
use super::{
    MAX_OU_DEPTH, account_in, chain_to, entity_path, managed_by, org_arn, parent_not_found, unit_in,
};
use crate::{Organizations, id_part};

/// Organizations' quota of OUs in one organization.
const MAX_OUS: i64 = 1000;

pub(crate) fn ou_not_found() -> ApiError {
    api_error!(
        OrganizationalUnitNotFoundException,
        "We can't find an OU with the OrganizationalUnitId that you specified."
    )
}

fn duplicate_ou() -> ApiError {
    api_error!(
        DuplicateOrganizationalUnitException,
        "An OU with the same name already exists."
    )
}

fn child_not_found() -> ApiError {
    api_error!(
        ChildNotFoundException,
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."
    )
}

/// An OU (not a root) of the caller's organization.
async fn ou_in(tx: &mut ReadTx, m: &Membership, id: &str) -> Outcome<OrgUnitRecord> {
    match unit_in(tx, m, id).await? {
        Some(unit) if !unit.is_root() => Ok(unit),
        _ => Err(ou_not_found().into()),
    }
}

/// A root or OU of the caller's organization named as a `ParentId`.
pub(crate) async fn parent_in(tx: &mut ReadTx, m: &Membership, id: &str) -> Outcome<OrgUnitRecord> {
    unit_in(tx, m, id)
        .await?
        .ok_or_else(|| parent_not_found().into())
}

pub(crate) async fn render_ou(tx: &mut ReadTx, ou: &OrgUnitRecord) -> Outcome<OrganizationalUnit> {
    let parent = ou.parent_id.as_deref().unwrap_or_default();
    Ok(OrganizationalUnit {
        id: Some(ou.id.clone()),
        arn: Some(ou.arn.clone()),
        name: Some(ou.name.clone()),
        path: Some(entity_path(tx, &ou.org_id, parent, &ou.id).await?),
    })
}

fn parent_of(unit: &OrgUnitRecord) -> Parent {
    Parent {
        id: Some(unit.id.clone()),
        r#type: Some(if unit.is_root() {
            ParentType::Root
        } else {
            ParentType::OrganizationalUnit
        }),
    }
}

impl Organizations {
    pub(crate) async fn create_organizational_unit(
        &self,
        caller: &Caller,
        input: CreateOrganizationalUnitRequest,
    ) -> Outcome<CreateOrganizationalUnitResponse> {
        let parent_id = input.parent_id.clone();
        let name = input.name.clone();
        let tags = validate_org_tags(input.tags.as_deref().unwrap_or_default())?;
        let now = self.ctx.now_ms();
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let parent = parent_in(&mut tx, &m, &parent_id).await?;
        if parent.depth >= MAX_OU_DEPTH {
            return Err(api_error!(
                ConstraintViolationException,
                "You can't create the OU: OUs can be nested at most {MAX_OU_DEPTH} levels deep under the root."
            )
            .with_reason("OU_DEPTH_LIMIT_EXCEEDED")
            .into());
        }
        if tx.count_org_units(&m.org_id).await? >= MAX_OUS {
            return Err(api_error!(
                ConstraintViolationException,
                "You have reached the maximum number of OUs ({MAX_OUS}) in an organization."
            )
            .with_reason("OU_NUMBER_LIMIT_EXCEEDED")
            .into());
        }
        if tx.find_child_unit(&parent.id, &name).await?.is_some() {
            return Err(duplicate_ou().into());
        }
        let root = chain_to(&mut tx, &parent.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(ApiError::internal)?;
        let id = format!(
            "ou-{}-{}",
            root.id.trim_start_matches("r-"),
            id_part(&self.ctx, 8)
        );
        let ou = OrgUnitRecord {
            arn: org_arn(&m.org_arn, &m.org_id, "ou", &id),
            id,
            org_id: m.org_id.clone(),
            kind: ParentType::OrganizationalUnit,
            parent_id: Some(parent.id.clone()),
            name,
            depth: parent.depth + 1,
            created_ms: now,
        };
        tx.insert_org_unit(&ou).await?;
        tx.put_org_tags(&ou.id, &tags).await?;
        self.attach_default_policies(&mut tx, &m.org_id, &ou.id)
            .await?;
        let output = CreateOrganizationalUnitResponse {
            organizational_unit: Some(render_ou(&mut tx, &ou).await?),
        };
        tx.commit().await?;
        Ok(output)
    }

    pub(crate) async fn update_organizational_unit(
        &self,
        caller: &Caller,
        input: UpdateOrganizationalUnitRequest,
    ) -> Outcome<UpdateOrganizationalUnitResponse> {
        let id = input.organizational_unit_id;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let mut ou = ou_in(&mut tx, &m, &id).await?;
        if let Some(name) = input.name
            && name != ou.name
        {
            let parent = ou.parent_id.clone().unwrap_or_default();
            if tx
                .find_child_unit(&parent, &name)
                .await?
                .is_some_and(|other| other.id != ou.id)
            {
                return Err(duplicate_ou().into());
            }
            tx.rename_org_unit(&ou.id, &name).await?;
            ou.name = name;
        }
        let output = UpdateOrganizationalUnitResponse {
            organizational_unit: Some(render_ou(&mut tx, &ou).await?),
        };
        tx.commit().await?;
        Ok(output)
    }

    pub(crate) async fn delete_organizational_unit(
        &self,
        caller: &Caller,
        input: DeleteOrganizationalUnitRequest,
    ) -> Outcome<()> {
        let id = input.organizational_unit_id;
        let mut tx = self.ctx.store().begin().await?;
        let m = managed_by(&mut tx, caller).await?;
        let ou = ou_in(&mut tx, &m, &id).await?;
        if tx.org_unit_has_children(&ou.id).await? {
            return Err(api_error!(
                OrganizationalUnitNotEmptyException,
                "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try again."
            )
            .into());
        }
        tx.delete_org_unit(&ou.id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn describe_organizational_unit(
        &self,
        caller: &Caller,
        input: DescribeOrganizationalUnitRequest,
    ) -> Outcome<DescribeOrganizationalUnitResponse> {
        let id = input.organizational_unit_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let ou = ou_in(&mut tx, &m, &id).await?;
        let output = DescribeOrganizationalUnitResponse {
            organizational_unit: Some(render_ou(&mut tx, &ou).await?),
        };
        tx.commit().await?;
        Ok(output)
    }

    pub(crate) async fn list_organizational_units_for_parent(
        &self,
        caller: &Caller,
        input: ListOrganizationalUnitsForParentRequest,
    ) -> Outcome<ListOrganizationalUnitsForParentResponse> {
        let page = self.org_page(
            caller,
            "ListOrganizationalUnitsForParent",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let parent_id = input.parent_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let parent = parent_in(&mut tx, &m, &parent_id).await?;
        let result = tx
            .list_child_units(&parent.id, page.after.as_ref(), page.limit)
            .await?;
        let mut units = Vec::with_capacity(result.items.len());
        for ou in &result.items {
            units.push(render_ou(&mut tx, ou).await?);
        }
        tx.commit().await?;
        let last = result.items.last().map(|u| (u.created_ms, u.id.clone()));
        Ok(ListOrganizationalUnitsForParentResponse {
            organizational_units: Some(units),
            next_token: self.ctx.next_token(&page, result.more, last),
        })
    }

    pub(crate) async fn list_children(
        &self,
        caller: &Caller,
        input: ListChildrenRequest,
    ) -> Outcome<ListChildrenResponse> {
        let page = self.org_page(
            caller,
            "ListChildren",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let parent_id = input.parent_id.clone();
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let parent = parent_in(&mut tx, &m, &parent_id).await?;
        let (children, more, last) = if input.child_type == ChildType::Account {
            let result = tx
                .list_org_accounts(&m.org_id, Some(&parent.id), page.after.as_ref(), page.limit)
                .await?;
            let children = result
                .items
                .iter()
                .map(|a| Child {
                    id: Some(a.account_id.clone()),
                    r#type: Some(ChildType::Account),
                })
                .collect::<Vec<_>>();
            let last = result
                .items
                .last()
                .map(|a| (a.joined_ms, a.account_id.clone()));
            (children, result.more, last)
        } else {
            let result = tx
                .list_child_units(&parent.id, page.after.as_ref(), page.limit)
                .await?;
            let children = result
                .items
                .iter()
                .map(|u| Child {
                    id: Some(u.id.clone()),
                    r#type: Some(ChildType::OrganizationalUnit),
                })
                .collect::<Vec<_>>();
            let last = result.items.last().map(|u| (u.created_ms, u.id.clone()));
            (children, result.more, last)
        };
        tx.commit().await?;
        Ok(ListChildrenResponse {
            children: Some(children),
            next_token: self.ctx.next_token(&page, more, last),
        })
    }

    pub(crate) async fn list_parents(
        &self,
        caller: &Caller,
        input: ListParentsRequest,
    ) -> Outcome<ListParentsResponse> {
        // Validate the token even though every child has exactly one parent (one page).
        self.org_page(
            caller,
            "ListParents",
            &input,
            input.next_token.as_deref(),
            input.max_results,
        )?;
        let child = input.child_id;
        let mut tx = self.ctx.store().read().await?;
        let m = managed_by(&mut tx, caller).await?;
        let parent_id = if is_account_id(&child) {
            account_in(&mut tx, &m, &child).await?.map(|a| a.parent_id)
        } else {
            unit_in(&mut tx, &m, &child)
                .await?
                .and_then(|u| u.parent_id)
        };
        let Some(parent_id) = parent_id else {
            return Err(child_not_found().into());
        };
        let parent = tx
            .get_org_unit(&parent_id)
            .await?
            .ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(ListParentsResponse {
            parents: Some(vec![parent_of(&parent)]),
            next_token: None,
        })
    }
}
