"""Merging two records of one person moves everything that belongs to the person: flags,
disruption and justice activity, places, and the meetings the person was discussed at."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps

from agencies.models import Role
from cases import services
from cases.models import Location, Person, PersonLocation
from interventions.models import DisruptionActivity, ExploitationFlag, FlagType
from meetings.models import AgendaContribution, AgendaItem, MeetingAction
from meetings.services import (
    agenda_contribution_add,
    agenda_item_add,
    meeting_action_add,
    meeting_create,
)
from tests.conftest import sign_in
from tests.factories import AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

# Every relation to a person, and what a merge does with it. A new model pointing at a person
# fails here until person_merge decides what becomes of its rows.
MERGE_HANDLES = {
    ("cases.Person", "merged_into"): "points the duplicate at the survivor",
    ("cases.PersonAlias", "person"): "moved",
    ("cases.PersonIdentifier", "person"): "moved",
    ("cases.PersonContact", "person"): "moved",
    ("cases.PersonMatchKey", "person"): "rebuilt for the survivor by person_index",
    ("cases.Case", "child"): "moved",
    ("cases.Association", "from_person"): "moved, or archived when it links the two",
    ("cases.Association", "to_person"): "moved, or archived when it links the two",
    ("cases.ConcernPerson", "person"): "moved",
    ("cases.NetworkMember", "person"): "moved unless the survivor is already a member",
    ("cases.PersonGrant", "content_object"): "carried over as shares of the survivor",
    ("cases.PersonLocation", "person"): "moved unless the survivor is linked to the place",
    ("meetings.AgendaItem", "person"): "moved, or joined to the survivor's item",
    ("interventions.ExploitationFlag", "person"): "moved",
    ("interventions.DisruptionActivity", "person"): "moved",
    ("restrictions.Restriction", "person"): "a restricted record is not merged",
}


def test_every_relation_to_a_person_is_handled_by_the_merge():
    relations = {
        (field.related_model._meta.label, field.field.name)
        for field in Person._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and field.is_relation
        and not field.related_model._meta.label.split(".")[1].startswith("Historical")
    }
    assert relations == set(MERGE_HANDLES)
    assert all(apps.get_model(label) for label, _ in MERGE_HANDLES)


def test_a_merged_suspect_keeps_flags_disruption_places_and_meeting_minutes(client):
    partnership = PartnershipFactory()
    police = AgencyFactory(partnerships=[partnership])
    health = AgencyFactory(partnerships=[partnership])
    chair = member(Role.CSE_LEAD, police)
    nurse = member(Role.FRONTLINE, health)
    survivor, duplicate = (
        services.person_create(
            data=services.PersonData(kind="suspect", first_name="Zebedee", last_name=last),
            owner_agency=police,
            by=chair,
        )
        for last in ("Quarrington", "Quarington")
    )
    flag = ExploitationFlag.objects.create(
        person=duplicate, flag_type=FlagType.objects.get(code="cse"), reason="Grooming",
        owner=chair, review_on=date.today() + timedelta(days=7), created_by=chair,
    )  # fmt: skip
    arrest = DisruptionActivity.objects.create(
        person=duplicate, type="arrest", occurred_on=date.today(), agency=police,
        details="Arrested at the Mill Street flat", created_by=chair,
    )  # fmt: skip
    flat = Location.objects.create(owner_agency=police, type="house", description="Flat")
    PersonLocation.objects.create(person=duplicate, location=flat)

    def meeting(title):
        return meeting_create(
            partnership=partnership, title=title, held_on=date.today(), starts_at=None, venue="",
            chair=chair, chair_agency=police, agencies=[health], by=chair,
        )  # fmt: skip

    only_duplicate, both = meeting("First MASE"), meeting("Second MASE")
    moved = agenda_item_add(meeting=only_duplicate, kind="person", subject=duplicate, by=chair)
    kept = agenda_item_add(meeting=both, kind="person", subject=survivor, by=chair)
    joined = agenda_item_add(meeting=both, kind="person", subject=duplicate, by=chair)
    joined.decisions = "Disruption letter to the takeaway"
    joined.save()
    shared = agenda_contribution_add(item=joined, agency=police, text="Seen at the park", by=chair)
    action = meeting_action_add(
        item=joined, description="Serve the notice", owner_agency=police, owner=chair,
        due_on=date.today(), by=chair,
    )  # fmt: skip

    sign_in(client, member(Role.SUPERVISOR, police))
    response = client.post(
        f"/people/{survivor.public_id}/merge/",
        {"duplicate": str(duplicate.public_id), "reason": "Same man, name misspelt"},
    )

    assert response["Location"] == f"/people/{survivor.public_id}/"
    flag.refresh_from_db()
    arrest.refresh_from_db()
    assert (flag.person, arrest.person) == (survivor, survivor)
    assert PersonLocation.objects.get(location=flat).person == survivor
    page = client.get(f"/people/{survivor.public_id}/").content.decode()
    assert "Arrested at the Mill Street flat" in page
    assert "Grooming" in page
    moved.refresh_from_db()
    assert moved.person == survivor
    joined.refresh_from_db()
    assert joined.archived_at is not None
    assert AgendaContribution.objects.get(pk=shared.pk).item == kept
    assert MeetingAction.objects.get(pk=action.pk).item == kept
    kept.refresh_from_db()
    assert kept.decisions == "Disruption letter to the takeaway"
    assert AgendaItem.objects.filter(meeting=both, archived_at__isnull=True).count() == 1
    minutes = client.get(f"/meetings/{both.public_id}/").content.decode()
    assert minutes.count('data-testid="agenda-item"') == 1
    assert "Serve the notice" in minutes
    assert client.get(f"/meetings/items/{joined.public_id}/").status_code == 404
    # The health attendee, who may not see the suspect, still sees only that he exists.
    client.logout()
    sign_in(client, nurse)
    minutes = client.get(f"/meetings/{both.public_id}/").content.decode()
    assert "Quarrington" not in minutes
    assert "Seen at the park" not in minutes
