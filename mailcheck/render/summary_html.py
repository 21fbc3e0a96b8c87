"""The batch summary as one self-contained HTML page with small inline SVG charts.

Same rules as every mailcheck page: jinja2 autoescaping for everything (input text is
never marked safe), a Content-Security-Policy that fetches nothing (``default-src
'none'``) and allows only the page's own stylesheet by hash, no scripts, no ``style=``
attributes. Chart geometry is computed here, so the template only lays it out.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from typing import Any

import jinja2
import markupsafe

from .. import __version__

#: Colours of the stacked cause series, as SVG fill attributes (allowed by the CSP, unlike
#: style= attributes, and independent of the page's stylesheet).
PALETTE = ("#c0392b", "#2471a3", "#d68910", "#239b56", "#7d3c98", "#5d6d7e", "#aab7b8")
#: More days than this are grouped by month in the "causes over time" chart.
MAX_DAY_BARS = 62

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f23;margin:0 auto;
max-width:1100px;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.kicker{color:#57606a;font-size:.85rem;text-transform:uppercase;letter-spacing:.05em}
.totals{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #d0d7de;border-radius:6px;
padding:.6rem 1rem;min-width:9rem}.card b{display:block;font-size:1.4rem}
table.data{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
table.data th,table.data td{border-bottom:1px solid #eaeef2;padding:.25rem .6rem;text-align:left;
vertical-align:top}table.data td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 2rem}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#1b1f23}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend svg{margin-right:.3rem;vertical-align:middle}
ol.fix{margin:.2rem 0 .8rem 1.2rem;padding:0}code{font-size:.85rem}
.muted{color:#57606a}footer{margin-top:3rem;color:#57606a;font-size:.8rem}
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mailcheck.render", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)


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


def render_summary_html(summary: dict[str, Any], *, title: str = "mailcheck batch summary",
                        inputs: list[str] | None = None) -> str:
    """The whole page as a string."""
    css = CSS
    csp = f"default-src 'none'; style-src '{_sha256(css)}'; img-src data:; form-action 'none'; " \
          "base-uri 'none'"
    view = {
        "s": summary,
        "title": title,
        "inputs": inputs or [],
        "css": markupsafe.Markup(css),
        "csp": csp,
        "version": __version__,
        "causes_chart": _causes_chart(summary["causes_over_time"]),
        "domains_chart": _hbar_chart(summary["by_recipient_domain"]),
        "reasons_chart": _hbar_chart(summary["by_reason"]),
    }
    return _environment().get_template("batch_summary.html.j2").render(**view)
