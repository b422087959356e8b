"""The database restarts while people are using the service. gunicorn with production settings
runs against a PostgreSQL cluster of the test's own, which is stopped as a restart stops it
(`pg_ctl -m fast`, which ends every connection) and started again while signed-in people keep
opening pages and saving notes. Every answer meanwhile is the page or a clean "service
unavailable" page (503, nothing about the failure), none waits long, and the same gunicorn
processes serve every page again within seconds of the database coming back."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import psycopg
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.handlers.exception import convert_exception_to_response
from django.db import DataError, IntegrityError, OperationalError, ProgrammingError, connection
from django_otp.plugins.otp_totp.models import TOTPDevice

import bench.runner
from agencies.models import Role, User
from bench.client import Client
from bench.runner import Server
from bench.synthetic import SYNTHETIC_PASSWORD, SYNTHETIC_TOTP_KEY
from config.embedded_postgres import import_pgserver
from core.middleware import DatabaseUnavailableMiddleware
from tests.conftest import database_url_of_test_database
from tests.core.test_backup_restore import postgres_tool
from tests.factories import AgencyFactory, CaseFactory, ConcernFactory, PartnershipFactory, member

DATABASE = "cse"
READERS = 3
WARM_S = 1.5
OUTAGE_S = 3.0
RECOVERY_S = 30.0
# Every answer comes within this, the database away or not.
ANSWER_BOUND_S = 10.0
UNAVAILABLE_TITLE = "Sorry, the service is unavailable"
# Nothing about the failure reaches the page: no traceback, no driver or database message, no SQL.
LEAKS = re.compile(
    r"Traceback|OperationalError|InterfaceError|psycopg|django\.db|\bSELECT\b|\bINSERT\b|"
    r"PGSQL|connection to server|terminating connection",
    re.IGNORECASE,
)


class Cluster:
    """A PostgreSQL cluster of this test's own (pgserver's binaries), so that stopping it
    disturbs no other test. It listens on a Unix socket only, and starts again on the same
    socket, so the DATABASE_URL the app was given stays valid."""

    def __init__(self, root: Path) -> None:
        pgserver = import_pgserver()  # first: it keeps platformdirs' warning quiet
        from pgserver._commands import pg_ctl

        self._pg_ctl = pg_ctl
        self.pgdata = root / "pg"
        self.server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@{quote(self.socket_dir, safe='')}/{database}"

    def pg_ctl(self, *args: str) -> None:
        self._pg_ctl(["-w", *args], pgdata=self.pgdata, user=self.server.system_user, timeout=60)

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        self.pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}",
                    "-l", str(self.pgdata / "log"), "start")  # fmt: skip

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()


@pytest.fixture
def cluster():
    # Not under pytest's tmp_path: each pytest session that starts takes group and other
    # access off its root folder, and the system user pgserver runs PostgreSQL as (when the
    # suite runs as root) could then no longer reach the data folder to start it again.
    root = Path(tempfile.mkdtemp(prefix="cse-restart-"))
    made = None
    try:
        made = Cluster(root)
        yield made
    finally:
        if made is not None and made.running():
            with contextlib.suppress(subprocess.SubprocessError):
                made.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# Per-column options (ALTER TABLE ... ALTER COLUMN ... SET (...)): the suite's server may be
# another build than the bundled PostgreSQL 16 and give columns options that this one refuses
# (the one on 127.0.0.1:5432 in CI tags each column with pg_attver). The test needs none.
COLUMN_OPTIONS = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);$", re.M)


def copy_test_database_into(cluster: Cluster, dump: Path) -> None:
    """The test database's schema and rows, through pg_dump and psql."""
    subprocess.run(
        [postgres_tool("pg_dump"), "--format=plain", "--no-owner", "--no-privileges",
         f"--file={dump}", database_url_of_test_database()],
        check=True, timeout=120,
    )  # fmt: skip
    dump.write_text(COLUMN_OPTIONS.sub("", dump.read_text()))
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [postgres_tool("psql"), "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1",
         f"--file={dump}", cluster.url()],
        check=True, timeout=120, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def person_who_signs_in(agency) -> User:
    """A CSE lead with the benchmark client's password and authenticator key, the password
    hashed as production hashes it (the suite's fast hasher is not enabled on the server)."""
    user = member(Role.CSE_LEAD, agency)
    user.password = PBKDF2PasswordHasher().encode(SYNTHETIC_PASSWORD, f"restart{user.pk}")
    user.save(update_fields=["password"])
    TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True, key=SYNTHETIC_TOTP_KEY
    )
    return user


@dataclass
class Answer:
    """One request: when it was sent, how long the answer took, what came back."""

    who: str
    method: str
    path: str
    sent: float
    took: float
    status: int  # 0: no HTTP answer (the connection dropped or the wait ran out)
    body: str
    retry_after: str | None = None
    location: str = ""
    note: str = ""


def fetch(client: Client, who: str, method: str, path: str, data: dict | None = None) -> Answer:
    """A request with the signed-in client's cookies, as bench.client.Client sends one, with a
    bound on the wait, the response headers kept, and no second attempt after a failure."""
    origin = f"https://127.0.0.1:{client.port}"
    headers = {
        "X-Forwarded-Proto": "https",
        "Origin": origin,
        "Referer": origin + path,
        "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
    }
    body = None
    if data is not None:
        body = urlencode(data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=ANSWER_BOUND_S)
    sent = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
    except (http.client.HTTPException, OSError) as error:
        return Answer(who, method, path, sent, time.monotonic() - sent, 0, repr(error))
    finally:
        connection.close()
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        client.cookies[name.strip()] = rest.split(";", 1)[0]
    return Answer(
        who, method, path, sent, time.monotonic() - sent, response.status, content,
        response.headers.get("Retry-After"), response.headers.get("Location", ""),
    )  # fmt: skip


def is_page(answer: Answer, chronology: str) -> bool:
    """The page asked for: a reader's page, or a note saved and the chronology shown next."""
    if answer.method == "POST":
        return answer.status == 302 and answer.location == chronology
    return answer.status == 200


def is_clean_unavailable(answer: Answer, personal: list[str]) -> bool:
    return (
        answer.status == 503
        and UNAVAILABLE_TITLE in answer.body
        and (answer.retry_after or "").isdigit()
        and not LEAKS.search(answer.body)
        and not any(text in answer.body for text in personal)
    )


def describe(answer: Answer) -> str:
    return f"{answer.who} {answer.method} {answer.path} -> {answer.status}: {answer.body[:600]}"


class Load:
    """Signed-in people opening pages and saving notes without pause, each in a thread of its
    own; every answer is kept."""

    def __init__(self, readers: list[Client], writer: Client, pages: list[str], note_path: str):
        self.readers, self.writer, self.pages, self.note_path = readers, writer, pages, note_path
        self.note_form = writer.form(note_path)
        assert "csrfmiddlewaretoken" in self.note_form, self.note_form
        self.answers: list[Answer] = []
        self.running = threading.Event()
        self.threads = [
            threading.Thread(target=self.read, args=(n,)) for n in range(len(readers))
        ] + [threading.Thread(target=self.write)]

    def read(self, n: int) -> None:
        for path in itertools.cycle(self.pages[n:] + self.pages[:n]):
            if not self.running.is_set():
                return
            self.answers.append(fetch(self.readers[n], f"reader {n}", "GET", path))

    def write(self) -> None:
        for n in itertools.count():
            if not self.running.is_set():
                return
            self.answers.append(self.note(f"Restart test note {n}: spoke to the school."))
            time.sleep(0.1)

    def note(self, text: str) -> Answer:
        answer = fetch(
            self.writer, "writer", "POST", self.note_path, self.note_form | {"text": text}
        )
        answer.note = text
        return answer

    def __enter__(self) -> Load:
        self.running.set()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join(ANSWER_BOUND_S + 5)


@pytest.mark.server
def test_the_service_answers_cleanly_while_the_database_restarts_and_recovers_by_itself(
    transactional_db, cluster, tmp_path, monkeypatch
):
    """While the database is stopped, every page and every save answers at once with the
    "service unavailable" page (503, Retry-After, no details, no personal data), each logged
    with the error's class and no SQL or personal data; the people stay signed in; within
    seconds of the database being back, every page answers again from the same gunicorn
    master and workers, a note saved then is kept and shown, and no note is ever half saved."""
    agency = AgencyFactory(partnerships=[PartnershipFactory()])
    case = CaseFactory(
        owner_agency=agency, child__first_name="Tegan", child__last_name="Quillfeather"
    )
    ConcernFactory(case=case)
    people = [person_who_signs_in(agency) for _ in range(READERS + 1)]
    copy_test_database_into(cluster, tmp_path / "cse.sql")
    case_path = f"/cases/{case.public_id}/"
    chronology = f"{case_path}chronology/"

    # The server's database is the cluster's copy, not the test database.
    monkeypatch.setattr(bench.runner, "_database_url", cluster.url)
    monkeypatch.setenv("ACCESS_LOG_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    server = Server(workers=2)
    try:
        server.wait()
        clients = [Client(server.port) for _ in people]
        for client, person in zip(clients, people, strict=True):
            client.sign_in(person.email)
        processes = server.pids()
        assert len(processes) == 3, processes  # the master and two workers

        pages = ["/cases/", case_path, chronology, "/dashboard/", "/"]
        load = Load(clients[:-1], clients[-1], pages, f"{case_path}notes/new/")
        recovered = False
        with load:
            time.sleep(WARM_S)
            stopping = time.monotonic()
            cluster.stop("fast")
            stopped = time.monotonic()
            time.sleep(OUTAGE_S)
            starting = time.monotonic()
            cluster.start()
            started = time.monotonic()
            # Recovered: every client has had three pages since the last failure. Counted, not
            # timed, so that a loaded machine (fewer answers a second) cannot fail the test.
            while time.monotonic() < started + RECOVERY_S and not recovered:
                time.sleep(0.25)
                now = list(load.answers)
                failures = [a.sent + a.took for a in now if not is_page(a, chronology)]
                since = Counter(a.who for a in now if a.sent > max(failures, default=started))
                everyone = {a.who for a in now}
                recovered = set(since) == everyone and min(since.values(), default=0) >= 3
        answers = load.answers
        server.log.seek(0)
        log = server.log.read().decode("utf-8", "replace")

        assert not any(t.is_alive() for t in load.threads), "a request never came back"
        before = [a for a in answers if a.sent + a.took < stopping]
        assert before
        assert all(is_page(a, chronology) for a in before), [
            describe(a) for a in before if not is_page(a, chronology)
        ][:3]
        personal = [case.child.first_name, case.child.last_name, case.reference]
        personal += [a.note for a in answers if a.note]
        failed = [a for a in answers if not is_page(a, chronology)]
        unclean = [a for a in failed if not is_clean_unavailable(a, personal)]
        assert not unclean, ([describe(a) for a in unclean[:3]], log[-3000:])
        assert max(a.took for a in answers) < ANSWER_BOUND_S
        down = [a for a in answers if stopped <= a.sent and a.sent + a.took < starting]
        assert len(down) >= 10, len(down)
        assert {a.status for a in down} == {503}
        # Each 503 is logged with the error's class; no error got past Django to gunicorn;
        # no SQL and nothing a person typed or was recorded as is in the log.
        assert len(
            re.findall(r"Database unavailable \((Operational|Interface)Error\)", log)
        ) >= len(failed)
        assert "Error handling request" not in log
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", log)
        assert not any(text in log for text in personal)

        assert recovered, f"pages still failing {RECOVERY_S} s after the database was back"
        back = max(a.sent + a.took for a in failed)
        after = Counter(a.who for a in answers if a.sent > back)
        assert set(after) == {a.who for a in answers}, after
        assert min(after.values()) >= 3, after
        assert server.process.poll() is None
        assert server.pids() == processes, "gunicorn or one of its workers was restarted"

        # A note saved after the restart is kept and shown.
        saved = load.note("Saved after the database came back.")
        assert is_page(saved, chronology), describe(saved)
        shown = fetch(clients[-1], "writer", "GET", chronology)
        assert shown.status == 200
        assert saved.note in shown.body
    finally:
        server.stop()

    # Each note is kept whole (the note and its history) or not at all, and each one the
    # server said was saved is kept.
    with psycopg.connect(cluster.url()) as db:
        notes = Counter(text for (text,) in db.execute("SELECT text FROM cases_casenote"))
        histories = Counter(
            text for (text,) in db.execute("SELECT text FROM cases_historicalcasenote")
        )
    posted = [a for a in [*answers, saved] if a.note]
    for answer in posted:
        assert notes[answer.note] == histories[answer.note] <= 1, describe(answer)
        if is_page(answer, chronology):
            assert notes[answer.note] == 1, describe(answer)
    refused = [a for a in posted if a.status == 503]
    assert refused, "no note was sent while the database was away"
    print(
        f"\n{len(answers)} answers; {len(failed)} were the 503 page, {len(down)} of them while "
        f"the database was down; {len(refused)} notes answered 503, "
        f"{sum(notes[a.note] for a in refused)} of them saved whole all the same; the database "
        f"took {started - starting:.1f} s to start; every page answered again "
        f"{back - starting:.2f} s after the start began; slowest answer "
        f"{max(a.took for a in answers):.2f} s"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("error", [IntegrityError, ProgrammingError, DataError, OperationalError])
def test_a_query_the_database_refuses_is_a_server_error_not_the_unavailable_page(rf, error):
    """Only a failed or lost connection is the database being away: an error the database
    gives on a working connection (a constraint, a bad query, a timeout) is not hidden."""
    connection.ensure_connection()

    def view(request):
        raise error("refused")

    middleware = DatabaseUnavailableMiddleware(view)
    with pytest.raises(error):
        middleware(rf.get("/cases/"))
    assert middleware.process_exception(rf.get("/cases/"), error("refused")) is None


def test_a_session_that_cannot_be_saved_because_the_database_went_away_is_a_503_not_a_400(
    rf, monkeypatch
):
    """The database can go away between the view and the session's save at the end of the
    request: Django calls that an interrupted session (400); it answers as unavailable."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from core.middleware import SessionMiddleware

    monkeypatch.setattr("core.middleware.connection", SimpleNamespace(connection=None))

    def save(self, must_create=False):
        # What Django's database session store does when the connection fails on saving.
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            raise UpdateError from None

    monkeypatch.setattr(SessionStore, "save", save)

    def view(request):
        request.session["seen"] = True
        return HttpResponse("page")

    handler = DatabaseUnavailableMiddleware(
        convert_exception_to_response(SessionMiddleware(convert_exception_to_response(view)))
    )
    response = handler(rf.get("/cases/"))
    assert response.status_code == 503
    assert UNAVAILABLE_TITLE in response.content.decode()


@pytest.mark.parametrize("raised_in", ["the view", "a later middleware"])
def test_a_lost_connection_answers_with_the_unavailable_page_made_without_the_database(
    rf, monkeypatch, raised_in
):
    """A lost connection answers with the 503 page whether the view raised it or a later
    middleware did (which Django first turns into the server-error page); the page is made
    without the database (this test may not use it) and shows nothing of the error."""
    monkeypatch.setattr("core.middleware.connection", SimpleNamespace(connection=None))

    def view(request):
        raise OperationalError('connection to server on socket "/run/x" failed: SELECT secret')

    inner = view if raised_in == "the view" else convert_exception_to_response(view)
    response = DatabaseUnavailableMiddleware(inner)(rf.get("/cases/"))

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert UNAVAILABLE_TITLE in page
    assert not LEAKS.search(page)
    assert "secret" not in page
