"""A failure injected at the last write of a page's writes, and a fingerprint of every table, so
that a test can show that a page which writes several things writes all of them or none."""

from __future__ import annotations

from pkgutil import resolve_name

from django.apps import apps
from django.db import connection

# Tables a request may write to whatever it does: the session and the second factor's counter.
# The access log is not among them: a write it goes with must take it back too.
WRITTEN_BY_ANY_REQUEST = {
    "django_session",
    "otp_totp_totpdevice",
    "axes_accessattempt",
    "axes_accessfailurelog",
}


class InjectedFailure(Exception):
    """Raised by a function replaced with `fail_after`, once it has done its work."""


def fail_after(monkeypatch, target: str, *, call: int = 1) -> list:
    """Replace the function at the dotted `target` (a module's function, or a model's method
    such as "reports.models.TemplateImport.save") with one that does its work and then raises
    InjectedFailure on its `call`-th call: what it wrote, and everything written before it in
    the same request, must be taken back. Returns what each call returned, to check it ran."""
    real = resolve_name(target)
    results: list = []

    def failing(*args, **kwargs):
        result = real(*args, **kwargs)
        results.append(result)
        if len(results) == call:
            raise InjectedFailure(f"{target} failed on call {call}")
        return result

    monkeypatch.setattr(target, failing)
    return results


def table_fingerprints(
    excluded: set[str] = frozenset(WRITTEN_BY_ANY_REQUEST),
) -> dict[str, tuple[int, int]]:
    """Each table's row count and newest row version (xmin), leaving out `excluded`: a row
    inserted, changed or deleted since the last reading changes one of them. History tables
    are tables like any other."""
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed} - excluded)
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(max(xmin::text::bigint), 0) FROM \"{t}\""  # noqa: S608 - model tables
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {name: (count, newest) for name, count, newest in cursor.fetchall()}


def tables_changed(before: dict[str, tuple[int, int]]) -> list[str]:
    """The tables whose fingerprint differs from `before`."""
    after = table_fingerprints()
    return sorted(name for name in after if after[name] != before.get(name))
