//! The RAM wire contract. Shapes, enums, operations, error codes, the `Service` trait (one method
//! per operation) and its `dispatch` are generated from the vendored `model/ram/service-2.json` by
//! `tools/gen_model.py` (see `generated.rs`); this crate adds the hand-written pieces every layer
//! shares: the error type, timestamps and the input validator. The served parts of AWS
//! Organizations and IAM are generated alike into their own modules (`organizations`, `iam`), each
//! with its own `Service` and `dispatch`; their error codes are in the one `ErrorCode`.

pub mod cloudtrail;
mod documents;
mod error;
mod generated;
pub mod iam;
pub mod organizations;
pub mod spec;
mod timestamp;
pub mod validate;

pub use documents::{Json, Output};
pub use error::ApiError;
pub use generated::*;
pub use timestamp::Timestamp;

impl Operation {
    pub fn spec(self) -> &'static spec::OperationSpec {
        OPERATIONS
            .iter()
            .find(|s| s.operation == self)
            .expect("every operation has a generated spec")
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }
}
