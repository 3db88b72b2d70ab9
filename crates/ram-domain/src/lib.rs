//! RAM's rules. `Ram::execute` takes a validated input document for one operation and answers
//! with the output document or an `ApiError`; each operation is a function in the module named
//! after what it works on (shares, associations, invitations, ...). The domain never sees HTTP
//! and never writes SQL: it talks to `ram_store::Tx`.
//!
//! RAM sits beside AWS Organizations (`ram-organizations`), which it builds on: it reads who is
//! in which organization from it, creates its service-linked role through its IAM, and follows
//! its membership changes as the `MembershipListener` it registers (`org_sharing.rs`).

mod arn;
mod associations;
mod authorization;
mod catalog;
mod config;
mod customer_permissions;
mod decisions;
mod idempotency;
mod invitations;
mod listings;
mod operations;
mod org_sharing;
mod permissions;
mod policies;
mod principal;
mod render;
mod resource_policies;
mod share_permissions;
mod shares;
mod tags;
mod visibility;

pub use arn::Arn;
pub use catalog::{Catalog, ResourceTypeInfo};
pub use config::{Config, Quotas};
pub use decisions::{CheckAccessRequest, CheckAccessResponse, Decision, Grant, IdentityAnswer};
pub use principal::PrincipalKind;
pub use ram_context::{Caller, Clock, Ids, RandomIds, SystemClock};
pub use resource_policies::{PutResourcePolicyRequest, PutResourcePolicyResponse};

use std::sync::Arc;

use ram_context::Context;
use ram_organizations::{Iam, Organizations};
use ram_store::Store;

/// The RAM service: configuration, the shared context (store, injected clock and id source,
/// pagination key), the catalogue, and the Organizations (and IAM) it sits beside.
#[derive(Clone)]
pub struct Ram {
    pub(crate) ctx: Context,
    pub(crate) config: Arc<Config>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) organizations: Organizations,
}

impl Ram {
    /// Builds the service over `store`, creating the pagination-token key on first use (stored, so
    /// every replica over the same database accepts the tokens of every other), with the
    /// Organizations and IAM of the same store, whose membership changes RAM follows.
    pub async fn new(
        store: Store,
        config: Config,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn Ids>,
    ) -> Result<Ram, ram_store::StoreError> {
        let ctx = Context::new(store, clock, ids).await?;
        Ok(Ram {
            organizations: Organizations::new(ctx.clone(), Arc::new(org_sharing::OrgSharing)),
            ctx,
            config: Arc::new(config),
            catalog: Arc::new(Catalog::load()),
        })
    }

    pub fn store(&self) -> &Store {
        self.ctx.store()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// AWS Organizations, over the same store.
    pub fn organizations(&self) -> &Organizations {
        &self.organizations
    }

    /// The IAM calls RAM's clients make, over the same store.
    pub fn iam(&self) -> &Iam {
        self.organizations.iam()
    }

    /// The server's time (the injected clock), in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.ctx.now_ms()
    }
}
