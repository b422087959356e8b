"""The benchmark runs the service as production does, against generated data, and prints its
table; the Server-Timing header carries durations and counts, never SQL."""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.test import override_settings

from agencies.models import User
from bench.client import Sample
from bench.runner import RECORD_PAGE_GOAL, RECORD_PAGES, STATIC_PAGE, Row, table
from bench.synthetic import SYNTHETIC_PASSWORD, Scale, synthetic_generate
from cases.models import Concern
from tests.factories import AgencyFactory, PartnershipFactory, member


@pytest.mark.django_db
def test_the_server_timing_header_gives_durations_and_query_counts_only(client, settings):
    from agencies.models import Role
    from tests.conftest import sign_in

    user = member(Role.FRONTLINE, AgencyFactory(partnerships=[PartnershipFactory()]))
    with override_settings(
        MIDDLEWARE=["core.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]
    ):
        sign_in(client, user)  # the client loads its middleware on its first request
        header = client.get("/cases/")["Server-Timing"]

    assert re.fullmatch(
        r"app;dur=[\d.]+, db;dur=[\d.]+, queries;desc=\d+, slowest;dur=[\d.]+", header
    )
    assert int(re.search(r"queries;desc=(\d+)", header).group(1)) > 0


@pytest.fixture
def small_synthetic(transactional_db):
    """A small synthetic partnership whose users sign in as the server would check them."""
    synthetic_generate(
        scale=Scale(partnerships=1, agencies=3, children=150, suspects=60, concerns=600,
                    missing_episodes=50, referrals=60, associations=100, locations=20,
                    assessments=10, shared_cases=10),
        seed=5, progress=lambda line: None,
    )  # fmt: skip
    # The suite hashes with MD5 for speed; the server runs with the production hasher.
    production_hash = PBKDF2PasswordHasher().encode(SYNTHETIC_PASSWORD, "synthetic")
    User.objects.filter(email__endswith="@synthetic.invalid").update(password=production_hash)


# The columns of the benchmark's table, by position.
COLUMNS = ["page", "requests", "p50 ms", "× static", "p95 ms", "p99 ms", "client p95 ms",
           "queries", "main query ms", "page/query", "errors", "budget", "result"]  # fmt: skip
P50, STATIC, ERRORS, BUDGET, RESULT = (
    COLUMNS.index(name) for name in ("p50 ms", "× static", "errors", "budget", "result")
)


def table_rows(out: str) -> dict[str, list[str]]:
    """The cells of each row of the Markdown tables in `out`, by the first cell."""
    return {
        cells[0]: cells
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }


def multiple(cell: str) -> float:
    """The number in a cell of the static multiple column, marked over the goal or not."""
    match = re.fullmatch(r"(\d+\.\d)×(?: \(over the \d+× goal\))?", cell)
    assert match, cell
    return float(match.group(1))


def test_each_page_is_a_multiple_of_the_static_page_and_the_goal_never_fails_a_row():
    """The static multiple column is each row's p50 over the static page's p50; a record page
    above the goal is marked, and its result is still decided by its budget alone."""

    def row(name: str, p50: float, **kwargs) -> Row:
        samples = [Sample(name, 200, p50, p50, 1.0, 3, 1.0) for _ in range(3)]
        return Row(name, samples, floor_ms=1.0, budget_ms=300, **kwargs)

    lines = table([
        row(STATIC_PAGE, 10),
        row("case list", 40, constant_queries=True),
        row("child's case", 79, record_page=True),
        row("chronology", 50, constant_queries=True, record_page=True),
    ])  # fmt: skip

    assert [c.strip() for c in lines[0].strip("|").split("|")] == COLUMNS
    rows = table_rows("\n".join(lines))
    assert rows[STATIC_PAGE][STATIC] == "1.0×"
    assert rows["case list"][STATIC] == "4.0×"
    assert rows["child's case"][STATIC] == f"7.9× (over the {RECORD_PAGE_GOAL}× goal)"
    assert rows["child's case"][BUDGET] == f"p95 < 300 ms; goal ≤ {RECORD_PAGE_GOAL}× static"
    assert rows["child's case"][RESULT] == "PASS"  # the goal is shown, never failed
    assert rows["chronology"][STATIC] == "5.0×"  # at the goal, not over it
    assert rows["chronology"][BUDGET] == (
        f"p95 < 300 ms, constant queries; goal ≤ {RECORD_PAGE_GOAL}× static"
    )
    assert rows["case list"][BUDGET] == "p95 < 300 ms, constant queries"
    # With no static page measured there is nothing to compare with.
    assert table_rows("\n".join(table([row("case list", 40)])))["case list"][STATIC] == "–"


@pytest.mark.server  # gunicorn workers connect to the database themselves
def test_the_benchmark_measures_every_page_with_no_errors(small_synthetic, capsys):

    call_command("bench", clients=2, rounds=1, workers=2, import_rows=0)

    out = capsys.readouterr().out
    rows = table_rows(out)
    assert rows["page"] == COLUMNS  # the header
    pages = [STATIC_PAGE, "sign-in (password, then code)", "case list", "person search",
             "child's case", "child's record", "chronology", "log a concern", "referral inbox",
             "task list", "partnership dashboard", "network view", "network list"]  # fmt: skip
    for page in pages:
        assert rows[page][ERRORS] == "0", (page, rows[page])
        assert float(rows[page][P50]) > 0  # a server-side p50 was read from the header
        assert multiple(rows[page][STATIC]) > 0, (page, rows[page])
        assert rows[page][RESULT] in ("PASS", "FAIL")
        assert ("goal ≤" in rows[page][BUDGET]) == (page in RECORD_PAGES), rows[page]
    # The baseline is the first page after sign-in, and a multiple of itself once.
    names = list(rows)
    assert names.index(STATIC_PAGE) == names.index("sign-in (password, then code)") + 1
    assert rows[STATIC_PAGE][STATIC] == "1.0×"
    assert rows[STATIC_PAGE][BUDGET] == "p95 < 300 ms"
    # Each multiple is the page's p50 over the static page's, within the rounding of the
    # table (p50s to the millisecond, multiples to a tenth).
    static_p50 = float(rows[STATIC_PAGE][P50])
    for page in pages:
        p50 = float(rows[page][P50])
        low, high = (p50 - 0.5) / (static_p50 + 0.5), (p50 + 0.5) / (static_p50 - 0.5)
        assert low - 0.05 <= multiple(rows[page][STATIC]) <= high + 0.05, (page, rows[page])
    assert "CEOP-style return, largest partnership" in rows
    assert "Peak memory: web process" in out


@pytest.mark.server  # gunicorn workers connect to the database themselves
def test_the_soak_runs_every_journey_with_no_errors_and_prints_memory_per_process(
    small_synthetic, capsys
):
    """Clients of the four journeys (front-line, analyst, safeguarding lead, LSCB chair) load
    the server for a few seconds: every answer is the one expected (a logged concern is
    saved), and the resident memory of the master and each worker is printed after warm-up
    and at the end, with the growth and a PASS/FAIL line per criterion."""
    concerns = Concern.objects.count()

    call_command("soak", seconds=12, clients=4, warmup=3, every=4, workers=2)

    out = capsys.readouterr().out
    rows = {
        tuple(cells[:2]) if len(cells) == 7 else cells[0]: cells
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    for journey in ("front-line", "analyst", "safeguarding lead", "chair"):
        assert int(rows[journey][3]) > 0, rows[journey]  # requests
        assert rows[journey][9:] == ["0", "0", "0", "0"], rows[journey]  # no error of any kind
        assert float(rows[journey][5]) > 0  # a server-side p50 was read from the header
    assert rows[("front-line", "log a concern")][6] == "0"
    assert Concern.objects.count() > concerns
    assert rows[("chair", "partnership dashboard")][6] == "0"
    assert rows["server errors (5xx, no answer)"][3] == "PASS"
    assert rows["broken journeys (4xx, unexpected status)"][3] == "PASS"
    assert rows["gunicorn processes replaced"][3] == "PASS"
    workers = [key for key in rows if isinstance(key, str) and key.startswith("worker ")]
    assert len(workers) == 2
    for process in ["master", *workers, "all"]:
        warm, end, growth = rows[process][1:4]
        assert float(warm) > 0
        assert float(end) > 0
        assert re.fullmatch(r"[+-]\d+\.\d%", growth)
    assert re.search(r"^Soak result: (PASS|FAIL: .+)$", out, re.MULTILINE)
