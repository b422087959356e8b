"""Small server-side SVG charts. Every chart is shown with a table of the same figures."""

from __future__ import annotations

from datetime import date

from django.utils.html import escape


def category_trend_svg(points: list[tuple[date, int]], *, title: str) -> str:
    """A step line of risk categories (1 to 4) over time, oldest on the left."""
    width, height, left, bottom, top = 320, 140, 28, 24, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    if not points:
        return ""

    def y(category: int) -> float:
        return top + plot_h - (category - 1) * plot_h / 3

    count = len(points)
    xs = [left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2) for i in range(count)]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y(category):.1f}"
        for i, (x, (_, category)) in enumerate(zip(xs, points, strict=True))
    )
    gridlines = "".join(
        f'<line x1="{left}" x2="{width - 10}" y1="{y(c):.1f}" y2="{y(c):.1f}" stroke="#b1b4b6" '
        f'stroke-width="1"/><text x="{left - 8}" y="{y(c) + 4:.1f}" font-size="12" '
        f'text-anchor="end" fill="#0b0c0c">{c}</text>'
        for c in (1, 2, 3, 4)
    )
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y(category):.1f}" r="4" fill="#1d70b8"/>'
        for x, (_, category) in zip(xs, points, strict=True)
    )
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
        f'fill="#0b0c0c">{day:%b %y}</text>'
        for x, (day, _) in zip(xs, points, strict=True)
    )
    return (
        f'<svg class="app-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="trend-title">{escape(title)}</title>{gridlines}'
        f'<path d="{path}" fill="none" stroke="#1d70b8" stroke-width="3"/>{dots}{labels}</svg>'
    )


# GOV.UK colours with at least 3:1 contrast on white; the second series is also dashed so
# that colour is never the only difference (WCAG 1.4.1).
SERIES_STYLES = [("#1d70b8", ""), ("#912b88", ' stroke-dasharray="6 4"')]


def bar_chart_svg(rows: list[tuple[str, int | None]], *, title: str, chart_id: str) -> str:
    """Horizontal bars, one per row. A value of None is suppressed: no bar, and "<5"."""
    if not rows:
        return ""
    label_w, bar_w, row_h, value_w = 190, 240, 26, 60
    width, height = label_w + bar_w + value_w, row_h * len(rows) + 8
    largest = max((value or 0 for _, value in rows), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" text-anchor="end" '
            f'fill="#0b0c0c">{escape(shown)}</text>'
        )
        length = 0 if value is None else bar_w * value / largest
        if length:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                f'fill="#1d70b8"/>'
            )
        parts.append(
            f'<text x="{label_w + length + 6:.1f}" y="{y + 17}" font-size="13" '
            f'fill="#0b0c0c">{"&lt;5" if value is None else value}</text>'
        )
    return (
        f'<svg class="app-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{"".join(parts)}</svg>'
    )


def line_chart_svg(
    labels: list[str],
    series: list[tuple[str, list[int | None]]],
    *,
    title: str,
    chart_id: str,
) -> str:
    """One line per series over the labels (months, oldest first), with a legend. A value of
    None (suppressed) breaks the line."""
    if not labels or not series:
        return ""
    width, height, left, right, top, bottom = 560, 220, 40, 28, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max((v or 0 for _, values in series for v in values), default=0) or 1
    count = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(value: int) -> float:
        return top + plot_h - plot_h * value / largest

    parts = [
        f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="#b1b4b6"/><text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" '
        f'text-anchor="end" fill="#0b0c0c">{v}</text>'
        for v in sorted({0, largest // 2, largest})
    ]
    step = max(1, count // 8)
    parts += [
        f'<text x="{x(i):.1f}" y="{height - 10}" font-size="11" text-anchor="middle" '
        f'fill="#0b0c0c">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % step == 0 or i == count - 1
    ]
    for n, (name, values) in enumerate(series):
        colour, dash = SERIES_STYLES[n % len(SERIES_STYLES)]
        segments, current = [], []
        for i, value in enumerate(values):
            if value is None:
                segments, current = [*segments, current] if current else segments, []
            else:
                current.append(f"{x(i):.1f},{y(value):.1f}")
        if current:
            segments.append(current)
        for points in segments:
            if len(points) == 1:
                cx, cy = points[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="3"{dash}/>'
                )
        legend_x = left + n * 200
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 24}" y1="12" y2="12" stroke="{colour}" '
            f'stroke-width="3"{dash}/><text x="{legend_x + 30}" y="16" font-size="12" '
            f'fill="#0b0c0c">{escape(name)}</text>'
        )
    return (
        f'<svg class="app-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{"".join(parts)}</svg>'
    )
