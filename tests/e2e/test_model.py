"""Model-based testing: random sequences of operations from several accounts run against ramd and
against a small reference model of RAM's rules (``ram_reference.py``), comparing every answer and,
after every step, every listing from every account's point of view.

What it proves: for every sequence Hypothesis generates (from four accounts, in one Region) of

* creating, updating and deleting shares (resources of four types, principals, allowExternalPrincipals,
  retainSharingOnAccountLeaveOrganization, valid and invalid names), looking one up by ARN,
* associating and disassociating resources and principals (accounts, the organization, an OU, one of
  no organization, the owner itself, another account's resource), by the owner or by anyone else,
  and a receiver leaving,
* accepting and rejecting invitations (the receiver's, another account's, one nobody was sent),
  ListPendingInvitationResources,
* managed permissions: CreatePermission, CreatePermissionVersion, DeletePermission,
  AssociateResourceSharePermission (replace or not), ListResourceSharePermissions,
* organization changes: creating it (with an OU), accounts joining, moving between the root and the
  OU, leaving, being removed, EnableSharingWithAwsOrganization (by any account), disabling trusted
  access, deleting the organization,
* time passing (a server with 1 s invitations, 1 s DELETED retention, 2 s retention of answered
  invitations and a quota of 3 pending invitations per sender),

ramd's answer is the model's (success and the same answer, or the same error code; where several rules
are broken at once, any of their codes), and GetResourceShares (SELF, OTHER-ACCOUNTS),
GetResourceShareAssociations (PRINCIPAL, RESOURCE), GetResourceShareInvitations, ListResources and
ListPrincipals (SELF, OTHER-ACCOUNTS) and ListPermissions (CUSTOMER_MANAGED) agree with the model for
each of the four accounts after each step.

Budget: ``RAMD_MODEL_EXAMPLES`` (default 40) sequences of up to ``RAMD_MODEL_STEPS`` (default 30)
steps. ``RAMD_MODEL_SEED`` replays a run (the seed is printed with every failure; the clock is real,
so a replay may meet slightly other timings), ``RAMD_MODEL_SHRINK=0`` reports a failure unshrunk,
``RAMD_MODEL_VERBOSE=1`` prints the outcomes compared by operation, ``RAMD_MODEL_TRACE=file`` writes
every operation. A long campaign: ``RAMD_MODEL_EXAMPLES=800 RAMD_MODEL_STEPS=50 pytest tests/e2e/test_model.py``.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import hypothesis
import hypothesis.configuration
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import ram_reference as ref
from conftest import REGION, make_client
from ram_reference import ACCOUNTS, MANAGEMENT, RESOURCE_NAMES, Refusal, Span

TTL_S = 1
DELETED_RETENTION_S = 1
ENDED_INVITATION_RETENTION_S = 2
PENDING_QUOTA = 3
# The known deviations of ramd the model reproduces, so that a run can find others (each one is
# shown by a strict xfail test below, which starts to pass, and so fails, once ramd is fixed).
KNOWN_DEVIATIONS: frozenset = frozenset()
CONFIG = ref.Config(TTL_S, DELETED_RETENTION_S, ENDED_INVITATION_RETENTION_S, PENDING_QUOTA, KNOWN_DEVIATIONS)

# Timing: the server and the test read the same wall clock. A boundary (an invitation expiring, ...)
# is known to within the span of the call that set it; SLACK covers the server's millisecond
# rounding, GUARD the longest a write is expected to take (a longer one over a boundary is replayed
# in the model on both sides of it).
SLACK = 0.02
GUARD = 0.2
TIME_BUDGET_S = 0.8  # of explicit time passing per example (the wall-clock cost of the run)

# No example database (settings below), and Hypothesis's other caches outside the work tree.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="ramd-model-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
hypothesis.configuration.set_hypothesis_home_dir(_HYPOTHESIS_HOME)

# Shrinking replays many sequences against the server; RAMD_MODEL_SHRINK=0 reports the first failure as found.
PHASES = [p for p in hypothesis.Phase if os.environ.get("RAMD_MODEL_SHRINK", "1") != "0" or p != hypothesis.Phase.shrink]

TRACE = open(os.environ["RAMD_MODEL_TRACE"], "w") if os.environ.get("RAMD_MODEL_TRACE") else None  # noqa: SIM115
OUTCOMES: Counter = Counter()  # (verb, "ok" or error code) -> operations compared
FIGURES = {"examples": 0, "steps": 0, "operations": 0, "refusals": 0, "listings": 0, "retained": 0, "waits_s": 0.0, "listing_s": 0.0, "time_passed_s": 0.0}

ORG_PRINCIPAL_NOT_FOUND = "arn:aws:organizations::111111111111:organization/o-zzzzzzzzzz"
OU_PRINCIPAL_NOT_FOUND = "arn:aws:organizations::111111111111:ou/o-zzzzzzzzzz/ou-zzzz-zzzzzzzz"
PROJECT_TEMPLATE = '{"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]}'
NO_INVITATION = f"arn:aws:ram:{REGION}:{MANAGEMENT}:resource-share-invitation/00000000-0000-4000-8000-000000000000"


def resource_arn(resource: str) -> str:
    """The ARN of a model resource "<account>.<kind><n>" (a well-formed ARN of that account)."""
    account, name = resource.split(".", 1)
    n = int(name[-1])
    kind = name.rstrip("0123456789")
    return {
        "tgw": f"arn:aws:ec2:{REGION}:{account}:transit-gateway/tgw-{account}{n:05d}",
        "lic": f"arn:aws:license-manager:{REGION}:{account}:license-configuration:lic-{account}{n:020d}",
        "proj": f"arn:aws:codebuild:{REGION}:{account}:project/p-{account}-{n}",
        "subnet": f"arn:aws:ec2:{REGION}:{account}:subnet/subnet-{account}{n:05d}",
    }[kind]


ALL_RESOURCES = [f"{a}.{n}" for a in ACCOUNTS for n in RESOURCE_NAMES]
RESOURCE_BY_ARN = {resource_arn(r): r for r in ALL_RESOURCES}


@pytest.fixture(scope="module")
def model_server(ramd_factory):
    return ramd_factory(extra_args=[
        "--invitation-ttl-seconds", str(TTL_S),
        "--deleted-share-retention-seconds", str(DELETED_RETENTION_S),
        "--ended-invitation-retention-seconds", str(ENDED_INVITATION_RETENTION_S),
        "--quota", f"pending-invitations={PENDING_QUOTA}",
        "--sqlite-durability", "os",  # speed; durability is another suite's subject
    ])


def _close_to(boundaries: list[Span], lo: float, hi: float) -> list[Span]:
    return [b for b in boundaries if b.lo - SLACK <= hi and lo <= b.hi + SLACK]


def _sleep(seconds: float) -> None:
    if seconds > 0:
        FIGURES["waits_s"] += seconds
        time.sleep(seconds)


class Reader:
    """RAM's REST-JSON reads of one account over one kept-alive connection (trust mode takes the
    account from the credential; no signature is checked)."""

    def __init__(self, port: int, account: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={account}/20260101/{REGION}/ram/aws4_request, "
            "SignedHeaders=host, Signature=0")}

    def call(self, operation: str, body: dict) -> dict:
        self.connection.request("POST", f"/{operation}", json.dumps(body), self.headers)
        response = self.connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == 200 and "nextToken" not in answer, (operation, body, response.status, answer)
        return answer

    def close(self) -> None:
        self.connection.close()


class RamMachine(RuleBasedStateMachine):
    server = None  # set by the test

    def __init__(self):
        super().__init__()
        self.server.reset()
        FIGURES["examples"] += 1
        url = self.server.url
        self.ram_clients = {a: make_client(url, account=a) for a in ACCOUNTS}
        # Listings are many (40 after each step): plain HTTP, as fast as the server answers. The same
        # wire as boto3's; every operation's answers are checked against botocore's model by the rules.
        self.readers = {a: Reader(self.server.port, a) for a in ACCOUNTS}
        self.orgs = {a: make_client(url, service="organizations", account=a) for a in ACCOUNTS}
        self.model = ref.Ram(CONFIG)
        self.share_arns: dict[str, str] = {}       # model share id -> ARN
        self.share_ids: dict[str, str] = {}        # ARN -> model share id
        self.invitation_arns: dict[str, str] = {}  # model invitation id -> ARN
        self.invitation_ids: dict[str, str] = {}
        self.org_arns: dict[tuple, str] = {("org", 0): ORG_PRINCIPAL_NOT_FOUND, ("ou", 0): OU_PRINCIPAL_NOT_FOUND}
        self.org_ids: dict[int, tuple[str, str]] = {}  # generation -> (root id, OU id)
        self.time_passed = 0.0
        self.pool = ThreadPoolExecutor(max_workers=4)

    def teardown(self):
        FIGURES["retained"] += self.model.retained
        self.pool.shutdown(wait=False)
        for reader in self.readers.values():
            reader.close()

    @initialize(world=st.sampled_from(["no organization", "organization", "organization sharing with RAM",
                                       "organization sharing with RAM"]),
                members=st.lists(st.sampled_from(ACCOUNTS[1:]), min_size=1, unique=True),
                in_ou=st.lists(st.sampled_from(ACCOUNTS[1:]), unique=True))
    def start(self, world, members, in_ou):
        """The world an example starts from: A's organization (its OU "eng"), some members, some of
        them in the OU, sharing with RAM enabled or not; later steps change it further."""
        OUTCOMES[("world:", world)] += 1
        if world == "no organization":
            return
        self.create_organization()
        root, ou = self.org_ids[self.model.org.generation]
        orgs = self.orgs[MANAGEMENT]
        for account in members:
            handshake = orgs.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": account})["Handshake"]
            self.orgs[account].accept_handshake(HandshakeId=handshake["Id"])
            self.model.join(account)
            if account in in_ou:
                orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
                self.model.move(account)
        if world == "organization sharing with RAM":
            assert self.ram_clients[MANAGEMENT].enable_sharing_with_aws_organization()["returnValue"]
            self.model.enable_sharing(MANAGEMENT)

    # ------------------------------------------------------------------ translation

    def principal_arn(self, entity) -> str:
        return self.org_arns[entity] if isinstance(entity, tuple) else entity

    def principal_of(self, text: str):
        for entity, arn in self.org_arns.items():
            if arn == text:
                return entity
        return text

    def share_of(self, arn: str) -> str:
        return self.share_ids.get(arn, f"?{arn}")

    def current_generation(self) -> int:
        return self.model.org.generation if self.model.org else 0

    def rows(self, associations: list[dict]) -> list[tuple]:
        out = []
        for a in associations:
            entity = RESOURCE_BY_ARN.get(a["associatedEntity"]) if a["associationType"] == "RESOURCE" \
                else self.principal_of(a["associatedEntity"])
            out.append((entity or a["associatedEntity"], a["associationType"], a["status"]))
        return sorted(out, key=repr)

    # ------------------------------------------------------------------ time

    def settle_before_write(self) -> None:
        """Waits until no boundary lies within the next GUARD seconds."""
        while True:
            now = time.time()
            near = _close_to(self.model.boundaries(), now, now + GUARD)
            if not near:
                return
            _sleep(max(b.hi for b in near) + SLACK - now + 0.001)

    # ------------------------------------------------------------------ comparing one operation

    def perform(self, what: str, call, observe, expect):
        """Runs `call` against ramd and `expect(model, span, at)` against a copy of the model, and
        compares the outcomes: the same success answer, or an error code the model allows. The copy
        becomes the model. Returns the (observed, expected) answers of a success."""
        self.settle_before_write()
        t0 = time.time()
        try:
            got = ("ok", observe(call()))
        except ClientError as e:
            got = ("error", e.response["Error"]["Code"])
        t1 = time.time()
        span = Span(t0, t1)
        # Normally nothing changes by itself during the call; if it took so long that a boundary
        # fell inside it, the server may have seen either side.
        times = [t1] if not _close_to(self.model.boundaries(), t0, t1) else [t0 - SLACK, t1 + SLACK]
        tried = []
        for at in times:
            model = self.model.copy()
            try:
                want = ("ok", expect(model, span, at))
            except Refusal as refusal:
                want = ("error", refusal.codes)
            agrees = (got[0] == want[0] == "ok" and got[1] == want[1]) or \
                     (got[0] == want[0] == "error" and got[1] in want[1])
            if agrees:
                self.model = model
                FIGURES["operations"] += 1
                FIGURES["refusals"] += got[0] == "error"
                OUTCOMES[(what.split(" ", 2)[1], got[1] if got[0] == "error" else "ok")] += 1
                hypothesis.note(f"{what} -> {got[0]} {got[1]}")  # printed with a failing example
                if TRACE:
                    TRACE.write(f"{what} -> {got}\n")
                return got[1], want[1]
            tried.append(want)
        raise AssertionError(f"{what}:\n  ramd:  {got}\n  model: {' or '.join(map(str, tried))}")

    # ------------------------------------------------------------------ drawing arguments
    #
    # The state depends on the clock (an invitation may expire a little sooner or later), so the
    # same choices can meet a slightly different state when Hypothesis replays them. Every rule
    # therefore draws the same things whatever the state: indices taken modulo the candidates, no
    # preconditions (a rule with nothing to act on does nothing), so that a replay only means
    # other candidates, never other draws.

    def pick(self, data, items: list, label: str):
        """One of `items` (None if there are none)."""
        i = data.draw(st.integers(0, 10**6), label=label)
        return items[i % len(items)] if items else None

    def some(self, data, items: list, most: int, label: str) -> list:
        """Up to `most` distinct items."""
        picks = data.draw(st.lists(st.integers(0, 10**6), max_size=most), label=label)
        return list(dict.fromkeys(items[i % len(items)] for i in picks)) if items else []

    @staticmethod
    def one_in(data, n: int, label: str) -> bool:
        return data.draw(st.integers(0, 10**6), label=label) % n == 1

    def draw_principals(self, data, owner: str) -> list:
        principals = self.some(data, [a for a in ACCOUNTS if a != owner], 2, "accounts")
        # The organization or its OU when there is one (a principal of no organization sometimes).
        org_principal = self.one_in(data, 3, "org principal")
        unknown_org = self.one_in(data, 10, "unknown org")
        ou = data.draw(st.booleans(), label="OU")
        if org_principal and (self.model.org or unknown_org):
            principals.append(("ou" if ou else "org", self.current_generation()))
        if self.one_in(data, 20, "self too"):
            principals.append(owner)  # the owner's own account is refused
        return principals

    def draw_resources(self, data, owner: str) -> list[str]:
        resources = self.some(data, [f"{owner}.{n}" for n in RESOURCE_NAMES], 3, "resources")
        foreign = self.pick(data, [r for r in ALL_RESOURCES if ref.resource_owner(r) != owner], "foreign")
        if self.one_in(data, 20, "foreign too"):
            resources.append(foreign)  # another account's resource is refused
        return resources

    def draw_share(self, data) -> str | None:
        """Mostly a share still active (what a deleted one answers is seen quickly)."""
        active = self.newest_first(i for i, s in self.model.shares.items() if s.status == "ACTIVE" and i in self.share_arns)
        any_share = self.one_in(data, 5, "any share")
        return self.pick(data, self.newest_first(self.share_arns) if any_share or not active else active, "share")

    def draw_caller(self, data, likely: str) -> str:
        """Usually `likely`, sometimes any account (to see what others may not do)."""
        intruder = self.one_in(data, 5, "intruder")
        caller = self.pick(data, list(ACCOUNTS), "caller")
        return caller if intruder else likely

    # ------------------------------------------------------------------ shares

    @rule(data=st.data())
    def create_share(self, data):
        owner = self.pick(data, list(ACCOUNTS), "owner")
        name = self.pick(data, ["net", "db", "shared-1", "ops_team.v2", "net", "db", "shared-1", "bad/name"], "name")
        resources = self.draw_resources(data, owner)
        principals = self.draw_principals(data, owner)
        allow_external = not self.one_in(data, 4, "no external principals")
        retain = data.draw(st.booleans(), label="retain")
        self._create(owner, name, resources, principals, allow_external, retain)

    def _create(self, owner, name, resources, principals, allow_external, retain):
        kwargs = {"name": name, "resourceArns": [resource_arn(r) for r in resources],
                  "principals": [self.principal_arn(p) for p in principals],
                  "allowExternalPrincipals": allow_external}
        if retain:
            kwargs["resourceShareConfiguration"] = {"retainSharingOnAccountLeaveOrganization": True}
        created = {}

        def call():
            answer = self.ram_clients[owner].create_resource_share(**kwargs)
            created["arn"] = answer["resourceShare"]["resourceShareArn"]
            return answer

        def observe(answer):
            s = answer["resourceShare"]
            retained = s.get("resourceShareConfiguration", {}).get("retainSharingOnAccountLeaveOrganization", False)
            return s["name"], s["owningAccountId"], s["status"], s["allowExternalPrincipals"], retained

        def expect(model, span, at):
            s = model.create_share(owner, name, resources, principals, allow_external, retain, span, at)
            created["id"] = s.id
            return s.name, s.owner, s.status, s.allow_external, s.retain

        self.perform(
            f"{owner} creates {name!r} with {resources} for {principals} (external={allow_external}, retain={retain})",
            call, observe, expect)
        if "arn" in created:  # the model named the share, ramd's answer gave its ARN
            self.share_arns[created["id"]], self.share_ids[created["arn"]] = created["arn"], created["id"]

    @rule(data=st.data())
    def share_with_an_account(self, data):
        """The common path, made more frequent: one resource that may go outside the organization,
        shared with one other account."""
        # Mostly the management account: invitations then pile up from one sender (the quota).
        from_a = data.draw(st.booleans(), label="from A")
        owner = MANAGEMENT if from_a else self.pick(data, list(ACCOUNTS), "owner")
        receiver = self.pick(data, [a for a in ACCOUNTS if a != owner], "receiver")
        resource = self.pick(data, [f"{owner}.tgw1", f"{owner}.lic1", f"{owner}.proj1"], "resource")
        self._create(owner, "shared-1", [resource], [receiver], True, False)

    @rule(data=st.data())
    def share_with_the_organization(self, data):
        """The other common path: a member shares with the organization or its OU, retaining
        sharing for accounts that leave or not."""
        org = self.model.org
        members = sorted(org.members) if org and org.alive and org.sharing else []
        owner = self.pick(data, members, "owner")
        kind = "ou" if data.draw(st.booleans(), label="OU") else "org"
        retain = data.draw(st.booleans(), label="retain")
        if owner:
            self._create(owner, "org-wide", [f"{owner}.tgw1"], [(kind, org.generation)], True, retain)

    @rule(data=st.data())
    def update_share(self, data):
        sid = self.draw_share(data)
        name = self.pick(data, [None, "renamed", "bad/name"], "name")
        allow_external = self.pick(data, [None, True, False] if name else [True, False], "allowExternalPrincipals")
        if sid is None:
            return
        caller = self.draw_caller(data, self.model.shares[sid].owner)
        kwargs = {"resourceShareArn": self.share_arns[sid]}
        if name is not None:
            kwargs["name"] = name
        if allow_external is not None:
            kwargs["allowExternalPrincipals"] = allow_external
        self.perform(
            f"{caller} updates {sid}: name={name}, external={allow_external}",
            lambda: self.ram_clients[caller].update_resource_share(**kwargs),
            lambda a: (a["resourceShare"]["name"], a["resourceShare"]["allowExternalPrincipals"]),
            lambda m, span, at: (lambda s: (s.name, s.allow_external))(
                m.update_share(caller, sid, name, allow_external, at)))

    @rule(data=st.data())
    def delete_share(self, data):
        sid = self.draw_share(data)
        if sid is None:
            return
        caller = self.draw_caller(data, self.model.shares[sid].owner)
        self.perform(
            f"{caller} deletes {sid}",
            lambda: self.ram_clients[caller].delete_resource_share(resourceShareArn=self.share_arns[sid]),
            lambda a: a["returnValue"],
            lambda m, span, at: m.delete_share(caller, sid, span, at) or True)

    @rule(data=st.data())
    def look_up_share(self, data):
        """GetResourceShares naming one share: found, or UnknownResourceException."""
        sid = self.draw_share(data)
        caller = self.pick(data, list(ACCOUNTS), "caller")
        owner_view = data.draw(st.booleans(), label="SELF")
        if sid is None:
            return

        def expect(m, span, at):
            if not m.can_see(caller, sid, owner_view, at):
                raise Refusal("UnknownResourceException")
            return [sid]

        self.perform(
            f"{caller} looks-up {sid} ({'SELF' if owner_view else 'OTHER-ACCOUNTS'})",
            lambda: self.ram_clients[caller].get_resource_shares(
                resourceOwner="SELF" if owner_view else "OTHER-ACCOUNTS", resourceShareArns=[self.share_arns[sid]]),
            lambda a: [self.share_of(s["resourceShareArn"]) for s in a["resourceShares"]],
            expect)

    # ------------------------------------------------------------------ associations

    def _associate(self, caller: str, sid: str, resources: list, principals: list):
        self.perform(
            f"{caller} associates {resources} and {principals} with {sid}",
            lambda: self.ram_clients[caller].associate_resource_share(
                resourceShareArn=self.share_arns[sid], resourceArns=[resource_arn(r) for r in resources],
                principals=[self.principal_arn(p) for p in principals]),
            lambda a: self.rows(a["resourceShareAssociations"]),
            lambda m, span, at: sorted(m.associate(caller, sid, resources, principals, span, at), key=repr))

    def _disassociate(self, caller: str, sid: str, resources: list, principals: list, verb="disassociates"):
        self.perform(
            f"{caller} {verb} {resources} and {principals} from {sid}",
            lambda: self.ram_clients[caller].disassociate_resource_share(
                resourceShareArn=self.share_arns[sid], resourceArns=[resource_arn(r) for r in resources],
                principals=[self.principal_arn(p) for p in principals]),
            lambda a: self.rows(a["resourceShareAssociations"]),
            lambda m, span, at: sorted(m.disassociate(caller, sid, resources, principals, span, at), key=repr))

    @rule(data=st.data())
    def associate(self, data):
        sid = self.draw_share(data)
        owner = self.model.shares[sid].owner if sid else MANAGEMENT
        caller = self.draw_caller(data, owner)
        resources = self.draw_resources(data, owner)
        principals = self.draw_principals(data, owner)
        if sid:
            self._associate(caller, sid, resources or ([] if principals else [f"{owner}.tgw1"]), principals)

    @rule(data=st.data())
    def add_to_a_share(self, data):
        """The common path, made more frequent: the owner adds one account or one resource."""
        sid = self.draw_share(data)
        owner = self.model.shares[sid].owner if sid else MANAGEMENT
        entity = self.pick(data, [a for a in ACCOUNTS if a != owner] + [f"{owner}.{n}" for n in RESOURCE_NAMES], "entity")
        if sid:
            self._associate(owner, sid, *(([entity], []) if "." in entity else ([], [entity])))

    @rule(data=st.data())
    def disassociate(self, data):
        """The owner (or another account) removes entities of the share (or others)."""
        sid = self.draw_share(data)
        if sid is None:
            return
        share = self.model.shares[sid]
        caller = self.draw_caller(data, share.owner)
        resources = self.some(data, sorted(share.resources) + [f"{share.owner}.lic1"], 2, "resources")
        principals = self.some(data, sorted(share.principals, key=repr) + [ACCOUNTS[-1]], 2, "principals")
        self._disassociate(caller, sid, resources, principals or ([] if resources else [ACCOUNTS[-1]]))

    @rule(data=st.data())
    def leave(self, data):
        """A receiving account disassociates itself (mostly one that has access)."""
        # has_access does not depend on the clock (only ASSOCIATED principals reach).
        reached = sorted((sid, a) for sid, s in self.model.shares.items() if sid in self.share_arns
                         for a in ACCOUNTS if self.model.has_access(s, a, 0.0))
        any_share = self.one_in(data, 4, "any share")
        sid = self.draw_share(data)
        caller = self.pick(data, [a for a in ACCOUNTS if sid and a != self.model.shares[sid].owner], "caller")
        if reached and not any_share:
            sid, caller = self.pick(data, reached, "share and receiver")
        if sid:
            self._disassociate(caller, sid, [], [caller], verb="leaves")

    # ------------------------------------------------------------------ invitations

    @staticmethod
    def newest_first(ids) -> list[str]:
        return sorted(ids, key=lambda i: -int(i[1:]))

    def draw_invitation(self, data) -> tuple[str | None, str]:
        """A known invitation (or none: an ARN nobody was sent) and the account answering it."""
        nobody = self.one_in(data, 6, "an invitation nobody was sent")
        inv = None if nobody else self.pick(data, self.newest_first(self.invitation_arns), "invitation")
        receiver = self.model.invitations[inv].receiver if inv else ACCOUNTS[1]
        return inv, self.draw_caller(data, receiver)

    @rule(data=st.data(), accept=st.sampled_from([True, True, False]))
    def answer_pending_invitation(self, data, accept):
        """The common path: the receiver answers an invitation not answered yet (it may have
        expired: the model says so)."""
        inv = self.pick(data, self.newest_first(i for i in self.invitation_arns if not self.model.invitations[i].answer),
                        "invitation")
        if inv:
            self._answer(inv, self.model.invitations[inv].receiver, accept)

    @rule(data=st.data(), accept=st.booleans())
    def answer_invitation(self, data, accept):
        """Any invitation, answered by its receiver or by another account."""
        self._answer(*self.draw_invitation(data), accept)

    def _answer(self, inv: str | None, caller: str, accept: bool):
        arn = self.invitation_arns.get(inv, NO_INVITATION)
        client = self.ram_clients[caller]
        call = client.accept_resource_share_invitation if accept else client.reject_resource_share_invitation
        self.perform(
            f"{caller} {'accepts' if accept else 'rejects'} {inv}",
            lambda: call(resourceShareInvitationArn=arn),
            lambda a: (self.invitation_ids.get(a["resourceShareInvitation"]["resourceShareInvitationArn"]),
                       a["resourceShareInvitation"]["status"],
                       self.share_of(a["resourceShareInvitation"]["resourceShareArn"])),
            lambda m, span, at: (lambda i: (i.id, "ACCEPTED" if accept else "REJECTED", i.share))(
                (m.accept if accept else m.reject)(caller, inv, span, at)))

    @rule(data=st.data())
    def pending_resources(self, data):
        inv, caller = self.draw_invitation(data)
        arn = self.invitation_arns.get(inv, NO_INVITATION)
        self.perform(
            f"{caller} lists-pending-resources of {inv}",
            lambda: self.ram_clients[caller].list_pending_invitation_resources(resourceShareInvitationArn=arn),
            lambda a: sorted(RESOURCE_BY_ARN.get(r["arn"], r["arn"]) for r in a["resources"]),
            lambda m, span, at: m.pending_resources(caller, inv, at))

    # ------------------------------------------------------------------ managed permissions

    def permission_arn(self, perm: tuple) -> str:
        owner, name = perm
        return f"arn:aws:ram::aws:permission/{name}" if owner == "aws" else f"arn:aws:ram:{REGION}:{owner}:permission/{name}"

    def permission_of(self, arn: str) -> tuple:
        head, name = arn.split("/", 1)
        return (head.split(":")[4], name)

    def draw_permission(self, data, owner: str) -> tuple:
        """Mostly a customer managed permission (the owner's, or another account's), sometimes an
        AWS managed one."""
        aws = self.one_in(data, 4, "AWS managed")
        managed = self.pick(data, [("aws", ref.TYPES["proj"].default_permission),
                                   ("aws", ref.TYPES["tgw"].default_permission)], "AWS permission")
        customer = self.pick(data, sorted({(owner, "Builders"), *self.model.permissions}), "permission")
        return managed if aws else customer

    @rule(data=st.data())
    def create_permission(self, data):
        caller = self.pick(data, list(ACCOUNTS), "caller")
        name = self.pick(data, ["Builders", "Readers"], "name")
        self.perform(
            f"{caller} creates-permission {name}",
            lambda: self.ram_clients[caller].create_permission(
                name=name, resourceType=ref.Ram.CUSTOMER_TYPE, policyTemplate=PROJECT_TEMPLATE),
            lambda a: (a["permission"]["name"], a["permission"]["version"], a["permission"]["defaultVersion"],
                       a["permission"]["status"]),
            lambda m, span, at: (m.create_permission(caller, name).name, "1", True, "ATTACHABLE"))

    @rule(data=st.data())
    def change_permission(self, data):
        """CreatePermissionVersion or DeletePermission, by the owner of the permission or another account."""
        perm = self.draw_permission(data, self.pick(data, list(ACCOUNTS), "of"))
        caller = self.draw_caller(data, perm[0] if perm[0] != "aws" else MANAGEMENT)
        arn = self.permission_arn(perm)
        if data.draw(st.booleans(), label="new version (or delete)"):
            self.perform(
                f"{caller} versions {perm}",
                lambda: self.ram_clients[caller].create_permission_version(permissionArn=arn, policyTemplate=PROJECT_TEMPLATE),
                lambda a: (a["permission"]["version"], a["permission"]["defaultVersion"]),
                lambda m, span, at: (str(m.create_permission_version(caller, perm)), True))
        else:
            self.perform(
                f"{caller} deletes-permission {perm}",
                lambda: self.ram_clients[caller].delete_permission(permissionArn=arn),
                lambda a: (a["returnValue"], a["permissionStatus"]),
                lambda m, span, at: (True, m.delete_permission(caller, perm)))

    @rule(data=st.data())
    def attach_permission(self, data):
        sid = self.draw_share(data)
        caller = self.draw_caller(data, self.model.shares[sid].owner if sid else MANAGEMENT)
        perm = self.draw_permission(data, caller)
        replace = data.draw(st.booleans(), label="replace")
        if sid is None:
            return
        self.perform(
            f"{caller} attaches {perm} to {sid} (replace={replace})",
            lambda: self.ram_clients[caller].associate_resource_share_permission(
                resourceShareArn=self.share_arns[sid], permissionArn=self.permission_arn(perm), replace=replace),
            lambda a: a["returnValue"],
            lambda m, span, at: m.attach_permission(caller, sid, perm, replace, at))

    @rule(data=st.data())
    def list_share_permissions(self, data):
        sid = self.draw_share(data)
        caller = self.draw_caller(data, self.model.shares[sid].owner if sid else MANAGEMENT)
        if sid is None:
            return
        self.perform(
            f"{caller} lists-permissions of {sid}",
            lambda: self.ram_clients[caller].list_resource_share_permissions(resourceShareArn=self.share_arns[sid]),
            lambda a: sorted((self.permission_of(p["arn"]), int(p["version"]), p["resourceType"])
                             for p in a["permissions"]),
            lambda m, span, at: m.share_permissions(caller, sid, at))

    # ------------------------------------------------------------------ the organization

    def outsiders(self) -> list[str]:
        return [a for a in ACCOUNTS if a not in self.model.org.members]

    def members(self) -> list[str]:
        return sorted(a for a in self.model.org.members if a != MANAGEMENT)

    @rule(data=st.data())
    def organization_changes(self, data):
        """One change of the organization: made through Organizations (always a valid one: its own
        rules are not the subject), or EnableSharingWithAwsOrganization (compared, by any account)."""
        change = self.pick(data, ["enable sharing", "disable sharing", "join", "move", "leave", "removed",
                                  "delete"], "change")
        account = self.pick(data, list(ACCOUNTS[1:]), "account")
        org = self.model.org
        if org is None or not org.alive:
            return self.create_organization()
        orgs = self.orgs[MANAGEMENT]
        if change == "enable sharing":
            self.enable_sharing(data)
        elif change == "disable sharing":
            orgs.disable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
            self.model.disable_sharing()
        elif change == "join" and account not in org.members:
            handshake = orgs.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": account})["Handshake"]
            self.orgs[account].accept_handshake(HandshakeId=handshake["Id"])
            self.model.join(account)
        elif change == "move" and account in org.members:
            root, ou = self.org_ids[org.generation]
            source, destination = (root, ou) if org.members[account] == "root" else (ou, root)
            orgs.move_account(AccountId=account, SourceParentId=source, DestinationParentId=destination)
            self.model.move(account)
        elif change in ("leave", "removed") and account in org.members:
            self.depart(account, change == "removed")
        elif change == "delete" and not self.members():
            orgs.delete_organization()
            self.model.delete_organization()

    @rule(data=st.data(), removed=st.booleans())
    def member_departs(self, data, removed):
        """An account leaves the organization or is removed (made more frequent: what RAM does then,
        retaining sharing or ending access, is the point)."""
        account = self.pick(data, self.members() if self.model.org and self.model.org.alive else [], "account")
        if account:
            self.depart(account, removed)

    def depart(self, account: str, removed: bool):
        self.settle_before_write()
        if removed:
            self.orgs[MANAGEMENT].remove_account_from_organization(AccountId=account)
        else:
            self.orgs[account].leave_organization()
        self.model.depart(account, time.time())

    def create_organization(self):
        orgs = self.orgs[MANAGEMENT]
        org = orgs.create_organization(FeatureSet="ALL")["Organization"]
        root = orgs.list_roots()["Roots"][0]["Id"]
        ou = orgs.create_organizational_unit(ParentId=root, Name="eng")["OrganizationalUnit"]
        self.model.create_organization()
        generation = self.model.org.generation
        self.org_arns[("org", generation)] = org["Arn"]
        self.org_arns[("ou", generation)] = ou["Arn"]
        self.org_ids[generation] = (root, ou["Id"])

    def enable_sharing(self, data):
        caller = self.draw_caller(data, MANAGEMENT)
        self.perform(
            f"{caller} enables sharing with the organization",
            lambda: self.ram_clients[caller].enable_sharing_with_aws_organization(),
            lambda a: a["returnValue"],
            lambda m, span, at: m.enable_sharing(caller) or True)

    # ------------------------------------------------------------------ time

    @rule(until=st.sampled_from(["a moment", "the next change", "all settled"]))
    def time_passes(self, until):
        """Sleeps past the next moment something changes by itself (an invitation expiring or being
        purged, a deleted share disappearing), or past all of them; at most TIME_BUDGET_S an example."""
        now = time.time()
        ahead = sorted(b.hi + SLACK for b in self.model.boundaries() if b.hi + SLACK > now)
        seconds = 0.02 if until == "a moment" or not ahead else \
            (ahead[0] if until == "the next change" else ahead[-1]) - now + 0.001
        seconds = min(seconds, TIME_BUDGET_S - self.time_passed)
        if seconds > 0:
            self.time_passed += seconds
            FIGURES["time_passed_s"] += seconds
            time.sleep(seconds)

    # ------------------------------------------------------------------ every listing agrees

    def listings(self) -> dict:
        """Every listing of every account, as ramd answers them: one thread per account."""
        def of(account: str) -> dict:
            reader = self.readers[account]
            out = {}
            for owner in ("SELF", "OTHER-ACCOUNTS"):
                out[(account, "shares", owner)] = reader.call("getresourceshares", {"resourceOwner": owner})["resourceShares"]
                out[(account, "resources", owner)] = reader.call("listresources", {"resourceOwner": owner})["resources"]
                out[(account, "principals", owner)] = reader.call("listprincipals", {"resourceOwner": owner})["principals"]
            for kind in ("PRINCIPAL", "RESOURCE"):
                out[(account, "associations", kind)] = reader.call(
                    "getresourceshareassociations", {"associationType": kind})["resourceShareAssociations"]
            out[(account, "invitations", None)] = reader.call("getresourceshareinvitations", {})["resourceShareInvitations"]
            out[(account, "permissions", None)] = reader.call(
                "listpermissions", {"permissionType": "CUSTOMER_MANAGED"})["permissions"]
            return out

        listed = {}
        for part in self.pool.map(of, ACCOUNTS):
            listed.update(part)
        return listed

    def translate(self, key, items: list[dict]) -> list[tuple]:
        account, what, which = key
        if what == "shares":
            return sorted((self.share_of(s["resourceShareArn"]), s["name"], s["status"], s["allowExternalPrincipals"],
                           s.get("resourceShareConfiguration", {}).get("retainSharingOnAccountLeaveOrganization", False))
                          for s in items)
        if what == "resources":
            return sorted((RESOURCE_BY_ARN.get(r["arn"], r["arn"]), self.share_of(r["resourceShareArn"])) for r in items)
        if what == "principals":
            if which == "SELF":
                return sorted(((self.principal_of(p["id"]), self.share_of(p["resourceShareArn"]), p["external"])
                               for p in items), key=repr)
            return sorted((p["id"], self.share_of(p["resourceShareArn"])) for p in items)
        if what == "associations":
            return sorted(((self.share_of(a["resourceShareArn"]),
                            RESOURCE_BY_ARN.get(a["associatedEntity"]) if which == "RESOURCE"
                            else self.principal_of(a["associatedEntity"]),
                            a["status"], a["external"]) for a in items), key=repr)
        if what == "permissions":
            return sorted((p["name"], int(p["version"]), p["status"]) for p in items)
        # invitations: learn the ARNs of new ones (one new invitation at most per share and receiver)
        rows = []
        for i in items:
            sid = self.share_of(i["resourceShareArn"])
            inv = self.invitation_ids.get(i["resourceShareInvitationArn"])
            if inv is None:
                unmapped = [m.id for m in self.model.invitations.values()
                            if m.receiver == account and m.share == sid and m.id not in self.invitation_arns]
                if len(unmapped) == 1:
                    inv = unmapped[0]
                    self.invitation_arns[inv] = i["resourceShareInvitationArn"]
                    self.invitation_ids[i["resourceShareInvitationArn"]] = inv
                else:
                    inv = f"?{i['resourceShareInvitationArn']}"
            rows.append((inv, sid, i["senderAccountId"], i["status"]))
        return sorted(rows)

    def expected(self, key, at: float) -> list[tuple]:
        account, what, which = key
        m = self.model
        if what == "shares":
            return m.shares_view(account, which == "SELF", at)
        if what == "resources":
            return m.resources_view(account, which == "SELF", at)
        if what == "principals":
            return m.principals_view(account, which == "SELF", at)
        if what == "associations":
            return m.associations_view(account, which, at)
        if what == "permissions":
            return m.permissions_view(account)
        return m.invitations_view(account, at)

    @invariant()
    def listings_agree(self):
        FIGURES["steps"] += 1
        started = time.time()
        try:
            self._listings_agree()
        finally:
            FIGURES["listing_s"] += time.time() - started

    def _listings_agree(self):
        for _attempt in range(10):
            t0 = time.time()
            listed = self.listings()
            t1 = time.time()
            near = _close_to(self.model.boundaries(), t0, t1)
            if not near:
                break
            _sleep(max(b.hi for b in near) + SLACK - time.time() + 0.001)  # and read again
        problems = []
        for key, items in listed.items():
            got, want = self.translate(key, items), self.expected(key, t1)
            FIGURES["listings"] += 1
            if got != want:
                problems.append(f"{key}:\n    ramd:  {got}\n    model: {want}")
        assert not problems, "listings differ:\n  " + "\n  ".join(problems)


def test_ramd_follows_the_reference_model(model_server, capsys):
    examples = int(os.environ.get("RAMD_MODEL_EXAMPLES", "40"))
    steps = int(os.environ.get("RAMD_MODEL_STEPS", "30"))
    seed = int(os.environ.get("RAMD_MODEL_SEED") or random.randrange(2**32))
    RamMachine.server = model_server
    for key in FIGURES:
        FIGURES[key] = 0
    OUTCOMES.clear()
    started = time.monotonic()
    try:
        run_state_machine_as_test(
            hypothesis.seed(seed)(RamMachine),
            settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                              derandomize=False, print_blob=True, phases=PHASES,
                              suppress_health_check=list(HealthCheck)))
    except BaseException:
        print(f"\nmodel-based run failed: rerun with RAMD_MODEL_SEED={seed}")
        raise
    finally:
        with capsys.disabled():
            print(f"\nmodel-based test (seed {seed}, {time.monotonic() - started:.1f} s): "
                  + ", ".join(f"{k} {round(v, 1) if isinstance(v, float) else v}" for k, v in FIGURES.items()))
            if os.environ.get("RAMD_MODEL_VERBOSE"):
                for (verb, outcome), n in sorted(OUTCOMES.items()):
                    print(f"  {verb:12} {outcome:50} {n}")


# ------------------------------------------------------------------------------------------------
# Deviations of ramd the model found, each reduced to a plain reproduction. They are strict xfails:
# once ramd is fixed they pass, pytest reports that as a failure, and the deviation is to be removed
# from KNOWN_DEVIATIONS.


def _organization_with(url: str, *members: str):
    orgs = {a: make_client(url, service="organizations", account=a) for a in ACCOUNTS}
    orgs[MANAGEMENT].create_organization(FeatureSet="ALL")
    for account in members:
        handshake = orgs[MANAGEMENT].invite_account_to_organization(
            Target={"Type": "ACCOUNT", "Id": account})["Handshake"]
        orgs[account].accept_handshake(HandshakeId=handshake["Id"])
    make_client(url, account=MANAGEMENT).enable_sharing_with_aws_organization()
    return orgs


def test_external_follows_membership_after_leaving(ramd):
    """Found by the model (ramd fixed `external` when the principal was added); fixed: external is
    whether the principal is in the owner's organization now (spec §4)."""
    a, b = ACCOUNTS[0], ACCOUNTS[1]
    orgs = _organization_with(ramd.url, b)
    ram = make_client(ramd.url, account=a)
    share = ram.create_resource_share(name="internal", resourceArns=[resource_arn(f"{a}.tgw1")],
                                      principals=[b], allowExternalPrincipals=False)["resourceShare"]
    orgs[b].leave_organization()
    [principal] = ram.list_principals(resourceOwner="SELF")["principals"]
    assert principal["id"] == b
    assert principal["external"] is True
    # A share that allows no external principals keeps the outsider, and may not say so again.
    with pytest.raises(ClientError) as excinfo:
        ram.update_resource_share(resourceShareArn=share["resourceShareArn"], allowExternalPrincipals=False)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"


def test_external_follows_membership_after_joining(ramd):
    """An invited outsider that joins the owner's organization is no longer external."""
    a, b = ACCOUNTS[0], ACCOUNTS[1]
    ram = make_client(ramd.url, account=a)
    ram.create_resource_share(name="x", resourceArns=[resource_arn(f"{a}.tgw1")], principals=[b])
    _organization_with(ramd.url, b)
    [row] = ram.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"]
    assert (row["associatedEntity"], row["status"]) == (b, "ASSOCIATING")
    assert row["external"] is False


def test_list_principals_other_accounts_names_each_share_once(ramd):
    """Found by the model (ramd listed the share once per principal reaching the caller); fixed."""
    a, b = ACCOUNTS[0], ACCOUNTS[1]
    _organization_with(ramd.url, b)
    org_arn = make_client(ramd.url, service="organizations", account=a).describe_organization()["Organization"]["Arn"]
    arn = make_client(ramd.url, account=a).create_resource_share(
        name="twice", resourceArns=[resource_arn(f"{a}.tgw1")], principals=[org_arn, b])["resourceShare"]["resourceShareArn"]
    receiver = make_client(ramd.url, account=b)
    # The share itself and its resource are listed once...
    assert len(receiver.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]) == 1
    assert len(receiver.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]) == 1
    # ... and so is the account sharing it, though two of its principals reach the receiver,
    listed = receiver.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]
    assert [(p["id"], p["resourceShareArn"]) for p in listed] == [(a, arn)]
    # also when the two fall on different pages.
    walked, token = [], None
    while True:
        page = receiver.list_principals(resourceOwner="OTHER-ACCOUNTS", maxResults=1,
                                        **({"nextToken": token} if token else {}))
        walked += [(p["id"], p["resourceShareArn"]) for p in page["principals"]]
        token = page.get("nextToken")
        if not token:
            break
    assert walked == [(a, arn)]
