from django.core.management.base import BaseCommand

from agencies.access_log import access_log_anchor, anchor_path


class Command(BaseCommand):
    help = "Record the access log's head (last entry, hash, count) in the anchor file."

    def handle(self, *args, **options) -> None:
        anchor = access_log_anchor()
        if anchor is None:
            self.stdout.write("The access log is empty: nothing to anchor.")
            return
        self.stdout.write(
            f"Anchored entry {anchor.last_id} ({anchor.count} entries) in {anchor_path()}."
        )
