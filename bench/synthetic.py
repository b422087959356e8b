"""Synthetic partnership data at any scale, reproducible from a seed.

Rows are made inside PostgreSQL (INSERT ... SELECT over generate_series, with random() seeded
by setseed), so that the national data set (300,000 children, 3,000,000 concerns) takes minutes
rather than hours. Every column the code does not set is filled from the model's own default,
so a new field with a default needs no change here; a new required field without one stops the
generation with its name. History rows are written for every record, naming the seed.

Shapes follow what the CEOP assessment describes: a few large agencies hold most children
(owner chosen with a squared random number), most victims are girls aged 13 to 16, suspects are
mostly men, each child has about ten concerns, and referrals are in every state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models.fields import NOT_PROVIDED

from agencies import services as agency_services
from agencies.models import Agency, Membership, Partnership, Role, User
from cases import normalise
from cases.models import (
    Association,
    Case,
    CaseGrant,
    Concern,
    Location,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
    PersonGrant,
    PersonLocation,
    PersonMatchKey,
)
from indicators.models import AssessmentResponse, RiskAssessment
from indicators.selectors import indicator_set_current
from referrals.models import Referral

SYNTHETIC_PASSWORD = "synthetic-data-only"  # noqa: S105 - a benchmark account, never a real one
# Every synthetic user's authenticator key, so that the benchmark can sign in (RFC 6238).
SYNTHETIC_TOTP_KEY = "3132333435363738393031323334353637383930"
CODE_PREFIX = "syn"

FIRST_NAMES_F = (
    "Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence "
    "Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper "
    "Matilda Ruby Emilia Maya Millie Isabelle Eva Luna Jessica Aria Chloe Esme Scarlett Layla "
    "Mila Holly Lucy Imogen Amber Jade Chelsea Courtney Demi Leah Paige Shannon Kayleigh Tia"
).split()
FIRST_NAMES_M = (
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy "
    "Alexander Adam Ibrahim Joshua James Max Mason Jude Reggie Albert Ethan Logan Daniel Elijah "
    "Samuel Aaron Kyle Ryan Liam Connor Jordan Bradley Dean Wayne Imran Tariq Ali Hassan Omar "
    "Kamran"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner "
    "Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan "
    "Scott Watson Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey Carter "
    "Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall Simpson Price "
    "Anderson Adams Wilkinson Ali Ahmed Foster Ellis Murphy Chapman Mason Gray Richards Webb "
    "Griffiths Hunt Palmer Campbell Holmes Mills Rogers Barnes Knight Matthews Barker Powell "
    "Stevens Kaur Fisher Butler Dixon Russell Harvey Pearson Graham Fletcher Reid Riley Rahman"
).split()
ALIASES = (
    "Tiny Smudge Biggie Ace Kav Jay Dev Bash Rocky Boss Ginger Mack Ricky Taz Bonzo Spike Uncle "
    "Dizzy Shorty Slim Blade Zed Kaz Mo Sunny Chez Reno Duke Frosty Nitro"
).split()
NARRATIVES = [
    "Seen getting into a car with older males outside school.",
    "Reported missing overnight; returned with new phone and clothes.",
    "Disclosed to teacher that an older boyfriend gives her alcohol.",
    "Found at an address associated with adults of concern.",
    "Repeated sexual health clinic attendances; reluctant to give details.",
    "Taxi seen collecting the young person late at night from the care home.",
    "Concerns raised by parent about messages from unknown adults.",
    "Police stop: in company of adult males known to police, under the influence.",
]
DISTRICTS = (
    "LS6 LS7 LS8 BD1 BD3 BD5 HD1 WF1 M8 M13 OL1 B11 B12 NG7 S2 DE23 LE1 CV1 L8 NE6"
).split()


@dataclass(frozen=True)
class Scale:
    """How much to make. The defaults are the national data set."""

    partnerships: int = 150
    agencies: int = 1_500
    children: int = 300_000
    suspects: int = 100_000
    concerns: int = 3_000_000
    users_per_agency: int = 6
    missing_episodes: int = 450_000
    referrals: int = 150_000
    associations: int = 360_000
    locations: int = 50_000
    assessments: int = 60_000
    shared_cases: int = 30_000

    def scaled(self, factor: float) -> Scale:
        return Scale(
            **{f.name: max(1, round(getattr(self, f.name) * factor)) for f in fields(self)}
            | {"users_per_agency": self.users_per_agency}
        )


USER_ROLES = [
    Role.FRONTLINE,
    Role.SUPERVISOR,
    Role.CSE_LEAD,
    Role.ANALYST,
    Role.SAFEGUARDING_LEAD,
    Role.FRONTLINE,
]
# One of each per partnership, a member of the partnership's first agency (syn-a0001 is in
# syn-p001, and so on): the LSCB chair's dashboards cover every agency of the partnership from
# that one membership, and a partnership has one chair, not one per agency.
PARTNERSHIP_ROLES = [Role.LSCB_CHAIR]


def synthetic_email(agency_n: int, role: str, k: int = 1) -> str:
    return f"{CODE_PREFIX}-a{agency_n:04d}-{role}-{k}@synthetic.invalid"


class Generator:
    """One generation, on one database connection (its working tables are temporary)."""

    def __init__(self, *, scale: Scale, seed: int, progress: Callable[[str], None]) -> None:
        self.scale, self.seed, self.progress = scale, seed, progress
        self.reason = f"Synthetic data (seed {seed})"
        self.first_ids: dict[type[models.Model], int] = {}
        self.step_number = 0

    # The plumbing --------------------------------------------------------------------------

    def sql(self, statement: str, params: dict | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or {})
            return cursor.rowcount

    def reseed(self) -> None:
        """Each step starts from its own seed, so a step's rows do not depend on timing."""
        self.step_number += 1
        fraction = ((self.seed * 7919 + self.step_number * 104_729) % 1_000_003) / 1_000_003
        self.sql("SELECT setseed(%(f)s)", {"f": fraction * 2 - 1})

    def insert(
        self, model: type[models.Model], values: dict[str, str], source: str, params=None
    ) -> int:
        """INSERT INTO the model's table the rows `source` yields; `values` maps a column to
        its SQL expression, and every other column takes the model's default."""
        self.first_ids.setdefault(model, self._next_id(model))
        params = dict(params or {})
        columns, expressions = [], []
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            column = field.column
            if column in values:
                expression = values[column]
            else:
                expression = self._default(model, field, params)
                if expression is None:
                    continue
            columns.append(connection.ops.quote_name(column))
            expressions.append(expression)
        return self.sql(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM {source}",
            params,
        )

    def _next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
            return cursor.fetchone()[0]

    def _default(self, model, field, params: dict) -> str | None:
        name = f"d_{field.column}"
        if field.column == "public_id":
            # Opaque like uuid4, but the same for the same seed.
            table = model._meta.db_table
            return f"md5('{self.seed}:{table}:' || random() || ':' || random())::uuid"
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return "now()"
        if field.null:
            return None
        if field.default is not NOT_PROVIDED:
            default = field.get_default()
            if callable(field.default) and field.get_internal_type() == "DateTimeField":
                return "now()"
            params[name] = field.get_db_prep_save(default, connection)
            return f"%({name})s"
        if field.get_internal_type() in ("CharField", "TextField") and field.blank:
            return "''"
        raise ValueError(
            f"{model.__name__}.{field.name} needs a value: it is required and has no default"
        )

    @staticmethod
    def pick(options) -> str:
        """SQL for a random one of the options (strings)."""
        quoted = ", ".join("'" + str(option).replace("'", "''") + "'" for option in options)
        return f"(ARRAY[{quoted}])[1 + floor(random() * {len(list(options))})::int]"

    @staticmethod
    def choices(field_owner, name: str) -> list[str]:
        return [value for value, _ in field_owner._meta.get_field(name).choices]

    def step(self, label: str, work: Callable[[], int | None]) -> None:
        started = time.monotonic()
        self.reseed()
        with transaction.atomic():
            made = work()
        made_text = f"{made:,} rows" if made is not None else "done"
        self.progress(f"{label}: {made_text} in {time.monotonic() - started:.1f} s")

    # The data --------------------------------------------------------------------------------

    WORK_TABLES = ("syn_agency", "syn_user", "syn_child", "syn_suspect", "syn_agency_suspects",
                   "syn_network", "syn_share", "syn_phonetic")  # fmt: skip

    def run(self) -> None:
        self.sql("SET max_parallel_workers_per_gather = 0")  # random() in one order
        self.sql("SET synchronous_commit = off")
        self.sql(f"DROP TABLE IF EXISTS {', '.join(self.WORK_TABLES)}")
        try:
            self.steps()
        finally:
            self.sql(f"DROP TABLE IF EXISTS {', '.join(self.WORK_TABLES)}")
            self.sql("RESET synchronous_commit; RESET max_parallel_workers_per_gather")

    def steps(self) -> None:
        self.step("Partnerships and agencies", self.agencies)
        self.step("Users, memberships and authenticators", self.users)
        self.step("Children", self.children)
        self.step("Cases", self.cases)
        self.step("Suspects and aliases", self.suspects)
        self.step("Concerns", self.concerns)
        self.step("Missing episodes", self.missing_episodes)
        self.step("Risk assessments and answers", self.assessments)
        self.step("Referrals in every state", self.referrals)
        self.step("Links between children and suspects", self.associations)
        self.step("Networks and members", self.networks)
        self.step("Locations and the people linked to them", self.locations)
        self.step("Shares with partner agencies", self.shares)
        self.step("History rows", self.history)
        self.step("Search vectors and match keys", self.search)
        self.step("Statistics (ANALYZE)", self.analyse)

    def agencies(self) -> int:
        scale = self.scale
        types = [t for t, _ in Agency.Type.choices if t != Agency.Type.OTHER]
        self.sql(
            "CREATE TEMP TABLE syn_agency (n int PRIMARY KEY, id bigint, partnership_n int,"
            " group_id int)"
        )
        partnerships = [
            agency_services.partnership_create(
                code=f"{CODE_PREFIX}-p{p:03d}", name=f"Synthetic partnership {p}", by=None
            )
            for p in range(1, scale.partnerships + 1)
        ]
        rows = []
        for n in range(1, scale.agencies + 1):
            partnership_n = 1 + (n - 1) % scale.partnerships
            agency = agency_services.agency_create(
                code=f"{CODE_PREFIX}-a{n:04d}",
                name=f"Synthetic {types[(n - 1) // scale.partnerships % len(types)]} {n}",
                type=types[(n - 1) // scale.partnerships % len(types)],
                partnerships=[partnerships[partnership_n - 1]],
                by=None,
            )
            rows.append((n, agency.pk, partnership_n, agency.group_id))
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO syn_agency VALUES (%s, %s, %s, %s)", rows)
        return len(partnerships) + len(rows)

    def users(self) -> int:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        roles = USER_ROLES[: self.scale.users_per_agency]
        params = {"password": make_password(SYNTHETIC_PASSWORD), "roles": roles}
        self.sql(
            "CREATE TEMP TABLE syn_user AS SELECT a.n AS agency_n, a.id AS agency_id,"
            " a.group_id, r.role, ROW_NUMBER() OVER (PARTITION BY a.n, r.role ORDER BY r.ord)"
            " AS k, ROW_NUMBER() OVER (ORDER BY a.n, r.ord) AS n FROM syn_agency a"
            " CROSS JOIN unnest(%(roles)s::text[]) WITH ORDINALITY AS r (role, ord)",
            params,
        )
        self.sql(
            "INSERT INTO syn_user SELECT a.n, a.id, a.group_id, r.role, 1,"
            " (SELECT coalesce(max(n), 0) FROM syn_user)"
            " + ROW_NUMBER() OVER (ORDER BY a.n, r.ord) FROM syn_agency a"
            " CROSS JOIN unnest(%(roles)s::text[]) WITH ORDINALITY AS r (role, ord)"
            " WHERE a.n <= %(partnerships)s",
            {"roles": PARTNERSHIP_ROLES, "partnerships": self.scale.partnerships},
        )
        made = self.insert(User, {
            "password": "%(password)s",
            "email": f"'{CODE_PREFIX}-a' || lpad(u.agency_n::text, 4, '0') || '-' || u.role"
                     " || '-' || u.k || '@synthetic.invalid'",
            "full_name": f"{self.pick(FIRST_NAMES_F + FIRST_NAMES_M)} || ' ' || "
                         f"{self.pick(LAST_NAMES)} || ' ' || u.n",
            "is_active": "true",
            "date_joined": "now()",
        }, "syn_user u ORDER BY u.n", params)  # fmt: skip
        self.sql(
            "ALTER TABLE syn_user ADD COLUMN id bigint;"
            " UPDATE syn_user u SET id = usr.id FROM agencies_user usr"
            f" WHERE usr.email = '{CODE_PREFIX}-a' || lpad(u.agency_n::text, 4, '0') || '-'"
            " || u.role || '-' || u.k || '@synthetic.invalid'"
        )
        made += self.insert(
            Membership,
            {"user_id": "u.id", "agency_id": "u.agency_id", "role": "u.role",
             "is_active": "true"},
            "syn_user u ORDER BY u.n",
        )  # fmt: skip
        opening = [role for role in Role if agency_services.opens_records(role)]
        made += self.sql(
            "INSERT INTO agencies_user_groups (user_id, group_id) SELECT u.id, u.group_id"
            " FROM syn_user u WHERE u.role = ANY(%(opening)s)",
            {"opening": opening},
        )
        made += self.insert(
            TOTPDevice,
            {"user_id": "u.id", "name": "'Authenticator app'", "confirmed": "true",
             "key": f"'{SYNTHETIC_TOTP_KEY}'"},
            "syn_user u ORDER BY u.n",
        )  # fmt: skip
        self.sql("CREATE INDEX ON syn_user (agency_n, role)")
        return made

    def children(self) -> int:
        sexes = ["female"] * 8 + ["male"] * 2
        ethnicities = self.choices(Person, "ethnicity")
        made = self.insert(Person, {
            "owner_agency_id": "a.id",
            "kind": "'child'",
            "first_name": f"CASE WHEN g.female THEN {self.pick(FIRST_NAMES_F)}"
                          f" ELSE {self.pick(FIRST_NAMES_M)} END",
            "last_name": self.pick(LAST_NAMES),
            "date_of_birth": "CASE WHEN random() < 0.9 THEN g.born END",
            "estimated_age": "CASE WHEN g.born IS NULL THEN 14 END",
            "sex": "CASE WHEN g.female THEN 'female' ELSE 'male' END",
            "ethnicity": self.pick(ethnicities),
            "nationality": self.pick(["GB"] * 9 + ["unknown"]),
        }, f"""(SELECT n, 1 + floor(%(agencies)s * power(random(), 2))::int AS agency_n,
                   {self.pick(sexes)} = 'female' AS female,
                   date '1993-01-01' + floor(random() * 8000)::int AS born
            FROM generate_series(1, %(children)s) AS n) g
            JOIN syn_agency a ON a.n = g.agency_n ORDER BY g.n""",
            {"agencies": self.scale.agencies, "children": self.scale.children})  # fmt: skip
        # Rows take ids in the order they are selected, so the n-th child has the n-th id.
        self.sql(
            "CREATE TEMP TABLE syn_child AS SELECT ROW_NUMBER() OVER (ORDER BY p.id)::int AS n,"
            " p.id AS person_id, p.owner_agency_id AS agency_id, a.n AS agency_n,"
            " a.partnership_n, p.date_of_birth FROM cases_person p"
            " JOIN syn_agency a ON a.id = p.owner_agency_id"
            " WHERE p.kind = 'child' AND p.id >= %(first)s",
            {"first": self.first_ids[Person]},
        )
        self.sql("ALTER TABLE syn_child ADD PRIMARY KEY (n); ANALYZE syn_child")
        return made

    def cases(self) -> int:
        made = self.insert(Case, {
            "owner_agency_id": "c.agency_id",
            "child_id": "c.person_id",
            "reference": f"'{CODE_PREFIX.upper()}-' || c.n",
            "lead_professional_id": "u.id",
            "status": "CASE WHEN random() < 0.7 THEN 'open' ELSE 'closed' END",
            "first_contact_date": "coalesce(c.date_of_birth + 365 * 11"
                                  " + floor(random() * 5 * 365)::int, date '2010-01-01')",
            "living_situation": self.pick(self.choices(Case, "living_situation")),
            "reported_missing": self.pick(self.choices(Case, "reported_missing")),
            "school_engagement": self.pick(self.choices(Case, "school_engagement")),
            "moved_into_care_after_intervention":
                self.pick(self.choices(Case, "moved_into_care_after_intervention")),
            "risk_category": "1 + floor(random() * 3)::int",
        }, "syn_child c JOIN syn_user u ON u.agency_n = c.agency_n AND u.role = 'frontline'"
           " AND u.k = 1 ORDER BY c.n")  # fmt: skip
        self.sql(
            "ALTER TABLE syn_child ADD COLUMN case_id bigint;"
            " UPDATE syn_child c SET case_id = k.id FROM cases_case k"
            " WHERE k.child_id = c.person_id AND k.id >= %(first)s",
            {"first": self.first_ids[Case]},
        )
        self.sql("UPDATE cases_case SET closed_reason = 'Risk reduced; support ended'"
                 " WHERE id >= %(first)s AND status = 'closed'",
                 {"first": self.first_ids[Case]})  # fmt: skip
        return made

    def suspects(self) -> int:
        first = self._next_id(Person)
        made = self.insert(Person, {
            "owner_agency_id": "a.id",
            "kind": "'suspect'",
            "first_name": f"CASE WHEN random() < 0.85 THEN {self.pick(FIRST_NAMES_M)} ELSE '' END",
            "last_name": f"CASE WHEN random() < 0.7 THEN {self.pick(LAST_NAMES)} ELSE '' END",
            "initials": "''",
            "date_of_birth": "CASE WHEN random() < 0.6 THEN date '1960-01-01'"
                             " + floor(random() * 14000)::int END",
            "sex": self.pick(["male"] * 9 + ["female"]),
            "ethnicity": self.pick(self.choices(Person, "ethnicity")),
            "nationality": self.pick(["GB"] * 8 + ["unknown"] * 2),
            "first_known_date": "date '2009-01-01' + floor(random() * 5000)::int",
        }, """(SELECT n, 1 + floor(%(agencies)s * power(random(), 2))::int AS agency_n
               FROM generate_series(1, %(suspects)s) AS n) g
            JOIN syn_agency a ON a.n = g.agency_n ORDER BY g.n""",
            {"agencies": self.scale.agencies, "suspects": self.scale.suspects})  # fmt: skip
        self.sql(
            "CREATE TEMP TABLE syn_suspect AS SELECT p.id AS person_id, a.n AS agency_n,"
            " ROW_NUMBER() OVER (PARTITION BY a.n ORDER BY p.id) AS k FROM cases_person p"
            " JOIN syn_agency a ON a.id = p.owner_agency_id"
            " WHERE p.kind = 'suspect' AND p.id >= %(first)s;"
            " CREATE INDEX ON syn_suspect (agency_n, k);"
            " CREATE TEMP TABLE syn_agency_suspects AS SELECT agency_n, count(*) AS suspects"
            " FROM syn_suspect GROUP BY agency_n; ANALYZE syn_suspect",
            {"first": first},
        )
        made += self.insert(
            PersonAlias,
            {"person_id": "s.person_id", "name": self.pick(ALIASES)},
            "syn_suspect s WHERE random() < 0.6 ORDER BY s.person_id",
        )
        return made

    def concerns(self) -> int:
        indicator_set = indicator_set_current()
        codes = list(indicator_set.indicators.values_list("code", flat=True))
        return self.insert(Concern, {
            "case_id": "c.case_id",
            "case_agency_id": "c.agency_id",
            "status": "g.status",
            "reporter_name": self.pick(LAST_NAMES),
            "reporter_agency_id": "c.agency_id",
            "occurred_on": "g.on_day",
            "created_at": "g.on_day + interval '1 day'",
            "place": self.pick(DISTRICTS),
            "narrative": self.pick(NARRATIVES),
            "indicator_set_id": "%(set)s",
            "indicator_codes": "to_jsonb(ARRAY(SELECT code FROM unnest(%(codes)s::text[])"
                               " AS code WHERE random() < 0.12 + 0 * g.n))",
            "provisional_category": "1 + floor(random() * 3)::int",
            "submitted_at": "CASE WHEN g.status = 'submitted' THEN g.on_day + interval '1 day' END",
        }, """(SELECT n, 1 + floor(random() * %(children)s)::int AS child_n,
                   CASE WHEN random() < 0.95 THEN 'submitted' ELSE 'draft' END AS status,
                   least(date '2009-04-01' + floor(random() * 6300)::int, current_date - 1)
                   AS on_day
               FROM generate_series(1, %(concerns)s) AS n) g
            JOIN syn_child c ON c.n = g.child_n ORDER BY g.n""",
            {"children": self.scale.children, "concerns": self.scale.concerns,
             "set": indicator_set.pk, "codes": codes})  # fmt: skip

    def missing_episodes(self) -> int:
        return self.insert(MissingEpisode, {
            "case_id": "c.case_id",
            "type": self.pick(self.choices(MissingEpisode, "type")),
            "started_at": "g.started",
            "ended_at": "CASE WHEN random() < 0.95 THEN g.started"
                        " + random() * interval '72 hours' END",
            "reported_to_police": "random() < 0.8",
            "return_interview": self.pick(self.choices(MissingEpisode, "return_interview")),
            "where_found": self.pick(["Town centre", "Friend's address", "Bus station", ""]),
            "created_at": "g.started",
        }, """(SELECT n, 1 + floor(random() * %(children)s)::int AS child_n,
                   timestamptz '2009-04-01' + random() * (now() - timestamptz '2009-04-01')
                   AS started
               FROM generate_series(1, %(episodes)s) AS n) g
            JOIN syn_child c ON c.n = g.child_n ORDER BY g.n""",
            {"children": self.scale.children, "episodes": self.scale.missing_episodes})  # fmt: skip

    def assessments(self) -> int:
        indicator_set = indicator_set_current()
        first = self._next_id(RiskAssessment)
        made = self.insert(RiskAssessment, {
            "case_id": "c.case_id",
            "indicator_set_id": "%(set)s",
            "assessed_on": "g.on_day",
            "status": self.pick(["complete"] * 4 + ["draft"]),
            "score": "floor(random() * 40)::int",
            "scored_category": "g.category",
            "rules_category": "g.category",
            "final_category": "g.category",
            "completed_at": "g.on_day + interval '2 days'",
            "next_due": "g.on_day + 90",
        }, """(SELECT n, 1 + floor(random() * %(children)s)::int AS child_n,
                   1 + floor(random() * 3)::int AS category,
                   date '2010-01-01' + floor(random() * 5800)::int AS on_day
               FROM generate_series(1, %(assessments)s) AS n) g
            JOIN syn_child c ON c.n = g.child_n ORDER BY g.n""",
            {"children": self.scale.children, "assessments": self.scale.assessments,
             "set": indicator_set.pk})  # fmt: skip
        made += self.insert(AssessmentResponse, {
            "assessment_id": "a.id",
            "indicator_id": "i.id",
            "presence": self.pick(["present"] + ["absent"] * 5 + ["not_known"]),
        }, "indicators_riskassessment a CROSS JOIN indicators_indicator i"
           " WHERE a.id >= %(first)s AND i.indicator_set_id = %(set)s ORDER BY a.id, i.id",
            {"first": first, "set": indicator_set.pk})  # fmt: skip
        return made

    def referrals(self) -> int:
        statuses = self.choices(Referral, "status")
        return self.insert(Referral, {
            "case_id": "c.case_id",
            "from_agency_id": "c.agency_id",
            "to_agency_id": "t.id",
            "urgency": self.pick(self.choices(Referral, "urgency")),
            "reason": "'Risk of sexual exploitation: ' || " + self.pick(NARRATIVES),
            "asked_for": "'Assessment and a joint visit'",
            "child_family_aware": self.pick(self.choices(Referral, "child_family_aware")),
            "status": "g.status",
            "sent_at": "CASE WHEN g.status <> 'draft' THEN g.sent END",
            "acknowledge_due": "CASE WHEN g.status <> 'draft' THEN g.sent + interval '1 day' END",
            "decision_due": "CASE WHEN g.status <> 'draft' THEN g.sent + interval '7 days' END",
            "acknowledged_at": "CASE WHEN g.status NOT IN ('draft', 'sent')"
                               " THEN g.sent + interval '3 hours' END",
            "decided_at": "CASE WHEN g.status IN ('accepted', 'declined', 'closed')"
                          " THEN g.sent + interval '2 days' END",
            "decline_reason": "CASE WHEN g.status = 'declined'"
                              " THEN 'Threshold not met; universal services advised' ELSE '' END",
            "outcome": "CASE WHEN g.status = 'closed' THEN 'Support completed' ELSE '' END",
            "closed_at": "CASE WHEN g.status IN ('closed', 'withdrawn')"
                         " THEN g.sent + interval '30 days' END",
            "created_at": "g.sent",
        }, f"""(SELECT n, 1 + floor(random() * %(children)s)::int AS child_n,
                    {self.pick(statuses)} AS status,
                    timestamptz '2009-04-01' + random() * (now() - timestamptz '2009-04-01')
                    AS sent,
                    floor(random() * 9)::int AS hop
                FROM generate_series(1, %(referrals)s) AS n) g
            JOIN syn_child c ON c.n = g.child_n
            JOIN syn_agency t ON t.n = 1 + (c.agency_n - 1 + %(p)s * (1 + g.hop)) %% %(a)s
            ORDER BY g.n""",
            {"children": self.scale.children, "referrals": self.scale.referrals,
             "p": self.scale.partnerships, "a": self.scale.agencies})  # fmt: skip

    def associations(self) -> int:
        # A child is linked to suspects held by the child's own agency.
        return self.insert(Association, {
            "owner_agency_id": "c.agency_id",
            "from_person_id": "c.person_id",
            "to_person_id": "c.suspect_id",
            "relationship": self.pick(self.choices(Association, "relationship")),
            "first_linked_date": "date '2009-06-01' + floor(random() * 5800)::int",
            "source": self.pick(["Police intelligence", "Social care assessment", "Disclosure"]),
            "confidence": self.pick(self.choices(Association, "confidence")),
        }, """(SELECT DISTINCT ON (c.person_id, s.person_id) c.person_id, c.agency_id,
                      s.person_id AS suspect_id
               FROM (SELECT n, 1 + floor(random() * %(children)s)::int AS child_n,
                            random() AS pick FROM generate_series(1, %(links)s) AS n) g
               JOIN syn_child c ON c.n = g.child_n
               JOIN syn_agency_suspects x ON x.agency_n = c.agency_n
               JOIN syn_suspect s ON s.agency_n = c.agency_n
                   AND s.k = 1 + floor(g.pick * x.suspects)::int
               ORDER BY c.person_id, s.person_id) c""",
            {"children": self.scale.children, "links": self.scale.associations})  # fmt: skip

    def networks(self) -> int:
        # One network for every 20 suspects of an agency; suspects join by their number.
        first = self._next_id(Network)
        made = self.insert(Network, {
            "owner_agency_id": "a.id",
            "name": f"'Operation ' || {self.pick(LAST_NAMES)} || ' ' || x.agency_n || '-' || j",
            "status": self.pick(self.choices(Network, "status")),
        }, "syn_agency_suspects x JOIN syn_agency a ON a.n = x.agency_n"
           " CROSS JOIN generate_series(1, (x.suspects / 20)::int) AS j"
           " WHERE x.suspects >= 20 ORDER BY x.agency_n, j")  # fmt: skip
        self.sql(
            "CREATE TEMP TABLE syn_network AS SELECT n.id, a.n AS agency_n,"
            " ROW_NUMBER() OVER (PARTITION BY a.n ORDER BY n.id) AS j FROM cases_network n"
            " JOIN syn_agency a ON a.id = n.owner_agency_id WHERE n.id >= %(first)s",
            {"first": first},
        )
        made += self.insert(NetworkMember, {
            "network_id": "n.id",
            "person_id": "s.person_id",
            "role": self.pick(self.choices(NetworkMember, "role")),
            "joined_on": "date '2009-06-01' + floor(random() * 3000)::int",
        }, "syn_suspect s JOIN syn_network n ON n.agency_n = s.agency_n"
           " AND n.j = 1 + (s.k - 1) / 20 ORDER BY s.person_id")  # fmt: skip
        return made

    def locations(self) -> int:
        first = self._next_id(Location)
        made = self.insert(Location, {
            "owner_agency_id": "a.id",
            "type": self.pick(self.choices(Location, "type")),
            "description": self.pick(["Takeaway on the high street", "Flat above shop",
                                      "Park near the station", "Hotel car park", ""]),
            "postcode_district": self.pick(DISTRICTS),
        }, """(SELECT n, 1 + floor(%(agencies)s * power(random(), 2))::int AS agency_n
               FROM generate_series(1, %(locations)s) AS n) g
            JOIN syn_agency a ON a.n = g.agency_n ORDER BY g.n""",
            {"agencies": self.scale.agencies, "locations": self.scale.locations})  # fmt: skip
        made += self.insert(PersonLocation, {
            "person_id": "c.person_id",
            "location_id": "c.location_id",
            "role": self.pick(self.choices(PersonLocation, "role")),
        }, """(SELECT DISTINCT ON (c.person_id, l.id) c.person_id, l.id AS location_id
               FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS r
                     FROM cases_location WHERE id >= %(first)s) l
               JOIN syn_child c ON c.n = 1 + (l.r * 7919) %% %(children)s
               ORDER BY c.person_id, l.id) c""",
            {"first": first, "children": self.scale.children})  # fmt: skip
        return made

    def shares(self) -> int:
        """Some cases, with their child, are shared with another agency of the partnership."""
        self.sql(
            """CREATE TEMP TABLE syn_share AS
               SELECT DISTINCT ON (c.case_id) c.case_id, c.person_id, t.group_id
               FROM (SELECT 1 + floor(random() * %(children)s)::int AS child_n,
                            1 + floor(random() * 9)::int AS hop
                     FROM generate_series(1, %(shared)s)) g
               JOIN syn_child c ON c.n = g.child_n
               JOIN syn_agency t ON t.n = 1 + (c.agency_n - 1 + %(p)s * g.hop) %% %(a)s
               ORDER BY c.case_id""",
            {
                "children": self.scale.children,
                "shared": self.scale.shared_cases,
                "p": self.scale.partnerships,
                "a": self.scale.agencies,
            },
        )
        made = 0
        for model, column in ((CaseGrant, "case_id"), (PersonGrant, "person_id")):
            target = model._meta.get_field("content_object").related_model
            made += self.insert(model, {
                "permission_id": "p.id",
                "group_id": "s.group_id",
                "content_object_id": f"s.{column}",
                "reason": "'Shared for a strategy meeting (synthetic)'",
                "granted_at": "now()",
            }, "(SELECT DISTINCT ON (" + column + ", group_id) * FROM syn_share"
               f" ORDER BY {column}, group_id) s"
               " CROSS JOIN auth_permission p JOIN django_content_type ct"
               " ON ct.id = p.content_type_id AND ct.app_label = %(app)s AND ct.model = %(model)s"
               " AND p.codename IN (%(view)s, %(change)s)",
                {"app": target._meta.app_label, "model": target._meta.model_name,
                 "view": f"view_{target._meta.model_name}",
                 "change": f"change_{target._meta.model_name}"})  # fmt: skip
        return made

    def history(self) -> int:
        made = 0
        for model, first in self.first_ids.items():
            history = getattr(model, "history", None)
            if history is None:
                continue
            historical = history.model
            own = {f.column for f in model._meta.concrete_fields}
            columns = [f.column for f in historical._meta.concrete_fields if f.column in own]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            when = "created_at" if "created_at" in own else "now()"
            made += self.sql(
                f"INSERT INTO {historical._meta.db_table} ({quoted}, history_date,"
                " history_change_reason, history_type, history_user_id)"
                f" SELECT {quoted}, {when}, %(reason)s, '+', NULL"
                f" FROM {model._meta.db_table} WHERE id >= %(first)s",
                {"reason": self.reason, "first": first},
            )
        return made

    def search(self) -> int:
        first = self.first_ids[Person]
        self.sql(
            "UPDATE cases_person p SET search_vector = to_tsvector('simple', concat_ws(' ',"
            " p.first_name, p.last_name, p.known_as, p.initials,"
            " (SELECT string_agg(a.name, ' ') FROM cases_personalias a WHERE a.person_id = p.id)))"
            " WHERE p.id >= %(first)s",
            {"first": first},
        )
        words = {
            token
            for name in FIRST_NAMES_F + FIRST_NAMES_M + LAST_NAMES + ALIASES
            for token in normalise.name_tokens(name)
        }
        self.sql("CREATE TEMP TABLE syn_phonetic (token text PRIMARY KEY, code text)")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO syn_phonetic VALUES (%s, %s)",
                [(word, normalise.phonetic(word)) for word in sorted(words)],
            )
        return self.sql(
            f"""INSERT INTO {PersonMatchKey._meta.db_table} (person_id, key)
                SELECT DISTINCT person_id, key FROM (
                    SELECT p.id AS person_id, 'n:' || f.code AS key FROM cases_person p
                        JOIN syn_phonetic f ON f.token = lower(p.first_name)
                        WHERE p.id >= %(first)s
                    UNION ALL SELECT p.id, 'n:' || f.code FROM cases_person p
                        JOIN syn_phonetic f ON f.token = lower(p.last_name)
                        WHERE p.id >= %(first)s
                    UNION ALL SELECT a.person_id, 'n:' || f.code FROM cases_personalias a
                        JOIN syn_phonetic f ON f.token = lower(a.name)
                        WHERE a.person_id >= %(first)s
                    UNION ALL SELECT p.id, 'd:' || p.date_of_birth FROM cases_person p
                        WHERE p.id >= %(first)s AND p.date_of_birth IS NOT NULL
                ) keys""",
            {"first": first},
        )

    def analyse(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def synthetic_generate(*, scale: Scale, seed: int, progress=print) -> None:
    """Make the data set. Refused if synthetic data is already there."""
    if Partnership.objects.filter(code__startswith=f"{CODE_PREFIX}-p").exists():
        raise ValueError(
            "This database already holds synthetic data; generate into an empty database"
        )
    Generator(scale=scale, seed=seed, progress=progress).run()
