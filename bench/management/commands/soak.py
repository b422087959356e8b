"""python manage.py soak [--seconds 600] [--clients 8] [--warmup 60] [--every 30]"""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.runner import SOAK_PLAN, SOAK_SECONDS, Server, Soak, soak_tables


class Command(BaseCommand):
    help = (
        "Soak the service on the synthetic data set in DATABASE_URL: concurrent clients follow "
        "the front-line, analyst, safeguarding-lead and LSCB-chair journeys without pausing "
        "against gunicorn with production settings. Prints latencies per journey and page, "
        "errors, the resident memory of every gunicorn process over time, and a "
        "'Soak result: PASS' (or FAIL) line: zero server errors and broken journeys, memory "
        "growth under 10% after warm-up, no worker replaced."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seconds", type=float, default=SOAK_SECONDS)
        parser.add_argument(
            "--clients", type=int, default=len(SOAK_PLAN), help="Concurrent clients"
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
        parser.add_argument(
            "--warmup", type=float,
            help="Seconds before memory is compared (default: a tenth of --seconds)",
        )  # fmt: skip
        parser.add_argument(
            "--every", type=float, default=30, help="Seconds between memory samples"
        )

    def handle(self, *args, **options) -> None:
        seconds = options["seconds"]
        warmup = seconds / 10 if options["warmup"] is None else options["warmup"]
        if not 0 < warmup < seconds:
            raise CommandError("--warmup must be more than 0 and less than --seconds")
        started = time.monotonic()
        soak = Soak(
            clients=options["clients"],
            seconds=seconds,
            warmup=warmup,
            every=options["every"],
            out=self.stdout.write,
        )
        subjects = soak.subjects
        self.stdout.write(
            f"Largest partnership {subjects.partnership.code} ({len(subjects.agencies)} "
            f"agencies); {options['clients']} clients for {seconds:.0f} s, "
            f"{options['workers']} gunicorn workers:"
        )
        for planned in soak.clients:
            self.stdout.write(f"  {planned.journey}: {planned.email}")
        server = Server(options["workers"])
        try:
            server.wait()
            result = soak.run(server=server)
        except RuntimeError:
            self.stderr.write(server.errors())
            raise
        finally:
            errors = server.errors()
            server.stop()
        self.stdout.write("\n".join(["", *soak_tables(result)]))
        if any(hit.server_error for hit in result.hits) and errors.strip():
            self.stderr.write(f"The server's error output ends:\n{errors}")
        self.stdout.write(f"Soak took {time.monotonic() - started:.0f} s.")
