"""The generic reason for one recipient's failure (vocabulary: docs/reasons.md).

Order of evidence, strongest first: what a format parser already knew (an auto-reply is
a vacation, an ARF report is feedback), the reason of a specific rule that matched this
recipient's own diagnostic, a specific status code, a phrase in the diagnostic text, a
vague status code, the reply code. When nothing decides, a failure is ``onhold`` if we
have some diagnostic text and ``undefined`` if we have none.
"""

from __future__ import annotations

import tomllib
from functools import cache

from .model import HARD_REASONS, RecipientEvidence
from .status import _data_file, reply_info, split, status_info

#: Status details too vague to decide a reason on their own.
VAGUE_DETAILS = frozenset({"0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "7.1",
                           "5.1", "5.2", "4.1", "4.2"})


@cache
def phrase_table() -> list[tuple[str, tuple[str, ...]]]:
    data = tomllib.loads(_data_file("reasons.toml").read_text(encoding="utf-8"))
    phrases = data["phrases"]
    return [(r, tuple(p.lower() for p in phrases[r])) for r in data["pack"]["order"]]


def reason_from_text(text: str) -> str | None:
    low = text.lower()
    for reason, phrases in phrase_table():
        for p in phrases:
            if p in low:
                return reason
    return None


def _detail(status: str) -> str | None:
    p = split(status)
    return f"{int(p[1])}.{int(p[2])}" if p else None


def classify(rec: RecipientEvidence, rule_reason: str | None = None) -> str:
    action = (rec.action or "").lower()
    if rec.reason_hint:
        return rec.reason_hint
    if action in ("delivered", "relayed", "expanded") or (rec.status or "").startswith("2."):
        return "delivered"
    if rule_reason:
        return rule_reason
    detail = _detail(rec.status) if rec.status else None
    info = status_info(rec.status) if rec.status else None
    if info and detail not in VAGUE_DETAILS:
        return info["reason"]
    if rec.diagnostic:
        r = reason_from_text(rec.diagnostic)
        if r:
            return r
    if info and detail not in ("0.0",):
        return info["reason"]
    if rec.reply_code:
        rinfo = reply_info(rec.reply_code)
        if rinfo and rec.reply_code not in ("550", "554", "450", "451"):
            return rinfo["reason"]
    if action == "delayed":
        return "expired"
    return "onhold" if rec.diagnostic else "undefined"


def is_hard(reason: str, rec: RecipientEvidence) -> bool | None:
    """Hard bounce: retrying will not help. None for results that are not failures."""
    if reason in ("delivered", "feedback", "vacation"):
        return False
    if reason in HARD_REASONS:
        return True
    if reason == "notaccept":
        first = (rec.status or rec.reply_code or "")[:1]
        return first == "5"
    return False
