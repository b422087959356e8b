"""A record's change history as rows a person can read: field, old value, new value, who, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    kind: str
    field: str
    old: str
    new: str
    reason: str


def _display(record, field: models.Field) -> str:
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "–"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


HIDDEN_FIELDS = {"id", "public_id", "created_at", "modified_at", "created_by", "modified_by"}


def history_changes(record: models.Model) -> list[Change]:
    """Newest first. Creation shows every recorded value; later versions only what changed."""
    versions = list(record.history.select_related("history_user").order_by("history_id"))
    fields = [f for f in record._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
    changes: list[Change] = []
    previous = None
    for version in versions:
        who = version.history_user.full_name if version.history_user else "System"
        kind = {"+": "Created", "~": "Changed", "-": "Removed"}[version.history_type]
        for field in fields:
            new = _display(version, field)
            old = _display(previous, field) if previous is not None else "–"
            if previous is None and new == "–":
                continue
            if previous is not None and old == new:
                continue
            changes.append(
                Change(
                    at=version.history_date,
                    who=who,
                    kind=kind,
                    field=str(field.verbose_name).capitalize(),
                    old=old,
                    new=new,
                    reason=version.history_change_reason or "",
                )
            )
        previous = version
    return list(reversed(changes))
