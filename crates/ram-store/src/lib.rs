//! ramd's durable state. One SQL implementation serves both backends: embedded SQLite (the
//! default, in-process through rusqlite, with group commit) and PostgreSQL (scale-out, through
//! sqlx), behind one small query API (`engine.rs`). The SQL is kept portable (`$N` placeholders,
//! BIGINT/TEXT columns) so that the two cannot drift apart.
//! The store knows rows and indexes; RAM's rules live in `ram-domain`.

mod accounts;
mod associations;
mod audit;
mod customer_permissions;
mod db;
mod engine;
mod feed;
mod iam;
mod iam_policies;
mod idempotency;
mod invitations;
mod migrations;
mod org_policies;
mod organizations;
mod permissions;
mod postgres;
mod query;
mod received;
mod records;
mod settings;
mod shares;
mod snapshot;
mod sqlite;
mod states;
mod tags;

pub use associations::association_key;
pub use audit::{AuditLookup, AuditRecord, with_pending_event};
pub use customer_permissions::{
    NewPermission, PermissionRecord, PermissionVersionRecord, WorkRecord,
};
pub use db::{Backend, ReadTx, SeedingLock, Store, StoreError, StoreOptions, StoreSizes, WriteTx};
pub use engine::DbError;
pub use feed::{FeedKind, FeedRecord};
pub use iam::{DeletionTaskRecord, RoleRecord, UserRecord, role_key, user_key};
pub use iam_policies::{
    InlinePolicyRecord, PolicyRecord, PolicyVersionRecord, PrincipalKind, PrincipalRef,
};
pub use migrations::SCHEMA_VERSION;
pub use org_policies::OrgPolicyRecord;
pub use organizations::{
    CreateAccountRecord, HandshakeRecord, HandshakeScope, Membership, OrgAccountRecord,
    OrgUnitRecord, OrganizationRecord, ServiceAccessRecord,
};
pub use permissions::{SharePermissionFilter, share_permission_key};
pub use postgres::alone;
pub use query::{Page, Reach, Scope};
pub use records::*;
pub use snapshot::{Cell, Column, snapshot_tables};
pub use sqlite::Durability;
pub use states::{States, StoredState};
