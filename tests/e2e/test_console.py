"""The web console (`/console`) in a real browser: headless Chromium driven by Playwright's sync API
against `ramd serve --seed examples/seed.yaml`, signing in with the fixture's fixed access keys (or an
account id in trust mode). Each test checks what a person sees on the page AND that it agrees with what
the API answers the same account (boto3 clients signing with the same keys): the shares and one
share's associations, permissions and their versions, the organization tree, access decisions,
accepting and rejecting invitations, the form token (CSRF), sessions ended by deactivating their key,
trust mode, the Region menu, the console turned off, and the security headers of every page.

Read-only tests share one seeded server (module scope); tests that change something get a seeded
server of their own. One browser serves the module, each test gets fresh contexts (no cookies carried
over). With RAMD_CONSOLE_SCREENSHOTS=DIR, full-page PNGs of the main pages (1280x800 viewport) are
saved in DIR. The module is skipped when Playwright or Chromium is missing."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import botocore.exceptions
import pytest
import requests
import yaml

from conftest import (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, OTHER_REGION, RAMD_BIN, REGION, REPO_ROOT, RamdServer,
                      make_client, raw_request, store_args, tgw_arn)

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    pytest.skip("playwright is not installed (pip install -r tests/e2e/requirements.txt)", allow_module_level=True)

CHROMIUM = Path(os.environ.get("RAMD_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium executable at {CHROMIUM} (set RAMD_CHROMIUM)", allow_module_level=True)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = os.environ.get("RAMD_CONSOLE_SCREENSHOTS")

EXAMPLE = REPO_ROOT / "examples" / "seed.yaml"
NETWORK, WORKLOADS, PARTNER = ACCOUNT_A, ACCOUNT_B, ACCOUNT_C
KEYS = {a["id"]: (a["accessKeys"][0]["accessKeyId"], a["accessKeys"][0]["secretAccessKey"])
        for a in yaml.safe_load(EXAMPLE.read_text())["accounts"]}
SUBNETS = [f"arn:aws:ec2:us-east-1:{NETWORK}:subnet/subnet-0a1b2c3d4e5f6000{i}" for i in (1, 2)]
PROJECT = f"arn:aws:codebuild:us-east-1:{NETWORK}:project/app"
BUILD_READ_ONLY = f"arn:aws:ram:us-east-1:{NETWORK}:permission/BuildReadOnly"


# --------------------------------------------------------------------------------------------
# servers, browser, clients
# --------------------------------------------------------------------------------------------


def start(data_dir: Path, *extra: str, auth: str = "sigv4", seed: bool = True) -> RamdServer:
    """`ramd serve` on a store of its own (SQLite, or PostgreSQL with RAMD_TEST_BACKEND=postgres),
    loaded with examples/seed.yaml."""
    data_dir.mkdir(parents=True, exist_ok=True)
    args = ["--throttle", "off", *(["--seed", str(EXAMPLE)] if seed else []), *extra]
    return RamdServer(data_dir, auth=auth, extra_args=args).start()


@pytest.fixture(autouse=True)
def _reset():
    """Overrides conftest's: this module's servers are its own (no shared trust-mode server to reset)."""
    yield


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The seeded sigv4 server of the tests that change nothing."""
    server = start(tmp_path_factory.mktemp("console-seeded"))
    yield server
    server.assert_alive()
    server.stop()


@pytest.fixture
def serve(tmp_path):
    """serve(*flags, auth=, seed=) -> a server of this test only."""
    started: list[RamdServer] = []

    def make(*extra: str, auth: str = "sigv4", seed: bool = True) -> RamdServer:
        started.append(start(tmp_path / f"store-{len(started)}", *extra, auth=auth, seed=seed))
        return started[-1]

    yield make
    for server in started:
        server.assert_alive()
        server.stop()


@pytest.fixture
def fresh(serve) -> RamdServer:
    """A seeded sigv4 server of this test only, for the tests that change something."""
    return serve()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def api(server: RamdServer, account: str, service: str = "ram", region: str = REGION):
    """A boto3 client of `account`, signing with its fixed key (trust mode: the account id itself)."""
    key_id, secret = KEYS[account] if server.auth == "sigv4" else (account, "x")
    return make_client(server.url, service=service, account=key_id, secret=secret, region=region)


def at(path: str, **params: str):
    """A URL predicate for `page.wait_for_url`: this path, with (at least) these query parameters."""
    def matches(url: str) -> bool:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        return parts.path == path and all(query.get(k) == v for k, v in params.items())
    return matches


class Console:
    """One browser context (its own cookies) on one server's console."""

    def __init__(self, page: Page, server: RamdServer):
        self.page, self.server = page, server

    def goto(self, path: str, **params: str):
        response = self.page.goto(path + ("?" + urlencode(params) if params else ""))
        assert response is not None
        return response

    def submit_sign_in(self, **fields: str):
        """Fills the sign-in form and submits it; the POST's answer."""
        self.goto("/console/sign-in")
        for name, value in fields.items():
            self.page.fill(f"input[name={name}]", value)
        with self.page.expect_response(lambda r: r.request.method == "POST"
                                       and urlsplit(r.url).path == "/console/sign-in") as answer:
            self.page.click("button:text-is('Sign in')")
        return answer.value

    def sign_in(self, account: str) -> None:
        """Signs in as `account` (its key pair, or its id in trust mode) and lands on its shares."""
        if self.server.auth == "sigv4":
            key_id, secret = KEYS[account]
            self.submit_sign_in(access_key_id=key_id, secret_access_key=secret)
        else:
            self.submit_sign_in(account_id=account)
        self.page.wait_for_url(at("/console/shares", region=REGION))
        expect(self.page.locator("#account")).to_have_text(account)

    def sign_out(self) -> None:
        self.page.click("form.sign-out button")
        self.page.wait_for_url(at("/console/sign-in"))

    def session_cookie(self) -> dict | None:
        return next((c for c in self.page.context.cookies() if c["name"] == "ramd_console"), None)

    def click_to(self, target, path: str, **params: str) -> None:
        """Clicks a link or button and waits for the page it leads to."""
        target.click()
        self.page.wait_for_url(at(path, **params))

    def rows(self, selector: str) -> list[list[str]]:
        """The body rows of the table under `selector`, each as its cells' visible texts."""
        return self.page.locator(f"{selector} tbody tr").evaluate_all(
            "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")

    def field(self, label: str):
        """The value cell of the #summary row headed `label`."""
        return self.page.locator(f"#summary tr:has(> th:text-is('{label}')) > td")

    def shot(self, name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.fixture
def console(browser):
    """console(server) -> a Console in a fresh browser context."""
    contexts = []

    def open_(server: RamdServer) -> Console:
        context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Console(context.new_page(), server)

    yield open_
    for context in contexts:
        context.close()


def signed_in(console, server: RamdServer, account: str) -> Console:
    c = console(server)
    c.sign_in(account)
    return c


# --------------------------------------------------------------------------------------------
# what the API says
# --------------------------------------------------------------------------------------------


def all_pages(call, items: str, **kw) -> list:
    """Every item of a listing, following nextToken."""
    found, token = [], None
    while True:
        page = call(**kw, **({"nextToken": token} if token else {}))
        found += page[items]
        token = page.get("nextToken")
        if not token:
            return found


def owned_shares(client) -> dict:
    return {s["name"]: s for s in client.get_resource_shares(resourceOwner="SELF")["resourceShares"]}


def received_share_names(client) -> list:
    return sorted(s["name"] for s in client.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"])


def associations(client, share_arn: str, kind: str) -> dict:
    found = client.get_resource_share_associations(associationType=kind, resourceShareArns=[share_arn])
    return {a["associatedEntity"]: a["status"] for a in found["resourceShareAssociations"]}


def invitations(client) -> dict:
    """share ARN -> (name, status) of each invitation the account has."""
    return {i["resourceShareArn"]: (i["resourceShareName"], i["status"])
            for i in client.get_resource_share_invitations()["resourceShareInvitations"]}


def check_access(server: RamdServer, asker: str, principal: str, action: str, resource: str) -> dict:
    """`POST /checkaccess`, signed as `asker`: the decision the console's access check shows."""
    key_id, secret = KEYS[asker]
    r = raw_request(server.url, "POST", "/checkaccess",
                    {"principal": principal, "action": action, "resourceArn": resource},
                    account=key_id, secret=secret)
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------------------------


def test_sign_in_refuses_a_wrong_secret_and_admits_the_right_key_pair(seeded, console):
    c = console(seeded)
    c.goto("/console/sign-in")
    expect(c.page.locator("input[name=access_key_id]")).to_be_visible()
    c.shot("sign-in.png")

    key_id, secret = KEYS[NETWORK]
    answer = c.submit_sign_in(access_key_id=key_id, secret_access_key=secret[:-1] + "X")
    assert answer.status == 401
    expect(c.page.locator("p.error[role=alert]")).to_contain_text("do not sign in")
    assert urlsplit(c.page.url).path == "/console/sign-in"
    expect(c.page.locator("input[name=secret_access_key]")).to_be_visible()
    assert c.session_cookie() is None

    c.sign_in(NETWORK)
    expect(c.page.locator("header .principal")).to_have_text(f"arn:aws:iam::{NETWORK}:root")
    cookie = c.session_cookie()
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"


def test_shares_and_one_share_are_what_the_api_returns(seeded, console):
    network = api(seeded, NETWORK)
    owned = owned_shares(network)
    assert set(owned) == {"shared-subnets", "build-projects", "transit"}
    c = signed_in(console, seeded, NETWORK)

    shown = {row[0]: row for row in c.rows("#owned")}
    assert sorted(shown) == sorted(owned)
    assert {name: row[1] for name, row in shown.items()} == {name: s["status"] for name, s in owned.items()}
    tags = c.page.locator("#owned tbody tr", has=c.page.locator("a", has_text="shared-subnets")).locator(".tag")
    api_tags = {f"{t['key']}={t['value']}" for t in owned["shared-subnets"]["tags"]}
    assert set(tags.all_inner_texts()) == api_tags == {"team=network", "env=dev"}
    assert received_share_names(network) == []
    expect(c.page.locator("#received")).to_contain_text("Nothing is shared with this account")
    c.shot("shares.png")

    share_arn = owned["shared-subnets"]["resourceShareArn"]
    c.click_to(c.page.locator("#owned a", has_text="shared-subnets"), "/console/share", arn=share_arn)
    expect(c.page.locator("h1")).to_have_text("Resource share shared-subnets")
    expect(c.field("ARN")).to_have_text(share_arn)
    expect(c.field("Owner")).to_have_text(f"{NETWORK} (you)")

    resources = {row[0]: row[1] for row in c.rows("#resources")}
    assert resources == associations(network, share_arn, "RESOURCE") == dict.fromkeys(SUBNETS, "ASSOCIATED")

    orgs = api(seeded, NETWORK, "organizations")
    root = orgs.list_roots()["Roots"][0]["Id"]
    [workloads_ou] = orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    principals = {row[0]: row[1] for row in c.rows("#principals")}
    assert principals == associations(network, share_arn, "PRINCIPAL") == {workloads_ou["Arn"]: "ASSOCIATED"}

    permissions = c.rows("#permissions")
    api_permissions = network.list_resource_share_permissions(resourceShareArn=share_arn)["permissions"]
    assert [row[0] for row in permissions] == [p["name"] for p in api_permissions] == [
        "AWSRAMDefaultPermissionSubnet"]
    assert permissions[0][2] == "1 (default)"
    link = c.page.locator("#permissions a", has_text="AWSRAMDefaultPermissionSubnet").get_attribute("href")
    assert at("/console/permission", arn=api_permissions[0]["arn"], version="1")(seeded.url + link)
    c.shot("share.png")


def test_a_share_received_opens_on_its_resources_and_permissions(seeded, console):
    partner = api(seeded, PARTNER)
    [received] = partner.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    share_arn = received["resourceShareArn"]
    c = signed_in(console, seeded, PARTNER)
    assert [row[:3] for row in c.rows("#received")] == [["build-projects", NETWORK, "ACTIVE"]]

    c.click_to(c.page.locator("#received a", has_text="build-projects"), "/console/share", arn=share_arn)
    # Read at once (the page is loaded): a failure here is the console's answer, not a slow page.
    assert c.page.locator("h1").inner_text() == "Resource share build-projects", c.page.locator("main").inner_text()
    assert c.field("Owner").inner_text() == NETWORK
    resources = partner.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[share_arn])["resources"]
    assert [row[:3] for row in c.rows("#resources")] == [[r["arn"], r["type"], r["status"]] for r in resources] == [
        [PROJECT, "codebuild:Project", "AVAILABLE"]]
    permissions = partner.list_resource_share_permissions(resourceShareArn=share_arn)["permissions"]
    assert [row[0] for row in c.rows("#permissions")] == [p["name"] for p in permissions] == ["BuildReadOnly"]
    # RAM shows a share's principals to its owner only, and so does the page.
    assert c.page.locator("#principals").count() == 0


def test_a_permission_its_policy_and_its_versions(fresh, console):
    network = api(fresh, NETWORK)
    c = signed_in(console, fresh, NETWORK)
    c.goto("/console/permissions")

    custom = network.list_permissions(permissionType="CUSTOMER_MANAGED")["permissions"]
    assert [row[0] for row in c.rows("#customer-managed")] == [p["name"] for p in custom] == ["BuildReadOnly"]
    aws_managed = all_pages(network.list_permissions, "permissions", permissionType="AWS_MANAGED")
    expect(c.page.locator("#aws-managed summary")).to_have_text(f"AWS managed ({len(aws_managed)})")
    expect(c.page.locator("#aws-managed table")).to_be_hidden()  # folded away until asked for
    c.page.click("#aws-managed summary")
    expect(c.page.locator("#aws-managed table")).to_be_visible()

    c.click_to(c.page.locator("#customer-managed a", has_text="BuildReadOnly"), "/console/permission",
               arn=BUILD_READ_ONLY)
    expect(c.page.locator("h1")).to_have_text("Permission BuildReadOnly")
    policy = c.page.locator("pre#policy")
    expect(policy).to_contain_text("codebuild:BatchGetProjects")
    v1 = network.get_permission(permissionArn=BUILD_READ_ONLY)["permission"]
    assert json.loads(policy.inner_text()) == json.loads(v1["permission"])
    expect(c.field("Version shown")).to_have_text("1 (default)")
    assert [row[0] for row in c.rows("#versions")] == ["Version 1 (default)"]
    c.shot("permission.png")

    # A second version made through the API becomes the default (as RAM's CreatePermissionVersion
    # does): on reload the page lists both and shows version 2; version 1's link shows its policy.
    v2_policy = {"Effect": "Allow", "Action": ["codebuild:BatchGetProjects", "codebuild:BatchGetBuilds"]}
    network.create_permission_version(permissionArn=BUILD_READ_ONLY, policyTemplate=json.dumps(v2_policy))
    c.page.reload()
    api_versions = network.list_permission_versions(permissionArn=BUILD_READ_ONLY)["permissions"]
    assert sorted((v["version"], v["defaultVersion"]) for v in api_versions) == [("1", False), ("2", True)]
    assert sorted(row[0] for row in c.rows("#versions")) == ["Version 1", "Version 2 (default)"]
    expect(c.field("Version shown")).to_have_text("2 (default)")
    expect(policy).to_contain_text("codebuild:BatchGetBuilds")
    assert json.loads(policy.inner_text()) == json.loads(
        network.get_permission(permissionArn=BUILD_READ_ONLY)["permission"]["permission"])

    c.click_to(c.page.locator("#versions a", has_text="Version 1"), "/console/permission",
               arn=BUILD_READ_ONLY, version="1")
    expect(c.field("Version shown")).to_have_text("1")
    expect(policy).not_to_contain_text("codebuild:BatchGetBuilds")
    assert json.loads(policy.inner_text()) == json.loads(
        network.get_permission(permissionArn=BUILD_READ_ONLY, permissionVersion=1)["permission"]["permission"])
    assert json.loads(policy.inner_text()) == json.loads(v1["permission"])


def test_the_organization_tree_for_the_management_account_and_a_member(seeded, console):
    orgs = api(seeded, NETWORK, "organizations")
    root = orgs.list_roots()["Roots"][0]["Id"]
    [ou] = orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    c = signed_in(console, seeded, NETWORK)
    c.goto("/console/organization")

    expect(c.page.locator(f'li.node[data-id="{root}"] > strong')).to_have_text("Root")
    unit = c.page.locator(f'li.node[data-id="{ou["Id"]}"]')
    expect(unit.locator("> strong")).to_have_text("OU Workloads")
    in_unit = unit.locator("li.account")
    assert [e.get_attribute("data-account") for e in in_unit.all()] == [
        a["Id"] for a in orgs.list_accounts_for_parent(ParentId=ou["Id"])["Accounts"]] == [WORKLOADS]
    expect(in_unit.locator(".shares-to")).to_have_text("Gets from you: shared-subnets")
    expect(c.page.locator(f'li.account[data-account="{NETWORK}"]')).to_contain_text("(you)")
    in_tree = {e.get_attribute("data-account") for e in c.page.locator("li.account").all()}
    assert in_tree == {a["Id"] for a in orgs.list_accounts()["Accounts"]} == {NETWORK, WORKLOADS}
    expect(c.page.locator(f'li.account[data-account="{PARTNER}"]')).to_have_count(0)
    c.shot("organization.png")

    # Signing out ends the session; workloads, a member, sees the summary but not the tree.
    c.sign_out()
    assert c.session_cookie() is None
    c.goto("/console/organization")
    c.page.wait_for_url(at("/console/sign-in"))
    c.sign_in(WORKLOADS)
    c.goto("/console/organization")
    member_orgs = api(seeded, WORKLOADS, "organizations")
    organization = member_orgs.describe_organization()["Organization"]
    expect(c.field("Management account")).to_have_text(organization["MasterAccountId"])
    expect(c.field("Organization")).to_have_text(organization["Id"])
    expect(c.field("ARN")).to_have_text(organization["Arn"])
    expect(c.page.locator("#tree")).to_have_count(0)
    expect(c.page.locator("li.node, li.account")).to_have_count(0)
    expect(c.page.locator("p.error")).to_contain_text("AccessDeniedException")
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        member_orgs.list_roots()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_the_access_check_allows_what_a_permission_grants_and_says_why_not(seeded, console):
    c = signed_in(console, seeded, NETWORK)
    c.goto("/console/access")

    def check(action: str) -> dict:
        c.page.fill("input[name=principal]", PARTNER)
        c.page.fill("input[name=action]", action)
        c.page.fill("input[name=resource]", PROJECT)
        c.click_to(c.page.locator("button:text-is('Check')"), "/console/access", action=action)
        return check_access(seeded, NETWORK, PARTNER, action, PROJECT)

    decision = check("codebuild:BatchGetProjects")
    assert decision["decision"] == "ALLOW"
    expect(c.page.locator("#decision .decision")).to_have_text("ALLOW")
    grant = decision["grant"]
    share_link = c.page.locator("#decision tr", has_text="Share").locator("a")
    expect(share_link).to_have_text(grant["resourceShareName"])
    assert grant["resourceShareName"] == "build-projects"
    assert at("/console/share", arn=grant["resourceShareArn"])(seeded.url + share_link.get_attribute("href"))
    expect(c.page.locator("#decision tr", has_text="Permission")).to_contain_text(f"{BUILD_READ_ONLY} version 1")
    assert grant["permissionArn"] == BUILD_READ_ONLY
    assert json.loads(c.page.locator("#decision pre").inner_text()) == grant["statement"]
    # The form keeps what was asked.
    expect(c.page.locator("input[name=resource]")).to_have_value(PROJECT)
    c.shot("access.png")

    decision = check("codebuild:StartBuild")
    assert decision["decision"] == "DENY" and decision["reasons"]
    expect(c.page.locator("#decision .decision")).to_have_text("DENY")
    reasons = c.page.locator("#decision li")
    expect(reasons).to_have_text(decision["reasons"])
    expect(reasons.first).to_contain_text("does not allow codebuild:StartBuild")


def invitation_row(c: Console, share_arn: str):
    return c.page.locator("#invitations tbody tr", has_text=share_arn)


def test_accepting_and_rejecting_invitations(fresh, console):
    partner, network = api(fresh, PARTNER), api(fresh, NETWORK)
    transit = owned_shares(network)["transit"]["resourceShareArn"]
    c = signed_in(console, fresh, PARTNER)
    # Until partner accepts, transit is not shared with it.
    assert [r[0] for r in c.rows("#received")] == received_share_names(partner) == ["build-projects"]
    c.goto("/console/invitations")

    assert {row[0].split("\n")[0]: row[2] for row in c.rows("#invitations")} == {
        name: status for name, status in invitations(partner).values()} == {
        "build-projects": "ACCEPTED", "transit": "PENDING"}
    row = invitation_row(c, transit)
    expect(row.locator("td.actions button")).to_have_text(["Accept", "Reject"])
    expect(c.page.locator("#invitations tbody tr", has_text="build-projects").locator("button")).to_have_count(0)
    c.shot("invitations.png")

    c.click_to(row.locator("button:text-is('Accept')"), "/console/invitations", done="accepted")
    expect(c.page.locator("p.notice[role=status]")).to_contain_text("Invitation accepted")
    expect(row.locator(".status")).to_have_text("ACCEPTED")
    expect(row.locator("button")).to_have_count(0)
    assert invitations(partner)[transit] == ("transit", "ACCEPTED")
    c.goto("/console/shares")
    received = sorted(r[0] for r in c.rows("#received"))
    assert received == received_share_names(partner) == ["build-projects", "transit"]

    # A share network makes now, rejected in the console.
    late = network.create_resource_share(name="late", resourceArns=[tgw_arn(NETWORK)],
                                         principals=[PARTNER])["resourceShare"]["resourceShareArn"]
    c.goto("/console/invitations")
    row = invitation_row(c, late)
    expect(row.locator(".status")).to_have_text("PENDING")
    c.click_to(row.locator("button:text-is('Reject')"), "/console/invitations", done="rejected")
    expect(c.page.locator("p.notice[role=status]")).to_have_text("Invitation rejected.")
    expect(row.locator(".status")).to_have_text("REJECTED")
    assert invitations(partner)[late] == ("late", "REJECTED")
    assert received_share_names(partner) == ["build-projects", "transit"]


def test_a_post_without_the_sessions_form_token_is_refused(fresh, console):
    partner = api(fresh, PARTNER)
    transit = owned_shares(api(fresh, NETWORK))["transit"]["resourceShareArn"]
    c = signed_in(console, fresh, PARTNER)
    c.goto("/console/invitations")
    invitation = invitation_row(c, transit).locator("input[name=invitation]").first.get_attribute("value")
    token = c.page.locator("input[name=csrf]").first.get_attribute("value")
    cookies = {"ramd_console": c.session_cookie()["value"]}

    def post(**extra: str) -> requests.Response:
        return requests.post(f"{fresh.url}/console/invitations", cookies=cookies, allow_redirects=False, timeout=10,
                             data={"invitation": invitation, "action": "accept", "region": REGION, **extra})

    for forged in ({}, {"csrf": ""}, {"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        refused = post(**forged)
        assert refused.status_code == 403, (forged, refused.status_code, refused.text)
        assert "not from this session" in refused.text
        assert invitations(partner)[transit] == ("transit", "PENDING")
    c.page.reload()
    expect(invitation_row(c, transit).locator(".status")).to_have_text("PENDING")

    # The same POST with the page's token is the session's own (so the 403s were the token's doing).
    accepted = post(csrf=token)
    assert accepted.status_code == 303
    assert at("/console/invitations", done="accepted")(fresh.url + accepted.headers["Location"])
    assert invitations(partner)[transit] == ("transit", "ACCEPTED")


def test_deactivating_the_access_key_ends_its_sessions(fresh, console):
    c = signed_in(console, fresh, PARTNER)
    c.goto("/console/invitations")
    expect(c.page.locator("#invitations")).to_be_visible()

    key_id, secret = KEYS[PARTNER]
    out = subprocess.run([str(RAMD_BIN), "accounts", "keys", "deactivate", *store_args(fresh.data_dir), key_id],
                         capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr

    c.goto("/console/invitations")
    c.page.wait_for_url(at("/console/sign-in"))
    expect(c.page.locator("input[name=access_key_id]")).to_be_visible()
    # Nor can it sign in again, and the API refuses it too.
    assert c.submit_sign_in(access_key_id=key_id, secret_access_key=secret).status == 401
    expect(c.page.locator("p.error")).to_contain_text("inactive")
    with pytest.raises(botocore.exceptions.ClientError):
        api(fresh, PARTNER).get_resource_share_invitations()


def test_trust_mode_signs_in_with_an_account_id(serve, console):
    server = serve(auth="trust")
    c = console(server)
    c.goto("/console/sign-in")
    expect(c.page.locator("input[name=access_key_id]")).to_have_count(0)

    # The browser will not send an id that is not 12 digits; nor does the server take one.
    c.page.fill("input[name=account_id]", "12345")
    c.page.click("button:text-is('Sign in')")
    expect(c.page.locator("input[name=account_id]:invalid")).to_have_count(1)
    assert urlsplit(c.page.url).path == "/console/sign-in" and c.session_cookie() is None
    for bad in ("12345", "1234567890123", "11111111111a"):
        refused = requests.post(f"{server.url}/console/sign-in", data={"account_id": bad},
                                allow_redirects=False, timeout=10)
        assert refused.status_code == 401 and "An account ID is 12 digits." in refused.text, bad
        assert "set-cookie" not in refused.headers

    c.sign_in(PARTNER)
    c.goto("/console/invitations")
    assert {row[0].split("\n")[0]: row[2] for row in c.rows("#invitations")} == {
        name: status for name, status in invitations(api(server, PARTNER)).values()} == {
        "build-projects": "ACCEPTED", "transit": "PENDING"}


def test_console_pages_carry_strict_headers_and_the_console_can_be_turned_off(seeded, serve, console):
    c = console(seeded)
    answers = [c.goto("/console/sign-in").all_headers()]
    c.sign_in(NETWORK)
    answers.append(c.goto("/console/shares").all_headers())
    for headers in answers:
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp, csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"

    off = serve("--console", "false")
    r = requests.get(f"{off.url}/console/sign-in", timeout=10)
    assert r.status_code == 404
    assert r.headers["x-amzn-errortype"].startswith("UnknownOperationException")
    assert r.headers["content-type"].startswith("application/json")
    assert "content-security-policy" not in r.headers
    # The API is served as ever.
    assert "transit" in owned_shares(api(off, NETWORK))


def test_switching_region_shows_that_regions_shares(seeded, console):
    c = signed_in(console, seeded, NETWORK)
    assert c.rows("#owned")
    c.page.select_option("header select[name=region]", OTHER_REGION)
    c.click_to(c.page.locator("header button:text-is('Switch')"), "/console/shares", region=OTHER_REGION)

    expect(c.page.locator("header select[name=region]")).to_have_value(OTHER_REGION)
    expect(c.page.locator("#account")).to_have_text(NETWORK)
    elsewhere = api(seeded, NETWORK, region=OTHER_REGION)
    assert owned_shares(elsewhere) == {} and received_share_names(elsewhere) == []
    expect(c.page.locator("#owned")).to_contain_text("This account shares nothing in this Region.")
    expect(c.page.locator("#received")).to_contain_text("Nothing is shared with this account in this Region.")
    expect(c.page.locator("#owned table, #received table")).to_have_count(0)
    # The navigation stays in the Region.
    href = c.page.locator("nav a", has_text="Invitations").get_attribute("href")
    assert at("/console/invitations", region=OTHER_REGION)(seeded.url + href)
