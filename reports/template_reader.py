"""Reading and checking a filled-in data template (spec/data-template.md), row by row.

Rows are streamed from the workbook (openpyxl read-only) or the zip of CSVs, never held as a
whole; each row is turned into plain values or into errors that name the sheet, the row, the
column, the value and what was expected. `template_import` reads a file twice: once to check
everything, once to write.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from cases.codes import NATIONALITY_CODES
from reports.template import TABLES, Column

IGNORED_SHEETS = {"readme", "lists"}


class TemplateFileError(ValueError):
    """The file cannot be read as a template at all (not a workbook or zip, no tables)."""


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    expected: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class TemplateFile:
    """The tables of one uploaded file, each readable as many times as needed."""

    def __init__(self, content: bytes, filename: str) -> None:
        self.content = content
        self.kind = "zip" if filename.lower().endswith(".zip") else "xlsx"
        try:
            if self.kind == "zip":
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    names = archive.namelist()
                self.sheets = {
                    name.rsplit("/", 1)[-1][:-4].strip().lower(): name
                    for name in names
                    if name.lower().endswith(".csv")
                }
            else:
                from openpyxl import load_workbook

                book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
                self.sheets = {name.strip().lower(): name for name in book.sheetnames}
                book.close()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise TemplateFileError(
                "The file is not a workbook (.xlsx) or a zip of CSV files"
            ) from error

    def unknown_sheets(self) -> list[str]:
        return sorted(
            self.sheets[name]
            for name in self.sheets
            if name not in TABLES and name not in IGNORED_SHEETS
        )

    def rows(self, table: str) -> Iterator[tuple[int, list[str]]]:
        """(row number as the person sees it, cell texts), header first as row 1."""
        name = self.sheets.get(table)
        if name is None:
            return
        if self.kind == "zip":
            with zipfile.ZipFile(io.BytesIO(self.content)) as archive, archive.open(name) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                number = 0
                try:
                    for number, row in enumerate(csv.reader(text), start=1):
                        yield number, [cell.strip() for cell in row]
                except (csv.Error, UnicodeDecodeError) as error:
                    # A cell over the reader's limit (128 KB) or bytes that are not UTF-8.
                    raise TemplateFileError(
                        f"The {table} file cannot be read after row {number}: save it as "
                        "CSV (UTF-8) with no cell longer than 300 characters"
                    ) from error
        else:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(self.content), read_only=True, data_only=True)
            try:
                for number, row in enumerate(book[name].iter_rows(values_only=True), start=1):
                    yield number, [_cell_text(value) for value in row]
            finally:
                book.close()


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def check_value(column: Column, text: str, *, indicator_codes: set[str]):
    """The value as stored, or raise ValueError with what was expected."""
    if text == "":
        if column.required:
            raise ValueError("a value: this column is required")
        return None
    if column.kind == "date":
        value = _date(text)
        if value is None:
            raise ValueError("a date written YYYY-MM-DD, like 2011-03-31")
        if value > date.today():
            raise ValueError("a date that is not in the future")
        return value
    if column.kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError("a whole number, like 14") from None
    if column.kind == "code":
        by_lower = {code.lower(): code for code in column.codes}
        if text.lower() not in by_lower:
            raise ValueError("one of: " + ", ".join(column.codes))
        return by_lower[text.lower()]
    if column.kind == "codes":
        codes = [part.strip().upper() for part in text.split(";") if part.strip()]
        unknown = [code for code in codes if code not in indicator_codes]
        if unknown:
            raise ValueError("indicator codes of the catalogue separated by ;, like S01;M03")
        return codes
    if column.name == "nationality":
        value = "unknown" if text.lower() == "unknown" else text.upper()
        if value not in NATIONALITY_CODES:
            raise ValueError("an ISO 3166-1 alpha-2 country code, like GB, or unknown")
        return value
    if len(text) > column.max_length:
        raise ValueError(f"text of at most {column.max_length} characters")
    return text


def read_table(
    file: TemplateFile, table: str, *, indicator_codes: set[str]
) -> Iterator[tuple[int, dict, list[RowError]]]:
    """Each data row of the table as (row number, values by column, errors). A header with an
    unknown or missing column yields one row 1 with those errors and stops."""
    _, columns = TABLES[table]
    by_name = {column.name: column for column in columns}
    sheet = file.sheets.get(table, table)
    header: list[str] | None = None
    for number, cells in file.rows(table):
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            while header and header[-1] == "":
                header.pop()
            errors = [
                RowError(sheet, 1, name, name, "a column of the template: see the README")
                for name in header
                if name not in by_name
            ] + [
                RowError(sheet, 1, column.name, "", "this required column")
                for column in columns
                if column.required and column.name not in header
            ]
            if errors:
                yield 1, {}, errors
                return
            continue
        if not any(cells):
            continue
        values, errors = {}, []
        for index, name in enumerate(header):
            text = cells[index] if index < len(cells) else ""
            try:
                values[name] = check_value(by_name[name], text, indicator_codes=indicator_codes)
            except ValueError as problem:
                errors.append(RowError(sheet, number, name, text[:100], str(problem)))
        for column in columns:
            values.setdefault(column.name, None)
        yield number, values, errors
