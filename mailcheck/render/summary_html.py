"""The batch summary as one self-contained HTML page with small inline SVG charts.

The page extends the shared shell (``base.html.j2`` through
:func:`mailcheck.render.html.render_page`): jinja2 autoescaping for everything (input text
is never marked safe), the Content-Security-Policy that fetches nothing and allows only the
shell's hashed stylesheet and script, no ``style=`` attributes (chart colours are SVG
presentation attributes). Chart geometry is computed here, so the template only lays it out.
"""

from __future__ import annotations

from typing import Any

#: Colours of the stacked cause series, as SVG fill attributes (allowed by the CSP, unlike
#: style= attributes, and independent of the page's stylesheet).
PALETTE = ("#c0392b", "#2471a3", "#d68910", "#239b56", "#7d3c98", "#5d6d7e", "#aab7b8")
#: More days than this are grouped by month in the "causes over time" chart.
MAX_DAY_BARS = 62


def _causes_chart(cot: dict[str, Any]) -> dict[str, Any] | None:
    """Stacked bars: one per day (or month), one colour per top cause."""
    causes = cot["causes"]
    days = cot["days"]
    if not days or not causes:
        return None
    if len(days) > MAX_DAY_BARS:
        months: dict[str, list[int]] = {}
        for day, counts in days:
            acc = months.setdefault(day[:7], [0] * len(causes))
            for i, c in enumerate(counts):
                acc[i] += c
        days = [[m, v] for m, v in months.items()]
    width, height, left, bottom, right = 760, 220, 40, 40, 40
    peak = max(sum(c) for _, c in days) or 1
    step = (width - left - right) / len(days)
    bar_w = max(1.0, step * 0.8)
    bars = []
    for i, (label, counts) in enumerate(days):
        x = left + i * step
        y = height - bottom
        for j, c in enumerate(counts):
            if not c:
                continue
            h = (height - bottom - 10) * c / peak
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1),
                         "h": round(h, 1), "fill": PALETTE[j],
                         "title": f"{label}: {causes[j]} {c}"})
    every = max(1, len(days) // 8)
    ticks = [{"x": round(left + i * step + bar_w / 2, 1), "label": label}
             for i, (label, _) in enumerate(days) if i % every == 0]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "peak": peak,
            "axis_y": height - bottom, "left": left,
            "legend": [{"fill": PALETTE[j], "label": c} for j, c in enumerate(causes)]}


def _hbar_chart(rows: list[list[Any]], limit: int = 10) -> dict[str, Any] | None:
    rows = [r for r in rows if r[0] != "(other)"][:limit]
    if not rows:
        return None
    width, row_h, label_w = 380, 20, 150
    peak = max(c for _, c in rows) or 1
    bars = [{"y": i * row_h, "w": round((width - label_w - 50) * c / peak, 1), "label": str(k),
             "count": c} for i, (k, c) in enumerate(rows)]
    return {"width": width, "height": len(rows) * row_h + 4, "label_w": label_w, "bars": bars,
            "row_h": row_h}


def render_summary_html(summary: dict[str, Any], *, title: str | None = None,
                        inputs: list[str] | None = None, lang: str = "en") -> str:
    """The whole page as a string (the shared page shell of :mod:`mailcheck.render.html`)."""
    from ..i18n import batch_labels
    from .html import render_page

    words = batch_labels(lang)
    return render_page(
        "batch_summary.html.j2", lang=lang, title=title or words["title"], W=words, s=summary,
        inputs=inputs or [],
        causes_chart=_causes_chart(summary["causes_over_time"]),
        domains_chart=_hbar_chart(summary["by_recipient_domain"]),
        reasons_chart=_hbar_chart(summary["by_reason"]))
