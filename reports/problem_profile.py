"""The problem profile: the partnership's picture of child sexual exploitation for a period, in
the order of a police problem profile (scale and trend, victims, suspects, networks, places,
the response, and how far the figures can be trusted), built from the dashboards' tables and
suppressed in the same way. Printed from HTML, or downloaded as a PDF of the same tables."""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from interventions.models import DisruptionActivity
from interventions.selectors import disruption_counts
from reports import selectors
from reports.scope import DashboardScope
from reports.tables import SUPPRESSED, SUPPRESSED_TEXT, Table, breakdown_table

SECTIONS = [
    ("Scale and trend", "How many children are known to be at risk, and whether that is "
     "growing.", ("children-by-risk", "trend")),
    ("Victims", "What is known about the children: going missing, where they live, and the "
     "warning signs most often seen.", ("missing", "living-situation", "indicators")),
    ("Suspects", "Suspected offenders: how well they are identified, and their profile.",
     ("suspects-identification", "suspects-sex", "suspects-age", "suspects-ethnicity")),
    ("Networks", "Groups of offenders confirmed by analysts.", ("networks",)),
    ("Places", "Where exploitation happens, by type of place and area.", ("locations",)),
    ("Disruption and justice activity", "What agencies did against suspects, places and "
     "networks: warning notices, disruption, arrests, charges and court.", ("disruption",)),
    ("The response", "Referrals between agencies and reassessments.",
     ("referrals-by-state", "referral-times", "reassessments")),
]  # fmt: skip


@dataclass(frozen=True)
class Section:
    title: str
    summary: str
    tables: list[Table]


def problem_profile(scope: DashboardScope, period: selectors.Period) -> list[Section]:
    by_slug = {
        table.slug: table
        for _, producer in selectors.DASHBOARD_PANELS
        for table in producer(scope, period)
    }
    sections = [
        Section(title, summary, [by_slug[slug] for slug in slugs if slug in by_slug])
        for title, summary, slugs in SECTIONS
    ]
    quality = [
        *selectors.data_quality_by_agency(scope, period),
        selectors.data_quality_trend(scope, period),
    ]
    sections.append(
        Section(
            "How complete the records are",
            "The share of records with each item known: figures above rest on them.",
            quality,
        )
    )
    return sections


def disruption_table(scope: DashboardScope, period: selectors.Period) -> Table:
    """Disruption and justice activity dated in the period on records held by the scope's
    agencies, by type, suppressed like every other table."""
    counts = disruption_counts(agency_ids=scope.agency_ids, start=period.start, end=period.end)
    return selectors.with_bars(
        breakdown_table(
            slug="disruption",
            title="Disruption and justice activity, by type",
            label="Type of activity",
            counts=[
                (label, counts.get(value, 0)) for value, label in DisruptionActivity.Type.choices
            ],
            count_label="Activities",
            exact=scope.exact,
            note="Activity dated in the period against suspects, places and networks the "
            "agencies hold.",
        )
    )


def figure(value) -> str:
    if value is SUPPRESSED:
        return SUPPRESSED_TEXT
    return "" if value is None else str(value)


def _text(value) -> str:
    # The core PDF fonts are Latin-1: anything else is replaced rather than failing.
    return (
        str(value)
        .replace("–", "-")
        .replace("’", "'")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def para(pdf: FPDF, height: float, text: str) -> None:
    """A paragraph across the page, leaving the cursor at the left margin below it."""
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def problem_profile_pdf(
    *, scope: DashboardScope, period: selectors.Period, sections: list[Section]
) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("Problem profile: child sexual exploitation")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 6, "OFFICIAL-SENSITIVE", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 18)
    para(pdf, 9, "Problem profile: child sexual exploitation")
    pdf.set_font("Helvetica", size=10)
    agencies = ", ".join(agency.name for agency in scope.agencies)
    para(
        pdf,
        5,
        _text(
            f"{scope.partnership.name}. Period {period.start:%d %B %Y} to {period.end:%d %B %Y}. "
            f"Agencies: {agencies}."
        ),
    )
    if not scope.exact:
        para(pdf, 5, "Numbers from 1 to 4 are shown as 'fewer than 5'.")
    for number, section in enumerate(sections, start=1):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 14)
        para(pdf, 7, _text(f"{number}. {section.title}"))
        pdf.set_font("Helvetica", size=10)
        para(pdf, 5, _text(section.summary))
        for table in section.tables:
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 11)
            para(pdf, 6, _text(table.title))
            pdf.set_font("Helvetica", size=8)
            with pdf.table(
                headings_style=FontFace(emphasis="BOLD"),
                line_height=4.5,
                text_align="LEFT",
            ) as grid:
                heading = grid.row()
                for column in table.columns:
                    heading.cell(_text(column))
                for values in table.rows:
                    row = grid.row()
                    for value in values:
                        row.cell(_text(figure(value)))
            if table.note:
                pdf.set_font("Helvetica", "I", 8)
                para(pdf, 4, _text(table.note))
    return bytes(pdf.output())
