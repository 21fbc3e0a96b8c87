"""fml mailing-list notices: the list refused or dropped a post.

fml (a mailing-list manager common in Japan) answers a post it will not distribute with a
plain message from the list's ``-admin`` address, marked ``X-MLServer: fml ...``, whose
first lines say why: a loop ("Loop Alert: Duplicated Message-ID in <list@...>"), a poster
who is not a member ("NOT MEMBER article from ..."), a security check. No SMTP reply is
involved: the list itself is the failed recipient.
"""

from __future__ import annotations

import re

from ..model import Evidence, Line, RecipientEvidence

NAME = "fml"

#: (lower-case phrase, reason), first match wins; phrases from fml's own notices.
_PHRASES = (
    ("are not member", "rejected"),
    ("not member article from", "rejected"),
    ("is not a member of", "rejected"),
    ("reject mail from", "rejected"),
    ("spam mail from a spammer is rejected", "rejected"),
    ("security alert", "securityerror"),
    ("duplicated message-id", "systemerror"),
    ("loop alert", "systemerror"),
    ("loop back warning", "systemerror"),
    ("unix from loop", "systemerror"),
    ("fml system error message", "systemerror"),
)
_ADDR = re.compile(r"<([^<>@\s]{1,64}@[A-Za-z0-9.-]{1,253})>")
_ADMIN = re.compile(r"([A-Za-z0-9._+-]{1,64})-(?:admin|request)@([A-Za-z0-9.-]{1,253})", re.I)
_OWNER = re.compile(r"owner-([A-Za-z0-9._+-]{1,64})@([A-Za-z0-9.-]{1,253})", re.I)


def detect(ev: Evidence) -> bool:
    return not ev.recipients and "fml" in (ev.header("X-MLServer") or "").lower()


def _why(ev: Evidence) -> tuple[str, Line | None, str] | None:
    """(reason, line, text) of the notice's first sentence that names a known refusal."""
    subject = ev.header("Subject") or ""
    body = [ln for ln in ev.lines if ln.part.startswith("text/") and ln.text.strip()][:12]
    for text, line in [(subject, None)] + [(ln.text, ln) for ln in body]:
        low = text.lower()
        for phrase, reason in _PHRASES:
            if phrase in low:
                return reason, line, text.strip()
    return None


def _list_address(ev: Evidence, line: Line | None) -> str | None:
    """The list: ``in <list@...>`` on the notice's line, else from its -admin sender."""
    if line is not None and " in <" in line.text:
        m = _ADDR.search(line.text[line.text.index(" in <"):])
        if m:
            return m.group(1)
    for name in ("From", "Return-Path", "Sender"):
        value = ev.header(name) or ""
        m = _ADMIN.search(value)
        if m:
            return f"{m.group(1)}@{m.group(2)}"
        m = _OWNER.search(value)
        if m:
            return f"{m.group(1)}@{m.group(2)}"
    return None


def parse(ev: Evidence) -> None:
    found = _why(ev)
    if not found:
        return
    reason, line, text = found
    first = line or next((ln for ln in ev.lines if ln.part.startswith("text/")), None)
    ev.recipients.append(RecipientEvidence(
        recipient=_list_address(ev, line), action="failed", reason_hint=reason,
        diagnostic=text[:300], lines=[first] if first else []))
    ev.add_system("fml", first)
    if reason == "rejected":
        ev.set_fact("list_refusal", "fml", first)
    ev.kind = "bounce"
