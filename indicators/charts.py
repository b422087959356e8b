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
