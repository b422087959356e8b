from datetime import date, timedelta

import pytest
from django.utils.html import escape

from agencies.access import record_share, visible
from agencies.models import Role
from cases import services
from cases.models import Association, Case, MissingEpisode, Network, NetworkMember, Person
from tests.cases.conftest import concern_post
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, ConcernFactory, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "level"),
    [
        ({"first_name": "Aaron", "last_name": "Cole"}, "group_one"),
        ({"initials": "A.C."}, "group_one"),
        ({"first_name": "Aaron"}, "group_two"),
        ({"known_as": "Tiny"}, "group_two"),
        ({}, "no_basic_information"),
    ],
)
def test_suspects_show_their_identification_level(client, worker, fields, level):
    suspect = services.person_create(
        data=services.PersonData(kind="suspect", **fields),
        owner_agency=worker.memberships.get().agency,
        by=worker,
    )
    assert suspect.identification_level == level
    sign_in(client, worker)
    page = client.get(f"/people/{suspect.public_id}/").content.decode()
    label = Person.IdentificationLevel(level).label
    assert f'data-testid="identification-level">{label}</strong>' in page


def test_a_missing_episode_is_recorded_and_appears_in_the_chronology(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    case = Case.objects.get()
    url = f"/cases/{case.public_id}/missing/new/"

    bad = client.post(
        url,
        {
            "type": "missing",
            "started_at": "2025-03-02T10:00",
            "ended_at": "2025-03-01T10:00",
            "return_interview": "not_offered",
        },
    )
    assert "The return must be after the child went missing" in bad.content.decode()
    assert not MissingEpisode.objects.exists()

    client.post(
        url,
        {
            "type": "missing",
            "started_at": "2025-03-01T21:00",
            "ended_at": "2025-03-02T08:00",
            "reported_to_police": "on",
            "return_interview": "completed",
            "return_interview_completed_at": "2025-03-03T10:00",
        },
    )
    episode = MissingEpisode.objects.get()
    assert episode.return_interview_within_72_hours is True
    case.refresh_from_db()
    assert case.reported_missing == "yes"

    chronology = client.get(f"/cases/{case.public_id}/chronology/").content.decode()
    assert "Missing" in chronology
    assert "Concern (submitted)" in chronology
    assert "Case opened" in chronology
    only_missing = client.get(f"/cases/{case.public_id}/chronology/?kind=missing").content.decode()
    assert "Concern (submitted)" not in only_missing


def test_first_contact_must_be_before_the_child_turned_eighteen(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    case = Case.objects.get()
    born = case.child.date_of_birth
    response = client.post(
        f"/cases/{case.public_id}/edit/",
        {
            "first_contact_date": (born - timedelta(days=2)).isoformat(),
            "living_situation": "looked_after",
            "moved_into_care_after_intervention": "yes",
            "school_engagement": "excluded",
        },
    )
    assert "The first contact date must be after the date of birth" in response.content.decode()
    response = client.post(
        f"/cases/{case.public_id}/edit/",
        {
            "first_contact_date": (date.today() - timedelta(days=30)).isoformat(),
            "living_situation": "looked_after",
            "looked_after_legal_status": "Section 20",
            "moved_into_care_after_intervention": "yes",
            "school_engagement": "excluded",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.living_situation, case.looked_after_legal_status) == ("looked_after", "Section 20")


def test_an_nhs_number_with_a_wrong_check_digit_is_refused(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    child = Person.objects.get(kind="child")
    response = client.post(
        f"/people/{child.public_id}/details/", {"kind": "nhs_number", "value": "943 476 5918"}
    )
    assert "Enter a valid 10-digit NHS number" in response.content.decode()
    client.post(
        f"/people/{child.public_id}/details/", {"kind": "nhs_number", "value": "943 476 5919"}
    )
    assert child.identifiers.get().value == "9434765919"


def test_a_supervisor_merges_a_duplicate_and_nothing_is_lost(client, worker):
    agency = worker.memberships.get().agency
    survivor = services.person_create(
        data=services.PersonData(
            kind="child", first_name="Kayleigh", last_name="Moss", date_of_birth=date(2011, 5, 6)
        ),
        owner_agency=agency,
        by=worker,
    )
    duplicate = services.person_create(
        data=services.PersonData(
            kind="child",
            first_name="Kaylee",
            last_name="Moss",
            date_of_birth=date(2011, 5, 6),
            ethnicity="M1",
        ),
        owner_agency=agency,
        by=worker,
    )
    dup_case = services.case_open(child=duplicate, owner_agency=agency, by=worker)
    services.person_detail_add(
        person=duplicate, kind="phone", value="07700900555", description="", by=worker
    )

    sign_in(client, member(Role.FRONTLINE, agency))
    assert client.get(f"/people/{survivor.public_id}/merge/").status_code == 404

    sign_in(client, member(Role.SUPERVISOR, agency))
    page = client.get(f"/people/{survivor.public_id}/merge/").content.decode()
    assert "Kaylee Moss" in page
    client.post(
        f"/people/{survivor.public_id}/merge/",
        {"duplicate": str(duplicate.public_id), "reason": "Same child, name misspelt"},
    )

    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert duplicate.archived_at is not None  # archived, not deleted
    assert "Kaylee Moss" in [a.name for a in survivor.aliases.all()]
    assert survivor.ethnicity == "M1"  # filled from the duplicate
    assert survivor.contacts.get().normalised == "07700900555"
    dup_case.refresh_from_db()
    assert dup_case.child == survivor
    assert "Same child, name misspelt" in survivor.history.first().history_change_reason
    assert client.get(f"/people/{duplicate.public_id}/").status_code == 404


def test_the_case_list_runs_the_same_queries_however_many_cases(
    client, worker, django_assert_max_num_queries
):
    agency = worker.memberships.get().agency
    CaseFactory.create_batch(2, owner_agency=agency)
    sign_in(client, worker)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/cases/").status_code == 200
    CaseFactory.create_batch(20, owner_agency=agency)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/cases/").content.decode()
    assert "22 cases" in page


def test_a_linked_suspect_held_by_another_agency_shows_only_as_restricted(
    client, worker, partnership_agencies
):
    police = partnership_agencies[1]
    officer = member(Role.FRONTLINE, police)
    case = CaseFactory(owner_agency=worker.memberships.get().agency)
    suspect = services.person_create(
        data=services.PersonData(kind="suspect", first_name="Zebedee", last_name="Quarrington"),
        owner_agency=police,
        by=officer,
    )
    services.association_create(
        from_person=case.child,
        to_person=suspect,
        relationship="exploiter",
        owner_agency=police,
        by=officer,
    )
    sign_in(client, worker)
    page = client.get(f"/cases/{case.public_id}/").content.decode()
    assert f"A person held by {police.name} (exploiter)" in page
    assert "Zebedee" not in page
    assert str(suspect.public_id) not in page


def test_a_case_is_flagged_group_based_when_two_suspects_are_linked(client, worker):
    case = CaseFactory(owner_agency=worker.memberships.get().agency)
    sign_in(client, worker)
    for alias in ("Tiny", "Kez"):
        suspect = services.person_create(
            data=services.PersonData(kind="suspect", aliases=[alias]),
            owner_agency=case.owner_agency,
            by=worker,
        )
        assert "Group-based" not in client.get(f"/cases/{case.public_id}/").content.decode()
        services.association_create(
            from_person=case.child,
            to_person=suspect,
            relationship="exploiter",
            owner_agency=case.owner_agency,
            by=worker,
        )
    assert (
        "Group-based: two or more suspects linked"
        in client.get(f"/cases/{case.public_id}/").content.decode()
    )


def test_a_child_is_judged_under_18_at_first_contact_not_today(client, worker):
    """A concern of years ago about someone now grown up is recorded, and their record can
    still be corrected; a concern about someone already 18 at the time is refused."""
    sign_in(client, worker)
    today = date.today()
    born = today.replace(year=today.year - 20)
    historic = concern_post(
        **{
            "child-date_of_birth": born.isoformat(),
            "concern-occurred_on": born.replace(year=born.year + 15).isoformat(),
        }
    )
    assert client.post("/concerns/new/", historic).status_code == 302
    child = Case.objects.get().child

    response = client.post(
        f"/people/{child.public_id}/edit/",
        {
            "first_name": child.first_name,
            "last_name": "Corrected",
            "date_of_birth": born.isoformat(),
            "sex": "female",
            "ethnicity": "W1",
            "nationality": "GB",
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.last_name == "Corrected"

    too_old = concern_post(
        **{
            "child-first_name": "Another",
            "child-date_of_birth": born.isoformat(),
            "concern-occurred_on": born.replace(year=born.year + 18).isoformat(),
        }
    )
    page = client.post("/concerns/new/", too_old).content.decode()
    assert "18 or over on" in page
    assert Case.objects.count() == 1


def test_merging_keeps_network_roles_shares_and_drops_only_the_link_between_the_two(worker):
    agency = worker.memberships.get().agency
    partner = AgencyFactory(partnerships=list(agency.partnerships.all()))
    survivor, duplicate, suspect = (
        services.person_create(
            data=services.PersonData(kind="child", first_name=name, last_name="Moss"),
            owner_agency=agency,
            by=worker,
        )
        for name in ("Kayleigh", "Kaylee", "Jordan")
    )
    link = {"owner_agency": agency, "by": worker}
    services.association_create(
        from_person=survivor, to_person=duplicate, relationship="associate", **link
    )
    other_link = services.association_create(
        from_person=duplicate, to_person=suspect, relationship="introduced_by", **link
    )
    network = Network.objects.create(owner_agency=agency, name="Park group")
    NetworkMember.objects.create(network=network, person=duplicate, role="victim")
    record_share(
        record=duplicate,
        agency=partner,
        reason="Strategy meeting",
        lawful_basis="safeguarding",
        by=worker,
    )

    services.person_merge(survivor=survivor, duplicate=duplicate, reason="Same child", by=worker)

    other_link.refresh_from_db()
    assert other_link.from_person == survivor
    self_link = Association.objects.get(to_person=duplicate)
    assert self_link.archived_at is not None  # kept, with the reason, not deleted
    assert network.members.get().person == survivor
    partner_user = member(Role.FRONTLINE, partner)
    assert visible(partner_user, Person.objects.filter(pk=survivor.pk)).exists()


def test_a_missing_episode_is_completed_later_and_linked_to_concerns(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    case = Case.objects.get()
    concern = case.concerns.get()
    client.post(
        f"/cases/{case.public_id}/missing/new/",
        {"type": "missing", "started_at": "2025-03-01T21:00", "return_interview": "not_offered"},
    )
    episode = MissingEpisode.objects.get()
    url = f"/missing-episodes/{episode.public_id}/edit/"
    form = client.get(url).content.decode()
    assert 'value="2025-03-01T21:00"' in form
    assert "Concerns linked to this episode" in form

    bad = client.post(
        url,
        {
            "type": "missing",
            "started_at": "2025-03-01T21:00",
            "ended_at": "2025-03-01T20:00",
            "return_interview": "offered",
            "where_found": "A flat in Leeds",
        },
    )
    assert "The return must be after the child went missing" in bad.content.decode()
    assert 'value="A flat in Leeds"' in bad.content.decode()  # what was typed is kept
    episode.refresh_from_db()
    assert episode.ended_at is None

    client.post(
        url,
        {
            "type": "missing",
            "started_at": "2025-03-01T21:00",
            "ended_at": "2025-03-02T08:00",
            "return_interview": "completed",
            "return_interview_completed_at": "2025-03-03T10:00",
            "where_found": "A flat in Leeds",
            "concerns": [str(concern.public_id)],
        },
    )

    episode.refresh_from_db()
    assert episode.where_found == "A flat in Leeds"
    assert episode.return_interview_within_72_hours is True
    assert list(episode.concerns.all()) == [concern]
    history = client.get(f"/cases/{case.public_id}/history/").content.decode()
    assert "to 02 March 2025 08:00; return interview completed" in history


def test_a_missing_episode_cannot_link_another_cases_concern(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    first = Case.objects.get()
    other_concern = ConcernFactory(case=CaseFactory(owner_agency=first.owner_agency))

    response = client.post(
        f"/cases/{first.public_id}/missing/new/",
        {
            "type": "missing",
            "started_at": "2025-03-01T21:00",
            "return_interview": "not_offered",
            "concerns": [str(other_concern.public_id)],
        },
    )

    assert "Select concerns from the list" in response.content.decode()
    assert not MissingEpisode.objects.exists()


def test_the_chronology_is_one_timeline_of_every_case_about_the_child_the_user_may_see(
    client, worker, partnership_agencies
):
    own, police, unrelated = partnership_agencies
    case = CaseFactory(owner_agency=own)
    ConcernFactory(case=case, narrative="Own concern", place="Bus station")
    police_case = CaseFactory(owner_agency=police, child=case.child)
    ConcernFactory(case=police_case, occurred_on=date(2025, 2, 1))
    services.case_share(
        case=police_case,
        agency=own,
        reason="Strategy meeting",
        lawful_basis="safeguarding",
        by=member(Role.CSE_LEAD, police),
    )
    hidden_case = CaseFactory(owner_agency=unrelated, child=case.child)
    ConcernFactory(case=hidden_case, occurred_on=date(2025, 1, 1))
    sign_in(client, worker)

    page = client.get(f"/cases/{case.public_id}/chronology/").content.decode()

    assert page.count("Concern (") == 2
    assert f"Case held by {escape(police.name)}" in page
    assert f"Case held by {escape(own.name)}" in page
    assert escape(unrelated.name) not in page
    assert "1 January 2025" not in page


def test_the_chronology_runs_the_same_queries_however_many_events(
    client, worker, django_assert_max_num_queries
):
    case = CaseFactory(owner_agency=worker.memberships.get().agency)
    ConcernFactory(case=case)
    services.case_note_add(case=case, text="Seen at school", agency=case.owner_agency, by=worker)
    sign_in(client, worker)
    url = f"/cases/{case.public_id}/chronology/"
    with django_assert_max_num_queries(25) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        ConcernFactory(case=case)
        services.case_note_add(
            case=case, text="Seen at school", agency=case.owner_agency, by=worker
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Note by") == 16
