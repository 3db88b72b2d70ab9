use ram_model::ApiError;
use ram_store::StoreError;

/// What an operation can fail with: an answer for the caller, or a store failure that
/// [`Context::with_retries`](crate::Context::with_retries) retries (conflicts) or turns into
/// `ServerInternalException` / `ServiceUnavailableException`.
#[derive(Debug)]
pub enum Failure {
    Api(ApiError),
    Store(StoreError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

pub type Outcome<T> = Result<T, Failure>;
