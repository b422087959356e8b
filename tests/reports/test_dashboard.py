"""The partnership dashboard: every figure equals a count made independently, in Python, from
the records; small numbers are hidden from viewers without identifiable access; the scope is
the viewer's own."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AccessLogEntry, Role
from cases.codes import ethnicity_group
from cases.models import (
    Case,
    Concern,
    ConcernLocation,
    Location,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
)
from indicators.models import IndicatorSet
from referrals.models import Referral
from reports.tables import suppress_breakdown
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConcernFactory,
    PartnershipFactory,
    PersonFactory,
    member,
)

pytestmark = pytest.mark.django_db


# Functions, not constants: a run that crosses midnight asks for the period up to the new day.
def start() -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - 1, day=1)


def period() -> dict[str, str]:
    return {"start": start().isoformat(), "end": timezone.localdate().isoformat()}


def within(rng: random.Random) -> date:
    return start() + timedelta(days=rng.randrange((timezone.localdate() - start()).days + 1))


def outside(rng: random.Random) -> date:
    return start() - timedelta(days=rng.randrange(1, 400))


def aware(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def world():
    """Two agencies of one partnership with random records in and out of the period, and an
    agency of another partnership whose records must never count."""
    rng = random.Random(2011)
    partnership = PartnershipFactory()
    ours, theirs = (
        AgencyFactory(partnerships=[partnership]),
        AgencyFactory(partnerships=[partnership]),
    )
    elsewhere = AgencyFactory()
    current = IndicatorSet.objects.get(is_current=True)
    codes = list(current.indicators.values_list("code", flat=True))
    for agency in (ours, theirs, elsewhere):
        for _ in range(14):
            child = PersonFactory(
                owner_agency=agency,
                sex=rng.choice(["female", "male", "unknown"]),
                ethnicity=rng.choice(["W1", "A2", "B1", "NS", "unknown", "M3"]),
                nationality=rng.choice(["GB", "unknown"]),
                date_of_birth=rng.choice([None, date(2010, 5, 1)]),
            )
            case = CaseFactory(
                owner_agency=agency,
                child=child,
                status=rng.choice(["open", "open", "closed"]),
                risk_category=rng.choice([None, 1, 2, 3, 4]),
                first_contact_date=rng.choice([within(rng), outside(rng), None]),
                living_situation=rng.choice(["with_family", "looked_after", "unknown"]),
                moved_into_care_after_intervention=rng.choice(["yes", "no", "unknown"]),
                school_engagement=rng.choice(["engaged", "excluded", "unknown"]),
                reported_missing=rng.choice(["yes", "no", "unknown"]),
            )
            if rng.random() < 0.1:
                case.archived_at = timezone.now()
                case.save()
            for _ in range(rng.randrange(3)):
                concern = ConcernFactory(
                    case=case,
                    status=rng.choice(["submitted", "submitted", "draft"]),
                    occurred_on=rng.choice([within(rng), outside(rng)]),
                    indicator_codes=rng.sample(codes, rng.randrange(4)),
                )
                if rng.random() < 0.5:
                    location = Location.objects.create(
                        owner_agency=agency,
                        type=rng.choice(["park", "hotel", "takeaway_or_restaurant"]),
                    )
                    ConcernLocation.objects.create(concern=concern, location=location)
            for _ in range(rng.randrange(3)):
                started = rng.choice([within(rng), outside(rng)])
                ended = rng.choice([None, started + timedelta(days=1)])
                interview = (
                    aware(ended, rng.choice([8, 12]) if rng.random() < 0.5 else 12)
                    + timedelta(hours=rng.choice([24, 80]))
                    if ended
                    else None
                )
                MissingEpisode.objects.create(
                    case=case,
                    started_at=aware(started, 9),
                    ended_at=aware(ended) if ended else None,
                    reported_to_police=rng.random() < 0.5,
                    return_interview="completed" if interview else "not_offered",
                    return_interview_completed_at=interview,
                )
        network = Network.objects.create(owner_agency=agency, name="Mill Street")
        for _ in range(rng.randrange(8, 12)):
            suspect = PersonFactory(
                owner_agency=agency,
                kind=Person.Kind.SUSPECT,
                first_name=rng.choice(["", "Jay"]),
                last_name=rng.choice(["", "Khan"]),
                initials=rng.choice(["", "", "J.K."]),
                sex=rng.choice(["male", "female", "unknown"]),
                ethnicity=rng.choice(["W1", "A2", "unknown"]),
                first_known_date=rng.choice([within(rng), outside(rng), None]),
                date_of_birth=rng.choice([None, date(1990, 1, 1), date(2004, 6, 1)]),
            )
            if rng.random() < 0.3:
                PersonAlias.objects.create(person=suspect, name="Smokey")
            if rng.random() < 0.6:
                NetworkMember.objects.create(network=network, person=suspect, role="core")
        for _ in range(6):
            referral = Referral.objects.create(
                case=Case.objects.filter(owner_agency=agency).first(),
                from_agency=agency,
                to_agency=theirs if agency != theirs else ours,
                urgency="urgent",
                reason="Seen with older men",
                asked_for="Assessment",
                status=rng.choice(["sent", "acknowledged", "accepted", "declined"]),
                sent_at=aware(within(rng)),
            )
            referral.acknowledge_due = referral.sent_at + timedelta(hours=24)
            referral.decision_due = referral.sent_at + timedelta(days=7)
            if referral.status != "sent":
                referral.acknowledged_at = referral.sent_at + timedelta(hours=rng.choice([2, 30]))
            if referral.status in ("accepted", "declined"):
                referral.decided_at = referral.sent_at + timedelta(days=rng.choice([2, 9]))
            referral.save()
    return {"partnership": partnership, "ours": ours, "theirs": theirs}


def table_of(client, slug: str, **query) -> list[list[str]]:
    response = client.get(f"/dashboard/tables/{slug}.csv", {**period(), **query})
    assert response.status_code == 200, response.content.decode()[:2000]
    return list(csv.reader(io.StringIO(response.content.decode())))[1:]


def as_dict(rows: list[list[str]], column: int = 1) -> dict[str, str]:
    return {row[0]: row[column] for row in rows}


def in_scope(agencies):
    return [agency.pk for agency in agencies]


def test_each_figure_equals_a_count_made_from_the_records(client, world):
    """The safeguarding lead of one agency filtered to it sees exact figures, each equal to a
    count made here record by record, and nothing of the other agencies."""
    ours = world["ours"]
    sign_in(client, member(Role.CSE_LEAD, ours))
    cases = [c for c in Case.objects.filter(owner_agency=ours) if c.archived_at is None]
    open_cases = [c for c in cases if c.status == "open"]

    risk = as_dict(table_of(client, "children-by-risk"))
    for category, label in [(4, "4 – significant risk"), (1, "1 – no apparent risk")]:
        expected = len({c.child_id for c in open_cases if c.risk_category == category})
        assert risk[label] == str(expected)
    assert risk["Not yet assessed"] == str(
        len({c.child_id for c in open_cases if c.risk_category is None})
    )
    assert risk["Total"] == str(len({c.child_id for c in open_cases}))

    trend = table_of(client, "trend")
    concerns = [
        c
        for c in Concern.objects.filter(case__in=cases, status="submitted")
        if start() <= c.occurred_on <= timezone.localdate()
    ]
    assert sum(int(row[1]) for row in trend) == len(concerns)
    this_month = f"{timezone.localdate():%B %Y}"
    assert as_dict(trend)[this_month] == str(
        sum(
            1
            for c in concerns
            if c.occurred_on.replace(day=1) == timezone.localdate().replace(day=1)
        )
    )
    started = [
        c
        for c in cases
        if start()
        <= (c.first_contact_date or timezone.localtime(c.created_at).date())
        <= timezone.localdate()
    ]
    assert sum(int(row[2]) for row in trend) == len(started)

    episodes = [
        e
        for e in MissingEpisode.objects.filter(case__in=cases)
        if start() <= timezone.localtime(e.started_at).date() <= timezone.localdate()
    ]
    missing = as_dict(table_of(client, "missing"))
    assert missing["Missing episodes"] == str(len(episodes))
    assert missing["Children reported missing or away"] == str(
        len({e.case.child_id for e in episodes})
    )
    assert missing["Return interviews completed within 72 hours"] == str(
        sum(1 for e in episodes if e.return_interview_within_72_hours)
    )

    living = as_dict(table_of(client, "living-situation"))
    assert living["Looked after (in care)"] == str(
        len({c.child_id for c in open_cases if c.living_situation == "looked_after"})
    )

    suspects = [
        p
        for p in Person.objects.filter(owner_agency=ours, kind="suspect")
        if start()
        <= (p.first_known_date or timezone.localtime(p.created_at).date())
        <= timezone.localdate()
    ]
    levels = as_dict(table_of(client, "suspects-identification"))
    for level, label in [
        ("group_one", "Group one: full name or initials"),
        ("group_two", "Group two: a given name or alias only"),
        ("no_basic_information", "No basic information"),
    ]:
        assert levels[label] == str(sum(1 for p in suspects if p.identification_level == level))
    groups = as_dict(table_of(client, "suspects-ethnicity"))
    white = sum(1 for p in suspects if ethnicity_group(p.ethnicity) == "white")
    assert groups["White"] == str(white)
    ages = as_dict(table_of(client, "suspects-age"))
    known = [
        p.age_at(p.first_known_date or timezone.localtime(p.created_at).date()) for p in suspects
    ]
    assert ages["Not known"] == str(sum(1 for age in known if age is None))
    assert ages["18 to 24"] == str(sum(1 for age in known if age is not None and 18 <= age < 25))

    network = Network.objects.get(owner_agency=ours)
    size = network.members.filter(person__kind="suspect").count()
    bucket = {1: "1 suspect", 2: "2"}.get(size) or (
        "3 to 5" if size <= 5 else "6 to 10" if size <= 10 else "11 or more"
    )
    assert as_dict(table_of(client, "networks"))[bucket] == "1"

    referrals = [
        r
        for r in Referral.objects.filter(from_agency=ours) | Referral.objects.filter(to_agency=ours)
        if start() <= timezone.localtime(r.sent_at).date() <= timezone.localdate()
    ]
    states = as_dict(table_of(client, "referrals-by-state"))
    assert states["Accepted"] == str(sum(1 for r in referrals if r.status == "accepted"))
    assert states["Total"] == str(len(referrals))
    times = {row[0]: row for row in table_of(client, "referral-times")}
    acknowledged = [r for r in referrals if r.acknowledged_at]
    in_time = sum(1 for r in acknowledged if r.acknowledged_at <= r.acknowledge_due)
    assert times["Acknowledged"][1] == str(len(acknowledged))
    assert times["Acknowledged"][2] == f"{100 * in_time / len(acknowledged):.0f}%"

    places = as_dict(table_of(client, "locations"))
    linked = {
        link.location_id: link.location.type
        for link in ConcernLocation.objects.filter(concern__in=concerns)
    }
    assert places["Park"] == str(sum(1 for kind in linked.values() if kind == "park"))

    counts: dict[str, int] = {}
    for concern in concerns:
        for code in concern.indicator_codes:
            counts[code] = counts.get(code, 0) + 1
    indicators = {row[0][:3]: row[1] for row in table_of(client, "indicators")}
    top = max(counts, key=lambda code: (counts[code], -ord(code[0])))
    assert indicators[top] == str(counts[top])


def test_the_lscb_chair_sees_the_whole_partnership_with_small_numbers_hidden(client, world):
    sign_in(client, member(Role.LSCB_CHAIR, world["ours"]))
    response = client.get("/dashboard/", period())
    assert response.status_code == 200
    page = response.content.decode()
    for agency in (world["ours"], world["theirs"]):
        assert agency.name in page
    assert "fewer than 5" in page
    for row in table_of(client, "referrals-by-state"):
        assert row[1] == "fewer than 5" or row[1] == "0" or int(row[1]) >= 5


def test_a_single_small_count_is_not_revealed_by_the_total(client):
    """With one count hidden, the next smallest is hidden too, so subtraction finds neither."""
    agency = AgencyFactory()
    for category, number in ((4, 3), (3, 6), (2, 9)):
        for _ in range(number):
            CaseFactory(owner_agency=agency, risk_category=category)
    sign_in(client, member(Role.LSCB_CHAIR, agency))

    risk = as_dict(table_of(client, "children-by-risk"))

    assert risk["4 – significant risk"] == "fewer than 5"
    assert risk["3 – moderate risk"] == "fewer than 5"
    assert risk["2 – at risk"] == "9"
    assert risk["Total"] == "18"


@pytest.mark.parametrize(
    ("values", "total", "shown"),
    [
        ([0, 7, 9], 16, [0, 7, 9]),
        ([2, 7, 9], 18, [None, None, 9]),
        ([2, 3, 9], 14, [None, None, 9]),
        ([4, 0, 0], 4, [None, 0, 0]),
    ],
)
def test_suppression_hides_small_numbers_and_their_complement(values, total, shown):
    cells, shown_total = suppress_breakdown(values, total, exact=False)
    assert cells == shown
    assert shown_total == (None if 0 < total < 5 else total)


def test_a_cse_lead_cannot_ask_for_another_agencys_figures(client, world):
    sign_in(client, member(Role.CSE_LEAD, world["ours"]))
    response = client.get("/dashboard/", {**period(), "agencies": world["theirs"].code})
    assert response.status_code == 400
    assert "Select only agencies listed for the partnership" in response.content.decode()
    assert world["theirs"].name not in response.content.decode()
    response = client.get(f"/dashboard/tables/missing.csv?agencies={world['theirs'].code}")
    assert response.status_code == 400


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(client, world):
    sign_in(client, member(Role.LSCB_CHAIR, world["ours"]))
    response = client.get("/dashboard/", {"start": "2025-03-01", "end": "2025-01-01"})
    assert response.status_code == 400
    assert "The period end must be the same as or after the start" in response.content.decode()
    response = client.get("/dashboard/", {"start": "2025-02-30", "end": "2025-03-01"})
    assert "Enter the period start as a real date" in response.content.decode()


def test_every_table_download_is_in_the_access_log(client, world):
    chair = member(Role.LSCB_CHAIR, world["ours"])
    sign_in(client, chair)
    table_of(client, "suspects-sex")
    entry = AccessLogEntry.objects.filter(user=chair).latest("id")
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert entry.detail["table"] == "suspects-sex"
    assert entry.detail["suppressed"] is True
    assert client.get("/dashboard/tables/no-such-table.csv").status_code == 404


def test_the_dashboard_takes_as_many_queries_for_many_records_as_for_few(client):
    agency = AgencyFactory()
    sign_in(client, member(Role.CSE_LEAD, agency))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/", period()).status_code == 200
            assert client.get("/dashboard/data-quality/", period()).status_code == 200
        return len(captured)

    for _ in range(2):
        ConcernFactory(case=CaseFactory(owner_agency=agency))
    few = queries()
    for _ in range(12):
        concern = ConcernFactory(case=CaseFactory(owner_agency=agency), status="submitted")
        MissingEpisode.objects.create(case=concern.case, started_at=timezone.now())
        PersonFactory(owner_agency=agency, kind="suspect")
    assert queries() == few


def test_data_quality_shares_equal_the_records_and_fixes_open_only_visible_cases(client, world):
    ours = world["ours"]
    lead = member(Role.CSE_LEAD, ours)
    sign_in(client, lead)
    response = client.get("/dashboard/data-quality/", period())
    assert response.status_code == 200

    cases = [
        c
        for c in Case.objects.filter(owner_agency=ours, archived_at__isnull=True)
        if start()
        <= (c.first_contact_date or timezone.localtime(c.created_at).date())
        <= timezone.localdate()
    ]
    rows = {row[0]: row for row in table_of(client, "quality-children")}
    ethnicity = rows[ours.name][5]
    unknown = sum(1 for c in cases if c.child.ethnicity in ("unknown", ""))
    assert rows[ours.name][1] == str(len(cases))
    assert ethnicity == f"{100 * unknown / len(cases):.0f}%"

    fix = response.content.decode().split('data-testid="records-to-fix"')[1]
    theirs = Case.objects.filter(owner_agency=world["theirs"]).first()
    assert str(theirs.public_id) not in fix
    ours_open = Case.objects.filter(owner_agency=ours, status="open", archived_at__isnull=True)
    assert any(str(c.public_id) in fix for c in ours_open)


def test_the_chair_sees_data_quality_but_no_records(client, world):
    sign_in(client, member(Role.LSCB_CHAIR, world["ours"]))
    response = client.get("/dashboard/data-quality/", period())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="records-to-fix"' not in page
    assert "/cases/" not in page


def test_episodes_and_referrals_count_by_the_local_day_they_started(client):
    """A period is whole days of local time. In British Summer Time an episode or referral at
    00:30 on the first day counts and one at 00:30 on the day after the last does not, although
    in UTC both fall on the evening before."""
    agency = AgencyFactory(partnerships=[PartnershipFactory()])
    other = AgencyFactory(partnerships=list(agency.partnerships.all()))
    moments = {
        "before": datetime(2026, 5, 31, 23, 30),
        "first": datetime(2026, 6, 1, 0, 30),
        "last": datetime(2026, 6, 30, 23, 30),
        "after": datetime(2026, 7, 1, 0, 30),
    }
    for moment in moments.values():
        case = CaseFactory(owner_agency=agency)
        started = timezone.make_aware(moment)
        MissingEpisode.objects.create(case=case, started_at=started)
        Referral.objects.create(
            case=case, from_agency=agency, to_agency=other, urgency="urgent",
            reason="Seen with older men", asked_for="Assessment", status="sent",
            sent_at=started, acknowledge_due=started + timedelta(hours=24),
            decision_due=started + timedelta(days=7),
        )  # fmt: skip
    sign_in(client, member(Role.CSE_LEAD, agency))
    june = {"start": "2026-06-01", "end": "2026-06-30"}

    missing = as_dict(table_of(client, "missing", **june))
    states = as_dict(table_of(client, "referrals-by-state", **june))

    assert missing["Missing episodes"] == "2"
    assert states["Total"] == "2"
