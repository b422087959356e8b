"""Multi-agency meetings through their pages: arranging, the agenda, what each agency shares,
actions and their owners, and the access rule inside the minutes."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from agencies.access import record_share, record_unshare
from agencies.access_log import access_log_verify
from agencies.models import AccessLogEntry, Agency, Role
from cases.services import case_share
from meetings.models import AgendaContribution, AgendaItem, Meeting, MeetingAction
from meetings.services import agenda_item_add, meeting_action_add, meeting_create
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartnershipFactory,
    PersonFactory,
    member,
)
from tests.live_http import LiveSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Police chair a meeting attended by social care and health; a child's case held by
    social care is shared with police only; an unshared police suspect is also on the agenda."""
    partnership = PartnershipFactory()
    police, social_care, health, school = (
        AgencyFactory(name=name, partnerships=[partnership])
        for name in ("Riverside Police", "Riverside Social Care", "Riverside Health", "School")
    )
    chair = member(Role.CSE_LEAD, police)
    # Names that no generated name of a user contains, so their absence from a page counts.
    case = CaseFactory(owner_agency=social_care, child__first_name="Zinnia")
    case_share(case=case, agency=police, reason="MASE", lawful_basis="safeguarding", by=chair)
    suspect = PersonFactory(owner_agency=police, kind="suspect", first_name="Zebedee")
    meeting = meeting_create(
        partnership=partnership, title="Riverside MASE", held_on=date.today(), starts_at=None,
        venue="Town hall", chair=chair, chair_agency=police, agencies=[social_care, health],
        by=chair,
    )  # fmt: skip
    child_item = agenda_item_add(meeting=meeting, kind="case", subject=case, by=chair)
    suspect_item = agenda_item_add(meeting=meeting, kind="person", subject=suspect, by=chair)
    return {
        "partnership": partnership,
        "police": police,
        "social_care": social_care,
        "health": health,
        "school": school,
        "chair": chair,
        "case": case,
        "suspect": suspect,
        "meeting": meeting,
        "child_item": child_item,
        "suspect_item": suspect_item,
    }


def test_arranging_a_meeting_invites_the_chairs_agency_and_the_agencies_ticked(client, world):
    sign_in(client, world["chair"])
    response = client.post(
        "/meetings/new/",
        {
            "partnership": world["partnership"].public_id,
            "title": "North MASE",
            "held_on": (date.today() + timedelta(days=7)).isoformat(),
            "agencies": [world["health"].public_id],
        },
    )
    meeting = Meeting.objects.get(title="North MASE")
    assert response["Location"] == f"/meetings/{meeting.public_id}/"
    attending = set(meeting.attendance.values_list("agency__name", flat=True))
    assert attending == {"Riverside Police", "Riverside Health"}
    assert meeting.chair == world["chair"]


def test_a_meeting_long_past_is_refused_naming_the_date_and_keeping_what_was_typed(client, world):
    sign_in(client, world["chair"])
    response = client.post(
        "/meetings/new/",
        {
            "partnership": world["partnership"].public_id,
            "title": "Late MASE",
            "held_on": (date.today() - timedelta(days=31)).isoformat(),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of the meeting must be today, in the future or in the last 30 days" in page
    assert 'href="#id_held_on"' in page
    assert 'value="Late MASE"' in page
    assert not Meeting.objects.filter(title="Late MASE").exists()


def test_a_meeting_written_up_after_it_sat_is_recorded_and_takes_items(client, world):
    sign_in(client, world["chair"])
    held_on = date.today() - timedelta(days=10)
    response = client.post(
        "/meetings/new/",
        {
            "partnership": world["partnership"].public_id,
            "title": "Written-up MASE",
            "held_on": held_on.isoformat(),
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Written-up MASE")
    response = client.post(
        f"/meetings/items/new/case/{world['case'].public_id}/", {"meeting": meeting.public_id}
    )
    assert response["Location"] == f"/meetings/{meeting.public_id}/"
    assert meeting.items.get().next_review_on == held_on + timedelta(weeks=12)


def test_an_agency_outside_the_partnership_cannot_be_invited(client, world):
    outsider = AgencyFactory(name="Elsewhere Police")
    sign_in(client, world["chair"])
    response = client.post(
        "/meetings/new/",
        {
            "partnership": world["partnership"].public_id,
            "title": "MASE",
            "held_on": date.today().isoformat(),
            "agencies": [outsider.public_id],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.filter(title="MASE").exists()


def test_an_item_is_added_once_with_its_next_review_twelve_weeks_after_the_meeting(client, world):
    sign_in(client, world["chair"])
    url = f"/meetings/items/new/case/{world['case'].public_id}/"
    for _ in range(2):
        response = client.post(url, {"meeting": world["meeting"].public_id})
        assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=world["meeting"], case=world["case"])
    assert item.next_review_on == world["meeting"].held_on + timedelta(weeks=12)
    assert AgendaItem.objects.filter(meeting=world["meeting"]).count() == 2


def test_an_attendee_sees_an_item_it_may_not_see_only_as_restricted(client, world):
    """Health attends but was shared neither the case nor the suspect: the minutes say whose
    records they are and nothing else, and the items themselves answer 404."""
    police_officer = member(Role.FRONTLINE, world["police"])
    sign_in(client, police_officer)
    client.post(
        f"/meetings/items/{world['suspect_item'].public_id}/information/",
        {"text": "Zebedee drives a silver Astra"},
    )
    nurse = member(Role.FRONTLINE, world["health"])
    sign_in(client, nurse)

    meeting_url = f"/meetings/{world['meeting'].public_id}/"
    for url in (meeting_url, f"{meeting_url}print/"):
        page = client.get(url).content.decode()
        assert "A suspected offender held by Riverside Police" in page
        assert "A child&#x27;s case held by Riverside Social Care" in page
        assert "Zebedee" not in page
        assert "Astra" not in page
        assert "Zinnia" not in page
    for item in ("suspect_item", "child_item"):
        public_id = world[item].public_id
        assert client.get(f"/meetings/items/{public_id}/").status_code == 404
        response = client.post(f"/meetings/items/{public_id}/information/", {"text": "x"})
        assert response.status_code == 404
    assert AgendaContribution.objects.filter(agency=world["health"]).count() == 0


def test_sharing_the_record_opens_its_item_to_the_attendee(client, world):
    record_share(
        record=world["suspect"],
        agency=world["health"],
        reason="MASE",
        lawful_basis="safeguarding",
        by=world["chair"],
    )
    sign_in(client, member(Role.FRONTLINE, world["health"]))
    page = client.get(f"/meetings/{world['meeting'].public_id}/").content.decode()
    assert "Zebedee" in page
    assert client.get(f"/meetings/items/{world['suspect_item'].public_id}/").status_code == 200


def test_viewing_the_minutes_logs_each_record_shown_and_not_those_restricted(client, world):
    sign_in(client, member(Role.FRONTLINE, world["social_care"]))
    client.get(f"/meetings/{world['meeting'].public_id}/")
    logged = AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.VIEW, detail__meeting=str(world["meeting"].public_id)
    )
    assert list(logged.values_list("record_id", flat=True)) == [world["case"].public_id]
    assert logged.get().agency == world["social_care"]


def test_the_records_of_the_minutes_are_logged_in_one_unbroken_chain(client, world):
    record_share(
        record=world["suspect"],
        agency=world["health"],
        reason="MASE",
        lawful_basis="safeguarding",
        by=world["chair"],
    )
    case_share(
        case=world["case"],
        agency=world["health"],
        reason="MASE",
        lawful_basis="safeguarding",
        by=world["chair"],
    )
    sign_in(client, member(Role.FRONTLINE, world["health"]))
    client.get(f"/meetings/{world['meeting'].public_id}/print/")
    printed = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.PRINT)
    assert printed.count() == 2
    assert access_log_verify().intact


def test_an_action_is_refused_for_an_agency_that_cannot_see_the_record(client, world):
    sign_in(client, member(Role.FRONTLINE, world["police"]))
    response = client.post(
        f"/meetings/items/{world['child_item'].public_id}/actions/new/",
        {
            "description": "Health visit",
            "owner_agency": world["health"].public_id,
            "due_on": date.today().isoformat(),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Riverside Health cannot see this record" in page
    assert 'href="#id_owner_agency"' in page
    assert "Health visit" in page
    assert not MeetingAction.objects.exists()


def test_an_action_owner_must_work_for_the_agency_responsible(client, world):
    police_officer = member(Role.FRONTLINE, world["police"])
    social_worker = member(Role.FRONTLINE, world["social_care"])
    sign_in(client, police_officer)
    membership = social_worker.memberships.get()
    response = client.post(
        f"/meetings/items/{world['child_item'].public_id}/actions/new/",
        {
            "description": "Visit",
            "owner_agency": world["police"].public_id,
            "owner": membership.public_id,
            "due_on": date.today().isoformat(),
        },
    )
    assert "Choose someone in Riverside Police" in response.content.decode()
    assert not MeetingAction.objects.exists()


def test_only_the_chairs_agency_records_what_was_agreed(client, world):
    url = f"/meetings/items/{world['child_item'].public_id}/outcome/"
    data = {"risk_category": "4", "decisions": "Strategy meeting", "next_review_on": "2031-01-01"}
    sign_in(client, member(Role.CSE_LEAD, world["social_care"]))
    assert client.post(url, data).status_code == 404
    sign_in(client, member(Role.SUPERVISOR, world["police"]))
    assert client.post(url, data).status_code == 302
    item = AgendaItem.objects.get(pk=world["child_item"].pk)
    assert (item.risk_category, item.next_review_on) == (4, date(2031, 1, 1))
    assert Meeting.objects.get(pk=world["meeting"].pk).status == Meeting.Status.HELD


def test_an_agency_that_spoke_at_the_meeting_cannot_be_taken_off_it(client, world):
    social_worker = member(Role.FRONTLINE, world["social_care"])
    sign_in(client, social_worker)
    client.post(
        f"/meetings/items/{world['child_item'].public_id}/information/", {"text": "Known to us"}
    )
    sign_in(client, world["chair"])
    meeting = world["meeting"]
    response = client.post(
        f"/meetings/{meeting.public_id}/edit/",
        {
            "title": meeting.title,
            "held_on": meeting.held_on.isoformat(),
            "status": "held",
            "agencies": [world["health"].public_id],
            "version": meeting.version,
        },
    )
    assert response.status_code == 200
    assert "Riverside Social Care shared information" in response.content.decode()
    assert meeting.attendance.filter(agency=world["social_care"]).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED


def test_attendees_are_recorded_by_agency(client, world):
    sign_in(client, world["chair"])
    meeting = world["meeting"]
    response = client.post(
        f"/meetings/{meeting.public_id}/edit/",
        {
            "title": meeting.title,
            "held_on": meeting.held_on.isoformat(),
            "status": "held",
            "agencies": [world["social_care"].public_id, world["health"].public_id],
            f"attendees_{world['health'].public_id}": "Sam Patel, school nurse",
            "version": meeting.version,
        },
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.public_id}/").content.decode()
    assert "Sam Patel, school nurse" in page


def test_an_overdue_action_shows_in_its_owners_task_list_only(client, world):
    social_worker = member(Role.FRONTLINE, world["social_care"])
    colleague = member(Role.FRONTLINE, world["social_care"])
    action = meeting_action_add(
        item=world["child_item"], description="Return home interview",
        owner_agency=world["social_care"], owner=social_worker, due_on=date.today(),
        by=world["chair"],
    )  # fmt: skip
    MeetingAction.objects.filter(pk=action.pk).update(due_on=date.today() - timedelta(days=3))

    sign_in(client, social_worker)
    page = client.get("/tasks/").content.decode()
    assert "Return home interview" in page
    assert "Overdue" in page
    assert "1 overdue action from multi-agency meetings" in client.get("/").content.decode()
    sign_in(client, colleague)
    assert "Return home interview" not in client.get("/tasks/").content.decode()


def test_an_action_for_the_whole_agency_shows_to_each_of_its_members(client, world):
    meeting_action_add(
        item=world["child_item"], description="Check school attendance",
        owner_agency=world["social_care"], owner=None, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    sign_in(client, member(Role.SUPERVISOR, world["social_care"]))
    assert "Check school attendance" in client.get("/tasks/").content.decode()
    sign_in(client, member(Role.FRONTLINE, world["health"]))
    assert "Check school attendance" not in client.get("/tasks/").content.decode()


def test_the_owner_marks_an_action_done_and_a_stale_form_is_refused(client, world):
    social_worker = member(Role.FRONTLINE, world["social_care"])
    action = meeting_action_add(
        item=world["child_item"], description="Visit", owner_agency=world["social_care"],
        owner=social_worker, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    sign_in(client, social_worker)
    url = f"/meetings/actions/{action.public_id}/"
    data = {"status": "done", "status_note": "Seen at home", "due_on": date.today().isoformat()}
    assert client.post(url, {**data, "version": action.version}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", date.today())

    response = client.post(url, {**data, "status": "open", "version": action.version - 1})
    assert response.status_code == 200
    assert "nothing of yours was saved" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "done"


def test_the_dashboard_counts_actions_overdue_by_agency(client, world):
    for n in range(5):
        action = meeting_action_add(
            item=world["child_item"], description=f"Action {n}", owner_agency=world["police"],
            owner=None, due_on=date.today(), by=world["chair"],
        )  # fmt: skip
        if n < 3:
            MeetingAction.objects.filter(pk=action.pk).update(due_on=date(2020, 1, 1))
    sign_in(client, member(Role.LSCB_CHAIR, world["police"]))
    response = client.get("/dashboard/tables/meeting-actions.csv")
    rows = [line.split(",") for line in response.content.decode().splitlines()]
    assert rows[0] == ["Agency", "Open", "Overdue now", "Done"]
    police_row = next(row for row in rows if row[0] == "Riverside Police")
    assert police_row[1:3] == ["5", "fewer than 5"]


def test_the_meeting_list_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        meeting_create(
            partnership=world["partnership"], title=f"MASE {n}", held_on=date.today(),
            starts_at=None, venue="", chair=world["chair"], chair_agency=world["police"],
            agencies=[world["health"]], by=world["chair"],
        )  # fmt: skip
    sign_in(client, member(Role.FRONTLINE, world["health"]))
    with django_assert_max_num_queries(12):
        response = client.get("/meetings/")
    assert response.content.decode().count("MASE") >= 6


def test_the_minutes_read_a_fixed_number_of_queries_whatever_the_agenda(
    client, world, django_assert_max_num_queries
):
    for _ in range(6):
        agenda_item_add(
            meeting=world["meeting"], kind="case",
            subject=CaseFactory(owner_agency=world["police"]), by=world["chair"],
        )  # fmt: skip
    """Reading the agenda, deciding what the viewer may see and logging each record shown take
    the same statements for eight items as for one."""
    sign_in(client, member(Role.ANALYST, world["health"]))
    with django_assert_max_num_queries(24):
        response = client.get(f"/meetings/{world['meeting'].public_id}/")
    assert response.content.decode().count('data-testid="restricted-item"') == 8
    sign_in(client, member(Role.FRONTLINE, world["police"]))
    with django_assert_max_num_queries(24):
        response = client.get(f"/meetings/{world['meeting'].public_id}/")
    assert 'data-testid="restricted-item"' not in response.content.decode()


def test_the_childs_chronology_shows_the_meeting_to_attending_agencies_only(client, world):
    """The school was shared the case but did not attend: the meeting is not in its
    chronology."""
    case_share(
        case=world["case"],
        agency=world["school"],
        reason="Education",
        lawful_basis="safeguarding",
        by=world["chair"],
    )
    sign_in(client, member(Role.SUPERVISOR, world["police"]))
    client.post(
        f"/meetings/items/{world['child_item'].public_id}/outcome/",
        {"risk_category": "3", "decisions": "Joint visit agreed", "next_review_on": "2031-01-01"},
    )
    chronology = f"/cases/{world['case'].public_id}/chronology/?kind=meeting"
    sign_in(client, member(Role.FRONTLINE, world["social_care"]))
    page = client.get(chronology).content.decode()
    assert "Discussed at Riverside MASE" in page
    assert "Joint visit agreed; risk category agreed 3: moderate risk" in page
    sign_in(client, member(Role.FRONTLINE, world["school"]))
    assert "Riverside MASE" not in client.get(chronology).content.decode()


def test_a_record_due_for_review_is_listed_until_a_later_meeting_takes_it_up(client, world):
    AgendaItem.objects.filter(pk=world["child_item"].pk).update(
        next_review_on=date.today() - timedelta(days=1)
    )
    sign_in(client, member(Role.SUPERVISOR, world["police"]))
    due = client.get("/meetings/").content.decode().split('data-testid="due-for-review"')[1]
    assert "Zinnia" in due
    assert "Overdue" in due

    later = meeting_create(
        partnership=world["partnership"], title="Next MASE", held_on=date.today() + timedelta(1),
        starts_at=None, venue="", chair=world["chair"], chair_agency=world["police"],
        agencies=[world["social_care"]], by=world["chair"],
    )  # fmt: skip
    agenda_item_add(meeting=later, kind="case", subject=world["case"], by=world["chair"])
    due = client.get("/meetings/").content.decode().split('data-testid="due-for-review"')[1]
    assert "Zinnia" not in due


def test_minutes_opened_by_several_people_at_once_keep_the_access_log_one_chain(
    live_server, transactional_db
):
    partnership = PartnershipFactory()
    police, health = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    chair = member(Role.CSE_LEAD, police)
    meeting = meeting_create(
        partnership=partnership, title="MASE", held_on=date.today(), starts_at=None, venue="",
        chair=chair, chair_agency=police, agencies=[health], by=chair,
    )  # fmt: skip
    for _ in range(3):
        agenda_item_add(
            meeting=meeting, kind="case", subject=CaseFactory(owner_agency=police), by=chair
        )
    sessions = [LiveSession(live_server, member(Role.FRONTLINE, police)) for _ in range(4)]
    path = f"/meetings/{meeting.public_id}/"

    def read_minutes(session) -> list[int]:
        return [session.request("GET", path)[0] for _ in range(3)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = [s for result in pool.map(read_minutes, sessions) for s in result]

    assert statuses == [200] * 12
    assert AccessLogEntry.objects.filter(detail__meeting=str(meeting.public_id)).count() == 36
    assert access_log_verify().intact


def test_the_minutes_are_logged_under_the_agency_that_reaches_each_record(client, world):
    """A police analyst who also works for health: the case shared with police is logged as
    seen by police, not by the first attending agency."""
    user = member(Role.ANALYST, world["health"])
    MembershipFactory(user=user, agency=world["police"], role=Role.ANALYST)
    sign_in(client, user)
    client.get(f"/meetings/{world['meeting'].public_id}/")
    entries = AccessLogEntry.objects.filter(detail__meeting=str(world["meeting"].public_id))
    assert {(e.record_id, e.agency_id) for e in entries} == {
        (world["case"].public_id, world["police"].pk),
        (world["suspect"].public_id, world["police"].pk),
    }


def test_a_hidden_item_answers_like_a_missing_one_and_the_refusal_is_logged(client, world):
    sign_in(client, member(Role.FRONTLINE, world["health"]))
    hidden = client.get(f"/meetings/items/{world['suspect_item'].public_id}/")
    missing = client.get("/meetings/items/00000000-0000-4000-8000-000000000000/")
    assert hidden.status_code == missing.status_code == 404

    def page(response) -> str:  # each page carries its own script nonce and form token
        return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())

    assert page(hidden) == page(missing)
    denied = AccessLogEntry.objects.get(action=AccessLogEntry.Action.DENIED)
    assert denied.record_id == world["suspect"].public_id


def test_a_cancelled_meeting_takes_nothing_more_and_leaves_task_lists(client, world):
    social_worker = member(Role.FRONTLINE, world["social_care"])
    meeting_action_add(
        item=world["child_item"], description="Visit", owner_agency=world["social_care"],
        owner=social_worker, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    Meeting.objects.filter(pk=world["meeting"].pk).update(status=Meeting.Status.CANCELLED)
    sign_in(client, social_worker)
    response = client.post(
        f"/meetings/items/{world['child_item'].public_id}/information/", {"text": "Late news"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This meeting was cancelled" in page
    assert 'action="/meetings/items/' not in page
    assert not AgendaContribution.objects.exists()
    assert "Visit" not in client.get("/tasks/").content.decode()


def test_an_action_whose_owner_left_the_agency_falls_to_the_agency(client, world):
    leaver, colleague = (member(Role.FRONTLINE, world["social_care"]) for _ in range(2))
    meeting_action_add(
        item=world["child_item"], description="Return home interview",
        owner_agency=world["social_care"], owner=leaver, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    sign_in(client, colleague)
    assert "Return home interview" not in client.get("/tasks/").content.decode()
    leaver.memberships.update(is_active=False)
    assert "Return home interview" in client.get("/tasks/").content.decode()


def test_an_agency_no_longer_offered_stays_on_the_meeting_when_it_is_changed(client, world):
    meeting = world["meeting"]
    client_post = {
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "status": "cancelled",
        "agencies": [world["social_care"].public_id],
        "version": meeting.version,
    }
    Agency.objects.filter(pk=world["health"].pk).update(is_active=False)
    sign_in(client, world["chair"])
    assert client.post(f"/meetings/{meeting.public_id}/edit/", client_post).status_code == 302
    assert meeting.attendance.filter(agency=world["health"]).exists()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED


def test_a_meeting_more_than_two_years_ahead_is_refused(client, world):
    sign_in(client, world["chair"])
    response = client.post(
        "/meetings/new/",
        {"partnership": world["partnership"].public_id, "title": "Far", "held_on": "9999-12-31"},
    )
    assert "must be within two years from today" in response.content.decode()
    assert not Meeting.objects.filter(title="Far").exists()


def test_the_dashboard_counts_only_the_partnerships_own_meetings(client, world):
    elsewhere = PartnershipFactory()
    world["police"].partnerships.add(elsewhere)
    other_meeting = meeting_create(
        partnership=elsewhere, title="Other MASE", held_on=date.today(), starts_at=None,
        venue="", chair=world["chair"], chair_agency=world["police"], agencies=[],
        by=world["chair"],
    )  # fmt: skip
    item = agenda_item_add(
        meeting=other_meeting, kind="case", subject=CaseFactory(owner_agency=world["police"]),
        by=world["chair"],
    )  # fmt: skip
    for n in range(6):
        meeting_action_add(
            item=item, description=f"Elsewhere {n}", owner_agency=world["police"], owner=None,
            due_on=date.today(), by=world["chair"],
        )  # fmt: skip
    sign_in(client, member(Role.CSE_LEAD, world["police"]))
    response = client.get(
        "/dashboard/tables/meeting-actions.csv", {"partnership": world["partnership"].code}
    )
    rows = [line.split(",") for line in response.content.decode().splitlines()]
    assert next(row for row in rows if row[0] == "Total")[1] == "0"


def test_the_chairs_agency_withdraws_an_item_with_a_reason(client, world):
    """The item leaves the minutes and its open actions are no longer needed; the record can
    be put back on later as a new item."""
    item = world["suspect_item"]
    action = meeting_action_add(
        item=item, description="Serve the warning notice", owner_agency=world["police"],
        owner=None, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    url = f"/meetings/items/{item.public_id}/withdraw/"
    sign_in(client, member(Role.FRONTLINE, world["police"]))
    assert client.get(url).status_code == 404
    sign_in(client, world["chair"])

    refused = client.post(url, {"reason": ""})
    response = client.post(url, {"reason": "Added to the wrong meeting"})

    assert "Enter why the item is withdrawn" in refused.content.decode()
    assert 'href="#id_reason"' in refused.content.decode()
    meeting_url = f"/meetings/{world['meeting'].public_id}/"
    assert response["Location"] == meeting_url
    item.refresh_from_db()
    assert (item.archived_by, item.archived_reason) == (
        world["chair"],
        "Added to the wrong meeting",
    )
    action.refresh_from_db()
    assert action.status == MeetingAction.Status.CANCELLED
    page = client.get(meeting_url).content.decode()
    assert "Zebedee" not in page
    assert page.count('data-testid="agenda-item"') == 1
    assert client.get(f"/meetings/items/{item.public_id}/").status_code == 404
    assert "Serve the warning notice" not in client.get("/tasks/").content.decode()

    client.post(
        f"/meetings/items/new/person/{world['suspect'].public_id}/",
        {"meeting": world["meeting"].public_id},
    )
    assert "Zebedee" in client.get(meeting_url).content.decode()


def test_the_minutes_open_only_what_the_users_attending_agencies_may_see(client, world):
    """Someone in health (attending) and in the school (not attending, shared the suspect)
    reads the suspect's item as health would: restricted."""
    nurse = member(Role.FRONTLINE, world["health"])
    MembershipFactory(user=nurse, agency=world["school"], role=Role.FRONTLINE)
    record_share(
        record=world["suspect"], agency=world["school"], reason="School safety plan",
        lawful_basis="safeguarding", by=world["chair"],
    )  # fmt: skip
    sign_in(client, nurse)

    page = client.get(f"/meetings/{world['meeting'].public_id}/").content.decode()

    assert "A suspected offender held by Riverside Police" in page
    assert "Zebedee" not in page
    assert client.get(f"/meetings/items/{world['suspect_item'].public_id}/").status_code == 404
    # The school's own view of the record is unchanged.
    assert client.get(f"/people/{world['suspect'].public_id}/").status_code == 200


def test_the_home_page_counts_the_overdue_actions_the_task_list_shows(client, world):
    """An action on a record no longer shared with the owner's agency leaves both."""
    officer = member(Role.FRONTLINE, world["police"])
    action = meeting_action_add(
        item=world["child_item"], description="Check the taxi firm", owner_agency=world["police"],
        owner=officer, due_on=date.today(), by=world["chair"],
    )  # fmt: skip
    MeetingAction.objects.filter(pk=action.pk).update(due_on=date.today() - timedelta(days=3))
    sign_in(client, officer)
    assert "1 overdue action from multi-agency meetings" in client.get("/").content.decode()

    record_unshare(record=world["case"], agency=world["police"], reason="Closed", by=world["chair"])

    assert "Check the taxi firm" not in client.get("/tasks/").content.decode()
    assert "overdue action" not in client.get("/").content.decode()
