"""Tables of aggregate figures, with small-number suppression applied once, here.

Every dashboard panel is a `Table`: the page shows it (with its chart) and the CSV download
writes the very same cells, so what is suppressed on screen is suppressed in the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

SUPPRESSED = None  # a count from 1 to 4, hidden from viewers without identifiable access
SUPPRESSED_TEXT = "fewer than 5"


def inert(cell):
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def is_small(value: int | None) -> bool:
    return value is not None and 0 < value < 5


def suppress(value: int | None, *, exact: bool) -> int | None:
    return value if exact or not is_small(value) else SUPPRESSED


def suppress_breakdown(values: list[int], total: int, *, exact: bool) -> tuple[list, int | None]:
    """Primary suppression of small cells, then secondary suppression: when exactly one cell
    is hidden and the total is shown, the next smallest non-zero cell is hidden too, so the
    hidden one cannot be found by subtraction."""
    if exact:
        return list(values), total
    shown: list[int | None] = [suppress(v, exact=False) for v in values]
    hidden = [i for i, v in enumerate(shown) if v is SUPPRESSED]
    shown_total = suppress(total, exact=False)
    if len(hidden) == 1 and shown_total is not SUPPRESSED:
        others = [(v, i) for i, v in enumerate(values) if v and i not in hidden]
        if others:
            shown[min(others)[1]] = SUPPRESSED
    return shown, shown_total


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""
    note: str = ""
    numeric_from: int = 1  # the index of the first numeric column

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([inert(column) for column in self.columns])
        for row in self.rows:
            writer.writerow(
                [
                    SUPPRESSED_TEXT if cell is SUPPRESSED and i else inert(cell)
                    for i, cell in enumerate(row)
                ]
            )
        return out.getvalue()


def breakdown_table(
    *,
    slug: str,
    title: str,
    label: str,
    counts: list[tuple[str, int]],
    exact: bool,
    count_label: str = "Number",
    note: str = "",
    total: bool = True,
) -> Table:
    """Rows of (label, count), with a total row and suppression applied."""
    values = [count for _, count in counts]
    all_of_them = sum(values)
    if total:
        shown, shown_total = suppress_breakdown(values, all_of_them, exact=exact)
    else:
        shown, shown_total = [suppress(v, exact=exact) for v in values], None
    rows = [[name, value] for (name, _), value in zip(counts, shown, strict=True)]
    if total:
        rows.append(["Total", shown_total])
    return Table(slug=slug, title=title, columns=[label, count_label], rows=rows, note=note)


def percentage(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"
