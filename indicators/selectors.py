from __future__ import annotations

from indicators.models import Indicator, IndicatorSet


def indicator_set_current() -> IndicatorSet:
    return IndicatorSet.objects.get(is_current=True)


def indicators_by_section(indicator_set: IndicatorSet) -> dict[str, list[Indicator]]:
    sections: dict[str, list[Indicator]] = {key: [] for key in Indicator.Section.values}
    for indicator in indicator_set.indicators.all():
        sections[indicator.section].append(indicator)
    return sections
