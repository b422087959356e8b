"""Loading indicator sets from their files."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from indicators.models import Indicator, IndicatorSet

SHIPPED_SET = Path(__file__).resolve().parent / "data" / "partnership-cse-v1.json"


@transaction.atomic
def indicator_set_load(
    *, data: dict, make_current: bool = True, indicator_set_model=None, indicator_model=None
) -> IndicatorSet:
    """Create an indicator set from its file's content (models may be a migration's)."""
    set_model = indicator_set_model or IndicatorSet
    item_model = indicator_model or Indicator
    if make_current:
        set_model.objects.filter(is_current=True).update(is_current=False)
    indicator_set = set_model.objects.create(
        name=data["name"],
        version=data["version"],
        source_note=data.get("source_note", ""),
        points=data["points"],
        bands=data["bands"],
        rules=data["rules"],
        is_current=make_current,
    )
    order = 0
    for section in data["sections"]:
        for item in section["indicators"]:
            order += 1
            item_model.objects.create(
                indicator_set=indicator_set,
                code=item["code"],
                section=section["key"],
                text=item["text"],
                dcsf=item.get("dcsf", False),
                order=order,
            )
    return indicator_set


def shipped_set_data() -> dict:
    return json.loads(SHIPPED_SET.read_text())
