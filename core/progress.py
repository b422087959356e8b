"""Progress that others can see while the work itself is still inside one transaction.

An all-or-nothing job (a template import) writes everything in a single transaction, so a
progress figure saved on the job's own connection would stay invisible until the very end.
`ProgressChannel` saves it on a second, autocommitting connection instead.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model


class ProgressChannel:
    """A second database connection that updates fields of one row, committed at once."""

    def __init__(self, instance: Model, *, using: str = "default") -> None:
        self.model, self.pk = type(instance), instance.pk
        self.connection = connections.create_connection(using)

    def __enter__(self) -> ProgressChannel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.connection.close()

    def update(self, **values: int | str) -> None:
        """Save plain values (numbers, text) to the row, visible to every other connection."""
        meta = self.model._meta
        columns = [self.connection.ops.quote_name(meta.get_field(name).column) for name in values]
        assignments = ", ".join(f"{column} = %s" for column in columns)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model's own metadata
                f"WHERE {self.connection.ops.quote_name(meta.pk.column)} = %s",
                [*values.values(), self.pk],
            )
