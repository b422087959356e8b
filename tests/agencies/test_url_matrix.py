"""The permission matrix: every URL of the project, every role, every relation to the record.

A URL pattern that is not classified here fails `test_every_url_pattern_is_classified`, so a
new page cannot ship without its access rule being stated and tested.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.models import Agency, Role
from agencies.roles import Capability, role_can
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
C = Capability


@dataclass(frozen=True)
class Public:
    """Reachable without signing in."""

    method: str = "get"


@dataclass(frozen=True)
class SignedIn:
    """Any signed-in user."""


@dataclass(frozen=True)
class RoleScoped:
    """A signed-in user holding `capability` in any agency; everyone else gets 404."""

    capability: Capability


@dataclass(frozen=True)
class AdministeredObject:
    """An agency, user or membership of a partnership the administrator manages."""

    target: str  # "agency", "user" or "membership"
    method: str = "get"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RecordScoped:
    """A record (case) seen through the access rule: owner, shared, or unrelated agency."""

    capability: Capability
    method: str = "get"
    owner_only: bool = False
    data: dict = field(default_factory=dict)


URL_RULES = {
    "core:health": Public(),
    "core:accessibility": Public(),
    "core:privacy": Public(),
    "agencies:sign-in": Public(),
    "agencies:sign-out": Public(method="post"),
    "agencies:invitation-accept": Public(),
    "core:home": SignedIn(),
    "agencies:two-factor-setup": SignedIn(),
    "agencies:two-factor-verify": SignedIn(),
    "agencies:reauthenticate": SignedIn(),
    "agencies:access-log": RoleScoped(C.VIEW_ACCESS_LOG),
    "agencies:admin-agency-list": RoleScoped(C.MANAGE_USERS),
    "agencies:admin-agency-create": RoleScoped(C.MANAGE_USERS),
    "agencies:admin-user-list": RoleScoped(C.MANAGE_USERS),
    "agencies:admin-user-invite": RoleScoped(C.MANAGE_USERS),
    "agencies:admin-agency-edit": AdministeredObject("agency"),
    "agencies:admin-user-detail": AdministeredObject("user"),
    "agencies:admin-user-set-active": AdministeredObject(
        "user", method="post", data={"reason": "Left the agency"}
    ),
    "agencies:admin-membership-end": AdministeredObject("membership", method="post"),
    "cases:case-detail": RecordScoped(C.VIEW_RECORDS),
    "cases:case-history": RecordScoped(C.VIEW_RECORDS),
    "cases:case-share": RecordScoped(
        C.SHARE_RECORDS, method="post", owner_only=True, data={"reason": "Strategy meeting"}
    ),
    "cases:case-unshare": RecordScoped(
        C.SHARE_RECORDS, method="post", owner_only=True, data={"reason": "No longer involved"}
    ),
}


def url_names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def test_every_url_pattern_is_classified():
    names = list(url_names(get_resolver().url_patterns))
    assert "None" not in names, "every URL pattern needs a name"
    unclassified = sorted(set(names) - set(URL_RULES))
    assert unclassified == [], f"classify these URLs in URL_RULES: {unclassified}"
    assert sorted(set(URL_RULES) - set(names)) == [], "URL_RULES names URLs that no longer exist"


def rules_of(kind) -> list[str]:
    return [name for name, rule in URL_RULES.items() if isinstance(rule, kind)]


def request(client, method: str, url: str, data: dict | None = None):
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize("name", rules_of(Public))
def test_public_urls_answer_without_signing_in(client, name):
    from django.urls import reverse

    args = ["MQ", "bad-token"] if name == "agencies:invitation-accept" else []
    response = request(client, URL_RULES[name].method, reverse(name, args=args))
    location = response.get("Location", "")
    assert not location.startswith("/sign-in/?next="), f"{name} asked for sign-in"
    assert response.status_code < 500


SIGNED_IN_URLS = {
    "core:home": "/",
    "agencies:two-factor-setup": "/two-factor/set-up/",
    "agencies:two-factor-verify": "/two-factor/verify/",
    "agencies:reauthenticate": "/confirm-identity/",
}


@pytest.mark.parametrize(("name", "role"), itertools.product(rules_of(SignedIn), list(Role)))
def test_signed_in_urls_need_a_signed_in_user_of_any_role(client, name, role):
    url = SIGNED_IN_URLS[name]
    assert client.get(url)["Location"].startswith("/sign-in/?next=")
    sign_in(client, MembershipFactory(role=role).user)
    assert client.get(url).status_code in {200, 302}


ROLE_SCOPED_URLS = {
    "agencies:access-log": "/access-log/",
    "agencies:admin-agency-list": "/administration/",
    "agencies:admin-agency-create": "/administration/agencies/new/",
    "agencies:admin-user-list": "/administration/users/",
    "agencies:admin-user-invite": "/administration/users/new/",
}


@pytest.mark.parametrize(("name", "role"), itertools.product(rules_of(RoleScoped), list(Role)))
def test_role_scoped_urls_open_only_for_roles_with_the_capability(client, name, role):
    url = ROLE_SCOPED_URLS[name]
    assert client.get(url)["Location"].startswith("/sign-in/?next=")
    sign_in(client, MembershipFactory(role=role).user)
    expected = 200 if role_can(role, URL_RULES[name].capability) else 404
    assert client.get(url).status_code == expected


def administered_target_url(target: str, agency: Agency) -> str:
    if target == "agency":
        return f"/administration/agencies/{agency.public_id}/"
    membership = MembershipFactory(agency=agency, user=UserFactory())
    if target == "user":
        return f"/administration/users/{membership.user.public_id}/"
    return f"/administration/memberships/{membership.public_id}/end/"


@pytest.mark.parametrize(
    ("name", "role", "relation"),
    itertools.product(rules_of(AdministeredObject), list(Role), ["same_partnership", "other"]),
)
def test_administration_objects_open_only_to_administrators_of_their_partnership(
    client, name, role, relation
):
    rule = URL_RULES[name]
    partnership = PartnershipFactory()
    viewer_agency = AgencyFactory(partnerships=[partnership])
    target_agency = AgencyFactory(
        partnerships=[partnership] if relation == "same_partnership" else [PartnershipFactory()]
    )
    url = administered_target_url(rule.target, target_agency)
    sign_in(client, MembershipFactory(role=role, agency=viewer_agency).user)

    response = request(client, rule.method, url, rule.data)

    allowed = role == Role.ADMINISTRATOR and relation == "same_partnership"
    if allowed:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "role", "relation"),
    itertools.product(rules_of(RecordScoped), list(Role), ["owner", "shared", "other"]),
)
def test_records_open_only_through_the_access_rule(client, name, role, relation):
    rule = URL_RULES[name]
    partnership = PartnershipFactory()
    owner, shared, other, candidate = (AgencyFactory(partnerships=[partnership]) for _ in range(4))
    case = CaseFactory(owner_agency=owner)
    from agencies.access import record_share

    record_share(record=case, agency=shared, reason="Referral accepted", by=UserFactory())
    viewer_agency = {"owner": owner, "shared": shared, "other": other}[relation]
    sign_in(client, MembershipFactory(role=role, agency=viewer_agency).user)
    urls = {
        "cases:case-detail": f"/cases/{case.public_id}/",
        "cases:case-history": f"/cases/{case.public_id}/history/",
        "cases:case-share": f"/cases/{case.public_id}/share/",
        "cases:case-unshare": f"/cases/{case.public_id}/shares/{shared.public_id}/withdraw/",
    }
    data = dict(rule.data)
    if name == "cases:case-share":
        data["agency"] = str(candidate.public_id)

    response = request(client, rule.method, urls[name], data)

    allowed = (
        relation != "other"
        and role_can(role, rule.capability)
        and (relation == "owner" or not rule.owner_only)
    )
    if not allowed:
        assert response.status_code == 404
    elif rule.method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == f"/cases/{case.public_id}/"
