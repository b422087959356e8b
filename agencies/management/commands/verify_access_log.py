from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from agencies.access_log import (
    AnchorError,
    access_log_anchors_read,
    access_log_verify,
    anchor_path,
)


class Command(BaseCommand):
    help = (
        "Verify the access log's keyed chain, the signed anchors and that the newest anchor is "
        "recent; exit non-zero if any entry or anchor was altered or removed, the newest "
        "included. Needs ACCESS_LOG_KEY and, when there are anchors, ACCESS_LOG_ANCHOR_KEY."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--anchors",
            type=Path,
            default=None,
            help="Anchor file (default: the ACCESS_LOG_ANCHOR_FILE setting)",
        )
        parser.add_argument(
            "--max-anchor-age",
            type=int,
            default=300,
            metavar="SECONDS",
            help=(
                "The newest anchor must be at most this old (default 300, five times the audit "
                "service's interval); 0 checks no age, for example on a restored copy"
            ),
        )

    def handle(self, *args, **options) -> None:
        path = options["anchors"] or anchor_path()
        max_age = options["max_anchor_age"]
        try:
            anchors = access_log_anchors_read(path)
            report = access_log_verify(
                anchors, max_anchor_age=timedelta(seconds=max_age) if max_age > 0 else None
            )
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        except AnchorError as error:
            raise CommandError(f"Access log anchor file {path} does not hold: {error}.") from error
        if report.first_broken_id is not None:
            raise CommandError(
                f"Access log chain broken at entry {report.first_broken_id} "
                f"({report.checked} entries checked)."
            )
        if report.anchor_failure:
            raise CommandError(f"Access log anchors do not hold: {report.anchor_failure}.")
        age = "" if max_age > 0 else " (the newest anchor's age was not checked)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Access log intact: {report.checked} entries, "
                f"{report.anchors_checked} anchors checked{age}."
            )
        )
