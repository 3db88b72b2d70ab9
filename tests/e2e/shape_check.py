"""Checks every raw RAM response against botocore's model (the wire contract).

``install(client)`` hooks a boto3 RAM client's ``after-call`` event. For each answer it reads the raw
HTTP body (not botocore's lenient parse, which silently drops unknown members and coerces types) and:

* success: the body is a JSON object whose members are all members of the operation's output shape,
  with JSON types matching the model (strings, booleans, integers, lists, structures; timestamps as
  epoch-second numbers; enums within the model's values), and ``x-amzn-RequestId`` is present;
* error: ``x-amzn-ErrorType`` and ``x-amzn-RequestId`` headers, a JSON body with a string ``message``,
  and an error code that is one of the service's error shapes (or a common protocol/auth error).

A violation raises ``ShapeViolation`` from the client call, so the test that made it fails.
The most recent raw response is kept on ``client.ramd_last``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import botocore.session

_MODEL = botocore.session.get_session().get_service_model("ram")
SERVICE_ERRORS = {s.name for s in _MODEL.error_shapes}
COMMON_ERRORS = {
    "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature",
    "MissingAuthenticationTokenException", "MissingAuthenticationToken", "AccessDeniedException",
    "SerializationException", "UnknownOperationException", "ThrottlingException",
    "RequestEntityTooLargeException", "SignatureDoesNotMatch", "RequestExpired",
    "InvalidClientTokenId",
}

stats = {"checked": 0}


class ShapeViolation(AssertionError):
    pass


@dataclass
class RawResponse:
    operation: str
    status: int
    headers: dict
    body: object
    text: str = field(repr=False, default="")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(shape, value, path: str, problems: list[str]) -> None:
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object, got {type(value).__name__}")
            return
        members = shape.members
        for key, v in value.items():
            if key not in members:
                problems.append(f"{path}.{key}: member not in shape {shape.name}")
                continue
            if v is None:
                problems.append(f"{path}.{key}: null instead of an omitted member")
                continue
            check_value(members[key], v, f"{path}.{key}", problems)
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected array, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_value(shape.member, item, f"{path}[{i}]", problems)
    elif t == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object (map), got {type(value).__name__}")
            return
        for k, v in value.items():
            check_value(shape.value, v, f"{path}[{k!r}]", problems)
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected string, got {type(value).__name__} {value!r}")
            return
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} not in enum {shape.name} {enum}")
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected boolean, got {value!r}")
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: expected integer, got {value!r}")
    elif t in ("float", "double"):
        if not _is_number(value):
            problems.append(f"{path}: expected number, got {value!r}")
    elif t == "timestamp":
        # rest-json default: epoch seconds as a JSON number.
        if not _is_number(value):
            problems.append(f"{path}: timestamp must be an epoch-seconds number, got {value!r}")
        elif not (1_000_000_000 < value < 10_000_000_000):
            problems.append(f"{path}: timestamp {value!r} is not plausible epoch seconds")
    else:
        problems.append(f"{path}: unhandled shape type {t}")


def check_response(operation_name: str, status: int, headers, text: str) -> tuple[list[str], RawResponse]:
    op = _MODEL.operation_model(operation_name)
    problems: list[str] = []
    lower = {k.lower(): v for k, v in headers.items()}
    body = None
    if text.strip():
        try:
            body = json.loads(text)
        except ValueError:
            problems.append(f"body is not JSON: {text[:200]!r}")
    if not lower.get("x-amzn-requestid"):
        problems.append("missing x-amzn-RequestId header")
    if status < 300:
        if status != 200:
            problems.append(f"success status {status}, RAM always answers 200")
        if body is None:
            body = {}
            if op.output_shape is not None and op.output_shape.members:
                problems.append("empty body on success")
        if op.output_shape is not None:
            check_value(op.output_shape, body, operation_name, problems)
        elif body not in ({}, None):
            problems.append(f"unexpected body for an operation without output: {body!r}")
    else:
        code = lower.get("x-amzn-errortype", "")
        if not code:
            problems.append("error without x-amzn-ErrorType header")
        code = code.split(":")[0].split("#")[-1]
        if code and code not in SERVICE_ERRORS | COMMON_ERRORS:
            problems.append(f"error code {code!r} is neither a RAM error shape nor a common error")
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            problems.append(f"error body has no string 'message': {text[:200]!r}")
        if "application/json" not in lower.get("content-type", ""):
            problems.append(f"error content-type {lower.get('content-type')!r}")
    return problems, RawResponse(operation_name, status, dict(headers), body, text)


def install(client) -> None:
    def after_call(http_response, model, **_kwargs):
        text = http_response.content.decode("utf-8", errors="replace") if http_response.content else ""
        problems, raw = check_response(model.name, http_response.status_code, http_response.headers, text)
        client.ramd_last = raw
        stats["checked"] += 1
        if problems:
            raise ShapeViolation(f"{model.name} response violates the model: " + "; ".join(problems)
                                 + f"\nraw body: {text[:1000]}")

    client.ramd_last = None
    client.meta.events.register("after-call.ram", after_call)
