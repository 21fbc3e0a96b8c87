"""MTA log lines pasted as text: Postfix ``status=bounced|deferred`` and Exim ``**`` / ``==``.

Postfix (one line per delivery attempt)::

    ... postfix/smtp[123]: 4F1A: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25,
        delay=1.2, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said:
        550 5.1.1 <bob@example.org>: Recipient address rejected (in reply to RCPT TO command))

Exim's main log: ``**`` is a permanent failure, ``==`` a deferral::

    2024-01-02 10:00:00 1rA-000 ** bob@example.org R=dnslookup T=remote_smtp: SMTP error
        from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 User unknown
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence, RecipientEvidence
from .replies import parse_reply_text

NAME = "mta-log"

_POSTFIX = re.compile(
    r"\bto=<([^<>\s]{1,254})>.{0,400}?\bstatus=(bounced|deferred|sent|expired|undeliverable)"
    r"[ \t]{0,2}(?:\((.{0,2000})\))?")
_POSTFIX_DSN = re.compile(r"\bdsn=([245]\.\d{1,3}\.\d{1,3})")
_POSTFIX_RELAY = re.compile(r"\brelay=([A-Za-z0-9.-]{1,253})")
_EXIM = re.compile(
    r"(?:^|\s)(\*\*|==)[ \t]{1,3}([^\s<>]{1,64}@[^\s<>:]{1,253})(?:[ \t]{1,3}<[^<>\s]{1,254}>)?"
    r"(?:[ \t]{1,3}[RT]=[^\s]{1,100}){0,4}[ \t]{0,3}:?[ \t]{0,3}(.{0,2000})$")
_EXIM_HOST = re.compile(r"\bH=([A-Za-z0-9.-]{1,253})")
_NEEDLES = frozenset(("status=", " ** ", " == "))  # what detect() needs one of
_ACTIONS = {"bounced": "failed", "deferred": "delayed", "sent": "delivered",
            "expired": "failed", "undeliverable": "failed"}


def detect(ev: Evidence) -> bool:
    if ev.recipients:
        return False
    # Each needle is its own lower-case form, so it occurs in the text only if it occurs in
    # the lower-cased text: the shared scan rules most inputs out without a search.
    present = ev.present_literals()
    if _NEEDLES.isdisjoint(present):
        return False
    hay = ev.haystack()
    return "status=" in hay and "to=<" in hay or " ** " in hay or " == " in hay


def parse(ev: Evidence) -> None:
    for ln in ev.lines:
        if ln.part in ("headers", "returned-headers"):
            continue
        text = ln.text
        if "status=" in text:
            m = _POSTFIX.search(text)
            if m:
                diag = (m.group(3) or "").strip() or None
                code, st = parse_reply_text(diag or "")
                d = _POSTFIX_DSN.search(text)
                relay = _POSTFIX_RELAY.search(text)
                ev.recipients.append(RecipientEvidence(
                    recipient=m.group(1), action=_ACTIONS[m.group(2)],
                    status=(d.group(1) if d else None) or st, reply_code=code,
                    diagnostic=diag, remote_mta=relay.group(1) if relay else None,
                    lines=[ln]))
                ev.add_system("postfix", ln)
                continue
        if "**" in text or "==" in text:
            m = _EXIM.search(text)
            if m:
                diag = m.group(3).strip() or None
                code, st = parse_reply_text(diag or "")
                host = _EXIM_HOST.search(text)
                ev.recipients.append(RecipientEvidence(
                    recipient=m.group(2), action="failed" if m.group(1) == "**" else "delayed",
                    status=st, reply_code=code, diagnostic=diag,
                    remote_mta=host.group(1) if host else None, lines=[ln]))
                ev.add_system("exim", ln)
    if ev.recipients:
        ev.kind = "bounce"


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(_NEEDLES)
