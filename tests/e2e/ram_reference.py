"""A small reference model of AWS RAM's rules, for the model-based test (``test_model.py``).

Written from the behaviour spec (``shared/spec/aws-ram-spec.md``, which cites the API reference and the
user guide) and, where AWS's behaviour is unconfirmed, from ramd's documented choices
(``docs/compatibility.md``), never from ramd's code. It knows nothing of HTTP or ARNs: shares are
``S1, S2, ...``, invitations ``I1, ...``, resources ``<account>.<name>``, an organization principal is
``("org", generation)`` and its OU ``("ou", generation)``; the test maps ramd's ARNs onto these names.

Time is explicit. Every call is made at a moment that the test brackets as ``Span(lo, hi)`` (before
sending, after the answer); reads are evaluated ``at`` a time the test has made sure lies away from
every boundary (:meth:`Ram.boundaries`), so that the model and the server cannot disagree about
whether an invitation has expired or a deleted share has gone.

An operation either returns its answer or raises :class:`Refusal` with the set of error codes that the
rules allow: where several rules are broken at once, AWS documents no precedence, so any of them is
accepted, and a refused call changes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444")
MANAGEMENT = ACCOUNTS[0]  # the account that creates the organization


@dataclass(frozen=True)
class Type:
    """The resource-type facts RAM's rules depend on (spec §6.2, the user guide's shareable table)."""

    name: str
    outside_org: bool      # can be shared outside the organization (by invitation)
    consumer_leave: bool   # a receiving account may leave a share holding it
    customer_permissions: bool
    default_permission: str


TYPES = {
    "tgw": Type("ec2:TransitGateway", True, True, False, "AWSRAMDefaultPermissionTransitGateway"),
    "lic": Type("license-manager:LicenseConfiguration", True, True, False,
                "AWSRAMDefaultPermissionLicenseConfiguration"),
    "proj": Type("codebuild:Project", True, False, True, "AWSRAMDefaultPermissionCodeBuildProject"),
    "subnet": Type("ec2:Subnet", False, True, False, "AWSRAMDefaultPermissionSubnet"),
}
# Each account owns these resources; a resource name is "<account>.<kind><n>".
RESOURCE_NAMES = ("tgw1", "tgw2", "lic1", "proj1", "subnet1")


def resource_type(resource: str) -> Type:
    kind = resource.split(".", 1)[1].rstrip("0123456789")
    return TYPES[kind]


def resource_owner(resource: str) -> str:
    return resource.split(".", 1)[0]


@dataclass(frozen=True)
class Span:
    """When a call happened: after ``lo`` and before ``hi`` (wall-clock seconds)."""

    lo: float
    hi: float

    def plus(self, seconds: float) -> "Span":
        return Span(self.lo + seconds, self.hi + seconds)


class Refusal(Exception):
    def __init__(self, *codes: str):
        super().__init__(", ".join(sorted(codes)))
        self.codes = frozenset(codes)


# ----------------------------------------------------------------------------------------- state


@dataclass
class Organization:
    generation: int
    members: dict[str, str] = field(default_factory=dict)  # account -> "root" | "ou"
    sharing: bool = False  # EnableSharingWithAwsOrganization done (trusted access for RAM)
    alive: bool = True

    def reaches(self, entity, account: str) -> bool:
        """Whether an organization or OU principal of this organization covers `account` now."""
        if not (self.alive and self.sharing and account in self.members):
            return False
        kind, generation = entity
        return generation == self.generation and (kind == "org" or self.members[account] == "ou")


@dataclass
class Invitation:
    id: str
    share: str
    sender: str
    receiver: str
    created: Span
    # ACCEPTED / REJECTED by the receiver, or EXPIRED when the owner withdrew it; None while unanswered.
    answer: str | None = None
    answered: Span | None = None


@dataclass
class PrincipalAssociation:
    entity: object          # an account id, ("org", generation) or ("ou", generation)
    status: str             # ASSOCIATING (waiting for an invitation), ASSOCIATED, DISASSOCIATED
    invitation: str | None  # the invitation it waits (or waited) for


@dataclass
class Share:
    id: str
    owner: str
    name: str
    allow_external: bool
    retain: bool
    status: str = "ACTIVE"
    deleted: Span | None = None
    resources: dict[str, str] = field(default_factory=dict)  # resource -> ASSOCIATED | DISASSOCIATED
    principals: dict[object, PrincipalAssociation] = field(default_factory=dict)
    # resource type -> (permission, version): the AWS managed default attached with the first resource of
    # a type, or the one AssociateResourceSharePermission set. A permission is ("aws", name) or (owner, name).
    permissions: dict[str, tuple[tuple, int]] = field(default_factory=dict)

    def live_resources(self) -> list[str]:
        return [r for r, s in self.resources.items() if s == "ASSOCIATED"]


@dataclass
class CustomerPermission:
    owner: str
    name: str
    versions: list[int]
    default: int
    deleted: bool = False


@dataclass
class Config:
    invitation_ttl: float
    deleted_retention: float
    ended_invitation_retention: float
    pending_invitations_quota: int
    # Known ramd deviations from these rules (each has a strict-xfail reproduction in test_model.py):
    # when set, the model reproduces the deviation so that a long run can still find other ones.
    deviations: frozenset = frozenset()


# ----------------------------------------------------------------------------------------- rules


class Ram:
    def __init__(self, config: Config):
        self.config = config
        self.shares: dict[str, Share] = {}
        self.invitations: dict[str, Invitation] = {}
        self.org: Organization | None = None
        self.generations = 0
        self.retained = 0  # accounts kept as principals of their own on leaving (a figure of the run)
        self.permissions: dict[tuple, CustomerPermission] = {}  # (owner, name) -> permission

    def copy(self) -> "Ram":
        return copy.deepcopy(self)

    # --- derived state (everything time changes is computed from timestamps, as the spec's derived
    # states are: an invitation expires, a deleted share disappears, an ended invitation is purged)

    def invitation_status(self, inv: Invitation, at: float) -> str:
        if inv.answer:
            return inv.answer
        if at >= inv.created.hi + self.config.invitation_ttl:
            return "EXPIRED"
        return "PENDING"

    def invitation_ended(self, inv: Invitation) -> Span | None:
        if inv.answer:
            return inv.answered
        return inv.created.plus(self.config.invitation_ttl)

    def invitation_purged(self, inv: Invitation, at: float) -> bool:
        """Answered or expired invitations stop being listed after a retention period."""
        if self.invitation_status(inv, at) == "PENDING":
            return False
        return at >= self.invitation_ended(inv).hi + self.config.ended_invitation_retention

    def association_status(self, assoc: PrincipalAssociation, at: float) -> str:
        if assoc.status == "ASSOCIATING" and assoc.invitation:
            # An expired invitation disassociates the principal waiting for it.
            if self.invitation_status(self.invitations[assoc.invitation], at) == "EXPIRED":
                return "DISASSOCIATED"
        return assoc.status

    def share_listed(self, share: Share, at: float) -> bool:
        """A deleted share stays listed as DELETED for the retention period, then disappears."""
        return share.deleted is None or at < share.deleted.hi + self.config.deleted_retention

    def boundaries(self) -> list[Span]:
        """Every future moment at which some derived state changes by itself."""
        spans = []
        for inv in self.invitations.values():
            if not inv.answer:
                spans.append(inv.created.plus(self.config.invitation_ttl))
            spans.append(self.invitation_ended(inv).plus(self.config.ended_invitation_retention))
        for share in self.shares.values():
            if share.deleted:
                spans.append(share.deleted.plus(self.config.deleted_retention))
        return spans

    # --- the organization as RAM sees it

    def org_of(self, account: str) -> Organization | None:
        if self.org and self.org.alive and account in self.org.members:
            return self.org
        return None

    def same_org(self, a: str, b: str) -> bool:
        return self.org_of(a) is not None and self.org_of(b) is not None

    def shares_with_ram(self, account: str) -> bool:
        org = self.org_of(account)
        return bool(org and org.sharing)

    def external(self, share: Share, entity) -> bool:
        """`external`: the principal's account is not in the owner's organization (spec §4), as
        membership is now (RAM reads membership at each request)."""
        if isinstance(entity, tuple):
            return False
        return not self.same_org(share.owner, entity)

    def reaches(self, share: Share, assoc: PrincipalAssociation, account: str, at: float) -> bool:
        if self.association_status(assoc, at) != "ASSOCIATED":
            return False
        if isinstance(assoc.entity, tuple):
            # Organization and OU principals reach only the owner's own organization, read at
            # request time: members gain and lose access as they join, move and leave.
            org = self.org_of(share.owner)
            return bool(org and org.reaches(assoc.entity, account))
        return assoc.entity == account

    def has_access(self, share: Share, account: str, at: float) -> bool:
        return (share.status == "ACTIVE" and account != share.owner
                and any(self.reaches(share, a, account, at) for a in share.principals.values()))

    # --- looking a share up as a caller

    def owned_share(self, caller: str, share_id: str, at: float, *, deleted_code: str) -> Share:
        """The caller's own share; another account's is unknown to it (receivers included, for
        everything but leaving). A deleted one answers `deleted_code`."""
        share = self.shares.get(share_id)
        if share is None or share.owner != caller or not self.share_listed(share, at):
            raise Refusal("UnknownResourceException")
        if share.status == "DELETED":
            raise Refusal(deleted_code)
        return share

    # --- what may be added to a share

    def needs_invitation(self, owner: str, account: str) -> bool:
        """Accounts in the owner's organization are associated at once while it shares with RAM;
        everyone else is invited (spec §3.3)."""
        return not (self.same_org(owner, account) and self.shares_with_ram(owner))

    def pending_sent(self, owner: str, at: float) -> int:
        return sum(1 for inv in self.invitations.values()
                   if inv.sender == owner and self.invitation_status(inv, at) == "PENDING")

    def admission_errors(self, share: Share, resources: list[str], principals: list, at: float) -> set[str]:
        """Every rule that adding `resources` and `principals` to `share` would break."""
        errors = set()
        for resource in resources:
            if resource_owner(resource) != share.owner:
                errors.add("UnknownResourceException")  # one can share only what one owns
        for entity in principals:
            if isinstance(entity, tuple):
                org = self.org_of(share.owner)
                if not (org and org.sharing and entity[1] == org.generation):
                    errors.add("UnknownResourceException")  # not the owner's own organization
            elif entity == share.owner:
                errors.add("InvalidParameterException")
            elif not self.same_org(share.owner, entity) and not share.allow_external:
                errors.add("InvalidParameterException")
        # Organization-only types never reach a principal reached by invitation: an account outside
        # the owner's organization, or inside it while it does not share with RAM, judged by
        # membership now (ramd's documented reading; a member invited while sharing was off is not
        # one any more once the organization shares with RAM).
        live = {e: a for e, a in share.principals.items()
                if self.association_status(a, at) != "DISASSOCIATED"}
        invited_now = [e for e in principals if not isinstance(e, tuple) and e not in live
                       and e != share.owner and self.needs_invitation(share.owner, e)]
        invited_before = [e for e in live if not isinstance(e, tuple) and self.needs_invitation(share.owner, e)]
        org_only = [r for r in set(share.live_resources()) | set(resources) if not resource_type(r).outside_org]
        if org_only and (invited_now or invited_before):
            errors.add("InvalidParameterException")
        if invited_now and self.pending_sent(share.owner, at) + len(invited_now) > self.config.pending_invitations_quota:
            errors.add("ResourceShareLimitExceededException")
        return errors

    def _add(self, share: Share, resources: list[str], principals: list, span: Span, at: float) -> list[tuple]:
        """Adds the entities (already admitted); answers (entity, type, status) per entity asked for."""
        answer = []
        for resource in resources:
            if share.resources.get(resource) != "ASSOCIATED":
                share.resources[resource] = "ASSOCIATED"
                t = resource_type(resource)
                share.permissions.setdefault(t.name, (("aws", t.default_permission), 1))
                answer.append((resource, "RESOURCE", "ASSOCIATING"))
            else:
                answer.append((resource, "RESOURCE", "ASSOCIATED"))
        for entity in principals:
            existing = share.principals.get(entity)
            if existing and self.association_status(existing, at) != "DISASSOCIATED":
                answer.append((entity, "PRINCIPAL", self.association_status(existing, at)))
                continue
            invitation = None
            if not isinstance(entity, tuple) and self.needs_invitation(share.owner, entity):
                invitation = f"I{len(self.invitations) + 1}"
                self.invitations[invitation] = Invitation(invitation, share.id, share.owner, entity, span)
            share.principals[entity] = PrincipalAssociation(
                entity, "ASSOCIATING" if invitation else "ASSOCIATED", invitation)
            answer.append((entity, "PRINCIPAL", "ASSOCIATING"))
        return answer

    def _withdraw(self, assoc: PrincipalAssociation, span: Span, at: float) -> None:
        """The owner removing a principal whose invitation is pending withdraws it (EXPIRED)."""
        if assoc.invitation:
            inv = self.invitations[assoc.invitation]
            if self.invitation_status(inv, at) == "PENDING":
                inv.answer, inv.answered = "EXPIRED", span
        assoc.status = "DISASSOCIATED"

    # --- shares

    def create_share(self, caller: str, name: str, resources: list[str], principals: list,
                     allow_external: bool, retain: bool, span: Span, at: float) -> Share:
        share = Share(f"S{len(self.shares) + 1}", caller, name, allow_external, retain)
        errors = self.admission_errors(share, resources, principals, at)
        if not name_is_valid(name):
            errors.add("InvalidParameterException")
        if errors:
            raise Refusal(*errors)
        self.shares[share.id] = share
        self._add(share, resources, principals, span, at)
        return share

    def update_share(self, caller: str, share_id: str, name: str | None, allow_external: bool | None,
                     at: float) -> Share:
        # A malformed name is refused whatever the share (input is checked before the lookup, or after).
        errors = {"InvalidParameterException"} if name is not None and not name_is_valid(name) else set()
        try:
            share = self.owned_share(caller, share_id, at, deleted_code="UnknownResourceException")
        except Refusal as refusal:
            raise Refusal(*(errors | refusal.codes))
        if allow_external is False and any(
                self.external(share, e) and self.association_status(a, at) != "DISASSOCIATED"
                for e, a in share.principals.items()):
            errors.add("InvalidParameterException")  # external principals are still associated
        if errors:
            raise Refusal(*errors)
        if name is not None:
            share.name = name
        if allow_external is not None:
            share.allow_external = allow_external
        return share

    def delete_share(self, caller: str, share_id: str, span: Span, at: float) -> None:
        share = self.owned_share(caller, share_id, at, deleted_code="UnknownResourceException")
        share.status, share.deleted = "DELETED", span
        for resource in share.resources:
            share.resources[resource] = "DISASSOCIATED"
        for assoc in share.principals.values():
            self._withdraw(assoc, span, at)

    def associate(self, caller: str, share_id: str, resources: list[str], principals: list,
                  span: Span, at: float) -> list[tuple]:
        # What is wrong with the request itself is refused whatever the share.
        errors = {"InvalidParameterException"} if caller in principals else set()
        if any(resource_owner(r) != caller for r in resources):
            errors.add("UnknownResourceException")
        try:
            share = self.owned_share(caller, share_id, at, deleted_code="InvalidStateTransitionException")
        except Refusal as refusal:
            raise Refusal(*(errors | refusal.codes))
        errors |= self.admission_errors(share, resources, principals, at)
        if errors:
            raise Refusal(*errors)
        return self._add(share, resources, principals, span, at)

    def disassociate(self, caller: str, share_id: str, resources: list[str], principals: list,
                     span: Span, at: float) -> list[tuple]:
        share = self.shares.get(share_id)
        if share is not None and share.owner != caller and self.share_listed(share, at):
            return self._leave(caller, share, resources, principals, span, at)
        share = self.owned_share(caller, share_id, at, deleted_code="InvalidStateTransitionException")
        for resource in resources:
            if share.resources.get(resource) != "ASSOCIATED":
                raise Refusal("UnknownResourceException")  # not in the share
        for entity in principals:
            assoc = share.principals.get(entity)
            if assoc is None or self.association_status(assoc, at) == "DISASSOCIATED":
                raise Refusal("UnknownResourceException")
        for resource in resources:
            share.resources[resource] = "DISASSOCIATED"
        for entity in principals:
            self._withdraw(share.principals[entity], span, at)
        return [(r, "RESOURCE", "DISASSOCIATING") for r in resources] + \
               [(e, "PRINCIPAL", "DISASSOCIATING") for e in principals]

    def _leave(self, caller: str, share: Share, resources: list[str], principals: list,
               span: Span, at: float) -> list[tuple]:
        """A receiving account leaves a share by disassociating its own account (spec
        DisassociateResourceShare, user guide working-with-shared-leave)."""
        if not self.has_access(share, caller, at):
            raise Refusal("UnknownResourceException")  # to anyone else it is not there
        if resources or principals != [caller]:
            raise Refusal("OperationNotPermittedException")  # a receiver may only remove itself
        own = share.principals.get(caller)
        if own is None or self.association_status(own, at) != "ASSOCIATED":
            raise Refusal("OperationNotPermittedException")  # reached through the organization only
        if not all(resource_type(r).consumer_leave for r in share.live_resources()):
            raise Refusal("OperationNotPermittedException")
        own.status = "DISASSOCIATED"
        return [(caller, "PRINCIPAL", "DISASSOCIATING")]

    # --- invitations

    def _received(self, caller: str, inv_id: str | None, at: float) -> Invitation:
        inv = self.invitations.get(inv_id) if inv_id else None
        if inv is None or inv.receiver != caller or self.invitation_purged(inv, at):
            raise Refusal("ResourceShareInvitationArnNotFoundException")
        status = self.invitation_status(inv, at)
        if status != "PENDING":
            raise Refusal({"ACCEPTED": "ResourceShareInvitationAlreadyAcceptedException",
                           "REJECTED": "ResourceShareInvitationAlreadyRejectedException",
                           "EXPIRED": "ResourceShareInvitationExpiredException"}[status])
        return inv

    def accept(self, caller: str, inv_id: str | None, span: Span, at: float) -> Invitation:
        inv = self._received(caller, inv_id, at)
        inv.answer, inv.answered = "ACCEPTED", span
        self.shares[inv.share].principals[inv.receiver].status = "ASSOCIATED"
        return inv

    def reject(self, caller: str, inv_id: str | None, span: Span, at: float) -> Invitation:
        inv = self._received(caller, inv_id, at)
        inv.answer, inv.answered = "REJECTED", span
        self.shares[inv.share].principals[inv.receiver].status = "DISASSOCIATED"
        return inv

    # --- the organization (Organizations' API; the test only makes valid changes)

    def create_organization(self) -> None:
        self.generations += 1
        self.org = Organization(self.generations, {MANAGEMENT: "root"})

    def join(self, account: str) -> None:
        self.org.members[account] = "root"

    def move(self, account: str) -> None:
        self.org.members[account] = "ou" if self.org.members[account] == "root" else "root"

    def depart(self, account: str, at: float) -> None:
        """An account leaves the organization or is removed from it."""
        org = self.org
        # Shares asking to retain sharing keep the departing account as a principal of its own
        # when the organization or an OU gave it access (retainSharingOnAccountLeaveOrganization).
        for share in self.shares.values():
            if share.retain and share.owner != account and share.status == "ACTIVE" and any(
                    isinstance(a.entity, tuple) and self.reaches(share, a, account, at)
                    for a in share.principals.values()):
                own = share.principals.get(account)
                if own is None or self.association_status(own, at) == "DISASSOCIATED":
                    share.principals[account] = PrincipalAssociation(account, "ASSOCIATED", None)
                    self.retained += 1
        # The departing account's own organization and OU principals end.
        self._end_org_principals(account)
        del org.members[account]

    def enable_sharing(self, caller: str) -> None:
        org = self.org_of(caller)
        if org is None or caller != MANAGEMENT:
            raise Refusal("OperationNotPermittedException")
        org.sharing = True

    def disable_sharing(self) -> None:
        # Organization and OU principals stay listed but reach nobody (reaches() reads the flag).
        self.org.sharing = False

    def delete_organization(self) -> None:
        self._end_org_principals(MANAGEMENT)
        self.org.alive = False

    def _end_org_principals(self, owner: str) -> None:
        for share in self.shares.values():
            if share.owner == owner:
                for assoc in share.principals.values():
                    if isinstance(assoc.entity, tuple):
                        assoc.status = "DISASSOCIATED"

    # --- managed permissions (customer managed ones are for codebuild:Project, the one type of the
    # model that allows them; AWS managed ones have the single version 1 in ramd's catalogue)

    CUSTOMER_TYPE = TYPES["proj"].name

    def _permission_type(self, perm: tuple) -> str:
        if perm[0] == "aws":
            return next(t.name for t in TYPES.values() if t.default_permission == perm[1])
        return self.CUSTOMER_TYPE

    def _own_permission(self, caller: str, perm: tuple) -> CustomerPermission:
        """A customer managed permission the caller may change: its own (another account's is
        unknown to it); AWS managed ones cannot be changed."""
        if perm[0] == "aws":
            raise Refusal("OperationNotPermittedException")
        found = self.permissions.get(perm)
        if found is None or perm[0] != caller:
            raise Refusal("UnknownResourceException")
        return found

    def attached_anywhere(self, perm: tuple) -> bool:
        return any(p == perm for s in self.shares.values() if s.status == "ACTIVE" for p, _ in s.permissions.values())

    def create_permission(self, caller: str, name: str) -> CustomerPermission:
        if (caller, name) in self.permissions:
            raise Refusal("PermissionAlreadyExistsException")  # names stay taken while a deleted one is listed
        self.permissions[(caller, name)] = CustomerPermission(caller, name, [1], 1)
        return self.permissions[(caller, name)]

    def create_permission_version(self, caller: str, perm: tuple) -> int:
        found = self._own_permission(caller, perm)
        if found.deleted:
            raise Refusal("UnknownResourceException", "OperationNotPermittedException")
        if len(found.versions) >= 5:
            raise Refusal("PermissionVersionsLimitExceededException")
        # The new version becomes the default; shares keep the version they have.
        found.default = max(found.versions) + 1
        found.versions.append(found.default)
        return found.default

    def delete_permission(self, caller: str, perm: tuple) -> str:
        found = self._own_permission(caller, perm)
        if found.deleted:
            raise Refusal("UnknownResourceException", "OperationNotPermittedException")
        if self.attached_anywhere(perm):
            raise Refusal("OperationNotPermittedException")  # only an unattached permission is deleted
        found.deleted = True
        return "DELETING"

    def attach_permission(self, caller: str, share_id: str, perm: tuple, replace: bool, at: float) -> bool:
        """AssociateResourceSharePermission: the permission (its default version) for its resource type."""
        share = self.owned_share(caller, share_id, at, deleted_code="UnknownResourceException")
        if perm[0] == "aws":
            version = 1
        else:
            found = self.permissions.get(perm)
            if found is None or perm[0] != caller:
                raise Refusal("UnknownResourceException")
            if found.deleted:
                raise Refusal("OperationNotPermittedException")
            version = found.default
        kind = self._permission_type(perm)
        current = share.permissions.get(kind)
        if current and current != (perm, version) and not replace:
            raise Refusal("InvalidParameterException")  # replace=true guards against overwriting
        share.permissions[kind] = (perm, version)
        return True

    def share_permissions(self, caller: str, share_id: str, at: float) -> list[tuple]:
        """ListResourceSharePermissions: for the owner and the accounts the share reaches."""
        share = self.shares[share_id]
        if not self.share_listed(share, at) or (share.owner != caller and not self.has_access(share, caller, at)):
            raise Refusal("UnknownResourceException")
        return sorted((perm, version, kind) for kind, (perm, version) in share.permissions.items())

    def permissions_view(self, caller: str) -> list[tuple]:
        """ListPermissions(CUSTOMER_MANAGED): the caller's own, at their default version."""
        return sorted((p.name, p.default, "DELETED" if p.deleted else "ATTACHABLE")
                      for p in self.permissions.values() if p.owner == caller)

    # --- views, as each account lists them (the test compares these with ramd's listings)

    def shares_view(self, caller: str, owner_view: bool, at: float) -> list[tuple]:
        if owner_view:
            return sorted((s.id, s.name, s.status, s.allow_external, s.retain) for s in self.shares.values()
                          if s.owner == caller and self.share_listed(s, at))
        return sorted((s.id, s.name, s.status, s.allow_external, s.retain) for s in self.shares.values()
                      if self.has_access(s, caller, at))

    def associations_view(self, caller: str, kind: str, at: float) -> list[tuple]:
        rows = []
        for s in self.shares.values():
            if s.owner != caller or not self.share_listed(s, at):
                continue
            if kind == "RESOURCE":
                rows += [(s.id, r, status, False) for r, status in s.resources.items()]
            else:
                rows += [(s.id, e, self.association_status(a, at), self.external(s, e))
                         for e, a in s.principals.items()]
        return sorted(rows, key=repr)

    def invitations_view(self, caller: str, at: float) -> list[tuple]:
        return sorted((i.id, i.share, i.sender, self.invitation_status(i, at))
                      for i in self.invitations.values()
                      if i.receiver == caller and not self.invitation_purged(i, at))

    def resources_view(self, caller: str, owner_view: bool, at: float) -> list[tuple]:
        if owner_view:
            return sorted((r, s.id) for s in self.shares.values() if s.owner == caller
                          for r in s.live_resources())
        return sorted((r, s.id) for s in self.shares.values() if self.has_access(s, caller, at)
                      for r in s.live_resources())

    def principals_view(self, caller: str, owner_view: bool, at: float) -> list[tuple]:
        if owner_view:
            return sorted(((e, s.id, self.external(s, e)) for s in self.shares.values() if s.owner == caller
                           for e, a in s.principals.items()
                           if self.association_status(a, at) != "DISASSOCIATED"), key=repr)
        # OTHER-ACCOUNTS: the accounts sharing with the caller, one entry per share reaching it.
        return sorted((s.owner, s.id) for s in self.shares.values() if self.has_access(s, caller, at))

    def pending_resources(self, caller: str, inv_id: str | None, at: float) -> list[str]:
        """ListPendingInvitationResources: the resources of the share an invitation is for."""
        inv = self.invitations.get(inv_id) if inv_id else None
        if inv is None or inv.receiver != caller or self.invitation_purged(inv, at):
            raise Refusal("ResourceShareInvitationArnNotFoundException")
        status = self.invitation_status(inv, at)
        if status == "REJECTED":
            raise Refusal("ResourceShareInvitationAlreadyRejectedException")
        if status == "EXPIRED":
            raise Refusal("ResourceShareInvitationExpiredException")
        # ramd's documented choice: an accepted invitation answers too (AWS models no error for it).
        return sorted(self.shares[inv.share].live_resources())

    def can_see(self, caller: str, share_id: str, owner_view: bool, at: float) -> bool:
        """GetResourceShares naming one share: found, or UnknownResourceException."""
        share = self.shares[share_id]
        if owner_view:
            return share.owner == caller and self.share_listed(share, at)
        return self.has_access(share, caller, at)


def name_is_valid(name: str) -> bool:
    """ramd's documented rule (the model puts none): 1-255 of letters, digits, spaces, '.', '-', '_'."""
    return 0 < len(name) <= 255 and name.strip() != "" and all(c.isascii() and (c.isalnum() or c in " .-_") for c in name)
