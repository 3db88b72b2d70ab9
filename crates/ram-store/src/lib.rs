//! ramd's durable state. One SQL implementation written against sqlx's `Any` driver serves both
//! backends: embedded SQLite (the default) and PostgreSQL (scale-out). The SQL is kept portable
//! (`$N` placeholders, BIGINT/TEXT columns, no advisory locks) so that the two cannot drift apart.
//! The store knows rows and indexes; RAM's rules live in `ram-domain`.

mod accounts;
mod associations;
mod customer_permissions;
mod db;
mod iam;
mod idempotency;
mod invitations;
mod migrations;
mod organizations;
mod permissions;
mod query;
mod records;
mod settings;
mod shares;
mod states;
mod tags;

pub use associations::association_key;
pub use customer_permissions::{
    NewPermission, PermissionRecord, PermissionVersionRecord, WorkRecord,
};
pub use db::{Backend, ReadTx, Store, StoreError, WriteTx};
pub use iam::{DeletionTaskRecord, RoleRecord};
pub use organizations::{
    CreateAccountRecord, HandshakeRecord, HandshakeScope, Membership, OrgAccountRecord,
    OrgUnitRecord, OrganizationRecord, ServiceAccessRecord,
};
pub use permissions::{SharePermissionFilter, share_permission_key};
pub use query::{Page, Reach, Scope};
pub use records::*;
pub use states::{States, StoredState};
