from django.core.management.base import BaseCommand, CommandError

from agencies.access_log import access_log_verify


class Command(BaseCommand):
    help = "Verify the access log's hash chain; exit non-zero if any entry was altered or removed."

    def handle(self, *args, **options) -> None:
        report = access_log_verify()
        if not report.intact:
            raise CommandError(
                f"Access log chain broken at entry {report.first_broken_id} "
                f"({report.checked} entries checked)."
            )
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {report.checked} entries."))
