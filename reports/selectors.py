"""The figures of the partnership dashboards, each computed by aggregate SQL over the agencies
of a scope. Nothing here returns a record: only counts, which `reports.tables` suppresses.

Which records count, where the issue leaves it open (docs/dashboards.md):
- a child counts once per agency that records them (agencies hold their own records until a
  merge), and a child's "new case" month is the case's first contact date, or the day it was
  recorded when that is not known;
- a suspect's month is their first known date, or the day they were recorded;
- archived records and people merged into another record never count.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from agencies.access import visible
from agencies.models import Agency
from cases.codes import ETHNICITY_GROUP, Ethnicity, LivingSituation, LocationType, Sex, YesNoUnknown
from cases.models import (
    Case,
    Concern,
    ConcernLocation,
    Location,
    MissingEpisode,
    Network,
    NetworkMember,
    Person,
    PersonAlias,
)
from core.charts import bar_chart_svg, line_chart_svg
from indicators.models import AssessmentResponse, IndicatorSet, RiskAssessment
from indicators.scoring import PRESENT, PRESENT_BOTH, PRESENT_EARLIER, PRESENT_RECENT
from indicators.selectors import cases_reassessment_due, indicator_set_current
from interventions.models import DisruptionActivity
from meetings.models import AgendaItem, Meeting, MeetingAction
from meetings.selectors import action_counts_by_agency
from referrals.models import Referral
from referrals.selectors import overdue_q
from reports.scope import DashboardScope
from reports.tables import Table, breakdown_table, percentage, suppress, suppress_breakdown

ETHNICITY_GROUPS = [
    ("white", "White"),
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("other", "Other"),
    ("unknown", "Not known or not stated"),
]
AGE_BANDS = [
    ("under_18", "Under 18"),
    ("18_24", "18 to 24"),
    ("25_34", "25 to 34"),
    ("35_44", "35 to 44"),
    ("45_plus", "45 or over"),
    ("unknown", "Not known"),
]
NETWORK_SIZES = [("1", "1 suspect"), ("2", "2"), ("3_5", "3 to 5"), ("6_10", "6 to 10")]
NETWORK_SIZES.append(("11_plus", "11 or more"))
IDENTIFICATION = [
    (Person.IdentificationLevel.GROUP_ONE, "Group one: full name or initials"),
    (Person.IdentificationLevel.GROUP_TWO, "Group two: a given name or alias only"),
    (Person.IdentificationLevel.NO_BASIC_INFORMATION, "No basic information"),
]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def moments(self) -> tuple[datetime, datetime]:
        """The period as [first moment, moment after the last day) in local time, so that a
        timestamp column is compared by its index instead of a date computed for every row."""
        first = timezone.make_aware(datetime.combine(self.start, time.min))
        after = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        return first, after

    def months(self) -> list[date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def epoch_hours(later: str, earlier: str) -> Func:
    return Func(
        F(later) - F(earlier),
        template="EXTRACT(EPOCH FROM %(expressions)s) / 3600.0",
        output_field=FloatField(),
    )


def years_between(on, born) -> Func:
    return Func(
        on, born, template="CAST(date_part('year', age(%(expressions)s)) AS integer)",
        output_field=IntegerField(),
    )  # fmt: skip


def counted_by(queryset: QuerySet, expression, *, distinct: str | None = "id") -> dict:
    """Rows per value of `expression`, counting distinct values of `distinct`, or every row
    when `distinct` is None (for a queryset whose joins cannot repeat a row, so that the
    count can come from an index alone)."""
    rows = queryset.annotate(key=expression).values("key")
    count = Count("*") if distinct is None else Count(distinct, distinct=True)
    return {row["key"]: row["n"] for row in rows.annotate(n=count).order_by()}


def ethnicity_group_expression(field: str) -> SqlCase:
    return SqlCase(
        *[
            When(**{f"{field}__startswith": letter}, then=Value(group))
            for letter, group in ETHNICITY_GROUP.items()
        ],
        default=Value("unknown"),
    )


def identification_level_expression() -> SqlCase:
    named = ~Q(first_name="")
    surnamed = ~Q(last_name="")
    alias = Exists(PersonAlias.objects.filter(person=OuterRef("pk")).exclude(name=""))
    return SqlCase(
        When((named & surnamed) | ~Q(initials=""), then=Value("group_one")),
        When(named | surnamed | ~Q(known_as="") | Q(alias), then=Value("group_two")),
        default=Value("no_basic_information"),
    )


def age_band_expression(age: str) -> SqlCase:
    return SqlCase(
        When(**{f"{age}__isnull": True}, then=Value("unknown")),
        When(**{f"{age}__lt": 18}, then=Value("under_18")),
        When(**{f"{age}__lt": 25}, then=Value("18_24")),
        When(**{f"{age}__lt": 35}, then=Value("25_34")),
        When(**{f"{age}__lt": 45}, then=Value("35_44")),
        default=Value("45_plus"),
    )


def person_age_on(on) -> SqlCase:
    """Age on a date from the date of birth, else the estimated age (as Person.age_at)."""
    return SqlCase(
        When(date_of_birth__isnull=False, then=years_between(on, F("date_of_birth"))),
        When(
            estimated_age__isnull=False,
            age_estimated_on__isnull=False,
            then=F("estimated_age") + years_between(on, F("age_estimated_on")),
        ),
        default=F("estimated_age"),
        output_field=IntegerField(),
    )


# Populations -------------------------------------------------------------------------------


def cases_in_scope(scope: DashboardScope) -> QuerySet[Case]:
    return Case.objects.filter(owner_agency_id__in=scope.agency_ids, archived_at__isnull=True)


def open_cases(scope: DashboardScope) -> QuerySet[Case]:
    return cases_in_scope(scope).filter(status=Case.Status.OPEN)


def cases_started(scope: DashboardScope, period: Period) -> QuerySet[Case]:
    return (
        cases_in_scope(scope)
        .annotate(started=Coalesce("first_contact_date", TruncDate("created_at")))
        .filter(started__range=(period.start, period.end))
    )


def concerns_in(scope: DashboardScope, period: Period) -> QuerySet[Concern]:
    # Read from the index concern_submitted_agency_day alone; the few archived cases of the
    # scope are left out by a hashed list instead of a look-up of each concern's case.
    archived_cases = Case.objects.filter(
        owner_agency_id__in=scope.agency_ids, archived_at__isnull=False
    ).values("id")
    return Concern.objects.filter(
        case_agency_id__in=scope.agency_ids,
        archived_at__isnull=True,
        status=Concern.Status.SUBMITTED,
        occurred_on__range=(period.start, period.end),
    ).exclude(case_id__in=archived_cases)


def suspects_in(scope: DashboardScope, period: Period) -> QuerySet[Person]:
    return (
        Person.objects.filter(
            owner_agency_id__in=scope.agency_ids,
            kind=Person.Kind.SUSPECT,
            archived_at__isnull=True,
            merged_into__isnull=True,
        )
        .annotate(
            known=Coalesce("first_known_date", TruncDate("created_at"), output_field=DateField())
        )
        .filter(known__range=(period.start, period.end))
    )


# Panels ------------------------------------------------------------------------------------


def children_by_risk(scope: DashboardScope) -> Table:
    counts = counted_by(open_cases(scope), F("risk_category"), distinct="child_id")
    table = breakdown_table(
        slug="children-by-risk",
        title="Children with open cases, by risk category",
        label="Risk category",
        counts=[
            ("4 – significant risk", counts.get(4, 0)),
            ("3 – moderate risk", counts.get(3, 0)),
            ("2 – at risk", counts.get(2, 0)),
            ("1 – no apparent risk", counts.get(1, 0)),
            ("Not yet assessed", counts.get(None, 0)),
        ],
        count_label="Children",
        exact=scope.exact,
        note="Open cases today, whatever the period. The category is the latest assessment's "
        "final category, or the quick screening of a concern before any assessment.",
    )
    return with_bars(table)


def monthly_trend(scope: DashboardScope, period: Period) -> Table:
    # Each concern belongs to one case, so the join repeats no concern.
    concerns = counted_by(concerns_in(scope, period), TruncMonth("occurred_on"), distinct=None)
    cases = counted_by(cases_started(scope, period), TruncMonth("started"))
    months = period.months()
    rows = [
        [
            f"{month:%B %Y}",
            suppress(concerns.get(month, 0), exact=scope.exact),
            suppress(cases.get(month, 0), exact=scope.exact),
        ]
        for month in months
    ]
    table = Table(
        slug="trend",
        title="New concerns and new cases each month",
        columns=["Month", "Concerns logged", "New cases"],
        rows=rows,
        note="Concerns by the date they happened; cases by the first contact date.",
    )
    table.chart = line_chart_svg(
        [f"{month:%b %y}" for month in months],
        [("Concerns logged", [row[1] for row in rows]), ("New cases", [row[2] for row in rows])],
        title=table.title,
        chart_id=table.slug,
    )
    return table


def missing_children(scope: DashboardScope, period: Period) -> Table:
    episodes = MissingEpisode.objects.filter(
        case__owner_agency_id__in=scope.agency_ids,
        case__archived_at__isnull=True,
        archived_at__isnull=True,
        started_at__gte=period.moments()[0],
        started_at__lt=period.moments()[1],
    )
    within = Q(
        return_interview_completed_at__isnull=False,
        ended_at__isnull=False,
        return_interview_completed_at__lte=F("ended_at") + timedelta(hours=72),
    )
    figures = episodes.aggregate(
        children=Count("case__child", distinct=True),
        episodes=Count("id"),
        returned=Count("id", filter=Q(ended_at__isnull=False)),
        within=Count("id", filter=within),
        reported=Count("id", filter=Q(reported_to_police=True)),
    )
    counts = [
        ("Children reported missing or away", figures["children"]),
        ("Missing episodes", figures["episodes"]),
        ("Episodes reported to the police", figures["reported"]),
        ("Episodes ended (child returned or found)", figures["returned"]),
        ("Return interviews completed within 72 hours", figures["within"]),
    ]
    table = breakdown_table(
        slug="missing",
        title="Children missing from home or care",
        label="Measure",
        counts=counts,
        exact=scope.exact,
        total=False,
        note="Episodes that started in the period. "
        + f"Return interviews within 72 hours: {percentage(figures['within'], figures['returned'])}"
        " of ended episodes.",
    )
    return table


def living_situation(scope: DashboardScope) -> Table:
    figures = open_cases(scope).aggregate(
        **{
            value: Count("child_id", distinct=True, filter=Q(living_situation=value))
            for value in LivingSituation.values
        },
        moved_after_intervention=Count(
            "child_id",
            distinct=True,
            filter=Q(moved_into_care_after_intervention=YesNoUnknown.YES),
        ),
    )
    moved = figures.pop("moved_after_intervention")
    counts = figures
    table = breakdown_table(
        slug="living-situation",
        title="Children with open cases, by living situation",
        label="Living situation",
        counts=[(label, counts.get(value, 0)) for value, label in LivingSituation.choices],
        count_label="Children",
        exact=scope.exact,
    )
    shown = suppress(moved, exact=scope.exact)
    table.note = (
        "Moved into care after intervention: "
        + ("fewer than 5" if shown is None else str(shown))
        + " children."
    )
    return with_bars(table)


def referrals(scope: DashboardScope, period: Period) -> list[Table]:
    ids = scope.agency_ids
    sent = Referral.objects.filter(
        Q(from_agency_id__in=ids) | Q(to_agency_id__in=ids),
        sent_at__gte=period.moments()[0],
        sent_at__lt=period.moments()[1],
    )
    acknowledged = Q(acknowledged_at__isnull=False)
    decided = Q(decided_at__isnull=False)
    figures = sent.aggregate(
        **{
            f"state_{value}": Count("id", filter=Q(status=value))
            for value in Referral.Status.values
        },
        acknowledged=Count("id", filter=acknowledged),
        acknowledged_in_time=Count(
            "id", filter=acknowledged & Q(acknowledged_at__lte=F("acknowledge_due"))
        ),
        decided=Count("id", filter=decided),
        decided_in_time=Count("id", filter=decided & Q(decided_at__lte=F("decision_due"))),
        median_acknowledge=Median(epoch_hours("acknowledged_at", "sent_at"), filter=acknowledged),
        median_decide=Median(epoch_hours("decided_at", "sent_at"), filter=decided),
    )
    states = breakdown_table(
        slug="referrals-by-state",
        title="Referrals sent in the period, by where they are now",
        label="State",
        counts=[(label, figures[f"state_{value}"]) for value, label in Referral.Status.choices],
        count_label="Referrals",
        exact=scope.exact,
        note="Referrals to or from the agencies chosen.",
    )
    times = figures
    medians = {"acknowledge": figures["median_acknowledge"], "decide": figures["median_decide"]}
    overdue_now = Referral.objects.filter(overdue_q(timezone.now()), to_agency_id__in=ids).count()
    exact = scope.exact
    timeliness = Table(
        slug="referral-times",
        title="Are referrals answered in time?",
        columns=["Measure", "Referrals", "Within the deadline", "Median time (hours)"],
        rows=[
            [
                "Acknowledged",
                suppress(times["acknowledged"], exact=exact),
                percentage(times["acknowledged_in_time"], times["acknowledged"]),
                hours(medians["acknowledge"]),
            ],
            [
                "Accepted or declined",
                suppress(times["decided"], exact=exact),
                percentage(times["decided_in_time"], times["decided"]),
                hours(medians["decide"]),
            ],
            [
                "Overdue now (received by the agencies chosen)",
                suppress(overdue_now, exact=exact),
                "",
                "",
            ],
        ],
        note="Times are from sending; the deadlines are the partnership's.",
    )
    return [with_bars(states), timeliness]


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def reassessments(scope: DashboardScope) -> Table:
    today = timezone.localdate()
    completed = RiskAssessment.objects.filter(
        case=OuterRef("pk"), status=RiskAssessment.Status.COMPLETED
    )
    figures = (
        cases_reassessment_due(open_cases(scope))
        .annotate(assessed=Exists(completed))
        .aggregate(
            overdue=Count("id", filter=Q(next_due__lt=today)),
            never=Count("id", filter=Q(assessed=False)),
        )
    )
    overdue, never = figures["overdue"], figures["never"]
    return breakdown_table(
        slug="reassessments",
        title="Risk assessments due",
        label="Open cases",
        counts=[
            ("Reassessment overdue (more than 3 months since the last)", overdue),
            ("Never fully assessed", never),
        ],
        count_label="Cases",
        exact=scope.exact,
        total=False,
        note=f"Open cases today ({today:%-d %B %Y}).",
    )


def suspects(scope: DashboardScope, period: Period) -> list[Table]:
    # One read grouped by all four breakdowns at once (a few hundred rows at most), summed
    # here into each breakdown.
    rows = (
        suspects_in(scope, period)
        .annotate(age=person_age_on(F("known")))
        .annotate(
            level_key=identification_level_expression(),
            band_key=age_band_expression("age"),
            group_key=ethnicity_group_expression("ethnicity"),
        )
        .values("level_key", "sex", "band_key", "group_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    level, sex, bands, groups = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        level[row["level_key"]] += row["n"]
        sex[row["sex"]] += row["n"]
        bands[row["band_key"]] += row["n"]
        groups[row["group_key"]] += row["n"]
    breakdowns = [
        ("suspects-identification", "Suspects by how well they are identified", "Identification",
         level, IDENTIFICATION,
         "As the CEOP assessment counted them. Suspects first known in the period."),
        ("suspects-sex", "Suspects by sex", "Sex", sex, Sex.choices, ""),
        ("suspects-age", "Suspects by age when first known", "Age", bands, AGE_BANDS, ""),
        ("suspects-ethnicity", "Suspects by ethnicity group (self-defined)", "Ethnicity group",
         groups, ETHNICITY_GROUPS, ""),
    ]  # fmt: skip
    tables = [
        breakdown_table(
            slug=slug,
            title=title,
            label=label,
            counts=[(name, counts.get(value, 0)) for value, name in choices],
            count_label="Suspects",
            exact=scope.exact,
            note=note,
        )
        for slug, title, label, counts, choices, note in breakdowns
    ]
    return [with_bars(table) for table in tables]


def networks(scope: DashboardScope) -> Table:
    # One grouped read of the suspects in each network, bucketed here: a size expression in
    # SQL would repeat its subquery for every bucket.
    sizes = (
        NetworkMember.objects.filter(
            network__owner_agency_id__in=scope.agency_ids,
            network__archived_at__isnull=True,
            person__kind=Person.Kind.SUSPECT,
        )
        .values("network")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("n", flat=True)
    )
    counts = Counter(network_size_bucket(size) for size in sizes)
    return with_bars(
        breakdown_table(
            slug="networks",
            title="Networks, by number of suspects",
            label="Size",
            counts=[(label, counts.get(value, 0)) for value, label in NETWORK_SIZES],
            count_label="Networks",
            exact=scope.exact,
            note="Networks recorded today with at least one suspect, whatever the period.",
        )
    )


def network_size_bucket(size: int) -> str:
    if size <= 2:
        return str(size)
    if size <= 5:
        return "3_5"
    return "6_10" if size <= 10 else "11_plus"


def locations(scope: DashboardScope, period: Period) -> Table:
    linked = ConcernLocation.objects.filter(
        location=OuterRef("pk"), concern__in=concerns_in(scope, period)
    )
    counts = counted_by(
        Location.objects.filter(
            owner_agency_id__in=scope.agency_ids, archived_at__isnull=True
        ).filter(Exists(linked)),
        F("type"),
    )
    table = breakdown_table(
        slug="locations",
        title="Places named in concerns, by type",
        label="Type of place",
        counts=sorted(
            [(label, counts.get(value, 0)) for value, label in LocationType.choices],
            key=lambda row: -row[1],
        ),
        count_label="Places",
        exact=scope.exact,
        note="Each place counted once, if a concern in the period names it.",
    )
    return with_bars(table)


def indicators_present(scope: DashboardScope, period: Period, limit: int = 10) -> Table:
    """How often each warning sign was ticked in concerns and found present in completed
    assessments in the period; the most frequent first."""
    concerns = concerns_in(scope, period).order_by().values("indicator_codes")
    sql, params = concerns.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code, COUNT(*) FROM ({sql}) AS c, "  # noqa: S608
            "jsonb_array_elements_text(c.indicator_codes) AS code GROUP BY code",
            params,
        )
        in_concerns = dict(cursor.fetchall())
    responses = AssessmentResponse.objects.filter(
        assessment__case__owner_agency_id__in=scope.agency_ids,
        assessment__case__archived_at__isnull=True,
        assessment__status=RiskAssessment.Status.COMPLETED,
        assessment__assessed_on__range=(period.start, period.end),
        presence__in=[PRESENT, PRESENT_RECENT, PRESENT_EARLIER, PRESENT_BOTH],
    )
    in_assessments = {
        row["indicator__code"]: row["n"]
        for row in responses.values("indicator__code").annotate(n=Count("id")).order_by()
    }
    texts = dict(indicator_set_current().indicators.values_list("code", "text"))
    codes = sorted(
        set(in_concerns) | set(in_assessments),
        key=lambda code: (-(in_concerns.get(code, 0) + in_assessments.get(code, 0)), code),
    )[:limit]
    exact = scope.exact
    table = Table(
        slug="indicators",
        title="Warning signs most often present",
        columns=["Warning sign", "Concerns", "Completed assessments"],
        rows=[
            [
                f"{code} {texts.get(code, '')}".strip(),
                suppress(in_concerns.get(code, 0), exact=exact),
                suppress(in_assessments.get(code, 0), exact=exact),
            ]
            for code in codes
        ],
        note="From the partnership's indicator set (DCSF 2009 warning signs, SERAF-style).",
    )
    table.chart = bar_chart_svg(
        [(row[0][:3], combined(row[1], row[2])) for row in table.rows],
        title=table.title,
        chart_id=table.slug,
    )
    return table


def meeting_actions(scope: DashboardScope) -> Table:
    """Actions from the partnership's multi-agency meetings owned by each agency: are they done
    in time? Each column is suppressed as a breakdown, so no small count is found from the
    total."""
    counts = action_counts_by_agency(
        partnership=scope.partnership, agency_ids=scope.agency_ids, today=timezone.localdate()
    )
    keys = ("open", "overdue", "done")
    columns = []
    for key in keys:
        values = [counts.get(agency.pk, {}).get(key, 0) for agency in scope.agencies]
        columns.append(suppress_breakdown(values, sum(values), exact=scope.exact))
    rows = [
        [agency.name, *(shown[i] for shown, _ in columns)]
        for i, agency in enumerate(scope.agencies)
    ]
    rows.append(["Total", *(total for _, total in columns)])
    return Table(
        slug="meeting-actions",
        title="Actions from multi-agency meetings, by agency responsible",
        columns=["Agency", "Open", "Overdue now", "Done"],
        rows=rows,
        note="Actions given at the partnership's meetings, whatever the period (cancelled"
        " meetings left out); overdue means open past its due date today.",
    )


def disruption(scope: DashboardScope, period: Period) -> Table:
    from reports.problem_profile import disruption_table

    return disruption_table(scope, period)


def combined(*values: int | None) -> int | None:
    return None if any(v is None for v in values) else sum(values)


def with_bars(table: Table) -> Table:
    """A bar chart of the table's first count column (without its total row)."""
    rows = [row for row in table.rows if row[0] != "Total"]
    table.chart = bar_chart_svg(
        [(str(row[0]), row[1]) for row in rows], title=table.title, chart_id=table.slug
    )
    return table


def dashboard_tables(scope: DashboardScope, period: Period) -> list[Table]:
    return [table for _, producer in OVERVIEW_PANELS for table in producer(scope, period)]


# The overview's figures are kept for a scope and period until any record they count changes:
# the key holds the latest history row of each model they read (every save and removal
# through the application writes one, imports too), read in one query of indexed look-ups
# instead of the panels' aggregates. FIGURES_KEPT_FOR bounds what the key cannot see: a
# figure that changes with the time of day alone (referrals overdue now) and a change made
# outside the application. A test proves every table the figures read is here.
FIGURES_READ = (
    Agency, AgendaItem, AssessmentResponse, Case, Concern, ConcernLocation, DisruptionActivity,
    IndicatorSet, Location, Meeting, MeetingAction, MissingEpisode, Network, NetworkMember,
    Person, PersonAlias, Referral, RiskAssessment,
)  # fmt: skip
FIGURES_KEPT_FOR = timedelta(minutes=5)


def figures_version() -> tuple:
    """The latest history row of each model of FIGURES_READ: it changes whenever one of their
    records is saved or removed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(_latest_history(model) for model in FIGURES_READ))
        return cursor.fetchone()


def _latest_history(model) -> str:
    meta = model.history.model._meta
    column, table = (connection.ops.quote_name(name) for name in (meta.pk.column, meta.db_table))
    return f"(SELECT MAX({column}) FROM {table})"  # noqa: S608 - a model's own names only


def _figures_key(scope: DashboardScope, period: Period) -> str:
    """The scope (exact and suppressed figures apart), the period, today, and the records."""
    version = hashlib.sha256(repr(figures_version()).encode()).hexdigest()[:16]
    return ":".join(
        [
            "dashboard-figures",
            str(scope.partnership.pk),
            ",".join(str(pk) for pk in scope.agency_ids),
            "exact" if scope.exact else "suppressed",
            period.start.isoformat(),
            period.end.isoformat(),
            timezone.localdate().isoformat(),
            version,
        ]
    )


def dashboard_tables_kept(scope: DashboardScope, period: Period) -> list[Table]:
    """The overview's tables, computed once for the same scope, period, day and records."""
    key = _figures_key(scope, period)
    tables = cache.get(key)
    if tables is None:
        tables = dashboard_tables(scope, period)
        cache.set(key, tables, FIGURES_KEPT_FOR.total_seconds())
    return tables


# Each panel: the slugs of its tables and the producer that computes them, so that a CSV
# download computes only its own panel.
DASHBOARD_PANELS = [
    (("children-by-risk",), lambda scope, period: [children_by_risk(scope)]),
    (("trend",), lambda scope, period: [monthly_trend(scope, period)]),
    (("missing",), lambda scope, period: [missing_children(scope, period)]),
    (("living-situation",), lambda scope, period: [living_situation(scope)]),
    (("referrals-by-state", "referral-times"), referrals),
    (("reassessments",), lambda scope, period: [reassessments(scope)]),
    (
        ("suspects-identification", "suspects-sex", "suspects-age", "suspects-ethnicity"),
        suspects,
    ),
    (("networks",), lambda scope, period: [networks(scope)]),
    (("locations",), lambda scope, period: [locations(scope, period)]),
    (("indicators",), lambda scope, period: [indicators_present(scope, period)]),
    (("meeting-actions",), lambda scope, period: [meeting_actions(scope)]),
    (("disruption",), lambda scope, period: [disruption(scope, period)]),
    (("quality-children", "quality-suspects"), lambda scope, period: data_quality_by_agency(
        scope, period
    )),
    (("quality-trend",), lambda scope, period: [data_quality_trend(scope, period)]),
]  # fmt: skip
OVERVIEW_PANELS = [panel for panel in DASHBOARD_PANELS if not panel[0][0].startswith("quality")]


def table_by_slug(slug: str, scope: DashboardScope, period: Period) -> Table | None:
    """One table: the overview's as kept (the cells the page showed), else its panel alone."""
    producer = next((p for slugs, p in DASHBOARD_PANELS if slug in slugs), None)
    if producer is None:
        return None
    overview = any(slug in slugs for slugs, _ in OVERVIEW_PANELS)
    tables = cache.get(_figures_key(scope, period)) if overview else None
    if tables is None:
        tables = producer(scope, period)
    return next(table for table in tables if table.slug == slug)


# Data quality ------------------------------------------------------------------------------

CHILD_FIELDS = [
    ("First contact date", Q(first_contact_date__isnull=True)),
    ("Age", Q(child__date_of_birth__isnull=True, child__estimated_age__isnull=True)),
    ("Sex", Q(child__sex__in=[Sex.UNKNOWN, ""])),
    ("Ethnicity", Q(child__ethnicity__in=[Ethnicity.UNKNOWN, ""])),
    ("Nationality", Q(child__nationality__in=["unknown", ""])),
    ("Ever missing", Q(reported_missing=YesNoUnknown.UNKNOWN)),
    ("Living situation", Q(living_situation=LivingSituation.UNKNOWN)),
    ("School engagement", Q(school_engagement="unknown")),
]
SUSPECT_FIELDS = [
    ("Age", Q(date_of_birth__isnull=True, estimated_age__isnull=True)),
    ("Sex", Q(sex__in=[Sex.UNKNOWN, ""])),
    ("Ethnicity", Q(ethnicity__in=[Ethnicity.UNKNOWN, ""])),
    ("Nationality", Q(nationality__in=["unknown", ""])),
    ("Identification", Q(level="no_basic_information")),
]


def _quality_rows(queryset, fields, *, key, labels: dict, exact: bool) -> list[list]:
    aggregates = {f"f{i}": Count("id", filter=q) for i, (_, q) in enumerate(fields)}
    rows = queryset.values(key).annotate(records=Count("id"), **aggregates).order_by()
    found = {row[key]: row for row in rows}
    totals = {name: sum(row[name] for row in found.values()) for name in ["records", *aggregates]}
    result = []
    for group, label in [*labels.items(), (None, "All")]:
        row = totals if group is None else found.get(group)
        if group is not None and row is None:
            row = dict.fromkeys(totals, 0)
        cells = [label, suppress(row["records"], exact=exact)]
        for name in aggregates:
            value = suppress(row[name], exact=exact)
            cells.append(value if value is None else percentage(row[name], row["records"]))
        result.append(cells)
    return result


def data_quality_by_agency(scope: DashboardScope, period: Period) -> list[Table]:
    labels = {agency.pk: agency.name for agency in scope.agencies}
    children = Table(
        slug="quality-children",
        title="Children: share of cases where each item is not known",
        columns=["Agency", "Cases", *[name for name, _ in CHILD_FIELDS]],
        rows=_quality_rows(
            cases_started(scope, period),
            CHILD_FIELDS,
            key="owner_agency_id",
            labels=labels,
            exact=scope.exact,
        ),
        note="Cases whose first contact (or, if not known, recording) was in the period. "
        "Ethnicity 'not stated' counts as recorded: the child was asked.",
    )
    suspect_rows = Table(
        slug="quality-suspects",
        title="Suspects: share where each item is not known",
        columns=["Agency", "Suspects", *[name for name, _ in SUSPECT_FIELDS]],
        rows=_quality_rows(
            suspects_in(scope, period).annotate(level=identification_level_expression()),
            SUSPECT_FIELDS,
            key="owner_agency_id",
            labels=labels,
            exact=scope.exact,
        ),
        note="Identification: suspects with no name, initials or alias (the CEOP assessment "
        "excluded 1,162 of 2,379 reported suspects for this).",
    )
    return [children, suspect_rows]


def data_quality_trend(scope: DashboardScope, period: Period) -> Table:
    """Per month, the share of all the items above that are not known, children and suspects."""
    children = _monthly_unknown_share(
        cases_started(scope, period).annotate(month=TruncMonth("started")), CHILD_FIELDS
    )
    people = _monthly_unknown_share(
        suspects_in(scope, period)
        .annotate(level=identification_level_expression())
        .annotate(month=TruncMonth("known")),
        SUSPECT_FIELDS,
    )
    months = period.months()
    rows = []
    for month in months:
        row = [f"{month:%B %Y}"]
        for figures in (children, people):
            unknown, items = figures.get(month, (0, 0))
            row.append(round(100 * unknown / items) if items else None)
        rows.append(row)
    table = Table(
        slug="quality-trend",
        title="Share of items not known, by month recorded",
        columns=["Month", "Children (% not known)", "Suspects (% not known)"],
        rows=[[r[0], "–" if r[1] is None else r[1], "–" if r[2] is None else r[2]] for r in rows],
        note="All the items of the tables above together. A dash: nothing recorded that month.",
    )
    table.chart = line_chart_svg(
        [f"{month:%b %y}" for month in months],
        [("Children", [r[1] for r in rows]), ("Suspects", [r[2] for r in rows])],
        title=table.title + " (per cent)",
        chart_id=table.slug,
    )
    return table


def _monthly_unknown_share(queryset, fields) -> dict[date, tuple[int, int]]:
    aggregates = {f"f{i}": Count("id", filter=q) for i, (_, q) in enumerate(fields)}
    rows = queryset.values("month").annotate(records=Count("id"), **aggregates).order_by()
    return {
        row["month"]: (sum(row[name] for name in aggregates), row["records"] * len(fields))
        for row in rows
    }


def records_to_fix(*, user, scope: DashboardScope, agency_ids: list[int], limit: int = 25):
    """Open cases the user may edit, with the most unknown items first, each with the names
    of its unknown items (`missing_items`). Goes through the access rule like any list."""
    flags = {f"u{i}": SqlCase(When(q, then=1), default=0) for i, (_, q) in enumerate(CHILD_FIELDS)}
    cases = visible(user, open_cases(scope)).filter(owner_agency_id__in=agency_ids)
    found = list(
        cases.annotate(**flags)
        .annotate(unknown=sum((F(name) for name in flags), start=Value(0)))
        .filter(unknown__gt=0)
        .select_related("child", "owner_agency")
        .order_by("-unknown", "created_at")[:limit]
    )
    for case in found:
        case.missing_items = [
            label for i, (label, _) in enumerate(CHILD_FIELDS) if getattr(case, f"u{i}")
        ]
    return found
