"""The number of SQL queries of every page the benchmark measures, pinned: each page is asked
for in a small world (one record of every kind it shows), then again once four more of every
kind were added, as the same role the benchmark uses. The count must not grow with the rows (a
query per row, an N+1, is how a page that is fast on test data becomes slow on real data), and
must equal its pin below. The counts are of every statement the test client's requests send,
the savepoints of the test's transaction included, so they differ a little from the
benchmark's queries column.

A change to a pin must be on purpose and reviewed: fewer queries after an optimisation, or
more for a panel added to the page, never a number copied in to make the test pass. To see
the counts of today's code, run with REPIN_QUERY_COUNTS=1: the test then prints them as a
dict to paste below instead of failing on a pin (it still fails when a count grows).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.access import record_share
from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Agency, Partnership, Role, User
from bench.client import FormFields
from bench.runner import STATIC_PAGE, Subjects, concern_fields, journeys
from cases import services as cases
from cases.models import Case, Location, Network, Person, PersonLocation
from core.models import Task
from indicators.models import IndicatorSet, RiskAssessment
from interventions import services as interventions
from interventions.models import FlagType
from meetings import services as meetings
from referrals import services as referrals
from restrictions.services import record_restrict
from tests.conftest import sign_in
from tests.factories import AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

# The queries of each page, the same with one record of each kind and with five. A change to a
# pin must be on purpose and reviewed (say why in the commit): fewer queries after an
# optimisation, or more for a panel added to the page. REPIN_QUERY_COUNTS=1 prints today's.
PINNED = {
    STATIC_PAGE: 7,
    "case list": 9,
    "person search": 16,
    "child's case": 26,
    "child's record": 25,
    "chronology": 21,
    "log a concern (form)": 12,
    "log a concern": 18,
    "referral inbox": 10,
    "task list": 15,
    "partnership dashboard": 10,
    "partnership dashboard (figures computed)": 27,
    "network view": 22,
    "network list": 8,
}
REPIN = os.environ.get("REPIN_QUERY_COUNTS") == "1"
# Of every kind of record the pages show: one in the small world, this many more in the grown.
MORE = 4
SURNAME = "Pendleford"  # every child found by the person search has it
CHILD_NAMES = ("Ashlyn", "Bryony", "Cerys", "Delyth", "Elowen", "Ffion", "Gwenllian", "Hafwen")
SUSPECT_NAMES = (
    ("Darren", "Colclough"),
    ("Wayne", "Hebblethwaite"),
    ("Lee", "Ormerod"),
    ("Craig", "Pickersgill"),
    ("Dean", "Sowerbutts"),
    ("Jason", "Tattersall"),
    ("Gary", "Uttley"),
    ("Shane", "Verity"),
)

# What got measured, for REPIN_QUERY_COUNTS=1.
MEASURED: dict[str, int] = {}


@dataclass
class World:
    """A partnership with the agency the pages are asked for as (`ours`), a partner agency,
    and one agency more for each share; the main case, its child and a network, as the
    benchmark's busiest case, child and network."""

    partnership: Partnership
    ours: Agency
    partner: Agency
    frontline: User
    lead: User
    safeguarding: User
    partner_worker: User
    partner_lead: User
    case: Case
    child: Person
    network: Network
    indicator_set: IndicatorSet
    units: int = 0
    # What each page must show, to prove that the rows are on it: ids and texts by kind.
    shown: dict[str, list[str]] = field(default_factory=dict)

    def show(self, kind: str, *values) -> None:
        self.shown.setdefault(kind, []).extend(str(value) for value in values)

    def user_of(self, role: str) -> User:
        return {
            Role.FRONTLINE: self.frontline,
            Role.CSE_LEAD: self.lead,
            Role.SAFEGUARDING_LEAD: self.safeguarding,
        }[role]


def person(agency: Agency, by: User, kind: str, first: str, last: str, **fields) -> Person:
    data = cases.PersonData(kind=kind, first_name=first, last_name=last, **fields)
    return cases.person_create(data=data, owner_agency=agency, by=by)


def world_build() -> World:
    partnership = PartnershipFactory()
    ours = AgencyFactory(partnerships=[partnership])
    partner = AgencyFactory(partnerships=[partnership], type=Agency.Type.POLICE)
    frontline = member(Role.FRONTLINE, ours)
    lead = member(Role.CSE_LEAD, ours)
    child = person(ours, frontline, "child", "Morwenna", SURNAME, date_of_birth=date(2011, 5, 4))
    # The front-line worker is the case's lead professional: they see who has looked at it.
    case = cases.case_open(child=child, owner_agency=ours, by=frontline)
    network = cases.network_create(owner_agency=ours, name="Canal Basin", members=[child], by=lead)
    world = World(
        partnership=partnership,
        ours=ours,
        partner=partner,
        frontline=frontline,
        lead=lead,
        safeguarding=member(Role.SAFEGUARDING_LEAD, ours),
        partner_worker=member(Role.FRONTLINE, partner),
        partner_lead=member(Role.CSE_LEAD, partner),
        case=case,
        child=child,
        network=network,
        indicator_set=IndicatorSet.objects.get(is_current=True),
    )
    world.show("static", "Accessibility statement")
    return world


def referral_data(to_agency: Agency) -> referrals.ReferralData:
    return referrals.ReferralData(
        to_agency=to_agency,
        urgency="urgent",
        reason="Seen in cars with older men.",
        asked_for="A strategy discussion.",
        already_done="Told the school.",
        child_family_aware="yes",
        lawful_basis="consent",
        consent_by="The child's mother",
    )


def rows_add(world: World, count: int) -> None:
    """`count` more of every kind of record the measured pages show."""
    for _ in range(count):
        unit_add(world, world.units)
        world.units += 1
    # The partnership dashboard counts them (numbers from 1 to 4 are hidden).
    n = world.units
    world.shown["figures"] = [
        f"Missing episodes {figure(n)} ",
        f"Sent {figure(2 * n)} ",  # referrals: ours to the partner, and the partner's to ours
        f"Group one: full name or initials {figure(2 * n)} ",  # suspects: ours, the partner's
    ]


def figure(count: int) -> str:
    return "fewer than 5" if 1 <= count <= 4 else str(count)


def unit_add(w: World, n: int) -> None:
    """One more of every kind; `n` numbers it."""
    staff = member(Role.FRONTLINE, w.ours)  # a colleague who writes, views and removes
    suspect, unseen = links_add(w, n)
    sharer = case_rows_add(w, n, staff=staff, suspect=suspect)
    child_rows_add(w, n, staff=staff, suspect=suspect, sharer=sharer)
    meeting_add(w, n)
    list_rows_add(w, n, staff=staff, suspect=suspect, unseen=unseen)


def links_add(w: World, n: int) -> tuple[Person, Person]:
    """The child's links, a suspect of ours (seen) and a suspect of the partner (restricted),
    both members of the network, with a phone, a place and a disruption."""
    first, last = SUSPECT_NAMES[n % len(SUSPECT_NAMES)]
    suspect = person(w.ours, w.lead, "suspect", first, last)
    cases.association_create(
        from_person=w.child,
        to_person=suspect,
        relationship="exploiter",
        owner_agency=w.ours,
        by=w.frontline,
    )
    unseen = person(w.partner, w.partner_worker, "suspect", "Unseen", f"Person{n}")
    cases.association_create(
        from_person=w.child,
        to_person=unseen,
        relationship="associate",
        owner_agency=w.ours,
        by=w.frontline,
    )
    cases.person_detail_add(
        person=suspect, kind="phone", value=f"07700 900{n:03d}", description="", by=w.lead
    )
    place = Location.objects.create(
        owner_agency=w.ours, type="hotel", postcode_district="LS1", description=f"Hotel {n}"
    )
    PersonLocation.objects.create(person=suspect, location=place, role="exploitation")
    w.show("linked", suspect.public_id)
    w.show("restricted link", f"A person held by {w.partner.name}")

    cases.network_member_add(
        network=w.network, person=suspect, role="core", joined_on=timezone.localdate(), by=w.lead
    )
    cases.network_member_add(
        network=w.network, person=unseen, role="peripheral", joined_on=None, by=w.lead
    )
    cases.association_create(
        from_person=suspect,
        to_person=unseen,
        relationship="associate",
        owner_agency=w.ours,
        by=w.lead,
    )
    interventions.disruption_record(
        record=w.network,
        type="cawn",
        occurred_on=timezone.localdate(),
        agency=w.ours,
        details=f"Notice served {n}",
        by=w.lead,
    )
    w.show("member", suspect.public_id)
    w.show("disruption", f"Notice served {n}")
    return suspect, unseen


def case_rows_add(w: World, n: int, *, staff: User, suspect: Person) -> Agency:
    """On the case: a concern naming the suspect (with a vehicle and a place), a missing
    episode, a completed assessment, a referral sent, a note, a court date, a view, and a share
    with a new agency of the partnership (returned)."""
    today, now = timezone.localdate(), timezone.now()
    codes = list(w.indicator_set.indicators.values_list("code", flat=True)[:3])
    concern = cases.concern_log(
        case=w.case,
        data=cases.ConcernData(
            occurred_on=today - timedelta(days=n + 1),
            narrative=f"Concern {n}",
            indicator_codes=codes,
            existing_people=[suspect],
            vehicles=[(f"AB{n:02d} CDE", "")],
            location_type="hotel",
            location_postcode_district="LS1",
        ),
        reporter_agency=w.ours,
        indicator_set=w.indicator_set,
        submit=True,
        by=staff,
    )
    episode = cases.missing_episode_record(
        case=w.case,
        started_at=now - timedelta(days=n + 2),
        ended_at=now - timedelta(days=n + 1),
        type="missing",
        reported_to_police=True,
        return_interview="offered",
        return_interview_completed_at=None,
        where_found="",
        by=staff,
    )
    assessment = RiskAssessment.objects.create(
        case=w.case,
        indicator_set=w.indicator_set,
        assessed_on=today - timedelta(days=10 * n),
        status="completed",
        score=12 + n,
        final_category=2,
        completed_at=now,
        next_due=today + timedelta(days=90),
        created_by=staff,
    )
    sent = referrals.referral_create(
        case=w.case, from_agency=w.ours, data=referral_data(w.partner), send=True, by=staff
    )
    cases.case_note_add(case=w.case, text=f"Note number {n}", agency=w.ours, by=staff)
    interventions.court_date_add(
        case=w.case,
        date=today + timedelta(days=30 + n),
        hearing_type="trial",
        note=f"Court {n}",
        by=w.frontline,
    )
    sharer = AgencyFactory(partnerships=[w.partnership])
    cases.case_share(
        case=w.case, agency=sharer, reason="Joint work", lawful_basis="safeguarding", by=w.lead
    )
    access_log_record(
        user=staff,
        agency_id=w.ours.pk,
        action=AccessLogEntry.Action.VIEW,
        record=w.case,
        detail={"unlinked": True},
    )
    w.show("concern", concern.public_id)
    w.show("missing", episode.public_id)
    w.show("assessment", assessment.public_id)
    w.show("referral out", sent.public_id)
    w.show("note", f"Note number {n}")
    w.show("court date", f"Court {n}")
    w.show("shared with", sharer.name)
    w.show("viewer", staff.full_name)
    return sharer


def child_rows_add(w: World, n: int, *, staff: User, suspect: Person, sharer: Agency) -> None:
    """Another agency's case about the child (shared with ours, with a concern of its own);
    on the child's record an alias, an identifier, an address, a place, and flags (one
    removed); a flag on the suspect that the CSE lead reviews soon."""
    today = timezone.localdate()
    flag_types = list(FlagType.objects.filter(is_active=True))
    other_worker = member(Role.FRONTLINE, sharer)
    elsewhere = cases.case_open(child=w.child, owner_agency=sharer, by=other_worker)
    record_share(
        record=elsewhere,
        agency=w.ours,
        reason="Joint work",
        lawful_basis="safeguarding",
        by=other_worker,
    )
    their_concern = cases.concern_log(
        case=elsewhere,
        data=cases.ConcernData(occurred_on=today - timedelta(days=n + 1), narrative="Theirs"),
        reporter_agency=sharer,
        indicator_set=w.indicator_set,
        submit=True,
        by=other_worker,
    )
    w.show("case of the child", elsewhere.public_id)
    w.show("case", elsewhere.public_id)  # on the case list too
    w.show("their concern", their_concern.public_id)
    cases.person_detail_add(
        person=w.child, kind="alias", value=f"Wren{n}", description="", by=w.frontline
    )
    cases.person_detail_add(
        person=w.child, kind="police_reference", value=f"PR{n:04d}", description="", by=w.frontline
    )
    cases.person_detail_add(
        person=w.child,
        kind="address",
        value=f"{n + 1} Mill Street, LS6 2AB",
        description="",
        by=w.frontline,
    )
    met = Location.objects.create(owner_agency=w.ours, type="park", postcode_district="LS6")
    PersonLocation.objects.create(person=w.child, location=met, role="first_met")
    flag = interventions.flag_set(
        record=w.child,
        flag_type=flag_types[n % len(flag_types)],
        reason=f"Grooming {n}",
        owner=w.frontline,
        review_on=today + timedelta(days=60),
        by=staff,
    )
    removed = interventions.flag_set(
        record=w.child,
        flag_type=flag_types[n % len(flag_types)],
        reason="Set in error",
        owner=w.frontline,
        review_on=today + timedelta(days=60),
        by=staff,
    )
    interventions.flag_remove(flag=removed, reason=f"Removed in error {n}", by=staff)
    # A flag the CSE lead owns and reviews soon: the task list counts it.
    interventions.flag_set(
        record=suspect,
        flag_type=flag_types[0],
        reason="Seen outside schools",
        owner=w.lead,
        review_on=today + timedelta(days=3),
        by=w.lead,
    )
    w.show("alias", f"Wren{n}")
    w.show("identifier", f"PR{n:04d}")
    w.show("address", f"{n + 1} Mill Street")
    w.show("place", met.public_id)
    w.show("flag", flag.public_id)
    w.show("flag type", flag.flag_type.name)
    w.show("removed flag", f"Removed in error {n}")


def meeting_add(w: World, n: int) -> None:
    """A meeting that discussed the case, the child and the network, with actions for the CSE
    lead (one theirs, one the agency's)."""
    today = timezone.localdate()
    meeting = meetings.meeting_create(
        partnership=w.partnership,
        title=f"Riverside MASE {n}",
        held_on=today - timedelta(days=n),
        starts_at=None,
        venue="",
        chair=w.lead,
        chair_agency=w.ours,
        agencies=[w.partner],
        by=w.lead,
    )
    items = {
        kind: meetings.agenda_item_add(meeting=meeting, kind=kind, subject=subject, by=w.lead)
        for kind, subject in (("case", w.case), ("person", w.child), ("network", w.network))
    }
    actions = [
        meetings.meeting_action_add(
            item=items["network"],
            description=f"Visit the hotel {n}",
            owner_agency=w.ours,
            owner=w.lead,
            due_on=today + timedelta(days=7),
            by=w.lead,
        ),
        meetings.meeting_action_add(
            item=items["person"],
            description=f"Call the school {n}",
            owner_agency=w.ours,
            owner=None,
            due_on=today - timedelta(days=1),
            by=w.lead,
        ),
    ]
    for kind, item in items.items():
        w.show(f"{kind} meeting", item.public_id)
    w.show("action", *(action.public_id for action in actions))


def list_rows_add(w: World, n: int, *, staff: User, suspect: Person, unseen: Person) -> None:
    """A row more on each list: the case list, the person search, the referral inbox, the
    task list and the network list."""
    # An open case of ours led by the CSE lead, which someone with no link to it looked at (the
    # CSE lead's task list says so), and a case restricted away from the front-line worker
    # (listed as existing only).
    led = cases.case_open(
        child=person(w.ours, w.lead, "child", CHILD_NAMES[n % len(CHILD_NAMES)], SURNAME),
        owner_agency=w.ours,
        by=w.lead,
    )
    access_log_record(
        user=staff,
        agency_id=w.ours.pk,
        action=AccessLogEntry.Action.VIEW,
        record=led,
        detail={"unlinked": True},
    )
    withheld = cases.case_open(
        child=person(w.ours, w.lead, "child", "Kept", f"Apart{n}"), owner_agency=w.ours, by=w.lead
    )
    record_restrict(record=withheld, reason="Sensitive", users=[], by=w.lead)
    w.show("case", led.public_id)
    w.show("withheld case", withheld.public_id)
    w.show("looked at", led.child)

    # Found by the person search: a child of ours (the led case's), a child the partner
    # shared, and a restricted child, all of the surname searched for.
    shared_child = person(w.partner, w.partner_worker, "child", f"Shared{n}", SURNAME)
    cases.person_share(
        person=shared_child,
        agency=w.ours,
        reason="Joint work",
        lawful_basis="safeguarding",
        by=w.partner_lead,
    )
    hidden = person(w.ours, w.lead, "child", f"Hidden{n}", SURNAME)
    record_restrict(record=hidden, reason="Sensitive", users=[], by=w.lead)
    w.show("found", led.child.public_id, shared_child.public_id)
    w.show("found withheld", hidden.public_id)

    # In the referral inbox: the partner refers a case of theirs to ours (a task for the CSE
    # lead).
    theirs = cases.case_open(
        child=person(w.partner, w.partner_worker, "child", f"Referred{n}", "Child"),
        owner_agency=w.partner,
        by=w.partner_worker,
    )
    received = referrals.referral_create(
        case=theirs,
        from_agency=w.partner,
        data=referral_data(w.ours),
        send=True,
        by=w.partner_worker,
    )
    task = Task.objects.get(
        kind=Task.Kind.REFERRAL_RECEIVED, agency=w.ours, subject__referral=str(received.public_id)
    )
    w.show("referral in", received.public_id)
    w.show("task", task.public_id)

    # On the network list: a network of ours, and one the partner shared.
    own = cases.network_create(
        owner_agency=w.ours, name=f"Own network {n}", members=[suspect], by=w.lead
    )
    shared = cases.network_create(
        owner_agency=w.partner, name=f"Shared network {n}", members=[unseen], by=w.partner_lead
    )
    record_share(
        record=shared,
        agency=w.ours,
        reason="Joint operation",
        lawful_basis="safeguarding",
        by=w.partner_lead,
    )
    w.show("network", own.public_id, shared.public_id)


# What each page must show of the rows (kinds of World.shown), so that it cannot pass by
# showing nothing.
SHOWS = {
    STATIC_PAGE: ["static"],
    "case list": ["case", "withheld case"],
    "person search": ["found", "found withheld"],
    "child's case": [
        "linked",
        "restricted link",
        "concern",
        "missing",
        "assessment",
        "referral out",
        "court date",
        "shared with",
        "viewer",
        "case meeting",
        "flag type",
    ],
    "child's record": [
        "linked",
        "restricted link",
        "case of the child",
        "alias",
        "identifier",
        "address",
        "place",
        "flag",
        "removed flag",
        "person meeting",
        "shared with",
    ],
    "chronology": [
        "concern",
        "their concern",
        "assessment",
        "referral out",
        "note",
        "case meeting",
    ],
    "log a concern (form)": ["linked"],
    "log a concern": [],
    "referral inbox": ["referral in"],
    "task list": ["task", "action", "looked at"],
    "partnership dashboard": ["figures"],
    "partnership dashboard (figures computed)": ["figures"],
    "network view": ["member", "disruption", "network meeting"],
    "network list": ["network"],
}


def pages(world: World | None = None) -> dict[str, tuple]:
    """name -> (role, method, path, data, cold) of each page, as the benchmark asks for it, on
    the world's case, child and network. Logging a concern is measured as the form and as the
    post that saves it (the benchmark's); the dashboard as the benchmark sees it most (its
    figures kept from the request before), and `cold`, with the figures computed."""
    case, child, network = (world.case, world.child, world.network) if world else (None,) * 3
    subjects = Subjects(
        partnership=None,
        agency=None,
        agency_n=0,
        surname=SURNAME,
        case_id=str(getattr(case, "public_id", "")),
        child_id=str(getattr(child, "public_id", "")),
        network_id=str(getattr(network, "public_id", "")),
    )
    found = {}
    for name, (role, method, path, data, *_) in journeys(subjects).items():
        if name == "log a concern":
            found["log a concern (form)"] = (role, "GET", path, None, False)
        found[name] = (role, method, path, data, False)
        if name == "partnership dashboard":
            found[f"{name} (figures computed)"] = (role, method, path, data, True)
    return found


def test_every_page_the_benchmark_measures_is_pinned():
    assert list(pages()) == list(PINNED) == list(SHOWS)


@dataclass
class Measured:
    count: int
    sql: list[str]
    response: object


def request(client, world: World, page: str) -> Measured:
    """The page asked for twice, as the benchmark does (warm): the second time is counted,
    after emptying the cache when `cold`. A post carries the form's own fields, read from the
    form before (not counted), and what the benchmark adds."""
    _, method, path, data, cold = pages(world)[page]
    if method == "POST":
        form = FormFields(path)
        form.feed(client.get(path).content.decode())
        data = form.fields | (concern_fields() if data == "concern" else data)

    def ask():
        return client.get(path) if method == "GET" else client.post(path, data)

    ask()
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = ask()
    saves = page == "log a concern"  # the concern is saved, and its page follows
    assert response.status_code == (302 if saves else 200), (page, response.content[:3000])
    assert not saves or response["Location"].startswith("/concerns/"), response["Location"]
    return Measured(len(captured), [q["sql"] for q in captured.captured_queries], response)


def shape(sql: str) -> str:
    """A query with its values taken out (and its savepoint's name, and the length of its IN
    lists), so that the same query for another row compares equal."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\?(?:, \?)+", "?", sql)


def grown_queries(few: Measured, many: Measured) -> str:
    """The queries run more often with more rows, most repeated first."""
    more = Counter(shape(q) for q in many.sql) - Counter(shape(q) for q in few.sql)
    # The columns read say little: what is read, and by what, says which relation it is.
    short = {sql: re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", sql) for sql in more}
    return "\n".join(f"  {n} more: {short[sql][:300]}" for sql, n in more.most_common(5))


def rows_shown(world: World, page: str, response) -> None:
    """Every record of the kinds the page shows is on it: its id (in a link), or its text."""
    content = response.content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))
    for kind in SHOWS[page]:
        values = world.shown[kind]
        missing = [value for value in values if value not in content and value not in text]
        assert not missing, f"{page} does not show every {kind}: {missing} missing"
        if kind == "restricted link":  # the same text for each: count the entries
            assert content.count(values[0]) >= len(values), (page, kind)


@pytest.fixture(scope="module", autouse=True)
def _repin_report(request):
    """With REPIN_QUERY_COUNTS=1, the counts measured, as the dict to paste above."""
    yield
    if REPIN and MEASURED:
        lines = [f'    "{name}": {MEASURED[name]},' for name in PINNED if name in MEASURED]
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n\nPINNED = {\n" + "\n".join(lines) + "\n}")


@pytest.mark.parametrize("page", list(PINNED))
def test_the_queries_of_the_page_do_not_grow_with_its_rows_and_are_pinned(client, page):
    world = world_build()
    rows_add(world, 1)
    role = pages(world)[page][0]
    sign_in(client, world.user_of(role))

    few = request(client, world, page)
    rows_shown(world, page, few.response)
    rows_add(world, MORE)
    many = request(client, world, page)
    rows_shown(world, page, many.response)

    pinned, few_count, many_count = PINNED[page], few.count, many.count
    assert many_count <= few_count, (
        f"{page}: queries grew with related rows: an N+1 ({few.count} queries with one record "
        f"of each kind, {many.count} with {1 + MORE}). Read the related rows with the page's "
        "own query (select_related, prefetch_related) or in one query for all of them, never "
        f"one query per row. Queries run more often with more rows:\n{grown_queries(few, many)}"
    )
    MEASURED[page] = many.count
    if REPIN:
        return
    assert few_count == many_count == pinned, (
        f"{page}: the page's query count changed from the pin: {pinned} pinned, {many.count} "
        f"now ({few.count} with fewer rows). If on purpose, change PINNED in this file "
        "(REPIN_QUERY_COUNTS=1 prints every page's count) and have the change reviewed; if not, "
        "find the query that was added or lost."
    )
