"""People in a concern: people already recorded are linked, not duplicated; new people can be
suspects or other people involved; and a draft concern can be completed before it is submitted."""

import pytest

from agencies.models import Role
from cases import services
from cases.models import Association, Case, Concern, ConcernPerson, Person
from tests.cases.conftest import concern_post
from tests.conftest import sign_in
from tests.factories import PersonFactory, member

pytestmark = pytest.mark.django_db


def on_case(**overrides) -> dict:
    """A "log a concern" submission for an existing case (no child section)."""
    data = {k: v for k, v in concern_post().items() if not k.startswith("child-")}
    data.update(overrides)
    return data


@pytest.fixture
def case_with_tiny(client, worker):
    """A case whose first concern recorded the suspect known as "Tiny"."""
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    return Case.objects.get(), Person.objects.get(kind="suspect")


def test_a_suspect_already_recorded_is_offered_before_a_duplicate_is_made(client, case_with_tiny):
    case, tiny = case_with_tiny
    url = f"/cases/{case.public_id}/concerns/new/"

    asked = client.post(url, on_case())

    assert asked.status_code == 200
    assert "Is this person already recorded?" in asked.content.decode()
    assert case.concerns.count() == 1
    wrong = client.post(url, on_case(**{"suspect-0-match": "not-a-record"}))
    assert "Select the record of this person, or a new person" in wrong.content.decode()

    assert client.post(url, on_case(**{"suspect-0-match": str(tiny.public_id)})).status_code == 302
    assert Person.objects.filter(kind="suspect").count() == 1
    assert ConcernPerson.objects.filter(person=tiny).count() == 2
    assert Association.objects.filter(from_person=case.child, to_person=tiny).count() == 1


def test_choosing_a_new_person_records_a_second_suspect(client, case_with_tiny):
    case, _ = case_with_tiny
    client.post(f"/cases/{case.public_id}/concerns/new/", on_case(**{"suspect-0-match": "new"}))
    assert Person.objects.filter(kind="suspect").count() == 2


@pytest.mark.parametrize(("holder", "offered"), [(0, True), (1, False)])
def test_a_suspect_is_offered_only_when_the_worker_may_see_their_record(
    client, partnership_agencies, worker, holder, offered
):
    tiny = PersonFactory(
        owner_agency=partnership_agencies[holder], kind="suspect", first_name="", last_name=""
    )
    services.person_detail_add(person=tiny, kind="alias", value="Tiny", description="", by=worker)
    sign_in(client, worker)

    response = client.post("/concerns/new/", concern_post())

    assert ("Is this person already recorded?" in response.content.decode()) is offered
    assert response.status_code == (200 if offered else 302)
    assert Person.objects.filter(kind="suspect").count() == (1 if offered else 2)


def test_people_linked_to_the_child_are_ticked_and_new_associates_added(client, case_with_tiny):
    case, tiny = case_with_tiny
    form = client.get(f"/cases/{case.public_id}/concerns/new/").content.decode()
    assert "People already recorded who were involved" in form

    response = client.post(
        f"/cases/{case.public_id}/concerns/new/",
        on_case(
            **{
                "concern-known_people": [str(tiny.public_id)],
                "suspect-0-alias": "",
                "suspect-0-first_name": "Mia",
                "suspect-0-kind": "associate",
                "suspect-0-estimated_age": "15",
            }
        ),
    )

    assert response.status_code == 302
    concern = case.concerns.order_by("created_at").last()
    roles = dict(concern.people.values_list("person__first_name", "role"))
    assert roles == {tiny.first_name: "suspect", "Mia": "associate"}
    mia = Person.objects.get(first_name="Mia")
    assert mia.kind == "associate"
    assert not Association.objects.filter(to_person=mia).exists()


def test_a_draft_concern_is_completed_then_submitted(client, worker):
    sign_in(client, worker)
    client.post(
        "/concerns/new/",
        concern_post(**{"concern-indicators": [], "suspect-0-alias": "", "save_draft": "1"}),
    )
    concern = Concern.objects.get()
    case = concern.case
    assert concern.status == "draft"
    assert case.risk_category is None
    url = f"/concerns/{concern.public_id}/edit/"
    form = client.get(url).content.decode()
    assert "Got into a silver car" in form
    assert 'value="AB12 CDE"' in form

    bad = client.post(url, on_case(**{"concern-narrative": "", "submit_concern": "1"}))
    assert "Enter what was seen or said" in bad.content.decode()
    concern.refresh_from_db()
    assert concern.status == "draft"

    client.post(
        url,
        on_case(
            **{
                "concern-narrative": "Seen again with the same men; now has a new phone.",
                "concern-indicators": ["S03", "S02", "M01"],
                "concern-vehicle_registration": "",
                "suspect-0-alias": "",
                "submit_concern": "1",
            }
        ),
    )

    concern.refresh_from_db()
    case.refresh_from_db()
    assert concern.status == "submitted"
    assert concern.narrative.startswith("Seen again")
    assert concern.provisional_category is not None
    assert case.risk_category == concern.provisional_category
    assert not concern.details.exists()
    assert concern.locations.count() == 1

    response = client.get(url)
    assert response.status_code == 302
    after = client.get(response["Location"]).content.decode()
    assert "add a case note to correct it" in after


def test_a_worker_of_another_agency_cannot_open_a_draft_to_edit(client, partnership_agencies):
    owner_worker = member(Role.FRONTLINE, partnership_agencies[0])
    sign_in(client, owner_worker)
    client.post("/concerns/new/", concern_post(save_draft="1"))
    concern = Concern.objects.get()

    sign_in(client, member(Role.FRONTLINE, partnership_agencies[1]))
    response = client.post(
        f"/concerns/{concern.public_id}/edit/", on_case(**{"concern-narrative": "Changed"})
    )

    assert response.status_code == 404
    concern.refresh_from_db()
    assert concern.narrative.startswith("Got into a silver car")
