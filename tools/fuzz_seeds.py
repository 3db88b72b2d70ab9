#!/usr/bin/env python3
"""Writes the hand-made seeds of ramd's fuzz targets into fuzz/seeds/<target>/seed-*.

Seeds start the fuzzer from inputs that reach deep (a valid body for every operation, requests
signed for real, tokens sealed with the target's key); what the fuzzer then keeps is committed
in fuzz/corpus/<target>/ (which `cargo fuzz cmin` rewrites; the seeds stay as written). The formats are those of crates/ramd-fuzz/src/input.rs. Needs botocore (the test
suite's .venv) for the signed requests. Usage: .venv/bin/python tools/fuzz_seeds.py
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "fuzz" / "seeds"
SIGV4_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # ramd_fuzz::targets::SIGV4_SECRET
PAGE_KEY = b"ramd-fuzz page token key"  # the page_token target's key
ACCOUNT = "111111111111"


def write(target: str, name: str, data: bytes | str) -> None:
    out = SEEDS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / f"seed-{name}").write_bytes(data.encode() if isinstance(data, str) else data)


def served_order(path: str, pattern: str) -> list[str]:
    """The operations in the order the generated code lists them (a target's first byte picks one)."""
    return re.findall(pattern, (ROOT / path).read_text())


def example(model: dict, shape_name: str, member: str, depth: int = 0, required_only: bool = False):
    """A plausible value of a shape, by its type and the member's name."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    low = member.lower()
    if kind == "structure":
        members = shape.get("members", {})
        keep = shape.get("required", []) if required_only else list(members)
        if depth > 3:
            keep = shape.get("required", [])
        return {m: example(model, members[m]["shape"], m, depth + 1, required_only) for m in keep}
    if kind == "list":
        return [example(model, shape["member"]["shape"], member.rstrip("s"), depth + 1, required_only)]
    if kind == "map":
        return {"team": example(model, shape["value"]["shape"], "value", depth + 1)}
    if kind in ("integer", "long"):
        return 5
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 1764547200
    if "enum" in shape:
        return shape["enum"][0]
    if "permissionarn" in low:
        return "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"
    if "invitationarn" in low:
        return f"arn:aws:ram:us-east-1:{ACCOUNT}:resource-share-invitation/2f1b3c4d-1111-2222-3333-444455556666"
    if "sharearn" in low:
        return f"arn:aws:ram:us-east-1:{ACCOUNT}:resource-share/7c3b9f2e-1111-2222-3333-444455556666"
    if "principal" in low:
        return "222222222222"
    if "arn" in low or low == "resource":
        return f"arn:aws:ec2:us-east-1:{ACCOUNT}:transit-gateway/tgw-0123456789abcdef0"
    if low in ("policytemplate", "policy"):
        return json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets"]})
    if "token" in low:
        return "3f2b1a00-1111-2222-3333-444455556666"
    if "resourcetype" in low:
        return "ec2:TransitGateway"
    if "email" in low:
        return "member@example.com"
    if low.endswith("id") and "account" in low:
        return "222222222222"
    return "seed-value"


def rest_json_seeds() -> None:
    model = json.loads((ROOT / "model/ram/service-2.json").read_text())
    names = served_order("crates/ram-model/src/generated.rs", r'operation: Operation::\w+,\s*name: "(\w+)"')
    for i, name in enumerate(names):
        op = model["operations"][name]
        if "input" not in op:
            continue
        for variant, required_only in (("full", False), ("required", True)):
            body = example(model, op["input"]["shape"], "", required_only=required_only)
            write("rest_json", f"{name}-{variant}", bytes([i]) + b"\n" + json.dumps(body).encode())
    # Query-string members, as DELETE and some GET calls send them.
    delete = names.index("DeleteResourceShare")
    arn = example(model, "String", "resourceShareArn")
    write("rest_json", "DeleteResourceShare-query", bytes([delete]) + f"resourceShareArn={arn}&clientToken=t\n".encode())


def organizations_seeds() -> None:
    model = json.loads((ROOT / "model/organizations/service-2.json").read_text())
    text = (ROOT / "crates/ram-model/src/organizations.rs").read_text()
    block = text[text.index("impl Operation {"):]
    block = block[: block.index("];")]
    names = re.findall(r"Operation::(\w+),", block)
    for i, variant in enumerate(names):
        name = next(n for n in model["operations"] if n.replace("AWS", "Aws") == variant or n == variant)
        op = model["operations"][name]
        body = example(model, op["input"]["shape"], "") if "input" in op else {}
        write("organizations", name, bytes([i]) + json.dumps(body).encode())


def query_seeds() -> None:
    write("query", "GetRole", "Action=GetRole&Version=2010-05-08&RoleName=AWSServiceRoleForResourceAccessManager")
    write("query", "CreateServiceLinkedRole",
          "Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=ram.amazonaws.com&Description=seed")
    write("query", "DeleteServiceLinkedRole",
          "Action=DeleteServiceLinkedRole&Version=2010-05-08&RoleName=AWSServiceRoleForResourceAccessManager")
    write("query", "GetServiceLinkedRoleDeletionStatus",
          "Action=GetServiceLinkedRoleDeletionStatus&Version=2010-05-08&DeletionTaskId=task%2F1")
    write("query", "GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15")
    write("query", "list-members", "Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=x"
          "&Tags.member.1.Key=team&Tags.member.1.Value=net&CustomSuffix=%E2%9C%93")


def raw(req: AWSRequest) -> bytes:
    prepared = req.prepare()
    path, _, query = prepared.url.partition("ramd.local")[2].partition("?")
    line = f"{prepared.method} {path or '/'}" + (f"?{query}" if query else "")
    headers = "host: ramd.local\n" + "".join(f"{k}: {v}\n" for k, v in prepared.headers.items())
    body = prepared.body or b""
    return f"{line}\n{headers}\n".encode() + (body if isinstance(body, bytes) else body.encode())


def sigv4_seeds() -> None:
    creds = Credentials("AKIAFUZZEXAMPLE00001", SIGV4_SECRET)
    body = json.dumps({"resourceOwner": "SELF", "maxResults": 5})
    req = AWSRequest("POST", "http://ramd.local/getresourceshares", data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(creds, "ram", "us-east-1").add_auth(req)
    write("sigv4", "header-signed", raw(req))
    req = AWSRequest("DELETE", "http://ramd.local/deleteresourceshare?resourceShareArn=arn%3Aaws%3Aram%3Aus-east-1"
                     "%3A111111111111%3Aresource-share%2Fx&clientToken=a%20b")
    SigV4Auth(Credentials("AKIAFUZZEXAMPLE00001", SIGV4_SECRET, "FwoGZXIvYXdzEXAMPLESESSION"), "ram",
              "eu-west-1").add_auth(req)
    write("sigv4", "query-and-session-token", raw(req))
    req = AWSRequest("GET", "http://ramd.local/getresourceshares?resourceOwner=SELF")
    SigV4QueryAuth(creds, "ram", "us-east-1", expires=300).add_auth(req)
    write("sigv4", "presigned", raw(req))
    form = "Action=GetCallerIdentity&Version=2011-06-15"
    req = AWSRequest("POST", "http://ramd.local/", data=form,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, "sts", "us-east-1").add_auth(req)
    write("sigv4", "sts-form", raw(req))
    write("sigv4", "incomplete", "POST /\nauthorization: AWS4-HMAC-SHA256 Credential=AKIA/20261201/us-east-1/ram/aws4_request\n\n")
    write("sigv4", "date-header", "GET /x\nhost: ramd.local\ndate: Tue, 01 Dec 2026 00:00:00 GMT\nauthorization: AWS4-HMAC-SHA256 "
          "Credential=K/20261201/us-east-1/ram/aws4_request, SignedHeaders=date;host, Signature=" + "a" * 64 + "\n\n")


def arn_seeds() -> None:
    types = json.loads((ROOT / "crates/ram-domain/data/resource-types.json").read_text())
    for t in types[::3]:
        region = "" if t["resourceRegionScope"] == "GLOBAL" else "us-east-1"
        write("arn", t["resourceType"].replace(":", "-"),
              f"arn:aws:{t['arn']['service']}:{region}:{ACCOUNT}:{t['arn']['resource']}seed-1")
    for name, text in {
        "share": f"arn:aws:ram:us-east-1:{ACCOUNT}:resource-share/7c3b9f2e-1111-2222-3333-444455556666",
        "invitation": f"arn:aws:ram:us-east-1:{ACCOUNT}:resource-share-invitation/2f1b",
        "aws-permission": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet",
        "organization": f"arn:aws:organizations::{ACCOUNT}:organization/o-abcdefghij",
        "ou": f"arn:aws:organizations::{ACCOUNT}:ou/o-abcdefghij/ou-ab12-cdefghij",
        "role": f"arn:aws:iam::{ACCOUNT}:role/path/Deployer",
        "user": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "account": "222222222222",
        "service": "ec2.amazonaws.com",
        "gov": "arn:aws-us-gov:ec2:us-gov-west-1:111111111111:subnet/subnet-1",
    }.items():
        write("arn", name, text)


def page_token_seeds() -> None:
    for name, binding, cursor in (
        ("shares", "5f1d2c3b4a59687766554433", [1764547200000, "arn:aws:ram:us-east-1:1:resource-share/a"]),
        ("associations", "00aa11bb22cc33dd44ee55ff", [-1, "share type entity"]),
    ):
        payload = base64.urlsafe_b64encode(json.dumps([cursor[0], cursor[1], binding]).encode()).rstrip(b"=")
        tag = base64.urlsafe_b64encode(hmac.new(PAGE_KEY, payload, hashlib.sha256).digest()[:16]).rstrip(b"=")
        write("page_token", name, f"{binding}\n".encode() + payload + b"." + tag)
    write("page_token", "garbage", "b\nnot-a-token")
    write("page_token", "short-tag", "b\neyJ4IjoxfQ.AAAA")
    write("page_token", "no-binding", "\n" + "A" * 40 + "." + "B" * 22)


def policy_seeds() -> None:
    templates = {
        "plain": {"Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:Describe*"]},
        "string": {"Effect": "Allow", "Action": "ec2:*", "Condition": {
            "StringEquals": {"aws:PrincipalAccount": ["111111111111"]},
            "StringLikeIfExists": {"ec2:ResourceTag/team": "n*"}}},
        "ip-date": {"Effect": "Allow", "Action": ["ec2:DescribeSubnets"], "Condition": {
            "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
            "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}},
        "sets": {"Effect": "Allow", "Action": ["ec2:RunInstances"], "Condition": {
            "ForAnyValue:StringEquals": {"ec2:ResourceTag/team": ["net", "${aws:PrincipalAccount}"]},
            "ForAllValues:StringNotLike": {"aws:TagKeys": ["secret*"]},
            "NumericLessThanEquals": {"ec2:Count": "10"}, "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "Null": {"aws:SourceVpc": "true"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}},
        "deny": {"Effect": "Deny", "Action": "ec2:*"},
        "statement-list": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*"}]},
    }
    for name, t in templates.items():
        write("policy", name, "ec2:DescribeSubnets\n" + json.dumps(t))
    write("policy", "context", "aws:SourceIp\n" + json.dumps({"aws:SourceIp": ["10.1.2.3"], "ec2:Count": 7}))


if __name__ == "__main__":
    for seeds in (rest_json_seeds, organizations_seeds, query_seeds, sigv4_seeds, arn_seeds,
                  page_token_seeds, policy_seeds):
        seeds()
    for target in sorted(p.name for p in SEEDS.iterdir()):
        print(target, len(list((SEEDS / target).iterdir())))
