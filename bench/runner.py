"""The benchmark: the service as production runs it (gunicorn, DEBUG off) against the database
in DATABASE_URL, measured with concurrent clients, and the background jobs measured in-process.

Each page is first requested alone (one client, warm) to time its slowest SQL query, the
page's database floor; then N clients request it together for a number of rounds. Server-side
times come from the Server-Timing header (core.middleware.ServerTimingMiddleware), so they
exclude the time a request waits for a free gunicorn worker; client-side times are printed too.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Count

from agencies.models import Agency, Membership, Partnership, Role
from bench.client import Client, Sample
from bench.synthetic import SYNTHETIC_PASSWORD, synthetic_email
from cases.models import Case, Network, Person

PAGE_P95_MS = 300
DASHBOARD_MS = 1000
BACKGROUND_S = 60
MEMORY_MB = 512


@dataclass
class Subjects:
    """The records and people of the largest partnership the pages are measured on."""

    partnership: Partnership
    agency: Agency
    agency_n: int
    case_id: str
    child_id: str
    network_id: str
    surname: str
    agencies: list[Agency] = field(default_factory=list)


def agency_number(agency: Agency) -> int:
    """The n of a synthetic agency's code, syn-a{n:04d}."""
    return int(agency.code.rsplit("a", 1)[-1])


def subjects_find() -> Subjects:
    """The partnership with the most cases, its agency with the most, the busiest child."""
    busiest = (
        Case.objects.filter(owner_agency__code__startswith="syn-a")
        .values("owner_agency")
        .annotate(cases=Count("id"))
        .order_by("-cases")
        .first()
    )
    if busiest is None:
        raise RuntimeError("No synthetic data: run python manage.py generate_synthetic first")
    agency = Agency.objects.get(pk=busiest["owner_agency"])
    partnership = agency.partnerships.get()
    case = (
        Case.objects.filter(owner_agency=agency)
        .annotate(concern_count=Count("concerns"))
        .order_by("-concern_count")
        .select_related("child")
        .first()
    )
    network = (
        Network.objects.filter(owner_agency=agency)
        .annotate(size=Count("members"))
        .order_by("-size")
        .first()
    )
    surname = (
        Person.objects.filter(owner_agency=agency, kind="child")
        .values_list("last_name", flat=True)
        .first()
    )
    return Subjects(
        partnership=partnership,
        agency=agency,
        agency_n=agency_number(agency),
        case_id=str(case.public_id),
        child_id=str(case.child.public_id),
        network_id=str(network.public_id) if network else "",
        surname=surname or "Smith",
        agencies=list(partnership.agencies.all()),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on a free port with production settings, as the Dockerfile runs it."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = os.environ | {
            "DEBUG": "false",
            "DEMO_MODE": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-" + "x" * 40,
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_TLS_PROXY": "true",
            "STATIC_MANIFEST": "false",
            "SERVER_TIMING": "true",
            "LOG_LEVEL": "WARNING",
            # The database this process uses (under pytest, the test database).
            "DATABASE_URL": _database_url(),
        }
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no input
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "300", "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory of the gunicorn processes (VmHWM)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        peaks = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)

    def errors(self) -> str:
        """The end of the server's error output, to explain a failed request."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user, password = quote(db["USER"] or "", safe=""), quote(db.get("PASSWORD") or "", safe="")
    host = quote(db.get("HOST") or "localhost", safe="")  # a socket directory is a path
    return f"postgres://{user}:{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class Row:
    name: str
    samples: list[Sample]
    floor_ms: float
    budget_ms: float
    constant_queries: bool = False

    def quantile(self, q: float, attribute: str = "server_ms") -> float:
        values = sorted(getattr(s, attribute) for s in self.samples)
        if not values:
            return 0.0
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    @property
    def queries(self) -> str:
        counts = {s.queries for s in self.samples}
        return str(min(counts)) if len(counts) == 1 else f"{min(counts)}-{max(counts)}"

    @property
    def errors(self) -> int:
        """Answers that were not a page or a redirect (a refused form counts too)."""
        return sum(s.status >= 400 for s in self.samples)

    @property
    def passed(self) -> bool:
        ok = self.quantile(0.95) < self.budget_ms and not self.errors
        if self.constant_queries:
            ok = ok and len({s.queries for s in self.samples}) == 1
        return ok


def _journeys(subjects: Subjects) -> dict[str, tuple]:
    """name -> (role, method, path, data, budget ms, a list page)."""
    case, child = subjects.case_id, subjects.child_id
    return {
        "case list": (Role.FRONTLINE, "GET", "/cases/", None, PAGE_P95_MS, True),
        "person search": (Role.FRONTLINE, "POST", "/people/search/",
                          {"name": subjects.surname}, PAGE_P95_MS, True),
        "child's case": (Role.FRONTLINE, "GET", f"/cases/{case}/", None, PAGE_P95_MS, False),
        "child's record": (Role.FRONTLINE, "GET", f"/people/{child}/", None, PAGE_P95_MS, False),
        "chronology": (Role.FRONTLINE, "GET", f"/cases/{case}/chronology/", None,
                       PAGE_P95_MS, True),
        "log a concern": (Role.FRONTLINE, "POST", f"/cases/{case}/concerns/new/",
                          "concern", PAGE_P95_MS, False),
        "referral inbox": (Role.CSE_LEAD, "GET", "/referrals/", None, PAGE_P95_MS, True),
        "task list": (Role.CSE_LEAD, "GET", "/tasks/", None, PAGE_P95_MS, True),
        "partnership dashboard": (Role.SAFEGUARDING_LEAD, "GET", "/dashboard/", None,
                                  DASHBOARD_MS, False),
        "network view": (Role.CSE_LEAD, "GET", f"/networks/{subjects.network_id}/", None,
                         PAGE_P95_MS, False),
        "network list": (Role.CSE_LEAD, "GET", "/networks/", None, PAGE_P95_MS, True),
    }  # fmt: skip


class Bench:
    def __init__(self, *, clients: int, rounds: int, workers: int, out) -> None:
        self.clients, self.rounds, self.workers, self.out = clients, rounds, workers, out
        self.subjects = subjects_find()

    def user_email(self, role: str, k: int = 1) -> str:
        return synthetic_email(self.subjects.agency_n, role, k)

    def signed_in_clients(self, port: int, role: str) -> list[Client]:
        """One client per concurrent user. Users of the same role in the same agency are few,
        so clients of one role share sign-ins by copying the session cookie."""
        first = Client(port)
        first.sign_in(self.user_email(role))
        clients = [first]
        for _ in range(self.clients - 1):
            client = Client(port)
            client.cookies = dict(first.cookies)
            clients.append(client)
        return clients

    def post_fields(self, client: Client, path: str, data: dict | str) -> dict:
        """The form's own fields (CSRF token, formset counts) once per client, then `data`."""
        if path not in client.forms:
            client.forms[path] = client.form(path)
        if data == "concern":
            data = {
                "concern-occurred_on": date.today().isoformat(),
                "concern-narrative": "Benchmark concern: seen with older males near the station.",
            }
        return client.forms[path] | data

    def measure(self, port: int) -> list[Row]:
        rows = []
        sign_ins = []
        # Sign-in: every client signs in as a user of its own, all at once.
        people = [
            synthetic_email(agency_number(agency), role, k)
            for agency in self.subjects.agencies
            for role, k in (("frontline", 2), ("supervisor", 1), ("analyst", 1))
        ][: self.clients * 2]
        with ThreadPoolExecutor(self.clients) as pool:
            for samples in pool.map(lambda email: Client(port).sign_in(email), people):
                sign_ins += samples
        # Its floor is the password hash (PBKDF2, as strong as Django recommends), not SQL.
        started = time.perf_counter()
        make_password(SYNTHETIC_PASSWORD)
        floor = (time.perf_counter() - started) * 1000
        rows.append(Row("sign-in (password, then code)", sign_ins, floor, PAGE_P95_MS))
        self.out(f"  sign-in: {len(sign_ins)} requests")

        clients_by_role: dict[str, list[Client]] = {}
        for name, (role, method, path, data, budget, is_list) in _journeys(self.subjects).items():
            if "None" in path or path.endswith("//"):
                continue
            clients = clients_by_role.get(role) or self.signed_in_clients(port, role)
            clients_by_role[role] = clients

            def payload(client: Client, method=method, path=path, data=data):
                return self.post_fields(client, path, data) if method == "POST" else None

            # Alone and warm: the floor is the slowest query of the page.
            alone = [clients[0].request(name, method, path, payload(clients[0]))[0]
                     for _ in range(3)]  # fmt: skip
            floor = statistics.median(s.slowest_ms for s in alone)

            def run(client: Client, method=method, path=path, payload=payload, name=name):
                return [
                    client.request(name, method, path, payload(client))[0]
                    for _ in range(self.rounds)
                ]

            samples: list[Sample] = []
            with ThreadPoolExecutor(self.clients) as pool:
                for result in pool.map(run, clients):
                    samples += result
            rows.append(Row(name, samples, floor, budget, constant_queries=is_list))
            self.out(f"  {name}: {len(samples)} requests")
        return rows

    def background(self) -> list[tuple[str, float, float, str]]:
        """The return and the export of the largest partnership, as the worker runs them."""
        from reports.ceop import ceop_return
        from reports.template_export import template_rows, template_workbook

        subjects = self.subjects
        lead = Membership.objects.get(
            user__email=self.user_email(Role.SAFEGUARDING_LEAD), agency=subjects.agency
        ).user
        agencies = subjects.agencies
        start, end = date(2009, 4, 1), date.today()
        results = []
        started = time.perf_counter()
        ceop_return(start=start, end=end, agency_codes=[a.code for a in agencies],
                    agency_ids=[a.pk for a in agencies])  # fmt: skip
        results.append(("CEOP-style return, largest partnership", time.perf_counter() - started))
        started = time.perf_counter()
        tables = template_rows(user=lead, start=start, end=end, agencies=agencies)
        size = len(template_workbook(tables))
        results.append((f"template export ({size / 2**20:.1f} MB)", time.perf_counter() - started))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return [(name, seconds, peak, "PASS" if seconds < BACKGROUND_S else "FAIL")
                for name, seconds in results]  # fmt: skip


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| page | requests | p50 ms | p95 ms | p99 ms | client p95 ms | queries "
        "| main query ms | page/query | errors | budget | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        ratio = row.quantile(0.5) / row.floor_ms if row.floor_ms else 0
        budget = f"p95 < {row.budget_ms:.0f} ms" + (
            ", constant queries" if row.constant_queries else ""
        )
        lines.append(
            f"| {row.name} | {len(row.samples)} | {row.quantile(0.5):.0f} "
            f"| {row.quantile(0.95):.0f} | {row.quantile(0.99):.0f} "
            f"| {row.quantile(0.95, 'client_ms'):.0f} | {row.queries} | {row.floor_ms:.1f} "
            f"| {ratio:.1f} | {row.errors} | {budget} | {'PASS' if row.passed else 'FAIL'} |"
        )
    return lines
