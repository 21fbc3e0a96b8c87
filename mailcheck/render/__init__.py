"""Renderers: a Diagnosis in, text out. ``render(diag, fmt)`` picks the format."""

from __future__ import annotations

import json

from ..model import Diagnosis

FORMATS = ("text", "json", "html")


def render_json(diag: Diagnosis) -> str:
    return json.dumps(diag.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render(diag: Diagnosis, fmt: str = "text", *, color: bool = False) -> str:
    if fmt == "json":
        return render_json(diag)
    if fmt == "text":
        from .text import render_text  # (not imported by the CLI's start-up)

        return render_text(diag, color=color)
    if fmt == "html":
        from .html import render_html  # jinja2 is loaded only when a page is wanted

        return render_html(diag)
    raise ValueError(f"unknown format {fmt!r}")
