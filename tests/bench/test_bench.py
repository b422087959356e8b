"""The benchmark runs the service as production does, against generated data, and prints its
table; the Server-Timing header carries durations and counts, never SQL."""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.test import override_settings

from agencies.models import User
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


def test_the_benchmark_measures_every_page_with_no_errors(small_synthetic, capsys):

    call_command("bench", clients=2, rounds=1, workers=2, import_rows=0)

    out = capsys.readouterr().out
    rows = {
        cells[0]: cells
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    pages = ["sign-in (password, then code)", "case list", "person search", "child's case",
             "child's record", "chronology", "log a concern", "referral inbox",
             "partnership dashboard", "network view"]  # fmt: skip
    for page in pages:
        assert rows[page][9] == "0", (page, rows[page])  # the errors column
        assert float(rows[page][2]) > 0  # a server-side p50 was read from the header
    assert "CEOP-style return, largest partnership" in rows
    assert "Peak memory: web process" in out


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
