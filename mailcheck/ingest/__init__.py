"""Ingest: bytes in, :class:`~mailcheck.model.Evidence` out. Pure: no network, no clock.

Every input goes the same way: decode (or parse MIME), then each format parser whose
cheap ``detect()`` accepts the evidence adds what it understands (recipients, replies,
systems, facts), in order of specificity. A format is one module with ``NAME``,
``detect(ev)`` and ``parse(ev)``; adding a format is adding a module to ``FORMATS``.
"""

from __future__ import annotations

from types import ModuleType

from ..model import Evidence, RecipientEvidence
from . import (
    amazon_ses,
    arf,
    authentication,
    autoreply,
    dsn,
    entra,
    exchange,
    fml,
    gmail_sendas,
    google_groups,
    mta_log,
    plaintext,
    replies,
    returned_headers,
)
from .decode import MAX_INPUT_BYTES, InputError, to_text
from .message import LineSink, read_message
from .systems import detect_systems

#: Format parsers, most specific first. Each may add to what earlier ones found.
FORMATS: list[ModuleType] = [arf, amazon_ses, dsn, exchange, google_groups, fml, gmail_sendas,
                              entra, authentication, mta_log, autoreply, plaintext,
                              returned_headers]

__all__ = ["ingest", "InputError", "FORMATS"]

#: Formats whose detect() is false unless the shared scan (Evidence.present_literals) found
#: one of their ``TRIGGERS``; most inputs have none of any of them, and one test on the
#: scan then passes over them all.
_GATED = frozenset(fmt for fmt in FORMATS if getattr(fmt, "TRIGGERS", None))
_ALL_TRIGGERS = frozenset().union(*(fmt.TRIGGERS for fmt in _GATED))


def ingest(data: bytes | str, source: str = "-") -> Evidence:
    """Read one input (a message, a pasted NDR, a dialog, a log excerpt) into Evidence.

    Raises :class:`InputError` (one-line message) for empty or binary input.
    """
    ev = Evidence(source=source)
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    if len(raw) > MAX_INPUT_BYTES:
        ev.notes.append(f"input is {len(raw)} bytes; only the first {MAX_INPUT_BYTES} were read")
        raw = raw[:MAX_INPUT_BYTES]
    # (find with bounds: the same answers as tests on raw[:65536], without its copy)
    if raw.find(b"\r", 0, 65536) >= 0 and raw.find(b"\n", 0, 65536) < 0:
        raw = raw.replace(b"\r", b"\n")  # classic Mac line endings: CR alone
        data = raw
    if read_message(raw, ev):  # (looks_like_message, then parse_message)
        for ln in ev.lines:  # (a loop: the first line mostly answers)
            if ln.text.strip():
                break
        else:
            raise InputError("input is empty")
    else:
        text = to_text(data if isinstance(data, str) and len(raw) <= MAX_INPUT_BYTES else raw)
        LineSink(ev).add_text("text", text, limit=200_000)
    quiet = ev.present_literals().isdisjoint(_ALL_TRIGGERS)
    for fmt in FORMATS:
        if quiet and fmt in _GATED:
            continue
        if fmt.detect(ev):
            fmt.parse(ev)
            ev.formats.append(fmt.NAME)
            # (asked again: a parser that changed the lines would change the scan too)
            quiet = ev.present_literals().isdisjoint(_ALL_TRIGGERS)
    if ev.kind == "bounce":
        plaintext.remote_from_notice(ev)  # a report without Remote-MTA may name it in prose
    replies.collect_replies(ev)
    detect_systems(ev)
    _fallback_recipient(ev)
    if ev.kind == "unknown":
        ev.kind = _kind_without_parser(ev)
    return ev


def _fallback_recipient(ev: Evidence) -> None:
    """A pasted failure reply with no recipient list still deserves a per-recipient row."""
    if ev.recipients or ev.facts.get("no_recipients"):
        return
    failures = [r for r in ev.replies if (r.code or r.status or "2")[0] in "45"]
    if not failures:
        return
    best = max(failures, key=lambda r: (bool(r.status), bool(r.code)))
    first = (best.status or best.code or "5")[0]
    ev.recipients.append(RecipientEvidence(
        recipient=None, action="failed" if first == "5" else "delayed", status=best.status,
        reply_code=best.code, diagnostic=best.text, lines=[best.line] if best.line else []))
    if ev.kind == "unknown":
        ev.kind = "bounce" if ev.headers else "text"


def _kind_without_parser(ev: Evidence) -> str:
    names = {h.name.lower() for h in ev.headers}
    if names & {"received", "authentication-results", "dkim-signature", "arc-seal"}:
        return "headers"
    if ev.headers or ev.lines:
        return "text"
    return "unknown"
