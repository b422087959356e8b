"""Exploitation flags on people and places: set with a reason, an owner who can see the record
and a review date; reviewed; removed by archiving; listed for their owners when due; and seen
only by those who may see the record they are on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from agencies.access import record_unshare
from agencies.models import Role
from interventions import services
from interventions.models import ExploitationFlag, FlagReview, FlagType
from tests.conftest import sign_in
from tests.factories import PersonFactory, UserFactory, member
from tests.interventions.factories import FlagFactory, FlagTypeFactory, LocationFactory

pytestmark = pytest.mark.django_db


def flag_post(owner, **overrides) -> dict:
    data = {
        "flag_type": "county_lines",
        "reason": "Found running drugs between Leeds and Scarborough",
        "owner": str(owner.public_id),
        "review_on": (date.today() + timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_worker_flags_a_suspect_and_the_flag_shows_on_the_record(client, partners):
    """The flag is saved with its type, reason, owner and review date, by the person who set
    it, and the person page lists it."""
    sign_in(client, partners.officer)
    url = f"/people/{partners.suspect.public_id}/flags/new/"

    form = client.get(url).content.decode()
    response = client.post(url, flag_post(partners.officer))

    assert response.status_code == 302
    assert response["Location"] == f"/people/{partners.suspect.public_id}/"
    flag = ExploitationFlag.objects.get(person=partners.suspect)
    assert (flag.flag_type.code, flag.owner, flag.created_by) == (
        "county_lines",
        partners.officer,
        partners.officer,
    )
    # The form offered the setter as owner and a review three months ahead.
    assert f'value="{services.default_review_on().isoformat()}"' in form
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert "County lines" in page
    assert "Found running drugs between Leeds and Scarborough" in page


def test_the_default_review_date_is_three_months_ahead():
    """Three calendar months, on the last day of a shorter month where needed."""
    assert services.default_review_on(date(2025, 1, 15)) == date(2025, 4, 15)
    assert services.default_review_on(date(2025, 11, 30)) == date(2026, 2, 28)


def test_a_flag_needs_a_reason_and_a_review_date_not_in_the_past(client, partners):
    """The form comes back naming the fields, with what was typed, and nothing is saved."""
    sign_in(client, partners.officer)
    url = f"/people/{partners.suspect.public_id}/flags/new/"
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    response = client.post(url, flag_post(partners.officer, reason="", review_on=yesterday))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_reason"' in page
    assert "Enter why the flag is set" in page
    assert 'href="#id_review_on"' in page
    assert "The review date must be today or in the future" in page
    assert f'value="{yesterday}"' in page
    assert not ExploitationFlag.objects.exists()


def test_a_deactivated_type_is_not_offered_but_existing_flags_keep_it(client, partners):
    """Once the administrator stops offering a type, it is not in the list and cannot be
    posted; a flag already set with it still shows it."""
    gang = FlagType.objects.get(code="gang")
    FlagFactory(person=partners.suspect, flag_type=gang, owner=partners.officer)
    gang.is_active = False
    gang.save()
    sign_in(client, partners.officer)
    url = f"/people/{partners.suspect.public_id}/flags/new/"

    form = client.get(url).content.decode()
    response = client.post(url, flag_post(partners.officer, flag_type="gang"))

    assert 'value="gang"' not in form
    assert 'value="cse"' in form
    assert "Select a type of exploitation from the list" in response.content.decode()
    assert ExploitationFlag.objects.filter(person=partners.suspect).count() == 1
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert "Gang association" in page


def test_the_owner_must_be_someone_who_can_see_the_record(client, partners):
    """Owners are offered from those who record in the agencies that reach the record (an
    analyst could not review the flag); anyone else is refused, by the form and by the
    service."""
    sign_in(client, partners.officer)
    url = f"/people/{partners.suspect.public_id}/flags/new/"

    form = client.get(url).content.decode()
    response = client.post(url, flag_post(partners.outsider))

    assert str(partners.social_worker.public_id) in form  # the suspect is shared with them
    assert str(partners.outsider.public_id) not in form
    assert str(partners.analyst.public_id) not in form
    assert "Select an owner who can see this record" in response.content.decode()
    with pytest.raises(ValidationError):
        services.flag_set(
            record=partners.suspect, flag_type=FlagType.objects.get(code="cse"),
            reason="Seen", owner=partners.outsider, review_on=date.today(), by=partners.officer,
        )  # fmt: skip
    assert not ExploitationFlag.objects.exists()


def test_a_review_sets_the_next_date_and_keeps_the_note(client, partners):
    flag = FlagFactory(person=partners.suspect, owner=partners.officer)
    sign_in(client, partners.officer)
    next_review = (date.today() + timedelta(days=60)).isoformat()

    refused = client.post(f"/flags/{flag.public_id}/review/", {"note": "", "review_on": ""})
    response = client.post(
        f"/flags/{flag.public_id}/review/",
        {
            "note": "Still seen with the group",
            "review_on": next_review,
            "owner": partners.officer.public_id,
        },
    )

    assert "Enter what the review found" in refused.content.decode()
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.review_on.isoformat() == next_review
    review = FlagReview.objects.get(flag=flag)
    assert (review.note, review.created_by) == ("Still seen with the group", partners.officer)


def test_removing_a_flag_needs_a_reason_and_archives_it(client, partners):
    """A removed flag is no longer active on the record, but it is kept, with who removed it
    and why, in the list of removed flags and in its history."""
    flag = FlagFactory(person=partners.suspect, owner=partners.officer)
    sign_in(client, partners.officer)

    refused = client.post(f"/flags/{flag.public_id}/remove/", {"reason": ""})
    assert "Enter why the flag is removed" in refused.content.decode()
    response = client.post(f"/flags/{flag.public_id}/remove/", {"reason": "Moved abroad"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.is_archived
    assert flag.archived_reason == "Moved abroad"
    assert flag.archived_by == partners.officer
    assert flag.history.filter(archived_at__isnull=False).exists()
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert 'data-testid="flags"' not in page  # no active flag left
    assert "Moved abroad" in page  # among the removed flags
    # A removed flag cannot be reviewed or removed again.
    assert client.get(f"/flags/{flag.public_id}/review/").status_code == 404


def test_a_location_can_be_flagged(client, partners):
    location = LocationFactory(owner_agency=partners.police)
    sign_in(client, partners.officer)

    response = client.post(
        f"/locations/{location.public_id}/flags/new/",
        flag_post(partners.officer, flag_type="contextual"),
    )

    assert response["Location"] == f"/locations/{location.public_id}/"
    assert ExploitationFlag.objects.get(location=location).flag_type.code == "contextual"
    assert "Contextual safeguarding" in client.get(response["Location"]).content.decode()


def test_an_agency_that_cannot_see_the_suspect_cannot_see_or_add_its_flags(client, partners):
    """Flags follow their record: 404 for the flag pages as for the record."""
    flag = FlagFactory(person=partners.suspect, owner=partners.officer)
    sign_in(client, partners.outsider)

    for url in (
        f"/people/{partners.suspect.public_id}/",
        f"/people/{partners.suspect.public_id}/flags/new/",
        f"/flags/{flag.public_id}/review/",
        f"/flags/{flag.public_id}/remove/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/people/{partners.suspect.public_id}/flags/new/", flag_post(partners.outsider)
    )
    assert response.status_code == 404
    assert client.post(f"/flags/{flag.public_id}/remove/", {"reason": "x"}).status_code == 404
    assert ExploitationFlag.objects.filter(archived_at__isnull=True).count() == 1


def test_an_analyst_sees_flags_but_does_not_set_them(client, partners):
    FlagFactory(person=partners.suspect, owner=partners.officer)
    sign_in(client, partners.analyst)

    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()

    assert "Child sexual exploitation" in page
    assert "Add a flag" not in page
    assert client.get(f"/people/{partners.suspect.public_id}/flags/new/").status_code == 404


def test_flags_due_are_listed_for_their_owner_only(client, partners, django_assert_max_num_queries):
    """Due within 14 days or overdue, not removed, on a record the owner may still see."""
    officer, colleague = partners.officer, member(Role.FRONTLINE, partners.police)
    due = FlagFactory(
        person=partners.suspect, owner=officer, review_on=date.today() + timedelta(days=14)
    )
    for _ in range(5):
        FlagFactory(person=PersonFactory(owner_agency=partners.police, kind="suspect"),
                    owner=officer, review_on=date.today())  # fmt: skip
    FlagFactory(person=partners.suspect, owner=officer, review_on=date.today() + timedelta(days=15))
    removed = FlagFactory(person=partners.suspect, owner=officer, review_on=date.today())
    services.flag_remove(flag=removed, reason="Not needed", by=officer)
    FlagFactory(person=partners.suspect, owner=colleague, review_on=date.today())
    sign_in(client, officer)

    with django_assert_max_num_queries(12):
        page = client.get("/flags/due/").content.decode()

    assert page.count(f"/flags/{due.public_id}/review/") == 1
    assert page.count("/review/") == 6
    assert (
        "6 exploitation flags you own are due for review" in client.get("/tasks/").content.decode()
    )
    sign_in(client, member(Role.FRONTLINE, partners.voluntary))
    assert "No flags are due for review" in client.get("/flags/due/").content.decode()


def test_a_flag_on_a_record_no_longer_shared_is_not_listed_as_due(client, partners):
    flag = FlagFactory(
        person=partners.suspect, owner=partners.social_worker, review_on=date.today()
    )
    sign_in(client, partners.social_worker)
    assert f"/flags/{flag.public_id}/review/" in client.get("/flags/due/").content.decode()

    record_unshare(
        record=partners.suspect, agency=partners.social_care, reason="Ended", by=UserFactory()
    )

    assert f"/flags/{flag.public_id}/review/" not in client.get("/flags/due/").content.decode()


def test_an_administrator_adds_a_flag_type_that_becomes_choosable(client, partners):
    """The list of types is reference data: an administrator extends it without a release."""
    sign_in(client, member(Role.ADMINISTRATOR, partners.police))

    response = client.post(
        "/administration/flag-types/new/",
        {"code": "online_harm", "name": "Online sexual harm", "description": "",
         "display_order": "5"},
    )  # fmt: skip
    duplicate = client.post(
        "/administration/flag-types/new/",
        {"code": "online_harm", "name": "Again", "display_order": "5"},
    )

    assert response.status_code == 302
    assert "A flag type with this code already exists" in duplicate.content.decode()
    assert "Online sexual harm" in client.get("/administration/flag-types/").content.decode()
    client.logout()
    sign_in(client, partners.officer)
    form = client.get(f"/people/{partners.suspect.public_id}/flags/new/").content.decode()
    assert 'value="online_harm"' in form
    response = client.post(
        f"/people/{partners.suspect.public_id}/flags/new/",
        flag_post(partners.officer, flag_type="online_harm"),
    )
    assert ExploitationFlag.objects.get().flag_type.name == "Online sexual harm"


def test_an_administrator_deactivates_a_flag_type(client, partners):
    local = FlagTypeFactory()
    sign_in(client, member(Role.ADMINISTRATOR, partners.police))

    response = client.post(
        f"/administration/flag-types/{local.code}/",
        {"name": local.name, "description": "Gone", "display_order": "7"},
    )

    assert response.status_code == 302
    local.refresh_from_db()
    assert (local.is_active, local.description, local.modified_by is not None) == (
        False,
        "Gone",
        True,
    )
    assert local.history.count() == 2


def test_the_shipped_flag_types_are_seeded():
    codes = list(FlagType.objects.values_list("code", flat=True))
    assert codes == ["cse", "cce", "trafficking", "county_lines", "gang", "ocg", "missing",
                     "contextual"]  # fmt: skip


def test_the_record_page_shows_who_set_each_flag_and_the_case_shows_the_childs(client, partners):
    officer = partners.officer
    FlagFactory(person=partners.suspect, owner=officer, created_by=officer)
    child = partners.case.child
    FlagFactory(person=child, owner=officer, created_by=officer, flag_type=FlagType.objects.get(
        code="county_lines"))  # fmt: skip
    sign_in(client, officer)

    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    case_page = client.get(f"/cases/{partners.case.public_id}/").content.decode()

    assert f"{officer.full_name}, {date.today():%-d %B %Y}" in page
    flags_row = case_page.split('data-testid="child-flags"')[1].split("</dd>")[0]
    assert "County lines" in flags_row


def test_a_review_hands_the_flag_to_a_new_owner_who_can_see_the_record(client, partners):
    flag = FlagFactory(person=partners.suspect, owner=partners.officer)
    sign_in(client, partners.officer)
    url = f"/flags/{flag.public_id}/review/"
    review = {"note": "Moving team", "review_on": (date.today() + timedelta(days=30)).isoformat()}

    refused = client.post(url, {**review, "owner": partners.outsider.public_id})
    response = client.post(url, {**review, "owner": partners.social_worker.public_id})

    assert refused.status_code == 200
    assert "Select an owner who can see this record" in refused.content.decode()
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.owner == partners.social_worker
    assert FlagReview.objects.filter(flag=flag).count() == 1


def test_a_flag_whose_owner_left_is_listed_for_the_holding_agencys_managers(client, partners):
    """Whatever its review date, until a review names a new owner; not for a front-line
    colleague, nor for another agency's CSE lead."""
    leaver = member(Role.FRONTLINE, partners.police)
    flag = FlagFactory(
        person=partners.suspect, owner=leaver, review_on=date.today() + timedelta(days=80)
    )
    kept = FlagFactory(
        person=partners.suspect, owner=partners.officer, review_on=date.today() + timedelta(80)
    )
    cse_lead = member(Role.CSE_LEAD, partners.police)
    social_care_lead = member(Role.CSE_LEAD, partners.social_care)
    sign_in(client, cse_lead)
    assert f"/flags/{flag.public_id}/review/" not in client.get("/flags/due/").content.decode()

    leaver.memberships.update(is_active=False)
    page = client.get("/flags/due/").content.decode()

    assert f"/flags/{flag.public_id}/review/" in page
    assert f"/flags/{kept.public_id}/review/" not in page
    assert "Needs a new owner" in page
    for other in (partners.officer, social_care_lead):
        client.logout()
        sign_in(client, other)
        assert f"/flags/{flag.public_id}/review/" not in client.get("/flags/due/").content.decode()

    client.logout()
    sign_in(client, cse_lead)
    form = client.get(f"/flags/{flag.public_id}/review/").content.decode()
    assert leaver.full_name not in form.split('name="owner"')[1].split("</select>")[0]
    client.post(
        f"/flags/{flag.public_id}/review/",
        {"note": "Taken over", "review_on": date.today().isoformat(), "owner": cse_lead.public_id},
    )
    flag.refresh_from_db()
    assert flag.owner == cse_lead
    page = client.get("/flags/due/").content.decode()
    assert "Needs a new owner" not in page
    assert f"/flags/{flag.public_id}/review/" in page
