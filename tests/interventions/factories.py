"""Factories for flag types, places, flags and disruption activity (rows as the services
would leave them; tests of the rules go through the pages)."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from cases.models import Location
from interventions.models import DisruptionActivity, ExploitationFlag, FlagType
from tests.factories import AgencyFactory, PersonFactory


class FlagTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlagType

    code = factory.Sequence(lambda n: f"local-{n}")
    name = factory.Sequence(lambda n: f"Local concern {n}")
    display_order = 500


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    owner_agency = factory.SubFactory(AgencyFactory)
    type = "hotel"
    description = "Hotel by the ring road"
    postcode_district = "LS1"


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExploitationFlag

    flag_type = factory.LazyFunction(lambda: FlagType.objects.get(code="cse"))
    person = factory.SubFactory(PersonFactory, kind="suspect")
    reason = "Seen grooming children outside school"
    owner = None
    review_on = factory.LazyFunction(lambda: date.today() + timedelta(days=7))


class DisruptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisruptionActivity

    type = DisruptionActivity.Type.ARREST
    person = factory.SubFactory(PersonFactory, kind="suspect")
    occurred_on = factory.LazyFunction(date.today)
    agency = factory.SelfAttribute("person.owner_agency")
    details = "Arrested on suspicion of sexual activity with a child"
