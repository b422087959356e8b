"""The permission matrix: every URL of the project, every role, every relation to the record.

A URL pattern that is not classified here fails `test_every_url_pattern_is_classified`, so a
new page cannot ship without its access rule being stated and tested.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from agencies.models import Agency, Role
from agencies.roles import Capability, role_can
from cases.models import Association
from cases.services import case_share
from core.models import Task
from indicators.models import IndicatorSet
from referrals.models import Referral
from referrals.views import access_request_token
from reports.models import ExportJob, ReturnSchedule, TemplateImport
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
)
from tests.worlds import record_world

pytestmark = pytest.mark.django_db
C = Capability


@dataclass(frozen=True)
class Public:
    """Reachable without signing in."""

    method: str = "get"


@dataclass(frozen=True)
class SignedIn:
    """Any signed-in user."""

    method: str = "get"


@dataclass(frozen=True)
class RoleScoped:
    """A signed-in user holding `capability` in any agency; everyone else gets 404."""

    capability: Capability


@dataclass(frozen=True)
class AdministeredObject:
    """An agency or partnership of a partnership the administrator's agency belongs to, or a
    user or membership of the administrator's own agency (never of another agency)."""

    target: str  # "agency", "partnership", "user" or "membership"
    method: str = "get"
    data: dict = field(default_factory=dict)

    @property
    def partnership_wide(self) -> bool:
        return self.target in {"agency", "partnership"}


@dataclass(frozen=True)
class MembershipRequestScoped:
    """A membership asked for in an agency: seen by whoever asked and by the agency's
    administrators and CSE leads; decided (POST) only by those of the agency who did not ask."""

    method: str = "get"


@dataclass(frozen=True)
class RecordScoped:
    """A record reached through the access rule: its holding agency, an agency it was shared
    with, or an unrelated agency. `path` is built from the test's world of records."""

    capability: Capability | tuple[Capability, ...]
    path: str
    method: str = "get"
    owner_only: bool = False
    data: dict = field(default_factory=dict)
    allowed_status: int | None = None  # default: 200 for GET, a redirect (302) for POST
    # What an entitled user gets from the other method (POST with no data to a page, GET of
    # a form that is posted): the page or the form again (200), or 405 where the view takes
    # one method only.
    other_method_status: int = 200


@dataclass(frozen=True)
class TaskScoped:
    """A task for one role in one agency."""

    method: str = "get"


@dataclass(frozen=True)
class RequesterScoped:
    """An export: only the person who asked for it, while they hold the capability."""


@dataclass(frozen=True)
class RestrictionScoped:
    """Changing or lifting a restriction: only a user named on it who may restrict records of
    the holding agency."""

    action: str  # "change" or "lift"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RestrictedRecordScoped:
    """The page of a restricted record for those the access rule lets reach it: that it exists
    (GET), and emergency access (POST, for roles that may break the glass)."""

    path: str
    method: str = "get"


@dataclass(frozen=True)
class ReferralScoped:
    """A referral, seen from the referring agency, the receiving agency, or neither."""


CASE_DETAILS = {
    "first_contact_date": "",
    "living_situation": "unknown",
    "moved_into_care_after_intervention": "unknown",
    "school_engagement": "unknown",
}


URL_RULES = {
    "core:health": Public(),
    "core:accessibility": Public(),
    "core:privacy": Public(),
    "agencies:sign-in": Public(),
    "agencies:sign-out": Public(method="post"),
    "agencies:password-link": Public(),
    "agencies:password-set": Public(),
    "agencies:password-forgotten": Public(),
    "core:home": SignedIn(),
    "agencies:two-factor-setup": SignedIn(),
    "agencies:two-factor-verify": SignedIn(),
    "agencies:reauthenticate": SignedIn(),
    "agencies:two-factor-recovery": SignedIn(),
    "agencies:account": SignedIn(),
    "agencies:password-change": SignedIn(),
    "agencies:recovery-codes-new": SignedIn(method="post"),
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
    "agencies:admin-user-two-factor-reset": AdministeredObject(
        "user", method="post", data={"reset-reason": "Phone lost, confirmed by telephone"}
    ),
    "agencies:admin-membership-requests": RoleScoped(C.APPROVE_MEMBERSHIPS),
    "agencies:admin-membership-request": MembershipRequestScoped(),
    "core:task-list": SignedIn(),
    "core:task-detail": TaskScoped(),
    "core:task-done": TaskScoped(method="post"),
    "cases:case-list": RoleScoped(C.VIEW_RECORDS),
    "cases:retention-list": RoleScoped(C.REVIEW_RETENTION),
    "cases:retention-case": RecordScoped(
        C.REVIEW_RETENTION, "/reviews/cases/{case}/", owner_only=True
    ),
    "cases:retention-person": RecordScoped(
        C.REVIEW_RETENTION, "/reviews/people/{child}/", owner_only=True
    ),
    "cases:person-search": RoleScoped(C.VIEW_RECORDS),
    "cases:concern-new-child": RoleScoped(C.EDIT_RECORDS),
    "cases:case-detail": RecordScoped(C.VIEW_RECORDS, "/cases/{case}/"),
    "cases:case-history": RecordScoped(C.VIEW_RECORDS, "/cases/{case}/history/"),
    "cases:case-chronology": RecordScoped(C.VIEW_RECORDS, "/cases/{case}/chronology/"),
    "cases:case-chronology-print": RecordScoped(C.VIEW_RECORDS, "/cases/{case}/chronology/print/"),
    "cases:concern-history": RecordScoped(C.VIEW_RECORDS, "/concerns/{concern}/history/"),
    "cases:concern-edit": RecordScoped(C.EDIT_RECORDS, "/concerns/{concern}/edit/"),
    "cases:person-history": RecordScoped(C.VIEW_RECORDS, "/people/{child}/history/"),
    "cases:network-history": RecordScoped(C.VIEW_RECORDS, "/networks/{network}/history/"),
    "cases:person-unshare": RecordScoped(
        C.SHARE_RECORDS,
        "/people/{suspect}/shares/{shared}/withdraw/",
        method="post",
        owner_only=True,
        data={"reason": "No longer involved"},
    ),
    "cases:case-edit": RecordScoped(
        C.EDIT_RECORDS, "/cases/{case}/edit/", method="post", data=CASE_DETAILS
    ),
    "cases:case-note-add": RecordScoped(
        C.EDIT_RECORDS, "/cases/{case}/notes/new/", method="post", data={"text": "Seen at school"}
    ),
    "cases:case-close": RecordScoped(
        C.SIGN_OFF, "/cases/{case}/close/", method="post", data={"reason": "Moved away"}
    ),
    "cases:case-share": RecordScoped(
        C.SHARE_RECORDS,
        "/cases/{case}/share/",
        method="post",
        owner_only=True,
        data={
            "reason": "Strategy meeting",
            "lawful_basis": "safeguarding",
            "agency": "{candidate}",
        },
    ),
    "cases:case-unshare": RecordScoped(
        C.SHARE_RECORDS,
        "/cases/{case}/shares/{shared}/withdraw/",
        method="post",
        owner_only=True,
        data={"reason": "No longer involved"},
    ),
    "cases:concern-new-for-case": RecordScoped(C.EDIT_RECORDS, "/cases/{case}/concerns/new/"),
    "cases:missing-episode-new": RecordScoped(C.EDIT_RECORDS, "/cases/{case}/missing/new/"),
    "cases:missing-episode-edit": RecordScoped(C.EDIT_RECORDS, "/missing-episodes/{episode}/edit/"),
    "cases:concern-detail": RecordScoped(C.VIEW_RECORDS, "/concerns/{concern}/"),
    "cases:concern-submit": RecordScoped(
        C.EDIT_RECORDS, "/concerns/{concern}/submit/", method="post", other_method_status=405
    ),
    "cases:person-detail": RecordScoped(C.VIEW_RECORDS, "/people/{child}/"),
    "cases:person-edit": RecordScoped(C.EDIT_RECORDS, "/people/{child}/edit/"),
    "cases:person-detail-add": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE),
        "/people/{child}/details/",
        method="post",
        data={"kind": "alias", "value": "Jay"},
        other_method_status=405,
    ),
    "cases:person-merge": RecordScoped(C.SIGN_OFF, "/people/{child}/merge/", owner_only=True),
    "cases:person-share": RecordScoped(
        C.SHARE_RECORDS,
        "/people/{child}/share/",
        method="post",
        owner_only=True,
        data={
            "reason": "Requested after a referral",
            "lawful_basis": "law_enforcement",
            "agency": "{candidate}",
        },
    ),
    "referrals:inbox": RoleScoped(C.VIEW_RECORDS),
    "cases:network-list": RoleScoped(C.VIEW_RECORDS),
    "cases:network-suggestions": RoleScoped(C.ANALYSE),
    "cases:person-graph": RecordScoped(C.VIEW_RECORDS, "/people/{child}/graph/"),
    "cases:association-new": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE), "/people/{child}/links/new/"
    ),
    "cases:network-detail": RecordScoped(C.VIEW_RECORDS, "/networks/{network}/"),
    "cases:network-edit": RecordScoped(C.ANALYSE, "/networks/{network}/edit/", owner_only=True),
    "cases:network-member-add": RecordScoped(
        C.ANALYSE,
        "/networks/{network}/members/new/",
        method="post",
        owner_only=True,
        data={"person": "{suspect}", "role": "core", "joined_on": "2025-01-01"},
    ),
    "cases:network-member-edit": RecordScoped(
        C.ANALYSE,
        "/networks/{network}/members/{member}/edit/",
        method="post",
        owner_only=True,
        data={"role": "victim", "joined_on": "2025-01-01", "left_on": ""},
    ),
    "cases:network-member-role": RecordScoped(
        C.ANALYSE,
        "/networks/{network}/members/{member}/role/",
        method="post",
        owner_only=True,
        data={"role": "core"},
        other_method_status=405,
    ),
    "meetings:meeting-list": RoleScoped(C.VIEW_RECORDS),
    "meetings:meeting-new": RoleScoped(C.CHAIR_MEETINGS),
    # A meeting chaired by the holding agency ("owner") and attended by the agency the case is
    # shared with; the unrelated agency does not attend (tests/meetings covers an attending
    # agency that may not see an item's record).
    "meetings:meeting-detail": RecordScoped(C.VIEW_RECORDS, "/meetings/{meeting}/"),
    "meetings:meeting-print": RecordScoped(C.VIEW_RECORDS, "/meetings/{meeting}/print/"),
    "meetings:meeting-edit": RecordScoped(
        C.CHAIR_MEETINGS, "/meetings/{meeting}/edit/", owner_only=True
    ),
    "meetings:item-new": RecordScoped(C.CHAIR_MEETINGS, "/meetings/items/new/case/{case}/"),
    "meetings:item-detail": RecordScoped(C.VIEW_RECORDS, "/meetings/items/{item}/"),
    "meetings:item-information": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE),
        "/meetings/items/{item}/information/",
        method="post",
        data={"text": "Seen at the park with older males"},
        other_method_status=405,
    ),
    "meetings:item-outcome": RecordScoped(
        C.CHAIR_MEETINGS,
        "/meetings/items/{item}/outcome/",
        method="post",
        owner_only=True,
        data={
            "risk_category": "3",
            "decisions": "Strategy meeting",
            "next_review_on": "2031-01-01",
        },
        other_method_status=405,
    ),
    "meetings:item-withdraw": RecordScoped(
        C.CHAIR_MEETINGS,
        "/meetings/items/{item}/withdraw/",
        method="post",
        owner_only=True,
        data={"reason": "Added to the wrong meeting"},
    ),
    "meetings:action-new": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE),
        "/meetings/items/{item}/actions/new/",
        method="post",
        data={"description": "Visit home", "owner_agency": "{shared}", "due_on": "2031-01-01"},
        other_method_status=405,
    ),
    "meetings:action-edit": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE), "/meetings/actions/{action}/"
    ),
    "restrictions:person-restrict": RecordScoped(
        C.RESTRICT_RECORDS,
        "/people/{child}/restrict/",
        method="post",
        owner_only=True,
        data={"reason": "Related to a member of staff"},
    ),
    "restrictions:case-restrict": RecordScoped(
        C.RESTRICT_RECORDS,
        "/cases/{case}/restrict/",
        method="post",
        owner_only=True,
        data={"reason": "Undercover operation"},
    ),
    "restrictions:change": RestrictionScoped("change", data={"reason": "Moved team"}),
    "restrictions:lift": RestrictionScoped("lift", data={"reason": "No longer needed"}),
    "restrictions:restricted-person": RestrictedRecordScoped("/restricted/people/{child}/"),
    "restrictions:restricted-case": RestrictedRecordScoped("/restricted/cases/{case}/"),
    "referrals:deadline-policy-edit": AdministeredObject("partnership"),
    "referrals:referral-new": RecordScoped(C.EDIT_RECORDS, "/cases/{case}/referrals/new/"),
    "referrals:referral-detail": ReferralScoped(),
    "referrals:referral-step": ReferralScoped(),
    "referrals:access-request": ReferralScoped(),
    "reports:dashboard": RoleScoped(C.VIEW_DASHBOARDS),
    "reports:data-quality": RoleScoped(C.VIEW_DASHBOARDS),
    "reports:table-csv": RoleScoped(C.VIEW_DASHBOARDS),
    "reports:problem-profile": RoleScoped(C.VIEW_DASHBOARDS),
    "reports:problem-profile-pdf": RoleScoped(C.VIEW_DASHBOARDS),
    "reports:returns": RoleScoped(C.EXPORT_RETURNS),
    "reports:return-jobs": RoleScoped(C.EXPORT_RETURNS),
    "reports:return-download": RequesterScoped(),
    "reports:template-upload": RoleScoped(C.EXPORT_RETURNS),
    "reports:template-import": RequesterScoped(),
    "reports:return-schedule-stop": RequesterScoped(),
    "reports:template-blank": SignedIn(),
    "indicators:set-list": SignedIn(),
    "indicators:set-detail": SignedIn(),
    "indicators:set-upload": RoleScoped(C.MANAGE_USERS),
    "indicators:overdue": RoleScoped(C.SIGN_OFF),
    "indicators:assessment-new": RecordScoped(C.EDIT_RECORDS, "/cases/{case}/assessments/new/"),
    "indicators:assessment-preview": RecordScoped(
        C.EDIT_RECORDS,
        "/cases/{case}/assessments/preview/",
        method="post",
        data={"assessed_on": "2025-01-01", "r_S01": "recent"},
        allowed_status=200,
        other_method_status=405,
    ),
    "indicators:assessment-detail": RecordScoped(C.VIEW_RECORDS, "/assessments/{assessment}/"),
    "indicators:assessment-edit": RecordScoped(C.EDIT_RECORDS, "/assessments/{assessment}/edit/"),
    "interventions:flags-due": RoleScoped(C.VIEW_RECORDS),
    "interventions:flag-type-list": RoleScoped(C.MANAGE_USERS),
    "interventions:flag-type-new": RoleScoped(C.MANAGE_USERS),
    "interventions:flag-type-edit": RoleScoped(C.MANAGE_USERS),
    "interventions:location-detail": RecordScoped(C.VIEW_RECORDS, "/locations/{location}/"),
    "interventions:person-flag-new": RecordScoped(C.EDIT_RECORDS, "/people/{suspect}/flags/new/"),
    "interventions:location-flag-new": RecordScoped(
        C.EDIT_RECORDS, "/locations/{location}/flags/new/"
    ),
    "interventions:flag-review": RecordScoped(C.EDIT_RECORDS, "/flags/{flag}/review/"),
    "interventions:flag-remove": RecordScoped(C.EDIT_RECORDS, "/flags/{flag}/remove/"),
    "interventions:person-disruption-new": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE), "/people/{suspect}/disruption/new/"
    ),
    "interventions:location-disruption-new": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE), "/locations/{location}/disruption/new/"
    ),
    "interventions:network-disruption-new": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE), "/networks/{network}/disruption/new/"
    ),
    "interventions:disruption-remove": RecordScoped(
        (C.EDIT_RECORDS, C.ANALYSE),
        "/disruption/{disruption}/remove/",
        method="post",
        data={"reason": "Recorded against the wrong suspect"},
    ),
    "interventions:victim-support-edit": RecordScoped(
        C.EDIT_RECORDS, "/cases/{case}/victim-support/"
    ),
    "interventions:court-date-new": RecordScoped(
        C.EDIT_RECORDS, "/cases/{case}/victim-support/court-dates/new/"
    ),
    "interventions:court-date-remove": RecordScoped(
        C.EDIT_RECORDS,
        "/court-dates/{court_date}/remove/",
        method="post",
        other_method_status=405,
    ),
    "indicators:assessment-sign-off": RecordScoped(
        C.SIGN_OFF,
        "/assessments/{lowered}/sign-off/",
        method="post",
        owner_only=True,
        data={"decision": "approve", "reason": "Agreed at supervision"},
        other_method_status=405,
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

    response = request(client, URL_RULES[name].method, reverse(name))
    location = response.get("Location", "")
    assert not location.startswith("/sign-in/?next="), f"{name} asked for sign-in"
    assert response.status_code < 500


SIGNED_IN_URLS = {
    "core:home": "/",
    "agencies:two-factor-setup": "/two-factor/set-up/",
    "agencies:two-factor-verify": "/two-factor/verify/",
    "agencies:reauthenticate": "/confirm-identity/",
    "agencies:two-factor-recovery": "/two-factor/recovery/",
    "agencies:account": "/account/",
    "agencies:password-change": "/account/password/",
    "agencies:recovery-codes-new": "/account/recovery-codes/",
    "core:task-list": "/tasks/",
    "indicators:set-list": "/indicator-sets/",
    "indicators:set-detail": "/indicator-sets/{current_set}/",
    "reports:template-blank": "/template/partnership-data-template.xlsx",
}


@pytest.mark.parametrize(("name", "role"), itertools.product(rules_of(SignedIn), list(Role)))
def test_signed_in_urls_need_a_signed_in_user_of_any_role(client, name, role):
    current = IndicatorSet.objects.get(is_current=True)
    url = SIGNED_IN_URLS[name].format(current_set=current.public_id)
    method = URL_RULES[name].method
    assert request(client, method, url)["Location"].startswith("/sign-in/?next=")
    sign_in(client, MembershipFactory(role=role).user)
    assert request(client, method, url).status_code in {200, 302}


ROLE_SCOPED_URLS = {
    "cases:case-list": "/cases/",
    "cases:retention-list": "/reviews/",
    "cases:person-search": "/people/search/",
    "cases:concern-new-child": "/concerns/new/",
    "indicators:set-upload": "/administration/indicator-sets/new/",
    "referrals:inbox": "/referrals/",
    "cases:network-list": "/networks/",
    "meetings:meeting-list": "/meetings/",
    "meetings:meeting-new": "/meetings/new/",
    "cases:network-suggestions": "/networks/suggested/",
    "indicators:overdue": "/assessments/overdue/",
    "agencies:access-log": "/access-log/",
    "agencies:admin-agency-list": "/administration/",
    "agencies:admin-agency-create": "/administration/agencies/new/",
    "agencies:admin-user-list": "/administration/users/",
    "agencies:admin-user-invite": "/administration/users/new/",
    "reports:dashboard": "/dashboard/",
    "reports:data-quality": "/dashboard/data-quality/",
    "reports:table-csv": "/dashboard/tables/children-by-risk.csv",
    "reports:problem-profile": "/dashboard/problem-profile/",
    "reports:problem-profile-pdf": "/dashboard/problem-profile.pdf",
    "reports:returns": "/returns/",
    "reports:return-jobs": "/returns/jobs/",
    "reports:template-upload": "/template/import/",
    "interventions:flags-due": "/flags/due/",
    "agencies:admin-membership-requests": "/administration/membership-requests/",
    "interventions:flag-type-list": "/administration/flag-types/",
    "interventions:flag-type-new": "/administration/flag-types/new/",
    "interventions:flag-type-edit": "/administration/flag-types/cse/",
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
    if target == "partnership":
        partnership = agency.partnerships.get()
        return f"/administration/partnerships/{partnership.public_id}/referral-deadlines/"
    membership = MembershipFactory(agency=agency, user=UserFactory())
    if target == "user":
        return f"/administration/users/{membership.user.public_id}/"
    return f"/administration/memberships/{membership.public_id}/end/"


@pytest.mark.parametrize(
    ("name", "role", "relation"),
    itertools.product(
        rules_of(AdministeredObject), list(Role), ["same_agency", "same_partnership", "other"]
    ),
)
def test_administration_objects_open_only_to_administrators_who_manage_them(
    client, name, role, relation
):
    """Agencies and partnerships open to the administrators of any agency of the partnership;
    users and memberships only to the administrators of their own agency."""
    rule = URL_RULES[name]
    partnership = PartnershipFactory()
    viewer_agency = AgencyFactory(partnerships=[partnership])
    target_agency = {
        "same_agency": viewer_agency,
        "same_partnership": AgencyFactory(partnerships=[partnership]),
        "other": AgencyFactory(partnerships=[PartnershipFactory()]),
    }[relation]
    url = administered_target_url(rule.target, target_agency)
    sign_in(client, MembershipFactory(role=role, agency=viewer_agency).user)

    response = request(client, rule.method, url, rule.data)

    in_scope = relation == "same_agency" or (
        rule.partnership_wide and relation == "same_partnership"
    )
    if role == Role.ADMINISTRATOR and in_scope:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "role", "relation"),
    itertools.product(["get", "post"], list(Role), ["agency", "requester", "other"]),
)
def test_a_membership_request_opens_to_who_asked_and_is_decided_by_the_agency(
    client, method, role, relation
):
    from agencies.services import membership_grant

    partnership = PartnershipFactory()
    asking_agency, agency = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    MembershipFactory(role=Role.CSE_LEAD, agency=agency)  # someone who could approve
    asker = MembershipFactory(role=Role.ADMINISTRATOR, agency=asking_agency).user
    subject = UserFactory()
    asked = membership_grant(user=subject, agency=agency, role=Role.FRONTLINE, by=asker)
    if relation == "requester":
        # The same person, asking in the role tried (their administrator membership stays).
        viewer = asker
        if role != Role.ADMINISTRATOR:
            MembershipFactory(role=role, agency=AgencyFactory(), user=asker)
    else:
        viewer_agency = agency if relation == "agency" else AgencyFactory()
        viewer = MembershipFactory(role=role, agency=viewer_agency).user
    sign_in(client, viewer)
    url = f"/administration/membership-requests/{asked.public_id}/"

    response = request(client, method, url, {"decision": "approve", "reason": "Agreed"})

    approver = relation == "agency" and role_can(role, C.APPROVE_MEMBERSHIPS)
    if method == "get":
        allowed = approver or relation == "requester"
        assert response.status_code == (200 if allowed else 404)
    else:
        assert response.status_code == (302 if approver else 404)
        asked.refresh_from_db()
        assert asked.status == ("approved" if approver else "pending")


# The records a restriction of the world's child closes: the child, their case and what
# belongs to it. The suspect, network, place and meeting stay as they were.
RESTRICTED_KEYS = {"child", "case", "concern", "episode", "assessment", "lowered", "court_date",
                   "item", "action"}  # fmt: skip
# Relations to the world's records beyond holding, shared and other: a colleague in the holding
# agency once the child is restricted (not named, named, holding emergency access), and a user
# of the agency the case is shared with once the concern is marked originating agency only.
RESTRICTED_RELATIONS = ["restricted", "named", "emergency"]


def touches(rule: RecordScoped, keys: set[str]) -> bool:
    return any("{" + key + "}" in rule.path for key in keys)


def expected_status(rule: RecordScoped, role: str, relation: str, declared: bool) -> int:
    capabilities = rule.capability if isinstance(rule.capability, tuple) else (rule.capability,)
    closed = (relation == "restricted" and touches(rule, RESTRICTED_KEYS)) or (
        relation == "handled" and touches(rule, {"concern"})
    )
    agency = {"named": "owner", "emergency": "owner", "restricted": "owner", "handled": "shared"}
    relation = agency.get(relation, relation)
    allowed = (
        not closed
        and relation != "other"
        and any(role_can(role, c) for c in capabilities)
        and (relation == "owner" or not rule.owner_only)
    )
    if not declared and rule.other_method_status == 405:
        # Refused before any record is looked up, so the answer says nothing about it.
        return 405
    if not allowed:
        return 404
    if not declared:
        return rule.other_method_status
    if rule.allowed_status or rule.method == "get":
        return rule.allowed_status or 200
    return 302


def record_matrix_cases():
    """Every record URL by holder, sharer and other, with both methods; the URLs of the
    restricted child's records also by the restricted relations, and the concern's URLs by the
    sharer of a concern marked originating agency only (with the declared method)."""
    for name in rules_of(RecordScoped):
        for relation, method in itertools.product(
            ["owner", "shared", "other"], ["declared", "other"]
        ):
            yield name, relation, method
        if touches(URL_RULES[name], RESTRICTED_KEYS):
            for relation in RESTRICTED_RELATIONS:
                yield name, relation, "declared"
        if touches(URL_RULES[name], {"concern"}):
            yield name, "handled", "declared"


def restrict_world(world, relation: str):
    """The world's child restricted to one CSE lead of the holding agency; for "handled", the
    concern marked originating agency only instead."""
    from cases.models import Concern, Person
    from restrictions.services import record_restrict

    if relation == "handled":
        Concern.objects.filter(public_id=world.ids["concern"]).update(
            handling_code="originator_only"
        )
        return None
    if relation not in RESTRICTED_RELATIONS:
        return None
    lead = MembershipFactory(role=Role.CSE_LEAD, agency=world.owner).user
    child = Person.objects.get(public_id=world.ids["child"])
    return record_restrict(record=child, reason="Staff relative", users=[], by=lead)


def viewer_for(restriction, relation: str, user):
    """Name the viewer on the restriction, or give them emergency access, as the relation says."""
    from restrictions.models import EmergencyAccess, RestrictionMember

    if relation == "named":
        RestrictionMember.objects.create(restriction=restriction, user=user)
    elif relation == "emergency":
        EmergencyAccess.objects.create(
            restriction=restriction, user=user, agency=restriction.agency, reason="Missing",
            expires_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
    return user


@dataclass
class MatrixWorld:
    """The record world, and a signed-in user of every role in the holding, sharing and other
    agency, made once for the module (see `matrix_world`)."""

    world: object
    sessions: dict = field(default_factory=dict)

    def viewer(self, client, agency: str, role: str):
        """Give `client` the session of the `role` user of `agency` ("owner", "shared" or
        "other"), signed in through the sign-in form and the code, and return the user."""
        user, cookies = self.sessions[agency, role]
        client.cookies = SimpleCookie({k: v.value for k, v in cookies.items()})
        return user


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The matrix's hundreds of tests each meet the same world and the same signed-in users,
    so both are made once for the module, in a transaction rolled back at its end; each test
    runs in a savepoint inside it (pytest-django's own), and each role's request in a savepoint
    inside that, so no test sees another's writes. Sessions and re-authentication last for the
    module however slow the machine (their time limits are tested in their own modules), and
    background tasks run in process as in every other test."""
    from django.test import Client, override_settings

    from config.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    long = timedelta(hours=12)
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            SESSION_COOKIE_AGE=int(long.total_seconds()),
            REAUTHENTICATION_MAX_AGE=long,
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = record_world()
        matrix = MatrixWorld(world=world)
        for key in ("owner", "shared", "other"):
            for role in Role:
                user = MembershipFactory(role=role, agency=getattr(world, key)).user
                matrix.sessions[key, role] = (user, sign_in(Client(), user).cookies)
        yield matrix
        transaction.set_rollback(True)
    celery_app.conf.task_always_eager = eager


@pytest.mark.parametrize(("name", "relation", "method"), list(record_matrix_cases()))
def test_records_open_only_through_the_access_rule(client, matrix_world, name, relation, method):
    """Each URL is tried by every role, with the method it is declared with and with the other
    one, so that a page that also answers POST (or a form that also answers GET) cannot skip
    the rule. Each role's request is rolled back, so every role meets the same world."""
    rule = URL_RULES[name]
    world = matrix_world.world
    restriction = restrict_world(world, relation)
    viewer_agency = {"shared": "shared", "other": "other", "handled": "shared"}.get(
        relation, "owner"
    )
    ids = world.ids
    declared = method == "declared"
    data = {key: value.format(**ids) for key, value in rule.data.items()} if declared else {}
    verb = rule.method if declared else {"get": "post", "post": "get"}[rule.method]

    wrong = []
    for role in Role:
        with transaction.atomic():
            viewer_for(restriction, relation, matrix_world.viewer(client, viewer_agency, role))
            response = request(client, verb, rule.path.format(**ids), data)
            expected = expected_status(rule, role, relation, declared)
            if response.status_code != expected:
                page = response.content.decode()[:1500] if response.status_code == 200 else ""
                wrong.append(f"{role}: {response.status_code}, expected {expected} {page}")
            transaction.set_rollback(True)

    assert wrong == [], f"{verb.upper()} {name} by {relation}: " + "\n".join(wrong)


def every_role_against_the_restricted_child(
    client, matrix_world, relation: str, try_role
) -> list[str]:
    """Sign in each role, from the agency of `relation` ("named" and "restricted" are the
    holding agency, the first named on the restriction of the world's child), and collect
    where `try_role(role, restriction, ids)` answers other than it expects; each role's
    request is rolled back."""
    world = matrix_world.world
    restriction = restrict_world(world, "restricted")
    viewer_agency = {"shared": "shared", "other": "other"}.get(relation, "owner")
    wrong = []
    for role in Role:
        with transaction.atomic():
            user = matrix_world.viewer(client, viewer_agency, role)
            if relation == "named":
                viewer_for(restriction, "named", user)
            status, expected = try_role(role, restriction, world.ids)
            if status != expected:
                wrong.append(f"{role}: {status}, expected {expected}")
            transaction.set_rollback(True)
    return wrong


@pytest.mark.parametrize(
    ("name", "relation"),
    itertools.product(rules_of(RestrictionScoped), ["named", "restricted", "shared", "other"]),
)
def test_a_restriction_is_changed_or_lifted_only_by_the_named_who_may_restrict(
    client, matrix_world, name, relation
):
    rule = URL_RULES[name]

    def try_role(role, restriction, ids):
        url = f"/restrictions/{restriction.public_id}/{rule.action}/"
        allowed = relation == "named" and role_can(role, C.RESTRICT_RECORDS)
        # A CSE lead of the holding agency may lift a restriction they are not named on.
        allowed |= rule.action == "lift" and relation == "restricted" and role == Role.CSE_LEAD
        return request(client, "post", url, rule.data).status_code, 302 if allowed else 404

    wrong = every_role_against_the_restricted_child(client, matrix_world, relation, try_role)
    assert wrong == [], f"{name} by {relation}: " + "\n".join(wrong)


@pytest.mark.parametrize(
    ("name", "relation", "method"),
    itertools.product(
        rules_of(RestrictedRecordScoped),
        ["restricted", "shared", "named", "other"],
        ["get", "post"],
    ),
)
def test_a_restricted_record_shows_that_it_exists_and_opens_in_an_emergency(
    client, matrix_world, name, relation, method
):
    """Those the access rule lets reach the restricted child learn only that the record exists
    (GET) and, in a role that may, open it in an emergency (POST); a named user is sent to the
    record; anyone else meets a page that does not exist."""
    rule = URL_RULES[name]

    def try_role(role, restriction, ids):
        response = request(client, method, rule.path.format(**ids), {"reason": "Missing"})
        reaches = relation != "other" and any(
            role_can(role, c) for c in (C.VIEW_RECORDS, C.EDIT_RECORDS, C.ANALYSE)
        )
        if not reaches:
            expected = 404
        elif relation == "named":
            expected = 302
        elif method == "get":
            expected = 200
        else:
            expected = 302 if role_can(role, C.EMERGENCY_ACCESS) else 404
        return response.status_code, expected

    wrong = every_role_against_the_restricted_child(client, matrix_world, relation, try_role)
    assert wrong == [], f"{method.upper()} {name} by {relation}: " + "\n".join(wrong)


@pytest.mark.parametrize(
    ("name", "role", "relation"),
    itertools.product(rules_of(TaskScoped), list(Role), ["same_agency", "other"]),
)
def test_tasks_open_only_to_the_role_and_agency_they_are_for(client, name, role, relation):
    agency = AgencyFactory()
    task = Task.objects.create(
        kind=Task.Kind.POSSIBLE_MATCH, agency=agency, role=Role.CSE_LEAD, title="Possible match"
    )
    viewer_agency = agency if relation == "same_agency" else AgencyFactory()
    sign_in(client, MembershipFactory(role=role, agency=viewer_agency).user)
    url = f"/tasks/{task.public_id}/" + ("done/" if name == "core:task-done" else "")

    response = request(client, URL_RULES[name].method, url)

    if role == Role.CSE_LEAD and relation == "same_agency":
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404


# (what is tried, the state the referral must be in, the end that may do it, the capability)
REFERRAL_ACTIONS = {
    "detail": ("sent", None, C.VIEW_RECORDS),
    "send": ("draft", "from", C.EDIT_RECORDS),
    "withdraw": ("sent", "from", C.EDIT_RECORDS),
    "acknowledge": ("sent", "to", C.ANSWER_REFERRALS),
    "accept": ("acknowledged", "to", C.ANSWER_REFERRALS),
    "decline": ("acknowledged", "to", C.ANSWER_REFERRALS),
    "close": ("accepted", "to", C.ANSWER_REFERRALS),
    "access-requests": ("accepted", "to", C.ANSWER_REFERRALS),
}


@pytest.mark.parametrize(
    ("action", "role", "relation"),
    itertools.product(REFERRAL_ACTIONS, list(Role), ["from", "to", "other"]),
)
def test_referrals_open_only_to_the_agencies_at_either_end(client, action, role, relation):
    state, end, capability = REFERRAL_ACTIONS[action]
    partnership = PartnershipFactory()
    referrer, receiver, other, police = (
        AgencyFactory(partnerships=[partnership]) for _ in range(4)
    )
    case = CaseFactory(owner_agency=referrer)
    suspect = PersonFactory(owner_agency=police, kind="suspect")
    Association.objects.create(
        owner_agency=police, from_person=case.child, to_person=suspect, relationship="exploiter"
    )
    referral = Referral.objects.create(
        case=case, from_agency=referrer, to_agency=receiver, urgency="urgent",
        reason="Seen with older men", asked_for="Assessment", status=state,
    )  # fmt: skip
    if state == "accepted":
        case_share(
            case=case,
            agency=receiver,
            reason="Referral accepted",
            lawful_basis="safeguarding",
            by=UserFactory(),
        )
    viewer_agency = {"from": referrer, "to": receiver, "other": other}[relation]
    sign_in(client, MembershipFactory(role=role, agency=viewer_agency).user)
    base = f"/referrals/{referral.public_id}/"
    data = {
        "reason": "Not for us",
        "outcome": "Plan agreed",
        "linked": access_request_token(referral, suspect.pk),
    }

    response = client.get(base) if action == "detail" else client.post(f"{base}{action}/", data)

    opens_records = role_can(role, C.VIEW_RECORDS) or role_can(role, C.ANALYSE)
    if action == "detail":
        allowed = relation != "other" and opens_records
    else:
        allowed = relation == end and role_can(role, capability)
    if not allowed:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if action == "detail" else 302)


@pytest.mark.parametrize(
    ("role", "relation"),
    itertools.product(list(Role), ["requester", "same_agency", "other"]),
)
def test_an_export_downloads_only_for_the_person_who_asked(client, role, relation):
    agency = AgencyFactory()
    requester = MembershipFactory(role=role, agency=agency).user
    job = ExportJob.objects.create(
        kind="ceop_return_json",
        requested_by=requester,
        parameters={"start": "2025-01-01", "end": "2025-12-31", "agency_codes": [agency.code]},
        status="done",
        filename="ceop-return.json",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    job.file.save(f"{job.public_id}.json", ContentFile(b"{}"))
    viewer = {
        "requester": requester,
        "same_agency": MembershipFactory(role=role, agency=agency).user,
        "other": MembershipFactory(role=role).user,
    }[relation]
    sign_in(client, viewer)

    response = client.get(f"/returns/{job.public_id}/download/")

    if relation == "requester" and role_can(role, C.EXPORT_RETURNS):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"{}"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "relation"),
    itertools.product(list(Role), ["requester", "same_agency", "other"]),
)
def test_an_import_shows_only_to_the_person_who_made_it(client, role, relation):
    agency = AgencyFactory()
    requester = MembershipFactory(role=role, agency=agency).user
    record = TemplateImport.objects.create(
        requested_by=requester, filename="children.xlsx", checksum="0" * 64, status="done"
    )
    viewer = {
        "requester": requester,
        "same_agency": MembershipFactory(role=role, agency=agency).user,
        "other": MembershipFactory(role=role).user,
    }[relation]
    sign_in(client, viewer)

    response = client.get(f"/template/imports/{record.public_id}/")

    allowed = relation == "requester" and role_can(role, C.EXPORT_RETURNS)
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize(
    ("role", "relation"),
    itertools.product(list(Role), ["requester", "same_agency", "other"]),
)
def test_a_monthly_return_is_stopped_only_by_its_owner(client, role, relation):
    agency = AgencyFactory()
    owner = MembershipFactory(role=role, agency=agency).user
    schedule = ReturnSchedule.objects.create(
        requested_by=owner, kind="ceop_return_json", parameters={"agency_ids": [agency.pk]}
    )
    viewer = {
        "requester": owner,
        "same_agency": MembershipFactory(role=role, agency=agency).user,
        "other": MembershipFactory(role=role).user,
    }[relation]
    sign_in(client, viewer)

    response = client.post(f"/returns/schedules/{schedule.public_id}/stop/")

    schedule.refresh_from_db()
    if relation == "requester" and role_can(role, C.EXPORT_RETURNS):
        assert (response.status_code, schedule.is_active) == (302, False)
    else:
        assert (response.status_code, schedule.is_active) == (404, True)
