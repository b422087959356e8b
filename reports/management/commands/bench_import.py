"""Measure importing a large data template: time and peak memory of checking and writing N
rows (default 50,000 children). Prints figures; asserts nothing. The records are written in a
transaction that is rolled back, so the command can run against any database."""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
import uuid
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from openpyxl import Workbook

from agencies.models import Partnership, Role
from agencies.services import agency_create, membership_create, user_create
from reports.models import TemplateImport
from reports.template import TABLES
from reports.template_import import import_agencies, template_check, template_write
from reports.template_reader import TemplateFile


def workbook(rows: int, agency_code: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("children")
    columns = [c.name for c in TABLES["children"][1]]
    sheet.append(columns)
    start = date(2010, 1, 1)
    for n in range(rows):
        contact = start + timedelta(days=n % 3000)
        values = {
            "child_ref": f"C{n:07d}",
            "agency_code": agency_code,
            "first_name": f"Child{n}",
            "last_name": "Bench",
            "date_of_birth": (contact - timedelta(days=365 * 14)).isoformat(),
            "sex": ("female", "male", "unknown")[n % 3],
            "ethnicity": ("W1", "A2", "B1", "NS", "unknown")[n % 5],
            "nationality": "GB",
            "first_contact_date": contact.isoformat(),
            "reported_missing": ("yes", "no", "unknown")[n % 3],
            "indicators": "S01;M03" if n % 4 == 0 else "",
        }
        sheet.append([values.get(column, "") for column in columns])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


class Command(BaseCommand):
    help = "Measure checking and importing an N-row template (default 50,000)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument(
            "--check-only", action="store_true", help="Measure the checking pass alone"
        )

    def handle(self, *args, **options) -> None:
        rows = options["rows"]
        tag = uuid.uuid4().hex[:8]
        content = workbook(rows, f"bench-{tag}")
        figures = [("rows", f"{rows:,}"), ("file size (MB)", f"{len(content) / 2**20:,.1f}")]
        with transaction.atomic():
            partnership = Partnership.objects.create(code=f"bench-{tag}", name="Benchmark")
            agency = agency_create(
                code=f"bench-{tag}",
                name="Benchmark",
                type="police",
                partnerships=[partnership],
                by=None,
            )
            user = user_create(
                email=f"bench-{tag}@bench.invalid", full_name="Bench", password=None, by=None
            )
            membership_create(user=user, agency=agency, role=Role.SAFEGUARDING_LEAD, by=None)
            agencies = import_agencies(user)
            record = TemplateImport.objects.create(
                requested_by=user, filename="bench.xlsx", checksum="0" * 64
            )
            tracemalloc.start()
            started = time.perf_counter()
            check = template_check(TemplateFile(content, "bench.xlsx"), agencies=agencies)
            checked = time.perf_counter()
            _, check_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            if not options["check_only"]:
                template_write(
                    TemplateFile(content, "bench.xlsx"), record=record, agencies=agencies, by=user
                )
            written = time.perf_counter()
            _, write_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            transaction.set_rollback(True)
        figures += [
            ("errors found", f"{check.error_count:,}"),
            ("check (s)", f"{checked - started:,.1f}"),
            ("check: peak Python memory (MB)", f"{check_peak / 2**20:,.0f}"),
            ("write (s)", f"{written - checked:,.1f}"),
            ("write: peak Python memory (MB)", f"{write_peak / 2**20:,.0f}"),
            ("rows per second, overall", f"{rows / (written - started):,.0f}"),
            (
                "process peak RSS (MB)",
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f}",
            ),
        ]
        width = max(len(name) for name, _ in figures)
        for name, value in figures:
            self.stdout.write(f"{name.ljust(width)}  {value:>10}")
