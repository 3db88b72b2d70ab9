#!/usr/bin/env python3
"""Generates the model crate's code from the botocore models vendored in model/ (the output is
committed):

* crates/ram-model/src/generated.rs from the model of RAM (model/ram/service-2.json), with the one
  ErrorCode enum of every service ramd serves;
* crates/ram-model/src/organizations.rs and iam.rs from the models of AWS Organizations and IAM
  (model/organizations/, model/iam/), restricted to the operations ramd serves (SERVED) and the
  shapes they reach.

Each module has the shapes (the members an operation's input requires are not `Option`s), the
operations, the specs the validator and the wire encoders read, and the service's `Service` trait
(one method per operation) with the `dispatch` function that calls it.

Each model/<service>/SOURCE names the botocore release the model is from and the file's sha256; a
model that does not match its SOURCE is an error. Nothing is read from outside the repository.
`tools/gen_model.py --check` (run by the test command) exits non-zero when an output is stale or
anything it needs (a model, its SOURCE, rustfmt) is missing.
Usage: tools/gen_model.py [--check]
"""
import hashlib
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "model"
MODEL_SRC = ROOT / "crates" / "ram-model" / "src"
OUT = MODEL_SRC / "generated.rs"

# Errors that are not in the model but that every AWS endpoint can return (spec section 1.3).
EXTRA_ERRORS = [
    ("UnknownOperationException", 404),
    ("SerializationException", 400),
    ("ValidationException", 400),
    ("AccessDeniedException", 403),
    ("UnrecognizedClientException", 403),
    ("InvalidSignatureException", 403),
    ("IncompleteSignatureException", 400),
    ("MissingAuthenticationTokenException", 403),
    ("InvalidClientTokenId", 403),
    ("AccessDenied", 403),
    ("RequestEntityTooLargeException", 413),
    ("RequestTimeoutException", 408),
]

# The operations ramd serves of the other services, by botocore service name; the generated module
# holds their shapes (and those they reach) and their errors join ErrorCode.
SERVED = {
    "organizations": [
        "AcceptHandshake", "AttachPolicy", "CancelHandshake", "CreateAccount", "CreateOrganization",
        "CreatePolicy", "DeletePolicy", "DescribePolicy", "DetachPolicy", "DisablePolicyType",
        "EnablePolicyType", "ListPolicies", "ListPoliciesForTarget", "ListTargetsForPolicy",
        "UpdatePolicy",
        "CreateOrganizationalUnit", "DeclineHandshake", "DeleteOrganization",
        "DeleteOrganizationalUnit", "DescribeAccount", "DescribeCreateAccountStatus",
        "DescribeHandshake", "DescribeOrganization", "DescribeOrganizationalUnit",
        "DisableAWSServiceAccess", "EnableAWSServiceAccess", "InviteAccountToOrganization",
        "LeaveOrganization", "ListAWSServiceAccessForOrganization", "ListAccounts",
        "ListAccountsForParent", "ListChildren", "ListCreateAccountStatus",
        "ListHandshakesForAccount", "ListHandshakesForOrganization",
        "ListOrganizationalUnitsForParent", "ListParents", "ListRoots", "ListTagsForResource",
        "MoveAccount", "RemoveAccountFromOrganization", "TagResource", "UntagResource",
        "UpdateOrganizationalUnit",
    ],
    "cloudtrail": ["LookupEvents"],
    "iam": [
        "AttachRolePolicy", "AttachUserPolicy", "CreateAccessKey", "CreatePolicy",
        "CreatePolicyVersion", "CreateRole", "CreateServiceLinkedRole", "CreateUser",
        "DeleteAccessKey", "DeletePolicy", "DeletePolicyVersion", "DeleteRole",
        "DeleteRolePolicy", "DeleteServiceLinkedRole", "DeleteUser", "DeleteUserPolicy",
        "DetachRolePolicy", "DetachUserPolicy", "GetPolicy", "GetPolicyVersion", "GetRole",
        "GetRolePolicy", "GetServiceLinkedRoleDeletionStatus", "GetUser", "GetUserPolicy",
        "ListAccessKeys", "ListAttachedRolePolicies", "ListAttachedUserPolicies",
        "ListGroupsForUser", "ListInstanceProfilesForRole", "ListPolicies", "ListPolicyVersions",
        "ListRolePolicies", "ListRoles", "ListUserPolicies", "ListUsers", "PutRolePolicy",
        "PutUserPolicy", "SetDefaultPolicyVersion",
    ],
}

# Statuses the models leave out. Organizations declares no httpStatusCode (so the JSON default, 400,
# applies) except that its internal error is a server fault; an unknown X-Amz-Target is 400 in JSON 1.1,
# and so are the authentication failures (as the JSON 1.x services, DynamoDB's among them, answer them;
# RAM's restJson1 answers them 403).
STATUS_DEFAULTS = {"ServiceException": 500}
PROTOCOL_STATUS = {"json": {
    "UnknownOperationException": 400,
    "UnrecognizedClientException": 400,
    "InvalidSignatureException": 400,
    "MissingAuthenticationTokenException": 400,
    "IncompleteSignatureException": 400,
}}

# Errors of the query protocol (IAM, STS) that no operation declares.
QUERY_ERRORS = [
    ("ValidationError", 400),
    ("InvalidAction", 400),
    ("Throttling", 400),
    ("MissingAuthenticationToken", 403),
    ("SignatureDoesNotMatch", 403),
    ("IncompleteSignature", 400),
]


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = s.lower()
    return "r#type" if s == "type" else s


def variant(value):
    if value == "SELF":
        return "Self_"
    return "".join(p.capitalize() for p in re.split(r"[-_ ]", value.lower()) if p)


def rust_type(shapes, name):
    s = shapes[name]
    t = s["type"]
    if t == "string":
        return name if "enum" in s else "String"
    if t == "integer":
        return "i32"
    if t == "boolean":
        return "bool"
    if t == "timestamp":
        return "Timestamp"
    if t == "list":
        return f"Vec<{rust_type(shapes, s['member']['shape'])}>"
    if t == "structure":
        return name
    raise ValueError(f"unsupported shape type {t} for {name}")


def rust_str(s):
    return json.dumps(s)


# Values a service accepts beyond its model's enum: the spellings its documentation uses (RAM's
# ListPermissions documents permissionType AWS / LOCAL / ALL while the enum says AWS_MANAGED /
# CUSTOMER_MANAGED, and the service's own message names AWS and LOCAL). shape -> {alias: value}.
ENUM_ALIASES = {
    "PermissionTypeFilter": {"AWS": "AWS_MANAGED", "LOCAL": "CUSTOMER_MANAGED"},
}


def emit_enums(out, shapes, names):
    for name in names:
        s = shapes[name]
        if s["type"] != "string" or "enum" not in s:
            continue
        out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]")
        out.append(f"pub enum {name} {{")
        aliases = ENUM_ALIASES.get(name, {})
        for v in s["enum"]:
            extra = "".join(f", alias = {rust_str(a)}" for a, target in aliases.items() if target == v)
            out.append(f"    #[serde(rename = {rust_str(v)}{extra})]")
            out.append(f"    {variant(v)},")
        out.append("}")
        out.append(f"impl {name} {{")
        out.append(f"    pub const ALL: &'static [{name}] = &[{', '.join(f'{name}::{variant(v)}' for v in s['enum'])}];")
        out.append("    pub fn as_str(self) -> &'static str {")
        out.append("        match self {")
        for v in s["enum"]:
            out.append(f"            {name}::{variant(v)} => {rust_str(v)},")
        out.append("        }")
        out.append("    }")
        out.append("    pub fn parse(value: &str) -> Option<Self> {")
        if aliases:
            out.append("        let value = match value {")
            for a, target in aliases.items():
                out.append(f"            {rust_str(a)} => {rust_str(target)},")
            out.append("            other => other,")
            out.append("        };")
        out.append("        Self::ALL.iter().copied().find(|v| v.as_str() == value)")
        out.append("    }")
        out.append("}")
        out.append("")


def emit_structs(out, shapes, names, inputs):
    """Structures (errors are represented by ErrorCode, not by structs). In an operation's input
    structure (`inputs`), a member the shape requires is its plain type: the validator has already
    rejected a document without it. Every other member, and every member of any other structure
    (outputs, and the structures inputs and outputs share), is an `Option`."""
    for name in names:
        s = shapes[name]
        if s["type"] != "structure" or s.get("exception"):
            continue
        required = required_members(shapes, name, inputs)
        default = " Default," if has_default(shapes, name, inputs) else ""
        out.append(f"#[derive(Debug, Clone,{default} PartialEq, Serialize, Deserialize)]")
        out.append(f"pub struct {name} {{")
        for mname, m in s.get("members", {}).items():
            if mname in required:
                out.append(f"    #[serde(rename = {rust_str(mname)})]")
                out.append(f"    pub {snake(mname)}: {rust_type(shapes, m['shape'])},")
            else:
                out.append(f"    #[serde(rename = {rust_str(mname)}, default, skip_serializing_if = \"Option::is_none\")]")
                out.append(f"    pub {snake(mname)}: Option<{rust_type(shapes, m['shape'])}>,")
        out.append("}")
        out.append("")


def required_members(shapes, name, inputs):
    """The members of structure `name` that are plain types: those an input requires."""
    return set(shapes[name].get("required", [])) if name in inputs else set()


def has_default(shapes, name, inputs):
    """Whether the Rust type of shape `name` has a Default: an enum has none, and so has a
    structure with a plain member whose type has none."""
    s = shapes[name]
    if s["type"] == "string":
        return "enum" not in s
    if s["type"] == "structure":
        return all(has_default(shapes, s["members"][m]["shape"], inputs)
                   for m in required_members(shapes, name, inputs))
    return True


def input_shapes(model, operations):
    """The names of the operations' input structures."""
    ops = model["operations"]
    return {ops[name]["input"]["shape"] for name in operations if "input" in ops[name]}


def emit_service(out, title, model, operations, variants, module=None):
    """The service's trait, one method per operation, and the dispatch from `Operation` to it."""
    ops = model["operations"]
    out.append(f"/// The operations of {title} that ramd serves, one method each.")
    out.append("/// [`dispatch`] calls the operation's method with its typed input; a method answers the typed")
    out.append("/// output (`()` for an operation without one) or the implementation's `Error`.")
    out.append("pub trait Service {")
    out.append("    /// Who calls an operation.")
    out.append("    type Caller;")
    out.append("    /// What an operation fails with; an input document serde can't read is an `ApiError`.")
    out.append("    type Error: From<crate::ApiError>;")
    out.append("")
    for name in operations:
        op = ops[name]
        params = ["&self", "caller: &Self::Caller"]
        if "input" in op:
            params.append(f"input: {op['input']['shape']}")
        result = op["output"]["shape"] if "output" in op else "()"
        out.append(f"    fn {snake(name)}({', '.join(params)}) -> impl Future<Output = Result<{result}, Self::Error>> + Send;")
    out.append("}")
    out.append("")
    out.append("/// Runs `operation` for `caller` on `service`: the typed input from the document `input` (which")
    out.append("/// has passed the validator), the operation's method, its output in the form the protocol")
    out.append("/// writes (`Output::none` for an operation without output).")
    out.append("pub async fn dispatch<S: Service, D: Output>(")
    out.append("    service: &S,")
    out.append("    caller: &S::Caller,")
    out.append("    operation: Operation,")
    out.append("    input: &serde_json::Value,")
    out.append(") -> Result<D, S::Error> {")
    out.append("    match operation {")
    for name in operations:
        op = ops[name]
        args = "caller, typed(input)?" if "input" in op else "caller"
        call = f"service.{snake(name)}({args}).await?"
        out.append(f"        Operation::{variants[name]} => {{")
        if "output" in op:
            out.append(f"            let output = {call};")
            out.append("            Ok(D::of(&output)?)")
        else:
            out.append(f"            {call};")
            out.append("            Ok(D::none())")
        out.append("        }")
    out.append("    }")
    out.append("}")
    out.append("")
    out.append("/// Reads `input` as `operation`'s typed request without serving it: the first step of")
    out.append("/// [`dispatch`], so a check (the fuzz targets) can hold that every document the validator")
    out.append("/// passes also reads.")
    out.append("pub fn read_input(operation: Operation, input: &serde_json::Value) -> Result<(), crate::ApiError> {")
    out.append("    match operation {")
    for name in operations:
        op = ops[name]
        read = f"typed::<{op['input']['shape']}>(input).map(drop)" if "input" in op else "{ let _ = input; Ok(()) }"
        out.append(f"        Operation::{variants[name]} => {read},")
    out.append("    }")
    out.append("}")
    out.append("")
    path = "$crate::" + (f"{module}::" if module else "")
    macro = f"serve_{module or 'ram'}"
    out.append(f"/// Implements [`Service`] for a type whose inherent async methods of the operations' names serve")
    out.append(f"/// them (`fn op(&self, &Caller, OpRequest) -> Result<OpResponse, Error>`), so each operation is one")
    out.append(f"/// function and the list of operations is written only here: `{macro}!(Type, Caller, Error);`.")
    out.append("#[macro_export]")
    out.append(f"macro_rules! {macro} {{")
    out.append("    ($ty:ty, $caller:ty, $error:ty) => {")
    out.append(f"        impl {path}Service for $ty {{")
    out.append("            type Caller = $caller;")
    out.append("            type Error = $error;")
    for name in operations:
        op = ops[name]
        fn = snake(name)
        params = ["&self", "caller: &$caller"]
        args = ["self", "caller"]
        if "input" in op:
            params.append(f"input: {path}{op['input']['shape']}")
            args.append("input")
        result = f"{path}{op['output']['shape']}" if "output" in op else "()"
        out.append(f"            async fn {fn}({', '.join(params)}) -> ::std::result::Result<{result}, $error> {{")
        out.append(f"                <$ty>::{fn}({', '.join(args)}).await")
        out.append("            }")
    out.append("        }")
    out.append("    };")
    out.append("}")
    out.append("")


def emit_shape_specs(out, shapes, names):
    """Shape specs used by the generic validator (and the query protocol's XML encoder)."""
    out.append("pub static SHAPES: &[ShapeSpec] = &[")
    for name in names:
        s = shapes[name]
        if s.get("exception"):
            continue
        t = s["type"]
        if t == "structure":
            required = set(s.get("required", []))
            members = []
            for mname, m in s.get("members", {}).items():
                loc = "Location::Query" if m.get("location") == "querystring" else "Location::Body"
                members.append(
                    f"MemberSpec {{ name: {rust_str(mname)}, shape: {rust_str(m['shape'])}, "
                    f"required: {str(mname in required).lower()}, location: {loc} }}"
                )
            kind = "Kind::Structure(&[" + ", ".join(members) + "])"
        elif t == "list":
            kind = f"Kind::List({rust_str(s['member']['shape'])})"
        elif t == "string":
            accepted = s.get("enum", []) + list(ENUM_ALIASES.get(name, {}))
            enum = "None" if "enum" not in s else "Some(&[" + ", ".join(rust_str(v) for v in accepted) + "])"
            pattern = "None" if "pattern" not in s else f"Some({rust_str(s['pattern'])})"
            kind = (
                f"Kind::String {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))}, "
                f"pattern: {pattern}, values: {enum} }}"
            )
        elif t in ("integer", "long"):
            kind = f"Kind::Integer {{ min: {opt(s.get('min'))}, max: {opt(s.get('max'))} }}"
        elif t == "boolean":
            kind = "Kind::Boolean"
        elif t == "timestamp":
            kind = "Kind::Timestamp"
        else:
            raise ValueError(t)
        out.append(f"    ShapeSpec {{ name: {rust_str(name)}, kind: {kind} }},")
    out.append("];")
    out.append("")


HEADER = [
    "#![allow(clippy::all, clippy::pedantic)]",
    "",
    "use serde::{Deserialize, Serialize};",
    "",
    "use crate::Timestamp;",
    "use crate::documents::{Output, typed};",
]


def generate(model, all_errors):
    shapes = model["shapes"]
    out = [
        f"// @generated by tools/gen_model.py from model/ram/service-2.json (botocore's model of {model['metadata']['serviceFullName']}).",
        "// Do not edit by hand.",
        *HEADER,
        "use crate::spec::{Kind, Location, MemberSpec, OperationSpec, ShapeSpec};",
        "",
    ]
    names = sorted(shapes)
    ops = model["operations"]
    emit_enums(out, shapes, names)
    emit_structs(out, shapes, names, input_shapes(model, ops))
    emit_shape_specs(out, shapes, names)

    # Operations.
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]")
    out.append("pub enum Operation {")
    for name in ops:
        out.append(f"    {name},")
    out.append("}")
    out.append("")
    out.append("pub static OPERATIONS: &[OperationSpec] = &[")
    for name, op in ops.items():
        errs = ", ".join(f"ErrorCode::{e}" for e in dict.fromkeys(e["shape"] for e in op.get("errors", [])))
        out.append(
            f"    OperationSpec {{ operation: Operation::{name}, name: {rust_str(name)}, "
            f"method: {rust_str(op['http']['method'])}, path: {rust_str(op['http']['requestUri'])}, "
            f"input: {rust_str(op['input']['shape'])}, errors: &[{errs}] }},"
        )
    out.append("];")
    out.append("")
    emit_service(out, model["metadata"]["serviceFullName"], model, list(ops), {name: name for name in ops})

    # Error codes.
    out.append("/// Every error code ramd can put on the wire: RAM's error shapes, the common AWS ones, then")
    out.append("/// those of the other services ramd serves (Organizations, IAM, the query protocol).")
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]")
    out.append("pub enum ErrorCode {")
    for e, _ in all_errors:
        out.append(f"    {e},")
    out.append("}")
    out.append("impl ErrorCode {")
    out.append("    pub const ALL: &'static [ErrorCode] = &[" + ", ".join(f"ErrorCode::{e}" for e, _ in all_errors) + "];")
    out.append("    pub fn as_str(self) -> &'static str {")
    out.append("        match self {")
    for e, _ in all_errors:
        out.append(f"            ErrorCode::{e} => {rust_str(e)},")
    out.append("        }")
    out.append("    }")
    out.append("    pub fn status(self) -> u16 {")
    out.append("        match self {")
    for e, st in all_errors:
        out.append(f"            ErrorCode::{e} => {st},")
    out.append("        }")
    out.append("    }")
    out.append("}")
    out.append("")
    return "\n".join(out)


def ram_errors(model):
    shapes = model["shapes"]
    errors = sorted(n for n, s in shapes.items() if s["type"] == "structure" and s.get("exception"))
    return [(e, shapes[e]["error"]["httpStatusCode"]) for e in errors] + EXTRA_ERRORS


def service_errors(model, operations):
    """(wire code, HTTP status) of every error the served operations declare, sorted by code."""
    found = {}
    for op in operations:
        for e in model["operations"][op].get("errors", []):
            err = model["shapes"][e["shape"]].get("error", {})
            code = err.get("code", e["shape"])
            found.setdefault(code, err.get("httpStatusCode", STATUS_DEFAULTS.get(code, 400)))
    return sorted(found.items())


def reachable(model, operations):
    """The shapes the operations' inputs and outputs reach, sorted by name."""
    shapes, seen = model["shapes"], set()

    def walk(name):
        if name in seen or shapes[name].get("exception"):
            return
        seen.add(name)
        s = shapes[name]
        for m in s.get("members", {}).values():
            walk(m["shape"])
        if "member" in s:
            walk(s["member"]["shape"])

    for op in operations:
        for end in ("input", "output"):
            if end in model["operations"][op]:
                walk(model["operations"][op][end]["shape"])
    return sorted(seen)


def generate_service(service, model, operations):
    """A module with the shapes, operations and error statuses of the served part of a service."""
    shapes, title = model["shapes"], model["metadata"]["serviceFullName"]
    names = reachable(model, operations)
    out = [
        f"// @generated by tools/gen_model.py from model/{service}/service-2.json (botocore's model of {title}).",
        "// Do not edit by hand.",
        f"//! {title}: the shapes of the operations ramd serves, their specs (for the validator and",
        "//! the wire encoders) and the HTTP status of each error in this service's model.",
        *HEADER,
        "use crate::ErrorCode;",
        "use crate::spec::{Kind, Location, MemberSpec, ShapeSpec};",
        "",
    ]
    emit_enums(out, shapes, names)
    emit_structs(out, shapes, names, input_shapes(model, operations))
    emit_shape_specs(out, shapes, names)

    ops = {name: model["operations"][name] for name in operations}
    variants = {name: name.replace("AWS", "Aws") for name in ops}
    out.append("/// The operations of this service ramd serves.")
    out.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]")
    out.append("pub enum Operation {")
    for name in ops:
        out.append(f"    {variants[name]},")
    out.append("}")
    out.append("impl Operation {")
    out.append("    pub const ALL: &'static [Operation] = &[" + ", ".join(f"Operation::{v}" for v in variants.values()) + "];")
    out.append("    /// The operation's name on the wire (`X-Amz-Target` suffix or `Action`).")
    out.append("    pub fn name(self) -> &'static str {")
    out.append("        match self {")
    for name in ops:
        out.append(f"            Operation::{variants[name]} => {rust_str(name)},")
    out.append("        }")
    out.append("    }")
    out.append("    pub fn parse(name: &str) -> Option<Self> {")
    out.append("        Self::ALL.iter().copied().find(|o| o.name() == name)")
    out.append("    }")
    for end, doc in (("input", "The input structure, if the operation takes one."),
                     ("output", "The output structure, if the operation answers one.")):
        out.append(f"    /// {doc}")
        out.append(f"    pub fn {end}(self) -> Option<&'static str> {{")
        out.append("        match self {")
        for name, op in ops.items():
            value = f"Some({rust_str(op[end]['shape'])})" if end in op else "None"
            out.append(f"            Operation::{variants[name]} => {value},")
        out.append("        }")
        out.append("    }")
    out.append("    /// The errors the model declares for the operation.")
    out.append("    pub fn errors(self) -> &'static [ErrorCode] {")
    out.append("        match self {")
    for name, op in ops.items():
        codes = dict.fromkeys(
            model["shapes"][e["shape"]].get("error", {}).get("code", e["shape"]) for e in op.get("errors", [])
        )
        out.append(f"            Operation::{variants[name]} => &[{', '.join(f'ErrorCode::{c}' for c in codes)}],")
    out.append("        }")
    out.append("    }")
    out.append("}")
    out.append("")

    statuses = dict(service_errors(model, operations))
    statuses.update(PROTOCOL_STATUS.get(model["metadata"]["protocol"], {}))
    out.append("/// The HTTP status of `code` as this service answers it: its model's status for its own errors")
    out.append("/// (the same code may have another in another service), the code's own status otherwise.")
    out.append("pub fn error_status(code: ErrorCode) -> u16 {")
    out.append("    match code {")
    for code, status in sorted(statuses.items()):
        out.append(f"        ErrorCode::{code} => {status},")
    out.append("        other => other.status(),")
    out.append("    }")
    out.append("}")
    out.append("")
    emit_service(out, title, model, operations, variants, service)
    return "\n".join(out)


def opt(v):
    return "None" if v is None else f"Some({v})"


class Missing(Exception):
    """Something the generator needs is missing or is not what it should be."""


def rustfmt(text):
    """Formats the output as `cargo fmt` would, so that the two never disagree."""
    try:
        done = subprocess.run(
            ["rustfmt", "--edition", "2024", "--emit", "stdout", "--quiet"],
            input=text, capture_output=True, text=True, cwd=ROOT,
        )
    except FileNotFoundError:
        raise Missing("rustfmt is not installed (rustup component add rustfmt)") from None
    if done.returncode != 0:
        raise Missing(f"rustfmt failed on the generated code:\n{done.stderr}")
    return done.stdout


def source_digest(source):
    """The sha256 a model/<service>/SOURCE pins (its `sha256:` line)."""
    for line in source.read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "sha256":
            return value.strip()
    raise Missing(f"{source.relative_to(ROOT)} has no sha256: line")


def vendored_model(service):
    """The vendored model of `service` (model/<service>/service-2.json), checked against the
    sha256 its SOURCE pins."""
    path, source = MODELS / service / "service-2.json", MODELS / service / "SOURCE"
    for needed in (path, source):
        if not needed.is_file():
            raise Missing(f"{needed.relative_to(ROOT)} is missing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source_digest(source):
        raise Missing(
            f"{path.relative_to(ROOT)} (sha256 {digest}) is not the file "
            f"{source.relative_to(ROOT)} names: vendor the model again and update its SOURCE"
        )
    return type_names(json.loads(data))


def type_names(model):
    """The model with every shape named as a Rust type is (IAM names a few in lower camel case,
    e.g. `statusType`): the first letter capitalised, in the shapes and every reference to them."""
    renames = {n: n[0].upper() + n[1:] for n in model["shapes"] if n[0].islower()}
    if not renames:
        return model

    def walk(v):
        if isinstance(v, dict):
            return {k: (renames.get(x, x) if k == "shape" and isinstance(x, str) else walk(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    model = walk(model)
    model["shapes"] = {renames.get(n, n): s for n, s in model["shapes"].items()}
    return model


def outputs():
    """{path: text} of every generated file."""
    ram = vendored_model("ram")
    others = {service: vendored_model(service) for service in SERVED}
    all_errors = ram_errors(ram)
    known = {e for e, _ in all_errors}
    for service, operations in SERVED.items():
        for code, status in service_errors(others[service], operations):
            if code not in known:
                known.add(code)
                all_errors.append((code, status))
    all_errors += [(e, st) for e, st in QUERY_ERRORS if e not in known]
    texts = {OUT: generate(ram, all_errors)}
    for service, operations in SERVED.items():
        texts[MODEL_SRC / f"{service}.rs"] = generate_service(service, others[service], operations)
    return {path: rustfmt(text) for path, text in texts.items()}


def main():
    unknown = [a for a in sys.argv[1:] if a != "--check"]
    if unknown:
        sys.exit(f"usage: tools/gen_model.py [--check] (unexpected {' '.join(unknown)})")
    try:
        texts = outputs()
    except Missing as e:
        sys.exit(f"tools/gen_model.py: {e}")
    if "--check" in sys.argv:
        stale = [p for p, text in texts.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p.relative_to(ROOT)} is stale: run tools/gen_model.py", file=sys.stderr)
        if stale:
            sys.exit(1)
        return
    for path, text in texts.items():
        path.write_text(text)


if __name__ == "__main__":
    main()
