"""Round trip: generated records exported to the data template and imported into an empty
system give an identical CEOP-style return (issue 9, "Done means")."""

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from agencies.models import Role
from cases import services
from cases.codes import Ethnicity
from cases.models import Association, Case, Network, NetworkMember, Person
from reports.ceop import ceop_return
from reports.models import TemplateImport
from reports.template_export import template_csv_zip, template_rows, template_workbook
from reports.template_import import template_import_run, template_import_start
from tests.factories import AgencyFactory, MembershipFactory, PartnershipFactory

pytestmark = pytest.mark.django_db

START, END = date(2009, 4, 1), date(2011, 3, 31)


def some_day(rng, first=date(2008, 1, 1), last=date(2012, 6, 30)) -> date:
    return first + timedelta(days=rng.randrange((last - first).days))


def generate(rng, agency, by):
    children = []
    for n in range(14):
        contact = some_day(rng)
        age = rng.randrange(8, 18)
        born = contact - timedelta(days=365 * age + rng.randrange(1, 300))
        known = rng.random() < 0.6
        child = services.person_create(
            data=services.PersonData(
                kind="child",
                first_name=f"Child{n}" if rng.random() < 0.8 else "",
                last_name="Gen",
                date_of_birth=born if known else None,
                estimated_age=None if known else age,
                sex=rng.choice(["female", "male", "unknown"]),
                ethnicity=rng.choice(Ethnicity.values),
                nationality=rng.choice(["GB", "unknown", "PL"]),
            ),
            owner_agency=agency,
            by=by,
        )
        if not known:  # the age was estimated when the child first came to attention
            Person.objects.filter(pk=child.pk).update(age_estimated_on=contact)
        case = services.case_open(
            child=child, owner_agency=agency, by=by, first_contact_date=contact,
            reported_missing=rng.choice(["yes", "no", "unknown"]),
            living_situation=rng.choice(["with_family", "looked_after", "independent",
                                         "other", "unknown"]),
            moved_into_care_after_intervention=rng.choice(["yes", "no", "unknown"]),
            school_engagement=rng.choice(["engaged", "disengaged", "excluded",
                                          "not_in_education", "unknown"]),
        )  # fmt: skip
        children.append((child, case))
    suspects = []
    for n in range(12):
        shape = rng.choice(["full", "initials", "alias", "given", "none"])
        fields = {
            "full": {"first_name": f"Sus{n}", "last_name": "Pect"},
            "initials": {"initials": "A.B."},
            "alias": {"aliases": [f"Alias{n}"]},
            "given": {"first_name": f"Sus{n}"},
            "none": {},
        }[shape]
        dated = rng.random() < 0.6
        suspect = services.person_create(
            data=services.PersonData(
                kind="suspect",
                sex=rng.choice(["female", "male", "unknown"]),
                ethnicity=rng.choice(Ethnicity.values),
                first_known_date=some_day(rng) if dated else None,
                date_of_birth=date(1980, 1, 1) + timedelta(days=rng.randrange(8000))
                if rng.random() < 0.4 else None,
                estimated_age=rng.randrange(16, 60) if rng.random() < 0.5 else None,
                **fields,
            ),
            owner_agency=agency,
            by=by,
        )  # fmt: skip
        if suspect.estimated_age is not None:  # estimated at some point in those years
            Person.objects.filter(pk=suspect.pk).update(age_estimated_on=some_day(rng))
        suspects.append(suspect)
    for _ in range(16):
        child, _ = rng.choice(children)
        suspect = rng.choice(suspects)
        if not Association.objects.filter(from_person=child, to_person=suspect).exists():
            Association.objects.create(
                owner_agency=agency, from_person=child, to_person=suspect,
                relationship=rng.choice(["exploiter", "perceived_boyfriend", "associate"]),
            )  # fmt: skip
    for n in range(3):
        network = Network.objects.create(owner_agency=agency, name=f"Network {n}")
        for suspect in rng.sample(suspects, rng.randrange(1, 6)):
            if not NetworkMember.objects.filter(person=suspect).exists():
                NetworkMember.objects.create(
                    network=network, person=suspect,
                    role=rng.choice(["core", "peripheral", "unknown"]),
                )  # fmt: skip


def empty_the_case_records() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks must run first
        cursor.execute(
            "TRUNCATE cases_person, cases_network, cases_location, reports_importedrecord CASCADE"
        )


@pytest.mark.parametrize(("seed", "as_zip"), [(3, False), (8, True)])
def test_an_export_imported_into_an_empty_system_gives_the_same_return(seed, as_zip):
    rng = random.Random(seed)
    partnership = PartnershipFactory()
    agencies = [AgencyFactory(partnerships=[partnership]) for _ in range(2)]
    lead = MembershipFactory(role=Role.CSE_LEAD, agency=agencies[0]).user
    MembershipFactory(role=Role.CSE_LEAD, agency=agencies[1], user=lead)
    for agency in agencies:
        generate(rng, agency, lead)

    def the_return():
        return ceop_return(start=START, end=END, agency_codes=[a.code for a in agencies],
                           agency_ids=[a.pk for a in agencies])  # fmt: skip

    before = the_return()
    assert before["victims"]["total"] > 5
    assert before["suspects"]["total"] > 3
    assert before["networks"]["total"] > 0
    tables = template_rows(user=lead, start=START, end=END, agencies=agencies)
    content = template_csv_zip(tables) if as_zip else template_workbook(tables)

    empty_the_case_records()
    assert not Case.objects.exists()
    assert the_return()["victims"]["total"] == 0
    record = template_import_start(
        content=content, filename="export.zip" if as_zip else "export.xlsx", by=lead
    )
    record = template_import_run(import_id=record.pk)

    assert record.errors == []
    assert record.status == TemplateImport.Status.DONE
    assert the_return() == before
