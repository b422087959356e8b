"""Edits of a record by people who may be working on it at the same time.

A form for a versioned record (core.models.VersionedModel) carries the version it was filled in
from. Saving checks it under a row lock (core.services.record_lock_for_edit). When someone else
saved the record in between:

- if they changed none of the fields on this form (say, an assessment set the case's risk
  category while its details were being edited), the edit is saved on top of theirs;
- otherwise nothing is saved and the form comes back with what was typed, a message naming who
  saved and when, and a table of both versions of every field where they differ. The form now
  carries the current version, so saving it again is a deliberate choice of these answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from core.services import EditConflict, RecordBusy

VERSION_FIELD = "version"


def edit_version_add(form: forms.Form, record, *, version: int | None = None) -> forms.Form:
    """Give `form` the hidden version it is filled in from: `record`'s, or `version` for a
    record made at its first save (0 until it exists)."""
    # Not required: a form opened before this field existed (during an upgrade) still saves,
    # unchecked, as it would have before; every form rendered now carries it.
    form.fields[VERSION_FIELD] = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        required=False,
        error_messages={
            "invalid": "This form was changed after it was shown: open the page again",
            "min_value": "This form was changed after it was shown: open the page again",
        },
    )
    # A copy: views compare what was posted with the initial values they passed in.
    form.initial = {
        **form.initial,
        VERSION_FIELD: record.version if version is None else version,
    }
    return form


@dataclass
class ConflictRow:
    label: str
    saved: str
    yours: str


@dataclass
class Conflict:
    saved_by: str
    saved_at: datetime | None
    rows: list[ConflictRow] = field(default_factory=list)
    busy: bool = False  # the record was locked by a longer write: nothing to compare yet


def shown(form_field: forms.Field, value) -> str:
    """A value as a person reads it: choices by their label, dates written out."""
    if value in (None, "", []):
        return "Not recorded"
    if isinstance(value, list | tuple):  # a multiple choice
        return ", ".join(shown(form_field, item) for item in value)
    choices = dict(getattr(form_field, "choices", None) or [])
    if choices:
        return str(choices.get(value, choices.get(str(value), value)))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def fields_changed_since(*, current, version: int, names: list[str]) -> list[str]:
    """Those of `names` that differ between `current` and the record as it was at `version`
    (all of them if the history of that version cannot be found)."""
    then = current.history.filter(version=version).order_by("-history_id").first()
    if then is None:
        return list(names)
    return [name for name in names if getattr(then, name, None) != getattr(current, name, None)]


def edit_save(
    *,
    form: forms.Form,
    save: Callable[[int], object],
    saved_value: Callable[[object, str], object] | None = None,
    merge_by_history: bool = True,
) -> Conflict | None:
    """Call `save(expected_version)` for a valid `form`. Returns None once saved, or the
    Conflict to show, with the form turned to the current version and a non-field error."""
    expected = form.cleaned_data.get(VERSION_FIELD)
    names = [name for name in form.fields if name != VERSION_FIELD]
    read = saved_value or (lambda record, name: getattr(record, name, None))
    try:
        save(expected)
        return None
    except EditConflict as conflict:
        current = conflict.current
    except RecordBusy:
        return _busy(form)
    if (
        merge_by_history
        and expected is not None
        and not fields_changed_since(current=current, version=expected, names=names)
    ):
        try:
            save(current.version)
            return None
        except EditConflict as again:
            current = again.current
        except RecordBusy:
            return _busy(form)
    rows = [
        ConflictRow(
            label=str(form.fields[name].label or name),
            saved=shown(form.fields[name], read(current, name)),
            yours=shown(form.fields[name], form.cleaned_data.get(name)),
        )
        for name in names
        if read(current, name) != form.cleaned_data.get(name)
    ]
    saved_by = current.modified_by.full_name if current.modified_by else "Someone else"
    form.data = form.data.copy()
    form.data[form.add_prefix(VERSION_FIELD)] = str(current.version)
    at = date_format(timezone.localtime(current.modified_at), "H:i")
    form.add_error(
        None,
        f"{saved_by} saved this record at {at}"
        " while you were editing it, and nothing of yours was saved. Compare the two versions,"
        " change your answers if needed and save again: your answers will replace theirs.",
    )
    return Conflict(saved_by=saved_by, saved_at=current.modified_at, rows=rows)


def _busy(form: forms.Form) -> Conflict:
    form.add_error(
        None,
        "This record is being saved by an import or by someone else, and nothing of yours was"
        " saved. Your answers are below: save again in a minute.",
    )
    return Conflict(saved_by="", saved_at=None, busy=True)
