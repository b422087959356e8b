"""Hostile input to every form: each page of the project is opened as a user who may use it,
every form on it (POST and GET) is read from the HTML, and hypothesis fills its fields with
markup, control characters, overlong text, impossible dates, huge numbers, choices that were
not offered and files of the wrong kind. Whatever is sent, the answer is never a server error;
a refused form says what is wrong, next to the field, and writes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Role
from agencies.roles import role_can
from core.models import Task
from referrals.models import Referral
from tests.agencies.test_url_matrix import (
    ROLE_SCOPED_URLS,
    SIGNED_IN_URLS,
    URL_RULES,
    AdministeredObject,
    RecordScoped,
    RoleScoped,
    administered_target_url,
)
from tests.conftest import sign_in
from tests.core.test_hostile_input import SCRIPT
from tests.factories import MembershipFactory
from tests.injected_failures import table_fingerprints as fingerprints_of_tables
from tests.worlds import record_world

pytestmark = pytest.mark.django_db

# Who opens a page that several roles may use: the role that can do most with it.
ROLE_ORDER = [Role.CSE_LEAD, Role.SUPERVISOR, Role.FRONTLINE, Role.ANALYST,
              Role.SAFEGUARDING_LEAD, Role.LSCB_CHAIR, Role.ADMINISTRATOR]  # fmt: skip

# Pages whose answer to a good POST is the page itself with a result, not a redirect.
RESULT_PAGES = {
    "cases:person-search",
    "indicators:assessment-preview",
    "cases:person-merge",
    "cases:association-new",
    # New recovery codes are shown once, in the answer to the POST that made them.
    "agencies:recovery-codes-new",
}

# Tables a refused form may still write to: the access log (opening a record is logged),
# sessions, and a second factor's count of failed codes.
WRITTEN_ON_REFUSAL = {
    "django_session",
    "agencies_accesslogentry",
    "otp_totp_totpdevice",
    "axes_accessattempt",
    "axes_accessfailurelog",
}

# Text columns that hold a code the application matches on, not something a person typed.
NOT_FREE_TEXT = {"password", "email", "role"}
PROJECT_APPS = {"agencies", "cases", "core", "indicators", "referrals", "reports", "interventions"}

TEXT = [
    "", " ", SCRIPT, "x" * 10_001, "nul \x00 byte", "2010-02-30", "31/12/2099", "9999-99-99",
    "-1", "1e309", "99999999999999999999999", "NaN", "=HYPERLINK(\"http://x\")", "' OR 1=1 --",
    "\u202eevil", "😀", "../../etc/passwd", "0x10", "2025-01-01T00:00", "a\r\nb",
]  # fmt: skip
FILES = st.tuples(
    st.sampled_from(["children.xlsx", "template.zip", "set.json", "set.yaml", "run.exe", "x"]),
    st.one_of(
        st.sampled_from([b"", b"PK\x03\x04broken", b"{}", b"not: [yaml", b"MZ\x90\x00", b"\xff"]),
        st.binary(max_size=300),
    ),
)


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.method} {self.action} " + ",".join(sorted({f["name"] for f in self.fields}))


class Forms(HTMLParser):
    """Every form of a page with its fields, their values and the options offered."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = Form(a.get("action") or self.page_path, (a.get("method") or "get").lower())
            self.forms.append(self.form)
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "image"):
            kind = a.get("type", "text")
            for existing in self.form.fields:
                if existing["name"] == a["name"] and kind in ("radio", "checkbox"):
                    existing["options"].append(a.get("value", "on"))
                    return
            self.form.fields.append({
                "name": a["name"], "kind": kind, "value": a.get("value") or "",
                "options": [a.get("value", "on")],
            })  # fmt: skip
        elif tag == "textarea":
            self.form.fields.append({"name": a["name"], "kind": "textarea", "value": ""})
        elif tag == "select":
            self.select = {"name": a["name"], "kind": "select", "value": "", "options": []}
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def forms_of(html: str, path: str) -> list[Form]:
    parser = Forms(path)
    parser.feed(html)
    return [f for f in parser.forms if not f.action.startswith("/sign-out/")]


def first_role(capability) -> Role:
    capabilities = capability if isinstance(capability, tuple) else (capability,)
    return next(r for r in ROLE_ORDER if any(role_can(r, c) for c in capabilities))


def pages() -> dict[str, tuple]:
    """URL name -> (path template, role, agency the user belongs to). POST-only URLs are
    reached through the pages that show their forms."""
    found: dict[str, tuple] = {"agencies:sign-in": ("/sign-in/", None, None)}
    for name, rule in URL_RULES.items():
        if isinstance(rule, RecordScoped) and rule.method == "get":
            found[name] = (rule.path, first_role(rule.capability), "owner")
        elif isinstance(rule, RoleScoped):
            found[name] = (ROLE_SCOPED_URLS[name], first_role(rule.capability), "owner")
        elif isinstance(rule, AdministeredObject) and rule.method == "get":
            # Users and memberships are managed from their own agency only.
            agency = "other" if rule.partnership_wide else "owner"
            found[name] = ("{administered}", Role.ADMINISTRATOR, agency)
        elif (
            name in SIGNED_IN_URLS
            and name not in ("reports:template-blank",)
            and URL_RULES[name].method == "get"
        ):
            found[name] = (SIGNED_IN_URLS[name], Role.CSE_LEAD, "owner")
    found["referrals:referral-detail"] = ("/referrals/{referral}/", Role.CSE_LEAD, "shared")
    found["referrals:referral-detail (sender)"] = ("/referrals/{draft}/", Role.CSE_LEAD, "owner")
    found["core:task-detail"] = ("/tasks/{task}/", Role.CSE_LEAD, "owner")
    return found


PAGES = pages()


def table_fingerprints() -> dict[str, tuple[int, int]]:
    return fingerprints_of_tables(excluded=WRITTEN_ON_REFUSAL)


def value_for(data, spec: dict):
    kind = spec["kind"]
    if spec["name"] == "csrfmiddlewaretoken":
        return spec["value"]
    if kind == "file":
        name, content = data.draw(FILES)
        return SimpleUploadedFile(name, content)
    if kind in ("radio", "select", "checkbox"):
        offered = [*spec["options"], ""] if kind != "checkbox" else spec["options"]
        choice = data.draw(st.one_of(st.sampled_from(offered), st.sampled_from(TEXT[:6])))
        return None if kind == "checkbox" and choice == "" else choice
    if kind == "hidden":
        return data.draw(st.one_of(st.just(spec["value"]), st.sampled_from(TEXT)))
    return data.draw(st.one_of(st.just(spec["value"]), st.sampled_from(TEXT), st.text(max_size=60)))


class World(tuple):
    """The records, their ids and the signed-in clients (shown short in a failure report)."""

    def __repr__(self) -> str:
        return "world"


@pytest.fixture
def world():
    built = record_world()
    ids = dict(built.ids)
    receiving, sending = Referral.objects.create(
        case_id=_case_pk(ids["case"]), from_agency=built.owner, to_agency=built.shared,
        urgency="urgent", reason="Seen with older men", asked_for="Assessment", status="sent",
    ), Referral.objects.create(
        case_id=_case_pk(ids["case"]), from_agency=built.owner, to_agency=built.candidate,
        urgency="routine", reason="Support", asked_for="Youth work", status="draft",
    )  # fmt: skip
    task = Task.objects.create(
        kind=Task.Kind.POSSIBLE_MATCH, agency=built.owner, role=Role.CSE_LEAD, title="Match"
    )
    ids |= {"referral": str(receiving.public_id), "draft": str(sending.public_id),
            "task": str(task.public_id)}  # fmt: skip
    return World((built, ids, {}))


def _case_pk(public_id: str) -> int:
    from cases.models import Case

    return Case.objects.get(public_id=public_id).pk


def client_for(world, role, relation) -> Client:
    built, _, clients = world
    if (role, relation) not in clients:
        client = Client()
        if role is not None:
            agency = getattr(built, relation)
            sign_in(client, MembershipFactory(role=role, agency=agency).user)
        clients[(role, relation)] = client
    return clients[(role, relation)]


def page_path(world, name: str) -> str:
    built, ids, _ = world
    template = PAGES[name][0]
    if template == "{administered}":
        ids.setdefault(name, administered_target_url(URL_RULES[name].target, built.owner))
        return ids[name]
    return template.format(**ids, current_set=_current_set())


def _current_set() -> str:
    from indicators.models import IndicatorSet

    return str(IndicatorSet.objects.get(is_current=True).public_id)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_form_answers_hostile_input_without_an_error_or_a_partial_write(world, name, data):
    """Each form of the page, filled with hostile values, is either accepted whole or refused
    with a message at each field named, and a refused form changes no row of any table."""
    _, role, relation = PAGES[name]
    client = client_for(world, role, relation)
    url = page_path(world, name)
    # Each example starts from the same records: what one accepted is rolled back.
    with transaction.atomic():
        try_forms(client, name, url, data)
        transaction.set_rollback(True)


def try_forms(client, name: str, url: str, data) -> None:
    page = client.get(url)
    assert page.status_code in (200, 302), (name, page.status_code)
    if page.status_code == 302 or not page["Content-Type"].startswith("text/html"):
        return
    forms = forms_of(page.content.decode(), url)
    if not forms:
        return
    form = data.draw(st.sampled_from(forms), label="form")
    values = {}
    for spec in form.fields:
        value = value_for(data, spec)
        if value is not None:
            values[spec["name"]] = value
    before = table_fingerprints() if form.method == "post" else None

    response = getattr(client, form.method)(form.action, values)

    assert response.status_code < 500, (name, form.key, response.status_code)
    if form.method != "post" or response.status_code != 200:
        return
    html = response.content.decode()
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if summary is None:
        assert _result_page(form.action), f"{form.key}: 200 with neither a result nor an error"
        return
    messages = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    assert messages, summary
    assert all(re.sub(r"<[^>]+>", "", m).strip() for m in messages), summary
    for target in re.findall(r'href="#([^"]+)"', summary.group(1)):
        assert f'id="{target}"' in html, f"{form.key}: the error names a field not on the page"
    assert "Traceback" not in html
    assert table_fingerprints() == before, f"{form.key}: a refused form wrote rows"


def _result_page(action: str) -> bool:
    from django.urls import resolve

    match = resolve(action.split("?")[0])
    return f"{match.namespace}:{match.url_name}" in RESULT_PAGES


def test_every_page_with_a_form_is_tried():
    """The pages tried cover every page URL of the matrix, so a new form is tried too."""
    gets = {n for n, r in URL_RULES.items() if isinstance(r, RecordScoped) and r.method == "get"}
    assert gets <= set(PAGES)
    assert set(ROLE_SCOPED_URLS) <= set(PAGES)


def poison_free_text() -> int:
    """Put the script into every free-text column of every row (as far as the column's length
    allows): names, notes, reasons, descriptions, history, reference data."""
    columns = 0
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model._meta.managed or model._meta.app_label not in PROJECT_APPS:
                continue
            for f in model._meta.concrete_fields:
                is_text = f.get_internal_type() in ("CharField", "TextField")
                if not is_text or f.choices or f.name in NOT_FREE_TEXT:
                    continue
                if f.max_length is not None and f.max_length < len("<script>alert"):
                    continue
                length = f.max_length or len(SCRIPT)
                if f.unique:
                    continue
                try:
                    with transaction.atomic():  # such a column is left as it is
                        cursor.execute(
                            f'UPDATE "{model._meta.db_table}" SET "{f.column}" = left(%s, %s) '  # noqa: S608
                            f'WHERE "{f.column}" IS NOT NULL',
                            [SCRIPT, length],
                        )
                except DatabaseError:  # unique, or append-only (the access log)
                    continue
                columns += 1
    return columns


@pytest.mark.parametrize("name", sorted(PAGES))
def test_script_in_every_free_text_column_is_shown_as_text_on_every_page(world, name):
    """Whatever free text a record holds, every page shows it escaped, never as markup."""
    _, role, relation = PAGES[name]
    client = client_for(world, role, relation)
    url = page_path(world, name)
    assert poison_free_text() > 50

    response = client.get(url)

    assert response.status_code in (200, 302), (name, response.status_code)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
