from datetime import date

import pytest

from agencies.models import AccessLogEntry, Role
from cases import services
from cases.models import Person
from tests.conftest import sign_in
from tests.factories import AgencyFactory, member

pytestmark = pytest.mark.django_db


def child(agency, by, **fields):
    data = services.PersonData(kind=Person.Kind.CHILD, **fields)
    return services.person_create(data=data, owner_agency=agency, by=by)


@pytest.fixture
def people(worker, partnership_agencies):
    own, elsewhere = partnership_agencies[0], partnership_agencies[1]
    found = child(
        own, worker, first_name="John", last_name="Smith", date_of_birth=date(2010, 4, 12)
    )
    services.person_detail_add(
        person=found, kind="phone", value="07700 900123", description="", by=worker
    )
    services.person_detail_add(
        person=found, kind="vehicle", value="ab12 cde", description="", by=worker
    )
    services.person_detail_add(
        person=found, kind="address", value="1 Mill St, LS6 2AB", description="", by=worker
    )
    services.person_detail_add(
        person=found, kind="nhs_number", value="943 476 5919", description="", by=worker
    )
    child(own, worker, first_name="Jane", last_name="Doe", date_of_birth=date(2011, 1, 1))
    hidden = child(
        elsewhere, member(Role.FRONTLINE, elsewhere), first_name="John", last_name="Smith"
    )
    return found, hidden


def search(client, **criteria):
    response = client.post("/people/search/", criteria)
    return response.content.decode()


@pytest.mark.parametrize(
    "criteria",
    [
        {"name": "John Smith"},
        {"name": "Jon Smyth"},  # spelling variants
        {"name": "Smith John"},  # transposed
        {"name": "Smi"},  # a prefix
        {"date_of_birth": "2010-04-12"},
        {"phone": "+44 7700 900123"},
        {"vehicle": "AB12CDE"},
        {"postcode_district": "ls6"},
        {"reference": "9434765919"},
    ],
)
def test_search_finds_the_person_by_any_of_their_details(client, worker, people, criteria):
    found, hidden = people
    sign_in(client, worker)
    page = search(client, **criteria)
    assert str(found.public_id) in page
    # By id, not by name: the signed-in worker's own (generated) name may contain "Jane".
    jane = Person.objects.get(first_name="Jane")
    assert str(jane.public_id) not in page or "name" not in criteria
    assert str(hidden.public_id) not in page  # never what the user may not see


def test_searches_are_posted_and_logged_without_the_terms(client, worker, people):
    sign_in(client, worker)
    assert "Search" in client.get("/people/search/").content.decode()
    search(client, name="John Smith")
    entry = AccessLogEntry.objects.get(action="search")
    assert entry.detail == {"fields": ["name"], "results": 1}
    assert "John" not in str(entry.detail)


def test_an_empty_search_says_what_to_enter(client, worker):
    sign_in(client, worker)
    assert "Enter at least one thing to search for" in search(client)


def test_a_user_of_an_unrelated_agency_finds_nobody(client, people):
    sign_in(client, member(Role.FRONTLINE, AgencyFactory()))
    assert "0 people found" in search(client, name="John Smith")


def test_a_search_by_age_or_date_of_birth_finds_only_people_of_that_age(client, worker, people):
    own = worker.memberships.get().agency
    today = date.today()
    child(own, worker, first_name="Ellis", last_name="Grey", estimated_age=9)
    child(own, worker, first_name="Robin", last_name="Ash", estimated_age=14)
    john_age = today.year - 2010 - ((today.month, today.day) < (4, 12))
    sign_in(client, worker)

    by_age = search(client, age=str(john_age))
    assert "John Smith" in by_age
    jane_age = today.year - 2011  # born on 1 January
    assert ("Jane Doe" in by_age) == (jane_age == john_age)
    assert "Ellis Grey" not in by_age

    by_birth = search(client, date_of_birth="2010-04-12")
    assert "John Smith" in by_birth
    assert "Jane Doe" not in by_birth
    assert "Ellis Grey" not in by_birth
    assert ("Robin Ash" in by_birth) == (abs(14 - john_age) <= 1)


def test_person_search_runs_the_same_queries_however_many_people_it_finds(
    client, worker, partnership_agencies, django_assert_max_num_queries
):
    agency = partnership_agencies[0]
    for _ in range(2):
        child(agency, worker, first_name="John", last_name="Smith")
    sign_in(client, worker)
    with django_assert_max_num_queries(21) as few:
        assert "2 people found" in search(client, name="John Smith")
    for _ in range(20):
        child(agency, worker, first_name="John", last_name="Smith")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "22 people found" in search(client, name="John Smith")
