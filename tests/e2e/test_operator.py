"""What an operator sees of a running ramd: the request log, /health, /ready, /metrics, on the
main port or on --admin-listen."""
import json
import re
import socket

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import RamdServer, make_client, ramd_accounts_create


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(text: str, name: str, **labels) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return 0.0


def test_health_ready_and_metrics_on_the_main_port(ramd):
    health = requests.get(f"{ramd.url}/health", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = requests.get(f"{ramd.url}/ready", timeout=5)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["schemaVersion"] >= 6

    before = requests.get(f"{ramd.url}/metrics", timeout=5).text
    ram = make_client(ramd.url)
    ram.get_resource_shares(resourceOwner="SELF")
    with pytest.raises(ClientError):
        ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=["not-an-arn"])
    ram.create_resource_share(name="counted")
    after = requests.get(f"{ramd.url}/metrics", timeout=5)
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    ok = dict(service="ram", operation="GetResourceShares", code="OK")
    assert metric(text, "ramd_requests_total", **ok) == metric(before, "ramd_requests_total", **ok) + 1
    refused = dict(service="ram", operation="GetResourceShares", code="MalformedArnException")
    assert metric(text, "ramd_requests_total", **refused) == metric(before, "ramd_requests_total", **refused) + 1
    assert metric(text, "ramd_request_duration_seconds_count", service="ram", operation="CreateResourceShare") >= 1
    assert metric(text, "ramd_store_transaction_seconds_count", kind="write", outcome="commit") >= 1
    assert metric(text, "ramd_store_resource_shares", status="ACTIVE") == 1
    assert "ramd_requests_in_flight" in text
    # Not RAM's: the operator's endpoints need no signature, and a POST to them is RAM's 404.
    post = requests.post(f"{ramd.url}/metrics", timeout=5)
    assert post.status_code == 404 and post.headers["x-amzn-errortype"].startswith("UnknownOperationException")


def test_admin_listen_moves_the_operator_endpoints_off_the_main_port(ramd_factory):
    port = _free_port()
    server = ramd_factory(extra_args=["--admin-listen", f"127.0.0.1:{port}"])
    admin = f"http://127.0.0.1:{port}"
    assert requests.get(f"{admin}/ready", timeout=5).json()["status"] == "ready"
    make_client(server.url).get_resource_shares(resourceOwner="SELF")
    text = requests.get(f"{admin}/metrics", timeout=5).text
    assert metric(text, "ramd_requests_total", service="ram", operation="GetResourceShares", code="OK") >= 1
    other = requests.get(f"{admin}/anything", timeout=5)
    assert other.status_code == 404 and "message" in other.json()
    # The main port serves only the APIs now: GET /metrics names no RAM operation.
    main = requests.get(f"{server.url}/metrics", timeout=5)
    assert main.status_code == 404 and main.headers["x-amzn-errortype"].startswith("UnknownOperationException")


def test_one_json_log_line_per_request_with_nothing_secret(tmp_path):
    creds = ramd_accounts_create(tmp_path)
    server = RamdServer(tmp_path, auth="sigv4", extra_args=["--log-format", "json", "--throttle", "off"]).start()
    try:
        ram = make_client(server.url, account=creds["accessKeyId"], secret=creds["secretAccessKey"])
        ram.create_resource_share(name="logged")
        with pytest.raises(ClientError):
            make_client(server.url, account=creds["accessKeyId"], secret="wrong").get_resource_shares(
                resourceOwner="SELF")
    finally:
        server.stop()
    log = server.stderr_path.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    served = [line for line in lines if line.get("message") == "request"]
    created = [line for line in served if line["operation"] == "CreateResourceShare"]
    assert len(created) == 1, served
    line = created[0]
    assert line["level"] == "INFO" and line["service"] == "ram" and line["status"] == 200
    assert line["account"] == creds["accountId"]
    assert line["principal"] == f"arn:aws:iam::{creds['accountId']}:root"
    assert re.fullmatch(r"[0-9a-f-]{36}", line["request_id"]) and line["latency_ms"] > 0
    refused = [line for line in served if line["code"] == "InvalidSignatureException"]
    assert len(refused) == 1 and refused[0]["status"] == 403 and refused[0]["account"] == ""
    assert creds["secretAccessKey"] not in log
    assert "Signature=" not in log and "Authorization" not in log


def _ramd(*args, env=None):
    import subprocess
    from conftest import RAMD_BIN
    return subprocess.run([str(RAMD_BIN), *args], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})


def test_config_file_flags_and_environment_and_where_each_value_came_from(tmp_path):
    config = tmp_path / "ramd.toml"
    config.write_text('listen = "127.0.0.1:7999"\nthrottle = "off"\nquota = ["resource-shares=10", "tags-per-resource=5"]\n'
                      'auth = "sigv4"\ndatabase-url = "postgres://ramd:hunter2@db/ramd"\n')
    out = _ramd("config", "--config", str(config), "--throttle", "on", env={"RAMD_AUTH": "trust"})
    assert out.returncode == 0, out.stderr
    effective = json.loads(out.stdout)
    settings = effective["settings"]
    assert effective["configFile"] == str(config)
    assert settings["listen"] == {"value": "127.0.0.1:7999", "source": f"config file {config}"}
    assert settings["throttle"] == {"value": "on", "source": "command line"}          # flags win
    assert settings["auth"] == {"value": "trust", "source": "environment (RAMD_AUTH)"}  # and the environment
    assert settings["quota"]["value"] == ["resource-shares=10", "tags-per-resource=5"]
    assert settings["data-dir"] == {"value": "./ramd-data", "source": "default"}
    assert settings["database-url"]["value"] == "postgres://ramd:***@db/ramd"
    assert "hunter2" not in out.stdout


def test_a_config_file_with_an_unknown_key_or_a_bad_value_stops_serve_at_start(tmp_path):
    for text, says in [('lisen = "127.0.0.1:1"\n', "unknown key `lisen`"),
                       ('listen = "nowhere"\n', "invalid value 'nowhere' for '--listen"),
                       ('allow-remote-trust = "yes"\n', "`allow-remote-trust` is a switch"),
                       ('listen = [\n', "not valid TOML")]:
        config = tmp_path / "ramd.toml"
        config.write_text(text)
        out = _ramd("serve", "--config", str(config), "--data-dir", str(tmp_path / "data"))
        assert out.returncode == 2 and says in out.stderr, (text, out.stderr)
        assert not (tmp_path / "data").exists()


def test_completions_and_man_page_come_from_the_command_line_definition():
    bash = _ramd("completions", "bash")
    assert bash.returncode == 0 and "complete -F _ramd" in bash.stdout and "--admin-listen" in bash.stdout
    zsh = _ramd("completions", "zsh")
    assert zsh.returncode == 0 and zsh.stdout.startswith("#compdef ramd")
    man = _ramd("man")
    assert man.returncode == 0 and man.stdout.count(".TH ramd 1") == 1 and "serve" in man.stdout
