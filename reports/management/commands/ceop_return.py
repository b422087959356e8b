"""python manage.py ceop_return --start 2008-01-01 --end 2011-03-31
[--partnership CODE | --agency CODE ...] --format json|xlsx --output FILE"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency, Partnership
from reports.ceop import ceop_return
from reports.ceop_workbook import ceop_workbook


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Enter dates as YYYY-MM-DD, like 2011-03-31 (got {value!r})") from None


class Command(BaseCommand):
    help = "Write the CEOP-style return (spec/ceop-return.md) for a period and scope."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--start", required=True, help="First day of the period, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="Last day of the period, YYYY-MM-DD")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--partnership", help="Code of a partnership: all its agencies")
        scope.add_argument("--agency", action="append", help="Code of an agency (repeatable)")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--output", required=True, help="File to write")

    def handle(self, *args, **options) -> None:
        start, end = iso_date(options["start"]), iso_date(options["end"])
        if end < start:
            raise CommandError("The end of the period must be on or after its start")
        if options["partnership"]:
            partnership = Partnership.objects.filter(code=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"No partnership has the code {options['partnership']!r}")
            agencies = list(partnership.agencies.all())
        else:
            codes = options["agency"]
            agencies = list(Agency.objects.filter(code__in=codes))
            unknown = sorted(set(codes) - {agency.code for agency in agencies})
            if unknown:
                raise CommandError(f"No agency has the code {', '.join(map(repr, unknown))}")
        data = ceop_return(
            start=start,
            end=end,
            agency_codes=[agency.code for agency in agencies],
            agency_ids=[agency.pk for agency in agencies],
        )
        output = Path(options["output"])
        if options["format"] == "json":
            output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        else:
            output.write_bytes(ceop_workbook(data))
        self.stdout.write(
            f"Wrote the return for {len(agencies)} agencies ({data['victims']['total']} victims, "
            f"{data['suspects']['total']} suspects, {data['networks']['total']} networks) to "
            f"{output}."
        )
