//! Types of the generated tables that describe the model at run time.

use crate::{ErrorCode, Operation};

pub struct OperationSpec {
    pub operation: Operation,
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub input: &'static str,
    pub errors: &'static [ErrorCode],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Body,
    Query,
}

pub struct MemberSpec {
    pub name: &'static str,
    pub shape: &'static str,
    pub required: bool,
    pub location: Location,
}

pub enum Kind {
    Structure(&'static [MemberSpec]),
    List(&'static str),
    String {
        min: Option<usize>,
        max: Option<usize>,
        pattern: Option<&'static str>,
        values: Option<&'static [&'static str]>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Timestamp,
}

pub struct ShapeSpec {
    pub name: &'static str,
    pub kind: Kind,
}

/// A shape of RAM's model.
pub fn shape(name: &str) -> &'static ShapeSpec {
    shape_in(crate::SHAPES, name)
}

/// A shape of the model whose table is `shapes` (`crate::SHAPES`, `crate::organizations::SHAPES`, ...).
pub fn shape_in(shapes: &'static [ShapeSpec], name: &str) -> &'static ShapeSpec {
    shapes
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("shape {name} is not in the model"))
}
