"""The CEOP-style return laid out for people: every figure with its percentage of the block's
total, and the unknowns shown as prominently as the known values (the point of the CEOP
finding is how much is not known)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.tables import inert

BOLD = Font(bold=True)
HEADING = Font(bold=True, size=14)
UNKNOWN_FILL = PatternFill("solid", fgColor="FFF2CC")

LABELS = {
    "under_10": "Under 10",
    "11_plus": "11 or more",
    "6_10": "6 to 10",
    "3_5": "3 to 5",
    "45_plus": "45 and over",
    "under_18": "Under 18",
    "unknown": "Not known",
    "NS": "Not stated",
}


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").capitalize() if not key[:1].isdigit() else key)


def _block_rows(title: str, counts: dict, total: int):
    yield (title, None, None, False)
    for key, value in counts.items():
        if isinstance(value, dict):
            continue
        share = value / total if total else 0
        yield (_label(key), value, share, key in ("unknown", "NS", "no_basic_information"))


def ceop_workbook(data: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Return"
    scope = ", ".join(inert(code) for code in data["scope"]["agencies"])
    rows = [
        ("CEOP-style return: localised grooming", None, None, "heading"),
        (f"Period {data['period']['start']} to {data['period']['end']}", None, None, ""),
        (f"Agencies: {scope}", None, None, ""),
        ("Exact counts. Percentages are of each section's total.", None, None, ""),
        (None, None, None, ""),
    ]
    victims, suspects, networks = data["victims"], data["suspects"], data["networks"]
    sections = [
        ("Victims", {"total": victims["total"]}, victims["total"]),
        ("Victims by sex", victims["sex"], victims["total"]),
        ("Victims by ethnic group", victims["ethnicity_group"], victims["total"]),
        ("Victims by ethnicity", victims["ethnicity"], victims["total"]),
        ("Victims by age at first contact", victims["age_at_first_contact"], victims["total"]),
        ("Missing", victims["missing"], victims["total"]),
        ("Living situation", victims["living_situation"], victims["total"]),
        ("School engagement", victims["school_engagement"], victims["total"]),
        (
            "Suspects by identification level",
            {k: suspects[k] for k in ("total", "group_one", "group_two", "no_basic_information")},
            suspects["total"],
        ),
    ]
    for group, title in (
        ("groups_one_and_two", "groups one and two"),
        ("group_one_only", "group one"),
    ):
        profile = suspects[group]
        size = sum(profile["sex"].values())
        for key, name in (("sex", "sex"), ("age_band", "age"), ("ethnicity_group", "ethnic group"),
                          ("ethnicity", "ethnicity")):  # fmt: skip
            sections.append((f"Suspects in {title} by {name}", profile[key], size))
    sections += [
        (
            "Networks",
            {k: networks[k] for k in ("total", "core_members", "peripheral_members")},
            networks["total"],
        ),
        ("Networks by number of suspects", networks["size"], networks["total"]),
    ]
    for title, counts, total in sections:
        for label, value, share, unknown in _block_rows(title, counts, total):
            rows.append(
                (label, value, share, "unknown" if unknown else ("title" if value is None else ""))
            )
        rows.append((None, None, None, ""))
    for number, (label, value, share, style) in enumerate(rows, start=1):
        sheet.cell(number, 1, label)
        if value is not None:
            sheet.cell(number, 2, value)
            sheet.cell(number, 3, share).number_format = "0.0%"
        if style == "heading":
            sheet.cell(number, 1).font = HEADING
        elif style == "title":
            sheet.cell(number, 1).font = BOLD
            sheet.cell(number, 2, "Number").font = BOLD
            sheet.cell(number, 3, "Percentage").font = BOLD
        elif style == "unknown":
            for column in (1, 2, 3):
                sheet.cell(number, column).font = BOLD
                sheet.cell(number, column).fill = UNKNOWN_FILL
    for column, width in ((1, 48), (2, 12), (3, 12)):
        sheet.column_dimensions[get_column_letter(column)].width = width
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
