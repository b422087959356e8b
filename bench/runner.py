"""The benchmark: the service as production runs it (gunicorn, DEBUG off) against the database
in DATABASE_URL, measured with concurrent clients, and the background jobs measured in-process.

Each page is first requested alone (one client, warm) to time its slowest SQL query, the
page's database floor; then N clients request it together for a number of rounds. Server-side
times come from the Server-Timing header (core.middleware.ServerTimingMiddleware), so they
exclude the time a request waits for a free gunicorn worker; client-side times are printed too.
"""

from __future__ import annotations

import http.client
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Count

from agencies.access_log import access_log_key
from agencies.models import Agency, Membership, Partnership, Role, User
from bench.client import Client, FormFields, Sample
from bench.synthetic import SYNTHETIC_PASSWORD, synthetic_email
from cases.models import Case, Network, Person

T = TypeVar("T")

PAGE_P95_MS = 300
DASHBOARD_MS = 1000
BACKGROUND_S = 60
MEMORY_MB = 512
# The baseline: a page with no record on it, through every middleware, the session and the
# base template. Every row's p50 is shown as a multiple of this page's p50.
STATIC_PAGE = "signed-in static page"
# A page showing one record should cost no more than this many static pages (p50 against
# p50): a goal shown beside the row, not a budget that fails it.
RECORD_PAGE_GOAL = 5
RECORD_PAGES = frozenset(
    {"child's case", "child's record", "chronology", "log a concern", "network view"}
)
# What the benchmark posts to log a concern (with the form's own fields).
CONCERN_NARRATIVE_BENCH = "Benchmark concern: seen with older males near the station."


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
            # The server chains access log entries under this process's key (made under DEBUG).
            "ACCESS_LOG_KEY": access_log_key().decode(),
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
        peaks = (process_memory_mb(pid=pid, field="VmHWM") for pid in self.pids())
        return max((peak for peak in peaks if peak is not None), default=0.0)

    def pids(self) -> list[int]:
        """The master's pid, then its workers' in order."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = children.read_text().split() if children.exists() else []
        return [self.process.pid, *sorted(int(pid) for pid in workers)]

    def rss_mb(self) -> dict[int, float]:
        """The resident memory of each gunicorn process now (VmRSS, not the VmHWM peak, so
        that memory given back shows as given back)."""
        sizes = {}
        for pid in self.pids():
            rss = process_memory_mb(pid=pid, field="VmRSS")
            if rss is not None:
                sizes[pid] = rss
        return sizes

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


def process_memory_mb(*, pid: int, field: str) -> float | None:
    """A memory figure of a process in MB from /proc (VmRSS now, VmHWM its peak); None when
    the process has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


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
    record_page: bool = False

    def quantile(self, q: float, attribute: str = "server_ms") -> float:
        return quantile([getattr(s, attribute) for s in self.samples], q)

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


def journeys(subjects: Subjects) -> dict[str, tuple]:
    """name -> (role, method, path, data, budget ms, a list page). The static page comes first:
    the others are compared with it."""
    case, child = subjects.case_id, subjects.child_id
    return {
        STATIC_PAGE: (Role.FRONTLINE, "GET", "/accessibility/", None, PAGE_P95_MS, False),
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
            data = concern_fields()
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
        for name, (role, method, path, data, budget, is_list) in journeys(self.subjects).items():
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
            rows.append(Row(name, samples, floor, budget, constant_queries=is_list,
                            record_page=name in RECORD_PAGES))  # fmt: skip
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


def concern_fields() -> dict[str, str]:
    """The concern the benchmark logs, beside the fields the form itself holds."""
    return {
        "concern-occurred_on": date.today().isoformat(),
        "concern-narrative": CONCERN_NARRATIVE_BENCH,
    }


def static_multiple(row: Row, static_p50: float) -> str:
    """The row's p50 as a multiple of the static page's p50, marked on a record page above the
    goal; a dash when there is no static page to compare with."""
    if not static_p50:
        return "–"
    multiple = round(row.quantile(0.5) / static_p50, 1)
    over = row.record_page and multiple > RECORD_PAGE_GOAL
    return f"{multiple:.1f}×" + (f" (over the {RECORD_PAGE_GOAL}× goal)" if over else "")


def table(rows: list[Row]) -> list[str]:
    static = next((row for row in rows if row.name == STATIC_PAGE), None)
    static_p50 = static.quantile(0.5) if static else 0.0
    lines = [
        "| page | requests | p50 ms | × static | p95 ms | p99 ms | client p95 ms | queries "
        "| main query ms | page/query | errors | budget | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        ratio = row.quantile(0.5) / row.floor_ms if row.floor_ms else 0
        budget = f"p95 < {row.budget_ms:.0f} ms" + (
            ", constant queries" if row.constant_queries else ""
        )
        if row.record_page:  # a goal beside the budget: the result does not depend on it
            budget += f"; goal ≤ {RECORD_PAGE_GOAL}× static"
        lines.append(
            f"| {row.name} | {len(row.samples)} | {row.quantile(0.5):.0f} "
            f"| {static_multiple(row, static_p50)} "
            f"| {row.quantile(0.95):.0f} | {row.quantile(0.99):.0f} "
            f"| {row.quantile(0.95, 'client_ms'):.0f} | {row.queries} | {row.floor_ms:.1f} "
            f"| {ratio:.1f} | {row.errors} | {budget} | {'PASS' if row.passed else 'FAIL'} |"
        )
    return lines


# The soak -----------------------------------------------------------------------------------
# Clients follow the journeys of real users, without pausing, for minutes: any server error,
# any broken journey (a 4xx, or a redirect where a page was expected), and any growth of the
# gunicorn processes' memory once warm.

SOAK_SECONDS = 600
SOAK_MEMORY_GROWTH = 0.10
# The journey of each client in turn: front-line workers are the most numerous users and the
# LSCB chair the fewest, so 8 clients are 3 front-line workers, 2 analysts, 2 safeguarding
# leads and 1 chair.
SOAK_PLAN = ("front-line", "analyst", "safeguarding lead", "chair",
             "front-line", "analyst", "front-line", "safeguarding lead")  # fmt: skip
JOURNEY_ROLES = {
    "front-line": Role.FRONTLINE,
    "analyst": Role.ANALYST,
    "safeguarding lead": Role.SAFEGUARDING_LEAD,
    "chair": Role.LSCB_CHAIR,
}
CONCERN_NARRATIVE = "Soak test concern: seen with older males near the station."


@dataclass(frozen=True)
class Step:
    """One thing a user does: open a page; or, with `form`, open the form, post its own fields
    with `data`, and open the page the answer redirects to."""

    page: str
    path: str
    data: dict[str, str] | None = None
    form: bool = False
    expect: int = 200


@dataclass
class Records:
    """Records a user may see, opened in turn: the soak logs concerns, and spreading them over
    many cases keeps one case from growing far beyond a real one."""

    cases: list[tuple[str, str]]  # (case, child) public ids
    surnames: list[str]
    suspects: list[str]
    networks: list[str]


def records_for(*, user: User, agency: Agency, limit: int = 20) -> Records:
    """Open cases and their children, suspects and the largest networks of `agency` that `user`
    may see (a restricted person is left out, as the pages would refuse it)."""
    from cases.selectors import case_list_visible, people_visible

    people = people_visible(user=user).filter(owner_agency=agency)
    cases = list(
        case_list_visible(user=user)
        .filter(owner_agency=agency, status=Case.Status.OPEN, child__in=people)
        .order_by("public_id")  # md5-made ids: a spread of busy and quiet cases
        .values_list("public_id", "child__public_id", "child__last_name")[:limit]
    )
    suspects = people.filter(kind="suspect").order_by("public_id")
    networks = (
        Network.objects.filter(owner_agency=agency, archived_at__isnull=True)
        .annotate(size=Count("members"))
        .order_by("-size", "pk")
    )
    return Records(
        cases=[(str(case), str(child)) for case, child, _ in cases],
        surnames=sorted({surname for _, _, surname in cases}) or ["Smith"],
        suspects=[str(pk) for pk in suspects.values_list("public_id", flat=True)[:limit]],
        networks=[str(pk) for pk in networks.values_list("public_id", flat=True)[:5]],
    )


def _nth(items: Sequence[T], n: int) -> T | None:
    return items[n % len(items)] if items else None


def journey_steps(*, journey: str, records: Records, n: int, subjects: Subjects) -> list[Step]:
    """The pages of a journey's n-th pass (records taken in turn, so passes differ)."""
    today = date.today()
    case = _nth(records.cases, n)
    search = Step("person search", "/people/search/", {"name": _nth(records.surnames, n)},
                  form=True)  # fmt: skip
    steps = [Step("home", "/")]
    if journey == "front-line":
        steps += [Step("case list", "/cases/")]
        if case:
            steps += [
                Step("child's case", f"/cases/{case[0]}/"),
                Step("chronology", f"/cases/{case[0]}/chronology/"),
                Step("child's record", f"/people/{case[1]}/"),
            ]
        steps += [
            search,
            Step("referral inbox", "/referrals/"),
            Step("task list", "/tasks/"),
        ]  # fmt: skip
        if case and n % 2 == 0:  # a concern every other pass: most work is reading
            steps.append(
                Step("log a concern", f"/cases/{case[0]}/concerns/new/", form=True, expect=302,
                     data={"concern-occurred_on": today.isoformat(),
                           "concern-narrative": CONCERN_NARRATIVE})
            )  # fmt: skip
    elif journey == "analyst":
        steps += [Step("network list", "/networks/")]
        if network := _nth(records.networks, n):
            steps.append(Step("network view", f"/networks/{network}/"))
        if suspect := _nth(records.suspects, n):
            steps += [
                Step("suspect's record", f"/people/{suspect}/"),
                Step("suspect's links", f"/people/{suspect}/graph/"),
            ]
        steps += [
            search,
            Step("problem profile", "/dashboard/problem-profile/"),
            Step("partnership dashboard", "/dashboard/"),
        ]  # fmt: skip
    elif journey == "safeguarding lead":
        steps += [
            Step("partnership dashboard", "/dashboard/"),
            Step("data quality", "/dashboard/data-quality/"),
            Step("returns", "/returns/"),
            Step("return jobs", "/returns/jobs/"),
            Step("case list", "/cases/"),
        ]
        if case:
            steps.append(Step("child's case", f"/cases/{case[0]}/"))
        steps.append(Step("referral inbox", "/referrals/"))
    elif journey == "chair":
        from reports.selectors import DASHBOARD_PANELS

        slugs = [slug for panel_slugs, _ in DASHBOARD_PANELS for slug in panel_slugs]
        agency = subjects.agencies[n % len(subjects.agencies)]
        year_ago = today.replace(year=today.year - 1, day=min(today.day, 28))
        steps += [
            Step("partnership dashboard", "/dashboard/"),
            Step("one agency's dashboard, a year",
                 f"/dashboard/?partnership={subjects.partnership.code}&agencies={agency.code}"
                 f"&start={year_ago.isoformat()}&end={today.isoformat()}"),
            Step("data quality", "/dashboard/data-quality/"),
            Step("problem profile", "/dashboard/problem-profile/"),
            Step("problem profile PDF", "/dashboard/problem-profile.pdf"),
            Step("dashboard table CSV", f"/dashboard/tables/{_nth(slugs, n)}.csv"),
        ]  # fmt: skip
    else:
        raise ValueError(f"No such journey: {journey}")
    return steps


@dataclass(frozen=True)
class Hit:
    """One answer of the soak; status 0 when none came (the connection failed)."""

    at: float  # seconds since the load began
    journey: str
    page: str
    status: int
    server_ms: float
    client_ms: float
    expected: bool

    @property
    def server_error(self) -> bool:
        return self.status >= 500 or self.status == 0

    @property
    def journey_error(self) -> bool:
        return not self.expected and not self.server_error


@dataclass
class SoakClient:
    journey: str
    email: str
    records: Records
    client: Client | None = None


def quantile(values: list[float], q: float) -> float:
    """The nearest-rank quantile; 0 when there is no value."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class MemorySample:
    at: float
    rss_mb: dict[int, float]


@dataclass
class SoakResult:
    seconds: float
    warmup: float
    clients: list[SoakClient]
    hits: list[Hit]
    memory: list[MemorySample]  # at the start, after warm-up, every interval, at the end
    master_pid: int

    @property
    def warm(self) -> MemorySample:
        return next(m for m in self.memory if m.at >= self.warmup)

    @property
    def end(self) -> MemorySample:
        return self.memory[-1]

    def growth(self) -> dict[int, float | None]:
        """Per process of the warm sample, (end - warm) / warm; None when it has gone."""
        return {
            pid: (self.end.rss_mb[pid] - rss) / rss if pid in self.end.rss_mb else None
            for pid, rss in self.warm.rss_mb.items()
        }

    def total_growth(self) -> float:
        warm, end = sum(self.warm.rss_mb.values()), sum(self.end.rss_mb.values())
        return (end - warm) / warm if warm else 0.0

    @property
    def replaced_workers(self) -> set[int]:
        """Workers that appeared or went after warm-up (a worker died or was recycled)."""
        return set(self.warm.rss_mb) ^ set(self.end.rss_mb)

    def criteria(self) -> list[tuple[str, str, str, bool]]:
        server = sum(h.server_error for h in self.hits)
        journey = sum(h.journey_error for h in self.hits)
        growth = [g for g in self.growth().values() if g is not None]
        worst = max(growth, default=0.0)
        replaced = self.replaced_workers
        return [
            ("server errors (5xx, no answer)", str(server), "0", server == 0),
            ("broken journeys (4xx, unexpected status)", str(journey), "0", journey == 0),
            ("memory growth after warm-up, worst process",
             f"{worst:+.1%}", f"< {SOAK_MEMORY_GROWTH:.0%}", worst < SOAK_MEMORY_GROWTH),
            ("memory growth after warm-up, all processes",
             f"{self.total_growth():+.1%}", f"< {SOAK_MEMORY_GROWTH:.0%}",
             self.total_growth() < SOAK_MEMORY_GROWTH),
            ("gunicorn processes replaced", str(len(replaced)), "0", not replaced),
        ]  # fmt: skip

    @property
    def passed(self) -> bool:
        return all(ok for *_, ok in self.criteria())


class Soak:
    def __init__(
        self, *, clients: int, seconds: float, warmup: float, every: float,
        out: Callable[[str], None],
    ) -> None:  # fmt: skip
        self.seconds, self.warmup, self.every, self.out = seconds, warmup, every, out
        self.subjects = subjects_find()
        self.clients = self.plan(count=clients)

    def plan(self, *, count: int) -> list[SoakClient]:
        """A client per journey in SOAK_PLAN order; within a journey, each client a user of
        its own (the partnership's agencies by size), shared only when users run out."""
        subjects = self.subjects
        cases = dict(
            Case.objects.filter(owner_agency__in=subjects.agencies)
            .values_list("owner_agency")
            .annotate(n=Count("id"))
        )
        by_size = sorted(subjects.agencies, key=lambda a: (-cases.get(a.pk, 0), a.code))
        order = {agency.pk: i for i, agency in enumerate(by_size)}
        users: dict[str, list[tuple[User, Agency]]] = {}
        for journey, role in JOURNEY_ROLES.items():
            memberships = Membership.objects.filter(
                role=role, agency__in=by_size, is_active=True, user__is_active=True
            ).select_related("user", "agency")
            users[journey] = sorted(
                ((m.user, m.agency) for m in memberships),
                key=lambda pair: (order[pair[1].pk], pair[0].email),
            )
            if not users[journey]:
                raise RuntimeError(f"No synthetic user for the {journey} journey: regenerate")
        planned, taken = [], dict.fromkeys(JOURNEY_ROLES, 0)
        for i in range(count):
            journey = SOAK_PLAN[i % len(SOAK_PLAN)]
            user, agency = users[journey][taken[journey] % len(users[journey])]
            taken[journey] += 1
            planned.append(SoakClient(journey, user.email, records_for(user=user, agency=agency)))
        return planned

    def sign_in(self, *, port: int) -> None:
        """Every client signs in; a client of a user already signed in takes that session (an
        authenticator code is accepted once)."""
        sessions: dict[str, Client] = {}
        for planned in self.clients:
            planned.client = Client(port)
            if planned.email in sessions:
                planned.client.cookies = dict(sessions[planned.email].cookies)
            else:
                planned.client.sign_in(planned.email)
                sessions[planned.email] = planned.client
            planned.client.retry = False

    def run(self, *, server: Server) -> SoakResult:
        self.sign_in(port=server.port)
        hits: list[Hit] = []  # appended from every thread: list.append is atomic
        started = time.monotonic()
        deadline = started + self.seconds

        def loop(planned: SoakClient) -> None:
            n = 0
            while time.monotonic() < deadline:
                steps = journey_steps(
                    journey=planned.journey, records=planned.records, n=n, subjects=self.subjects
                )
                for step in steps:
                    if time.monotonic() >= deadline:
                        return
                    hits.extend(self.do(planned=planned, step=step, started=started))
                n += 1

        memory = [MemorySample(0.0, server.rss_mb())]
        marks = sorted({self.warmup, *_every(every=self.every, seconds=self.seconds)} - {0.0})
        with ThreadPoolExecutor(len(self.clients)) as pool:
            futures = [pool.submit(loop, planned) for planned in self.clients]
            for mark in marks:
                time.sleep(max(0.0, started + mark - time.monotonic()))
                if mark < self.seconds:
                    memory.append(MemorySample(time.monotonic() - started, server.rss_mb()))
                    self.out(self.progress(hits, memory[-1]))
            for future in futures:
                future.result()
        memory.append(MemorySample(time.monotonic() - started, server.rss_mb()))
        return SoakResult(
            seconds=time.monotonic() - started,
            warmup=self.warmup,
            clients=self.clients,
            hits=hits,
            memory=memory,
            master_pid=server.process.pid,
        )

    @staticmethod
    def progress(hits: list[Hit], sample: MemorySample) -> str:
        errors = sum(not h.expected for h in hits)
        return (
            f"  {sample.at:5.0f} s: {len(hits)} requests, {errors} errors, "
            f"RSS {sum(sample.rss_mb.values()):.0f} MB"
        )

    def do(self, *, planned: SoakClient, step: Step, started: float) -> list[Hit]:
        """The requests of one step, each as a Hit; a failed connection is a Hit of status 0,
        and the step stops there."""
        client = planned.client
        done: list[Hit] = []

        def request(page: str, method: str, path: str, data=None, expect: int = 200):
            try:
                sample, content, location = client.request(page, method, path, data)
            except (http.client.HTTPException, OSError):
                done.append(Hit(time.monotonic() - started, planned.journey, page, 0,
                                0.0, 0.0, expected=False))  # fmt: skip
                return None, ""
            done.append(Hit(time.monotonic() - started, planned.journey, page, sample.status,
                            sample.server_ms, sample.client_ms,
                            expected=sample.status == expect))  # fmt: skip
            return (content, location) if sample.status == expect else (None, "")

        if not step.form:
            request(step.page, "GET", step.path, expect=step.expect)
            return done
        content, _ = request(f"{step.page} (form)", "GET", step.path)
        if content is None:
            return done
        parser = FormFields(step.path)
        parser.feed(content)
        content, location = request(
            step.page, "POST", step.path, parser.fields | (step.data or {}), expect=step.expect
        )
        if content is not None and location:
            request(f"{step.page} (result)", "GET", location)
        return done


def _every(*, every: float, seconds: float) -> list[float]:
    marks, mark = [], every
    while mark < seconds:
        marks.append(mark)
        mark += every
    return [*marks, seconds]


def soak_tables(result: SoakResult) -> list[str]:
    """The soak's figures as Markdown tables, the PASS/FAIL line last."""
    seconds = result.seconds
    lines = [
        f"Soak: {len(result.clients)} clients for {seconds:.0f} s "
        f"(memory compared from {result.warmup:.0f} s on), {len(result.hits)} requests, "
        f"{len(result.hits) / seconds:.1f} a second.",
        "",
        "| journey | clients | users | requests | a second | p50 ms | p95 ms | p99 ms "
        "| client p95 ms | 5xx | no answer | 4xx | other unexpected |",
        "| --- |" + " ---: |" * 12,
    ]
    journeys = list(dict.fromkeys(c.journey for c in result.clients))
    for journey in journeys:
        hits = [h for h in result.hits if h.journey == journey]
        server_ms = [h.server_ms for h in hits if h.status]
        clients = [c for c in result.clients if c.journey == journey]
        lines.append(
            f"| {journey} | {len(clients)} | {len({c.email for c in clients})} | {len(hits)} "
            f"| {len(hits) / seconds:.1f} | {quantile(server_ms, 0.5):.0f} "
            f"| {quantile(server_ms, 0.95):.0f} | {quantile(server_ms, 0.99):.0f} "
            f"| {quantile([h.client_ms for h in hits if h.status], 0.95):.0f} "
            f"| {sum(h.status >= 500 for h in hits)} | {sum(h.status == 0 for h in hits)} "
            f"| {sum(400 <= h.status < 500 for h in hits)} "
            f"| {sum(h.journey_error and not 400 <= h.status < 500 for h in hits)} |"
        )
    lines += [
        "",
        "| journey | page | requests | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for journey in journeys:
        pages = dict.fromkeys(h.page for h in result.hits if h.journey == journey)
        for page in pages:
            hits = [h for h in result.hits if h.journey == journey and h.page == page]
            server_ms = [h.server_ms for h in hits if h.status]
            lines.append(
                f"| {journey} | {page} | {len(hits)} | {quantile(server_ms, 0.5):.0f} "
                f"| {quantile(server_ms, 0.95):.0f} | {quantile(server_ms, 0.99):.0f} "
                f"| {sum(not h.expected for h in hits)} |"
            )
    pids = sorted(result.memory[0].rss_mb, key=lambda pid: (pid != result.master_pid, pid))
    pids += sorted({pid for m in result.memory for pid in m.rss_mb} - set(pids))
    names = {pid: "master" if pid == result.master_pid else f"worker {pid}" for pid in pids}
    lines += [
        "",
        "| at s | requests | p95 ms | errors | "
        + " | ".join(f"{names[p]} MB" for p in pids)
        + " | all MB |",
        "| ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in pids) + " | ---: |",
    ]
    previous = 0.0
    for sample in result.memory:
        hits = [h for h in result.hits if previous < h.at <= sample.at]
        server_ms = [h.server_ms for h in hits if h.status]
        sizes = " | ".join(f"{sample.rss_mb[p]:.0f}" if p in sample.rss_mb else "–" for p in pids)
        lines.append(
            f"| {sample.at:.0f} | {len(hits)} | {quantile(server_ms, 0.95):.0f} "
            f"| {sum(not h.expected for h in hits)} | {sizes} "
            f"| {sum(sample.rss_mb.values()):.0f} |"
        )
        previous = sample.at
    warm, end, growth = result.warm, result.end, result.growth()
    lines += [
        "",
        f"| process | RSS MB at {warm.at:.0f} s (warm) | RSS MB at {end.at:.0f} s (end) | growth |",
        "| --- | ---: | ---: | ---: |",
    ]
    for pid in pids:
        if pid not in warm.rss_mb:
            continue
        change = growth[pid]
        lines.append(
            f"| {names[pid]} | {warm.rss_mb[pid]:.0f} "
            f"| {end.rss_mb.get(pid, 0):.0f} "
            f"| {'gone' if change is None else f'{change:+.1%}'} |"
        )
    lines.append(
        f"| all | {sum(warm.rss_mb.values()):.0f} | {sum(end.rss_mb.values()):.0f} "
        f"| {result.total_growth():+.1%} |"
    )
    lines += ["", "| criterion | measured | budget | result |", "| --- | ---: | --- | --- |"]
    for name, measured, budget, ok in result.criteria():
        lines.append(f"| {name} | {measured} | {budget} | {'PASS' if ok else 'FAIL'} |")
    failed = [name for name, *_, ok in result.criteria() if not ok]
    lines += ["", f"Soak result: {'PASS' if result.passed else 'FAIL: ' + '; '.join(failed)}"]
    return lines
