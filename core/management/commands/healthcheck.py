import json

from django.core.management.base import BaseCommand, CommandError

from core.health import health_status


class Command(BaseCommand):
    help = "Check the database and the broker; exit non-zero when either is unavailable."

    def handle(self, *args, **options) -> None:
        status = health_status()
        self.stdout.write(json.dumps(status))
        if any(value != "ok" for value in status.values()):
            raise CommandError("unhealthy")
