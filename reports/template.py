"""The partnership data template, version 1 (spec/data-template.md), as data: its tables and
columns, which are required, and what each accepts. The blank workbook, the CSV zip, the
README sheet, the dropdowns and (later) the importer's checks all come from this one place."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cases.codes import Ethnicity, LocationType

VERSION = 1
YES_NO_UNKNOWN = ("yes", "no", "unknown")
SEX = ("female", "male", "unknown")
ETHNICITY = tuple(Ethnicity.values)
LOCATION_TYPES = tuple(LocationType.values)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str  # text, date, integer, code, codes, reference
    description: str
    codes: tuple[str, ...] = ()
    # The longest text the column's field holds: a longer value is refused when checked,
    # never cut short or left to fail the write.
    max_length: int = 300


def text(name, description, required=False, max_length=300):
    return Column(name, required, "text", description, max_length=max_length)


def code(name, description, codes, required=False):
    return Column(name, required, "code", description, tuple(codes))


def day(name, description, required=False):
    return Column(name, required, "date", description)


def whole(name, description, required=False):
    return Column(name, required, "integer", description)


AGENCY = text("agency_code", "Code of an agency known to the system", required=True)

TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "children": (
        "Children and young people who are victims of, or at risk of, sexual exploitation.",
        (
            text(
                "child_ref",
                "The agency's own reference, unique per agency",
                required=True,
                max_length=60,
            ),
            AGENCY,
            text("first_name", "Given name", max_length=100),
            text("last_name", "Family name", max_length=100),
            text("known_as", "Nickname or other name used", max_length=100),
            day("date_of_birth", "Date of birth, YYYY-MM-DD"),
            whole(
                "age_at_first_contact",
                "Whole number 0 to 17, used when date_of_birth is empty; if both are given "
                "they must agree",
            ),
            code("sex", "Empty means unknown", SEX),
            code(
                "ethnicity",
                "Self-defined ethnicity code (see below); empty means unknown",
                ETHNICITY,
            ),
            text("nationality", "ISO 3166-1 alpha-2 code, like GB, or unknown"),
            day(
                "first_contact_date",
                "Date the child first came to an agency's attention in connection with sexual "
                "exploitation; the child must be under 18 on it",
                required=True,
            ),
            code("reported_missing", "Ever reported missing", YES_NO_UNKNOWN),
            whole(
                "missing_episodes",
                "Whole number 0 or more; if more than 0, reported_missing must not be no",
            ),
            code(
                "living_situation",
                "At the time of exploitation",
                ("with_family", "looked_after", "independent", "other", "unknown"),
            ),
            code("moved_into_care_after_intervention", "", YES_NO_UNKNOWN),
            code(
                "school_engagement",
                "",
                ("engaged", "disengaged", "excluded", "not_in_education", "unknown"),
            ),
            Column(
                "indicators", False, "codes", "Indicator codes from the catalogue, separated by ;"
            ),
            text("notes", "Free text"),
        ),
    ),
    "suspects": (
        "Suspected offenders linked to the exploitation of children.",
        (
            text(
                "suspect_ref",
                "The agency's own reference, unique per agency",
                required=True,
                max_length=100,
            ),
            AGENCY,
            text("first_name", "Given name", max_length=100),
            text("last_name", "Family name", max_length=100),
            text("initials", "Like J.S.", max_length=20),
            text("alias", "Street name or other name used", max_length=100),
            code("sex", "Empty means unknown", SEX),
            day("date_of_birth", "Date of birth, YYYY-MM-DD"),
            whole(
                "age_when_first_known", "Whole number 10 to 99, used when date_of_birth is empty"
            ),
            day("first_known_date", "Date first known to an agency as a suspect"),
            code("ethnicity", "Self-defined ethnicity code; empty means unknown", ETHNICITY),
            text("nationality", "ISO 3166-1 alpha-2 code, or unknown"),
            text(
                "network_ref",
                "A network_ref in the networks sheet of the same agency",
                max_length=100,
            ),
            code("network_role", "", ("core", "peripheral", "unknown")),
        ),
    ),
    "links": (
        "Links between a child and a suspect.",
        (
            text(
                "child_ref",
                "A child_ref of this file or already held for the agency",
                required=True,
            ),
            text(
                "suspect_ref",
                "A suspect_ref of this file or already held for the agency",
                required=True,
            ),
            text("agency_code", "Both references belong to this agency", required=True),
            code(
                "relationship",
                "",
                ("perceived_boyfriend", "exploiter", "facilitator", "associate", "unknown"),
            ),
            day("first_linked_date", ""),
        ),
    ),
    "networks": (
        "Networks of suspects.",
        (
            text(
                "network_ref",
                "The agency's own reference, unique per agency",
                required=True,
                max_length=100,
            ),
            AGENCY,
            text("name", "Name of the network", max_length=200),
        ),
    ),
    "locations": (
        "Places linked to exploitation (optional).",
        (
            text(
                "location_ref",
                "The agency's own reference, unique per agency",
                required=True,
                max_length=100,
            ),
            AGENCY,
            code("type", "", LOCATION_TYPES, required=True),
            text("description", ""),
            text("postcode_district", "Outward code, like LS6"),
            text("child_ref", "A child seen at or taken to the place", max_length=60),
            text("suspect_ref", "A suspect associated with the place", max_length=100),
            code("role", "", ("first_met", "exploitation", "pick_up", "other")),
        ),
    ),
}


def _readme_rows() -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (f"Partnership data template, version {VERSION}",),
        (
            "One sheet per table. Keep the header row; columns may be in any order; a column the "
            "template does not have is an error.",
        ),
        (
            "Empty cells mean not recorded. Dates are YYYY-MM-DD. Coded values are matched "
            "whatever their case.",
        ),
        (
            "A reference (*_ref) with agency_code identifies a record: importing the same file "
            "twice changes nothing; a corrected file updates the records it names.",
        ),
        (),
        ("table", "column", "required", "values", "description"),
    ]
    for table, (_, columns) in TABLES.items():
        for column in columns:
            values = {
                "text": "text",
                "date": "date YYYY-MM-DD",
                "integer": "whole number",
                "codes": "codes separated by ;",
                "code": ", ".join(column.codes),
            }[column.kind]
            rows.append(
                (
                    table,
                    column.name,
                    "yes" if column.required else "no",
                    values,
                    column.description,
                )
            )
    rows += [(), ("Ethnicity codes",)]
    rows += [(value, label) for value, label in Ethnicity.choices]
    return rows


def blank_workbook() -> bytes:
    """The template to fill in by hand: a README sheet, a sheet per table with its header row,
    and a dropdown on every coded column."""
    book = Workbook()
    readme = book.active
    readme.title = "README"
    for row in _readme_rows():
        readme.append(row)
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 16
    readme.column_dimensions["B"].width = 36
    readme.column_dimensions["D"].width = 60
    readme.column_dimensions["E"].width = 80
    # The dropdowns' lists live on a hidden sheet: an inline list is limited to 255 characters.
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_column = 0
    for table, (_, columns) in TABLES.items():
        sheet = book.create_sheet(table)
        sheet.append([column.name for column in columns])
        for index, column in enumerate(columns, start=1):
            sheet.cell(1, index).font = Font(bold=True)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
            if column.kind != "code":
                continue
            list_column += 1
            list_letter = get_column_letter(list_column)
            for row, value in enumerate(column.codes, start=1):
                lists.cell(row, list_column, value)
            validation = DataValidation(
                type="list",
                formula1=f"=lists!${list_letter}$1:${list_letter}${len(column.codes)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{column.name}: not one of the codes",
                error=f"Choose one of the values listed for {column.name}, or leave it empty",
            )
            validation.add(f"{letter}2:{letter}50000")
            sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def blank_csv_zip() -> bytes:
    """The same template as a zip of CSV files with their header rows."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, (_, columns) in TABLES.items():
            text_file = io.StringIO()
            csv.writer(text_file, lineterminator="\n").writerow(c.name for c in columns)
            archive.writestr(f"{table}.csv", text_file.getvalue())
        readme = io.StringIO()
        csv.writer(readme, lineterminator="\n").writerows(_readme_rows())
        archive.writestr("README.csv", readme.getvalue())
    return output.getvalue()
