"""The CEOP-style return (spec/ceop-return.md): who is counted, the derived values, every key
present, and the management command's JSON and workbook."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from agencies.models import Role
from cases import services
from cases.models import Network, NetworkMember, Person
from reports.ceop import ceop_return
from tests.factories import AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

START, END = date(2009, 4, 1), date(2011, 3, 31)


def child(agency, by, contact: date, **fields):
    case_fields = {
        k: fields.pop(k)
        for k in list(fields)
        if k in ("reported_missing", "living_situation", "school_engagement",
                 "moved_into_care_after_intervention")
    }  # fmt: skip
    estimated_on = fields.pop("age_estimated_on", None)
    person = services.person_create(
        data=services.PersonData(kind=Person.Kind.CHILD, **fields), owner_agency=agency, by=by
    )
    if estimated_on:
        Person.objects.filter(pk=person.pk).update(age_estimated_on=estimated_on)
        person.refresh_from_db()
    services.case_open(
        child=person, owner_agency=agency, by=by, first_contact_date=contact, **case_fields
    )
    return person


def suspect(agency, by, estimated_on=None, **fields):
    person = services.person_create(
        data=services.PersonData(kind=Person.Kind.SUSPECT, **fields), owner_agency=agency, by=by
    )
    if estimated_on:
        Person.objects.filter(pk=person.pk).update(age_estimated_on=estimated_on)
    return person


@pytest.fixture
def world():
    partnership = PartnershipFactory(code="lscb-test")
    a, b = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    elsewhere = AgencyFactory()
    by = member(Role.FRONTLINE, a)
    jade = child(a, by, date(2010, 6, 1), first_name="Jade", last_name="X",
                 date_of_birth=date(1996, 3, 1), sex="female", ethnicity="W1",
                 reported_missing="yes", living_situation="looked_after",
                 moved_into_care_after_intervention="yes",
                 school_engagement="excluded")  # fmt: skip
    child(a, by, date(2010, 1, 15), first_name="Kai", sex="male", ethnicity="NS",
          estimated_age=9, age_estimated_on=date(2010, 1, 15))  # fmt: skip
    child(b, by, date(2012, 1, 1), first_name="Later")  # after the period
    child(elsewhere, by, date(2010, 1, 1), first_name="Outside")  # outside the scope
    full = suspect(a, by, first_name="Aaron", last_name="Cole", sex="male", ethnicity="A2",
                   date_of_birth=date(1980, 1, 1), first_known_date=date(2010, 2, 1))  # fmt: skip
    alias_only = suspect(a, by, aliases=["Tiny"], estimated_age=20,
                         estimated_on=date(2010, 6, 1))  # fmt: skip
    services.association_create(from_person=jade, to_person=alias_only, relationship="exploiter",
                                owner_agency=a, by=by)  # fmt: skip
    suspect(a, by, first_known_date=date(2009, 12, 1))  # no basic information
    earlier = suspect(a, by, first_name="Old", last_name="Case", first_known_date=date(2005, 1, 1))
    unlinked = suspect(a, by, first_name="Nolink")  # no date, linked to no victim
    network = Network.objects.create(owner_agency=a, name="Mill Street")
    for person, role in ((full, "core"), (alias_only, "peripheral"), (earlier, "unknown")):
        NetworkMember.objects.create(network=network, person=person, role=role)
    lonely = Network.objects.create(owner_agency=a, name="Counts no one")
    NetworkMember.objects.create(network=lonely, person=unlinked, role="core")
    return {"partnership": partnership, "agencies": [a, b]}


def the_return(world) -> dict:
    agencies = world["agencies"]
    return ceop_return(
        start=START,
        end=END,
        agency_codes=[a.code for a in agencies],
        agency_ids=[a.pk for a in agencies],
    )


def test_victims_are_the_children_first_contacted_in_the_period_in_scope(world):
    victims = the_return(world)["victims"]
    assert victims["total"] == 2
    assert victims["sex"] == {"female": 1, "male": 1, "unknown": 0}
    assert victims["ethnicity_group"] == {
        "white": 1, "asian": 0, "black": 0, "mixed": 0, "other": 0, "unknown": 1
    }  # fmt: skip
    assert (victims["ethnicity"]["W1"], victims["ethnicity"]["NS"]) == (1, 1)
    assert sum(victims["ethnicity"].values()) == 2
    ages = victims["age_at_first_contact"]
    assert (ages["14"], ages["under_10"], sum(ages.values())) == (1, 1, 2)
    assert victims["missing"] == {"recorded": 1, "reported_missing": 1}
    assert victims["living_situation"] == {
        "recorded": 1, "with_family": 0, "looked_after": 1, "independent": 0, "other": 0,
        "moved_into_care_after_intervention": 1,
    }  # fmt: skip
    assert victims["school_engagement"] == {
        "recorded": 1, "engaged": 0, "disengaged": 0, "excluded": 1, "not_in_education": 0
    }  # fmt: skip


def test_suspects_are_counted_by_date_or_by_a_link_to_a_counted_victim(world):
    suspects = the_return(world)["suspects"]
    assert (suspects["total"], suspects["group_one"], suspects["group_two"]) == (3, 1, 1)
    assert suspects["no_basic_information"] == 1
    both = suspects["groups_one_and_two"]
    assert both["sex"] == {"female": 0, "male": 1, "unknown": 1}
    assert both["age_band"] == {
        "under_18": 0, "18_24": 1, "25_34": 1, "35_44": 0, "45_plus": 0, "unknown": 0
    }  # fmt: skip
    one = suspects["group_one_only"]
    assert (one["sex"]["male"], one["age_band"]["25_34"], one["ethnicity"]["A2"]) == (1, 1, 1)
    assert one["ethnicity_group"]["asian"] == 1


def test_networks_are_those_with_a_counted_suspect_sized_by_all_their_suspects(world):
    networks = the_return(world)["networks"]
    assert networks == {
        "total": 1,
        "size": {"1": 0, "2": 0, "3_5": 1, "6_10": 0, "11_plus": 0},
        "core_members": 1,
        "peripheral_members": 1,
    }


def test_every_key_is_present_with_zero_when_nothing_is_counted():
    agency = AgencyFactory(code="empty")
    data = ceop_return(start=START, end=END, agency_codes=["empty"], agency_ids=[agency.pk])
    assert data["return"] == "ceop-localised-grooming"
    assert data["scope"] == {"agencies": ["empty"]}
    assert len(data["victims"]["ethnicity"]) == 21
    assert list(data["victims"]["age_at_first_contact"]) == [
        "under_10", "10", "11", "12", "13", "14", "15", "16", "17", "unknown"
    ]  # fmt: skip
    for block in ("groups_one_and_two", "group_one_only"):
        assert set(data["suspects"][block]) == {"sex", "age_band", "ethnicity_group", "ethnicity"}
        assert len(data["suspects"][block]["ethnicity"]) == 21

    def leaves(value):
        return (
            [v for x in value.values() for v in leaves(x)] if isinstance(value, dict) else [value]
        )

    numbers = leaves({k: data[k] for k in ("victims", "suspects", "networks")})
    assert numbers
    assert set(numbers) == {0}


def test_the_command_writes_the_json_and_the_workbook(world, tmp_path):
    json_file, xlsx_file = tmp_path / "return.json", tmp_path / "return.xlsx"
    call_command("ceop_return", start="2009-04-01", end="2011-03-31",
                 partnership="lscb-test", format="json", output=str(json_file))  # fmt: skip
    assert json.loads(json_file.read_text()) == the_return(world)

    codes = [a.code for a in world["agencies"]]
    call_command("ceop_return", "--start", "2009-04-01", "--end", "2011-03-31",
                 "--agency", codes[0], "--agency", codes[1], "--format", "xlsx",
                 "--output", str(xlsx_file))  # fmt: skip
    sheet = load_workbook(xlsx_file).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert rows["Not known"][0] is not None
    assert rows["Looked after"] == (1, 0.5)
    assert rows["Excluded"] == (1, 0.5)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--agency", "nope"], "No agency has the code 'nope'"),
        (["--partnership", "nope"], "No partnership has the code 'nope'"),
        (["--partnership", "lscb-test", "--start", "2011-31-03"], "Enter dates as YYYY-MM-DD"),
        (["--partnership", "lscb-test", "--end", "2001-01-01"], "end of the period must be"),
    ],
)
def test_the_command_refuses_bad_arguments_with_a_clear_message(
    world, tmp_path, arguments, message
):
    options = {"--start": "2009-04-01", "--end": "2011-03-31", "--output": str(tmp_path / "r")}
    for flag, value in zip(arguments[::2], arguments[1::2], strict=True):
        options[flag] = value
    argv = [item for pair in options.items() for item in pair]
    with pytest.raises(CommandError, match=message):
        call_command("ceop_return", *argv)
    assert not (tmp_path / "r").exists()


def test_the_blank_template_has_every_table_its_readme_and_dropdowns(client):
    from io import BytesIO
    from zipfile import ZipFile

    from tests.conftest import sign_in

    sign_in(client, member(Role.FRONTLINE))
    response = client.get("/template/partnership-data-template.xlsx")
    assert 'filename="partnership-data-template-v1.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[0] == "README"
    for table, first_columns in (
        ("children", ["child_ref", "agency_code"]),
        ("suspects", ["suspect_ref", "agency_code"]),
        ("links", ["child_ref", "suspect_ref"]),
        ("networks", ["network_ref", "agency_code"]),
        ("locations", ["location_ref", "agency_code"]),
    ):
        header = [cell.value for cell in book[table][1]]
        assert header[:2] == first_columns
    children = book["children"]
    sex_column = [cell.value for cell in children[1]].index("sex") + 1
    letter = chr(ord("A") + sex_column - 1)
    rules = {str(v.sqref): v.formula1 for v in children.data_validations.dataValidation}
    formula = rules[f"{letter}2:{letter}50000"]
    sheet, cells = formula.lstrip("=").split("!")
    values = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
    assert values == ["female", "male", "unknown"]
    readme = [row for row in book["README"].iter_rows(values_only=True) if row and row[0]]
    assert ("children", "first_contact_date", "yes") in [r[:3] for r in readme]

    archive = ZipFile(BytesIO(client.get("/template/partnership-data-template.zip").content))
    assert sorted(archive.namelist()) == sorted(
        ["children.csv", "suspects.csv", "links.csv", "networks.csv", "locations.csv",
         "README.csv"]
    )  # fmt: skip
    assert archive.read("links.csv").decode().startswith("child_ref,suspect_ref,agency_code")
    assert client.get("/template/partnership-data-template.exe").status_code == 404
