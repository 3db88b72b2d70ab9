//! RAM's rules. `Ram::execute` takes a validated input document for one operation and answers
//! with the output document or an `ApiError`; each operation is a function in the module named
//! after what it works on (shares, associations, invitations, ...). The domain never sees HTTP
//! and never writes SQL: it talks to `ram_store::Tx`.

mod arn;
mod associations;
mod caller;
mod catalog;
mod clock;
mod config;
mod customer_permissions;
mod decisions;
mod failure;
mod idempotency;
mod invitations;
mod listings;
mod operations;
mod org_sharing;
mod organizations;
mod pagination;
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
pub use caller::Caller;
pub use catalog::{Catalog, ResourceTypeInfo};
pub use clock::{Clock, Ids, RandomIds, SystemClock};
pub use config::{Config, Quotas};
pub use decisions::{CheckAccessRequest, CheckAccessResponse, Decision, Grant};
pub use organizations::{iam_error, organizations_error};
pub use principal::PrincipalKind;
pub use resource_policies::{PutResourcePolicyRequest, PutResourcePolicyResponse};

use std::sync::Arc;

use ram_store::Store;

/// The RAM service: configuration, the store, and the injected clock and id source.
#[derive(Clone)]
pub struct Ram {
    pub(crate) store: Store,
    pub(crate) config: Arc<Config>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn Ids>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) token_key: Arc<Vec<u8>>,
}

impl Ram {
    /// Builds the service over `store`, creating the pagination-token key on first use (stored, so
    /// every replica over the same database accepts the tokens of every other).
    pub async fn new(
        store: Store,
        config: Config,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn Ids>,
    ) -> Result<Ram, ram_store::StoreError> {
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        let mut tx = store.begin().await?;
        let key = tx.init_setting("pagination_token_key", &candidate).await?;
        tx.commit().await?;
        Ok(Ram {
            store,
            config: Arc::new(config),
            clock,
            ids,
            catalog: Arc::new(Catalog::load()),
            token_key: Arc::new(hex::decode(key).unwrap_or_default()),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The server's time (the injected clock), in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
