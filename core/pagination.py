"""Pages of lists whose rows join other tables."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class KeysFirstPaginator(Paginator):
    """A paginator that reads the page's keys first, in the list's order, from the list's own
    table, then only those rows with the tables they join. Reading the page with its joins at
    once makes PostgreSQL join every matching row (a case list joins every child) before it
    sorts them to keep one page. The list must be ordered to the last column (end with the
    primary key), so that a page is the same whichever plan reads it.

    `rows`: the rows to read the page from, where the list's own conditions (the access rule)
    are costly to repeat: the keys carry them, so the page's rows need only be found by key."""

    def __init__(self, object_list: QuerySet, per_page, *, rows: QuerySet | None = None, **kw):
        super().__init__(object_list, per_page, **kw)
        self.rows = rows

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        rows = self.object_list if self.rows is None else self.rows
        rows = rows.filter(pk__in=keys).order_by(*self.object_list.query.order_by)
        return self._get_page(rows, number, self)
