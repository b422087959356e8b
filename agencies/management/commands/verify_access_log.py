from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.access_log import access_log_anchors_read, access_log_verify, anchor_path


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chain and the anchored heads; exit non-zero if any entry "
        "was altered or removed, the newest included."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--anchors",
            type=Path,
            default=None,
            help="Anchor file (default: the ACCESS_LOG_ANCHOR_FILE setting)",
        )

    def handle(self, *args, **options) -> None:
        path = options["anchors"] or anchor_path()
        report = access_log_verify(access_log_anchors_read(path))
        if report.first_broken_id is not None:
            raise CommandError(
                f"Access log chain broken at entry {report.first_broken_id} "
                f"({report.checked} entries checked)."
            )
        if report.anchor_failure:
            raise CommandError(f"Access log entries removed: {report.anchor_failure}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Access log intact: {report.checked} entries, "
                f"{report.anchors_checked} anchors checked."
            )
        )
