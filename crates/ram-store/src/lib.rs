//! ramd's durable state. One SQL implementation written against sqlx's `Any` driver serves both
//! backends: embedded SQLite (the default) and PostgreSQL (scale-out). The SQL is kept portable
//! (`$N` placeholders, BIGINT/TEXT columns, no advisory locks) so that the two cannot drift apart.
//! The store knows rows and indexes; RAM's rules live in `ram-domain`.

mod accounts;
mod associations;
mod db;
mod idempotency;
mod invitations;
mod migrations;
mod permissions;
mod query;
mod records;
mod settings;
mod shares;

pub use associations::association_key;
pub use db::{Backend, Store, StoreError, Tx};
pub use query::{Page, Scope};
pub use records::*;
