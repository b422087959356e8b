"""python manage.py import_template FILE --user EMAIL"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import User
from reports.models import TemplateImport
from reports.template_import import template_import_run, template_import_start


class Command(BaseCommand):
    help = (
        "Import a filled-in partnership data template (.xlsx or .zip of CSVs) as the given "
        "user: checked whole first, then written all or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="E-mail address of the importing user")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        if path.suffix.lower() not in (".xlsx", ".zip"):
            raise CommandError("The file must be a workbook (.xlsx) or a zip of CSV files (.zip)")
        user = User.objects.filter(email__iexact=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the e-mail address {options['user']}")
        with transaction.atomic():
            record = template_import_start(content=path.read_bytes(), filename=path.name, by=user)
        # Run here rather than wait for the worker; the worker then finds it already taken.
        record = template_import_run(import_id=record.pk)
        if record.status == TemplateImport.Status.REFUSED:
            for error in record.errors:
                self.stderr.write(
                    f"{error['sheet']} row {error['row']}, {error['column']}: "
                    f"{error['value']!r}; expected {error['expected']}"
                )
            raise CommandError(
                f"Nothing imported: {record.error_count} errors in {record.rows} rows."
            )
        for table, counts in record.counts.items():
            self.stdout.write(
                f"{table}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Imported {record.rows} rows (import {record.public_id}).")
        )
