from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.demo import DEMO_PASSWORD, demo_seed
from cases.demo import demo_cases_seed
from meetings.demo import demo_meeting_seed
from restrictions.demo import demo_restriction_seed


class Command(BaseCommand):
    help = "Create the demo partnership, agencies and one user per role (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a published password: DEBUG only.")
        logins = demo_seed()
        demo_cases_seed()
        demo_meeting_seed()
        demo_restriction_seed()
        self.stdout.write(self.style.SUCCESS("Demo logins (all with the password below):"))
        current = None
        for login in logins:
            if login.agency != current:
                current = login.agency
                self.stdout.write(f"\n  {current}")
            self.stdout.write(f"    {login.role:<20} {login.email}")
        self.stdout.write(f"\n  Password: {DEMO_PASSWORD}")
        self.stdout.write("  Demo mode: no two-factor code is asked for (DEBUG only).\n")
