import re
from datetime import date, timedelta

import pytest
from django.core import mail

from agencies.models import Role
from cases.models import Association, Case, Concern, ConcernDetail, Location, Person
from core.models import Task
from tests.cases.conftest import concern_post
from tests.conftest import sign_in
from tests.factories import member

pytestmark = pytest.mark.django_db


def counts():
    return (Person.objects.count(), Case.objects.count(), Concern.objects.count())


def test_a_concern_about_a_new_child_records_everything_and_shows_what_to_do(client, worker):
    sign_in(client, worker)
    response = client.post("/concerns/new/", concern_post())
    assert response.status_code == 302

    concern = Concern.objects.get()
    assert concern.status == "submitted"
    assert concern.indicator_codes == ["M01", "S02", "S03"]
    # Two significant (5 each) and one moderate (1): score 11, category 3.
    assert concern.provisional_category == 3
    case = concern.case
    assert case.risk_category == 3
    assert (case.child.first_name, case.child.ethnicity, case.child.nationality) == (
        "Jordan",
        "W1",
        "GB",
    )
    suspect = Person.objects.get(kind="suspect")
    assert [a.name for a in suspect.aliases.all()] == ["Tiny"]
    assert suspect.identification_level == "group_two"
    assert Association.objects.filter(from_person=case.child, to_person=suspect).exists()
    assert Location.objects.get().postcode_district == "LS6"
    assert ConcernDetail.objects.get().normalised == "AB12CDE"
    assert concern.history.first().history_user == worker

    page = client.get(response["Location"]).content.decode()
    assert "Provisional category 3: moderate risk" in page
    assert "Refer to children&#x27;s social care" in page
    assert "A full risk assessment is needed" in page
    assert f'href="/cases/{case.public_id}/referrals/new/" data-testid="refer-link"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"child-date_of_birth": (date.today() + timedelta(days=3)).isoformat()},
            "The date of birth must be today or in the past",
        ),
        (
            {"child-date_of_birth": (date.today() - timedelta(days=19 * 365)).isoformat()},
            "a child must be under 18 at first contact",
        ),
        ({"child-date_of_birth": "2010-02-31"}, "Enter the date of birth as a real date"),
        (
            {"child-date_of_birth": "", "child-estimated_age": "18"},
            "A child must be under 18: enter an age from 0 to 17",
        ),
        (
            {"child-first_name": "", "child-last_name": ""},
            "Enter at least a first name, a last name or a name the child is known as",
        ),
        ({"child-ethnicity": "X7"}, "Select an ethnicity from the list"),
        ({"child-nationality": "XX"}, "Select a nationality from the list"),
        (
            {"concern-occurred_on": (date.today() + timedelta(days=3)).isoformat()},
            "The date it happened must be today or in the past",
        ),
        ({"concern-narrative": ""}, "Enter what was seen or said"),
        ({"concern-location_postcode_district": "LEEDS 6"}, "Enter a postcode district like LS6"),
        ({"concern-vehicle_registration": "A"}, "Enter a vehicle registration of 2 to 8"),
        ({"suspect-0-estimated_age": "7"}, "Enter an age from 10 to 99"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    client, worker, overrides, message
):
    sign_in(client, worker)
    before = counts()
    response = client.post("/concerns/new/", concern_post(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "There is a problem" in page
    assert counts() == before
    # What was typed is kept.
    assert 'value="Outside the takeaway on Mill Street"' in page


def test_a_draft_is_saved_and_submitted_later(client, worker):
    sign_in(client, worker)
    response = client.post("/concerns/new/", {**concern_post(), "save_draft": "1"})
    concern = Concern.objects.get()
    assert concern.status == "draft"
    assert concern.case.risk_category is None
    client.post(f"/concerns/{concern.public_id}/submit/")
    concern.refresh_from_db()
    assert concern.status == "submitted"
    assert concern.case.risk_category == 3
    assert response.status_code == 302


def test_add_another_person_keeps_what_was_typed(client, worker):
    sign_in(client, worker)
    data = concern_post(add_suspect="1")
    del data["submit_concern"]
    response = client.post("/concerns/new/", data)
    page = response.content.decode()
    assert 'name="suspect-1-alias"' in page
    assert 'value="Tiny"' in page
    assert counts() == (0, 0, 0)


def test_a_child_the_worker_may_see_is_offered_before_a_new_record_is_made(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    # The same child, spelt differently and with names transposed.
    second = concern_post(**{"child-first_name": "Whitfeld", "child-last_name": "Jordon"})
    response = client.post("/concerns/new/", second)
    page = response.content.decode()
    assert "Is this one of these children?" in page
    child = Person.objects.get(kind="child")
    assert str(child.public_id) in page

    # The suspect "Tiny" is already recorded too, and is offered in the same way.
    tiny = Person.objects.get(kind="suspect")
    assert f'name="suspect-0-match" type="radio" value="{tiny.public_id}"' in page

    client.post(
        "/concerns/new/",
        {**second, "match_choice": str(child.public_id), "suspect-0-match": str(tiny.public_id)},
    )
    assert Person.objects.filter(kind="child").count() == 1
    assert child.cases.get().concerns.count() == 2
    assert Person.objects.filter(kind="suspect").count() == 1


def test_a_match_held_by_another_agency_is_never_shown_but_its_cse_lead_is_told(
    client, partnership_agencies, worker, django_capture_on_commit_callbacks
):
    holding = partnership_agencies[1]
    holder = member(Role.FRONTLINE, holding)
    lead = member(Role.CSE_LEAD, holding)
    other = client_class_sign_in(holder)
    other.post("/concerns/new/", concern_post())
    held_child = Person.objects.get(kind="child")

    sign_in(client, worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/concerns/new/",
            concern_post(**{"child-first_name": "Jordon", "child-last_name": "Whitfeild"}),
            follow=True,
        )
    page = response.content.decode()
    assert "A possible match for this child is held by another agency" in page
    assert "Whitfield" not in page  # nothing of the other agency's record
    assert holding.name not in page

    task = Task.objects.get()
    assert (task.agency, task.role) == (holding, Role.CSE_LEAD)
    assert task.subject["held_records"] == [str(held_child.public_id)]
    (email,) = mail.outbox
    assert email.to == [lead.email]
    assert "Jordan" not in email.body
    assert "Whitfield" not in email.body
    assert re.search(r"/tasks/[0-9a-f-]{36}/", email.body)

    lead_client = client_class_sign_in(lead)
    task_page = lead_client.get(f"/tasks/{task.public_id}/").content.decode()
    assert "Jordan Whitfield" in task_page  # their own record
    assert partnership_agencies[0].name in task_page


def client_class_sign_in(user):
    from django.test import Client

    return sign_in(Client(), user)


def test_a_concern_on_an_existing_case(client, worker):
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    case = Case.objects.get()
    data = {k: v for k, v in concern_post().items() if not k.startswith("child-")}
    data["concern-indicators"] = ["M09"]
    data["suspect-0-alias"] = ""
    response = client.post(f"/cases/{case.public_id}/concerns/new/", data)
    assert response.status_code == 302
    assert case.concerns.count() == 2
