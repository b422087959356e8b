"""The test factories themselves: what other tests rely on them for."""

from faker.providers.person.en import Provider as English
from faker.providers.person.en_GB import Provider as British

from tests.factories import STAFF_FIRST_NAMES, STAFF_LAST_NAMES, staff_name


def test_no_staff_name_shares_a_part_with_a_name_faker_gives_a_person():
    people = {
        *British.first_names_male, *British.first_names_female, *British.last_names,
        *English.first_names, *English.last_names,
    }  # fmt: skip
    overlaps = [
        (staff, person)
        for staff in STAFF_FIRST_NAMES + STAFF_LAST_NAMES
        for person in people
        if person in staff or staff in person
    ]
    assert overlaps == []


def test_staff_names_do_not_repeat_within_a_test_of_a_hundred_users():
    assert len({staff_name(n) for n in range(100)}) == 100
