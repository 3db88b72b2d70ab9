//! AWS Organizations' state, global (not per Region): organizations, their roots and OUs (one
//! table of "parents"), member accounts, create-account requests, handshakes, trusted service
//! principals and tags. Also the account emails ramd knows. Rows only: the rules (who may do what,
//! depth limits, ...) are the domain's. `organization_of_account` is the view RAM's sharing needs.

use crate::engine::{DbError, Row, query};
use ram_model::organizations::{
    AccountJoinedMethod, ActionType, CreateAccountState, HandshakePartyType, HandshakeState,
    OrganizationFeatureSet, ParentType,
};

use crate::query::{Bind, Page, Sql};
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

macro_rules! org_columns {
    () => {
        "org_id, arn, management_account, feature_set, created_ms"
    };
}

fn org_from_row(r: &Row) -> Result<OrganizationRecord, StoreError> {
    Ok(OrganizationRecord {
        org_id: r.try_get("org_id")?,
        arn: r.try_get("arn")?,
        management_account: r.try_get("management_account")?,
        feature_set: state(r, "feature_set")?,
        created_ms: r.try_get("created_ms")?,
    })
}

macro_rules! unit_columns {
    () => {
        "id, org_id, kind, parent_id, arn, name, depth, created_ms"
    };
}

fn unit_from_row(r: &Row) -> Result<OrgUnitRecord, StoreError> {
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

macro_rules! account_columns {
    () => {
        "account_id, org_id, parent_id, arn, name, email, joined_method, joined_ms"
    };
}

fn account_from_row(r: &Row) -> Result<OrgAccountRecord, StoreError> {
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

macro_rules! request_columns {
    () => {
        "id, org_id, account_name, account_id, state, failure_reason, requested_ms, completed_ms"
    };
}

fn request_from_row(r: &Row) -> Result<CreateAccountRecord, StoreError> {
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

/// Handshakes with their effective state: `$1` the open state, `$2` the `now`, `$3` the expired
/// state (an open handshake past its expiry reads as expired). Bind them with `handshake_binds`.
macro_rules! handshake_select {
    () => {
        "SELECT id, org_id, arn, action, target_type, target, target_account, notes, requested_ms, expires_ms, updated_ms, visible_until_ms, CASE WHEN state = $1 AND expires_ms <= $2 THEN $3 ELSE state END AS effective_state FROM org_handshakes WHERE 1 = 1"
    };
}

/// The values of `handshake_select!`'s `$1`, `$2`, `$3`.
fn handshake_binds(now_ms: i64) -> [Bind; 3] {
    [
        Bind::Text(HandshakeState::Open.as_str().to_owned()),
        Bind::Int(now_ms),
        Bind::Text(HandshakeState::Expired.as_str().to_owned()),
    ]
}

// Organizations, roots and OUs.
const GET_ORGANIZATION: &str = concat!(
    "SELECT ",
    org_columns!(),
    " FROM organizations WHERE org_id = $1"
);
const GET_ORG_UNIT: &str = concat!(
    "SELECT ",
    unit_columns!(),
    " FROM org_parents WHERE id = $1"
);
/// `$1` organization, `$2` the root kind.
const LIST_ROOTS: &str = concat!(
    "SELECT ",
    unit_columns!(),
    " FROM org_parents WHERE org_id = $1 AND kind = $2 ORDER BY created_ms, id"
);
/// The prefix of the child listing: `$1` parent.
const CHILD_UNITS: &str = concat!(
    "SELECT ",
    unit_columns!(),
    " FROM org_parents WHERE parent_id = $1"
);
const FIND_CHILD_UNIT: &str = concat!(
    "SELECT ",
    unit_columns!(),
    " FROM org_parents WHERE parent_id = $1 AND name = $2"
);
/// `$1` organization, `$2` the OU kind.
const COUNT_ORG_UNITS: &str =
    "SELECT COUNT(*) AS n FROM org_parents WHERE org_id = $1 AND kind = $2";
const ORG_UNIT_CHILDREN: &str = "SELECT (SELECT COUNT(*) FROM org_parents WHERE parent_id = $1) + (SELECT COUNT(*) FROM org_accounts WHERE parent_id = $1) AS n";
const INSERT_ORGANIZATION: &str = concat!(
    "INSERT INTO organizations (",
    org_columns!(),
    ") VALUES ($1, $2, $3, $4, $5)"
);
/// Everything of an organization, `$1`, in deletion order: the tags of its roots, OUs and
/// accounts first.
const DELETE_ORGANIZATION: [&str; 12] = [
    "DELETE FROM org_policy_attachments WHERE org_id = $1",
    "DELETE FROM org_tags WHERE resource_id IN (SELECT policy_id FROM org_policies WHERE org_id = $1)",
    "DELETE FROM org_policy_types WHERE org_id = $1",
    "DELETE FROM org_policies WHERE org_id = $1",
    "DELETE FROM org_tags WHERE resource_id IN (SELECT id FROM org_parents WHERE org_id = $1)",
    "DELETE FROM org_tags WHERE resource_id IN (SELECT account_id FROM org_accounts WHERE org_id = $1)",
    "DELETE FROM org_service_access WHERE org_id = $1",
    "DELETE FROM org_handshakes WHERE org_id = $1",
    "DELETE FROM org_create_account_requests WHERE org_id = $1",
    "DELETE FROM org_accounts WHERE org_id = $1",
    "DELETE FROM org_parents WHERE org_id = $1",
    "DELETE FROM organizations WHERE org_id = $1",
];
const INSERT_ORG_UNIT: &str = concat!(
    "INSERT INTO org_parents (",
    unit_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
const RENAME_ORG_UNIT: &str = "UPDATE org_parents SET name = $1 WHERE id = $2";
const DELETE_ORG_UNIT: &str = "DELETE FROM org_parents WHERE id = $1";

// Member accounts and account emails.
const GET_ORG_ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM org_accounts WHERE account_id = $1"
);
/// The prefix of the account listing: `$1` organization.
const ORG_ACCOUNTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM org_accounts WHERE org_id = $1"
);
const COUNT_ORG_ACCOUNTS: &str = "SELECT COUNT(*) AS n FROM org_accounts WHERE org_id = $1";
/// The prefix of `accounts_under`: `$1` organization.
const ACCOUNTS_OF_ORG: &str = "SELECT account_id FROM org_accounts WHERE org_id = $1";
const ALL_ACCOUNTS_OF_ORG: &str =
    "SELECT account_id FROM org_accounts WHERE org_id = $1 ORDER BY account_id";
const ENABLED_SERVICES: &str =
    "SELECT service_principal FROM org_service_access WHERE org_id = $1 ORDER BY service_principal";
const GET_ACCOUNT_EMAIL: &str = "SELECT email FROM account_emails WHERE account_id = $1";
const ACCOUNT_WITH_EMAIL: &str = "SELECT account_id FROM account_emails WHERE email = $1";
const INSERT_ORG_ACCOUNT: &str = concat!(
    "INSERT INTO org_accounts (",
    account_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
const MOVE_ORG_ACCOUNT: &str = "UPDATE org_accounts SET parent_id = $1 WHERE account_id = $2";
const DELETE_ORG_ACCOUNT: &str = "DELETE FROM org_accounts WHERE account_id = $1";
const PUT_ACCOUNT_EMAIL: &str = "INSERT INTO account_emails (account_id, email) VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET email = $2";

// Create-account requests.
const GET_CREATE_ACCOUNT_REQUEST: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM org_create_account_requests WHERE id = $1"
);
/// The prefix of the request listing: `$1` organization.
const CREATE_ACCOUNT_REQUESTS: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM org_create_account_requests WHERE org_id = $1"
);
const INSERT_CREATE_ACCOUNT_REQUEST: &str = concat!(
    "INSERT INTO org_create_account_requests (",
    request_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);

// Handshakes.

/// `$1`..`$3` as in `handshake_select!`.
const HANDSHAKE_SELECT: &str = handshake_select!();
/// `$4` id.
const GET_HANDSHAKE: &str = concat!(handshake_select!(), " AND id = $4");
/// `$4` organization, `$5` action, `$6` target (as given or the account it resolves to); open
/// and not expired (`$1` the open state, `$2` now).
const FIND_OPEN_HANDSHAKE: &str = concat!(
    handshake_select!(),
    " AND org_id = $4 AND action = $5 AND (target = $6 OR target_account = $6) AND state = $1 AND expires_ms > $2 ORDER BY requested_ms, id LIMIT 1"
);
const INSERT_HANDSHAKE: &str = "INSERT INTO org_handshakes (id, org_id, arn, action, target_type, target, target_account, notes, state, requested_ms, expires_ms, updated_ms, visible_until_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
const SET_HANDSHAKE_STATE: &str =
    "UPDATE org_handshakes SET state = $1, updated_ms = $2, visible_until_ms = $3 WHERE id = $4";

// Trusted service access.
const SERVICE_ACCESS_ENABLED: &str =
    "SELECT COUNT(*) AS n FROM org_service_access WHERE org_id = $1 AND service_principal = $2";
/// The prefix of the service-access listing: `$1` organization.
const SERVICE_ACCESS: &str =
    "SELECT service_principal, enabled_ms FROM org_service_access WHERE org_id = $1";
/// Enabling again keeps the first date.
const ENABLE_SERVICE_ACCESS: &str = "INSERT INTO org_service_access (org_id, service_principal, enabled_ms) VALUES ($1, $2, $3) ON CONFLICT (org_id, service_principal) DO NOTHING";
const DISABLE_SERVICE_ACCESS: &str =
    "DELETE FROM org_service_access WHERE org_id = $1 AND service_principal = $2";

fn handshake_from_row(r: &Row) -> Result<HandshakeRecord, StoreError> {
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
        let row = query(GET_ORGANIZATION)
            .bind(org_id)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// The root or OU with this id (ids are unique across organizations).
    pub async fn get_org_unit(&mut self, id: &str) -> Result<Option<OrgUnitRecord>, StoreError> {
        let row = query(GET_ORG_UNIT)
            .bind(id)
            .fetch_optional(&mut self.tx)
            .await?;
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
        let rows = query(LIST_ROOTS)
            .bind(org_id)
            .bind(ParentType::Root.as_str())
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// The OUs directly under a root or OU, in (created, id) order.
    pub async fn list_child_units(
        &mut self,
        parent_id: &str,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<OrgUnitRecord>, StoreError> {
        let mut sql = Sql::prefixed(CHILD_UNITS, [Bind::Text(parent_id.to_owned())]);
        sql.after("created_ms", "id", after);
        sql.push(" ORDER BY created_ms, id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
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
        let row = query(FIND_CHILD_UNIT)
            .bind(parent_id)
            .bind(name)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    pub async fn count_org_units(&mut self, org_id: &str) -> Result<i64, StoreError> {
        let row = query(COUNT_ORG_UNITS)
            .bind(org_id)
            .bind(ParentType::OrganizationalUnit.as_str())
            .fetch_one(&mut self.tx)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Whether a root or OU holds any OU or account.
    pub async fn org_unit_has_children(&mut self, id: &str) -> Result<bool, StoreError> {
        let row = query(ORG_UNIT_CHILDREN)
            .bind(id)
            .fetch_one(&mut self.tx)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

impl WriteTx {
    pub async fn insert_organization(
        &mut self,
        org: &OrganizationRecord,
    ) -> Result<(), StoreError> {
        query(INSERT_ORGANIZATION)
            .bind(&org.org_id)
            .bind(&org.arn)
            .bind(&org.management_account)
            .bind(org.feature_set.as_str())
            .bind(org.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deletes the organization and everything in it (parents, memberships, requests,
    /// handshakes, service access, the tags of its roots, OUs and accounts).
    pub async fn delete_organization(&mut self, org_id: &str) -> Result<(), StoreError> {
        for statement in DELETE_ORGANIZATION {
            query(statement).bind(org_id).execute(&mut self.tx).await?;
        }
        Ok(())
    }

    pub async fn insert_org_unit(&mut self, unit: &OrgUnitRecord) -> Result<(), StoreError> {
        query(INSERT_ORG_UNIT)
            .bind(&unit.id)
            .bind(&unit.org_id)
            .bind(unit.kind.as_str())
            .bind(unit.parent_id.as_deref())
            .bind(&unit.arn)
            .bind(&unit.name)
            .bind(unit.depth)
            .bind(unit.created_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn rename_org_unit(&mut self, id: &str, name: &str) -> Result<(), StoreError> {
        query(RENAME_ORG_UNIT)
            .bind(name)
            .bind(id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deletes an OU and its tags (the domain checks it is empty).
    pub async fn delete_org_unit(&mut self, id: &str) -> Result<(), StoreError> {
        self.delete_org_tags(id).await?;
        self.detach_all_org_policies(id).await?;
        query(DELETE_ORG_UNIT)
            .bind(id)
            .execute(&mut self.tx)
            .await?;
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
        let row = query(GET_ORG_ACCOUNT)
            .bind(account_id)
            .fetch_optional(&mut self.tx)
            .await?;
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
        let mut sql = Sql::prefixed(ORG_ACCOUNTS, [Bind::Text(org_id.to_owned())]);
        if let Some(parent) = parent_id {
            sql.push(" AND parent_id = ").text(parent);
        }
        sql.after("joined_ms", "account_id", after);
        sql.push(" ORDER BY joined_ms, account_id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(account_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, limit))
    }

    pub async fn count_org_accounts(&mut self, org_id: &str) -> Result<i64, StoreError> {
        let row = query(COUNT_ORG_ACCOUNTS)
            .bind(org_id)
            .fetch_one(&mut self.tx)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Every account of the organization, or of the subtree under a root or OU (at any depth).
    pub async fn accounts_under(
        &mut self,
        org_id: &str,
        parent_id: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let Some(parent) = parent_id else {
            let rows = query(ALL_ACCOUNTS_OF_ORG)
                .bind(org_id)
                .fetch_all(&mut self.tx)
                .await?;
            return Ok(rows
                .iter()
                .map(|r| r.try_get("account_id"))
                .collect::<Result<_, DbError>>()?);
        };
        // Parents nest at most a handful of levels: walk them breadth first.
        let mut frontier = vec![parent.to_owned()];
        let mut all = frontier.clone();
        while !frontier.is_empty() {
            let mut q = Sql::new("SELECT id FROM org_parents WHERE parent_id");
            q.in_list(&frontier);
            let rows = q.query().fetch_all(&mut self.tx).await?;
            frontier = rows
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, DbError>>()?;
            all.extend(frontier.iter().cloned());
        }
        let mut sql = Sql::prefixed(ACCOUNTS_OF_ORG, [Bind::Text(org_id.to_owned())]);
        sql.push(" AND parent_id").in_list(&all);
        sql.push(" ORDER BY account_id");
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("account_id"))
            .collect::<Result<_, DbError>>()?)
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
        let enabled_services = query(ENABLED_SERVICES)
            .bind(&org.org_id)
            .fetch_all(&mut self.tx)
            .await?
            .iter()
            .map(|r| r.try_get("service_principal"))
            .collect::<Result<_, DbError>>()?;
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
        let row = query(GET_ACCOUNT_EMAIL)
            .bind(account_id)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.map(|r| r.try_get("email")).transpose()?)
    }

    /// The account whose root email address is `email`, if ramd knows one.
    pub async fn account_with_email(&mut self, email: &str) -> Result<Option<String>, StoreError> {
        let row = query(ACCOUNT_WITH_EMAIL)
            .bind(email)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.map(|r| r.try_get("account_id")).transpose()?)
    }
}

impl WriteTx {
    pub async fn insert_org_account(&mut self, a: &OrgAccountRecord) -> Result<(), StoreError> {
        query(INSERT_ORG_ACCOUNT)
            .bind(&a.account_id)
            .bind(&a.org_id)
            .bind(&a.parent_id)
            .bind(&a.arn)
            .bind(&a.name)
            .bind(&a.email)
            .bind(a.joined_method.as_str())
            .bind(a.joined_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn move_org_account(
        &mut self,
        account_id: &str,
        parent_id: &str,
    ) -> Result<(), StoreError> {
        query(MOVE_ORG_ACCOUNT)
            .bind(parent_id)
            .bind(account_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Takes the account out of its organization (and drops the tags the organization kept on it).
    pub async fn delete_org_account(&mut self, account_id: &str) -> Result<(), StoreError> {
        self.delete_org_tags(account_id).await?;
        self.detach_all_org_policies(account_id).await?;
        query(DELETE_ORG_ACCOUNT)
            .bind(account_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Records the root email address of an account (unique across accounts).
    pub async fn put_account_email(
        &mut self,
        account_id: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        query(PUT_ACCOUNT_EMAIL)
            .bind(account_id)
            .bind(email)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}

/// Create-account requests.
impl ReadTx {
    pub async fn get_create_account_request(
        &mut self,
        id: &str,
    ) -> Result<Option<CreateAccountRecord>, StoreError> {
        let row = query(GET_CREATE_ACCOUNT_REQUEST)
            .bind(id)
            .fetch_optional(&mut self.tx)
            .await?;
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
        let mut sql = Sql::prefixed(CREATE_ACCOUNT_REQUESTS, [Bind::Text(org_id.to_owned())]);
        if !states.is_empty() {
            let states: Vec<String> = states.iter().map(|s| s.as_str().to_owned()).collect();
            sql.push(" AND state").in_list(&states);
        }
        sql.after("requested_ms", "id", after);
        sql.push(" ORDER BY requested_ms, id LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
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
        query(INSERT_CREATE_ACCOUNT_REQUEST)
            .bind(&r.id)
            .bind(&r.org_id)
            .bind(&r.account_name)
            .bind(r.account_id.as_deref())
            .bind(r.state.as_str())
            .bind(r.failure_reason.as_deref())
            .bind(r.requested_ms)
            .bind(r.completed_ms)
            .execute(&mut self.tx)
            .await?;
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
        let row = query(GET_HANDSHAKE)
            .bind(HandshakeState::Open.as_str())
            .bind(now_ms)
            .bind(HandshakeState::Expired.as_str())
            .bind(id)
            .fetch_optional(&mut self.tx)
            .await?;
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
        let mut sql = Sql::prefixed(HANDSHAKE_SELECT, handshake_binds(now_ms));
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
        let rows = sql.query().fetch_all(&mut self.tx).await?;
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
        let row = query(FIND_OPEN_HANDSHAKE)
            .bind(HandshakeState::Open.as_str())
            .bind(now_ms)
            .bind(HandshakeState::Expired.as_str())
            .bind(org_id)
            .bind(action.as_str())
            .bind(target)
            .fetch_optional(&mut self.tx)
            .await?;
        row.as_ref().map(handshake_from_row).transpose()
    }
}

impl WriteTx {
    pub async fn insert_handshake(&mut self, h: &HandshakeRecord) -> Result<(), StoreError> {
        query(INSERT_HANDSHAKE)
            .bind(&h.id)
            .bind(&h.org_id)
            .bind(&h.arn)
            .bind(h.action.as_str())
            .bind(h.target_type.as_str())
            .bind(&h.target)
            .bind(h.target_account.as_deref())
            .bind(h.notes.as_deref())
            .bind(h.state.as_str())
            .bind(h.requested_ms)
            .bind(h.expires_ms)
            .bind(h.updated_ms)
            .bind(h.visible_until_ms)
            .execute(&mut self.tx)
            .await?;
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
        query(SET_HANDSHAKE_STATE)
            .bind(state.as_str())
            .bind(now_ms)
            .bind(visible_until_ms)
            .bind(id)
            .execute(&mut self.tx)
            .await?;
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
        let row = query(SERVICE_ACCESS_ENABLED)
            .bind(org_id)
            .bind(service_principal)
            .fetch_one(&mut self.tx)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The trusted service principals in (enabled, principal) order.
    pub async fn list_service_access(
        &mut self,
        org_id: &str,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Result<Page<ServiceAccessRecord>, StoreError> {
        let mut sql = Sql::prefixed(SERVICE_ACCESS, [Bind::Text(org_id.to_owned())]);
        sql.after("enabled_ms", "service_principal", after);
        sql.push(" ORDER BY enabled_ms, service_principal LIMIT ")
            .int(limit_plus_one(limit));
        let rows = sql.query().fetch_all(&mut self.tx).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(ServiceAccessRecord {
                    service_principal: r.try_get("service_principal")?,
                    enabled_ms: r.try_get("enabled_ms")?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok(Page::from_rows(items, limit))
    }

    /// The tags of a root, OU or account, sorted by key.
    pub async fn list_org_tags(&mut self, resource_id: &str) -> Result<Vec<Tag>, StoreError> {
        self.tags_of_one(ORG_TAGS, resource_id).await
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
        query(ENABLE_SERVICE_ACCESS)
            .bind(org_id)
            .bind(service_principal)
            .bind(now_ms)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    pub async fn disable_service_access(
        &mut self,
        org_id: &str,
        service_principal: &str,
    ) -> Result<(), StoreError> {
        query(DISABLE_SERVICE_ACCESS)
            .bind(org_id)
            .bind(service_principal)
            .execute(&mut self.tx)
            .await?;
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
