"""python manage.py bench [--clients 8] [--rounds 10] [--import-rows 50000]"""

import resource
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from bench.runner import MEMORY_MB, Bench, Server, table


class Command(BaseCommand):
    help = (
        "Measure the service on the synthetic data set in DATABASE_URL: page latencies (p50, "
        "p95, p99) and query counts with concurrent clients against gunicorn with production "
        "settings, each page's slowest query alone, the return and export of the largest "
        "partnership, a template import, and peak memory. Prints a table with pass/fail."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--rounds", type=int, default=10, help="Requests per client per page")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
        parser.add_argument(
            "--import-rows", type=int, default=50_000, help="Rows of the import measured (0: none)"
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        bench = Bench(
            clients=options["clients"],
            rounds=options["rounds"],
            workers=options["workers"],
            out=self.stdout.write,
        )
        subjects = bench.subjects
        self.stdout.write(
            f"Largest partnership {subjects.partnership.code} ({len(subjects.agencies)} "
            f"agencies); pages measured as users of {subjects.agency.code}, "
            f"{options['clients']} clients x {options['rounds']} requests a page."
        )
        server = Server(options["workers"])
        try:
            server.wait()
            rows = bench.measure(server.port)
            web_peak = server.peak_rss_mb()
        except RuntimeError:
            self.stderr.write(server.errors())
            raise
        finally:
            server.stop()
        self.stdout.write("\n".join(["", *table(rows), ""]))

        self.stdout.write("| background job | seconds | process peak RSS MB | result |")
        self.stdout.write("| --- | ---: | ---: | --- |")
        for name, seconds, peak, result in bench.background():
            self.stdout.write(f"| {name} | {seconds:.1f} | {peak:.0f} | {result} |")
        if options["import_rows"]:
            self.stdout.write(f"\nTemplate import of {options['import_rows']:,} rows:")
            call_command("bench_import", rows=options["import_rows"], stdout=self.stdout)
        worker_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"\nPeak memory: web process {web_peak:.0f} MB, background jobs "
            f"{worker_peak:.0f} MB (budget {MEMORY_MB} MB each): "
            f"{'PASS' if max(web_peak, worker_peak) < MEMORY_MB else 'FAIL'}"
        )
        self.stdout.write(f"Benchmark took {time.monotonic() - started:.0f} s.")
