//! AWS Organizations' state, global (not per Region): organizations, their roots and OUs (one
//! table of "parents"), member accounts, create-account requests, handshakes, trusted service
//! principals and tags. Also the account emails ramd knows. Rows only: the rules (who may do what,
//! depth limits, ...) are the domain's. `organization_of_account` is the view RAM's sharing needs.

use sqlx::Row;
use sqlx::any::AnyRow;

use ram_model::organizations::{
    AccountJoinedMethod, ActionType, CreateAccountState, HandshakePartyType, HandshakeState,
    OrganizationFeatureSet, ParentType,
};

use crate::query::{Page, Sql, opt_int, opt_text};
use crate::records::Tag;
use crate::states::state;
use crate::tags::ORG_TAGS;
use crate::{ReadTx, StoreError, WriteTx};

/// Migration 2: the Organizations tables and IAM's roles (see `iam.rs`).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRecord {
    pub org_id: String,
    pub arn: String,
    pub management_account: String,
    pub feature_set: OrganizationFeatureSet,
    pub created_ms: i64,
}

/// A root or an organizational unit: something accounts and OUs can be placed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnitRecord {
    pub id: String,
    pub org_id: String,
    /// A root or an organizational unit.
    pub kind: ParentType,
    /// The parent root or OU; `None` for a root.
    pub parent_id: Option<String>,
    pub arn: String,
    pub name: String,
    /// 0 for a root, 1 for an OU directly under it, ...
    pub depth: i64,
    pub created_ms: i64,
}

impl OrgUnitRecord {
    pub fn is_root(&self) -> bool {
        self.kind == ParentType::Root
    }
}

/// An account's membership row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccountRecord {
    pub account_id: String,
    pub org_id: String,
    /// The root or OU the account is in.
    pub parent_id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    pub joined_method: AccountJoinedMethod,
    pub joined_ms: i64,
}

/// What RAM needs to know about an account's organization: the organization, where the account
/// sits in it, and which AWS services the organization trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: String,
    pub org_arn: String,
    pub management_account: String,
    pub feature_set: OrganizationFeatureSet,
    pub account: OrgAccountRecord,
    /// The account's parents from the root down: the root first, the account's own parent last.
    pub parents: Vec<OrgUnitRecord>,
    /// The trusted service principals (`ram.amazonaws.com`, ...), sorted.
    pub enabled_services: Vec<String>,
}

impl Membership {
    pub fn is_management_account(&self) -> bool {
        self.account.account_id == self.management_account
    }

    /// The ARNs that contain the account: the organization, its root and every OU above it.
    pub fn containing_arns(&self) -> Vec<&str> {
        std::iter::once(self.org_arn.as_str())
            .chain(self.parents.iter().map(|p| p.arn.as_str()))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAccountRecord {
    pub id: String,
    pub org_id: String,
    pub account_name: String,
    pub account_id: Option<String>,
    pub state: CreateAccountState,
    pub failure_reason: Option<String>,
    pub requested_ms: i64,
    pub completed_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeRecord {
    pub id: String,
    pub org_id: String,
    pub arn: String,
    pub action: ActionType,
    /// `ACCOUNT` or `EMAIL`.
    pub target_type: HandshakePartyType,
    /// The target as given (an account id or an email address).
    pub target: String,
    /// The account the target resolves to, if ramd knows it.
    pub target_account: Option<String>,
    pub notes: Option<String>,
    /// Effective state: an `OPEN` handshake whose `expires_ms` has passed reads as `EXPIRED`.
    pub state: HandshakeState,
    pub requested_ms: i64,
    pub expires_ms: i64,
    pub updated_ms: i64,
    /// When it stops being listed (30 days after it closes, as on AWS).
    pub visible_until_ms: i64,
}

/// Whose handshakes a listing returns.
#[derive(Debug, Clone)]
pub enum HandshakeScope {
    /// Those sent to the account.
    Target(String),
    /// Those the organization sent.
    Organization(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccessRecord {
    pub service_principal: String,
    pub enabled_ms: i64,
}

fn limit_plus_one(limit: usize) -> i64 {
    i64::try_from(limit + 1).unwrap_or(i64::MAX)
}

const ORG_COLUMNS: &str = "org_id, arn, management_account, feature_set, created_ms";

fn org_from_row(r: &AnyRow) -> Result<OrganizationRecord, StoreError> {
    Ok(OrganizationRecord {
        org_id: r.try_get("org_id")?,
        arn: r.try_get("arn")?,
        management_account: r.try_get("management_account")?,
        feature_set: state(r, "feature_set")?,
        created_ms: r.try_get("created_ms")?,
    })
}

const UNIT_COLUMNS: &str = "id, org_id, kind, parent_id, arn, name, depth, created_ms";

fn unit_from_row(r: &AnyRow) -> Result<OrgUnitRecord, StoreError> {
    Ok(OrgUnitRecord {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        kind: state(r, "kind")?,
        parent_id: r.try_get("parent_id")?,
        arn: r.try_get("arn")?,
        name: r.try_get("name")?,
        depth: r.try_get("depth")?,
        created_ms: r.try_get("created_ms")?,
    })
}

const ACCOUNT_COLUMNS: &str =
    "account_id, org_id, parent_id, arn, name, email, joined_method, joined_ms";

fn account_from_row(r: &AnyRow) -> Result<OrgAccountRecord, StoreError> {
    Ok(OrgAccountRecord {
        account_id: r.try_get("account_id")?,
        org_id: r.try_get("org_id")?,
        parent_id: r.try_get("parent_id")?,
        arn: r.try_get("arn")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        joined_method: state(r, "joined_method")?,
        joined_ms: r.try_get("joined_ms")?,
    })
}

const REQUEST_COLUMNS: &str =
    "id, org_id, account_name, account_id, state, failure_reason, requested_ms, completed_ms";

fn request_from_row(r: &AnyRow) -> Result<CreateAccountRecord, StoreError> {
    Ok(CreateAccountRecord {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        account_name: r.try_get("account_name")?,
        account_id: r.try_get("account_id")?,
        state: state(r, "state")?,
        failure_reason: r.try_get("failure_reason")?,
        requested_ms: r.try_get("requested_ms")?,
        completed_ms: r.try_get("completed_ms")?,
    })
}

/// Handshakes with their effective state at `now_ms`.
fn handshake_select(now_ms: i64) -> Sql {
    let mut sql = Sql::new(
        "SELECT id, org_id, arn, action, target_type, target, target_account, notes, requested_ms, expires_ms, updated_ms, visible_until_ms, CASE WHEN state = ",
    );
    sql.state(HandshakeState::Open)
        .push(" AND expires_ms <= ")
        .int(now_ms);
    sql.push(" THEN ")
        .state(HandshakeState::Expired)
        .push(" ELSE state END AS effective_state FROM org_handshakes WHERE 1 = 1");
    sql
}

fn handshake_from_row(r: &AnyRow) -> Result<HandshakeRecord, StoreError> {
    Ok(HandshakeRecord {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        arn: r.try_get("arn")?,
        action: state(r, "action")?,
        target_type: state(r, "target_type")?,
        target: r.try_get("target")?,
        target_account: r.try_get("target_account")?,
        notes: r.try_get("notes")?,
        state: state(r, "effective_state")?,
        requested_ms: r.try_get("requested_ms")?,
        expires_ms: r.try_get("expires_ms")?,
        updated_ms: r.try_get("updated_ms")?,
        visible_until_ms: r.try_get("visible_until_ms")?,
    })
}

/// Organizations, roots and OUs.
impl ReadTx {
    pub async fn get_organization(
        &mut self,
        org_id: &str,
    ) -> Result<Option<OrganizationRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ORG_COLUMNS)
            .push(" FROM organizations WHERE org_id = ")
            .text(org_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// The root or OU with this id (ids are unique across organizations).
    pub async fn get_org_unit(&mut self, id: &str) -> Result<Option<OrgUnitRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(UNIT_COLUMNS)
            .push(" FROM org_parents WHERE id = ")
            .text(id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// The organizational unit with this id (not a root).
    pub async fn get_organizational_unit(
        &mut self,
        ou_id: &str,
    ) -> Result<Option<OrgUnitRecord>, StoreError> {
        Ok(self.get_org_unit(ou_id).await?.filter(|u| !u.is_root()))
    }

    /// The organization's roots (ramd creates exactly one).
    pub async fn list_roots(&mut self, org_id: &str) -> Result<Vec<OrgUnitRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(UNIT_COLUMNS)
            .push(" FROM org_parents WHERE org_id = ")
            .text(org_id)
            .push(" AND kind = ")
            .state(ParentType::Root)
            .push(" ORDER BY created_ms, id");
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// The OUs directly under a root or OU, in (created, id) order.
    pub async fn list_child_units(
        &mut self,
        parent_id: &str,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<OrgUnitRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(UNIT_COLUMNS)
            .push(" FROM org_parents WHERE parent_id = ")
            .text(parent_id);
        sql.after("created_ms", "id", after);
        sql.push(" ORDER BY created_ms, id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(unit_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// The OU named `name` directly under `parent_id`, if any.
    pub async fn find_child_unit(
        &mut self,
        parent_id: &str,
        name: &str,
    ) -> Result<Option<OrgUnitRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(UNIT_COLUMNS)
            .push(" FROM org_parents WHERE parent_id = ")
            .text(parent_id)
            .push(" AND name = ")
            .text(name);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    pub async fn count_org_units(&mut self, org_id: &str) -> Result<i64, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM org_parents WHERE org_id = ");
        sql.text(org_id)
            .push(" AND kind = ")
            .state(ParentType::OrganizationalUnit);
        let row = sql.query().fetch_one(&mut *self.tx).await?;
        Ok(row.try_get("n")?)
    }

    /// Whether a root or OU holds any OU or account.
    pub async fn org_unit_has_children(&mut self, id: &str) -> Result<bool, StoreError> {
        let mut sql = Sql::new("SELECT (SELECT COUNT(*) FROM org_parents WHERE parent_id = ");
        sql.text(id)
            .push(") + (SELECT COUNT(*) FROM org_accounts WHERE parent_id = ")
            .text(id)
            .push(") AS n");
        let row = sql.query().fetch_one(&mut *self.tx).await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

impl WriteTx {
    pub async fn insert_organization(
        &mut self,
        org: &OrganizationRecord,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO organizations (");
        sql.push(ORG_COLUMNS).push(") VALUES (");
        sql.text(&org.org_id).push(", ").text(&org.arn).push(", ");
        sql.text(&org.management_account)
            .push(", ")
            .state(org.feature_set)
            .push(", ")
            .int(org.created_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Deletes the organization and everything in it (parents, memberships, requests,
    /// handshakes, service access, the tags of its roots, OUs and accounts).
    pub async fn delete_organization(&mut self, org_id: &str) -> Result<(), StoreError> {
        for (table, column) in [("org_parents", "id"), ("org_accounts", "account_id")] {
            let mut sql = Sql::new("DELETE FROM org_tags WHERE resource_id IN (SELECT ");
            sql.push(column)
                .push(" FROM ")
                .push(table)
                .push(" WHERE org_id = ")
                .text(org_id)
                .push(")");
            sql.query().execute(&mut *self.tx).await?;
        }
        for table in [
            "org_service_access",
            "org_handshakes",
            "org_create_account_requests",
            "org_accounts",
            "org_parents",
            "organizations",
        ] {
            let mut sql = Sql::new("DELETE FROM ");
            sql.push(table).push(" WHERE org_id = ").text(org_id);
            sql.query().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub async fn insert_org_unit(&mut self, unit: &OrgUnitRecord) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO org_parents (");
        sql.push(UNIT_COLUMNS).push(") VALUES (");
        sql.text(&unit.id)
            .push(", ")
            .text(&unit.org_id)
            .push(", ")
            .state(unit.kind)
            .push(", ");
        sql.bind(opt_text(unit.parent_id.as_deref()))
            .push(", ")
            .text(&unit.arn)
            .push(", ")
            .text(&unit.name)
            .push(", ");
        sql.int(unit.depth)
            .push(", ")
            .int(unit.created_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn rename_org_unit(&mut self, id: &str, name: &str) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE org_parents SET name = ");
        sql.text(name).push(" WHERE id = ").text(id);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Deletes an OU and its tags (the domain checks it is empty).
    pub async fn delete_org_unit(&mut self, id: &str) -> Result<(), StoreError> {
        self.delete_org_tags(id).await?;
        let mut sql = Sql::new("DELETE FROM org_parents WHERE id = ");
        sql.text(id);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// Member accounts and account emails.
impl ReadTx {
    /// The account's membership row, if it is in an organization.
    pub async fn get_org_account(
        &mut self,
        account_id: &str,
    ) -> Result<Option<OrgAccountRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ACCOUNT_COLUMNS)
            .push(" FROM org_accounts WHERE account_id = ")
            .text(account_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// The organization's accounts (directly under `parent_id` if given), in (joined, id) order.
    pub async fn list_org_accounts(
        &mut self,
        org_id: &str,
        parent_id: Option<&str>,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<OrgAccountRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(ACCOUNT_COLUMNS)
            .push(" FROM org_accounts WHERE org_id = ")
            .text(org_id);
        if let Some(parent) = parent_id {
            sql.push(" AND parent_id = ").text(parent);
        }
        sql.after("joined_ms", "account_id", after);
        sql.push(" ORDER BY joined_ms, account_id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(account_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    pub async fn count_org_accounts(&mut self, org_id: &str) -> Result<i64, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM org_accounts WHERE org_id = ");
        sql.text(org_id);
        let row = sql.query().fetch_one(&mut *self.tx).await?;
        Ok(row.try_get("n")?)
    }

    /// Every account of the organization, or of the subtree under a root or OU (at any depth).
    pub async fn accounts_under(
        &mut self,
        org_id: &str,
        parent_id: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let mut sql = Sql::new("SELECT account_id FROM org_accounts WHERE org_id = ");
        sql.text(org_id);
        if let Some(parent) = parent_id {
            // Parents nest at most a handful of levels: walk them breadth first.
            let mut frontier = vec![parent.to_owned()];
            let mut all = frontier.clone();
            while !frontier.is_empty() {
                let mut q = Sql::new("SELECT id FROM org_parents WHERE parent_id");
                q.in_list(&frontier);
                let rows = q.query().fetch_all(&mut *self.tx).await?;
                frontier = rows
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<Result<_, sqlx::Error>>()?;
                all.extend(frontier.iter().cloned());
            }
            sql.push(" AND parent_id").in_list(&all);
        }
        sql.push(" ORDER BY account_id");
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("account_id"))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// The organization the account belongs to, where it sits in it, and the services the
    /// organization trusts; `None` when the account is in no organization.
    pub async fn organization_of_account(
        &mut self,
        account_id: &str,
    ) -> Result<Option<Membership>, StoreError> {
        let Some(account) = self.get_org_account(account_id).await? else {
            return Ok(None);
        };
        let Some(org) = self.get_organization(&account.org_id).await? else {
            return Ok(None);
        };
        let mut parents = Vec::new();
        let mut next = Some(account.parent_id.clone());
        while let Some(id) = next.take() {
            let Some(unit) = self.get_org_unit(&id).await? else {
                break;
            };
            next.clone_from(&unit.parent_id);
            parents.push(unit);
            if parents.len() > 16 {
                return Err(StoreError::Corrupt(format!(
                    "the parents of account {account_id} form a cycle"
                )));
            }
        }
        parents.reverse();
        let mut sql = Sql::new("SELECT service_principal FROM org_service_access WHERE org_id = ");
        sql.text(&org.org_id).push(" ORDER BY service_principal");
        let enabled_services = sql
            .query()
            .fetch_all(&mut *self.tx)
            .await?
            .iter()
            .map(|r| r.try_get("service_principal"))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(Membership {
            org_id: org.org_id,
            org_arn: org.arn,
            management_account: org.management_account,
            feature_set: org.feature_set,
            account,
            parents,
            enabled_services,
        }))
    }

    pub async fn get_account_email(
        &mut self,
        account_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut sql = Sql::new("SELECT email FROM account_emails WHERE account_id = ");
        sql.text(account_id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("email")).transpose()?)
    }

    /// The account whose root email address is `email`, if ramd knows one.
    pub async fn account_with_email(&mut self, email: &str) -> Result<Option<String>, StoreError> {
        let mut sql = Sql::new("SELECT account_id FROM account_emails WHERE email = ");
        sql.text(email);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        Ok(row.map(|r| r.try_get("account_id")).transpose()?)
    }
}

impl WriteTx {
    pub async fn insert_org_account(&mut self, a: &OrgAccountRecord) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO org_accounts (");
        sql.push(ACCOUNT_COLUMNS).push(") VALUES (");
        sql.text(&a.account_id)
            .push(", ")
            .text(&a.org_id)
            .push(", ")
            .text(&a.parent_id)
            .push(", ");
        sql.text(&a.arn)
            .push(", ")
            .text(&a.name)
            .push(", ")
            .text(&a.email)
            .push(", ");
        sql.state(a.joined_method)
            .push(", ")
            .int(a.joined_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn move_org_account(
        &mut self,
        account_id: &str,
        parent_id: &str,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE org_accounts SET parent_id = ");
        sql.text(parent_id)
            .push(" WHERE account_id = ")
            .text(account_id);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Takes the account out of its organization (and drops the tags the organization kept on it).
    pub async fn delete_org_account(&mut self, account_id: &str) -> Result<(), StoreError> {
        self.delete_org_tags(account_id).await?;
        let mut sql = Sql::new("DELETE FROM org_accounts WHERE account_id = ");
        sql.text(account_id);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Records the root email address of an account (unique across accounts).
    pub async fn put_account_email(
        &mut self,
        account_id: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO account_emails (account_id, email) VALUES (");
        sql.text(account_id)
            .push(", ")
            .text(email)
            .push(") ON CONFLICT (account_id) DO UPDATE SET email = ")
            .text(email);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// Create-account requests.
impl ReadTx {
    pub async fn get_create_account_request(
        &mut self,
        id: &str,
    ) -> Result<Option<CreateAccountRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(REQUEST_COLUMNS)
            .push(" FROM org_create_account_requests WHERE id = ")
            .text(id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// The organization's requests in one of `states` (all when empty), in (requested, id) order.
    pub async fn list_create_account_requests(
        &mut self,
        org_id: &str,
        states: &[CreateAccountState],
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<CreateAccountRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(REQUEST_COLUMNS)
            .push(" FROM org_create_account_requests WHERE org_id = ")
            .text(org_id);
        if !states.is_empty() {
            let states: Vec<String> = states.iter().map(|s| s.as_str().to_owned()).collect();
            sql.push(" AND state").in_list(&states);
        }
        sql.after("requested_ms", "id", after);
        sql.push(" ORDER BY requested_ms, id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }
}

impl WriteTx {
    pub async fn insert_create_account_request(
        &mut self,
        r: &CreateAccountRecord,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO org_create_account_requests (");
        sql.push(REQUEST_COLUMNS).push(") VALUES (");
        sql.text(&r.id)
            .push(", ")
            .text(&r.org_id)
            .push(", ")
            .text(&r.account_name)
            .push(", ");
        sql.bind(opt_text(r.account_id.as_deref()))
            .push(", ")
            .state(r.state)
            .push(", ")
            .bind(opt_text(r.failure_reason.as_deref()))
            .push(", ");
        sql.int(r.requested_ms)
            .push(", ")
            .bind(opt_int(r.completed_ms))
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// Handshakes.
impl ReadTx {
    /// The handshake with its effective state at `now_ms`.
    pub async fn get_handshake(
        &mut self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<HandshakeRecord>, StoreError> {
        let mut sql = handshake_select(now_ms);
        sql.push(" AND id = ").text(id);
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(handshake_from_row).transpose()
    }

    /// Handshakes still listed at `now_ms`, optionally of one action, in (requested, id) order.
    pub async fn list_handshakes(
        &mut self,
        scope: &HandshakeScope,
        action: Option<ActionType>,
        after: Option<&(i64, String)>,
        limit: usize,
        now_ms: i64,
    ) -> Result<Page<HandshakeRecord>, StoreError> {
        let mut sql = handshake_select(now_ms);
        match scope {
            HandshakeScope::Target(account) => sql.push(" AND target_account = ").text(account),
            HandshakeScope::Organization(org) => sql.push(" AND org_id = ").text(org),
        };
        if let Some(action) = action {
            sql.push(" AND action = ").state(action);
        }
        sql.push(" AND visible_until_ms > ").int(now_ms);
        sql.after("requested_ms", "id", after);
        sql.push(" ORDER BY requested_ms, id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(handshake_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// An open (not expired) handshake of the organization with this action and target.
    pub async fn find_open_handshake(
        &mut self,
        org_id: &str,
        action: ActionType,
        target: &str,
        now_ms: i64,
    ) -> Result<Option<HandshakeRecord>, StoreError> {
        let mut sql = handshake_select(now_ms);
        sql.push(" AND org_id = ")
            .text(org_id)
            .push(" AND action = ")
            .state(action);
        sql.push(" AND (target = ")
            .text(target)
            .push(" OR target_account = ")
            .text(target)
            .push(")");
        sql.push(" AND state = ")
            .state(HandshakeState::Open)
            .push(" AND expires_ms > ")
            .int(now_ms);
        sql.push(" ORDER BY requested_ms, id LIMIT 1");
        let row = sql.query().fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(handshake_from_row).transpose()
    }
}

impl WriteTx {
    pub async fn insert_handshake(&mut self, h: &HandshakeRecord) -> Result<(), StoreError> {
        let mut sql = Sql::new(
            "INSERT INTO org_handshakes (id, org_id, arn, action, target_type, target, target_account, notes, state, requested_ms, expires_ms, updated_ms, visible_until_ms) VALUES (",
        );
        sql.text(&h.id)
            .push(", ")
            .text(&h.org_id)
            .push(", ")
            .text(&h.arn)
            .push(", ");
        sql.state(h.action)
            .push(", ")
            .state(h.target_type)
            .push(", ")
            .text(&h.target)
            .push(", ");
        sql.bind(opt_text(h.target_account.as_deref()))
            .push(", ")
            .bind(opt_text(h.notes.as_deref()))
            .push(", ");
        sql.state(h.state)
            .push(", ")
            .int(h.requested_ms)
            .push(", ")
            .int(h.expires_ms)
            .push(", ");
        sql.int(h.updated_ms)
            .push(", ")
            .int(h.visible_until_ms)
            .push(")");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Sets a handshake's state; it stays listed until `visible_until_ms`.
    pub async fn set_handshake_state(
        &mut self,
        id: &str,
        state: HandshakeState,
        now_ms: i64,
        visible_until_ms: i64,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE org_handshakes SET state = ");
        sql.state(state)
            .push(", updated_ms = ")
            .int(now_ms)
            .push(", visible_until_ms = ")
            .int(visible_until_ms);
        sql.push(" WHERE id = ").text(id);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// Trusted service access and tags.
impl ReadTx {
    pub async fn service_access_enabled(
        &mut self,
        org_id: &str,
        service_principal: &str,
    ) -> Result<bool, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM org_service_access WHERE org_id = ");
        sql.text(org_id)
            .push(" AND service_principal = ")
            .text(service_principal);
        let row = sql.query().fetch_one(&mut *self.tx).await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The trusted service principals in (enabled, principal) order.
    pub async fn list_service_access(
        &mut self,
        org_id: &str,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<ServiceAccessRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT service_principal, enabled_ms FROM org_service_access WHERE org_id = ",
        );
        sql.text(org_id);
        sql.after("enabled_ms", "service_principal", after);
        sql.push(" ORDER BY enabled_ms, service_principal LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut *self.tx).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(ServiceAccessRecord {
                    service_principal: r.try_get("service_principal")?,
                    enabled_ms: r.try_get("enabled_ms")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// The tags of a root, OU or account, sorted by key.
    pub async fn list_org_tags(&mut self, resource_id: &str) -> Result<Vec<Tag>, StoreError> {
        let tags = self.tags_of(ORG_TAGS, &[resource_id.to_owned()]).await?;
        Ok(tags.into_iter().map(|(_, tag)| tag).collect())
    }
}

impl WriteTx {
    /// Trusts `service_principal`; enabling it again keeps the first date.
    pub async fn enable_service_access(
        &mut self,
        org_id: &str,
        service_principal: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new(
            "INSERT INTO org_service_access (org_id, service_principal, enabled_ms) VALUES (",
        );
        sql.text(org_id)
            .push(", ")
            .text(service_principal)
            .push(", ")
            .int(now_ms);
        sql.push(") ON CONFLICT (org_id, service_principal) DO NOTHING");
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn disable_service_access(
        &mut self,
        org_id: &str,
        service_principal: &str,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("DELETE FROM org_service_access WHERE org_id = ");
        sql.text(org_id)
            .push(" AND service_principal = ")
            .text(service_principal);
        sql.query().execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Adds or overwrites tags of a root, OU or account.
    pub async fn put_org_tags(
        &mut self,
        resource_id: &str,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        self.put_tags(ORG_TAGS, resource_id, tags).await
    }

    pub async fn remove_org_tags(
        &mut self,
        resource_id: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.remove_tags(ORG_TAGS, resource_id, Some(keys)).await
    }

    pub async fn delete_org_tags(&mut self, resource_id: &str) -> Result<(), StoreError> {
        self.remove_tags(ORG_TAGS, resource_id, None).await
    }
}
