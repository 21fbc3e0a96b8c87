"""Automatic replies (RFC 3834): out-of-office and "I have moved" notices, not bounces.

An auto-reply says so with ``Auto-Submitted: auto-replied``, or, from older software, with
``X-Autoreply`` / ``X-Autorespond`` / ``Precedence: auto_reply`` or a subject such as
"Auto reply:", "Automatic reply:", "Out of Office". A delivery report also carries
``Auto-Submitted``, so anything that looks like a bounce is left to the bounce parsers.
"""

from __future__ import annotations

import re

from ..model import Evidence, RecipientEvidence

NAME = "rfc3834"

_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|answer)|out of (?:the )?office|"
    r"abwesenheitsnotiz|自動応答|不在通知|réponse automatique|respuesta automática|"
    r"risposta automatica)|\bautoreply\b", re.I)
_BOUNCE_WORDS = ("undeliver", "delivery", "failure", "failed", "returned mail", "mailer-daemon",
                 "postmaster", "not delivered", "notification")
_ADDR = re.compile(r"[^\s<>;:\"'(),]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


def detect(ev: Evidence) -> bool:
    if ev.recipients or not ev.headers:
        return False
    subj = ev.header("Subject") or ""
    frm = (ev.header("From") or "").lower()
    low_subj = subj.lower()
    if "mailer-daemon" in frm or "postmaster" in frm:
        return False
    ctype = (ev.header("Content-Type") or "").lower()
    if "report" in ctype or ev.header("X-Failed-Recipients"):
        return False
    auto = (ev.header("Auto-Submitted") or "").lower()
    if auto.startswith("auto-replied") and not any(w in low_subj for w in _BOUNCE_WORDS):
        return True
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply"):
        if ev.header(name) is not None:
            return True
    if (ev.header("Precedence") or "").lower().strip() == "auto_reply":
        return True
    return bool(_SUBJECT.search(subj))


def parse(ev: Evidence) -> None:
    frm = ev.header("From") or ""
    m = _ADDR.search(frm)
    subj = ev.header("Subject") or ""
    ev.recipients.append(RecipientEvidence(
        recipient=m.group(0) if m else None, action=None, reason_hint="vacation",
        diagnostic=subj or None, lines=[h.line for h in ev.headers
                                        if h.name.lower() == "subject" and h.line][:1]))
    ev.kind = "auto-reply"
