#!/usr/bin/env python3
"""Generates the model crate's code from botocore models (the output is committed):

* crates/ram-model/src/generated.rs from the model of RAM (../shared/aws-model/ram/service-2.json),
  with the one ErrorCode enum of every service ramd serves;
* crates/ram-model/src/organizations.rs and iam.rs from botocore's installed models of AWS
  Organizations and IAM, restricted to the operations ramd serves (SERVED) and the shapes they reach.

`tools/gen_model.py --check` (run by the test command) fails when an output is stale; it skips with a
note when botocore is not importable (the Organizations and IAM models come from it).
Usage: tools/gen_model.py [--check] [path/to/ram/service-2.json]
"""
import gzip
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT.parent / "shared" / "aws-model" / "ram" / "service-2.json"
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
    ("RequestEntityTooLargeException", 413),
]

# The operations ramd serves of the other services, by botocore service name; the generated module
# holds their shapes (and those they reach) and their errors join ErrorCode.
SERVED = {
    "organizations": [
        "AcceptHandshake", "CancelHandshake", "CreateAccount", "CreateOrganization",
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
    "iam": [
        "CreateServiceLinkedRole", "DeleteServiceLinkedRole", "GetRole",
        "GetServiceLinkedRoleDeletionStatus",
    ],
}

# Statuses the models leave out. Organizations declares no httpStatusCode (so the JSON default, 400,
# applies) except that its internal error is a server fault; an unknown X-Amz-Target is 400 in JSON 1.1.
STATUS_DEFAULTS = {"ServiceException": 500}
PROTOCOL_STATUS = {"json": {"UnknownOperationException": 400}}

# Errors of the query protocol (IAM, STS) that no operation declares.
QUERY_ERRORS = [
    ("ValidationError", 400),
    ("InvalidAction", 400),
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


def emit_structs(out, shapes, names):
    """Structures (errors are represented by ErrorCode, not by structs)."""
    for name in names:
        s = shapes[name]
        if s["type"] != "structure" or s.get("exception"):
            continue
        out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]")
        out.append(f"pub struct {name} {{")
        for mname, m in s.get("members", {}).items():
            out.append(f"    #[serde(rename = {rust_str(mname)}, default, skip_serializing_if = \"Option::is_none\")]")
            out.append(f"    pub {snake(mname)}: Option<{rust_type(shapes, m['shape'])}>,")
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
]


def generate(model, all_errors):
    shapes = model["shapes"]
    out = [
        "// @generated by tools/gen_model.py from the botocore model of RAM. Do not edit by hand.",
        *HEADER,
        "use crate::spec::{Kind, Location, MemberSpec, OperationSpec, ShapeSpec};",
        "",
    ]
    names = sorted(shapes)
    emit_enums(out, shapes, names)
    emit_structs(out, shapes, names)
    emit_shape_specs(out, shapes, names)

    # Operations.
    ops = model["operations"]
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
        f"// @generated by tools/gen_model.py from botocore's model of {title}. Do not edit by hand.",
        f"//! {title}: the shapes of the operations ramd serves, their specs (for the validator and",
        "//! the wire encoders) and the HTTP status of each error in this service's model.",
        *HEADER,
        "use crate::ErrorCode;",
        "use crate::spec::{Kind, Location, MemberSpec, ShapeSpec};",
        "",
    ]
    emit_enums(out, shapes, names)
    emit_structs(out, shapes, names)
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
    return "\n".join(out)


def opt(v):
    return "None" if v is None else f"Some({v})"


def rustfmt(text):
    """Formats the output as `cargo fmt` would, so that the two never disagree."""
    done = subprocess.run(
        ["rustfmt", "--edition", "2024", "--emit", "stdout", "--quiet"],
        input=text, capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return done.stdout


def botocore_model(service):
    """botocore's newest model of `service`, or None when botocore is not importable."""
    try:
        import botocore
    except ImportError:
        return None
    root = pathlib.Path(botocore.__file__).parent / "data" / service
    version = sorted(p.name for p in root.iterdir() if p.is_dir())[-1]
    with gzip.open(root / version / "service-2.json.gz", "rt") as f:
        return json.load(f)


def outputs(ram_model_path):
    """{path: text} of every generated file, or None when botocore is missing."""
    ram = json.loads(ram_model_path.read_text())
    others = {service: botocore_model(service) for service in SERVED}
    if any(m is None for m in others.values()):
        return None
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model_path = pathlib.Path(args[0]) if args else DEFAULT_MODEL
    texts = outputs(model_path)
    if texts is None:
        print("tools/gen_model.py: botocore is not importable; skipping the model check "
              "(the Organizations and IAM models come from it)", file=sys.stderr)
        return
    if "--check" in sys.argv:
        stale = [p for p, text in texts.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p} is stale: run tools/gen_model.py", file=sys.stderr)
        if stale:
            sys.exit(1)
        return
    for path, text in texts.items():
        path.write_text(text)


if __name__ == "__main__":
    main()
