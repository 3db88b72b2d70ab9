//! RAM's and Organizations' operations called from inside ramd (the seeder, the console): the
//! body is decoded and validated exactly as a request's would be, then `Ram::execute` or
//! `Organizations::execute` serves it for the caller, so these callers can never do or see what
//! the API would not.

use ram_domain::{Caller, Ram};
use ram_model::organizations::{self as org, Operation as OrgOp};
use ram_model::validate::Rules;
use ram_model::{ApiError, ErrorCode, Operation};
use ram_protocol::{json11, rest_json};
use serde_json::{Value, json};

/// An operation of either service.
#[derive(Clone, Copy)]
pub enum Op {
    Ram(Operation),
    Org(OrgOp),
}

#[derive(Clone, Copy)]
pub struct InProcess<'a> {
    pub ram: &'a Ram,
}

impl InProcess<'_> {
    pub async fn call(&self, caller: &Caller, op: Op, body: &Value) -> Result<Value, ApiError> {
        let text = body.to_string();
        let output = match op {
            Op::Ram(op) => {
                let input = rest_json::decode(op, None, text.as_bytes())?;
                self.ram.execute(caller, op, &input).await?
            }
            Op::Org(op) => {
                let rules = Rules::uniform(org::SHAPES, ErrorCode::InvalidInputException);
                let input = json11::decode(&rules, op.input(), text.as_bytes())?;
                self.ram.organizations().execute(caller, op, &input).await?
            }
        };
        Ok(serde_json::from_slice(&output.0).unwrap_or(Value::Null))
    }

    pub async fn ram(
        &self,
        caller: &Caller,
        op: Operation,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.call(caller, Op::Ram(op), body).await
    }

    pub async fn org(&self, caller: &Caller, op: OrgOp, body: &Value) -> Result<Value, ApiError> {
        self.call(caller, Op::Org(op), body).await
    }

    /// Every item of a listing, page after page. RAM names its token `nextToken`,
    /// Organizations `NextToken`.
    pub async fn all(
        &self,
        caller: &Caller,
        op: Op,
        mut body: Value,
        items: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let token = match op {
            Op::Ram(_) => "nextToken",
            Op::Org(_) => "NextToken",
        };
        let mut out = Vec::new();
        loop {
            let page = self.call(caller, op, &body).await?;
            out.extend(page[items].as_array().cloned().unwrap_or_default());
            match page.get(token).and_then(Value::as_str) {
                Some(next) => body[token] = json!(next),
                None => return Ok(out),
            }
        }
    }
}

/// A string member of an output document ("" when absent).
pub fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}
