"""Fixtures of ramd's end-to-end suite: the real binary, driven by boto3, the AWS CLI v1 and raw HTTP.

* ``ramd_factory`` starts ``ramd serve`` processes (trust or sigv4 mode) on free loopback ports, each
  in its own temporary data directory, and stops them with SIGTERM at the end of the session.
* ``ramd`` is the default trust-mode server; the autouse ``_reset`` fixture clears its state
  before every test (``POST /_ramd/reset``) so tests are independent. ``ramd_delayed`` (associations
  take ``DELAY_MS`` to settle) and ``ramd_short`` (1 s invitations, 2 s DELETED retention) are
  separate servers, reset by their own fixtures.
* ``ram`` / ``ram_b`` / ``ram_c`` are boto3 RAM clients for accounts A/B/C in us-east-1; ``clients``
  makes any other (account, Region, server) combination. Every client validates each response it
  receives against the botocore model (see ``shape_check.py``).
* ``cli`` runs the AWS CLI v1 against a server with an isolated configuration.

The binary comes from ``$RAMD_BIN`` (default ``target/debug/ramd`` under the repository root).
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shape_check  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
RAMD_BIN = Path(os.environ.get("RAMD_BIN", "target/debug/ramd"))
if not RAMD_BIN.is_absolute():
    RAMD_BIN = REPO_ROOT / RAMD_BIN
AWS_CLI = Path(sys.executable).with_name("aws")  # the CLI installed beside this interpreter (the venv)
if not AWS_CLI.exists():
    AWS_CLI = Path(shutil.which("aws") or AWS_CLI)

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
ACCOUNT_C = "333333333333"
REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
DELAY_MS = 1500
SHORT_INVITATION_TTL_S = 1
SHORT_RETENTION_S = 2

# Keep any real AWS configuration of the machine out of every client this suite creates.
_ISOLATION_DIR = Path(tempfile.mkdtemp(prefix="ramd-e2e-awsconfig-"))
atexit.register(shutil.rmtree, _ISOLATION_DIR, ignore_errors=True)
(_ISOLATION_DIR / "config").write_text("")
(_ISOLATION_DIR / "credentials").write_text("")
for _var in list(os.environ):
    if _var.startswith("AWS_"):
        del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = str(_ISOLATION_DIR / "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_ISOLATION_DIR / "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


# --------------------------------------------------------------------------------------------
# helpers usable from tests (import from conftest)
# --------------------------------------------------------------------------------------------


def tgw_arn(account: str = ACCOUNT_A, region: str = REGION, suffix: str | None = None) -> str:
    suffix = suffix or uuid.uuid4().hex[:17]
    return f"arn:aws:ec2:{region}:{account}:transit-gateway/tgw-{suffix}"


def subnet_arn(account: str = ACCOUNT_A, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{account}:subnet/subnet-{uuid.uuid4().hex[:17]}"


def license_arn(account: str = ACCOUNT_A, region: str = REGION) -> str:
    return f"arn:aws:license-manager:{region}:{account}:license-configuration:lic-{uuid.uuid4().hex}"


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1, what: str = "condition"):
    """Polls like Terraform does; returns the predicate's first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def pending_invitation(client, share_arn: str) -> dict:
    """The receiver's PENDING invitation for a share (as Terraform's accepter looks it up)."""
    invs = client.get_resource_share_invitations(resourceShareArns=[share_arn])["resourceShareInvitations"]
    pending = [i for i in invs if i["status"] == "PENDING"]
    assert len(pending) == 1, invs
    return pending[0]


def share_with(owner, receiver, receiver_account: str, resources=None, name="shared", accept=True, **kw):
    """Owner creates a share of ``resources`` with ``receiver_account``; the receiver accepts."""
    resources = resources if resources is not None else [tgw_arn()]
    share = owner.create_resource_share(
        name=name, resourceArns=resources, principals=[receiver_account], **kw
    )["resourceShare"]
    inv = pending_invitation(receiver, share["resourceShareArn"])
    if accept:
        receiver.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    return share, inv


# --------------------------------------------------------------------------------------------
# the server process
# --------------------------------------------------------------------------------------------


def store_args(data_dir: Path) -> list[str]:
    """The store flags of every ramd command for one data directory: with RAMD_TEST_BACKEND=postgres
    also a database of its own on the server of RAMD_TEST_DATABASE_URL, named after the directory
    so that a restart (or `ramd accounts create`) finds the same one."""
    args = ["--data-dir", str(data_dir)]
    if os.environ.get("RAMD_TEST_BACKEND") != "postgres":
        return args
    admin = os.environ["RAMD_TEST_DATABASE_URL"]
    name = "ramd_" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:20]
    exists = subprocess.run(["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    # PostgreSQL has no data directory to keep the master key in: the test gives one, as an
    # operator gives every replica the same one.
    key = Path(data_dir) / "master.key"
    if not key.exists():
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        key.write_text(base64.b64encode(os.urandom(32)).decode())
    return args + ["--database-url", admin.rsplit("/", 1)[0] + "/" + name, "--master-key-file", str(key)]


def ramd_accounts_create(data_dir, account_id=None, principal_arn=None) -> dict:
    """`ramd accounts create` on the store of `data_dir` (whichever backend the suite runs on)."""
    cmd = [str(RAMD_BIN), "accounts", "create", *store_args(data_dir)]
    if account_id:
        cmd += ["--account-id", account_id]
    if principal_arn:
        cmd += ["--principal-arn", principal_arn]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    creds = json.loads(proc.stdout)
    assert creds["accountId"] == account_id if account_id else len(creds["accountId"]) == 12
    return creds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RamdServer:
    def __init__(self, data_dir: Path, auth: str = "trust", extra_args=(), log_dir: Path | None = None):
        self.data_dir = Path(data_dir)
        self.auth = auth
        self.extra_args = list(extra_args)
        self.log_dir = Path(log_dir or data_dir)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.stderr_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "RamdServer":
        if not RAMD_BIN.exists():
            pytest.exit(f"ramd binary not found at {RAMD_BIN}: run `cargo build -p ramd` or set RAMD_BIN", 2)
        for _attempt in range(3):
            self.port = _free_port()
            self.stderr_path = self.log_dir / f"ramd-{self.port}.stderr.log"
            cmd = [
                str(RAMD_BIN), "serve", "--auth", self.auth,
                "--listen", f"127.0.0.1:{self.port}",
                *store_args(self.data_dir),
                *self.extra_args,
            ]
            env = {k: v for k, v in os.environ.items() if not k.startswith("RAMD_")}
            env.setdefault("RUST_LOG", "info")
            with open(self.stderr_path, "ab") as err, open(self.log_dir / f"ramd-{self.port}.stdout.log", "ab") as out:
                self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                        return self
                except OSError:
                    time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError(f"ramd did not listen on {self.port} within {timeout}s: {self.stderr()}")
        raise RuntimeError(f"ramd failed to start: {self.stderr()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-4000:]
        except (OSError, AttributeError):
            return ""

    def assert_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"ramd exited with {self.proc.returncode}; stderr tail:\n{self.stderr()}")

    def reset(self) -> None:
        self.assert_alive()
        r = requests.post(f"{self.url}/_ramd/reset", timeout=10)
        assert r.status_code == 200, (r.status_code, r.text)


@pytest.fixture(scope="session")
def ramd_factory(tmp_path_factory):
    started: list[RamdServer] = []

    def start(auth: str = "trust", extra_args=(), data_dir: Path | None = None) -> RamdServer:
        data_dir = data_dir or tmp_path_factory.mktemp("ramd-data")
        server = RamdServer(data_dir, auth=auth, extra_args=extra_args).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def _ramd_session(ramd_factory) -> RamdServer:
    return ramd_factory()


@pytest.fixture(autouse=True)
def _reset(_ramd_session):
    """Every test starts from an empty default server (and a crash of the server fails the test)."""
    _ramd_session.reset()
    yield
    _ramd_session.assert_alive()


@pytest.fixture
def ramd(_ramd_session) -> RamdServer:
    return _ramd_session


@pytest.fixture(scope="session")
def _ramd_delayed_session(ramd_factory) -> RamdServer:
    return ramd_factory(extra_args=["--association-delay-ms", str(DELAY_MS)])


@pytest.fixture
def ramd_delayed(_ramd_delayed_session) -> RamdServer:
    _ramd_delayed_session.reset()
    return _ramd_delayed_session


@pytest.fixture(scope="session")
def _ramd_short_session(ramd_factory) -> RamdServer:
    return ramd_factory(extra_args=[
        "--invitation-ttl-seconds", str(SHORT_INVITATION_TTL_S),
        "--deleted-share-retention-seconds", str(SHORT_RETENTION_S),
    ])


@pytest.fixture
def ramd_short(_ramd_short_session) -> RamdServer:
    _ramd_short_session.reset()
    return _ramd_short_session


# --------------------------------------------------------------------------------------------
# clients
# --------------------------------------------------------------------------------------------

_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


# One session (models loaded once); every client gets its own credentials, Region and event hooks.
_SESSION = boto3.session.Session(botocore_session=botocore.session.Session())


def make_client(url: str, service: str = "ram", account: str = ACCOUNT_A, region: str = REGION,
                secret: str = "x", validate: bool = True):
    client = _SESSION.client(service, endpoint_url=url, region_name=region, aws_access_key_id=account,
                             aws_secret_access_key=secret, config=_CLIENT_CONFIG)
    if validate and service == "ram":
        shape_check.install(client)
    return client


@pytest.fixture
def clients(ramd):
    """clients(account=..., region=..., server=..., service=...) -> a validated boto3 client."""
    def make(account: str = ACCOUNT_A, region: str = REGION, server: RamdServer | None = None,
             service: str = "ram", secret: str = "x"):
        return make_client((server or ramd).url, service=service, account=account, region=region, secret=secret)
    return make


@pytest.fixture
def ram(clients):
    return clients(ACCOUNT_A)


@pytest.fixture
def ram_b(clients):
    return clients(ACCOUNT_B)


@pytest.fixture
def ram_c(clients):
    return clients(ACCOUNT_C)


# --------------------------------------------------------------------------------------------
# raw HTTP and the AWS CLI
# --------------------------------------------------------------------------------------------


def raw_request(url: str, method: str, path: str, body=None, *, account: str = ACCOUNT_A,
                region: str = REGION, service: str = "ram", sign: bool = True, headers=None,
                secret: str = "x") -> requests.Response:
    """Sends one request as a client would (SigV4-signed by botocore's signer unless sign=False)."""
    if body is None:
        data = b""
    elif isinstance(body, (bytes, str)):
        data = body.encode() if isinstance(body, str) else body
    else:
        data = json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"} if data else {}
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=url + path, data=data, headers=hdrs)
    if sign:
        SigV4Auth(Credentials(account, secret), service, region).add_auth(req)
    prepared = req.prepare()
    return requests.request(prepared.method, prepared.url, data=prepared.body,
                            headers=dict(prepared.headers), timeout=30)


@pytest.fixture
def raw(ramd):
    def call(method: str, path: str, body=None, **kw) -> requests.Response:
        return raw_request(ramd.url, method, path, body, **kw)
    return call


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None


def run_cli(url: str, *args: str, account: str = ACCOUNT_A, region: str = REGION,
            secret: str = "x", home: Path | None = None) -> CliResult:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home or _ISOLATION_DIR),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": account,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": str(_ISOLATION_DIR / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(_ISOLATION_DIR / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    proc = subprocess.run(
        [str(AWS_CLI), "--endpoint-url", url, "--output", "json", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )
    return CliResult(proc)


@pytest.fixture
def cli(ramd):
    def call(*args: str, **kw) -> CliResult:
        return run_cli(ramd.url, *args, **kw)
    return call


def postgres_url(name: str) -> str | None:
    """A fresh, empty PostgreSQL database `name` on the test server, or None without one."""
    admin = os.environ.get("RAMD_TEST_DATABASE_URL")
    if not admin:
        return None
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return admin.rsplit("/", 1)[0] + "/" + name
