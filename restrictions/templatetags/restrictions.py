"""`{% restriction_panel record %}`: on a person's or case's page, whether it is restricted and
to whom, the viewer's emergency access, and the way to restrict it or lift the restriction."""

from __future__ import annotations

from django import template

from restrictions import selectors
from restrictions.views import may_restrict

register = template.Library()


@register.inclusion_tag("restrictions/_panel.html", takes_context=True)
def restriction_panel(context, record) -> dict:
    user = context["request"].user
    restrictions = selectors.restrictions_over(record=record, for_panel=True)
    kind = "person" if record._meta.model_name == "person" else "case"
    # The record's own restriction names it in the field of its kind; the others are
    # inherited (a case's, through its child).
    own = next((r for r in restrictions if getattr(r, f"{kind}_id") == record.pk), None)
    named = (
        [row.user for row in own.named.select_related("user").order_by("user__full_name")]
        if own
        else []
    )
    restrictor = may_restrict(user, record)
    return {
        "record": record,
        "restrictions": restrictions,
        "own": own,
        "inherited": [r for r in restrictions if r is not own],
        "named": named,
        "manages": own is not None and restrictor and any(u.pk == user.pk for u in named),
        "may_restrict": own is None and restrictor,
        "kind": kind,
        "emergency": selectors.emergency_access_current(
            user=user, record=record, restrictions=restrictions
        ),
    }
